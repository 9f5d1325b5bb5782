//! Pseudo-likelihood maximisation of the Potts model (plmDCA; Ekeberg, Lovkvist, Lan, Weigt &
//! Aurell, Phys. Rev. E 87, 012707 (2013)).
//!
//! The likelihood of a Potts model needs its partition function, a sum over `q^L` sequences.
//! The pseudo-likelihood replaces it by the conditionals of one position given all others,
//! each normalised over `q` states only. With one-hot rows `x_n` (`L q` entries), weights `w_n`
//! and `M_eff = sum_n w_n`, the objective minimised here is
//!
//! ```text
//! z_n,i(a) = h_i(a) + sum_{j != i} sum_b J_ij(a, b) x_n,j(b)        (all n, i, a: Z = X (J o M) + h)
//! f(h, J)  = -(1 / M_eff) sum_n w_n sum_i log softmax_a(z_n,i)[s_ni]
//!            + lambda_h |h|^2 + lambda_J |J|^2
//! ```
//!
//! where `M` masks the diagonal blocks. This is the asymmetric variant: `J_ij` (used in position
//! `i`'s conditional) and `J_ji` (in `j`'s) are separate parameters, and the estimate is their
//! average `(J_ij + J_ji^T) / 2`. The conditional logits of every sequence and every position
//! are one matrix product `[N, L q] x [L q, L q]`, so the whole alignment is one batched tensor
//! expression; the parameters are trained by full-batch Adam with a cosine learning-rate
//! decay, each step through [`ai4s_core::train::optimizer_step`].

use super::msa::Msa;
use ai4s_core::burn::module::{Module, Param};
use ai4s_core::burn::optim::AdamConfig;
use ai4s_core::burn::tensor::activation::log_softmax;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::train::optimizer_step;
use ai4s_core::{Result, RunContext};

/// Fields `h` (`[1, L q]`) and unsymmetrised couplings `w` (`[L q, L q]`, row `(j, b)`,
/// column `(i, a)`: the coupling of `s_j = b` into position `i`'s conditional of `a`).
#[derive(Module, Debug)]
pub struct Plm {
    /// Fields.
    pub h: Param<Tensor<2>>,
    /// Couplings (diagonal blocks masked out of every use).
    pub w: Param<Tensor<2>>,
}

impl Plm {
    /// All parameters zero (the independent uniform model).
    pub fn zeros(l: usize, q: usize, device: &Device) -> Plm {
        Plm {
            h: Param::from_tensor(Tensor::zeros([1, l * q], device)),
            w: Param::from_tensor(Tensor::zeros([l * q, l * q], device)),
        }
    }

    /// A model holding given fields `h[i q + a]` and symmetric couplings `j[(i q + a) L q + ..]`.
    pub fn from_values(h: &[f64], j: &[f64], device: &Device) -> Plm {
        let lq = h.len();
        let f = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        Plm {
            h: Param::from_tensor(Tensor::from_data(TensorData::new(f(h), [1, lq]), device)),
            w: Param::from_tensor(Tensor::from_data(TensorData::new(f(j), [lq, lq]), device)),
        }
    }
}

/// The alignment as tensors for the objective.
pub struct PlmData {
    /// One-hot rows `[N, L q]`.
    x: Tensor<2>,
    /// Weights over `M_eff`, `[N, 1, 1]`.
    w: Tensor<3>,
    /// 1 off the diagonal blocks, 0 on them, `[L q, L q]`.
    mask: Tensor<2>,
    l: usize,
    q: usize,
}

impl PlmData {
    /// Encodes `msa` with sequence `weights` on `device`.
    pub fn new(msa: &Msa, weights: &[f64], device: &Device) -> PlmData {
        let (n, l, q) = (msa.n(), msa.l(), msa.q);
        let meff: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let w: Vec<f32> = weights.iter().map(|&v| (v / meff) as f32).collect();
        PlmData {
            x: msa.one_hot(device),
            w: Tensor::from_data(TensorData::new(w, [n, 1, 1]), device),
            mask: block_mask(l, q, device),
            l,
            q,
        }
    }
}

