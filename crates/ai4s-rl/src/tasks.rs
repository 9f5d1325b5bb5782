//! The reinforcement-learning tasks: `q-learning`, `ppo`, `dqn`, `experiment-design`.

use crate::agent::{Collected, PolicyMeta, evaluate, load_policy, meta_path};
use crate::design::{self, BUDGET, Surface};
use crate::dqn::{self, DqnConfig};
use crate::env::EnvKind;
use crate::gridworld::{ARROWS, GridWorld};
use crate::policy::{HostMlp, sample};
use crate::ppo::{self, PpoConfig};
use crate::tabular::{QLearning, greedy, policy_mismatches};
use ai4s_core::error::ensure;
use ai4s_core::mlp::Activation;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// Seed offset of evaluation environments, far from any training environment's seed.
const EVAL_SEED: u64 = 1 << 40;

/// Seed of the evaluation environments of the policy trained with `seed` (a saved policy
/// re-evaluated with the same `--seed` sees the same episodes).
fn eval_seed(seed: u64) -> u64 {
    EVAL_SEED ^ seed.wrapping_mul(7919)
}

/// Mean and (population) standard deviation.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt(),
    )
}

// ---------------------------------------------------------------------------------------------
// Neural agents on any environment

/// Settings shared by the neural-agent tasks (flattened into each task's config).
#[derive(Clone, Debug, PartialEq)]
pub struct AgentRun {
    /// Environment: cartpole, mountaincar, gridworld or design.
    pub env: EnvKind,
    /// Environment steps of training per seed.
    pub total_steps: usize,
    /// Independent training runs (seeds `seed`, `seed + 1`, ...).
    pub seeds: usize,
    /// Greedy evaluation episodes per trained policy.
    pub eval_episodes: usize,
    /// Mean evaluation return that counts as solved (CartPole-v1: 475).
    pub solved_return: f64,
    /// Evaluate this saved policy (`policy_seed<k>.bpk` of an earlier run) instead of training.
    pub load: String,
}

impl Default for AgentRun {
    fn default() -> Self {
        AgentRun {
            env: EnvKind::CartPole,
            total_steps: 100_000,
            seeds: 5,
            eval_episodes: 100,
            solved_return: 475.0,
            load: String::new(),
        }
    }
}

impl AgentRun {
    fn validate(&self) -> Result<()> {
        ensure(self.total_steps >= 100, "total_steps", || {
            format!("must be at least 100, got {}", self.total_steps)
        })?;
        ensure((1..=100).contains(&self.seeds), "seeds", || {
            "must be 1..=100".into()
        })?;
        ensure(self.eval_episodes >= 1, "eval_episodes", || {
            "must be at least 1".into()
        })
    }
}

type Trainer<'a> = dyn Fn(u64, &mut dyn FnMut(usize)) -> Result<Collected> + 'a;

