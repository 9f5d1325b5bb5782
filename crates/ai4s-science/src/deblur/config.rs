//! The deblurring task's configuration and its validation.

use super::psf::PsfShape;
use ai4s_core::error::ensure;
use ai4s_core::train::{Schedule, TrainSettings};
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`Deblur`](super::Deblur). Lengths are in pixels, brightness in counts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeblurConfig {
    /// Pixels per side of each image (a power of two, for the radix-2 FFT).
    pub image_size: usize,
    /// Sub-pixels per pixel side on which the galaxies are integrated.
    pub supersample: usize,
    /// PSF profile: moffat or gaussian.
    pub psf: PsfShape,
    /// Full width at half maximum of the PSF, pixels.
    pub psf_fwhm_px: f64,
    /// Power-law index of the Moffat PSF.
    pub moffat_beta: f64,
    /// Galaxies per image, `[min, max]` (uniform).
    pub galaxies: [usize; 2],
    /// Half-light radius range of the galaxies, pixels (uniform).
    pub radius_px: [f64; 2],
    /// Sersic index range (uniform).
    pub sersic_n: [f64; 2],
    /// Axis ratio range (uniform).
    pub axis_ratio: [f64; 2],
    /// Flux of every further galaxy relative to the first (log-uniform).
    pub flux_ratio: [f64; 2],
    /// Point-like stars per image, `[min, max]` (uniform).
    pub stars: [usize; 2],
    /// Flux of each star relative to the first galaxy (log-uniform).
    pub star_flux_ratio: [f64; 2],
    /// Object centres lie at least this far from the image edges.
    pub edge_margin_px: f64,
    /// Sky background, counts per pixel (Poisson; subtracted from the data).
    pub sky_counts: f64,
    /// Read noise, counts per pixel (Gaussian).
    pub read_noise: f64,
    /// The noise levels: peak signal-to-noise ratio of the blurred image,
    /// `c / sqrt(c + sky + read^2)` with `c` the counts of its brightest pixel.
    pub peak_snr: Vec<f64>,
    /// Training images (spread evenly over the noise levels; fresh noise in every batch).
    pub train_images: usize,
    /// Validation images per noise level (early stopping, Wiener's regularisation and
    /// Richardson-Lucy's iteration count).
    pub val_per_level: usize,
    /// Held-out test images per noise level on which every method is scored.
    pub test_per_level: usize,
    /// U-Net channels at full, half and quarter resolution.
    pub channels: [usize; 3],
    /// Block sides of the U-Net loss's coarse scales (powers of two below `image_size`): the
    /// squared errors of block sums penalise flux moved within a block.
    pub loss_blocks: Vec<usize>,
    /// Optimisation of the U-Net.
    pub train: TrainSettings,
    /// Range of Wiener's regularisation `lambda` (the `1/SNR` term) searched on the
    /// validation images of each noise level (log-spaced).
    pub wiener_lambda: [f64; 2],
    /// Number of `lambda` values in that search.
    pub wiener_steps: usize,
    /// Largest Richardson-Lucy iteration count considered on the validation images.
    pub rl_max_iterations: usize,
    /// Test images per noise level shown in the before/after figure.
    pub figure_images: usize,
}

impl Default for DeblurConfig {
    fn default() -> Self {
        DeblurConfig {
            image_size: 32,
            supersample: 4,
            psf: PsfShape::Moffat,
            psf_fwhm_px: 3.0,
            moffat_beta: 3.0,
            galaxies: [1, 3],
            radius_px: [1.0, 4.0],
            sersic_n: [0.5, 3.0],
            axis_ratio: [0.4, 1.0],
            flux_ratio: [0.1, 1.0],
            stars: [0, 2],
            star_flux_ratio: [0.01, 0.1],
            edge_margin_px: 6.0,
            sky_counts: 20.0,
            read_noise: 5.0,
            peak_snr: vec![300.0, 100.0, 30.0, 10.0],
            train_images: 3000,
            val_per_level: 48,
            test_per_level: 300,
            channels: [12, 24, 48],
            loss_blocks: vec![4],
            train: TrainSettings {
                epochs: 16,
                batch_size: 16,
                lr: 3e-3,
                schedule: Schedule::Cosine,
                patience: 0,
                ..Default::default()
            },
            wiener_lambda: [1e-6, 1.0],
            wiener_steps: 37,
            rl_max_iterations: 3000,
            figure_images: 1,
        }
    }
}

