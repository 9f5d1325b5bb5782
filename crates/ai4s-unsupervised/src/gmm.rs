//! Gaussian mixture models fitted by expectation-maximisation.
//!
//! The density is `p(x) = sum_k w_k N(x | mu_k, Sigma_k)` with full or diagonal covariances.
//! EM (Dempster, Laird & Rubin 1977) alternates
//!
//! - E-step: responsibilities `r_nk = w_k N(x_n | mu_k, Sigma_k) / p(x_n)` (in log space with
//!   log-sum-exp; full covariances through their Cholesky factors),
//! - M-step: `N_k = sum_n r_nk`, `w_k = N_k / n`, `mu_k = sum_n r_nk x_n / N_k`,
//!   `Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k + reg_covar I` (only the diagonal for
//!   `diag`),
//!
//! and never decreases the log-likelihood `sum_n ln p(x_n)`. As in scikit-learn the
//! responsibilities start from one k-means run, `tol` (default 1e-3) bounds the change of the mean
//! log-likelihood per sample, and `reg_covar = 1e-6` keeps covariances invertible. Model choice:
//! `BIC = -2 ln L + p ln n` with `p = k d + (k - 1) + k d (d + 1) / 2` (full) or `+ k d` (diag)
//! free parameters (Schwarz 1978); the smallest BIC wins.

use crate::kmeans::KMeans;
use ai4s_core::error::ensure;
use ai4s_core::linalg::cholesky;
use ai4s_core::{Error, Result};
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

/// Shape of each component's covariance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Covariance {
    /// A full symmetric positive-definite matrix per component.
    Full,
    /// A diagonal matrix (independent coordinates) per component.
    Diag,
}

/// Gaussian-mixture parameters (scikit-learn's defaults).
#[derive(Clone, Debug)]
pub struct Gmm {
    /// Number of components.
    pub k: usize,
    /// Covariance shape.
    pub covariance: Covariance,
    /// EM iterations per initialisation.
    pub max_iter: usize,
    /// Stop when the mean log-likelihood per sample changes by less than this.
    pub tol: f64,
    /// Added to every covariance diagonal.
    pub reg_covar: f64,
    /// Independent initialisations (k-means with different seeds); the highest likelihood wins.
    pub n_init: usize,
}

impl Default for Gmm {
    fn default() -> Self {
        Gmm {
            k: 1,
            covariance: Covariance::Full,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            n_init: 1,
        }
    }
}

/// One fitted component.
#[derive(Clone, Debug)]
pub struct Component {
    /// Mixture weight.
    pub weight: f64,
    /// Mean.
    pub mean: Array1<f64>,
    /// Covariance (diagonal matrix for `diag`).
    pub covariance: Array2<f64>,
    /// Lower Cholesky factor of the covariance.
    chol: Array2<f64>,
    log_det: f64,
}

/// A fitted Gaussian mixture.
#[derive(Clone, Debug)]
pub struct GmmFit {
    /// Components.
    pub components: Vec<Component>,
    /// Covariance shape.
    pub covariance: Covariance,
    /// Mean log-likelihood per training sample before each M-step, then after the last one.
    pub history: Vec<f64>,
    /// Whether the change fell below `tol` before `max_iter`.
    pub converged: bool,
}

impl Gmm {
    /// Checks the parameters; errors name the field (with `prefix`).
    pub fn validate(&self, prefix: &str) -> Result<()> {
        let f = |name: &str| format!("{prefix}{name}");
        ensure(self.k >= 1, &f("k"), || {
            format!("must be at least 1 component, got {}", self.k)
        })?;
        ensure(self.max_iter >= 1, &f("max_iter"), || {
            format!("must be at least 1, got {}", self.max_iter)
        })?;
        ensure(self.n_init >= 1, &f("n_init"), || {
            format!("must be at least 1, got {}", self.n_init)
        })?;
        ensure(self.tol.is_finite() && self.tol >= 0.0, &f("tol"), || {
            format!("must be a non-negative number, got {}", self.tol)
        })?;
        ensure(
            self.reg_covar.is_finite() && self.reg_covar >= 0.0,
            &f("reg_covar"),
            || format!("must be a non-negative number, got {}", self.reg_covar),
        )
    }

