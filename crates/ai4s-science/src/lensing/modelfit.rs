//! The classical Einstein-radius measurement: a parametric lens model (SIE mass centred on the
//! fitted light, exponential-disc Sersic source) fitted to the cutout by weighted least squares
//! with Nelder-Mead, alternating with a refit of the lens galaxy's light.

use super::lens::{Grid, Lens, Sersic, Sie, convolve};
use super::ringfinder::{RingResult, fit_sersic, psf_sigma, variance};
use super::simulate::{Cutout, Instrument};
use ai4s_core::minimize::nelder_mead;

/// Result of a parametric fit.
#[derive(Clone, Copy, Debug)]
pub struct ModelFit {
    /// Fitted Einstein radius, arcsec.
    pub theta_e: f64,
    /// Chi-square per fitted pixel of the final fit.
    pub chi2_per_pixel: f64,
}

/// Fit settings.
#[derive(Clone, Copy, Debug)]
pub struct FitSettings {
    /// Evaluations per start of the lens-model fit.
    pub evals: usize,
    /// Starts of the first lens-model fit: the ring finder's radius, then Einstein radii
    /// spread evenly over `radius_range`.
    pub starts: usize,
    /// Range of Einstein radii the starts cover, arcsec.
    pub radius_range: [f64; 2],
    /// Evaluations of the light refit.
    pub light_evals: usize,
    /// Sub-pixels per side of the model's ray shooting.
    pub supersample: usize,
}

/// `(e_1, e_2) -> (q, angle)` with `e = (1 - q) / (1 + q)`, capped at `q = 0.2`.
fn shape(e1: f64, e2: f64) -> (f64, f64) {
    let e = e1.hypot(e2).min(2.0 / 3.0);
    ((1.0 - e) / (1.0 + e), 0.5 * e2.atan2(e1))
}

/// Weighted least-squares amplitude (at least 0) of `model` for `data`, and the chi-square.
fn amplitude(data: &[f64], model: &[f64], var: &[f64], used: &[bool]) -> (f64, f64) {
    let (mut num, mut den) = (0.0, 0.0);
    for k in 0..data.len() {
        if used[k] {
            num += model[k] * data[k] / var[k];
            den += model[k] * model[k] / var[k];
        }
    }
    let a = if den > 0.0 { (num / den).max(0.0) } else { 0.0 };
    let chi2 = (0..data.len())
        .filter(|&k| used[k])
        .map(|k| (data[k] - a * model[k]).powi(2) / var[k])
        .sum();
    (a, chi2)
}

/// Fits `theta_E`, the SIE ellipticity, the source position, half-light radius and
/// ellipticity (8 parameters; the source amplitude in closed form, external shear not
/// modelled). First to the ring finder's light-subtracted image, from several starts (source
/// on the axis; Einstein radius the ring finder's, then spread over the search range); then,
/// twice, the galaxy's light is refitted to the image minus the lensed source (arcs bias a
/// light fit that does not know them) and the lens model to the image minus the new light. Pixels within one PSF FWHM of the centre are left out of the lens fits.
pub fn fit_lens(cut: &Cutout, ring: &RingResult, inst: &Instrument, set: FitSettings) -> ModelFit {
    let n = inst.grid.n;
    let grid = Grid {
        supersample: set.supersample,
        ..inst.grid
    };
    let light = &ring.light.profile;
    let centre = light.centre;
    let fwhm = 2.355 * psf_sigma(&inst.psf) * inst.grid.pixel;
    let image: Vec<f64> = cut.image.iter().map(|&v| f64::from(v)).collect();
    let var = variance(&cut.image, inst.noise.sigma());
    let used: Vec<bool> = (0..n * n)
        .map(|k| {
            let [x, y] = inst.grid.position((k / n) as f64, (k % n) as f64);
            (x - centre[0]).hypot(y - centre[1]) > fwhm
        })
        .collect();
    let count = used.iter().filter(|&&u| u).count().max(1) as f64;
    let model = |p: &[f64]| -> Vec<f64> {
        let (q, angle) = shape(p[1], p[2]);
        let lens = Lens {
            sie: Sie {
                theta_e: p[0].exp(),
                q,
                angle,
                centre,
            },
            shear: [0.0, 0.0],
        };
        let (qs, angle_s) = shape(p[6], p[7]);
        let source = Sersic {
            amplitude: 1.0,
            r_e: p[5].exp(),
            n: 1.0,
            q: qs,
            angle: angle_s,
            centre: [centre[0] + p[3], centre[1] + p[4]],
        };
        convolve(&grid.lensed(&lens, &source), n, &inst.psf)
    };
    let fit_from = |data: &[f64], starts: &[Vec<f64>]| -> (Vec<f64>, f64) {
        let step = [0.15, 0.1, 0.1, 0.15, 0.15, 0.4, 0.2, 0.2];
        let chi2 = |p: &[f64]| amplitude(data, &model(p), &var, &used).1;
        starts
            .iter()
            .map(|s| nelder_mead(chi2, s, &step, set.evals, 1e-4))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or_else(|| (starts[0].clone(), f64::INFINITY))
    };
    let e = (1.0 - light.q) / (1.0 + light.q);
    let (e1, e2) = (e * (2.0 * light.angle).cos(), e * (2.0 * light.angle).sin());
    // Starts: the ring finder's radius, then radii spread over its search range.
    let (lo, hi) = (set.radius_range[0], set.radius_range[1]);
    let starts: Vec<Vec<f64>> = std::iter::once(ring.radius)
        .chain((1..set.starts).map(|k| lo + (hi - lo) * (k as f64 - 0.5) / (set.starts - 1) as f64))
        .map(|t| {
            let t = t.max(2.0 * inst.grid.pixel);
            vec![t.ln(), e1, e2, 0.0, 0.0, 0.2f64.ln(), 0.0, 0.0]
        })
        .collect();
    let mut subtracted: Vec<f64> = image
        .iter()
        .zip(&ring.light.model)
        .map(|(d, m)| d - m)
        .collect();
    let (mut p, mut chi2) = fit_from(&subtracted, &starts);
    // Twice: refit the light without the arcs, then the lens model without the new light.
    let all = vec![false; n * n];
    let mut light_params = ring.light_params;
    for _ in 0..2 {
        let arcs = model(&p);
        let (a, _) = amplitude(&subtracted, &arcs, &var, &used);
        let no_arcs: Vec<f64> = image.iter().zip(&arcs).map(|(d, m)| d - a * m).collect();
        let (light2, lp) = fit_sersic(&no_arcs, &var, inst, &all, light_params, set.light_evals);
        light_params = lp;
        subtracted = image
            .iter()
            .zip(&light2.model)
            .map(|(d, m)| d - m)
            .collect();
        (p, chi2) = fit_from(&subtracted, &[p]);
    }
    ModelFit {
        theta_e: p[0].exp(),
        chi2_per_pixel: chi2 / count,
    }
}
