//! The neural forecaster: a residual CNN on the periodic grid, `z_{t+1} = z_t + f(z_t)`, with
//! `f` a stack of `k x k` convolutions (GELU between them) whose periodic boundary is a
//! circular padding made by concatenating the opposite edges, and its training objective: the
//! mean squared error of a rollout of `rollout_steps` forecasts from each training start,
//! batched over starts (unrolled training, as in Keisler 2022 and GraphCast, Lam et al. 2023).

use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::PaddingConfig2d;
use ai4s_core::burn::nn::conv::{Conv2d, Conv2dConfig};
use ai4s_core::burn::tensor::activation::gelu;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::train::Objective;

/// The convolutional forecaster.
#[derive(Module, Debug)]
pub struct Forecaster {
    convs: Vec<Conv2d>,
}

impl Forecaster {
    /// `layers` convolutions of kernel `kernel` (odd) with `channels` hidden channels, from one
    /// input field to one output increment.
    pub fn new(channels: usize, layers: usize, kernel: usize, device: &Device) -> Self {
        let convs = (0..layers)
            .map(|l| {
                let c_in = if l == 0 { 1 } else { channels };
                let c_out = if l + 1 == layers { 1 } else { channels };
                Conv2dConfig::new([c_in, c_out], [kernel, kernel])
                    .with_padding(PaddingConfig2d::Valid)
                    .init(device)
            })
            .collect();
        Forecaster { convs }
    }

    /// One forecast step of standardised fields `[batch, 1, n, n]`.
    pub fn forward(&self, z: Tensor<4>) -> Tensor<4> {
        let mut h = z.clone();
        let last = self.convs.len().saturating_sub(1);
        for (l, conv) in self.convs.iter().enumerate() {
            let pad = conv.kernel_size[0] / 2;
            h = conv.forward(circular_pad(h, pad));
            if l < last {
                h = gelu(h);
            }
        }
        z + h
    }
}

/// Pads the last two dimensions periodically by `p` cells: the last `p` rows/columns are
/// prepended and the first `p` appended.
pub fn circular_pad(x: Tensor<4>, p: usize) -> Tensor<4> {
    if p == 0 {
        return x;
    }
    let [_, _, h, w] = x.dims();
    let x = Tensor::cat(
        vec![x.clone().narrow(3, w - p, p), x.clone(), x.narrow(3, 0, p)],
        3,
    );
    Tensor::cat(
        vec![x.clone().narrow(2, h - p, p), x.clone(), x.narrow(2, 0, p)],
        2,
    )
}

/// Standardised trajectories: `frames[t]` holds `n * n` values.
pub struct Trajectories {
    /// Per trajectory, its frames.
    pub frames: Vec<Vec<Vec<f32>>>,
    /// Grid points per side.
    pub n: usize,
}

impl Trajectories {
    /// `(trajectory, start)` pairs with `steps` frames after the start.
    pub fn starts(&self, steps: usize, stride: usize) -> Vec<(usize, usize)> {
        self.frames
            .iter()
            .enumerate()
            .flat_map(|(t, f)| {
                (0..f.len().saturating_sub(steps))
                    .step_by(stride.max(1))
                    .map(move |s| (t, s))
            })
            .collect()
    }

    /// The frames `offset` after each start, as `[batch, 1, n, n]`.
    pub fn batch(&self, starts: &[(usize, usize)], offset: usize, device: &Device) -> Tensor<4> {
        let n = self.n;
        let mut data = Vec::with_capacity(starts.len() * n * n);
        for &(t, s) in starts {
            data.extend_from_slice(&self.frames[t][s + offset]);
        }
        Tensor::from_data(TensorData::new(data, [starts.len(), 1, n, n]), device)
    }
}

/// Mean squared error of `steps`-step rollouts from `starts`.
fn rollout_mse(
    model: &Forecaster,
    data: &Trajectories,
    starts: &[(usize, usize)],
    steps: usize,
    device: &Device,
) -> Tensor<1> {
    let mut z = data.batch(starts, 0, device);
    let mut total: Option<Tensor<1>> = None;
    for k in 1..=steps {
        z = model.forward(z);
        let err = z.clone() - data.batch(starts, k, device);
        let mse = (err.clone() * err).mean();
        total = Some(match total {
            Some(t) => t + mse,
            None => mse,
        });
    }
    total.map_or_else(
        || Tensor::zeros([1], device),
        |t| t.div_scalar(steps as f64),
    )
}

/// Unrolled training on the training trajectories, scored on the validation trajectories.
pub struct RolloutObjective<'a> {
    /// Training trajectories.
    pub train: &'a Trajectories,
    /// Validation trajectories.
    pub val: &'a Trajectories,
    /// Training samples.
    pub train_starts: Vec<(usize, usize)>,
    /// Validation samples.
    pub val_starts: Vec<(usize, usize)>,
    /// Forecast steps per training sample.
    pub steps: usize,
    /// Device of the training model (autodiff).
    pub train_device: Device,
    /// Device for validation.
    pub device: Device,
}

impl Objective<Forecaster> for RolloutObjective<'_> {
    fn n_train(&self) -> usize {
        self.train_starts.len()
    }

    fn loss(&self, model: &Forecaster, batch: &[usize]) -> Tensor<1> {
        let starts: Vec<(usize, usize)> = batch.iter().map(|&b| self.train_starts[b]).collect();
        rollout_mse(model, self.train, &starts, self.steps, &self.train_device)
    }

    fn validate(&self, model: &Forecaster) -> Result<f64> {
        let mut sum = 0.0;
        let mut count = 0usize;
        for chunk in self.val_starts.chunks(64) {
            let mse = rollout_mse(model, self.val, chunk, self.steps, &self.device);
            sum += ai4s_core::tensor::to_vec(mse)?[0] * chunk.len() as f64;
            count += chunk.len();
        }
        Ok(sum / count.max(1) as f64)
    }
}

/// Rolls the network `steps` steps from standardised fields `z0` (`[batch, 1, n, n]`), returning
/// every forecast as `f64` values, `out[k][b]` the field `k + 1` steps after start `b`.
pub fn rollout(model: &Forecaster, z0: Tensor<4>, steps: usize) -> Result<Vec<Vec<Vec<f64>>>> {
    let [b, _, h, w] = z0.dims();
    let mut z = z0;
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        z = model.forward(z);
        let flat = ai4s_core::tensor::to_vec(z.clone())?;
        out.push(flat.chunks(h * w).take(b).map(<[f64]>::to_vec).collect());
    }
    Ok(out)
}
