//! A bank of small physics-informed networks, one per (ensemble member, temperature), trained
//! together: every weight tensor has a leading network axis and every layer is one batched
//! matmul, so thirty networks cost one step of one.
//!
//! Each network gives the normalised fraction `u(xi, s)` at depth `xi = x / L` (in depth
//! windows) and square-root time `s = sqrt(t / t_anneal)` (diffusion lengths grow as
//! `sqrt(t)`). With `kappa = D t_anneal / L^2` the diffusion equation `u_tau = kappa u_xixi`
//! (`tau = t / t_anneal`, `u_tau = u_s / (2 s)`) is imposed as the time-weighted residual
//! `r = tau (u_tau - kappa u_xixi) = s u_s / 2 - kappa s^2 u_xixi`.
//!
//! The surface condition `u(0, s) = 1` and the initial condition `u(xi, 0) = 0` disagree at the
//! corner `xi = s = 0`, where the solution jumps. A network fed `(xi, s)` cannot represent the
//! jump, and its misfit there pulls `kappa` away (our first runs, with `(xi, s)` inputs and a
//! weaker residual weight, ended with every member's `D` 2-10 times too small). So the network
//! reads the corner-resolving coordinates `(q, s)`,
//! `q = xi / (xi + sqrt(kappa) s + eps)` (`eps = 1e-6`): `q = 0` on the surface, `q = 1` at the
//! start, and the corner opens into the segment `s = 0`, `0 < q < 1`. Any solution of the problem
//! depends on `xi / s` alone (Boltzmann's similarity variable, a property of the equation), hence
//! on `q` alone, smoothly; measuring depth in units of the network's own diffusion length
//! `sqrt(kappa) s` makes that shape the same for every `kappa`, so the data act on `kappa`
//! directly and not only through a reshaped network. The network still has to find the shape
//! from the residual and `kappa` from the data; its `s` input lets it leave the similarity form,
//! which only the residual forbids.
//!
//! burn's autodiff is first order, so `u_s`, `u_xi` and `u_xixi` are propagated forward through
//! the layers as ordinary tensor ops (for `a = tanh(z)`, `z = h W + b`: `z' = h' W`,
//! `z'' = h'' W`, `a' = (1 - a^2) z'`, `a'' = (1 - a^2) z'' - 2 a (1 - a^2) z'^2`, the batched form
//! of [`ai4s_core::mlp::Mlp::forward_jet`]), starting from the input map's own derivatives: with
//! `b = sqrt(kappa) s + eps`, `q_xi = b / (xi + b)^2`, `q_s = -sqrt(kappa) xi / (xi + b)^2`,
//! `q_xixi = -2 b / (xi + b)^3`. One `backward()` of the loss then trains the weights and
//! `ln kappa` together (through the residual, and through `q`).

use ai4s_core::Result;
use ai4s_core::burn::module::{Module, Param};
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::checkpoint::TrainRng;
use ai4s_core::tensor::{tanh, to_vec};
use ai4s_core::train::Objective;
use rand::Rng;
use std::cell::RefCell;

/// Inputs of every network: the similarity coordinate `q` and square-root time `s`.
const INPUTS: usize = 2;
/// Regulariser of `q = xi / (xi + sqrt(kappa) s + eps)` at the corner.
pub const Q_EPS: f64 = 1e-6;

/// `networks` independent tanh MLPs `(q, s) -> u` with a trainable `ln kappa` each.
#[derive(Module, Debug)]
pub struct PinnBank {
    /// Layer weights `[networks, d_in, d_out]`, input to output.
    pub weights: Vec<Param<Tensor<3>>>,
    /// Layer biases `[networks, 1, d_out]`.
    pub biases: Vec<Param<Tensor<3>>>,
    /// `ln kappa` per network, `kappa = D t_anneal / L^2`.
    pub log_kappa: Param<Tensor<1>>,
}

/// A network's output and its derivatives along depth and square-root time at a batch of
/// points, each `[networks, n, 1]`.
pub struct Fields {
    /// `u`.
    pub u: Tensor<3>,
    /// `du / dxi`.
    pub u_x: Tensor<3>,
    /// `du / ds`.
    pub u_s: Tensor<3>,
    /// `d^2 u / dxi^2`.
    pub u_xx: Tensor<3>,
}

