//! The `deep-potential` task's configuration: data, descriptor, fitting net, loss and
//! learning-rate schedule in DeePMD-kit's names, each field validated before training.

use crate::env::EnvSpec;
use crate::model::WeightInit;
use ai4s_core::burn::tensor::{Device, FloatDType};
use ai4s_core::error::ensure;
use ai4s_core::{Error, Precision, Result, RunContext, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration with DeePMD-kit's field names.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeepPotConfig {
    /// Training systems: DeePMD directories or extended XYZ files, comma-separated.
    pub training_data: String,
    /// Validation systems (empty: the last 10 % of the training frames).
    pub validation_data: String,
    /// Test systems, evaluated once after training (never used for training or selection).
    pub test_data: String,
    /// The model's element names, one per type, in the order of `sel` (DeePMD-kit's
    /// `model.type_map`). Each system's atom types are read through its own `type_map.raw` (or an
    /// XYZ file's species) and remapped to this order; a system without `type_map.raw` uses these
    /// names for its type indices. Empty: the first training system's type map.
    pub type_map: Vec<String>,
    /// Cutoff radius (A).
    pub rcut: f64,
    /// Start of the smooth switching (A).
    pub rcut_smth: f64,
    /// Neighbour slots per type.
    pub sel: Vec<usize>,
    /// Embedding net widths.
    pub neuron: Vec<usize>,
    /// One embedding net per neighbour type (`true`) or one per (centre, neighbour) type pair
    /// (`false`; DeePMD-kit's `model.descriptor.type_one_side`, whose default is false: an
    /// `input.json` without the key trains per-pair nets). The same for one type.
    pub type_one_side: bool,
    /// Columns of T kept in the descriptor.
    pub axis_neuron: usize,
    /// Fitting net widths.
    pub fitting_neuron: Vec<usize>,
    /// How fresh weights are drawn: `burn` (uniform in +-1/sqrt(d_in), ai4s's default) or
    /// `deepmd` (DeePMD-kit's: weights N(0, 1/sqrt(d_in + d_out)), biases N(0, 1); what an
    /// `input.json` trains with). See BENCHMARKS.md for what each does to the errors.
    pub weight_init: WeightInit,
    /// Fitting-net residual layers carry a trainable timestep vector `idt` (DeePMD-kit's
    /// `fitting_net.resnet_dt`, default true).
    pub resnet_dt: bool,
    /// Optimiser steps.
    pub numb_steps: usize,
    /// Frames per step.
    pub batch_size: usize,
    /// Initial learning rate.
    pub start_lr: f64,
    /// Learning rate reached at `numb_steps`.
    pub stop_lr: f64,
    /// Steps between learning-rate decays.
    pub decay_steps: usize,
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
    /// Steps between lcurve rows.
    pub disp_freq: usize,
    /// Floating-point precision of the model, its training and its evaluation: `f32` or `f64`
    /// (DeePMD-kit's `precision`; f64 needs a backend that has it: flex, ndarray or cuda).
    pub precision: Precision,
}

impl Default for DeepPotConfig {
    fn default() -> Self {
        DeepPotConfig {
            training_data: "datasets/tb-si-64/train".into(),
            validation_data: String::new(),
            test_data: "datasets/tb-si-64/test".into(),
            type_map: Vec::new(),
            rcut: 5.0,
            rcut_smth: 0.5,
            sel: vec![48],
            neuron: vec![16, 32, 64],
            type_one_side: true,
            axis_neuron: 12,
            fitting_neuron: vec![100, 100, 100],
            resnet_dt: true,
            weight_init: WeightInit::Burn,
            numb_steps: 20000,
            batch_size: 1,
            start_lr: 5e-3,
            stop_lr: 1e-5,
            decay_steps: 200,
            // DeePMD's defaults are 0.02 -> 1; on the TB-Si data 0.1 -> 4 lowered the validation
            // energy RMSE (10.5 vs 11.6 meV/atom) at the same force error.
            start_pref_e: 0.1,
            limit_pref_e: 4.0,
            start_pref_f: 1000.0,
            limit_pref_f: 1.0,
            start_pref_v: 0.1,
            limit_pref_v: 1.0,
            intensive_ener_virial: true,
            disp_freq: 100,
            precision: Precision::F32,
        }
    }
}

