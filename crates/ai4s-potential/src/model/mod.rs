//! The Deep Potential (se_e2_a) energy model and its force path written as tensor ops.
//!
//! Per atom with normalised environment `R` (`Nc x 4`, `Nc = sum sel`): embedding `G = N(s~)`
//! (`Nc x M1`, one net per neighbour type, applied to the first column `s~` of `R`),
//! `T = R^T G / Nc`, `T< = T[:, :M2]` (`M2 = axis_neuron`), descriptor `D = T^T T<`, atomic
//! energy `E_i = F_t(D) + bias_t` with one fitting net per centre type. Hidden layers follow
//! DeePMD-kit's rule `y = r(x) + idt * tanh(x W + b)` with `r(x) = x` (same width), `[x, x]`
//! (doubling) or 0, and `idt` a trainable timestep vector on the layers that have one
//! (`resnet_dt`, initialised `N(0.1, 0.001)` as DeePMD-kit does), else 1. The embedding nets are
//! one per neighbour type (`type_one_side`) or one per (centre, neighbour) type pair.
//!
//! burn has first-order autodiff only, so the forces `F = -dE/dr` are computed inside the graph
//! by hand-written vector-Jacobian products (DeePMD's ProdForce): `Lambda = dE/dD` by a reverse
//! pass through the fitting net, `Gamma = dE/dT = T< Lambda^T + [T Lambda, 0]`,
//! `dE/dR = G Gamma^T / Nc` plus `(dE/dG . G')` in column 0 (the embedding's derivative `G'` is
//! carried forward alongside `G`), then `g_ij = dE/dR_j . dR_j/dr_ij` with the analytic Jacobian
//! and `F_i = sum_j g_ij - sum_{k: i in N(k)} g_ki` by a scatter-add. The virial is
//! `W = -sum r_ij (outer) g_ij`. A single `backward()` of a loss on E, F and W then trains the
//! weights on forces.

use ai4s_core::Result;
use ai4s_core::burn::module::{Module, Param};
use ai4s_core::burn::nn::{Linear, LinearConfig};
use ai4s_core::burn::tensor::{Device, Distribution, IndexingUpdateOp, Int, Tensor, TensorData};
use ai4s_core::tensor::to_vec;
use serde::{Deserialize, Serialize};

mod resnet;
pub use resnet::*;

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

impl NetSpec {
    /// Widest layer accepted in a config or a model file (a garbage width would exhaust memory).
    pub const MAX_WIDTH: usize = 4096;

    /// Checks a list of layer widths (`1..=MAX_WIDTH` each, at least one layer), naming `field`.
    /// The one rule for the training config, `model.toml` and imported DeePMD-kit models.
    pub fn validate_widths(field: &str, widths: &[usize]) -> ai4s_core::Result<()> {
        ai4s_core::error::ensure(
            !widths.is_empty() && widths.iter().all(|w| (1..=Self::MAX_WIDTH).contains(w)),
            field,
            || {
                format!(
                    "widths must be 1..={} (at least one layer), got {widths:?}",
                    Self::MAX_WIDTH
                )
            },
        )
    }
}

/// How the networks are laid out beyond their sizes, with DeePMD-kit's meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetLayout {
    /// One embedding net per neighbour type (`true`) or one per (centre, neighbour) type pair
    /// (`false`), DeePMD's `type_one_side`.
    pub type_one_side: bool,
    /// Which embedding layers carry a trainable timestep vector `idt` (DeePMD `use_timestep`);
    /// empty: none.
    pub embedding_idt: Vec<bool>,
    /// Which fitting-net hidden layers carry `idt`; empty: none.
    pub fitting_idt: Vec<bool>,
}

impl Default for NetLayout {
    fn default() -> Self {
        NetLayout {
            type_one_side: true,
            embedding_idt: Vec::new(),
            fitting_idt: Vec::new(),
        }
    }
}

impl NetLayout {
    /// DeePMD-kit's fitting net with `resnet_dt`: every hidden layer that keeps its width
    /// (a residual layer) carries `idt`, as the TensorFlow backend builds and serialises it.
    pub fn resnet_dt_fitting(spec: &NetSpec) -> NetLayout {
        let mut widths = vec![spec.neuron.last().copied().unwrap_or(1) * spec.axis_neuron];
        widths.extend(&spec.fitting_neuron);
        NetLayout {
            fitting_idt: widths.windows(2).map(|w| w[0] == w[1]).collect(),
            ..NetLayout::default()
        }
    }
}

