//! The environment interface and vectorised execution.
//!
//! An [`Env`] follows Gymnasium's contract (Towers et al. 2024): [`Env::reset`] starts an
//! episode, [`Env::step`] applies a discrete action and returns the reward and two flags —
//! `terminated` (the MDP reached a terminal state: do not bootstrap) and `truncated` (a time
//! limit cut the episode: bootstrap from the final observation). Each environment owns a seeded
//! generator, so a run is reproducible from its seed.
//!
//! An action outside `0..n_actions` is an error ([`InvalidAction`]), as Gymnasium's
//! `action_space.contains` assertion makes it, never silently read as some other action.
//!
//! [`VecEnv`] steps many copies at once and resets finished ones automatically. Two modes, as
//! Gymnasium 1.x's vector environments offer ([`AutoReset`]):
//! - same-step (what ai4s's PPO and DQN use, as Stable-Baselines3 does): a finished copy is reset
//!   inside the step that ended it; the observation row already shows the new episode's first
//!   observation and the final observation is kept in [`VecStep::final_obs`] for bootstrapping;
//! - next-step (Gymnasium 1.x's default): the step that ends an episode returns its final
//!   observation in the row; the next step resets that copy instead of stepping it, ignores its
//!   action, and reports reward 0 and both flags false.

use crate::mountain_car::MountainCar;
use crate::{cartpole::CartPole, design::ExperimentDesign, gridworld::GridWorld};
use serde::{Deserialize, Serialize};

/// Outcome of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Reward for the transition.
    pub reward: f64,
    /// A terminal state was reached (the value of the next state is zero).
    pub terminated: bool,
    /// The time limit was reached. As Gymnasium's `TimeLimit` does, this is also set when the
    /// last allowed step terminates; the next state has value (bootstrapping) only when the
    /// episode was truncated without terminating.
    pub truncated: bool,
}

/// An action an environment cannot take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidAction {
    /// The action is outside `0..n_actions`.
    OutOfRange {
        /// The action asked for.
        action: usize,
        /// Size of the action space.
        n_actions: usize,
    },
    /// A [`VecEnv`] got a different number of actions than it has copies.
    Count {
        /// Actions given.
        given: usize,
        /// Copies in the vector environment.
        copies: usize,
    },
}

impl std::fmt::Display for InvalidAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            InvalidAction::OutOfRange { action, n_actions } => write!(
                f,
                "action {action} is outside the action space (expected 0 to {})",
                n_actions.saturating_sub(1)
            ),
            InvalidAction::Count { given, copies } => write!(
                f,
                "{given} actions for a vector environment of {copies} copies (expected one per copy)"
            ),
        }
    }
}

impl std::error::Error for InvalidAction {}

impl From<InvalidAction> for ai4s_core::Error {
    fn from(e: InvalidAction) -> Self {
        ai4s_core::Error::Runtime(e.to_string())
    }
}

/// `Ok` when `action` is in `0..n_actions`; environments call this first in [`Env::step`].
pub fn check_action(action: usize, n_actions: usize) -> Result<(), InvalidAction> {
    if action < n_actions {
        Ok(())
    } else {
        Err(InvalidAction::OutOfRange { action, n_actions })
    }
}

/// A reinforcement-learning environment with a discrete action space.
pub trait Env: Send {
    /// Length of the observation vector.
    fn obs_dim(&self) -> usize;
    /// Number of discrete actions.
    fn n_actions(&self) -> usize;
    /// Starts a new episode (drawing the initial state from the environment's generator).
    fn reset(&mut self);
    /// Writes the current observation into `out` (length [`Env::obs_dim`]).
    fn observe(&self, out: &mut [f32]);
    /// Applies `action`; an action outside `0..n_actions` is refused (see [`check_action`])
    /// and leaves the environment unchanged.
    fn step(&mut self, action: usize) -> Result<Outcome, InvalidAction>;
}

/// The environments ai4s ships, by config name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EnvKind {
    /// CartPole-v1, as Gymnasium defines it.
    #[default]
    CartPole,
    /// MountainCar-v0, as Gymnasium defines it.
    MountainCar,
    /// The 8x8 GridWorld with walls (one-hot observations).
    GridWorld,
    /// The simulated-lab experiment-design environment.
    Design,
}

impl EnvKind {
    /// A fresh environment seeded with `seed`.
    pub fn make(self, seed: u64) -> Box<dyn Env> {
        match self {
            EnvKind::CartPole => Box::new(CartPole::new(seed)),
            EnvKind::MountainCar => Box::new(MountainCar::new(seed)),
            EnvKind::GridWorld => Box::new(GridWorld::new(seed)),
            EnvKind::Design => Box::new(ExperimentDesign::new(seed)),
        }
    }

    /// Config name.
    pub fn name(self) -> &'static str {
        match self {
            EnvKind::CartPole => "cartpole",
            EnvKind::MountainCar => "mountaincar",
            EnvKind::GridWorld => "gridworld",
            EnvKind::Design => "design",
        }
    }
}

