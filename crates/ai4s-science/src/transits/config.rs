//! The transits task's configuration and its validation.

use ai4s_core::error::ensure;
use ai4s_core::train::TrainSettings;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Kepler long cadence in days (29.4 minutes).
pub const KEPLER_CADENCE_DAYS: f64 = 0.020_43;

/// Configuration of [`Transits`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransitsConfig {
    /// Samples per light curve.
    pub n_samples: usize,
    /// Time between samples in days.
    pub cadence_days: f64,
    /// Light curves for training the CNN (half with a transit).
    pub train_curves: usize,
    /// Light curves for early stopping of the CNN.
    pub val_curves: usize,
    /// Held-out light curves on which both detectors are scored.
    pub test_curves: usize,
    /// Orbital period range in days (log-uniform); the upper end must leave two transits.
    pub period_days: [f64; 2],
    /// Transit duration range in hours (uniform).
    pub duration_hours: [f64; 2],
    /// Matched-filter signal-to-noise range of the injected transits (log-uniform).
    pub snr: [f64; 2],
    /// White-noise level range in ppm per sample (log-uniform).
    pub noise_ppm: [f64; 2],
    /// Largest stellar-variability amplitude in units of the white noise (0 disables it).
    pub variability: f64,
    /// Stellar rotation period range in days (log-uniform).
    pub rotation_days: [f64; 2],
    /// Window of the running-median detrending in days.
    pub detrend_window_days: f64,
    /// BLS period-grid oversampling (phase drift over the baseline = shortest duration / this).
    pub bls_oversample: f64,
    /// Output channels of the convolution blocks (each followed by max-pooling by 2).
    pub channels: Vec<usize>,
    /// Convolution kernel size (odd).
    pub kernel: usize,
    /// Width of the dense hidden layer.
    pub hidden: usize,
    /// Edges of the SNR bins for the per-bin AUC and recall.
    pub snr_bins: Vec<f64>,
    /// Optimisation of the CNN.
    pub train: TrainSettings,
}

impl Default for TransitsConfig {
    fn default() -> Self {
        TransitsConfig {
            n_samples: 2000,
            cadence_days: KEPLER_CADENCE_DAYS,
            train_curves: 3000,
            val_curves: 800,
            test_curves: 1500,
            period_days: [1.0, 12.0],
            duration_hours: [1.5, 6.0],
            snr: [4.0, 30.0],
            noise_ppm: [100.0, 1000.0],
            variability: 3.0,
            rotation_days: [5.0, 30.0],
            detrend_window_days: 1.0,
            bls_oversample: 1.5,
            channels: vec![16, 32, 32, 64],
            kernel: 7,
            hidden: 32,
            snr_bins: vec![4.0, 6.0, 8.0, 10.0, 13.0, 17.0, 22.0, 30.0],
            train: TrainSettings {
                epochs: 12,
                batch_size: 64,
                lr: 2e-3,
                patience: 4,
                ..Default::default()
            },
        }
    }
}

