//! The lensing task's configuration and its validation.

use ai4s_core::error::ensure;
use ai4s_core::train::TrainSettings;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`Lensing`](super::Lensing). Angles on the sky are in arcsec.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LensingConfig {
    /// Pixels per side of each cutout.
    pub image_size: usize,
    /// Pixel size, arcsec (0.2: KiDS- or LSST-like ground-based imaging).
    pub pixel_arcsec: f64,
    /// Sub-pixels per pixel side on which rays are shot.
    pub supersample: usize,
    /// Full width at half maximum of the Gaussian PSF, arcsec (the seeing).
    pub psf_fwhm_arcsec: f64,
    /// Sky background, counts per pixel (Poisson).
    pub sky_counts: f64,
    /// Read noise, counts per pixel (Gaussian).
    pub read_noise: f64,
    /// Einstein radius range of the lenses (uniform).
    pub theta_e_arcsec: [f64; 2],
    /// Axis ratio range of the central galaxy's light, which the lens mass shares (uniform).
    pub lens_axis_ratio: [f64; 2],
    /// Scatter of the mass position angle about the light's, degrees.
    pub mass_misalignment_deg: f64,
    /// Largest external shear (its size is uniform below it, its angle uniform).
    pub shear_max: f64,
    /// Half-light radius range of the central galaxy (uniform).
    pub lens_radius_arcsec: [f64; 2],
    /// Sersic index range of the central galaxy (uniform).
    pub lens_sersic_n: [f64; 2],
    /// Matched-filter signal-to-noise range of the central galaxy (log-uniform).
    pub lens_snr: [f64; 2],
    /// Largest source offset from the lens axis, in units of the Einstein radius (uniform over
    /// the disc).
    pub source_offset: f64,
    /// Half-light radius range of the background sources (uniform).
    pub source_radius_arcsec: [f64; 2],
    /// Sersic index range of the background sources (uniform).
    pub source_sersic_n: [f64; 2],
    /// Axis ratio range of the background sources (uniform).
    pub source_axis_ratio: [f64; 2],
    /// Matched-filter signal-to-noise range of the lensed arcs, and of the unlensed companions
    /// of non-lenses (log-uniform).
    pub snr: [f64; 2],
    /// Fraction of non-lenses with an unlensed companion galaxy next to the central one.
    pub companion_fraction: f64,
    /// Distance range of the companions from the central galaxy (uniform).
    pub companion_distance_arcsec: [f64; 2],
    /// Training cutouts (half of them lenses).
    pub train_images: usize,
    /// Validation cutouts (early stopping).
    pub val_images: usize,
    /// Held-out test cutouts on which every method is scored.
    pub test_images: usize,
    /// The CNN reads `asinh(image / stretch)`, the image in units of the sky noise.
    pub stretch: f64,
    /// Output channels of the convolution blocks (3x3 convolution, ReLU, 2x2 max-pooling).
    pub channels: Vec<usize>,
    /// Width of the dense hidden layer.
    pub hidden: usize,
    /// Weight of the Einstein-radius loss (on standardised radii) against the cross-entropy.
    pub theta_weight: f64,
    /// Optimisation of the CNN.
    pub train: TrainSettings,
    /// Ring finder: angles sampled around each trial ellipse.
    pub ring_angles: usize,
    /// Ring finder: each angle's matched-filter SNR counts up to this value (a compact blob
    /// cannot outscore an extended arc).
    pub ring_clip: f64,
    /// Nelder-Mead evaluations of each lens-light fit (two fits per image).
    pub light_fit_evals: usize,
    /// Test lenses given a parametric SIE + Sersic source fit of the Einstein radius.
    pub fit_lenses: usize,
    /// Nelder-Mead evaluations per start of that fit.
    pub fit_evals: usize,
    /// Starts of that fit (different source positions; the best is kept).
    pub fit_starts: usize,
    /// Edges of the SNR bins of the per-bin AUC.
    pub snr_bins: Vec<f64>,
    /// Edges of the Einstein-radius bins of the per-bin AUC, arcsec.
    pub theta_e_bins: Vec<f64>,
}

