//! Simulated telescope images: a few elliptical Sersic galaxies and point-like stars, integrated
//! over pixels, blurred by the known PSF (circular convolution on the periodic grid), observed
//! with Poisson noise on sky plus signal and Gaussian read noise, and sky-subtracted.
//!
//! Units: every image is divided by the peak of its true (unblurred) image, so the truth has
//! maximum 1 and PSNR's `MAX` is 1. `gain` is the number of counts per such unit; it is set so
//! that the brightest pixel of the noiseless blurred image has the `c` counts of the noise
//! level's peak SNR, `c / sqrt(c + B) = SNR`, `B = sky + read^2`, i.e.
//! `c = (SNR^2 + SNR sqrt(SNR^2 + 4 B)) / 2`.

use super::config::DeblurConfig;
use super::psf::Psf;
use crate::lensing::{Grid, Sersic};
use ai4s_core::fft::{Complex, Fft2};
use ai4s_core::parallel::{item_seed, par_map};
use ai4s_core::progress::Progress;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};
use std::f64::consts::PI;

/// The telescope: image grid, PSF and detector noise.
#[derive(Clone, Debug)]
pub struct Camera {
    /// The FFT of the image grid.
    pub fft: Fft2,
    /// The PSF's transfer function on that grid.
    pub otf: Vec<Complex>,
    /// Sky background, counts per pixel.
    pub sky: f64,
    /// Read noise, counts.
    pub read: f64,
    grid: Grid,
}

impl Camera {
    /// The camera of `cfg`.
    pub fn new(cfg: &DeblurConfig) -> Self {
        let fft = Fft2::new(cfg.image_size).expect("validate() requires a power-of-two size");
        let psf = Psf {
            shape: cfg.psf,
            fwhm: cfg.psf_fwhm_px,
            beta: cfg.moffat_beta,
        };
        Camera {
            otf: psf.otf(&fft),
            fft,
            sky: cfg.sky_counts,
            read: cfg.read_noise,
            grid: Grid {
                n: cfg.image_size,
                pixel: 1.0,
                supersample: cfg.supersample,
            },
        }
    }

    /// Pixels per side.
    pub fn n(&self) -> usize {
        self.fft.n()
    }

    /// The blurred image `P * x`.
    pub fn blur(&self, x: &[f64]) -> Vec<f64> {
        self.fft.convolve(x, &self.otf)
    }

    /// Background variance per pixel in image units: `(sky + read^2) / gain^2`.
    pub fn background_variance(&self, gain: f64) -> f64 {
        (self.sky + self.read * self.read) / (gain * gain)
    }

    /// Counts of the brightest blurred pixel at a peak signal-to-noise ratio `snr`.
    pub fn peak_counts(&self, snr: f64) -> f64 {
        let b = self.sky + self.read * self.read;
        0.5 * (snr * snr + snr * (snr * snr + 4.0 * b).sqrt())
    }

    /// A noisy, sky-subtracted observation of `blurred` (image units, `gain` counts per unit):
    /// `(Poisson(gain b + sky) - sky + read N(0, 1)) / gain`.
    pub fn expose(&self, blurred: &[f64], gain: f64, rng: &mut impl Rng) -> Vec<f64> {
        blurred
            .iter()
            .map(|&b| {
                let mean = (gain * b).max(0.0) + self.sky;
                let counts = if mean > 0.0 {
                    Poisson::new(mean).map_or(mean, |p| p.sample(rng))
                } else {
                    0.0
                };
                let read: f64 = rng.sample(StandardNormal);
                (counts - self.sky + self.read * read) / gain
            })
            .collect()
    }
}

/// A circular aperture, in fractional pixel coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aperture {
    /// Centre row.
    pub row: f64,
    /// Centre column.
    pub col: f64,
    /// Radius, pixels.
    pub radius: f64,
}

impl Aperture {
    /// Sum of the pixels of the `n x n` image whose centres lie inside.
    pub fn flux(&self, image: &[f64], n: usize) -> f64 {
        image
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let (r, c) = ((i / n) as f64, (i % n) as f64);
                (r - self.row).hypot(c - self.col) <= self.radius
            })
            .map(|(_, v)| v)
            .sum()
    }
}

