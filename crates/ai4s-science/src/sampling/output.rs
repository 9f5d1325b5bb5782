//! Figures of the enhanced-sampling task: the free-energy maps, error against simulated time,
//! basins visited against simulated time, and where RiD measured its mean forces.

use super::baselines::{MetadOutcome, UnbiasedOutcome};
use super::config::SamplingConfig;
use super::rid::RidOutcome;
use super::surface::Reference;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};

/// `values` shifted onto the exact surface (mean difference over the region removed), with
/// cells outside the region blanked, as heat-map rows.
fn map_rows(reference: &Reference, values: &[f64]) -> Vec<Vec<f64>> {
    let (sum, n) = values
        .iter()
        .zip(&reference.exact)
        .zip(&reference.mask)
        .filter(|(_, m)| **m)
        .fold((0.0, 0usize), |(s, n), ((v, e), _)| (s + e - v, n + 1));
    let c = sum / n.max(1) as f64;
    let shown: Vec<f64> = values
        .iter()
        .zip(&reference.mask)
        .map(|(v, m)| if *m { v + c } else { f64::NAN })
        .collect();
    reference.grid.rows_top_down(&shown)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn figures(
    report: &mut Report,
    ctx: &RunContext,
    cfg: &SamplingConfig,
    reference: &Reference,
    rid: &RidOutcome,
    metad: &MetadOutcome,
    unbiased: &UnbiasedOutcome,
    rid_curve: &[(f64, f64)],
) -> Result<()> {
    let g = reference.grid;
    let axes = (
        format!("x cell ({} cells over [{}, {}])", g.nx, g.x[0], g.x[1]),
        format!("y cell ({} cells over [{}, {}])", g.ny, g.y[0], g.y[1]),
    );
    let learned: Vec<f64> = g
        .points()
        .into_iter()
        .map(|p| rid.host.predict(p).value)
        .collect();
    let final_rmse = |c: &[(f64, f64)]| c.last().map_or(f64::NAN, |c| c.1);
    for (stem, title, values) in [
        (
            "fes_exact",
            format!(
                "Exact free energy F - min F (kT), below {} kT",
                cfg.cutoff_kt
            ),
            reference.exact.clone(),
        ),
        (
            "fes_rid",
            format!(
                "RiD network free energy (kT), RMSE {:.2} kT",
                final_rmse(rid_curve)
            ),
            learned,
        ),
        (
            "fes_metad",
            format!(
                "Well-tempered metadynamics (kT), RMSE {:.2} kT",
                final_rmse(&metad.curve)
            ),
            metad.map.clone(),
        ),
    ] {
        report.figure(ctx.plot(
            stem,
            &Plot::Heatmap {
                labels: Labels::new(&title, &axes.0, &axes.1),
                values: map_rows(reference, &values),
                col_ticks: vec![],
                row_ticks: vec![],
                annotate: false,
            },
        )?);
    }
    let target_line = |t: f64| {
        Series::new(
            format!("target {} kT", cfg.target_rmse_kt),
            vec![(0.0, cfg.target_rmse_kt), (t, cfg.target_rmse_kt)],
        )
    };
    let t_end = metad.curve.last().map_or(1.0, |c| c.0);
    report.figure(ctx.plot(
        "error_vs_time",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Free-energy RMSE below {} kT against simulated time",
                    cfg.cutoff_kt
                ),
                "simulated time",
                "RMSE (kT)",
            ),
            series: vec![
                Series::new("RiD (biased + restrained MD)", rid_curve.to_vec()),
                Series::new("well-tempered metadynamics", metad.curve.clone()),
                target_line(t_end),
            ],
            log_y: true,
        },
    )?);
    report.figure(ctx.plot(
        "basins_vs_time",
        &Plot::Line {
            labels: Labels::new(
                "Mueller-Brown basins visited against simulated time",
                "simulated time",
                "basins visited",
            ),
            series: vec![
                Series::new("RiD", steps(&rid.basins.curve)),
                Series::new("well-tempered metadynamics", steps(&metad.basins.curve)),
                Series::new(
                    format!(
                        "plain MD ({:.0} % of the region visited)",
                        100.0 * unbiased.coverage
                    ),
                    steps(&unbiased.basins.curve),
                ),
            ],
            log_y: false,
        },
    )?);
    let n_val = rid.data.val.len();
    let pick = |rows: &[usize]| -> Vec<(f64, f64)> {
        rows.iter()
            .map(|&i| (rid.data.points[i][0], rid.data.points[i][1]))
            .collect()
    };
    report.figure(ctx.plot(
        "rid_points",
        &Plot::Scatter {
            labels: Labels::new("Where RiD ran restrained MD (mean-force centres)", "x", "y"),
            series: vec![
                Series::new("training centres", pick(&rid.data.train)),
                Series::new(format!("validation centres ({n_val})"), pick(&rid.data.val)),
                Series::new(
                    "basin minima",
                    super::surface::MINIMA.iter().map(|m| (m[0], m[1])).collect(),
                ),
            ],
        },
    )?);
    Ok(())
}

/// A staircase through `(time, count)` points that starts at time 0.
fn steps(curve: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 0.0)];
    for &(t, n) in curve {
        let last = out.last().map_or(0.0, |p| p.1);
        out.push((t, last));
        out.push((t, n));
    }
    out
}