/// What a layer's reverse pass needs: `tanh(x W + b)` and the `idt` scale, if any.
type Saved = (Tensor<2>, Option<Tensor<2>>);

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
    #[module(skip)]
    layout: NetLayout,
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
    /// `[A, 1]` per-atom energy bias.
    pub bias: Tensor<2>,
    /// Frames in the batch.
    pub frames: usize,
    /// Slots per type block kept on the device (see [`batch`]); `rows` has `sum(window)` slots.
    pub window: Vec<usize>,
    /// `[1, Nc', 1]` multiplicity of each kept slot: 1, or the number of empty slots that one
    /// representative empty slot stands for; `None` when every slot counts once.
    pub slot_weight: Option<Tensor<3>>,
    /// Slots per atom of the model (`sum(sel)`), the descriptor's normalisation.
    pub nnei: usize,
    /// Batch indices of the atoms of each centre type present, with the type (`None` for a
    /// single type).
    pub type_index: Option<Vec<(usize, Tensor<1, Int>)>>,
}

impl DeepPot {
    /// A fresh model for `ntypes` types with neighbour slots `sel`: one embedding net per
    /// neighbour type, no timestep vectors.
    pub fn new(spec: &NetSpec, sel: &[usize], device: &Device) -> DeepPot {
        DeepPot::with_layout(spec, sel, &NetLayout::default(), device)
    }

    /// A fresh model with the network layout `layout` (burn's initialisation).
    pub fn with_layout(
        spec: &NetSpec,
        sel: &[usize],
        layout: &NetLayout,
        device: &Device,
    ) -> DeepPot {
        DeepPot::with_init(spec, sel, layout, WeightInit::Burn, device)
    }

    /// A fresh model with the network layout `layout`, weights drawn by `init`.
    pub fn with_init(
        spec: &NetSpec,
        sel: &[usize],
        layout: &NetLayout,
        init: WeightInit,
        device: &Device,
    ) -> DeepPot {
        let ntypes = sel.len();
        let m1 = *spec.neuron.last().unwrap_or(&1);
        let mut ew = vec![1];
        ew.extend(&spec.neuron);
        let mut fw = vec![m1 * spec.axis_neuron];
        fw.extend(&spec.fitting_neuron);
        let last = *fw.last().unwrap_or(&1);
        let n_embed = if layout.type_one_side {
            ntypes
        } else {
            ntypes * ntypes
        };
        DeepPot {
            embed: (0..n_embed)
                .map(|_| ResNet::new(&ew, &layout.embedding_idt, init, device))
                .collect(),
            fit: (0..ntypes)
                .map(|_| ResNet::new(&fw, &layout.fitting_idt, init, device))
                .collect(),
            out: (0..ntypes)
                .map(|_| resnet::linear(last, 1, init, device))
                .collect(),
            sel: sel.to_vec(),
            m1,
            m2: spec.axis_neuron,
            layout: layout.clone(),
        }
    }

    /// A model from its networks: `embed` holds one net per neighbour type (`type_one_side`)
    /// or one per (centre `i`, neighbour `j`) pair at index `i + j * ntypes` (DeePMD's order);
    /// `fit[t]` and `out[t]` are the hidden layers and the linear output layer of type `t`.
    pub fn from_parts(
        embed: Vec<ResNet>,
        fit: Vec<ResNet>,
        out: Vec<LayerArrays>,
        sel: &[usize],
        axis_neuron: usize,
        type_one_side: bool,
        device: &Device,
    ) -> DeepPot {
        let m1 = embed
            .first()
            .and_then(|e| e.layers.last())
            .map_or(1, |l| ResNet::dims(l).1);
        let flags = |nets: &[ResNet]| {
            nets.first()
                .map(|n| n.idt.iter().map(Option::is_some).collect())
                .unwrap_or_default()
        };
        let layout = NetLayout {
            type_one_side,
            embedding_idt: flags(&embed),
            fitting_idt: flags(&fit),
        };
        DeepPot {
            embed,
            fit,
            out: ResNet::from_arrays(&out, device).layers,
            sel: sel.to_vec(),
            m1,
            m2: axis_neuron,
            layout,
        }
    }

    /// The same model with its parameters created anew on `device` in the device's float
    /// precision (weights saved in float32 then evaluate in float64, and vice versa).
    pub fn on_device(&self, device: &Device) -> Result<DeepPot> {
        let nets = |v: &[ResNet]| -> Result<Vec<ResNet>> {
            v.iter()
                .map(|n| Ok(ResNet::from_arrays(&n.to_arrays()?, device)))
                .collect()
        };
        Ok(DeepPot {
            embed: nets(&self.embed)?,
            fit: nets(&self.fit)?,
            out: (0..self.out.len())
                .map(|t| self.output_layer(t))
                .collect::<Result<Vec<_>>>()
                .map(|o| ResNet::from_arrays(&o, device).layers)?,
            sel: self.sel.clone(),
            m1: self.m1,
            m2: self.m2,
            layout: self.layout.clone(),
        })
    }

