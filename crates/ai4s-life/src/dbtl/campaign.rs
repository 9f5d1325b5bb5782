//! Three ways to spend a budget of built-and-tested designs.
//!
//! - The learned loop: a balanced first batch, then rounds in which a Gaussian process on the
//!   measurements so far (log expression, one-hot design encoding, [`ai4s_core::gp::Gp`]) chooses
//!   the next batch by expected improvement (Jones, Schonlau & Welch 1998) with the kriging
//!   believer rule (Ginsbourger, Le Riche & Carraro 2010): after each pick the model is refitted
//!   as if the pick had been measured at its predicted mean, which leaves the mean unchanged
//!   and shrinks the variance around the pick, so the next pick goes elsewhere. This is the
//!   learn step of the design-build-test-learn cycle (Radivojevic et al. 2020, the Automated
//!   Recommendation Tool, ART; HamediRad et al. 2019 for an automated biofoundry loop).
//! - Random screening: a one-shot random library of the same size.
//! - Classical design of experiments: a balanced first batch (every part used equally often,
//!   pairs of parts as evenly as a swap search achieves: a nearly orthogonal array), a
//!   main-effects ridge model, and one round of the designs it predicts best.

use super::simulate::Library;
use ai4s_core::gp::{Gp, expected_improvement};
use ai4s_core::linalg::LinearModel;
use ndarray::{Array1, Array2};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, rngs::StdRng};

/// The designs a campaign tested, in order.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Design indices.
    pub designs: Vec<usize>,
    /// Measured expression.
    pub measured: Vec<f64>,
    /// Round of each design (0-based).
    pub round: Vec<usize>,
}

impl Trace {
    fn test(&mut self, lib: &Library, designs: &[usize], round: usize, rng: &mut StdRng) {
        for &i in designs {
            self.designs.push(i);
            self.measured.push(lib.measure(&lib.design(i), rng));
            self.round.push(round);
        }
    }

    /// Best true expression among the first `k` tested designs, for `k = 1..=len`.
    pub fn best_so_far(&self, truth: &[f64]) -> Vec<f64> {
        let mut best = f64::NEG_INFINITY;
        self.designs
            .iter()
            .map(|&i| {
                best = best.max(truth[i]);
                best
            })
            .collect()
    }

    /// Designs built until one reaches `threshold`, counted to the end of its round (all
    /// designs of a round are built and measured together); `None` if none did.
    pub fn designs_to_reach(&self, truth: &[f64], threshold: f64) -> Option<usize> {
        let pos = self.designs.iter().position(|&i| truth[i] >= threshold)?;
        Some(self.round.iter().filter(|&&r| r <= self.round[pos]).count())
    }
}

/// One-hot encoding of every design: `value` at the chosen option of each position, 0 elsewhere.
/// Two designs that differ at `k` positions lie `value sqrt(2k)` apart.
pub fn encode_all(lib: &Library, value: f64) -> Vec<Vec<f64>> {
    let width: usize = lib.levels.iter().sum();
    (0..lib.size())
        .map(|i| {
            let mut x = vec![0.0; width];
            let mut off = 0;
            for (&v, &n) in lib.design(i).iter().zip(&lib.levels) {
                x[off + v] = value;
                off += n;
            }
            x
        })
        .collect()
}

