//! The lensing task's table of test scores and its figures.

use super::config::LensingConfig;
use super::ringfinder::RingResult;
use super::simulate::{Cutout, Scene};
use super::{Scores, auc_where, pick};
use ai4s_core::metrics::roc;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write as _;

/// `test_scores.csv`: one row per held-out cutout.
pub(super) fn write_scores(ctx: &RunContext, test: &[Cutout], s: &Scores) -> Result<()> {
    let mut csv = String::from(
        "index,lens,theta_e_arcsec,snr,lens_snr,cnn_probability,cnn_theta_e_arcsec,ring_score,ring_radius_arcsec,fit_theta_e_arcsec\n",
    );
    for (i, c) in test.iter().enumerate() {
        let fit = s.fit_theta[i].map_or(String::new(), |v| format!("{v:.4}"));
        let _ = writeln!(
            csv,
            "{i},{},{:.4},{:.3},{:.2},{:.6},{:.4},{:.4},{:.3},{fit}",
            u8::from(c.scene.is_lens()),
            c.scene.theta_e(),
            c.scene.snr,
            c.scene.lens_snr,
            s.cnn[i],
            s.cnn_theta[i],
            s.ring[i],
            s.ring_radius[i],
        );
    }
    ctx.write_file("test_scores.csv", csv.as_bytes())?;
    Ok(())
}

/// Tiles of `n x n` images side by side in rows, one grey (non-finite) pixel between tiles.
fn mosaic(rows: &[Vec<Vec<f64>>], n: usize) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for (r, tiles) in rows.iter().enumerate() {
        if r > 0 {
            out.push(vec![f64::NAN; tiles.len() * (n + 1) - 1]);
        }
        for y in 0..n {
            let mut line = Vec::with_capacity(tiles.len() * (n + 1));
            for (t, img) in tiles.iter().enumerate() {
                if t > 0 {
                    line.push(f64::NAN);
                }
                line.extend_from_slice(&img[y * n..(y + 1) * n]);
            }
            out.push(line);
        }
    }
    out
}

/// Index of the cutout satisfying `keep` whose SNR is closest to `target`.
fn nearest(test: &[Cutout], keep: &dyn Fn(&Scene) -> bool, target: f64) -> Option<usize> {
    (0..test.len())
        .filter(|&i| keep(&test[i].scene))
        .min_by(|&a, &b| {
            let d = |i: usize| (test[i].scene.snr.ln() - target.ln()).abs();
            d(a).total_cmp(&d(b))
        })
}

