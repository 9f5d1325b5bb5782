#!/usr/bin/env bash
# GPU check on a real NVIDIA machine: build with CUDA, train the selftest MLP on the GPU and on
# the CPU, require falling and matching losses, then run one real task on the GPU.
# Usage: scripts/gpu-check.sh [cuda|wgpu]   (needs the CUDA driver and toolkit for `cuda`)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-cuda}"
nvidia-smi || true
cargo build --release --features "$backend"
./target/release/ai4s devices
./target/release/ai4s selftest --device "$backend" --steps 200
./target/release/ai4s run regression --quick --device "$backend" --out "runs/gpu-check-$backend"