impl Default for LensingConfig {
    fn default() -> Self {
        LensingConfig {
            image_size: 48,
            pixel_arcsec: 0.2,
            supersample: 4,
            psf_fwhm_arcsec: 0.7,
            sky_counts: 100.0,
            read_noise: 5.0,
            theta_e_arcsec: [0.6, 1.8],
            lens_axis_ratio: [0.6, 1.0],
            mass_misalignment_deg: 10.0,
            shear_max: 0.05,
            lens_radius_arcsec: [0.5, 1.2],
            lens_sersic_n: [3.0, 5.0],
            lens_snr: [60.0, 300.0],
            source_offset: 0.6,
            source_radius_arcsec: [0.1, 0.4],
            source_sersic_n: [0.7, 2.0],
            source_axis_ratio: [0.4, 1.0],
            snr: [10.0, 100.0],
            companion_fraction: 0.75,
            companion_distance_arcsec: [0.5, 2.2],
            train_images: 10_000,
            val_images: 1500,
            test_images: 3000,
            stretch: 3.0,
            channels: vec![16, 32, 64],
            hidden: 64,
            theta_weight: 1.0,
            train: TrainSettings {
                epochs: 16,
                batch_size: 32,
                lr: 2e-3,
                patience: 5,
                ..Default::default()
            },
            ring_angles: 32,
            ring_clip: 3.0,
            light_fit_evals: 300,
            fit_lenses: 100,
            fit_evals: 800,
            fit_starts: 3,
            snr_bins: vec![10.0, 15.0, 25.0, 40.0, 60.0, 100.0],
            theta_e_bins: vec![0.6, 0.9, 1.2, 1.5, 1.8],
        }
    }
}

