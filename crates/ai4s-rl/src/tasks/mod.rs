//! The reinforcement-learning tasks: `q-learning`, `ppo`, `dqn`, `experiment-design`.

mod agent_run;
mod design_task;
mod neural;
mod q_learning;

pub use agent_run::AgentRun;
pub use design_task::{DesignConfig, ExperimentDesignTask};
pub use neural::{DqnTask, DqnTaskConfig, PpoTask, PpoTaskConfig};
pub use q_learning::{QLearningConfig, QLearningTask};