/// Trains (or loads) and evaluates an agent; writes curves, policies and the summary metrics.
fn run_agent(
    agent: &str,
    run: &AgentRun,
    hidden: &[usize],
    activation: Activation,
    train: &Trainer<'_>,
    ctx: &mut RunContext,
) -> Result<Report> {
    let start = Instant::now();
    let mut report = Report::new();
    if !run.load.is_empty() {
        let (net, meta) = load_policy(Path::new(&run.load), &ctx.device)?;
        let host = HostMlp::from_mlp(&net)?;
        let returns = evaluate(&host, meta.env, run.eval_episodes, eval_seed(ctx.seed));
        let (m, s) = mean_std(&returns);
        report.note(format!(
            "evaluated the saved {} policy {} on {} over {} greedy episodes",
            meta.agent,
            run.load,
            meta.env.name(),
            returns.len()
        ));
        report.metric("eval_mean_return", m);
        report.metric("eval_std_return", s);
        report.metric("eval_episodes", returns.len() as f64);
        report.metric("env_steps", 0.0);
        report.metric("wall_seconds", start.elapsed().as_secs_f64());
        return Ok(report);
    }
    let mut all_returns = Vec::new();
    let mut seed_means = Vec::new();
    let mut curves: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut csv = String::from("seed,env_step,return\n");
    let mut env_steps = 0;
    let mut bar = ctx.progress(agent, (run.total_steps * run.seeds) as u64);
    let mut per_seed_wall = Vec::new();
    for k in 0..run.seeds {
        let seed = ctx.seed.wrapping_add(k as u64);
        let t0 = Instant::now();
        let base = (k * run.total_steps) as u64;
        let mut last = 0u64;
        let trained = train(seed, &mut |s| {
            let s = base + s as u64;
            if s > last {
                bar.inc(s - last);
                last = s;
            }
        })?;
        per_seed_wall.push(t0.elapsed().as_secs_f64());
        env_steps = trained.env_steps;
        let host = HostMlp::from_mlp(&trained.policy)?;
        let returns = evaluate(&host, run.env, run.eval_episodes, eval_seed(seed));
        let (m, _) = mean_std(&returns);
        ctx.info(&format!(
            "{agent} seed {seed}: eval mean return {m:.1} over {} episodes ({} training episodes)",
            returns.len(),
            trained.episodes.len()
        ));
        ctx.log(k + 1, &[("seed", seed as f64), ("eval_mean_return", m)]);
        seed_means.push(m);
        all_returns.extend(returns);
        for (s, r) in &trained.episodes {
            csv.push_str(&format!("{seed},{s},{r}\n"));
        }
        let name = format!("policy_seed{k}.bpk");
        let path = ctx.save_module(&name, &trained.policy)?;
        let meta = PolicyMeta {
            agent: agent.into(),
            env: run.env,
            obs_dim: run.env.make(0).obs_dim(),
            n_actions: run.env.make(0).n_actions(),
            hidden: hidden.to_vec(),
            activation,
        };
        let json = serde_json::to_string_pretty(&meta)
            .map_err(|e| ai4s_core::Error::Runtime(format!("policy metadata: {e}")))?;
        if let Some(f) = meta_path(&path).file_name().and_then(|f| f.to_str()) {
            ctx.write_file(f, json.as_bytes())?;
        }
        curves.push(trained.episodes);
    }
    bar.finish();
    ctx.write_file("learning_curves.csv", csv.as_bytes())?;
    let (m, s) = mean_std(&all_returns);
    report.metric("eval_mean_return", m);
    report.metric("eval_std_return", s);
    report.metric("eval_episodes", all_returns.len() as f64);
    report.metric("env_steps", env_steps as f64);
    let solved = seed_means
        .iter()
        .filter(|&&v| v >= run.solved_return)
        .count();
    let need = if run.seeds >= 5 {
        run.seeds - 1
    } else {
        run.seeds
    };
    report.check(
        "seeds_solved",
        solved as f64,
        Goal::AtLeast(need as f64),
        &format!(
            "seeds whose greedy policy averages >= {} over {} evaluation episodes (CartPole-v1 solved at 475, Gymnasium); issue target: 4 of 5 seeds within 100k steps",
            run.solved_return, run.eval_episodes
        ),
    );
    report.metric(
        "min_seed_eval_mean_return",
        seed_means.iter().copied().fold(f64::MAX, f64::min),
    );
    report.metric("wall_seconds_per_seed", mean_std(&per_seed_wall).0);
    report.figure(ctx.plot(
        "learning_curve",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "{} on {}: training episode return ({} seeds: mean, min, max)",
                    agent.to_uppercase(),
                    run.env.name(),
                    run.seeds
                ),
                "environment steps",
                "episode return",
            ),
            series: band(&curves, run.total_steps, 40),
            log_y: false,
        },
    )?);
    report.note(format!(
        "evaluation: greedy actions on environments seeded apart from training; {} episodes per seed; policies saved as policy_seed<k>.bpk (+ .json), re-evaluate with `ai4s run {agent} --set load=<dir>/policy_seed0.bpk`",
        run.eval_episodes
    ));
    report.metric("wall_seconds", start.elapsed().as_secs_f64());
    Ok(report)
}

