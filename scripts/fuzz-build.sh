#!/usr/bin/env bash
# Builds every fuzz target in fuzz/fuzz_targets/ (cargo-fuzz + libFuzzer), installing cargo-fuzz
# if it is missing. CI runs this so the targets keep compiling; scripts/fuzz.sh runs them.
#
# Works on the stable toolchain, no nightly and no RUSTC_BOOTSTRAP needed: `--sanitizer none`
# (ai4s is safe Rust; libFuzzer's coverage instrumentation is all the targets need) passes no -Z
# flag to rustc. `--debug-assertions` turns on overflow checks: an arithmetic overflow is a
# finding.
#
# The fuzz crate is its own workspace. Its build goes to fuzz/target, or to
# $CARGO_TARGET_DIR/fuzz when CARGO_TARGET_DIR is set (CI keeps its target directory outside
# the clone), never into the main build's directory.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

FUZZ_TARGET_DIR="${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}"
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"
export FUZZ_TARGET_DIR
# cargo-fuzz passes --target-dir itself; the main build's CARGO_TARGET_DIR must not leak in.
unset CARGO_TARGET_DIR

# A full build of the nine instrumented targets needs about 5 GB. On a machine shorter of disk
# than NEED_GB, the targets are type-checked instead (cargo fuzz check), which still proves
# that they compile against the current API, and the shortfall is printed.
NEED_GB="${AI4S_FUZZ_NEED_GB:-8}"
mkdir -p "$FUZZ_TARGET_DIR"
avail_gb=$(( $(df -Pk "$FUZZ_TARGET_DIR" | awk 'NR==2 {print $4}') / 1024 / 1024 ))
targets="$(cargo fuzz list | tr '\n' ' ')"
if (( avail_gb >= NEED_GB )); then
  echo "== cargo fuzz build (targets: $targets; ${avail_gb} GB free)"
  cargo fuzz build --sanitizer none --debug-assertions \
    --target-dir "$FUZZ_TARGET_DIR"
  du -sh "$FUZZ_TARGET_DIR"
else
  echo "== only ${avail_gb} GB free (a full fuzz build needs ${NEED_GB} GB):" \
    "type-checking the targets instead (cargo fuzz check; targets: $targets)"
  cargo fuzz check --sanitizer none --debug-assertions \
    --target-dir "$FUZZ_TARGET_DIR"
fi
