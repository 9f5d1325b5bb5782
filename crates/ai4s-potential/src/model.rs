//! The Deep Potential (se_e2_a) energy model and its force path written as tensor ops.
//!
//! Per atom with normalised environment `R` (`Nc x 4`, `Nc = sum sel`): embedding `G = N(s~)`
//! (`Nc x M1`, one net per neighbour type, applied to the first column `s~` of `R`),
//! `T = R^T G / Nc`, `T< = T[:, :M2]` (`M2 = axis_neuron`), descriptor `D = T^T T<`, atomic
//! energy `E_i = F_t(D) + bias_t` with one fitting net per centre type. Hidden layers follow
//! DeePMD's rule `y = r(x) + tanh(x W + b)` with `r(x) = x` (same width), `[x, x]` (doubling) or 0.
//!
//! burn has first-order autodiff only, so the forces `F = -dE/dr` are computed inside the graph
//! by hand-written vector-Jacobian products (DeePMD's ProdForce): `Lambda = dE/dD` by a reverse
//! pass through the fitting net, `Gamma = dE/dT = T< Lambda^T + [T Lambda, 0]`,
//! `dE/dR = G Gamma^T / Nc` plus `(dE/dG . G')` in column 0 (the embedding's derivative `G'` is
//! carried forward alongside `G`), then `g_ij = dE/dR_j . dR_j/dr_ij` with the analytic Jacobian
//! and `F_i = sum_j g_ij - sum_{k: i in N(k)} g_ki` by a scatter-add. The virial is
//! `W = -sum r_ij (outer) g_ij`. A single `backward()` of a loss on E, F and W then trains the
//! weights on forces.

use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::{Linear, LinearConfig};
use ai4s_core::burn::tensor::{Device, IndexingUpdateOp, Int, Tensor};
use serde::{Deserialize, Serialize};

/// Network sizes with DeePMD's field names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetSpec {
    /// Embedding net widths (`descriptor.neuron`), e.g. `[25, 50, 100]`.
    pub neuron: Vec<usize>,
    /// Columns of `T` kept for the descriptor (`axis_neuron`).
    pub axis_neuron: usize,
    /// Fitting net widths (`fitting_net.neuron`), e.g. `[240, 240, 240]`.
    pub fitting_neuron: Vec<usize>,
}

/// One tanh MLP with DeePMD's residual rule.
#[derive(Module, Debug)]
pub struct ResNet {
    layers: Vec<Linear>,
}

fn residual(x: Tensor<2>, w_in: usize, w_out: usize) -> Option<Tensor<2>> {
    if w_in == w_out {
        Some(x)
    } else if 2 * w_in == w_out {
        Some(Tensor::cat(vec![x.clone(), x], 1))
    } else {
        None
    }
}

impl ResNet {
    fn new(widths: &[usize], device: &Device) -> ResNet {
        ResNet {
            layers: widths
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
        }
    }

    fn dims(layer: &Linear) -> (usize, usize) {
        let d = layer.weight.val().dims();
        (d[0], d[1])
    }

    /// Forward pass of `x` and of its derivative along a scalar input (`xp = dx/ds`).
    fn forward_tangent(&self, x: Tensor<2>, xp: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (mut h, mut hp) = (x, xp);
        for layer in &self.layers {
            let (i, o) = Self::dims(layer);
            let t = layer.forward(h.clone()).tanh();
            let dt = (t.clone() * t.clone()).neg() + 1.0;
            let tp = dt * hp.clone().matmul(layer.weight.val());
            (h, hp) = match (residual(h, i, o), residual(hp, i, o)) {
                (Some(r), Some(rp)) => (t + r, tp + rp),
                _ => (t, tp),
            };
        }
        (h, hp)
    }

    /// Forward pass keeping what the reverse pass needs.
    fn forward_saved(&self, x: Tensor<2>) -> (Tensor<2>, Vec<Tensor<2>>) {
        let mut saved = Vec::with_capacity(self.layers.len());
        let mut h = x;
        for layer in &self.layers {
            let (i, o) = Self::dims(layer);
            let t = layer.forward(h.clone()).tanh();
            saved.push(t.clone());
            h = match residual(h, i, o) {
                Some(r) => t + r,
                None => t,
            };
        }
        (h, saved)
    }

    /// Vector-Jacobian product: `dy` at the output to `dx` at the input.
    fn backward(&self, saved: &[Tensor<2>], mut dy: Tensor<2>) -> Tensor<2> {
        for (layer, t) in self.layers.iter().zip(saved).rev() {
            let (i, o) = Self::dims(layer);
            let dz = dy.clone() * ((t.clone() * t.clone()).neg() + 1.0);
            let dx = dz.matmul(layer.weight.val().transpose());
            dy = if i == o {
                dx + dy
            } else if 2 * i == o {
                dx + dy.clone().narrow(1, 0, i) + dy.narrow(1, i, i)
            } else {
                dx
            };
        }
        dy
    }
}