    /// Fits by EM on the rows of `x`.
    pub fn fit(&self, x: &Array2<f64>, seed: u64) -> Result<GmmFit> {
        self.validate("")?;
        let n = x.nrows();
        ensure(self.k <= n, "k", || {
            format!(
                "{} components need at least as many rows, the data has {n}",
                self.k
            )
        })?;
        let mut best: Option<GmmFit> = None;
        for init in 0..self.n_init {
            let km = KMeans {
                k: self.k,
                n_init: 1,
                ..KMeans::default()
            }
            .fit(x, seed.wrapping_add(init as u64))?;
            let mut resp = Array2::zeros((n, self.k));
            for (i, &l) in km.labels.iter().enumerate() {
                resp[[i, l]] = 1.0;
            }
            let mut fit = GmmFit {
                components: m_step(x, &resp, self.covariance, self.reg_covar)?,
                covariance: self.covariance,
                history: Vec::new(),
                converged: false,
            };
            for _ in 0..self.max_iter {
                let (ll, r) = fit.e_step(x);
                let prev = fit.history.last().copied();
                fit.history.push(ll);
                if prev.is_some_and(|p| (ll - p).abs() < self.tol) {
                    fit.converged = true;
                    break;
                }
                fit.components = m_step(x, &r, self.covariance, self.reg_covar)?;
            }
            if !fit.converged {
                let ll = fit.score(x);
                fit.history.push(ll);
            }
            if !fit.history.last().is_some_and(|v| v.is_finite()) {
                return Err(Error::Runtime(
                    "Gaussian mixture: the log-likelihood is not finite; standardise the data or raise reg_covar".into(),
                ));
            }
            if best
                .as_ref()
                .is_none_or(|b| fit.history.last() > b.history.last())
            {
                best = Some(fit);
            }
        }
        best.ok_or_else(|| Error::Runtime("Gaussian mixture ran no initialisation".into()))
    }
}

fn m_step(
    x: &Array2<f64>,
    resp: &Array2<f64>,
    cov: Covariance,
    reg: f64,
) -> Result<Vec<Component>> {
    let (n, d) = x.dim();
    let nk = resp.sum_axis(Axis(0)) + 10.0 * f64::EPSILON;
    let means = resp.t().dot(x) / nk.view().insert_axis(Axis(1));
    (0..resp.ncols())
        .map(|k| {
            let mu = means.row(k).to_owned();
            let diff = x - &mu;
            let r = resp.column(k);
            let mut c = match cov {
                Covariance::Full => {
                    let weighted = &diff * &r.view().insert_axis(Axis(1));
                    weighted.t().dot(&diff) / nk[k]
                }
                Covariance::Diag => {
                    let v = (0..d)
                        .map(|j| (0..n).map(|i| r[i] * diff[[i, j]] * diff[[i, j]]).sum::<f64>() / nk[k]);
                    Array2::from_diag(&Array1::from_iter(v))
                }
            };
            for j in 0..d {
                c[[j, j]] += reg;
            }
            let chol = cholesky(&c).ok_or_else(|| {
                Error::Runtime(format!(
                    "Gaussian mixture: covariance of component {k} is singular (a collapsed component); raise reg_covar or lower k"
                ))
            })?;
            let log_det = 2.0 * chol.diag().iter().map(|v| v.ln()).sum::<f64>();
            Ok(Component {
                weight: nk[k] / n as f64,
                mean: mu,
                covariance: c,
                chol,
                log_det,
            })
        })
        .collect()
}

impl GmmFit {
    /// `ln w_k + ln N(x_n | k)` for every row and component.
    fn weighted_log_prob(&self, x: &Array2<f64>) -> Array2<f64> {
        let (n, d) = x.dim();
        let c0 = d as f64 * (2.0 * std::f64::consts::PI).ln();
        let mut out = Array2::zeros((n, self.components.len()));
        let mut z = vec![0.0; d];
        for (k, c) in self.components.iter().enumerate() {
            let base = c.weight.ln() - 0.5 * (c0 + c.log_det);
            for (i, row) in x.rows().into_iter().enumerate() {
                // z = L^-1 (x - mu) by forward substitution.
                for a in 0..d {
                    let s: f64 = (0..a).map(|b| c.chol[[a, b]] * z[b]).sum();
                    z[a] = (row[a] - c.mean[a] - s) / c.chol[[a, a]];
                }
                out[[i, k]] = base - 0.5 * z.iter().map(|v| v * v).sum::<f64>();
            }
        }
        out
    }

