//! Training and evaluating a neural agent (PPO or DQN) on any environment over several seeds:
//! the shared body of the `ppo` and `dqn` tasks, and the learning-curve band figure.

use crate::agent::{Collected, PolicyMeta, evaluate, load_policy, meta_path};
use crate::env::EnvKind;
use crate::policy::HostMlp;
use ai4s_core::error::ensure;
use ai4s_core::metrics::mean_std;
use ai4s_core::mlp::Activation;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Goal, Report, Result, RunContext};
use std::path::Path;
use std::time::Instant;

/// Seed offset of evaluation environments, far from any training environment's seed.
pub(crate) const EVAL_SEED: u64 = 1 << 40;

/// Seed of the evaluation environments of the policy trained with `seed` (a saved policy
/// re-evaluated with the same `--seed` sees the same episodes).
pub(crate) fn eval_seed(seed: u64) -> u64 {
    EVAL_SEED ^ seed.wrapping_mul(7919)
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
    pub(crate) fn validate(&self) -> Result<()> {
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

pub(crate) type Trainer<'a> = dyn Fn(u64, &mut dyn FnMut(usize)) -> Result<Collected> + 'a;

/// Trains (or loads) and evaluates an agent; writes curves, policies and the summary metrics.
pub(crate) fn run_agent(
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
        let returns = evaluate(&host, meta.env, run.eval_episodes, eval_seed(ctx.seed))?;
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
        let returns = evaluate(&host, run.env, run.eval_episodes, eval_seed(seed))?;
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
pub(crate) fn band(curves: &[Vec<(usize, f64)>], total: usize, bins: usize) -> Vec<Series> {
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
