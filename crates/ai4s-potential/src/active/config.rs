//! The `active-learning` task's configuration.

use super::*;

/// Configuration of [`ActiveLearning`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActiveLearningConfig {
    /// Labelled data the initial training set is drawn from (DeePMD directory or extended XYZ).
    pub initial_data: String,
    /// Frames of `initial_data` to start from: those with the lowest energy per atom.
    pub initial_frames: usize,
    /// Training settings of every model (`training_data` is replaced by the growing data set;
    /// `test_data` is the held-out test set).
    pub train: DeepPotConfig,
    /// Models in the ensemble.
    pub models: usize,
    /// Train-explore-label iterations.
    pub iterations: usize,
    /// Reference labeller for the selected frames: tb, sw or lj.
    pub reference: LabellerKind,
    /// Atoms of the exploration cell (diamond Si, a multiple of 8).
    pub natoms: usize,
    /// Lattice constant of the exploration cell (A).
    pub lattice: f64,
    /// Temperatures explored in every iteration (K), one trajectory each.
    pub explore_temperatures: Vec<f64>,
    /// MD steps per exploration trajectory.
    pub explore_steps: usize,
    /// Steps between frames whose model deviation is computed.
    pub explore_every: usize,
    /// Time step (fs).
    pub dt: f64,
    /// Langevin friction (1/fs).
    pub friction: f64,
    /// Verlet-list skin of the models (A).
    pub skin: f64,
    /// Lower edge of the trust window (eV/A): below it a frame is accurate.
    pub trust_lo: f64,
    /// Upper edge of the trust window (eV/A): above it a frame has failed.
    pub trust_hi: f64,
    /// Candidates labelled per iteration at most.
    pub max_select: usize,
}

impl Default for ActiveLearningConfig {
    fn default() -> Self {
        let d = DeepPotConfig::default();
        ActiveLearningConfig {
            initial_data: "datasets/tb-si-64/train".into(),
            initial_frames: 10,
            train: DeepPotConfig {
                descriptor: DescriptorConfig {
                    neuron: vec![8, 16, 32],
                    axis_neuron: 8,
                    ..d.descriptor
                },
                fitting_net: FittingNetConfig {
                    neuron: vec![32, 32, 32],
                    ..d.fitting_net
                },
                learning_rate: LearningRateConfig {
                    decay_steps: 50,
                    stop_lr: 5e-5,
                    ..d.learning_rate
                },
                loss: LossConfig {
                    start_pref_v: 0.1,
                    limit_pref_v: 1.0,
                    ..d.loss
                },
                training: TrainingConfig {
                    numb_steps: 1500,
                    disp_freq: 500,
                    ..d.training
                },
                ..d
            },
            models: 4,
            iterations: 4,
            reference: LabellerKind::Tb,
            natoms: 64,
            lattice: 5.431,
            explore_temperatures: vec![600.0, 1000.0, 1500.0],
            explore_steps: 300,
            explore_every: 10,
            dt: 1.0,
            friction: 0.02,
            skin: 1.0,
            trust_lo: 0.1,
            trust_hi: 0.6,
            max_select: 10,
        }
    }
}

impl TaskConfig for ActiveLearningConfig {
    fn quick() -> Self {
        let full = Self::default();
        ActiveLearningConfig {
            initial_frames: 6,
            train: DeepPotConfig {
                learning_rate: LearningRateConfig {
                    decay_steps: 30,
                    stop_lr: 1e-4,
                    ..full.train.learning_rate.clone()
                },
                training: TrainingConfig {
                    numb_steps: 600,
                    disp_freq: 600,
                    ..full.train.training.clone()
                },
                ..full.train.clone()
            },
            models: 2,
            iterations: 2,
            explore_temperatures: vec![1200.0],
            explore_steps: 100,
            trust_lo: 0.1,
            trust_hi: 1.0,
            max_select: 8,
            ..full
        }
    }

    fn aliases() -> ai4s_core::config::Aliases {
        ai4s_core::config::prefixed("train", DeepPotConfig::flat_aliases())
    }

    fn validate(&self) -> Result<()> {
        ensure(!self.initial_data.trim().is_empty(), "initial_data", || {
            "needs a DeePMD directory or extended XYZ file".into()
        })?;
        ensure(self.initial_frames >= 2, "initial_frames", || {
            "must be at least 2".into()
        })?;
        let mut probe = self.train.clone();
        probe.data.training_data.clone_from(&self.initial_data);
        probe.validate_at("train")?;
        ensure((2..=16).contains(&self.models), "models", || {
            format!(
                "an ensemble needs 2..=16 models to measure a deviation, got {}",
                self.models
            )
        })?;
        ensure((1..=50).contains(&self.iterations), "iterations", || {
            format!("must be 1..=50, got {}", self.iterations)
        })?;
        ensure(
            self.natoms >= 8 && self.natoms.is_multiple_of(8) && self.natoms <= 100_000,
            "natoms",
            || format!("must be a multiple of 8 up to 100000, got {}", self.natoms),
        )?;
        ensure(self.lattice > 2.0 && self.lattice < 20.0, "lattice", || {
            format!(
                "must be a lattice constant in A (2..20), got {}",
                self.lattice
            )
        })?;
        ensure(
            !self.explore_temperatures.is_empty()
                && self
                    .explore_temperatures
                    .iter()
                    .all(|t| *t > 0.0 && *t < 1e5),
            "explore_temperatures",
            || {
                format!(
                    "needs positive temperatures in K, got {:?}",
                    self.explore_temperatures
                )
            },
        )?;
        ensure(self.explore_every >= 1, "explore_every", || {
            "must be at least 1".into()
        })?;
        ensure(
            self.explore_steps >= self.explore_every,
            "explore_steps",
            || {
                format!(
                    "must be at least explore_every ({}) to sample a frame",
                    self.explore_every
                )
            },
        )?;
        ensure(self.dt > 0.0 && self.dt <= 5.0, "dt", || {
            format!("must be in (0, 5] fs, got {}", self.dt)
        })?;
        ensure(
            self.friction > 0.0 && self.friction < 10.0,
            "friction",
            || format!("must be in (0, 10) 1/fs, got {}", self.friction),
        )?;
        ensure((0.0..=3.0).contains(&self.skin), "skin", || {
            format!("must be in [0, 3] A, got {}", self.skin)
        })?;
        ensure(
            self.trust_lo >= 0.0 && self.trust_lo < self.trust_hi,
            "trust_lo",
            || {
                format!(
                    "need 0 <= trust_lo < trust_hi, got {} and {}",
                    self.trust_lo, self.trust_hi
                )
            },
        )?;
        ensure(self.max_select >= 1, "max_select", || {
            "must be at least 1".into()
        })
    }
}
