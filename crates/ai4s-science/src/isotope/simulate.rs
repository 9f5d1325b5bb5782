//! The simulated anneals: Arrhenius diffusivities, the erfc profile and noisy depth profiles.

use super::config::IsotopeConfig;
use ai4s_core::special::erfc;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Boltzmann's constant, eV/K (CODATA 2018, exact).
pub const K_B_EV: f64 = 8.617_333_262e-5;

/// Converts a diffusivity from m^2/s to um^2/h (the units of depth profiles and anneals).
pub const M2_S_TO_UM2_H: f64 = 1e12 * 3600.0;

/// `D(T) = D0 exp(-Ea / (k_B T))`, in the units of `d0`.
pub fn arrhenius(d0: f64, ea_ev: f64, temperature_k: f64) -> f64 {
    d0 * (-ea_ev / (K_B_EV * temperature_k)).exp()
}

/// The semi-infinite solution at depth `x` after time `t` (with `D t` in the square of `x`'s
/// unit): `C = C_0 + (C_s - C_0) erfc(x / (2 sqrt(D t)))`, i.e.
/// `C_s + (C_0 - C_s) erf(x / (2 sqrt(D t)))`. At `t = 0` it is `C_0` inside and `C_s` at the
/// surface.
pub fn concentration(x: f64, t: f64, d: f64, c0: f64, cs: f64) -> f64 {
    if t <= 0.0 {
        return if x <= 0.0 { cs } else { c0 };
    }
    c0 + (cs - c0) * erfc(x / (2.0 * (d * t).sqrt()))
}

/// One measured depth profile.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Anneal temperature, K.
    pub temperature_k: f64,
    /// Anneal duration, h.
    pub hours: f64,
    /// The true diffusivity, m^2/s.
    pub d_true_m2_s: f64,
    /// Nominal depths of the measurements, um.
    pub depth_um: Vec<f64>,
    /// Measured isotope fractions.
    pub fraction: Vec<f64>,
    /// Noise-free fractions at the nominal depths.
    pub fraction_true: Vec<f64>,
}

impl Profile {
    /// The true diffusivity in um^2/h.
    pub fn d_true_um2_h(&self) -> f64 {
        self.d_true_m2_s * M2_S_TO_UM2_H
    }
}

/// The normalised fraction `phi = (C - C_0) / (C_s - C_0)`, which runs from 1 at the surface to
/// 0 in the untouched grain.
pub fn normalised(cfg: &IsotopeConfig, c: f64) -> f64 {
    (c - cfg.initial_fraction) / (cfg.surface_fraction - cfg.initial_fraction)
}

/// Simulates one profile per temperature. Nominal depths are evenly spaced,
/// `x_i = (i + 1/2) L / n`; each measurement samples the true depth `x_i + sigma_x e_1`
/// (clipped at the surface) and reads `C (1 + sigma_rel e_2) + sigma_abs e_3`, with independent
/// standard normal `e_j`.
pub fn simulate(cfg: &IsotopeConfig, seed: u64) -> Vec<Profile> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x6973_6f74);
    let n = cfg.points_per_profile;
    let (c0, cs) = (cfg.initial_fraction, cfg.surface_fraction);
    cfg.temperatures_k
        .iter()
        .zip(&cfg.anneal_hours)
        .map(|(&temperature_k, &hours)| {
            let d_true_m2_s = arrhenius(cfg.d0_m2_s, cfg.activation_energy_ev, temperature_k);
            let d = d_true_m2_s * M2_S_TO_UM2_H;
            let depth_um: Vec<f64> = (0..n)
                .map(|i| (i as f64 + 0.5) * cfg.depth_um / n as f64)
                .collect();
            let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
            let fraction = depth_um
                .iter()
                .map(|&x| {
                    let x_true = (x + cfg.depth_jitter_um * normal()).max(0.0);
                    let c = concentration(x_true, hours, d, c0, cs);
                    c * (1.0 + cfg.relative_noise * normal()) + cfg.absolute_noise * normal()
                })
                .collect();
            let fraction_true = depth_um
                .iter()
                .map(|&x| concentration(x, hours, d, c0, cs))
                .collect();
            Profile {
                temperature_k,
                hours,
                d_true_m2_s,
                depth_um,
                fraction,
                fraction_true,
            }
        })
        .collect()
}

/// Draws `n` indices in `0..n` with replacement and returns each index's count divided by `n`
/// (the weights of a bootstrap resample).
pub fn bootstrap_weights(n: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut w = vec![0.0; n];
    for _ in 0..n {
        w[rng.random_range(0..n)] += 1.0 / n as f64;
    }
    w
}
