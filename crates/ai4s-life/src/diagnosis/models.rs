//! The two classifiers, each returning logits for the rows it is asked about.
//!
//! - Logistic regression with an L2 penalty on the weights (not the intercept), minimising
//!   `sum_i loss_i + ||w||^2 / (2 C)` — scikit-learn's `LogisticRegression(C)` objective —
//!   by Newton's method (iteratively reweighted least squares) in f64 until the step is below
//!   1e-10: the exact penalised optimum, not an approximation.
//! - A multilayer perceptron (core [`Mlp`]) with one logit output, trained by the shared
//!   [`fit_quiet`] loop on the binary cross-entropy of the fit rows, with early stopping on the
//!   calibration rows' cross-entropy.

use ai4s_core::Result;
use ai4s_core::burn::tensor::activation::log_sigmoid;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::linalg::cholesky_solve;
use ai4s_core::mlp::{Mlp, MlpConfig};
use ai4s_core::train::{Objective, TrainSettings, fit_quiet};
use ndarray::{Array1, Array2};

use super::calibration::sigmoid;

/// Fitted logistic regression: intercept and weights on standardised features.
pub struct Logistic {
    /// Intercept.
    pub b: f64,
    /// Weights.
    pub w: Array1<f64>,
}

impl Logistic {
    /// Fits on rows `rows` of `x` with labels `y` and inverse penalty `c`.
    pub fn fit(x: &Array2<f64>, y: &[bool], rows: &[usize], c: f64) -> Option<Logistic> {
        let d = x.ncols();
        let lambda = 1.0 / c;
        // Parameters: [b, w_1..w_d].
        let mut theta = Array1::<f64>::zeros(d + 1);
        for _ in 0..100 {
            let mut g = Array1::<f64>::zeros(d + 1);
            let mut h = Array2::<f64>::zeros((d + 1, d + 1));
            for &i in rows {
                let xi = x.row(i);
                let z = theta[0] + xi.dot(&theta.slice(ndarray::s![1..]));
                let p = sigmoid(z);
                let r = p - if y[i] { 1.0 } else { 0.0 };
                let s = (p * (1.0 - p)).max(1e-12);
                g[0] += r;
                for a in 0..d {
                    g[a + 1] += r * xi[a];
                }
                h[[0, 0]] += s;
                for a in 0..d {
                    h[[0, a + 1]] += s * xi[a];
                    for b2 in a..d {
                        h[[a + 1, b2 + 1]] += s * xi[a] * xi[b2];
                    }
                }
            }
            for a in 0..=d {
                for b2 in 0..a {
                    h[[a, b2]] = h[[b2, a]];
                }
            }
            for a in 1..=d {
                g[a] += lambda * theta[a];
                h[[a, a]] += lambda;
            }
            h[[0, 0]] += 1e-10;
            let step = cholesky_solve(&h, &g)?;
            theta = &theta - &step;
            if step.iter().all(|v| v.is_finite()) && step.dot(&step).sqrt() < 1e-10 {
                break;
            }
        }
        theta.iter().all(|v| v.is_finite()).then(|| Logistic {
            b: theta[0],
            w: theta.slice(ndarray::s![1..]).to_owned(),
        })
    }

    /// Logits of `rows` of `x`.
    pub fn logits(&self, x: &Array2<f64>, rows: &[usize]) -> Vec<f64> {
        rows.iter()
            .map(|&i| self.b + x.row(i).dot(&self.w))
            .collect()
    }
}

/// Rows of standardised features and labels as tensors.
struct Rows {
    x: Vec<f32>,
    y: Vec<f32>,
    d: usize,
}

impl Rows {
    fn new(x: &Array2<f64>, y: &[bool], rows: &[usize]) -> Rows {
        let d = x.ncols();
        let mut data = Vec::with_capacity(rows.len() * d);
        for &i in rows {
            data.extend(x.row(i).iter().map(|&v| v as f32));
        }
        Rows {
            x: data,
            y: rows.iter().map(|&i| if y[i] { 1.0 } else { 0.0 }).collect(),
            d,
        }
    }

    fn tensors(&self, idx: &[usize], device: &Device) -> (Tensor<2>, Tensor<1>) {
        let mut x = Vec::with_capacity(idx.len() * self.d);
        for &i in idx {
            x.extend_from_slice(&self.x[i * self.d..(i + 1) * self.d]);
        }
        let y: Vec<f32> = idx.iter().map(|&i| self.y[i]).collect();
        (
            Tensor::from_data(TensorData::new(x, [idx.len(), self.d]), device),
            Tensor::from_data(TensorData::new(y, [idx.len()]), device),
        )
    }
}

