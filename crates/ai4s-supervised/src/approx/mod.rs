//! Approximation error versus dimension: why neural networks work on high-dimensional problems.
//!
//! Barron (1993): if `C_f = int |w| |f^(w)| dw` is finite, a one-hidden-layer network with `m`
//! units reaches squared L2 error `<= (2 r C_f)^2 / m` on a ball of radius `r`, **whatever the
//! dimension** `d`, i.e. relative error `~ m^(-1/2)`; any fixed linear basis of `m` terms cannot
//! beat order `m^(-1/d)` on that class, and grid interpolation with `m` nodes has error
//! `~ m^(-2/d)` (E, Ma & Wu 2019 call the class Barron space). Random features are not
//! dimension-free for ReLU-network targets (Yehudai & Shamir 2019).
//!
//! The study: inputs `x ~ N(0, I_d)`; targets normalised to zero mean and unit variance
//! - `ridge`: `sum_k cos(w_k . x + phi_k) / sqrt(8)`, unit `w_k` (Barron norm independent of d);
//! - `teacher`: a random ReLU network with 8 units and unit-norm input weights;
//! - `cosine_product`: `prod_i cos(x_i)` (Barron constant growing exponentially with d);
//!
//! and five methods with the same budget `m` (hidden units, random features, grid nodes,
//! polynomial terms, stored samples): a two-layer ReLU network trained by Adam through the
//! shared training loop, and [`crate::methods`]' random features, multilinear grid
//! interpolation, Hermite least squares and k-nearest neighbours. Errors are relative L2 on fresh
//! held-out points, for every `(target, d, m, seed)` on fresh samples.

use crate::methods;
use crate::regression::predict;
use crate::targets::{RidgeSum, gaussian_inputs};
use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::{Device, Tensor};
use ai4s_core::error::ensure;
use ai4s_core::metrics::mean_std;
use ai4s_core::metrics::{loglog_slope, relative_l2};
use ai4s_core::mlp::{Activation, MlpConfig};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::tensor as tensors;
use ai4s_core::train::{Objective, fit_quiet};
use ai4s_core::train::{Schedule, TrainSettings};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;

mod config;
pub use config::*;

/// Target functions of the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Sum of 8 cosine ridges (finite, dimension-free Barron norm).
    Ridge,
    /// Random teacher ReLU network with 8 units.
    Teacher,
    /// Product of cosines (non-Barron contrast).
    CosineProduct,
}

impl TargetKind {
    fn name(self) -> &'static str {
        match self {
            TargetKind::Ridge => "ridge",
            TargetKind::Teacher => "teacher",
            TargetKind::CosineProduct => "cosine_product",
        }
    }
}

/// Approximation methods of the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Two-layer ReLU network trained by Adam.
    Network,
    /// Random ReLU features, output layer by least squares.
    RandomFeatures,
    /// Multilinear interpolation on a tensor grid.
    Grid,
    /// Total-degree Hermite polynomial least squares.
    Polynomial,
    /// k-nearest neighbours (k = 5).
    Knn,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Network => "network",
            Method::RandomFeatures => "random_features",
            Method::Grid => "grid",
            Method::Polynomial => "polynomial",
            Method::Knn => "knn",
        }
    }
}

/// A normalised target function in dimension `d`.
pub struct Target {
    kind: TargetKind,
    ridge: RidgeSum,
    teacher_w: Array2<f64>,
    teacher_b: Array1<f64>,
    teacher_a: Array1<f64>,
    mean: f64,
    scale: f64,
}

impl Target {
    /// Draws the target's random parameters and its normalisation from `seed`.
    pub fn new(kind: TargetKind, d: usize, seed: u64) -> Target {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        let mut teacher_w =
            Array2::<f64>::from_shape_fn((d, 8), |_| StandardNormal.sample(&mut rng));
        for mut c in teacher_w.columns_mut() {
            let n = c.dot(&c).sqrt().max(1e-12);
            c /= n;
        }
        let teacher_b = Array1::<f64>::from_shape_fn(8, |_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            0.5 * z
        });
        let teacher_a = Array1::<f64>::from_shape_fn(8, |i| if i % 2 == 0 { 1.0 } else { -1.0 });
        let mut t = Target {
            kind,
            ridge: RidgeSum::new(d, 8, seed),
            teacher_w,
            teacher_b,
            teacher_a,
            mean: 0.0,
            scale: 1.0,
        };
        let probe = t.raw(&gaussian_inputs(20_000, d, seed ^ 0xabcd));
        t.mean = probe.mean().unwrap_or(0.0);
        t.scale = probe.std(0.0).max(1e-12);
        t
    }

    fn raw(&self, x: &Array2<f64>) -> Array1<f64> {
        match self.kind {
            TargetKind::Ridge => self.ridge.eval(x),
            TargetKind::Teacher => (x.dot(&self.teacher_w) + &self.teacher_b)
                .mapv(|v| v.max(0.0))
                .dot(&self.teacher_a),
            TargetKind::CosineProduct => {
                x.map_axis(Axis(1), |r| r.iter().map(|v| v.cos()).product())
            }
        }
    }

    /// Zero-mean, unit-variance target values on every row of `x`.
    pub fn eval(&self, x: &Array2<f64>) -> Array1<f64> {
        (self.raw(x) - self.mean) / self.scale
    }
}