/// Result of stepping every copy of a [`VecEnv`].
#[derive(Clone, Debug, Default)]
pub struct VecStep {
    /// Reward per copy.
    pub rewards: Vec<f64>,
    /// Terminated flag per copy.
    pub terminated: Vec<bool>,
    /// Truncated flag per copy.
    pub truncated: Vec<bool>,
    /// For copies whose episode ended this step: the final observation (before the automatic
    /// reset); `None` otherwise.
    pub final_obs: Vec<Option<Vec<f32>>>,
}

/// When a [`VecEnv`] resets a copy whose episode ended (Gymnasium 1.x's `AutoresetMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AutoReset {
    /// Reset inside the step that ended the episode; the final observation goes to
    /// [`VecStep::final_obs`]. What ai4s's agents use.
    #[default]
    SameStep,
    /// Return the final observation; reset on the next step, ignoring that step's action.
    NextStep,
}

/// Many copies of one environment stepped together, with automatic reset.
pub struct VecEnv {
    envs: Vec<Box<dyn Env>>,
    mode: AutoReset,
    /// Copies whose episode ended on the last step (next-step mode only).
    pending: Vec<bool>,
    obs: Vec<f32>,
    dim: usize,
    returns: Vec<f64>,
    lengths: Vec<usize>,
    /// Episodes finished so far: (return, length), in completion order.
    pub finished: Vec<(f64, usize)>,
}

impl VecEnv {
    /// `n` copies of `kind`, copy `i` seeded with `seed + i`, all reset.
    pub fn new(kind: EnvKind, n: usize, seed: u64) -> Self {
        let envs = (0..n)
            .map(|i| kind.make(seed.wrapping_add(i as u64)))
            .collect();
        Self::from_envs(envs)
    }

    /// Wraps existing environments (all with the same spaces) and resets them.
    pub fn from_envs(mut envs: Vec<Box<dyn Env>>) -> Self {
        let dim = envs.first().map_or(0, |e| e.obs_dim());
        let n = envs.len();
        let mut obs = vec![0.0; n * dim];
        for (e, o) in envs.iter_mut().zip(obs.chunks_mut(dim.max(1))) {
            e.reset();
            e.observe(o);
        }
        VecEnv {
            envs,
            mode: AutoReset::SameStep,
            pending: vec![false; n],
            obs,
            dim,
            returns: vec![0.0; n],
            lengths: vec![0; n],
            finished: Vec::new(),
        }
    }

    /// The same copies with another reset mode.
    pub fn with_autoreset(mut self, mode: AutoReset) -> Self {
        self.mode = mode;
        self
    }

    /// The reset mode.
    pub fn autoreset(&self) -> AutoReset {
        self.mode
    }

    /// Number of copies.
    pub fn len(&self) -> usize {
        self.envs.len()
    }

    /// Whether there are no copies.
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    /// Observation length.
    pub fn obs_dim(&self) -> usize {
        self.dim
    }

    /// Number of actions.
    pub fn n_actions(&self) -> usize {
        self.envs.first().map_or(0, |e| e.n_actions())
    }

    /// Current observations, `len() x obs_dim()` row-major.
    pub fn obs(&self) -> &[f32] {
        &self.obs
    }

    /// Steps copy `i` with `actions[i]`; finished copies are reset as [`AutoReset`] says.
    /// Every action is checked before any copy moves, so a refused call changes nothing.
    pub fn step(&mut self, actions: &[usize]) -> Result<VecStep, InvalidAction> {
        let n = self.envs.len();
        if actions.len() != n {
            return Err(InvalidAction::Count {
                given: actions.len(),
                copies: n,
            });
        }
        for (env, &a) in self.envs.iter().zip(actions) {
            check_action(a, env.n_actions())?;
        }
        let mut out = VecStep {
            rewards: vec![0.0; n],
            terminated: vec![false; n],
            truncated: vec![false; n],
            final_obs: vec![None; n],
        };
        let d = self.dim;
        for (i, env) in self.envs.iter_mut().enumerate() {
            let row = &mut self.obs[i * d..(i + 1) * d];
            if self.pending[i] {
                // Next-step mode: this step only starts the new episode.
                self.pending[i] = false;
                env.reset();
                env.observe(row);
                continue;
            }
            let o = env.step(actions[i])?;
            env.observe(row);
            self.returns[i] += o.reward;
            self.lengths[i] += 1;
            out.rewards[i] = o.reward;
            out.terminated[i] = o.terminated;
            out.truncated[i] = o.truncated;
            if o.terminated || o.truncated {
                out.final_obs[i] = Some(row.to_vec());
                self.finished.push((self.returns[i], self.lengths[i]));
                self.returns[i] = 0.0;
                self.lengths[i] = 0;
                match self.mode {
                    AutoReset::SameStep => {
                        env.reset();
                        env.observe(row);
                    }
                    AutoReset::NextStep => self.pending[i] = true,
                }
            }
        }
        Ok(out)
    }
}
