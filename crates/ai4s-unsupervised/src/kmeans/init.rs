//! Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, in scikit-learn's greedy form).
//!
//! The first centre is a uniformly random row. Every further centre is the best of
//! `2 + floor(ln k)` candidates drawn with probability proportional to `D(x)^2`, the squared
//! distance of a row to its nearest centre so far; the best candidate is the one that lowers
//! the potential `sum_x D(x)^2` most. One pass over the rows per centre does everything: it
//! takes in the centre chosen last (whose distances the previous pass kept) and evaluates all
//! new candidates at once (distances in the product form of [`super::distance`]). The
//! potential of the chosen candidate, summed per chunk of rows, is the distribution the next
//! draw walks, so no pass only sums.
//!
//! The triangle inequality skips most distances without changing any of them (as in Raff 2021,
//! "Exact acceleration of k-means++ and k-means||"): with `a` the nearest centre of `x`,
//! `|x - c| >= |a - c| - D(x)`, so a candidate `c` with `|a - c| >= 2 D(x)` cannot come nearer
//! than `D(x)` and leaves `D(x)` as it is. Each row also keeps a lower bound on its distance to
//! every centre but the nearest, so that Lloyd's iteration starts from the seeding's assignment
//! with valid Hamerly bounds.
//!
//! Rows are split into fixed chunks on every thread, and the draw walks the per-chunk sums
//! before the rows of one chunk, so the result does not depend on the number of threads.

use super::distance::{Centres, sq_dist_to, sq_dists};
use super::hamerly::{Bounds, CHUNK, Data};
use crate::metric::sq_dist;
use crate::parallel::{map_chunks_mut, map_parts};
use rand::Rng;
use rand::rngs::StdRng;

/// Centres chosen by k-means++ with every row's nearest centre and bounds.
pub(crate) struct Seeding {
    /// `k x d` centres, row-major.
    pub centres: Vec<f64>,
    /// Nearest centre of every row, its exact distance and a lower bound on the others.
    pub bounds: Vec<Bounds>,
}

/// A row during seeding (24 bytes: every pass streams all of them, so `D` itself is not kept).
#[derive(Clone, Copy)]
struct Row {
    /// Nearest centre so far.
    label: u32,
    /// `D^2`.
    d2: f64,
    /// Lower bound on the squared distance to every other centre.
    lower2: f64,
}

/// The centre chosen last, not yet taken into the rows.
struct Pending {
    /// Index of the new centre.
    centre: u32,
    /// Its column in the kept distances.
    column: usize,
    /// Distance from every earlier centre to it.
    gap: Vec<f64>,
}