impl TaskConfig for DeepPotConfig {
    fn quick() -> Self {
        DeepPotConfig {
            numb_steps: 3000,
            stop_lr: 2e-5,
            decay_steps: 100,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            self.training_data.split(',').any(|s| !s.trim().is_empty()),
            "training_data",
            || "needs at least one DeePMD directory or .xyz file".into(),
        )?;
        self.spec().validate()?;
        if !self.type_map.is_empty() {
            ensure(self.type_map.len() == self.sel.len(), "type_map", || {
                format!(
                    "names {} types {:?} but sel has {} entries; give one sel entry per type",
                    self.type_map.len(),
                    self.type_map,
                    self.sel.len()
                )
            })?;
            for (k, name) in self.type_map.iter().enumerate() {
                ensure(
                    !name.trim().is_empty() && !name.contains(char::is_whitespace),
                    "type_map",
                    || format!("entry {} `{name}` is not an element name", k + 1),
                )?;
                ensure(!self.type_map[..k].contains(name), "type_map", || {
                    format!("names `{name}` twice")
                })?;
            }
        }
        ensure(
            !self.neuron.is_empty() && self.neuron.iter().all(|&w| (1..=1024).contains(&w)),
            "neuron",
            || format!("embedding widths must be 1..=1024, got {:?}", self.neuron),
        )?;
        let m1 = *self.neuron.last().unwrap_or(&0);
        ensure(
            self.axis_neuron >= 1 && self.axis_neuron <= m1,
            "axis_neuron",
            || {
                format!(
                    "must be between 1 and the last embedding width {m1}, got {}",
                    self.axis_neuron
                )
            },
        )?;
        ensure(
            !self.fitting_neuron.is_empty()
                && self.fitting_neuron.iter().all(|&w| (1..=4096).contains(&w)),
            "fitting_neuron",
            || format!("widths must be 1..=4096, got {:?}", self.fitting_neuron),
        )?;
        ensure(self.numb_steps >= 1, "numb_steps", || {
            "must be at least 1".into()
        })?;
        ensure((1..=64).contains(&self.batch_size), "batch_size", || {
            format!("must be 1..=64 frames, got {}", self.batch_size)
        })?;
        ensure(
            self.start_lr > 0.0 && self.start_lr < 1.0,
            "start_lr",
            || format!("must be in (0, 1), got {}", self.start_lr),
        )?;
        ensure(
            self.stop_lr > 0.0 && self.stop_lr <= self.start_lr,
            "stop_lr",
            || format!("must be in (0, start_lr], got {}", self.stop_lr),
        )?;
        ensure(self.decay_steps >= 1, "decay_steps", || {
            "must be at least 1".into()
        })?;
        ensure(self.disp_freq >= 1, "disp_freq", || {
            "must be at least 1".into()
        })?;
        for (name, v) in [
            ("start_pref_e", self.start_pref_e),
            ("limit_pref_e", self.limit_pref_e),
            ("start_pref_f", self.start_pref_f),
            ("limit_pref_f", self.limit_pref_f),
            ("start_pref_v", self.start_pref_v),
            ("limit_pref_v", self.limit_pref_v),
        ] {
            ensure(v.is_finite() && v >= 0.0, name, || {
                format!("must be a non-negative number, got {v}")
            })?;
        }
        Ok(())
    }
}

impl DeepPotConfig {
    pub(crate) fn spec(&self) -> EnvSpec {
        EnvSpec {
            rcut: self.rcut,
            rcut_smth: self.rcut_smth,
            sel: self.sel.clone(),
        }
    }

    /// The run's device at `precision`: f64 is the same backend configured for f64 (which must
    /// happen before the process creates its first tensor on it). Either way the device's float
    /// type is checked, so a model never trains in another precision than the one asked for.
    pub(crate) fn device(&self, ctx: &RunContext) -> Result<Device> {
        let name = match self.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        let refuse = |why: String| {
            Error::config(
                "precision",
                format!(
                    "{name} (DeePMD-kit's model.descriptor.precision / model.fitting_net.precision): {why}"
                ),
            )
        };
        let device = match self.precision {
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
        let want = match self.precision {
            Precision::F32 => FloatDType::F32,
            Precision::F64 => FloatDType::F64,
        };
        let has = device.settings().float_dtype;
        ensure(has == want, "precision", || {
            format!(
                "{name} was asked for but this process already computes in {has:?} on the `{}` device (its float type is fixed by the first tensor); run it in a process of its own",
                ctx.backend
            )
        })?;
        Ok(device)
    }

    pub(crate) fn lr(&self, step: usize) -> f64 {
        let r =
            (self.stop_lr / self.start_lr).powf(self.decay_steps as f64 / self.numb_steps as f64);
        self.start_lr * r.powi((step / self.decay_steps) as i32)
    }
}
