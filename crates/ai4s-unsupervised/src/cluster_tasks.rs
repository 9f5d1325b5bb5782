//! The `kmeans` and `dbscan` tasks, and what all classical tasks share: reading a user's CSV,
//! the toy benchmark sets, per-row output files and scatter figures.
//!
//! With `data` empty a task runs on the built-in 2-D toy sets ([`crate::toy::benchmark_sets`]),
//! standardised per column as in scikit-learn's clustering comparison, and scores the result
//! against the planted clusters (ARI, NMI) and internally (silhouette). Each set is also written
//! as `toy_<set>.csv` (coordinates, true cluster, our label) so that
//! `bench/compare/sklearn_cluster.py` can run scikit-learn on exactly the same points. With
//! `data = FILE.csv` (any numeric CSV with a header) the task clusters every row and writes
//! `labels.csv`, one row per input row.

use crate::dbscan::{Dbscan, NOISE};
use crate::kmeans::KMeans;
use crate::pca::Pca;
use crate::toy::{Labelled, benchmark_sets, standardize};
use ai4s_core::data::Table;
use ai4s_core::error::ensure;
use ai4s_core::metrics::{adjusted_rand_index, normalized_mutual_info, silhouette};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Error, Figure, Goal, Report, Result, RunContext, Task, TaskConfig};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// Most points drawn in one scatter figure (an evenly spaced subset of larger data).
const MAX_PLOT_POINTS: usize = 4000;

/// A user's data set.
pub(crate) struct UserData {
    /// Rows to cluster (standardised if asked).
    pub x: Array2<f64>,
    /// Column names.
    pub headers: Vec<String>,
    /// Description for notes.
    pub source: String,
}

/// Reads `path` as a numeric CSV with a header; needs at least `min_rows` rows.
pub(crate) fn load_data(path: &str, standardized: bool, min_rows: usize) -> Result<UserData> {
    let p = PathBuf::from(path);
    let table = Table::read_csv(&p)?;
    let n = table.values.nrows();
    if n < min_rows {
        return Err(Error::data(
            &p,
            None,
            format!("has {n} data rows; this task needs at least {min_rows}"),
        ));
    }
    let x = if standardized {
        standardize(&table.values)
    } else {
        table.values.clone()
    };
    Ok(UserData {
        source: format!(
            "{path} ({n} rows x {} columns: {}{})",
            table.headers.len(),
            table.headers.join(", "),
            if standardized { ", standardised" } else { "" }
        ),
        x,
        headers: table.headers,
    })
}

/// The toy sets, standardised.
pub(crate) fn toy_sets(n: usize, seed: u64) -> Vec<(&'static str, Labelled)> {
    benchmark_sets(n, seed)
        .into_iter()
        .map(|(name, mut s)| {
            s.x = standardize(&s.x);
            (name, s)
        })
        .collect()
}

