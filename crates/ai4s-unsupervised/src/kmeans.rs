//! k-means: Lloyd's algorithm with greedy k-means++ seeding and restarts.
//!
//! Minimises the inertia `sum_i min_j |x_i - c_j|^2`. Each restart seeds the centres with greedy
//! k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it): the first centre is a
//! uniformly random point; every further centre is the best of `2 + ln k` candidates drawn with
//! probability proportional to `D(x)^2`, the squared distance to the nearest centre so far, the
//! best being the one that lowers the total `sum D^2` most. Lloyd iterations then alternate
//! assignment to the nearest centre and moving each centre to the mean of its points, until the
//! assignment no longer changes, the squared centre shift `sum_j |c_j' - c_j|^2` falls to
//! `tol * mean_d var(x_d)` (scikit-learn's relative tolerance), or `max_iter`. An empty cluster is
//! re-seeded at the point farthest from its centre. The restart with the lowest inertia wins.
//!
//! The assignment step, which is all the cost, runs on every core with `std::thread::scope`
//! (each thread takes a block of rows and returns partial centre sums).

use ai4s_core::error::ensure;
use ai4s_core::{Error, Result};
use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

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
    /// Worker threads for the assignment step (0 = all cores).
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
        let data = x.as_standard_layout();
        let xs = data
            .as_slice()
            .ok_or_else(|| Error::Runtime("k-means: data is not contiguous".into()))?;
        let var_mean = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
        let tol = self.tol * var_mean;
        let threads = resolve_threads(self.threads, n * d * self.k);
        let mut rng = StdRng::seed_from_u64(seed);
        let mut best: Option<KMeansFit> = None;
        for _ in 0..self.n_init {
            let centers = kmeans_plusplus(xs, d, self.k, &mut rng);
            let fit = lloyd(xs, d, centers, self.max_iter, tol, threads);
            if best.as_ref().is_none_or(|b| fit.inertia < b.inertia) {
                best = Some(fit);
            }
        }
        best.ok_or_else(|| Error::Runtime("k-means ran no restart".into()))
    }
}

impl KMeansFit {
    /// Nearest centre of every row of `x`.
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        x.rows()
            .into_iter()
            .map(|r| {
                let r: Vec<f64> = r.to_vec();
                nearest(
                    &r,
                    self.centroids.as_slice().unwrap_or(&[]),
                    self.centroids.ncols(),
                )
                .0
            })
            .collect()
    }
}

fn resolve_threads(requested: usize, work: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let t = if requested == 0 { cores } else { requested };
    // Thread start-up costs tens of microseconds; small problems stay on one core.
    if work < 200_000 { 1 } else { t.max(1) }
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index of and squared distance to the nearest of the centres (row-major, `d` columns).
fn nearest(p: &[f64], centers: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centers.chunks_exact(d).enumerate() {
        let s = sq_dist(p, c);
        if s < best.1 {
            best = (j, s);
        }
    }
    best
}

/// Greedy k-means++ seeding; returns `k x d` centres, row-major.
fn kmeans_plusplus(xs: &[f64], d: usize, k: usize, rng: &mut StdRng) -> Vec<f64> {
    let n = xs.len() / d;
    let trials = 2 + (k as f64).ln() as usize;
    let row = |i: usize| &xs[i * d..(i + 1) * d];
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.random_range(0..n);
    centers.extend_from_slice(row(first));
    let mut closest: Vec<f64> = (0..n).map(|i| sq_dist(row(i), row(first))).collect();
    let mut cumsum = vec![0.0; n];
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, &v) in cumsum.iter_mut().zip(&closest) {
            acc += v;
            *c = acc;
        }
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            // All points coincide with a centre: any point will do.
            let id = if acc > 0.0 {
                let r = rng.random::<f64>() * acc;
                cumsum.partition_point(|&c| c <= r).min(n - 1)
            } else {
                rng.random_range(0..n)
            };
            let cand = row(id);
            let new: Vec<f64> = (0..n)
                .map(|i| closest[i].min(sq_dist(row(i), cand)))
                .collect();
            let pot: f64 = new.iter().sum();
            if best.as_ref().is_none_or(|b| pot < b.0) {
                best = Some((pot, id, new));
            }
        }
        if let Some((_, id, new)) = best {
            centers.extend_from_slice(row(id));
            closest = new;
        }
    }
    centers
}

/// One assignment pass over a block of rows.
struct Partial {
    sums: Vec<f64>,
    counts: Vec<f64>,
    inertia: f64,
    changed: usize,
    /// Farthest row from its centre: (squared distance, global row index).
    far: (f64, usize),
}

