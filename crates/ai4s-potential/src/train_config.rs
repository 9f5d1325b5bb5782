//! The `deep-potential` task's configuration in DeePMD-kit's sections (data, descriptor, fitting
//! net, learning rate, loss, training) and names, each section validated before training with
//! its key prefix; the flat DeePMD-kit names are aliases.

use crate::env::EnvSpec;
use crate::model::{NetSpec, WeightInit};
use ai4s_core::burn::tensor::{Device, FloatDType};
use ai4s_core::config::Aliases;
use ai4s_core::error::ensure;
use ai4s_core::{Error, Precision, Result, RunContext, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration in DeePMD-kit's sections and names: `data`, `descriptor`, `fitting_net`,
/// `learning_rate`, `loss` and `training`. Each section validates itself, naming its keys with
/// the section (`descriptor.neuron`). The flat names DeePMD-kit users type (`rcut`, `sel`,
/// `numb_steps`, `fitting_neuron`, ...) are accepted as aliases by `--set` and in config files
/// ([`DeepPotConfig::flat_aliases`]).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeepPotConfig {
    /// Where the frames come from.
    pub data: DataConfig,
    /// The se_e2_a descriptor.
    pub descriptor: DescriptorConfig,
    /// The fitting net.
    pub fitting_net: FittingNetConfig,
    /// The exponentially decaying learning rate.
    pub learning_rate: LearningRateConfig,
    /// Loss prefactors.
    pub loss: LossConfig,
    /// Steps, logging, precision and initialisation.
    pub training: TrainingConfig,
}

/// The data sections (DeePMD-kit's `training.training_data`, `validation_data` and
/// `model.type_map`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Training systems: DeePMD directories or extended XYZ files, comma-separated.
    pub training_data: String,
    /// Validation systems (empty: the last 10 % of the training frames).
    pub validation_data: String,
    /// Test systems, evaluated once after training (never used for training or selection).
    pub test_data: String,
    /// The model's element names, one per type, in the order of `descriptor.sel` (DeePMD-kit's
    /// `model.type_map`). Each system's atom types are read through its own `type_map.raw` (or an
    /// XYZ file's species) and remapped to this order; a system without `type_map.raw` uses these
    /// names for its type indices. Empty: the first training system's type map.
    pub type_map: Vec<String>,
    /// Frames per step.
    pub batch_size: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            training_data: "datasets/tb-si-64/train".into(),
            validation_data: String::new(),
            test_data: "datasets/tb-si-64/test".into(),
            type_map: Vec::new(),
            batch_size: 1,
        }
    }
}

/// The se_e2_a descriptor (DeePMD-kit's `model.descriptor`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DescriptorConfig {
    /// Cutoff radius (A).
    pub rcut: f64,
    /// Start of the smooth switching (A).
    pub rcut_smth: f64,
    /// Neighbour slots per type.
    pub sel: Vec<usize>,
    /// Embedding net widths.
    pub neuron: Vec<usize>,
    /// One embedding net per neighbour type (`true`) or one per (centre, neighbour) type pair
    /// (`false`; DeePMD-kit's `type_one_side`, whose default is false: an `input.json` without
    /// the key trains per-pair nets). The same for one type.
    pub type_one_side: bool,
    /// Columns of T kept in the descriptor.
    pub axis_neuron: usize,
}

impl Default for DescriptorConfig {
    fn default() -> Self {
        DescriptorConfig {
            rcut: 5.0,
            rcut_smth: 0.5,
            sel: vec![48],
            neuron: vec![16, 32, 64],
            type_one_side: true,
            axis_neuron: 12,
        }
    }
}

/// The fitting net (DeePMD-kit's `model.fitting_net`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FittingNetConfig {
    /// Hidden widths.
    pub neuron: Vec<usize>,
    /// Residual layers carry a trainable timestep vector `idt` (default true, as DeePMD-kit's).
    pub resnet_dt: bool,
}

impl Default for FittingNetConfig {
    fn default() -> Self {
        FittingNetConfig {
            neuron: vec![100, 100, 100],
            resnet_dt: true,
        }
    }
}

