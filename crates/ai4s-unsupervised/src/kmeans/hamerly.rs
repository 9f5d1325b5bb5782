//! Lloyd's iteration with Hamerly's bounds (G. Hamerly, "Making k-means even faster", SIAM Data
//! Mining 2010): the same assignments as plain Lloyd, with most distances never computed.
//!
//! Every row keeps an upper bound `u >= |x - c_a|` on the distance to its assigned centre `a`
//! and a lower bound `l <= min_{j != a} |x - c_j|` on the distance to every other centre. With
//! `s_a = min_{j != a} |c_a - c_j| / 2`, the triangle inequality gives: if `u <= max(s_a, l)`
//! no centre is nearer than `a`, and the row is skipped. Otherwise `u` is tightened to the
//! exact distance and the test repeated; only then are all `k` distances computed (which
//! resets `u` and `l` to the nearest and second-nearest distances). When the centres move by
//! `p_j`, the bounds stay valid as `u += p_a`, `l -= max_{j != a} p_j`. The first assignment
//! starts from the seeding's nearest centres and bounds ([`super::init`]), so it too skips most
//! rows.
//!
//! The iteration itself is scikit-learn's: assign every row, move each centre to the mean of
//! its rows; stop when no assignment changed (the centres are already those means), when the
//! total squared shift `sum_j |c_j' - c_j|^2` is at most `tol`, or after `max_iter`; in the
//! last two cases assign once more so that labels belong to the final centres. An empty cluster
//! takes the row farthest from its centre (scikit-learn's rule), never the last row of another.
//! Rows are processed in fixed chunks on every thread and reduced in chunk order, so the result
//! does not depend on the number of threads.

use super::distance::{Centres, nearest_two, sq_dist_to, sq_dists};
use super::init::Seeding;
use crate::metric::sq_dist;
use crate::parallel::{map_chunks_mut, map_ranges};

/// Rows per chunk of work.
pub(crate) const CHUNK: usize = 2048;

/// Centred data, row-major, with the squared norm of every row.
pub(crate) struct Data<'a> {
    /// `n x d` values.
    pub x: &'a [f64],
    /// Features.
    pub d: usize,
    /// `|x_i|^2`.
    pub norms: &'a [f64],
}

impl Data<'_> {
    /// Number of rows.
    pub fn n(&self) -> usize {
        self.norms.len()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

/// Assignment and bounds of one row.
#[derive(Clone, Copy)]
pub(crate) struct Bounds {
    /// Assigned centre.
    pub label: u32,
    /// Upper bound on the distance to the assigned centre.
    pub upper: f64,
    /// Lower bound on the distance to every other centre.
    pub lower: f64,
}

/// How far every centre moved in the last update.
struct Drift {
    shift: Vec<f64>,
    max: f64,
    second: f64,
    argmax: usize,
}

impl Drift {
    fn between(old: &[f64], new: &[f64], d: usize) -> Drift {
        let shift: Vec<f64> = old
            .chunks_exact(d)
            .zip(new.chunks_exact(d))
            .map(|(a, b)| sq_dist(a, b).sqrt())
            .collect();
        let (argmax, max, second) = {
            let neg: Vec<f64> = shift.iter().map(|s| -s).collect();
            let (j, m, s) = nearest_two(&neg, neg.len());
            (j, -m, if s.is_finite() { -s } else { 0.0 })
        };
        Drift {
            shift,
            max,
            second,
            argmax,
        }
    }
}

/// Per-chunk sums of one assignment pass.
struct Partial {
    sums: Vec<f64>,
    counts: Vec<usize>,
    changed: usize,
}

/// A finished run of Lloyd's iteration.
pub(crate) struct Outcome {
    /// Final centres, row-major `k x d` (in the centred frame of [`Data`]).
    pub centres: Vec<f64>,
    /// Nearest final centre of every row.
    pub labels: Vec<usize>,
    /// `sum_i |x_i - c_{label_i}|^2`.
    pub inertia: f64,
    /// Iterations run.
    pub n_iter: usize,
}

/// Lloyd's iteration from the seeding's centres and bounds.
pub(crate) fn lloyd(
    data: &Data,
    init: Seeding,
    max_iter: usize,
    tol: f64,
    threads: usize,
) -> Outcome {
    let d = data.d;
    let Seeding {
        mut centres,
        bounds: mut rows,
    } = init;
    let mut drift = Drift::between(&centres, &centres, d);
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let p = assign(data, &centres, &mut rows, &drift, threads);
        if it > 0 && p.changed == 0 {
            // Same assignment as last time: the centres are already its means.
            strict = true;
            break;
        }
        let new = update(data, &centres, &rows, p, threads);
        drift = Drift::between(&centres, &new, d);
        let shift: f64 = centres
            .chunks_exact(d)
            .zip(new.chunks_exact(d))
            .map(|(a, b)| sq_dist(a, b))
            .sum();
        centres = new;
        if shift <= tol {
            break;
        }
    }
    if !strict {
        assign(data, &centres, &mut rows, &drift, threads);
    }
    let labels: Vec<usize> = rows.iter().map(|b| b.label as usize).collect();
    let inertia = map_ranges(data.n(), CHUNK, threads, |r| {
        r.map(|i| sq_dist(data.row(i), &centres[labels[i] * d..(labels[i] + 1) * d]))
            .sum::<f64>()
    })
    .into_iter()
    .sum();
    Outcome {
        centres,
        labels,
        inertia,
        n_iter,
    }
}

