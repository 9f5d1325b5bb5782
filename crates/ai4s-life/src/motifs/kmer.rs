//! The practitioner's baseline: k-mer counts with L2-regularised logistic regression.
//!
//! Each sequence becomes the counts of every k-mer for each `k` in a set (4 to 6 by default),
//! with a k-mer and its reverse complement counted as one feature (a binding site reads on
//! either strand): the gapless k-mer spectrum features of Leslie, Eskin & Noble (2002), as in
//! kmer-SVM (Lee et al. 2011). Features are scaled by their training standard deviation (not
//! centred, so they stay sparse). The model `P(y = 1 | x) = sigma(w.x + b)` minimises the mean
//! log loss plus `lambda/2 |w|^2` by full-batch Adam; `lambda` is chosen from a grid by the AUC on
//! the validation sequences, warm-starting each fit from the previous (largest `lambda` first).

use super::sequences::reverse_complement;
use ai4s_core::metrics::auc_of;
use std::collections::HashMap;

/// Sparse k-mer features: per sequence, (feature, value) pairs.
pub struct KmerFeatures {
    /// Feature index of every k-mer code per `k`: canonical (strand-merged) numbering.
    index: Vec<Vec<u32>>,
    ks: Vec<usize>,
    /// Number of features.
    pub dim: usize,
}

fn code(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |acc, &b| acc * 4 + b as u32)
}

impl KmerFeatures {
    /// The feature space of k-mers for each `k` in `ks`, strands merged.
    pub fn new(ks: &[usize]) -> Self {
        let mut index = Vec::with_capacity(ks.len());
        let mut next = 0u32;
        for &k in ks {
            let mut map = vec![u32::MAX; 4usize.pow(k as u32)];
            for c in 0..4u32.pow(k as u32) {
                let s: Vec<u8> = (0..k).rev().map(|i| ((c >> (2 * i)) & 3) as u8).collect();
                let canon = c.min(code(&reverse_complement(&s))) as usize;
                if map[canon] == u32::MAX {
                    map[canon] = next;
                    next += 1;
                }
                map[c as usize] = map[canon];
            }
            index.push(map);
        }
        KmerFeatures {
            index,
            ks: ks.to_vec(),
            dim: next as usize,
        }
    }

    /// Counts of one sequence, sorted by feature.
    pub fn counts(&self, s: &[u8]) -> Vec<(u32, f64)> {
        let mut acc: HashMap<u32, f64> = HashMap::new();
        for (map, &k) in self.index.iter().zip(&self.ks) {
            // Windows over an `N` or padding ([`super::sequences::GAP`]) are not counted.
            for w in s.windows(k).filter(|w| w.iter().all(|&b| b < 4)) {
                *acc.entry(map[code(w) as usize]).or_insert(0.0) += 1.0;
            }
        }
        let mut v: Vec<(u32, f64)> = acc.into_iter().collect();
        v.sort_by_key(|e| e.0);
        v
    }
}

/// A fitted k-mer logistic regression.
pub struct KmerModel {
    w: Vec<f64>,
    b: f64,
    scale: Vec<f64>,
    /// The chosen L2 strength.
    pub lambda: f64,
}

type Sparse = Vec<Vec<(u32, f64)>>;

impl KmerModel {
    /// Logit of sparse rows.
    fn logits(&self, x: &Sparse) -> Vec<f64> {
        x.iter()
            .map(|r| {
                self.b
                    + r.iter()
                        .map(|&(f, v)| self.w[f as usize] * v * self.scale[f as usize])
                        .sum::<f64>()
            })
            .collect()
    }

    /// Scores (logits) of raw count rows.
    pub fn score(&self, x: &Sparse) -> Vec<f64> {
        self.logits(x)
    }