/// Writes a CSV with `header` and the given rows into the run directory.
pub(crate) fn write_csv(
    ctx: &RunContext,
    name: &str,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<PathBuf> {
    let mut s = header.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    ctx.write_file(name, s.as_bytes())
}

/// Writes `toy_<set>.csv`: the standardised coordinates, the true cluster and our label.
pub(crate) fn write_toy(
    ctx: &RunContext,
    set: &str,
    s: &Labelled,
    pred: &[i64],
) -> Result<PathBuf> {
    let mut header: Vec<String> = (0..s.x.ncols()).map(|j| format!("x{j}")).collect();
    header.extend(["truth".into(), "label".into()]);
    let rows = s.x.rows().into_iter().enumerate().map(|(i, r)| {
        let mut v: Vec<String> = r.iter().map(|x| x.to_string()).collect();
        v.push(s.labels[i].to_string());
        v.push(pred[i].to_string());
        v
    });
    write_csv(ctx, &format!("toy_{set}.csv"), &header, rows)
}

/// Two coordinates to draw: the columns themselves for 1-D/2-D data, else the first two
/// principal components; with axis names.
pub(crate) fn plane(x: &Array2<f64>, headers: &[String]) -> Result<(Array2<f64>, String, String)> {
    match x.ncols() {
        0 => Err(Error::Runtime("no columns to plot".into())),
        1 => Ok((
            Array2::from_shape_fn(
                (x.nrows(), 2),
                |(i, j)| if j == 0 { x[[i, 0]] } else { 0.0 },
            ),
            headers.first().cloned().unwrap_or_else(|| "x0".into()),
            String::new(),
        )),
        2 => Ok((
            x.clone(),
            headers.first().cloned().unwrap_or_else(|| "x0".into()),
            headers.get(1).cloned().unwrap_or_else(|| "x1".into()),
        )),
        _ => {
            let p = Pca::fit(x, 2)?;
            let r = &p.explained_variance_ratio;
            Ok((
                p.transform(x),
                format!("PC1 ({:.1}% of variance)", 100.0 * r[0]),
                format!("PC2 ({:.1}% of variance)", 100.0 * r[1]),
            ))
        }
    }
}

/// Scatter of 2-D points, one colour per label (`-1` drawn as "noise").
pub(crate) fn scatter(
    ctx: &RunContext,
    stem: &str,
    labels: Labels,
    xy: &Array2<f64>,
    groups: &[i64],
) -> Result<Figure> {
    let stride = xy.nrows().div_ceil(MAX_PLOT_POINTS).max(1);
    let mut ids: Vec<i64> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let series = ids
        .iter()
        .map(|&g| {
            let pts = (0..xy.nrows())
                .step_by(stride)
                .filter(|&i| groups[i] == g)
                .map(|i| (xy[[i, 0]], xy[[i, 1]]))
                .collect();
            let name = if g == NOISE {
                "noise".to_string()
            } else {
                format!("cluster {g}")
            };
            Series::new(name, pts)
        })
        .collect();
    ctx.plot(stem, &Plot::Scatter { labels, series })
}

/// ARI, NMI and silhouette of `pred` on a toy set, reported as `<set>_<metric>`.
pub(crate) fn score_toy(
    report: &mut Report,
    set: &str,
    s: &Labelled,
    pred: &[i64],
    seed: u64,
) -> (f64, f64) {
    let ari = adjusted_rand_index(&s.labels, pred);
    let nmi = normalized_mutual_info(&s.labels, pred);
    report.metric(&format!("{set}_ari"), ari);
    report.metric(&format!("{set}_nmi"), nmi);
    if let Some(sil) = silhouette(&s.x, pred, 2000, seed) {
        report.metric(&format!("{set}_silhouette"), sil);
    }
    (ari, nmi)
}

fn to_i64(labels: &[usize]) -> Vec<i64> {
    labels.iter().map(|&l| l as i64).collect()
}

/// Configuration of [`KMeansTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KMeansConfig {
    /// CSV file with a header row (all columns numeric); empty for the built-in toy sets.
    pub data: String,
    /// Standardise every column of `data` to zero mean and unit variance first.
    pub standardize: bool,
    /// Number of clusters for `data` (the toy sets use their true number).
    pub k: usize,
    /// k-means++ restarts; the lowest inertia wins.
    pub n_init: usize,
    /// Lloyd iterations per restart.
    pub max_iter: usize,
    /// Relative tolerance on the squared centre shift (scikit-learn's `tol`).
    pub tol: f64,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Points per toy set.
    pub toy_samples: usize,
}

impl Default for KMeansConfig {
    fn default() -> Self {
        KMeansConfig {
            data: String::new(),
            standardize: false,
            k: 3,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            threads: 0,
            toy_samples: 1500,
        }
    }
}

impl KMeansConfig {
    fn model(&self, k: usize) -> KMeans {
        KMeans {
            k,
            n_init: self.n_init,
            max_iter: self.max_iter,
            tol: self.tol,
            threads: self.threads,
        }
    }
}

fn validate_toy_samples(n: usize) -> Result<()> {
    ensure((40..=200_000).contains(&n), "toy_samples", || {
        format!("must be between 40 and 200000, got {n}")
    })
}

impl TaskConfig for KMeansConfig {
    fn quick() -> Self {
        KMeansConfig {
            toy_samples: 600,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        self.model(self.k).validate("")?;
        validate_toy_samples(self.toy_samples)
    }
}

/// k-means clustering of the toy sets or a user's CSV.
pub struct KMeansTask;

impl Task for KMeansTask {
    type Config = KMeansConfig;

    fn name(&self) -> &'static str {
        "kmeans"
    }

    fn area(&self) -> Area {
        Area::Unsupervised
    }