impl TaskConfig for DeblurConfig {
    fn quick() -> Self {
        let d = Self::default();
        DeblurConfig {
            peak_snr: vec![100.0, 30.0, 10.0],
            train_images: 1200,
            val_per_level: 32,
            test_per_level: 200,
            channels: [8, 16, 32],
            train: TrainSettings {
                epochs: 12,
                ..d.train.clone()
            },
            rl_max_iterations: 1000,
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        let n = self.image_size;
        ensure(
            n.is_power_of_two() && (16..=256).contains(&n),
            "image_size",
            || format!("must be a power of two in 16..=256 (radix-2 FFT), got {n}"),
        )?;
        ensure((1..=16).contains(&self.supersample), "supersample", || {
            format!("must be 1..=16, got {}", self.supersample)
        })?;
        let quarter = n as f64 / 4.0;
        ensure(
            self.psf_fwhm_px.is_finite() && self.psf_fwhm_px >= 0.5 && self.psf_fwhm_px <= quarter,
            "psf_fwhm_px",
            || {
                format!(
                    "must lie in [0.5, {quarter}] (a quarter of the image), got {}",
                    self.psf_fwhm_px
                )
            },
        )?;
        ensure(
            self.moffat_beta.is_finite() && self.moffat_beta > 1.0 && self.moffat_beta <= 50.0,
            "moffat_beta",
            || {
                format!(
                    "must lie in (1, 50] (beta <= 1 has infinite flux), got {}",
                    self.moffat_beta
                )
            },
        )?;
        ensure(
            self.galaxies[0] >= 1 && self.galaxies[0] <= self.galaxies[1] && self.galaxies[1] <= 20,
            "galaxies",
            || {
                format!(
                    "must be [min, max] with 1 <= min <= max <= 20, got {:?}",
                    self.galaxies
                )
            },
        )?;
        ensure(
            self.stars[0] <= self.stars[1] && self.stars[1] <= 20,
            "stars",
            || {
                format!(
                    "must be [min, max] with min <= max <= 20, got {:?}",
                    self.stars
                )
            },
        )?;
        range(self.radius_px, "radius_px", 0.3, quarter)?;
        range(self.sersic_n, "sersic_n", 0.3, 8.0)?;
        range(self.axis_ratio, "axis_ratio", 0.1, 1.0)?;
        range(self.flux_ratio, "flux_ratio", 1e-4, 1.0)?;
        range(self.star_flux_ratio, "star_flux_ratio", 1e-5, 10.0)?;
        let half = n as f64 / 2.0 - 1.0;
        ensure(
            self.edge_margin_px.is_finite()
                && self.edge_margin_px >= 0.0
                && self.edge_margin_px < half,
            "edge_margin_px",
            || {
                format!(
                    "must lie in [0, {half}) (objects need room inside the image), got {}",
                    self.edge_margin_px
                )
            },
        )?;
        ensure(
            self.sky_counts.is_finite() && (0.0..=1e8).contains(&self.sky_counts),
            "sky_counts",
            || format!("must lie in [0, 1e8], got {}", self.sky_counts),
        )?;
        ensure(
            self.read_noise.is_finite() && (0.0..=1e4).contains(&self.read_noise),
            "read_noise",
            || format!("must lie in [0, 1e4], got {}", self.read_noise),
        )?;
        ensure(
            self.sky_counts + self.read_noise * self.read_noise > 0.0,
            "read_noise",
            || {
                "sky_counts and read_noise are both 0: the noise levels need a background noise"
                    .into()
            },
        )?;
        ensure(
            !self.peak_snr.is_empty()
                && self.peak_snr.len() <= 10
                && self
                    .peak_snr
                    .iter()
                    .all(|s| s.is_finite() && (1.0..=1e5).contains(s)),
            "peak_snr",
            || {
                format!(
                    "need 1 to 10 levels, each in [1, 1e5], got {:?}",
                    self.peak_snr
                )
            },
        )?;
        let mut sorted = self.peak_snr.clone();
        sorted.sort_by(f64::total_cmp);
        ensure(sorted.windows(2).all(|w| w[0] < w[1]), "peak_snr", || {
            format!("levels must be distinct, got {:?}", self.peak_snr)
        })?;
        let levels = self.peak_snr.len();
        ensure(
            self.train_images >= 8 * levels && self.train_images <= 1_000_000,
            "train_images",
            || {
                format!(
                    "must be {}..=1000000 (8 per noise level), got {}",
                    8 * levels,
                    self.train_images
                )
            },
        )?;
        for (name, v, min) in [
            ("val_per_level", self.val_per_level, 2),
            ("test_per_level", self.test_per_level, 4),
        ] {
            ensure((min..=100_000).contains(&v), name, || {
                format!("must be {min}..=100000, got {v}")
            })?;
        }
        ensure(
            self.channels.iter().all(|c| (1..=512).contains(c)),
            "channels",
            || format!("each must be 1..=512, got {:?}", self.channels),
        )?;
        ensure(
            self.loss_blocks.len() <= 8
                && self
                    .loss_blocks
                    .iter()
                    .all(|&b| b.is_power_of_two() && b >= 2 && b < n),
            "loss_blocks",
            || {
                format!(
                    "must be at most 8 powers of two in 2..{n} (image_size), got {:?}",
                    self.loss_blocks
                )
            },
        )?;
        self.train.validate("train")?;
        let [lo, hi] = self.wiener_lambda;
        ensure(
            lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi && hi <= 1e6,
            "wiener_lambda",
            || {
                format!(
                    "must be [low, high] with 0 < low <= high <= 1e6, got {:?}",
                    self.wiener_lambda
                )
            },
        )?;
        ensure(
            (1..=1000).contains(&self.wiener_steps),
            "wiener_steps",
            || format!("must be 1..=1000, got {}", self.wiener_steps),
        )?;
        ensure(
            (1..=100_000).contains(&self.rl_max_iterations),
            "rl_max_iterations",
            || format!("must be 1..=100000, got {}", self.rl_max_iterations),
        )?;
        ensure(
            self.figure_images >= 1 && self.figure_images <= self.test_per_level.min(8),
            "figure_images",
            || {
                format!(
                    "must be 1..={} (at most 8 and test_per_level), got {}",
                    self.test_per_level.min(8),
                    self.figure_images
                )
            },
        )
    }
}

fn range(r: [f64; 2], field: &str, min: f64, max: f64) -> Result<()> {
    ensure(
        r.iter().all(|v| v.is_finite()) && r[0] >= min && r[0] <= r[1] && r[1] <= max,
        field,
        || format!("must be [low, high] with {min} <= low <= high <= {max}, got {r:?}"),
    )
}
