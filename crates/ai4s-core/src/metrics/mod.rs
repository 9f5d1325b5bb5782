//! Metric logs (`metrics.csv`) and the standard error measures; the submodules hold the
//! other measures tasks share: [`stats`] (median, mean and spread), [`roc`] (ROC curve, AUC)
//! and [`cluster`] (adjusted Rand index, mutual information, silhouette).

pub mod cluster;
pub mod roc;
pub mod stats;

pub use cluster::{adjusted_rand_index, normalized_mutual_info, silhouette};
pub use roc::{auc, auc_of, recall_at_fpr, roc};
pub use stats::{mean_std, median};

use crate::error::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// Rows of named values logged during a run, one row per logged step.
#[derive(Clone, Debug, Default)]
pub struct MetricsLog {
    columns: Vec<String>,
    rows: Vec<(usize, BTreeMap<String, f64>)>,
}

impl MetricsLog {
    /// Logs `values` at `step`. New names become new columns.
    pub fn log(&mut self, step: usize, values: &[(&str, f64)]) {
        let mut row = BTreeMap::new();
        for (name, v) in values {
            if !self.columns.iter().any(|c| c == name) {
                self.columns.push((*name).to_owned());
            }
            row.insert((*name).to_owned(), *v);
        }
        self.rows.push((step, row));
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The series `(step, value)` of one column.
    pub fn series(&self, name: &str) -> Vec<(f64, f64)> {
        self.rows
            .iter()
            .filter_map(|(s, r)| r.get(name).map(|v| (*s as f64, *v)))
            .collect()
    }

    /// Renders the log as CSV: `step` then one column per metric; missing cells are empty.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["step".to_owned()];
        header.extend(self.columns.iter().cloned());
        let csv_err = |e: csv::Error| crate::Error::Runtime(format!("writing metrics: {e}"));
        w.write_record(&header).map_err(csv_err)?;
        for (step, row) in &self.rows {
            let mut rec = vec![step.to_string()];
            rec.extend(
                self.columns
                    .iter()
                    .map(|c| row.get(c).map(|v| format!("{v}")).unwrap_or_default()),
            );
            w.write_record(&rec).map_err(csv_err)?;
        }
        w.into_inner()
            .map_err(|e| crate::Error::Runtime(format!("writing metrics: {e}")))
    }

    /// Writes `metrics.csv` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::io::write_atomic(path, &self.to_csv()?)
    }
}

/// Root-mean-square error.
pub fn rmse(pred: &[f64], truth: &[f64]) -> f64 {
    assert_eq!(pred.len(), truth.len(), "rmse: lengths should match");
    let n = pred.len().max(1) as f64;
    (pred
        .iter()
        .zip(truth)
        .map(|(p, t)| (p - t) * (p - t))
        .sum::<f64>()
        / n)
        .sqrt()
}

/// Mean absolute error.
pub fn mae(pred: &[f64], truth: &[f64]) -> f64 {
    assert_eq!(pred.len(), truth.len(), "mae: lengths should match");
    pred.iter()
        .zip(truth)
        .map(|(p, t)| (p - t).abs())
        .sum::<f64>()
        / pred.len().max(1) as f64
}

/// Relative L2 error `|pred - truth| / |truth|`.
pub fn relative_l2(pred: &[f64], truth: &[f64]) -> f64 {
    assert_eq!(pred.len(), truth.len(), "relative_l2: lengths should match");
    let num: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
    let den: f64 = truth.iter().map(|t| t * t).sum();
    (num / den.max(f64::MIN_POSITIVE)).sqrt()
}

/// Coefficient of determination R^2.
pub fn r2(pred: &[f64], truth: &[f64]) -> f64 {
    let mean = truth.iter().sum::<f64>() / truth.len().max(1) as f64;
    let ss_res: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
    let ss_tot: f64 = truth.iter().map(|t| (t - mean) * (t - mean)).sum();
    1.0 - ss_res / ss_tot.max(f64::MIN_POSITIVE)
}

/// Fraction of equal labels.
pub fn accuracy(pred: &[usize], truth: &[usize]) -> f64 {
    assert_eq!(pred.len(), truth.len(), "accuracy: lengths should match");
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / pred.len().max(1) as f64
}

/// Least-squares slope and intercept of `log10 y` against `log10 x` (points with x, y > 0).
pub fn loglog_slope(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.log10(), y.log10()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_measures_match_hand_values() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let p = [1.0, 2.0, 3.0, 6.0];
        assert!((rmse(&p, &t) - 1.0).abs() < 1e-12);
        assert!((mae(&p, &t) - 0.5).abs() < 1e-12);
        assert!((relative_l2(&p, &t) - (4.0f64 / 30.0).sqrt()).abs() < 1e-12);
        assert!((r2(&t, &t) - 1.0).abs() < 1e-12);
        assert!((accuracy(&[1, 2, 3], &[1, 2, 0]) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn loglog_slope_recovers_power_law() {
        let pts: Vec<(f64, f64)> = (1..10)
            .map(|i| (i as f64, 3.0 * (i as f64).powf(-0.5)))
            .collect();
        let (s, _) = loglog_slope(&pts).expect("enough points");
        assert!((s + 0.5).abs() < 1e-12);
    }

    #[test]
    fn csv_has_union_of_columns() {
        let mut log = MetricsLog::default();
        log.log(0, &[("loss", 1.0)]);
        log.log(1, &[("loss", 0.5), ("val", 0.7)]);
        let text = String::from_utf8(log.to_csv().expect("csv")).expect("utf8");
        assert_eq!(text, "step,loss,val\n0,1,\n1,0.5,0.7\n");
    }
}
