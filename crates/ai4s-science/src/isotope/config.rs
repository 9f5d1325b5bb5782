//! The isotope-diffusion task's configuration and its validation.

use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, MlpConfig};
use ai4s_core::train::TrainSettings;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`IsotopeDiffusion`](super::IsotopeDiffusion).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IsotopeConfig {
    /// Anneal temperatures, K: one depth profile each, at least two distinct for the Arrhenius
    /// line.
    pub temperatures_k: Vec<f64>,
    /// Anneal durations, hours, one per temperature (shorter when hotter, so that every
    /// profile spans the depth window).
    pub anneal_hours: Vec<f64>,
    /// True activation energy `Ea`, eV (2.6 eV = 251 kJ/mol).
    pub activation_energy_ev: f64,
    /// True pre-exponential factor `D0`, m^2/s.
    pub d0_m2_s: f64,
    /// Isotope fraction of the grain before the anneal, `C_0` (natural abundance).
    pub initial_fraction: f64,
    /// Isotope fraction held at the surface by the enriched reservoir, `C_s`.
    pub surface_fraction: f64,
    /// Depth window of each profile, um (the nominal depths are evenly spaced in it).
    pub depth_um: f64,
    /// Measured depths per profile.
    pub points_per_profile: usize,
    /// Relative Gaussian noise of each measured fraction (standard deviation, fraction of it).
    pub relative_noise: f64,
    /// Absolute Gaussian noise of each measured fraction (standard deviation).
    pub absolute_noise: f64,
    /// Depth resolution: standard deviation of the sampled depth about the nominal one, um.
    pub depth_jitter_um: f64,
    /// Members of the PINN ensemble (each with its own initialisation and, with `bootstrap`,
    /// its own resample of every profile); at least 2 for a spread.
    pub ensemble: usize,
    /// Give every member a bootstrap resample of each profile's points, so that the ensemble
    /// spread carries the measurement noise as well as the optimisation.
    pub bootstrap: bool,
    /// One network per member and temperature, `u(x, sqrt(t))` (tanh).
    pub model: MlpConfig,
    /// First guess of the diffusion length `2 sqrt(D t)` as a fraction of the depth window
    /// (the same for every temperature; each member jitters it).
    pub initial_length_fraction: f64,
    /// Depth of the collocation domain in depth windows; the far-field condition `u = C_0`
    /// holds at its end, so every profile must have reached background there.
    pub domain_factor: f64,
    /// Weight of the mean squared PDE residual (the data misfit has weight 1).
    pub pde_weight: f64,
    /// Weight of each of the surface, initial and far-field conditions.
    pub condition_weight: f64,
    /// Points per network on each condition at every step.
    pub condition_points: usize,
    /// Optimiser steps per epoch, each on fresh collocation points.
    pub steps_per_epoch: usize,
    /// Optimisation (batch_size = collocation points per network per step).
    pub train: TrainSettings,
}

impl Default for IsotopeConfig {
    fn default() -> Self {
        IsotopeConfig {
            temperatures_k: vec![875.0, 925.0, 975.0, 1025.0, 1075.0, 1125.0],
            anneal_hours: vec![336.0, 96.0, 24.0, 8.0, 3.0, 1.0],
            activation_energy_ev: 2.6,
            d0_m2_s: 1e-4,
            initial_fraction: 0.002,
            surface_fraction: 0.5,
            depth_um: 3.0,
            points_per_profile: 20,
            relative_noise: 0.03,
            absolute_noise: 0.005,
            depth_jitter_um: 0.01,
            ensemble: 10,
            bootstrap: true,
            model: MlpConfig {
                hidden: vec![32, 32],
                activation: Activation::Tanh,
            },
            initial_length_fraction: 0.35,
            domain_factor: 2.0,
            pde_weight: 10.0,
            condition_weight: 1.0,
            condition_points: 16,
            steps_per_epoch: 50,
            train: TrainSettings {
                epochs: 120,
                batch_size: 128,
                lr: 1e-2,
                ..TrainSettings::default()
            },
        }
    }
}

