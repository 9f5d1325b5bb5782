//! Solving your own differential equation with a physics-informed network.
//!
//! The story: a 1-D Poisson problem, `u''(x) = f(x)` on `[0, 1]` with `u(0) = 0`, `u(1) = 1` and
//! the source `f(x) = -4 pi^2 sin(2 pi x)` (a charge density, a heat source or a load on a
//! string). Its exact solution `u = x + sin(2 pi x)` is known, so we can tell how well a network
//! solves it from the equation alone, without a single value of `u` to learn from.
//!
//! The boundary values are built into the ansatz `u = x + x (1 - x) N(x)` (Lagaris et al. 1998),
//! so training only drives the residual `u'' - f` to zero at fresh random points. The residual
//! needs `N'` and `N''`: burn's autodiff is first order, so they come from ai4s's forward-mode
//! `Mlp::forward_jet` as tensor ops, and the shared training loop (`fit_quiet`) differentiates
//! the residual loss with respect to the weights. Replace `source` and the ansatz for your PDE.
//!
//! Run: `cargo run --release --example own_pde_pinn -- [--quick] [--out DIR]`

use ai4s::core::burn::module::Module;
use ai4s::core::burn::tensor::{Device, Tensor, TensorData};
use ai4s::core::device::{Precision, make_device, resolve_backend};
use ai4s::core::mlp::{Mlp, MlpConfig};
use ai4s::core::plot::{Labels, Plot, Series, render};
use ai4s::core::tensor::to_vec;
use ai4s::core::train::{Objective, TrainSettings, fit_quiet};
use ai4s::core::{Result, io, metrics::relative_l2};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::cell::RefCell;
use std::f64::consts::PI;
use std::path::Path;

/// The right-hand side of `u'' = f`.
pub fn source(x: f64) -> f64 {
    -4.0 * PI * PI * (2.0 * PI * x).sin()
}

/// The exact solution, for checking only.
pub fn exact(x: f64) -> f64 {
    x + (2.0 * PI * x).sin()
}

/// A column tensor `[n, 1]` of `g(x)` at the points `xs`.
fn column(xs: &[f64], g: impl Fn(f64) -> f64, device: &Device) -> Tensor<2> {
    let v: Vec<f32> = xs.iter().map(|&x| g(x) as f32).collect();
    Tensor::from_data(TensorData::new(v, [xs.len(), 1]), device)
}

/// The ansatz `u = x + x (1 - x) N(x)`: it meets both boundary conditions whatever `N` is.
fn solution(net: &Mlp, xs: &[f64], d: &Device) -> Tensor<2> {
    column(xs, |x| x, d) + column(xs, |x| x * (1.0 - x), d) * net.forward(column(xs, |x| x, d))
}

/// Mean squared residual `u'' - f`, with `u'' = -2 N + 2 (1 - 2x) N' + x (1 - x) N''`.
fn residual_mse(net: &Mlp, xs: &[f64], d: &Device) -> Result<Tensor<1>> {
    let jet = net.forward_jet(column(xs, |x| x, d), &[0])?;
    let (n, n1, n2) = (jet.value, jet.first[0].clone(), jet.second[0].clone());
    let u_xx =
        n * -2.0 + column(xs, |x| 2.0 - 4.0 * x, d) * n1 + column(xs, |x| x * (1.0 - x), d) * n2;
    let r = u_xx - column(xs, source, d);
    Ok((r.clone() * r).mean())
}

/// What the training loop needs: a loss on fresh collocation points, a validation residual.
struct Poisson {
    n_train: usize,
    rng: RefCell<StdRng>,
    val: Vec<f64>,
    device: Device,
    plain: Device,
}

impl Objective<Mlp> for Poisson {
    fn n_train(&self) -> usize {
        self.n_train
    }
    fn loss(&self, net: &Mlp, batch: &[usize]) -> Tensor<1> {
        let mut rng = self.rng.borrow_mut();
        let xs: Vec<f64> = batch.iter().map(|_| rng.random()).collect();
        // forward_jet fails only for non-tanh networks; a NaN loss then stops training loudly.
        residual_mse(net, &xs, &self.device).unwrap_or_else(|_| {
            Tensor::from_data(TensorData::new(vec![f32::NAN], [1]), &self.device)
        })
    }
    /// Model selection by the residual on fixed points, never by the exact solution.
    fn validate(&self, net: &Mlp) -> Result<f64> {
        Ok(to_vec(residual_mse(net, &self.val, &self.plain)?)?[0])
    }
}

/// Trains the PINN; returns the relative L2 error against the exact solution on 201 points and
/// the final validation residual. Writes `profile.{svg,png}` into `out`.
pub fn run(quick: bool, out: &Path) -> Result<(f64, f64)> {
    let plain = make_device(resolve_backend(None)?, Precision::F32, 42)?;
    let ad = plain.clone().autodiff();
    let settings = TrainSettings {
        epochs: if quick { 100 } else { 300 },
        batch_size: 128,
        lr: 3e-3,
        ..Default::default()
    };
    let problem = Poisson {
        n_train: 50 * settings.batch_size, // 50 steps per epoch
        rng: RefCell::new(StdRng::seed_from_u64(1)),
        val: (0..500).map(|i| (i as f64 + 0.5) / 500.0).collect(),
        device: ad.clone(),
        plain: plain.clone(),
    };
    let net = MlpConfig::default().init(1, 1, &ad); // tanh, 64-64
    let mut optim = settings.optimizer();
    let fitted = fit_quiet(net, &mut optim, &problem, &settings, 42, "pinn")?;
    let net = fitted.model.valid();

    // Compare with the exact solution on a grid the network never saw as such.
    let grid: Vec<f64> = (0..=200).map(|i| i as f64 / 200.0).collect();
    let u = to_vec(solution(&net, &grid, &plain))?;
    let truth: Vec<f64> = grid.iter().map(|&x| exact(x)).collect();
    let error = relative_l2(&u, &truth);
    io::create_dir(out)?;
    let curve = |name: &str, v: &[f64]| {
        Series::new(name, grid.iter().copied().zip(v.iter().copied()).collect())
    };
    let plot = Plot::Line {
        labels: Labels::new("Poisson u'' = -4 pi^2 sin(2 pi x)", "x", "u(x)"),
        series: vec![curve("exact", &truth), curve("PINN", &u)],
        log_y: false,
    };
    render(&out.join("profile"), &plot)?;
    Ok((error, fitted.best_val))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.windows(2).find(|w| w[0] == "--out");
    let out = Path::new(out.map_or("runs/own_pde_pinn", |w| &w[1]));
    let (error, residual) = run(args.iter().any(|a| a == "--quick"), out).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code())
    });
    println!("relative L2 error vs the exact solution {error:.2e} (residual MSE {residual:.2e})");
    println!("figure: {}", out.join("profile.svg").display());
}
