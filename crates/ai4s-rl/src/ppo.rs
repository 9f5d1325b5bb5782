//! Proximal policy optimisation (Schulman et al. 2017) with generalised advantage estimation
//! (Schulman et al. 2016), over vectorised environments.
//!
//! Each iteration collects `n_steps` transitions from each of `n_envs` environments with the
//! current stochastic policy, computes advantages by GAE,
//!
//! ```text
//! delta_t = r_t + gamma V(s_{t+1}) (1 - done_t) - V(s_t)
//! A_t     = delta_t + gamma lambda (1 - done_t) A_{t+1},     R_t = A_t + V(s_t)
//! ```
//!
//! where a time-limit truncation folds `gamma V(s_final)` into `r_t` (the episode did not really
//! end), then runs `epochs` passes of minibatch gradient steps on
//! `L = -min(rho A, clip(rho, 1-eps, 1+eps) A) + c_v (V - R)^2 / 2 - c_e H[pi]`, with
//! `rho = pi(a|s) / pi_old(a|s)` and advantages normalised per minibatch. Separate actor and
//! critic networks; learning rate and clip range annealed linearly to zero; per-tensor gradient
//! norm clipping. Defaults are the rl-baselines3-zoo settings for CartPole-v1.

use crate::agent::{Collected, EpisodeLog};
use crate::env::{EnvKind, VecEnv};
use crate::policy::{HostMlp, sample};
use ai4s_core::Result;
use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use ai4s_core::train::optimizer_step;
use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Int, Tensor, TensorData, activation};
use rand::seq::SliceRandom;
use rand::{SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// PPO hyper-parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PpoConfig {
    /// Parallel environments.
    pub n_envs: usize,
    /// Steps per environment per iteration.
    pub n_steps: usize,
    /// Minibatch size (a divisor of `n_envs * n_steps` is best).
    pub batch_size: usize,
    /// Passes over each rollout.
    pub epochs: usize,
    /// Discount factor.
    pub gamma: f64,
    /// GAE lambda.
    pub gae_lambda: f64,
    /// Initial clip range epsilon (annealed linearly to 0).
    pub clip: f64,
    /// Entropy bonus coefficient.
    pub ent_coef: f64,
    /// Value-loss coefficient.
    pub vf_coef: f64,
    /// Initial learning rate (annealed linearly to 0).
    pub lr: f64,
    /// Gradient norm limit per parameter tensor.
    pub max_grad_norm: f64,
    /// Hidden layers of the actor and of the critic.
    pub hidden: Vec<usize>,
}

impl Default for PpoConfig {
    fn default() -> Self {
        PpoConfig {
            n_envs: 8,
            n_steps: 32,
            batch_size: 256,
            epochs: 20,
            gamma: 0.98,
            gae_lambda: 0.8,
            clip: 0.2,
            ent_coef: 0.0,
            vf_coef: 0.5,
            lr: 1e-3,
            max_grad_norm: 0.5,
            hidden: vec![64, 64],
        }
    }
}

impl PpoConfig {
    /// Checks every field; errors name `field.<key>`.
    pub fn validate(&self, field: &str) -> Result<()> {
        let f = |k: &str| format!("{field}.{k}");
        ensure((1..=1024).contains(&self.n_envs), &f("n_envs"), || {
            "must be 1..=1024".into()
        })?;
        ensure(self.n_steps >= 1, &f("n_steps"), || {
            "must be at least 1".into()
        })?;
        ensure(
            (1..=self.n_envs * self.n_steps).contains(&self.batch_size),
            &f("batch_size"),
            || {
                format!(
                    "must be 1..={} (n_envs * n_steps)",
                    self.n_envs * self.n_steps
                )
            },
        )?;
        ensure(self.epochs >= 1, &f("epochs"), || {
            "must be at least 1".into()
        })?;
        ensure(self.gamma > 0.0 && self.gamma <= 1.0, &f("gamma"), || {
            "must lie in (0, 1]".into()
        })?;
        ensure(
            (0.0..=1.0).contains(&self.gae_lambda),
            &f("gae_lambda"),
            || "must lie in [0, 1]".into(),
        )?;
        ensure(self.clip > 0.0 && self.clip < 1.0, &f("clip"), || {
            "must lie in (0, 1)".into()
        })?;
        ensure(self.lr > 0.0 && self.lr < 1.0, &f("lr"), || {
            "must lie in (0, 1)".into()
        })?;
        ensure(self.max_grad_norm > 0.0, &f("max_grad_norm"), || {
            "must be positive".into()
        })?;
        ensure(
            self.ent_coef >= 0.0 && self.vf_coef > 0.0,
            &f("ent_coef"),
            || "ent_coef must be >= 0 and vf_coef > 0".into(),
        )?;
        MlpConfig {
            hidden: self.hidden.clone(),
            activation: Activation::Tanh,
        }
        .validate(field)
    }
}

