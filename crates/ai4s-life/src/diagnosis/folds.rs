//! Stratified k-fold cross-validation with a calibration split inside every training part.
//!
//! Each class is shuffled with the seed and dealt round-robin to the `k` folds, so every fold
//! holds the class ratio of the whole table (scikit-learn's `StratifiedKFold(shuffle=True)`
//! does the same up to the shuffle). For test fold `f`, the other folds are the training part;
//! a stratified `calibration_fraction` of it is held out for early stopping and for fitting
//! the temperature, and the models are fitted on the rest. Everything learned from data —
//! the median imputation, the standardisation, the weights, the temperature — sees only the
//! training part of its fold; the test fold is touched once, for its predictions.

use ai4s_core::data::Standardizer;
use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// The rows of one outer fold.
#[derive(Clone, Debug)]
pub struct FoldRows {
    /// Rows the models are fitted on.
    pub fit: Vec<usize>,
    /// Rows for early stopping and temperature scaling.
    pub calibration: Vec<usize>,
    /// The held-out fold.
    pub test: Vec<usize>,
}

/// Rows of every class, shuffled with `rng`.
fn shuffled_classes(y: &[bool], rng: &mut StdRng) -> [Vec<usize>; 2] {
    let mut pos: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
    let mut neg: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
    pos.shuffle(rng);
    neg.shuffle(rng);
    [pos, neg]
}

/// Stratified `k`-fold splits of `y` with a stratified calibration part of each training part.
pub fn stratified(y: &[bool], k: usize, calibration_fraction: f64, seed: u64) -> Vec<FoldRows> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; y.len()];
    for class in shuffled_classes(y, &mut rng) {
        for (r, &i) in class.iter().enumerate() {
            fold_of[i] = r % k;
        }
    }
    (0..k)
        .map(|f| {
            let test: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] == f).collect();
            let mut fit = Vec::new();
            let mut calibration = Vec::new();
            for class in shuffled_classes(y, &mut rng) {
                let train: Vec<usize> = class.into_iter().filter(|&i| fold_of[i] != f).collect();
                let n_cal = ((train.len() as f64) * calibration_fraction).round() as usize;
                calibration.extend_from_slice(&train[..n_cal]);
                fit.extend_from_slice(&train[n_cal..]);
            }
            fit.sort_unstable();
            calibration.sort_unstable();
            FoldRows {
                fit,
                calibration,
                test,
            }
        })
        .collect()
}

/// The features of one fold, ready for the models: missing cells filled with the fit rows'
/// column medians, then standardised with the fit rows' means and deviations.
pub fn prepare(x: &Array2<f64>, fit_rows: &[usize]) -> Array2<f64> {
    let mut x = x.clone();
    for mut col in x.columns_mut() {
        if !col.iter().any(|v| v.is_nan()) {
            continue;
        }
        let mut seen: Vec<f64> = fit_rows
            .iter()
            .map(|&i| col[i])
            .filter(|v| !v.is_nan())
            .collect();
        let fill = if seen.is_empty() {
            0.0
        } else {
            seen.sort_by(f64::total_cmp);
            let m = seen.len() / 2;
            if seen.len() % 2 == 1 {
                seen[m]
            } else {
                0.5 * (seen[m - 1] + seen[m])
            }
        };
        col.mapv_inplace(|v| if v.is_nan() { fill } else { v });
    }
    Standardizer::fit(&x, fit_rows).transform(&x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn folds_partition_the_rows_and_keep_the_class_ratio() {
        let y: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect(); // 25 positives
        let folds = stratified(&y, 5, 0.2, 3);
        let mut tested = vec![0; 100];
        for f in &folds {
            assert_eq!(f.test.iter().filter(|&&i| y[i]).count(), 5);
            assert_eq!(f.test.len(), 20);
            for &i in &f.test {
                tested[i] += 1;
                assert!(!f.fit.contains(&i) && !f.calibration.contains(&i));
            }
            assert_eq!(f.fit.len() + f.calibration.len(), 80);
            assert_eq!(f.calibration.iter().filter(|&&i| y[i]).count(), 4);
            assert!(f.fit.iter().all(|i| !f.calibration.contains(i)));
        }
        assert!(tested.iter().all(|&c| c == 1), "every row tested once");
        let again = stratified(&y, 5, 0.2, 3);
        assert_eq!(folds[2].test, again[2].test, "reproducible from the seed");
    }

    #[test]
    fn imputation_and_scaling_use_only_the_fit_rows() {
        let x = array![[1.0, 10.0], [3.0, f64::NAN], [5.0, 30.0], [100.0, 1000.0]];
        let p = prepare(&x, &[0, 1, 2]);
        // Column 0 over the fit rows: mean 3, population std sqrt(8/3).
        assert!((p[[1, 0]]).abs() < 1e-12);
        assert!((p[[2, 0]] - 2.0 / (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // The missing cell is the median of 10 and 30 (the fit rows), i.e. the column mean.
        assert!(p[[1, 1]].abs() < 1e-12);
        assert!(p.iter().all(|v| v.is_finite()));
    }
}
