"""Writes the files of tests/data/dpdata/ with dpdata and ASE (run from the repository root).

    python3 -m venv /tmp/ai4s-dpdata
    /tmp/ai4s-dpdata/bin/pip install dpdata ase
    /tmp/ai4s-dpdata/bin/python tests/data/dpdata/make.py

Tested with dpdata 1.1.0, ASE 3.29.0, NumPy 2.4.6, Python 3.11.7.
"""

import os

import ase.io
import dpdata
import numpy as np

SRC = "datasets/tb-si-64/test"
OUT = "tests/data/dpdata"
FRAMES = 3

# One-element system: the first frames of the shipped test set, as dpdata reads them.
si = dpdata.LabeledSystem(SRC, fmt="deepmd/npy").sub_system(list(range(FRAMES)))
si.to("deepmd/raw", os.path.join(OUT, "si_raw"))
si.to("deepmd/npy", os.path.join(OUT, "si_npy"))
# ASE: a list of Atoms with single-point results (energy, forces, stress from the virial).
ase.io.write(os.path.join(OUT, "si_ase.extxyz"), si.to("ase/structure"), format="extxyz")

# Two-element system: half the atoms relabelled "Ge", types shuffled so type.raw is unsorted.
sige = si.sub_system(list(range(2))).copy()
types = np.array([0] * 32 + [1] * 32)
np.random.default_rng(7).shuffle(types)
sige.data["atom_names"] = ["Si", "Ge"]
sige.data["atom_numbs"] = [int((types == 0).sum()), int((types == 1).sum())]
sige.data["atom_types"] = types
sige.to("deepmd/raw", os.path.join(OUT, "sige_raw"))
sige.to("deepmd/npy", os.path.join(OUT, "sige_npy"))
ase.io.write(
    os.path.join(OUT, "sige_ase.extxyz"), sige.to("ase/structure"), format="extxyz"
)
# dpdata's own extended XYZ writer (energy, virial and stress keys; an extra Z column).
sige.to("extxyz", os.path.join(OUT, "sige_dpdata.xyz"))
# The atom types as written, for the Rust test to compare against.
np.savetxt(os.path.join(OUT, "sige_types.txt"), types, fmt="%d")

print("dpdata", dpdata.__version__, "ase", ase.__version__, "numpy", np.__version__)
