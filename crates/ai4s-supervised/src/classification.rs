//! Classification: an MLP on any labelled table, and a small CNN on the 8x8 handwritten digits.
//!
//! Both minimise the cross-entropy `-mean_i log softmax(f(x_i))_{y_i}` with the shared training
//! loop (Adam or AdamW, learning-rate schedule, early stopping on the validation loss), on inputs
//! standardised with statistics of the training split only. The digits (Alpaydin & Kaynak 1998,
//! 1797 images from 43 writers, shipped in `datasets/digits.csv`) are compiled in and split once
//! with a fixed seed, so every model is judged on the same 360 test images.

use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::activation::log_softmax;
use ai4s_core::burn::tensor::{Device, Tensor};
use ai4s_core::data::{Split, Standardizer, validate_split};
use ai4s_core::datasets::{Labelled, digits, read_labelled};
use ai4s_core::metrics::accuracy;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::tensor as tensors;
use ai4s_core::train::{Fitted, Objective, TrainSettings, fit};
use ai4s_core::{Error, Report, Result, RunContext};
use ndarray::{Array2, Axis};

/// A model mapping a batch of feature rows `[n, d]` to class logits `[n, k]`.
pub trait Classifier: Module {
    /// Class logits.
    fn logits(&self, x: Tensor<2>) -> Tensor<2>;
}

impl Classifier for ai4s_core::mlp::Mlp {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.forward(x)
    }
}

struct CrossEntropy {
    x: Tensor<2>,
    onehot: Tensor<2>,
    x_val: Tensor<2>,
    onehot_val: Tensor<2>,
    device: Device,
}

fn onehot(y: &[usize], k: usize) -> Array2<f64> {
    let mut m = Array2::zeros((y.len(), k));
    for (i, &c) in y.iter().enumerate() {
        m[[i, c]] = 1.0;
    }
    m
}

fn ce(logits: Tensor<2>, onehot: Tensor<2>) -> Tensor<1> {
    -(log_softmax(logits, 1) * onehot).sum_dim(1).mean()
}

impl<M: Classifier> Objective<M> for CrossEntropy {
    fn n_train(&self) -> usize {
        self.x.dims()[0]
    }

    fn loss(&self, model: &M, batch: &[usize]) -> Tensor<1> {
        let idx = tensors::indices(batch, &self.device);
        ce(
            model.logits(self.x.clone().select(0, idx.clone())),
            self.onehot.clone().select(0, idx),
        )
    }

    fn validate(&self, model: &M) -> Result<f64> {
        let v = tensors::to_vec(ce(
            model.logits(self.x_val.clone()),
            self.onehot_val.clone(),
        ))?;
        v.first()
            .copied()
            .ok_or_else(|| Error::Runtime("empty validation loss".into()))
    }
}

/// Predicted classes of every row.
pub fn predict_classes<M: Classifier>(
    model: &M,
    x: &Array2<f64>,
    k: usize,
    device: &Device,
) -> Result<Vec<usize>> {
    let logits = tensors::to_vec(model.logits(tensors::matrix(x, device)))?;
    Ok(logits
        .chunks(k)
        .map(|row| {
            row.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i)
        })
        .collect())
}

/// Result of [`train_classifier`].
pub struct Trained<M> {
    /// Training outcome (best model by validation loss, history).
    pub fitted: Fitted<M>,
    /// Test-set accuracy.
    pub test_accuracy: f64,
    /// Confusion matrix, `[true][predicted]` counts on the test split.
    pub confusion: Vec<Vec<f64>>,
}

/// How features are prepared before training.
#[derive(Clone, Copy, Debug)]
pub enum Preprocess {
    /// Per-feature standardisation fitted on the training split (tabular data, MLPs).
    Standardize,
    /// Images `side x side`: one global scale (the training maximum), keeping translation
    /// structure intact for convolutions, and the training set augmented with its four one-pixel
    /// shifts (zero fill), a classic for handwritten digits (Simard et al. 2003).
    ImageShifts {
        /// Image side length.
        side: usize,
    },
}

