//! k-means: Lloyd's algorithm with greedy k-means++ seeding, restarts and Hamerly's bounds.
//!
//! Minimises the inertia `sum_i min_j |x_i - c_j|^2`. Each restart seeds the centres with greedy
//! k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it; [`init`]) and runs Lloyd's
//! iteration: assign every row to its nearest centre, move each centre to the mean of its rows,
//! until the assignment no longer changes, the squared centre shift `sum_j |c_j' - c_j|^2` falls
//! to `tol * mean_d var(x_d)` (scikit-learn's relative tolerance), or `max_iter`. The restart
//! with the lowest inertia wins.
//!
//! The assignments are exactly those of plain Lloyd, but most rows skip most distances:
//! Hamerly's triangle-inequality bounds ([`hamerly`]; Hamerly 2010) settle a row from two
//! numbers unless a centre moved enough to matter. The distances that are computed take the
//! product form `|x|^2 - 2 x.c + |c|^2` on column-centred data, a small matrix product whose
//! inner loop the compiler vectorises ([`distance`]). Every core works (`std::thread::scope`):
//! on whole restarts while there are enough of them, then on fixed chunks of rows reduced in
//! order; each restart has its own seed, so results do not depend on the number of threads.

mod distance;
mod hamerly;
mod init;
#[cfg(test)]
mod tests;

use crate::metric::{dot, sq_dist};
use crate::parallel::on_threads;
use ai4s_core::error::ensure;
use ai4s_core::{Error, Result};
use hamerly::Data;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};

/// k-means parameters (scikit-learn's defaults except `n_init`).
#[derive(Clone, Debug)]
pub struct KMeans {
    /// Number of clusters.
    pub k: usize,
    /// Independent k-means++ restarts; the lowest inertia wins.
    pub n_init: usize,
    /// Lloyd iterations per restart.
    pub max_iter: usize,
    /// Relative tolerance on the squared centre shift (scaled by the mean feature variance).
    pub tol: f64,
    /// Worker threads (0 = all cores).
    pub threads: usize,
}

impl Default for KMeans {
    fn default() -> Self {
        KMeans {
            k: 8,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            threads: 0,
        }
    }
}

/// A fitted k-means model.
#[derive(Clone, Debug)]
pub struct KMeansFit {
    /// Cluster centres, one per row.
    pub centroids: Array2<f64>,
    /// Cluster of every training row.
    pub labels: Vec<usize>,
    /// Sum of squared distances of the rows to their centres.
    pub inertia: f64,
    /// Lloyd iterations of the winning restart.
    pub n_iter: usize,
}

impl KMeans {
    /// Checks the parameters; errors name the field (with `prefix`, e.g. `kmeans.`).
    pub fn validate(&self, prefix: &str) -> Result<()> {
        let f = |name: &str| format!("{prefix}{name}");
        ensure(self.k >= 1, &f("k"), || {
            format!("must be at least 1 cluster, got {}", self.k)
        })?;
        ensure(self.n_init >= 1, &f("n_init"), || {
            format!("must be at least 1 restart, got {}", self.n_init)
        })?;
        ensure(self.max_iter >= 1, &f("max_iter"), || {
            format!("must be at least 1, got {}", self.max_iter)
        })?;
        ensure(self.tol.is_finite() && self.tol >= 0.0, &f("tol"), || {
            format!("must be a non-negative number, got {}", self.tol)
        })
    }

