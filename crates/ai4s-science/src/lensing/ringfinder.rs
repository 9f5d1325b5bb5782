//! The classical lens finder: subtract a fitted model of the central galaxy's light, then look
//! for arcs along ellipses around it with a clipped ring filter.

use super::lens::{Sersic, convolve};
use super::simulate::{Cutout, Instrument};
use ai4s_core::minimize::nelder_mead;
use std::f64::consts::PI;

/// The fitted light of the central galaxy.
#[derive(Clone, Debug)]
pub struct LightFit {
    /// The Sersic profile (amplitude in counts per arcsec^2 / sigma_sky).
    pub profile: Sersic,
    /// Its PSF-convolved image in units of the sky noise.
    pub model: Vec<f64>,
}

/// What the ring finder returns for one cutout.
#[derive(Clone, Debug)]
pub struct RingResult {
    /// The detection statistic: the largest mean clipped matched-filter SNR around a trial
    /// ellipse.
    pub score: f64,
    /// Circularised radius of the best ellipse, arcsec (a first guess of the Einstein radius).
    pub radius: f64,
    /// The lens-light fit.
    pub light: LightFit,
    /// Residual significance `(data - model) / sqrt(variance)` per pixel.
    pub residual: Vec<f64>,
    /// The light fit's parameters `(ln R_e, ln n, e_1, e_2)` (a start for refits).
    pub light_params: [f64; 4],
}

/// Settings of the ring finder.
#[derive(Clone, Debug)]
pub struct RingSettings {
    /// Trial circularised radii, arcsec.
    pub radii: Vec<f64>,
    /// Angles sampled around each ellipse.
    pub angles: usize,
    /// Clip of each sample's SNR.
    pub clip: f64,
    /// Nelder-Mead evaluations per light fit.
    pub evals: usize,
}

/// Per-pixel variance in units of `sigma_sky^2`: sky plus the Poisson noise of the galaxy,
/// `1 + max(d, 0) / sigma_sky` (counts `= d sigma_sky`), the weight map a survey pipeline has.
pub(crate) fn variance(img: &[f32], sigma_counts: f64) -> Vec<f64> {
    img.iter()
        .map(|&d| 1.0 + f64::from(d).max(0.0) / sigma_counts)
        .collect()
}

/// Light-weighted centroid of the positive pixels within `radius` pixels of the image centre,
/// in arcsec.
fn centroid(img: &[f64], inst: &Instrument, radius: f64) -> [f64; 2] {
    let n = inst.grid.n;
    let c = n as f64 / 2.0 - 0.5;
    let (mut sx, mut sy, mut s) = (0.0, 0.0, 0.0);
    for (k, &v) in img.iter().enumerate() {
        let (r, col) = ((k / n) as f64, (k % n) as f64);
        if v > 0.0 && (r - c).hypot(col - c) <= radius {
            let [x, y] = inst.grid.position(r, col);
            sx += v * x;
            sy += v * y;
            s += v;
        }
    }
    if s > 0.0 {
        [sx / s, sy / s]
    } else {
        [0.0, 0.0]
    }
}

