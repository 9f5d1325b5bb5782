//! DBSCAN: density-based clusters of arbitrary shape, with noise.
//!
//! A point is a *core* point when at least `min_samples` points (itself included) lie within
//! Euclidean distance `eps` of it (`|x - y|^2 <= eps^2`). Clusters are the connected
//! components of core points under the "within `eps`" relation, plus the non-core points within
//! `eps` of a core point (border points); every other point is noise, label `-1` (Ester,
//! Kriegel, Sander & Xu 1996). Defaults are scikit-learn's: `eps = 0.5`, `min_samples = 5`.
//!
//! Labels are scikit-learn's exactly, not only up to renaming: scikit-learn numbers clusters in
//! the order of their first core point (by row) and gives a border point to the first cluster
//! that reaches it, which is the cluster with the smallest number among those of its core
//! neighbours; so does this implementation.
//!
//! The work is in three passes over a spatial index, each on every core: count neighbours up
//! to `min_samples` (core or not), join core points within `eps` in a concurrent union-find
//! ([`union_find`]), and find each border point's smallest neighbouring cluster. The index is
//! a grid for one to three features ([`grid`]: cells of side `eps / sqrt(d)`, so points sharing
//! a cell are all neighbours and whole cells are joined at once, after Gunawan 2013 and Gan &
//! Tao 2015) and a k-d tree otherwise ([`kdtree`]: boxes farther than `eps` are skipped, boxes
//! within `eps` counted whole). Both prune only with bounds that compare with the computed
//! distances exactly as the true values do ([`crate::metric`]), so the neighbourhoods, and
//! therefore the labels, are those of the all-pairs definition.

mod grid;
mod kdtree;
#[cfg(test)]
mod tests;
mod union_find;

use crate::parallel::{map_ranges, resolve_threads};
use ai4s_core::Result;
use ai4s_core::error::ensure;
use ndarray::Array2;
use union_find::UnionFind;

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

/// The three passes, as a spatial index answers them. Points are addressed by their position
/// in the index's own order (`original(pos)` is the row).
pub(crate) trait Index: Sync {
    /// Number of points.
    fn len(&self) -> usize;
    /// Row of the point at `pos`.
    fn original(&self, pos: usize) -> usize;
    /// Whether each point has at least `min_samples` points within `eps`.
    fn core_flags(&self, min_samples: usize, threads: usize) -> Vec<bool>;
    /// Joins every two core points within `eps`.
    fn connect(&self, core: &[bool], sets: &UnionFind, threads: usize);
    /// For each non-core point, the smallest `cluster` of a core point within `eps` ([`NOISE`]
    /// if none); core points keep their own.
    fn borders(&self, core: &[bool], cluster: &[i64], threads: usize) -> Vec<i64>;
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
        crate::kmeans::check_finite(x, "DBSCAN")?;
        let (n, d) = x.dim();
        ensure(n < u32::MAX as usize, "data", || {
            format!("DBSCAN takes at most {} rows, got {n}", u32::MAX - 1)
        })?;
        let data = x.as_standard_layout();
        let xs = data.as_slice().unwrap_or(&[]);
        let threads = resolve_threads(0, n * d.max(1) * 20);
        let eps2 = self.eps * self.eps;
        if n == 0 {
            return Ok(DbscanFit {
                labels: Vec::new(),
                core: Vec::new(),
                n_clusters: 0,
            });
        }
        let index: Box<dyn Index> = match grid::Grid::build(xs, n, d, self.eps, threads) {
            Some(g) => Box::new(g),
            None => Box::new(kdtree::KdTree::build(xs, n, d, eps2)),
        };
        Ok(run(index.as_ref(), self.min_samples, threads))
    }
}

/// Core flags, components and labels in scikit-learn's numbering.
fn run(index: &dyn Index, min_samples: usize, threads: usize) -> DbscanFit {
    let n = index.len();
    let core = index.core_flags(min_samples, threads);
    let sets = UnionFind::new(n);
    index.connect(&core, &sets, threads);
    // Smallest row of each component's core points; clusters are numbered in that order.
    let roots: Vec<u32> = map_ranges(n, 4096, threads, |r| {
        r.map(|p| {
            if core[p] {
                sets.find(p as u32)
            } else {
                u32::MAX
            }
        })
        .collect::<Vec<u32>>()
    })
    .concat();
    let mut first = vec![usize::MAX; n];
    for p in (0..n).filter(|&p| core[p]) {
        let r = roots[p] as usize;
        first[r] = first[r].min(index.original(p));
    }
    let mut order: Vec<usize> = (0..n).filter(|&r| first[r] != usize::MAX).collect();
    order.sort_unstable_by_key(|&r| first[r]);
    let mut id = vec![NOISE; n];
    for (c, &r) in order.iter().enumerate() {
        id[r] = c as i64;
    }
    let cluster: Vec<i64> = (0..n)
        .map(|p| {
            if core[p] {
                id[roots[p] as usize]
            } else {
                NOISE
            }
        })
        .collect();
    let by_pos = index.borders(&core, &cluster, threads);
    let mut labels = vec![NOISE; n];
    let mut core_rows = vec![false; n];
    for p in 0..n {
        labels[index.original(p)] = by_pos[p];
        core_rows[index.original(p)] = core[p];
    }
    DbscanFit {
        labels,
        core: core_rows,
        n_clusters: order.len(),
    }
}
