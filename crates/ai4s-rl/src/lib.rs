//! ai4s-rl: the seed's third paradigm — no data, only rules and trial and error.
//!
//! - [`env`]: the [`Env`](env::Env) trait (Gymnasium's reset/step with `terminated` and
//!   `truncated`) and [`VecEnv`](env::VecEnv), many copies with automatic reset.
//! - Environments: [`cartpole`] (CartPole-v1), [`mountain_car`] (MountainCar-v0),
//!   [`gridworld`] (walls, value iteration), [`design`] (a simulated lab: choose the next
//!   measurement).
//! - Agents: [`tabular`] Q-learning, [`dqn`], [`ppo`]; [`policy`] acts on the host between
//!   updates; [`agent`] evaluates and saves/loads policies.
//! - [`tasks`]: `q-learning`, `ppo`, `dqn`, `experiment-design`.

pub mod agent;
pub mod cartpole;
pub mod design;
pub mod dqn;
pub mod env;
pub mod gridworld;
pub mod mountain_car;
pub mod policy;
pub mod ppo;
pub mod tabular;
pub mod tasks;

pub use tasks::{DqnTask, ExperimentDesignTask, PpoTask, QLearningTask};