/// Averages `m` random cosine features `cos(w_j . x)`, `w_j ~ N(0, I_d)`: an unbiased Monte
/// Carlo estimate of `exp(-|x|^2 / 2)` whose RMSE is `<= 1/sqrt(2m)` in every dimension.
pub fn random_cosine_average(m: usize, x: &Array2<f64>, seed: u64) -> Array1<f64> {
    let w = gaussian_inputs(m, x.ncols(), seed);
    x.dot(&w.t())
        .mapv(f64::cos)
        .mean_axis(Axis(1))
        .unwrap_or_else(|| Array1::zeros(x.nrows()))
}

/// Population loss of a network on a target: every batch is a fresh sample `x ~ N(0, I_d)`.
struct Stream<'a> {
    target: &'a Target,
    batches: usize,
    batch: usize,
    rng: RefCell<StdRng>,
    x_val: Tensor<2>,
    y_val: Vec<f64>,
    device: Device,
}

impl Objective<ai4s_core::mlp::Mlp> for Stream<'_> {
    fn n_train(&self) -> usize {
        self.batches * self.batch
    }

    fn loss(&self, model: &ai4s_core::mlp::Mlp, batch: &[usize]) -> Tensor<1> {
        let d = self.target.ridge.directions.ncols();
        let x = Array2::<f64>::from_shape_fn((batch.len(), d), |_| {
            StandardNormal.sample(&mut *self.rng.borrow_mut())
        });
        let y = self.target.eval(&x).insert_axis(Axis(1));
        let err =
            model.forward(tensors::matrix(&x, &self.device)) - tensors::matrix(&y, &self.device);
        (err.clone() * err).mean()
    }

    fn validate(&self, model: &ai4s_core::mlp::Mlp) -> Result<f64> {
        let p = tensors::to_vec(model.forward(self.x_val.clone()))?;
        Ok(relative_l2(&p, &self.y_val))
    }
}

/// Trains a two-layer ReLU network of width `m` on fresh samples of `f`; predicts `x_test`.
#[allow(clippy::too_many_arguments)]
fn train_streaming(
    m: usize,
    f: &Target,
    cfg: &ApproxConfig,
    x_val: &Array2<f64>,
    y_val: &Array1<f64>,
    x_test: &Array2<f64>,
    seed: u64,
    ctx: &RunContext,
) -> Result<Array1<f64>> {
    let device = ctx.device.clone().autodiff();
    device.seed(seed);
    let model = MlpConfig {
        hidden: vec![m],
        activation: Activation::Relu,
    }
    .init(x_val.ncols(), 1, &device);
    let stream = Stream {
        target: f,
        batches: cfg.steps_per_epoch,
        batch: cfg.train.batch_size,
        rng: RefCell::new(StdRng::seed_from_u64(seed ^ 0x57ea)),
        x_val: tensors::matrix(x_val, &ctx.device),
        y_val: y_val.to_vec(),
        device,
    };
    let fitted = fit_quiet(
        model,
        &mut cfg.train.optimizer(),
        &stream,
        &cfg.train,
        seed,
        "network",
    )?;
    predict(&fitted.model.valid(), x_test, &ctx.device)
}

/// The approximation-error-versus-dimension study.
pub struct Approximation;

type Key = (TargetKind, Method, usize, usize);

impl Task for Approximation {
    type Config = ApproxConfig;