/// Actor (logits) and critic (state value) networks.
#[derive(Module, Debug)]
pub struct ActorCritic {
    /// Policy network: observation -> action logits.
    pub actor: Mlp,
    /// Value network: observation -> V(s).
    pub critic: Mlp,
}

/// Advantages and returns by GAE for a time-major rollout (`t * n_envs + e`).
///
/// `dones[i]` says the episode ended at transition `i` (terminated or truncated; a truncation's
/// bootstrap value is already in `rewards[i]`); `last_values[e]` is V of each environment's
/// observation after the last step.
pub fn gae(
    rewards: &[f64],
    values: &[f64],
    dones: &[bool],
    last_values: &[f64],
    gamma: f64,
    lambda: f64,
) -> (Vec<f64>, Vec<f64>) {
    let n_envs = last_values.len();
    let t_len = rewards.len() / n_envs.max(1);
    let mut adv = vec![0.0; rewards.len()];
    let mut next_adv = vec![0.0; n_envs];
    for t in (0..t_len).rev() {
        for e in 0..n_envs {
            let i = t * n_envs + e;
            let next_v = if t + 1 == t_len {
                last_values[e]
            } else {
                values[i + n_envs]
            };
            let live = if dones[i] { 0.0 } else { 1.0 };
            let delta = rewards[i] + gamma * next_v * live - values[i];
            next_adv[e] = delta + gamma * lambda * live * next_adv[e];
            adv[i] = next_adv[e];
        }
    }
    let ret = adv.iter().zip(values).map(|(a, v)| a + v).collect();
    (adv, ret)
}

/// Trains a PPO agent for `total_steps` environment steps; `on_iter` sees the progress.
pub fn train(
    cfg: &PpoConfig,
    env: EnvKind,
    total_steps: usize,
    seed: u64,
    device: &Device,
    on_iter: &mut dyn FnMut(usize),
) -> Result<Collected> {
    let ad = device.clone().autodiff();
    let mut venv = VecEnv::new(env, cfg.n_envs, seed.wrapping_mul(1000));
    let (d, n_act) = (venv.obs_dim(), venv.n_actions());
    let net_cfg = MlpConfig {
        hidden: cfg.hidden.clone(),
        activation: Activation::Tanh,
    };
    let mut model = ActorCritic {
        actor: net_cfg.init(d, n_act, &ad),
        critic: net_cfg.init(d, 1, &ad),
    };
    let mut optim = AdamConfig::new()
        .with_epsilon(1e-5)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(cfg.max_grad_norm as f32)))
        .init();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5050);
    let batch = cfg.n_envs * cfg.n_steps;
    let iters = total_steps.div_ceil(batch).max(1);
    let mut log = EpisodeLog::default();
    let mut step = 0usize;
    let mut grad_steps = 0usize;
    for it in 0..iters {
        let frac = 1.0 - it as f64 / iters as f64;
        let (lr, clip) = (cfg.lr * frac, cfg.clip * frac);
        let actor = HostMlp::from_mlp(&model.actor)?;
        let critic = HostMlp::from_mlp(&model.critic)?;
        let mut obs = Vec::with_capacity(batch * d);
        let (mut acts, mut logps, mut vals, mut rews, mut dones) = (
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
        );
        for _ in 0..cfg.n_steps {
            let mut actions = Vec::with_capacity(cfg.n_envs);
            for o in venv.obs().chunks(d) {
                let (a, lp) = sample(&actor.forward(o), &mut rng);
                obs.extend_from_slice(o);
                actions.push(a);
                logps.push(lp);
                vals.push(critic.forward(o)[0] as f64);
            }
            let out = venv.step(&actions)?;
            step += cfg.n_envs;
            log.record(step, &mut venv);
            for e in 0..cfg.n_envs {
                let mut r = out.rewards[e];
                if out.truncated[e]
                    && !out.terminated[e]
                    && let Some(f) = &out.final_obs[e]
                {
                    r += cfg.gamma * critic.forward(f)[0] as f64;
                }
                rews.push(r);
                dones.push(out.terminated[e] || out.truncated[e]);
            }
            acts.extend(actions);
        }
        let last: Vec<f64> = venv
            .obs()
            .chunks(d)
            .map(|o| critic.forward(o)[0] as f64)
            .collect();
        let (adv, ret) = gae(&rews, &vals, &dones, &last, cfg.gamma, cfg.gae_lambda);
        let mut order: Vec<usize> = (0..batch).collect();
        for _ in 0..cfg.epochs {
            order.shuffle(&mut rng);
            for mb in order.chunks(cfg.batch_size) {
                let loss = ppo_loss(
                    &model, mb, &obs, d, &acts, &logps, &adv, &ret, clip, cfg, &ad,
                );
                grad_steps += 1;
                model = optimizer_step(&mut optim, model, loss, lr, "ppo", grad_steps)?.0;
            }
        }
        on_iter(step.min(total_steps));
    }
    Ok(Collected {
        policy: model.actor.valid(),
        episodes: log.episodes,
        env_steps: step,
    })
}

