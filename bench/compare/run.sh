#!/usr/bin/env bash
# Runs ai4s's benchmarks and the peers' on this machine in one go and prints the ratio table.
# The peers (PyTorch, Gymnasium, scikit-learn) go into a throwaway virtual environment, never
# into the project. Usage: bash bench/compare/run.sh [repeat]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
repeat="${1:-3}"
venv="${AI4S_PEERS_VENV:-/tmp/ai4s-peers}"
out=runs/bench
mkdir -p "$out"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q torch gymnasium scikit-learn numpy
cargo build --release -q
echo "== machine"
grep -m1 "model name" /proc/cpuinfo
echo "cores: $(nproc)"
echo "== ai4s bench (repeat $repeat)"
./target/release/ai4s bench --repeat "$repeat" --out "$out"
echo "== peers"
: > "$out/peers.jsonl"
"$venv/bin/python" bench/compare/torch_mlp.py "$repeat" 200 2 | tee -a "$out/peers.jsonl"
"$venv/bin/python" bench/compare/gym_cartpole.py "$repeat" | tee -a "$out/peers.jsonl"
echo "== clustering: k-means 100k x 16, DBSCAN 100k x 2 and 20k x 16 (ai4s vs scikit-learn)"
"$venv/bin/python" bench/compare/sklearn_cluster.py speed --ai4s target/release/ai4s --repeats "$repeat" --out "$out/cluster"
echo "== clustering scaling: time vs n, k, d -> docs/figures/cluster_scaling_*.png and slopes"
"$venv/bin/python" bench/compare/sklearn_cluster.py scaling --ai4s target/release/ai4s --repeats "$repeat" --out "$out/cluster" --figures docs/figures
echo "== diagnosis on the same folds (ai4s vs scikit-learn)"
./target/release/ai4s run diagnosis --quiet --out "$out/diagnosis"
"$venv/bin/python" bench/compare/sklearn_diagnosis.py "$out/diagnosis"
echo "== ratios"
"$venv/bin/python" bench/compare/compare.py "$out/bench.json" "$out/peers.jsonl" flex
