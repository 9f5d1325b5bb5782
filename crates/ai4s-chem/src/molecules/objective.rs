//! Training the MPNN with the shared loop: standardised targets, the batch loss and the
//! validation score.

use super::data::Labelled;
use super::mpnn::{GraphBatch, GraphFeatures, Mpnn};
use ai4s_core::Result;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::metrics::{mae, mean_std};
use ai4s_core::train::Objective;

/// The two targets per molecule: the HOMO-LUMO gap and the pi energy per carbon (both
/// intensive; the total pi energy is the second times the number of carbons).
pub fn targets(set: &[Labelled]) -> Vec<[f64; 2]> {
    set.iter()
        .map(|l| [l.gap, l.pi_energy / l.mol.atoms as f64])
        .collect()
}

/// Per-target standardisation fitted on the training set.
#[derive(Clone, Copy, Debug)]
pub struct Scaler {
    mean: [f64; 2],
    std: [f64; 2],
}

impl Scaler {
    /// Mean and standard deviation of each target (a zero spread counts as one).
    pub fn fit(y: &[[f64; 2]]) -> Self {
        let stat = |k: usize| mean_std(&y.iter().map(|r| r[k]).collect::<Vec<_>>());
        let ((m0, s0), (m1, s1)) = (stat(0), stat(1));
        let unit = |s: f64| if s > 0.0 { s } else { 1.0 };
        Scaler {
            mean: [m0, m1],
            std: [unit(s0), unit(s1)],
        }
    }

    /// Standardised targets.
    pub fn forward(&self, y: &[f64; 2]) -> [f32; 2] {
        [0, 1].map(|k| ((y[k] - self.mean[k]) / self.std[k]) as f32)
    }

    /// Targets from standardised predictions.
    pub fn inverse(&self, z: &[f64]) -> [f64; 2] {
        [0, 1].map(|k| z[k] * self.std[k] + self.mean[k])
    }
}

/// Predicted `[gap, pi energy per carbon]` of every graph, in units of `|beta|`.
pub fn predict(
    model: &Mpnn,
    graphs: &[GraphFeatures],
    scaler: &Scaler,
    device: &Device,
) -> Result<Vec<[f64; 2]>> {
    Ok(model
        .predict(graphs, device)?
        .iter()
        .map(|z| scaler.inverse(z))
        .collect())
}

/// Mean squared error of both standardised targets; validation by the gap's MAE.
pub struct MpnnObjective<'a> {
    /// Training graphs.
    pub train: &'a [GraphFeatures],
    /// Their standardised targets.
    pub train_y: Vec<[f32; 2]>,
    /// Validation graphs.
    pub val: &'a [GraphFeatures],
    /// Their exact gaps.
    pub val_gap: Vec<f64>,
    /// The target standardisation.
    pub scaler: Scaler,
    /// Device with autodiff for the batch losses.
    pub train_device: Device,
    /// Plain device for validation.
    pub device: Device,
}

impl Objective<Mpnn> for MpnnObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.len()
    }

    fn loss(&self, model: &Mpnn, batch: &[usize]) -> Tensor<1> {
        let graphs: Vec<&GraphFeatures> = batch.iter().map(|&i| &self.train[i]).collect();
        let y: Vec<f32> = batch.iter().flat_map(|&i| self.train_y[i]).collect();
        let y = Tensor::<2>::from_data(TensorData::new(y, [batch.len(), 2]), &self.train_device);
        let pred = model.forward(&GraphBatch::new(&graphs, &self.train_device));
        (pred - y).powi_scalar(2).mean()
    }

    fn validate(&self, model: &Mpnn) -> Result<f64> {
        let p = predict(model, self.val, &self.scaler, &self.device)?;
        let gap: Vec<f64> = p.iter().map(|r| r[0]).collect();
        Ok(mae(&gap, &self.val_gap))
    }
}
