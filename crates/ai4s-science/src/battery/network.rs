//! The network on whole curves: an MLP reading the downsampled `Delta Q(V)` and predicting
//! `log10` cycle life, trained with the shared loop and stopped early on validation cells.

use ai4s_core::Result;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::mlp::Mlp;
use ai4s_core::tensor::{matrix, to_vec};
use ai4s_core::train::Objective;
use ndarray::{Array2, Axis};

/// Mean of `curve` over `points` equal bins, each passed through `asinh(value / scale)`, which
/// is linear for small `Delta Q` and logarithmic for large, so that cells whose curves differ by
/// orders of magnitude stay on one scale.
pub fn downsample(curve: &[f64], points: usize, scale: f64) -> Vec<f64> {
    let n = curve.len();
    (0..points)
        .map(|b| {
            let (lo, hi) = (
                b * n / points,
                ((b + 1) * n / points).max(b * n / points + 1),
            );
            let bin = &curve[lo..hi.min(n)];
            let mean = bin.iter().sum::<f64>() / bin.len().max(1) as f64;
            (mean / scale).asinh()
        })
        .collect()
}

/// Standardised inputs and targets, and the rows the network trains and stops on.
pub struct CurveObjective<'a> {
    /// Inputs, one row per cell.
    pub x: &'a Array2<f64>,
    /// Targets, one per cell.
    pub y: &'a [f64],
    /// Training rows.
    pub train: &'a [usize],
    /// Validation rows.
    pub val: &'a [usize],
    /// Device of the training model (autodiff).
    pub train_device: Device,
    /// Device for validation.
    pub device: Device,
}

fn targets(y: &[f64], rows: &[usize], device: &Device) -> Tensor<2> {
    let v: Vec<f32> = rows.iter().map(|&i| y[i] as f32).collect();
    Tensor::from_data(TensorData::new(v, [rows.len(), 1]), device)
}

/// Network outputs for `rows` of `x`.
pub fn predict(model: &Mlp, x: &Array2<f64>, rows: &[usize], device: &Device) -> Result<Vec<f64>> {
    to_vec(model.forward(matrix(&x.select(Axis(0), rows), device)))
}

impl Objective<Mlp> for CurveObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.len()
    }

    fn loss(&self, model: &Mlp, batch: &[usize]) -> Tensor<1> {
        let rows: Vec<usize> = batch.iter().map(|&b| self.train[b]).collect();
        let x = matrix(&self.x.select(Axis(0), &rows), &self.train_device);
        let err = model.forward(x) - targets(self.y, &rows, &self.train_device);
        (err.clone() * err).mean()
    }

    fn validate(&self, model: &Mlp) -> Result<f64> {
        let p = predict(model, self.x, self.val, &self.device)?;
        let t: Vec<f64> = self.val.iter().map(|&i| self.y[i]).collect();
        Ok(p.iter()
            .zip(&t)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            / t.len().max(1) as f64)
    }
}