/// Fits a PSF-convolved elliptical Sersic profile to the cutout by weighted least squares:
/// centre fixed at the central light-weighted centroid, `(ln R_e, ln n, e_1, e_2)` by
/// Nelder-Mead (`e = (1 - q) / (1 + q)`, the position angle in `e (cos 2 phi, sin 2 phi)`), the
/// amplitude solved in closed form at each step. Pixels in `mask` are left out. Returns the fit and its
/// model image.
pub(crate) fn fit_sersic(
    img: &[f64],
    var: &[f64],
    inst: &Instrument,
    mask: &[bool],
    start: [f64; 4],
    evals: usize,
) -> (LightFit, [f64; 4]) {
    let grid = inst.grid;
    let n = grid.n;
    let pix = grid.pixel;
    let sigma_psf = psf_sigma(&inst.psf);
    let centre = centroid(img, inst, 2.0 * sigma_psf.max(1.0));
    let used: Vec<bool> = mask.iter().map(|m| !m).collect();
    // The cusp: pixels within 2 pixels of the centre are integrated on 4 x 4 sub-pixels, the
    // others sampled at their centres.
    let fine = super::lens::Grid {
        supersample: 4,
        ..grid
    };
    let cusp: Vec<bool> = (0..n * n)
        .map(|k| {
            let [x, y] = grid.position((k / n) as f64, (k % n) as f64);
            (x - centre[0]).hypot(y - centre[1]) < 2.0 * pix
        })
        .collect();
    let profile = |p: &[f64]| {
        let e = p[2].hypot(p[3]).min(0.9);
        Sersic {
            amplitude: 1.0,
            r_e: p[0].exp(),
            n: p[1].exp().clamp(0.3, 10.0),
            q: (1.0 - e) / (1.0 + e),
            angle: 0.5 * p[3].atan2(p[2]),
            centre,
        }
    };
    let image_of = |s: &Sersic| {
        let f = s.evaluator();
        let img: Vec<f64> = (0..n * n)
            .map(|k| {
                let (r, c) = ((k / n) as f64, (k % n) as f64);
                if cusp[k] {
                    fine.render_pixel(r, c, &f)
                } else {
                    let [x, y] = grid.position(r, c);
                    f(x, y) * pix * pix
                }
            })
            .collect();
        convolve(&img, n, &inst.psf)
    };
    let solve = |m: &[f64]| {
        let (mut num, mut den) = (0.0, 0.0);
        for k in 0..n * n {
            if used[k] {
                num += m[k] * img[k] / var[k];
                den += m[k] * m[k] / var[k];
            }
        }
        let a = if den > 0.0 { (num / den).max(0.0) } else { 0.0 };
        let chi2: f64 = (0..n * n)
            .filter(|&k| used[k])
            .map(|k| (img[k] - a * m[k]).powi(2) / var[k])
            .sum();
        (a, chi2)
    };
    let objective = |p: &[f64]| solve(&image_of(&profile(p))).1;
    let (best, _) = nelder_mead(objective, &start, &[0.3, 0.3, 0.1, 0.1], evals, 1e-3);
    let mut prof = profile(&best);
    let m = image_of(&prof);
    let (a, _) = solve(&m);
    prof.amplitude = a;
    let model = m.into_iter().map(|v| a * v).collect();
    let p = [best[0], best[1], best[2], best[3]];
    (
        LightFit {
            profile: prof,
            model,
        },
        p,
    )
}

/// Second-moment ellipticity `(e_1, e_2)` of the positive central light (within `radius`
/// pixels): the starting shape of the light fit.
fn moments(img: &[f32], n: usize, radius: f64) -> [f64; 2] {
    let c = n as f64 / 2.0 - 0.5;
    let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
    for (k, &v) in img.iter().enumerate() {
        let (dy, dx) = (c - (k / n) as f64, (k % n) as f64 - c);
        if v > 0.0 && dx.hypot(dy) <= radius {
            let w = f64::from(v);
            xx += w * dx * dx;
            yy += w * dy * dy;
            xy += w * dx * dy;
        }
    }
    let t = xx + yy;
    if t <= 0.0 {
        return [0.0, 0.0];
    }
    // chi = (1 - q^2) / (1 + q^2) (cos, sin)(2 phi); convert to e = (1 - q) / (1 + q).
    let (c1, c2) = ((xx - yy) / t, 2.0 * xy / t);
    let chi = c1.hypot(c2).min(0.95);
    let q = ((1.0 - chi) / (1.0 + chi)).sqrt();
    let e = (1.0 - q) / (1.0 + q);
    let phi = 0.5 * c2.atan2(c1);
    [e * (2.0 * phi).cos(), e * (2.0 * phi).sin()]
}

/// Residual significance `(data - model) / sqrt(variance)`.
fn significance(img: &[f32], model: &[f64], var: &[f64]) -> Vec<f64> {
    img.iter()
        .zip(model)
        .zip(var)
        .map(|((&d, m), v)| (f64::from(d) - m) / v.sqrt())
        .collect()
}

