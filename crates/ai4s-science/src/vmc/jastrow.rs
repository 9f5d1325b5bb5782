//! The helium wavefunction and its local energy.
//!
//! `log psi = -a (r1 + r2) + J(r1, r2, r12)` for the spatially symmetric singlet, with
//! `J = r12 / (2 (1 + b r12))  +  lambda (s_c(r1) + s_c(r2))  +  NN(s(r1) + s(r2), (s(r1) - s(r2))^2, s(r12))`,
//! `s_c(r) = r^2 / (r + c)`, `s = s_1`. With `a = Z = 2` the envelope carries the
//! electron-nucleus cusp `d log psi / d r_i = -Z` (Kato 1957), the Pade term the
//! electron-electron cusp `dJ / d r12 = 1/2` for antiparallel spins, and every other term has
//! zero slope at each coalescence (`s'(0) = 0`), so no weights can break either cusp. The
//! `lambda` term turns the envelope's decay from `Z` near the nucleus into `Z - lambda` far away
//! (screening); the network (tanh, its output layer starting at zero) is bounded, so `psi`
//! stays normalisable. The inputs are symmetric under exchanging the electrons.
//!
//! Local energy, `H = -(1/2)(lap_1 + lap_2) - Z/r1 - Z/r2 + 1/r12`, with the envelope's
//! `Z/r` terms cancelled analytically:
//! `E_L = -a^2 + (a - Z)(1/r1 + 1/r2) + a grad(r1 + r2) . grad J - (lap J + |grad J|^2)/2 + 1/r12`.
//! For `J = 0` and `a = Z` without the repulsion it is `-Z^2` at every point; for `J = 0` its
//! average is `a^2 - 2 Z a + 5 a / 8`, least at `a = Z - 5/16 = 27/16`, `-(27/16)^2`.

use super::jet::{Lap, distances};
use ai4s_core::burn::module::{Module, Param};
use ai4s_core::burn::tensor::activation::softplus;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};

/// Nuclear charge of helium.
pub const HELIUM_Z: f64 = 2.0;
/// Exact non-relativistic ground-state energy of helium (Hylleraas-type, Pekeris 1959), Ha.
pub const HELIUM_EXACT: f64 = -2.903724;
/// Hartree-Fock limit of helium (Clementi & Roetti 1974), Ha.
pub const HELIUM_HF: f64 = -2.86168;

/// Trial wavefunction of the helium atom (see the module docs).
#[derive(Module, Debug)]
pub struct HeliumAnsatz {
    /// Envelope exponent `a`.
    envelope: f64,
    /// `b = softplus(raw) + 0.01` of the Pade electron-electron term; none: no such term.
    pade: Option<Param<Tensor<1>>>,
    /// `lambda` of the screening term; none: no such term.
    screening: Option<Param<Tensor<1>>>,
    /// `c = softplus(raw) + 0.05` of the screening term.
    screening_range: Option<Param<Tensor<1>>>,
    /// The neural part of `J`.
    net: Option<Mlp>,
}

fn scalar(v: f64, device: &Device) -> Param<Tensor<1>> {
    Param::from_tensor(Tensor::from_data(
        TensorData::new(vec![v as f32], [1]),
        device,
    ))
}

fn first(t: Tensor<1>) -> Option<f64> {
    ai4s_core::tensor::to_vec(t).ok()?.first().copied()
}

/// `softplus^-1(v)`.
fn inverse_softplus(v: f64) -> f64 {
    v.exp_m1().ln()
}

impl HeliumAnsatz {
    /// `psi = exp(-z_eff (r1 + r2))`: independent hydrogenic electrons, no Jastrow factor.
    pub fn hydrogenic(z_eff: f64) -> Self {
        HeliumAnsatz {
            envelope: z_eff,
            pade: None,
            screening: None,
            screening_range: None,
            net: None,
        }
    }

    /// `psi = exp(-Z (r1 + r2)) exp(r12 / (2 (1 + b r12)))`, one parameter `b` (starting at
    /// `b`): the practitioner's Slater-Jastrow baseline, both cusps exact.
    pub fn pade(b: f64, device: &Device) -> Self {
        HeliumAnsatz {
            pade: Some(scalar(inverse_softplus(b - 0.01), device)),
            ..Self::hydrogenic(HELIUM_Z)
        }
    }

    /// The Pade term (starting at `b = 0.5`) with the screening term (starting at
    /// `lambda = 5/16`, `c = 1`), no network: three parameters, both cusps exact.
    pub fn screened_pade(device: &Device) -> Self {
        HeliumAnsatz {
            screening: Some(scalar(5.0 / 16.0, device)),
            screening_range: Some(scalar(inverse_softplus(1.0 - 0.05), device)),
            ..Self::pade(0.5, device)
        }
    }