/// One observed image with its truth.
#[derive(Clone, Debug)]
pub struct Observation {
    /// The true image (pixel-integrated scene), maximum 1.
    pub truth: Vec<f64>,
    /// The noiseless blurred image.
    pub blurred: Vec<f64>,
    /// The noisy sky-subtracted observation.
    pub data: Vec<f64>,
    /// Counts per image unit.
    pub gain: f64,
    /// Index of the noise level.
    pub level: usize,
    /// Aperture on the first (brightest) galaxy: radius `max(2 R_e, FWHM)`.
    pub aperture: Aperture,
    /// Apertures of radius FWHM on the stars (empty when the image has none).
    pub stars: Vec<Aperture>,
}

fn uniform(rng: &mut StdRng, r: [f64; 2]) -> f64 {
    if r[1] > r[0] {
        rng.random_range(r[0]..r[1])
    } else {
        r[0]
    }
}

fn log_uniform(rng: &mut StdRng, r: [f64; 2]) -> f64 {
    uniform(rng, [r[0].ln(), r[1].ln()]).exp()
}

/// A random scene: its true image (maximum 1), the aperture of its first galaxy and those of
/// its stars.
pub fn sample_truth(
    cfg: &DeblurConfig,
    cam: &Camera,
    rng: &mut StdRng,
) -> (Vec<f64>, Aperture, Vec<Aperture>) {
    let n = cfg.image_size;
    let reach = n as f64 / 2.0 - cfg.edge_margin_px;
    let galaxies = rng.random_range(cfg.galaxies[0]..=cfg.galaxies[1]);
    let mut truth = vec![0.0; n * n];
    let mut aperture = None;
    for g in 0..galaxies {
        let centre = [
            rng.random_range(-reach..reach),
            rng.random_range(-reach..reach),
        ];
        let sersic = Sersic {
            amplitude: 1.0,
            r_e: uniform(rng, cfg.radius_px),
            n: uniform(rng, cfg.sersic_n),
            q: uniform(rng, cfg.axis_ratio),
            angle: rng.random_range(0.0..PI),
            centre,
        };
        let flux = if g == 0 {
            1.0
        } else {
            log_uniform(rng, cfg.flux_ratio)
        };
        let img = cam.grid.render(sersic.evaluator());
        let sum: f64 = img.iter().sum();
        for (t, v) in truth.iter_mut().zip(&img) {
            *t += flux * v / sum;
        }
        if g == 0 {
            let [row, col] = cam.grid.pixel_of(centre[0], centre[1]);
            aperture = Some(Aperture {
                row,
                col,
                radius: (2.0 * sersic.r_e).max(cfg.psf_fwhm_px),
            });
        }
    }
    let stars = rng.random_range(cfg.stars[0]..=cfg.stars[1]);
    let lo = cfg.edge_margin_px.ceil() as usize;
    let hi = (n - lo).max(lo + 1);
    let mut star_apertures = Vec::with_capacity(stars);
    for _ in 0..stars {
        let (r, c) = (rng.random_range(lo..hi), rng.random_range(lo..hi));
        truth[r * n + c] += log_uniform(rng, cfg.star_flux_ratio);
        star_apertures.push(Aperture {
            row: r as f64,
            col: c as f64,
            radius: cfg.psf_fwhm_px,
        });
    }
    let peak = truth.iter().copied().fold(0.0, f64::max);
    for t in &mut truth {
        *t /= peak;
    }
    let aperture = aperture.expect("validate() requires at least one galaxy");
    (truth, aperture, star_apertures)
}

/// One observation at noise level `level` from its own seed.
pub fn observe(cfg: &DeblurConfig, cam: &Camera, level: usize, seed: u64) -> Observation {
    let mut rng = StdRng::seed_from_u64(seed);
    let (truth, aperture, stars) = sample_truth(cfg, cam, &mut rng);
    let blurred = cam.blur(&truth);
    let peak = blurred.iter().copied().fold(0.0, f64::max);
    let gain = cam.peak_counts(cfg.peak_snr[level]) / peak;
    let data = cam.expose(&blurred, gain, &mut rng);
    Observation {
        truth,
        blurred,
        data,
        gain,
        level,
        aperture,
        stars,
    }
}

/// `count` observations from `seed`; image `i` is at noise level `level_of(i)`.
pub fn simulate_set(
    cfg: &DeblurConfig,
    cam: &Camera,
    count: usize,
    seed: u64,
    level_of: impl Fn(usize) -> usize + Sync,
    bar: Option<&mut Progress>,
) -> Vec<Observation> {
    par_map(count, bar, |i| {
        observe(cfg, cam, level_of(i), item_seed(seed, i))
    })
}
