//! Chaos and weather: forecasting the Lorenz-63 system with a reservoir computer.
//!
//! Lorenz (1963): `x' = sigma (y - x)`, `y' = x (rho - z) - y`, `z' = x y - beta z` with
//! sigma 10, rho 28, beta 8/3, integrated by RK4. Its largest Lyapunov exponent is about 0.906,
//! so errors grow by e every 1.10 time units (one Lyapunov time) and any forecast eventually fails.
//! The model is an echo-state network (Jaeger 2001; Pathak et al., Chaos 27, 121102, 2017): a fixed
//! random sparse recurrent reservoir `r' = tanh(A r + W_in u)` with spectral radius `rho_A`,
//! driven by the observed state; only the linear read-out `u = W_out r~` is fitted, by ridge
//! regression (`r~` squares every other node to break the reservoir's sign symmetry). The trained
//! reservoir then runs on its own predictions. The valid prediction time is the first time the
//! normalised error `|u_hat - u| / sqrt(<|u|^2>)` exceeds a threshold, in Lyapunov times.

use ai4s_core::error::ensure;
use ai4s_core::linalg::LinearModel;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// Largest Lyapunov exponent of Lorenz-63 at the standard parameters.
pub const LYAPUNOV: f64 = 0.906;

/// Lorenz-63 vector field.
pub fn lorenz(u: [f64; 3]) -> [f64; 3] {
    let (s, r, b) = (10.0, 28.0, 8.0 / 3.0);
    [
        s * (u[1] - u[0]),
        u[0] * (r - u[2]) - u[1],
        u[0] * u[1] - b * u[2],
    ]
}

/// One RK4 step of length `dt`.
pub fn rk4(u: [f64; 3], dt: f64) -> [f64; 3] {
    let add =
        |a: [f64; 3], k: [f64; 3], h: f64| [a[0] + h * k[0], a[1] + h * k[1], a[2] + h * k[2]];
    let k1 = lorenz(u);
    let k2 = lorenz(add(u, k1, dt / 2.0));
    let k3 = lorenz(add(u, k2, dt / 2.0));
    let k4 = lorenz(add(u, k3, dt));
    std::array::from_fn(|i| u[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
}

/// Configuration of [`LorenzForecast`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LorenzConfig {
    /// Sampling interval of the observed trajectory.
    pub dt: f64,
    /// Training length (time units).
    pub train_time: f64,
    /// Reservoir size.
    pub reservoir: usize,
    /// Average non-zero entries per reservoir row.
    pub degree: f64,
    /// Spectral radius of the reservoir matrix.
    pub spectral_radius: f64,
    /// Input weights are uniform in [-input_scale, input_scale].
    pub input_scale: f64,
    /// Ridge penalty of the read-out.
    pub ridge: f64,
    /// Forecasts started from different points of the attractor.
    pub forecasts: usize,
    /// Normalised error at which a forecast stops being valid.
    pub threshold: f64,
}

impl Default for LorenzConfig {
    fn default() -> Self {
        // Hyper-parameters chosen on the trajectory and reservoir of seed 7 (20 forecasts,
        // 8.8 Lyapunov times); other seeds are held out.
        LorenzConfig {
            dt: 0.02,
            train_time: 100.0,
            reservoir: 400,
            degree: 6.0,
            spectral_radius: 0.8,
            input_scale: 0.5,
            ridge: 1e-10,
            forecasts: 20,
            threshold: 0.4,
        }
    }
}

impl TaskConfig for LorenzConfig {
    fn quick() -> Self {
        LorenzConfig {
            forecasts: 10,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(self.dt > 0.0 && self.dt <= 0.1, "dt", || {
            format!("must be in (0, 0.1], got {}", self.dt)
        })?;
        ensure(self.train_time >= 10.0, "train_time", || {
            "must be at least 10 time units".into()
        })?;
        ensure((10..=4000).contains(&self.reservoir), "reservoir", || {
            format!("must be 10..=4000, got {}", self.reservoir)
        })?;
        ensure(
            self.spectral_radius > 0.0 && self.spectral_radius < 3.0,
            "spectral_radius",
            || "must be in (0, 3)".into(),
        )?;
        ensure(self.ridge >= 0.0, "ridge", || "must be non-negative".into())?;
        ensure((1..=100).contains(&self.forecasts), "forecasts", || {
            "must be 1..=100".into()
        })?;
        ensure(self.threshold > 0.0, "threshold", || {
            "must be positive".into()
        })
    }
}

struct Reservoir {
    a: Vec<Vec<(usize, f64)>>,
    w_in: Array2<f64>,
}

impl Reservoir {
    fn new(cfg: &LorenzConfig, rng: &mut StdRng) -> Reservoir {
        let n = cfg.reservoir;
        let p = cfg.degree / n as f64;
        let mut a: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for row in a.iter_mut() {
            for j in 0..n {
                if rng.random::<f64>() < p {
                    row.push((j, 2.0 * rng.random::<f64>() - 1.0));
                }
            }
        }
        // Spectral radius by Gelfand's formula, rho = lim |A^k x|^(1/k).
        let mut x = vec![1.0 / (n as f64).sqrt(); n];
        let mut log_growth = 0.0;
        let iters = 200;
        for _ in 0..iters {
            let y: Vec<f64> = a
                .iter()
                .map(|row| row.iter().map(|&(j, v)| v * x[j]).sum())
                .collect();
            let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
            log_growth += norm.ln();
            x = y.into_iter().map(|v| v / norm).collect();
        }
        let rho = (log_growth / iters as f64).exp().max(1e-12);
        for row in a.iter_mut() {
            for e in row.iter_mut() {
                e.1 *= cfg.spectral_radius / rho;
            }
        }
        let w_in = Array2::from_shape_fn((n, 3), |_| {
            cfg.input_scale * (2.0 * rng.random::<f64>() - 1.0)
        });
        Reservoir { a, w_in }
    }

    fn step(&self, r: &[f64], u: [f64; 3]) -> Vec<f64> {
        self.a
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let s: f64 = row.iter().map(|&(j, v)| v * r[j]).sum::<f64>()
                    + self.w_in[[i, 0]] * u[0]
                    + self.w_in[[i, 1]] * u[1]
                    + self.w_in[[i, 2]] * u[2];
                s.tanh()
            })
            .collect()
    }
}

