//! Your own environment, learned by PPO: a furnace to bring to a target temperature and hold.
//!
//! The story: each minute a controller cools (-5 K), holds or heats (+5 K) a furnace towards a
//! target drawn per run, while the furnace loses 5 % of its excess over the 20 C room (which the
//! agent is not told). Reward: minus the distance to the target. We compare the greedy policy
//! before and after PPO with a thermostat rule. A new environment only implements
//! `ai4s::rl::env::Env`; `ai4s::rl::ppo::train` takes only the shipped environments, so the PPO
//! loop is assembled from public pieces (vectorised environments, host policies, GAE,
//! actor-critic, optimiser step), with the clipped-surrogate loss written out.
//!
//! Run: `cargo run --release --example own_environment_ppo -- [--quick] [--out DIR]`

use ai4s::core::burn::optim::AdamConfig;
use ai4s::core::burn::tensor::{Int, Tensor, TensorData, activation::log_softmax};
use ai4s::core::device::{Precision, make_device, resolve_backend};
use ai4s::core::mlp::MlpConfig;
use ai4s::core::{Result, io, metrics::mean_std, train::optimizer_step};
use ai4s::rl::env::{Env, InvalidAction, Outcome, VecEnv, check_action};
use ai4s::rl::policy::{HostMlp, argmax, sample};
use ai4s::rl::ppo::{ActorCritic, gae};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::path::Path;

const HORIZON: usize = 30; // minutes per run

/// The furnace: temperature and target (C), minutes used, and the run's random stream.
pub struct Furnace(f64, f64, usize, StdRng);

impl Env for Furnace {
    fn obs_dim(&self) -> usize {
        3
    }
    fn n_actions(&self) -> usize {
        3
    }
    fn reset(&mut self) {
        self.0 = self.3.random_range(0.0..100.0);
        self.1 = self.3.random_range(20.0..80.0);
        self.2 = 0;
    }
    /// Error to the target, excess over the room, time used: all of order one.
    fn observe(&self, out: &mut [f32]) {
        let (err, excess) = ((self.0 - self.1) / 20.0, (self.0 - 20.0) / 50.0);
        out.copy_from_slice(&[err as f32, excess as f32, self.2 as f32 / HORIZON as f32]);
    }
    fn step(&mut self, action: usize) -> std::result::Result<Outcome, InvalidAction> {
        check_action(action, 3)?; // cool, hold, heat: anything else is refused
        let noise = self.3.random_range(-0.5..0.5);
        self.0 += 5.0 * (action as f64 - 1.0) - 0.05 * (self.0 - 20.0) + noise;
        self.2 += 1;
        // Time is observed, so the end of the run is a true terminal state.
        let reward = -(self.0 - self.1).abs() / 20.0;
        Ok(Outcome {
            reward,
            terminated: self.2 == HORIZON,
            truncated: false,
        })
    }
}

/// A furnace whose runs are drawn from `seed`.
pub fn furnace(seed: u64) -> Box<dyn Env> {
    Box::new(Furnace(20.0, 50.0, 0, StdRng::seed_from_u64(seed)))
}

/// Mean return of 100 runs of the policy `act`, on furnaces never used in training.
pub fn evaluate(act: &dyn Fn(&[f32]) -> usize) -> Result<f64> {
    let mut venv = VecEnv::from_envs((0..100).map(|k| furnace((1 << 40) + k)).collect());
    for _ in 0..HORIZON {
        venv.step(&venv.obs().chunks(3).map(act).collect::<Vec<_>>())?;
    }
    Ok(venv.finished.iter().map(|r| r.0).sum::<f64>() / 100.0)
}

