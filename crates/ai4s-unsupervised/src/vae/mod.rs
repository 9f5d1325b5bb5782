//! Task `vae`: a variational autoencoder on the 8x8 handwritten digits (Kingma & Welling,
//! "Auto-Encoding Variational Bayes", ICLR 2014).
//!
//! Each pixel of these digits is a count `v` in `0..=16`: the number of inked pixels in a 4x4
//! block of a 32x32 bitmap (Alpaydin & Kaynak 1998). The encoder sees `x = v / 16` in `[0, 1]`
//! and maps an image to a diagonal Gaussian `q(z|x) = N(mu(x), diag exp(logvar(x)))` over
//! `latent` dimensions; a sample is drawn by reparameterisation,
//! `z = mu + exp(logvar / 2) * eps`, `eps ~ N(0, I)`, so gradients flow through `mu` and
//! `logvar`. The decoder models each count as `Binomial(16, p_j)` with `p_j = sigmoid(l_j(z))`,
//! a proper likelihood of the data as recorded (a Bernoulli on `x` would be the same up to a
//! factor 16 and a constant), and the loss is the negative evidence lower bound per image
//!
//! ```text
//! -ELBO = sum_j [16 softplus(l_j) - v_j l_j - ln C(16, v_j)]    (reconstruction, -log p(x|z))
//!       + 1/2 sum_k [mu_k^2 + exp(logvar_k) - 1 - logvar_k]     (KL(q(z|x) || N(0, I)))
//! ```
//!
//! in nats per image (training drops the constant `ln C(16, v)`; reported scores include it, so
//! they bound the true negative log-likelihood of the counts). The test score is `-ELBO`
//! averaged over held-out digits and several `eps` draws, with the importance-weighted bound
//! `log p(x) >= log mean_k p(x, z_k)/q(z_k|x)` (Burda et al. 2016) as a tighter estimate.
//! Baseline: independent binomial pixels with the training mean image, the best model that
//! ignores every correlation between pixels. Labels are never used in training; they only
//! colour the latent scatter.

use crate::flow_density::{normal_tensor, rows_tensor};
use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::activation::{sigmoid, softplus};
use ai4s_core::burn::tensor::{Device, Tensor};
use ai4s_core::checkpoint::TrainRng as StdRng;
use ai4s_core::data::Split;
use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::tensor::{indices, to_vec};
use ai4s_core::train::{Objective, TrainSettings, fit};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

mod config;
mod model;
pub use config::*;
pub use model::*;

/// Digits as `[0, 1]` grey levels with their labels.
pub struct Digits {
    /// Row-major `[n, 64]` grey levels.
    pub pixels: Vec<f64>,
    /// Digit of each image (never used for training).
    pub labels: Vec<usize>,
}