/// Half the distance from each centre to its nearest other centre (infinite when `k = 1`).
fn half_separation(c: &Centres) -> Vec<f64> {
    (0..c.k)
        .map(|a| {
            (0..c.k)
                .filter(|&b| b != a)
                .map(|b| sq_dist(c.row(a), c.row(b)).sqrt())
                .fold(f64::INFINITY, f64::min)
                * 0.5
        })
        .collect()
}

/// Assigns every row to its nearest centre (skipping those the bounds settle) and returns the
/// per-cluster sums and counts and the number of changed labels.
fn assign(
    data: &Data,
    centres: &[f64],
    rows: &mut [Bounds],
    drift: &Drift,
    threads: usize,
) -> Partial {
    let d = data.d;
    let cs = Centres::new(centres.to_vec(), d);
    let k = cs.k;
    let half = half_separation(&cs);
    let parts = map_chunks_mut(rows, CHUNK, threads, |start, chunk| {
        let mut p = Partial {
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            changed: 0,
        };
        let mut dists = cs.scratch();
        for (i, b) in chunk.iter_mut().enumerate() {
            let x = data.row(start + i);
            let xn = data.norms[start + i];
            let old = b.label;
            let a = old as usize;
            b.upper += drift.shift[a];
            b.lower -= if a == drift.argmax {
                drift.second
            } else {
                drift.max
            };
            let m = half[a].max(b.lower);
            if b.upper > m {
                b.upper = sq_dist_to(x, xn, &cs, a).sqrt();
            }
            if b.upper > m {
                sq_dists(x, xn, &cs, &mut dists);
                let (j, d1, d2) = nearest_two(&dists, k);
                *b = Bounds {
                    label: j as u32,
                    upper: d1.sqrt(),
                    lower: d2.sqrt(),
                };
            }
            let l = b.label as usize;
            p.changed += usize::from(b.label != old);
            p.counts[l] += 1;
            for (s, v) in p.sums[l * d..(l + 1) * d].iter_mut().zip(x) {
                *s += v;
            }
        }
        p
    });
    let mut total = Partial {
        sums: vec![0.0; k * d],
        counts: vec![0; k],
        changed: 0,
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
        total.changed += p.changed;
    }
    total
}

/// New centres: the means of the assignment in `p`, empty clusters relocated.
fn update(data: &Data, centres: &[f64], rows: &[Bounds], p: Partial, threads: usize) -> Vec<f64> {
    let d = data.d;
    let Partial {
        mut sums,
        mut counts,
        ..
    } = p;
    let empty: Vec<usize> = (0..counts.len()).filter(|&j| counts[j] == 0).collect();
    if !empty.is_empty() {
        // The rows farthest from their centres, farthest first (ties: lower index).
        let far: Vec<f64> = map_ranges(data.n(), CHUNK, threads, |r| {
            r.map(|i| {
                let l = rows[i].label as usize;
                sq_dist(data.row(i), &centres[l * d..(l + 1) * d])
            })
            .collect::<Vec<f64>>()
        })
        .concat();
        let mut order: Vec<usize> = (0..data.n()).collect();
        order.sort_by(|&a, &b| far[b].total_cmp(&far[a]).then(a.cmp(&b)));
        let mut candidates = order.into_iter();
        for &j in &empty {
            // k <= n, so enough rows sit in clusters that keep at least one row.
            let Some(i) = candidates.find(|&i| counts[rows[i].label as usize] > 1) else {
                break;
            };
            let old = rows[i].label as usize;
            let x = data.row(i);
            for (s, v) in sums[old * d..(old + 1) * d].iter_mut().zip(x) {
                *s -= v;
            }
            counts[old] -= 1;
            sums[j * d..(j + 1) * d].copy_from_slice(x);
            counts[j] = 1;
        }
    }
    sums.chunks_exact(d)
        .zip(&counts)
        .zip(centres.chunks_exact(d))
        .flat_map(|((s, &c), old)| {
            if c > 0 {
                s.iter().map(|v| v / c as f64).collect::<Vec<f64>>()
            } else {
                old.to_vec()
            }
        })
        .collect()
}