/// The network inputs `(2 q - 1, 2 s - 1)` at `points` (`(xi, s)`) with
/// `q = xi / (xi + c s + eps)`, `c = sqrt(kappa)` per network (`[networks, 1, 1]`), and `q`'s
/// derivatives `q_xi`, `q_s`, `q_xixi`, each `[networks, n, 1]`.
fn inputs(points: Tensor<3>, c: Tensor<3>) -> (Tensor<3>, [Tensor<3>; 3]) {
    let xi = points.clone().narrow(2, 0, 1);
    let s = points.narrow(2, 1, 1);
    let cs = s.clone() * c.clone() + Q_EPS;
    let den = xi.clone() + cs.clone();
    let q = xi.clone() / den.clone();
    let den2 = den.clone() * den.clone();
    let q_x = cs.clone() / den2.clone();
    let q_s = (xi * c).neg() / den2.clone();
    let q_xx = cs.neg() * 2.0 / (den2 * den);
    let h = Tensor::cat(vec![q * 2.0 - 1.0, s * 2.0 - 1.0], 2);
    (h, [q_x, q_s, q_xx])
}

impl PinnBank {
    /// Glorot-uniform weights and zero biases drawn from `rng` (reproducible on every backend),
    /// and the given initial `ln kappa` (one per network).
    pub fn new(hidden: &[usize], log_kappa: &[f64], rng: &mut impl Rng, device: &Device) -> Self {
        let m = log_kappa.len();
        let mut widths = vec![INPUTS];
        widths.extend(hidden);
        widths.push(1);
        let (mut weights, mut biases) = (Vec::new(), Vec::new());
        for w in widths.windows(2) {
            let a = (6.0 / (w[0] + w[1]) as f64).sqrt();
            let v: Vec<f32> = (0..m * w[0] * w[1])
                .map(|_| (a * (2.0 * rng.random::<f64>() - 1.0)) as f32)
                .collect();
            weights.push(Param::from_tensor(Tensor::from_data(
                TensorData::new(v, [m, w[0], w[1]]),
                device,
            )));
            biases.push(Param::from_tensor(Tensor::zeros([m, 1, w[1]], device)));
        }
        let lk: Vec<f32> = log_kappa.iter().map(|&v| v as f32).collect();
        PinnBank {
            weights,
            biases,
            log_kappa: Param::from_tensor(Tensor::from_data(TensorData::new(lk, [m]), device)),
        }
    }

    /// Number of networks.
    pub fn networks(&self) -> usize {
        self.log_kappa.val().dims()[0]
    }

    /// `kappa` per network as a `[networks, 1, 1]` tensor.
    pub fn kappa(&self) -> Tensor<3> {
        let m = self.networks();
        self.log_kappa.val().exp().reshape([m, 1, 1])
    }

    /// `sqrt(kappa)`, the diffusion length over `2` in depth windows, `[networks, 1, 1]`.
    pub fn length(&self) -> Tensor<3> {
        let m = self.networks();
        (self.log_kappa.val() * 0.5).exp().reshape([m, 1, 1])
    }

    /// `u` at `points` (`[networks, n, 2]` holding `(xi, s)`), `[networks, n, 1]`.
    pub fn forward(&self, points: Tensor<3>) -> Tensor<3> {
        let last = self.weights.len() - 1;
        let mut h = inputs(points, self.length()).0;
        for (i, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            let z = h.matmul(w.val()) + b.val();
            h = if i < last { tanh(z) } else { z };
        }
        h
    }

