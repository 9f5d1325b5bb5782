//! The shared training-loop skeleton.
//!
//! Every gradient-trained model in ai4s goes through [`fit`]: shuffled minibatches from a seeded
//! generator, an optimizer step per batch at the scheduled learning rate, a validation score
//! after each epoch, the best model kept (early stopping after `patience` epochs without
//! improvement), metrics logged to the run, a progress bar, and a clear
//! [`Error::Diverged`] when the loss stops being finite. A task supplies only an [`Objective`]:
//! how to compute a batch loss and how to score a model on held-out data.

use crate::checkpoint::{TrainRng, rng_position, set_rng_position};
use crate::error::{Error, Result, ensure};
use crate::run::RunContext;
use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// Learning-rate schedule over epochs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Constant learning rate.
    Constant,
    /// Cosine decay from `lr` to `lr / 100` over all epochs.
    #[default]
    Cosine,
    /// Multiply by `0.1^(epoch/epochs)`: one decade of decay over the run.
    Exponential,
}

/// Gradient optimiser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba 2015); `weight_decay` is added to the gradient (L2 penalty).
    #[default]
    Adam,
    /// AdamW (Loshchilov & Hutter 2019): decoupled weight decay.
    AdamW,
}

/// Settings of one training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSettings {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per optimizer step.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Learning-rate schedule: constant, cosine or exponential.
    pub schedule: Schedule,
    /// Stop after this many epochs without validation improvement (0 = never).
    pub patience: usize,
    /// Optimiser: adam or adamw (epsilon 1e-8 as in PyTorch).
    pub optimizer: OptimizerKind,
    /// Weight decay (L2 penalty for adam, decoupled decay for adamw).
    pub weight_decay: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 200,
            batch_size: 64,
            lr: 3e-3,
            schedule: Schedule::Cosine,
            patience: 0,
            optimizer: OptimizerKind::Adam,
            weight_decay: 0.0,
        }
    }
}

impl TrainSettings {
    /// Checks the settings; errors name `field.<key>`.
    pub fn validate(&self, field: &str) -> Result<()> {
        ensure(self.epochs >= 1, &format!("{field}.epochs"), || {
            format!("must be at least 1, got {}", self.epochs)
        })?;
        ensure(self.batch_size >= 1, &format!("{field}.batch_size"), || {
            format!("must be at least 1, got {}", self.batch_size)
        })?;
        ensure(
            self.weight_decay.is_finite() && (0.0..1.0).contains(&self.weight_decay),
            &format!("{field}.weight_decay"),
            || format!("must lie in [0, 1), got {}", self.weight_decay),
        )?;
        ensure(
            self.lr.is_finite() && self.lr > 0.0 && self.lr < 10.0,
            &format!("{field}.lr"),
            || format!("must be a positive number below 10, got {}", self.lr),
        )
    }

    /// A fresh optimiser as configured.
    pub fn optimizer(&self) -> ModuleOptimizer {
        let wd = self.weight_decay as f32;
        match self.optimizer {
            OptimizerKind::Adam => {
                let mut c = AdamConfig::new().with_epsilon(1e-8);
                if wd > 0.0 {
                    c = c.with_weight_decay(Some(WeightDecayConfig::new(wd)));
                }
                c.init()
            }
            OptimizerKind::AdamW => AdamWConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(wd)
                .init(),
        }
    }

    /// Learning rate at `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        let t = epoch as f64 / self.epochs.max(1) as f64;
        match self.schedule {
            Schedule::Constant => self.lr,
            Schedule::Cosine => {
                let min = self.lr / 100.0;
                min + 0.5 * (self.lr - min) * (1.0 + (std::f64::consts::PI * t).cos())
            }
            Schedule::Exponential => self.lr * 0.1f64.powf(t),
        }
    }
}

/// A training loss this many times its first value means the run has diverged, even while the
/// numbers are still finite (Adam keeps steps bounded, so a learning rate far too high makes
/// the loss explode for many epochs before it overflows).
const BLOW_UP: f64 = 1e12;

/// What a task supplies to [`fit`].
pub trait Objective<M> {
    /// Number of training samples (indices `0..n` are shuffled into batches).
    fn n_train(&self) -> usize;
    /// Mean loss over the samples `batch`, on the model's (autodiff) device; shape `[1]`.
    fn loss(&self, model: &M, batch: &[usize]) -> Tensor<1>;
    /// Held-out score of a model without autodiff (lower is better).
    fn validate(&self, model: &M) -> Result<f64>;
    /// The objective's own random stream (fresh noise or collocation points per batch), whose
    /// position [`fit`]'s checkpoints save so that a resumed run draws the same numbers; `None`
    /// (the default) for objectives without one.
    fn random_stream(&self) -> Option<&RefCell<TrainRng>> {
        None
    }
}

