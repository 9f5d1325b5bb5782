//! The dbtl task's figures: best construct found vs designs built, and one campaign's rounds.

use super::{DbtlConfig, METHODS, SeedResult};
use ai4s_core::metrics::median;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};

/// The `q` quantile (linear interpolation between order statistics).
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let pos = q * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

pub(super) fn draw(
    cfg: &DbtlConfig,
    ctx: &RunContext,
    report: &mut Report,
    results: &[SeedResult],
) -> Result<()> {
    let budget = cfg.batch * cfg.rounds;
    // Figure 1: best found vs designs tested, median and quartiles over seeds.
    let mut series = Vec::new();
    for (k, (_, label)) in METHODS.iter().enumerate() {
        let band = |q: f64| -> Vec<(f64, f64)> {
            (1..=budget)
                .map(|n| {
                    let v: Vec<f64> = results.iter().map(|r| r.curves[k][n - 1]).collect();
                    (n as f64, quantile(&v, q))
                })
                .collect()
        };
        series.push(Series::new(format!("{label}: median"), band(0.5)));
        if k < 2 {
            series.push(Series::new(format!("{label}: 25 %"), band(0.25)));
            series.push(Series::new(format!("{label}: 75 %"), band(0.75)));
        }
    }
    let thr = median(&results.iter().map(|r| r.threshold).collect::<Vec<_>>());
    series.push(Series::new(
        "top-1 % threshold (median)",
        vec![(1.0, thr), (budget as f64, thr)],
    ));
    report.figure(ctx.plot(
        "best_vs_designs",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Best construct found vs designs built ({} libraries)",
                    cfg.seeds
                ),
                "designs built and tested",
                "best true expression / library optimum",
            ),
            series,
            log_y: false,
        },
    )?);

    // Figure 2: the rounds of the first seed's loop.
    if let Some(r) = results.first() {
        let mut rounds: Vec<Series> = (0..cfg.rounds)
            .map(|k| {
                let pts = r
                    .trace
                    .designs
                    .iter()
                    .zip(&r.trace.measured)
                    .zip(&r.trace.round)
                    .enumerate()
                    .filter(|(_, (_, round))| **round == k)
                    .map(|(n, ((_, m), _))| ((n + 1) as f64, m.log10()))
                    .collect();
                let name = if k == 0 {
                    "round 1 (balanced design)".to_owned()
                } else {
                    format!("round {} (GP + EI)", k + 1)
                };
                Series::new(name, pts)
            })
            .collect();
        let top = r.top_value.log10();
        let best = r
            .truth
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            .log10();
        rounds.push(Series::new(
            "top-1 % threshold (true)",
            (0..=2 * budget).map(|i| (0.5 * i as f64, top)).collect(),
        ));
        rounds.push(Series::new(
            "library optimum (true)",
            (0..=2 * budget).map(|i| (0.5 * i as f64, best)).collect(),
        ));
        report.figure(ctx.plot(
            "rounds",
            &Plot::Scatter {
                labels: Labels::new(
                    "Design-build-test-learn rounds (one library): measured expression",
                    "design number (order built)",
                    "log10 measured expression (a.u.)",
                ),
                series: rounds,
            },
        )?);
    }
    Ok(())
}
