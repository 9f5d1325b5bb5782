//! Box Least Squares (Kovacs, Zucker & Mazeh 2002): the periodogram of folded box fits and its
//! signal detection efficiency, run over a whole set in parallel.

use super::cnn::Set;
use ai4s_core::RunContext;

/// The trial grids of a Box Least Squares search.
#[derive(Clone, Debug)]
pub struct BlsGrid {
    /// Trial periods in days (increasing).
    pub periods: Vec<f64>,
    /// Shortest and longest box durations in days.
    pub duration: [f64; 2],
    /// Sample spacing in days.
    pub cadence: f64,
}

impl BlsGrid {
    /// Periods uniform in `log P` so that a period error drifts the phase by at most
    /// `shortest duration / oversample` over the `n` samples.
    pub fn new(
        n: usize,
        cadence: f64,
        period: [f64; 2],
        duration: [f64; 2],
        oversample: f64,
    ) -> Self {
        let baseline = n as f64 * cadence;
        let step = duration[0] / (oversample * baseline);
        let count = (((period[1] / period[0]).ln() / step).ceil() as usize).max(1) + 1;
        let periods = (0..count)
            .map(|k| period[0] * (period[1] / period[0]).powf(k as f64 / (count - 1) as f64))
            .collect();
        BlsGrid {
            periods,
            duration,
            cadence,
        }
    }
}

/// Result of [`bls`].
#[derive(Clone, Debug)]
pub struct BlsResult {
    /// `sqrt(max D)` per trial period (the box SNR periodogram).
    pub power: Vec<f64>,
    /// Period of the highest peak in days.
    pub best_period: f64,
    /// Box duration at the peak in days.
    pub best_duration: f64,
    /// Peak box SNR `sqrt(D)`.
    pub peak_snr: f64,
    /// Signal detection efficiency `(peak - mean) / std` of the periodogram.
    pub sde: f64,
}

/// Box Least Squares (Kovacs, Zucker & Mazeh 2002) on residuals `x` with unit noise.
pub fn bls(x: &[f64], grid: &BlsGrid) -> BlsResult {
    let n = x.len();
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf.max(1.0);
    let xc: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let bin_w = (0.5 * grid.duration[0]).max(grid.cadence);
    let mut power = Vec::with_capacity(grid.periods.len());
    let (mut best, mut best_p, mut best_d) = (0.0f64, 0.0, 0.0);
    let mut sum = Vec::new();
    let mut cnt = Vec::new();
    for &p in &grid.periods {
        let nb = ((p / bin_w).ceil() as usize).max(2);
        sum.clear();
        sum.resize(2 * nb + 1, 0.0f64);
        cnt.clear();
        cnt.resize(2 * nb + 1, 0.0f64);
        for (i, v) in xc.iter().enumerate() {
            let ph = (i as f64 * grid.cadence / p).fract();
            let b = ((ph * nb as f64) as usize).min(nb - 1);
            sum[b + 1] += v;
            cnt[b + 1] += 1.0;
        }
        // Wrap around by doubling, then prefix sums.
        for b in 0..nb {
            sum[nb + b + 1] = sum[b + 1];
            cnt[nb + b + 1] = cnt[b + 1];
        }
        for b in 1..=2 * nb {
            sum[b] += sum[b - 1];
            cnt[b] += cnt[b - 1];
        }
        let pw = p / nb as f64;
        let wmin = ((grid.duration[0] / pw).round() as usize).max(1);
        let wmax = ((grid.duration[1] / pw).round() as usize).clamp(wmin, nb - 1);
        let mut top = 0.0f64;
        let mut top_w = wmin;
        let mut w = wmin;
        loop {
            for b in 0..nb {
                let s = sum[b + w] - sum[b];
                let c = cnt[b + w] - cnt[b];
                if s < 0.0 && c > 0.0 && c < nf {
                    let d = s * s / (c * (1.0 - c / nf));
                    if d > top {
                        top = d;
                        top_w = w;
                    }
                }
            }
            if w >= wmax {
                break;
            }
            w = (w + (w / 4).max(1)).min(wmax);
        }
        let s = top.sqrt();
        power.push(s);
        if s > best {
            (best, best_p, best_d) = (s, p, top_w as f64 * pw);
        }
    }
    let m = power.len().max(1) as f64;
    let mu = power.iter().sum::<f64>() / m;
    let sd = (power.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / m).sqrt();
    BlsResult {
        sde: if sd > 0.0 { (best - mu) / sd } else { 0.0 },
        power,
        best_period: best_p,
        best_duration: best_d,
        peak_snr: best,
    }
}

/// BLS of every curve of `set`, in parallel over the available cores.
pub(super) fn bls_all(set: &Set, grid: &BlsGrid, ctx: &RunContext) -> Vec<BlsResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    let n = set.n();
    let mut bar = ctx.progress("bls", n as u64);
    let chunk = n.div_ceil(threads).max(1);
    let mut out: Vec<Option<BlsResult>> = vec![None; n];
    std::thread::scope(|s| {
        let handles: Vec<_> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(c, slot)| {
                s.spawn(move || {
                    for (k, r) in slot.iter_mut().enumerate() {
                        let i = c * chunk + k;
                        let x: Vec<f64> = set.x[i * set.len..(i + 1) * set.len]
                            .iter()
                            .map(|&v| v as f64)
                            .collect();
                        *r = Some(bls(&x, grid));
                    }
                })
            })
            .collect();
        for h in handles {
            let _ = h.join();
        }
    });
    bar.inc(n as u64);
    bar.finish();
    out.into_iter()
        .map(|r| {
            r.unwrap_or(BlsResult {
                power: Vec::new(),
                best_period: 0.0,
                best_duration: 0.0,
                peak_snr: 0.0,
                sde: 0.0,
            })
        })
        .collect()
}