/// Statistics of one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Validation score after the epoch.
    pub val: f64,
    /// Learning rate used.
    pub lr: f64,
}

/// Result of [`fit`].
pub struct Fitted<M> {
    /// The model with the best validation score.
    pub model: M,
    /// Epoch of the best score (1-based).
    pub best_epoch: usize,
    /// The best validation score.
    pub best_val: f64,
    /// Per-epoch history.
    pub history: Vec<EpochStats>,
}

/// One optimiser step on `loss`: checks the loss is finite (else [`Error::Diverged`] naming
/// `label` and `step`), back-propagates and updates `model`. Returns the updated model and the
/// loss value. [`fit`] uses it for every batch; loops that gather their own data (reinforcement
/// learning) call it directly.
pub fn optimizer_step<M: Module>(
    optim: &mut ModuleOptimizer,
    model: M,
    loss: Tensor<1>,
    lr: f64,
    label: &str,
    step: usize,
) -> Result<(M, f64)> {
    let value = finite_loss(&loss, lr, step, label, || format!("step {step}"))?;
    Ok((apply(optim, model, loss, lr), value))
}

/// The value of a batch loss, or [`Error::Diverged`] naming `label`, `step` and where (`at`)
/// when it is not finite.
fn finite_loss(
    loss: &Tensor<1>,
    lr: f64,
    step: usize,
    label: &str,
    at: impl FnOnce() -> String,
) -> Result<f64> {
    let value: f64 = crate::tensor::to_vec(loss.clone())?[0];
    if value.is_finite() {
        return Ok(value);
    }
    Err(Error::Diverged {
        step,
        message: format!(
            "{label}: training loss is {value} at {}; lower the learning rate (now {lr:.3e}) or check the inputs for NaN/inf",
            at()
        ),
    })
}

/// Back-propagates `loss` and takes one optimiser step.
fn apply<M: Module>(optim: &mut ModuleOptimizer, model: M, loss: Tensor<1>, lr: f64) -> M {
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    optim.step(lr, model, grads)
}

/// What [`fit`] checkpoints besides the weights and the optimiser. The rest is derived: the
/// sample order and the shuffling stream by replaying one shuffle per completed epoch, the best
/// epoch from the history.
#[derive(Serialize, Deserialize)]
struct FitState {
    /// Training samples (a checkpoint of another training set is refused).
    samples: usize,
    /// One entry per completed epoch.
    history: Vec<EpochStats>,
    first_loss: Option<f64>,
    /// Training ended (all epochs, or early stopping).
    finished: bool,
    /// The objective's own random stream ([`Objective::random_stream`]).
    #[serde(default)]
    objective_rng: Option<String>,
}

/// Trains `model` with `optim` on `objective`, logging each epoch to the run's metrics and
/// showing progress. The run's checkpoint interval applies: the model, the best model so far,
/// the optimiser and the loop state are saved, and `--resume` continues from them bit-for-bit.
pub fn fit<M: Module>(
    model: M,
    optim: &mut ModuleOptimizer,
    objective: &dyn Objective<M>,
    settings: &TrainSettings,
    ctx: &mut RunContext,
    label: &str,
) -> Result<Fitted<M>> {
    let seed = ctx.seed;
    fit_seeded(model, optim, objective, settings, Some(ctx), seed, label)
}

/// [`fit`] without logging or progress: for the many small fits inside a sweep, whose results
/// the caller aggregates.
pub fn fit_quiet<M: Module>(
    model: M,
    optim: &mut ModuleOptimizer,
    objective: &dyn Objective<M>,
    settings: &TrainSettings,
    seed: u64,
    label: &str,
) -> Result<Fitted<M>> {
    fit_seeded(model, optim, objective, settings, None, seed, label)
}

