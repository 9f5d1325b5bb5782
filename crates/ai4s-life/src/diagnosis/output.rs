//! The diagnosis task's files and figures: out-of-fold predictions, the splits, per-fold
//! numbers, ROC curves, the reliability diagram and the confusion matrix.

use super::calibration::{reliability, sigmoid};
use super::table::Clinical;
use super::{DiagnosisConfig, MODELS, Repeat};
use ai4s_core::metrics::{recall_at_fpr, roc};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write;

/// Writes `predictions.csv`, `splits.csv` and `folds.csv`.
fn tables(repeats: &[Repeat], t: &Clinical, ctx: &RunContext) -> Result<()> {
    let mut pred = String::from(
        "repeat,row,test_fold,label,mlp_logit,mlp_probability_scaled,logistic_logit,logistic_probability_scaled\n",
    );
    let mut splits = String::from("repeat,fold,row,role\n");
    let mut folds = String::from(
        "repeat,fold,test_rows,mlp_auc,logistic_auc,mlp_temperature,logistic_temperature,mlp_best_epoch\n",
    );
    for (r, rep) in repeats.iter().enumerate() {
        for i in 0..t.y.len() {
            let _ = writeln!(
                pred,
                "{r},{i},{},{},{:.6},{:.6},{:.6},{:.6}",
                rep.fold_of[i],
                u8::from(t.y[i]),
                rep.logits[0][i],
                rep.scaled[0][i],
                rep.logits[1][i],
                rep.scaled[1][i]
            );
        }
        for (f, rows) in rep.folds.iter().enumerate() {
            for (role, set) in [
                ("fit", &rows.fit),
                ("calibration", &rows.calibration),
                ("test", &rows.test),
            ] {
                for i in set {
                    let _ = writeln!(splits, "{r},{f},{i},{role}");
                }
            }
            let _ = writeln!(
                folds,
                "{r},{f},{},{:.6},{:.6},{:.4},{:.4},{}",
                rows.test.len(),
                rep.fold_auc[f][0],
                rep.fold_auc[f][1],
                rep.temperature[f][0],
                rep.temperature[f][1],
                rep.best_epoch[f]
            );
        }
    }
    ctx.write_file("predictions.csv", pred.as_bytes())?;
    ctx.write_file("splits.csv", splits.as_bytes())?;
    ctx.write_file("folds.csv", folds.as_bytes())?;
    Ok(())
}

pub(super) fn write(
    cfg: &DiagnosisConfig,
    t: &Clinical,
    repeats: &[Repeat],
    ctx: &RunContext,
    report: &mut Report,
) -> Result<()> {
    tables(repeats, t, ctx)?;
    let Some(rep) = repeats.first() else {
        return Ok(());
    };
    let y = &t.y;
    let split = |v: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let pos = (0..y.len()).filter(|&i| y[i]).map(|i| v[i]).collect();
        let neg = (0..y.len()).filter(|&i| !y[i]).map(|i| v[i]).collect();
        (pos, neg)
    };
    let fpr = 1.0 - cfg.specificity;

    // ROC curves of the pooled out-of-fold probabilities.
    let mut series = Vec::new();
    for (m, (_, label)) in MODELS.iter().enumerate() {
        let (pos, neg) = split(&rep.scaled[m]);
        let auc = rep.fold_auc.iter().map(|a| a[m]).sum::<f64>() / rep.fold_auc.len() as f64;
        let sens = recall_at_fpr(&pos, &neg, fpr);
        series.push(Series::new(
            format!(
                "{label} (AUC {auc:.4}, sensitivity {sens:.3} at {:.0} % specificity)",
                100.0 * cfg.specificity
            ),
            roc(&pos, &neg),
        ));
    }
    series.push(Series::new(
        format!("{:.0} % specificity", 100.0 * cfg.specificity),
        vec![(fpr, 0.0), (fpr, 1.0)],
    ));
    series.push(Series::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]));
    report.figure(ctx.plot(
        "roc",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "ROC, out-of-fold ({}-fold stratified CV, first repeat)",
                    cfg.folds
                ),
                "false-positive rate (1 - specificity)",
                &format!("true-positive rate (sensitivity for `{}`)", t.classes[0]),
            ),
            series,
            log_y: false,
        },
    )?);

    // Reliability diagram: observed positive rate against mean prediction per bin.
    let bins = |p: &[f64]| -> Vec<(f64, f64)> {
        reliability(p, y, cfg.ece_bins)
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.confidence, b.accuracy))
            .collect()
    };
    let raw: Vec<f64> = rep.logits[0].iter().map(|&z| sigmoid(z)).collect();
    let e = |p: &[f64]| super::calibration::ece(p, y, cfg.ece_bins);
    report.figure(ctx.plot(
        "reliability",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Reliability diagram ({} bins, out-of-fold, first repeat)",
                    cfg.ece_bins
                ),
                "mean predicted probability in the bin",
                "observed fraction positive in the bin",
            ),
            series: vec![
                Series::new(format!("MLP, raw (ECE {:.3})", e(&raw)), bins(&raw)),
                Series::new(
                    format!("MLP, temperature-scaled (ECE {:.3})", e(&rep.scaled[0])),
                    bins(&rep.scaled[0]),
                ),
                Series::new(
                    format!(
                        "logistic, temperature-scaled (ECE {:.3})",
                        e(&rep.scaled[1])
                    ),
                    bins(&rep.scaled[1]),
                ),
                Series::new("perfect calibration", vec![(0.0, 0.0), (1.0, 1.0)]),
            ],
            log_y: false,
        },
    )?);

    // Confusion matrix of the scaled MLP at the threshold.
    let mut cm = [[0.0f64; 2]; 2];
    for (i, &truth) in y.iter().enumerate() {
        let called = rep.scaled[0][i] >= cfg.threshold;
        cm[usize::from(!truth)][usize::from(!called)] += 1.0;
    }
    let (tp, fneg, fp, tn) = (cm[0][0], cm[0][1], cm[1][0], cm[1][1]);
    report.metric("mlp_sensitivity_at_threshold", tp / (tp + fneg).max(1.0));
    report.metric("mlp_specificity_at_threshold", tn / (tn + fp).max(1.0));
    let [p, n] = &t.classes;
    report.figure(ctx.plot(
        "confusion",
        &Plot::Heatmap {
            labels: Labels::new(
                &format!(
                    "Confusion matrix, MLP at p >= {} (scaled), out-of-fold, first repeat",
                    cfg.threshold
                ),
                "predicted",
                "true",
            ),
            values: cm.iter().map(|r| r.to_vec()).collect(),
            col_ticks: vec![format!("called {p}"), format!("called {n}")],
            row_ticks: vec![format!("is {p}"), format!("is {n}")],
            annotate: true,
        },
    )?);
    Ok(())
}