    /// Fits on training rows, choosing `lambda` from `lambdas` by validation AUC.
    pub fn fit(
        dim: usize,
        (xt, yt): (&Sparse, &[bool]),
        (xv, yv): (&Sparse, &[bool]),
        lambdas: &[f64],
        steps: usize,
    ) -> KmerModel {
        // Uncentred scaling by the training standard deviation.
        let n = xt.len().max(1) as f64;
        let (mut s1, mut s2) = (vec![0.0; dim], vec![0.0; dim]);
        for r in xt {
            for &(f, v) in r {
                s1[f as usize] += v;
                s2[f as usize] += v * v;
            }
        }
        let scale: Vec<f64> = s1
            .iter()
            .zip(&s2)
            .map(|(a, b)| {
                let var = b / n - (a / n).powi(2);
                if var > 1e-12 { 1.0 / var.sqrt() } else { 0.0 }
            })
            .collect();
        let mut model = KmerModel {
            w: vec![0.0; dim],
            b: 0.0,
            scale,
            lambda: 0.0,
        };
        let mut sorted = lambdas.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let mut best: Option<(f64, Vec<f64>, f64, f64)> = None;
        for &lambda in &sorted {
            model.adam(xt, yt, lambda, steps);
            let a = auc_of(&model.logits(xv), yv);
            if best.as_ref().is_none_or(|b| a > b.0) {
                best = Some((a, model.w.clone(), model.b, lambda));
            }
        }
        if let Some((_, w, b, lambda)) = best {
            (model.w, model.b, model.lambda) = (w, b, lambda);
        }
        model
    }

    fn adam(&mut self, x: &Sparse, y: &[bool], lambda: f64, steps: usize) {
        let (lr, b1, b2, eps): (f64, f64, f64, f64) = (0.02, 0.9, 0.999, 1e-8);
        let d = self.w.len();
        let (mut m, mut v) = (vec![0.0; d + 1], vec![0.0; d + 1]);
        let n = x.len().max(1) as f64;
        let mut g = vec![0.0; d + 1];
        for t in 1..=steps {
            g.iter_mut().for_each(|e| *e = 0.0);
            for (z, (r, &yi)) in self.logits(x).iter().zip(x.iter().zip(y)) {
                let p = 1.0 / (1.0 + (-z).exp());
                let e = (p - if yi { 1.0 } else { 0.0 }) / n;
                for &(f, val) in r {
                    g[f as usize] += e * val * self.scale[f as usize];
                }
                g[d] += e;
            }
            for (gj, wj) in g.iter_mut().zip(&self.w) {
                *gj += lambda * wj;
            }
            let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
            for j in 0..=d {
                m[j] = b1 * m[j] + (1.0 - b1) * g[j];
                v[j] = b2 * v[j] + (1.0 - b2) * g[j] * g[j];
                let step = lr * (m[j] / c1) / ((v[j] / c2).sqrt() + eps);
                if j < d {
                    self.w[j] -= step;
                } else {
                    self.b -= step;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strands_merge_into_canonical_kmers() {
        let f = KmerFeatures::new(&[1, 2]);
        // k = 1: {A,T}, {C,G}; k = 2: 16 dimers, 4 palindromes, so (16 - 4) / 2 + 4 = 10.
        assert_eq!(f.dim, 2 + 10);
        // ACGT is its own reverse complement: its counts equal those of the other strand.
        let s = vec![0u8, 0, 1, 3, 2];
        assert_eq!(f.counts(&s), f.counts(&reverse_complement(&s)));
        let total: f64 = f.counts(&s).iter().map(|e| e.1).sum();
        assert_eq!(total, 5.0 + 4.0);
    }

    #[test]
    fn logistic_regression_learns_a_planted_kmer() {
        // Positives contain ACGTTG, negatives do not; everything else is a fixed pattern.
        let f = KmerFeatures::new(&[3]);
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            // Pairs of sequences share a background; only the site tells them apart.
            let mut s: Vec<u8> = (0..40)
                .map(|j| ((i / 2 * 7 + j * j * 3) % 4) as u8)
                .collect();
            if i % 2 == 0 {
                s[10..16].copy_from_slice(&[0, 1, 2, 3, 3, 2]);
            }
            rows.push(f.counts(&s));
            y.push(i % 2 == 0);
        }
        let m = KmerModel::fit(f.dim, (&rows, &y), (&rows, &y), &[1e-3, 1e-1], 200);
        assert!(auc_of(&m.score(&rows), &y) > 0.99);
    }
}
