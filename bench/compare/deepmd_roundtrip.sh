#!/usr/bin/env bash
# Verifies model exchange with DeePMD-kit itself, in both directions, in float64:
#   1. ai4s -> DeePMD-kit: train a small ai4s Deep Potential, `ai4s potential export` it,
#      `dp convert-backend` it to a PyTorch model, `dp test` it on the shipped test frames and
#      compare with ai4s's own predictions (`ai4s potential test --f64 --detail`).
#   2. DeePMD-kit -> ai4s: train a tiny se_e2_a model with `dp --pt train`, freeze it, convert it
#      to the native .yaml document, and compare `ai4s potential test` on it with `dp test`.
# DeePMD-kit lives in a throwaway virtual environment (never a project dependency).
# Usage (from the repository root, after `cargo build --release`):
#   bench/compare/deepmd_roundtrip.sh [WORKDIR]        (env: VENV=/tmp/ai4s-dp, STEPS=300)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-/tmp/ai4s-dp-roundtrip}
VENV=${VENV:-/tmp/ai4s-dp}
STEPS=${STEPS:-300}
AI4S="$ROOT/target/release/ai4s"
TEST="$ROOT/datasets/tb-si-64/test"
TRAIN="$ROOT/datasets/tb-si-64/train"
mkdir -p "$W"

if [ ! -x "$VENV/bin/dp" ]; then
  python3 -m venv "$VENV"
  # The deepmd-kit 3.2.0 wheel's PyTorch ops are built against torch 2.11.0 exactly; its
  # cibuildwheel build also loads libmpi from the `mpich` wheel, and its PyTorch descriptors import `e3nn`.
  "$VENV/bin/pip" install deepmd-kit==3.2.0 torch==2.11.0 mpich numpy e3nn
fi
DP="$VENV/bin/dp"
PY="$VENV/bin/python"
"$DP" --version

compare() { # compare PREFIX_A PREFIX_B LABEL: max relative difference of predicted columns
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import sys, numpy as np
a, b, label = sys.argv[1:4]
worst = 0.0
for kind, ncol in (("e", 1), ("f", 3), ("v", 9)):
    pa = np.loadtxt(f"{a}.{kind}.out", ndmin=2)[:, -ncol:]
    pb = np.loadtxt(f"{b}.{kind}.out", ndmin=2)[:, -ncol:]
    assert pa.shape == pb.shape, (kind, pa.shape, pb.shape)
    rel = np.abs(pa - pb).max() / np.abs(pb).max()
    worst = max(worst, rel)
    print(f"{label}: {kind}: {pa.shape[0]} rows, max |diff| {np.abs(pa - pb).max():.3e}, "
          f"relative to max |value| {rel:.3e}")
print(f"{label}: worst relative difference {worst:.3e} (target 1e-6)")
sys.exit(0 if worst < 1e-6 else 1)
PYEOF
}

status=0
echo "== 1. ai4s -> DeePMD-kit"
"$AI4S" run deep-potential --quick --quiet --out "$W/ai4s-train" \
  --set numb_steps="$STEPS" --set disp_freq=100
"$AI4S" potential export --model "$W/ai4s-train/model.bpk" --out "$W/ai4s.yaml"
(cd "$W" && "$DP" --pt convert-backend ai4s.yaml ai4s.pth)
(cd "$W" && "$DP" --pt test -m ai4s.pth -s "$TEST" -d dp_on_ai4s 2>&1 | tail -12)
"$AI4S" potential test --model "$W/ai4s-train/model.bpk" --data "$TEST" --f64 --detail "$W/ai4s_on_ai4s"
compare "$W/ai4s_on_ai4s" "$W/dp_on_ai4s" "ai4s model: ai4s vs dp test" || status=1

echo "== 2. DeePMD-kit -> ai4s"
cat > "$W/input.json" <<JSON
{
  "model": {
    "type_map": ["Si"],
    "descriptor": {"type": "se_e2_a", "sel": [48], "rcut": 5.0, "rcut_smth": 0.5,
                   "neuron": [8, 16, 32], "axis_neuron": 8, "resnet_dt": false,
                   "precision": "float64", "seed": 1},
    "fitting_net": {"neuron": [32, 32, 32], "resnet_dt": true, "precision": "float64", "seed": 1}
  },
  "learning_rate": {"type": "exp", "start_lr": 0.001, "stop_lr": 1e-5, "decay_steps": 50},
  "loss": {"type": "ener", "start_pref_e": 0.02, "limit_pref_e": 1, "start_pref_f": 1000,
           "limit_pref_f": 1, "start_pref_v": 0, "limit_pref_v": 0},
  "training": {"training_data": {"systems": ["$TRAIN"], "batch_size": 1},
               "numb_steps": $STEPS, "seed": 1, "disp_file": "lcurve.out", "disp_freq": 100,
               "save_freq": $STEPS}
}
JSON
(cd "$W" && "$DP" --pt train input.json > train.log 2>&1 && "$DP" --pt freeze -o dp.pth > freeze.log 2>&1)
(cd "$W" && "$DP" --pt convert-backend dp.pth dp.yaml)
(cd "$W" && "$DP" --pt test -m dp.pth -s "$TEST" -d dp_on_dp 2>&1 | tail -12)
"$AI4S" potential test --model "$W/dp.yaml" --data "$TEST" --f64 --detail "$W/ai4s_on_dp"
compare "$W/ai4s_on_dp" "$W/dp_on_dp" "DeePMD-kit model: ai4s vs dp test" || status=1
exit $status