impl Digits {
    /// The shipped digits, scaled by `1/16`.
    pub fn load() -> Result<Digits> {
        let d = ai4s_core::datasets::digits()?;
        if d.x.ncols() != PIXELS {
            return Err(Error::Runtime(format!(
                "the digits have {} pixels, expected {PIXELS}",
                d.x.ncols()
            )));
        }
        Ok(Digits {
            pixels: d.x.iter().map(|v| (v / 16.0).clamp(0.0, 1.0)).collect(),
            labels: d.y,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Row-major pixels of the given images.
    pub fn rows(&self, idx: &[usize]) -> Vec<f64> {
        idx.iter()
            .flat_map(|&i| self.pixels[i * PIXELS..(i + 1) * PIXELS].iter().copied())
            .collect()
    }
}

/// Negative ELBO with fresh `eps` per batch; validation with fixed `eps`.
struct NegElbo {
    x: Tensor<2>,
    x_val: Tensor<2>,
    eps_val: Tensor<2>,
    rng: RefCell<StdRng>,
    latent: usize,
    device: Device,
}

impl Objective<Vae> for NegElbo {
    fn random_stream(&self) -> Option<&RefCell<StdRng>> {
        Some(&self.rng)
    }

    fn n_train(&self) -> usize {
        self.x.dims()[0]
    }

    fn loss(&self, model: &Vae, batch: &[usize]) -> Tensor<1> {
        let eps = normal_tensor(
            &mut self.rng.borrow_mut(),
            batch.len(),
            self.latent,
            &self.device,
        );
        model.loss(self.x.clone().select(0, indices(batch, &self.device)), eps)
    }

    fn validate(&self, model: &Vae) -> Result<f64> {
        first(model.loss(self.x_val.clone(), self.eps_val.clone()))
    }
}

fn first(t: Tensor<1>) -> Result<f64> {
    to_vec(t)?
        .first()
        .copied()
        .ok_or_else(|| Error::Runtime("empty tensor".into()))
}

/// Held-out scores of a VAE.
#[derive(Clone, Copy, Debug)]
pub struct VaeScores {
    /// Mean `-ELBO` per image (nats).
    pub neg_elbo: f64,
    /// Mean reconstruction term `-log p(x|z)` (nats).
    pub reconstruction: f64,
    /// Mean KL term (nats).
    pub kl: f64,
    /// Importance-weighted estimate of `-log p(x)` (nats), at most `neg_elbo` on average.
    pub nll_iw: f64,
    /// Mean squared error per pixel of the mean reconstruction `sigmoid(l(mu(x)))`.
    pub mse: f64,
}

/// `sum_j ln C(16, v_j)` of every image, `v = 16 x` (nats).
pub fn log_binomial_coefficients(x: &[f64]) -> Vec<f64> {
    let ln_fact: Vec<f64> = (0..=TRIALS as usize)
        .scan(0.0, |acc, k| {
            if k > 0 {
                *acc += (k as f64).ln();
            }
            Some(*acc)
        })
        .collect();
    let last = ln_fact.len() - 1;
    x.chunks(PIXELS)
        .map(|row| {
            row.iter()
                .map(|&xi| {
                    let v = ((xi * TRIALS).round() as usize).min(last);
                    ln_fact[last] - ln_fact[v] - ln_fact[last - v]
                })
                .sum()
        })
        .collect()
}

/// Scores `model` on the images `x` (`[n, 64]` grey levels).
pub fn score(
    model: &Vae,
    x: &[f64],
    elbo_samples: usize,
    iw_samples: usize,
    rng: &mut StdRng,
    device: &Device,
) -> Result<VaeScores> {
    let n = x.len() / PIXELS;
    let k = model.latent;
    let xt = rows_tensor(x, PIXELS, device);
    let (mut rec, mut kl) = (0.0, 0.0);
    for _ in 0..elbo_samples {
        let t = model.elbo_terms(xt.clone(), normal_tensor(rng, n, k, device));
        rec += first(t.reconstruction.mean())?;
        kl += first(t.kl.mean())?;
    }
    let log_c = log_binomial_coefficients(x);
    rec = rec / elbo_samples as f64 - log_c.iter().sum::<f64>() / n as f64;
    kl /= elbo_samples as f64;
    // Importance weights log p(x|z) + log p(z) - log q(z|x), z ~ q(z|x), per image in blocks.
    let (mu, logvar) = model.encode(xt.clone());
    let mut logw: Vec<Vec<f64>> = vec![Vec::with_capacity(iw_samples); n];
    for _ in 0..iw_samples {
        let eps = normal_tensor(rng, n, k, device);
        let z = mu.clone() + (logvar.clone() * 0.5).exp() * eps.clone();
        let log_px = Vae::binomial_nll(model.decode(z.clone()), xt.clone()).neg();
        let log_pz = (z.clone() * z).sum_dim(1) * (-0.5);
        let log_qz = (eps.clone() * eps + logvar.clone()).sum_dim(1) * (-0.5);
        // The (2 pi)^(-k/2) factors of p(z) and q(z|x) cancel.
        for (i, w) in to_vec(log_px + log_pz - log_qz)?.into_iter().enumerate() {
            logw[i].push(w);
        }
    }
    let nll_iw = logw
        .iter()
        .zip(&log_c)
        .map(|(w, c)| {
            let m = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            -(m + (w.iter().map(|v| (v - m).exp()).sum::<f64>() / w.len() as f64).ln()) - c
        })
        .sum::<f64>()
        / n as f64;
    let recon = to_vec(sigmoid(model.decode(mu)))?;
    let mse = recon
        .iter()
        .zip(x)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / x.len() as f64;
    Ok(VaeScores {
        neg_elbo: rec + kl,
        reconstruction: rec,
        kl,
        nll_iw,
        mse,
    })
}

/// Independent-binomial baseline: `(test NLL per image, test MSE per pixel)` of the training
/// mean image `p_j`, each count `v_j ~ Binomial(16, p_j)` on its own.
pub fn baseline(train: &[f64], test: &[f64]) -> (f64, f64) {
    let n_train = (train.len() / PIXELS).max(1) as f64;
    let n_test = (test.len() / PIXELS).max(1) as f64;
    let mut mean = [0.0; PIXELS];
    for row in train.chunks(PIXELS) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v / n_train;
        }
    }
    let p: Vec<f64> = mean.iter().map(|m| m.clamp(1e-4, 1.0 - 1e-4)).collect();
    let (mut nll, mut mse) = (0.0, 0.0);
    for row in test.chunks(PIXELS) {
        for (j, &x) in row.iter().enumerate() {
            nll -= TRIALS * (x * p[j].ln() + (1.0 - x) * (1.0 - p[j]).ln());
            mse += (x - mean[j]).powi(2);
        }
    }
    let log_c: f64 = log_binomial_coefficients(test).iter().sum();
    ((nll - log_c) / n_test, mse / test.len().max(1) as f64)
}

/// Lays out 8x8 images as one matrix: `cols` images per row, one-cell gaps of value `gap`.
pub fn image_grid(images: &[Vec<f64>], cols: usize, gap: f64) -> Vec<Vec<f64>> {
    let cols = cols.max(1);
    let rows = images.len().div_ceil(cols);
    let width = cols * (SIDE + 1) - 1;
    let height = rows * (SIDE + 1) - 1;
    let mut m = vec![vec![gap; width]; height];
    for (k, img) in images.iter().enumerate() {
        let (r0, c0) = ((k / cols) * (SIDE + 1), (k % cols) * (SIDE + 1));
        for (p, &v) in img.iter().enumerate().take(PIXELS) {
            m[r0 + p / SIDE][c0 + p % SIDE] = v;
        }
    }
    m
}

/// The two latent dimensions with the largest mean KL on `x` (the most used ones).
fn active_dims(model: &Vae, x: Tensor<2>) -> Result<(usize, usize, Vec<f64>)> {
    let (mu, logvar) = model.encode(x);
    let kl = (mu.clone() * mu + logvar.clone().exp() - logvar - 1.0).mean_dim(0) * 0.5;
    let kl = to_vec(kl)?;
    let mut order: Vec<usize> = (0..kl.len()).collect();
    order.sort_by(|&a, &b| kl[b].total_cmp(&kl[a]));
    let a = order.first().copied().unwrap_or(0);
    let b = order.get(1).copied().unwrap_or(a);
    Ok((a, b, kl))
}

/// Variational autoencoder task.
pub struct VaeTask;

impl Task for VaeTask {
    type Config = VaeConfig;