/// Greedy k-means++ on the rows of `data`.
pub(crate) fn kmeans_plusplus(data: &Data, k: usize, rng: &mut StdRng, threads: usize) -> Seeding {
    let (n, d) = (data.n(), data.d);
    let trials = 2 + (k as f64).ln() as usize;
    let first = rng.random_range(0..n);
    let mut centres = data.row(first).to_vec();
    let c0 = Centres::new(centres.clone(), d);
    let mut rows = vec![
        Row {
            label: 0,
            d2: 0.0,
            lower2: f64::INFINITY,
        };
        n
    ];
    let mut totals = map_chunks_mut(&mut rows, CHUNK, threads, |start, chunk| {
        let mut total = 0.0;
        for (i, r) in (start..).zip(chunk.iter_mut()) {
            r.d2 = sq_dist_to(data.row(i), data.norms[i], &c0, 0);
            total += r.d2;
        }
        total
    });
    // Row-candidate squared distances (NaN where the triangle inequality settled them).
    let mut dist = vec![f64::NAN; n * trials];
    let mut pending: Option<Pending> = None;
    for _ in 1..k {
        let pot: f64 = totals.iter().sum();
        let ids: Vec<usize> = (0..trials)
            .map(|_| {
                if pot > 0.0 {
                    let r = rng.random::<f64>() * pot;
                    draw(&rows, &dist, trials, pending.as_ref(), &totals, r)
                } else {
                    // All rows coincide with a centre: any row will do.
                    rng.random_range(0..n)
                }
            })
            .collect();
        let cand = Centres::new(ids.iter().flat_map(|&i| data.row(i).to_vec()).collect(), d);
        let parts = pass(
            data,
            &mut rows,
            &mut dist,
            pending.as_ref(),
            &centres,
            &cand,
            threads,
        );
        let mut pots = vec![0.0; trials];
        for p in &parts {
            pots.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
        // The first candidate with the lowest potential.
        let best = (1..trials).fold(0, |b, t| if pots[t] < pots[b] { t } else { b });
        totals = parts.iter().map(|p| p[best]).collect();
        pending = Some(Pending {
            centre: (centres.len() / d) as u32,
            column: best,
            gap: centres
                .chunks_exact(d)
                .map(|a| sq_dist(a, cand.row(best)).sqrt())
                .collect(),
        });
        centres.extend_from_slice(cand.row(best));
    }
    let no_candidates = Centres::new(Vec::new(), d);
    pass(
        data,
        &mut rows,
        &mut dist,
        pending.as_ref(),
        &centres,
        &no_candidates,
        threads,
    );
    let bounds = rows
        .iter()
        .map(|r| Bounds {
            label: r.label,
            upper: r.d2.sqrt(),
            lower: r.lower2.sqrt(),
        })
        .collect();
    Seeding { centres, bounds }
}

/// Takes `pending` into every row, then evaluates the candidates `cand` (at most `trials`, the
/// width of `dist`); returns, per chunk of rows, the potential with each candidate added.
fn pass(
    data: &Data,
    rows: &mut [Row],
    dist: &mut [f64],
    pending: Option<&Pending>,
    centres: &[f64],
    cand: &Centres,
    threads: usize,
) -> Vec<Vec<f64>> {
    let d = data.d;
    let trials = dist.len() / rows.len().max(1);
    let m = cand.k;
    // Squared distances centre -> candidate, `gap2[a * m + t]`.
    let gap2: Vec<f64> = centres
        .chunks_exact(d)
        .flat_map(|a| (0..m).map(move |t| sq_dist(a, cand.row(t))))
        .collect();
    let parts: Vec<(&mut [Row], &mut [f64])> = rows
        .chunks_mut(CHUNK)
        .zip(dist.chunks_mut(CHUNK * trials))
        .collect();
    map_parts(parts, threads, |c, (rows, dist)| {
        let mut pots = vec![0.0; m];
        for (r, (b, kept)) in rows
            .iter_mut()
            .zip(dist.chunks_exact_mut(trials))
            .enumerate()
        {
            let i = c * CHUNK + r;
            if let Some(p) = pending {
                take(b, kept[p.column], p);
            }
            let g = &gap2[b.label as usize * m..(b.label as usize + 1) * m];
            if g.iter().all(|&g| g >= 4.0 * b.d2) {
                pots.iter_mut().for_each(|p| *p += b.d2);
                kept.fill(f64::NAN);
                continue;
            }
            // The first `m <= trials` entries of `kept` take the candidates' distances.
            sq_dists(data.row(i), data.norms[i], cand, &mut kept[..m]);
            for (p, &v) in pots.iter_mut().zip(&kept[..m]) {
                *p += if v < b.d2 { v } else { b.d2 };
            }
        }
        pots
    })
}

/// Takes the new centre into a row, given its squared distance `v` (NaN when the triangle
/// inequality settled it: then `v >= (gap - D)^2 >= D^2`).
#[inline]
fn take(b: &mut Row, v: f64, p: &Pending) {
    if v.is_nan() {
        let lb = (p.gap[b.label as usize] - b.d2.sqrt()).max(0.0);
        b.lower2 = b.lower2.min(lb * lb);
    } else if v < b.d2 {
        b.lower2 = b.lower2.min(b.d2);
        b.d2 = v;
        b.label = p.centre;
    } else {
        b.lower2 = b.lower2.min(v);
    }
}

/// The first row whose running sum of `D(x)^2`, with `pending` taken in, exceeds `r`, found
/// through the chunk sums.
fn draw(
    rows: &[Row],
    dist: &[f64],
    trials: usize,
    pending: Option<&Pending>,
    totals: &[f64],
    r: f64,
) -> usize {
    let d2 = |i: usize| {
        let v = pending.map_or(f64::NAN, |p| dist[i * trials + p.column]);
        if v < rows[i].d2 { v } else { rows[i].d2 }
    };
    let mut acc = 0.0;
    for (c, &t) in totals.iter().enumerate() {
        if acc + t > r {
            let start = c * CHUNK;
            let end = (start + CHUNK).min(rows.len());
            for i in start..end {
                acc += d2(i);
                if acc > r {
                    return i;
                }
            }
            // Rounding: the row sums fell short of the chunk sum.
            return end - 1;
        }
        acc += t;
    }
    rows.len() - 1
}
