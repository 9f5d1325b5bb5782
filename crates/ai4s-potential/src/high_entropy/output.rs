//! The `high-entropy` task's comparisons, table and figures.

use super::data::Dataset;
use super::fit::CrossValidation;
use super::mc::Anneal;
use ai4s_core::data::Split;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Error, Report, Result, RunContext};
use std::fmt::Write;

/// Unordered species pairs `(i, j)`, `i <= j`.
fn pairs(k: usize) -> Vec<(usize, usize)> {
    (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect()
}

/// Fraction of the (temperature, pair) entries with `|alpha_ref| >= threshold` where the two
/// runs' first-shell Warren-Cowley parameters have the same sign (1 when there are none).
pub(crate) fn sign_agreement(reference: &Anneal, other: &Anneal, threshold: f64) -> f64 {
    let (mut seen, mut agree) = (0usize, 0usize);
    for (r, o) in reference.points.iter().zip(&other.points) {
        for (i, j) in pairs(r.alpha.len()) {
            let (a, b) = (r.alpha[i][j], o.alpha[i][j]);
            if a.abs() >= threshold {
                seen += 1;
                agree += usize::from(a.signum() == b.signum());
            }
        }
    }
    if seen == 0 {
        1.0
    } else {
        agree as f64 / seen as f64
    }
}

/// Root-mean-square difference of the first-shell Warren-Cowley parameters over every
/// temperature and pair.
pub(crate) fn alpha_rms(reference: &Anneal, other: &Anneal) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for (r, o) in reference.points.iter().zip(&other.points) {
        for (i, j) in pairs(r.alpha.len()) {
            let d = r.alpha[i][j] - o.alpha[i][j];
            if d.is_finite() {
                s += d * d;
                n += 1;
            }
        }
    }
    (s / n.max(1) as f64).sqrt()
}

/// Writes `thermo.csv`: per model and temperature, energy, heat capacity, acceptance and the
/// first-shell Warren-Cowley parameters.
pub(crate) fn write_table(
    ctx: &RunContext,
    species: &[String],
    runs: &[(&str, &Anneal)],
) -> Result<()> {
    let k = species.len();
    let fmt_err = |e: std::fmt::Error| Error::Runtime(format!("formatting thermo.csv: {e}"));
    let mut s = String::from("model,temperature_k,energy_ev_per_atom,heat_capacity_kb,acceptance");
    for (i, j) in pairs(k) {
        write!(s, ",alpha_{}_{}", species[i], species[j]).map_err(fmt_err)?;
    }
    s.push('\n');
    for (name, run) in runs {
        for p in &run.points {
            write!(
                s,
                "{name},{:.2},{:.6},{:.4},{:.4}",
                p.t, p.energy, p.heat_capacity, p.acceptance
            )
            .map_err(fmt_err)?;
            for (i, j) in pairs(k) {
                write!(s, ",{:.4}", p.alpha[i][j]).map_err(fmt_err)?;
            }
            s.push('\n');
        }
    }
    ctx.write_file("thermo.csv", s.as_bytes())?;
    Ok(())
}

/// CV parity, heat capacity, SRO against temperature and the SRO matrix.
#[allow(clippy::too_many_arguments)]
pub(crate) fn figures(
    report: &mut Report,
    ctx: &RunContext,
    species: &[String],
    data: &Dataset,
    split: &Split,
    cv: &CrossValidation,
    runs: &[(&str, &Anneal)],
    [tc_ref, tc_ce]: [f64; 2],
) -> Result<()> {
    let k = species.len();
    let mean = split.train.iter().map(|&i| data.energy[i]).sum::<f64>() / split.train.len() as f64;
    report.figure(
        ctx.plot(
            "cv_parity",
            &Plot::Parity {
                labels: Labels::new(
                    &format!(
                        "Cluster expansion, out-of-fold predictions (CV RMSE {:.2} meV/atom)",
                        cv.rmse * 1e3
                    ),
                    "reference E/N - mean (meV/atom)",
                    "expansion E/N - mean (meV/atom)",
                ),
                reference: split
                    .train
                    .iter()
                    .map(|&i| 1e3 * (data.energy[i] - mean))
                    .collect(),
                predicted: cv.out_of_fold.iter().map(|v| 1e3 * (v - mean)).collect(),
            },
        )?,
    );
    let curve = |run: &Anneal,
                 f: &dyn Fn(&super::mc::TemperaturePoint) -> f64|
     -> Vec<(f64, f64)> { run.points.iter().map(|p| (p.t, f(p))).collect() };
    report.figure(
        ctx.plot(
            "heat_capacity",
            &Plot::Line {
                labels: Labels::new(
                    &format!(
                        "Heat capacity: peak {tc_ref:.0} K (reference), {tc_ce:.0} K (expansion)"
                    ),
                    "temperature (K)",
                    "C per atom (k_B)",
                ),
                series: runs
                    .iter()
                    .map(|(name, run)| Series::new(*name, curve(run, &|p| p.heat_capacity)))
                    .collect(),
                log_y: false,
            },
        )?,
    );
    // The two like and the two unlike pairs with the strongest order in the reference at the
    // lowest temperature.
    let (ref_run, ce_run) = (runs[0].1, runs[1].1);
    let cold = ref_run
        .points
        .last()
        .ok_or_else(|| Error::Runtime("Monte Carlo produced no temperatures".into()))?;
    let by_strength = |like: bool| {
        let mut p: Vec<(usize, usize)> = pairs(k)
            .into_iter()
            .filter(|(i, j)| (i == j) == like)
            .collect();
        p.sort_by(|a, b| {
            cold.alpha[b.0][b.1]
                .abs()
                .total_cmp(&cold.alpha[a.0][a.1].abs())
        });
        p.truncate(2);
        p
    };
    let strongest: Vec<(usize, usize)> = by_strength(true)
        .into_iter()
        .chain(by_strength(false))
        .collect();
    let mut series = Vec::new();
    for &(i, j) in &strongest {
        let name = format!("{}-{}", species[i], species[j]);
        series.push(Series::new(
            format!("{name} reference"),
            curve(ref_run, &|p| p.alpha[i][j]),
        ));
        series.push(Series::new(
            format!("{name} expansion"),
            curve(ce_run, &|p| p.alpha[i][j]),
        ));
    }
    report.figure(ctx.plot(
        "sro_vs_temperature",
        &Plot::Line {
            labels: Labels::new(
                "Warren-Cowley alpha_ij (1st shell): strongest like and unlike pairs",
                "temperature (K)",
                "alpha_ij",
            ),
            series,
            log_y: false,
        },
    )?);
    let ce_cold = ce_run
        .points
        .last()
        .ok_or_else(|| Error::Runtime("Monte Carlo produced no temperatures".into()))?;
    let values = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| {
                    if j >= i {
                        cold.alpha[i][j]
                    } else {
                        ce_cold.alpha[i][j]
                    }
                })
                .collect()
        })
        .collect();
    report.figure(ctx.plot(
        "sro_matrix",
        &Plot::Heatmap {
            labels: Labels::new(
                &format!(
                    "alpha_ij at {:.0} K: reference on/above diagonal, expansion below",
                    cold.t
                ),
                "species j",
                "species i",
            ),
            values,
            col_ticks: species.to_vec(),
            row_ticks: species.to_vec(),
            annotate: true,
        },
    )?);
    Ok(())
}
