//! Backend agreement check: the same training on two devices must give the same losses.
//!
//! A 4-16-16-1 tanh MLP is initialised once, copied to both devices, and trained with full-batch
//! Adam on a fixed smooth regression problem (`y = sin(x0) + x1 x2 / 2`, 256 points). The loss
//! must fall on both devices, and the two loss curves must agree within a relative tolerance
//! (float32 arithmetic in different kernels differs in the last bits, not more). `ai4s selftest`
//! runs this for the GPU path (wgpu in CI, CUDA on NVIDIA machines).

use crate::error::{Error, Result};
use crate::mlp::{Activation, MlpConfig};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};

/// Loss curves of the same training on two devices.
#[derive(Clone, Debug)]
pub struct Agreement {
    /// Losses on the reference device, one per step.
    pub reference: Vec<f64>,
    /// Losses on the candidate device.
    pub candidate: Vec<f64>,
}

impl Agreement {
    /// Largest relative difference between the curves.
    pub fn max_rel_diff(&self) -> f64 {
        self.reference
            .iter()
            .zip(&self.candidate)
            .map(|(a, b)| (a - b).abs() / a.abs().max(1e-12))
            .fold(0.0, f64::max)
    }

    /// Whether both curves fell by at least `factor` (final / first <= 1 / factor).
    pub fn both_fall(&self, factor: f64) -> bool {
        let falls = |c: &[f64]| match (c.first(), c.last()) {
            (Some(a), Some(b)) => b * factor <= *a,
            _ => false,
        };
        falls(&self.reference) && falls(&self.candidate)
    }
}

fn problem(device: &Device) -> (Tensor<2>, Tensor<2>) {
    let n = 256;
    let mut x = Vec::with_capacity(n * 4);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let f = |k: usize| (((i * (2 * k + 3) + 7 * k) % 97) as f32 / 97.0) * 4.0 - 2.0;
        let row = [f(0), f(1), f(2), f(3)];
        y.push(row[0].sin() + row[1] * row[2] / 2.0);
        x.extend(row);
    }
    (
        Tensor::from_data(TensorData::new(x, [n, 4]), device),
        Tensor::from_data(TensorData::new(y, [n, 1]), device),
    )
}

fn read(t: Tensor<1>) -> Result<f64> {
    crate::tensor::to_vec(t)?
        .first()
        .copied()
        .ok_or_else(|| Error::Runtime("empty loss tensor".into()))
}

/// Trains the reference problem for `steps` Adam steps on both devices from identical weights.
pub fn backend_agreement(
    reference: &Device,
    candidate: &Device,
    steps: usize,
) -> Result<Agreement> {
    let cfg = MlpConfig {
        hidden: vec![16, 16],
        activation: Activation::Tanh,
    };
    let ref_dev = reference.clone().autodiff();
    let cand_dev = candidate.clone().autodiff();
    let init = cfg.init(4, 1, &ref_dev);
    let mut curves = Vec::new();
    for dev in [&ref_dev, &cand_dev] {
        let mut model = init.clone().fork(dev);
        let (x, y) = problem(dev);
        let mut optim = AdamConfig::new().init();
        let mut losses = Vec::with_capacity(steps);
        for _ in 0..steps {
            let err = model.forward(x.clone()) - y.clone();
            let loss = (err.clone() * err).mean();
            losses.push(read(loss.clone())?);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
        curves.push(losses);
    }
    let candidate = curves.pop().unwrap_or_default();
    let reference = curves.pop().unwrap_or_default();
    Ok(Agreement {
        reference,
        candidate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Backend, Precision, make_device};

    #[test]
    fn loss_falls_and_the_comparison_sees_a_difference() {
        // Two backends in one process are compared in tests/backends.rs (flex against wgpu;
        // flex's precision is process-wide, so f32 against f64 cannot share a process). Here:
        // the training falls, is deterministic, and the measure flags a 0.2 % deviation.
        let b = Backend::default_backend().expect("a backend is compiled in");
        let d = make_device(b, Precision::F32, 1).expect("device starts");
        let a = backend_agreement(&d, &d, 60).expect("training runs");
        assert!(a.both_fall(5.0), "loss should fall 5x: {:?}", a.reference);
        assert!(
            a.max_rel_diff() < 1e-6,
            "not deterministic: {}",
            a.max_rel_diff()
        );
        let shifted = Agreement {
            reference: a.reference.clone(),
            candidate: a.reference.iter().map(|v| v * 1.002).collect(),
        };
        assert!((shifted.max_rel_diff() - 0.002).abs() < 1e-4);
        let flat = Agreement {
            reference: a.reference.clone(),
            candidate: vec![a.reference[0]; a.reference.len()],
        };
        assert!(
            !flat.both_fall(5.0),
            "a curve that does not fall must be seen"
        );
    }
}
