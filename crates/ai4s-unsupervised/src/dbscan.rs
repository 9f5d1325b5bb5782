//! DBSCAN: density-based clusters of arbitrary shape, with noise.
//!
//! A point is a *core* point when at least `min_samples` points (itself included) lie within
//! Euclidean distance `eps` of it. Clusters are the connected components of core points under
//! the "within `eps`" relation, plus the non-core points within `eps` of a core point (border
//! points, given to the first cluster that reaches them); every other point is noise, label `-1`
//! (Ester, Kriegel, Sander & Xu 1996). Defaults are scikit-learn's: `eps = 0.5`,
//! `min_samples = 5`. Neighbours are found by sorting on the first coordinate and scanning the
//! `[x_0 - eps, x_0 + eps]` window, which is far cheaper than all pairs for low-dimensional data.

use ai4s_core::Result;
use ai4s_core::error::ensure;
use ndarray::Array2;

/// Label of points in no cluster.
pub const NOISE: i64 = -1;

/// DBSCAN parameters.
#[derive(Clone, Debug)]
pub struct Dbscan {
    /// Neighbourhood radius.
    pub eps: f64,
    /// Points within `eps` (itself included) that make a point a core point.
    pub min_samples: usize,
}

impl Default for Dbscan {
    fn default() -> Self {
        Dbscan {
            eps: 0.5,
            min_samples: 5,
        }
    }
}

/// Result of [`Dbscan::fit`].
#[derive(Clone, Debug)]
pub struct DbscanFit {
    /// Cluster of every row (`0..n_clusters`) or [`NOISE`].
    pub labels: Vec<i64>,
    /// Whether each row is a core point.
    pub core: Vec<bool>,
    /// Number of clusters found.
    pub n_clusters: usize,
}

impl Dbscan {
    /// Checks the parameters; errors name the field (with `prefix`).
    pub fn validate(&self, prefix: &str) -> Result<()> {
        ensure(
            self.eps.is_finite() && self.eps > 0.0,
            &format!("{prefix}eps"),
            || format!("must be a positive distance, got {}", self.eps),
        )?;
        ensure(
            self.min_samples >= 1,
            &format!("{prefix}min_samples"),
            || format!("must be at least 1, got {}", self.min_samples),
        )
    }

    /// Clusters the rows of `x`.
    pub fn fit(&self, x: &Array2<f64>) -> Result<DbscanFit> {
        self.validate("")?;
        let n = x.nrows();
        let neighbours = self.neighbours(x);
        let core: Vec<bool> = neighbours
            .iter()
            .map(|v| v.len() >= self.min_samples)
            .collect();
        let mut labels = vec![NOISE; n];
        let mut n_clusters = 0usize;
        let mut stack = Vec::new();
        for start in 0..n {
            if labels[start] != NOISE || !core[start] {
                continue;
            }
            let id = n_clusters as i64;
            n_clusters += 1;
            labels[start] = id;
            stack.push(start);
            while let Some(p) = stack.pop() {
                for &q in &neighbours[p] {
                    if labels[q] == NOISE {
                        labels[q] = id;
                        if core[q] {
                            stack.push(q);
                        }
                    }
                }
            }
        }
        Ok(DbscanFit {
            labels,
            core,
            n_clusters,
        })
    }

    /// Indices within `eps` of every row (the row itself included).
    fn neighbours(&self, x: &Array2<f64>) -> Vec<Vec<usize>> {
        let (n, d) = x.dim();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| x[[a, 0]].total_cmp(&x[[b, 0]]));
        let first: Vec<f64> = order.iter().map(|&i| x[[i, 0]]).collect();
        let eps2 = self.eps * self.eps;
        let mut out = vec![Vec::new(); n];
        for (pos, &i) in order.iter().enumerate() {
            let lo = first.partition_point(|&v| v < first[pos] - self.eps);
            for &j in &order[lo..] {
                if x[[j, 0]] > x[[i, 0]] + self.eps {
                    break;
                }
                let mut s = 0.0;
                for c in 0..d {
                    let t = x[[i, c]] - x[[j, c]];
                    s += t * t;
                }
                if s <= eps2 {
                    out[i].push(j);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_lines_and_an_outlier() {
        // Two rows of points 0.1 apart, 1.0 between rows, and one far point.
        let mut pts: Vec<[f64; 2]> = (0..10).map(|i| [0.1 * i as f64, 0.0]).collect();
        pts.extend((0..10).map(|i| [0.1 * i as f64, 1.0]));
        pts.push([5.0, 5.0]);
        let x = Array2::from_shape_fn((pts.len(), 2), |(i, j)| pts[i][j]);
        let f = Dbscan {
            eps: 0.15,
            min_samples: 3,
        }
        .fit(&x)
        .expect("fit");
        assert_eq!(f.n_clusters, 2);
        assert!(f.labels[..10].iter().all(|&l| l == 0));
        assert!(f.labels[10..20].iter().all(|&l| l == 1));
        assert_eq!(f.labels[20], NOISE);
        // End points have only two neighbours: border, not core.
        assert!(!f.core[0] && f.core[1]);
        let e = Dbscan {
            eps: 0.0,
            min_samples: 3,
        }
        .fit(&x)
        .expect_err("eps = 0");
        assert!(e.to_string().contains("`eps`"), "{e}");
    }
}