/// DeePMD-kit's `exp` learning rate: `start_lr` decayed every `decay_steps` so that it reaches
/// `stop_lr` at `training.numb_steps`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LearningRateConfig {
    /// Initial learning rate.
    pub start_lr: f64,
    /// Learning rate reached at `training.numb_steps`.
    pub stop_lr: f64,
    /// Steps between decays.
    pub decay_steps: usize,
}

impl Default for LearningRateConfig {
    fn default() -> Self {
        LearningRateConfig {
            start_lr: 5e-3,
            stop_lr: 1e-5,
            decay_steps: 200,
        }
    }
}

/// The `ener` loss: prefactors moving from their start to their limit with the learning rate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LossConfig {
    /// Energy prefactor at the start.
    pub start_pref_e: f64,
    /// Energy prefactor at the end.
    pub limit_pref_e: f64,
    /// Force prefactor at the start.
    pub start_pref_f: f64,
    /// Force prefactor at the end.
    pub limit_pref_f: f64,
    /// Virial prefactor at the start.
    pub start_pref_v: f64,
    /// Virial prefactor at the end.
    pub limit_pref_v: f64,
    /// Normalise the energy and virial loss terms by 1/N^2 (intensive, like the per-atom errors
    /// reported, so the prefactors do not depend on the system size) instead of DeePMD-kit's
    /// legacy 1/N. DeePMD-kit's `loss.intensive_ener_virial`: its default is false (and an
    /// `input.json` without it is read as false); ai4s's default is true, with the energy and
    /// virial prefactors above tuned for it.
    pub intensive_ener_virial: bool,
}

impl Default for LossConfig {
    fn default() -> Self {
        LossConfig {
            // DeePMD's defaults are 0.02 -> 1; on the TB-Si data 0.1 -> 4 lowered the validation
            // energy RMSE (10.5 vs 11.6 meV/atom) at the same force error.
            start_pref_e: 0.1,
            limit_pref_e: 4.0,
            start_pref_f: 1000.0,
            limit_pref_f: 1.0,
            start_pref_v: 0.1,
            limit_pref_v: 1.0,
            intensive_ener_virial: true,
        }
    }
}

/// Steps, logging, precision and how fresh weights are drawn (DeePMD-kit's `training` section
/// and the nets' `precision`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingConfig {
    /// Optimiser steps.
    pub numb_steps: usize,
    /// Steps between lcurve rows.
    pub disp_freq: usize,
    /// Floating-point precision of the model, its training and its evaluation: `f32` or `f64`
    /// (DeePMD-kit's `precision`; f64 needs a backend that has it: flex, ndarray or cuda).
    pub precision: Precision,
    /// How fresh weights are drawn: `burn` (uniform in +-1/sqrt(d_in), ai4s's default) or
    /// `deepmd` (DeePMD-kit's: weights N(0, 1/sqrt(d_in + d_out)), biases N(0, 1); what an
    /// `input.json` trains with). See BENCHMARKS.md for what each does to the errors.
    pub weight_init: WeightInit,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            numb_steps: 20000,
            disp_freq: 100,
            precision: Precision::F32,
            weight_init: WeightInit::Burn,
        }
    }
}

/// `prefix.name`, or `name` at the top level.
fn key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn at_least_one(prefix: &str, name: &str, v: usize) -> Result<()> {
    ensure(v >= 1, &key(prefix, name), || "must be at least 1".into())
}

impl DataConfig {
    /// Checks the section; errors name `prefix.<key>`.
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        ensure(
            self.training_data.split(',').any(|s| !s.trim().is_empty()),
            &key(prefix, "training_data"),
            || "needs at least one DeePMD directory or .xyz file".into(),
        )?;
        let tm = key(prefix, "type_map");
        for (k, name) in self.type_map.iter().enumerate() {
            ensure(
                !name.trim().is_empty() && !name.contains(char::is_whitespace),
                &tm,
                || format!("entry {} `{name}` is not an element name", k + 1),
            )?;
            ensure(!self.type_map[..k].contains(name), &tm, || {
                format!("names `{name}` twice")
            })?;
        }
        ensure(
            (1..=64).contains(&self.batch_size),
            &key(prefix, "batch_size"),
            || format!("must be 1..=64 frames, got {}", self.batch_size),
        )
    }
}

