//! The U-Net (Ronneberger, Fischer & Brox 2015) that restores the images: two `3x3`
//! convolutions with ReLU per level, max-pooling down twice, `2x2` stride-2 transposed
//! convolutions up twice, the encoder's maps concatenated into the decoder (skip connections),
//! and a `1x1` convolution to one residual channel `r`.
//!
//! As in the "Tikhonet" of Sureau, Lechat & Starck (2020, A&A 641, A67), the network corrects
//! a classical deconvolution that knows the PSF: its base `w` is the Wiener deconvolution with
//! the noise level's `lambda` (tuned on validation images like the baseline's) shifted by the
//! constant that restores the observed total flux. It reads three channels, the observation
//! `d / s`, the base `w / s` and the constant map `sigma / s` (`sigma` the background noise,
//! known from the noise model, so one network serves every noise level), with `s` the peak of
//! the 3x3-smoothed observation (at least `sigma`). The restoration is flux conserving by
//! construction: `u = w + s (r - mean(r))` has exactly the observed total flux. It is trained
//! with [`ai4s_core::train::fit`] on a multi-scale error in dB (the pixel MSE plus those of
//! block sums, `4x4` by default: the pixel term alone would be minus the mean PSNR,
//! the block terms keep aperture photometry honest), stopped early on the validation images' mean PSNR, on
//! fresh noise realisations and random flips and rotations of
//! the training scenes in every batch (the PSF is symmetric under them).

use super::classical::wiener_flux_matched;
use super::simulate::{Camera, Observation};
use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use ai4s_core::burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use ai4s_core::burn::nn::{Initializer, PaddingConfig2d};
use ai4s_core::burn::tensor::activation::relu;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::checkpoint::TrainRng;
use ai4s_core::train::Objective;
use std::cell::RefCell;

/// Two `3x3` convolutions with ReLU.
#[derive(Module, Debug)]
pub struct Block {
    a: Conv2d,
    b: Conv2d,
}

impl Block {
    fn new(c_in: usize, c_out: usize, device: &Device) -> Self {
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        Block {
            a: conv(c_in, c_out),
            b: conv(c_out, c_out),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.b.forward(relu(self.a.forward(x))))
    }
}

/// Input channels: observation, Wiener base, noise level.
pub const INPUTS: usize = 3;

/// A two-level U-Net with skip connections.
#[derive(Module, Debug)]
pub struct UNet {
    enc1: Block,
    enc2: Block,
    mid: Block,
    up2: ConvTranspose2d,
    dec2: Block,
    up1: ConvTranspose2d,
    dec1: Block,
    head: Conv2d,
    pool: MaxPool2d,
}

impl UNet {
    /// A U-Net with `channels` maps at full, half and quarter resolution; the last layer starts
    /// at zero, so the untrained network returns its input.
    pub fn new(channels: [usize; 3], device: &Device) -> Self {
        let [c1, c2, c3] = channels;
        let up = |i, o| {
            ConvTranspose2dConfig::new([i, o], [2, 2])
                .with_stride([2, 2])
                .init(device)
        };
        UNet {
            enc1: Block::new(INPUTS, c1, device),
            enc2: Block::new(c1, c2, device),
            mid: Block::new(c2, c3, device),
            up2: up(c3, c2),
            dec2: Block::new(2 * c2, c2, device),
            up1: up(c2, c1),
            dec1: Block::new(2 * c1, c1, device),
            head: Conv2dConfig::new([c1, 1], [1, 1])
                .with_initializer(Initializer::Zeros)
                .init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
        }
    }