fn shifted(img: &[f64], side: usize, dr: isize, dc: isize) -> Vec<f64> {
    let mut out = vec![0.0; side * side];
    for r in 0..side as isize {
        for c in 0..side as isize {
            let (sr, sc) = (r - dr, c - dc);
            if (0..side as isize).contains(&sr) && (0..side as isize).contains(&sc) {
                out[(r * side as isize + c) as usize] = img[(sr * side as isize + sc) as usize];
            }
        }
    }
    out
}

/// Splits, prepares, trains `model` and evaluates it on the held-out test split.
pub fn train_classifier<M: Classifier>(
    data: &Labelled,
    model: M,
    settings: &TrainSettings,
    split: &Split,
    prep: Preprocess,
    ctx: &mut RunContext,
    label: &str,
) -> Result<Trained<M>> {
    let k = data.classes.len();
    let x = match prep {
        Preprocess::Standardize => Standardizer::fit(&data.x, &split.train).transform(&data.x),
        Preprocess::ImageShifts { .. } => {
            let max = data
                .x
                .select(Axis(0), &split.train)
                .fold(0.0f64, |a, &b| a.max(b.abs()));
            data.x.mapv(|v| v / max.max(f64::MIN_POSITIVE))
        }
    };
    let rows = |idx: &[usize]| x.select(Axis(0), idx);
    let labels = |idx: &[usize]| idx.iter().map(|&i| data.y[i]).collect::<Vec<_>>();
    let (x_train, y_train) = match prep {
        Preprocess::Standardize => (rows(&split.train), labels(&split.train)),
        Preprocess::ImageShifts { side } => {
            let mut flat = Vec::new();
            let mut ys = Vec::new();
            for &i in &split.train {
                let img = x.row(i).to_vec();
                for (dr, dc) in [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)] {
                    flat.extend(shifted(&img, side, dr, dc));
                    ys.push(data.y[i]);
                }
            }
            let n = ys.len();
            (
                Array2::from_shape_vec((n, x.ncols()), flat)
                    .map_err(|e| Error::Runtime(e.to_string()))?,
                ys,
            )
        }
    };
    let train_device = ctx.device.clone().autodiff();
    let objective = CrossEntropy {
        x: tensors::matrix(&x_train, &train_device),
        onehot: tensors::matrix(&onehot(&y_train, k), &train_device),
        x_val: tensors::matrix(&rows(&split.val), &ctx.device),
        onehot_val: tensors::matrix(&onehot(&labels(&split.val), k), &ctx.device),
        device: train_device,
    };
    let fitted = fit(
        model,
        &mut settings.optimizer(),
        &objective,
        settings,
        ctx,
        label,
    )?;
    let truth = labels(&split.test);
    let pred = predict_classes(&fitted.model.valid(), &rows(&split.test), k, &ctx.device)?;
    let mut confusion = vec![vec![0.0; k]; k];
    for (&t, &p) in truth.iter().zip(&pred) {
        confusion[t][p] += 1.0;
    }
    Ok(Trained {
        test_accuracy: accuracy(&pred, &truth),
        confusion,
        fitted,
    })
}

/// Adds the standard classification metrics and figures to `report`.
pub fn report_classifier<M>(
    trained: &Trained<M>,
    data: &Labelled,
    n_test: usize,
    ctx: &RunContext,
    report: &mut Report,
) -> Result<()> {
    let h = &trained.fitted.history;
    report
        .metric("best_epoch", trained.fitted.best_epoch as f64)
        .metric("best_val_loss", trained.fitted.best_val)
        .metric("test_images", n_test as f64);
    let curves = vec![
        Series::new(
            "training cross-entropy",
            h.iter().map(|e| (e.epoch as f64, e.train_loss)).collect(),
        ),
        Series::new(
            "validation cross-entropy",
            h.iter().map(|e| (e.epoch as f64, e.val)).collect(),
        ),
    ];
    report.figure(ctx.plot(
        "learning_curve",
        &Plot::Line {
            labels: Labels::new("Learning curve", "epoch", "cross-entropy"),
            series: curves,
            log_y: true,
        },
    )?);
    report.figure(ctx.plot(
        "confusion",
        &Plot::Heatmap {
            labels: Labels::new(
                &format!(
                    "Test confusion matrix (accuracy {:.2} %)",
                    100.0 * trained.test_accuracy
                ),
                "predicted class",
                "true class",
            ),
            values: trained.confusion.clone(),
            col_ticks: data.classes.clone(),
            row_ticks: data.classes.clone(),
            annotate: true,
        },
    )?);
    Ok(())
}

