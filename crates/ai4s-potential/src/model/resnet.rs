//! The residual networks of the Deep Potential (embedding and fitting nets): DeePMD-kit's layer
//! rule `y = r(x) + idt * tanh(x W + b)` with the hand-written input derivative the force path
//! needs.

use super::*;

/// How a fresh model's weights are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightInit {
    /// burn's default for linear layers: weights and biases uniform in `+-1/sqrt(d_in)`.
    #[default]
    Burn,
    /// DeePMD-kit's (`one_layer` and `embedding_net` of its TensorFlow backend): weights
    /// `N(0, 1/sqrt(d_in + d_out))`, biases `N(0, 1)`.
    Deepmd,
}

/// A fresh linear layer `d_in -> d_out` drawn by `init` from the device's random stream.
pub(super) fn linear(d_in: usize, d_out: usize, init: WeightInit, device: &Device) -> Linear {
    let mut layer = LinearConfig::new(d_in, d_out).init(device);
    if init == WeightInit::Deepmd {
        let std = 1.0 / ((d_in + d_out) as f64).sqrt();
        layer.weight = Param::from_tensor(Tensor::random(
            [d_in, d_out],
            Distribution::Normal(0.0, std),
            device,
        ));
        layer.bias = Some(Param::from_tensor(Tensor::random(
            [d_out],
            Distribution::Normal(0.0, 1.0),
            device,
        )));
    }
    layer
}

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

/// `t + r(x)` with DeePMD's residual `r`: `x` (same width), `[x, x]` (doubling, one fused
/// pass on flex) or none.
pub(super) fn add_residual(t: Tensor<2>, x: Tensor<2>, w_in: usize, w_out: usize) -> Tensor<2> {
    if w_in == w_out {
        t + x
    } else if 2 * w_in == w_out {
        ai4s_core::tensor::add_doubled(t, x)
    } else {
        t
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
    /// Fresh layers of `widths` drawn by `init`; layer `k` gets a timestep vector
    /// `idt ~ N(0.1, 0.001)` (DeePMD's initialisation) when `idt[k]` is set.
    pub(super) fn new(widths: &[usize], idt: &[bool], init: WeightInit, device: &Device) -> ResNet {
        ResNet {
            layers: widths
                .windows(2)
                .map(|w| linear(w[0], w[1], init, device))
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
        let t = ai4s_core::tensor::fused_tanh(self.layers[k].forward(h));
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
            let mut tp =
                ai4s_core::tensor::dtanh_mul(t.clone(), hp.clone().matmul(layer.weight.val()));
            let mut t = t;
            if let Some(s) = scale {
                t = t * s.clone();
                tp = tp * s;
            }
            (h, hp) = (add_residual(t, h, i, o), add_residual(tp, hp, i, o));
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
            h = add_residual(t, h, i, o);
        }
        (h, saved)
    }

    /// Vector-Jacobian product: `dy` at the output to `dx` at the input.
    pub(super) fn backward(&self, saved: &[Saved], mut dy: Tensor<2>) -> Tensor<2> {
        for (layer, (t, scale)) in self.layers.iter().zip(saved).rev() {
            let (i, o) = Self::dims(layer);
            let mut dz = ai4s_core::tensor::dtanh_mul(t.clone(), dy.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_std(v: &[f64]) -> (f64, f64) {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64;
        (m, var.sqrt())
    }

    #[test]
    fn deepmd_initialisation_draws_weights_and_biases_with_its_spreads() {
        let device = ai4s_core::device::test_device(ai4s_core::Precision::F32, 5);
        let (d_in, d_out) = (300, 500);
        let layer = linear(d_in, d_out, WeightInit::Deepmd, &device);
        let w = to_vec(layer.weight.val()).expect("weights");
        assert_eq!(w.len(), d_in * d_out);
        let (m, s) = mean_std(&w);
        let want = 1.0 / ((d_in + d_out) as f64).sqrt();
        assert!(
            m.abs() < 0.05 * want && (s / want - 1.0).abs() < 0.02,
            "{m} {s} vs {want}"
        );
        let b = to_vec(layer.bias.expect("bias").val()).expect("bias");
        let (m, s) = mean_std(&b);
        assert!(m.abs() < 0.15 && (s - 1.0).abs() < 0.1, "bias {m} {s}");
        // burn's default stays uniform in +-1/sqrt(d_in).
        let layer = linear(d_in, d_out, WeightInit::Burn, &device);
        let w = to_vec(layer.weight.val()).expect("weights");
        let bound = 1.0 / (d_in as f64).sqrt();
        assert!(w.iter().all(|x| x.abs() <= bound * (1.0 + 1e-6)));
    }
}
