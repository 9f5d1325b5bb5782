//! Gaussian-process regression and the expected-improvement acquisition.
//!
//! A zero-mean Gaussian process on centred targets with the squared-exponential kernel
//! `k(x, x') = s^2 exp(-|x - x'|^2 / 2l^2)` (Rasmussen & Williams, *Gaussian Processes for
//! Machine Learning*, 2006, ch. 2). The signal variance `s^2` is the targets' variance; the
//! length scale `l` maximises the log marginal likelihood `-y^T K^-1 y / 2 - log|K| / 2` over a
//! grid suited to inputs scaled to the unit box. The posterior at `x*` is
//! `mu = k*^T K^-1 y`, `var = k** - k*^T K^-1 k*`, both through the Cholesky factor of `K`.
//!
//! Expected improvement below the best value `y*` (minimisation; Jones, Schonlau & Welch 1998):
//! `EI = (y* - mu) Phi(z) + sigma phi(z)`, `z = (y* - mu) / sigma`.

use crate::linalg::{cholesky, cholesky_solve_factor, forward_substitute};
use ndarray::{Array1, Array2};
use std::f64::consts::PI;

/// Length scales tried by [`Gp::fit`] (inputs on the unit box).
const LENGTH_SCALES: [f64; 7] = [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8];

/// Gaussian-process surrogate on unit-box inputs (zero-mean on centred targets, length scale by
/// maximum marginal likelihood over a grid).
pub struct Gp {
    x: Vec<Vec<f64>>,
    alpha: Array1<f64>,
    l: Array2<f64>,
    len: f64,
    s2: f64,
    mean: f64,
}

fn kern(a: &[f64], b: &[f64], len: f64, s2: f64) -> f64 {
    let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    s2 * (-d2 / (2.0 * len * len)).exp()
}

impl Gp {
    /// Fits the GP to inputs `x` and targets `y`; `None` if no length scale gives a positive
    /// definite kernel matrix.
    pub fn fit(x: &[Vec<f64>], y: &[f64]) -> Option<Gp> {
        let n = y.len();
        let mean = y.iter().sum::<f64>() / n as f64;
        let yc = Array1::from_iter(y.iter().map(|v| v - mean));
        let s2 = (yc.dot(&yc) / n as f64).max(1e-12);
        let mut best: Option<(f64, Gp)> = None;
        for len in LENGTH_SCALES {
            let k = Array2::from_shape_fn((n, n), |(i, j)| {
                kern(&x[i], &x[j], len, s2) + if i == j { 1e-6 * s2 } else { 0.0 }
            });
            let Some(l) = cholesky(&k) else { continue };
            let alpha = cholesky_solve_factor(&l, &yc);
            let logdet: f64 = (0..n).map(|i| l[[i, i]].ln()).sum::<f64>() * 2.0;
            let lml = -0.5 * yc.dot(&alpha) - 0.5 * logdet;
            if best.as_ref().is_none_or(|b| lml > b.0) {
                best = Some((
                    lml,
                    Gp {
                        x: x.to_vec(),
                        alpha,
                        l,
                        len,
                        s2,
                        mean,
                    },
                ));
            }
        }
        best.map(|b| b.1)
    }

    /// The length scale chosen by the marginal likelihood.
    pub fn length_scale(&self) -> f64 {
        self.len
    }

    /// Posterior mean and standard deviation at `q`.
    pub fn predict(&self, q: &[f64]) -> (f64, f64) {
        let ks = Array1::from_iter(self.x.iter().map(|x| kern(x, q, self.len, self.s2)));
        let mu = self.mean + ks.dot(&self.alpha);
        // v = L^-1 k*, variance = k** - v.v
        let v = forward_substitute(&self.l, &ks);
        (mu, (self.s2 - v.dot(&v)).max(1e-12).sqrt())
    }
}

/// Standard normal cumulative distribution (Abramowitz & Stegun 7.1.26 for erf, error < 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z / 2f64.sqrt();
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    0.5 * (1.0 + if x >= 0.0 { y } else { -y })
}

/// Expected improvement below `best` (minimisation) of a normal prediction `(mu, sigma)`.
pub fn expected_improvement(mu: f64, sigma: f64, best: f64) -> f64 {
    let z = (best - mu) / sigma;
    (best - mu) * normal_cdf(z) + sigma * (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_training_points_with_small_variance() {
        let x: Vec<Vec<f64>> = (0..12).map(|i| vec![i as f64 / 11.0]).collect();
        let y: Vec<f64> = x.iter().map(|p| (6.0 * p[0]).sin()).collect();
        let gp = Gp::fit(&x, &y).expect("positive definite");
        for (p, t) in x.iter().zip(&y) {
            let (mu, sd) = gp.predict(p);
            assert!((mu - t).abs() < 1e-2, "mean {mu} vs {t}");
            assert!(sd < 0.05, "sd {sd} at a training point");
        }
        // Between the points the mean follows the smooth function; far away the variance grows.
        let (mu, _) = gp.predict(&[0.5 / 11.0 * 11.0 / 2.0 + 0.02]);
        assert!((mu - (6.0f64 * (0.25 + 0.02)).sin()).abs() < 0.05);
        let (_, sd_far) = gp.predict(&[3.0]);
        assert!(sd_far > 0.5);
    }

    #[test]
    fn expected_improvement_limits() {
        // Far above the best with tiny sigma: no improvement; far below: EI = best - mu.
        assert!(expected_improvement(10.0, 1e-3, 0.0) < 1e-12);
        assert!((expected_improvement(-5.0, 1e-3, 0.0) - 5.0).abs() < 1e-6);
        // At mu = best, EI = sigma / sqrt(2 pi).
        assert!((expected_improvement(0.0, 2.0, 0.0) - 2.0 / (2.0 * PI).sqrt()).abs() < 1e-12);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
    }
}
