//! Figures of how fit time grows with the size of a problem (rows, clusters, features), ai4s
//! next to a peer, from the table `bench/compare/sklearn_cluster.py scaling` writes (the peer
//! runs in Python, the figures are drawn here so that every figure of the project comes from
//! `ai4s_core::plot`).
//!
//! The table has the header `figure,title,x_label,series,x,seconds,runs`: one row per measured
//! size `x` (rows `n`, clusters `k` or features `d`, named by `x_label`, the same for every row
//! of a figure), `seconds` the median of `runs` (repetitions separated by `;`). Each `figure`
//! becomes `cluster_scaling_<figure>.svg` and `.png`, one line per `series` on log-log axes; the
//! least-squares slope `b` of `log t = a + b log x`, printed per series, is the empirical order
//! of growth (`t ~ x^b`).

use ai4s::core::metrics::loglog_slope;
use ai4s::core::plot::{Labels, Plot, Series, render};
use ai4s::core::{Error, Result};
use std::path::Path;

/// Header of the scaling table.
const HEADER: &str = "figure,title,x_label,series,x,seconds,runs";

/// One figure: title, x-axis label and series (in order of first appearance) of `(x, seconds)`
/// points.
struct Figure {
    key: String,
    title: String,
    x_label: String,
    series: Vec<(String, Vec<(f64, f64)>)>,
}

/// Reads the scaling table at `csv`.
fn read(csv: &Path) -> Result<Vec<Figure>> {
    let text = ai4s::core::io::read_to_string(csv)?;
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, h)| h.trim()).unwrap_or_default();
    if header != HEADER {
        return Err(Error::data(
            csv,
            Some(1),
            format!("header is `{header}`, expected `{HEADER}`"),
        ));
    }
    let mut figures: Vec<Figure> = Vec::new();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |what: &str| Error::data(csv, Some(i + 1), what.to_string());
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [key, title, x_label, series, n, seconds, _runs] = cols[..] else {
            return Err(bad(&format!("has {} fields, expected 7", cols.len())));
        };
        let n: f64 = n
            .parse()
            .map_err(|_| bad(&format!("`x` is `{n}`, not a number")))?;
        let t: f64 = seconds
            .parse()
            .map_err(|_| bad(&format!("`seconds` is `{seconds}`, not a number")))?;
        if !(n.is_finite() && t.is_finite()) || n <= 0.0 || t <= 0.0 {
            return Err(bad("`x` and `seconds` must be positive"));
        }
        let fig = match figures.iter().position(|f| f.key == key) {
            Some(p) => &mut figures[p],
            None => {
                figures.push(Figure {
                    key: key.into(),
                    title: title.into(),
                    x_label: x_label.into(),
                    series: Vec::new(),
                });
                figures.last_mut().ok_or_else(|| bad("no figure"))?
            }
        };
        if fig.x_label != x_label {
            return Err(bad(&format!(
                "`x_label` is `{x_label}`, but figure `{key}` started with `{}`",
                fig.x_label
            )));
        }
        match fig.series.iter_mut().find(|s| s.0 == series) {
            Some(s) => s.1.push((n, t)),
            None => fig.series.push((series.into(), vec![(n, t)])),
        }
    }
    Ok(figures)
}

/// Draws every figure of the table at `csv` into `out` and prints each series' slope.
pub fn plot(csv: &Path, out: &Path) -> Result<()> {
    let figures = read(csv)?;
    if figures.is_empty() {
        return Err(Error::data(csv, None, "has no rows to draw"));
    }
    ai4s::core::io::create_dir(out)?;
    for f in figures {
        for (name, pts) in &f.series {
            match loglog_slope(pts) {
                Some((s, _)) => println!(
                    "{:<10} {name:<28} slope {s:.2} vs {} ({} sizes)",
                    f.key,
                    f.x_label,
                    pts.len()
                ),
                None => println!("{:<10} {name:<28} slope - (too few sizes)", f.key),
            }
        }
        let plot = Plot::LogLog {
            labels: Labels::new(&f.title, &f.x_label, "fit time (s)"),
            series: f
                .series
                .into_iter()
                .map(|(name, pts)| Series::new(name, pts))
                .collect(),
        };
        let fig = render(&out.join(format!("cluster_scaling_{}", f.key)), &plot)?;
        println!("wrote {}", out.join(fig.png).display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_to_figures_and_bad_rows_name_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let csv = dir.path().join("s.csv");
        let rows = "figure,title,x_label,series,x,seconds,runs\n\
                    km,k-means,rows n,ai4s,1000,0.01,0.01;0.011\n\
                    km,k-means,rows n,ai4s,10000,0.1,0.1\n\
                    km,k-means,rows n,peer,1000,0.02,0.02\n";
        std::fs::write(&csv, rows).expect("write");
        plot(&csv, dir.path()).expect("plot");
        assert!(dir.path().join("cluster_scaling_km.png").exists());
        assert!(dir.path().join("cluster_scaling_km.svg").exists());
        std::fs::write(&csv, format!("{rows}km,k-means,rows n,ai4s,ten,0.1,0.1\n")).expect("write");
        let e = plot(&csv, dir.path()).expect_err("bad x");
        assert!(
            e.to_string().contains("line 5") && e.to_string().contains("`x`"),
            "{e}"
        );
        std::fs::write(
            &csv,
            format!("{rows}km,k-means,clusters k,ai4s,8,0.1,0.1\n"),
        )
        .expect("write");
        let e = plot(&csv, dir.path()).expect_err("mixed x labels");
        assert!(
            e.to_string().contains("line 5") && e.to_string().contains("x_label"),
            "{e}"
        );
        std::fs::write(&csv, "figure,title,series,n,seconds,runs\n").expect("write");
        let e = plot(&csv, dir.path()).expect_err("old header");
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