/// Energy, forces and virial of a batch of frames.
pub struct Prediction {
    /// `[frames, 1]` total energies.
    pub energy: Tensor<2>,
    /// `[frames * natoms, 3]` forces.
    pub forces: Tensor<2>,
    /// `[frames, 9]` virials.
    pub virial: Tensor<2>,
}

/// The se_e2_a energy model.
#[derive(Module, Debug)]
pub struct DeepPot {
    embed: Vec<ResNet>,
    fit: Vec<ResNet>,
    out: Vec<Linear>,
    #[module(skip)]
    sel: Vec<usize>,
    #[module(skip)]
    m1: usize,
    #[module(skip)]
    m2: usize,
}

/// Batch inputs on the device (see [`crate::env::EnvData`]).
pub struct EnvTensors {
    /// `[A, Nc, 4]` normalised rows, `A = frames x natoms`.
    pub rows: Tensor<3>,
    /// `[A, Nc, 4, 3]` Jacobians.
    pub jac: Tensor<4>,
    /// `[A, Nc, 3]` neighbour vectors.
    pub rvec: Tensor<3>,
    /// `[A * Nc]` owner atom of each slot (batch-global index).
    pub owner: Tensor<1, Int>,
    /// `[A, 1]` one-hot of each atom's type, per type.
    pub type_mask: Vec<Tensor<2>>,
    /// `[A, 1]` per-atom energy bias.
    pub bias: Tensor<2>,
    /// Frames in the batch.
    pub frames: usize,
}

impl DeepPot {
    /// A fresh model for `ntypes` types with neighbour slots `sel`.
    pub fn new(spec: &NetSpec, sel: &[usize], device: &Device) -> DeepPot {
        let ntypes = sel.len();
        let m1 = *spec.neuron.last().unwrap_or(&1);
        let mut ew = vec![1];
        ew.extend(&spec.neuron);
        let mut fw = vec![m1 * spec.axis_neuron];
        fw.extend(&spec.fitting_neuron);
        let last = *fw.last().unwrap_or(&1);
        DeepPot {
            embed: (0..ntypes).map(|_| ResNet::new(&ew, device)).collect(),
            fit: (0..ntypes).map(|_| ResNet::new(&fw, device)).collect(),
            out: (0..ntypes)
                .map(|_| LinearConfig::new(last, 1).init(device))
                .collect(),
            sel: sel.to_vec(),
            m1,
            m2: spec.axis_neuron,
        }
    }

    /// Embedding `G`, its derivative `G'` along `s~`, `T`, `T<` and the flattened descriptor
    /// `D` for normalised rows `[A, Nc, 4]`.
    fn descriptor(&self, rows: &Tensor<3>) -> Descriptor {
        let [a, nc, _] = rows.dims();
        let device = rows.device();
        let mut gs = Vec::new();
        let mut gps = Vec::new();
        let mut start = 0;
        for (t, &s) in self.sel.iter().enumerate() {
            let s_col = rows
                .clone()
                .narrow(1, start, s)
                .narrow(2, 0, 1)
                .reshape([a * s, 1]);
            let (g, gp) = self.embed[t].forward_tangent(s_col, Tensor::ones([a * s, 1], &device));
            gs.push(g.reshape([a, s, self.m1]));
            gps.push(gp.reshape([a, s, self.m1]));
            start += s;
        }
        let g = Tensor::cat(gs, 1);
        let t = rows.clone().swap_dims(1, 2).matmul(g.clone()) * (1.0 / nc as f64); // [A, 4, M1]
        let tl = t.clone().narrow(2, 0, self.m2); // [A, 4, M2]
        let d = t
            .clone()
            .swap_dims(1, 2)
            .matmul(tl.clone())
            .reshape([a, self.m1 * self.m2]);
        Descriptor {
            g,
            gp: Tensor::cat(gps, 1),
            t,
            tl,
            d,
        }
    }