/// A balanced design of `n` runs: each position's options appear `floor(n/levels)` or one
/// more times, and a swap search makes the counts of every pair of options at two positions as
/// even as possible (a nearly orthogonal array). Rows are distinct when `n` allows.
pub fn balanced_design(levels: &[usize], n: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
    let mut cols: Vec<Vec<usize>> = levels
        .iter()
        .map(|&l| {
            let mut c: Vec<usize> = (0..n).map(|i| i % l).collect();
            c.shuffle(rng);
            c
        })
        .collect();
    let cost = |cols: &[Vec<usize>]| -> f64 {
        let mut total = 0.0;
        for a in 0..cols.len() {
            for b in a + 1..cols.len() {
                let (la, lb) = (levels[a], levels[b]);
                let mut count = vec![0.0f64; la * lb];
                for i in 0..n {
                    count[cols[a][i] * lb + cols[b][i]] += 1.0;
                }
                let expect = n as f64 / (la * lb) as f64;
                total += count.iter().map(|c| (c - expect).powi(2)).sum::<f64>();
            }
        }
        // Duplicate rows waste a build.
        let mut rows: Vec<Vec<usize>> = (0..n)
            .map(|i| cols.iter().map(|c| c[i]).collect())
            .collect();
        rows.sort();
        rows.dedup();
        total + 100.0 * (n - rows.len()) as f64
    };
    let mut current = cost(&cols);
    for _ in 0..40 * n * levels.len() {
        let k = rng.random_range(0..levels.len());
        let (i, j) = (rng.random_range(0..n), rng.random_range(0..n));
        if cols[k][i] == cols[k][j] {
            continue;
        }
        cols[k].swap(i, j);
        let c = cost(&cols);
        if c <= current {
            current = c;
        } else {
            cols[k].swap(i, j);
        }
    }
    (0..n)
        .map(|i| cols.iter().map(|c| c[i]).collect())
        .collect()
}

fn balanced_indices(lib: &Library, n: usize, rng: &mut StdRng) -> Vec<usize> {
    let mut idx: Vec<usize> = balanced_design(&lib.levels, n, rng)
        .iter()
        .map(|d| lib.index(d))
        .collect();
    idx.sort_unstable();
    idx.dedup();
    idx
}

/// The learned loop: a balanced batch, then `rounds - 1` batches chosen by a Gaussian process
/// with expected improvement and the kriging believer. `x` is [`encode_all`]'s encoding.
pub fn learned_loop(
    lib: &Library,
    x: &[Vec<f64>],
    batch: usize,
    rounds: usize,
    rng: &mut StdRng,
) -> Trace {
    let mut trace = Trace::default();
    let first = balanced_indices(lib, batch, rng);
    trace.test(lib, &first, 0, rng);
    for round in 1..rounds {
        let picks = propose(x, &trace, batch, rng);
        trace.test(lib, &picks, round, rng);
    }
    trace
}

/// The next batch: expected improvement of the log expression (as a minimisation of its
/// negative), picks one at a time with the kriging believer. Candidates are the untested
/// designs; after the first pick only the `pool` best by the first pass are re-scored, which
/// is exact up to the refitted length scale because a believer observation leaves the posterior
/// mean unchanged and only lowers variances, so expected improvement can only fall.
fn propose(x: &[Vec<f64>], trace: &Trace, batch: usize, rng: &mut StdRng) -> Vec<usize> {
    let mut tested = vec![false; x.len()];
    for &i in &trace.designs {
        tested[i] = true;
    }
    let mut xs: Vec<Vec<f64>> = trace.designs.iter().map(|&i| x[i].clone()).collect();
    let mut ys: Vec<f64> = trace.measured.iter().map(|m| -m.ln()).collect();
    let untested: Vec<usize> = (0..x.len()).filter(|&i| !tested[i]).collect();
    let Some(mut gp) = Gp::fit(&xs, &ys) else {
        return untested
            .choose_multiple(rng, batch)
            .copied()
            .collect::<Vec<_>>();
    };
    let score = |gp: &Gp, best: f64, i: usize| {
        let (mu, sd) = gp.predict(&x[i]);
        expected_improvement(mu, sd, best)
    };
    let mut best = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let mut pool: Vec<(f64, usize)> = untested.iter().map(|&i| (score(&gp, best, i), i)).collect();
    pool.sort_by(|a, b| b.0.total_cmp(&a.0));
    pool.truncate((25 * batch).max(200));
    let mut picks = Vec::with_capacity(batch);
    while picks.len() < batch && !pool.is_empty() {
        let k = pool
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map_or(0, |(k, _)| k);
        let (_, i) = pool.swap_remove(k);
        picks.push(i);
        if picks.len() == batch {
            break;
        }
        let (mu, _) = gp.predict(&x[i]);
        xs.push(x[i].clone());
        ys.push(mu);
        best = best.min(mu);
        if let Some(g) = Gp::fit(&xs, &ys) {
            gp = g;
        }
        for p in pool.iter_mut() {
            p.0 = score(&gp, best, p.1);
        }
    }
    picks
}