impl TaskConfig for LensingConfig {
    fn quick() -> Self {
        let d = Self::default();
        LensingConfig {
            image_size: 32,
            supersample: 3,
            train_images: 4000,
            val_images: 500,
            test_images: 1000,
            channels: vec![8, 16, 32],
            hidden: 32,
            train: TrainSettings {
                epochs: 16,
                batch_size: 32,
                patience: 0,
                ..d.train.clone()
            },
            light_fit_evals: 120,
            fit_lenses: 16,
            fit_evals: 400,
            fit_starts: 2,
            snr_bins: vec![10.0, 20.0, 40.0, 100.0],
            theta_e_bins: vec![0.6, 1.0, 1.4, 1.8],
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((16..=256).contains(&self.image_size), "image_size", || {
            format!("must be 16..=256 pixels, got {}", self.image_size)
        })?;
        positive(self.pixel_arcsec, "pixel_arcsec", 2.0)?;
        ensure((1..=16).contains(&self.supersample), "supersample", || {
            format!("must be 1..=16, got {}", self.supersample)
        })?;
        positive(self.psf_fwhm_arcsec, "psf_fwhm_arcsec", 5.0)?;
        ensure(
            self.psf_fwhm_arcsec >= 1.5 * self.pixel_arcsec,
            "psf_fwhm_arcsec",
            || {
                format!(
                    "must cover at least 1.5 pixels ({} arcsec) so the images are sampled, got {}",
                    1.5 * self.pixel_arcsec,
                    self.psf_fwhm_arcsec
                )
            },
        )?;
        positive(self.sky_counts, "sky_counts", 1e9)?;
        ensure(
            self.read_noise.is_finite() && (0.0..=1e4).contains(&self.read_noise),
            "read_noise",
            || format!("must lie in [0, 1e4], got {}", self.read_noise),
        )?;
        let half_field = 0.5 * self.image_size as f64 * self.pixel_arcsec;
        range(self.theta_e_arcsec, "theta_e_arcsec", 1e-3, half_field)?;
        let reach = self.theta_e_arcsec[1] * (1.0 + self.source_offset);
        ensure(reach < half_field, "theta_e_arcsec", || {
            format!(
                "images reach {reach:.2} arcsec from the centre (largest Einstein radius x (1 + source_offset)) but the cutout's half-width is {half_field:.2} arcsec; enlarge image_size or lower the radii"
            )
        })?;
        range(self.lens_axis_ratio, "lens_axis_ratio", 0.2, 1.0)?;
        for (name, v, max) in [
            ("mass_misalignment_deg", self.mass_misalignment_deg, 90.0),
            ("shear_max", self.shear_max, 0.3),
            ("source_offset", self.source_offset, 1.0),
            ("companion_fraction", self.companion_fraction, 1.0),
        ] {
            ensure(v.is_finite() && (0.0..=max).contains(&v), name, || {
                format!("must lie in [0, {max}], got {v}")
            })?;
        }
        range(self.lens_radius_arcsec, "lens_radius_arcsec", 1e-3, 100.0)?;
        range(self.lens_sersic_n, "lens_sersic_n", 0.3, 8.0)?;
        range(self.lens_snr, "lens_snr", 1e-3, 1e6)?;
        range(
            self.source_radius_arcsec,
            "source_radius_arcsec",
            1e-3,
            10.0,
        )?;
        range(self.source_sersic_n, "source_sersic_n", 0.3, 8.0)?;
        range(self.source_axis_ratio, "source_axis_ratio", 0.1, 1.0)?;
        range(self.snr, "snr", 0.1, 1e5)?;
        range(
            self.companion_distance_arcsec,
            "companion_distance_arcsec",
            0.0,
            half_field,
        )?;
        for (name, v, min) in [
            ("train_images", self.train_images, 20),
            ("val_images", self.val_images, 10),
            ("test_images", self.test_images, 20),
        ] {
            ensure((min..=1_000_000).contains(&v), name, || {
                format!("must be {min}..=1000000, got {v}")
            })?;
        }
        positive(self.stretch, "stretch", 1e6)?;
        ensure(
            !self.channels.is_empty()
                && self.channels.len() <= 5
                && self.channels.iter().all(|&c| (1..=512).contains(&c)),
            "channels",
            || format!("1 to 5 blocks of 1..=512 channels, got {:?}", self.channels),
        )?;
        ensure(
            self.image_size >> self.channels.len() >= 2,
            "channels",
            || {
                format!(
                    "{} pooling blocks shrink the {}-pixel image below 2 pixels",
                    self.channels.len(),
                    self.image_size
                )
            },
        )?;
        ensure((1..=4096).contains(&self.hidden), "hidden", || {
            format!("must be 1..=4096, got {}", self.hidden)
        })?;
        ensure(
            self.theta_weight.is_finite() && (0.0..=100.0).contains(&self.theta_weight),
            "theta_weight",
            || format!("must lie in [0, 100], got {}", self.theta_weight),
        )?;
        self.train.validate("train")?;
        ensure((8..=360).contains(&self.ring_angles), "ring_angles", || {
            format!("must be 8..=360, got {}", self.ring_angles)
        })?;
        positive(self.ring_clip, "ring_clip", 100.0)?;
        ensure(
            (20..=100_000).contains(&self.light_fit_evals),
            "light_fit_evals",
            || format!("must be 20..=100000, got {}", self.light_fit_evals),
        )?;
        ensure(
            self.fit_lenses <= self.test_images / 2,
            "fit_lenses",
            || {
                format!(
                    "must be at most the number of test lenses ({}), got {}",
                    self.test_images / 2,
                    self.fit_lenses
                )
            },
        )?;
        ensure(
            (20..=100_000).contains(&self.fit_evals),
            "fit_evals",
            || format!("must be 20..=100000, got {}", self.fit_evals),
        )?;
        ensure((1..=20).contains(&self.fit_starts), "fit_starts", || {
            format!("must be 1..=20, got {}", self.fit_starts)
        })?;
        edges(&self.snr_bins, "snr_bins")?;
        edges(&self.theta_e_bins, "theta_e_bins")
    }
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}

fn range(r: [f64; 2], field: &str, min: f64, max: f64) -> Result<()> {
    ensure(
        r.iter().all(|v| v.is_finite()) && r[0] >= min && r[0] <= r[1] && r[1] <= max,
        field,
        || format!("must be [low, high] with {min} <= low <= high <= {max:.4}, got {r:?}"),
    )
}

fn edges(e: &[f64], field: &str) -> Result<()> {
    ensure(
        e.len() >= 2 && e.iter().all(|v| v.is_finite()) && e.windows(2).all(|w| w[0] < w[1]),
        field,
        || format!("need at least two increasing finite edges, got {e:?}"),
    )
}
