#!/usr/bin/env bash
# Deep Potential (se_e2_a) training speed: ai4s next to DeePMD-kit on the same machine, the same
# frames and the same network, in one run.
#   * SYSTEM=tbsi (default): datasets/tb-si-64/train split as ai4s splits it by default (every
#     10th frame held out for validation: 144 training, 16 validation frames), written once to
#     WORKDIR/data so that both tools read the identical training and validation sets. Model:
#     ai4s's `deep-potential` defaults (rcut 5.0, rcut_smth 0.5, sel [48], embedding [16,32,64]
#     without idt, axis_neuron 12, fitting [100,100,100] with resnet_dt, type_one_side).
#   * SYSTEM=binary: a larger, denser two-element system in the shape of DeePMD-kit's water
#     example: 64 + 128 atoms of the Kob-Andersen Lennard-Jones mixture of
#     bench/compare/binary_lj.py at density 1.1 sigma^-3 with rcut 6.0 A (sel = largest
#     neighbour count + 20 %, printed), 144 training and 16 validation frames; the water
#     example's network (embedding [25,50,100], axis_neuron 16, fitting [240,240,240] with
#     resnet_dt, type_one_side true; ONE_SIDE=false gives per-pair embedding nets).
#   * One input.json for both tools (ai4s: `ai4s run deep-potential --config input.json`):
#     tanh, PRECISION (float32 default, or float64 = DeePMD-kit's default), batch size 1, exp
#     learning rate 5e-3 -> 1e-5 decayed every 200 steps, loss prefactors e 0.1 -> 4,
#     f 1000 -> 1, v 0.1 -> 1, validation every disp_freq = 100 steps (ai4s: 8 training + 16
#     validation frames; DeePMD-kit: 1 training batch + numb_btch = 16 validation frames). No
#     checkpoint is written inside the timed steps (save_freq = numb_steps).
#   * Speed, from wall time per interval of disp_freq steps (training + that interval's
#     validation): DeePMD-kit's own log lines "Batch N: total wall time = X s"; ai4s's progress
#     lines "(N/numb_steps)" (printed every 10 % of the steps, timestamped here as they arrive).
#     "whole": all steps (ai4s: `train_steps_per_second` of summary.json); "steady": without the
#     first disp_freq steps (graph building / warm-up, as DeePMD-kit's own average leaves out);
#     "best": the fastest interval after the first (ai4s: span of >= disp_freq steps), the one
#     least disturbed by other load on the machine.
#     Ratios: ai4s / DeePMD-kit of the medians over the rounds.
#   * Threads: DeePMD-kit gets OMP_NUM_THREADS = DP_INTRA_OP_PARALLELISM_THREADS = THREADS and
#     DP_INTER_OP_PARALLELISM_THREADS = 1; ai4s (burn-flex, rayon) gets RAYON_NUM_THREADS = THREADS.
#     THREADS defaults to `nproc`.
#   * The tools run alternately, REPEAT rounds, the order rotated each round; medians reported.
# DeePMD-kit lives in throwaway virtual environments (never a project dependency): the TensorFlow
# CPU backend in VENV_TF (`deepmd-kit[cpu]`), the PyTorch backend in VENV_PT (as in
# deepmd_roundtrip.sh). The PyTorch backend is ~10x slower on CPU here, so it runs STEPS_PT steps
# (a rate is compared; its accuracy column is then not comparable with the STEPS-step runs).
# Usage (from the repository root, after `cargo build --release`):
#   bench/compare/deepmd_train.sh [WORKDIR]
#     env: AI4S=target/release/ai4s  STEPS=1000  STEPS_PT=300  REPEAT=3  BACKENDS="tf pt"
#          THREADS=$(nproc)  VENV_TF=/tmp/ai4s-dptf  VENV_PT=/tmp/ai4s-dp
#          SYSTEM=tbsi|binary  PRECISION=float32|float64  ONE_SIDE=true|false (binary)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-/tmp/ai4s-dp-speed}
AI4S=${AI4S:-$ROOT/target/release/ai4s}
STEPS=${STEPS:-1000}
STEPS_PT=${STEPS_PT:-300}
REPEAT=${REPEAT:-3}
BACKENDS=${BACKENDS:-"tf pt"}
THREADS=${THREADS:-$(nproc)}
VENV_TF=${VENV_TF:-/tmp/ai4s-dptf}
VENV_PT=${VENV_PT:-/tmp/ai4s-dp}
DISP=${DISP:-100}
SYSTEM=${SYSTEM:-tbsi}
PRECISION=${PRECISION:-float32}
ONE_SIDE=${ONE_SIDE:-true}
DP_VERSION=3.2.0
SRC="$ROOT/datasets/tb-si-64/train"
case $PRECISION in float32|float64) ;; *) echo "PRECISION must be float32 or float64" >&2; exit 2 ;; esac
mkdir -p "$W"
W=$(cd "$W" && pwd)