/// ROC, AUC vs SNR and Einstein radius, the Einstein-radius parity plot, and image mosaics.
pub(super) fn figures(
    report: &mut Report,
    ctx: &RunContext,
    cfg: &LensingConfig,
    test: &[Cutout],
    s: &Scores,
    rings: &[RingResult],
) -> Result<()> {
    let methods: [(&str, &[f64]); 2] = [
        ("CNN", &s.cnn),
        ("light subtraction + ring filter", &s.ring),
    ];
    let mut roc_series = Vec::new();
    for (label, sc) in methods {
        let (pos, neg) = (pick(sc, test, true), pick(sc, test, false));
        roc_series.push(Series::new(label, roc(&pos, &neg)));
    }
    roc_series.push(Series::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]));
    report.figure(ctx.plot(
        "roc",
        &Plot::Line {
            labels: Labels::new(
                "ROC on held-out cutouts",
                "false positive rate",
                "true positive rate",
            ),
            series: roc_series,
            log_y: false,
        },
    )?);
    let binned = |edges: &[f64], value: &dyn Fn(&Scene) -> f64, geometric: bool| {
        methods
            .iter()
            .map(|(label, sc)| {
                let pts = edges
                    .windows(2)
                    .map(|w| {
                        let keep = |sc: &Scene| value(sc) >= w[0] && value(sc) < w[1];
                        let centre = if geometric {
                            (w[0] * w[1]).sqrt()
                        } else {
                            0.5 * (w[0] + w[1])
                        };
                        (centre, auc_where(sc, test, &keep))
                    })
                    .filter(|p| p.1.is_finite())
                    .collect();
                Series::new(*label, pts)
            })
            .chain(std::iter::once(Series::new(
                "chance",
                vec![(edges[0], 0.5), (edges[edges.len() - 1], 0.5)],
            )))
            .collect::<Vec<_>>()
    };
    report.figure(ctx.plot(
        "auc_vs_snr",
        &Plot::Line {
            labels: Labels::new(
                "AUC per SNR bin (lenses of the bin against all non-lenses)",
                "matched-filter SNR of the arcs (bin centre)",
                "AUC",
            ),
            series: binned(&cfg.snr_bins, &|sc: &Scene| sc.snr, true),
            log_y: false,
        },
    )?);
    report.figure(ctx.plot(
        "auc_vs_theta_e",
        &Plot::Line {
            labels: Labels::new(
                "AUC per Einstein-radius bin (lenses of the bin against all non-lenses)",
                "Einstein radius, arcsec (bin centre)",
                "AUC",
            ),
            series: binned(&cfg.theta_e_bins, &|sc: &Scene| sc.theta_e(), false),
            log_y: false,
        },
    )?);

    // Einstein radius: CNN on every test lens, the parametric fit on its subset.
    let lens_rows: Vec<usize> = (0..test.len())
        .filter(|&i| test[i].scene.is_lens())
        .collect();
    let cnn_pts = lens_rows
        .iter()
        .map(|&i| (test[i].scene.theta_e(), s.cnn_theta[i]))
        .collect();
    let fit_pts = lens_rows
        .iter()
        .filter_map(|&i| s.fit_theta[i].map(|f| (test[i].scene.theta_e(), f)))
        .collect();
    let [lo, hi] = cfg.theta_e_arcsec;
    let diag = (0..=50)
        .map(|k| {
            let v = lo + (hi - lo) * k as f64 / 50.0;
            (v, v)
        })
        .collect();
    report.figure(ctx.plot(
        "theta_e_parity",
        &Plot::Scatter {
            labels: Labels::new(
                "Einstein radius of held-out lenses",
                "true theta_E (arcsec)",
                "estimated theta_E (arcsec)",
            ),
            series: vec![
                Series::new("CNN", cnn_pts),
                Series::new("parametric SIE fit", fit_pts),
                Series::new("y = x", diag),
            ],
        },
    )?);

    // Mosaic: four lenses and four non-lenses with companions across the SNR range.
    let n = cfg.image_size;
    let targets = [15.0, 30.0, 50.0, 80.0].map(|t: f64| t.clamp(cfg.snr[0], cfg.snr[1]));
    let lens_pick: Vec<usize> = targets
        .iter()
        .filter_map(|&t| nearest(test, &|sc: &Scene| sc.is_lens(), t))
        .collect();
    let neg_pick: Vec<usize> = targets
        .iter()
        .filter_map(|&t| nearest(test, &|sc: &Scene| !sc.is_lens() && sc.source.is_some(), t))
        .collect();
    let stretch = |v: &[f32]| -> Vec<f64> {
        v.iter()
            .map(|&v| (f64::from(v) / cfg.stretch).asinh())
            .collect()
    };
    let view = |i: usize| stretch(&test[i].image);
    let describe = |rows: &[usize]| -> String {
        rows.iter()
            .map(|&i| format!("{:.2}/{:.0}", s.cnn[i], test[i].scene.snr))
            .collect::<Vec<_>>()
            .join("  ")
    };
    report.figure(ctx.plot(
        "mosaic",
        &Plot::Heatmap {
            labels: Labels::new(
                "Held-out cutouts, asinh stretch: lenses (top), non-lenses (bottom)",
                &format!(
                    "CNN P(lens)/SNR: top {}; bottom {}",
                    describe(&lens_pick),
                    describe(&neg_pick)
                ),
                "pixel",
            ),
            values: mosaic(
                &[
                    lens_pick.iter().map(|&i| view(i)).collect(),
                    neg_pick.iter().map(|&i| view(i)).collect(),
                ],
                n,
            ),
            col_ticks: Vec::new(),
            row_ticks: Vec::new(),
            annotate: false,
        },
    )?);
    // One lens: the data, the ring finder's residual, and the true arcs.
    if let Some(&i) = lens_pick.get(2) {
        let residual: Vec<f32> = rings[i].residual.iter().map(|&v| v as f32).collect();
        report.figure(ctx.plot(
            "example_lens",
            &Plot::Heatmap {
                labels: Labels::new(
                    &format!(
                        "Lens, theta_E {:.2}\", SNR {:.0}: data | residual | true arcs",
                        test[i].scene.theta_e(),
                        test[i].scene.snr
                    ),
                    &format!(
                        "CNN P(lens) {:.2}, theta_E {:.2}\"; ring score {:.2} at {:.2}\"",
                        s.cnn[i], s.cnn_theta[i], s.ring[i], s.ring_radius[i]
                    ),
                    "pixel",
                ),
                values: mosaic(
                    &[vec![
                        stretch(&test[i].image),
                        stretch(&residual),
                        stretch(&test[i].source_light),
                    ]],
                    n,
                ),
                col_ticks: Vec::new(),
                row_ticks: Vec::new(),
                annotate: false,
            },
        )?);
    }
    Ok(())
}