/// Configuration of [`Classification`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassificationConfig {
    /// CSV file with a header; empty for the built-in 8x8 digits.
    pub data: String,
    /// Column with the integer class labels.
    pub target: String,
    /// Fraction of rows for validation (early stopping).
    pub val_fraction: f64,
    /// Fraction of rows for the test accuracy.
    pub test_fraction: f64,
    /// Seed of the train/validation/test split (fixed, so every model sees the same test set).
    pub split_seed: u64,
    /// Network shape.
    pub model: ai4s_core::mlp::MlpConfig,
    /// Optimisation.
    pub train: TrainSettings,
}

impl Default for ClassificationConfig {
    fn default() -> Self {
        ClassificationConfig {
            data: String::new(),
            target: "label".into(),
            val_fraction: 0.1,
            test_fraction: 0.2,
            split_seed: 0,
            model: ai4s_core::mlp::MlpConfig {
                hidden: vec![256],
                activation: ai4s_core::mlp::Activation::Relu,
            },
            train: TrainSettings {
                epochs: 100,
                batch_size: 64,
                lr: 1e-3,
                patience: 25,
                optimizer: ai4s_core::train::OptimizerKind::AdamW,
                weight_decay: 1e-4,
                ..TrainSettings::default()
            },
        }
    }
}

impl ai4s_core::TaskConfig for ClassificationConfig {
    fn quick() -> Self {
        let d = Self::default();
        ClassificationConfig {
            train: TrainSettings {
                epochs: 40,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        validate_split(self.val_fraction, self.test_fraction)?;
        self.model.validate("model")?;
        self.train.validate("train")
    }
}

/// MLP classification task.
pub struct Classification;

impl ai4s_core::Task for Classification {
    type Config = ClassificationConfig;

    fn name(&self) -> &'static str {
        "classification"
    }

    fn area(&self) -> ai4s_core::Area {
        ai4s_core::Area::Supervised
    }

    fn description(&self) -> &'static str {
        "MLP classifier on the 8x8 handwritten digits or any labelled CSV (--set data=FILE target=COL)"
    }

    fn demonstrates(&self) -> &'static str {
        "Supervised classification from known answers: a one-hidden-layer network reads 64-pixel handwritten digits it has never seen, written by people it has never seen, at >= 97 % accuracy."
    }

    fn run(&self, cfg: &ClassificationConfig, ctx: &mut RunContext) -> Result<Report> {
        let data = if cfg.data.is_empty() {
            digits()?
        } else {
            read_labelled(&cfg.data, &cfg.target)?
        };
        let split = Split::random(
            data.y.len(),
            cfg.val_fraction,
            cfg.test_fraction,
            cfg.split_seed,
        );
        ctx.info(&format!(
            "data: {} -> {} train / {} val / {} test rows, {} classes",
            data.source,
            split.train.len(),
            split.val.len(),
            split.test.len(),
            data.classes.len()
        ));
        let train_device = ctx.device.clone().autodiff();
        let model = cfg
            .model
            .init(data.x.ncols(), data.classes.len(), &train_device);
        let trained = train_classifier(
            &data,
            model,
            &cfg.train,
            &split,
            Preprocess::Standardize,
            ctx,
            "classification",
        )?;
        let mut report = Report::new();
        if cfg.data.is_empty() {
            report.check(
                "test_accuracy",
                trained.test_accuracy,
                ai4s_core::Goal::AtLeast(0.97),
                "MLP on the 8x8 digits, fixed split",
            );
        } else {
            report.metric("test_accuracy", trained.test_accuracy);
        }
        report_classifier(&trained, &data, split.test.len(), ctx, &mut report)?;
        report.metric("parameters", trained.fitted.model.num_params() as f64);
        let model = trained.fitted.model.valid();
        ctx.save_module("model.bpk", &model)?;
        Ok(report)
    }
}