for b in $BACKENDS; do
  case $b in
    tf)
      if [ ! -x "$VENV_TF/bin/dp" ]; then
        python3 -m venv "$VENV_TF"
        "$VENV_TF/bin/pip" install "deepmd-kit[cpu]==$DP_VERSION"
      fi ;;
    pt)
      if [ ! -x "$VENV_PT/bin/dp" ]; then
        python3 -m venv "$VENV_PT"
        # See deepmd_roundtrip.sh: the 3.2.0 wheel's PyTorch ops need torch 2.11.0 exactly,
        # libmpi from the `mpich` wheel, and `e3nn` for its PyTorch descriptors.
        "$VENV_PT/bin/pip" install "deepmd-kit==$DP_VERSION" torch==2.11.0 mpich numpy e3nn
      fi ;;
    *) echo "unknown backend $b (tf, pt)" >&2; exit 2 ;;
  esac
done
venv_of() { if [ "$1" = tf ]; then echo "$VENV_TF"; else echo "$VENV_PT"; fi; }
PY="$(venv_of "${BACKENDS%% *}")/bin/python"

echo "== versions"
"$AI4S" --version
for b in $BACKENDS; do
  "$(venv_of "$b")/bin/python" - "$b" <<'PYEOF'
import sys, importlib.metadata as m
def v(p):
    try: return m.version(p)
    except m.PackageNotFoundError: return None
libs = [f"{p} {v(p)}" for p in ("deepmd-kit", "tensorflow-cpu", "tensorflow", "torch", "numpy") if v(p)]
print(f"DeePMD-kit ({sys.argv[1]}):", ", ".join(libs))
PYEOF
done
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== threads: ai4s RAYON_NUM_THREADS=$THREADS; DeePMD-kit OMP_NUM_THREADS=$THREADS" \
  "DP_INTRA_OP_PARALLELISM_THREADS=$THREADS DP_INTER_OP_PARALLELISM_THREADS=1"
echo "== system $SYSTEM, precision $PRECISION; uptime before: $(uptime)"

case $SYSTEM in
tbsi)
TYPE_MAP='["Si"]' SEL='[48]' RCUT=5.0 NEURON='[16, 32, 64]' AXIS=12 FIT='[100, 100, 100]'
ONE_SIDE=true
# The same split as ai4s's default (validation = frames k with k % 10 == 9).
"$PY" - "$SRC" "$W/data" <<'PYEOF'
import sys, os, shutil, numpy as np
src, dst = sys.argv[1:3]
arrays = {f[:-4]: np.load(os.path.join(src, "set.000", f)) for f in os.listdir(os.path.join(src, "set.000"))}
nf = arrays["coord"].shape[0]
val = np.arange(nf) % 10 == 9
for name, mask in (("train", ~val), ("val", val)):
    d = os.path.join(dst, name)
    os.makedirs(os.path.join(d, "set.000"), exist_ok=True)
    for f in ("type.raw", "type_map.raw"):
        shutil.copy(os.path.join(src, f), d)
    for k, a in arrays.items():
        np.save(os.path.join(d, "set.000", k + ".npy"), a[mask])
    print(f"data/{name}: {int(mask.sum())} frames")
PYEOF
;;
binary)
# Generated once per WORKDIR (about a minute and a half); a second run reuses the frames.
if [ ! -f "$W/data/binary.json" ]; then
  echo "== generating the 192-atom binary Lennard-Jones system"
  "$PY" "$ROOT/bench/compare/binary_lj.py" "$W/data" --na 64 --nb 128 --rho 1.1 --rc 6.0 \
    --frames 80 --test 0 --equil 100 --every 5
