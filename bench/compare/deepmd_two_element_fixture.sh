#!/usr/bin/env bash
# Writes tests/data/deepmd_two_element/: a small two-element se_e2_a model trained by DeePMD-kit
# itself (TensorFlow backend, float64, one embedding net per (centre, neighbour) type pair =
# `type_one_side: false`, different `sel` per neighbour type), its native model document
# (`dp convert-backend model.pb model.yaml`), a few test frames in DeePMD-kit's npy layout, and
# DeePMD-kit's own `dp test -d` detail files on them. `tests/deepmd_two_element.rs` checks that
# ai4s reproduces those energies, forces and virials from the document.
#
#   * Frames: 16 atoms (6 `Ni`, 10 `Al`, types interleaved so type.raw is unsorted) placed at
#     random with a minimum distance of 2.0 A in a triclinic cell strained at random per frame;
#     labels from a Morse pair potential with type-dependent parameters and a smooth cutoff
#     (labels only steer the few training steps; the comparison is of predictions).
#     16 training frames (seed 1), 4 test frames (seed 2).
#   * Model: rcut 4.0, rcut_smth 1.0, sel [10, 14] (checked to exceed every neighbour count of
#     the frames), embedding [4, 8] (the 4 -> 8 layer doubles: residual [x, x]), axis_neuron 4,
#     fitting [8, 8] with resnet_dt (idt on the 8 -> 8 layer), float64, 200 training steps so
#     the weights, per-type davg/dstd and per-type energy biases are all non-trivial.
#   * Document: DeePMD-kit's own TensorFlow -> native conversion (see the note at the step).
#   * Cross-check: `dp test` on the converted document (DeePMD-kit's NumPy backend) must give the
#     energies and atomic energies of `dp test` on the frozen TensorFlow graph, so the document is
#     the model that was tested.
# DeePMD-kit lives in a throwaway virtual environment (never a project dependency).
# Usage (from the repository root):
#   bench/compare/deepmd_two_element_fixture.sh [WORKDIR]      (env: VENV=/tmp/venv-dp)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-/tmp/ai4s-dp-two-element}
VENV=${VENV:-/tmp/venv-dp}
OUT="$ROOT/tests/data/deepmd_two_element"
DP_VERSION=3.2.0

