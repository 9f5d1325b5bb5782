//! The network's inputs (log of energies, standardised on training events), its
//! binary cross-entropy objective for the shared training loop, and the export of the trained
//! burn model to plain arrays.

use super::generator::{FEATURES, N_FEATURES};
use super::quant::{Dense, FloatNet};
use ai4s_core::Result;
use ai4s_core::burn::tensor::activation::log_sigmoid;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::mlp::Mlp;
use ai4s_core::tensor::to_vec;
use ai4s_core::train::Objective;

/// Feature transform fitted on training events: `ln` of energies and masses, then
/// `(x - mean) / std` per column.
#[derive(Clone, Debug)]
pub struct Preprocess {
    /// Column means after the log transform.
    pub mean: [f64; N_FEATURES],
    /// Column standard deviations after the log transform (1 for a constant column).
    pub std: [f64; N_FEATURES],
}

fn transformed(x: &[f64; N_FEATURES]) -> [f64; N_FEATURES] {
    std::array::from_fn(|f| {
        if FEATURES[f].log_input {
            x[f].max(1e-3).ln()
        } else {
            x[f]
        }
    })
}

impl Preprocess {
    /// Fits the means and standard deviations on `rows`.
    pub fn fit(rows: &[&[f64; N_FEATURES]]) -> Preprocess {
        let n = rows.len().max(1) as f64;
        let t: Vec<[f64; N_FEATURES]> = rows.iter().map(|x| transformed(x)).collect();
        let mean: [f64; N_FEATURES] =
            std::array::from_fn(|f| t.iter().map(|x| x[f]).sum::<f64>() / n);
        let std = std::array::from_fn(|f| {
            let v = t.iter().map(|x| (x[f] - mean[f]).powi(2)).sum::<f64>() / n;
            if v > 1e-24 { v.sqrt() } else { 1.0 }
        });
        Preprocess { mean, std }
    }

    /// The network input of one event.
    pub fn apply(&self, x: &[f64; N_FEATURES]) -> Vec<f32> {
        let t = transformed(x);
        (0..N_FEATURES)
            .map(|f| ((t[f] - self.mean[f]) / self.std[f]) as f32)
            .collect()
    }
}

/// Binary cross-entropy `-[y ln sigma(z) + (1 - y) ln(1 - sigma(z))]` of logits `z`, averaged.
fn bce(z: Tensor<1>, y: Tensor<1>) -> Tensor<1> {
    let pos = log_sigmoid(z.clone()) * y.clone();
    let neg = log_sigmoid(z.neg()) * y.neg().add_scalar(1.0);
    (pos + neg).mean().neg()
}

fn batch(x: &[Vec<f32>], rows: &[usize], device: &Device) -> Tensor<2> {
    let d = x.first().map_or(0, Vec::len);
    let data: Vec<f32> = rows.iter().flat_map(|&i| x[i].iter().copied()).collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), d]), device)
}

/// Logits of `rows` of `x` from the burn model (in chunks).
pub fn predict(model: &Mlp, x: &[Vec<f32>], rows: &[usize], device: &Device) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(8192) {
        out.extend(to_vec(model.forward(batch(x, chunk, device)))?);
    }
    Ok(out)
}

/// The training problem: standardised inputs, labels, and the rows to train and stop on.
pub struct EventObjective<'a> {
    /// Network inputs of every event.
    pub x: &'a [Vec<f32>],
    /// Labels (true = signal).
    pub y: &'a [bool],
    /// Training rows.
    pub train: &'a [usize],
    /// Validation rows.
    pub val: &'a [usize],
    /// Device of the training model (autodiff).
    pub train_device: Device,
    /// Device for validation.
    pub device: Device,
}

impl Objective<Mlp> for EventObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.len()
    }

    fn loss(&self, model: &Mlp, b: &[usize]) -> Tensor<1> {
        let rows: Vec<usize> = b.iter().map(|&k| self.train[k]).collect();
        let z = model.forward(batch(self.x, &rows, &self.train_device));
        let y: Vec<f32> = rows
            .iter()
            .map(|&i| f32::from(u8::from(self.y[i])))
            .collect();
        let y = Tensor::from_data(TensorData::new(y, [rows.len()]), &self.train_device);
        bce(z.reshape([rows.len()]), y)
    }

    fn validate(&self, model: &Mlp) -> Result<f64> {
        let z = predict(model, self.x, self.val, &self.device)?;
        let loss: f64 = z
            .iter()
            .zip(self.val)
            .map(|(&z, &i)| {
                // ln(1 + e^z) - y z, stably.
                z.max(0.0) + (-z.abs()).exp().ln_1p() - if self.y[i] { z } else { 0.0 }
            })
            .sum();
        Ok(loss / z.len().max(1) as f64)
    }
}

/// The trained burn model as a [`FloatNet`] (same `[d_in][d_out]` weight layout).
pub fn export(model: &Mlp) -> Result<FloatNet> {
    let mut layers = Vec::with_capacity(model.layers.len());
    for l in &model.layers {
        let [d_in, d_out] = l.weight.val().dims();
        let w = to_vec(l.weight.val())?;
        let b = match &l.bias {
            Some(b) => to_vec(b.val())?,
            None => vec![0.0; d_out],
        };
        layers.push(Dense {
            d_in,
            d_out,
            w: w.into_iter().map(|v| v as f32).collect(),
            b: b.into_iter().map(|v| v as f32).collect(),
        });
    }
    FloatNet::new(layers)
}
