//! The residual networks of the Deep Potential (embedding and fitting nets): DeePMD-kit's layer
//! rule `y = r(x) + idt * tanh(x W + b)` with the hand-written input derivative the force path
//! needs.

use super::*;

/// One layer of a [`ResNet`] as plain arrays: `w` (`[in, out]`, row-major), `b` (`[out]`) and
/// the optional timestep vector `idt` (`[out]`).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerArrays {
    /// Input width.
    pub d_in: usize,
    /// Output width.
    pub d_out: usize,
    /// Weights, `d_in x d_out`, row-major.
    pub w: Vec<f64>,
    /// Bias, `d_out`.
    pub b: Vec<f64>,
    /// Timestep vector, `d_out`, if the layer has one.
    pub idt: Option<Vec<f64>>,
}

/// One tanh MLP with DeePMD's residual rule `y = r(x) + idt * tanh(x W + b)` (`idt = 1` for a
/// layer without a timestep vector).
#[derive(Module, Debug)]
pub struct ResNet {
    pub(super) layers: Vec<Linear>,
    pub(super) idt: Vec<Option<Param<Tensor<1>>>>,
}

pub(super) fn residual(x: Tensor<2>, w_in: usize, w_out: usize) -> Option<Tensor<2>> {
    if w_in == w_out {
        Some(x)
    } else if 2 * w_in == w_out {
        Some(Tensor::cat(vec![x.clone(), x], 1))
    } else {
        None
    }
}

pub(super) fn tensor_from<const D: usize>(
    v: Vec<f64>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D> {
    Tensor::from_data(TensorData::new(v, shape), device)
}

impl ResNet {
    /// Fresh layers of `widths`; layer `k` gets a timestep vector `idt ~ N(0.1, 0.001)` (DeePMD's
    /// initialisation) when `idt[k]` is set.
    pub(super) fn new(widths: &[usize], idt: &[bool], device: &Device) -> ResNet {
        ResNet {
            layers: widths
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
            idt: widths
                .windows(2)
                .enumerate()
                .map(|(k, w)| {
                    idt.get(k).copied().unwrap_or(false).then(|| {
                        Param::from_tensor(Tensor::random(
                            [w[1]],
                            Distribution::Normal(0.1, 0.001),
                            device,
                        ))
                    })
                })
                .collect(),
        }
    }

    /// A network with the given weights.
    pub fn from_arrays(layers: &[LayerArrays], device: &Device) -> ResNet {
        ResNet {
            layers: layers
                .iter()
                .map(|l| Linear {
                    weight: Param::from_tensor(tensor_from(l.w.clone(), [l.d_in, l.d_out], device)),
                    bias: Some(Param::from_tensor(tensor_from(
                        l.b.clone(),
                        [l.d_out],
                        device,
                    ))),
                })
                .collect(),
            idt: layers
                .iter()
                .map(|l| {
                    l.idt
                        .as_ref()
                        .map(|v| Param::from_tensor(tensor_from(v.clone(), [l.d_out], device)))
                })
                .collect(),
        }
    }

    /// The weights as plain arrays.
    pub fn to_arrays(&self) -> Result<Vec<LayerArrays>> {
        self.layers
            .iter()
            .enumerate()
            .map(|(k, layer)| {
                let (d_in, d_out) = Self::dims(layer);
                Ok(LayerArrays {
                    d_in,
                    d_out,
                    w: to_vec(layer.weight.val())?,
                    b: match &layer.bias {
                        Some(b) => to_vec(b.val())?,
                        None => vec![0.0; d_out],
                    },
                    idt: match self.idt.get(k).and_then(|t| t.as_ref()) {
                        Some(t) => Some(to_vec(t.val())?),
                        None => None,
                    },
                })
            })
            .collect()
    }

    pub(super) fn dims(layer: &Linear) -> (usize, usize) {
        let d = layer.weight.val().dims();
        (d[0], d[1])
    }

    /// `tanh(x W + b)` and the factor `idt` (if any) that scales it.
    pub(super) fn layer(&self, k: usize, h: Tensor<2>) -> (Tensor<2>, Option<Tensor<2>>) {
        let t = ai4s_core::tensor::tanh(self.layers[k].forward(h));
        let scale = self
            .idt
            .get(k)
            .and_then(|p| p.as_ref())
            .map(|p| p.val().unsqueeze_dim::<2>(0));
        (t, scale)
    }

    /// Forward pass of `x` and of its derivative along a scalar input (`xp = dx/ds`).
    pub(super) fn forward_tangent(&self, x: Tensor<2>, xp: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (mut h, mut hp) = (x, xp);
        for (k, layer) in self.layers.iter().enumerate() {
            let (i, o) = Self::dims(layer);
            let (t, scale) = self.layer(k, h.clone());
            let dt = (t.clone() * t.clone()).neg() + 1.0;
            let mut tp = dt * hp.clone().matmul(layer.weight.val());
            let mut t = t;
            if let Some(s) = scale {
                t = t * s.clone();
                tp = tp * s;
            }
            (h, hp) = match (residual(h, i, o), residual(hp, i, o)) {
                (Some(r), Some(rp)) => (t + r, tp + rp),
                _ => (t, tp),
            };
        }
        (h, hp)
    }

    /// Forward pass keeping what the reverse pass needs: per layer `tanh(.)` and its scale.
    pub(super) fn forward_saved(&self, x: Tensor<2>) -> (Tensor<2>, Vec<Saved>) {
        let mut saved = Vec::with_capacity(self.layers.len());
        let mut h = x;
        for (k, layer) in self.layers.iter().enumerate() {
            let (i, o) = Self::dims(layer);
            let (t, scale) = self.layer(k, h.clone());
            saved.push((t.clone(), scale.clone()));
            let t = match scale {
                Some(s) => t * s,
                None => t,
            };
            h = match residual(h, i, o) {
                Some(r) => t + r,
                None => t,
            };
        }
        (h, saved)
    }

    /// Vector-Jacobian product: `dy` at the output to `dx` at the input.
    pub(super) fn backward(&self, saved: &[Saved], mut dy: Tensor<2>) -> Tensor<2> {
        for (layer, (t, scale)) in self.layers.iter().zip(saved).rev() {
            let (i, o) = Self::dims(layer);
            let mut dz = dy.clone() * ((t.clone() * t.clone()).neg() + 1.0);
            if let Some(s) = scale {
                dz = dz * s.clone();
            }
            let dx = dz.matmul(layer.weight.val().transpose());
            dy = if i == o {
                dx + dy
            } else if 2 * i == o {
                dx + dy.clone().narrow(1, 0, i) + dy.narrow(1, i, i)
            } else {
                dx
            };
        }
        dy
    }
}