fn assign_block(
    xs: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [usize],
    offset: usize,
) -> Partial {
    let k = centers.len() / d;
    let mut p = Partial {
        sums: vec![0.0; k * d],
        counts: vec![0.0; k],
        inertia: 0.0,
        changed: 0,
        far: (-1.0, offset),
    };
    for (i, (row, label)) in xs.chunks_exact(d).zip(labels.iter_mut()).enumerate() {
        let (j, s) = nearest(row, centers, d);
        if *label != j {
            p.changed += 1;
            *label = j;
        }
        p.inertia += s;
        p.counts[j] += 1.0;
        for (acc, v) in p.sums[j * d..(j + 1) * d].iter_mut().zip(row) {
            *acc += v;
        }
        if s > p.far.0 {
            p.far = (s, offset + i);
        }
    }
    p
}

/// Assigns every row to its nearest centre on `threads` threads and reduces the partials.
fn assign(xs: &[f64], d: usize, centers: &[f64], labels: &mut [usize], threads: usize) -> Partial {
    let n = labels.len();
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let parts: Vec<Partial> = if threads <= 1 {
        vec![assign_block(xs, d, centers, labels, 0)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = labels
                .chunks_mut(chunk)
                .zip(xs.chunks(chunk * d))
                .enumerate()
                .map(|(t, (lab, block))| {
                    s.spawn(move || assign_block(block, d, centers, lab, t * chunk))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("k-means worker thread should not panic"))
                .collect()
        })
    };
    let k = centers.len() / d;
    let mut total = Partial {
        sums: vec![0.0; k * d],
        counts: vec![0.0; k],
        inertia: 0.0,
        changed: 0,
        far: (-1.0, 0),
    };
    for p in parts {
        total
            .sums
            .iter_mut()
            .zip(&p.sums)
            .for_each(|(a, b)| *a += b);
        total
            .counts
            .iter_mut()
            .zip(&p.counts)
            .for_each(|(a, b)| *a += b);
        total.inertia += p.inertia;
        total.changed += p.changed;
        if p.far.0 > total.far.0 {
            total.far = p.far;
        }
    }
    total
}

fn lloyd(
    xs: &[f64],
    d: usize,
    mut centers: Vec<f64>,
    max_iter: usize,
    tol: f64,
    threads: usize,
) -> KMeansFit {
    let n = xs.len() / d;
    let k = centers.len() / d;
    let mut labels = vec![usize::MAX; n];
    let mut n_iter = 0;
    let mut strict = false;
    for it in 0..max_iter {
        n_iter = it + 1;
        let p = assign(xs, d, &centers, &mut labels, threads);
        if it > 0 && p.changed == 0 {
            // Same assignment as last time: the centres are already its means.
            strict = true;
            break;
        }
        let mut shift = 0.0;
        for j in 0..k {
            let c = &mut centers[j * d..(j + 1) * d];
            let new: Vec<f64> = if p.counts[j] > 0.0 {
                p.sums[j * d..(j + 1) * d]
                    .iter()
                    .map(|s| s / p.counts[j])
                    .collect()
            } else {
                xs[p.far.1 * d..(p.far.1 + 1) * d].to_vec()
            };
            shift += sq_dist(c, &new);
            c.copy_from_slice(&new);
        }
        if shift <= tol {
            break;
        }
    }
    // Labels and inertia that belong to the final centres.
    let inertia = if strict {
        labels
            .iter()
            .zip(xs.chunks_exact(d))
            .map(|(&l, r)| sq_dist(r, &centers[l * d..(l + 1) * d]))
            .sum()
    } else {
        assign(xs, d, &centers, &mut labels, threads).inertia
    };
    KMeansFit {
        centroids: Array2::from_shape_vec((k, d), centers)
            .unwrap_or_else(|_| Array2::zeros((k, d))),
        labels,
        inertia,
        n_iter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toy::blobs;
    use ai4s_core::metrics::adjusted_rand_index;

    #[test]
    fn threaded_and_serial_assignment_agree() {
        let b = blobs(5000, 16, 8, 1.0, 9);
        let km = KMeans {
            k: 8,
            n_init: 2,
            ..KMeans::default()
        };
        let one = KMeans {
            threads: 1,
            ..km.clone()
        }
        .fit(&b.x, 1)
        .expect("fit");
        let two = KMeans { threads: 2, ..km }.fit(&b.x, 1).expect("fit");
        assert_eq!(one.labels, two.labels);
        assert!((one.inertia - two.inertia).abs() < 1e-6 * one.inertia);
        assert!(adjusted_rand_index(&b.labels, &one.labels) > 0.99);
        assert_eq!(one.predict(&b.x), one.labels);
    }

    #[test]
    fn more_clusters_than_rows_is_a_field_error() {
        let x = Array2::zeros((3, 2));
        let e = KMeans {
            k: 4,
            ..KMeans::default()
        }
        .fit(&x, 0)
        .expect_err("k > n");
        assert!(e.to_string().contains("`k`"), "{e}");
        // Identical points: every restart still returns k centres.
        let f = KMeans {
            k: 3,
            ..KMeans::default()
        }
        .fit(&x, 0)
        .expect("degenerate data");
        assert_eq!(f.centroids.nrows(), 3);
        assert_eq!(f.inertia, 0.0);
    }
}