fi
TYPE_MAP='["Ni", "P"]' NEURON='[25, 50, 100]' AXIS=16 FIT='[240, 240, 240]'
SEL=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["sel"])' "$W/data/binary.json")
RCUT=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["rcut"])' "$W/data/binary.json")
;;
*) echo "SYSTEM must be tbsi or binary, got '$SYSTEM'" >&2; exit 2 ;;
esac

write_input() { # write_input DIR NUMB_STEPS
  cat > "$1/input.json" <<JSON
{
  "model": {
    "type_map": $TYPE_MAP,
    "descriptor": {"type": "se_e2_a", "sel": $SEL, "rcut": $RCUT, "rcut_smth": 0.5,
                   "neuron": $NEURON, "axis_neuron": $AXIS, "resnet_dt": false,
                   "type_one_side": $ONE_SIDE, "activation_function": "tanh",
                   "precision": "$PRECISION", "seed": 1},
    "fitting_net": {"neuron": $FIT, "resnet_dt": true, "activation_function": "tanh",
                    "precision": "$PRECISION", "seed": 1}
  },
  "learning_rate": {"type": "exp", "start_lr": 0.005, "stop_lr": 1e-5, "decay_steps": 200},
  "loss": {"type": "ener", "start_pref_e": 0.1, "limit_pref_e": 4.0, "start_pref_f": 1000,
           "limit_pref_f": 1.0, "start_pref_v": 0.1, "limit_pref_v": 1.0,
           "intensive_ener_virial": true},
  "training": {"training_data": {"systems": ["$W/data/train"], "batch_size": 1},
               "validation_data": {"systems": ["$W/data/val"], "batch_size": 1, "numb_btch": 16},
               "numb_steps": $2, "seed": 1, "disp_file": "lcurve.out", "disp_freq": $DISP,
               "save_freq": $2, "disp_training": true, "time_training": true}
}
JSON
}

RES="$W/results.tsv"
printf "tool\tbackend\tround\tsteps\tsteady\twhole\tbest\trmse_f_val\trmse_e_val\tproc_wall_s\tload1\n" > "$RES"

run_ai4s() { # run_ai4s ROUND
  local d="$W/ai4s-$1" load t0 t1
  rm -rf "$d" "$d.in"; mkdir -p "$d.in"
  write_input "$d.in" "$STEPS"
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  # Progress lines (not a terminal: one per 10 % of the steps, written as the step ends) get a
  # monotonic timestamp on arrival.
  RAYON_NUM_THREADS=$THREADS "$AI4S" run deep-potential --config "$d.in/input.json" --out "$d" 2>&1 |
    "$PY" -u -c 'import sys, time
for l in sys.stdin: print(f"{time.monotonic():.4f} {l}", end="")' > "$d.log"
  t1=$(date +%s.%N)
  "$PY" - "$d" "$1" "$STEPS" "$DISP" "$t0" "$t1" "$load" "$PRECISION" >> "$RES" <<'PYEOF'
import sys, json, csv, re
d, rnd, n, disp, t0, t1, load, prec = sys.argv[1:9]
n, disp = int(n), int(disp)
whole = json.load(open(f"{d}/summary.json"))["metrics"]["train_steps_per_second"]
marks = [(int(m[2]), float(m[1])) for m in
         re.finditer(r"^([0-9.]+) \[deep-potential\].*\((\d+)/\d+\)", open(f"{d}.log").read(), re.M)]
assert marks and marks[-1][0] == n, f"{d}.log: no progress lines up to step {n}"
first = next(m for m in marks if m[0] >= disp)
steady = (n - first[0]) / (marks[-1][1] - first[1])
# Fastest span of at least disp_freq steps after the first disp_freq (one validation in each).
spans = [next((b for b in marks[i:] if b[0] - a[0] >= disp), None) for i, a in enumerate(marks)]
best = max((b[0] - a[0]) / (b[1] - a[1]) for a, b in zip(marks, spans) if b and a[0] >= disp)
last = list(csv.DictReader(open(f"{d}/metrics.csv")))[-1]
print(f"ai4s\tburn-flex {prec}\t{rnd}\t{n}\t{steady:.3f}\t{whole:.3f}\t{best:.3f}\t"
      f"{float(last['rmse_f_val']):.4f}\t{float(last['rmse_e_val']):.4f}\t{float(t1) - float(t0):.1f}\t{load}")
PYEOF
}

