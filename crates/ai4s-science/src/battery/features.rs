//! Features of the early cycles (Severson et al. 2019) and the linear models on them.

use super::fleet::CellRecord;
use ai4s_core::data::Standardizer;
use ai4s_core::linalg::LinearModel;
use ai4s_core::metrics::mean_std;
use ndarray::{Array1, Array2};

/// Summary statistics of `Delta Q_{late-early}(V)` and of the early capacities of one cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Features {
    /// `log10 var(Delta Q(V))` over the voltage grid: the variance model's one feature.
    pub log_var: f64,
    /// `log10 |min Delta Q(V)|`.
    pub log_min: f64,
    /// `log10 |skewness of Delta Q(V)|`.
    pub log_skew: f64,
    /// `log10 |excess kurtosis of Delta Q(V)|`.
    pub log_kurt: f64,
    /// Discharge capacity of cycle 2, Ah.
    pub q2: f64,
    /// Largest capacity of cycles 2..=late minus that of cycle 2, Ah.
    pub max_minus_q2: f64,
}

impl Features {
    /// The discharge model's six features, in order.
    pub fn discharge(&self) -> [f64; 6] {
        [
            self.log_var,
            self.log_min,
            self.log_skew,
            self.log_kurt,
            self.q2,
            self.max_minus_q2,
        ]
    }
}

/// Names of [`Features::discharge`].
pub const DISCHARGE_FEATURES: [&str; 6] = [
    "log10_var_dq",
    "log10_abs_min_dq",
    "log10_abs_skew_dq",
    "log10_abs_kurt_dq",
    "q_cycle2_ah",
    "qmax_minus_q2_ah",
];

/// Skewness and excess kurtosis of a sample (population moments).
pub fn skew_kurtosis(v: &[f64]) -> (f64, f64) {
    let (m, s) = mean_std(v);
    if s == 0.0 {
        return (0.0, 0.0);
    }
    let n = v.len() as f64;
    let m3 = v.iter().map(|x| ((x - m) / s).powi(3)).sum::<f64>() / n;
    let m4 = v.iter().map(|x| ((x - m) / s).powi(4)).sum::<f64>() / n;
    (m3, m4 - 3.0)
}

/// Pearson correlation coefficient; NaN when either sample is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let (ma, sa) = mean_std(a);
    let (mb, sb) = mean_std(b);
    let n = a.len().min(b.len()).max(1) as f64;
    let cov = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / n;
    cov / (sa * sb)
}

/// The features of a cell whose life exceeds the late cycle `late`.
pub fn features(rec: &CellRecord, late: usize) -> Features {
    let dq = rec.delta_q();
    let (_, sd) = mean_std(&dq);
    let min = dq.iter().copied().fold(f64::INFINITY, f64::min);
    let (skew, kurt) = skew_kurtosis(&dq);
    let lg = |v: f64| v.abs().max(1e-12).log10();
    let q2 = rec.capacity.get(1).copied().unwrap_or(f64::NAN);
    let qmax = rec
        .capacity
        .iter()
        .skip(1)
        .take(late.saturating_sub(1))
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Features {
        log_var: lg(sd * sd),
        log_min: lg(min),
        log_skew: lg(skew),
        log_kurt: lg(kurt),
        q2,
        max_minus_q2: qmax - q2,
    }
}

/// A linear model on standardised features predicting `log10` cycle life.
pub struct Linear {
    scaler: Standardizer,
    model: LinearModel,
}

impl Linear {
    /// Fits rows `rows` of `x` to `y` with ridge `lambda` (on standardised features); `None`
    /// when the normal equations are singular.
    pub fn fit(x: &Array2<f64>, y: &[f64], rows: &[usize], lambda: f64) -> Option<Linear> {
        let scaler = Standardizer::fit(x, rows);
        let xs = scaler.transform(&x.select(ndarray::Axis(0), rows));
        let ys = Array1::from_iter(rows.iter().map(|&i| y[i]));
        let model = LinearModel::fit(&xs, &ys, lambda)?;
        Some(Linear { scaler, model })
    }

    /// Predictions for every row of `x`.
    pub fn predict(&self, x: &Array2<f64>) -> Vec<f64> {
        self.model.predict(&self.scaler.transform(x)).to_vec()
    }

    /// Weights and intercept in the units of the raw features.
    pub fn raw_coefficients(&self) -> (Vec<f64>, f64) {
        let w: Vec<f64> = self
            .model
            .w
            .iter()
            .zip(&self.scaler.std)
            .map(|(w, s)| w / s)
            .collect();
        let b = self.model.b
            - w.iter()
                .zip(&self.scaler.mean)
                .map(|(w, m)| w * m)
                .sum::<f64>();
        (w, b)
    }
}

/// Root-mean-square error of `log10` predictions, in the same units.
pub fn log_rmse(pred: &[f64], truth: &[f64], rows: &[usize]) -> f64 {
    let p: Vec<f64> = rows.iter().map(|&i| pred[i]).collect();
    let t: Vec<f64> = rows.iter().map(|&i| truth[i]).collect();
    ai4s_core::metrics::rmse(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_and_correlation_match_hand_values() {
        let (s, k) = skew_kurtosis(&[1.0, 2.0, 3.0, 10.0]);
        // Mean 4, deviations -3 -2 -1 6, population variance 12.5.
        let sd = 12.5f64.sqrt();
        assert!((s - (-27.0 - 8.0 - 1.0 + 216.0) / 4.0 / sd.powi(3)).abs() < 1e-12);
        assert!((k - ((81.0 + 16.0 + 1.0 + 1296.0) / 4.0 / 156.25 - 3.0)).abs() < 1e-12);
        assert_eq!(skew_kurtosis(&[2.0, 2.0]), (0.0, 0.0));
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 0.997_949).abs() < 1e-6);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    }
}
