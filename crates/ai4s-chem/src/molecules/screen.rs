//! Virtual screening scores: the enrichment factor and the enrichment curve.
//!
//! A screen ranks the pool by predicted gap (smallest first) and keeps the top `k = ceil(x P)`
//! of `P` candidates. The actives are the molecules whose exact gap is at most the `k`-th
//! smallest exact gap (ties included). The enrichment factor at `x` is
//! `EF = (actives found in the top k / all actives) / (k / P)`: 1 for a random ranking, at most
//! `P / actives` (about `1 / x`) for the exact one (Truchon & Bayly, J. Chem. Inf. Model. 47,
//! 488 (2007)).

/// Pool indices ordered by ascending prediction (ties by index).
fn ranking(pred: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pred.len()).collect();
    order.sort_by(|&a, &b| pred[a].total_cmp(&pred[b]).then(a.cmp(&b)));
    order
}

/// Number selected at fraction `x` of a pool of `p`.
fn selected(p: usize, x: f64) -> usize {
    ((x * p as f64).ceil() as usize).clamp(1, p.max(1))
}

/// The actives at fraction `x`: exact values at most the `k`-th smallest.
fn actives(exact: &[f64], x: f64) -> Vec<bool> {
    let mut sorted = exact.to_vec();
    sorted.sort_by(f64::total_cmp);
    let k = selected(exact.len(), x);
    let cut = sorted.get(k - 1).copied().unwrap_or(f64::NEG_INFINITY);
    exact.iter().map(|&v| v <= cut).collect()
}

/// Enrichment factor at fraction `x` of the ranking by `pred` against the exact values.
pub fn enrichment_factor(pred: &[f64], exact: &[f64], x: f64) -> f64 {
    let p = exact.len();
    if p == 0 || pred.len() != p {
        return f64::NAN;
    }
    let act = actives(exact, x);
    let total = act.iter().filter(|&&a| a).count();
    let k = selected(p, x);
    let hits = ranking(pred)[..k].iter().filter(|&&i| act[i]).count();
    (hits as f64 / total as f64) / (k as f64 / p as f64)
}

/// The largest enrichment factor any ranking can reach at `x` (`P / actives`, below `1 / x`
/// when exact values tie at the cut).
pub fn max_enrichment(exact: &[f64], x: f64) -> f64 {
    enrichment_factor(exact, exact, x)
}

/// Fraction of the actives (at fraction `x`) found against the fraction of the pool screened,
/// at `points` evenly spaced screening depths up to `depth`.
pub fn enrichment_curve(
    pred: &[f64],
    exact: &[f64],
    x: f64,
    depth: f64,
    points: usize,
) -> Vec<(f64, f64)> {
    let p = exact.len();
    let act = actives(exact, x);
    let total = act.iter().filter(|&&a| a).count().max(1) as f64;
    let order = ranking(pred);
    let mut found = vec![0usize; p + 1];
    for (r, &i) in order.iter().enumerate() {
        found[r + 1] = found[r] + usize::from(act[i]);
    }
    (0..=points)
        .map(|s| {
            let f = depth * s as f64 / points.max(1) as f64;
            let n = ((f * p as f64).round() as usize).min(p);
            (f, found[n] as f64 / total)
        })
        .collect()
}
