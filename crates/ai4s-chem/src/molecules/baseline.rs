//! The baseline: hashed circular-fingerprint counts with ridge regression, one linear model per
//! target, the ridge strength chosen on the validation set.

use super::data::Labelled;
use super::fingerprint::fingerprint;
use ai4s_core::linalg::{LinearModel, cholesky, cholesky_solve_factor};
use ai4s_core::metrics::mae;
use ai4s_core::{Error, Result};
use ndarray::{Array1, Array2};

/// Fitted ridge models on the fingerprint slots used by the training set.
pub struct FingerprintRidge {
    radius: usize,
    bits: usize,
    /// Slots that are non-zero in some training molecule (the others would get zero weight).
    used: Vec<usize>,
    models: Vec<LinearModel>,
    /// Chosen ridge strength per target.
    pub lambdas: Vec<f64>,
}

impl FingerprintRidge {
    /// Fits one model per target column of `train_y` (rows as in `train`), choosing each ridge
    /// strength from `lambdas` by the validation MAE.
    pub fn fit(
        train: &[Labelled],
        train_y: &[Vec<f64>],
        val: &[Labelled],
        val_y: &[Vec<f64>],
        radius: usize,
        bits: usize,
        lambdas: &[f64],
    ) -> Result<Self> {
        let full = matrix(train, radius, bits, None);
        let used: Vec<usize> = (0..bits)
            .filter(|&j| full.column(j).iter().any(|&v| v != 0.0))
            .collect();
        let x = full.select(ndarray::Axis(1), &used);
        let xv = matrix(val, radius, bits, Some(&used));
        let targets = train_y.first().map_or(0, Vec::len);
        let column = |rows: &[Vec<f64>], k: usize| rows.iter().map(|r| r[k]).collect::<Vec<_>>();
        let mut best: Vec<Option<(f64, f64, LinearModel)>> = vec![None; targets];
        for (lambda, fitted) in ridge_path(&x, train_y, lambdas) {
            for (k, m) in fitted.into_iter().enumerate() {
                let err = mae(&m.predict(&xv).to_vec(), &column(val_y, k));
                if best[k].as_ref().is_none_or(|b| err < b.0) {
                    best[k] = Some((err, lambda, m));
                }
            }
        }
        let mut models = Vec::new();
        let mut chosen = Vec::new();
        for b in best {
            let (_, lambda, m) = b.ok_or_else(|| {
                Error::Runtime(format!(
                    "fingerprint ridge: no strength in {lambdas:?} gave a solvable fit"
                ))
            })?;
            models.push(m);
            chosen.push(lambda);
        }
        Ok(FingerprintRidge {
            radius,
            bits,
            used,
            models,
            lambdas: chosen,
        })
    }

    /// Predictions, one row of targets per molecule.
    pub fn predict(&self, set: &[Labelled]) -> Vec<Vec<f64>> {
        let x = matrix(set, self.radius, self.bits, Some(&self.used));
        let cols: Vec<Array1<f64>> = self.models.iter().map(|m| m.predict(&x)).collect();
        (0..set.len())
            .map(|i| cols.iter().map(|c| c[i]).collect())
            .collect()
    }

    /// Number of fingerprint slots the models use.
    pub fn features(&self) -> usize {
        self.used.len()
    }
}

/// Ridge fits `min |X w + b - y|^2 + lambda |w|^2` of every target column of `y` for every
/// `lambda`, through the normal equations `(A^T A + lambda I') [w; b] = A^T y`, `A = [X, 1]`,
/// `I'` the identity without the intercept: `A^T A` is formed once and factorised (Cholesky)
/// once per strength, shared by the targets. Strengths whose system is not positive definite
/// are skipped.
fn ridge_path(x: &Array2<f64>, y: &[Vec<f64>], lambdas: &[f64]) -> Vec<(f64, Vec<LinearModel>)> {
    let (n, d) = x.dim();
    let mut a = Array2::<f64>::ones((n, d + 1));
    a.slice_mut(ndarray::s![.., ..d]).assign(x);
    let gram = a.t().dot(&a);
    let targets = y.first().map_or(0, Vec::len);
    let rhs: Vec<Array1<f64>> = (0..targets)
        .map(|k| a.t().dot(&Array1::from_iter(y.iter().map(|r| r[k]))))
        .collect();
    lambdas
        .iter()
        .filter_map(|&lambda| {
            let mut g = gram.clone();
            (0..d).for_each(|i| g[[i, i]] += lambda);
            let l = cholesky(&g)?;
            let models = rhs
                .iter()
                .map(|r| {
                    let sol = cholesky_solve_factor(&l, r);
                    LinearModel {
                        w: sol.slice(ndarray::s![..d]).to_owned(),
                        b: sol[d],
                    }
                })
                .collect();
            Some((lambda, models))
        })
        .collect()
}

/// Fingerprints as rows, restricted to the columns `used` when given.
fn matrix(set: &[Labelled], radius: usize, bits: usize, used: Option<&[usize]>) -> Array2<f64> {
    let d = used.map_or(bits, <[usize]>::len);
    let mut x = Array2::zeros((set.len(), d));
    for (i, l) in set.iter().enumerate() {
        let fp = fingerprint(&l.mol, radius, bits);
        match used {
            Some(cols) => cols
                .iter()
                .enumerate()
                .for_each(|(j, &c)| x[[i, j]] = fp[c]),
            None => fp.iter().enumerate().for_each(|(j, &v)| x[[i, j]] = v),
        }
    }
    x
}