    /// `u` and its derivatives at `points` by forward-mode propagation through the layers.
    pub fn fields(&self, points: Tensor<3>) -> Fields {
        let last = self.weights.len() - 1;
        let (h, [q_x, q_s, q_xx]) = inputs(points, self.length());
        let (w0, b0) = (self.weights[0].val(), self.biases[0].val());
        // The inputs' derivatives are (2 q_xi, 0), (2 q_s, 2) and (2 q_xixi, 0): the first
        // layer's are the rows of its weight matrix, scaled point by point.
        let (w_q, w_s) = (w0.clone().narrow(1, 0, 1), w0.clone().narrow(1, 1, 1));
        let z = h.matmul(w0) + b0;
        let z_x = q_x * w_q.clone() * 2.0;
        let z_s = q_s * w_q.clone() * 2.0 + w_s * 2.0;
        let z_xx = q_xx * w_q * 2.0;
        if last == 0 {
            return Fields {
                u: z,
                u_x: z_x,
                u_s: z_s,
                u_xx: z_xx,
            };
        }
        let (mut a, mut a_x, mut a_s, mut a_xx) = activate(z, z_x, z_s, z_xx);
        for (i, (w, b)) in self.weights.iter().zip(&self.biases).enumerate().skip(1) {
            let w = w.val();
            let z = a.matmul(w.clone()) + b.val();
            let z_x = a_x.matmul(w.clone());
            let z_s = a_s.matmul(w.clone());
            let z_xx = a_xx.matmul(w);
            if i == last {
                return Fields {
                    u: z,
                    u_x: z_x,
                    u_s: z_s,
                    u_xx: z_xx,
                };
            }
            (a, a_x, a_s, a_xx) = activate(z, z_x, z_s, z_xx);
        }
        unreachable!("the loop returns at the last layer")
    }

    /// The time-weighted residual `s u_s / 2 - kappa s^2 u_xixi` at `points`.
    pub fn residual(&self, points: Tensor<3>) -> Tensor<3> {
        let s = points.clone().narrow(2, 1, 1);
        let f = self.fields(points);
        s.clone() * f.u_s * 0.5 - self.kappa() * s.clone() * s * f.u_xx
    }
}

/// `tanh` of a layer's pre-activation and its derivatives.
fn activate(
    z: Tensor<3>,
    z_x: Tensor<3>,
    z_s: Tensor<3>,
    z_xx: Tensor<3>,
) -> (Tensor<3>, Tensor<3>, Tensor<3>, Tensor<3>) {
    let a = tanh(z);
    let g = (a.clone() * a.clone()).neg() + 1.0;
    let a_xx = g.clone() * z_xx - a.clone() * g.clone() * z_x.clone() * z_x.clone() * 2.0;
    (a, g.clone() * z_x, g * z_s, a_xx)
}

/// The measured profiles as seen by the bank: one block per network.
pub struct PinnData {
    /// `(xi, s = 1)` of every measurement, `[networks, points, 2]`.
    pub points: Vec<f32>,
    /// Normalised fractions, `[networks, points, 1]`.
    pub targets: Vec<f32>,
    /// Weight of each point in its network's misfit (summing to 1 per network).
    pub weights: Vec<f32>,
    /// Measurements per profile.
    pub per_network: usize,
}

/// The mean squared terms of each network's loss, `[networks]` each.
pub struct LossParts {
    /// Weighted squared misfit of the data.
    pub data: Tensor<1>,
    /// Mean squared time-weighted PDE residual.
    pub pde: Tensor<1>,
    /// Mean squared violation of the surface (`u = 1`), initial (`u = 0`) and far-field
    /// (`u = 0`) conditions, summed.
    pub conditions: Tensor<1>,
}

/// Training objective of the bank: data misfit, PDE residual at fresh collocation points, and
/// the three conditions; the networks' losses are summed (each network's gradient is its own).
pub struct PinnObjective {
    /// Steps per epoch.
    pub steps: usize,
    /// Collocation points per network per step.
    pub collocation: usize,
    /// Points per condition per network per step.
    pub condition_points: usize,
    /// Depth of the collocation domain, windows (the far-field condition holds at its end).
    pub domain: f64,
    /// Reference `sqrt(kappa)` of the collocation points' `q` (the initial guess).
    pub length: f64,
    /// Weight of the PDE residual.
    pub pde_weight: f64,
    /// Weight of each condition.
    pub condition_weight: f64,
    /// The data.
    pub data: PinnData,
    /// Fixed points for validation, as drawn by [`sample_points`].
    pub val_points: Vec<f32>,
    /// Collocation points per network in `val_points`.
    pub val_collocation: usize,
    /// The stream of collocation points.
    pub rng: RefCell<TrainRng>,
    /// Device of the training bank (autodiff).
    pub device: Device,
    /// Device for validation.
    pub plain: Device,
}

