//! The trigger task's figures and its per-event table of test scores.

use super::generator::{FEATURES, N_FEATURES};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write;

/// Signal efficiency of a score at background acceptance `acc`: the fraction of signal above
/// the threshold that passes the `floor(acc N_b)` highest background scores (as
/// [`ai4s_core::metrics::recall_at_fpr`]), for sorted scores (`signal` ascending,
/// `background` descending).
fn efficiency_sorted(signal: &[f64], background: &[f64], acc: f64) -> f64 {
    let k = ((acc * background.len() as f64).floor() as usize).min(background.len() - 1);
    let thr = background[k];
    let above = signal.len() - signal.partition_point(|&s| s <= thr);
    above as f64 / signal.len().max(1) as f64
}

/// ROC curve as `(signal efficiency, background acceptance)` at `points` log-spaced
/// acceptances from one background event to all.
pub(super) fn roc_curve(scores: &[f64], labels: &[bool], points: usize) -> Vec<(f64, f64)> {
    let mut s: Vec<f64> = pick(scores, labels, true);
    let mut b: Vec<f64> = pick(scores, labels, false);
    if s.is_empty() || b.is_empty() {
        return Vec::new();
    }
    s.sort_by(f64::total_cmp);
    b.sort_by(|x, y| y.total_cmp(x));
    let lo = (1.0 / b.len() as f64).ln();
    (0..points)
        .map(|i| {
            let acc = (lo * (1.0 - i as f64 / (points - 1).max(1) as f64)).exp();
            (efficiency_sorted(&s, &b, acc), acc)
        })
        .collect()
}

fn pick(v: &[f64], labels: &[bool], want: bool) -> Vec<f64> {
    v.iter()
        .zip(labels)
        .filter(|p| *p.1 == want)
        .map(|p| *p.0)
        .collect()
}

/// One row of `test_scores.csv`.
pub(super) struct ScoreRow {
    pub(super) event: usize,
    pub(super) signal: bool,
    pub(super) features: [f64; N_FEATURES],
    pub(super) float: f32,
    pub(super) int8: f32,
    pub(super) cut_pass: bool,
}

/// Writes `test_scores.csv`: every test event's label, features, float and int8 logits, and
/// whether the box cuts pass it.
pub(super) fn write_scores(ctx: &RunContext, rows: &[ScoreRow]) -> Result<()> {
    let mut s = String::from("event,signal,");
    for f in FEATURES {
        s.push_str(f.name);
        s.push(',');
    }
    s.push_str("float_logit,int8_logit,cut_pass\n");
    for r in rows {
        write!(s, "{},{}", r.event, u8::from(r.signal)).map_err(fmt_err)?;
        for v in r.features {
            write!(s, ",{}", short(v)).map_err(fmt_err)?;
        }
        writeln!(s, ",{},{},{}", r.float, r.int8, u8::from(r.cut_pass)).map_err(fmt_err)?;
    }
    ctx.write_file("test_scores.csv", s.as_bytes())?;
    Ok(())
}

fn short(v: f64) -> String {
    if v == v.round() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn fmt_err(e: std::fmt::Error) -> ai4s_core::Error {
    ai4s_core::Error::Runtime(format!("formatting test_scores.csv: {e}"))
}

/// The ROC figure: signal efficiency across, background acceptance up on a log axis (the
/// rejection plot of collider experiments), with the working point's acceptance marked.
pub(super) fn roc_figure(
    report: &mut Report,
    ctx: &RunContext,
    curves: Vec<Series>,
    target: f64,
) -> Result<()> {
    let mut series: Vec<Series> = curves
        .into_iter()
        .map(|s| {
            let pts = s.points.into_iter().filter(|p| p.1 > 0.0).collect();
            Series::new(s.name, pts)
        })
        .collect();
    series.push(Series::new(
        format!("background acceptance {}", pct(target)),
        vec![(0.0, target), (1.0, target)],
    ));
    report.figure(ctx.plot(
        "roc",
        &Plot::Line {
            labels: Labels::new(
                "Trigger ROC on held-out events: float MLP, int8 MLP, box cuts",
                "signal efficiency",
                "background acceptance (log scale)",
            ),
            series,
            log_y: true,
        },
    )?);
    Ok(())
}

/// Percent with up to two significant decimals (`1 %`, `0.5 %`).
pub(super) fn pct(v: f64) -> String {
    let p = 100.0 * v;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p} %")
    }
}

/// Normalised histograms of feature `f` for signal and background, as lines over bin centres,
/// on the central 99 % of all events.
pub(super) fn distribution(
    report: &mut Report,
    ctx: &RunContext,
    rows: &[[f64; N_FEATURES]],
    labels: &[bool],
    f: usize,
    bins: usize,
) -> Result<()> {
    let mut all: Vec<f64> = rows.iter().map(|x| x[f]).collect();
    all.sort_by(f64::total_cmp);
    let n = all.len();
    if n == 0 {
        return Ok(());
    }
    let (lo, hi) = (all[n / 200], all[(n - 1) - n / 200]);
    let w = ((hi - lo) / bins as f64).max(f64::MIN_POSITIVE);
    let hist = |want: bool| -> Vec<(f64, f64)> {
        let mut c = vec![0.0; bins];
        let mut total = 0.0;
        for (x, &y) in rows.iter().zip(labels) {
            if y == want {
                total += 1.0;
                let v = x[f];
                if v >= lo && v <= hi {
                    c[(((v - lo) / w) as usize).min(bins - 1)] += 1.0;
                }
            }
        }
        c.iter()
            .enumerate()
            .map(|(i, k)| {
                (
                    lo + (i as f64 + 0.5) * w,
                    k / (total * w).max(f64::MIN_POSITIVE),
                )
            })
            .collect()
    };
    let feat = FEATURES[f];
    report.figure(ctx.plot(
        &format!("feature_{}", feat.name),
        &Plot::Line {
            labels: Labels::new(
                &format!("{}: signal X -> VV against QCD dijets", feat.label),
                feat.label,
                "normalised density",
            ),
            series: vec![
                Series::new("signal", hist(true)),
                Series::new("background (QCD)", hist(false)),
            ],
            log_y: false,
        },
    )?);
    Ok(())
}
