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

echo "== cargo fuzz build (targets: $(cargo fuzz list | tr '\n' ' '))"
cargo fuzz build --sanitizer none --debug-assertions \
  --target-dir "$FUZZ_TARGET_DIR"