impl TaskConfig for IsotopeConfig {
    fn quick() -> Self {
        let d = Self::default();
        IsotopeConfig {
            ensemble: 5,
            model: MlpConfig {
                hidden: vec![24, 24],
                activation: Activation::Tanh,
            },
            train: TrainSettings {
                epochs: 60,
                batch_size: 64,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        let k = self.temperatures_k.len();
        ensure(
            self.temperatures_k
                .iter()
                .all(|t| t.is_finite() && *t > 0.0 && *t <= 5000.0),
            "temperatures_k",
            || {
                format!(
                    "every temperature must be positive (kelvin) and at most 5000 K, got {:?}",
                    self.temperatures_k
                )
            },
        )?;
        let mut sorted = self.temperatures_k.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        ensure(sorted.len() >= 2, "temperatures_k", || {
            format!(
                "the Arrhenius fit needs at least 2 distinct temperatures, got {:?}",
                self.temperatures_k
            )
        })?;
        let mut kelvin: Vec<i64> = self
            .temperatures_k
            .iter()
            .map(|t| t.round() as i64)
            .collect();
        kelvin.sort_unstable();
        kelvin.dedup();
        ensure(kelvin.len() == k, "temperatures_k", || {
            format!(
                "temperatures must differ by at least 1 K (one profile each; they name the figures and metrics), got {:?}",
                self.temperatures_k
            )
        })?;
        ensure(k <= 64, "temperatures_k", || {
            format!("at most 64 temperatures, got {k}")
        })?;
        ensure(self.anneal_hours.len() == k, "anneal_hours", || {
            format!(
                "needs one duration per temperature ({k} in temperatures_k), got {}",
                self.anneal_hours.len()
            )
        })?;
        ensure(
            self.anneal_hours
                .iter()
                .all(|h| h.is_finite() && *h > 0.0 && *h <= 1e6),
            "anneal_hours",
            || {
                format!(
                    "every duration must lie in (0, 1e6] hours, got {:?}",
                    self.anneal_hours
                )
            },
        )?;
        positive(self.activation_energy_ev, "activation_energy_ev", 20.0)?;
        positive(self.d0_m2_s, "d0_m2_s", 1.0)?;
        ensure(
            self.initial_fraction.is_finite() && (0.0..1.0).contains(&self.initial_fraction),
            "initial_fraction",
            || format!("must lie in [0, 1), got {}", self.initial_fraction),
        )?;
        ensure(
            self.surface_fraction.is_finite()
                && self.surface_fraction <= 1.0
                && self.surface_fraction > self.initial_fraction + 1e-3,
            "surface_fraction",
            || {
                format!(
                    "must exceed initial_fraction ({}) by at least 1e-3 and be at most 1, got {}",
                    self.initial_fraction, self.surface_fraction
                )
            },
        )?;
        positive(self.depth_um, "depth_um", 1e4)?;
        ensure(
            (3..=10_000).contains(&self.points_per_profile),
            "points_per_profile",
            || format!("must be 3..=10000, got {}", self.points_per_profile),
        )?;
        for (name, v, max) in [
            ("relative_noise", self.relative_noise, 1.0),
            ("absolute_noise", self.absolute_noise, 1.0),
            ("depth_jitter_um", self.depth_jitter_um, self.depth_um),
        ] {
            ensure(v.is_finite() && (0.0..=max).contains(&v), name, || {
                format!("must lie in [0, {max}] (a standard deviation, not negative), got {v}")
            })?;
        }
        ensure((2..=256).contains(&self.ensemble), "ensemble", || {
            format!(
                "must be 2..=256 (the spread of the members is the uncertainty), got {}",
                self.ensemble
            )
        })?;
        self.model.validate("model")?;
        ensure(
            self.model.activation == Activation::Tanh,
            "model.activation",
            || "must be tanh (the forward-mode derivatives are written for tanh)".into(),
        )?;
        ensure(
            self.initial_length_fraction.is_finite()
                && self.initial_length_fraction > 0.0
                && self.initial_length_fraction <= 10.0,
            "initial_length_fraction",
            || format!("must lie in (0, 10], got {}", self.initial_length_fraction),
        )?;
        ensure(
            self.domain_factor.is_finite() && (1.0..=20.0).contains(&self.domain_factor),
            "domain_factor",
            || {
                format!(
                    "must lie in [1, 20] (the collocation domain covers the depth window), got {}",
                    self.domain_factor
                )
            },
        )?;
        positive(self.pde_weight, "pde_weight", 1e6)?;
        positive(self.condition_weight, "condition_weight", 1e6)?;
        ensure(
            (1..=100_000).contains(&self.condition_points),
            "condition_points",
            || format!("must be 1..=100000, got {}", self.condition_points),
        )?;
        ensure(self.steps_per_epoch >= 1, "steps_per_epoch", || {
            format!("must be at least 1, got {}", self.steps_per_epoch)
        })?;
        self.train.validate("train")
    }
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}
