//! PDE solving: a physics-informed network for the heat (diffusion) equation.
//!
//! `u_t = 0.4 u_xx` on `x, t in [0, 1]`, `u(x, 0) = sin(pi x)`, `u(0, t) = u(1, t) = 0`, with the
//! exact solution `u = exp(-0.4 pi^2 t) sin(pi x)` (DeepXDE's example; isotope diffusion in the
//! seed). The initial and boundary conditions are built into the ansatz
//! `u = sin(pi x) + t x (1 - x) N(x, t)` (Lagaris et al. 1998), so training minimises only the
//! PDE residual at fresh random collocation points (Raissi et al. 2019). The residual needs
//! `N_x`, `N_t` and `N_xx`: burn's autodiff is first order, so they come from the shared
//! forward-mode [`Mlp::forward_jet`](ai4s_core::mlp::Mlp::forward_jet) as tensor ops, and one
//! `backward()` of the residual loss trains the weights.

use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::checkpoint::TrainRng as StdRng;
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::tensor::to_vec;
use ai4s_core::train::{Objective, TrainSettings, fit};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::f64::consts::PI;

const KAPPA: f64 = 0.4;

/// Exact solution.
pub fn exact(x: f64, t: f64) -> f64 {
    (-KAPPA * PI * PI * t).exp() * (PI * x).sin()
}

fn points(p: &[(f64, f64)], device: &Device) -> Tensor<2> {
    let v: Vec<f32> = p.iter().flat_map(|&(x, t)| [x as f32, t as f32]).collect();
    Tensor::from_data(TensorData::new(v, [p.len(), 2]), device)
}

fn column(p: &[(f64, f64)], f: impl Fn(f64, f64) -> f64, device: &Device) -> Tensor<2> {
    let v: Vec<f32> = p.iter().map(|&(x, t)| f(x, t) as f32).collect();
    Tensor::from_data(TensorData::new(v, [p.len(), 1]), device)
}

/// The ansatz `u = sin(pi x) + t x (1 - x) N(x, t)` at points `p`.
fn solution(net: &Mlp, p: &[(f64, f64)], device: &Device) -> Tensor<2> {
    column(p, |x, _| (PI * x).sin(), device)
        + column(p, |x, t| t * x * (1.0 - x), device) * net.forward(points(p, device))
}

/// Mean squared PDE residual `u_t - 0.4 u_xx` of the ansatz at points `p`.
fn residual_mse(net: &Mlp, p: &[(f64, f64)], d: &Device) -> Tensor<1> {
    let jet = match net.forward_jet(points(p, d), &[0]) {
        Ok(j) => j,
        // Configs are validated to tanh, so this cannot happen; a NaN loss would stop training.
        Err(_) => return Tensor::from_data(TensorData::new(vec![f32::NAN], [1]), d),
    };
    let n = jet.value;
    let (nx, nt, nxx) = (
        jet.first[0].clone(),
        jet.first[1].clone(),
        jet.second[0].clone(),
    );
    let g = column(p, |x, t| t * x * (1.0 - x), d);
    let u_t = column(p, |x, _| x * (1.0 - x), d) * n.clone() + g.clone() * nt;
    let u_xx = column(p, |x, _| -PI * PI * (PI * x).sin(), d)
        + column(p, |_, t| -2.0 * t, d) * n
        + column(p, |x, t| 2.0 * t * (1.0 - 2.0 * x), d) * nx
        + g * nxx;
    let r = u_t - u_xx * KAPPA;
    (r.clone() * r).mean()
}

struct Residual {
    batches: usize,
    batch: usize,
    rng: RefCell<StdRng>,
    val_points: Vec<(f64, f64)>,
    device: Device,
    plain: Device,
}

impl Objective<Mlp> for Residual {
    fn random_stream(&self) -> Option<&RefCell<StdRng>> {
        Some(&self.rng)
    }

    fn n_train(&self) -> usize {
        self.batches * self.batch
    }

    fn loss(&self, net: &Mlp, batch: &[usize]) -> Tensor<1> {
        let p: Vec<(f64, f64)> = {
            let mut rng = self.rng.borrow_mut();
            (0..batch.len())
                .map(|_| (rng.random::<f64>(), rng.random::<f64>()))
                .collect()
        };
        residual_mse(net, &p, &self.device)
    }

    /// Model selection uses the residual on fixed collocation points, never the exact solution.
    fn validate(&self, net: &Mlp) -> Result<f64> {
        let r = to_vec(residual_mse(net, &self.val_points, &self.plain))?;
        Ok(r[0])
    }
}

/// Configuration of [`HeatPinn`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PinnConfig {
    /// Network (tanh).
    pub model: MlpConfig,
    /// Optimiser steps per epoch, each on fresh collocation points.
    pub steps_per_epoch: usize,
    /// Optimisation (batch_size = collocation points per step).
    pub train: TrainSettings,
}

