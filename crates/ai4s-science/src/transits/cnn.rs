//! The 1-D CNN detector on unfolded curves, its training objective, and the labelled sets it
//! is trained and scored on.

use super::config::TransitsConfig;
use super::simulate::{LightCurve, detrend, simulate};
use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::conv::{Conv1d, Conv1dConfig};
use ai4s_core::burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use ai4s_core::burn::nn::{Linear, LinearConfig, PaddingConfig1d};
use ai4s_core::burn::tensor::activation::{log_sigmoid, relu};
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::train::Objective;
use rand::{SeedableRng, rngs::StdRng};

/// The 1-D convolutional classifier.
#[derive(Module, Debug)]
pub struct TransitCnn {
    convs: Vec<Conv1d>,
    pool: MaxPool1d,
    fc1: Linear,
    fc2: Linear,
}

impl TransitCnn {
    /// A CNN with `channels` convolution blocks of kernel `kernel` and a dense layer of `hidden`.
    pub fn new(channels: &[usize], kernel: usize, hidden: usize, device: &Device) -> Self {
        let mut convs = Vec::with_capacity(channels.len());
        let mut c_in = 1;
        for &c in channels {
            convs.push(
                Conv1dConfig::new(c_in, c, kernel)
                    .with_padding(PaddingConfig1d::Same)
                    .init(device),
            );
            c_in = c;
        }
        TransitCnn {
            convs,
            pool: MaxPool1dConfig::new(2).init(),
            fc1: LinearConfig::new(2 * c_in, hidden).init(device),
            fc2: LinearConfig::new(hidden, 1).init(device),
        }
    }

    /// Logits `[n]` of light curves `[n, 1, samples]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<1> {
        let mut h = x;
        for conv in &self.convs {
            h = self.pool.forward(relu(conv.forward(h)));
        }
        let [n, c, _] = h.dims();
        let gmax = h.clone().max_dim(2).reshape([n, c]);
        let gmean = h.mean_dim(2).reshape([n, c]);
        let z = Tensor::cat(vec![gmax, gmean], 1);
        self.fc2.forward(relu(self.fc1.forward(z))).reshape([n])
    }
}

/// Preprocessed curves stored row-major with labels.
pub(super) struct Set {
    pub(super) x: Vec<f32>,
    pub(super) y: Vec<f32>,
    pub(super) len: usize,
}

impl Set {
    fn batch(&self, idx: &[usize], device: &Device) -> (Tensor<3>, Tensor<1>) {
        let mut data = Vec::with_capacity(idx.len() * self.len);
        for &i in idx {
            data.extend_from_slice(&self.x[i * self.len..(i + 1) * self.len]);
        }
        let y: Vec<f32> = idx.iter().map(|&i| self.y[i]).collect();
        (
            Tensor::from_data(TensorData::new(data, [idx.len(), 1, self.len]), device),
            Tensor::from_data(TensorData::new(y, [idx.len()]), device),
        )
    }

    pub(super) fn n(&self) -> usize {
        self.y.len()
    }
}

pub(super) fn bce(z: Tensor<1>, y: Tensor<1>) -> Tensor<1> {
    let pos = log_sigmoid(z.clone()) * y.clone();
    let neg = log_sigmoid(z.neg()) * y.neg().add_scalar(1.0);
    (pos + neg).mean().neg()
}

/// Logits of every curve of `set` with a model without autodiff.
pub(super) fn predict(model: &TransitCnn, set: &Set, device: &Device) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(set.n());
    let idx: Vec<usize> = (0..set.n()).collect();
    for chunk in idx.chunks(256) {
        let (x, _) = set.batch(chunk, device);
        out.extend(ai4s_core::tensor::to_vec(model.forward(x))?);
    }
    Ok(out)
}

pub(super) struct CnnObjective<'a> {
    pub(super) train: &'a Set,
    pub(super) val: &'a Set,
    pub(super) train_device: Device,
    pub(super) device: Device,
}

impl Objective<TransitCnn> for CnnObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.n()
    }

    fn loss(&self, model: &TransitCnn, batch: &[usize]) -> Tensor<1> {
        let (x, y) = self.train.batch(batch, &self.train_device);
        bce(model.forward(x), y)
    }

    fn validate(&self, model: &TransitCnn) -> Result<f64> {
        let z = predict(model, self.val, &self.device)?;
        let loss = z
            .iter()
            .zip(&self.val.y)
            .map(|(&z, &y)| {
                // log(1 + e^z) - y z, stably.
                z.max(0.0) + (-z.abs()).exp().ln_1p() - y as f64 * z
            })
            .sum::<f64>();
        Ok(loss / z.len().max(1) as f64)
    }
}

/// Simulates `count` curves (alternating with and without transit) and preprocesses them.
pub(super) fn make_set(cfg: &TransitsConfig, count: usize, seed: u64) -> (Set, Vec<LightCurve>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let window = (cfg.detrend_window_days / cfg.cadence_days).round() as usize;
    let mut x = Vec::with_capacity(count * cfg.n_samples);
    let mut y = Vec::with_capacity(count);
    let mut curves = Vec::with_capacity(count);
    for i in 0..count {
        let lc = simulate(cfg, i % 2 == 0, &mut rng);
        x.extend(detrend(&lc.flux, window).into_iter().map(|v| v as f32));
        y.push(if lc.planet.is_some() { 1.0 } else { 0.0 });
        curves.push(lc);
    }
    (
        Set {
            x,
            y,
            len: cfg.n_samples,
        },
        curves,
    )
}