    /// The residual `r` `[b, 1, n, n]` of inputs `[b, INPUTS, n, n]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let e1 = self.enc1.forward(x);
        let e2 = self.enc2.forward(self.pool.forward(e1.clone()));
        let m = self.mid.forward(self.pool.forward(e2.clone()));
        let d2 = self
            .dec2
            .forward(Tensor::cat(vec![self.up2.forward(m), e2], 1));
        let d1 = self
            .dec1
            .forward(Tensor::cat(vec![self.up1.forward(d2), e1], 1));
        self.head.forward(d1)
    }

    /// The restoration in units of `s`: `w / s + r - mean(r)`, whose sum is the base's
    /// (the observation's).
    pub fn restore(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, _, n, _] = x.dims();
        let r = self.forward(x.clone());
        let mean = r
            .clone()
            .reshape([b, n * n])
            .mean_dim(1)
            .reshape([b, 1, 1, 1]);
        x.narrow(1, 1, 1) + r - mean
    }
}

/// The network's view of an observation `data` with Wiener base `base`: channels `d / s`,
/// `w / s` and `sigma / s`, and the scale `s`.
pub fn inputs(data: &[f64], base: &[f64], sigma: f64, n: usize) -> (Vec<f32>, f64) {
    let mut peak: f64 = 0.0;
    for r in 0..n {
        for c in 0..n {
            let mut acc = 0.0;
            for dr in [n - 1, 0, 1] {
                for dc in [n - 1, 0, 1] {
                    acc += data[((r + dr) % n) * n + (c + dc) % n];
                }
            }
            peak = peak.max(acc / 9.0);
        }
    }
    let s = peak.max(sigma);
    let mut x: Vec<f32> = data.iter().map(|v| (v / s) as f32).collect();
    x.extend(base.iter().map(|v| (v / s) as f32));
    x.extend(std::iter::repeat_n((sigma / s) as f32, n * n));
    (x, s)
}

/// One of the eight flips and rotations of the square `n x n` image (`k` in `0..8`).
pub fn dihedral(img: &[f64], n: usize, k: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            let (mut rr, mut cc) = if k & 4 != 0 { (c, r) } else { (r, c) };
            if k & 1 != 0 {
                rr = n - 1 - rr;
            }
            if k & 2 != 0 {
                cc = n - 1 - cc;
            }
            out[rr * n + cc] = img[r * n + c];
        }
    }
    out
}

/// Background noise per pixel of an observation, in image units.
pub fn noise_sigma(cam: &Camera, obs: &Observation) -> f64 {
    cam.background_variance(obs.gain).sqrt()
}

/// The network's inputs and scale for `data` at noise level `sigma` with Wiener `lambda`.
fn view(cam: &Camera, data: &[f64], sigma: f64, lambda: f64) -> (Vec<f32>, f64) {
    let base = wiener_flux_matched(&cam.fft, &cam.otf, data, lambda);
    inputs(data, &base, sigma, cam.n())
}

/// Restorations of `observations` (image units) by a model without autodiff; `lambdas[l]` is
/// the Wiener regularisation of noise level `l`.
pub fn predict(
    model: &UNet,
    cam: &Camera,
    lambdas: &[f64],
    observations: &[&Observation],
    device: &Device,
) -> Result<Vec<Vec<f64>>> {
    let n = cam.n();
    let mut out = Vec::with_capacity(observations.len());
    for chunk in observations.chunks(128) {
        let mut x = Vec::with_capacity(chunk.len() * INPUTS * n * n);
        let mut scales = Vec::with_capacity(chunk.len());
        for obs in chunk {
            let (v, s) = view(cam, &obs.data, noise_sigma(cam, obs), lambdas[obs.level]);
            x.extend(v);
            scales.push(s);
        }
        let t = Tensor::from_data(TensorData::new(x, [chunk.len(), INPUTS, n, n]), device);
        let v = ai4s_core::tensor::to_vec(model.restore(t))?;
        out.extend(
            v.chunks(n * n)
                .zip(&scales)
                .map(|(img, s)| img.iter().map(|p| p * s).collect()),
        );
    }
    Ok(out)
}

