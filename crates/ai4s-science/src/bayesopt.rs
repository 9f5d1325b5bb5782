//! The lab loop: Bayesian optimisation chooses the next experiment.
//!
//! A Gaussian process with a squared-exponential kernel `k(x, x') = s^2 exp(-|x - x'|^2 / 2l^2)`
//! on inputs scaled to the unit box models the response from the experiments so far; its length
//! scale is chosen by maximising the log marginal likelihood
//! `-y^T K^-1 y / 2 - log|K| / 2` over a grid, and the next experiment maximises the expected
//! improvement `EI = (y* - mu) Phi(z) + sigma phi(z)`, `z = (y* - mu)/sigma` (Jones, Schonlau &
//! Welch 1998) over random candidates. Benchmarks: the Branin function (minimum 0.397887 at three
//! points) and a simulated ternary-alloy experiment (a property peaked at an unknown composition,
//! measured with noise). Regret = best found minus the true optimum, compared with random search
//! on the same budget over several seeds.

use ai4s_core::error::ensure;
use ai4s_core::gp::{Gp, expected_improvement};
use ai4s_core::metrics::median;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Branin on `[-5, 10] x [0, 15]` as a function of unit-box coordinates.
pub fn branin(u: &[f64]) -> f64 {
    let (x1, x2) = (-5.0 + 15.0 * u[0], 15.0 * u[1]);
    let (b, c, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 1.0 / (8.0 * PI));
    (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
}

/// Global minimum of Branin.
pub const BRANIN_MIN: f64 = 0.397_887;

/// Simulated alloy experiment: composition `(a, b, 1 - a - b)` from unit-box coordinates
/// (folded into the simplex); returns minus a hardness-like property (to be minimised) whose
/// maximum 1.0 sits at `(0.55, 0.15, 0.30)`, with a secondary peak of 0.7.
pub fn alloy(u: &[f64]) -> f64 {
    let (mut a, mut b) = (u[0], u[1]);
    if a + b > 1.0 {
        (a, b) = (1.0 - a, 1.0 - b);
    }
    let g =
        |ca: f64, cb: f64, w: f64| (-((a - ca).powi(2) + (b - cb).powi(2)) / (2.0 * w * w)).exp();
    -(g(0.55, 0.15, 0.08) + 0.7 * g(0.15, 0.6, 0.1))
}

/// Best-so-far values of one run of Bayesian optimisation (or random search).
fn optimise(
    f: &dyn Fn(&[f64]) -> f64,
    noise: f64,
    budget: usize,
    init: usize,
    bo: bool,
    rng: &mut StdRng,
) -> Vec<f64> {
    let mut xs: Vec<Vec<f64>> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    let mut truth_best = f64::INFINITY;
    let mut curve = Vec::with_capacity(budget);
    for k in 0..budget {
        let x = if !bo || k < init {
            vec![rng.random::<f64>(), rng.random::<f64>()]
        } else {
            let gp = Gp::fit(&xs, &ys);
            let best_y = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let incumbent = xs[ys
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |m| m.0)]
            .clone();
            let mut cand: Vec<Vec<f64>> = (0..1500)
                .map(|_| vec![rng.random::<f64>(), rng.random::<f64>()])
                .collect();
            cand.extend((0..500).map(|_| {
                incumbent
                    .iter()
                    .map(|v| (v + 0.05 * (2.0 * rng.random::<f64>() - 1.0)).clamp(0.0, 1.0))
                    .collect()
            }));
            match gp {
                Some(gp) => cand
                    .into_iter()
                    .map(|c| {
                        let (mu, s) = gp.predict(&c);
                        (expected_improvement(mu, s, best_y), c)
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|b| b.1)
                    .unwrap_or_else(|| vec![rng.random(), rng.random()]),
                None => vec![rng.random(), rng.random()],
            }
        };
        let clean = f(&x);
        let measured = clean + noise * (2.0 * rng.random::<f64>() - 1.0);
        truth_best = truth_best.min(clean);
        xs.push(x);
        ys.push(measured);
        curve.push(truth_best);
    }
    curve
}

/// Configuration of [`BayesOpt`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BayesOptConfig {
    /// Experiments per run.
    pub budget: usize,
    /// Random experiments before the GP takes over.
    pub initial: usize,
    /// Independent runs (seeds) per method.
    pub runs: usize,
    /// Half-width of the uniform measurement noise of the alloy experiment.
    pub alloy_noise: f64,
}

impl Default for BayesOptConfig {
    fn default() -> Self {
        BayesOptConfig {
            budget: 40,
            initial: 5,
            runs: 20,
            alloy_noise: 0.01,
        }
    }
}

