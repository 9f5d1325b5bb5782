//! `ai4s bench`: the throughput numbers of BENCHMARKS.md, measured on one machine in one run.
//!
//! Each item is repeated `repeat` times and reported as the median, so one noisy repetition
//! does not decide a ratio. Items either time a kernel directly (environment steps, MLP
//! training steps) or run a task with a fixed configuration and read its own timing metric
//! (Deep Potential training steps/s, PPO wall time to solve CartPole). The results go to
//! `bench.json` and `bench.csv` in the output directory; `bench/compare/compare.py` reads
//! `bench.json` next to the peers' numbers and prints the ratios.

pub mod scaling;

use ai4s::core::burn::optim::AdamConfig;
use ai4s::core::burn::tensor::{Distribution, Tensor};
use ai4s::core::device::{Backend, Precision, make_device};
use ai4s::core::mlp::{Activation, MlpConfig};
use ai4s::core::run::run_task;
use ai4s::core::train::optimizer_step;
use ai4s::core::{DynTask, Error, Result, RunOptions};
use ai4s::rl::cartpole::CartPole;
use ai4s::rl::env::Env;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One measured number.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Short name, e.g. `mlp_train`.
    pub name: String,
    /// Backend it ran on (`host` for pure-Rust code without tensors).
    pub backend: String,
    /// Median over the repetitions.
    pub value: f64,
    /// Unit of `value`.
    pub unit: String,
    /// Every repetition.
    pub runs: Vec<f64>,
    /// What exactly was measured.
    pub what: String,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

/// Sizes of the MLP benchmark (the same in `bench/compare/torch_mlp.py`).
pub const MLP_IN: usize = 64;
/// Hidden widths of the MLP benchmark.
pub const MLP_HIDDEN: [usize; 2] = [256, 256];
/// Minibatch of the MLP benchmark.
pub const MLP_BATCH: usize = 512;

/// Floating-point operations of one training sample of the benchmark MLP: forward 2 per
/// multiply-add, backward twice the forward (input and weight gradients).
pub fn mlp_flops_per_sample() -> f64 {
    let w = [MLP_IN, MLP_HIDDEN[0], MLP_HIDDEN[1], 1];
    let macs: usize = w.windows(2).map(|p| p[0] * p[1]).sum();
    3.0 * 2.0 * macs as f64
}

/// Samples per second of Adam training of a tanh MLP 64-256-256-1 on MSE, batch 512.
fn mlp_train(backend: Backend, steps: usize) -> Result<f64> {
    let device = make_device(backend, Precision::F32, 1)?.autodiff();
    let mut model = MlpConfig {
        hidden: MLP_HIDDEN.to_vec(),
        activation: Activation::Tanh,
    }
    .init(MLP_IN, 1, &device);
    let mut optim = AdamConfig::new().init();
    let x = Tensor::<2>::random([MLP_BATCH, MLP_IN], Distribution::Normal(0.0, 1.0), &device);
    let y = Tensor::<2>::random([MLP_BATCH, 1], Distribution::Normal(0.0, 1.0), &device);
    let mut step = |model: ai4s::core::mlp::Mlp, k: usize| {
        let loss = (model.forward(x.clone()) - y.clone()).powi_scalar(2).mean();
        optimizer_step(&mut optim, model, loss, 1e-3, "bench", k).map(|r| r.0)
    };
    // Warm-up (allocations, kernel caches) is not timed.
    for k in 0..5 {
        model = step(model, k)?;
    }
    let t = Instant::now();
    for k in 0..steps {
        model = step(model, k)?;
    }
    Ok((steps * MLP_BATCH) as f64 / t.elapsed().as_secs_f64())
}

/// CartPole-v1 steps per second on one core, uniformly random actions, automatic reset.
fn cartpole_steps(n: usize) -> Result<f64> {
    let mut env = CartPole::new(0);
    env.reset();
    let mut obs = [0.0f32; 4];
    let mut a = 0x2545_f491_4f6c_dd1d_u64;
    let t = Instant::now();
    for _ in 0..n {
        // xorshift: the action source costs next to nothing.
        a ^= a << 13;
        a ^= a >> 7;
        a ^= a << 17;
        let o = env.step((a & 1) as usize)?;
        env.observe(&mut obs);
        if o.terminated || o.truncated {
            env.reset();
        }
    }
    std::hint::black_box(obs);
    Ok(n as f64 / t.elapsed().as_secs_f64())
}

/// Atom-steps per second of NVE molecular dynamics driven by a Deep Potential of the default
/// size (trained for a few steps only: the cost does not depend on the weights).
fn md_atom_steps(backend: Backend, natoms: usize, steps: usize) -> Result<f64> {
    use ai4s::potential::analysis::diamond_supercell;
    use ai4s::potential::forcefield::DeepPotForceField;
    use ai4s::potential::integrate::{Ensemble, MdState, step};
    use rand::SeedableRng;
    let dir = tempfile::tempdir().map_err(|e| Error::Runtime(format!("temp dir: {e}")))?;
    let opts = RunOptions {
        out: Some(dir.path().to_path_buf()),
        quiet: true,
        device: Some(backend),
        sets: vec!["numb_steps=5".into(), "disp_freq=1000000".into()],
        ..Default::default()
    };
    run_task(&ai4s::potential::DeepPotential, &opts)?;
    let device = make_device(backend, Precision::F32, 1)?;
    let (pos, cell) = diamond_supercell(5.431, natoms)?;
    let species = vec!["Si"; pos.len()];
    let mut ff = DeepPotForceField::load(&dir.path().join("model.bpk"), &species, &device, 1.0)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let masses = vec![ai4s::potential::md::SI_MASS; pos.len()];
    let mut state = MdState::new(&mut ff, pos, cell, masses, 600.0, &mut rng)?;
    // The first step builds the neighbour list and warms caches: not timed.
    step(&mut state, &mut ff, 1.0, Ensemble::Nve, &mut rng)?;
    let t = Instant::now();
    for _ in 0..steps {
        step(&mut state, &mut ff, 1.0, Ensemble::Nve, &mut rng)?;
    }
    Ok((natoms * steps) as f64 / t.elapsed().as_secs_f64())
}

