//! The `pca` task: principal components of a known Gaussian, of 8-D blobs, or of a user's CSV.
//!
//! Toy mode checks PCA against analytic truth: samples of `N(0, Sigma)` with
//! `Sigma = Q diag(lambda) Q^T` (random orthogonal `Q`, `lambda = 6, 3, 1.5, 0.75, 0.5, 0.25`)
//! must give explained variance ratios `lambda_j / sum lambda` and a leading axis along `Q e_1`.
//! It then projects 4 Gaussian blobs in 8 dimensions onto two components (the picture PCA is
//! used for). With `data = FILE.csv` it writes `components.csv` (the coordinates of every row
//! along the kept axes) and `axes.csv` (the axes themselves).

use crate::cluster_tasks::{load_data, scatter, write_csv, write_toy};
use crate::pca::Pca;
use crate::toy::blobs;
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// Eigenvalues of the analytic test covariance.
pub const TEST_SPECTRUM: [f64; 6] = [6.0, 3.0, 1.5, 0.75, 0.5, 0.25];

/// Configuration of [`PcaTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PcaConfig {
    /// CSV file with a header row (all columns numeric); empty for the built-in tests.
    pub data: String,
    /// Standardise every column of `data` first (PCA of the correlation matrix).
    pub standardize: bool,
    /// Components to keep for `data` (at most the number of columns).
    pub n_components: usize,
    /// Samples of the analytic Gaussian test.
    pub gaussian_samples: usize,
    /// Points of the 8-D blobs.
    pub toy_samples: usize,
}

impl Default for PcaConfig {
    fn default() -> Self {
        PcaConfig {
            data: String::new(),
            standardize: false,
            n_components: 2,
            gaussian_samples: 20_000,
            toy_samples: 1500,
        }
    }
}

impl TaskConfig for PcaConfig {
    fn quick() -> Self {
        PcaConfig {
            gaussian_samples: 5000,
            toy_samples: 600,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(self.n_components >= 1, "n_components", || {
            format!("must be at least 1, got {}", self.n_components)
        })?;
        ensure(self.gaussian_samples >= 100, "gaussian_samples", || {
            format!("must be at least 100, got {}", self.gaussian_samples)
        })?;
        ensure(
            (40..=200_000).contains(&self.toy_samples),
            "toy_samples",
            || format!("must be between 40 and 200000, got {}", self.toy_samples),
        )
    }
}

/// Random orthogonal `d x d` matrix (Gram-Schmidt on Gaussian columns).
fn random_rotation(d: usize, rng: &mut StdRng) -> Array2<f64> {
    let mut q = Array2::<f64>::from_shape_fn((d, d), |_| rng.sample(StandardNormal));
    for j in 0..d {
        for i in 0..j {
            let p = q.column(i).dot(&q.column(j));
            let ci = q.column(i).to_owned();
            q.column_mut(j).scaled_add(-p, &ci);
        }
        let norm = q.column(j).dot(&q.column(j)).sqrt();
        q.column_mut(j).mapv_inplace(|v| v / norm);
    }
    q
}

/// Principal component analysis task.
pub struct PcaTask;

impl Task for PcaTask {
    type Config = PcaConfig;

    fn name(&self) -> &'static str {
        "pca"
    }

    fn area(&self) -> Area {
        Area::Unsupervised
    }

