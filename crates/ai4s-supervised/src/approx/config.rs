//! The `approximation` task's configuration.

use super::*;

/// Configuration of [`Approximation`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApproxConfig {
    /// Input dimensions swept.
    pub dims: Vec<usize>,
    /// Budgets swept: hidden units, features, grid nodes, polynomial terms, stored samples.
    pub widths: Vec<usize>,
    /// Seeds per point (fresh target parameters and samples for each).
    pub seeds: usize,
    /// Training samples per point for the least-squares and kNN methods (the network instead
    /// learns from a stream of fresh samples, see `steps_per_epoch`).
    pub train_samples: usize,
    /// Network optimiser steps per epoch; each step draws a fresh batch of `train.batch_size`
    /// samples, so the network minimises the population error, not a finite-sample fit.
    pub steps_per_epoch: usize,
    /// Held-out test samples per point.
    pub test_samples: usize,
    /// Targets: ridge, teacher, cosine_product.
    pub targets: Vec<TargetKind>,
    /// Methods: network, random_features, grid, polynomial, knn.
    pub methods: Vec<Method>,
    /// Network training (Adam, shared training loop).
    pub train: TrainSettings,
}

impl Default for ApproxConfig {
    fn default() -> Self {
        ApproxConfig {
            dims: vec![1, 2, 4, 8, 16, 32, 64],
            widths: vec![4, 8, 16, 32, 64, 128, 256, 512],
            seeds: 3,
            train_samples: 8000,
            steps_per_epoch: 100,
            test_samples: 2000,
            targets: vec![
                TargetKind::Ridge,
                TargetKind::Teacher,
                TargetKind::CosineProduct,
            ],
            methods: vec![
                Method::Network,
                Method::RandomFeatures,
                Method::Grid,
                Method::Polynomial,
                Method::Knn,
            ],
            train: TrainSettings {
                epochs: 30,
                batch_size: 256,
                lr: 3e-3,
                schedule: Schedule::Cosine,
                ..TrainSettings::default()
            },
        }
    }
}

impl TaskConfig for ApproxConfig {
    fn quick() -> Self {
        let d = Self::default();
        ApproxConfig {
            dims: vec![1, 2, 4, 8, 16],
            widths: vec![4, 8, 16, 32, 64],
            seeds: 2,
            train_samples: 4000,
            test_samples: 1000,
            train: TrainSettings {
                epochs: 15,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            !self.dims.is_empty() && self.dims.iter().all(|&d| (1..=1024).contains(&d)),
            "dims",
            || format!("needs dimensions between 1 and 1024, got {:?}", self.dims),
        )?;
        ensure(
            self.widths.len() >= 2 && self.widths.iter().all(|&m| (2..=4096).contains(&m)),
            "widths",
            || {
                format!(
                    "needs at least two budgets between 2 and 4096 (to fit a slope), got {:?}",
                    self.widths
                )
            },
        )?;
        ensure((1..=20).contains(&self.seeds), "seeds", || {
            format!("must be 1..=20, got {}", self.seeds)
        })?;
        ensure(
            (1..=100_000).contains(&self.steps_per_epoch),
            "steps_per_epoch",
            || "must be 1..=100000".into(),
        )?;
        ensure(self.train_samples >= 50, "train_samples", || {
            "must be at least 50".into()
        })?;
        ensure(self.test_samples >= 50, "test_samples", || {
            "must be at least 50".into()
        })?;
        ensure(!self.targets.is_empty(), "targets", || {
            "needs at least one target".into()
        })?;
        ensure(!self.methods.is_empty(), "methods", || {
            "needs at least one method".into()
        })?;
        self.train.validate("train")
    }
}