impl TaskConfig for BayesOptConfig {
    fn quick() -> Self {
        BayesOptConfig {
            runs: 8,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((2..=300).contains(&self.budget), "budget", || {
            format!("must be 2..=300, got {}", self.budget)
        })?;
        ensure(
            self.initial >= 2 && self.initial < self.budget,
            "initial",
            || format!("must be at least 2 and below budget ({})", self.budget),
        )?;
        ensure((1..=200).contains(&self.runs), "runs", || {
            "must be 1..=200".into()
        })?;
        ensure(self.alloy_noise >= 0.0, "alloy_noise", || {
            "must be non-negative".into()
        })
    }
}

/// A benchmark: name, objective on the unit box, its minimum, measurement noise.
type Problem = (&'static str, Box<dyn Fn(&[f64]) -> f64>, f64, f64);

/// Bayesian optimisation task.
pub struct BayesOpt;

impl Task for BayesOpt {
    type Config = BayesOptConfig;

    fn name(&self) -> &'static str {
        "bayesopt"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::LabLoop
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "the lab loop: Gaussian-process Bayesian optimisation (expected improvement) vs random search"
    }

    fn demonstrates(&self) -> &'static str {
        "The lab loop: each experiment is expensive, so a model of the results so far (a Gaussian process) decides which experiment to run next. Expected improvement finds the optimum of the Branin benchmark and of a simulated alloy-composition experiment in far fewer trials than random search."
    }

    fn run(&self, cfg: &BayesOptConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let mut series = Vec::new();
        let alloy_min = -1.0;
        let noise = cfg.alloy_noise;
        let problems: [Problem; 2] = [
            ("branin", Box::new(branin), BRANIN_MIN, 0.0),
            ("alloy", Box::new(alloy), alloy_min, noise),
        ];
        let mut bar = ctx.progress("bayesopt", (2 * cfg.runs) as u64);
        for (name, f, fmin, noise) in &problems {
            for (method, bo) in [("bo", true), ("random", false)] {
                let curves: Vec<Vec<f64>> = (0..cfg.runs)
                    .map(|r| {
                        optimise(
                            f.as_ref(),
                            *noise,
                            cfg.budget,
                            cfg.initial,
                            bo,
                            &mut StdRng::seed_from_u64(
                                ctx.seed ^ (r as u64 * 7919) ^ name.len() as u64,
                            ),
                        )
                    })
                    .collect();
                let med: Vec<(f64, f64)> = (0..cfg.budget)
                    .map(|k| {
                        (
                            (k + 1) as f64,
                            median(
                                &curves
                                    .iter()
                                    .map(|c| (c[k] - fmin).max(1e-9))
                                    .collect::<Vec<_>>(),
                            ),
                        )
                    })
                    .collect();
                let last = med.last().map_or(f64::NAN, |p| p.1);
                report.metric(&format!("{name}_{method}_median_regret"), last);
                series.push(Series::new(
                    format!(
                        "{name}, {}",
                        if bo {
                            "Bayesian optimisation"
                        } else {
                            "random search"
                        }
                    ),
                    med,
                ));
                if bo {
                    bar.inc(cfg.runs as u64);
                }
            }
            let bo = report
                .get(&format!("{name}_bo_median_regret"))
                .unwrap_or(f64::NAN);
            let rs = report
                .get(&format!("{name}_random_median_regret"))
                .unwrap_or(f64::NAN);
            report.check(
                &format!("{name}_regret_ratio_random_over_bo"),
                rs / bo,
                Goal::AtLeast(10.0),
                "BO needs far fewer experiments than random search (median final regret)",
            );
            bar.inc(cfg.runs as u64);
        }
        bar.finish();
        report.check(
            "branin_bo_median_regret_check",
            report.get("branin_bo_median_regret").unwrap_or(f64::NAN),
            Goal::AtMost(0.01),
            "Branin minimum 0.397887 reached within 0.01",
        );
        report.figure(ctx.plot(
            "regret",
            &Plot::Line {
                labels: Labels::new(
                    "Median simple regret vs number of experiments",
                    "experiments",
                    "regret (best found - optimum)",
                ),
                series,
                log_y: true,
            },
        )?);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai4s_core::gp::normal_cdf;

    #[test]
    fn branin_minima_and_gp_interpolation() {
        for (x1, x2) in [(-PI, 12.275), (PI, 2.275), (9.42478, 2.475)] {
            assert!((branin(&[(x1 + 5.0) / 15.0, x2 / 15.0]) - BRANIN_MIN).abs() < 1e-5);
        }
        assert!((alloy(&[0.55, 0.15]) + 1.0).abs() < 1e-3);
        let x: Vec<Vec<f64>> = (0..12)
            .map(|i| vec![(i as f64 * 0.37).fract(), (i as f64 * 0.71).fract()])
            .collect();
        let y: Vec<f64> = x.iter().map(|p| branin(p)).collect();
        let gp = Gp::fit(&x, &y).expect("fits");
        for (p, v) in x.iter().zip(&y) {
            let (mu, s) = gp.predict(p);
            assert!(
                (mu - v).abs() < 1e-2 * v.abs().max(1.0),
                "GP interpolates its data"
            );
            assert!(s < 1.0);
        }
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7 && (normal_cdf(1.96) - 0.975).abs() < 1e-3);
    }
}