impl TaskConfig for TransitsConfig {
    fn quick() -> Self {
        let d = Self::default();
        TransitsConfig {
            n_samples: 1000,
            train_curves: 1200,
            val_curves: 300,
            test_curves: 600,
            period_days: [1.0, 8.0],
            channels: vec![8, 16, 16, 32],
            snr_bins: vec![4.0, 7.0, 10.0, 15.0, 30.0],
            train: TrainSettings {
                epochs: 8,
                patience: 0,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            (200..=100_000).contains(&self.n_samples),
            "n_samples",
            || format!("must be 200..=100000, got {}", self.n_samples),
        )?;
        ensure(
            self.cadence_days.is_finite() && self.cadence_days > 0.0 && self.cadence_days < 1.0,
            "cadence_days",
            || format!("must be in (0, 1) days, got {}", self.cadence_days),
        )?;
        for (name, v, min) in [
            ("train_curves", self.train_curves, 20),
            ("val_curves", self.val_curves, 10),
            ("test_curves", self.test_curves, 20),
        ] {
            ensure((min..=200_000).contains(&v), name, || {
                format!("must be {min}..=200000, got {v}")
            })?;
        }
        let baseline = self.n_samples as f64 * self.cadence_days;
        range_ok(self.period_days, "period_days", 0.1, baseline / 2.0).map_err(|e| {
            with_hint(
                e,
                &format!(
                    "baseline {baseline:.2} d leaves two transits only below {:.2} d",
                    baseline / 2.0
                ),
            )
        })?;
        range_ok(self.duration_hours, "duration_hours", 0.1, 48.0)?;
        let min_d_samples = self.duration_hours[0] / 24.0 / self.cadence_days;
        ensure(min_d_samples >= 1.0, "duration_hours", || {
            format!(
                "the shortest duration ({} h) must span at least one sample ({:.2} h)",
                self.duration_hours[0],
                self.cadence_days * 24.0
            )
        })?;
        ensure(
            self.duration_hours[1] / 24.0 <= 0.25 * self.period_days[0],
            "duration_hours",
            || {
                format!(
                    "the longest duration ({} h) must be at most a quarter of the shortest period ({} d)",
                    self.duration_hours[1], self.period_days[0]
                )
            },
        )?;
        range_ok(self.snr, "snr", 0.1, 1e4)?;
        range_ok(self.noise_ppm, "noise_ppm", 1.0, 1e5)?;
        ensure(
            self.variability.is_finite() && (0.0..=100.0).contains(&self.variability),
            "variability",
            || {
                format!(
                    "must be in [0, 100] (units of the noise), got {}",
                    self.variability
                )
            },
        )?;
        range_ok(self.rotation_days, "rotation_days", 0.1, 1e4)?;
        ensure(
            self.detrend_window_days.is_finite()
                && self.detrend_window_days >= 3.0 * self.duration_hours[1] / 24.0 * 0.5
                && self.detrend_window_days <= baseline / 2.0,
            "detrend_window_days",
            || {
                format!(
                    "must lie between 1.5 x the longest duration ({:.3} d) and half the baseline ({:.2} d), got {}",
                    1.5 * self.duration_hours[1] / 24.0,
                    baseline / 2.0,
                    self.detrend_window_days
                )
            },
        )?;
        ensure(
            self.bls_oversample.is_finite() && (0.5..=10.0).contains(&self.bls_oversample),
            "bls_oversample",
            || format!("must be in [0.5, 10], got {}", self.bls_oversample),
        )?;
        ensure(
            !self.channels.is_empty()
                && self.channels.len() <= 6
                && self.channels.iter().all(|&c| (1..=256).contains(&c)),
            "channels",
            || format!("1 to 6 layers of 1..=256 channels, got {:?}", self.channels),
        )?;
        ensure(
            self.n_samples >> self.channels.len() >= self.kernel.max(2),
            "channels",
            || {
                format!(
                    "{} pooling layers leave fewer samples than the kernel ({}) of {} input samples",
                    self.channels.len(),
                    self.kernel,
                    self.n_samples
                )
            },
        )?;
        ensure(
            self.kernel % 2 == 1 && (1..=63).contains(&self.kernel),
            "kernel",
            || format!("must be odd and 1..=63, got {}", self.kernel),
        )?;
        ensure((1..=4096).contains(&self.hidden), "hidden", || {
            format!("must be 1..=4096, got {}", self.hidden)
        })?;
        ensure(
            self.snr_bins.len() >= 2
                && self.snr_bins.iter().all(|v| v.is_finite())
                && self.snr_bins.windows(2).all(|w| w[0] < w[1]),
            "snr_bins",
            || {
                format!(
                    "need at least two increasing finite edges, got {:?}",
                    self.snr_bins
                )
            },
        )?;
        self.train.validate("train")
    }
}

pub(super) fn range_ok(r: [f64; 2], field: &str, min: f64, max: f64) -> Result<()> {
    ensure(
        r.iter().all(|v| v.is_finite()) && r[0] >= min && r[0] <= r[1] && r[1] <= max,
        field,
        || format!("must be [low, high] with {min} <= low <= high <= {max:.4}, got {r:?}"),
    )
}

pub(super) fn with_hint(e: ai4s_core::Error, hint: &str) -> ai4s_core::Error {
    match e {
        ai4s_core::Error::Config { field, message } => ai4s_core::Error::Config {
            field,
            message: format!("{message} ({hint})"),
        },
        other => other,
    }
}