impl Default for PinnConfig {
    fn default() -> Self {
        PinnConfig {
            model: MlpConfig {
                hidden: vec![32, 32],
                activation: Activation::Tanh,
            },
            steps_per_epoch: 100,
            train: TrainSettings {
                epochs: 40,
                batch_size: 256,
                lr: 3e-3,
                ..TrainSettings::default()
            },
        }
    }
}

impl TaskConfig for PinnConfig {
    fn quick() -> Self {
        let d = Self::default();
        PinnConfig {
            train: TrainSettings {
                epochs: 30,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        self.model.validate("model")?;
        ai4s_core::error::ensure(
            self.model.activation == Activation::Tanh,
            "model.activation",
            || "must be tanh (second derivatives are written for tanh)".into(),
        )?;
        ai4s_core::error::ensure(self.steps_per_epoch >= 1, "steps_per_epoch", || {
            "must be at least 1".into()
        })?;
        self.train.validate("train")
    }
}

/// Physics-informed network for the heat equation.
pub struct HeatPinn;

impl Task for HeatPinn {
    type Config = PinnConfig;

    fn name(&self) -> &'static str {
        "heat-pinn"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Physics
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "PDE solving: a physics-informed network for the heat equation u_t = 0.4 u_xx vs the exact solution"
    }

    fn demonstrates(&self) -> &'static str {
        "Solving equations without data: the network is trained only to satisfy the diffusion equation at random points (with the initial and boundary conditions built in), and matches the exact solution to better than 1 %."
    }

    fn run(&self, cfg: &PinnConfig, ctx: &mut RunContext) -> Result<Report> {
        let ad = ctx.device.clone().autodiff();
        ad.seed(ctx.seed);
        let grid: Vec<(f64, f64)> = (0..41)
            .flat_map(|i| (0..41).map(move |j| (i as f64 / 40.0, j as f64 / 40.0)))
            .collect();
        let truth: Vec<f64> = grid.iter().map(|&(x, t)| exact(x, t)).collect();
        let obj = Residual {
            batches: cfg.steps_per_epoch,
            batch: cfg.train.batch_size,
            rng: RefCell::new(StdRng::seed_from_u64(ctx.seed ^ 0x9e1)),
            val_points: {
                let mut r = StdRng::seed_from_u64(ctx.seed ^ 0x7a1);
                (0..2000)
                    .map(|_| (r.random::<f64>(), r.random::<f64>()))
                    .collect()
            },
            device: ad.clone(),
            plain: ctx.device.clone(),
        };
        let net = cfg.model.init(2, 1, &ad);
        let fitted = fit(
            net,
            &mut cfg.train.optimizer(),
            &obj,
            &cfg.train,
            ctx,
            "heat-pinn",
        )?;
        let net = fitted.model.valid();
        let u_grid = to_vec(solution(&net, &grid, &ctx.device))?;
        let err = ai4s_core::metrics::relative_l2(&u_grid, &truth);
        let mut report = Report::new();
        report.check(
            "relative_l2_error",
            err,
            Goal::AtMost(1e-2),
            "exact solution exp(-0.4 pi^2 t) sin(pi x) on a 41 x 41 grid",
        );
        report.metric(
            "final_residual_mse",
            fitted.history.last().map_or(f64::NAN, |h| h.train_loss),
        );
        let line: Vec<(f64, f64)> = (0..=50).map(|i| (i as f64 / 50.0, 0.5)).collect();
        let u = to_vec(solution(&net, &line, &ctx.device))?;
        report.figure(ctx.plot(
            "profile",
            &Plot::Line {
                labels: Labels::new("Temperature profile at t = 0.5", "x", "u(x, 0.5)"),
                series: vec![
                    Series::new(
                        "exact",
                        line.iter().map(|&(x, t)| (x, exact(x, t))).collect(),
                    ),
                    Series::new(
                        "PINN",
                        line.iter().zip(&u).map(|(&(x, _), &v)| (x, v)).collect(),
                    ),
                ],
                log_y: false,
            },
        )?);
        let values: Vec<Vec<f64>> = (0..41)
            .rev()
            .map(|j| {
                (0..41)
                    .map(|i| u_grid[i * 41 + j] - truth[i * 41 + j])
                    .collect()
            })
            .collect();
        report.figure(ctx.plot(
            "error",
            &Plot::Heatmap {
                labels: Labels::new("PINN minus exact", "x (41 points)", "t (41 points)"),
                values,
                col_ticks: vec![],
                row_ticks: vec![],
                annotate: false,
            },
        )?);
        Ok(report)
    }
}