/// Fits the central galaxy twice (the second time with the pixels more than 2.5 sigma above
/// the first model masked, which hides the brightest parts of arcs and companions from it, as
/// in YattaLens, Sonnenfeld et al. 2018), subtracts it and runs the ring filter on the residual.
pub fn ring_finder(cut: &Cutout, inst: &Instrument, set: &RingSettings) -> RingResult {
    let n = inst.grid.n;
    let var = variance(&cut.image, inst.noise.sigma());
    let [e1, e2] = moments(&cut.image, n, 0.25 * n as f64);
    let start = [0.8f64.ln(), 4f64.ln(), e1, e2];
    let none = vec![false; n * n];
    let data: Vec<f64> = cut.image.iter().map(|&v| f64::from(v)).collect();
    let (first, p1) = fit_sersic(&data, &var, inst, &none, start, set.evals);
    let mask: Vec<bool> = significance(&cut.image, &first.model, &var)
        .iter()
        .map(|&s| s > 2.5)
        .collect();
    let (light, p2) = fit_sersic(&data, &var, inst, &mask, p1, set.evals);
    let residual = significance(&cut.image, &light.model, &var);
    let (score, radius) = ring_filter(&residual, inst, &light.profile, set);
    RingResult {
        score,
        radius,
        light,
        residual,
        light_params: p2,
    }
}

/// Standard deviation, in pixels, of a one-dimensional PSF kernel.
pub(crate) fn psf_sigma(kernel: &[f64]) -> f64 {
    let half = (kernel.len() / 2) as f64;
    kernel
        .iter()
        .enumerate()
        .map(|(i, w)| w * (i as f64 - half).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// The ring filter: the residual is matched-filtered with the PSF (each pixel then holds the
/// SNR of a point source there) and sampled at `angles` points around ellipses of the light's
/// axis ratio and orientation (an SIE's critical curve has the shape of its isodensity
/// contours) for each trial circularised radius; each sample counts `min(max(SNR, 0), clip)`.
/// Returns the best mean over the ellipse and its radius.
pub fn ring_filter(
    residual: &[f64],
    inst: &Instrument,
    light: &Sersic,
    set: &RingSettings,
) -> (f64, f64) {
    let n = inst.grid.n;
    let norm: f64 = inst.psf.iter().map(|w| w * w).sum();
    let filtered: Vec<f64> = convolve(residual, n, &inst.psf)
        .into_iter()
        .map(|v| v / norm)
        .collect();
    let sample = |x: f64, y: f64| -> f64 {
        let [r, c] = inst.grid.pixel_of(x, y);
        let (r0, c0) = (r.floor(), c.floor());
        if r0 < 0.0 || c0 < 0.0 || r0 + 1.0 >= n as f64 || c0 + 1.0 >= n as f64 {
            return 0.0;
        }
        let (fr, fc) = (r - r0, c - c0);
        let (i, j) = (r0 as usize, c0 as usize);
        let at = |a: usize, b: usize| filtered[a * n + b];
        (1.0 - fr) * ((1.0 - fc) * at(i, j) + fc * at(i, j + 1))
            + fr * ((1.0 - fc) * at(i + 1, j) + fc * at(i + 1, j + 1))
    };
    let (s, c) = light.angle.sin_cos();
    let sq = light.q.sqrt();
    let mut best = (f64::NEG_INFINITY, 0.0);
    for &rho in &set.radii {
        let mut total = 0.0;
        for j in 0..set.angles {
            let t = 2.0 * PI * j as f64 / set.angles as f64;
            let (u, v) = (rho / sq * t.cos(), rho * sq * t.sin());
            let (x, y) = (
                light.centre[0] + c * u - s * v,
                light.centre[1] + s * u + c * v,
            );
            total += sample(x, y).clamp(0.0, set.clip);
        }
        let score = total / set.angles as f64;
        if score > best.0 {
            best = (score, rho);
        }
    }
    best
}
