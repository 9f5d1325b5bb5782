//! The molecules task's configuration and its validation.

use super::generate::even_sizes;
use ai4s_core::error::ensure;
use ai4s_core::train::TrainSettings;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`Molecules`](super::Molecules).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoleculesConfig {
    /// Carbons per molecule `[low, high]` of the training, validation, test and screening sets
    /// (only even sizes are drawn: closed shells).
    pub atoms: [usize; 2],
    /// Carbons per molecule `[low, high]` of the extrapolation set, all above `atoms[1]`.
    pub extrapolation_atoms: [usize; 2],
    /// Training molecules.
    pub train_molecules: usize,
    /// Validation molecules (early stopping, the ridge strength).
    pub val_molecules: usize,
    /// Held-out test molecules (sizes as in training).
    pub test_molecules: usize,
    /// Held-out molecules larger than any in training.
    pub extrapolation_molecules: usize,
    /// Candidate pool screened for the smallest gaps (sizes as in training, disjoint from all sets).
    pub pool_molecules: usize,
    /// Fraction of the pool selected by the screen (the `x` of the enrichment factor at x).
    pub screen_fraction: f64,
    /// Width of the MPNN's node states.
    pub hidden: usize,
    /// Message-passing steps.
    pub layers: usize,
    /// Radius of the circular fingerprint (2 = ECFP4).
    pub fingerprint_radius: usize,
    /// Slots of the hashed fingerprint.
    pub fingerprint_bits: usize,
    /// Ridge strengths tried for the baseline (the best on the validation set is kept).
    pub ridge_lambdas: Vec<f64>,
    /// Optimisation of the MPNN.
    pub train: TrainSettings,
}

impl Default for MoleculesConfig {
    fn default() -> Self {
        MoleculesConfig {
            atoms: [6, 30],
            extrapolation_atoms: [32, 40],
            train_molecules: 20_000,
            val_molecules: 1500,
            test_molecules: 3000,
            extrapolation_molecules: 1500,
            pool_molecules: 50_000,
            screen_fraction: 0.01,
            hidden: 48,
            layers: 8,
            fingerprint_radius: 2,
            fingerprint_bits: 2048,
            ridge_lambdas: vec![0.01, 0.1, 1.0, 10.0, 100.0],
            train: TrainSettings {
                epochs: 25,
                batch_size: 32,
                lr: 5e-3,
                patience: 0,
                ..Default::default()
            },
        }
    }
}

impl TaskConfig for MoleculesConfig {
    fn quick() -> Self {
        let d = Self::default();
        MoleculesConfig {
            train_molecules: 6000,
            val_molecules: 400,
            test_molecules: 1000,
            extrapolation_molecules: 400,
            pool_molecules: 10_000,
            hidden: 40,
            fingerprint_bits: 1024,
            train: TrainSettings {
                epochs: 5,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        for (name, r) in [
            ("atoms", self.atoms),
            ("extrapolation_atoms", self.extrapolation_atoms),
        ] {
            ensure(
                r[0] >= 4 && r[0] <= r[1] && r[1] <= 200 && !even_sizes(r).is_empty(),
                name,
                || {
                    format!(
                        "must be [low, high] with 4 <= low <= high <= 200 holding an even size, got {r:?}"
                    )
                },
            )?;
        }
        ensure(
            self.extrapolation_atoms[0] > self.atoms[1],
            "extrapolation_atoms",
            || {
                format!(
                    "must lie above the training sizes (atoms[1] = {}), got {:?}",
                    self.atoms[1], self.extrapolation_atoms
                )
            },
        )?;
        for (name, v, min) in [
            ("train_molecules", self.train_molecules, 20),
            ("val_molecules", self.val_molecules, 10),
            ("test_molecules", self.test_molecules, 10),
            ("extrapolation_molecules", self.extrapolation_molecules, 10),
            ("pool_molecules", self.pool_molecules, 100),
        ] {
            ensure((min..=1_000_000).contains(&v), name, || {
                format!("must be {min}..=1000000, got {v}")
            })?;
        }
        ensure(
            self.screen_fraction.is_finite()
                && self.screen_fraction > 0.0
                && self.screen_fraction <= 0.5
                && self.screen_fraction * self.pool_molecules as f64 >= 1.0,
            "screen_fraction",
            || {
                format!(
                    "must lie in (0, 0.5] and select at least one of the {} pool molecules, got {}",
                    self.pool_molecules, self.screen_fraction
                )
            },
        )?;
        ensure((1..=1024).contains(&self.hidden), "hidden", || {
            format!("must be 1..=1024, got {}", self.hidden)
        })?;
        ensure((1..=16).contains(&self.layers), "layers", || {
            format!("must be 1..=16, got {}", self.layers)
        })?;
        ensure(self.fingerprint_radius <= 6, "fingerprint_radius", || {
            format!("must be 0..=6, got {}", self.fingerprint_radius)
        })?;
        ensure(
            (16..=65_536).contains(&self.fingerprint_bits),
            "fingerprint_bits",
            || format!("must be 16..=65536, got {}", self.fingerprint_bits),
        )?;
        ensure(
            !self.ridge_lambdas.is_empty()
                && self.ridge_lambdas.iter().all(|l| l.is_finite() && *l > 0.0),
            "ridge_lambdas",
            || {
                format!(
                    "need at least one positive finite strength, got {:?}",
                    self.ridge_lambdas
                )
            },
        )?;
        self.train.validate("train")
    }
}