    fn description(&self) -> &'static str {
        "k-means (k-means++, restarts) on toy sets or any CSV (--set data=FILE k=N); writes labels.csv"
    }

    fn demonstrates(&self) -> &'static str {
        "k-means finds compact, round clusters without labels: it recovers planted Gaussian blobs exactly, and fails where clusters are elongated, nested or curved (anisotropic blobs, circles, moons) - the reason for mixtures and density-based methods."
    }

    fn run(&self, cfg: &KMeansConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        if !cfg.data.is_empty() {
            let data = load_data(&cfg.data, cfg.standardize, 2)?;
            ctx.info(&format!("data: {}", data.source));
            let start = Instant::now();
            let fit = cfg.model(cfg.k).fit(&data.x, ctx.seed)?;
            let secs = start.elapsed().as_secs_f64();
            let labels = to_i64(&fit.labels);
            write_csv(
                ctx,
                "labels.csv",
                &["label".into()],
                labels.iter().map(|l| vec![l.to_string()]),
            )?;
            let centres = fit
                .centroids
                .rows()
                .into_iter()
                .map(|r| r.iter().map(|v| v.to_string()).collect());
            write_csv(ctx, "centroids.csv", &data.headers, centres)?;
            report.metric("rows", data.x.nrows() as f64);
            report.metric("inertia", fit.inertia);
            report.metric("n_iter", fit.n_iter as f64);
            report.metric("fit_seconds", secs);
            if let Some(s) = silhouette(&data.x, &labels, 2000, ctx.seed) {
                report.metric("silhouette", s);
            }
            let (xy, ax, ay) = plane(&data.x, &data.headers)?;
            report.figure(scatter(
                ctx,
                "clusters",
                Labels::new(&format!("k-means, k = {}", cfg.k), &ax, &ay),
                &xy,
                &labels,
            )?);
            report.note(format!(
                "data: {}; labels.csv has one label per input row, centroids.csv the centres; fit {secs:.3} s ({} restarts)",
                data.source, cfg.n_init
            ));
            return Ok(report);
        }
        let sets = toy_sets(cfg.toy_samples, ctx.seed);
        let mut bar = ctx.progress("kmeans", sets.len() as u64);
        for (name, s) in &sets {
            let fit = cfg.model(s.k).fit(&s.x, ctx.seed)?;
            let pred = to_i64(&fit.labels);
            let (ari, _) = score_toy(&mut report, name, s, &pred, ctx.seed);
            write_toy(ctx, name, s, &pred)?;
            report.figure(scatter(
                ctx,
                &format!("toy_{name}"),
                Labels::new(
                    &format!("k-means on {name} (k = {}, ARI {ari:.3})", s.k),
                    "x0",
                    "x1",
                ),
                &s.x,
                &pred,
            )?);
            bar.inc(1);
        }
        bar.finish();
        for set in ["blobs", "eight_gaussians"] {
            let v = report.get(&format!("{set}_ari")).unwrap_or(f64::NAN);
            report.check(
                &format!("{set}_ari_check"),
                v,
                Goal::AtLeast(0.95),
                "planted well-separated Gaussian clusters; scikit-learn KMeans recovers them (ARI ~1)",
            );
        }
        report.note(format!(
            "{} points per toy set, standardised; k = the true number of clusters; {} k-means++ restarts. \
             Compact round clusters are recovered; anisotropic, circles and moons are not k-means-shaped.",
            cfg.toy_samples, cfg.n_init
        ));
        Ok(report)
    }
}

/// DBSCAN radius used for each standardised toy set (chosen, like scikit-learn's comparison
/// example, per set: the sheared blobs are denser along their short axis).
pub const TOY_EPS: [(&str, f64); 5] = [
    ("blobs", 0.3),
    ("anisotropic", 0.15),
    ("moons", 0.3),
    ("circles", 0.3),
    ("eight_gaussians", 0.2),
];

/// Configuration of [`DbscanTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DbscanConfig {
    /// CSV file with a header row (all columns numeric); empty for the built-in toy sets.
    pub data: String,
    /// Standardise every column of `data` to zero mean and unit variance first.
    pub standardize: bool,
    /// Neighbourhood radius for `data` (the toy sets use [`TOY_EPS`]).
    pub eps: f64,
    /// Neighbours within `eps` (the point included) that make a core point.
    pub min_samples: usize,
    /// Points per toy set.
    pub toy_samples: usize,
}

impl Default for DbscanConfig {
    fn default() -> Self {
        DbscanConfig {
            data: String::new(),
            standardize: false,
            eps: 0.5,
            min_samples: 5,
            toy_samples: 1500,
        }
    }
}

