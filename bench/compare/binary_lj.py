#!/usr/bin/env python3
"""Binary Lennard-Jones frames as DeePMD npy systems, exact labels, fixed seed (numpy only).

A Kob-Andersen mixture (W. Kob, H. C. Andersen, Phys. Rev. E 51, 4626 (1995)) named Ni/P as in
that paper: eps_AA 1, eps_AB 1.5, eps_BB 0.5, sigma_AA 1, sigma_AB 0.8, sigma_BB 0.88 with
eps = 0.05 eV and sigma = 2.2 A; shifted-force LJ (energy and force continuous) cut at RC for
every pair (the descriptor's rcut); per-atom constant energies -3 eV (Ni), -5 eV (P). NA + NB atoms
in a periodic cubic cell at number density RHO sigma^-3. Configurations: random placement with a
minimum distance, then single-particle Metropolis Monte Carlo at kT = 1.0 and 2.0 eps (one chain
per temperature and split), a frame every EVERY sweeps after EQUIL sweeps, each frame given a
random symmetric strain (entries within +-2 %) so the virial varies. Energy, forces and virial
(DeePMD convention, -sum over pairs of r_ij (x) dE/dr_ij, eV) are exact; forces and virial of the
first frame are checked against central finite differences. Every 10th training-chain frame goes
to `val`, the test chains to `test`. `sel` per type (written to binary.json with rcut) is the
largest neighbour count within RC over all frames + 20 %.

Usage: binary_lj.py DST [--na 48] [--nb 12] [--rho 1.2] [--rc 5.5] [--frames 83] [--test 20]
                        [--equil 200] [--every 10]
The defaults are bench/compare/deepmd_accuracy.sh's SYSTEM=binary (60 atoms, 166 + 40 frames).
"""
import argparse, os, json, numpy as np
ap = argparse.ArgumentParser()
ap.add_argument("dst")
ap.add_argument("--na", type=int, default=48)
ap.add_argument("--nb", type=int, default=12)
ap.add_argument("--rho", type=float, default=1.2)
ap.add_argument("--rc", type=float, default=5.5)
ap.add_argument("--frames", type=int, default=83, help="frames per training chain (two chains)")
ap.add_argument("--test", type=int, default=20, help="frames per test chain (two chains)")
ap.add_argument("--equil", type=int, default=200)
ap.add_argument("--every", type=int, default=10)
args = ap.parse_args()
dst = args.dst
rng = np.random.default_rng(20261205)
EPS, SIG = 0.05, 2.2                                   # eV, Angstrom (reduced units)
eps = EPS * np.array([[1.0, 1.5], [1.5, 0.5]])
sig = SIG * np.array([[1.0, 0.8], [0.8, 0.88]])
RC = args.rc                                           # LJ cutoff = descriptor rcut, all pairs
E0 = np.array([-3.0, -5.0])                            # constant per-atom energies (eV)
NAMES, NA, NB, RHO = ["Ni", "P"], args.na, args.nb, args.rho  # density in sigma_AA^-3
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

def chain(kt, nframes, equil=args.equil, every=args.every):           # Metropolis MC, strained snapshots
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
    trainval += chain(kt * EPS, args.frames)
    if args.test > 0:
        test += chain(kt * EPS, args.test)
fd_check(*trainval[0])
val = np.arange(len(trainval)) % 10 == 9
nmax = np.maximum.reduce([write("train", [f for f, v in zip(trainval, val) if not v]),
                          write("val", [f for f, v in zip(trainval, val) if v])]
                         + ([write("test", test)] if test else []))
sel = [int(np.ceil(1.2 * n)) for n in nmax]
print(f"max neighbours within {RC} A per type {nmax.tolist()} -> sel {sel}")
json.dump({"sel": sel, "rcut": RC}, open(os.path.join(dst, "binary.json"), "w"))
