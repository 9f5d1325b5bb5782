//! Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, in scikit-learn's greedy form).
//!
//! The first centre is a uniformly random row. Every further centre is the best of
//! `2 + floor(ln k)` candidates drawn with probability proportional to `D(x)^2`, the squared
//! distance of a row to its nearest centre so far; the best candidate is the one that lowers
//! the potential `sum_x D(x)^2` most. One pass over the rows evaluates all candidates at once
//! (distances in the product form of [`super::distance`]) and keeps them, so that taking in the
//! chosen candidate costs no distance.
//!
//! The triangle inequality skips most of those distances without changing any of them
//! (as in Raff 2021, "Exact acceleration of k-means++ and k-means||"): with `a` the nearest
//! centre of `x`, `|x - c| >= |a - c| - D(x)`, so a candidate or centre `c` with
//! `|a - c| >= 2 D(x)` cannot come nearer than `D(x)` and leaves `D(x)` as it is. Each row also
//! keeps a lower bound on its distance to every centre but the nearest, so that Lloyd's
//! iteration starts from the seeding's assignment with valid Hamerly bounds.
//!
//! Rows are split into fixed chunks on every thread, and the draw walks the per-chunk sums of
//! `D^2` before the rows of one chunk, so the result does not depend on the number of threads.

use super::distance::{Centres, LANES, block_sq_dists, sq_dist_to};
use super::hamerly::{Bounds, CHUNK, Data};
use crate::metric::sq_dist;
use crate::parallel::map_chunks_mut;
use rand::Rng;
use rand::rngs::StdRng;

/// Centres chosen by k-means++ with every row's nearest centre and bounds.
pub(crate) struct Seeding {
    /// `k x d` centres, row-major.
    pub centres: Vec<f64>,
    /// Nearest centre of every row, its exact distance and a lower bound on the others.
    pub bounds: Vec<Bounds>,
}

/// Greedy k-means++ on the rows of `data`.
pub(crate) fn kmeans_plusplus(data: &Data, k: usize, rng: &mut StdRng, threads: usize) -> Seeding {
    let (n, d) = (data.n(), data.d);
    let trials = 2 + (k as f64).ln() as usize;
    let first = rng.random_range(0..n);
    let mut centres = data.row(first).to_vec();
    // `upper` holds D(x)^2 (squared) until the end.
    let mut rows = vec![
        Bounds {
            label: 0,
            upper: f64::INFINITY,
            lower: f64::INFINITY,
        };
        n
    ];
    let mut totals = add_centre(data, &mut rows, &centres, |_| f64::NAN, threads);
    let mut dist = vec![0.0; n * trials];
    for _ in 1..k {
        let pot: f64 = totals.iter().sum();
        let ids: Vec<usize> = (0..trials)
            .map(|_| {
                if pot > 0.0 {
                    let r = rng.random::<f64>() * pot;
                    draw(&rows, &totals, r)
                } else {
                    // All rows coincide with a centre: any row will do.
                    rng.random_range(0..n)
                }
            })
            .collect();
        let cand = Centres::new(ids.iter().flat_map(|&i| data.row(i).to_vec()).collect(), d);
        // Squared distances centre -> candidate, `gap[a * trials + t]`.
        let gap: Vec<f64> = centres
            .chunks_exact(d)
            .flat_map(|a| (0..trials).map(move |t| (a, t)))
            .map(|(a, t)| sq_dist(a, cand.row(t)))
            .collect();
        // Row-candidate squared distances (NaN where the triangle inequality settled them).
        let parts = map_chunks_mut(&mut dist, CHUNK * trials, threads, |start, chunk| {
            let mut pots = vec![0.0; trials];
            for (r, out) in chunk.chunks_exact_mut(trials).enumerate() {
                let i = start / trials + r;
                let b = &rows[i];
                let g = &gap[b.label as usize * trials..(b.label as usize + 1) * trials];
                if g.iter().all(|&g| g >= 4.0 * b.upper) {
                    pots.iter_mut().for_each(|p| *p += b.upper);
                    out.fill(f64::NAN);
                    continue;
                }
                for blk in 0..cand.n_blocks() {
                    let v = block_sq_dists(data.row(i), data.norms[i], &cand, blk);
                    for (t, &v) in v.iter().enumerate() {
                        let j = blk * LANES + t;
                        if j < trials {
                            pots[j] += if v < b.upper { v } else { b.upper };
                            out[j] = v;
                        }
                    }
                }
            }
            pots
        });
        let mut pots = vec![0.0; trials];
        for p in parts {
            pots.iter_mut().zip(&p).for_each(|(a, b)| *a += b);
        }
        // The first candidate with the lowest potential.
        let best = (1..trials).fold(0, |b, t| if pots[t] < pots[b] { t } else { b });
        centres.extend_from_slice(data.row(ids[best]));
        let known = |i: usize| dist[i * trials + best];
        totals = add_centre(data, &mut rows, &centres, known, threads);
    }
    for b in &mut rows {
        b.upper = b.upper.sqrt();
    }
    Seeding {
        centres,
        bounds: rows,
    }
}

/// Takes the last of `centres` into every row's nearest distance and bounds; returns the
/// per-chunk sums of `D(x)^2`. `known(i)` is the squared distance from row `i` to the new
/// centre when already computed, NaN otherwise.
fn add_centre(
    data: &Data,
    rows: &mut [Bounds],
    centres: &[f64],
    known: impl Fn(usize) -> f64 + Sync,
    threads: usize,
) -> Vec<f64> {
    let d = data.d;
    let j = centres.len() / d - 1;
    let c = Centres::new(centres[j * d..].to_vec(), d);
    // Distance from every earlier centre to the new one.
    let gap: Vec<f64> = centres
        .chunks_exact(d)
        .map(|a| sq_dist(a, c.row(0)).sqrt())
        .collect();
    map_chunks_mut(rows, CHUNK, threads, |start, chunk| {
        let mut sum = 0.0;
        for (i, b) in chunk.iter_mut().enumerate() {
            let r = b.upper.sqrt();
            let g = gap[b.label as usize];
            if j > 0 && g >= 2.0 * r {
                b.lower = b.lower.min(g - r);
            } else {
                let s = match known(start + i) {
                    s if s.is_nan() => {
                        sq_dist_to(data.row(start + i), data.norms[start + i], &c, 0)
                    }
                    s => s,
                };
                if s < b.upper {
                    b.lower = b.lower.min(r);
                    b.upper = s;
                    b.label = j as u32;
                } else {
                    b.lower = b.lower.min(s.sqrt());
                }
            }
            sum += b.upper;
        }
        sum
    })
}

/// The first row whose running sum of `D(x)^2` exceeds `r`, found through the chunk sums.
fn draw(rows: &[Bounds], totals: &[f64], r: f64) -> usize {
    let mut acc = 0.0;
    for (c, &t) in totals.iter().enumerate() {
        if acc + t > r {
            let start = c * CHUNK;
            let end = (start + CHUNK).min(rows.len());
            for (i, b) in rows[start..end].iter().enumerate() {
                acc += b.upper;
                if acc > r {
                    return start + i;
                }
            }
            // Rounding: the row sums fell short of the chunk sum.
            return end - 1;
        }
        acc += t;
    }
    rows.len() - 1
}