    fn name(&self) -> &'static str {
        "vae"
    }

    fn area(&self) -> Area {
        Area::Unsupervised
    }

    fn description(&self) -> &'static str {
        "variational autoencoder on the 8x8 digits: ELBO, reconstructions, latent space, samples from the prior"
    }

    fn demonstrates(&self) -> &'static str {
        "A deep latent-variable model learns the digits without their labels: a 2-D code in which the digit classes separate on their own, reconstructions of unseen digits, and new digits decoded from the prior; its held-out ELBO beats the best pixel-independent model by a wide margin."
    }

    fn run(&self, cfg: &VaeConfig, ctx: &mut RunContext) -> Result<Report> {
        let data = Digits::load()?;
        let split = Split::random(
            data.len(),
            cfg.val_fraction,
            cfg.test_fraction,
            cfg.split_seed,
        );
        let (train, val, test) = (
            data.rows(&split.train),
            data.rows(&split.val),
            data.rows(&split.test),
        );
        ctx.info(&format!(
            "digits: {} train / {} val / {} test images",
            split.train.len(),
            split.val.len(),
            split.test.len()
        ));
        let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x0076_6165);
        let ad = ctx.device.clone().autodiff();
        let model = Vae::new(PIXELS, cfg.latent, &cfg.net, &ad);
        let mut score_rng = StdRng::seed_from_u64(ctx.seed ^ 0x7465_7374);
        let untrained = score(&model.valid(), &test, 1, 1, &mut score_rng, &ctx.device)?;
        let objective = NegElbo {
            x: rows_tensor(&train, PIXELS, &ad),
            x_val: rows_tensor(&val, PIXELS, &ctx.device),
            eps_val: normal_tensor(&mut rng, split.val.len(), cfg.latent, &ctx.device),
            rng: RefCell::new(StdRng::seed_from_u64(ctx.seed ^ 0x0065_7073)),
            latent: cfg.latent,
            device: ad,
        };
        let fitted = fit(
            model,
            &mut cfg.train.optimizer(),
            &objective,
            &cfg.train,
            ctx,
            "vae",
        )?;
        let model = fitted.model.valid();
        let s = score(
            &model,
            &test,
            cfg.elbo_samples,
            cfg.iw_samples,
            &mut score_rng,
            &ctx.device,
        )?;
        let (base_nll, base_mse) = baseline(&train, &test);
        let mut report = Report::new();
        let improvement = (base_nll - s.neg_elbo) / base_nll;
        report
            .metric("test_neg_elbo", s.neg_elbo)
            .metric("test_reconstruction_nll", s.reconstruction)
            .metric("test_kl", s.kl)
            .metric("test_nll_importance_weighted", s.nll_iw)
            .metric("baseline_test_nll", base_nll)
            .metric("untrained_test_neg_elbo", untrained.neg_elbo)
            .check(
                "test_elbo_improvement_over_baseline",
                improvement,
                Goal::AtLeast(cfg.min_improvement),
                "fraction of the independent-binomial baseline's test NLL (training mean image) removed by the VAE's test -ELBO",
            )
            .metric("test_reconstruction_mse", s.mse)
            .check(
                "test_reconstruction_mse_vs_mean_image",
                s.mse / base_mse,
                Goal::AtMost(0.6),
                "per-pixel MSE of the mean reconstruction over that of the training mean image",
            )
            .metric("best_epoch", fitted.best_epoch as f64)
            .metric("parameters", model.num_params() as f64)
            .note(format!(
                "All scores in nats per image on {} held-out digits, for the pixel counts 0..16 under a Binomial(16, p) decoder. -ELBO averaged over {} eps draws; the importance-weighted NLL uses {} samples.",
                split.test.len(),
                cfg.elbo_samples,
                cfg.iw_samples
            ));
        let curve = |f: fn(&ai4s_core::train::EpochStats) -> f64| {
            fitted
                .history
                .iter()
                .map(|e| (e.epoch as f64, f(e)))
                .collect::<Vec<_>>()
        };
        report.figure(ctx.plot(
            "learning_curve",
            &Plot::Line {
                labels: Labels::new("Learning curve", "epoch", "-ELBO (nats per image)"),
                series: vec![
                    Series::new("training -ELBO", curve(|e| e.train_loss)),
                    Series::new("validation -ELBO", curve(|e| e.val)),
                    Series::new(
                        format!("baseline, test ({base_nll:.1})"),
                        curve(|e| e.val).iter().map(|p| (p.0, base_nll)).collect(),
                    ),
                ],
                log_y: false,
            },
        )?);
        self.figures(&model, &data, &split, cfg, ctx, &mut report)?;
        ctx.save_module("vae.bpk", &model)?;
        Ok(report)
    }
}

