//! A message-passing neural network on molecular graphs, batched over many graphs at once.
//!
//! Gilmer et al., "Neural message passing for quantum chemistry", ICML 2017: node states
//! `h_v` start from an embedding of the atom's features (one-hot number of carbon neighbours, of
//! ring bonds and size of the smallest ring). Each of `T` steps sends a message along every
//! directed bond `w -> v`, `m_wv = silu(W_m [h_w, h_v, e_wv] + b_m)` (`e_wv` = 1 for a ring
//! bond), computed as `silu((h W_s)_w + (h W_d)_v + e_wv r)` so that the matrix products run over
//! atoms rather than over the twice as many directed bonds; it sums the messages at
//! each atom, `M_v = sum_w m_wv`, and updates `h_v <- h_v + silu(W_u [h_v, M_v] + b_u)`, with
//! the states layer-normalised (Ba, Kiros & Hinton 2016) where they enter each step. The
//! readout is permutation invariant: per graph the mean and the sum (divided by
//! [`SUM_SCALE`]) of the final states, then a hidden layer and a linear output per target.
//!
//! A batch concatenates the atoms of all its graphs into one `[N, hidden]` state; bonds become
//! index tensors into it. Messages are one `select` (gather) of the two ends of all bonds, and
//! sums are one `select_assign` with `IndexingUpdateOp::Add` (scatter-add) over bond ends
//! (atoms) or over atoms (graphs): a fixed number of tensor operations per batch, whatever the
//! number of molecules in it.

use super::graph::Molecule;
use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use ai4s_core::burn::tensor::activation::silu;
use ai4s_core::burn::tensor::{Device, IndexingUpdateOp, Int, Tensor, TensorData};
use ai4s_core::tensor::to_vec;

/// Atom features: one-hot degree (1, 2, 3), ring-bond count (0, 2, 3) and smallest ring size
/// (4, 5, 6, 7, 8 or more; none for chain atoms).
pub const ATOM_FEATURES: usize = 11;

/// The sum readout is divided by this (a typical number of carbons) to keep it near unit scale.
pub const SUM_SCALE: f64 = 16.0;

/// A molecule as the network sees it: atom features and directed bonds.
#[derive(Clone, Debug)]
pub struct GraphFeatures {
    /// Number of atoms.
    pub atoms: usize,
    /// Row-major `[atoms, ATOM_FEATURES]` features.
    pub x: Vec<f32>,
    /// Directed bonds `(from, to)`, both directions of every bond.
    pub edges: Vec<(usize, usize)>,
    /// 1 for ring bonds, one per directed bond.
    pub ring: Vec<f32>,
}

impl GraphFeatures {
    /// Features of `mol`.
    pub fn new(mol: &Molecule) -> Self {
        let deg = mol.degrees();
        let rc = mol.ring_bond_counts();
        let size = mol.atom_ring_sizes();
        let mut x = vec![0.0f32; mol.atoms * ATOM_FEATURES];
        for i in 0..mol.atoms {
            let row = &mut x[i * ATOM_FEATURES..(i + 1) * ATOM_FEATURES];
            row[deg[i].clamp(1, 3) - 1] = 1.0;
            row[match rc[i] {
                0 => 3,
                2 => 4,
                _ => 5,
            }] = 1.0;
            if size[i] > 0 {
                row[6 + size[i].clamp(4, 8) - 4] = 1.0;
            }
        }
        let mut edges = Vec::with_capacity(2 * mol.bonds.len());
        let mut ring = Vec::with_capacity(2 * mol.bonds.len());
        for (&[u, v], r) in mol.bonds.iter().zip(mol.ring_bonds()) {
            edges.extend([(u, v), (v, u)]);
            ring.extend([f32::from(u8::from(r)); 2]);
        }
        GraphFeatures {
            atoms: mol.atoms,
            x,
            edges,
            ring,
        }
    }
}

/// Many graphs as one disjoint union, on a device.
pub struct GraphBatch {
    x: Tensor<2>,
    src: Tensor<1, Int>,
    dst: Tensor<1, Int>,
    ring: Tensor<2>,
    graph: Tensor<1, Int>,
    inv_count: Tensor<2>,
    graphs: usize,
}