/// `[L q, L q]`: 1 off the diagonal blocks, 0 on them (no self-coupling).
fn block_mask(l: usize, q: usize, device: &Device) -> Tensor<2> {
    let lq = l * q;
    let mask: Vec<f32> = (0..lq * lq)
        .map(|k| f32::from(k / lq / q != k % lq / q))
        .collect();
    Tensor::from_data(TensorData::new(mask, [lq, lq]), device)
}

/// The regularised negative log pseudo-likelihood per effective sequence, `[1]`.
pub fn objective(model: &Plm, data: &PlmData, lambda_h: f64, lambda_j: f64) -> Tensor<1> {
    let n = data.x.dims()[0];
    let (l, q) = (data.l, data.q);
    let j = model.w.val() * data.mask.clone();
    let h = model.h.val();
    let logits = data.x.clone().matmul(j.clone()) + h.clone();
    let logp = log_softmax(logits.reshape([n, l, q]), 2);
    let observed = (logp * data.x.clone().reshape([n, l, q])).sum_dim(2);
    let pl = (observed * data.w.clone()).sum();
    let penalty = (h.clone() * h).sum() * lambda_h + (j.clone() * j).sum() * lambda_j;
    pl.neg() + penalty
}

/// Optimisation of the pseudo-likelihood.
#[derive(Clone, Copy, Debug)]
pub struct PlmSettings {
    /// Full-batch Adam steps.
    pub steps: usize,
    /// Peak learning rate (cosine decay to a hundredth).
    pub lr: f64,
    /// L2 strength on the fields.
    pub lambda_h: f64,
    /// L2 strength on the couplings.
    pub lambda_j: f64,
}

/// A fitted model on the host.
pub struct PlmFit {
    /// Fields `h[i q + a]`.
    pub h: Vec<f64>,
    /// Symmetrised couplings `(J_ij + J_ji^T) / 2`, full `[(i q + a) L q + j q + b]` layout.
    pub j: Vec<f64>,
    /// Objective after the last step.
    pub final_loss: f64,
}

/// Fits plmDCA to `msa`; with `ctx`, the objective every 10 steps goes to `metrics.csv` as
/// `<label>_loss` and progress is shown.
pub fn fit(
    msa: &Msa,
    weights: &[f64],
    s: &PlmSettings,
    device: &Device,
    mut ctx: Option<&mut RunContext>,
    label: &str,
) -> Result<PlmFit> {
    let (l, q) = (msa.l(), msa.q);
    let train_device = device.clone().autodiff();
    let data = PlmData::new(msa, weights, &train_device);
    let mut model = Plm::zeros(l, q, &train_device);
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let mut bar = ctx.as_ref().map(|c| c.progress(label, s.steps as u64));
    let mut last = f64::NAN;
    let key = format!("{label}_loss");
    for step in 0..s.steps {
        let t = step as f64 / s.steps.max(1) as f64;
        let lr = s.lr * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()));
        let loss = objective(&model, &data, s.lambda_h, s.lambda_j);
        (model, last) = optimizer_step(&mut optim, model, loss, lr, label, step)?;
        if let Some(c) = ctx.as_deref_mut()
            && (step % 10 == 0 || step + 1 == s.steps)
        {
            c.log(step, &[(key.as_str(), last)]);
        }
        if let Some(b) = bar.as_mut() {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    let model = model.valid();
    let lq = l * q;
    let h = ai4s_core::tensor::to_vec(model.h.val())?;
    let w = ai4s_core::tensor::to_vec(model.w.val() * block_mask(l, q, device))?;
    let mut j = vec![0.0; lq * lq];
    for r in 0..lq {
        for c in 0..lq {
            j[r * lq + c] = 0.5 * (w[r * lq + c] + w[c * lq + r]);
        }
    }
    Ok(PlmFit {
        h,
        j,
        final_loss: last,
    })
}
