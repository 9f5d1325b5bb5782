//! The task's configuration: the one-particle systems and the helium atom.

use super::helium::HeliumConfig;
use ai4s_core::error::ensure;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`VariationalMonteCarlo`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VmcConfig {
    /// Hidden units of the network.
    pub width: usize,
    /// Parallel Metropolis walkers.
    pub walkers: usize,
    /// Optimisation iterations.
    pub iterations: usize,
    /// Metropolis moves between gradient steps.
    pub moves_per_iteration: usize,
    /// Learning rate (Adam).
    pub lr: f64,
    /// Measurement blocks after training (each after `moves_per_iteration` moves).
    pub blocks: usize,
    /// The helium atom (its own walkers, network and schedule).
    pub helium: HeliumConfig,
}

impl Default for VmcConfig {
    fn default() -> Self {
        VmcConfig {
            width: 16,
            walkers: 2000,
            iterations: 400,
            moves_per_iteration: 10,
            lr: 1e-2,
            blocks: 200,
            helium: HeliumConfig::default(),
        }
    }
}

impl TaskConfig for VmcConfig {
    fn quick() -> Self {
        VmcConfig {
            iterations: 250,
            blocks: 100,
            helium: HeliumConfig::quick(),
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((1..=1024).contains(&self.width), "width", || {
            "must be 1..=1024".into()
        })?;
        ensure(self.walkers >= 10, "walkers", || {
            "must be at least 10".into()
        })?;
        ensure(self.iterations >= 1, "iterations", || {
            "must be at least 1".into()
        })?;
        ensure(self.moves_per_iteration >= 1, "moves_per_iteration", || {
            "must be at least 1".into()
        })?;
        ensure(self.lr > 0.0 && self.lr < 1.0, "lr", || {
            "must be in (0, 1)".into()
        })?;
        ensure(self.blocks >= 2, "blocks", || "must be at least 2".into())?;
        self.helium.validate("helium")
    }
}
