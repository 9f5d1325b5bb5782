//! The classical analysis: a least-squares erfc fit to each profile, and the Arrhenius line.

use super::simulate::K_B_EV;
use ai4s_core::minimize::golden_section;
use ai4s_core::special::erfc;
use std::f64::consts::PI;

/// The least-squares diffusivity of one profile.
#[derive(Clone, Copy, Debug)]
pub struct ProfileFit {
    /// Diffusivity in the units of `depth^2 / time`.
    pub d: f64,
    /// Standard error of `ln d`.
    pub ln_d_se: f64,
    /// Root mean square residual of the normalised fraction.
    pub rms: f64,
}

/// Grid points of the coarse scan over `ln(D t)`.
const SCAN: usize = 400;

/// Fits `phi = erfc(x / (2 sqrt(D t)))` to normalised fractions `phi` at depths `x` after time
/// `t` (unweighted least squares in `theta = ln(D t)`): a scan over diffusion lengths
/// `sqrt(D t)` from `1e-3` to `10` times the deepest point, then golden-section search between
/// the neighbours of the best grid point. The standard error comes from the Jacobian
/// `d phi_i / d theta = z_i e^{-z_i^2} / sqrt(pi)`, `z_i = x_i / (2 sqrt(D t))`:
/// `se^2 = s^2 / sum_i J_i^2` with the residual variance `s^2 = RSS / (n - 1)`.
///
/// `None` when the best length lies at either end of the scan (the profile never falls or has
/// fallen before the first point) or fewer than two points are given.
pub fn fit_profile(x: &[f64], phi: &[f64], t: f64) -> Option<ProfileFit> {
    let n = x.len().min(phi.len());
    let x_max = x.iter().copied().fold(0.0, f64::max);
    if n < 2 || x_max <= 0.0 || t <= 0.0 {
        return None;
    }
    let rss = |theta: f64| -> f64 {
        let two_len = 2.0 * (0.5 * theta).exp();
        x.iter()
            .zip(phi)
            .map(|(&xi, &p)| (p - erfc(xi / two_len)).powi(2))
            .sum()
    };
    let (lo, hi) = (2.0 * (1e-3 * x_max).ln(), 2.0 * (10.0 * x_max).ln());
    let grid = |j: usize| lo + (hi - lo) * j as f64 / (SCAN - 1) as f64;
    let best = (0..SCAN)
        .map(|j| (j, rss(grid(j))))
        .min_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    if best == 0 || best == SCAN - 1 {
        return None;
    }
    let theta = golden_section(rss, grid(best - 1), grid(best + 1), 1e-12);
    let len = (0.5 * theta).exp();
    let jtj: f64 = x
        .iter()
        .map(|&xi| {
            let z = xi / (2.0 * len);
            (z * (-z * z).exp() / PI.sqrt()).powi(2)
        })
        .sum();
    let s2 = rss(theta) / (n - 1) as f64;
    Some(ProfileFit {
        d: theta.exp() / t,
        ln_d_se: (s2 / jtj).sqrt(),
        rms: (rss(theta) / n as f64).sqrt(),
    })
}

/// A fitted Arrhenius line `ln D = ln D0 - Ea / (k_B T)`.
#[derive(Clone, Copy, Debug)]
pub struct ArrheniusFit {
    /// Activation energy, eV.
    pub ea_ev: f64,
    /// Its standard error, eV.
    pub ea_se_ev: f64,
    /// `ln D0` (D0 in the units of the input diffusivities).
    pub ln_d0: f64,
    /// Its standard error.
    pub ln_d0_se: f64,
    /// Reduced chi-square of the fit (`NaN` with two temperatures).
    pub chi2_red: f64,
}

/// Weighted least-squares line through `(1 / (k_B T_k), ln D_k)` with weights `1 / sd_k^2`
/// (all 1 when `sd` is `None`). The covariance is `(X^T W X)^{-1}`, scaled by the reduced
/// chi-square when that exceeds 1 (the scatter about the line is then larger than the stated
/// errors; the Birge ratio); without weights the residual variance is used. `None` with fewer
/// than two distinct temperatures.
pub fn arrhenius_fit(
    temperature_k: &[f64],
    ln_d: &[f64],
    sd: Option<&[f64]>,
) -> Option<ArrheniusFit> {
    let k = temperature_k.len().min(ln_d.len());
    let x: Vec<f64> = temperature_k.iter().map(|t| 1.0 / (K_B_EV * t)).collect();
    let w: Vec<f64> = (0..k)
        .map(|i| sd.map_or(1.0, |s| 1.0 / s[i].max(1e-12).powi(2)))
        .collect();
    let sw: f64 = w.iter().sum();
    let sx: f64 = (0..k).map(|i| w[i] * x[i]).sum();
    let sy: f64 = (0..k).map(|i| w[i] * ln_d[i]).sum();
    let sxx: f64 = (0..k).map(|i| w[i] * x[i] * x[i]).sum();
    let sxy: f64 = (0..k).map(|i| w[i] * x[i] * ln_d[i]).sum();
    let det = sw * sxx - sx * sx;
    if k < 2 || det <= 1e-12 * sw * sxx {
        return None;
    }
    let slope = (sw * sxy - sx * sy) / det;
    let intercept = (sxx * sy - sx * sxy) / det;
    let chi2: f64 = (0..k)
        .map(|i| w[i] * (ln_d[i] - intercept - slope * x[i]).powi(2))
        .sum();
    let chi2_red = if k > 2 {
        chi2 / (k - 2) as f64
    } else {
        f64::NAN
    };
    let scale = match sd {
        Some(_) if chi2_red > 1.0 => chi2_red,
        Some(_) => 1.0,
        None if chi2_red.is_finite() => chi2_red,
        None => f64::NAN,
    };
    Some(ArrheniusFit {
        ea_ev: -slope,
        ea_se_ev: (scale * sw / det).sqrt(),
        ln_d0: intercept,
        ln_d0_se: (scale * sxx / det).sqrt(),
        chi2_red,
    })
}
