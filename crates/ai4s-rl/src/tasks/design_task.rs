//! The `experiment-design` task: PPO learns where to measure next, against random search and
//! Bayesian optimisation.

use super::agent_run::EVAL_SEED;
use crate::design::{self, BUDGET, Surface};
use crate::env::EnvKind;
use crate::policy::{HostMlp, sample};
use crate::ppo::{self, PpoConfig};
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Experiment design

/// Configuration of [`ExperimentDesignTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DesignConfig {
    /// Environment steps of PPO training.
    pub total_steps: usize,
    /// Test surfaces (hidden response surfaces never seen in training).
    pub test_surfaces: usize,
    /// PPO hyper-parameters.
    pub ppo: PpoConfig,
}

impl Default for DesignConfig {
    fn default() -> Self {
        DesignConfig {
            total_steps: 300_000,
            test_surfaces: 300,
            ppo: PpoConfig {
                n_envs: 16,
                n_steps: 64,
                batch_size: 256,
                epochs: 10,
                gamma: 0.99,
                gae_lambda: 0.95,
                ent_coef: 0.01,
                lr: 3e-4,
                ..PpoConfig::default()
            },
        }
    }
}

impl TaskConfig for DesignConfig {
    fn quick() -> Self {
        DesignConfig {
            total_steps: 60_000,
            test_surfaces: 100,
            ..Self::default()
        }
    }
    fn validate(&self) -> Result<()> {
        ensure(self.total_steps >= 100, "total_steps", || {
            "must be at least 100".into()
        })?;
        ensure(self.test_surfaces >= 10, "test_surfaces", || {
            "must be at least 10".into()
        })?;
        self.ppo.validate("ppo")
    }
}

/// RL for experiment design, against random search and Bayesian optimisation.
pub struct ExperimentDesignTask;

impl Task for ExperimentDesignTask {
    type Config = DesignConfig;
    fn name(&self) -> &'static str {
        "experiment-design"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::LabLoop
    }
    fn area(&self) -> Area {
        Area::Reinforcement
    }
    fn description(&self) -> &'static str {
        "the lab loop as RL: PPO learns where to measure next on unseen response surfaces, vs random search and BO"
    }
    fn demonstrates(&self) -> &'static str {
        "A simulated lab: each action chooses the next experiment and the reward is the improvement of the best result. Trained on many random response surfaces, the agent learns a search strategy that beats random search on surfaces it has never seen; a Gaussian-process optimiser is the stronger, model-based baseline."
    }
    fn run(&self, cfg: &DesignConfig, ctx: &mut RunContext) -> Result<Report> {
        let start = Instant::now();
        let mut bar = ctx.progress("experiment-design", cfg.total_steps as u64);
        let mut done = 0u64;
        let trained = ppo::train(
            &cfg.ppo,
            EnvKind::Design,
            cfg.total_steps,
            ctx.seed,
            &ctx.device,
            &mut |s| {
                bar.inc((s as u64).saturating_sub(done));
                done = done.max(s as u64);
            },
        )?;
        bar.finish();
        let train_secs = start.elapsed().as_secs_f64();
        let host = HostMlp::from_mlp(&trained.policy)?;
        let mut rng = StdRng::seed_from_u64(ctx.seed ^ EVAL_SEED);
        let surfaces: Vec<Surface> = (0..cfg.test_surfaces)
            .map(|_| Surface::random(&mut rng))
            .collect();
        let mut curves: [Vec<Vec<f64>>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        let mut act_rng = StdRng::seed_from_u64(ctx.seed ^ EVAL_SEED ^ 0xac7);
        for (k, s) in surfaces.iter().enumerate() {
            let seed = ctx.seed ^ EVAL_SEED ^ (k as u64 + 1);
            // The stochastic policy PPO optimised (random jumps are part of the strategy).
            curves[0].push(design::policy_curve(
                s,
                &mut |o| sample(&host.forward(o), &mut act_rng).0,
                seed,
            )?);
            curves[1].push(design::random_search(s, &mut StdRng::seed_from_u64(seed)));
            curves[2].push(design::bayes_opt(s, &mut StdRng::seed_from_u64(seed)));
        }
        let names = [
            "PPO policy",
            "random search",
            "Bayesian optimisation (GP-EI)",
        ];
        let keys = ["rl", "random", "bo"];
        let mut report = Report::new();
        let mut series = Vec::new();
        let mut finals = Vec::new();
        for ((c, name), key) in curves.iter().zip(names).zip(keys) {
            let mean: Vec<(f64, f64)> = (0..BUDGET)
                .map(|t| {
                    (
                        (t + 1) as f64,
                        c.iter().map(|v| v[t]).sum::<f64>() / c.len() as f64,
                    )
                })
                .collect();
            let last = mean.last().map_or(f64::NAN, |p| p.1);
            report.metric(&format!("{key}_mean_final_regret"), last);
            finals.push(last);
            series.push(Series::new(name, mean));
        }
        report.check(
            "regret_ratio_random_over_rl",
            finals[1] / finals[0],
            Goal::AtLeast(1.2),
            &format!(
                "mean regret after {BUDGET} measurements on {} unseen surfaces: random search / learned policy (issue target: RL beats random search)",
                cfg.test_surfaces
            ),
        );
        let wins = (0..surfaces.len())
            .filter(|&k| curves[0][k][BUDGET - 1] < curves[1][k][BUDGET - 1])
            .count();
        report.metric(
            "rl_beats_random_fraction",
            wins as f64 / surfaces.len() as f64,
        );
        report.metric("env_steps", trained.env_steps as f64);
        report.metric("train_seconds", train_secs);
        report.figure(ctx.plot(
            "regret",
            &Plot::Line {
                labels: Labels::new(
                    "Experiment design on unseen surfaces: mean regret vs measurements",
                    "measurements",
                    "regret (1 - best true value found)",
                ),
                series,
                log_y: true,
            },
        )?);
        ctx.save_module("policy.bpk", &trained.policy)?;
        report.metric("wall_seconds", start.elapsed().as_secs_f64());
        Ok(report)
    }
}
