//! Policies on the host: acting without tensor calls.
//!
//! Environments step one transition at a time, and a burn call per step costs far more than the
//! few thousand multiply-adds of a small network. After each update the agents copy their
//! network's weights into a [`HostMlp`] and act with plain Rust loops; only the batched gradient
//! updates run on the burn device.

use ai4s_core::mlp::{Activation, Mlp};
use ai4s_core::tensor::to_vec;
use ai4s_core::{Error, Result};
use rand::Rng;

/// A dense network evaluated on the host: weights `[d_in, d_out]` row-major per layer.
#[derive(Clone, Debug)]
pub struct HostMlp {
    layers: Vec<(Vec<f32>, Vec<f32>, usize, usize)>,
    activation: Activation,
}

impl HostMlp {
    /// Copies the weights of a burn [`Mlp`] (ReLU or tanh hidden layers).
    pub fn from_mlp(m: &Mlp) -> Result<Self> {
        if !matches!(m.activation, Activation::Relu | Activation::Tanh) {
            return Err(Error::config(
                "policy.activation",
                "agents support relu or tanh hidden layers",
            ));
        }
        let mut layers = Vec::with_capacity(m.layers.len());
        for l in &m.layers {
            let [d_in, d_out] = l.weight.val().dims();
            let w: Vec<f32> = to_vec(l.weight.val())?.iter().map(|&v| v as f32).collect();
            let b: Vec<f32> = match &l.bias {
                Some(b) => to_vec(b.val())?.iter().map(|&v| v as f32).collect(),
                None => vec![0.0; d_out],
            };
            layers.push((w, b, d_in, d_out));
        }
        Ok(HostMlp {
            layers,
            activation: m.activation,
        })
    }

    /// Output width.
    pub fn d_out(&self) -> usize {
        self.layers.last().map_or(0, |l| l.3)
    }

    /// Forward pass of one input vector.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut h = x.to_vec();
        let last = self.layers.len().saturating_sub(1);
        for (k, (w, b, d_in, d_out)) in self.layers.iter().enumerate() {
            let mut z = b.clone();
            for i in 0..*d_in {
                let xi = h[i];
                if xi != 0.0 {
                    let row = &w[i * d_out..(i + 1) * d_out];
                    for (zj, wij) in z.iter_mut().zip(row) {
                        *zj += xi * wij;
                    }
                }
            }
            if k < last {
                match self.activation {
                    Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
                    _ => z.iter_mut().for_each(|v| *v = v.max(0.0)),
                }
            }
            h = z;
        }
        h
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// Log-probabilities of a categorical distribution with the given logits.
pub fn log_softmax(logits: &[f32]) -> Vec<f64> {
    let m = logits.iter().copied().fold(f32::MIN, f32::max) as f64;
    let lse = m + logits
        .iter()
        .map(|&l| (l as f64 - m).exp())
        .sum::<f64>()
        .ln();
    logits.iter().map(|&l| l as f64 - lse).collect()
}

/// Samples an action from the logits; returns it with its log-probability.
pub fn sample(logits: &[f32], rng: &mut impl Rng) -> (usize, f64) {
    let lp = log_softmax(logits);
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (a, l) in lp.iter().enumerate() {
        acc += l.exp();
        if u < acc {
            return (a, *l);
        }
    }
    let a = lp.len() - 1;
    (a, lp[a])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai4s_core::mlp::MlpConfig;
    use burn::tensor::{Tensor, TensorData};

    #[test]
    fn host_forward_matches_burn() {
        let device =
            ai4s_core::device::make_device(ai4s_core::Backend::Flex, ai4s_core::Precision::F32, 1)
                .expect("flex device");
        for act in [Activation::Relu, Activation::Tanh] {
            let m = MlpConfig {
                hidden: vec![16, 8],
                activation: act,
            }
            .init(5, 3, &device);
            let host = HostMlp::from_mlp(&m).expect("copies");
            let x: Vec<f32> = (0..10).map(|i| (i as f32 * 0.37).sin()).collect();
            let t = m.forward(Tensor::from_data(
                TensorData::new(x.clone(), [2, 5]),
                &device,
            ));
            let want = to_vec(t).expect("reads");
            for r in 0..2 {
                let got = host.forward(&x[r * 5..(r + 1) * 5]);
                for j in 0..3 {
                    assert!((got[j] as f64 - want[r * 3 + j]).abs() < 1e-5);
                }
            }
        }
        let lp = log_softmax(&[1.0, 2.0, 3.0]);
        assert!((lp.iter().map(|l| l.exp()).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(argmax(&[0.1, 0.5, 0.5]), 1);
    }
}
