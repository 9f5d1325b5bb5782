//! The shared multilayer perceptron.
//!
//! `y = W_L s(... s(W_1 x + b_1) ...) + b_L` with a configurable activation `s`, depth and
//! width. Used by the supervised tasks and as the building block of larger models.

use crate::error::{Result, ensure};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, activation};
use serde::{Deserialize, Serialize};

/// Hidden-layer nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// Hyperbolic tangent.
    #[default]
    Tanh,
    /// Gaussian error linear unit.
    Gelu,
    /// x * sigmoid(x).
    Silu,
}

impl Activation {
    /// Applies the activation elementwise.
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => activation::relu(x),
            Activation::Tanh => crate::tensor::tanh(x),
            Activation::Gelu => activation::gelu(x),
            Activation::Silu => activation::silu(x),
        }
    }
}

/// Shape of an MLP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MlpConfig {
    /// Widths of the hidden layers, e.g. `[64, 64]`.
    pub hidden: Vec<usize>,
    /// Hidden-layer activation: relu, tanh, gelu or silu.
    pub activation: Activation,
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            hidden: vec![64, 64],
            activation: Activation::Tanh,
        }
    }
}

impl MlpConfig {
    /// Checks the shape; errors name `field` (the config key holding this struct).
    pub fn validate(&self, field: &str) -> Result<()> {
        ensure(!self.hidden.is_empty(), &format!("{field}.hidden"), || {
            "needs at least one hidden layer, e.g. [64, 64]".into()
        })?;
        ensure(
            self.hidden.iter().all(|&w| (1..=65536).contains(&w)),
            &format!("{field}.hidden"),
            || format!("widths must be between 1 and 65536, got {:?}", self.hidden),
        )
    }

    /// Builds the network mapping `d_in` inputs to `d_out` outputs.
    pub fn init(&self, d_in: usize, d_out: usize, device: &Device) -> Mlp {
        let mut widths = vec![d_in];
        widths.extend(&self.hidden);
        widths.push(d_out);
        let layers = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Mlp {
            layers,
            activation: self.activation,
        }
    }
}

/// A multilayer perceptron.
#[derive(Module, Debug)]
pub struct Mlp {
    /// Affine layers, input to output.
    pub layers: Vec<Linear>,
    /// Hidden activation.
    #[module(skip)]
    pub activation: Activation,
}

/// Network output with its first derivatives along every input and second derivatives along
/// selected inputs, computed in forward mode as ordinary tensor ops.
pub struct Jet {
    /// `y`, `[n, d_out]`.
    pub value: Tensor<2>,
    /// `dy/dx_k` for every input `k`.
    pub first: Vec<Tensor<2>>,
    /// `d^2 y/dx_k^2` for the requested inputs, in request order.
    pub second: Vec<Tensor<2>>,
}

impl Mlp {
    /// Forward pass with derivatives with respect to the inputs (tanh networks only).
    ///
    /// burn's autodiff is first order, so a loss that contains `dy/dx` or `d^2y/dx^2` (a PDE
    /// residual, a local energy) needs the input derivatives as ordinary tensor ops; then one
    /// `backward()` differentiates them with respect to the weights. Through a layer
    /// `a = tanh(z)`, `z = h W + b`: `z' = h' W`, `z'' = h'' W`, `a' = (1 - a^2) z'`,
    /// `a'' = (1 - a^2) z'' - 2 a (1 - a^2) z'^2`; the output layer is linear.
    pub fn forward_jet(&self, x: Tensor<2>, second: &[usize]) -> Result<Jet> {
        if self.activation != Activation::Tanh {
            return Err(crate::Error::config(
                "model.activation",
                "input derivatives are implemented for tanh networks; set activation = \"tanh\"",
            ));
        }
        let [n, d] = x.dims();
        let device = x.device();
        let unit = |k: usize| {
            let mut e = vec![0.0f32; d];
            e[k] = 1.0;
            Tensor::<2>::from_data(burn::tensor::TensorData::new(e, [1, d]), &device)
                .repeat_dim(0, n)
        };
        let mut h = x;
        let mut d1: Vec<Tensor<2>> = (0..d).map(unit).collect();
        let mut d2: Vec<Tensor<2>> = second
            .iter()
            .map(|_| Tensor::zeros([n, d], &device))
            .collect();
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            let w = layer.weight.val();
            let z = layer.forward(h);
            let z1: Vec<Tensor<2>> = d1.iter().map(|t| t.clone().matmul(w.clone())).collect();
            let z2: Vec<Tensor<2>> = d2.iter().map(|t| t.clone().matmul(w.clone())).collect();
            if i == last {
                return Ok(Jet {
                    value: z,
                    first: z1,
                    second: z2,
                });
            }
            let a = crate::tensor::tanh(z);
            let g = (a.clone() * a.clone()).neg() + 1.0;
            d2 = second
                .iter()
                .zip(z2)
                .map(|(&k, zk2)| {
                    g.clone() * zk2 - a.clone() * g.clone() * z1[k].clone() * z1[k].clone() * 2.0
                })
                .collect();
            d1 = z1.into_iter().map(|t| g.clone() * t).collect();
            h = a;
        }
        Err(crate::Error::Runtime("network has no layers".into()))
    }

    /// Forward pass on a batch `[n, d_in] -> [n, d_out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, layer)| {
            let z = layer.forward(h);
            if i < last {
                self.activation.apply(z)
            } else {
                z
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use burn::tensor::TensorData;

    #[test]
    fn jet_derivatives_match_finite_differences() {
        let device = crate::device::test_device(crate::device::Precision::F32, 3);
        let net = MlpConfig {
            hidden: vec![8, 8],
            activation: Activation::Tanh,
        }
        .init(2, 1, &device);
        let at = |x: f32, t: f32| -> f64 {
            let v: Vec<f64> = net
                .forward(Tensor::from_data(
                    TensorData::new(vec![x, t], [1, 2]),
                    &device,
                ))
                .into_data()
                .try_into_vec_as()
                .expect("data");
            v[0]
        };
        let (x, t) = (0.3f32, 0.7f32);
        let jet = net
            .forward_jet(
                Tensor::from_data(TensorData::new(vec![x, t], [1, 2]), &device),
                &[0],
            )
            .expect("tanh");
        let read =
            |t: Tensor<2>| -> f64 { t.into_data().try_into_vec_as::<f64>().expect("data")[0] };
        let h = 1e-2f32;
        let fx = (at(x + h, t) - at(x - h, t)) / (2.0 * f64::from(h));
        let ft = (at(x, t + h) - at(x, t - h)) / (2.0 * f64::from(h));
        let fxx = (at(x + h, t) - 2.0 * at(x, t) + at(x - h, t)) / f64::from(h * h);
        assert!((read(jet.first[0].clone()) - fx).abs() < 2e-3, "d/dx");
        assert!((read(jet.first[1].clone()) - ft).abs() < 2e-3, "d/dt");
        assert!(
            (read(jet.second[0].clone()) - fxx).abs() < 2e-2,
            "d2/dx2 {} vs {fxx}",
            read(jet.second[0].clone())
        );
        assert!((read(jet.value) - at(x, t)).abs() < 1e-6);
        let relu = MlpConfig {
            hidden: vec![4],
            activation: Activation::Relu,
        }
        .init(2, 1, &device);
        assert!(
            relu.forward_jet(
                Tensor::from_data(TensorData::new(vec![x, t], [1, 2]), &device),
                &[0]
            )
            .is_err()
        );
    }
}