impl GraphBatch {
    /// The union of `graphs` (atom indices offset per graph).
    pub fn new(graphs: &[&GraphFeatures], device: &Device) -> Self {
        let (mut x, mut src, mut dst, mut ring, mut graph, mut inv) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let mut offset = 0usize;
        for (g, f) in graphs.iter().enumerate() {
            x.extend_from_slice(&f.x);
            for &(u, v) in &f.edges {
                src.push((offset + u) as i64);
                dst.push((offset + v) as i64);
            }
            ring.extend_from_slice(&f.ring);
            graph.extend(std::iter::repeat_n(g as i64, f.atoms));
            inv.push(1.0 / f.atoms.max(1) as f32);
            offset += f.atoms;
        }
        let (n, e) = (offset, src.len());
        let ints = |v: Vec<i64>| {
            let len = v.len();
            Tensor::<1, Int>::from_data(TensorData::new(v, [len]), device)
        };
        GraphBatch {
            x: Tensor::from_data(TensorData::new(x, [n, ATOM_FEATURES]), device),
            src: ints(src),
            dst: ints(dst),
            ring: Tensor::from_data(TensorData::new(ring, [e, 1]), device),
            graph: ints(graph),
            inv_count: Tensor::from_data(TensorData::new(inv, [graphs.len(), 1]), device),
            graphs: graphs.len(),
        }
    }
}

/// The message-passing network.
#[derive(Module, Debug)]
pub struct Mpnn {
    embed: Linear,
    norm: Vec<LayerNorm>,
    from: Vec<Linear>,
    to: Vec<Linear>,
    ring: Vec<Linear>,
    update: Vec<Linear>,
    head: Linear,
    out: Linear,
}

impl Mpnn {
    /// `layers` message-passing steps on states of width `hidden`, `outputs` targets per graph.
    pub fn new(hidden: usize, layers: usize, outputs: usize, device: &Device) -> Self {
        let linears = |d_in: usize, bias: bool| -> Vec<Linear> {
            (0..layers)
                .map(|_| LinearConfig::new(d_in, hidden).with_bias(bias).init(device))
                .collect()
        };
        Mpnn {
            embed: LinearConfig::new(ATOM_FEATURES, hidden).init(device),
            norm: (0..layers)
                .map(|_| LayerNormConfig::new(hidden).init(device))
                .collect(),
            from: linears(hidden, true),
            to: linears(hidden, false),
            ring: linears(1, false),
            update: linears(2 * hidden, true),
            head: LinearConfig::new(2 * hidden, hidden).init(device),
            out: LinearConfig::new(hidden, outputs).init(device),
        }
    }

    /// Predictions `[graphs, outputs]` of a batch.
    pub fn forward(&self, b: &GraphBatch) -> Tensor<2> {
        let mut h = silu(self.embed.forward(b.x.clone()));
        let [n, hidden] = h.dims();
        let device = h.device();
        for l in 0..self.update.len() {
            let hn = self.norm[l].forward(h.clone());
            let hs = self.from[l].forward(hn.clone()).select(0, b.src.clone());
            let hd = self.to[l].forward(hn.clone()).select(0, b.dst.clone());
            let m = silu(hs + hd + self.ring[l].forward(b.ring.clone()));
            let agg = Tensor::<2>::zeros([n, hidden], &device).select_assign(
                0,
                b.dst.clone(),
                m,
                IndexingUpdateOp::Add,
            );
            h = h + silu(self.update[l].forward(Tensor::cat(vec![hn, agg], 1)));
        }
        let sum = Tensor::<2>::zeros([b.graphs, hidden], &device).select_assign(
            0,
            b.graph.clone(),
            h,
            IndexingUpdateOp::Add,
        );
        let mean = sum.clone() * b.inv_count.clone();
        let z = Tensor::cat(vec![mean, sum / SUM_SCALE], 1);
        self.out.forward(silu(self.head.forward(z)))
    }

    /// Predictions of every graph (rows of `outputs` values), in batches of 512 graphs.
    pub fn predict(&self, graphs: &[GraphFeatures], device: &Device) -> Result<Vec<Vec<f64>>> {
        let mut out = Vec::with_capacity(graphs.len());
        for chunk in graphs.chunks(512) {
            let refs: Vec<&GraphFeatures> = chunk.iter().collect();
            let y = self.forward(&GraphBatch::new(&refs, device));
            let k = y.dims()[1];
            out.extend(to_vec(y)?.chunks(k).map(<[f64]>::to_vec));
        }
        Ok(out)
    }
}
