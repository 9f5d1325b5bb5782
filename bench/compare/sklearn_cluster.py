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

2. Speed on the same data, side by side. Every repetition runs ai4s (all cores) and
   scikit-learn twice, on all cores (OpenMP with OMP_NUM_THREADS = the number of cores unless
   set; DBSCAN with n_jobs=-1) and on one thread (threadpoolctl; n_jobs=1), in rotating order,
   so that load from other jobs hits every tool alike; scikit-learn's number is its faster
   configuration by median (on a machine shared with other jobs its OpenMP threads can wait on
   each other long enough that one thread wins):

    /tmp/ai4s-peers/bin/python bench/compare/sklearn_cluster.py speed --ai4s target/release/ai4s

   k-means on 100k x 16 (k = 8, n_init = 3, max_iter 300, tol 1e-4; inertia of both printed),
   DBSCAN on 100k x 2 (8 Gaussian blobs of std 1 in [-10, 10]^2 plus 5 % uniform noise,
   eps 0.2, min_samples 20) and on 20k x 16 (8 blobs of std 2, eps 7, min_samples 5; here
   scikit-learn's neighbour search is brute force, as it chooses for more than 15 features).
   For DBSCAN the labels of both tools are compared point by point (and by ARI where they
   differ); for k-means the lowest inertia of each tool over the repetitions, and their
   relative difference.

3. Scaling: the same measurements over a range of sizes, written to OUT/scaling.csv, then drawn
   by `ai4s bench --plot-scaling` as docs/figures/cluster_scaling_<figure>.{svg,png} with the
   fitted log-log slopes. Figures: `kmeans` (time vs n; 16 features, k = 8), `kmeans_k` (time
   vs k; 100k x 16), `dbscan` (time vs n in 2-D and 16-D; eps shrinks as n^(-1/d) so that the
   expected number of neighbours stays fixed) and `dbscan_d` (time vs d; 20k rows, 8 blobs of
   std 2 with 5 % uniform noise, min_samples 10, eps the median distance of a point to its
   20th nearest neighbour, itself counted, over 1000 sampled points):

    /tmp/ai4s-peers/bin/python bench/compare/sklearn_cluster.py scaling --ai4s target/release/ai4s
"""

import argparse
import csv
import json
import os

# scikit-learn's "all cores" configuration: one OpenMP thread per core, as ai4s uses.
os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from threadpoolctl import threadpool_limits

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
                differ = int(np.sum(pred != label))
                extra_ours = f"{int(ours[f'{s}_clusters'])} clusters"
                extra_sk = f"{len(set(pred) - {-1})} clusters; labels " + (
                    "identical" if differ == 0 else f"differ at {differ} points")
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


SKLEARN = f"scikit-learn {sklearn.__version__}"


def kmeans_data(n, d, k):
    """k Gaussian blobs of std 2 around centres uniform in [-10, 10]^d."""
    rng = np.random.default_rng(0)
    centers = rng.uniform(-10, 10, size=(k, d))
    return centers[rng.integers(0, k, size=n)] + rng.normal(size=(n, d)) * 2.0


def dbscan_data(n, d):
    """8 Gaussian blobs (std 1 in 2-D with 5 % uniform noise; std 2 in more dimensions)."""
    rng = np.random.default_rng(0)
    low = d <= 3
    centers = rng.uniform(-10, 10, size=(8, d))
    x = centers[rng.integers(0, 8, size=n)] + rng.normal(size=(n, d)) * (1.0 if low else 2.0)
    m = int(0.05 * n) if low else 0
    x[:m] = rng.uniform(-12, 12, size=(m, d))
    return x


def dbscan_data_d(n, d):
    """The DBSCAN set of the time-vs-d figure: 8 Gaussian blobs of std 2 around centres
    uniform in [-10, 10]^d, 5 % of the rows replaced by uniform noise in [-12, 12]^d."""
    rng = np.random.default_rng(0)
    centers = rng.uniform(-10, 10, size=(8, d))
    x = centers[rng.integers(0, 8, size=n)] + rng.normal(size=(n, d)) * 2.0
    m = int(0.05 * n)
    x[:m] = rng.uniform(-12, 12, size=(m, d))
    return x


def dbscan_eps_d(x, min_samples):
    """Median distance of a point to its 2 min_samples-th nearest neighbour (itself counted),
    over 1000 sampled points: about half the points are core, in any dimension."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(1)
    q = x[rng.choice(len(x), min(1000, len(x)), replace=False)]
    dist, _ = NearestNeighbors(n_neighbors=2 * min_samples).fit(x).kneighbors(q)
    return float(np.median(dist[:, -1]))


def dbscan_params(n, d):
    """eps and min_samples: eps shrinks as n^(-1/d) to keep the expected neighbour count."""
    if d <= 3:
        return 0.2 * (100_000 / n) ** (1 / d), 20
    return 7.0 * (20_000 / n) ** (1 / d), 5


def as_csv(x, tmp, name):
    """Writes x as the CSV ai4s reads and returns its path and exactly the numbers written."""
    path = os.path.join(tmp, name)
    np.savetxt(path, x, delimiter=",", header=",".join(f"f{i}" for i in range(x.shape[1])), comments="")
    return path, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def run_ai4s(ai4s, task, path, sets, out, seed):
    cmd = [ai4s, "run", task, "--quiet", "--seed", str(seed), "--out", out, "--set", f"data={path}"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return summary(out)


def alternate(repeats, runs):
    """Runs every tool of `runs` (name -> f(repetition)) once per repetition, rotating the order."""
    names = list(runs)
    out = {n: [] for n in names}
    for r in range(repeats):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            out[n].append(runs[n](r))
    return out


def peer(out, value=lambda v: v):
    """scikit-learn's faster configuration (by median): all cores, or one thread, which on a
    machine shared with other jobs can be faster than its OpenMP threads waiting on each other."""
    best = min(["sklearn, all cores", "sklearn, one thread"], key=lambda n: statistics.median(map(value, out[n])))
    other = [n for n in ["sklearn, all cores", "sklearn, one thread"] if n != best][0]
    return best, other


def measure_kmeans(ai4s, x, path, k, n_init, repeats, tmp):
    def theirs(r, threads):
        with threadpool_limits(limits=threads):
            t = time.perf_counter()
            km = KMeans(n_clusters=k, n_init=n_init, max_iter=300, tol=1e-4, algorithm="lloyd", random_state=r).fit(x)
            return time.perf_counter() - t, km.inertia_

    def ours(r):
        m = run_ai4s(ai4s, "kmeans", path, [f"k={k}", f"n_init={n_init}", "max_iter=300", "tol=1e-4"],
                     os.path.join(tmp, f"kmeans{r}"), r)
        return m["fit_seconds"], m["inertia"]

    out = alternate(repeats, {"ai4s": ours, "sklearn, all cores": lambda r: theirs(r, None),
                              "sklearn, one thread": lambda r: theirs(r, 1)})
    best, other = peer(out, lambda v: v[0])
    ours_i = min(v[1] for v in out["ai4s"])
    theirs_i = min(v[1] for n in ["sklearn, all cores", "sklearn, one thread"] for v in out[n])
    rel = (ours_i - theirs_i) / theirs_i
    return {"ours": [v[0] for v in out["ai4s"]], "theirs": [v[0] for v in out[best]], "peer": best,
            "other": other, "other_runs": [v[0] for v in out[other]],
            "inertia": [ours_i, theirs_i],
            "agreement": f"inertia {ours_i:.10g} / {theirs_i:.10g} (relative difference {rel:.1e})"}


def measure_dbscan(ai4s, x, path, eps, ms, repeats, tmp):
    labels = {}

    def theirs(r, jobs):
        with threadpool_limits(limits=None if jobs == -1 else 1):
            t = time.perf_counter()
            labels["theirs"] = DBSCAN(eps=eps, min_samples=ms, n_jobs=jobs).fit(x).labels_
            return time.perf_counter() - t

    def ours(r):
        out = os.path.join(tmp, f"dbscan{r}")
        m = run_ai4s(ai4s, "dbscan", path, [f"eps={eps!r}", f"min_samples={ms}"], out, r)
        labels["ours"] = read_column(os.path.join(out, "labels.csv")).astype(int)
        return m["fit_seconds"]

    out = alternate(repeats, {"ai4s": ours, "sklearn, all cores": lambda r: theirs(r, -1),
                              "sklearn, one thread": lambda r: theirs(r, 1)})
    best, other = peer(out)
    ours_l, theirs_l = labels["ours"], labels["theirs"]
    differ = int(np.sum(ours_l != theirs_l))
    clusters = len(set(theirs_l) - {-1})
    ari = adjusted_rand_score(theirs_l, ours_l)
    same = "identical labels" if differ == 0 else f"labels differ at {differ} points (ARI {ari:.6f})"
    return {"ours": out["ai4s"], "theirs": out[best], "peer": best, "other": other, "other_runs": out[other],
            "differ": differ, "ari": ari,
            "agreement": f"{clusters} clusters, {np.mean(theirs_l == -1):.1%} noise; {same}"}


def fmt(v):
    return f"{statistics.median(v):.3f} s ({', '.join(f'{t:.3f}' for t in v)})"


def speed(ai4s, n, d, k, n_init, repeats, out):
    tmp = tempfile.mkdtemp(prefix="ai4s-cluster-")
    rows = []
    x = kmeans_data(n, d, k)
    path, x = as_csv(x, tmp, "kmeans.csv")
    rows.append((f"k-means {n // 1000}k x {d}, k = {k}, n_init {n_init}", measure_kmeans(ai4s, x, path, k, n_init, repeats, tmp)))
    for dn, dd in [(100_000, 2), (20_000, 16)]:
        eps, ms = dbscan_params(dn, dd)
        path, x = as_csv(dbscan_data(dn, dd), tmp, f"dbscan{dd}.csv")
        rows.append((f"DBSCAN {dn // 1000}k x {dd}, eps {eps:g}, min_samples {ms}",
                     measure_dbscan(ai4s, x, path, eps, ms, repeats, tmp)))
    print(f"{os.cpu_count()} cores; medians of {repeats} alternating repetitions; fit time only (no file reading)")
    print(f"| item | ai4s | {SKLEARN}, faster configuration | speed ratio (>1: ai4s faster) | agreement (ai4s / sklearn) |")
    print("|---|---|---|---|---|")
    for name, m in rows:
        ratio = statistics.median(m["theirs"]) / statistics.median(m["ours"])
        other = f"{m['other'].split(', ')[1]}: {statistics.median(m['other_runs']):.3f} s"
        print(f"| {name} | {fmt(m['ours'])} | {fmt(m['theirs'])}, {m['peer'].split(', ')[1]} ({other}) "
              f"| {ratio:.2f} | {m['agreement']} |")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "cluster_speed.json"), "w") as f:
            json.dump([{"item": name, **m} for name, m in rows], f, indent=1)