impl DescriptorConfig {
    /// The descriptor's geometry.
    pub fn spec(&self) -> EnvSpec {
        EnvSpec {
            rcut: self.rcut,
            rcut_smth: self.rcut_smth,
            sel: self.sel.clone(),
        }
    }

    /// Checks the section; errors name `prefix.<key>` (the widths with the same limits as a
    /// loaded model's, [`NetSpec::validate_widths`]).
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        self.spec().validate_at(prefix)?;
        NetSpec::validate_widths(&key(prefix, "neuron"), &self.neuron)?;
        let m1 = *self.neuron.last().unwrap_or(&0);
        ensure(
            self.axis_neuron >= 1 && self.axis_neuron <= m1,
            &key(prefix, "axis_neuron"),
            || {
                format!(
                    "must be between 1 and the last embedding width {m1}, got {}",
                    self.axis_neuron
                )
            },
        )
    }
}

impl FittingNetConfig {
    /// Checks the section; errors name `prefix.<key>`.
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        NetSpec::validate_widths(&key(prefix, "neuron"), &self.neuron)
    }
}

impl LearningRateConfig {
    /// Checks the section; errors name `prefix.<key>`.
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        ensure(
            self.start_lr > 0.0 && self.start_lr < 1.0,
            &key(prefix, "start_lr"),
            || format!("must be in (0, 1), got {}", self.start_lr),
        )?;
        ensure(
            self.stop_lr > 0.0 && self.stop_lr <= self.start_lr,
            &key(prefix, "stop_lr"),
            || format!("must be in (0, start_lr], got {}", self.stop_lr),
        )?;
        at_least_one(prefix, "decay_steps", self.decay_steps)
    }

    /// The learning rate at `step` of `numb_steps`.
    pub fn at(&self, step: usize, numb_steps: usize) -> f64 {
        let r = (self.stop_lr / self.start_lr).powf(self.decay_steps as f64 / numb_steps as f64);
        self.start_lr * r.powi((step / self.decay_steps) as i32)
    }
}

impl LossConfig {
    /// Checks the section; errors name `prefix.<key>`.
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        for (name, v) in [
            ("start_pref_e", self.start_pref_e),
            ("limit_pref_e", self.limit_pref_e),
            ("start_pref_f", self.start_pref_f),
            ("limit_pref_f", self.limit_pref_f),
            ("start_pref_v", self.start_pref_v),
            ("limit_pref_v", self.limit_pref_v),
        ] {
            ensure(v.is_finite() && v >= 0.0, &key(prefix, name), || {
                format!("must be a non-negative number, got {v}")
            })?;
        }
        Ok(())
    }
}

impl TrainingConfig {
    /// Checks the section; errors name `prefix.<key>`.
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        at_least_one(prefix, "numb_steps", self.numb_steps)?;
        at_least_one(prefix, "disp_freq", self.disp_freq)
    }
}

