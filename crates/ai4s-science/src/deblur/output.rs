//! The deblurring task's tables and figures.

use super::config::DeblurConfig;
use super::quality::Scores;
use super::simulate::Observation;
use super::{LevelStats, METHODS};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write as _;

/// `test_scores.csv` (one row per held-out image and method) and `tuning.csv` (validation
/// PSNR of every Wiener `lambda` and Richardson-Lucy iteration count per noise level).
pub(super) fn write_tables(
    ctx: &RunContext,
    cfg: &DeblurConfig,
    test: &[Observation],
    scores: &[[Scores; 4]],
    grid: &[f64],
    tuning: &[(Vec<f64>, Vec<f64>)],
) -> Result<()> {
    let mut csv = String::from(
        "index,peak_snr,method,psnr_db,ssim,total_flux_error_pct,aperture_flux_error_pct,star_flux_pct\n",
    );
    for (i, (o, s)) in test.iter().zip(scores).enumerate() {
        for (m, sc) in METHODS.iter().zip(s) {
            let star = sc.star_error().map_or(String::new(), |e| format!("{e:.4}"));
            let _ = writeln!(
                csv,
                "{i},{},{m},{:.4},{:.5},{:.4},{:.4},{star}",
                cfg.peak_snr[o.level], sc.psnr, sc.ssim, sc.flux, sc.aperture
            );
        }
    }
    ctx.write_file("test_scores.csv", csv.as_bytes())?;
    let mut csv = String::from("peak_snr,method,parameter,val_psnr_db\n");
    for (snr, (w, rl)) in cfg.peak_snr.iter().zip(tuning) {
        for (l, p) in grid.iter().zip(w) {
            let _ = writeln!(csv, "{snr},wiener_lambda,{l:.4e},{p:.4}");
        }
        for (k, p) in rl.iter().enumerate() {
            let _ = writeln!(csv, "{snr},rl_iterations,{},{p:.4}", k + 1);
        }
    }
    ctx.write_file("tuning.csv", csv.as_bytes())?;
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

/// Softening of the asinh stretch of the image figure (in units of the truth's peak).
const STRETCH: f64 = 0.03;

/// Before/after images, and PSNR and SSIM against the noise level.
pub(super) fn figures(
    report: &mut Report,
    ctx: &RunContext,
    cfg: &DeblurConfig,
    test: &[Observation],
    outputs: &[Vec<Vec<f64>>; 4],
    table: &[[LevelStats; 4]],
) -> Result<()> {
    let n = cfg.image_size;
    let view = |img: &[f64]| -> Vec<f64> {
        img.iter()
            .map(|v| (v / STRETCH).asinh() / (1.0 / STRETCH).asinh())
            .collect()
    };
    let mut rows = Vec::new();
    let mut snrs = Vec::new();
    for l in 0..cfg.peak_snr.len() {
        let picks = (0..test.len())
            .filter(|&i| test[i].level == l)
            .take(cfg.figure_images);
        for i in picks {
            let mut tiles = vec![view(&test[i].truth)];
            tiles.extend(outputs.iter().map(|o| view(&o[i])));
            rows.push(tiles);
            snrs.push(format!("{}", cfg.peak_snr[l]));
        }
    }
    report.figure(ctx.plot(
        "restorations",
        &Plot::Heatmap {
            labels: Labels::new(
                "Truth | observed | Wiener | Richardson-Lucy | U-Net",
                &format!(
                    "held-out images, asinh stretch; rows: peak SNR {}",
                    snrs.join(", ")
                ),
                "pixel",
            ),
            values: mosaic(&rows, n),
            col_ticks: Vec::new(),
            row_ticks: Vec::new(),
            annotate: false,
        },
    )?);
    let names = ["observed", "Wiener", "Richardson-Lucy", "U-Net"];
    let curve = |f: fn(&LevelStats) -> Option<f64>| -> Vec<Series> {
        names
            .iter()
            .enumerate()
            .map(|(m, name)| {
                let pts = cfg
                    .peak_snr
                    .iter()
                    .zip(table)
                    .filter_map(|(s, p)| f(&p[m]).map(|v| (s.log10(), v)))
                    .collect();
                Series::new(*name, pts)
            })
            .collect()
    };
    report.figure(ctx.plot(
        "psnr_vs_noise",
        &Plot::Line {
            labels: Labels::new(
                "Mean PSNR of held-out images against the noise level",
                "log10 peak SNR of the blurred image",
                "PSNR (dB, peak 1)",
            ),
            series: curve(|s| Some(s.psnr)),
            log_y: false,
        },
    )?);
    report.figure(ctx.plot(
        "ssim_vs_noise",
        &Plot::Line {
            labels: Labels::new(
                "Mean SSIM of held-out images against the noise level",
                "log10 peak SNR of the blurred image",
                "SSIM (7x7 windows)",
            ),
            series: curve(|s| Some(s.ssim)),
            log_y: false,
        },
    )?);
    report.figure(ctx.plot(
        "aperture_flux_vs_noise",
        &Plot::Line {
            labels: Labels::new(
                "Mean aperture flux error of held-out images against the noise level",
                "log10 peak SNR of the blurred image",
                "aperture flux error (%)",
            ),
            series: curve(|s| Some(s.aperture_bias)),
            log_y: false,
        },
    )?);
    if table.iter().any(|p| p[0].star_bias.is_some()) {
        report.figure(ctx.plot(
            "star_flux_vs_noise",
            &Plot::Line {
                labels: Labels::new(
                    "Flux error of the stars (apertures of radius FWHM, pooled per level)",
                    "log10 peak SNR of the blurred image",
                    "star flux error (%)",
                ),
                series: curve(|s| s.star_bias),
                log_y: false,
            },
        )?);
    }
    Ok(())
}