fn fit_seeded<M: Module>(
    mut model: M,
    optim: &mut ModuleOptimizer,
    objective: &dyn Objective<M>,
    settings: &TrainSettings,
    mut ctx: Option<&mut RunContext>,
    seed: u64,
    label: &str,
) -> Result<Fitted<M>> {
    settings.validate("train")?;
    let n = objective.n_train();
    if n == 0 {
        return Err(Error::Runtime(format!(
            "{label}: the training set is empty"
        )));
    }
    let mut rng = TrainRng::seed_from_u64(seed ^ 0x0074_7261_696e);
    let mut order: Vec<usize> = (0..n).collect();
    let mut history = Vec::with_capacity(settings.epochs);
    let mut best: Option<(M, usize, f64)> = None;
    let mut first_loss: Option<f64> = None;
    let mut bar = ctx
        .as_ref()
        .map(|c| c.progress(label, settings.epochs as u64));
    let mut ckpt = ctx.as_deref_mut().map(|c| c.checkpoint(label));
    let mut start = 0;
    let mut finished = false;
    if let Some(loaded) = ckpt
        .as_ref()
        .map(|c| c.load::<FitState>())
        .transpose()?
        .flatten()
    {
        let st = &loaded.state;
        if st.samples != n {
            return Err(Error::Runtime(format!(
                "{label}: the checkpoint in {} does not match this training set ({} samples, checkpoint {})",
                ckpt.as_ref()
                    .map(|c| c.dir().display().to_string())
                    .unwrap_or_default(),
                n,
                st.samples
            )));
        }
        model = loaded.model("model", model)?;
        loaded.optimizer(optim)?;
        // The best epoch is the first with the lowest validation score (improvements are strict).
        let (best_epoch, best_val) = st.history.iter().fold((0, f64::INFINITY), |b, h| {
            if h.val < b.1 { (h.epoch, h.val) } else { b }
        });
        best = Some((loaded.model("best", model.clone())?, best_epoch, best_val));
        for _ in &st.history {
            order.shuffle(&mut rng);
        }
        if let (Some(p), Some(r)) = (&st.objective_rng, objective.random_stream()) {
            set_rng_position(&mut r.borrow_mut(), p)?;
        }
        history.clone_from(&st.history);
        first_loss = st.first_loss;
        start = history.len();
        finished = st.finished;
        for h in &history {
            if let Some(c) = ctx.as_deref_mut() {
                c.log(
                    h.epoch,
                    &[("train_loss", h.train_loss), ("val", h.val), ("lr", h.lr)],
                );
            }
            if let Some(b) = bar.as_mut() {
                b.inc(1);
            }
        }
    }
    for epoch in start..settings.epochs {
        if finished {
            break;
        }
        let lr = settings.lr_at(epoch);
        order.shuffle(&mut rng);
        let mut sum = 0.0;
        let mut batches = 0usize;
        for (b, batch) in order.chunks(settings.batch_size).enumerate() {
            let loss = objective.loss(&model, batch);
            let value = finite_loss(&loss, lr, epoch + 1, label, || {
                format!("epoch {}, batch {}", epoch + 1, b + 1)
            })?;
            let start = *first_loss.get_or_insert(value.abs().max(f64::MIN_POSITIVE));
            if value > BLOW_UP * start {
                return Err(Error::Diverged {
                    step: epoch + 1,
                    message: format!(
                        "{label}: training loss grew from {start:.3e} to {value:.3e} by epoch {}, batch {}; lower the learning rate (now {lr:.3e}) or rescale the data",
                        epoch + 1,
                        b + 1
                    ),
                });
            }
            model = apply(optim, model, loss, lr);
            sum += value;
            batches += 1;
        }
        let train_loss = sum / batches as f64;
        let val = objective.validate(&model.valid())?;
        if !val.is_finite() {
            return Err(Error::Diverged {
                step: epoch + 1,
                message: format!(
                    "{label}: validation score is {val} after epoch {}; lower the learning rate",
                    epoch + 1
                ),
            });
        }
        if let Some(c) = ctx.as_deref_mut() {
            c.log(
                epoch + 1,
                &[("train_loss", train_loss), ("val", val), ("lr", lr)],
            );
        }
        history.push(EpochStats {
            epoch: epoch + 1,
            train_loss,
            val,
            lr,
        });
        if let Some(b) = bar.as_mut() {
            b.set_metric("val", val);
            b.inc(1);
        }
        let improved = best.as_ref().is_none_or(|b| val < b.2);
        if improved {
            best = Some((model.clone(), epoch + 1, val));
        } else if settings.patience > 0
            && best
                .as_ref()
                .is_some_and(|b| epoch + 1 - b.1 >= settings.patience)
        {
            finished = true;
        }
        finished |= epoch + 1 == settings.epochs;
        if let (Some(c), Some(b)) = (ckpt.as_mut(), best.as_ref())
            && (finished || c.due())
        {
            let state = FitState {
                samples: n,
                history: history.clone(),
                first_loss,
                finished,
                objective_rng: objective.random_stream().map(|r| rng_position(&r.borrow())),
            };
            c.save(
                epoch + 1,
                &[("model", &model), ("best", &b.0)],
                optim,
                &state,
            )?;
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    let (model, best_epoch, best_val) =
        best.ok_or_else(|| Error::Runtime(format!("{label}: no epoch ran")))?;
    Ok(Fitted {
        model,
        best_epoch,
        best_val,
        history,
    })
}
