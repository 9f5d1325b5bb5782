#!/usr/bin/env bash
# Deep Potential accuracy at equal steps: ai4s and DeePMD-kit trained from the same `input.json`
# on the same frames with several seeds, both models then scored on the same held-out frames.
#   * SYSTEM=tbsi (default): datasets/tb-si-64/train split as ai4s splits it by default (every
#     10th frame held out: 144 training, 16 validation frames, as bench/compare/deepmd_train.sh);
#     test set datasets/tb-si-64/test (40 frames, never trained on). One type, `type_one_side`.
#   * SYSTEM=binary: a generated two-element system, a Kob-Andersen binary Lennard-Jones liquid
#     (W. Kob, H. C. Andersen, Phys. Rev. E 51, 4626 (1995)) named Ni80P20 as in that paper:
#     eps_AA 1, eps_AB 1.5, eps_BB 0.5, sigma_AA 1, sigma_AB 0.8, sigma_BB 0.88 with eps = 0.05 eV
#     and sigma = 2.2 A; shifted-force LJ (energy and force continuous) cut at 2.5 sigma_AA =
#     5.5 A for every pair; per-atom constant energies -3 eV (Ni), -5 eV (P); 48 Ni + 12 P in a
#     periodic cubic cell at number density 1.2 sigma^-3 (L = 8.15 A). Configurations: random
#     placement with a minimum distance, then single-particle Metropolis Monte Carlo at
#     kT = 1.0 and 2.0 eps (one chain per temperature and split), a frame every 10 sweeps after
#     200 sweeps, each frame given a random symmetric strain (entries within +-2 %) so the virial
#     varies. Energy, forces and virial (DeePMD convention, -sum over pairs of r_ij (x) dE/dr_ij,
#     eV) are exact; forces and virial are checked against central finite differences. Frames:
#     166 from the training chains (every 10th to validation: 150 training, 16 validation), 40
#     from separate test chains. `sel` per type is the largest neighbour count within rcut over
#     all frames + 20 %; rcut 5.5 A; per-pair embedding nets (`type_one_side` omitted: false).
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
"$PY" - "$W/data" <<'PYEOF'
# Kob-Andersen binary Lennard-Jones frames (DeePMD npy systems), exact labels, fixed seed.
import sys, os, json, numpy as np
dst = sys.argv[1]
rng = np.random.default_rng(20261205)
EPS, SIG = 0.05, 2.2                                   # eV, Angstrom (reduced units)
eps = EPS * np.array([[1.0, 1.5], [1.5, 0.5]])
sig = SIG * np.array([[1.0, 0.8], [0.8, 0.88]])
RC = 2.5 * SIG                                         # LJ cutoff = descriptor rcut, all pairs
E0 = np.array([-3.0, -5.0])                            # constant per-atom energies (eV)
NAMES, NA, NB, RHO = ["Ni", "P"], 48, 12, 1.2          # 80:20, density in sigma_AA^-3
types = np.array([0] * NA + [1] * NB)
N, L = NA + NB, (NA + NB) ** (1 / 3) * SIG / RHO ** (1 / 3)

def lj(r, e, s):                                       # phi(r), phi'(r)
    x6 = (s / r) ** 6
    return 4 * e * (x6 * x6 - x6), 4 * e * (6 * x6 - 12 * x6 * x6) / r
PC, DC = lj(RC, eps, sig)
def pair(r, ti, tj):                                   # shifted-force LJ: phi, phi' vanish at RC
    p, d = lj(r, eps[ti, tj], sig[ti, tj])
    return p - PC[ti, tj] - (r - RC) * DC[ti, tj], d - DC[ti, tj]

def shifts(cell):                                      # lattice translations within reach
    v = abs(np.linalg.det(cell))
    h = [v / np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])) for k in range(3)]
    k = int(np.ceil(RC / min(h) + 0.5))
    g = np.arange(-k, k + 1)
    return np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3) @ cell

def evaluate(pos, cell):                               # E, F, virial, neighbour counts per type
    f = (pos[None] - pos[:, None]) @ np.linalg.inv(cell)
    d = (f - np.round(f)) @ cell                       # r_j - r_i, minimum image
    rij = d[None] + shifts(cell)[:, None, None]        # every image within reach
    r = np.linalg.norm(rij, axis=-1)
    s_, i, j = np.nonzero((r < RC) & (r > 1e-8))
    rv, rr = rij[s_, i, j], r[s_, i, j]
    p, dp = pair(rr, types[i], types[j])
    g = (dp / rr)[:, None] * rv                        # dE/dr_ij, each ordered pair
    force = np.zeros((N, 3)); np.add.at(force, i, g)   # F_i = sum_j phi'(r_ij) r_ij / r_ij
    vir = -0.5 * rv.T @ g                              # -sum_pairs r_ij (x) dE/dr_ij
    cnt = np.zeros((N, 2), int); np.add.at(cnt, (i, types[j]), 1)
    return 0.5 * p.sum() + E0[types].sum(), force, vir, cnt