    /// The network layout.
    pub fn layout(&self) -> &NetLayout {
        &self.layout
    }

    /// Neighbour slots per type.
    pub fn sel(&self) -> &[usize] {
        &self.sel
    }

    /// The embedding nets (see [`DeepPot::from_parts`] for their order).
    pub fn embedding_nets(&self) -> &[ResNet] {
        &self.embed
    }

    /// The fitting nets' hidden layers, per centre type.
    pub fn fitting_nets(&self) -> &[ResNet] {
        &self.fit
    }

    /// The linear output layer of the fitting net of type `t` as arrays.
    pub fn output_layer(&self, t: usize) -> Result<LayerArrays> {
        let layer = ResNet {
            layers: vec![self.out[t].clone()],
            idt: vec![None],
        };
        Ok(layer.to_arrays()?.remove(0))
    }

    /// Embedding `G` of one block of `s` slots (`s_col`: `[A, s, 1]`) of neighbour type `t`,
    /// and its derivative `G'` along `s~`, both `[A, s, M1]`. With per-pair nets each centre
    /// type's atoms go through their own net only (gathered, then scattered back).
    fn embed_block(&self, t: usize, s_col: Tensor<3>, env: &EnvTensors) -> (Tensor<3>, Tensor<3>) {
        let [a, s, _] = s_col.dims();
        let device = s_col.device();
        let ntypes = self.sel.len();
        let run = |net: &ResNet, col: Tensor<3>| {
            let n = col.dims()[0];
            let (g, gp) =
                net.forward_tangent(col.reshape([n * s, 1]), Tensor::ones([n * s, 1], &device));
            (g.reshape([n, s, self.m1]), gp.reshape([n, s, self.m1]))
        };
        match (&env.type_index, self.layout.type_one_side) {
            (_, true) => run(&self.embed[t], s_col),
            (None, false) => run(&self.embed[t * ntypes], s_col),
            (Some(index), false) => {
                let mut g = Tensor::<3>::zeros([a, s, self.m1], &device);
                let mut gp = Tensor::<3>::zeros([a, s, self.m1], &device);
                for (ti, idx) in index {
                    let (gi, gpi) = run(
                        &self.embed[ti + t * ntypes],
                        s_col.clone().select(0, idx.clone()),
                    );
                    g = g.select_assign(0, idx.clone(), gi, IndexingUpdateOp::Add);
                    gp = gp.select_assign(0, idx.clone(), gpi, IndexingUpdateOp::Add);
                }
                (g, gp)
            }
        }
    }

    /// Embedding `G`, its derivative `G'` along `s~`, `T`, `T<`, the flattened descriptor `D`
    /// and the weighted rows for normalised rows `[A, Nc', 4]` laid out as `env.window`.
    fn descriptor(&self, rows: &Tensor<3>, env: &EnvTensors) -> Descriptor {
        let a = rows.dims()[0];
        let mut gs = Vec::new();
        let mut gps = Vec::new();
        let mut start = 0;
        for (t, &s) in env.window.iter().enumerate() {
            let s_col = rows.clone().narrow(1, start, s).narrow(2, 0, 1);
            let (g, gp) = self.embed_block(t, s_col, env);
            gs.push(g);
            gps.push(gp);
            start += s;
        }
        let cat = |mut v: Vec<Tensor<3>>| {
            if v.len() == 1 {
                v.remove(0)
            } else {
                Tensor::cat(v, 1)
            }
        };
        let g = cat(gs);
        let rows_w = match &env.slot_weight {
            Some(w) => rows.clone() * w.clone(),
            None => rows.clone(),
        };
        // [A, 4, M1]
        let t = rows_w.clone().swap_dims(1, 2).matmul(g.clone()) * (1.0 / env.nnei as f64);
        let tl = t.clone().narrow(2, 0, self.m2); // [A, 4, M2]
        let d = t
            .clone()
            .swap_dims(1, 2)
            .matmul(tl.clone())
            .reshape([a, self.m1 * self.m2]);
        Descriptor {
            g,
            gp: cat(gps),
            t,
            tl,
            d,
            rows_w,
        }
    }

