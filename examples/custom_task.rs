//! Adding your own science task, from outside the ai4s crates.
//!
//! The story: the period of a pendulum is `2 pi sqrt(L/g)` only for small swings. The exact
//! period is `T = 4 sqrt(L/g) K(sin(theta0/2))` with `K` the complete elliptic integral of the
//! first kind. We let a small network learn `T(L, theta0)` from examples and check it against
//! the exact formula and against the small-angle textbook answer.
//!
//! Everything that is not physics comes from ai4s: the `Task` trait, the shared MLP and training
//! loop, progress, metrics, figures, `config.toml`/`metrics.csv`/`summary.json`.
//!
//! Run: `cargo run --release --example custom_task -- [--quick] [--out DIR]`

use ai4s::core::burn::module::Module;
use ai4s::core::burn::tensor::{Int, Tensor, TensorData};
use ai4s::core::mlp::{Mlp, MlpConfig};
use ai4s::core::plot::{Labels, Plot, Series};
use ai4s::core::train::{Objective, TrainSettings, fit};
use ai4s::core::{Area, Error, Goal, Report, Result, RunContext, RunOptions, Task, TaskConfig};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// The config: serde struct, documented fields, defaults for the full run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PendulumConfig {
    /// Number of training swings.
    pub samples: usize,
    /// Largest starting angle in radians (below pi).
    pub max_angle: f64,
    /// Network and optimiser.
    pub model: MlpConfig,
    /// Training settings.
    pub train: TrainSettings,
}

impl Default for PendulumConfig {
    fn default() -> Self {
        let train = TrainSettings {
            epochs: 150,
            batch_size: 64,
            lr: 3e-3,
            ..Default::default()
        };
        PendulumConfig {
            samples: 2000,
            max_angle: 2.5,
            model: MlpConfig::default(),
            train,
        }
    }
}

impl TaskConfig for PendulumConfig {
    fn quick() -> Self {
        let mut c = Self::default();
        c.train.epochs = 40;
        c
    }
    fn validate(&self) -> Result<()> {
        ai4s::core::error::ensure(
            self.max_angle > 0.0 && self.max_angle < 3.0,
            "max_angle",
            || format!("must lie in (0, 3) radians, got {}", self.max_angle),
        )?;
        self.model.validate("model")?;
        self.train.validate("train")
    }
}

/// Exact period via the arithmetic-geometric mean: K(k) = pi / (2 AGM(1, sqrt(1 - k^2))).
pub fn exact_period(length: f64, theta0: f64) -> f64 {
    let k = (theta0 / 2.0).sin();
    let (mut a, mut b) = (1.0f64, (1.0 - k * k).sqrt());
    while (a - b).abs() > 1e-15 {
        (a, b) = ((a + b) / 2.0, (a * b).sqrt());
    }
    4.0 * (length / 9.81).sqrt() * std::f64::consts::PI / (2.0 * a)
}

/// The task: one struct, the `Task` impl, done.
pub struct Pendulum;

struct Swings {
    x: Tensor<2>,
    y: Tensor<2>,
    x_val: Tensor<2>,
    y_val: Vec<f64>,
}

impl Objective<Mlp> for Swings {
    fn n_train(&self) -> usize {
        self.x.dims()[0]
    }
    fn loss(&self, model: &Mlp, batch: &[usize]) -> Tensor<1> {
        let idx: Vec<i64> = batch.iter().map(|&i| i as i64).collect();
        let idx =
            Tensor::<1, Int>::from_data(TensorData::new(idx, [batch.len()]), &self.x.device());
        let err =
            model.forward(self.x.clone().select(0, idx.clone())) - self.y.clone().select(0, idx);
        (err.clone() * err).mean()
    }
    fn validate(&self, model: &Mlp) -> Result<f64> {
        let p = predict(model, self.x_val.clone())?;
        Ok(p.iter()
            .zip(&self.y_val)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / p.len() as f64)
    }
}

