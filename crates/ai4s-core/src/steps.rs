//! The step-based sibling of [`crate::train::fit`], for trainers that count optimiser steps
//! rather than epochs and draw their own batches (DeePMD-kit's loop: `numb_steps` steps, a
//! learning rate decayed per step, frames drawn at random for every batch).
//!
//! The task supplies what one step means (its batch, loss and learning rate) and what happens
//! after it (its learning curve); [`fit_steps`] owns the bookkeeping around them: the progress
//! bar, the training wall time, a clear [`crate::Error::Diverged`] on a non-finite loss, and
//! checkpoints at the run's interval holding the weights, the optimiser, the batch-drawing random
//! stream's position and the task's own state, from which `--resume` continues bit for bit.

use crate::checkpoint::{TrainRng, rng_position, set_rng_position};
use crate::error::Result;
use crate::progress::Progress;
use crate::run::RunContext;
use crate::train::optimizer_step;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::Tensor;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What a step-based loop is.
#[derive(Clone, Copy, Debug)]
pub struct StepLoop<'a> {
    /// Name of the progress bar and the checkpoint directory.
    pub label: &'a str,
    /// Optimiser steps in all.
    pub steps: usize,
    /// The config key of the learning rate, named when the loss diverges.
    pub lr_key: &'a str,
}

/// The run's context and the loop's progress bar, lent to the task after each step.
pub struct StepIo<'a> {
    /// The run (metrics, messages).
    pub ctx: &'a mut RunContext,
    /// The loop's bar (for a live metric).
    pub bar: &'a mut Progress,
}

/// Result of [`fit_steps`].
pub struct StepsDone<M, S> {
    /// The model after the last step.
    pub model: M,
    /// The task's state after the last step.
    pub state: S,
    /// Training wall time over every session of the run (s).
    pub seconds: f64,
}

/// What [`fit_steps`] checkpoints besides the weights and the optimiser.
#[derive(Serialize, Deserialize)]
struct StepState<S> {
    steps_done: usize,
    /// Position of the batch-drawing random stream.
    rng: String,
    train_seconds: f64,
    /// The task's own state.
    state: S,
}

/// Runs `spec.steps` optimiser steps on `model`. Step `k` (0-based) calls `step(&model, rng, k)`
/// for the batch loss and its learning rate, takes the optimiser step, then calls
/// `after(&model, k, lr, &mut state, io)`. On `--resume` the weights, the optimiser, `rng`'s
/// position and `state` come back from the checkpoint, and `replay(&state, ctx)` re-logs what
/// the finished steps logged.
#[allow(clippy::too_many_arguments)]
pub fn fit_steps<M, S>(
    mut model: M,
    optim: &mut ModuleOptimizer,
    rng: &mut TrainRng,
    spec: StepLoop,
    ctx: &mut RunContext,
    replay: impl Fn(&S, &mut RunContext),
    mut step: impl FnMut(&M, &mut TrainRng, usize) -> Result<(Tensor<1>, f64)>,
    mut after: impl FnMut(&M, usize, f64, &mut S, &mut StepIo) -> Result<()>,
) -> Result<StepsDone<M, S>>
where
    M: Module,
    S: Serialize + DeserializeOwned + Default,
{
    let mut bar = ctx.progress(spec.label, spec.steps as u64);
    let start = std::time::Instant::now();
    let mut ckpt = ctx.checkpoint(spec.label);
    let mut first_step = 0;
    let mut seconds_before = 0.0;
    let mut state = S::default();
    if let Some(loaded) = ckpt.load::<StepState<S>>()? {
        model = loaded.model("model", model)?;
        loaded.optimizer(optim)?;
        let st = loaded.state;
        set_rng_position(rng, &st.rng)?;
        first_step = st.steps_done.min(spec.steps);
        seconds_before = st.train_seconds;
        replay(&st.state, ctx);
        state = st.state;
        bar.inc(first_step as u64);
        ctx.info(&format!("resumed after step {first_step}"));
    }
    let error_label = format!("{} ({})", spec.label, spec.lr_key);
    for k in first_step..spec.steps {
        let (loss, lr) = step(&model, rng, k)?;
        model = optimizer_step(optim, model, loss, lr, &error_label, k + 1)?.0;
        bar.inc(1);
        after(
            &model,
            k,
            lr,
            &mut state,
            &mut StepIo { ctx, bar: &mut bar },
        )?;
        if ckpt.due() || k + 1 == spec.steps {
            let saved = StepState {
                steps_done: k + 1,
                rng: rng_position(rng),
                train_seconds: seconds_before + start.elapsed().as_secs_f64(),
                state,
            };
            ckpt.save(k + 1, &[("model", &model)], optim, &saved)?;
            state = saved.state;
        }
    }
    bar.finish();
    Ok(StepsDone {
        model,
        state,
        seconds: seconds_before + start.elapsed().as_secs_f64(),
    })
}