    fn description(&self) -> &'static str {
        "PCA with explained variance ratios, checked on an analytic covariance; any CSV -> components.csv"
    }

    fn demonstrates(&self) -> &'static str {
        "Principal component analysis finds the directions of largest variance without labels: it recovers the eigenvalues and axes of a known covariance, and a two-component projection makes structure in eight dimensions visible."
    }

    fn run(&self, cfg: &PcaConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        if !cfg.data.is_empty() {
            let data = load_data(&cfg.data, cfg.standardize, 2)?;
            ctx.info(&format!("data: {}", data.source));
            let keep = cfg.n_components.min(data.x.ncols());
            let pca = Pca::fit(&data.x, data.x.ncols())?;
            let z = pca.transform(&data.x);
            let names: Vec<String> = (1..=keep).map(|j| format!("pc{j}")).collect();
            write_csv(
                ctx,
                "components.csv",
                &names,
                z.rows()
                    .into_iter()
                    .map(|r| r.iter().take(keep).map(|v| v.to_string()).collect()),
            )?;
            write_csv(
                ctx,
                "axes.csv",
                &data.headers,
                pca.components
                    .rows()
                    .into_iter()
                    .take(keep)
                    .map(|r| r.iter().map(|v| v.to_string()).collect()),
            )?;
            let r = &pca.explained_variance_ratio;
            for (j, v) in r.iter().enumerate().take(keep) {
                report.metric(&format!("explained_variance_ratio_{}", j + 1), *v);
            }
            report.metric(
                "cumulative_explained_variance",
                r.iter().take(keep).sum::<f64>(),
            );
            report.metric("rows", data.x.nrows() as f64);
            if z.ncols() >= 2 {
                report.figure(scatter(
                    ctx,
                    "projection",
                    Labels::new(
                        "rows on the first two principal components",
                        &format!("PC1 ({:.1}%)", 100.0 * r[0]),
                        &format!("PC2 ({:.1}%)", 100.0 * r[1]),
                    ),
                    &z,
                    &vec![0; z.nrows()],
                )?);
            }
            report.figure(scree(ctx, r)?);
            report.note(format!(
                "data: {}; components.csv: coordinates of every row on the first {keep} axes; axes.csv: the axes",
                data.source
            ));
            return Ok(report);
        }
        // 1. Analytic covariance.
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let d = TEST_SPECTRUM.len();
        let q = random_rotation(d, &mut rng);
        let scale = Array1::from_iter(TEST_SPECTRUM.iter().map(|l| l.sqrt()));
        let zs =
            Array2::<f64>::from_shape_fn((cfg.gaussian_samples, d), |_| rng.sample(StandardNormal));
        let x = (zs * &scale).dot(&q.t());
        let pca = Pca::fit(&x, d)?;
        let total: f64 = TEST_SPECTRUM.iter().sum();
        let err = TEST_SPECTRUM
            .iter()
            .zip(&pca.explained_variance_ratio)
            .map(|(l, r)| (l / total - r).abs())
            .fold(0.0, f64::max);
        let cos = pca.components.row(0).dot(&q.column(0)).abs();
        report.check(
            "gaussian_ratio_max_error",
            err,
            Goal::AtMost(0.02),
            "analytic ratios lambda_j / sum(lambda) of the sampled covariance",
        );
        report.check(
            "gaussian_pc1_alignment",
            cos,
            Goal::AtLeast(0.99),
            "|cos| between PC1 and the true leading axis Q e_1",
        );
        report.metric("gaussian_evr1", pca.explained_variance_ratio[0]);
        let truth = Series::new(
            "analytic",
            TEST_SPECTRUM
                .iter()
                .enumerate()
                .map(|(j, l)| ((j + 1) as f64, l / total))
                .collect(),
        );
        let found = Series::new(
            "PCA",
            pca.explained_variance_ratio
                .iter()
                .enumerate()
                .map(|(j, v)| ((j + 1) as f64, *v))
                .collect(),
        );
        report.figure(ctx.plot(
            "gaussian_spectrum",
            &Plot::Line {
                labels: Labels::new(
                    "explained variance ratio of a known covariance",
                    "component",
                    "ratio",
                ),
                series: vec![truth, found],
                log_y: true,
            },
        )?);
        // 2. Blobs in eight dimensions, seen on two components.
        let b = blobs(cfg.toy_samples, 8, 4, 1.5, ctx.seed.wrapping_add(7));
        let p = Pca::fit(&b.x, 2)?;
        let z = p.transform(&b.x);
        let r = &p.explained_variance_ratio;
        report.metric("blobs8_evr1", r[0]);
        report.metric("blobs8_evr2", r[1]);
        let truth: Vec<i64> = b.labels.iter().map(|&l| l as i64).collect();
        write_toy(ctx, "blobs8", &b, &truth)?;
        report.figure(scatter(
            ctx,
            "blobs8_projection",
            Labels::new(
                "4 blobs in 8-D on two principal components (colour = true blob)",
                &format!("PC1 ({:.1}%)", 100.0 * r[0]),
                &format!("PC2 ({:.1}%)", 100.0 * r[1]),
            ),
            &z,
            &truth,
        )?);
        report.note(format!(
            "analytic test: {} samples of N(0, Q diag({TEST_SPECTRUM:?}) Q^T); blobs: {} points, 4 centres in 8-D, std 1.5",
            cfg.gaussian_samples, cfg.toy_samples
        ));
        Ok(report)
    }
}

fn scree(ctx: &RunContext, ratio: &Array1<f64>) -> Result<ai4s_core::Figure> {
    let pts = ratio
        .iter()
        .enumerate()
        .map(|(j, v)| ((j + 1) as f64, *v))
        .collect();
    ctx.plot(
        "scree",
        &Plot::Line {
            labels: Labels::new("explained variance ratio", "component", "ratio"),
            series: vec![Series::new("ratio", pts)],
            log_y: false,
        },
    )
}