    fn name(&self) -> &'static str {
        "approximation"
    }

    fn area(&self) -> Area {
        Area::Supervised
    }

    fn description(&self) -> &'static str {
        "approximation error vs width and dimension: network, random features, grid, polynomial, kNN"
    }

    fn demonstrates(&self) -> &'static str {
        "The curse of dimensionality and how neural networks escape it. For targets with a finite Barron norm, a two-layer network's error falls with its width at a rate that does not degrade with the input dimension, while grid interpolation with the same number of nodes falls apart as the dimension grows. The product-of-cosines contrast, outside Barron space, is hard for every method in high dimension."
    }

    fn run(&self, cfg: &ApproxConfig, ctx: &mut RunContext) -> Result<Report> {
        let units = cfg.targets.len() * cfg.dims.len() * cfg.widths.len() * cfg.seeds;
        let mut bar = ctx.progress("approximation", units as u64);
        let mut errors: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
        let mut rows = String::from("target,d,m,seed,method,rel_l2\n");
        for &target in &cfg.targets {
            for &d in &cfg.dims {
                for &m in &cfg.widths {
                    for s in 0..cfg.seeds {
                        // Fresh target parameters and samples for every point of the sweep.
                        let seed = ctx.seed
                            ^ ((d as u64) << 40)
                            ^ ((m as u64) << 20)
                            ^ (s as u64)
                            ^ ((target as u64) << 56);
                        let f = Target::new(target, d, seed);
                        let x = gaussian_inputs(cfg.train_samples, d, seed.wrapping_add(1));
                        let y = f.eval(&x);
                        let xv = gaussian_inputs(cfg.test_samples / 2, d, seed.wrapping_add(2));
                        let yv = f.eval(&xv);
                        let xt = gaussian_inputs(cfg.test_samples, d, seed.wrapping_add(3));
                        let yt = f.eval(&xt);
                        for &method in &cfg.methods {
                            let pred = match method {
                                Method::Network => {
                                    train_streaming(m, &f, cfg, &xv, &yv, &xt, seed, ctx)?
                                }
                                Method::RandomFeatures => methods::random_features(
                                    m, &x, &y, &xt, seed,
                                )
                                .ok_or_else(|| {
                                    Error::Runtime(format!(
                                        "random features: singular system (d {d}, m {m})"
                                    ))
                                })?,
                                Method::Grid => methods::grid_interpolation(m, &|p| f.eval(p), &xt),
                                Method::Polynomial => methods::polynomial(m, &x, &y, &xt)
                                    .ok_or_else(|| {
                                        Error::Runtime(format!(
                                            "polynomial: singular system (d {d}, m {m})"
                                        ))
                                    })?,
                                Method::Knn => methods::knn(m, 5, &x, &y, &xt),
                            };
                            let err = relative_l2(
                                pred.as_slice().unwrap_or(&pred.to_vec()),
                                yt.as_slice().unwrap_or(&yt.to_vec()),
                            );
                            rows.push_str(&format!(
                                "{},{d},{m},{s},{},{err}\n",
                                target.name(),
                                method.name()
                            ));
                            errors.entry((target, method, d, m)).or_default().push(err);
                        }
                        bar.inc(1);
                    }
                }
            }
        }
        bar.finish();
        ctx.write_file("results.csv", rows.as_bytes())?;
        summarise(cfg, &errors, ctx)
    }
}