    /// Atomic energies `[A, 1]` (bias included) from descriptors `d`, and with `reverse` also
    /// `dE/dD` (`[A, M1 * M2]`) by the fitting nets' reverse pass. Each centre type's atoms go
    /// through their own fitting net only.
    fn fitting(
        &self,
        d: Tensor<2>,
        env: &EnvTensors,
        reverse: bool,
    ) -> (Tensor<2>, Option<Tensor<2>>) {
        let device = d.device();
        let one = |ty: usize, d: Tensor<2>| {
            let n = d.dims()[0];
            let (h, saved) = self.fit[ty].forward_saved(d);
            let e = self.out[ty].forward(h);
            let d_d = reverse.then(|| {
                let w_out = self.out[ty].weight.val(); // [last, 1]
                let dh = Tensor::<2>::ones([n, 1], &device).matmul(w_out.transpose());
                self.fit[ty].backward(&saved, dh)
            });
            (e, d_d)
        };
        match &env.type_index {
            None => {
                let (e, d_d) = one(0, d);
                (env.bias.clone() + e, d_d)
            }
            Some(index) => {
                let [a, nd] = d.dims();
                let mut e_atom = env.bias.clone();
                let mut d_d = reverse.then(|| Tensor::<2>::zeros([a, nd], &device));
                for (ty, idx) in index {
                    let (e, dd) = one(*ty, d.clone().select(0, idx.clone()));
                    e_atom = e_atom.select_assign(0, idx.clone(), e, IndexingUpdateOp::Add);
                    if let (Some(acc), Some(dd)) = (d_d.take(), dd) {
                        d_d = Some(acc.select_assign(0, idx.clone(), dd, IndexingUpdateOp::Add));
                    }
                }
                (e_atom, d_d)
            }
        }
    }

    /// Energies, forces and virials of a batch.
    pub fn predict(&self, env: &EnvTensors) -> Prediction {
        let [a, nc, _] = env.rows.dims();
        let (m1, m2) = (self.m1, self.m2);
        let device = env.rows.device();
        let inv = 1.0 / env.nnei as f64;
        let Descriptor {
            g,
            gp,
            t,
            tl,
            d,
            rows_w,
        } = self.descriptor(&env.rows, env);
        let (e_atom, d_d) = self.fitting(d, env, true);
        let lambda = d_d
            .expect("the reverse pass was asked for")
            .reshape([a, m1, m2]);
        let gamma_a = tl.matmul(lambda.clone().swap_dims(1, 2)); // [A, 4, M1]
        let gamma_b = t.matmul(lambda); // [A, 4, M2]
        let gamma = if m2 < m1 {
            gamma_a + Tensor::cat(vec![gamma_b, Tensor::zeros([a, 4, m1 - m2], &device)], 2)
        } else {
            gamma_a + gamma_b
        };
        // The 1/Nc of T, applied once to the small Gamma rather than to both [A, Nc', .] products.
        let gamma = gamma * inv;
        let mut d_r = g.matmul(gamma.clone().swap_dims(1, 2)); // [A, Nc', 4] without G'
        if let Some(w) = &env.slot_weight {
            d_r = d_r * w.clone();
        }
        let d_g = rows_w.matmul(gamma); // [A, Nc', M1]
        let d_s = (d_g * gp).sum_dim(2); // [A, Nc', 1], adds to column 0 of dE/dR
        let jac_s = env.jac.clone().narrow(2, 0, 1).reshape([a, nc, 3]);
        let grad = (d_r.unsqueeze_dim::<4>(3) * env.jac.clone())
            .sum_dim(2)
            .reshape([a, nc, 3])
            + d_s * jac_s; // dE/dr_ij
        let own = grad.clone().sum_dim(1).reshape([a, 3]);
        let scattered = Tensor::<2>::zeros([a, 3], &device).select_assign(
            0,
            env.owner.clone(),
            grad.clone().reshape([a * nc, 3]),
            IndexingUpdateOp::Add,
        );
        let forces = own - scattered;
        let frames = env.frames;
        let natoms = a / frames;
        // W = -sum_ij r_ij (outer) g_ij, one product per frame over all its slots.
        let virial = env
            .rvec
            .clone()
            .reshape([frames, natoms * nc, 3])
            .swap_dims(1, 2)
            .matmul(grad.reshape([frames, natoms * nc, 3]))
            .reshape([frames, 9])
            .neg();
        let energy = e_atom.reshape([frames, natoms]).sum_dim(1);
        Prediction {
            energy,
            forces,
            virial,
        }
    }

