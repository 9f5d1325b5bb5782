//! The double-well system: its energy, the exact free-energy difference by numerical
//! integration, Metropolis sampling, and importance reweighting of generated samples.

use ai4s_core::Result;
use ai4s_core::burn::tensor::Tensor;
use ai4s_core::checkpoint::TrainRng as StdRng;
use ai4s_core::error::ensure;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The 2-D double-well energy `u = a x1^4 - b x1^2 + c x1 + x2^2/2` at temperature `kT`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DoubleWell {
    /// Quartic coefficient (confines `x1`).
    pub a: f64,
    /// Quadratic coefficient (positive: two wells; negative with `a = 0`: one harmonic well).
    pub b: f64,
    /// Linear tilt (makes the wells unequal).
    pub c: f64,
    /// Temperature `kT` in energy units.
    pub kt: f64,
}

impl Default for DoubleWell {
    fn default() -> Self {
        DoubleWell {
            a: 1.0,
            b: 4.0,
            c: 1.0,
            kt: 1.0,
        }
    }
}

/// Result of integrating `exp(-u/kT)` on a grid.
#[derive(Clone, Debug)]
pub struct Integrated {
    /// `Delta F = -kT ln(Z_right / Z_left)` (`x1 > 0` versus `x1 < 0`), in units of kT.
    pub delta_f: f64,
    /// `ln Z`, the log partition function of `exp(-u/kT)`.
    pub ln_z: f64,
    /// Marginal density of `x1` at cell centres, `(x1, p(x1))`.
    pub marginal: Vec<(f64, f64)>,
}

impl DoubleWell {
    /// Checks the parameters; errors name `field.<key>`.
    pub fn validate(&self, field: &str) -> Result<()> {
        let all_finite = [self.a, self.b, self.c, self.kt]
            .iter()
            .all(|v| v.is_finite());
        ensure(all_finite, field, || "a, b, c and kt must be finite".into())?;
        ensure(self.kt > 0.0, &format!("{field}.kt"), || {
            format!("must be positive, got {}", self.kt)
        })?;
        ensure(
            self.a > 0.0 || (self.a == 0.0 && self.b < 0.0),
            &format!("{field}.a"),
            || {
                format!(
                    "exp(-u/kT) must be normalisable: need a > 0, or a = 0 with b < 0 (got a = {}, b = {})",
                    self.a, self.b
                )
            },
        )
    }

    /// `u(x1, x2)`.
    pub fn energy(&self, x1: f64, x2: f64) -> f64 {
        let x1s = x1 * x1;
        self.a * x1s * x1s - self.b * x1s + self.c * x1 + 0.5 * x2 * x2
    }

    /// `u(x)/kT` per row of `x` (`[n, 2]` to `[n, 1]`).
    pub fn reduced_energy_tensor(&self, x: Tensor<2>) -> Tensor<2> {
        let x1 = x.clone().narrow(1, 0, 1);
        let x2 = x.narrow(1, 1, 1);
        let x1s = x1.clone() * x1.clone();
        (x1s.clone() * x1s.clone() * self.a - x1s * self.b + x1 * self.c + x2.clone() * x2 * 0.5)
            / self.kt
    }

    /// Bounds of `x1` outside which `u - min u > 40 kT` along `x2 = 0` (found by scanning).
    pub fn x1_range(&self) -> (f64, f64) {
        let xs: Vec<f64> = (0..=200_000).map(|i| -100.0 + i as f64 * 1e-3).collect();
        let u: Vec<f64> = xs.iter().map(|&x| self.energy(x, 0.0)).collect();
        let min = u.iter().copied().fold(f64::INFINITY, f64::min);
        let inside: Vec<f64> = xs
            .iter()
            .zip(&u)
            .filter(|&(_, &v)| v - min <= 40.0 * self.kt)
            .map(|(&x, _)| x)
            .collect();
        let lo = inside.first().copied().unwrap_or(-5.0);
        let hi = inside.last().copied().unwrap_or(5.0);
        (lo - 0.1, hi + 0.1)
    }

