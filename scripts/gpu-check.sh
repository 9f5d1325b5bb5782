#!/usr/bin/env bash
# GPU check on a real NVIDIA machine: build with the GPU backend, train the selftest MLP on the
# GPU and on the CPU (falling and matching losses required), run one real task on the GPU, then
# measure throughput (`ai4s bench`: MLP samples/s, Deep Potential training steps/s, MD atom-steps/s,
# PPO wall time) on every backend the build has: flex (CPU), wgpu (Vulkan; on NVIDIA through the
# driver's Vulkan) and, for `cuda`, CUDA. Results: runs/gpu-check-<backend>/bench/bench.{json,csv}.
# Usage: scripts/gpu-check.sh [cuda|wgpu] [repeat]
#   cuda needs the CUDA driver (libcuda, libnvrtc) at run time; to build it without network,
#   first `eval "$(scripts/cuda-offline/prepare.sh /tmp/cudaoffline)"` (scripts/cuda-offline/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-cuda}"
repeat="${2:-3}"
target="${CARGO_TARGET_DIR:-target}"
out="runs/gpu-check-$backend"
nvidia-smi || true
cargo build --release --features "$backend"
bin="$target/release/ai4s"
"$bin" devices
"$bin" selftest --device "$backend" --steps 200
"$bin" run regression --quick --device "$backend" --out "$out/regression"
# The default features hold flex and wgpu; `cuda` adds itself.
backends="flex,wgpu"
if [ "$backend" != wgpu ]; then
  backends="$backends,$backend"
fi
"$bin" bench --backends "$backends" --repeat "$repeat" --out "$out/bench"
cat "$out/bench/bench.csv"
