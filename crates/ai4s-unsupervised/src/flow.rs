//! RealNVP: a normalising flow built from affine coupling layers (Dinh, Sohl-Dickstein & Bengio,
//! "Density estimation using Real NVP", ICLR 2017).
//!
//! The generative map `x = f(z)` sends a standard normal `z ~ N(0, I_d)` through `K` coupling
//! layers and a final elementwise affine layer. Coupling `k` keeps the coordinates with
//! `i mod 2 == k mod 2` (mask `m`) and moves the others:
//!
//! ```text
//! y = x * exp(s) + t,   (s, t) = (1 - m) * (bound * tanh(s_raw / bound), t_raw),
//! (s_raw, t_raw) = NN(m * x),          log |det dy/dx| = sum_i s_i
//! ```
//!
//! so the conditioning coordinates pass unchanged and the inverse is explicit,
//! `x = (y - t) * exp(-s)` with `(s, t)` computed from `m * y = m * x`. Alternating masks let
//! every coordinate be transformed. The bound on the log-scale (`tanh`) keeps the Jacobian
//! within `exp(+-bound)` per layer, which stabilises training. The last layer is
//! `x = exp(log_scale) * y + shift`.
//!
//! The model density follows from the change of variables:
//! `log q(x) = log N(f^{-1}(x); 0, I) + log |det d f^{-1}/dx|`, used for maximum likelihood on
//! data ([`RealNvp::log_prob`]); sampling returns `x = f(z)` together with
//! `log q(x) = log N(z) - log |det df/dz|` ([`RealNvp::sample`]), which reverse-KL (energy)
//! training and importance reweighting need.

use ai4s_core::Result;
use ai4s_core::burn::module::{Module, Param};
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use serde::{Deserialize, Serialize};

/// `ln(2 pi)`.
pub const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Shape of a RealNVP flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowConfig {
    /// Number of affine coupling layers (alternating masks).
    pub couplings: usize,
    /// Conditioner network of every coupling (maps the masked input to `s` and `t`).
    pub net: MlpConfig,
    /// Bound on each log-scale: `s = bound * tanh(s_raw / bound)`.
    pub scale_bound: f64,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            couplings: 8,
            net: MlpConfig {
                hidden: vec![64, 64],
                activation: Activation::Tanh,
            },
            scale_bound: 2.0,
        }
    }
}

impl FlowConfig {
    /// Checks the shape; errors name `field.<key>`.
    pub fn validate(&self, field: &str) -> Result<()> {
        ensure(
            (2..=64).contains(&self.couplings),
            &format!("{field}.couplings"),
            || {
                format!(
                    "must be between 2 and 64 (at least one per mask), got {}",
                    self.couplings
                )
            },
        )?;
        ensure(
            self.scale_bound.is_finite() && self.scale_bound > 0.0 && self.scale_bound <= 10.0,
            &format!("{field}.scale_bound"),
            || format!("must lie in (0, 10], got {}", self.scale_bound),
        )?;
        self.net.validate(&format!("{field}.net"))
    }

    /// Builds a flow on `dim` coordinates. The last layer of every conditioner starts at a
    /// tenth of its default initialisation, so the untrained flow is a mild deformation of
    /// the identity.
    pub fn init(&self, dim: usize, device: &Device) -> RealNvp {
        let couplings = (0..self.couplings)
            .map(|k| {
                let mut net = self.net.init(dim, 2 * dim, device);
                if let Some(last) = net.layers.last_mut() {
                    // Fresh leaves: a scaled tensor would carry autodiff history.
                    last.weight = Param::from_tensor((last.weight.val() * 0.1).detach());
                    last.bias = last
                        .bias
                        .as_ref()
                        .map(|b| Param::from_tensor((b.val() * 0.1).detach()));
                }
                Coupling { net, parity: k % 2 }
            })
            .collect();
        RealNvp {
            couplings,
            shift: Param::from_tensor(Tensor::zeros([dim], device)),
            log_scale: Param::from_tensor(Tensor::zeros([dim], device)),
            dim,
            scale_bound: self.scale_bound,
        }
    }
}

/// One affine coupling layer.
#[derive(Module, Debug)]
pub struct Coupling {
    /// Conditioner: masked input `[n, d]` to `(s_raw, t_raw)`, `[n, 2d]`.
    pub net: Mlp,
    /// Coordinates with `i mod 2 == parity` condition; the others are transformed.
    pub parity: usize,
}

/// A RealNVP flow `x = f(z)`, `z ~ N(0, I)`.
#[derive(Module, Debug)]
pub struct RealNvp {
    /// Coupling layers in generative order (`z` side first).
    pub couplings: Vec<Coupling>,
    /// Shift of the final elementwise affine layer, `[d]`.
    pub shift: Param<Tensor<1>>,
    /// Log-scale of the final elementwise affine layer, `[d]`.
    pub log_scale: Param<Tensor<1>>,
    /// Number of coordinates.
    pub dim: usize,
    /// Bound on the coupling log-scales.
    pub scale_bound: f64,
}

