//! Simulated survey cutouts: strong lenses (an elliptical galaxy whose SIE + shear mass lenses a
//! background Sersic source) and non-lenses (the same kind of galaxy alone or next to an
//! unlensed companion of the same brightness distribution), PSF-convolved, with Poisson sky and
//! source noise and Gaussian read noise.

use super::config::LensingConfig;
use super::lens::{Grid, Lens, Sersic, Sie, convolve, gaussian_kernel};
use ai4s_core::parallel::par_map;
use ai4s_core::progress::Progress;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};
use std::f64::consts::PI;

/// What is in one cutout (positions in arcsec, amplitudes in counts per arcsec^2).
#[derive(Clone, Debug)]
pub struct Scene {
    /// The lens mass (lenses only).
    pub lens: Option<Lens>,
    /// Light of the central (lens or non-lens) galaxy.
    pub lens_light: Sersic,
    /// The lensed source (lenses) or the unlensed companion (non-lenses that have one).
    pub source: Option<Sersic>,
    /// Matched-filter signal-to-noise ratio of the source light in the image (0 without one):
    /// `sqrt(sum_i s_i^2) / sigma_sky` over the PSF-convolved source counts `s_i`.
    pub snr: f64,
    /// The same for the central galaxy.
    pub lens_snr: f64,
}

impl Scene {
    /// Whether the cutout is a strong lens.
    pub fn is_lens(&self) -> bool {
        self.lens.is_some()
    }

    /// Einstein radius in arcsec (0 for non-lenses).
    pub fn theta_e(&self) -> f64 {
        self.lens.map_or(0.0, |l| l.sie.theta_e)
    }
}

/// One observed cutout.
#[derive(Clone, Debug)]
pub struct Cutout {
    /// Its content.
    pub scene: Scene,
    /// The observed image, row-major, sky-subtracted, in units of the sky noise `sigma_sky`.
    pub image: Vec<f32>,
    /// The noiseless source light (lensed arcs or companion) in the same units.
    pub source_light: Vec<f32>,
}

/// The noise model: Poisson counts on `sky + signal`, Gaussian read noise; images are reported
/// sky-subtracted in units of `sigma_sky = sqrt(sky + read^2)`.
#[derive(Clone, Copy, Debug)]
pub struct Noise {
    /// Sky counts per pixel.
    pub sky: f64,
    /// Read noise, counts.
    pub read: f64,
}

impl Noise {
    /// Background noise per pixel, counts.
    pub fn sigma(&self) -> f64 {
        (self.sky + self.read * self.read).sqrt()
    }
}

/// The image grid, PSF kernel and noise of a config.
#[derive(Clone, Debug)]
pub struct Instrument {
    /// Pixels.
    pub grid: Grid,
    /// One-dimensional PSF kernel (the PSF is its outer product).
    pub psf: Vec<f64>,
    /// Noise.
    pub noise: Noise,
}

impl Instrument {
    /// The instrument of `cfg`.
    pub fn new(cfg: &LensingConfig) -> Self {
        let sigma_px = cfg.psf_fwhm_arcsec / (8f64.ln() * 2.0).sqrt() / cfg.pixel_arcsec;
        Instrument {
            grid: Grid {
                n: cfg.image_size,
                pixel: cfg.pixel_arcsec,
                supersample: cfg.supersample,
            },
            psf: gaussian_kernel(sigma_px),
            noise: Noise {
                sky: cfg.sky_counts,
                read: cfg.read_noise,
            },
        }
    }

