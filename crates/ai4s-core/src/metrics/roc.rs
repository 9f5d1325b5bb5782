//! Ranking quality of a binary score: the ROC curve and the area under it.
//!
//! AUC is the Mann-Whitney statistic `U / (n_pos n_neg)`: the probability that a random
//! positive scores above a random negative, ties counting one half (Hanley & McNeil 1982).

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative (ties count one half).
pub fn auc(pos: &[f64], neg: &[f64]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut all: Vec<(f64, bool)> = pos
        .iter()
        .map(|&s| (s, true))
        .chain(neg.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mann-Whitney U with mid-ranks.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let mid = 0.5 * ((i + 1) + (j + 1)) as f64;
        rank_sum += all[i..=j].iter().filter(|a| a.1).count() as f64 * mid;
        i = j + 1;
    }
    let (np, nn) = (pos.len() as f64, neg.len() as f64);
    (rank_sum - np * (np + 1.0) / 2.0) / (np * nn)
}

/// ROC curve `(false positive rate, true positive rate)` over all thresholds.
pub fn roc(pos: &[f64], neg: &[f64]) -> Vec<(f64, f64)> {
    let mut thr: Vec<f64> = pos.iter().chain(neg).copied().collect();
    thr.sort_by(|a, b| b.total_cmp(a));
    thr.dedup();
    let frac =
        |v: &[f64], t: f64| v.iter().filter(|&&s| s >= t).count() as f64 / v.len().max(1) as f64;
    let mut pts = vec![(0.0, 0.0)];
    pts.extend(thr.iter().map(|&t| (frac(neg, t), frac(pos, t))));
    pts.push((1.0, 1.0));
    pts
}

/// Fraction of positives above the threshold that lets through `fpr` of the negatives.
pub fn recall_at_fpr(pos: &[f64], neg: &[f64], fpr: f64) -> f64 {
    let mut s = neg.to_vec();
    s.sort_by(|a, b| b.total_cmp(a));
    let k = ((fpr * s.len() as f64).floor() as usize).min(s.len().saturating_sub(1));
    let Some(&thr) = s.get(k) else {
        return f64::NAN;
    };
    pos.iter().filter(|&&p| p > thr).count() as f64 / pos.len().max(1) as f64
}

/// AUC of `scores` against boolean `labels` (true = positive), as [`auc`].
pub fn auc_of(scores: &[f64], labels: &[bool]) -> f64 {
    let pick = |want: bool| -> Vec<f64> {
        scores
            .iter()
            .zip(labels)
            .filter(|p| *p.1 == want)
            .map(|p| *p.0)
            .collect()
    };
    auc(&pick(true), &pick(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_recall_on_hand_cases() {
        assert_eq!(auc(&[3.0, 4.0], &[1.0, 2.0]), 1.0);
        assert_eq!(auc(&[1.0, 2.0], &[3.0, 4.0]), 0.0);
        assert_eq!(auc(&[1.0], &[1.0]), 0.5);
        assert!((auc(&[2.0, 0.5], &[1.0, 0.0]) - 0.75).abs() < 1e-12);
        assert_eq!(recall_at_fpr(&[5.0, 0.5], &[0.0, 1.0, 2.0], 0.0), 0.5);
        let r = roc(&[3.0, 4.0], &[1.0, 2.0]);
        assert_eq!(r.first(), Some(&(0.0, 0.0)));
        assert_eq!(r.last(), Some(&(1.0, 1.0)));
    }
}