impl Coupling {
    /// Conditioning mask `[1, d]` (1 where the coordinate conditions) and its complement.
    fn masks(&self, dim: usize, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let m: Vec<f32> = (0..dim)
            .map(|i| if i % 2 == self.parity { 1.0 } else { 0.0 })
            .collect();
        let m = Tensor::<2>::from_data(TensorData::new(m, [1, dim]), device);
        let inv = m.clone().neg() + 1.0;
        (m, inv)
    }

    /// `(s, t)`, zero on the conditioning coordinates, from an input whose conditioning
    /// coordinates are those of `x`.
    fn scale_shift(&self, x: Tensor<2>, bound: f64) -> (Tensor<2>, Tensor<2>) {
        let [_, d] = x.dims();
        let (m, inv) = self.masks(d, &x.device());
        let h = self.net.forward(x * m);
        let s = (h.clone().narrow(1, 0, d) / bound).tanh() * bound * inv.clone();
        let t = h.narrow(1, d, d) * inv;
        (s, t)
    }

    /// `y = x exp(s) + t` and `log |det dy/dx|`, `[n, 1]`.
    pub fn forward(&self, x: Tensor<2>, bound: f64) -> (Tensor<2>, Tensor<2>) {
        let (s, t) = self.scale_shift(x.clone(), bound);
        (x * s.clone().exp() + t, s.sum_dim(1))
    }

    /// `x = (y - t) exp(-s)` and `log |det dx/dy|`, `[n, 1]`.
    pub fn inverse(&self, y: Tensor<2>, bound: f64) -> (Tensor<2>, Tensor<2>) {
        let (s, t) = self.scale_shift(y.clone(), bound);
        ((y - t) * s.clone().neg().exp(), s.sum_dim(1).neg())
    }
}

/// `log N(z; 0, I)` per row, `[n, 1]`.
pub fn log_normal(z: Tensor<2>) -> Tensor<2> {
    let [_, d] = z.dims();
    (z.clone() * z).sum_dim(1) * (-0.5) - 0.5 * d as f64 * LN_2PI
}

impl RealNvp {
    /// Generative direction: `x = f(z)` and `log |det df/dz|`, `[n, 1]`.
    pub fn forward(&self, z: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let [n, _] = z.dims();
        let mut logdet = Tensor::<2>::zeros([n, 1], &z.device());
        let mut x = z;
        for c in &self.couplings {
            let (y, ld) = c.forward(x, self.scale_bound);
            x = y;
            logdet = logdet + ld;
        }
        let ls = self.log_scale.val().unsqueeze_dim::<2>(0);
        let x = x * ls.clone().exp() + self.shift.val().unsqueeze_dim::<2>(0);
        (x, logdet + ls.sum_dim(1))
    }

    /// Normalising direction: `z = f^{-1}(x)` and `log |det df^{-1}/dx|`, `[n, 1]`.
    pub fn inverse(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let ls = self.log_scale.val().unsqueeze_dim::<2>(0);
        let mut z = (x - self.shift.val().unsqueeze_dim::<2>(0)) * ls.clone().neg().exp();
        let mut logdet = ls.sum_dim(1).neg().repeat_dim(0, z.dims()[0]);
        for c in self.couplings.iter().rev() {
            let (y, ld) = c.inverse(z, self.scale_bound);
            z = y;
            logdet = logdet + ld;
        }
        (z, logdet)
    }

    /// Model log-density `log q(x)` per row, `[n, 1]`.
    pub fn log_prob(&self, x: Tensor<2>) -> Tensor<2> {
        let (z, logdet) = self.inverse(x);
        log_normal(z) + logdet
    }

    /// Samples `x = f(z)` from base draws `z` with their log-density `log q(x)`, `[n, 1]`.
    pub fn sample(&self, z: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let base = log_normal(z.clone());
        let (x, logdet) = self.forward(z);
        (x, base - logdet)
    }

    /// Sets the final affine layer so that a standard normal `y` maps to mean `shift` and
    /// standard deviation `exp(log_scale)` per coordinate (data-dependent initialisation).
    pub fn with_affine(mut self, shift: &[f64], log_scale: &[f64]) -> Self {
        let device = self.shift.val().device();
        let vec = |v: &[f64]| {
            Tensor::<1>::from_data(
                TensorData::new(v.iter().map(|&a| a as f32).collect::<Vec<_>>(), [v.len()]),
                &device,
            )
        };
        self.shift = Param::from_tensor(vec(shift));
        self.log_scale = Param::from_tensor(vec(log_scale));
        self
    }
}
