//! From couplings or correlations to ranked contacts, and their precision.
//!
//! Coupling blocks are compared in the zero-sum (Ising) gauge, where a block carries no part
//! that a field could absorb:
//!
//! ```text
//! J'_ij(a, b) = J_ij(a, b) - J_ij(., b) - J_ij(a, .) + J_ij(., .),   F_ij = ||J'_ij||_F
//! ```
//!
//! (dots are means over a state). Scores of both methods then get the average product
//! correction (Dunn, Wahl & Gloor, Bioinformatics 24, 333 (2008)), which removes the part of
//! `S_ij` explained by how strongly each column scores with everything (conservation,
//! phylogeny, sampling noise):
//!
//! ```text
//! APC_ij = S_ij - S_i. S_.j / S_..
//! ```
//!
//! with `S_i.` the mean of row `i` and `S_..` the mean over all pairs `i != j`. Precision at `k`
//! is the fraction of true contacts among the `k` highest-scoring pairs with `|i - j| >= 6`.

use super::fold::ContactMap;

/// Frobenius norms `[i][j]` of the zero-sum-gauged blocks of a full coupling matrix
/// `j[(i q + a) L q + j q + b]` (zero on the diagonal).
pub fn frobenius_zero_sum(j: &[f64], l: usize, q: usize) -> Vec<Vec<f64>> {
    let lq = l * q;
    let mut out = vec![vec![0.0; l]; l];
    let mut block = vec![0.0; q * q];
    for (i, row) in out.iter_mut().enumerate() {
        for (k, cell) in row.iter_mut().enumerate() {
            if i == k {
                continue;
            }
            for a in 0..q {
                for b in 0..q {
                    block[a * q + b] = j[(i * q + a) * lq + k * q + b];
                }
            }
            let total: f64 = block.iter().sum::<f64>() / (q * q) as f64;
            let row_mean: Vec<f64> = (0..q)
                .map(|a| block[a * q..(a + 1) * q].iter().sum::<f64>() / q as f64)
                .collect();
            let col_mean: Vec<f64> = (0..q)
                .map(|b| (0..q).map(|a| block[a * q + b]).sum::<f64>() / q as f64)
                .collect();
            let mut f = 0.0;
            for a in 0..q {
                for b in 0..q {
                    let v = block[a * q + b] - row_mean[a] - col_mean[b] + total;
                    f += v * v;
                }
            }
            *cell = f.sqrt();
        }
    }
    out
}

/// The average product correction of a symmetric score matrix (diagonal ignored, set to 0).
pub fn apc(s: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let l = s.len();
    if l < 2 {
        return vec![vec![0.0; l]; l];
    }
    let row: Vec<f64> = (0..l)
        .map(|i| (0..l).filter(|&j| j != i).map(|j| s[i][j]).sum::<f64>() / (l - 1) as f64)
        .collect();
    let all = row.iter().sum::<f64>() / l as f64;
    (0..l)
        .map(|i| {
            (0..l)
                .map(|j| {
                    if i == j || all == 0.0 {
                        0.0
                    } else {
                        s[i][j] - row[i] * row[j] / all
                    }
                })
                .collect()
        })
        .collect()
}

/// A scored pair of residues, `i < j`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// First residue (0-based).
    pub i: usize,
    /// Second residue (0-based).
    pub j: usize,
    /// Score (higher = more likely in contact).
    pub score: f64,
}

/// All pairs with `j - i >= min_sep`, best first.
pub fn ranked(s: &[Vec<f64>], min_sep: usize) -> Vec<Pair> {
    let l = s.len();
    let mut pairs: Vec<Pair> = (0..l)
        .flat_map(|i| ((i + min_sep.max(1))..l).map(move |j| (i, j)))
        .map(|(i, j)| Pair {
            i,
            j,
            score: 0.5 * (s[i][j] + s[j][i]),
        })
        .collect();
    pairs.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((a.i, a.j).cmp(&(b.i, b.j)))
    });
    pairs
}

/// Fraction of true contacts among the first `k` pairs of a ranking.
pub fn precision_at(ranking: &[Pair], truth: &ContactMap, k: usize) -> f64 {
    let k = k.min(ranking.len());
    if k == 0 {
        return 0.0;
    }
    let hits = ranking[..k]
        .iter()
        .filter(|p| truth.contact(p.i, p.j))
        .count();
    hits as f64 / k as f64
}

/// The ranking as a tab-separated list `i j score` (1-based residues), with a header.
pub fn to_tsv(ranking: &[Pair]) -> String {
    let mut out = String::from("i\tj\tscore\n");
    for p in ranking {
        out.push_str(&format!("{}\t{}\t{:.6}\n", p.i + 1, p.j + 1, p.score));
    }
    out
}