fn features(r: &[f64]) -> Vec<f64> {
    r.iter()
        .enumerate()
        .map(|(i, v)| if i % 2 == 0 { v * v } else { *v })
        .collect()
}

/// A curve as `(t, value)` points.
type Points = Vec<(f64, f64)>;

/// Lorenz-63 forecasting task.
pub struct LorenzForecast;

impl Task for LorenzForecast {
    type Config = LorenzConfig;

    fn name(&self) -> &'static str {
        "lorenz"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Weather
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "chaos and weather: forecast Lorenz-63 with a reservoir computer; valid time in Lyapunov times"
    }

    fn demonstrates(&self) -> &'static str {
        "Chaos and weather: a learned model of a chaotic system forecasts it for several Lyapunov times before the inevitable divergence; the valid prediction time, measured in Lyapunov times, is the honest score of a weather-like forecast."
    }

    fn run(&self, cfg: &LorenzConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        // Trajectory on the attractor: spin-up, training, then forecast segments.
        let mut u = [1.0 + rng.random::<f64>(), 1.0, 1.0];
        let sub = 10;
        let h = cfg.dt / sub as f64;
        let advance = |u: &mut [f64; 3]| {
            for _ in 0..sub {
                *u = rk4(*u, h);
            }
        };
        for _ in 0..(20.0 / cfg.dt) as usize {
            advance(&mut u);
        }
        let n_train = (cfg.train_time / cfg.dt) as usize;
        let horizon = (25.0 / LYAPUNOV / cfg.dt) as usize;
        let warm = 200;
        let total = n_train + cfg.forecasts * (warm + horizon);
        let mut traj = Vec::with_capacity(total + 1);
        for _ in 0..=total {
            traj.push(u);
            advance(&mut u);
        }
        let scale = (traj
            .iter()
            .map(|v| v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
            .sum::<f64>()
            / traj.len() as f64)
            .sqrt();
        let norm = |v: [f64; 3]| v.map(|x| x / scale * 3f64.sqrt());

        let res = Reservoir::new(cfg, &mut rng);
        let mut r = vec![0.0; cfg.reservoir];
        let mut states = Vec::new();
        let mut targets = Vec::new();
        for t in 0..n_train {
            r = res.step(&r, norm(traj[t]));
            if t >= warm {
                states.extend(features(&r));
                targets.push(norm(traj[t + 1]));
            }
        }
        let rows = targets.len();
        let x = Array2::from_shape_vec((rows, cfg.reservoir), states)
            .map_err(|e| Error::Runtime(e.to_string()))?;
        let readout: Vec<LinearModel> = (0..3)
            .map(|k| {
                LinearModel::fit(
                    &x,
                    &Array1::from_iter(targets.iter().map(|t| t[k])),
                    cfg.ridge * rows as f64,
                )
                .ok_or_else(|| {
                    Error::Runtime("read-out: singular ridge system; raise `ridge`".into())
                })
            })
            .collect::<Result<_>>()?;
        let out = |r: &[f64]| -> [f64; 3] {
            let f = Array2::from_shape_vec((1, r.len()), features(r))
                .unwrap_or_else(|_| Array2::zeros((1, r.len())));
            std::array::from_fn(|k| readout[k].predict(&f)[0])
        };

        let mut valid = Vec::new();
        let mut example: Option<(Points, Points)> = None;
        let mut bar = ctx.progress("lorenz", cfg.forecasts as u64);
        for f in 0..cfg.forecasts {
            let start = n_train + f * (warm + horizon);
            // Synchronise the reservoir on the true data, then let it run on its own output.
            let mut r = vec![0.0; cfg.reservoir];
            for &v in &traj[start..start + warm] {
                r = res.step(&r, norm(v));
            }
            let mut pred = out(&r);
            let mut t_valid = horizon as f64 * cfg.dt;
            let (mut truth_x, mut pred_x) = (Vec::new(), Vec::new());
            for k in 0..horizon {
                let truth = norm(traj[start + warm + k]);
                let err = ((0..3).map(|i| (pred[i] - truth[i]).powi(2)).sum::<f64>() / 3.0).sqrt();
                if err > cfg.threshold && t_valid == horizon as f64 * cfg.dt {
                    t_valid = k as f64 * cfg.dt;
                }
                truth_x.push((k as f64 * cfg.dt * LYAPUNOV, truth[0]));
                pred_x.push((k as f64 * cfg.dt * LYAPUNOV, pred[0]));
                r = res.step(&r, pred);
                pred = out(&r);
            }
            valid.push(t_valid * LYAPUNOV);
            if example.is_none() {
                example = Some((truth_x, pred_x));
            }
            bar.inc(1);
        }
        bar.finish();
        let mean = valid.iter().sum::<f64>() / valid.len() as f64;
        let sd =
            (valid.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / valid.len() as f64).sqrt();
        let mut report = Report::new();
        report
            .check(
                "valid_time_lyapunov",
                mean,
                Goal::AtLeast(5.0),
                "reservoir computers forecast ~6 Lyapunov times (Pathak et al. 2017)",
            )
            .metric("valid_time_lyapunov_std", sd)
            .metric(
                "valid_time_lyapunov_min",
                valid.iter().copied().fold(f64::INFINITY, f64::min),
            )
            .metric("forecasts", valid.len() as f64);
        if let Some((t, p)) = example {
            report.figure(ctx.plot(
                "forecast",
                &Plot::Line {
                    labels: Labels::new(
                        "Lorenz-63 x(t): truth vs reservoir forecast",
                        "time (Lyapunov times)",
                        "x (normalised)",
                    ),
                    series: vec![Series::new("truth", t), Series::new("forecast", p)],
                    log_y: false,
                },
            )?);
        }
        report.note(format!(
            "normalised-error threshold {}; valid times per forecast (Lyapunov times): {:?}",
            cfg.threshold,
            valid
                .iter()
                .map(|v| (v * 100.0).round() / 100.0)
                .collect::<Vec<_>>()
        ));
        Ok(report)
    }
}
