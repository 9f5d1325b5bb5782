#!/usr/bin/env bash
# Deep Potential accuracy at equal steps: ai4s and DeePMD-kit trained from the same `input.json`
# on the same frames with several seeds, both models then scored on the same held-out frames.
#   * SYSTEM=tbsi (default): datasets/tb-si-64/train split as ai4s splits it by default (every
#     10th frame held out: 144 training, 16 validation frames, as bench/compare/deepmd_train.sh);
#     test set datasets/tb-si-64/test (40 frames, never trained on). One type, `type_one_side`.
#   * SYSTEM=binary: a generated two-element system, a Kob-Andersen binary Lennard-Jones liquid
#     named Ni80P20 as in its paper (bench/compare/binary_lj.py with its defaults: 48 Ni + 12 P,
#     density 1.2 sigma^-3, shifted-force LJ cut at rcut 5.5 A, exact energies, forces and
#     virials checked against finite differences; Metropolis chains at two temperatures, strained
#     snapshots): 150 training, 16 validation, 40 test frames. `sel` per type is the largest
#     neighbour count within rcut over all frames + 20 %; per-pair embedding nets
#     (`type_one_side` omitted: false).
#   * input.json: se_e2_a with ai4s's default sizes (rcut 5.0/0.5 for tbsi, 5.5/0.5 for binary,
#     embedding [16,32,64], axis 12, fitting [100,100,100] with resnet_dt, float32, batch 1),
#     exp learning rate 5e-3 -> 1e-5 every 200 steps, `ener` loss e 0.1 -> 4, f 1000 -> 1,
#     v 0.1 -> 1 with `intensive_ener_virial`; STEPS steps; the seed keys set to the round's seed.
#   * DeePMD-kit (TensorFlow backend): `dp train input.json`, `dp freeze`, `dp test -s test`.
#   * ai4s: `ai4s run deep-potential --config input.json --seed S --set test_data=test`, i.e. the
#     same file translated (with DeePMD-kit's weight initialisation, `weight_init = "deepmd"`),
#     and once more with `--set weight_init=burn` (ai4s's default initialisation).
#   * Reported: test-set energy RMSE per atom (meV/atom) and force RMSE (eV/A) per seed, and the
#     ratio ai4s / DeePMD-kit.
# DeePMD-kit lives in a throwaway virtual environment (never a project dependency); the binary
# system's generator runs in that environment's python (numpy only).
# Usage (from the repository root, after `cargo build --release`):
#   bench/compare/deepmd_accuracy.sh [WORKDIR]
#     env: AI4S=target/release/ai4s  STEPS=1000  SEEDS="1 2 3"  THREADS=$(nproc)
#          VENV_TF=/tmp/ai4s-dptf  SYSTEM=tbsi|binary
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-/tmp/ai4s-dp-accuracy}
AI4S=${AI4S:-$ROOT/target/release/ai4s}
STEPS=${STEPS:-1000}
SEEDS=${SEEDS:-"1 2 3"}
THREADS=${THREADS:-$(nproc)}
VENV_TF=${VENV_TF:-/tmp/ai4s-dptf}
SYSTEM=${SYSTEM:-tbsi}
DP_VERSION=3.2.0
mkdir -p "$W"
W=$(cd "$W" && pwd)
if [ ! -x "$VENV_TF/bin/dp" ]; then
  python3 -m venv "$VENV_TF"
  "$VENV_TF/bin/pip" install "deepmd-kit[cpu]==$DP_VERSION"
fi
PY="$VENV_TF/bin/python"
"$AI4S" --version
echo "== DeePMD-kit $("$PY" -c 'import importlib.metadata as m; print(m.version("deepmd-kit"))')"
echo "== machine: $(nproc) cores; threads $THREADS; system $SYSTEM; steps $STEPS; seeds $SEEDS; $(uptime)"

case $SYSTEM in
tbsi)
TYPE_MAP='["Si"]' SEL='[48]' RCUT=5.0 ONE_SIDE=' "type_one_side": true,'
"$PY" - "$ROOT/datasets/tb-si-64" "$W/data" <<'PYEOF'
import sys, os, shutil, numpy as np
src, dst = sys.argv[1:3]
def copy(name, sub, mask=None):
    s = os.path.join(src, sub)
    d = os.path.join(dst, name)
    os.makedirs(os.path.join(d, "set.000"), exist_ok=True)
    for f in ("type.raw", "type_map.raw"):
        shutil.copy(os.path.join(s, f), d)
    for f in os.listdir(os.path.join(s, "set.000")):
        a = np.load(os.path.join(s, "set.000", f))
        np.save(os.path.join(d, "set.000", f), a if mask is None else a[mask])