/// Runs `task` quietly with `sets` into a temporary directory and returns metric `metric`.
fn task_metric(task: &dyn DynTask, sets: &[&str], device: Backend, metric: &str) -> Result<f64> {
    let dir = tempfile::tempdir().map_err(|e| Error::Runtime(format!("temp dir: {e}")))?;
    let opts = RunOptions {
        out: Some(dir.path().to_path_buf()),
        quiet: true,
        device: Some(device),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let o = run_task(task, &opts)?;
    o.report
        .get(metric)
        .ok_or_else(|| Error::Runtime(format!("task `{}` reported no `{metric}`", task.name())))
}

/// Runs every benchmark item on each backend of `backends`, `repeat` times.
pub fn run(backends: &[Backend], repeat: usize, quick: bool, out: &Path) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut push = |name: &str, backend: &str, unit: &str, what: String, runs: Vec<f64>| {
        let item = Item {
            name: name.into(),
            backend: backend.into(),
            value: median(&runs),
            unit: unit.into(),
            runs,
            what,
        };
        eprintln!(
            "{:<28} {:<7} {:>14.4} {}",
            item.name, item.backend, item.value, item.unit
        );
        items.push(item);
    };
    let scale = if quick { 10 } else { 1 };
    let n = 2_000_000 / scale;
    let runs = (0..repeat)
        .map(|_| cartpole_steps(n))
        .collect::<Result<Vec<f64>>>()?;
    push(
        "cartpole_env",
        "host",
        "steps/s",
        format!("CartPole-v1, one environment on one core, random actions, {n} steps"),
        runs,
    );
    for &b in backends {
        let steps = 200 / scale;
        let mut runs = Vec::new();
        for _ in 0..repeat {
            runs.push(mlp_train(b, steps)?);
        }
        let flops = mlp_flops_per_sample();
        push(
            "mlp_train",
            b.name(),
            "samples/s",
            format!(
                "Adam on a tanh MLP {MLP_IN}-256-256-1, batch {MLP_BATCH}, MSE, {steps} timed steps; {:.0} kFLOP per sample",
                flops / 1e3
            ),
            runs.clone(),
        );
        push(
            "mlp_train_gflops",
            b.name(),
            "GFLOP/s",
            "the same run as mlp_train, counted as 6 x multiply-adds per sample".into(),
            runs.iter().map(|s| s * flops / 1e9).collect(),
        );
        let dp_steps = if quick {
            "numb_steps=20"
        } else {
            "numb_steps=200"
        };
        let mut runs = Vec::new();
        for _ in 0..repeat {
            runs.push(task_metric(
                &ai4s::potential::DeepPotential,
                &[dp_steps, "disp_freq=1000000"],
                b,
                "train_steps_per_second",
            )?);
        }
        push(
            "deep_potential_train",
            b.name(),
            "steps/s",
            format!(
                "`ai4s run deep-potential --set {dp_steps}` on datasets/tb-si-64 with the default model (se_e2_a, rcut 5 A, sel 48, embedding 16-32-64, axis 12, fitting 100-100-100, batch 1 frame of 64 atoms, energy+force+virial loss)"
            ),
            runs,
        );
        let (natoms, md_steps) = if quick { (216, 5) } else { (1000, 20) };
        let mut runs = Vec::new();
        for _ in 0..repeat {
            runs.push(md_atom_steps(b, natoms, md_steps)?);
        }
        push(
            "deep_potential_md",
            b.name(),
            "atom-steps/s",
            format!(
                "velocity-Verlet MD driven by the default Deep Potential (as deep_potential_train) on {natoms}-atom diamond silicon at 600 K, Verlet list with 1 A skin, {md_steps} timed steps"
            ),
            runs,
        );
        let ppo_steps = if quick { 20_000 } else { 100_000 };
        let mut runs = Vec::new();
        for _ in 0..repeat {
            runs.push(task_metric(
                &ai4s::rl::PpoTask,
                &[
                    "seeds=1",
                    &format!("total_steps={ppo_steps}"),
                    "eval_episodes=10",
                ],
                b,
                "wall_seconds_per_seed",
            )?);
        }
        push(
            "ppo_cartpole",
            b.name(),
            "s",
            format!(
                "`ai4s run ppo --set seeds=1 --set total_steps={ppo_steps}`: PPO (rl-zoo CartPole settings, 8 envs x 32 steps, 20 epochs) wall time of training"
            ),
            runs,
        );
    }
    let json = serde_json::to_string_pretty(&items).map_err(|e| Error::Runtime(e.to_string()))?;
    ai4s::core::io::create_dir(out)?;
    ai4s::core::io::write_atomic(&out.join("bench.json"), json.as_bytes())?;
    let mut csv = String::from("name,backend,value,unit\n");
    for i in &items {
        csv.push_str(&format!(
            "{},{},{},{}\n",
            i.name, i.backend, i.value, i.unit
        ));
    }
    ai4s::core::io::write_atomic(&out.join("bench.csv"), csv.as_bytes())?;
    Ok(items)
}