/// A one-shot random library: `n` distinct designs in random order.
pub fn random_library(lib: &Library, n: usize, rng: &mut StdRng) -> Trace {
    let mut idx: Vec<usize> = (0..lib.size()).collect();
    let (picked, _) = idx.partial_shuffle(rng, n);
    let picked = picked.to_vec();
    let mut trace = Trace::default();
    trace.test(lib, &picked, 0, rng);
    trace
}

/// Classical design of experiments: a balanced batch of `first`, a main-effects ridge model of
/// the log measurements on one-hot parts, then the `second` untested designs it predicts best.
pub fn doe_then_model(lib: &Library, first: usize, second: usize, rng: &mut StdRng) -> Trace {
    let mut trace = Trace::default();
    let initial = balanced_indices(lib, first, rng);
    trace.test(lib, &initial, 0, rng);
    let onehot = encode_all(lib, 1.0);
    let width = onehot.first().map_or(0, Vec::len);
    let rows =
        |ids: &[usize]| Array2::from_shape_fn((ids.len(), width), |(r, c)| onehot[ids[r]][c]);
    let y = Array1::from_iter(trace.measured.iter().map(|m| m.ln()));
    let mut tested = vec![false; lib.size()];
    for &i in &trace.designs {
        tested[i] = true;
    }
    let untested: Vec<usize> = (0..lib.size()).filter(|&i| !tested[i]).collect();
    let picks: Vec<usize> = match LinearModel::fit(&rows(&trace.designs), &y, 0.1) {
        Some(model) => {
            let pred = model.predict(&rows(&untested));
            let mut order: Vec<usize> = (0..untested.len()).collect();
            order.sort_by(|&a, &b| pred[b].total_cmp(&pred[a]));
            order.iter().take(second).map(|&k| untested[k]).collect()
        }
        None => untested.choose_multiple(rng, second).copied().collect(),
    };
    trace.test(lib, &picks, 1, rng);
    trace
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn balanced_design_uses_every_option_equally() {
        let mut rng = StdRng::seed_from_u64(4);
        let levels = [8, 8, 6, 4, 3];
        let d = balanced_design(&levels, 24, &mut rng);
        assert_eq!(d.len(), 24);
        for (k, &l) in levels.iter().enumerate() {
            for v in 0..l {
                let c = d.iter().filter(|r| r[k] == v).count();
                assert_eq!(c, 24 / l, "position {k} option {v}");
            }
        }
        // 4 x 3 options over 24 runs: a perfectly balanced pair table has 2 of each.
        for a in 0..4 {
            for b in 0..3 {
                let c = d.iter().filter(|r| r[3] == a && r[4] == b).count();
                assert_eq!(c, 2, "terminator {a} x origin {b}");
            }
        }
        let mut rows = d.clone();
        rows.sort();
        rows.dedup();
        assert_eq!(rows.len(), 24, "no duplicate constructs");
    }

    #[test]
    fn traces_count_whole_rounds() {
        let truth = vec![0.0, 5.0, 1.0, 9.0];
        let trace = Trace {
            designs: vec![0, 2, 1, 3],
            measured: vec![0.0; 4],
            round: vec![0, 0, 1, 1],
        };
        assert_eq!(trace.best_so_far(&truth), vec![0.0, 1.0, 5.0, 9.0]);
        assert_eq!(trace.designs_to_reach(&truth, 4.0), Some(4));
        assert_eq!(trace.designs_to_reach(&truth, 1.0), Some(2));
        assert_eq!(trace.designs_to_reach(&truth, 10.0), None);
    }
}