impl VaeTask {
    fn figures(
        &self,
        model: &Vae,
        data: &Digits,
        split: &Split,
        cfg: &VaeConfig,
        ctx: &RunContext,
        report: &mut Report,
    ) -> Result<()> {
        // Reconstructions: the first test image of every digit, originals above.
        let picks: Vec<usize> = (0..10)
            .filter_map(|d| split.test.iter().copied().find(|&i| data.labels[i] == d))
            .collect();
        let x = data.rows(&picks);
        let (mu, _) = model.encode(rows_tensor(&x, PIXELS, &ctx.device));
        let recon = to_vec(sigmoid(model.decode(mu)))?;
        // Rows of five: originals, their reconstructions, the next five originals, ...
        let originals: Vec<&[f64]> = x.chunks(PIXELS).collect();
        let recons: Vec<&[f64]> = recon.chunks(PIXELS).collect();
        let mut images: Vec<Vec<f64>> = Vec::new();
        for (o, r) in originals.chunks(5).zip(recons.chunks(5)) {
            images.extend(o.iter().map(|v| v.to_vec()));
            images.extend(r.iter().map(|v| v.to_vec()));
        }
        report.figure(ctx.plot(
            "reconstructions",
            &Plot::Heatmap {
                labels: Labels::new(
                    "Held-out digits (rows 1, 3) and reconstructions (rows 2, 4)",
                    "",
                    "",
                ),
                values: image_grid(&images, 5, 0.5),
                col_ticks: vec![],
                row_ticks: vec![],
                annotate: false,
            },
        )?);
        // Latent space of the test digits, coloured by the label the model never saw.
        let xt = rows_tensor(&data.rows(&split.test), PIXELS, &ctx.device);
        let (a, b, kl) = active_dims(model, xt.clone())?;
        let mu = to_vec(model.encode(xt).0)?;
        let k = cfg.latent;
        let series = (0..10)
            .map(|d| {
                let pts = split
                    .test
                    .iter()
                    .enumerate()
                    .filter(|&(_, &i)| data.labels[i] == d)
                    .map(|(r, _)| (mu[r * k + a], mu[r * k + b]))
                    .collect();
                Series::new(format!("digit {d}"), pts)
            })
            .collect();
        report.figure(ctx.plot(
            "latent_space",
            &Plot::Scatter {
                labels: Labels::new(
                    "Latent means of held-out digits (labels unseen in training)",
                    &format!(
                        "z{} (KL {:.2} nats)",
                        a + 1,
                        kl.get(a).copied().unwrap_or(0.0)
                    ),
                    &format!(
                        "z{} (KL {:.2} nats)",
                        b + 1,
                        kl.get(b).copied().unwrap_or(0.0)
                    ),
                ),
                series,
            },
        )?);
        // New digits: decoded means of z ~ N(0, I).
        let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x7072_696f);
        let z = normal_tensor(&mut rng, 64, k, &ctx.device);
        let samples = to_vec(sigmoid(model.decode(z)))?;
        let images: Vec<Vec<f64>> = samples.chunks(PIXELS).map(<[f64]>::to_vec).collect();
        report.figure(ctx.plot(
            "prior_samples",
            &Plot::Heatmap {
                labels: Labels::new("Digits decoded from z ~ N(0, I) (mean grey levels)", "", ""),
                values: image_grid(&images, 8, 0.5),
                col_ticks: vec![],
                row_ticks: vec![],
                annotate: false,
            },
        )?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_constants_and_baseline_are_exact() {
        // One image with counts 0, 8 and 16 and the rest zero: ln C(16, 8) = ln 12870.
        let mut x = vec![0.0; PIXELS];
        x[1] = 0.5;
        x[2] = 1.0;
        let c = log_binomial_coefficients(&x);
        assert!((c[0] - 12870f64.ln()).abs() < 1e-9, "{}", c[0]);
        // Training mean 1/2 everywhere: each count has probability C(16, v) / 2^16.
        let train: Vec<f64> = (0..2 * PIXELS)
            .map(|i| if i < PIXELS { 0.0 } else { 1.0 })
            .collect();
        let (nll, mse) = baseline(&train, &x);
        let expect = PIXELS as f64 * 16.0 * 2f64.ln() - 12870f64.ln();
        assert!((nll - expect).abs() < 1e-9, "{nll} vs {expect}");
        let expect_mse = (62.0 * 0.25 + 0.0 + 0.25) / PIXELS as f64;
        assert!((mse - expect_mse).abs() < 1e-12);
    }

    #[test]
    fn image_grid_places_images_with_gaps() {
        let a = vec![1.0; PIXELS];
        let b = vec![2.0; PIXELS];
        let g = image_grid(&[a, b.clone(), b], 2, -1.0);
        assert_eq!((g.len(), g[0].len()), (17, 17));
        assert_eq!(
            (g[0][0], g[0][8], g[0][9], g[8][0], g[9][0]),
            (1.0, -1.0, 2.0, -1.0, 2.0)
        );
        assert_eq!(g[16][16], -1.0, "the empty fourth slot keeps the gap value");
    }
}