impl TaskConfig for DeepPotConfig {
    fn quick() -> Self {
        let d = Self::default();
        DeepPotConfig {
            learning_rate: LearningRateConfig {
                stop_lr: 2e-5,
                decay_steps: 100,
                ..d.learning_rate
            },
            training: TrainingConfig {
                numb_steps: 3000,
                ..d.training
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        self.validate_at("")
    }

    fn aliases() -> Aliases {
        Self::flat_aliases()
    }
}

/// Flat name -> section of every key (the flat name of the fitting net's `neuron` is
/// `fitting_neuron`).
const SECTIONS: [(&str, &str); 27] = [
    ("training_data", "data.training_data"),
    ("validation_data", "data.validation_data"),
    ("test_data", "data.test_data"),
    ("type_map", "data.type_map"),
    ("batch_size", "data.batch_size"),
    ("rcut", "descriptor.rcut"),
    ("rcut_smth", "descriptor.rcut_smth"),
    ("sel", "descriptor.sel"),
    ("neuron", "descriptor.neuron"),
    ("type_one_side", "descriptor.type_one_side"),
    ("axis_neuron", "descriptor.axis_neuron"),
    ("fitting_neuron", "fitting_net.neuron"),
    ("resnet_dt", "fitting_net.resnet_dt"),
    ("start_lr", "learning_rate.start_lr"),
    ("stop_lr", "learning_rate.stop_lr"),
    ("decay_steps", "learning_rate.decay_steps"),
    ("start_pref_e", "loss.start_pref_e"),
    ("limit_pref_e", "loss.limit_pref_e"),
    ("start_pref_f", "loss.start_pref_f"),
    ("limit_pref_f", "loss.limit_pref_f"),
    ("start_pref_v", "loss.start_pref_v"),
    ("limit_pref_v", "loss.limit_pref_v"),
    ("intensive_ener_virial", "loss.intensive_ener_virial"),
    ("numb_steps", "training.numb_steps"),
    ("disp_freq", "training.disp_freq"),
    ("precision", "training.precision"),
    ("weight_init", "training.weight_init"),
];

impl DeepPotConfig {
    /// The flat DeePMD-kit names accepted for the nested keys (`rcut` -> `descriptor.rcut`,
    /// `fitting_neuron` -> `fitting_net.neuron`, `numb_steps` -> `training.numb_steps`, ...).
    pub fn flat_aliases() -> Aliases {
        SECTIONS
            .iter()
            .map(|&(a, p)| (a.to_owned(), p.to_owned()))
            .collect()
    }

    /// Checks every section; errors name `prefix.<section>.<key>` (`prefix` empty at the top
    /// level, `train` where the config sits in another task's).
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        let at = |section: &str| key(prefix, section);
        self.data.validate_at(&at("data"))?;
        self.descriptor.validate_at(&at("descriptor"))?;
        self.fitting_net.validate_at(&at("fitting_net"))?;
        self.learning_rate.validate_at(&at("learning_rate"))?;
        self.loss.validate_at(&at("loss"))?;
        self.training.validate_at(&at("training"))?;
        let (names, sel) = (&self.data.type_map, &self.descriptor.sel);
        ensure(
            names.is_empty() || names.len() == sel.len(),
            &at("data.type_map"),
            || {
                format!(
                    "names {} types {names:?} but descriptor.sel has {} entries; give one sel entry per type",
                    names.len(),
                    sel.len()
                )
            },
        )
    }

    /// The descriptor's geometry.
    pub(crate) fn spec(&self) -> EnvSpec {
        self.descriptor.spec()
    }

    /// The network sizes.
    pub(crate) fn net_spec(&self) -> NetSpec {
        NetSpec {
            neuron: self.descriptor.neuron.clone(),
            axis_neuron: self.descriptor.axis_neuron,
            fitting_neuron: self.fitting_net.neuron.clone(),
        }
    }

    /// The run's device at `training.precision`: f64 is the same backend configured for f64 (which must
    /// happen before the process creates its first tensor on it). Either way the device's float
    /// type is checked, so a model never trains in another precision than the one asked for.
    pub(crate) fn device(&self, ctx: &RunContext) -> Result<Device> {
        let precision = self.training.precision;
        let name = match precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        let refuse = |why: String| {
            Error::config(
                "training.precision",
                format!(
                    "{name} (DeePMD-kit's model.descriptor.precision / model.fitting_net.precision): {why}"
                ),
            )
        };
        let device = match precision {
            Precision::F32 => ctx.device.clone(),
            Precision::F64 if !ctx.backend.supports(Precision::F64) => {
                return Err(refuse(format!(
                    "the `{}` backend has no float64; train on flex (--device flex) or ask for float32",
                    ctx.backend
                )));
            }
            Precision::F64 => ctx
                .device_with(Precision::F64)
                .map_err(|e| refuse(e.to_string()))?,
        };
        let want = match precision {
            Precision::F32 => FloatDType::F32,
            Precision::F64 => FloatDType::F64,
        };
        let has = device.settings().float_dtype;
        ensure(has == want, "training.precision", || {
            format!(
                "{name} was asked for but this process already computes in {has:?} on the `{}` device (its float type is fixed by the first tensor); run it in a process of its own",
                ctx.backend
            )
        })?;
        Ok(device)
    }

    pub(crate) fn lr(&self, step: usize) -> f64 {
        self.learning_rate.at(step, self.training.numb_steps)
    }
}