/// Random points for `networks` networks, `[networks, collocation + 3 conditions, 2]`: per
/// network `collocation` points uniform in `(q, s)` with `q = xi / (xi + length s)` and
/// `xi <= domain` (uniform in `(xi, s)`, most would fall where the profile has long vanished),
/// then `conditions` points on
/// the surface `(0, s)`, at the start `(xi, 0)` and on the far boundary `(domain, s)`.
pub fn sample_points(
    rng: &mut impl Rng,
    networks: usize,
    collocation: usize,
    conditions: usize,
    domain: f64,
    length: f64,
) -> Vec<f32> {
    let mut v = Vec::with_capacity(networks * (collocation + 3 * conditions) * 2);
    for _ in 0..networks {
        for _ in 0..collocation {
            // Uniform in (q, s), where the profile lives, kept inside the domain.
            let (xi, s) = loop {
                let (q, s) = (rng.random::<f64>(), rng.random::<f64>());
                let xi = q * (length * s + Q_EPS) / (1.0 - q);
                if xi <= domain {
                    break (xi, s);
                }
            };
            v.push(xi as f32);
            v.push(s as f32);
        }
        for side in 0..3 {
            for _ in 0..conditions {
                let r = rng.random::<f64>();
                let (xi, s) = match side {
                    0 => (0.0, r),
                    1 => (domain * r, 0.0),
                    _ => (domain, r),
                };
                v.push(xi as f32);
                v.push(s as f32);
            }
        }
    }
    v
}

impl PinnObjective {
    /// The loss terms of every network at the random `points` (from [`sample_points`] with
    /// `collocation` collocation points) on `device`.
    pub fn parts(
        &self,
        bank: &PinnBank,
        points: &[f32],
        collocation: usize,
        device: &Device,
    ) -> LossParts {
        let m = bank.networks();
        let nb = self.condition_points;
        let p = self.data.per_network;
        let per = collocation + 3 * nb;
        let random = Tensor::<3>::from_data(TensorData::new(points.to_vec(), [m, per, 2]), device);
        let data_points =
            Tensor::<3>::from_data(TensorData::new(self.data.points.clone(), [m, p, 2]), device);
        let targets = Tensor::<3>::from_data(
            TensorData::new(self.data.targets.clone(), [m, p, 1]),
            device,
        );
        let weights = Tensor::<3>::from_data(
            TensorData::new(self.data.weights.clone(), [m, p, 1]),
            device,
        );
        let residual = bank.residual(random.clone().narrow(1, 0, collocation));
        let pde = (residual.clone() * residual).mean_dim(1).reshape([m]);
        // Data and conditions need only the values: one plain forward pass over both.
        let plain_points = Tensor::cat(vec![data_points, random.narrow(1, collocation, 3 * nb)], 1);
        let u = bank.forward(plain_points);
        let err = u.clone().narrow(1, 0, p) - targets;
        let data = (err.clone() * err * weights).sum_dim(1).reshape([m]);
        let sq_mean = |t: Tensor<3>| (t.clone() * t).mean_dim(1).reshape([m]);
        let conditions = sq_mean(u.clone().narrow(1, p, nb) - 1.0)
            + sq_mean(u.clone().narrow(1, p + nb, nb))
            + sq_mean(u.narrow(1, p + 2 * nb, nb));
        LossParts {
            data,
            pde,
            conditions,
        }
    }

    fn total(&self, parts: LossParts) -> Tensor<1> {
        (parts.data + parts.pde * self.pde_weight + parts.conditions * self.condition_weight).sum()
    }
}

impl Objective<PinnBank> for PinnObjective {
    fn random_stream(&self) -> Option<&RefCell<TrainRng>> {
        Some(&self.rng)
    }

    fn n_train(&self) -> usize {
        self.steps * self.collocation
    }

    fn loss(&self, bank: &PinnBank, _batch: &[usize]) -> Tensor<1> {
        let points = sample_points(
            &mut *self.rng.borrow_mut(),
            bank.networks(),
            self.collocation,
            self.condition_points,
            self.domain,
            self.length,
        );
        self.total(self.parts(bank, &points, self.collocation, &self.device))
    }

    /// The same loss, summed over the networks, at fixed points.
    fn validate(&self, bank: &PinnBank) -> Result<f64> {
        let parts = self.parts(bank, &self.val_points, self.val_collocation, &self.plain);
        Ok(to_vec(self.total(parts))?[0])
    }
}
