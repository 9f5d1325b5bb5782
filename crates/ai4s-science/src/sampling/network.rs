//! The network free energy: an ensemble of tanh MLPs fitted to mean forces by gradient
//! matching, and a host copy of its weights that the MD loops evaluate at every step.
//!
//! Each member is `F_m(x) = S net_m(z)`, `z = (x - c)/h` (the window mapped to `[-1, 1]^2`,
//! `S` the output scale). The loss is `mean_i w_mi |grad F_m(x_i) - g_i|^2` with `g_i` the
//! restrained-MD estimate of `grad F` and `w_mi` Bayesian-bootstrap weights (exponential, one
//! draw per member and point) that make the members differ where the data are thin. burn's
//! autodiff is first order, so `grad_z net` comes from [`Mlp::forward_jet`] (the chain rule as
//! tensor ops) and one `backward()` differentiates the loss with respect to the weights.

use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::free_energy::Grid2;
use ai4s_core::mlp::{Mlp, MlpConfig};
use ai4s_core::tensor::to_vec;
use ai4s_core::train::Objective;

/// The ensemble, trained as one module (the loss sums over members).
#[derive(Module, Debug)]
pub struct Ensemble {
    /// The members.
    pub members: Vec<Mlp>,
}

impl Ensemble {
    /// `n` members of shape `model`, 2 inputs, 1 output.
    pub fn new(model: &MlpConfig, n: usize, device: &Device) -> Ensemble {
        Ensemble {
            members: (0..n).map(|_| model.init(2, 1, device)).collect(),
        }
    }
}

/// The map between coordinates and network inputs and outputs.
#[derive(Clone, Copy, Debug)]
pub struct Scaling {
    centre: [f64; 2],
    half: [f64; 2],
    /// Output scale `S`, kT.
    pub scale: f64,
}

impl Scaling {
    /// The window of `grid` mapped to `[-1, 1]^2`, outputs times `scale`.
    pub fn new(grid: &Grid2, scale: f64) -> Scaling {
        Scaling {
            centre: [0.5 * (grid.x[0] + grid.x[1]), 0.5 * (grid.y[0] + grid.y[1])],
            half: [0.5 * (grid.x[1] - grid.x[0]), 0.5 * (grid.y[1] - grid.y[0])],
            scale,
        }
    }

    fn input(&self, p: [f64; 2]) -> [f64; 2] {
        [
            (p[0] - self.centre[0]) / self.half[0],
            (p[1] - self.centre[1]) / self.half[1],
        ]
    }

    /// `grad_x F` (kT per length) as the target `grad_z net`.
    fn target(&self, g: [f64; 2]) -> [f64; 2] {
        [
            g[0] * self.half[0] / self.scale,
            g[1] * self.half[1] / self.scale,
        ]
    }
}

/// Mean forces gathered so far and which of them train or validate.
#[derive(Clone, Debug, Default)]
pub struct ForceData {
    /// Restraint centres.
    pub points: Vec<[f64; 2]>,
    /// Estimates of `grad F` there, kT per length.
    pub grads: Vec<[f64; 2]>,
    /// Bootstrap weight of each point for each member, `[point][member]`.
    pub weights: Vec<Vec<f32>>,
    /// Indices of training points.
    pub train: Vec<usize>,
    /// Indices of validation points.
    pub val: Vec<usize>,
}

/// Gradient matching on [`ForceData`].
pub struct GradientObjective<'a> {
    /// The data.
    pub data: &'a ForceData,
    /// Input and output scaling.
    pub scaling: Scaling,
    /// Device of the training model (autodiff).
    pub train_device: Device,
    /// Device for validation.
    pub device: Device,
}

impl GradientObjective<'_> {
    /// Inputs `[n, 2]`, targets `[n, 2]` and weights `[n, members]` of `rows`.
    fn tensors(&self, rows: &[usize], device: &Device) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
        let n = rows.len();
        let m = self.data.weights.first().map_or(0, Vec::len);
        let (mut z, mut t, mut w) = (
            Vec::with_capacity(2 * n),
            Vec::with_capacity(2 * n),
            Vec::with_capacity(m * n),
        );
        for &i in rows {
            z.extend(self.scaling.input(self.data.points[i]).map(|v| v as f32));
            t.extend(self.scaling.target(self.data.grads[i]).map(|v| v as f32));
            w.extend(&self.data.weights[i]);
        }
        let mk = |v: Vec<f32>, d: usize| Tensor::from_data(TensorData::new(v, [n, d]), device);
        (mk(z, 2), mk(t, 2), mk(w, m))
    }

    /// Per member, `sum_i w_i |grad net(z_i) - t_i|^2 / sum_i w_i`, summed over members.
    fn weighted_loss(model: &Ensemble, z: Tensor<2>, t: Tensor<2>, w: Tensor<2>) -> Tensor<1> {
        let m = model.members.len();
        let mut total: Option<Tensor<1>> = None;
        for (k, net) in model.members.iter().enumerate() {
            let err = match net.forward_jet(z.clone(), &[]) {
                Ok(jet) => Tensor::cat(jet.first, 1) - t.clone(),
                // Only tanh networks have a jet; the config refuses other activations.
                Err(_) => t.clone() * f32::NAN,
            };
            let wk = w.clone().narrow(1, k, 1);
            let sq = (err.clone() * err).sum_dim(1) * wk.clone();
            let l = sq.sum() / wk.sum();
            total = Some(match total {
                Some(s) => s + l,
                None => l,
            });
        }
        total.map_or_else(|| Tensor::zeros([1], &w.device()), |s| s / m as f64)
    }
}

