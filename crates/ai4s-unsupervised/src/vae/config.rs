//! The `vae` task's configuration.

use super::*;

/// Configuration of [`VaeTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VaeConfig {
    /// Latent dimension (2 lets the latent scatter show the whole code).
    pub latent: usize,
    /// Encoder and decoder shape (each an MLP with these hidden layers).
    pub net: MlpConfig,
    /// Fraction of images for validation (early stopping).
    pub val_fraction: f64,
    /// Fraction of images held out for the test scores.
    pub test_fraction: f64,
    /// Seed of the split (fixed, so runs are judged on the same test digits).
    pub split_seed: u64,
    /// `eps` draws per test image for the test ELBO.
    pub elbo_samples: usize,
    /// Importance samples per test image for the importance-weighted bound.
    pub iw_samples: usize,
    /// Required fraction of the baseline's test NLL removed by the VAE's test -ELBO.
    pub min_improvement: f64,
    /// Optimisation.
    pub train: TrainSettings,
}

impl Default for VaeConfig {
    fn default() -> Self {
        VaeConfig {
            latent: 2,
            net: MlpConfig {
                hidden: vec![256],
                activation: Activation::Relu,
            },
            val_fraction: 0.1,
            test_fraction: 0.2,
            split_seed: 0,
            elbo_samples: 10,
            iw_samples: 200,
            min_improvement: 0.3,
            train: TrainSettings {
                epochs: 300,
                batch_size: 64,
                lr: 2e-3,
                patience: 50,
                ..TrainSettings::default()
            },
        }
    }
}

impl TaskConfig for VaeConfig {
    fn quick() -> Self {
        let d = Self::default();
        VaeConfig {
            iw_samples: 50,
            train: TrainSettings {
                epochs: 150,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((1..=64).contains(&self.latent), "latent", || {
            format!("must be between 1 and 64, got {}", self.latent)
        })?;
        ai4s_core::data::validate_split(self.val_fraction, self.test_fraction)?;
        ensure(self.elbo_samples >= 1, "elbo_samples", || {
            "must be at least 1".into()
        })?;
        ensure(
            (1..=10_000).contains(&self.iw_samples),
            "iw_samples",
            || format!("must be between 1 and 10000, got {}", self.iw_samples),
        )?;
        ensure(
            (0.0..1.0).contains(&self.min_improvement),
            "min_improvement",
            || format!("must lie in [0, 1), got {}", self.min_improvement),
        )?;
        self.net.validate("net")?;
        self.train.validate("train")
    }
}
