#!/usr/bin/env python3
"""Compare the `diagnosis` task with scikit-learn on exactly the same folds.

scikit-learn is a peer for comparison only, never a project dependency. Use a throwaway venv:

    python3 -m venv /tmp/ai4s-peers && /tmp/ai4s-peers/bin/pip install scikit-learn numpy

Run the task first (it writes the splits it used, splits.csv, and its out-of-fold
predictions, predictions.csv), then fit scikit-learn's models on the same rows:

    target/release/ai4s run diagnosis --out runs/cmp/diagnosis
    /tmp/ai4s-peers/bin/python bench/compare/sklearn_diagnosis.py runs/cmp/diagnosis

For every repeat and fold: StandardScaler fitted on the fit rows; LogisticRegression(C=1)
and MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-4, random_state=fold) with scikit-learn's
defaults otherwise (adam, lr 1e-3, batch 200, max_iter 200, no early stopping) trained on the
fit rows; the temperature fitted on the calibration rows by the same MAP objective as ai4s
(summed NLL + (ln T)^2 / 2, golden-section search over ln T in [ln 0.05, ln 20]).
Metrics are computed as the task computes them: AUC as the mean over test folds;
sensitivity at 95 % specificity and ECE (10 equal-width bins) on the pooled out-of-fold
predictions; mean over repeats. The script also recomputes ai4s's own AUC and ECE from its
predictions.csv with scikit-learn's roc_auc_score, as a check of our metric code.
"""

import csv
import json
import math
import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def load_table():
    path = os.path.join(ROOT, "datasets", "breast_cancer_wisconsin.csv")
    with open(path) as f:
        rows = list(csv.reader(f))
    header = rows[0]
    data = np.array([[float(v) for v in r] for r in rows[1:]])
    t = header.index("malignant")
    x = np.delete(data, t, axis=1)
    y = data[:, t].astype(bool)
    return x, y


def load_splits(run):
    splits = {}
    with open(os.path.join(run, "splits.csv")) as f:
        for r in csv.DictReader(f):
            key = (int(r["repeat"]), int(r["fold"]))
            splits.setdefault(key, {"fit": [], "calibration": [], "test": []})
            splits[key][r["role"]].append(int(r["row"]))
    return splits


def nll_sum(z, y, t):
    s = z / t
    return float(np.sum(np.maximum(s, 0) + np.log1p(np.exp(-np.abs(s))) - y * s))


def fit_temperature(z, y):
    f = lambda lt: nll_sum(z, y, math.exp(lt)) + 0.5 * lt * lt
    a, b = math.log(0.05), math.log(20.0)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    while b - a > 1e-6:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return math.exp(0.5 * (a + b))


def ece(p, y, bins=10):
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(p) * abs(y[m].mean() - p[m].mean())
    return total


def sens_at_spec(p, y, spec=0.95):
    fpr, tpr, _ = roc_curve(y, p)
    return float(tpr[fpr <= 1 - spec + 1e-12].max())


def logit(p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log(p) - np.log1p(-p)


def main():
    run = sys.argv[1]
    x, y = load_table()
    splits = load_splits(run)
    repeats = sorted({r for r, _ in splits})
    folds = sorted({f for _, f in splits})
    warnings.simplefilter("ignore", ConvergenceWarning)
    results = {m: [] for m in ("mlp", "logistic")}
    start = time.perf_counter()
    for r in repeats:
        z = {m: np.zeros(len(y)) for m in results}
        scaled = {m: np.zeros(len(y)) for m in results}
        aucs = {m: [] for m in results}
        for f in folds:
            s = splits[(r, f)]
            scaler = StandardScaler().fit(x[s["fit"]])
            xs = scaler.transform(x)
            models = {
                "logistic": LogisticRegression(C=1.0, max_iter=1000),
                "mlp": MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-4, random_state=f),
            }
            for m, model in models.items():
                model.fit(xs[s["fit"]], y[s["fit"]])
                cal = logit(model.predict_proba(xs[s["calibration"]])[:, 1])
                if m == "logistic":
                    cal = model.decision_function(xs[s["calibration"]])
                    test = model.decision_function(xs[s["test"]])
                else:
                    test = logit(model.predict_proba(xs[s["test"]])[:, 1])
                t = fit_temperature(cal, y[s["calibration"]].astype(float))
                z[m][s["test"]] = test
                scaled[m][s["test"]] = 1 / (1 + np.exp(-test / t))
                aucs[m].append(roc_auc_score(y[s["test"]], test))
        for m in results:
            raw = 1 / (1 + np.exp(-z[m]))
            results[m].append(
                [np.mean(aucs[m]), sens_at_spec(scaled[m], y), ece(raw, y), ece(scaled[m], y)]
            )
    elapsed = time.perf_counter() - start

    # ai4s's own predictions, scored by scikit-learn.
    ours = {m: [] for m in results}
    with open(os.path.join(run, "predictions.csv")) as f:
        pred = list(csv.DictReader(f))
    for r in repeats:
        rows = [p for p in pred if int(p["repeat"]) == r]
        for m in results:
            aucs = []
            for fo in folds:
                sub = [p for p in rows if int(p["test_fold"]) == fo]
                aucs.append(
                    roc_auc_score([int(p["label"]) for p in sub], [float(p[f"{m}_logit"]) for p in sub])
                )
            lab = np.array([int(p["label"]) for p in rows], dtype=bool)
            sc = np.array([float(p[f"{m}_probability_scaled"]) for p in rows])
            raw = 1 / (1 + np.exp(-np.array([float(p[f"{m}_logit"]) for p in rows])))
            ours[m].append([np.mean(aucs), sens_at_spec(sc, lab), ece(raw, lab), ece(sc, lab)])
    with open(os.path.join(run, "summary.json")) as f:
        summary = json.load(f)

    names = ["auc", "sensitivity@95%spec", "ece_raw", "ece_scaled"]
    keys = ["auc", "sensitivity_at_specificity", "ece", "ece_scaled"]
    metrics = summary["metrics"]
    print(f"{len(repeats)} repeats x {len(folds)} folds; scikit-learn fits took {elapsed:.2f} s")
    print(f"{'model':10} {'metric':22} {'ai4s':>8} {'ai4s (sklearn metric)':>22} {'scikit-learn':>13}")
    for m in results:
        for k, name in enumerate(names):
            own = metrics[f"{m}_{keys[k]}"]
            a = float(np.mean([v[k] for v in ours[m]]))
            s = float(np.mean([v[k] for v in results[m]]))
            print(f"{m:10} {name:22} {own:8.4f} {a:22.4f} {s:13.4f}")
            if abs(own - a) > 1e-6:
                sys.exit(f"ai4s's {m} {name} {own} differs from scikit-learn's metric {a} on the same predictions")


if __name__ == "__main__":
    main()
