//! The battery task's figures and its per-cell table.

use super::cell::FAST_CHARGE_SOC;
use super::fleet::CellRecord;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write;

/// One row of `cells.csv`.
pub(super) struct Row<'a> {
    pub(super) rec: &'a CellRecord,
    pub(super) role: &'a str,
    /// The six discharge-model features (NaN when the cell is not used).
    pub(super) features: [f64; 6],
    /// Predicted lives (cycles) of the variance, discharge and network models.
    pub(super) predicted: [f64; 3],
}

/// Writes `cells.csv`: protocol, hidden degradation parameters, features, true and predicted
/// lives of every cell.
pub(super) fn write_table(ctx: &RunContext, rows: &[Row<'_>]) -> Result<()> {
    let mut s = String::from(
        "cell,split,c1,switch_soc,c2,minutes_to_80pct,lam_rate,anode_margin,knee_onset,plating_rate,",
    );
    s.push_str(&super::features::DISCHARGE_FEATURES.join(","));
    s.push_str(",life,pred_variance,pred_discharge,pred_network\n");
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    for (i, r) in rows.iter().enumerate() {
        let c = &r.rec.cell;
        let p = c.protocol;
        write!(
            s,
            "{i},{},{:.3},{:.3},{:.3},{:.2},{:.4e},{:.4},{:.1},{:.4e}",
            r.role,
            p.c1,
            p.switch_soc,
            p.c2,
            p.minutes_to_80(),
            c.lam_rate,
            c.margin,
            c.knee_onset(),
            c.plating_rate
        )
        .map_err(fmt_err)?;
        for f in r.features {
            write!(s, ",{}", num(f)).map_err(fmt_err)?;
        }
        writeln!(
            s,
            ",{},{},{},{}",
            r.rec.life.map(|l| l.to_string()).unwrap_or_default(),
            num(r.predicted[0]),
            num(r.predicted[1]),
            num(r.predicted[2])
        )
        .map_err(fmt_err)?;
    }
    ctx.write_file("cells.csv", s.as_bytes())?;
    Ok(())
}

fn fmt_err(e: std::fmt::Error) -> ai4s_core::Error {
    ai4s_core::Error::Runtime(format!("formatting cells.csv: {e}"))
}

/// Up to `k` records spread evenly over the life-sorted `used` cells (shortest to longest).
pub(super) fn spread<'a>(recs: &'a [CellRecord], used: &[usize], k: usize) -> Vec<&'a CellRecord> {
    let mut idx = used.to_vec();
    idx.sort_by_key(|&i| recs[i].life);
    let k = k.min(idx.len());
    (0..k)
        .map(|j| &recs[idx[j * (idx.len() - 1) / (k - 1).max(1)]])
        .collect()
}

/// The curves, fade and feature figures.
#[allow(clippy::too_many_arguments)]
pub(super) fn figures(
    report: &mut Report,
    ctx: &RunContext,
    recs: &[CellRecord],
    used: &[usize],
    grid: &[f64],
    early: [usize; 2],
    eol_ah: f64,
    feature_sets: [(&str, Vec<(f64, f64)>); 2],
) -> Result<()> {
    let life = |r: &CellRecord| r.life.unwrap_or(0);
    let curves = spread(recs, used, 8)
        .into_iter()
        .map(|r| {
            let step = (grid.len() / 400).max(1);
            let pts = grid
                .iter()
                .zip(r.delta_q())
                .step_by(step)
                .map(|(v, d)| (*v, 1e3 * d))
                .collect();
            Series::new(format!("life {} cycles", life(r)), pts)
        })
        .collect();
    report.figure(ctx.plot(
        "delta_q_curves",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Delta Q(V) = Q_{}(V) - Q_{}(V), cells from shortest to longest life",
                    early[1], early[0]
                ),
                "voltage (V)",
                "Delta Q (mAh)",
            ),
            series: curves,
            log_y: false,
        },
    )?);
    let mut fade: Vec<Series> = spread(recs, used, 6)
        .into_iter()
        .map(|r| {
            let pts = r
                .capacity
                .iter()
                .enumerate()
                .map(|(i, q)| ((i + 1) as f64, *q))
                .collect();
            Series::new(
                format!("{}, life {}", r.cell.protocol.label(), life(r)),
                pts,
            )
        })
        .collect();
    let longest = used.iter().map(|&i| life(&recs[i])).max().unwrap_or(1) as f64;
    fade.push(Series::new(
        "end of life",
        vec![(1.0, eol_ah), (longest, eol_ah)],
    ));
    report.figure(ctx.plot(
        "capacity_fade",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Discharge capacity (4C) of six cells; fast charge to {:.0} % SOC",
                    100.0 * FAST_CHARGE_SOC
                ),
                "cycle",
                "discharge capacity (Ah)",
            ),
            series: fade,
            log_y: false,
        },
    )?);
    report.figure(
        ctx.plot(
            "variance_feature",
            &Plot::Scatter {
                labels: Labels::new(
                    &format!(
                        "log10 cycle life against log10 var(Delta Q_{}-{}(V))",
                        early[1], early[0]
                    ),
                    "log10 var(Delta Q) (Ah^2)",
                    "log10 cycle life",
                ),
                series: feature_sets
                    .into_iter()
                    .map(|(name, pts)| Series::new(name, pts))
                    .collect(),
            },
        )?,
    );
    Ok(())
}