run_dp() { # run_dp BACKEND ROUND
  local d="$W/dp-$1-$2" n=$STEPS load t0 t1
  [ "$1" = pt ] && n=$STEPS_PT
  rm -rf "$d"; mkdir -p "$d"
  write_input "$d" "$n"
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  (cd "$d" && OMP_NUM_THREADS=$THREADS DP_INTRA_OP_PARALLELISM_THREADS=$THREADS \
    DP_INTER_OP_PARALLELISM_THREADS=1 "$(venv_of "$1")/bin/dp" "--$1" train \
    --skip-neighbor-stat input.json > train.log 2>&1)
  t1=$(date +%s.%N)
  "$PY" - "$d" "$1" "$2" "$n" "$DISP" "$t0" "$t1" "$load" "$PRECISION" >> "$RES" <<'PYEOF'
import sys, re
d, backend, rnd, n, disp, t0, t1, load, prec = sys.argv[1:10]
n, disp = int(n), int(disp)
walls = [(int(m[1]), float(m[2])) for m in
         re.finditer(r"Batch\s+(\d+): total wall time = ([0-9.]+) s", open(f"{d}/train.log").read())]
assert walls and walls[-1][0] == n, f"{d}: no timing lines up to batch {n}"
steady = (n - disp) / sum(w for k, w in walls if k > disp)
whole = n / sum(w for _, w in walls)
best = max((b - a) / w for a, (b, w) in zip([0] + [k for k, _ in walls], walls) if b > disp)
rows = [l.split() for l in open(f"{d}/lcurve.out") if not l.startswith("#")]
head = [l for l in open(f"{d}/lcurve.out") if l.startswith("# step")][0].split()[1:]
last = dict(zip(head, rows[-1]))
label = {"tf": "TensorFlow", "pt": "PyTorch"}[backend] + " " + prec
print(f"DeePMD-kit\t{label}\t{rnd}\t{n}\t{steady:.3f}\t{whole:.3f}\t{best:.3f}\t{float(last['rmse_f_val']):.4f}\t"
      f"{float(last['rmse_e_val']):.4f}\t{float(t1) - float(t0):.1f}\t{load}")
PYEOF
}

TOOLS=(ai4s $BACKENDS)
for r in $(seq 1 "$REPEAT"); do
  # Rotate the order each round so no tool always runs first (or right after another).
  k=$(( (r - 1) % ${#TOOLS[@]} ))
  order=("${TOOLS[@]:k}" "${TOOLS[@]:0:k}")
  for t in "${order[@]}"; do
    echo "-- round $r: $t (load $(cut -d' ' -f1-3 /proc/loadavg))"
    if [ "$t" = ai4s ]; then run_ai4s "$r"; else run_dp "$t" "$r"; fi
    tail -1 "$RES"
  done
done
echo "== uptime after: $(uptime)"

echo "== all runs (steps/s; whole = all steps, steady = without the first $DISP, best = fastest $DISP-step interval)"
column -t -s $'\t' "$RES"
echo "== medians over $REPEAT rounds; ai4s/this = ratio of the medians (steady, best)"
"$PY" - "$RES" <<'PYEOF'
import sys, csv, statistics as st
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = {}
for r in rows:
    groups.setdefault((r["tool"], r["backend"]), []).append(r)
med = lambda g, k: st.median(float(r[k]) for r in g)
ai4s = groups[next(k for k in groups if k[0] == "ai4s")]
print(f"{'tool':<11} {'backend':<15} {'steps':>5} {'whole/s':>8} {'steady/s':>9} {'best/s':>7}"
      f" {'ai4s/this':>15} {'rmse_f_val':>10} {'rmse_e_val':>10}")
for (tool, backend), g in groups.items():
    ratio = f"{med(ai4s, 'steady') / med(g, 'steady'):.2f}, {med(ai4s, 'best') / med(g, 'best'):.2f}"
    print(f"{tool:<11} {backend:<15} {g[0]['steps']:>5} {med(g, 'whole'):8.2f} {med(g, 'steady'):9.2f}"
          f" {med(g, 'best'):7.2f} {ratio:>15} {med(g, 'rmse_f_val'):10.4f} {med(g, 'rmse_e_val'):10.4f}")
PYEOF