    /// The neural Jastrow wavefunction with hidden layers `hidden`, starting from
    /// [`HeliumAnsatz::screened_pade`] (the network's output layer is zero).
    pub fn neural(hidden: &[usize], device: &Device) -> Self {
        let mut net = MlpConfig {
            hidden: hidden.to_vec(),
            activation: Activation::Tanh,
        }
        .init(3, 1, device);
        if let Some(out) = net.layers.last_mut() {
            out.weight = Param::from_tensor(out.weight.val().zeros_like());
            out.bias = out
                .bias
                .as_ref()
                .map(|b| Param::from_tensor(b.val().zeros_like()));
        }
        HeliumAnsatz {
            net: Some(net),
            ..Self::screened_pade(device)
        }
    }

    /// `b` of the Pade term, if any.
    pub fn pade_b(&self) -> Option<f64> {
        self.pade
            .as_ref()
            .and_then(|p| first(softplus(p.val(), 1.0) + 0.01))
    }

    /// `lambda` of the screening term, if any.
    pub fn screening(&self) -> Option<f64> {
        self.screening.as_ref().and_then(|p| first(p.val()))
    }

    fn jastrow_jet(&self, r: &[Lap; 3]) -> Option<Lap> {
        let [r1, r2, r12] = r;
        let param = |p: &Param<Tensor<1>>| p.val().unsqueeze_dim::<2>(0);
        let mut terms: Vec<Lap> = Vec::new();
        if let Some(p) = &self.pade {
            let b = softplus(param(p), 1.0) + 0.01;
            terms.push(r12.clone().pade(b));
        }
        if let (Some(l), Some(c)) = (&self.screening, &self.screening_range) {
            let c = softplus(param(c), 1.0) + 0.05;
            let s = r1
                .clone()
                .soft_linear(c.clone())
                .add(r2.clone().soft_linear(c));
            terms.push(s.scale_by(param(l)));
        }
        if let Some(net) = &self.net {
            let one = r1.v.ones_like();
            let s1 = r1.clone().soft_linear(one.clone());
            let s2 = r2.clone().soft_linear(one.clone());
            let diff = s1.clone().sub(s2.clone());
            let x = Lap::cat(vec![
                s1.add(s2),
                diff.clone().mul(diff),
                r12.clone().soft_linear(one),
            ]);
            terms.push(x.mlp(net));
        }
        terms.into_iter().reduce(Lap::add)
    }

    /// `J` at walkers `pos` (`[n, 6]`), `[n, 1]` (zero without a Jastrow factor).
    pub fn jastrow(&self, pos: Tensor<2>) -> Tensor<2> {
        let r = distances(pos, false);
        match self.jastrow_jet(&r) {
            Some(j) => j.v,
            None => r[0].v.zeros_like(),
        }
    }

    /// `log |psi|` at walkers `pos` (`[n, 6]`), `[n, 1]`.
    pub fn log_psi(&self, pos: Tensor<2>) -> Tensor<2> {
        let r = distances(pos, false);
        let envelope = (r[0].v.clone() + r[1].v.clone()) * (-self.envelope);
        match self.jastrow_jet(&r) {
            Some(j) => envelope + j.v,
            None => envelope,
        }
    }

    /// Local energy `(H psi) / psi` and `log psi` at walkers `pos` (`[n, 6]`), `[n, 1]` each;
    /// `repulsion: false` drops the `1/r12` term (two independent hydrogenic electrons).
    pub fn local_energy(&self, pos: Tensor<2>, repulsion: bool) -> (Tensor<2>, Tensor<2>) {
        let r = distances(pos, true);
        let a = self.envelope;
        let (r1, r2, r12) = (r[0].v.clone(), r[1].v.clone(), r[2].v.clone());
        let mut e = (r1.clone().recip() + r2.clone().recip()) * (a - HELIUM_Z) - a * a;
        if repulsion {
            e = e + r12.recip();
        }
        let mut log_psi = (r1 + r2) * (-a);
        if let Some(j) = self.jastrow_jet(&r) {
            log_psi = log_psi + j.v;
            if let Some(d) = j.d {
                let [t0, t1, t2] = d.t;
                let g2 = t0.clone() * t0.clone() + t1.clone() * t1.clone() + t2.clone() * t2;
                e = e + (t0 + t1) * a - (d.lap + g2) * 0.5;
            }
        }
        (e, log_psi)
    }
}