/// Mean, min and max over seeds of the binned episode returns.
fn band(curves: &[Vec<(usize, f64)>], total: usize, bins: usize) -> Vec<Series> {
    let width = total.div_ceil(bins).max(1);
    let per_seed: Vec<Vec<Option<f64>>> = curves
        .iter()
        .map(|c| {
            let mut sum = vec![(0.0, 0usize); bins];
            for &(s, r) in c {
                let b = (s.saturating_sub(1) / width).min(bins - 1);
                sum[b].0 += r;
                sum[b].1 += 1;
            }
            sum.iter()
                .map(|&(t, n)| (n > 0).then(|| t / n as f64))
                .collect()
        })
        .collect();
    let mut mean = Vec::new();
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for b in 0..bins {
        let v: Vec<f64> = per_seed.iter().filter_map(|c| c[b]).collect();
        if v.is_empty() {
            continue;
        }
        let x = ((b + 1) * width) as f64;
        mean.push((x, mean_std(&v).0));
        lo.push((x, v.iter().copied().fold(f64::MAX, f64::min)));
        hi.push((x, v.iter().copied().fold(f64::MIN, f64::max)));
    }
    vec![
        Series::new("mean over seeds", mean),
        Series::new("min over seeds", lo),
        Series::new("max over seeds", hi),
    ]
}

/// Defines an agent task's configuration: the shared [`AgentRun`] fields at the top level (so
/// `--set env=...` works and errors name the field) plus the agent's own hyper-parameters.
macro_rules! agent_task_config {
    ($(#[$doc:meta])* $name:ident, $field:ident: $cfg:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Environment: cartpole, mountaincar, gridworld or design.
            pub env: EnvKind,
            /// Environment steps of training per seed.
            pub total_steps: usize,
            /// Independent training runs (seeds `seed`, `seed + 1`, ...).
            pub seeds: usize,
            /// Greedy evaluation episodes per trained policy.
            pub eval_episodes: usize,
            /// Mean evaluation return that counts as solved (CartPole-v1: 475).
            pub solved_return: f64,
            /// Evaluate this saved policy (`policy_seed<k>.bpk` of an earlier run) instead of
            /// training.
            pub load: String,
            /// The agent's hyper-parameters.
            pub $field: $cfg,
        }

        impl Default for $name {
            fn default() -> Self {
                $name::with(AgentRun::default(), <$cfg>::default())
            }
        }

        impl $name {
            fn with(r: AgentRun, $field: $cfg) -> Self {
                $name {
                    env: r.env,
                    total_steps: r.total_steps,
                    seeds: r.seeds,
                    eval_episodes: r.eval_episodes,
                    solved_return: r.solved_return,
                    load: r.load,
                    $field,
                }
            }

            fn run(&self) -> AgentRun {
                AgentRun {
                    env: self.env,
                    total_steps: self.total_steps,
                    seeds: self.seeds,
                    eval_episodes: self.eval_episodes,
                    solved_return: self.solved_return,
                    load: self.load.clone(),
                }
            }
        }
    };
}

agent_task_config!(
    /// Configuration of [`PpoTask`].
    PpoTaskConfig,
    ppo: PpoConfig
);

impl TaskConfig for PpoTaskConfig {
    fn quick() -> Self {
        let run = AgentRun {
            total_steps: 40_000,
            seeds: 1,
            eval_episodes: 20,
            solved_return: 200.0,
            ..AgentRun::default()
        };
        PpoTaskConfig::with(run, PpoConfig::default())
    }
    fn validate(&self) -> Result<()> {
        self.run().validate()?;
        self.ppo.validate("ppo")
    }
}

/// PPO on a discrete-action environment.
pub struct PpoTask;

impl Task for PpoTask {
    type Config = PpoTaskConfig;
    fn name(&self) -> &'static str {
        "ppo"
    }
    fn area(&self) -> Area {
        Area::Reinforcement
    }
    fn description(&self) -> &'static str {
        "PPO (clipped objective, GAE) on CartPole-v1 and the other environments"
    }
    fn demonstrates(&self) -> &'static str {
        "No data, only rules: a policy-gradient agent (PPO) learns to balance the CartPole purely from trial and error, reaching the maximum return of 500 within 100k environment steps."
    }
    fn run(&self, cfg: &PpoTaskConfig, ctx: &mut RunContext) -> Result<Report> {
        let device = ctx.device.clone();
        let (env, steps) = (cfg.env, cfg.total_steps);
        let train = |seed: u64, cb: &mut dyn FnMut(usize)| {
            ppo::train(&cfg.ppo, env, steps, seed, &device, cb)
        };
        run_agent(
            "ppo",
            &cfg.run(),
            &cfg.ppo.hidden,
            Activation::Tanh,
            &train,
            ctx,
        )
    }
}