/// Binary cross-entropy of logits `z` against labels `y` in {0, 1}.
fn bce(z: Tensor<1>, y: Tensor<1>) -> Tensor<1> {
    let pos = log_sigmoid(z.clone()) * y.clone();
    let neg = log_sigmoid(z.neg()) * y.neg().add_scalar(1.0);
    (pos + neg).mean().neg()
}

fn mlp_logits(model: &Mlp, x: Tensor<2>) -> Tensor<1> {
    let n = x.dims()[0];
    model.forward(x).reshape([n])
}

struct MlpObjective {
    fit: Rows,
    calibration: Rows,
    train_device: Device,
    device: Device,
}

impl Objective<Mlp> for MlpObjective {
    fn n_train(&self) -> usize {
        self.fit.y.len()
    }

    fn loss(&self, model: &Mlp, batch: &[usize]) -> Tensor<1> {
        let (x, y) = self.fit.tensors(batch, &self.train_device);
        bce(mlp_logits(model, x), y)
    }

    fn validate(&self, model: &Mlp) -> Result<f64> {
        let idx: Vec<usize> = (0..self.calibration.y.len()).collect();
        let (x, y) = self.calibration.tensors(&idx, &self.device);
        let loss = ai4s_core::tensor::to_vec(bce(mlp_logits(model, x), y))?;
        Ok(loss[0])
    }
}

/// A trained MLP and the epoch early stopping kept.
pub struct TrainedMlp {
    model: Mlp,
    /// Epoch of the kept weights.
    pub best_epoch: usize,
    device: Device,
}

impl TrainedMlp {
    /// Trains on `fit` rows with early stopping on `calibration` rows.
    #[allow(clippy::too_many_arguments)]
    pub fn train(
        x: &Array2<f64>,
        y: &[bool],
        fit: &[usize],
        calibration: &[usize],
        config: &MlpConfig,
        settings: &TrainSettings,
        device: &Device,
        seed: u64,
        label: &str,
    ) -> Result<TrainedMlp> {
        let train_device = device.clone().autodiff();
        let objective = MlpObjective {
            fit: Rows::new(x, y, fit),
            calibration: Rows::new(x, y, calibration),
            train_device: train_device.clone(),
            device: device.clone(),
        };
        let model = config.init(x.ncols(), 1, &train_device);
        let mut optim = settings.optimizer();
        let fitted = fit_quiet(model, &mut optim, &objective, settings, seed, label)?;
        Ok(TrainedMlp {
            model: fitted.model,
            best_epoch: fitted.best_epoch,
            device: device.clone(),
        })
    }

    /// Logits of `rows` of `x`.
    pub fn logits(&self, x: &Array2<f64>, rows: &[usize]) -> Result<Vec<f64>> {
        let set = Rows::new(x, &vec![false; x.nrows()], rows);
        let idx: Vec<usize> = (0..rows.len()).collect();
        let (t, _) = set.tensors(&idx, &self.device);
        ai4s_core::tensor::to_vec(mlp_logits(&self.model, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn logistic_regression_gradient_vanishes_at_the_penalised_optimum() {
        // Two overlapping classes: uniform noise around +-0.8 (j + 1).
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(5);
        let n = 200;
        let x = Array2::from_shape_fn((n, 2), |(i, j)| {
            let u: f64 = rng.random::<f64>() - 0.5;
            u * 3.0 + if i % 2 == 0 { 0.8 } else { -0.8 } * (j as f64 + 1.0)
        });
        let y: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
        let rows: Vec<usize> = (0..n).collect();
        let c = 0.5;
        let m = Logistic::fit(&x, &y, &rows, c).expect("fit");
        let z = m.logits(&x, &rows);
        let mut g = [0.0; 3];
        for (i, &zi) in z.iter().enumerate() {
            let r = sigmoid(zi) - if y[i] { 1.0 } else { 0.0 };
            g[0] += r;
            g[1] += r * x[[i, 0]];
            g[2] += r * x[[i, 1]];
        }
        g[1] += m.w[0] / c;
        g[2] += m.w[1] / c;
        assert!(g.iter().all(|v| v.abs() < 1e-8), "gradient {g:?}");
        assert!(m.w[0] > 0.0 && m.w[1] > 0.0, "positives lie at larger x");
    }
}
