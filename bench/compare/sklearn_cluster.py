#!/usr/bin/env python3
"""Compare ai4s's classical unsupervised tasks with scikit-learn on the same data.

scikit-learn is a peer for comparison only, never a project dependency. Use a throwaway venv:

    python3 -m venv /tmp/ai4s-peers && /tmp/ai4s-peers/bin/pip install scikit-learn numpy

1. Quality on the toy sets. Run the four tasks (they write the standardised toy sets with
   the true cluster and our label of every point, toy_<set>.csv), then score scikit-learn with
   its defaults on exactly those points:

    cargo run --release -- run kmeans --out runs/cmp/kmeans   # likewise gmm, dbscan, pca
    /tmp/ai4s-peers/bin/python bench/compare/sklearn_cluster.py quality runs/cmp

   KMeans(n_clusters=k) with default n_init; GaussianMixture(n_components=k) (full covariance,
   k-means init) fitted on the same training rows as ours, held-out NLL on the same held-out rows;
   DBSCAN with the eps/min_samples of toy_params.csv; PCA(n_components=2) on the 8-D blobs.

2. k-means speed on 100k x 16 points (same data, k, n_init, max_iter, tol; both use all cores):

    /tmp/ai4s-peers/bin/python bench/compare/sklearn_cluster.py speed --ai4s target/release/ai4s
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

SETS = ["blobs", "anisotropic", "moons", "circles", "eight_gaussians"]


def read_toy(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], np.array(rows[1:], dtype=float)
    xcols = [i for i, h in enumerate(header) if h.startswith("x")]
    return body[:, xcols], body[:, header.index("truth")].astype(int), body[:, header.index("label")].astype(int)


def read_column(path):
    with open(path) as f:
        return np.array([float(r[0]) for r in list(csv.reader(f))[1:]])


def summary(run):
    with open(os.path.join(run, "summary.json")) as f:
        return json.load(f)["metrics"]


def quality(root):
    print("| method | set | ARI ai4s | ARI sklearn | NMI ai4s | NMI sklearn | extra ai4s | extra sklearn |")
    print("|---|---|---|---|---|---|---|---|")
    params = {}
    with open(os.path.join(root, "dbscan", "toy_params.csv")) as f:
        for r in csv.DictReader(f):
            params[r["set"]] = (float(r["eps"]), int(r["min_samples"]))
    for method in ["kmeans", "gmm", "dbscan"]:
        ours = summary(os.path.join(root, method))
        for s in SETS:
            x, truth, label = read_toy(os.path.join(root, method, f"toy_{s}.csv"))
            k = len(set(truth))
            extra_ours = extra_sk = ""
            if method == "kmeans":
                pred = KMeans(n_clusters=k, random_state=0).fit_predict(x)
            elif method == "gmm":
                held = read_column(os.path.join(root, method, f"toy_{s}_heldout.csv")).astype(bool)
                gm = GaussianMixture(n_components=k, random_state=0).fit(x[~held])
                pred = gm.predict(x)
                extra_ours = f"NLL {ours[f'{s}_heldout_nll']:.3f}"
                extra_sk = f"NLL {-gm.score(x[held]):.3f}"
            else:
                eps, ms = params[s]
                pred = DBSCAN(eps=eps, min_samples=ms).fit_predict(x)
                extra_ours = f"{int(ours[f'{s}_clusters'])} clusters"
                extra_sk = f"{len(set(pred) - {-1})} clusters"
            ari_ours = ours[f"{s}_ari"]
            # Our metric implementation against scikit-learn's on our own labels.
            assert abs(ari_ours - adjusted_rand_score(truth, label)) < 1e-9, (method, s)
            nmi_ours = ours[f"{s}_nmi"]
            assert abs(nmi_ours - normalized_mutual_info_score(truth, label)) < 1e-9, (method, s)
            print(
                f"| {method} | {s} | {ari_ours:.3f} | {adjusted_rand_score(truth, pred):.3f} "
                f"| {nmi_ours:.3f} | {normalized_mutual_info_score(truth, pred):.3f} | {extra_ours} | {extra_sk} |"
            )
    ours = summary(os.path.join(root, "pca"))
    x, _, _ = read_toy(os.path.join(root, "pca", "toy_blobs8.csv"))
    r = PCA(n_components=2).fit(x).explained_variance_ratio_
    print(
        f"| pca | blobs8 | explained variance ratio ai4s {ours['blobs8_evr1']:.6f}, {ours['blobs8_evr2']:.6f} "
        f"| sklearn {r[0]:.6f}, {r[1]:.6f} | | | | |"
    )


def speed(ai4s, n, d, k, n_init, repeats):
    rng = np.random.default_rng(0)
    centers = rng.uniform(-10, 10, size=(k, d))
    x = centers[rng.integers(0, k, size=n)] + rng.normal(size=(n, d)) * 2.0
    tmp = tempfile.mkdtemp(prefix="ai4s-kmeans-")
    path = os.path.join(tmp, "big.csv")
    np.savetxt(path, x, delimiter=",", header=",".join(f"f{i}" for i in range(d)), comments="")
    x = np.loadtxt(path, delimiter=",", skiprows=1)  # exactly the numbers ai4s reads
    sk, sk_inertia = [], []
    for r in range(repeats):
        t = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=n_init, max_iter=300, tol=1e-4, algorithm="lloyd", random_state=r).fit(x)
        sk.append(time.perf_counter() - t)
        sk_inertia.append(km.inertia_)
    ours, ours_inertia = [], []
    for r in range(repeats):
        out = os.path.join(tmp, f"run{r}")
        cmd = [ai4s, "run", "kmeans", "--quiet", "--seed", str(r), "--out", out, "--set", f"data={path}",
               "--set", f"k={k}", "--set", f"n_init={n_init}", "--set", "max_iter=300", "--set", "tol=1e-4"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        m = summary(out)
        ours.append(m["fit_seconds"])
        ours_inertia.append(m["inertia"])
    a, b = statistics.median(ours), statistics.median(sk)
    print(f"k-means on {n} x {d}, k = {k}, n_init = {n_init}, max_iter 300, tol 1e-4, {os.cpu_count()} cores")
    print(f"ai4s    fit seconds {[round(v, 3) for v in ours]} median {a:.3f}  inertia {min(ours_inertia):.6g}")
    print(f"sklearn fit seconds {[round(v, 3) for v in sk]} median {b:.3f}  inertia {min(sk_inertia):.6g}")
    print(f"ratio ai4s / sklearn = {a / b:.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("root", help="directory holding kmeans/, gmm/, dbscan/, pca/ run directories")
    s = sub.add_parser("speed")
    s.add_argument("--ai4s", default="target/release/ai4s")
    s.add_argument("--n", type=int, default=100_000)
    s.add_argument("--d", type=int, default=16)
    s.add_argument("--k", type=int, default=8)
    s.add_argument("--n-init", type=int, default=3)
    s.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    if a.cmd == "quality":
        quality(a.root)
    else:
        speed(a.ai4s, a.n, a.d, a.k, a.n_init, a.repeats)


if __name__ == "__main__":
    sys.exit(main())