    /// PSF-convolved counts of `scene` without noise: `(central galaxy, source)`.
    pub fn noiseless(&self, scene: &Scene) -> (Vec<f64>, Vec<f64>) {
        let n = self.grid.n;
        let light = convolve(
            &self.grid.render(scene.lens_light.evaluator()),
            n,
            &self.psf,
        );
        let source = match (&scene.lens, &scene.source) {
            (Some(lens), Some(src)) => convolve(&self.grid.lensed(lens, src), n, &self.psf),
            (None, Some(src)) => convolve(&self.grid.render(src.evaluator()), n, &self.psf),
            (_, None) => vec![0.0; n * n],
        };
        (light, source)
    }
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

/// A random scene with unit amplitudes (rescaled to the drawn SNRs by [`observe`]).
pub fn sample_scene(cfg: &LensingConfig, lens: bool, rng: &mut StdRng) -> Scene {
    let half_px = 0.5 * cfg.pixel_arcsec;
    let centre = [
        rng.random_range(-half_px..half_px),
        rng.random_range(-half_px..half_px),
    ];
    let q = uniform(rng, cfg.lens_axis_ratio);
    let angle = rng.random_range(0.0..PI);
    let lens_light = Sersic {
        amplitude: 1.0,
        r_e: uniform(rng, cfg.lens_radius_arcsec),
        n: uniform(rng, cfg.lens_sersic_n),
        q,
        angle,
        centre,
    };
    let source = |rng: &mut StdRng, at: [f64; 2]| Sersic {
        amplitude: 1.0,
        r_e: uniform(rng, cfg.source_radius_arcsec),
        n: uniform(rng, cfg.source_sersic_n),
        q: uniform(rng, cfg.source_axis_ratio),
        angle: rng.random_range(0.0..PI),
        centre: at,
    };
    let (mass, src) = if lens {
        let theta_e = uniform(rng, cfg.theta_e_arcsec);
        let tilt: f64 = rng.sample(StandardNormal);
        let gamma = cfg.shear_max * rng.random::<f64>();
        let phi = rng.random_range(0.0..PI);
        let lens = Lens {
            sie: Sie {
                theta_e,
                q,
                angle: angle + tilt * cfg.mass_misalignment_deg.to_radians(),
                centre,
            },
            shear: [gamma * (2.0 * phi).cos(), gamma * (2.0 * phi).sin()],
        };
        let r = cfg.source_offset * theta_e * rng.random::<f64>().sqrt();
        let a = rng.random_range(0.0..2.0 * PI);
        let at = [centre[0] + r * a.cos(), centre[1] + r * a.sin()];
        (Some(lens), Some(source(rng, at)))
    } else if rng.random::<f64>() < cfg.companion_fraction {
        let d = uniform(rng, cfg.companion_distance_arcsec);
        let a = rng.random_range(0.0..2.0 * PI);
        let at = [centre[0] + d * a.cos(), centre[1] + d * a.sin()];
        (None, Some(source(rng, at)))
    } else {
        (None, None)
    };
    let snr = if src.is_some() {
        log_uniform(rng, cfg.snr)
    } else {
        0.0
    };
    Scene {
        lens: mass,
        lens_light,
        source: src,
        snr,
        lens_snr: log_uniform(rng, cfg.lens_snr),
    }
}

/// Scales `scene`'s amplitudes to its SNRs, renders it and adds noise.
pub fn observe(inst: &Instrument, mut scene: Scene, rng: &mut StdRng) -> Cutout {
    let sigma = inst.noise.sigma();
    let (light, source) = inst.noiseless(&scene);
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let scale = |v: &[f64], snr: f64| {
        let nv = norm(v);
        if nv > 0.0 { snr * sigma / nv } else { 0.0 }
    };
    let a_light = scale(&light, scene.lens_snr);
    let a_src = scale(&source, scene.snr);
    scene.lens_light.amplitude *= a_light;
    if let Some(s) = scene.source.as_mut() {
        s.amplitude *= a_src;
    }
    let mut image = Vec::with_capacity(light.len());
    let mut source_light = Vec::with_capacity(light.len());
    for (l, s) in light.iter().zip(&source) {
        let signal = (a_light * l + a_src * s).max(0.0);
        let mean = inst.noise.sky + signal;
        let counts = Poisson::new(mean).map_or(mean, |p| p.sample(rng));
        let read: f64 = rng.sample(StandardNormal);
        image.push(((counts - inst.noise.sky + inst.noise.read * read) / sigma) as f32);
        source_light.push((a_src * s / sigma) as f32);
    }
    Cutout {
        scene,
        image,
        source_light,
    }
}

/// A reproducible per-image seed (SplitMix64 of the set seed and the index).
pub(crate) fn item_seed(seed: u64, i: usize) -> u64 {
    let mut z = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `count` cutouts, lenses at even indices and non-lenses at odd ones, each from its own seed
/// (so the set does not depend on the number of cores).
pub fn simulate_set(
    cfg: &LensingConfig,
    count: usize,
    seed: u64,
    bar: Option<&mut Progress>,
) -> Vec<Cutout> {
    let inst = Instrument::new(cfg);
    par_map(count, bar, |i| {
        let mut rng = StdRng::seed_from_u64(item_seed(seed, i));
        let scene = sample_scene(cfg, i % 2 == 0, &mut rng);
        observe(&inst, scene, &mut rng)
    })
}