    /// Mean log-likelihood and responsibilities.
    fn e_step(&self, x: &Array2<f64>) -> (f64, Array2<f64>) {
        let mut lp = self.weighted_log_prob(x);
        let mut total = 0.0;
        for mut row in lp.rows_mut() {
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            total += lse;
            row.mapv_inplace(|v| (v - lse).exp());
        }
        (total / x.nrows().max(1) as f64, lp)
    }

    /// `ln p(x)` of every row.
    pub fn score_samples(&self, x: &Array2<f64>) -> Vec<f64> {
        self.weighted_log_prob(x)
            .rows()
            .into_iter()
            .map(|row| {
                let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
            })
            .collect()
    }

    /// Mean log-likelihood per row (nats).
    pub fn score(&self, x: &Array2<f64>) -> f64 {
        let s = self.score_samples(x);
        s.iter().sum::<f64>() / s.len().max(1) as f64
    }

    /// Responsibilities `p(k | x)` of every row.
    pub fn predict_proba(&self, x: &Array2<f64>) -> Array2<f64> {
        self.e_step(x).1
    }

    /// Most responsible component of every row.
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        self.weighted_log_prob(x)
            .rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(0, |m| m.0)
            })
            .collect()
    }

    /// Number of free parameters.
    pub fn n_parameters(&self) -> usize {
        let k = self.components.len();
        let d = self.components.first().map_or(0, |c| c.mean.len());
        let cov = match self.covariance {
            Covariance::Full => k * d * (d + 1) / 2,
            Covariance::Diag => k * d,
        };
        k * d + k - 1 + cov
    }

    /// Bayesian information criterion on `x` (lower is better).
    pub fn bic(&self, x: &Array2<f64>) -> f64 {
        let n = x.nrows() as f64;
        -2.0 * self.score(x) * n + self.n_parameters() as f64 * n.ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toy::{anisotropic, blobs};
    use ai4s_core::metrics::adjusted_rand_index;

    #[test]
    fn single_gaussian_is_the_sample_mean_and_covariance() {
        let b = blobs(500, 3, 1, 2.0, 5);
        let f = Gmm {
            k: 1,
            reg_covar: 0.0,
            ..Gmm::default()
        }
        .fit(&b.x, 0)
        .expect("fit");
        let mean = b.x.mean_axis(Axis(0)).expect("rows");
        let diff = &b.x - &mean;
        let cov = diff.t().dot(&diff) / 500.0;
        let c = &f.components[0];
        assert!((&c.mean - &mean).iter().all(|v| v.abs() < 1e-9));
        assert!((&c.covariance - &cov).iter().all(|v| v.abs() < 1e-9));
        assert_eq!(f.n_parameters(), 3 + 6);
        // The log-density integrates the Gaussian: check one point by hand (diagonal case).
        let g = Gmm {
            k: 1,
            covariance: Covariance::Diag,
            reg_covar: 0.0,
            ..Gmm::default()
        }
        .fit(&b.x, 0)
        .expect("fit");
        let v = g.components[0].covariance.diag().to_owned();
        let p = b.x.row(0);
        let want: f64 = (0..3)
            .map(|j| {
                -0.5 * ((2.0 * std::f64::consts::PI * v[j]).ln() + (p[j] - mean[j]).powi(2) / v[j])
            })
            .sum();
        let got = g.score_samples(&b.x.slice(ndarray::s![0..1, ..]).to_owned())[0];
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }

    #[test]
    fn full_covariance_separates_sheared_blobs() {
        let a = anisotropic(900, 11);
        let f = Gmm {
            k: 3,
            ..Gmm::default()
        }
        .fit(&a.x, 0)
        .expect("fit");
        let ari = adjusted_rand_index(&a.labels, &f.predict(&a.x));
        assert!(ari > 0.95, "ARI {ari}");
        let p = f.predict_proba(&a.x);
        assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
    }
}
