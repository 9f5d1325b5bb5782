//! The CNN lens finder: convolution blocks on the stretched cutout, two heads (the lens logit
//! and the standardised Einstein radius), its training objective and the tensors it reads.

use super::simulate::Cutout;
use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::conv::{Conv2d, Conv2dConfig};
use ai4s_core::burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use ai4s_core::burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use ai4s_core::burn::tensor::activation::{log_sigmoid, relu};
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::train::Objective;

/// `conv 3x3 - ReLU - maxpool 2` blocks, a dense ReLU layer on the flattened maps, and two
/// outputs: the lens logit and the standardised Einstein radius.
#[derive(Module, Debug)]
pub struct LensCnn {
    convs: Vec<Conv2d>,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
}

impl LensCnn {
    /// A CNN for `size x size` cutouts with `channels` blocks and a dense layer of `hidden`.
    pub fn new(channels: &[usize], size: usize, hidden: usize, device: &Device) -> Self {
        let mut convs = Vec::with_capacity(channels.len());
        let mut c_in = 1;
        for &c in channels {
            convs.push(
                Conv2dConfig::new([c_in, c], [3, 3])
                    .with_padding(PaddingConfig2d::Same)
                    .init(device),
            );
            c_in = c;
        }
        let side = size >> channels.len();
        LensCnn {
            convs,
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: LinearConfig::new(c_in * side * side, hidden).init(device),
            fc2: LinearConfig::new(hidden, 2).init(device),
        }
    }

    /// Outputs `[n, 2]` (logit, standardised Einstein radius) of cutouts `[n, 1, size, size]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut h = x;
        for conv in &self.convs {
            h = self.pool.forward(relu(conv.forward(h)));
        }
        let [n, c, a, b] = h.dims();
        let z = h.reshape([n, c * a * b]);
        self.fc2.forward(relu(self.fc1.forward(z)))
    }
}

/// Stretched cutouts with labels, row-major.
pub(super) struct Set {
    pub(super) x: Vec<f32>,
    /// 1 for lenses.
    pub(super) y: Vec<f32>,
    /// Standardised Einstein radius (0 for non-lenses, which the radius loss ignores).
    pub(super) theta: Vec<f32>,
    pub(super) size: usize,
}

/// Standardisation of the Einstein radius: `(theta_E - mean) / sd` over the training lenses.
#[derive(Clone, Copy, Debug)]
pub(super) struct ThetaScale {
    pub(super) mean: f64,
    pub(super) sd: f64,
}

impl ThetaScale {
    pub(super) fn of(cutouts: &[Cutout]) -> Self {
        let t: Vec<f64> = cutouts
            .iter()
            .filter(|c| c.scene.is_lens())
            .map(|c| c.scene.theta_e())
            .collect();
        let (mean, sd) = ai4s_core::metrics::mean_std(&t);
        ThetaScale {
            mean,
            sd: if sd > 0.0 { sd } else { 1.0 },
        }
    }
}

impl Set {
    /// The network's view of `cutouts`: `asinh(image / stretch)`.
    pub(super) fn new(cutouts: &[Cutout], stretch: f64, scale: ThetaScale) -> Self {
        let size = cutouts
            .first()
            .map_or(0, |c| (c.image.len() as f64).sqrt() as usize);
        let s = stretch as f32;
        Set {
            x: cutouts
                .iter()
                .flat_map(|c| c.image.iter().map(move |v| (v / s).asinh()))
                .collect(),
            y: cutouts
                .iter()
                .map(|c| if c.scene.is_lens() { 1.0 } else { 0.0 })
                .collect(),
            theta: cutouts
                .iter()
                .map(|c| {
                    if c.scene.is_lens() {
                        ((c.scene.theta_e() - scale.mean) / scale.sd) as f32
                    } else {
                        0.0
                    }
                })
                .collect(),
            size,
        }
    }

    pub(super) fn n(&self) -> usize {
        self.y.len()
    }

    fn batch(&self, idx: &[usize], device: &Device) -> (Tensor<4>, Tensor<1>, Tensor<1>) {
        let px = self.size * self.size;
        let mut data = Vec::with_capacity(idx.len() * px);
        for &i in idx {
            data.extend_from_slice(&self.x[i * px..(i + 1) * px]);
        }
        let pick = |v: &[f32]| -> Vec<f32> { idx.iter().map(|&i| v[i]).collect() };
        (
            Tensor::from_data(
                TensorData::new(data, [idx.len(), 1, self.size, self.size]),
                device,
            ),
            Tensor::from_data(TensorData::new(pick(&self.y), [idx.len()]), device),
            Tensor::from_data(TensorData::new(pick(&self.theta), [idx.len()]), device),
        )
    }
}

/// Mean binary cross-entropy of logits `z` and labels `y`, plus `weight` times the mean
/// squared error of the radius `t_hat` over the lenses (`y = 1`) only.
fn loss(out: Tensor<2>, y: Tensor<1>, t: Tensor<1>, weight: f64) -> Tensor<1> {
    let n = out.dims()[0];
    let z = out.clone().narrow(1, 0, 1).reshape([n]);
    let t_hat = out.narrow(1, 1, 1).reshape([n]);
    let pos = log_sigmoid(z.clone()) * y.clone();
    let neg = log_sigmoid(z.neg()) * y.clone().neg().add_scalar(1.0);
    let bce = (pos + neg).mean().neg();
    let lenses = y.clone().sum().clamp_min(1.0);
    let mse = ((t_hat - t).powi_scalar(2) * y).sum() / lenses;
    bce + mse.mul_scalar(weight)
}

/// `(logit, standardised radius)` of every cutout of `set`, with a model without autodiff.
pub(super) fn predict(model: &LensCnn, set: &Set, device: &Device) -> Result<Vec<(f64, f64)>> {
    let mut out = Vec::with_capacity(set.n());
    let idx: Vec<usize> = (0..set.n()).collect();
    for chunk in idx.chunks(256) {
        let (x, _, _) = set.batch(chunk, device);
        let v = ai4s_core::tensor::to_vec(model.forward(x))?;
        out.extend(v.chunks(2).map(|p| (p[0], p[1])));
    }
    Ok(out)
}

pub(super) struct CnnObjective<'a> {
    pub(super) train: &'a Set,
    pub(super) val: &'a Set,
    pub(super) weight: f64,
    pub(super) train_device: Device,
    pub(super) device: Device,
}

impl Objective<LensCnn> for CnnObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.n()
    }

    fn loss(&self, model: &LensCnn, batch: &[usize]) -> Tensor<1> {
        let (x, y, t) = self.train.batch(batch, &self.train_device);
        loss(model.forward(x), y, t, self.weight)
    }

    /// The same loss on the validation cutouts.
    fn validate(&self, model: &LensCnn) -> Result<f64> {
        let p = predict(model, self.val, &self.device)?;
        let (mut bce, mut mse, mut lenses) = (0.0, 0.0, 0.0);
        for (((z, t_hat), &y), &t) in p.iter().zip(&self.val.y).zip(&self.val.theta) {
            // log(1 + e^z) - y z, stably.
            bce += z.max(0.0) + (-z.abs()).exp().ln_1p() - y as f64 * z;
            if y > 0.5 {
                mse += (t_hat - t as f64).powi(2);
                lenses += 1.0;
            }
        }
        Ok(bce / p.len().max(1) as f64 + self.weight * mse / f64::max(lenses, 1.0))
    }
}