impl TaskConfig for DbscanConfig {
    fn quick() -> Self {
        DbscanConfig {
            toy_samples: 600,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        Dbscan {
            eps: self.eps,
            min_samples: self.min_samples,
        }
        .validate("")?;
        validate_toy_samples(self.toy_samples)
    }
}

/// DBSCAN clustering of the toy sets or a user's CSV.
pub struct DbscanTask;

impl Task for DbscanTask {
    type Config = DbscanConfig;

    fn name(&self) -> &'static str {
        "dbscan"
    }

    fn area(&self) -> Area {
        Area::Unsupervised
    }

    fn description(&self) -> &'static str {
        "DBSCAN density clustering with noise on toy sets or any CSV (--set data=FILE eps=R); writes labels.csv"
    }

    fn demonstrates(&self) -> &'static str {
        "Density-based clustering needs no number of clusters and follows any shape: it separates the two moons and the nested circles that defeat k-means and Gaussian mixtures, and marks outliers as noise."
    }

    fn run(&self, cfg: &DbscanConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        if !cfg.data.is_empty() {
            let data = load_data(&cfg.data, cfg.standardize, 1)?;
            ctx.info(&format!("data: {}", data.source));
            let start = Instant::now();
            let fit = Dbscan {
                eps: cfg.eps,
                min_samples: cfg.min_samples,
            }
            .fit(&data.x)?;
            let secs = start.elapsed().as_secs_f64();
            write_csv(
                ctx,
                "labels.csv",
                &["label".into(), "core".into()],
                fit.labels
                    .iter()
                    .zip(&fit.core)
                    .map(|(l, c)| vec![l.to_string(), u8::from(*c).to_string()]),
            )?;
            let noise = fit.labels.iter().filter(|&&l| l == NOISE).count();
            report.metric("rows", data.x.nrows() as f64);
            report.metric("n_clusters", fit.n_clusters as f64);
            report.metric("noise_fraction", noise as f64 / data.x.nrows() as f64);
            report.metric("fit_seconds", secs);
            let (xy, ax, ay) = plane(&data.x, &data.headers)?;
            report.figure(scatter(
                ctx,
                "clusters",
                Labels::new(
                    &format!(
                        "DBSCAN, eps = {}, min_samples = {}",
                        cfg.eps, cfg.min_samples
                    ),
                    &ax,
                    &ay,
                ),
                &xy,
                &fit.labels,
            )?);
            report.note(format!(
                "data: {}; labels.csv has one row per input row (label -1 = noise, core = 1 for core points)",
                data.source
            ));
            return Ok(report);
        }
        let sets = toy_sets(cfg.toy_samples, ctx.seed);
        let mut params = String::from("set,eps,min_samples\n");
        let mut bar = ctx.progress("dbscan", sets.len() as u64);
        for (name, s) in &sets {
            let eps = TOY_EPS
                .iter()
                .find(|(n, _)| n == name)
                .map_or(cfg.eps, |e| e.1);
            let _ = writeln!(params, "{name},{eps},{}", cfg.min_samples);
            let fit = Dbscan {
                eps,
                min_samples: cfg.min_samples,
            }
            .fit(&s.x)?;
            let (ari, _) = score_toy(&mut report, name, s, &fit.labels, ctx.seed);
            let noise = fit.labels.iter().filter(|&&l| l == NOISE).count();
            report.metric(&format!("{name}_clusters"), fit.n_clusters as f64);
            report.metric(
                &format!("{name}_noise_fraction"),
                noise as f64 / s.x.nrows() as f64,
            );
            write_toy(ctx, name, s, &fit.labels)?;
            report.figure(scatter(
                ctx,
                &format!("toy_{name}"),
                Labels::new(
                    &format!("DBSCAN on {name} (eps {eps}, ARI {ari:.3})"),
                    "x0",
                    "x1",
                ),
                &s.x,
                &fit.labels,
            )?);
            bar.inc(1);
        }
        bar.finish();
        ctx.write_file("toy_params.csv", params.as_bytes())?;
        for set in ["moons", "circles"] {
            let v = report.get(&format!("{set}_ari")).unwrap_or(f64::NAN);
            report.check(
                &format!("{set}_ari_check"),
                v,
                Goal::AtLeast(0.95),
                "non-convex clusters DBSCAN separates (scikit-learn clustering comparison example)",
            );
        }
        report.note(format!(
            "{} points per toy set, standardised; eps per set from TOY_EPS (written to toy_params.csv), min_samples {}",
            cfg.toy_samples, cfg.min_samples
        ));
        Ok(report)
    }
}