    /// Integrates `exp(-u/kT)` with the midpoint rule on about `n x n` cells covering the
    /// region where `u` is within 40 kT of its minimum (`x2` within `+-sqrt(80 kT)`).
    pub fn integrate(&self, n: usize) -> Integrated {
        let (lo, hi) = self.x1_range();
        let x2max = (80.0 * self.kt).sqrt();
        let h1 = (hi - lo) / n as f64;
        let h2 = 2.0 * x2max / n as f64;
        // Cell edges on multiples of h1, so x1 = 0 is an edge and no cell straddles the cut.
        let lo = (lo / h1).floor() * h1;
        let n1 = ((hi - lo) / h1).ceil() as usize;
        let shift = (0..n1)
            .map(|i| self.energy(lo + (i as f64 + 0.5) * h1, 0.0))
            .fold(f64::INFINITY, f64::min)
            / self.kt;
        let mut col = vec![0.0; n1];
        for (i, c) in col.iter_mut().enumerate() {
            let x1 = lo + (i as f64 + 0.5) * h1;
            for j in 0..n {
                let x2 = -x2max + (j as f64 + 0.5) * h2;
                *c += (-self.energy(x1, x2) / self.kt + shift).exp() * h2;
            }
        }
        let (mut left, mut right) = (0.0, 0.0);
        for (i, c) in col.iter().enumerate() {
            let x1 = lo + (i as f64 + 0.5) * h1;
            if x1 > 0.0 {
                right += c * h1;
            } else {
                left += c * h1;
            }
        }
        let z = left + right;
        Integrated {
            delta_f: -(right / left).ln(),
            ln_z: z.ln() - shift,
            marginal: col
                .iter()
                .enumerate()
                .map(|(i, c)| (lo + (i as f64 + 0.5) * h1, c / z))
                .collect(),
        }
    }
}

/// Importance-reweighting estimates from flow samples.
#[derive(Clone, Debug)]
pub struct Reweighted {
    /// Kish effective sample size over the number of samples.
    pub ess_fraction: f64,
    /// Reweighted `Delta F` (kT).
    pub delta_f: f64,
    /// Standard error of `delta_f` from 20 blocks of samples (kT).
    pub delta_f_stderr: f64,
    /// `Delta F` from the raw flow samples, without weights (kT).
    pub delta_f_raw: f64,
    /// Normalised log-weights `log w_i - max log w`.
    pub log_w: Vec<f64>,
}

pub(super) fn delta_f(x1: &[f64], w: &[f64]) -> f64 {
    let (mut l, mut r) = (0.0, 0.0);
    for (x, wi) in x1.iter().zip(w) {
        if *x > 0.0 {
            r += wi;
        } else {
            l += wi;
        }
    }
    -(r / l).ln()
}

/// Reweights samples `x` with model log-densities `log_q` towards `exp(-u/kT)`.
pub fn reweight(well: &DoubleWell, x: &[[f64; 2]], log_q: &[f64]) -> Reweighted {
    let lw: Vec<f64> = x
        .iter()
        .zip(log_q)
        .map(|(p, lq)| -well.energy(p[0], p[1]) / well.kt - lq)
        .collect();
    let m = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_w: Vec<f64> = lw.iter().map(|v| v - m).collect();
    let w: Vec<f64> = log_w.iter().map(|v| v.exp()).collect();
    let s: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|v| v * v).sum();
    let x1: Vec<f64> = x.iter().map(|p| p[0]).collect();
    let blocks = 20usize;
    let size = (x.len() / blocks).max(1);
    let per_block: Vec<f64> = x1
        .chunks(size)
        .zip(w.chunks(size))
        .take(blocks)
        .map(|(xb, wb)| delta_f(xb, wb))
        .filter(|v| v.is_finite())
        .collect();
    let nb = per_block.len() as f64;
    let mean = per_block.iter().sum::<f64>() / nb;
    let var = per_block.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nb - 1.0).max(1.0);
    Reweighted {
        ess_fraction: s * s / (x.len() as f64 * s2),
        delta_f: delta_f(&x1, &w),
        delta_f_stderr: (var / nb).sqrt(),
        delta_f_raw: delta_f(&x1, &vec![1.0; x.len()]),
        log_w,
    }
}

/// Metropolis samples of `exp(-u/kT)` from a chain started at `start` (uniform steps of
/// +-0.5, 1000 steps of burn-in, thinned by 10). With `confine`, moves that would change the
/// sign of `x1` are rejected: the chain samples the Boltzmann density restricted to the well
/// it started in.
pub fn metropolis(
    well: &DoubleWell,
    start: [f64; 2],
    n: usize,
    confine: bool,
    rng: &mut StdRng,
) -> Vec<[f64; 2]> {
    let mut x = start;
    let mut u = well.energy(x[0], x[1]);
    let mut out = Vec::with_capacity(n);
    for step in 0..(n + 100) * 10 {
        let y = [
            x[0] + 0.5 * (rng.random::<f64>() * 2.0 - 1.0),
            x[1] + 0.5 * (rng.random::<f64>() * 2.0 - 1.0),
        ];
        let uy = well.energy(y[0], y[1]);
        let crosses = confine && (y[0] > 0.0) != (start[0] > 0.0);
        if !crosses && rng.random::<f64>() < (-(uy - u) / well.kt).exp() {
            x = y;
            u = uy;
        }
        if step >= 1000 && step % 10 == 0 {
            out.push(x);
        }
    }
    out.truncate(n);
    out
}
