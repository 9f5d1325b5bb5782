//! What every agent shares: the episode log, evaluation, and saved policies.

use crate::env::{EnvKind, VecEnv};
use crate::policy::{HostMlp, argmax};
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use ai4s_core::{Error, Result};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Completed training episodes: (environment steps when it ended, return).
#[derive(Clone, Debug, Default)]
pub struct EpisodeLog {
    /// One entry per finished episode.
    pub episodes: Vec<(usize, f64)>,
}

impl EpisodeLog {
    /// Moves the episodes `venv` finished into the log, stamped with `step`.
    pub fn record(&mut self, step: usize, venv: &mut VecEnv) {
        for (ret, _) in venv.finished.drain(..) {
            self.episodes.push((step, ret));
        }
    }
}

/// A trained agent: the greedy policy network and its training history.
pub struct Collected {
    /// Network whose largest output is the greedy action (actor logits or Q-values).
    pub policy: Mlp,
    /// Training episodes (end step, return).
    pub episodes: Vec<(usize, f64)>,
    /// Environment steps used for training.
    pub env_steps: usize,
}

/// Returns of `episodes` greedy episodes of `policy` on fresh environments seeded from `seed`
/// (episode `k` on an environment seeded `seed + k`). A network with more outputs than the
/// environment has actions is refused at its first out-of-range action.
pub fn evaluate(policy: &HostMlp, env: EnvKind, episodes: usize, seed: u64) -> Result<Vec<f64>> {
    (0..episodes)
        .map(|k| {
            let mut e = env.make(seed.wrapping_add(k as u64));
            e.reset();
            let mut obs = vec![0.0f32; e.obs_dim()];
            let mut total = 0.0;
            loop {
                e.observe(&mut obs);
                let o = e.step(argmax(&policy.forward(&obs)))?;
                total += o.reward;
                if o.terminated || o.truncated {
                    return Ok(total);
                }
            }
        })
        .collect()
}

/// What is needed to rebuild a saved policy network.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    /// Agent that trained it (`ppo` or `dqn`).
    pub agent: String,
    /// Environment it was trained on.
    pub env: EnvKind,
    /// Observation length.
    pub obs_dim: usize,
    /// Number of actions.
    pub n_actions: usize,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
}

/// The metadata file that sits next to a saved policy `x.bpk`: `x.json`.
pub fn meta_path(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

/// Loads a policy saved by `ai4s run ppo|dqn` (`policy_seed<k>.bpk` and its `.json`).
pub fn load_policy(weights: &Path, device: &Device) -> Result<(Mlp, PolicyMeta)> {
    let mp = meta_path(weights);
    let text = ai4s_core::io::read_to_string(&mp)?;
    let meta: PolicyMeta = serde_json::from_str(&text).map_err(|e| {
        Error::data(
            &mp,
            Some(e.line()),
            format!("not a policy description ({e}); expected the .json written next to the .bpk"),
        )
    })?;
    let env = meta.env.make(0);
    if meta.obs_dim != env.obs_dim()
        || meta.n_actions != env.n_actions()
        || meta.hidden.len() > 16
        || meta.hidden.iter().any(|&w| !(1..=4096).contains(&w))
    {
        return Err(Error::data(
            &mp,
            None,
            format!(
                "not a valid policy description: {} expects obs_dim {} and n_actions {} (got {} and {}), and hidden widths 1..=4096 in at most 16 layers (got {:?})",
                meta.env.name(),
                env.obs_dim(),
                env.n_actions(),
                meta.obs_dim,
                meta.n_actions,
                meta.hidden
            ),
        ));
    }
    let net = MlpConfig {
        hidden: meta.hidden.clone(),
        activation: meta.activation,
    }
    .init(meta.obs_dim, meta.n_actions, device);
    let net = ai4s_core::io::load_weights(net, weights).map_err(|e| {
        Error::data(
            weights,
            None,
            format!(
                "cannot load the policy weights ({e:?}); was it written by `ai4s run {}`?",
                meta.agent
            ),
        )
    })?;
    Ok((net, meta))
}
