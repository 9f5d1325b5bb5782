//! How good is a clustering: agreement with known classes and internal separation.
//!
//! With the contingency table `n_ij` (points in true class `i` and cluster `j`), row sums `a_i`,
//! column sums `b_j` and `C(m) = m (m - 1) / 2`:
//!
//! - Adjusted Rand index (Hubert & Arabie 1985):
//!   `ARI = (sum_ij C(n_ij) - E) / (max - E)`, `E = sum_i C(a_i) sum_j C(b_j) / C(n)`,
//!   `max = (sum_i C(a_i) + sum_j C(b_j)) / 2`; 1 for identical partitions, about 0 for chance.
//! - Normalised mutual information with the arithmetic-mean normalisation (scikit-learn's
//!   default): `NMI = I(U; V) / ((H(U) + H(V)) / 2)`, natural logarithms.
//! - Silhouette (Rousseeuw 1987): for each point `s = (b - a) / max(a, b)` with `a` the mean
//!   distance to its own cluster and `b` the smallest mean distance to another cluster; the score
//!   is the mean of `s` (0 for points alone in their cluster).
//!
//! Labels may be any hashable values, so DBSCAN's noise label `-1` is simply one more group, as
//! in scikit-learn.

use ndarray::{Array2, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use std::collections::HashMap;
use std::hash::Hash;

fn relabel<T: Hash + Eq + Copy>(labels: &[T]) -> (Vec<usize>, usize) {
    let mut ids = HashMap::new();
    let out = labels
        .iter()
        .map(|l| {
            let next = ids.len();
            *ids.entry(*l).or_insert(next)
        })
        .collect();
    (out, ids.len())
}

/// Contingency table of two labelings of the same points.
fn contingency<A: Hash + Eq + Copy, B: Hash + Eq + Copy>(a: &[A], b: &[B]) -> Vec<Vec<f64>> {
    assert_eq!(a.len(), b.len(), "labelings should cover the same points");
    let (a, na) = relabel(a);
    let (b, nb) = relabel(b);
    let mut t = vec![vec![0.0; nb]; na];
    for (&i, &j) in a.iter().zip(&b) {
        t[i][j] += 1.0;
    }
    t
}

fn comb2(m: f64) -> f64 {
    m * (m - 1.0) / 2.0
}

/// Adjusted Rand index between true classes and predicted clusters.
pub fn adjusted_rand_index<A: Hash + Eq + Copy, B: Hash + Eq + Copy>(
    truth: &[A],
    pred: &[B],
) -> f64 {
    let n = truth.len() as f64;
    let t = contingency(truth, pred);
    let sum_ij: f64 = t.iter().flatten().map(|&v| comb2(v)).sum();
    let sum_a: f64 = t.iter().map(|r| comb2(r.iter().sum())).sum();
    let nb = t.first().map_or(0, Vec::len);
    let sum_b: f64 = (0..nb).map(|j| comb2(t.iter().map(|r| r[j]).sum())).sum();
    let expected = sum_a * sum_b / comb2(n).max(f64::MIN_POSITIVE);
    let max = 0.5 * (sum_a + sum_b);
    if (max - expected).abs() < 1e-12 {
        // Both partitions trivial (one cluster, or all singletons): identical by convention.
        return 1.0;
    }
    (sum_ij - expected) / (max - expected)
}

fn entropy(counts: impl Iterator<Item = f64>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0.0)
        .map(|c| -(c / n) * (c / n).ln())
        .sum()
}

