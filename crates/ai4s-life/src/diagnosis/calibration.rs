//! Calibration: do predicted probabilities mean what they say?
//!
//! Reliability bins split [0, 1] into `B` equal intervals of predicted probability; in each,
//! the observed positive rate is compared with the mean prediction. The expected calibration
//! error is their count-weighted gap, ECE = sum_b (n_b / n) |acc_b - conf_b| (Naeini et al.,
//! AAAI 2015; Guo et al., ICML 2017, who use the predicted class's confidence; for a binary
//! problem with bins over p(positive) the two agree up to the bin edges).
//!
//! Temperature scaling (Guo et al. 2017) divides the logits by one scalar `T > 0` fitted by
//! the negative log-likelihood on held-out rows: `T > 1` softens an over-confident network.
//! It never changes the ranking, so AUC and sensitivity at fixed specificity are untouched.
//! A small calibration set is often perfectly separated by the model, and then the NLL falls
//! for ever as `T -> 0`: the maximum-likelihood temperature is infinitely sharp and wrong on
//! new patients. The temperature is therefore the maximum a posteriori estimate under a
//! log-normal prior, `ln T ~ N(0, 1)` (no rescaling expected, a factor e either way
//! plausible): it minimises `sum_i nll_i(T) + (ln T)^2 / 2`, which equals the
//! maximum-likelihood fit whenever the data determine `T`, and stays finite when they do not.
//! The objective is convex in `ln T` for separated sets and unimodal in practice; a
//! golden-section search ([`ai4s_core::minimize::golden_section`]) over `ln T` in
//! [ln 0.05, ln 20] finds the minimum to 1e-6.

use ai4s_core::minimize::golden_section;

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Summed negative log-likelihood of labels `y` under logits `z / t`.
fn nll_sum(z: &[f64], y: &[bool], t: f64) -> f64 {
    z.iter()
        .zip(y)
        .map(|(&z, &y)| {
            let s = z / t;
            // softplus(s) - y s, computed without overflow.
            s.max(0.0) + (-s.abs()).exp().ln_1p() - if y { s } else { 0.0 }
        })
        .sum()
}

/// Mean negative log-likelihood of labels `y` under logits `z / t`.
pub fn nll(z: &[f64], y: &[bool], t: f64) -> f64 {
    nll_sum(z, y, t) / z.len().max(1) as f64
}

/// The maximum a posteriori temperature of logits `z` for labels `y` (log-normal prior).
pub fn fit_temperature(z: &[f64], y: &[bool]) -> f64 {
    let f = |ln_t: f64| nll_sum(z, y, ln_t.exp()) + 0.5 * ln_t * ln_t;
    golden_section(f, 0.05f64.ln(), 20f64.ln(), 1e-6).exp()
}

/// One reliability bin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bin {
    /// Lower edge of the bin.
    pub lo: f64,
    /// Rows whose prediction falls in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin.
    pub confidence: f64,
    /// Observed fraction of positives in the bin.
    pub accuracy: f64,
}

/// Reliability bins of probabilities `p` against labels `y` (`bins` equal-width bins; the last
/// one includes 1).
pub fn reliability(p: &[f64], y: &[bool], bins: usize) -> Vec<Bin> {
    let mut sum_p = vec![0.0; bins];
    let mut sum_y = vec![0.0; bins];
    let mut count = vec![0usize; bins];
    for (&p, &y) in p.iter().zip(y) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        sum_p[b] += p;
        sum_y[b] += if y { 1.0 } else { 0.0 };
        count[b] += 1;
    }
    (0..bins)
        .map(|b| {
            let n = count[b].max(1) as f64;
            Bin {
                lo: b as f64 / bins as f64,
                count: count[b],
                confidence: sum_p[b] / n,
                accuracy: sum_y[b] / n,
            }
        })
        .collect()
}

/// Expected calibration error over `bins` equal-width bins.
pub fn ece(p: &[f64], y: &[bool], bins: usize) -> f64 {
    let n = p.len().max(1) as f64;
    reliability(p, y, bins)
        .iter()
        .map(|b| b.count as f64 / n * (b.accuracy - b.confidence).abs())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ece_is_zero_for_calibrated_bins_and_the_gap_otherwise() {
        // In the 0.7-0.8 bin, 7 of 10 rows are positive at p = 0.7: calibrated.
        let p = vec![0.7; 10];
        let y: Vec<bool> = (0..10).map(|i| i < 7).collect();
        assert!(ece(&p, &y, 10).abs() < 1e-12);
        // All positive at p = 0.7: gap 0.3.
        assert!((ece(&p, &[true; 10], 10) - 0.3).abs() < 1e-12);
        let bins = reliability(&[0.0, 1.0, 0.55], &[false, true, true], 10);
        assert_eq!(bins[0].count, 1);
        assert_eq!(bins[9].count, 1, "p = 1 falls in the last bin");
        assert_eq!(bins[5].count, 1);
    }

    #[test]
    fn a_perfectly_separated_calibration_set_keeps_a_finite_temperature() {
        let z = [-6.0, -4.0, -3.0, 3.0, 5.0, 8.0];
        let y = [false, false, false, true, true, true];
        let t = fit_temperature(&z, &y);
        assert!(t > 0.3 && t < 20.0, "T = {t}");
        // The plain NLL would drive T to the lower bound.
        assert!(nll(&z, &y, 0.05) < nll(&z, &y, t));
    }

    #[test]
    fn temperature_recovers_the_scale_of_over_confident_logits() {
        // Labels drawn from sigmoid(z); the model reports 3 z (over-confident): T = 3.
        let mut z = Vec::new();
        let mut y = Vec::new();
        for i in 0..4000 {
            let zi = -4.0 + 8.0 * (i as f64 + 0.5) / 4000.0;
            // Deterministic labels with the right frequency: a low-discrepancy sequence.
            let u = (i as f64 * 0.618_033_988_749_895).fract();
            z.push(3.0 * zi);
            y.push(u < sigmoid(zi));
        }
        let t = fit_temperature(&z, &y);
        assert!((t - 3.0).abs() < 0.15, "T = {t}");
        assert!(nll(&z, &y, t) < nll(&z, &y, 1.0));
        let p0: Vec<f64> = z.iter().map(|&v| sigmoid(v)).collect();
        let p1: Vec<f64> = z.iter().map(|&v| sigmoid(v / t)).collect();
        assert!(ece(&p1, &y, 10) < ece(&p0, &y, 10));
    }
}