    /// Fits on the rows of `x`.
    pub fn fit(&self, x: &Array2<f64>, seed: u64) -> Result<KMeansFit> {
        self.validate("")?;
        let (n, d) = x.dim();
        ensure(self.k <= n, "k", || {
            format!(
                "{} clusters need at least as many rows, the data has {n}",
                self.k
            )
        })?;
        if d == 0 {
            return Err(Error::Runtime("k-means needs at least one column".into()));
        }
        ensure(self.k < u32::MAX as usize, "k", || {
            format!("must be below {}, got {}", u32::MAX, self.k)
        })?;
        check_finite(x, "k-means")?;
        // Centred copy: distances are unchanged, the product form loses less to cancellation.
        // One pass for the means, one that writes the centred rows and their squared norms.
        let x = x.as_standard_layout();
        let xv = x.as_slice().unwrap_or(&[]);
        let mut mean = vec![0.0; d];
        for r in xv.chunks_exact(d) {
            mean.iter_mut().zip(r).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut xs = Vec::with_capacity(n * d);
        let mut norms = Vec::with_capacity(n);
        for r in xv.chunks_exact(d) {
            let start = xs.len();
            xs.extend(r.iter().zip(&mean).map(|(v, m)| v - m));
            let c = &xs[start..];
            norms.push(dot(c, c));
        }
        let data = Data {
            x: &xs,
            d,
            norms: &norms,
        };
        // Mean feature variance: the mean squared norm of the centred rows over d.
        let var_mean = norms.iter().sum::<f64>() / (n * d) as f64;
        let tol = self.tol * var_mean;
        let threads = crate::parallel::resolve_threads(self.threads, n * d * self.k);
        // One seed per restart, so that a restart's result does not depend on where it runs.
        let mut rng = StdRng::seed_from_u64(seed);
        let seeds: Vec<u64> = (0..self.n_init).map(|_| rng.random()).collect();
        let restart = |r: usize, threads: usize| {
            let mut rng = StdRng::seed_from_u64(seeds[r]);
            let seeding = init::kmeans_plusplus(&data, self.k, &mut rng, threads);
            hamerly::lloyd(&data, seeding, self.max_iter, tol, threads)
        };
        let mut best: Option<hamerly::Outcome> = None;
        for fit in restarts(self.n_init, threads, restart) {
            if best.as_ref().is_none_or(|b| fit.inertia < b.inertia) {
                best = Some(fit);
            }
        }
        let best = best.ok_or_else(|| Error::Runtime("k-means ran no restart".into()))?;
        let centroids =
            Array2::from_shape_fn((self.k, d), |(j, f)| best.centres[j * d + f] + mean[f]);
        Ok(KMeansFit {
            centroids,
            labels: best.labels,
            inertia: best.inertia,
            n_iter: best.n_iter,
        })
    }
}

/// The outcomes of restarts `0..n`, in order. While at least `threads` restarts are left, each
/// thread runs whole restarts on its own (nothing to wait for inside a restart, which matters on
/// a machine shared with other jobs); the last few run one after the other on all threads.
fn restarts(
    n: usize,
    threads: usize,
    run: impl Fn(usize, usize) -> hamerly::Outcome + Sync,
) -> Vec<hamerly::Outcome> {
    let alone = if threads > 1 {
        n / threads * threads
    } else {
        0
    };
    let next = AtomicUsize::new(0);
    let mut out = on_threads(threads.min(alone), || {
        let mut done = Vec::new();
        loop {
            let r = next.fetch_add(1, Ordering::Relaxed);
            if r >= alone {
                break done;
            }
            done.push((r, run(r, 1)));
        }
    });
    out.extend((alone..n).map(|r| (r, run(r, threads))));
    out.sort_by_key(|o| o.0);
    out.into_iter().map(|o| o.1).collect()
}

/// Refuses NaN and infinite values, naming the first one.
pub(crate) fn check_finite(x: &Array2<f64>, what: &str) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, j), v)) => Err(Error::Runtime(format!(
            "{what}: row {i}, column {j} is {v}; every value must be a finite number"
        ))),
        None => Ok(()),
    }
}

impl KMeansFit {
    /// Nearest centre of every row of `x` (ties: the lower index).
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        let d = self.centroids.ncols();
        let c = self.centroids.as_standard_layout();
        let c = c.as_slice().unwrap_or(&[]);
        x.rows()
            .into_iter()
            .map(|r| {
                let r: Vec<f64> = r.to_vec();
                let mut best = (0, f64::INFINITY);
                for (j, cj) in c.chunks_exact(d).enumerate() {
                    let s = sq_dist(&r, cj);
                    if s < best.1 {
                        best = (j, s);
                    }
                }
                best.0
            })
            .collect()
    }
}