fn predict(model: &Mlp, x: Tensor<2>) -> Result<Vec<f64>> {
    model
        .forward(x)
        .into_data()
        .try_into_vec_as::<f64>()
        .map_err(|e| Error::Runtime(format!("{e:?}")))
}

/// Features (L, theta0) scaled to O(1); target T / 2 s.
fn swings(n: usize, max_angle: f64, rng: &mut StdRng) -> (Vec<f32>, Vec<f64>, Vec<(f64, f64)>) {
    let mut x = Vec::with_capacity(2 * n);
    let (mut y, mut raw) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let (l, th) = (
            rng.random_range(0.1..2.0),
            rng.random_range(0.05..max_angle),
        );
        x.extend([l as f32 - 1.0, th as f32 - 1.0]);
        y.push(exact_period(l, th) / 2.0);
        raw.push((l, th));
    }
    (x, y, raw)
}

impl Task for Pendulum {
    type Config = PendulumConfig;
    fn name(&self) -> &'static str {
        "pendulum"
    }
    fn area(&self) -> Area {
        Area::Science
    }
    fn description(&self) -> &'static str {
        "learn the large-amplitude pendulum period T(L, theta0) from examples"
    }

    fn run(&self, cfg: &PendulumConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let dev = ctx.device.clone().autodiff();
        let (xt, yt, _) = swings(cfg.samples, cfg.max_angle, &mut rng);
        let (xv, yv, _) = swings(500, cfg.max_angle, &mut rng);
        let (xs, ys, raw) = swings(1000, cfg.max_angle, &mut rng); // test: never trained on
        let n = yt.len();
        let data = Swings {
            x: Tensor::from_data(TensorData::new(xt, [n, 2]), &dev),
            y: Tensor::from_data(
                TensorData::new(yt.iter().map(|&v| v as f32).collect(), [n, 1]),
                &dev,
            ),
            x_val: Tensor::from_data(TensorData::new(xv, [500, 2]), &ctx.device),
            y_val: yv,
        };
        let model = cfg.model.init(2, 1, &dev);
        let fitted = fit(
            model,
            &mut cfg.train.optimizer(),
            &data,
            &cfg.train,
            ctx,
            "pendulum",
        )?;
        let pred = predict(
            &fitted.model.valid(),
            Tensor::from_data(TensorData::new(xs, [1000, 2]), &ctx.device),
        )?;

        // Relative period errors of the network and of the small-angle formula, on the test set.
        let rel = |p: f64, t: f64| ((p - t) / t).abs();
        let net: Vec<f64> = pred.iter().zip(&ys).map(|(p, t)| rel(*p, *t)).collect();
        let small: Vec<f64> = raw
            .iter()
            .zip(&ys)
            .map(|((l, _), t)| rel(std::f64::consts::PI * (l / 9.81).sqrt(), *t))
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let mut report = Report::new();
        report.check(
            "test_mean_rel_error",
            mean(&net),
            Goal::AtMost(0.02),
            "exact elliptic-integral period",
        );
        report.metric("small_angle_mean_rel_error", mean(&small));
        let by_angle = |e: &[f64]| {
            raw.iter()
                .zip(e)
                .map(|((_, th), e)| (*th, *e))
                .collect::<Vec<_>>()
        };
        let plot = Plot::Scatter {
            labels: Labels::new(
                "Period error vs amplitude",
                "starting angle theta0 (rad)",
                "relative error",
            ),
            series: vec![
                Series::new("learned network", by_angle(&net)),
                Series::new("small-angle formula", by_angle(&small)),
            ],
        };
        report.figure(ctx.plot("period_error", &plot)?);
        Ok(report)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(Into::into);
    let opts = RunOptions {
        quick: args.iter().any(|a| a == "--quick"),
        out,
        ..Default::default()
    };
    match ai4s::core::run::run_task(&Pendulum, &opts) {
        Ok(o) => println!(
            "{}: mean relative error {:?}",
            o.out_dir.display(),
            o.report.get("test_mean_rel_error")
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
