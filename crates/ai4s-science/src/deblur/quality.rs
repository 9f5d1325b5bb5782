//! Image quality and photometry of a restoration `u` against the truth `x` (maximum 1):
//!
//! - PSNR `= 10 log10(MAX^2 / MSE)` with `MAX = 1` (the truth's peak);
//! - SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, IEEE Trans. Image Process. 13, 600):
//!   `SSIM = mean over windows of (2 mu_u mu_x + C1)(2 s_ux + C2) /
//!   ((mu_u^2 + mu_x^2 + C1)(s_u^2 + s_x^2 + C2))`, `C1 = (K1 L)^2`, `C2 = (K2 L)^2`,
//!   `K1 = 0.01`, `K2 = 0.03`, data range `L = 1`, uniform `7 x 7` windows wholly inside the
//!   image (population moments);
//! - flux errors in percent: total, `100 (sum u - sum x) / sum x`, and in an aperture; for the
//!   stars the flux in their apertures is kept as the pair `(sum u, sum x)`, so that a level's
//!   error is the ratio of sums over all its stars, `100 (sum u - sum x) / sum x` (a faint star
//!   buried in the noise then weighs by its flux, not by its noise-dominated ratio).

use super::simulate::Aperture;

/// Side of the SSIM window.
pub const SSIM_WINDOW: usize = 7;

/// Mean squared error.
pub fn mse(u: &[f64], x: &[f64]) -> f64 {
    u.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / x.len().max(1) as f64
}

/// Peak signal-to-noise ratio in dB for images whose peak value is `max`.
pub fn psnr(u: &[f64], x: &[f64], max: f64) -> f64 {
    10.0 * (max * max / mse(u, x)).log10()
}

/// Structural similarity of `n x n` images `u` and `x` with data range `range`.
pub fn ssim(u: &[f64], x: &[f64], n: usize, range: f64) -> f64 {
    let w = SSIM_WINDOW.min(n);
    let c1 = (0.01 * range).powi(2);
    let c2 = (0.03 * range).powi(2);
    let m = (w * w) as f64;
    let mut total = 0.0;
    let mut count = 0usize;
    for r0 in 0..=n - w {
        for c0 in 0..=n - w {
            let (mut su, mut sx, mut suu, mut sxx, mut sux) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for r in r0..r0 + w {
                for c in c0..c0 + w {
                    let (a, b) = (u[r * n + c], x[r * n + c]);
                    su += a;
                    sx += b;
                    suu += a * a;
                    sxx += b * b;
                    sux += a * b;
                }
            }
            let (mu, mx) = (su / m, sx / m);
            let vu = suu / m - mu * mu;
            let vx = sxx / m - mx * mx;
            let cov = sux / m - mu * mx;
            total += (2.0 * mu * mx + c1) * (2.0 * cov + c2)
                / ((mu * mu + mx * mx + c1) * (vu + vx + c2));
            count += 1;
        }
    }
    total / count as f64
}

/// Total flux error of `u` against `x`, percent.
pub fn total_flux_error(u: &[f64], x: &[f64]) -> f64 {
    let (fu, fx) = (u.iter().sum::<f64>(), x.iter().sum::<f64>());
    100.0 * (fu - fx) / fx
}

/// Flux error of `u` against `x` in `aperture`, percent.
pub fn aperture_flux_error(u: &[f64], x: &[f64], n: usize, aperture: &Aperture) -> f64 {
    let fx = aperture.flux(x, n);
    100.0 * (aperture.flux(u, n) - fx) / fx
}

/// The flux of `u` and of `x` summed over the apertures `stars`.
pub fn star_fluxes(u: &[f64], x: &[f64], n: usize, stars: &[Aperture]) -> [f64; 2] {
    stars.iter().fold([0.0, 0.0], |[a, b], ap| {
        [a + ap.flux(u, n), b + ap.flux(x, n)]
    })
}

/// Flux error in percent of the star apertures of many images, `100 (sum u - sum x) / sum x`
/// over their `(sum u, sum x)` pairs, and its standard error (that of a ratio estimator,
/// `100 sqrt(sum_i (e_i - R x_i)^2) / sum x` with `e_i = u_i - x_i`, `R = sum e / sum x`);
/// `None` when they hold no flux.
pub fn pooled_star_error<'a>(
    pairs: impl IntoIterator<Item = &'a [f64; 2]> + Clone,
) -> Option<(f64, f64)> {
    let [u, x] = pairs
        .clone()
        .into_iter()
        .fold([0.0, 0.0], |[a, b], [u, x]| [a + u, b + x]);
    if x == 0.0 {
        return None;
    }
    let r = (u - x) / x;
    let var: f64 = pairs
        .into_iter()
        .map(|[u, xi]| (u - xi - r * xi).powi(2))
        .sum();
    Some((100.0 * r, 100.0 * var.sqrt() / x))
}

/// The scores of one restored image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    /// PSNR, dB.
    pub psnr: f64,
    /// SSIM.
    pub ssim: f64,
    /// Total flux error, percent.
    pub flux: f64,
    /// Aperture flux error, percent.
    pub aperture: f64,
    /// Flux of `u` and of `x` summed over the star apertures (both 0 without stars).
    pub stars: [f64; 2],
}

impl Scores {
    /// Every score of `u` against `x` (`n x n`, peak 1) with the galaxy `aperture` and the
    /// `stars`' apertures.
    pub fn of(u: &[f64], x: &[f64], n: usize, aperture: &Aperture, stars: &[Aperture]) -> Self {
        Scores {
            psnr: psnr(u, x, 1.0),
            ssim: ssim(u, x, n, 1.0),
            flux: total_flux_error(u, x),
            aperture: aperture_flux_error(u, x, n, aperture),
            stars: star_fluxes(u, x, n, stars),
        }
    }

    /// The stars' flux error of this image, percent (`None` without stars).
    pub fn star_error(&self) -> Option<f64> {
        let [u, x] = self.stars;
        (x != 0.0).then(|| 100.0 * (u - x) / x)
    }
}
