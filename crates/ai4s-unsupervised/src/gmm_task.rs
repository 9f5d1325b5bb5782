//! The `gmm` task: Gaussian mixtures by EM, BIC model choice and held-out likelihood.
//!
//! Every fit uses a random training split; the held-out negative log-likelihood (nats per
//! point) is measured on the rest, and the BIC curve over `k = 1..=max_k` on the training split.
//! On the toy sets the mixture uses the true number of components; on a user's CSV `k = 0`
//! means "choose k by BIC". Output as for the other classical tasks (see
//! [`crate::cluster_tasks`]); `labels.csv` also carries the responsibility of the chosen
//! component and `ln p(x)` of each row.

use crate::cluster_tasks::{load_data, plane, scatter, score_toy, toy_sets, write_csv, write_toy};
use crate::gmm::{Covariance, Gmm, GmmFit};
use ai4s_core::data::Split;
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

/// Configuration of [`GmmTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GmmConfig {
    /// CSV file with a header row (all columns numeric); empty for the built-in toy sets.
    pub data: String,
    /// Standardise every column of `data` to zero mean and unit variance first.
    pub standardize: bool,
    /// Components for `data`; 0 chooses k by the lowest BIC in `1..=max_k`.
    pub k: usize,
    /// Largest k of the BIC curve.
    pub max_k: usize,
    /// Covariance shape: `full` or `diag`.
    pub covariance: Covariance,
    /// EM iterations per initialisation.
    pub max_iter: usize,
    /// Convergence threshold on the change of the mean log-likelihood per point.
    pub tol: f64,
    /// Added to every covariance diagonal.
    pub reg_covar: f64,
    /// Initialisations (k-means with different seeds); the highest likelihood wins.
    pub n_init: usize,
    /// Fraction of rows held out for the negative log-likelihood.
    pub holdout_fraction: f64,
    /// Points per toy set.
    pub toy_samples: usize,
}

impl Default for GmmConfig {
    fn default() -> Self {
        GmmConfig {
            data: String::new(),
            standardize: false,
            k: 0,
            max_k: 10,
            covariance: Covariance::Full,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            n_init: 1,
            holdout_fraction: 0.2,
            toy_samples: 1500,
        }
    }
}

impl GmmConfig {
    fn model(&self, k: usize, covariance: Covariance) -> Gmm {
        Gmm {
            k,
            covariance,
            max_iter: self.max_iter,
            tol: self.tol,
            reg_covar: self.reg_covar,
            n_init: self.n_init,
        }
    }
}

impl TaskConfig for GmmConfig {
    fn quick() -> Self {
        GmmConfig {
            toy_samples: 600,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((1..=50).contains(&self.max_k), "max_k", || {
            format!("must be between 1 and 50, got {}", self.max_k)
        })?;
        ensure(self.k <= 200, "k", || {
            format!("must be at most 200 (0 = choose by BIC), got {}", self.k)
        })?;
        self.model(self.k.max(1), self.covariance).validate("")?;
        ensure(
            self.holdout_fraction > 0.0 && self.holdout_fraction < 0.9,
            "holdout_fraction",
            || format!("must lie in (0, 0.9), got {}", self.holdout_fraction),
        )?;
        ensure(
            (40..=200_000).contains(&self.toy_samples),
            "toy_samples",
            || format!("must be between 40 and 200000, got {}", self.toy_samples),
        )
    }
}

/// Gaussian-mixture density estimation and clustering.
pub struct GmmTask;

/// Training and held-out rows.
fn split(x: &Array2<f64>, frac: f64, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let s = Split::random(x.nrows(), 0.0, frac, seed);
    (x.select(Axis(0), &s.train), x.select(Axis(0), &s.test))
}

/// BIC of `1..=max_k` components on `train`; returns the curve and its minimiser.
fn bic_curve(cfg: &GmmConfig, train: &Array2<f64>, seed: u64) -> Result<(Vec<(f64, f64)>, usize)> {
    let mut curve = Vec::new();
    for k in 1..=cfg.max_k.min(train.nrows()) {
        let f = cfg.model(k, cfg.covariance).fit(train, seed)?;
        curve.push((k as f64, f.bic(train)));
    }
    let best = curve
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(1, |p| p.0 as usize);
    Ok((curve, best))
}

/// Smallest step of a log-likelihood history (non-negative for EM).
fn min_increment(f: &GmmFit) -> f64 {
    f.history
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min)
}

impl Task for GmmTask {
    type Config = GmmConfig;