agent_task_config!(
    /// Configuration of [`DqnTask`].
    DqnTaskConfig,
    dqn: DqnConfig
);

impl TaskConfig for DqnTaskConfig {
    fn quick() -> Self {
        let run = AgentRun {
            total_steps: 30_000,
            seeds: 1,
            eval_episodes: 20,
            solved_return: 150.0,
            ..AgentRun::default()
        };
        DqnTaskConfig::with(run, DqnConfig::default())
    }
    fn validate(&self) -> Result<()> {
        self.run().validate()?;
        self.dqn.validate("dqn")
    }
}

/// DQN on a discrete-action environment.
pub struct DqnTask;

impl Task for DqnTask {
    type Config = DqnTaskConfig;
    fn name(&self) -> &'static str {
        "dqn"
    }
    fn area(&self) -> Area {
        Area::Reinforcement
    }
    fn description(&self) -> &'static str {
        "DQN (replay buffer, target network, Huber loss) on CartPole-v1 and the other environments"
    }
    fn demonstrates(&self) -> &'static str {
        "Value-based deep RL: a Q-network learns action values from replayed experience and bootstraps from a slowly updated copy of itself."
    }
    fn run(&self, cfg: &DqnTaskConfig, ctx: &mut RunContext) -> Result<Report> {
        let device = ctx.device.clone();
        let (env, steps) = (cfg.env, cfg.total_steps);
        let train = |seed: u64, cb: &mut dyn FnMut(usize)| {
            dqn::train(&cfg.dqn, env, steps, seed, &device, cb)
        };
        let mut report = run_agent(
            "dqn",
            &cfg.run(),
            &cfg.dqn.hidden,
            Activation::Relu,
            &train,
            ctx,
        )?;
        if cfg.dqn.select_every > 0 && cfg.load.is_empty() {
            report.note(format!(
                "the saved DQN network is the best of greedy evaluations every {} steps on {} separate episodes each (like rl-zoo's EvalCallback); those episodes are not counted as training steps",
                cfg.dqn.select_every, cfg.dqn.select_episodes
            ));
        }
        Ok(report)
    }
}

// ---------------------------------------------------------------------------------------------
// Tabular Q-learning

/// Configuration of [`QLearningTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QLearningConfig {
    /// Training episodes per seed.
    pub episodes: usize,
    /// Step size alpha.
    pub alpha: f64,
    /// Discount factor gamma.
    pub gamma: f64,
    /// Exploration rate of the epsilon-greedy behaviour policy.
    pub epsilon: f64,
    /// Independent runs.
    pub seeds: usize,
}

impl Default for QLearningConfig {
    fn default() -> Self {
        QLearningConfig {
            episodes: 3000,
            alpha: 0.5,
            gamma: 0.95,
            epsilon: 0.2,
            seeds: 5,
        }
    }
}

impl TaskConfig for QLearningConfig {
    fn quick() -> Self {
        QLearningConfig {
            seeds: 2,
            ..Self::default()
        }
    }
    fn validate(&self) -> Result<()> {
        ensure(self.episodes >= 1, "episodes", || {
            "must be at least 1".into()
        })?;
        ensure(self.alpha > 0.0 && self.alpha <= 1.0, "alpha", || {
            format!("must lie in (0, 1], got {}", self.alpha)
        })?;
        ensure(self.gamma > 0.0 && self.gamma < 1.0, "gamma", || {
            format!("must lie in (0, 1), got {}", self.gamma)
        })?;
        ensure((0.0..=1.0).contains(&self.epsilon), "epsilon", || {
            "must lie in [0, 1]".into()
        })?;
        ensure((1..=100).contains(&self.seeds), "seeds", || {
            "must be 1..=100".into()
        })
    }
}

/// Tabular Q-learning on the GridWorld, checked against value iteration.
pub struct QLearningTask;

