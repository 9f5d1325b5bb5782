//! The `ppo` and `dqn` tasks: their configs and task definitions around [`super::agent_run`].

use super::agent_run::{AgentRun, run_agent};
use crate::dqn::{self, DqnConfig};
use crate::env::EnvKind;
use crate::ppo::{self, PpoConfig};
use ai4s_core::mlp::Activation;
use ai4s_core::{Area, Report, Result, RunContext, Task, TaskConfig};
use serde::{Deserialize, Serialize};

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
