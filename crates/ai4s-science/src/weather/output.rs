//! The weather task's figures and its per-lead skill table.

use super::forecast::Scores;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write;

/// A named forecaster and its scores.
pub(super) struct Skill<'a> {
    pub(super) key: &'a str,
    pub(super) label: &'a str,
    pub(super) scores: &'a Scores,
}

/// Writes `skill.csv`: RMSE and ACC per lead for every forecaster.
pub(super) fn write_table(ctx: &RunContext, skills: &[Skill<'_>], interval: f64) -> Result<()> {
    let mut s = String::from("lead_steps,lead_time");
    for k in skills {
        write!(s, ",{0}_rmse,{0}_acc", k.key).map_err(fmt_err)?;
    }
    s.push('\n');
    let leads = skills.first().map_or(0, |k| k.scores.rmse.len());
    for l in 0..leads {
        write!(s, "{},{}", l + 1, (l + 1) as f64 * interval).map_err(fmt_err)?;
        for k in skills {
            write!(s, ",{:.6},{:.6}", k.scores.rmse[l], k.scores.acc[l]).map_err(fmt_err)?;
        }
        s.push('\n');
    }
    ctx.write_file("skill.csv", s.as_bytes())?;
    Ok(())
}

fn fmt_err(e: std::fmt::Error) -> ai4s_core::Error {
    ai4s_core::Error::Runtime(format!("formatting skill.csv: {e}"))
}

/// RMSE and ACC against lead time.
pub(super) fn skill_figures(
    report: &mut Report,
    ctx: &RunContext,
    skills: &[Skill<'_>],
    interval: f64,
    clim_sd: f64,
    acc_threshold: f64,
) -> Result<()> {
    let curve = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(l, &y)| ((l + 1) as f64 * interval, y))
            .collect()
    };
    let leads = skills.first().map_or(0, |k| k.scores.rmse.len()) as f64 * interval;
    let mut rmse: Vec<Series> = skills
        .iter()
        .map(|k| Series::new(k.label, curve(&k.scores.rmse)))
        .collect();
    rmse.push(Series::new(
        "climatology (sd of the field)",
        vec![(interval, clim_sd), (leads, clim_sd)],
    ));
    report.figure(ctx.plot(
        "rmse_vs_lead",
        &Plot::Line {
            labels: Labels::new(
                "Forecast RMSE of vorticity on held-out trajectories",
                "lead time",
                "RMSE",
            ),
            series: rmse,
            log_y: false,
        },
    )?);
    let mut acc: Vec<Series> = skills
        .iter()
        .map(|k| Series::new(k.label, curve(&k.scores.acc)))
        .collect();
    acc.push(Series::new(
        "useful-forecast threshold",
        vec![(interval, acc_threshold), (leads, acc_threshold)],
    ));
    report.figure(ctx.plot(
        "acc_vs_lead",
        &Plot::Line {
            labels: Labels::new(
                "Anomaly correlation (vs training climatology) on held-out trajectories",
                "lead time",
                "ACC",
            ),
            series: acc,
            log_y: false,
        },
    )?);
    Ok(())
}

/// Truth, network and coarse-model fields at a few leads of one forecast, tiled into one heat
/// map (rows: truth, network, coarse model; columns: leads), separated by grey lines.
pub(super) fn mosaic_figure(
    report: &mut Report,
    ctx: &RunContext,
    n: usize,
    rows: &[(&str, Vec<&[f64]>)],
    leads: &[usize],
    interval: f64,
) -> Result<()> {
    let cols = leads.len();
    let height = rows.len() * (n + 1) - 1;
    let width = cols * (n + 1) - 1;
    let mut grid = vec![vec![f64::NAN; width]; height];
    for (r, (_, fields)) in rows.iter().enumerate() {
        for (c, field) in fields.iter().enumerate() {
            for iy in 0..n {
                for ix in 0..n {
                    // Row 0 of the heat map is drawn at the top: flip y.
                    grid[r * (n + 1) + (n - 1 - iy)][c * (n + 1) + ix] = field[iy * n + ix];
                }
            }
        }
    }
    let names: Vec<&str> = rows.iter().map(|(name, _)| *name).collect();
    let times: Vec<String> = leads
        .iter()
        .map(|&l| format!("{:.1}", l as f64 * interval))
        .collect();
    report.figure(ctx.plot(
        "forecast_vs_truth",
        &Plot::Heatmap {
            labels: Labels::new(
                &format!(
                    "Vorticity, rows: {}; lead times {}",
                    names.join(" / "),
                    times.join(", ")
                ),
                "x (grid cells)",
                "y (grid cells)",
            ),
            values: grid,
            col_ticks: Vec::new(),
            row_ticks: Vec::new(),
            annotate: false,
        },
    )?);
    Ok(())
}

/// The largest `|omega|` of the network's long rollout against the truth's largest.
pub(super) fn stability_figure(
    report: &mut Report,
    ctx: &RunContext,
    max_abs: &[f64],
    truth_max: f64,
    interval: f64,
    horizon: usize,
) -> Result<()> {
    let t_end = max_abs.len() as f64 * interval;
    report.figure(ctx.plot(
        "stability",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Free network rollout of {} steps ({}x the {horizon}-step horizon)",
                    max_abs.len(),
                    max_abs.len() / horizon.max(1)
                ),
                "time",
                "max |vorticity|",
            ),
            series: vec![
                Series::new(
                    "network rollout, max over held-out starts",
                    max_abs
                        .iter()
                        .enumerate()
                        .map(|(k, &m)| ((k + 1) as f64 * interval, m))
                        .collect(),
                ),
                Series::new(
                    "truth, max over held-out trajectories",
                    vec![(interval, truth_max), (t_end, truth_max)],
                ),
            ],
            log_y: false,
        },
    )?);
    Ok(())
}