    fn name(&self) -> &'static str {
        "gmm"
    }

    fn area(&self) -> Area {
        Area::Unsupervised
    }

    fn description(&self) -> &'static str {
        "Gaussian mixture by EM (full/diag), BIC model choice, held-out NLL; toy sets or any CSV"
    }

    fn demonstrates(&self) -> &'static str {
        "A Gaussian mixture is a density, not just a partition: EM fits it without labels, the BIC picks the number of components, and the held-out log-likelihood measures how well it generalises; full covariances follow elongated clusters that k-means cuts wrongly."
    }

    fn run(&self, cfg: &GmmConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        if !cfg.data.is_empty() {
            let data = load_data(&cfg.data, cfg.standardize, 10)?;
            ctx.info(&format!("data: {}", data.source));
            let (train, test) = split(&data.x, cfg.holdout_fraction, ctx.seed);
            let (curve, best) = bic_curve(cfg, &train, ctx.seed)?;
            let k = if cfg.k == 0 { best } else { cfg.k };
            let fit = cfg.model(k, cfg.covariance).fit(&train, ctx.seed)?;
            let labels: Vec<i64> = fit.predict(&data.x).iter().map(|&l| l as i64).collect();
            let proba = fit.predict_proba(&data.x);
            let dens = fit.score_samples(&data.x);
            write_csv(
                ctx,
                "labels.csv",
                &["label".into(), "probability".into(), "log_density".into()],
                (0..data.x.nrows()).map(|i| {
                    vec![
                        labels[i].to_string(),
                        proba[[i, labels[i] as usize]].to_string(),
                        dens[i].to_string(),
                    ]
                }),
            )?;
            for (step, &ll) in fit.history.iter().enumerate() {
                ctx.log(step, &[("train_loglik", ll)]);
            }
            report.metric("rows", data.x.nrows() as f64);
            report.metric("k", k as f64);
            report.metric("bic_best_k", best as f64);
            report.metric("bic", fit.bic(&train));
            report.metric("train_nll", -fit.score(&train));
            report.metric("heldout_nll", -fit.score(&test));
            report.metric("em_iterations", fit.history.len() as f64);
            let (xy, ax, ay) = plane(&data.x, &data.headers)?;
            report.figure(scatter(
                ctx,
                "clusters",
                Labels::new(&format!("Gaussian mixture, k = {k}"), &ax, &ay),
                &xy,
                &labels,
            )?);
            report.figure(ctx.plot(
                "bic",
                &Plot::Line {
                    labels: Labels::new("BIC of the training split", "components k", "BIC"),
                    series: vec![Series::new("BIC", curve)],
                    log_y: false,
                },
            )?);
            report.note(format!(
                "data: {}; {} training / {} held-out rows; k = {k}{}; heldout_nll in nats per row",
                data.source,
                train.nrows(),
                test.nrows(),
                if cfg.k == 0 { " chosen by BIC" } else { "" }
            ));
            return Ok(report);
        }
        let sets = toy_sets(cfg.toy_samples, ctx.seed);
        let mut bar = ctx.progress("gmm", sets.len() as u64);
        let mut bic_series = Vec::new();
        let mut worst_step = f64::INFINITY;
        for (name, s) in &sets {
            let (train, test) = split(&s.x, cfg.holdout_fraction, ctx.seed);
            // Which rows were held out, so that other libraries can be scored on the same split.
            let held = Split::random(s.x.nrows(), 0.0, cfg.holdout_fraction, ctx.seed).test;
            let mut is_held = vec![0u8; s.x.nrows()];
            held.iter().for_each(|&i| is_held[i] = 1);
            write_csv(
                ctx,
                &format!("toy_{name}_heldout.csv"),
                &["heldout".into()],
                is_held.iter().map(|h| vec![h.to_string()]),
            )?;
            let fit = cfg.model(s.k, cfg.covariance).fit(&train, ctx.seed)?;
            worst_step = worst_step.min(min_increment(&fit));
            for (step, &ll) in fit.history.iter().enumerate() {
                ctx.log(step, &[(&format!("{name}_train_loglik"), ll)]);
            }
            let pred: Vec<i64> = fit.predict(&s.x).iter().map(|&l| l as i64).collect();
            let (ari, _) = score_toy(&mut report, name, s, &pred, ctx.seed);
            report.metric(&format!("{name}_heldout_nll"), -fit.score(&test));
            if matches!(*name, "blobs" | "anisotropic" | "eight_gaussians") {
                let (curve, best) = bic_curve(cfg, &train, ctx.seed)?;
                report.metric(&format!("{name}_bic_k"), best as f64);
                bic_series.push(Series::new(*name, curve));
            }
            write_toy(ctx, name, s, &pred)?;
            report.figure(scatter(
                ctx,
                &format!("toy_{name}"),
                Labels::new(
                    &format!("Gaussian mixture on {name} (k = {}, ARI {ari:.3})", s.k),
                    "x0",
                    "x1",
                ),
                &s.x,
                &pred,
            )?);
            bar.inc(1);
        }
        bar.finish();
        // Full against diagonal covariances on the sheared blobs.
        let aniso = &sets[1].1;
        let (train, test) = split(&aniso.x, cfg.holdout_fraction, ctx.seed);
        let diag = cfg.model(aniso.k, Covariance::Diag).fit(&train, ctx.seed)?;
        report.metric("anisotropic_heldout_nll_diag", -diag.score(&test));
        report.figure(ctx.plot(
            "bic",
            &Plot::Line {
                labels: Labels::new("BIC on the training split", "components k", "BIC"),
                series: bic_series,
                log_y: false,
            },
        )?);
        for set in ["blobs", "anisotropic", "eight_gaussians"] {
            let v = report.get(&format!("{set}_ari")).unwrap_or(f64::NAN);
            report.check(
                &format!("{set}_ari_check"),
                v,
                Goal::AtLeast(0.95),
                "planted Gaussian clusters (anisotropic: full covariances follow the shear)",
            );
        }
        for (set, k) in [("blobs", 3.0), ("eight_gaussians", 8.0)] {
            let v = report.get(&format!("{set}_bic_k")).unwrap_or(f64::NAN);
            report.check(
                &format!("{set}_bic_k_check"),
                v,
                Goal::Near { value: k, tol: 0.0 },
                "BIC = -2 ln L + p ln n selects the planted number of components",
            );
        }
        report.check(
            "em_min_loglik_step",
            worst_step,
            Goal::AtLeast(-1e-9),
            "EM never decreases the likelihood (Dempster, Laird & Rubin 1977)",
        );
        report.note(format!(
            "{} points per toy set, standardised; {:.0}% held out for the NLL (nats per point); \
             k = the true number of components; {:?} covariances.",
            cfg.toy_samples,
            100.0 * cfg.holdout_fraction,
            cfg.covariance
        ));
        Ok(report)
    }
}