impl Objective<Ensemble> for GradientObjective<'_> {
    fn n_train(&self) -> usize {
        self.data.train.len()
    }

    fn loss(&self, model: &Ensemble, batch: &[usize]) -> Tensor<1> {
        let rows: Vec<usize> = batch.iter().map(|&b| self.data.train[b]).collect();
        let (z, t, w) = self.tensors(&rows, &self.train_device);
        Self::weighted_loss(model, z, t, w)
    }

    fn validate(&self, model: &Ensemble) -> Result<f64> {
        let (z, t, _) = self.tensors(&self.data.val, &self.device);
        let ones = Tensor::ones([self.data.val.len(), model.members.len()], &self.device);
        Ok(to_vec(Self::weighted_loss(model, z, t, ones))?[0])
    }
}

/// One member on the host: `(weights [d_in * d_out] row-major by input, biases, d_out)` per layer.
#[derive(Clone, Debug)]
struct HostMlp {
    layers: Vec<(Vec<f64>, Vec<f64>, usize)>,
}

impl HostMlp {
    /// Value and input gradient of a tanh MLP with one output, by the chain rule.
    fn value_grad(&self, z: [f64; 2]) -> (f64, [f64; 2]) {
        let last = self.layers.len() - 1;
        let mut h = z.to_vec();
        // Jacobian dh/dz as rows [unit][2].
        let mut jac: Vec<[f64; 2]> = vec![[1.0, 0.0], [0.0, 1.0]];
        for (l, (w, b, d_out)) in self.layers.iter().enumerate() {
            let d_in = h.len();
            let mut a = b.clone();
            let mut ja = vec![[0.0; 2]; *d_out];
            for i in 0..d_in {
                let row = &w[i * d_out..(i + 1) * d_out];
                for (o, wv) in row.iter().enumerate() {
                    a[o] += h[i] * wv;
                    ja[o][0] += jac[i][0] * wv;
                    ja[o][1] += jac[i][1] * wv;
                }
            }
            if l < last {
                for o in 0..*d_out {
                    let y = a[o].tanh();
                    let g = 1.0 - y * y;
                    a[o] = y;
                    ja[o] = [g * ja[o][0], g * ja[o][1]];
                }
            }
            h = a;
            jac = ja;
        }
        (h[0], jac[0])
    }
}

/// The ensemble's weights on the host, for the MD loops.
#[derive(Clone, Debug)]
pub struct HostEnsemble {
    members: Vec<HostMlp>,
    scaling: Scaling,
}

/// The ensemble at a point: mean free energy (kT), mean gradient (kT per length) and the
/// force deviation `sqrt(mean_m |grad F_m - mean grad F|^2)`.
#[derive(Clone, Copy, Debug)]
pub struct Prediction {
    /// Mean free energy.
    pub value: f64,
    /// Mean gradient.
    pub grad: [f64; 2],
    /// Force deviation between members.
    pub deviation: f64,
}

impl HostEnsemble {
    /// Copies the weights of `model`.
    pub fn new(model: &Ensemble, scaling: Scaling) -> Result<HostEnsemble> {
        let members = model
            .members
            .iter()
            .map(|net| {
                let layers = net
                    .layers
                    .iter()
                    .map(|layer| {
                        let [_, d_out] = layer.weight.val().dims();
                        let w = to_vec(layer.weight.val())?;
                        let b = match &layer.bias {
                            Some(b) => to_vec(b.val())?,
                            None => vec![0.0; d_out],
                        };
                        Ok((w, b, d_out))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(HostMlp { layers })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(HostEnsemble { members, scaling })
    }

    /// The ensemble's prediction at `p`.
    pub fn predict(&self, p: [f64; 2]) -> Prediction {
        let z = self.scaling.input(p);
        let s = self.scaling;
        let outs: Vec<(f64, [f64; 2])> = self
            .members
            .iter()
            .map(|m| {
                let (v, g) = m.value_grad(z);
                (
                    s.scale * v,
                    [s.scale * g[0] / s.half[0], s.scale * g[1] / s.half[1]],
                )
            })
            .collect();
        let n = outs.len().max(1) as f64;
        let value = outs.iter().map(|o| o.0).sum::<f64>() / n;
        let grad = [0, 1].map(|k| outs.iter().map(|o| o.1[k]).sum::<f64>() / n);
        let var = outs
            .iter()
            .map(|o| (o.1[0] - grad[0]).powi(2) + (o.1[1] - grad[1]).powi(2))
            .sum::<f64>()
            / n;
        Prediction {
            value,
            grad,
            deviation: var.sqrt(),
        }
    }
}
