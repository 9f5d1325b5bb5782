#!/usr/bin/env bash
# Runs every fuzz target for a fixed budget and reports executions and findings per target.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600 s, all targets)
#
# Builds first (scripts/fuzz-build.sh: installs cargo-fuzz if missing, works on stable). Each
# target starts from its committed seeds (fuzz/seeds/<target>/) with the tokens of
# fuzz/dicts/<target>.dict (size fields at their limits, keys, magic strings), and keeps what
# it learns in fuzz/corpus/<target>/ (git-ignored); a crashing input is saved to
# fuzz/artifacts/<target>/.
# libFuzzer's limits: 2 GiB of resident memory (sampled by libFuzzer about once a second; without
# a sanitizer there is no per-allocation limit, see docs/reliability.md), 10 s per input (a hang
# is a finding). FUZZ_SEED (default 1) is libFuzzer's -seed.
# Logs go to fuzz/logs/<target>.log. Exit status 1 if any target found a crash.
#
# A finding is fixed in the reader and its input copied to tests/data/fuzz/<target>/, which
# tests/fuzz_regressions.rs replays (see docs/reliability.md, "Fuzzing"). To replay one input:
#   cargo fuzz run --sanitizer none -a <target> <file>
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-600}"
shift || true

scripts/fuzz-build.sh
FUZZ_TARGET_DIR="${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}"
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"
unset CARGO_TARGET_DIR

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

mkdir -p fuzz/logs
report=()
failed=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  echo "== $t: ${secs}s"
  set +e
  dict=()
  [ -f "fuzz/dicts/$t.dict" ] && dict=(-dict="fuzz/dicts/$t.dict")
  cargo fuzz run --sanitizer none --debug-assertions \
    --target-dir "$FUZZ_TARGET_DIR" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    >"fuzz/logs/$t.log" 2>&1
  rc=$?
  set -e
  after=$(find "fuzz/artifacts/$t" -type f | wc -l)
  # `#N DONE cov: ... exec/s: R` when the budget ran out; the stats line otherwise.
  execs=$(grep -aoE '^#[0-9]+[[:space:]]+DONE' "fuzz/logs/$t.log" | tail -1 | grep -oE '[0-9]+' || true)
  [ -n "$execs" ] || execs=$(grep -aoE 'stat::number_of_executed_units:[[:space:]]+[0-9]+' "fuzz/logs/$t.log" | tail -1 | grep -oE '[0-9]+$' || true)
  rate=$(grep -aoE 'stat::average_exec_per_sec:[[:space:]]+[0-9]+' "fuzz/logs/$t.log" | tail -1 | grep -oE '[0-9]+$' || true)
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    status="FINDING (exit $rc): $(grep -aE '^(==[0-9]+== ERROR|thread .* panicked|SUMMARY)' "fuzz/logs/$t.log" | head -2 | tr '\n' ' ')"
    grep -aE 'Test unit written to' "fuzz/logs/$t.log" | tail -1 || true
  else
    status="no findings"
  fi
  line="$(printf '%-12s %6ss  executions %10s  (%s/s)  %s' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$status")"
  echo "$line"
  report+=("$line")
done

echo
echo "== fuzzing summary (logs in fuzz/logs/)"
printf '%s\n' "${report[@]}"
exit "$failed"