#[allow(clippy::too_many_arguments)]
fn ppo_loss(
    model: &ActorCritic,
    mb: &[usize],
    obs: &[f32],
    d: usize,
    acts: &[usize],
    logps: &[f64],
    adv: &[f64],
    ret: &[f64],
    clip: f64,
    cfg: &PpoConfig,
    device: &Device,
) -> Tensor<1> {
    let n = mb.len();
    let x: Vec<f32> = mb
        .iter()
        .flat_map(|&i| obs[i * d..(i + 1) * d].iter().copied())
        .collect();
    let a: Vec<i64> = mb.iter().map(|&i| acts[i] as i64).collect();
    let old: Vec<f32> = mb.iter().map(|&i| logps[i] as f32).collect();
    let mut ad: Vec<f64> = mb.iter().map(|&i| adv[i]).collect();
    let mean = ad.iter().sum::<f64>() / n as f64;
    let std = (ad.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    ad.iter_mut().for_each(|v| *v = (*v - mean) / (std + 1e-8));
    let ad: Vec<f32> = ad.into_iter().map(|v| v as f32).collect();
    let rt: Vec<f32> = mb.iter().map(|&i| ret[i] as f32).collect();
    let x = Tensor::<2>::from_data(TensorData::new(x, [n, d]), device);
    let a = Tensor::<2, Int>::from_data(TensorData::new(a, [n, 1]), device);
    let col = |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v, [n, 1]), device);
    let (old, ad, rt) = (col(old), col(ad), col(rt));
    let logp_all = activation::log_softmax(model.actor.forward(x.clone()), 1);
    let logp = logp_all.clone().gather(1, a);
    let ratio = (logp - old).exp();
    let pg1 = ad.clone().neg() * ratio.clone();
    let pg2 = ad.neg() * ratio.clamp(1.0 - clip, 1.0 + clip);
    let pg = pg1.max_pair(pg2).mean();
    let v = model.critic.forward(x);
    let vloss = (v - rt).powi_scalar(2).mean() * 0.5;
    let entropy = (logp_all.clone().exp() * logp_all).sum_dim(1).mean().neg();
    pg + vloss * cfg.vf_coef - entropy * cfg.ent_coef
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two environments, three steps, by hand (gamma 0.9, lambda 0.5).
    #[test]
    fn gae_matches_hand_computation() {
        let (g, l) = (0.9, 0.5);
        // env 0: no episode end; env 1: episode ends at t = 1.
        let rewards = [1.0, 0.0, 2.0, 1.0, 0.0, 3.0];
        let values = [0.5, 0.2, 0.4, 0.7, 0.1, 0.3];
        let dones = [false, false, false, true, false, false];
        let last = [1.0, 2.0];
        let (adv, ret) = gae(&rewards, &values, &dones, &last, g, l);
        // env 0
        let d2 = 0.0 + g * 1.0 - 0.1;
        let d1 = 2.0 + g * 0.1 - 0.4;
        let d0 = 1.0 + g * 0.4 - 0.5;
        let a2 = d2;
        let a1 = d1 + g * l * a2;
        let a0 = d0 + g * l * a1;
        // env 1: the end at t = 1 cuts both the bootstrap and the advantage recursion.
        let e2 = 3.0 + g * 2.0 - 0.3;
        let e1 = 1.0 - 0.7;
        let e0 = 0.0 + g * 0.7 - 0.2;
        let b2 = e2;
        let b1 = e1;
        let b0 = e0 + g * l * b1;
        let want = [a0, b0, a1, b1, a2, b2];
        for (i, w) in want.iter().enumerate() {
            assert!((adv[i] - w).abs() < 1e-12, "adv[{i}] = {} want {w}", adv[i]);
            assert!((ret[i] - (w + values[i])).abs() < 1e-12);
        }
    }
}