/// Normalised mutual information (arithmetic mean of the two entropies).
pub fn normalized_mutual_info<A: Hash + Eq + Copy, B: Hash + Eq + Copy>(
    truth: &[A],
    pred: &[B],
) -> f64 {
    let n = truth.len() as f64;
    let t = contingency(truth, pred);
    let nb = t.first().map_or(0, Vec::len);
    let a: Vec<f64> = t.iter().map(|r| r.iter().sum()).collect();
    let b: Vec<f64> = (0..nb).map(|j| t.iter().map(|r| r[j]).sum()).collect();
    if a.len() == 1 && b.len() == 1 {
        return 1.0;
    }
    let mut mi = 0.0;
    for (i, row) in t.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v > 0.0 {
                mi += v / n * (n * v / (a[i] * b[j])).ln();
            }
        }
    }
    let h = 0.5 * (entropy(a.into_iter(), n) + entropy(b.into_iter(), n));
    if h <= 0.0 {
        0.0
    } else {
        (mi / h).clamp(0.0, 1.0)
    }
}

fn dist(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Mean silhouette coefficient (Euclidean) of `labels` on the rows of `x`, computed on a random
/// subsample of at most `max_points` rows (the exact score needs all pairwise distances).
/// `None` when there are fewer than two clusters or every point is its own cluster.
pub fn silhouette<T: Hash + Eq + Copy>(
    x: &Array2<f64>,
    labels: &[T],
    max_points: usize,
    seed: u64,
) -> Option<f64> {
    let n = x.nrows();
    let rows: Vec<usize> = if n > max_points {
        let mut r = sample(&mut StdRng::seed_from_u64(seed), n, max_points).into_vec();
        r.sort_unstable();
        r
    } else {
        (0..n).collect()
    };
    let sub: Vec<T> = rows.iter().map(|&i| labels[i]).collect();
    let (lab, k) = relabel(&sub);
    let m = rows.len();
    if k < 2 || k >= m {
        return None;
    }
    let mut size = vec![0.0; k];
    for &l in &lab {
        size[l] += 1.0;
    }
    let mut total = 0.0;
    let mut sums = vec![0.0; k];
    for (p, &i) in rows.iter().enumerate() {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for (q, &j) in rows.iter().enumerate() {
            if p != q {
                sums[lab[q]] += dist(x.row(i), x.row(j));
            }
        }
        let own = lab[p];
        if size[own] <= 1.0 {
            continue;
        }
        let a = sums[own] / (size[own] - 1.0);
        let b = (0..k)
            .filter(|&c| c != own)
            .map(|c| sums[c] / size[c])
            .fold(f64::INFINITY, f64::min);
        total += (b - a) / a.max(b).max(f64::MIN_POSITIVE);
    }
    Some(total / m as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_and_nmi_match_hand_computed_values() {
        // Permuted labels are the same partition.
        let t = [0, 0, 1, 1, 2, 2];
        let p = [5, 5, 3, 3, 9, 9];
        assert!((adjusted_rand_index(&t, &p) - 1.0).abs() < 1e-12);
        assert!((normalized_mutual_info(&t, &p) - 1.0).abs() < 1e-12);
        // scikit-learn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715,
        // normalized_mutual_info_score(...) = 0.8
        let (t, p) = ([0, 0, 1, 1], [0, 0, 1, 2]);
        assert!((adjusted_rand_index(&t, &p) - 4.0 / 7.0).abs() < 1e-12);
        assert!((normalized_mutual_info(&t, &p) - 0.8).abs() < 1e-12);
        // Everything in one cluster against two classes: ARI 0, NMI 0.
        assert!(adjusted_rand_index(&[0, 0, 1, 1], &[7, 7, 7, 7]).abs() < 1e-12);
        assert!(normalized_mutual_info(&[0, 0, 1, 1], &[7, 7, 7, 7]).abs() < 1e-12);
    }

    #[test]
    fn silhouette_of_two_far_pairs_is_near_one() {
        let x = ndarray::arr2(&[[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]]);
        let s = silhouette(&x, &[0, 0, 1, 1], 100, 0).expect("two clusters");
        // a = 1, b = mean(10, sqrt(101)) for every point.
        let b = 0.5 * (10.0 + 101f64.sqrt());
        assert!((s - (b - 1.0) / b).abs() < 1e-12);
        assert!(silhouette(&x, &[0, 0, 0, 0], 100, 0).is_none());
    }
}