/// The training loss of restorations `u` (`[b, 1, n, n]`) of truths `x`, in dB:
/// `mean_i 10 log10(MSE_i + sum_k C_ik)` with `MSE_i` the pixel error of image `i` (so that
/// without the `C_ik` the loss is minus the mean PSNR at peak 1) and `C_ik` the mean squared
/// error of the `B_k x B_k` block sums over `B_k^2` (`B_k` in `blocks`): equal to `MSE_i` for
/// white errors, larger when flux is moved between neighbouring pixels within `B_k`, which is
/// what aperture photometry sees.
fn multi_scale_db(u: Tensor<4>, x: Tensor<4>, blocks: &[usize]) -> Tensor<1> {
    let [b, _, n, _] = u.dims();
    let err = u - x;
    let mut total = err.clone().powi_scalar(2).reshape([b, n * n]).mean_dim(1);
    for &block in blocks {
        let m = n / block;
        let sums = err
            .clone()
            .reshape([b, m, block, m, block])
            .sum_dim(4)
            .sum_dim(2)
            .reshape([b, m * m]);
        total = total + sums.powi_scalar(2).mean_dim(1) / (block * block) as f64;
    }
    (total.add_scalar(1e-12).log().mean() * (10.0 / std::f64::consts::LN_10)).reshape([1])
}

/// Training on fresh noise and random symmetries of the training scenes, early stopping on
/// the validation images' mean PSNR.
pub struct RestoreObjective<'a> {
    /// The camera (PSF and noise model).
    pub cam: &'a Camera,
    /// Training scenes with their noiseless blurred images and gains.
    pub train: &'a [Observation],
    /// Validation observations (fixed noise).
    pub val: &'a [&'a Observation],
    /// Wiener regularisation of the base, per noise level.
    pub lambdas: &'a [f64],
    /// Block sides of the loss's coarse scales.
    pub blocks: &'a [usize],
    /// The noise and symmetry draws.
    pub rng: RefCell<TrainRng>,
    /// Device of the training tensors (autodiff).
    pub train_device: Device,
    /// Device of validation.
    pub device: Device,
}

impl Objective<UNet> for RestoreObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.len()
    }

    fn loss(&self, model: &UNet, batch: &[usize]) -> Tensor<1> {
        let n = self.cam.n();
        let mut x = Vec::with_capacity(batch.len() * INPUTS * n * n);
        let mut truth = Vec::with_capacity(batch.len() * n * n);
        let mut scales = Vec::with_capacity(batch.len());
        {
            let mut rng = self.rng.borrow_mut();
            for &i in batch {
                let obs = &self.train[i];
                let k = rand::Rng::random_range(&mut *rng, 0..8);
                let blurred = dihedral(&obs.blurred, n, k);
                let data = self.cam.expose(&blurred, obs.gain, &mut *rng);
                let sigma = noise_sigma(self.cam, obs);
                let (v, s) = view(self.cam, &data, sigma, self.lambdas[obs.level]);
                x.extend(v);
                truth.extend(dihedral(&obs.truth, n, k).iter().map(|&t| t as f32));
                scales.push(s as f32);
            }
        }
        let b = batch.len();
        let dev = &self.train_device;
        let x = Tensor::from_data(TensorData::new(x, [b, INPUTS, n, n]), dev);
        let truth = Tensor::from_data(TensorData::new(truth, [b, 1, n, n]), dev);
        let s = Tensor::<4>::from_data(TensorData::new(scales, [b, 1, 1, 1]), dev);
        multi_scale_db(model.restore(x) * s, truth, self.blocks)
    }

    fn validate(&self, model: &UNet) -> Result<f64> {
        let u = predict(model, self.cam, self.lambdas, self.val, &self.device)?;
        let total: f64 = u
            .iter()
            .zip(self.val)
            .map(|(u, o)| super::quality::psnr(u, &o.truth, 1.0))
            .sum();
        Ok(-total / self.val.len().max(1) as f64)
    }

    fn random_stream(&self) -> Option<&RefCell<TrainRng>> {
        Some(&self.rng)
    }
}
