#!/usr/bin/env bash
# Renders the map report in headless Chromium: a screenshot must be taken and the page must log
# nothing to the console (the report has no scripts, so any console line is an error).
# Usage: scripts/report-check.sh [AI4S_BINARY] [OUT_DIR]. Needs Debian's `chromium`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/ai4s}"
out="${2:-$(mktemp -d)}"
"$bin" map --quiet --out "$out/map" \
  --only cellular-automata --only bayesopt --only kmeans --only q-learning --only pca
profile=$(mktemp -d)
log="$out/chromium.log"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --enable-logging=stderr --v=0 --window-size=1200,1600 \
  --screenshot="$out/report.png" "file://$(realpath "$out/map/report.html")" 2>"$log" || true
rm -rf "$profile"
size=$(stat -c %s "$out/report.png" 2>/dev/null || echo 0)
if [ "$size" -lt 20000 ]; then
  echo "error: no screenshot of the report ($out/report.png, $size bytes); chromium said:"
  tail -n 20 "$log"
  exit 1
fi
if grep -q ":CONSOLE" "$log"; then
  echo "error: the report logged to the browser console:"
  grep ":CONSOLE" "$log"
  exit 1
fi
echo "report renders: $out/report.png ($size bytes), no console messages"
