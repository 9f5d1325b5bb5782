//! Simulated light curves (white noise, rotational variability, trapezoid transits at a drawn
//! matched-filter SNR) and the running-median detrending both detectors share.

use super::config::TransitsConfig;
use ai4s_core::metrics::median;
use rand::{Rng, rngs::StdRng};
use std::f64::consts::PI;

/// The injected planet of a light curve.
#[derive(Clone, Copy, Debug)]
pub struct Planet {
    /// Period in days.
    pub period: f64,
    /// Mid-time of the first transit in days.
    pub t0: f64,
    /// Total duration in days.
    pub duration: f64,
    /// Ingress (and egress) time as a fraction of the duration.
    pub ingress: f64,
    /// Fractional depth.
    pub depth: f64,
}

impl Planet {
    /// Fractional flux deficit at time `t` (a trapezoid; a box when `ingress` is 0).
    pub fn deficit(&self, t: f64) -> f64 {
        let phase = (t - self.t0).rem_euclid(self.period);
        let dt = phase.min(self.period - phase);
        let half = 0.5 * self.duration;
        if dt >= half {
            return 0.0;
        }
        let ramp = self.ingress * self.duration;
        if ramp <= 0.0 {
            self.depth
        } else {
            self.depth * ((half - dt) / ramp).min(1.0)
        }
    }
}

/// One simulated light curve.
#[derive(Clone, Debug)]
pub struct LightCurve {
    /// Relative flux, one value per sample.
    pub flux: Vec<f64>,
    /// White-noise level (fractional).
    pub sigma: f64,
    /// The planet, if one transits.
    pub planet: Option<Planet>,
    /// Matched-filter SNR of the transit (0 without a planet).
    pub snr: f64,
}

pub(super) fn log_uniform(rng: &mut StdRng, r: [f64; 2]) -> f64 {
    (r[0].ln() + (r[1].ln() - r[0].ln()) * rng.random::<f64>()).exp()
}

pub(super) fn gauss(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

/// Simulates a light curve; with `transit` a planet is injected at an SNR drawn from the config.
pub fn simulate(cfg: &TransitsConfig, transit: bool, rng: &mut StdRng) -> LightCurve {
    let n = cfg.n_samples;
    let dt = cfg.cadence_days;
    let sigma = log_uniform(rng, cfg.noise_ppm) * 1e-6;
    let amp = cfg.variability * rng.random::<f64>() * sigma;
    let prot = log_uniform(rng, cfg.rotation_days);
    let (ph1, ph2) = (
        2.0 * PI * rng.random::<f64>(),
        2.0 * PI * rng.random::<f64>(),
    );
    let mut flux: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 * dt;
            let w = 2.0 * PI * t / prot;
            1.0 + amp * ((w + ph1).sin() + 0.5 * (2.0 * w + ph2).sin()) + sigma * gauss(rng)
        })
        .collect();
    let (planet, snr) = if transit {
        let period = log_uniform(rng, cfg.period_days);
        let duration = (cfg.duration_hours[0]
            + (cfg.duration_hours[1] - cfg.duration_hours[0]) * rng.random::<f64>())
            / 24.0;
        let mut p = Planet {
            period,
            t0: period * rng.random::<f64>(),
            duration,
            ingress: 0.25 * rng.random::<f64>(),
            depth: 1.0,
        };
        let shape2: f64 = (0..n).map(|i| p.deficit(i as f64 * dt).powi(2)).sum();
        let snr = log_uniform(rng, cfg.snr);
        p.depth = snr * sigma / shape2.max(1e-12).sqrt();
        for (i, f) in flux.iter_mut().enumerate() {
            *f -= p.deficit(i as f64 * dt);
        }
        (Some(p), snr)
    } else {
        (None, 0.0)
    };
    LightCurve {
        flux,
        sigma,
        planet,
        snr,
    }
}

/// Subtracts a running-median trend (block medians of `window` samples every `window / 2`,
/// linearly interpolated) and divides by the robust standard deviation `1.4826 MAD`.
pub fn detrend(flux: &[f64], window: usize) -> Vec<f64> {
    let n = flux.len();
    if n == 0 {
        return Vec::new();
    }
    let step = (window / 2).max(1);
    let mut knots: Vec<(f64, f64)> = Vec::new();
    let mut c = 0usize;
    loop {
        let lo = c.saturating_sub(window / 2);
        let hi = (c + window / 2 + 1).min(n);
        // The block's centre, not `c`, where it is cut by an end of the curve.
        knots.push((0.5 * (lo + hi - 1) as f64, median(&flux[lo..hi])));
        if c + 1 >= n {
            break;
        }
        c = (c + step).min(n - 1);
    }
    let mut k = 0usize;
    let mut resid: Vec<f64> = (0..n)
        .map(|i| {
            let x = i as f64;
            while k + 2 < knots.len() && knots[k + 1].0 < x {
                k += 1;
            }
            let trend = if knots.len() == 1 {
                knots[0].1
            } else {
                let (a, b) = (knots[k], knots[k + 1]);
                a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
            };
            flux[i] - trend
        })
        .collect();
    let med = median(&resid);
    let dev: Vec<f64> = resid.iter().map(|r| (r - med).abs()).collect();
    let s = (1.4826 * median(&dev)).max(1e-12);
    for r in resid.iter_mut() {
        *r = (*r - med) / s;
    }
    resid
}