impl Task for QLearningTask {
    type Config = QLearningConfig;
    fn name(&self) -> &'static str {
        "q-learning"
    }
    fn area(&self) -> Area {
        Area::Reinforcement
    }
    fn description(&self) -> &'static str {
        "tabular Q-learning on a GridWorld with walls, checked against value iteration"
    }
    fn demonstrates(&self) -> &'static str {
        "The smallest complete RL problem: an agent that only sees rewards learns action values by trial and error, and its greedy policy equals the optimal one computed from the known rules by value iteration."
    }
    fn run(&self, cfg: &QLearningConfig, ctx: &mut RunContext) -> Result<Report> {
        let start = Instant::now();
        let mut world = GridWorld::new(ctx.seed);
        let (v_star, q_star) = world.value_iteration(cfg.gamma, 1e-12);
        let learner = QLearning {
            episodes: cfg.episodes,
            alpha: cfg.alpha,
            gamma: cfg.gamma,
            epsilon: cfg.epsilon,
        };
        let mut report = Report::new();
        let mut worst = 0usize;
        let mut max_err: f64 = 0.0;
        let mut last = None;
        let mut curves = Vec::new();
        let mut bar = ctx.progress("q-learning", cfg.seeds as u64);
        for k in 0..cfg.seeds {
            let table = learner.run(&mut world, ctx.seed.wrapping_add(k as u64));
            let bad = policy_mismatches(&world, &table.q, &q_star, 1e-6);
            worst = worst.max(bad.len());
            for (s, v) in v_star.iter().enumerate() {
                if !world.is_wall(s) && s != world.goal {
                    let m = table.q[s].iter().copied().fold(f64::MIN, f64::max);
                    max_err = max_err.max((m - v).abs());
                }
            }
            let w = (cfg.episodes / 50).max(1);
            curves.push(Series::new(
                format!("seed {k}"),
                table
                    .returns
                    .chunks(w)
                    .enumerate()
                    .map(|(i, c)| (((i + 1) * w) as f64, c.iter().sum::<f64>() / c.len() as f64))
                    .collect(),
            ));
            last = Some(table);
            bar.inc(1);
        }
        bar.finish();
        report.check(
            "non_optimal_greedy_actions",
            worst as f64,
            Goal::AtMost(0.0),
            "cells whose greedy Q-learning action is not optimal under value iteration (worst seed)",
        );
        report.metric("max_abs_value_error", max_err);
        // The greedy path from the start has the shortest-path length.
        if let Some(table) = &last {
            world.reset_at(world.start);
            let mut steps = 0;
            while world.pos != world.goal && steps < 100 {
                let a = greedy(&table.q[world.pos]);
                crate::env::Env::step(&mut world, a);
                steps += 1;
            }
            let shortest = world.shortest_path(world.start).unwrap_or(0);
            report.check(
                "greedy_path_length",
                steps as f64,
                Goal::AtMost(shortest as f64),
                &format!("shortest path from S to G by breadth-first search: {shortest} steps"),
            );
            let n = world.size;
            let values: Vec<Vec<f64>> = (0..n)
                .map(|r| {
                    (0..n)
                        .map(|c| {
                            let s = r * n + c;
                            if world.is_wall(s) {
                                f64::NAN
                            } else if s == world.goal {
                                0.0
                            } else {
                                table.q[s].iter().copied().fold(f64::MIN, f64::max)
                            }
                        })
                        .collect()
                })
                .collect();
            let text: Vec<Vec<String>> = (0..n)
                .map(|r| {
                    (0..n)
                        .map(|c| {
                            let s = r * n + c;
                            if world.is_wall(s) {
                                String::new()
                            } else if s == world.goal {
                                "G".into()
                            } else {
                                ARROWS[greedy(&table.q[s])].into()
                            }
                        })
                        .collect()
                })
                .collect();
            report.figure(ctx.plot(
                "policy",
                &Plot::LabelledCells {
                    labels: Labels::new(
                        "GridWorld: learned value max_a Q(s,a) and greedy policy (grey: walls)",
                        "column",
                        "row",
                    ),
                    values,
                    text,
                },
            )?);
        }
        report.figure(ctx.plot(
            "learning_curve",
            &Plot::Line {
                labels: Labels::new(
                    "Q-learning on the GridWorld: episode return (exploring starts)",
                    "episode",
                    "mean return",
                ),
                series: curves,
                log_y: false,
            },
        )?);
        report.metric("wall_seconds", start.elapsed().as_secs_f64());
        Ok(report)
    }
}

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
            ));
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
