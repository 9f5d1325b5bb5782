//! MLP regression: synthetic high-dimensional targets or any numeric CSV.
//!
//! The network `f_theta: R^d -> R` is trained by minibatch Adam on the mean squared error of
//! standardised inputs and targets (statistics fitted on the training split only), with early
//! stopping on a validation split. Reported errors are on a held-out test split never seen in
//! training or model selection, beside two baselines: the training mean and closed-form linear
//! least squares ([`ai4s_core::linalg`]).

use crate::targets::{RidgeSum, gaussian_inputs};
use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::{Device, Tensor};
use ai4s_core::data::{Split, Standardizer, Table};
use ai4s_core::error::ensure;
use ai4s_core::linalg::LinearModel;
use ai4s_core::metrics::{r2, relative_l2, rmse};
use ai4s_core::mlp::{Mlp, MlpConfig};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::tensor as tensors;
use ai4s_core::train::{Fitted, Objective, TrainSettings, fit, fit_quiet};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Configuration of [`Regression`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegressionConfig {
    /// CSV file with a header row; empty for the synthetic ridge-sum target.
    pub data: String,
    /// Target column of `data`.
    pub target: String,
    /// Input dimension of the synthetic target.
    pub dim: usize,
    /// Number of ridge functions in the synthetic target.
    pub ridges: usize,
    /// Number of synthetic samples (train + validation + test).
    pub samples: usize,
    /// Standard deviation of Gaussian label noise on the synthetic target.
    pub noise: f64,
    /// Fraction of rows for validation (early stopping).
    pub val_fraction: f64,
    /// Fraction of rows for the test metrics.
    pub test_fraction: f64,
    /// Network shape.
    pub model: MlpConfig,
    /// Optimisation.
    pub train: TrainSettings,
}

impl Default for RegressionConfig {
    fn default() -> Self {
        RegressionConfig {
            data: String::new(),
            target: "y".into(),
            dim: 8,
            ridges: 8,
            samples: 8000,
            noise: 0.0,
            val_fraction: 0.15,
            test_fraction: 0.15,
            model: MlpConfig::default(),
            train: TrainSettings {
                epochs: 300,
                batch_size: 128,
                lr: 3e-3,
                patience: 60,
                ..TrainSettings::default()
            },
        }
    }
}

impl TaskConfig for RegressionConfig {
    fn quick() -> Self {
        let d = Self::default();
        RegressionConfig {
            samples: 3000,
            train: TrainSettings {
                epochs: 60,
                patience: 0,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(self.dim >= 1 && self.dim <= 10_000, "dim", || {
            format!("must be between 1 and 10000, got {}", self.dim)
        })?;
        ensure(self.ridges >= 1, "ridges", || "must be at least 1".into())?;
        ensure(self.samples >= 20, "samples", || {
            format!("must be at least 20, got {}", self.samples)
        })?;
        ensure(self.noise.is_finite() && self.noise >= 0.0, "noise", || {
            format!("must be a non-negative number, got {}", self.noise)
        })?;
        for (name, f) in [
            ("val_fraction", self.val_fraction),
            ("test_fraction", self.test_fraction),
        ] {
            ensure(f > 0.0 && f < 0.5, name, || {
                format!("must lie in (0, 0.5), got {f}")
            })?;
        }
        self.model.validate("model")?;
        self.train.validate("train")
    }
}

/// MLP regression task.
pub struct Regression;

/// Inputs and targets, already standardised.
struct Dataset {
    x: Array2<f64>,
    y: Array1<f64>,
    source: String,
}

fn load(cfg: &RegressionConfig, seed: u64) -> Result<(Array2<f64>, Array1<f64>, String)> {
    if cfg.data.is_empty() {
        let f = RidgeSum::new(cfg.dim, cfg.ridges, seed);
        let x = gaussian_inputs(cfg.samples, cfg.dim, seed.wrapping_add(1));
        let mut y = f.eval(&x);
        if cfg.noise > 0.0 {
            let eps = gaussian_inputs(cfg.samples, 1, seed.wrapping_add(2));
            y = y + eps.column(0).mapv(|e| e * cfg.noise);
        }
        Ok((
            x,
            y,
            format!("ridge sum of {} cosines in d = {}", cfg.ridges, cfg.dim),
        ))
    } else {
        let path = PathBuf::from(&cfg.data);
        let table = Table::read_csv(&path)?;
        let (x, y, names) = table.features_target(&cfg.target)?;
        if x.nrows() < 20 {
            return Err(Error::data(
                &path,
                None,
                format!("has {} rows; regression needs at least 20", x.nrows()),
            ));
        }
        Ok((
            x,
            y,
            format!(
                "{} ({} rows, features: {})",
                cfg.data,
                table.values.nrows(),
                names.join(", ")
            ),
        ))
    }
}

struct MseObjective {
    x: Tensor<2>,
    y: Tensor<2>,
    n: usize,
    x_val: Tensor<2>,
    y_val: Vec<f64>,
    device: Device,
}

impl Objective<Mlp> for MseObjective {
    fn n_train(&self) -> usize {
        self.n
    }

    fn loss(&self, model: &Mlp, batch: &[usize]) -> Tensor<1> {
        let idx = tensors::indices(batch, &self.device);
        let pred = model.forward(self.x.clone().select(0, idx.clone()));
        let err = pred - self.y.clone().select(0, idx);
        (err.clone() * err).mean()
    }

    fn validate(&self, model: &Mlp) -> Result<f64> {
        let pred = tensors::to_vec(model.forward(self.x_val.clone()))?;
        Ok(rmse(&pred, &self.y_val).powi(2))
    }
}

/// Trains an MLP regressor `R^d -> R` on `(x, y)` with early stopping on `(x_val, y_val)`.
/// With a context the epochs are logged and shown; without, it runs quietly (for sweeps).
#[allow(clippy::too_many_arguments)]
pub fn train_mlp(
    model: &MlpConfig,
    settings: &TrainSettings,
    x: &Array2<f64>,
    y: &Array1<f64>,
    x_val: &Array2<f64>,
    y_val: &Array1<f64>,
    device: &Device,
    seed: u64,
    ctx: Option<&mut RunContext>,
) -> Result<Fitted<Mlp>> {
    let train_device = device.clone().autodiff();
    let y_mat = y.clone().insert_axis(Axis(1));
    let objective = MseObjective {
        x: tensors::matrix(x, &train_device),
        y: tensors::matrix(&y_mat, &train_device),
        n: x.nrows(),
        x_val: tensors::matrix(x_val, device),
        y_val: y_val.to_vec(),
        device: train_device.clone(),
    };
    train_device.seed(seed);
    let net = model.init(x.ncols(), 1, &train_device);
    let mut optim = settings.optimizer();
    match ctx {
        Some(ctx) => fit(net, &mut optim, &objective, settings, ctx, "regression"),
        None => fit_quiet(net, &mut optim, &objective, settings, seed, "network"),
    }
}

/// Predictions of a trained regressor on every row of `x`.
pub fn predict(model: &Mlp, x: &Array2<f64>, device: &Device) -> Result<Array1<f64>> {
    Ok(Array1::from(tensors::to_vec(
        model.forward(tensors::matrix(x, device)),
    )?))
}

impl Task for Regression {
    type Config = RegressionConfig;

    fn name(&self) -> &'static str {
        "regression"
    }

    fn area(&self) -> Area {
        Area::Supervised
    }

    fn description(&self) -> &'static str {
        "MLP regression on a high-dimensional ridge-sum target or any CSV (--set data=FILE target=COL)"
    }

    fn demonstrates(&self) -> &'static str {
        "A neural network learns a smooth function of 8 Gaussian inputs (a sum of cosine ridges, whose Barron norm does not grow with dimension) from samples, and beats the linear least-squares baseline on held-out points. The same task trains on any numeric CSV."
    }

    fn run(&self, cfg: &RegressionConfig, ctx: &mut RunContext) -> Result<Report> {
        let (x_raw, y_raw, source) = load(cfg, ctx.seed)?;
        let split = Split::random(x_raw.nrows(), cfg.val_fraction, cfg.test_fraction, ctx.seed);
        let xs = Standardizer::fit(&x_raw, &split.train);
        let y_mat = y_raw.clone().insert_axis(Axis(1));
        let ys = Standardizer::fit(&y_mat, &split.train);
        let data = Dataset {
            x: xs.transform(&x_raw),
            y: ys.transform(&y_mat).column(0).to_owned(),
            source,
        };
        ctx.info(&format!(
            "data: {} -> {} train / {} val / {} test rows",
            data.source,
            split.train.len(),
            split.val.len(),
            split.test.len()
        ));
        let rows = |idx: &[usize]| data.x.select(Axis(0), idx);
        let targets = |idx: &[usize]| idx.iter().map(|&i| data.y[i]).collect::<Vec<f64>>();

        let device = ctx.device.clone();
        let fitted = train_mlp(
            &cfg.model,
            &cfg.train,
            &rows(&split.train),
            &Array1::from(targets(&split.train)),
            &rows(&split.val),
            &Array1::from(targets(&split.val)),
            &device,
            ctx.seed,
            Some(ctx),
        )?;
        let model = fitted.model.valid();

        // Test metrics in the original units of the target.
        let unscale = |v: f64| v * ys.std[0] + ys.mean[0];
        let pred_test: Vec<f64> =
            tensors::to_vec(model.forward(tensors::matrix(&rows(&split.test), &ctx.device)))?
                .into_iter()
                .map(unscale)
                .collect();
        let truth_test: Vec<f64> = split.test.iter().map(|&i| y_raw[i]).collect();
        let mean_train =
            split.train.iter().map(|&i| y_raw[i]).sum::<f64>() / split.train.len() as f64;
        let mean_pred = vec![mean_train; truth_test.len()];
        let lin = LinearModel::fit(
            &x_raw.select(Axis(0), &split.train),
            &split.train.iter().map(|&i| y_raw[i]).collect(),
            1e-8,
        )
        .ok_or_else(|| Error::Runtime("linear baseline: singular normal equations".into()))?;
        let lin_pred = lin.predict(&x_raw.select(Axis(0), &split.test)).to_vec();

        let rel = relative_l2(&pred_test, &truth_test);
        let centred: Vec<f64> = truth_test.iter().map(|t| t - mean_train).collect();
        let centred_pred: Vec<f64> = pred_test.iter().map(|p| p - mean_train).collect();
        let rel_centred = relative_l2(&centred_pred, &centred);
        let lin_rel_centred = relative_l2(
            &lin_pred.iter().map(|p| p - mean_train).collect::<Vec<_>>(),
            &centred,
        );

        let mut report = Report::new();
        report
            .metric("test_rmse", rmse(&pred_test, &truth_test))
            .metric("test_r2", r2(&pred_test, &truth_test))
            .metric("test_rel_l2", rel)
            .check(
                "test_rel_l2_centred",
                rel_centred,
                Goal::AtMost(if cfg.data.is_empty() { 0.2 } else { 1.0 }),
                "|f - f_hat| / |f - mean| on the test split; 1.0 = predicting the mean",
            )
            .metric("linear_test_rel_l2_centred", lin_rel_centred)
            .metric("mean_baseline_test_rmse", rmse(&mean_pred, &truth_test))
            .metric("best_epoch", fitted.best_epoch as f64)
            .metric("epochs_run", fitted.history.len() as f64)
            .metric("parameters", model.num_params() as f64);

        let curves = vec![
            Series::new(
                "train loss (standardised MSE)",
                fitted
                    .history
                    .iter()
                    .map(|h| (h.epoch as f64, h.train_loss))
                    .collect(),
            ),
            Series::new(
                "validation MSE",
                fitted
                    .history
                    .iter()
                    .map(|h| (h.epoch as f64, h.val))
                    .collect(),
            ),
        ];
        report.figure(ctx.plot(
            "learning_curve",
            &Plot::Line {
                labels: Labels::new("Learning curve", "epoch", "mean squared error"),
                series: curves,
                log_y: true,
            },
        )?);
        report.figure(ctx.plot(
            "parity",
            &Plot::Parity {
                labels: Labels::new("Test set: prediction vs truth", "truth", "prediction"),
                reference: truth_test.clone(),
                predicted: pred_test.clone(),
            },
        )?);

        ctx.save_module("model.bpk", &model)?;
        let norm = serde_json::json!({
            "x_mean": xs.mean.to_vec(),
            "x_std": xs.std.to_vec(),
            "y_mean": ys.mean[0],
            "y_std": ys.std[0],
        });
        let norm = serde_json::to_vec_pretty(&norm).map_err(|e| Error::Runtime(e.to_string()))?;
        ctx.write_file("normalisation.json", &norm)?;
        report.note(format!(
            "data: {}; test metrics on {} held-out rows",
            data.source,
            truth_test.len()
        ));
        Ok(report)
    }
}
