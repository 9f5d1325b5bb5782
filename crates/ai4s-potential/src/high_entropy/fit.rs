//! Fitting the ECIs: ridge regression on standardised correlations, with the penalty chosen by
//! k-fold cross-validation.
//!
//! On the rows used, each correlation is centred and scaled to unit variance (`z_f`), the
//! energies centred, and `min (1/n) |Z w - y|^2 + lambda |w|^2` solved through the normal
//! equations `(Z^T Z / n + lambda I) w = Z^T y / n` ([`ai4s_core::linalg::solve_dense`]); the
//! ECIs are `J_f = w_f / sd_f` and `J_0 = mean(y) - sum_f J_f mean(x_f)`. A correlation that is
//! constant on the rows carries no information and gets `J_f = 0`. k-fold CV (Stone 1974):
//! the rows are shuffled into `k` folds; each fold is predicted by the fit to the others, and the
//! CV error is the RMSE of those out-of-fold predictions (what a practitioner quotes as the
//! expansion's predictive error, van de Walle & Ceder, J. Phase Equilib. 23, 348 (2002)).

use ai4s_core::linalg::solve_dense;
use ai4s_core::metrics::rmse;
use ai4s_core::{Error, Result};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// `(J_0, J)` of a ridge fit of `y` on the rows `rows` of `x`.
pub fn ridge(x: &[Vec<f64>], y: &[f64], rows: &[usize], lambda: f64) -> Result<(f64, Vec<f64>)> {
    let d = x.first().map_or(0, Vec::len);
    let n = rows.len() as f64;
    if rows.is_empty() || d == 0 {
        return Err(Error::Runtime("ridge fit: no rows or no features".into()));
    }
    let mean: Vec<f64> = (0..d)
        .map(|f| rows.iter().map(|&r| x[r][f]).sum::<f64>() / n)
        .collect();
    let sd: Vec<f64> = (0..d)
        .map(|f| {
            let v = rows
                .iter()
                .map(|&r| (x[r][f] - mean[f]).powi(2))
                .sum::<f64>()
                / n;
            v.sqrt()
        })
        .collect();
    let scale = sd.iter().cloned().fold(0.0, f64::max);
    let live: Vec<usize> = (0..d)
        .filter(|&f| sd[f] > 1e-12 * scale.max(1e-300))
        .collect();
    let y_mean = rows.iter().map(|&r| y[r]).sum::<f64>() / n;
    let z = |r: usize, f: usize| (x[r][f] - mean[f]) / sd[f];
    let m = live.len();
    let mut a = vec![vec![0.0; m]; m];
    let mut b = vec![0.0; m];
    for &r in rows {
        let zr: Vec<f64> = live.iter().map(|&f| z(r, f)).collect();
        let yr = y[r] - y_mean;
        for p in 0..m {
            b[p] += zr[p] * yr / n;
            for q in p..m {
                a[p][q] += zr[p] * zr[q] / n;
            }
        }
    }
    for p in 0..m {
        a[p][p] += lambda;
        for q in 0..p {
            a[p][q] = a[q][p];
        }
    }
    let w = solve_dense(a, b).ok_or_else(|| {
        Error::Runtime(format!(
            "ridge fit: the normal equations are singular at lambda {lambda:e} ({} rows, {m} varying correlations); raise the penalty or add configurations",
            rows.len()
        ))
    })?;
    let mut eci = vec![0.0; d];
    for (p, &f) in live.iter().enumerate() {
        eci[f] = w[p] / sd[f];
    }
    let j0 = y_mean - eci.iter().zip(&mean).map(|(j, m)| j * m).sum::<f64>();
    Ok((j0, eci))
}

/// Predictions `J_0 + x . J` for the rows `rows`.
pub fn predict(x: &[Vec<f64>], rows: &[usize], j0: f64, eci: &[f64]) -> Vec<f64> {
    rows.iter()
        .map(|&r| j0 + x[r].iter().zip(eci).map(|(x, j)| x * j).sum::<f64>())
        .collect()
}

/// The outcome of cross-validating the ridge penalty.
#[derive(Clone, Debug)]
pub struct CrossValidation {
    /// The penalty with the smallest CV error.
    pub lambda: f64,
    /// Its CV RMSE (same units as `y`).
    pub rmse: f64,
    /// Its out-of-fold prediction for each of the rows (same order).
    pub out_of_fold: Vec<f64>,
    /// `(lambda, CV RMSE)` for every penalty tried (`NaN` where the fit was singular).
    pub path: Vec<(f64, f64)>,
}

/// k-fold cross-validation of the ridge fit over `lambdas` on `rows`.
pub fn cross_validate(
    x: &[Vec<f64>],
    y: &[f64],
    rows: &[usize],
    folds: usize,
    lambdas: &[f64],
    seed: u64,
) -> Result<CrossValidation> {
    if folds < 2 || rows.len() < folds {
        return Err(Error::Runtime(format!(
            "cross-validation: need 2 <= folds <= rows, got {folds} folds and {} rows",
            rows.len()
        )));
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let truth: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
    let mut best: Option<CrossValidation> = None;
    let mut path = Vec::with_capacity(lambdas.len());
    for &lambda in lambdas {
        let mut oof = vec![f64::NAN; rows.len()];
        let mut ok = true;
        for f in 0..folds {
            let held: Vec<usize> = (f..rows.len()).step_by(folds).map(|p| order[p]).collect();
            let fit_rows: Vec<usize> = (0..rows.len())
                .filter(|p| p % folds != f)
                .map(|p| rows[order[p]])
                .collect();
            match ridge(x, y, &fit_rows, lambda) {
                Ok((j0, eci)) => {
                    let held_rows: Vec<usize> = held.iter().map(|&p| rows[p]).collect();
                    for (&p, v) in held.iter().zip(predict(x, &held_rows, j0, &eci)) {
                        oof[p] = v;
                    }
                }
                Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        let score = if ok { rmse(&oof, &truth) } else { f64::NAN };
        path.push((lambda, score));
        if score.is_finite() && best.as_ref().is_none_or(|b| score < b.rmse) {
            best = Some(CrossValidation {
                lambda,
                rmse: score,
                out_of_fold: oof,
                path: Vec::new(),
            });
        }
    }
    let mut best = best.ok_or_else(|| {
        Error::Runtime(format!(
            "cross-validation: every penalty in {lambdas:?} gave singular normal equations"
        ))
    })?;
    best.path = path;
    Ok(best)
}