/// Greedy mean returns (untrained, PPO, thermostat rule) of PPO trained for 20k (quick) or
/// 100k environment steps; `returns.csv` in `out`.
pub fn run(quick: bool, out: &Path) -> Result<[f64; 3]> {
    let (n_envs, epochs, gamma, lambda, clip, lr0) = (8, 20, 0.95, 0.9, 0.2, 3e-3);
    let ad = make_device(resolve_backend(None)?, Precision::F32, 1)?.autodiff();
    let mut venv = VecEnv::from_envs((0..n_envs).map(furnace).collect());
    let net = MlpConfig::default(); // tanh, 64-64
    let mut model = ActorCritic {
        actor: net.init(3, 3, &ad),
        critic: net.init(3, 1, &ad),
    };
    let (mut optim, mut rng) = (AdamConfig::new().init(), StdRng::seed_from_u64(1));
    let greedy = |p: &HostMlp| evaluate(&|o| argmax(&p.forward(o)));
    let before = greedy(&HostMlp::from_mlp(&model.actor)?)?;
    let batch = n_envs as usize * HORIZON;
    let iters = if quick { 20_000 } else { 100_000 } / batch;
    for it in 0..iters {
        // 1. Roll out the current stochastic policy on the host, one full run per furnace.
        let actor = HostMlp::from_mlp(&model.actor)?;
        let critic = HostMlp::from_mlp(&model.critic)?;
        let value = |o: &[f32]| critic.forward(o)[0] as f64;
        let (mut obs, mut acts, mut logp, mut vals) = (vec![], vec![], vec![], vec![]);
        let (mut rews, mut dones): (Vec<f64>, Vec<bool>) = (vec![], vec![]);
        for _ in 0..HORIZON {
            for o in venv.obs().chunks(3) {
                let (a, lp) = sample(&actor.forward(o), &mut rng);
                obs.extend_from_slice(o);
                acts.push(a);
                logp.push(lp as f32);
                vals.push(value(o));
            }
            let s = venv.step(&acts[acts.len() - venv.len()..])?;
            rews.extend(s.rewards);
            dones.extend(s.terminated);
        }
        // 2. Advantages by GAE, normalised; value targets.
        let last: Vec<f64> = venv.obs().chunks(3).map(value).collect();
        let (adv, ret) = gae(&rews, &vals, &dones, &last, gamma, lambda);
        let (m, s) = mean_std(&adv);
        let adv: Vec<f32> = adv.iter().map(|a| ((a - m) / (s + 1e-8)) as f32).collect();
        let ret: Vec<f32> = ret.iter().map(|&r| r as f32).collect();
        // 3. Gradient steps on the clipped surrogate and value loss, learning rate annealed.
        let lr = lr0 * (1.0 - it as f64 / iters as f64);
        let t = |v: Vec<f32>, w| Tensor::<2>::from_data(TensorData::new(v, [batch, w]), &ad);
        let (x, a_hat, old, ret) = (t(obs, 3), t(adv, 1), t(logp, 1), t(ret, 1));
        let a: Vec<i64> = acts.iter().map(|&a| a as i64).collect();
        let a = Tensor::<2, Int>::from_data(TensorData::new(a, [batch, 1]), &ad);
        for _ in 0..epochs {
            let new_logp = log_softmax(model.actor.forward(x.clone()), 1).gather(1, a.clone());
            let ratio = (new_logp - old.clone()).exp();
            let clipped = ratio.clone().clamp(1.0 - clip, 1.0 + clip) * a_hat.clone();
            let policy_loss = (ratio * a_hat.clone()).min_pair(clipped).mean().neg();
            let value_error = model.critic.forward(x.clone()) - ret.clone();
            let loss = policy_loss + value_error.powi_scalar(2).mean() * 0.25;
            model = optimizer_step(&mut optim, model, loss, lr, "ppo (lr)", it + 1)?.0;
        }
    }
    // The thermostat: heat below the target, cool above it, hold within 2.5 K (0.125 x 20).
    let rule = evaluate(&|o| usize::from(o[0] < 0.125) + usize::from(o[0] < -0.125))?;
    let after = greedy(&HostMlp::from_mlp(&model.actor)?)?;
    io::create_dir(out)?;
    let csv = format!("untrained,ppo,thermostat\n{before},{after},{rule}\n");
    io::write_atomic(&out.join("returns.csv"), csv.as_bytes())?;
    Ok([before, after, rule])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.windows(2).find(|w| w[0] == "--out");
    let out = Path::new(out.map_or("runs/own_environment_ppo", |w| &w[1]));
    let [before, after, rule] = run(args.iter().any(|a| a == "--quick"), out).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code())
    });
    println!("mean return: untrained {before:.2}, PPO {after:.2}, thermostat {rule:.2}");
}
