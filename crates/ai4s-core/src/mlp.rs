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
            Activation::Tanh => activation::tanh(x),
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

impl Mlp {
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