if [ ! -x "$VENV/bin/dp" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install "deepmd-kit[cpu]==$DP_VERSION"
fi
DP="$VENV/bin/dp"
PY="$VENV/bin/python"
rm -rf "$W"
mkdir -p "$W"
W=$(cd "$W" && pwd)

# Frames and labels.
"$PY" - "$W" <<'PYEOF'
import os, sys
import numpy as np

W = sys.argv[1]
TYPE_MAP = ["Ni", "Al"]
TYPES = np.array([0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0])  # 6 Ni, 10 Al
H0 = np.array([[7.0, 0.0, 0.0], [0.8, 7.2, 0.0], [0.5, -0.6, 7.5]])
RCUT, RCUT_SMTH, SEL = 4.0, 1.0, [10, 14]
# Morse parameters (D eV, a 1/A, r0 A) per unordered type pair, smooth cutoff 3.5 -> 5.0 A.
MORSE = {(0, 0): (0.40, 1.40, 2.50), (0, 1): (0.55, 1.30, 2.55), (1, 1): (0.30, 1.20, 2.85)}
RON, ROFF = 3.5, 5.0


def images(h, rmax):
    """Lattice translations (rows) that can bring an atom within rmax of the cell."""
    widths = np.abs(np.linalg.det(h)) / np.linalg.norm(np.cross(h[[1, 2, 0]], h[[2, 0, 1]]), axis=1)
    n = np.ceil(rmax / widths).astype(int) + 1
    grid = np.stack(np.meshgrid(*[np.arange(-k, k + 1) for k in n], indexing="ij"), -1).reshape(-1, 3)
    return grid @ h


def pairs(x, h, rmax):
    """(i, j, r_ij = x_j + shift - x_i) for every ordered pair within rmax, periodic images included."""
    out = []
    for shift in images(h, rmax):
        d = x[None, :, :] + shift - x[:, None, :]
        r = np.linalg.norm(d, axis=-1)
        i, j = np.nonzero((r < rmax) & (r > 1e-9))
        out += [(a, b, d[a, b]) for a, b in zip(i, j)]
    return out


def switch(r):
    u = np.clip((r - RON) / (ROFF - RON), 0.0, 1.0)
    return 1 - 10 * u**3 + 15 * u**4 - 6 * u**5, (-30 * u**2 + 60 * u**3 - 30 * u**4) / (ROFF - RON)


def label(x, h):
    e, f, w = 0.0, np.zeros_like(x), np.zeros((3, 3))
    for i, j, d in pairs(x, h, ROFF):
        D, a, r0 = MORSE[tuple(sorted((TYPES[i], TYPES[j])))]
        r = np.linalg.norm(d)
        ex = np.exp(-a * (r - r0))
        phi, dphi = D * ((1 - ex) ** 2 - 1), 2 * D * a * ex * (1 - ex)
        s, ds = switch(r)
        # Each unordered pair appears twice: half the energy and derivative each time.
        g = 0.5 * (dphi * s + phi * ds) * d / r  # dE/dr_ij
        e += 0.5 * phi * s
        f[i] += g
        f[j] -= g
        w -= np.outer(d, g)
    return e, f, w


def frames(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        h = H0 @ (np.eye(3) + rng.uniform(-0.03, 0.03, (3, 3)))
        x = np.empty((0, 3))
        while len(x) < len(TYPES):
            p = rng.uniform(0, 1, 3) @ h
            if not any(np.linalg.norm(d) < 2.0 for _, _, d in pairs(np.vstack([x, p]), h, 2.0)):
                x = np.vstack([x, p])
        counts = np.zeros((len(TYPES), 2), int)
        for i, j, d in pairs(x, h, RCUT):
            counts[i, TYPES[j]] += 1
        assert (counts <= SEL).all(), f"neighbour counts {counts.max(0)} exceed sel {SEL}"
        out.append((x, h, label(x, h), counts.max(0)))
    return out


def check_forces(x, h):
    """Labels: forces are -dE/dx by central differences."""
    _, f, _ = label(x, h)
    eps = 1e-5
    for k in range(3):
        xp, xm = x.copy(), x.copy()
        xp[k, 0] += eps
        xm[k, 0] -= eps
        fd = -(label(xp, h)[0] - label(xm, h)[0]) / (2 * eps)
        assert abs(fd - f[k, 0]) < 1e-6, (fd, f[k, 0])


def write(name, fr):
    d = os.path.join(W, name)
    os.makedirs(os.path.join(d, "set.000"))
    np.savetxt(os.path.join(d, "type.raw"), TYPES, fmt="%d")
    with open(os.path.join(d, "type_map.raw"), "w") as fh:
        fh.write("\n".join(TYPE_MAP) + "\n")
    cols = {
        "coord": [x.ravel() for x, *_ in fr],
        "box": [h.ravel() for _, h, *_ in fr],
        "energy": [lab[0] for _, _, lab, _ in fr],
        "force": [lab[1].ravel() for _, _, lab, _ in fr],
        "virial": [lab[2].ravel() for _, _, lab, _ in fr],
    }
    for k, v in cols.items():
        np.save(os.path.join(d, "set.000", k + ".npy"), np.array(v, dtype=np.float64))
    print(f"{name}: {len(fr)} frames, max neighbours per type {np.max([c for *_, c in fr], 0)}, sel {SEL}")


train, test = frames(16, 1), frames(4, 2)
check_forces(*test[0][:2])
write("train", train)
write("test", test)
PYEOF

cat > "$W/input.json" <<JSON
{
  "model": {
    "type_map": ["Ni", "Al"],
    "descriptor": {"type": "se_e2_a", "sel": [10, 14], "rcut": 4.0, "rcut_smth": 1.0,
                   "neuron": [4, 8], "axis_neuron": 4, "resnet_dt": false,
                   "type_one_side": false, "activation_function": "tanh",
                   "precision": "float64", "seed": 1},
    "fitting_net": {"neuron": [8, 8], "resnet_dt": true, "activation_function": "tanh",
                    "precision": "float64", "seed": 1}
  },
  "learning_rate": {"type": "exp", "start_lr": 0.005, "stop_lr": 0.001, "decay_steps": 50},
  "loss": {"type": "ener", "start_pref_e": 0.2, "limit_pref_e": 1, "start_pref_f": 100,
           "limit_pref_f": 1, "start_pref_v": 0.1, "limit_pref_v": 1},
  "training": {"training_data": {"systems": ["$W/train"], "batch_size": 1},
               "numb_steps": 200, "seed": 1, "disp_file": "lcurve.out", "disp_freq": 50,
               "save_freq": 200}
}
JSON
(cd "$W" && "$DP" --tf train input.json > train.log 2>&1 && "$DP" --tf freeze -o model.pb > freeze.log 2>&1)
# `dp convert-backend model.pb model.yaml` does exactly this (TensorFlow serialize hook, NumPy
# backend deserialize hook), but in DeePMD-kit 3.2.0 it stops with "RepresenterError: cannot
# represent an object np.float64(...)": the TensorFlow hook returns `min_nbor_dist` as a NumPy
# scalar, which yaml.safe_dump refuses (a `.dp` file in between keeps the scalar). The same two
# hooks run here with that one scalar made a 0-d array; nothing else is touched.
(cd "$W" && "$PY" - <<'PYEOF'
import numpy as np
from deepmd.backend.backend import Backend
data = Backend.detect_backend_by_model("model.pb")().serialize_hook("model.pb")
v = data["@variables"]
v["min_nbor_dist"] = np.asarray(v["min_nbor_dist"], dtype=np.float64)
Backend.detect_backend_by_model("model.yaml")().deserialize_hook("model.yaml", data)
PYEOF
)
(cd "$W" && "$DP" --tf test -m model.pb -s test -d dp_tf > test_tf.log 2>&1)
grep -E "weighted average" -A 20 "$W/test_tf.log" | grep -E "Energy|Force|Virial" | sed 's/^.*DEEPMD INFO *//' || true
(cd "$W" && "$DP" test -m model.yaml -s test -d dp_np > test_np.log 2>&1)

# The converted document reproduces the TensorFlow graph: frame and atomic energies (DeePMD-kit's
# NumPy backend has no automatic differentiation, so its `dp test` forces and virials are nan).
"$PY" - "$W" <<'PYEOF'
import sys
import numpy as np
W = sys.argv[1]
for kind in ("e", "e_peratom"):
    a, b = (np.loadtxt(f"{W}/{p}.{kind}.out", ndmin=2) for p in ("dp_tf", "dp_np"))
    rel = np.abs(a[:, 1] - b[:, 1]).max() / np.abs(a[:, 1]).max()
    print(f"dp test, TensorFlow graph vs NumPy backend on model.yaml: {kind}: "
          f"{a.shape[0]} rows, max relative difference {rel:.2e}")
    assert rel < 1e-12, kind
PYEOF

mkdir -p "$OUT"
rm -rf "$OUT/test" "$OUT"/dp_test.*.out "$OUT/model.yaml" "$OUT/input.json"
cp "$W/model.yaml" "$W/input.json" "$OUT/"
cp -r "$W/test" "$OUT/test"
for k in e f v; do cp "$W/dp_tf.$k.out" "$OUT/dp_test.$k.out"; done
# The training input names the work directory; keep the fixture's copy free of it.
sed -i "s#$W/##" "$OUT/input.json"
"$PY" - <<'PYEOF'
import importlib.metadata as m
print("versions:", ", ".join(f"{p} {m.version(p)}" for p in ("deepmd-kit", "tensorflow-cpu", "numpy")))
PYEOF
du -sh "$OUT"
