//! Forecasts from the starts of the held-out trajectories and their scores against the truth:
//! persistence, the numerical model on a coarser grid (started from the truncated truth, run
//! without the unknowable future forcing, interpolated back spectrally), the truth model itself
//! without the future forcing (the limit any forecast of this stochastic system faces), and the
//! network.
//!
//! Scores per lead `tau`: `RMSE(tau) = sqrt(<(f - a)^2>)` over all points and starts, and the
//! anomaly correlation coefficient against the training climatology `c`,
//! `ACC(tau) = mean over starts of sum (f - c)(a - c) / sqrt(sum (f - c)^2 sum (a - c)^2)`
//! (the uncentred ACC of operational verification, WMO Manual on the GDPFS).

use super::model::Model;
use super::simulate::par_map;

/// A forecast start: trajectory and frame.
pub type Start = (usize, usize);

/// Forecasts `fc[k][b]`: the field `k + 1` steps after start `b`.
pub type Forecasts = Vec<Vec<Vec<f64>>>;

/// Scores per lead (index `k` is lead `k + 1`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// Root-mean-square error.
    pub rmse: Vec<f64>,
    /// Anomaly correlation coefficient.
    pub acc: Vec<f64>,
}

/// The pointwise mean of all training frames.
pub fn climatology(sets: &[Vec<Vec<f64>>]) -> Vec<f64> {
    let mut sum: Vec<f64> = Vec::new();
    let mut count = 0usize;
    for frame in sets.iter().flatten() {
        if sum.is_empty() {
            sum = vec![0.0; frame.len()];
        }
        sum.iter_mut().zip(frame).for_each(|(s, v)| *s += v);
        count += 1;
    }
    sum.iter_mut().for_each(|s| *s /= count.max(1) as f64);
    sum
}

/// Uncentred anomaly correlation of forecast `f` and truth `a` about `clim`.
pub fn acc(f: &[f64], a: &[f64], clim: &[f64]) -> f64 {
    let (mut fa, mut ff, mut aa) = (0.0, 0.0, 0.0);
    for ((f, a), c) in f.iter().zip(a).zip(clim) {
        let (x, y) = (f - c, a - c);
        fa += x * y;
        ff += x * x;
        aa += y * y;
    }
    if ff > 0.0 && aa > 0.0 {
        fa / (ff * aa).sqrt()
    } else {
        0.0
    }
}

/// Scores of `fc` against the truth frames `truth[traj][frame]` at the starts.
pub fn score(fc: &Forecasts, truth: &[Vec<Vec<f64>>], starts: &[Start], clim: &[f64]) -> Scores {
    let mut s = Scores::default();
    for (k, at_lead) in fc.iter().enumerate() {
        let (mut se, mut points, mut acc_sum) = (0.0, 0usize, 0.0);
        for (f, &(t, s0)) in at_lead.iter().zip(starts) {
            let a = &truth[t][s0 + k + 1];
            se += f.iter().zip(a).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
            points += a.len();
            acc_sum += acc(f, a, clim);
        }
        s.rmse.push((se / points.max(1) as f64).sqrt());
        s.acc.push(acc_sum / at_lead.len().max(1) as f64);
    }
    s
}

/// Persistence: the field at the start, at every lead.
pub fn persistence(truth: &[Vec<Vec<f64>>], starts: &[Start], horizon: usize) -> Forecasts {
    (0..horizon)
        .map(|_| starts.iter().map(|&(t, s)| truth[t][s].clone()).collect())
        .collect()
}

/// Deterministic forecasts with `model` (another grid than `fine`'s allowed): the truth frame
/// is moved to the model's grid, advanced `steps` RK4 steps per interval without forcing, and
/// each lead moved back to the fine grid.
pub fn numerical(
    fine: &Model,
    model: &Model,
    truth: &[Vec<Vec<f64>>],
    starts: &[Start],
    horizon: usize,
    interval: f64,
    steps: usize,
) -> Forecasts {
    let per_start = par_map(
        starts.len(),
        |b| {
            let (t, s) = starts[b];
            let mut w = fine.regrid_to(&fine.to_spectral(&truth[t][s]), model);
            (0..horizon)
                .map(|_| {
                    model.advance::<rand::rngs::StdRng>(&mut w, interval, steps, None);
                    fine.to_physical(&model.regrid_to(&w, fine))
                })
                .collect::<Vec<_>>()
        },
        None,
    );
    (0..horizon)
        .map(|k| per_start.iter().map(|f| f[k].clone()).collect())
        .collect()
}
