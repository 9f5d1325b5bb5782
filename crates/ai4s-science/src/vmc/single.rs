//! The one-particle systems: the 1-D harmonic oscillator and the hydrogen atom, whose exact
//! ground states lie inside the ansatz `log psi = f(q) - a q^k`.

use super::config::VmcConfig;
use ai4s_core::burn::module::{Module, Param};
use ai4s_core::burn::optim::{AdamConfig, GradientsParams};
use ai4s_core::burn::tensor::{Device, Distribution, Tensor, TensorData};
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use ai4s_core::tensor::to_vec as values;
use ai4s_core::{Error, Result, RunContext};

/// Which system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum System {
    /// 1-D harmonic oscillator, `V = x^2/2`.
    Oscillator,
    /// Hydrogen atom, `V = -1/r` (3-D).
    Hydrogen,
}

impl System {
    pub(crate) fn dim(self) -> usize {
        match self {
            System::Oscillator => 1,
            System::Hydrogen => 3,
        }
    }
    pub(crate) fn exact(self) -> f64 {
        match self {
            System::Oscillator => 0.5,
            System::Hydrogen => -0.5,
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            System::Oscillator => "oscillator",
            System::Hydrogen => "hydrogen",
        }
    }
}

/// Neural trial wavefunction `log psi = f(q) - a q^k`.
#[derive(Module, Debug)]
struct Wavefunction {
    net: Mlp,
    envelope: Param<Tensor<1>>,
}

impl Wavefunction {
    fn new(width: usize, device: &Device) -> Self {
        Wavefunction {
            net: MlpConfig {
                hidden: vec![width],
                activation: Activation::Tanh,
            }
            .init(1, 1, device),
            envelope: Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![0.0f32], [1]),
                device,
            )),
        }
    }

    /// `u = log psi`, `u'` and `u''` with respect to `q` (`[n, 1]` each).
    fn log_psi(&self, q: Tensor<2>, system: System) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
        let (f, f1, f2) = match self.net.forward_jet(q.clone(), &[0]) {
            Ok(jet) => (jet.value, jet.first[0].clone(), jet.second[0].clone()),
            // Unreachable: the network is built with tanh. A NaN energy would stop the run.
            Err(_) => {
                let nan = q.clone().zeros_like() + f64::NAN;
                (nan.clone(), nan.clone(), nan)
            }
        };
        // a = softplus(raw) + 0.1 keeps the envelope normalisable; raw 0 -> a = 0.79.
        let a = ai4s_core::burn::tensor::activation::softplus(self.envelope.val(), 1.0)
            .unsqueeze_dim::<2>(0)
            + 0.1;
        match system {
            System::Oscillator => (
                f - a.clone() * q.clone() * q.clone(),
                f1 - a.clone() * q * 2.0,
                f2 - a * 2.0,
            ),
            System::Hydrogen => (f - a.clone() * q, f1 - a, f2),
        }
    }

    /// Local energy of walkers at radius/coordinate `q`.
    fn local_energy(&self, q: Tensor<2>, system: System) -> (Tensor<2>, Tensor<2>) {
        let (u, u1, u2) = self.log_psi(q.clone(), system);
        let kinetic = match system {
            System::Oscillator => (u2 + u1.clone() * u1) * (-0.5),
            System::Hydrogen => (u2 + u1.clone() * u1.clone() + u1 * 2.0 / q.clone()) * (-0.5),
        };
        let v = match system {
            System::Oscillator => q.clone() * q * 0.5,
            System::Hydrogen => q.recip().neg(),
        };
        (kinetic + v, u)
    }
}

/// Walkers: Cartesian positions `[n, dim]`.
struct Walkers {
    pos: Tensor<2>,
}

impl Walkers {
    fn q(&self, system: System) -> Tensor<2> {
        match system {
            System::Oscillator => self.pos.clone(),
            System::Hydrogen => (self.pos.clone() * self.pos.clone()).sum_dim(1).sqrt(),
        }
    }

    /// Metropolis moves sampling |psi|^2 with Gaussian proposals of width `step`.
    fn moves(&mut self, psi: &Wavefunction, system: System, n: usize, step: f64) {
        let device = self.pos.device();
        let [w, d] = self.pos.dims();
        let mut logp = psi.log_psi(self.q(system), system).0 * 2.0;
        for _ in 0..n {
            let prop =
                self.pos.clone() + Tensor::random([w, d], Distribution::Normal(0.0, step), &device);
            let trial = Walkers { pos: prop };
            let logp_new = psi.log_psi(trial.q(system), system).0 * 2.0;
            let u: Tensor<2> = Tensor::random([w, 1], Distribution::Default, &device);
            let accept = u
                .log()
                .lower((logp_new.clone() - logp.clone()).clamp_max(0.0));
            self.pos = self
                .pos
                .clone()
                .mask_where(accept.clone().repeat_dim(1, d), trial.pos);
            logp = logp.mask_where(accept, logp_new);
        }
    }
}

/// Energy, its standard error, and the training curve.
pub(crate) type Solved = (f64, f64, Vec<(f64, f64)>);

pub(crate) fn solve(system: System, cfg: &VmcConfig, ctx: &mut RunContext) -> Result<Solved> {
    let ad = ctx.device.clone().autodiff();
    let mut psi = Wavefunction::new(cfg.width, &ad);
    let mut optim = AdamConfig::new().init();
    let d = system.dim();
    let mut walkers = Walkers {
        pos: Tensor::random(
            [cfg.walkers, d],
            Distribution::Normal(0.0, 1.0),
            &ctx.device,
        ),
    };
    let step = 0.8;
    let mut curve = Vec::new();
    let mut bar = ctx.progress(system.name(), (cfg.iterations + cfg.blocks) as u64);
    for it in 0..cfg.iterations {
        let plain = psi.valid();
        walkers.moves(&plain, system, cfg.moves_per_iteration, step);
        let q = walkers.q(system).detach();
        let q_ad = Tensor::from_data(q.into_data(), &ad);
        let (e_loc, u) = psi.local_energy(q_ad, system);
        let e_vals = values(e_loc.clone())?;
        let mean = e_vals.iter().sum::<f64>() / e_vals.len() as f64;
        if !mean.is_finite() {
            return Err(Error::Diverged {
                step: it + 1,
                message: format!("{}: local energy is {mean}; lower lr", system.name()),
            });
        }
        // VMC gradient: 2 E[(E_L - <E_L>) d log psi], E_L held constant.
        let centred = (e_loc.detach() - mean).clamp(-50.0, 50.0);
        let loss = (centred * u).mean() * 2.0;
        let grads = GradientsParams::from_grads(loss.backward(), &psi);
        psi = optim.step(cfg.lr, psi, grads);
        curve.push(((it + 1) as f64, mean));
        ctx.log(it + 1, &[(&format!("{}_energy", system.name()), mean)]);
        bar.set_metric("E", mean);
        bar.inc(1);
    }
    // Measurement: block means after decorrelating moves.
    let plain = psi.valid();
    let mut blocks = Vec::with_capacity(cfg.blocks);
    for _ in 0..cfg.blocks {
        walkers.moves(&plain, system, cfg.moves_per_iteration, step);
        let e = values(plain.local_energy(walkers.q(system), system).0)?;
        blocks.push(e.iter().sum::<f64>() / e.len() as f64);
        bar.inc(1);
    }
    bar.finish();
    let n = blocks.len() as f64;
    let mean = blocks.iter().sum::<f64>() / n;
    let err =
        (blocks.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() / n.sqrt();
    Ok((mean, err, curve))
}