def scaling(ai4s, repeats, out, figures):
    tmp = tempfile.mkdtemp(prefix="ai4s-scaling-")
    os.makedirs(out, exist_ok=True)
    lines = ["figure,title,x_label,series,x,seconds,runs"]

    def record(figure, title, x_label, series, x, runs):
        lines.append(f"{figure},{title},{x_label},{series},{x},{statistics.median(runs):.6g},"
                     f"{';'.join(f'{t:.6g}' for t in runs)}")
        print(f"{figure:8} {series:28} {x_label.split(' ')[-1]} = {x:>8}: {fmt(runs)}", flush=True)

    def kmeans_point(figure, title, x_label, x, n, k):
        path, data = as_csv(kmeans_data(n, 16, k), tmp, "kmeans.csv")
        m = measure_kmeans(ai4s, data, path, k, 3, repeats, tmp)
        record(figure, title, x_label, "ai4s", x, m["ours"])
        record(figure, title, x_label, SKLEARN, x, m["theirs"])
        print(f"         {SKLEARN}: {m['peer']} faster; {m['agreement']}", flush=True)

    def dbscan_point(figure, title, x_label, x, data, eps, ms, suffix):
        path, data = as_csv(data, tmp, "dbscan.csv")
        m = measure_dbscan(ai4s, data, path, eps, ms, repeats, tmp)
        record(figure, title, x_label, f"ai4s{suffix}", x, m["ours"])
        record(figure, title, x_label, f"{SKLEARN}{suffix}", x, m["theirs"])
        print(f"         {SKLEARN}: {m['peer']} faster; eps {eps:.4g}; {m['agreement']}", flush=True)

    for n in [10_000, 30_000, 100_000, 300_000]:
        kmeans_point("kmeans", "k-means fit time vs rows (16 features; k = 8; 3 restarts)",
                     "rows n", n, n, 8)
    for k in [2, 4, 8, 16, 32]:
        kmeans_point("kmeans_k", "k-means fit time vs clusters (100k x 16; 3 restarts)",
                     "clusters k", k, 100_000, k)
    sizes = {2: [10_000, 30_000, 100_000, 300_000], 16: [5_000, 10_000, 20_000, 40_000]}
    for d, ns in sizes.items():
        for n in ns:
            eps, ms = dbscan_params(n, d)
            dbscan_point("dbscan", "DBSCAN fit time vs rows (eps ~ n^(-1/d): fixed expected neighbours)",
                         "rows n", n, dbscan_data(n, d), eps, ms, f" {d}-D")
    for d in [2, 4, 8, 16, 32]:
        x = dbscan_data_d(20_000, d)
        dbscan_point("dbscan_d", "DBSCAN fit time vs features (20k rows; min_samples 10)",
                     "features d", d, x, dbscan_eps_d(x, 10), 10, "")
    csv_path = os.path.join(out, "scaling.csv")
    with open(csv_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {csv_path}")
    subprocess.run([ai4s, "bench", "--plot-scaling", csv_path, "--out", figures], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("root", help="directory holding kmeans/, gmm/, dbscan/, pca/ run directories")
    s = sub.add_parser("speed")
    s.add_argument("--ai4s", default="target/release/ai4s")
    s.add_argument("--n", type=int, default=100_000, help="k-means rows")
    s.add_argument("--d", type=int, default=16, help="k-means features")
    s.add_argument("--k", type=int, default=8)
    s.add_argument("--n-init", type=int, default=3)
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--out", default="", help="also write cluster_speed.json here")
    c = sub.add_parser("scaling")
    c.add_argument("--ai4s", default="target/release/ai4s")
    c.add_argument("--repeats", type=int, default=3)
    c.add_argument("--out", default="runs/bench/cluster", help="directory for scaling.csv")
    c.add_argument("--figures", default="docs/figures", help="directory for the figures")
    a = p.parse_args()
    if a.cmd == "quality":
        quality(a.root)
    elif a.cmd == "speed":
        speed(a.ai4s, a.n, a.d, a.k, a.n_init, a.repeats, a.out)
    else:
        scaling(a.ai4s, a.repeats, a.out, a.figures)


if __name__ == "__main__":
    sys.exit(main())