fn summarise(
    cfg: &ApproxConfig,
    errors: &BTreeMap<Key, Vec<f64>>,
    ctx: &mut RunContext,
) -> Result<Report> {
    let mut report = Report::new();
    let budget = *cfg.widths.iter().max().unwrap_or(&1);
    let (d_lo, d_hi) = (
        cfg.dims.iter().copied().min().unwrap_or(1),
        cfg.dims.iter().copied().max().unwrap_or(1),
    );
    let mean = |t, meth, d, m| errors.get(&(t, meth, d, m)).map(|v| mean_std(v));
    for &t in &cfg.targets {
        // Network error vs width, one curve per dimension.
        if cfg.methods.contains(&Method::Network) {
            let mut series = Vec::new();
            for &d in &cfg.dims {
                let pts: Vec<(f64, f64)> = cfg
                    .widths
                    .iter()
                    .filter_map(|&m| mean(t, Method::Network, d, m).map(|(e, _)| (m as f64, e)))
                    .collect();
                if let Some((slope, _)) = loglog_slope(&pts) {
                    report.metric(&format!("{}_network_slope_d{d}", t.name()), slope);
                }
                series.push(Series::new(format!("d = {d}"), pts));
            }
            let m0 = cfg.widths[0] as f64;
            let e0 = series
                .first()
                .and_then(|s| s.points.first())
                .map_or(1.0, |p| p.1);
            series.push(Series::new(
                "m^-1/2 reference",
                cfg.widths
                    .iter()
                    .map(|&m| (m as f64, e0 * (m as f64 / m0).powf(-0.5)))
                    .collect(),
            ));
            report.figure(ctx.plot(
                &format!("width_{}", t.name()),
                &Plot::LogLog {
                    labels: Labels::new(
                        &format!("Two-layer network, {} target: error vs width", t.name()),
                        "width m (hidden units)",
                        "relative L2 test error",
                    ),
                    series,
                },
            )?);
        }
        // Every method's error vs dimension at the largest budget.
        let mut series = Vec::new();
        for &meth in &cfg.methods {
            let pts: Vec<(f64, f64)> = cfg
                .dims
                .iter()
                .filter_map(|&d| mean(t, meth, d, budget).map(|(e, _)| (d as f64, e)))
                .collect();
            for &d in &[d_lo, d_hi] {
                if let Some((e, s)) = mean(t, meth, d, budget) {
                    report.metric(
                        &format!("{}_{}_err_d{d}_m{budget}", t.name(), meth.name()),
                        e,
                    );
                    report.metric(
                        &format!("{}_{}_err_d{d}_m{budget}_std", t.name(), meth.name()),
                        s,
                    );
                }
            }
            series.push(Series::new(meth.name(), pts));
        }
        report.figure(ctx.plot(
            &format!("dimension_{}", t.name()),
            &Plot::LogLog {
                labels: Labels::new(
                    &format!(
                        "{} target, budget m = {budget}: error vs dimension",
                        t.name()
                    ),
                    "input dimension d",
                    "relative L2 test error",
                ),
                series,
            },
        )?);
    }
    // The claims the study must support, checked on the ridge (Barron) target.
    if cfg.targets.contains(&TargetKind::Ridge)
        && cfg.methods.contains(&Method::Network)
        && cfg.methods.contains(&Method::Grid)
    {
        let net_slope = report.get(&format!("ridge_network_slope_d{d_hi}"));
        let grid_pts: Vec<(f64, f64)> = cfg
            .widths
            .iter()
            .filter_map(|&m| {
                mean(TargetKind::Ridge, Method::Grid, d_hi, m).map(|(e, _)| (m as f64, e))
            })
            .collect();
        if let Some((grid_slope, _)) = loglog_slope(&grid_pts) {
            report.metric(&format!("ridge_grid_slope_d{d_hi}"), grid_slope);
        }
        if let Some(slope) = net_slope {
            report.check(
                "ridge_network_slope_at_max_d",
                slope,
                Goal::AtMost(-0.3),
                "Barron (1993): error ~ m^(-1/2) whatever d; grid interpolation only ~ m^(-2/d)",
            );
        }
        if let (Some((net, _)), Some((grid, _))) = (
            mean(TargetKind::Ridge, Method::Network, d_hi, budget),
            mean(TargetKind::Ridge, Method::Grid, d_hi, budget),
        ) {
            report.check(
                "ridge_grid_over_network_at_max_d",
                grid / net,
                Goal::AtLeast(2.0),
                "grid interpolation error ~ m^(-2/d): cursed in high dimension",
            );
        }
        if let (Some((g_lo, _)), Some((g_hi, _))) = (
            mean(TargetKind::Ridge, Method::Grid, d_lo, budget),
            mean(TargetKind::Ridge, Method::Grid, d_hi, budget),
        ) {
            report.check(
                "ridge_grid_error_growth",
                g_hi / g_lo,
                Goal::AtLeast(5.0),
                "grid error at the largest d over grid error at the smallest d, same budget",
            );
        }
    }
    report.note(format!(
        "relative L2 errors on {} fresh test points per (target, d, m, seed), {} seeds; all runs in results.csv",
        cfg.test_samples, cfg.seeds
    ));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_cosine_features_are_dimension_free() {
        // exp(-|x|^2/2) = E_w cos(w . x): averaging m features has RMSE <= 1/sqrt(2m) in any d.
        for d in [1, 8, 64] {
            let x = gaussian_inputs(400, d, 9).mapv(|v| v / (d as f64).sqrt());
            let truth = x.map_axis(Axis(1), |r| (-r.dot(&r) / 2.0).exp());
            for m in [16, 256] {
                let est = random_cosine_average(m, &x, 11 + d as u64);
                let rmse = ((&est - &truth).mapv(|e| e * e).mean().unwrap_or(f64::NAN)).sqrt();
                assert!(
                    rmse <= 1.0 / (2.0 * m as f64).sqrt(),
                    "d {d} m {m}: rmse {rmse}"
                );
            }
        }
    }

    #[test]
    fn targets_are_normalised() {
        for kind in [
            TargetKind::Ridge,
            TargetKind::Teacher,
            TargetKind::CosineProduct,
        ] {
            let f = Target::new(kind, 6, 1);
            let y = f.eval(&gaussian_inputs(20_000, 6, 77));
            assert!(y.mean().unwrap_or(1.0).abs() < 0.05, "{kind:?}");
            assert!((y.std(0.0) - 1.0).abs() < 0.05, "{kind:?}");
        }
    }
}
