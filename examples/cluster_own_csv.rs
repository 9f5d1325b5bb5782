//! Finding groups in your own table: k-means clusters, a PCA map, and a score when the truth is
//! known.
//!
//! The story: a CSV of measurements (one sample per row, numeric columns, a header) may hide
//! groups. We standardise every column, let k-means (k-means++ seeding, restarts) find `k`
//! groups, and draw the samples on their first two principal components coloured by cluster.
//! If the table carries a `label` column with the known class of each row (or another column
//! named by `--label`), it is held out of the clustering and used only to score it with the
//! adjusted Rand index (1 = the known grouping exactly, 0 = chance).
//!
//! Without `--data` we write a toy table first: four well-separated Gaussian blobs in five
//! dimensions, with their labels, so the clustering should recover them (ARI near 1).
//!
//! Run: `cargo run --release --example cluster_own_csv -- [--quick] [--out DIR]
//! [--data FILE.csv] [--label COLUMN] [--k K]`

use ai4s::core::data::Table;
use ai4s::core::datasets::read_labelled;
use ai4s::core::metrics::adjusted_rand_index;
use ai4s::core::plot::{Labels, Plot, Series, render};
use ai4s::core::{Error, Result, io};
use ai4s::unsupervised::kmeans::KMeans;
use ai4s::unsupervised::pca::Pca;
use ai4s::unsupervised::toy::{separated_blobs, standardize};
use std::path::Path;

/// What the story measured.
#[derive(Debug)]
pub struct ClusterStory {
    /// Rows clustered.
    pub rows: usize,
    /// Clusters asked for.
    pub k: usize,
    /// Adjusted Rand index against the label column, when the table has one.
    pub ari: Option<f64>,
    /// Fraction of the variance along the first two principal components (0 if absent).
    pub explained: Vec<f64>,
}

/// Writes the toy table: `rows` points of four blobs (std 1, centres >= 8 apart) in 5-D.
pub fn write_toy_csv(path: &Path, rows: usize) -> Result<()> {
    let blobs = separated_blobs(rows, 5, 4, 1.0, 8.0, 42);
    let mut text = String::from("x0,x1,x2,x3,x4,label\n");
    for (row, label) in blobs.x.rows().into_iter().zip(&blobs.labels) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.5}")).collect();
        text.push_str(&format!("{},{label}\n", cells.join(",")));
    }
    io::write_atomic(path, text.as_bytes())
}

/// Clusters the rows of `csv` into `k` groups (default: the number of known classes, else 3),
/// scoring against column `label` if the table has it; writes `labels.csv` and the figure
/// `clusters_pca.{svg,png}` into `out`.
pub fn cluster_csv(csv: &Path, label: &str, k: Option<usize>, out: &Path) -> Result<ClusterStory> {
    io::create_dir(out)?;
    // 1. Read the table; a label column, if present, is kept apart from the features.
    let table = Table::read_csv(csv)?;
    let (x, truth) = if table.headers.iter().any(|h| h == label) {
        let labelled = read_labelled(&csv.to_string_lossy(), label)?;
        (labelled.x, Some(labelled.y))
    } else {
        (table.values, None)
    };
    // 2. Columns in different units weigh the same after standardisation.
    let x = standardize(&x);
    let classes = truth.as_ref().map(|t| t.iter().max().map_or(1, |m| m + 1));
    let k = k.or(classes).unwrap_or(3);
    let fit = KMeans {
        k,
        ..Default::default()
    }
    .fit(&x, 42)?;
    let ari = truth.as_ref().map(|t| adjusted_rand_index(t, &fit.labels));

    // 3. A map of the samples: the plane of the two directions of largest variance.
    let pca = Pca::fit(&x, 2)?;
    let plane = pca.transform(&x);
    // (A one-column table has one component: it is drawn on a line.)
    let xy = |i: usize| (plane[[i, 0]], plane.get([i, 1]).copied().unwrap_or(0.0));
    let series = (0..k)
        .map(|c| {
            let members = (0..x.nrows()).filter(|&i| fit.labels[i] == c);
            Series::new(format!("cluster {c}"), members.map(xy).collect())
        })
        .collect();
    let mut explained = pca.explained_variance_ratio.to_vec();
    explained.resize(2, 0.0);
    let pc = |j: usize| format!("PC{} ({:.1} % of variance)", j + 1, 100.0 * explained[j]);
    let labels = Labels::new("k-means clusters, principal plane", &pc(0), &pc(1));
    render(&out.join("clusters_pca"), &Plot::Scatter { labels, series })?;
    let rows: String = fit.labels.iter().map(|c| format!("{c}\n")).collect();
    io::write_atomic(
        &out.join("labels.csv"),
        format!("cluster\n{rows}").as_bytes(),
    )?;
    let rows = x.nrows();
    Ok(ClusterStory {
        rows,
        k,
        ari,
        explained,
    })
}

/// The story on the toy table (600 rows in quick mode, 6000 otherwise) written into `out`.
pub fn run(quick: bool, out: &Path) -> Result<ClusterStory> {
    io::create_dir(out)?;
    let csv = out.join("blobs.csv");
    write_toy_csv(&csv, if quick { 600 } else { 6000 })?;
    cluster_csv(&csv, "label", None, out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.windows(2)
            .find(|w| w[0] == flag)
            .map(|w| w[1].as_str())
    };
    let out = Path::new(value("--out").unwrap_or("runs/cluster_own_csv"));
    let k = value("--k").map(str::parse::<usize>).transpose();
    let k = k.map_err(|e| Error::config("--k", format!("expected a number of clusters: {e}")));
    let label = value("--label").unwrap_or("label");
    let result = k.and_then(|k| match value("--data") {
        Some(csv) => cluster_csv(Path::new(csv), label, k, out),
        None => run(args.iter().any(|a| a == "--quick"), out),
    });
    let s = result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code())
    });
    let ari = s
        .ari
        .map_or("- (no label column)".into(), |a| format!("{a:.4}"));
    let pc12 = 100.0 * (s.explained[0] + s.explained[1]);
    println!(
        "{} rows, k = {}: ARI {ari}; PC1 + PC2 explain {pc12:.1} %",
        s.rows, s.k
    );
    println!("figure and labels.csv in {}", out.display());
}