    /// Total energies only (no force path), for checks against autodiff.
    pub fn energy_from_rows(&self, rows: Tensor<3>, env: &EnvTensors) -> Tensor<2> {
        let a = rows.dims()[0];
        let d = self.descriptor(&rows, env).d;
        let e = self.fitting(d, env, false).0;
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
    /// Rows times their slot multiplicity.
    rows_w: Tensor<3>,
}

/// Moves the frames `idx` of `data` to the device as one batch.
///
/// Empty slots sit at the end of each type block and all read the same (a neighbour at
/// `rcut`), so a block is cut to the batch's largest real-neighbour count `k_t` plus, when
/// `k_t < sel_t`, one representative empty slot that counts `sel_t - k_t` times in `T`. The
/// energy, forces and virial are those of the full `sel` layout (empty slots have no
/// Jacobian), while the embedding nets and the force path touch only `sum(k_t + 1)` slots per
/// atom instead of `sum(sel_t)`.
pub fn batch(
    data: &crate::env::EnvData,
    idx: &[usize],
    types: &[usize],
    ntypes: usize,
    bias: &[f64],
    device: &Device,
) -> EnvTensors {
    let (n, nc) = (data.natoms, data.nnei);
    let a = idx.len() * n;
    let per = n * nc;
    // Real neighbours per type block: the largest count over the batch's atoms.
    let mut offsets = Vec::with_capacity(data.sel.len());
    let mut off = 0;
    for &s in &data.sel {
        offsets.push(off);
        off += s;
    }
    let mut real = vec![0usize; data.sel.len()];
    for &f in idx {
        for i in 0..n {
            for (t, (&o, &s)) in offsets.iter().zip(&data.sel).enumerate() {
                let base = (f * per + i * nc + o) * 3;
                let k = (0..s)
                    .take_while(|&k| data.rvec[base + 3 * k..base + 3 * k + 3] != [0.0; 3])
                    .count();
                real[t] = real[t].max(k);
            }
        }
    }
    let window: Vec<usize> = real
        .iter()
        .zip(&data.sel)
        .map(|(&k, &s)| if k < s { k + 1 } else { s })
        .collect();
    // Kept slots (indices within an atom's full layout) and their multiplicities.
    let mut kept = Vec::new();
    let mut weight = Vec::new();
    for t in 0..data.sel.len() {
        for k in 0..window[t] {
            kept.push(offsets[t] + k);
            weight.push(if k == real[t] && k < data.sel[t] {
                (data.sel[t] - real[t]) as f64
            } else {
                1.0
            });
        }
    }
    let ncw = kept.len();
    let mut rows = Vec::with_capacity(a * ncw * 4);
    let mut jac = Vec::with_capacity(a * ncw * 12);
    let mut rvec = Vec::with_capacity(a * ncw * 3);
    let mut owner = Vec::with_capacity(a * ncw);
    for (b, &f) in idx.iter().enumerate() {
        for i in 0..n {
            let atom = f * per + i * nc;
            for &k in &kept {
                let slot = atom + k;
                rows.extend_from_slice(&data.rows[slot * 4..slot * 4 + 4]);
                jac.extend_from_slice(&data.jac[slot * 12..slot * 12 + 12]);
                rvec.extend_from_slice(&data.rvec[slot * 3..slot * 3 + 3]);
                owner.push(data.owner[slot] + (b * n) as i64);
            }
        }
    }
    let type_index = (ntypes > 1).then(|| {
        (0..ntypes)
            .filter_map(|t| {
                let at: Vec<i64> = (0..a as i64)
                    .filter(|&i| types[i as usize % n] == t)
                    .collect();
                (!at.is_empty()).then(|| {
                    let len = at.len();
                    (t, Tensor::from_data(TensorData::new(at, [len]), device))
                })
            })
            .collect()
    });
    let slot_weight = weight
        .iter()
        .any(|&w| w != 1.0)
        .then(|| Tensor::from_data(TensorData::new(weight, [1, ncw, 1]), device));
    let bias: Vec<f64> = (0..a).map(|i| bias[types[i % n]]).collect();
    EnvTensors {
        rows: Tensor::from_data(TensorData::new(rows, [a, ncw, 4]), device),
        jac: Tensor::from_data(TensorData::new(jac, [a, ncw, 4, 3]), device),
        rvec: Tensor::from_data(TensorData::new(rvec, [a, ncw, 3]), device),
        owner: Tensor::from_data(TensorData::new(owner, [a * ncw]), device),
        bias: Tensor::from_data(TensorData::new(bias, [a, 1]), device),
        frames: idx.len(),
        window,
        slot_weight,
        nnei: nc,
        type_index,
    }
}