    /// Energies, forces and virials of a batch.
    pub fn predict(&self, env: &EnvTensors) -> Prediction {
        let [a, nc, _] = env.rows.dims();
        let (m1, m2) = (self.m1, self.m2);
        let device = env.rows.device();
        let inv = 1.0 / nc as f64;
        let Descriptor { g, gp, t, tl, d } = self.descriptor(&env.rows);
        // Atomic energies and dE/dD per centre type.
        let mut e_atom = env.bias.clone();
        let mut d_d = Tensor::<2>::zeros([a, m1 * m2], &device);
        for (ty, mask) in env.type_mask.iter().enumerate() {
            let (h, saved) = self.fit[ty].forward_saved(d.clone());
            let w_out = self.out[ty].weight.val(); // [last, 1]
            e_atom = e_atom + self.out[ty].forward(h) * mask.clone();
            let dh = mask.clone().matmul(w_out.transpose()); // [A, last]
            d_d = d_d + self.fit[ty].backward(&saved, dh);
        }
        let lambda = d_d.reshape([a, m1, m2]);
        let gamma_a = tl.matmul(lambda.clone().swap_dims(1, 2)); // [A, 4, M1]
        let gamma_b = t.matmul(lambda); // [A, 4, M2]
        let gamma = if m2 < m1 {
            gamma_a + Tensor::cat(vec![gamma_b, Tensor::zeros([a, 4, m1 - m2], &device)], 2)
        } else {
            gamma_a + gamma_b
        };
        let mut d_r = g.matmul(gamma.clone().swap_dims(1, 2)) * inv; // [A, Nc, 4]
        let d_g = env.rows.clone().matmul(gamma) * inv; // [A, Nc, M1]
        let d_s = (d_g * gp).sum_dim(2); // [A, Nc, 1]
        d_r = d_r + Tensor::cat(vec![d_s, Tensor::zeros([a, nc, 3], &device)], 2);
        let grad = (d_r.unsqueeze_dim::<4>(3) * env.jac.clone())
            .sum_dim(2)
            .reshape([a, nc, 3]); // dE/dr_ij
        let own = grad.clone().sum_dim(1).reshape([a, 3]);
        let scattered = Tensor::<2>::zeros([a, 3], &device).select_assign(
            0,
            env.owner.clone(),
            grad.clone().reshape([a * nc, 3]),
            IndexingUpdateOp::Add,
        );
        let forces = own - scattered;
        let per_atom_virial = (env.rvec.clone().unsqueeze_dim::<4>(3) * grad.unsqueeze_dim::<4>(2))
            .sum_dim(1)
            .reshape([a, 9])
            .neg();
        let natoms = a / env.frames;
        let energy = e_atom.reshape([env.frames, natoms]).sum_dim(1);
        let virial = per_atom_virial
            .reshape([env.frames, natoms, 9])
            .sum_dim(1)
            .reshape([env.frames, 9]);
        Prediction {
            energy,
            forces,
            virial,
        }
    }

    /// Total energies only (no force path), for checks against autodiff.
    pub fn energy_from_rows(&self, rows: Tensor<3>, env: &EnvTensors) -> Tensor<2> {
        let a = rows.dims()[0];
        let d = self.descriptor(&rows).d;
        let mut e = env.bias.clone();
        for (ty, mask) in env.type_mask.iter().enumerate() {
            e = e + self.out[ty].forward(self.fit[ty].forward_saved(d.clone()).0) * mask.clone();
        }
        e.reshape([env.frames, a / env.frames]).sum_dim(1)
    }
}

/// Intermediate tensors of the se_e2_a descriptor.
struct Descriptor {
    g: Tensor<3>,
    gp: Tensor<3>,
    t: Tensor<3>,
    tl: Tensor<3>,
    d: Tensor<2>,
}

/// Moves the frames `idx` of `data` to the device as one batch.
pub fn batch(
    data: &crate::env::EnvData,
    idx: &[usize],
    types: &[usize],
    ntypes: usize,
    bias: &[f64],
    device: &Device,
) -> EnvTensors {
    use ai4s_core::burn::tensor::TensorData;
    let (n, nc) = (data.natoms, data.nnei);
    let a = idx.len() * n;
    let mut rows = Vec::with_capacity(a * nc * 4);
    let mut jac = Vec::with_capacity(a * nc * 12);
    let mut rvec = Vec::with_capacity(a * nc * 3);
    let mut owner = Vec::with_capacity(a * nc);
    for (b, &f) in idx.iter().enumerate() {
        let per = n * nc;
        rows.extend_from_slice(&data.rows[f * per * 4..(f + 1) * per * 4]);
        jac.extend_from_slice(&data.jac[f * per * 12..(f + 1) * per * 12]);
        rvec.extend_from_slice(&data.rvec[f * per * 3..(f + 1) * per * 3]);
        owner.extend(
            data.owner[f * per..(f + 1) * per]
                .iter()
                .map(|&o| o + (b * n) as i64),
        );
    }
    let type_mask = (0..ntypes)
        .map(|t| {
            let m: Vec<f64> = (0..a)
                .map(|i| if types[i % n] == t { 1.0 } else { 0.0 })
                .collect();
            Tensor::from_data(TensorData::new(m, [a, 1]), device)
        })
        .collect();
    let bias: Vec<f64> = (0..a).map(|i| bias[types[i % n]]).collect();
    EnvTensors {
        rows: Tensor::from_data(TensorData::new(rows, [a, nc, 4]), device),
        jac: Tensor::from_data(TensorData::new(jac, [a, nc, 4, 3]), device),
        rvec: Tensor::from_data(TensorData::new(rvec, [a, nc, 3]), device),
        owner: Tensor::from_data(TensorData::new(owner, [a * nc]), device),
        type_mask,
        bias: Tensor::from_data(TensorData::new(bias, [a, 1]), device),
        frames: idx.len(),
    }
}