def atom_energy(k, x, pos, cell, inv, sh):             # LJ energy of atom k at x with the others
    o = np.arange(N) != k
    f = (pos[o] - x) @ inv
    r = np.linalg.norm(((f - np.round(f)) @ cell)[None] + sh[:, None], axis=-1)
    tj = np.broadcast_to(types[o], r.shape)
    m = r < RC
    return pair(r[m], types[k], tj[m])[0].sum()

def place(cell):                                       # random placement, min distance 0.75 sigma
    inv, pos, done = np.linalg.inv(cell), np.zeros((N, 3)), []
    for k in rng.permutation(N):
        while True:
            x = rng.random(3) @ cell
            f = (pos[done] - x) @ inv
            r = np.linalg.norm((f - np.round(f)) @ cell, axis=1)
            if np.all(r > 0.75 * sig[types[k], types[done]]):
                break
        pos[k] = x; done.append(k)
    return pos

def chain(kt, nframes, equil=200, every=10):           # Metropolis MC, strained snapshots
    cell = L * np.eye(3); inv, sh = np.linalg.inv(cell), shifts(cell)
    pos, step, acc, frames = place(cell), 0.3, 0, []
    for sweep in range(equil + every * nframes):
        for k in rng.integers(0, N, N):
            x = pos[k] + step * (2 * rng.random(3) - 1)
            de = atom_energy(k, x, pos, cell, inv, sh) - atom_energy(k, pos[k], pos, cell, inv, sh)
            if de <= 0 or rng.random() < np.exp(-de / kt):
                pos[k] = x; acc += 1
        if sweep < equil:                              # tune the step to ~40 % acceptance
            step *= 1.1 if acc > 0.4 * N else 0.9; acc = 0
        elif (sweep - equil) % every == every - 1:
            e = rng.uniform(-0.02, 0.02, (3, 3)); e = np.eye(3) + (e + e.T) / 2
            frames.append((pos @ e, cell @ e))
    return frames

def fd_check(pos, cell, h=1e-4):                       # central differences, forces and virial
    e, force, vir, _ = evaluate(pos, cell)
    err = 0.0
    for k in range(0, N, 7):
        for a in range(3):
            p1, p2 = pos.copy(), pos.copy(); p1[k, a] += h; p2[k, a] -= h
            fd = -(evaluate(p1, cell)[0] - evaluate(p2, cell)[0]) / (2 * h)
            err = max(err, abs(fd - force[k, a]))
    verr = 0.0
    for a in range(3):
        for b in range(3):
            d = np.zeros((3, 3)); d[a, b] = h
            ep = evaluate(pos @ (np.eye(3) + d), cell @ (np.eye(3) + d))[0]
            em = evaluate(pos @ (np.eye(3) - d), cell @ (np.eye(3) - d))[0]
            verr = max(verr, abs(-(ep - em) / (2 * h) - vir[a, b]))
    print(f"finite-difference check: max |F - F_fd| = {err:.2e} eV/A (max |F| "
          f"{np.abs(force).max():.2f}), max |W - W_fd| = {verr:.2e} eV (max |W| {np.abs(vir).max():.2f})")
    assert err < 1e-5 and verr < 1e-4, (err, verr)

def write(name, frames):
    d = os.path.join(dst, name); os.makedirs(os.path.join(d, "set.000"), exist_ok=True)
    np.savetxt(os.path.join(d, "type.raw"), types, fmt="%d")
    open(os.path.join(d, "type_map.raw"), "w").write("\n".join(NAMES) + "\n")
    lab = [evaluate(p, c) for p, c in frames]
    arrays = {"coord": [p.ravel() for p, _ in frames], "box": [c.ravel() for _, c in frames],
              "energy": [l[0] for l in lab], "force": [l[1].ravel() for l in lab],
              "virial": [l[2].ravel() for l in lab]}
    for k, v in arrays.items():
        np.save(os.path.join(d, "set.000", k + ".npy"), np.array(v))
    print(f"{name}: {len(frames)} frames, E/atom {np.mean(arrays['energy']) / N:.4f} eV "
          f"(std {np.std(arrays['energy']) / N * 1e3:.2f} meV), |F| rms "
          f"{np.sqrt(np.mean(np.square(arrays['force']))):.3f} eV/A")
    return np.max([l[3] for l in lab], axis=(0, 1))

trainval, test = [], []
for kt in (1.0, 2.0):                                  # kT in units of eps_AA
    trainval += chain(kt * EPS, 83)
    test += chain(kt * EPS, 20)
fd_check(*trainval[0])
val = np.arange(len(trainval)) % 10 == 9
nmax = np.maximum.reduce([write("train", [f for f, v in zip(trainval, val) if not v]),
                          write("val", [f for f, v in zip(trainval, val) if v]),
                          write("test", test)])
sel = [int(np.ceil(1.2 * n)) for n in nmax]
print(f"max neighbours within {RC} A per type {nmax.tolist()} -> sel {sel}")
json.dump({"sel": sel, "rcut": RC}, open(os.path.join(dst, "binary.json"), "w"))
PYEOF
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