nf = np.load(os.path.join(src, "train", "set.000", "coord.npy")).shape[0]
val = np.arange(nf) % 10 == 9
copy("train", "train", ~val)
copy("val", "train", val)
copy("test", "test")
PYEOF
;;
binary)
echo "== generating the binary Lennard-Jones system"
"$PY" "$ROOT/bench/compare/binary_lj.py" "$W/data"
TYPE_MAP='["Ni", "P"]' ONE_SIDE=''
SEL=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["sel"])' "$W/data/binary.json")
RCUT=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["rcut"])' "$W/data/binary.json")
;;
*) echo "SYSTEM must be tbsi or binary, got '$SYSTEM'" >&2; exit 2 ;;
esac

write_input() { # write_input DIR SEED
  cat > "$1/input.json" <<JSON
{
  "model": {
    "type_map": $TYPE_MAP,
    "descriptor": {"type": "se_e2_a", "sel": $SEL, "rcut": $RCUT, "rcut_smth": 0.5,
                   "neuron": [16, 32, 64], "axis_neuron": 12, "resnet_dt": false,$ONE_SIDE
                   "activation_function": "tanh",
                   "precision": "float32", "seed": $2},
    "fitting_net": {"neuron": [100, 100, 100], "resnet_dt": true, "activation_function": "tanh",
                    "precision": "float32", "seed": $2}
  },
  "learning_rate": {"type": "exp", "start_lr": 0.005, "stop_lr": 1e-5, "decay_steps": 200},
  "loss": {"type": "ener", "start_pref_e": 0.1, "limit_pref_e": 4.0, "start_pref_f": 1000,
           "limit_pref_f": 1.0, "start_pref_v": 0.1, "limit_pref_v": 1.0,
           "intensive_ener_virial": true},
  "training": {"training_data": {"systems": ["$W/data/train"], "batch_size": 1},
               "validation_data": {"systems": ["$W/data/val"], "batch_size": 1, "numb_btch": 16},
               "numb_steps": $STEPS, "seed": $2, "disp_file": "lcurve.out", "disp_freq": 100,
               "save_freq": $STEPS}
}
JSON
}

RES="$W/results.tsv"
printf "tool\tseed\trmse_e_mev_per_atom\trmse_f\n" > "$RES"
for s in $SEEDS; do
  d="$W/seed-$s"
  rm -rf "$d"; mkdir -p "$d"
  write_input "$d" "$s"
  echo "-- seed $s: DeePMD-kit"
  (cd "$d" && OMP_NUM_THREADS=$THREADS DP_INTRA_OP_PARALLELISM_THREADS=$THREADS \
    DP_INTER_OP_PARALLELISM_THREADS=1 "$VENV_TF/bin/dp" --tf train --skip-neighbor-stat \
    input.json > train.log 2>&1 &&
    "$VENV_TF/bin/dp" --tf freeze -o model.pb > freeze.log 2>&1 &&
    "$VENV_TF/bin/dp" --tf test -m model.pb -s "$W/data/test" -n 1000 > test.log 2>&1)
  "$PY" - "$d/test.log" "$s" >> "$RES" <<'PYEOF'
import sys, re
text = open(sys.argv[1]).read()
e = float(re.findall(r"Energy RMSE/Natoms\s*:\s*([0-9.eE+-]+)", text)[-1])
f = float(re.findall(r"Force\s+RMSE\s*:\s*([0-9.eE+-]+)", text)[-1])
print(f"DeePMD-kit\t{sys.argv[2]}\t{1000 * e:.4f}\t{f:.4f}")
PYEOF
  tail -1 "$RES"
  for init in deepmd burn; do
    echo "-- seed $s: ai4s (weight_init $init)"
    RAYON_NUM_THREADS=$THREADS "$AI4S" run deep-potential --config "$d/input.json" --seed "$s" \
      --set test_data="$W/data/test" --set weight_init=$init --quiet --out "$d/ai4s-$init" > /dev/null
    "$PY" - "$d/ai4s-$init/summary.json" "$s" "$init" >> "$RES" <<'PYEOF'
import sys, json
m = json.load(open(sys.argv[1]))["metrics"]
print(f"ai4s ({sys.argv[3]})\t{sys.argv[2]}\t{1000 * m['energy_rmse_per_atom']:.4f}\t{m['force_rmse']:.4f}")
PYEOF
    tail -1 "$RES"
  done
done
echo "== test-set RMSE after $STEPS steps (energy meV/atom, force eV/A)"
column -t -s $'\t' "$RES"
"$PY" - "$RES" <<'PYEOF'
import sys, csv
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
dp = {r["seed"]: r for r in rows if r["tool"] == "DeePMD-kit"}
print("== ai4s / DeePMD-kit per seed (energy, force)")
for r in rows:
    if r["tool"] != "DeePMD-kit":
        d = dp[r["seed"]]
        print(f"{r['tool']:<14} seed {r['seed']}: "
              f"{float(r['rmse_e_mev_per_atom']) / float(d['rmse_e_mev_per_atom']):.2f}, "
              f"{float(r['rmse_f']) / float(d['rmse_f']):.2f}")
PYEOF
