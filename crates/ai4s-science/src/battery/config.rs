//! The battery task's configuration and its validation.

use ai4s_core::data::validate_split;
use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, MlpConfig};
use ai4s_core::train::TrainSettings;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`Battery`](super::Battery).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatteryConfig {
    /// Simulated cells (each with its own protocol and manufacturing factors).
    pub cells: usize,
    /// Nominal capacity, Ah (end of life at `eol_fraction` of it).
    pub nominal_ah: f64,
    /// Mean cyclable lithium of a fresh cell, Ah (its initial capacity, a little below nominal).
    pub initial_ah: f64,
    /// End of life: the first cycle whose capacity is below this fraction of nominal.
    pub eol_fraction: f64,
    /// Discharge voltage window `[cut-off, top]`, V; `Q(V)` is sampled on it.
    pub voltage_range: [f64; 2],
    /// Points of the voltage grid (Severson et al. interpolate on 1000).
    pub voltage_points: usize,
    /// The two cycles compared, `[early, late]`: `Delta Q(V) = Q_late(V) - Q_early(V)`.
    pub early_cycles: [usize; 2],
    /// Cycles simulated at most; a cell still above end of life then is censored.
    pub max_cycles: usize,
    /// Discharge rate, C (4C in Severson et al.).
    pub discharge_c_rate: f64,
    /// Ohmic resistance of a fresh cell, milliohm.
    pub resistance_mohm: f64,
    /// Range of the first-step C-rate (uniform).
    pub c1_range: [f64; 2],
    /// Range of the second-step C-rate (uniform).
    pub c2_range: [f64; 2],
    /// Range of the state of charge at which the second step starts (uniform, below 0.8).
    pub switch_soc_range: [f64; 2],
    /// SEI growth: median lithium fraction lost as `a sqrt(n)`.
    pub sei_rate: f64,
    /// Early capacity gain (lithium released from the anode overhang), fraction.
    pub activation: f64,
    /// Time constant of the early gain, cycles.
    pub activation_cycles: f64,
    /// Median loss of graphite active material per cycle at charging stress 1 (constant 4C).
    pub lam_rate: f64,
    /// Lost active material per cycle per C above the plating threshold, relative to `lam_rate`.
    pub plating_lam: f64,
    /// C-rate above which fast charging plates lithium.
    pub plating_threshold_c: f64,
    /// Median lithium fraction plated per cycle per C above the threshold (fresh anode).
    pub plating_rate: f64,
    /// Median anode excess capacity: the knee starts when the lost active material reaches it.
    pub anode_margin: f64,
    /// Post-knee lithium loss per cycle per unit of damage beyond the margin.
    pub knee_rate: f64,
    /// Relative resistance growth per unit of lost active material.
    pub resistance_growth: f64,
    /// Log-normal spread (sigma of ln) of the active-material loss rate between cells.
    pub sigma_lam: f64,
    /// Log-normal spread of the anode margin.
    pub sigma_margin: f64,
    /// Log-normal spread of the post-knee rate.
    pub sigma_knee: f64,
    /// Log-normal spread of the SEI rate and the early gain.
    pub sigma_sei: f64,
    /// Log-normal spread of the plating rate.
    pub sigma_plating: f64,
    /// Log-normal spread of the initial lithium and the resistance.
    pub sigma_capacity: f64,
    /// Measurement noise of each `Q(V)` point, Ah (standard deviation).
    pub q_noise_ah: f64,
    /// Measurement noise of each cycle's capacity, Ah.
    pub capacity_noise_ah: f64,
    /// Fraction of cells for validation (early stopping, ridge penalty).
    pub val_fraction: f64,
    /// Fraction of cells held out for the reported test metrics.
    pub test_fraction: f64,
    /// Ridge penalties tried for the discharge model (chosen on validation).
    pub ridge_lambdas: Vec<f64>,
    /// Points of the downsampled `Delta Q(V)` the network reads.
    pub curve_points: usize,
    /// `Delta Q` scale of the network's input transform `asinh(Delta Q / scale)`, Ah.
    pub input_scale_ah: f64,
    /// The network.
    pub mlp: MlpConfig,
    /// Its optimisation (early stopping on the validation cells).
    pub train: TrainSettings,
}

impl Default for BatteryConfig {
    fn default() -> Self {
        BatteryConfig {
            cells: 300,
            nominal_ah: 1.1,
            initial_ah: 1.08,
            eol_fraction: 0.8,
            voltage_range: [2.0, 3.5],
            voltage_points: 1000,
            early_cycles: [10, 100],
            max_cycles: 5000,
            discharge_c_rate: 4.0,
            resistance_mohm: 16.0,
            c1_range: [3.6, 8.0],
            c2_range: [3.0, 6.0],
            switch_soc_range: [0.1, 0.7],
            sei_rate: 8e-4,
            activation: 0.0115,
            activation_cycles: 40.0,
            lam_rate: 1.6e-4,
            plating_lam: 1.0,
            plating_threshold_c: 5.0,
            plating_rate: 2e-5,
            anode_margin: 0.15,
            knee_rate: 0.06,
            resistance_growth: 4.0,
            sigma_lam: 0.17,
            sigma_margin: 0.21,
            sigma_knee: 0.5,
            sigma_sei: 0.2,
            sigma_plating: 0.3,
            sigma_capacity: 0.005,
            q_noise_ah: 3e-4,
            capacity_noise_ah: 5e-4,
            val_fraction: 0.15,
            test_fraction: 0.3,
            ridge_lambdas: vec![1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0],
            curve_points: 100,
            input_scale_ah: 1e-3,
            mlp: MlpConfig {
                hidden: vec![32, 16],
                activation: Activation::Tanh,
            },
            train: TrainSettings {
                epochs: 600,
                batch_size: 16,
                lr: 3e-3,
                patience: 100,
                weight_decay: 1e-3,
                ..Default::default()
            },
        }
    }
}

impl TaskConfig for BatteryConfig {
    fn quick() -> Self {
        let d = Self::default();
        BatteryConfig {
            cells: 124,
            voltage_points: 500,
            train: TrainSettings {
                epochs: 400,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((20..=100_000).contains(&self.cells), "cells", || {
            format!(
                "must be 20..=100000 (train, validation and test cells are drawn from them), got {}",
                self.cells
            )
        })?;
        positive(self.nominal_ah, "nominal_ah", 1e3)?;
        ensure(
            self.eol_fraction.is_finite() && self.eol_fraction > 0.3 && self.eol_fraction < 1.0,
            "eol_fraction",
            || format!("must lie in (0.3, 1), got {}", self.eol_fraction),
        )?;
        ensure(
            self.initial_ah.is_finite()
                && self.initial_ah > self.eol_fraction * self.nominal_ah
                && self.initial_ah <= 1.2 * self.nominal_ah,
            "initial_ah",
            || {
                format!(
                    "must lie above end of life ({} x nominal = {:.3} Ah) and at most 1.2 x nominal, got {}",
                    self.eol_fraction,
                    self.eol_fraction * self.nominal_ah,
                    self.initial_ah
                )
            },
        )?;
        let [lo, hi] = self.voltage_range;
        ensure(
            lo.is_finite() && hi.is_finite() && (1.5..3.1).contains(&lo) && hi > 3.3 && hi <= 4.0,
            "voltage_range",
            || {
                format!(
                    "must be [cut-off, top] V with the cut-off in [1.5, 3.1) below the LFP/graphite plateau and the top in (3.3, 4.0] above it, got {:?}",
                    self.voltage_range
                )
            },
        )?;
        ensure(
            (20..=20_000).contains(&self.voltage_points),
            "voltage_points",
            || format!("must be 20..=20000, got {}", self.voltage_points),
        )?;
        let [e0, e1] = self.early_cycles;
        ensure(e0 >= 1 && e0 < e1, "early_cycles", || {
            format!(
                "must be [early, late] with 1 <= early < late, got {:?}",
                self.early_cycles
            )
        })?;
        ensure(
            self.max_cycles > e1 && self.max_cycles <= 100_000,
            "max_cycles",
            || {
                format!(
                    "must exceed the late cycle of early_cycles ({e1}) and be at most 100000, got {}",
                    self.max_cycles
                )
            },
        )?;
        positive(self.discharge_c_rate, "discharge_c_rate", 20.0)?;
        positive(self.resistance_mohm, "resistance_mohm", 1e3)?;
        ensure(
            self.discharge_c_rate * self.nominal_ah * self.resistance_mohm * 1e-3 < 0.5,
            "resistance_mohm",
            || {
                format!(
                    "the ohmic drop at {}C ({:.3} V) leaves no discharge plateau; keep it below 0.5 V",
                    self.discharge_c_rate,
                    self.discharge_c_rate * self.nominal_ah * self.resistance_mohm * 1e-3
                )
            },
        )?;
        range(self.c1_range, "c1_range", 0.1, 20.0)?;
        range(self.c2_range, "c2_range", 0.1, 20.0)?;
        range(self.switch_soc_range, "switch_soc_range", 0.0, 0.8)?;
        for (name, v, max) in [
            ("sei_rate", self.sei_rate, 0.1),
            ("activation", self.activation, 0.1),
            ("lam_rate", self.lam_rate, 0.01),
            ("plating_lam", self.plating_lam, 100.0),
            ("plating_rate", self.plating_rate, 0.01),
            ("knee_rate", self.knee_rate, 100.0),
            ("resistance_growth", self.resistance_growth, 100.0),
            ("sigma_lam", self.sigma_lam, 2.0),
            ("sigma_margin", self.sigma_margin, 1.0),
            ("sigma_knee", self.sigma_knee, 2.0),
            ("sigma_sei", self.sigma_sei, 2.0),
            ("sigma_plating", self.sigma_plating, 2.0),
            ("sigma_capacity", self.sigma_capacity, 0.1),
            ("q_noise_ah", self.q_noise_ah, 0.1),
            ("capacity_noise_ah", self.capacity_noise_ah, 0.1),
        ] {
            ensure(v.is_finite() && (0.0..=max).contains(&v), name, || {
                format!("must lie in [0, {max}], got {v}")
            })?;
        }
        positive(self.activation_cycles, "activation_cycles", 1e5)?;
        positive(self.plating_threshold_c, "plating_threshold_c", 20.0)?;
        ensure(
            self.anode_margin.is_finite() && self.anode_margin > 0.0 && self.anode_margin < 0.5,
            "anode_margin",
            || format!("must lie in (0, 0.5), got {}", self.anode_margin),
        )?;
        validate_split(self.val_fraction, self.test_fraction)?;
        ensure(
            !self.ridge_lambdas.is_empty()
                && self
                    .ridge_lambdas
                    .iter()
                    .all(|l| l.is_finite() && *l >= 0.0),
            "ridge_lambdas",
            || {
                format!(
                    "need at least one finite penalty >= 0, got {:?}",
                    self.ridge_lambdas
                )
            },
        )?;
        ensure(
            (4..=self.voltage_points).contains(&self.curve_points),
            "curve_points",
            || {
                format!(
                    "must be 4..=voltage_points ({}), got {}",
                    self.voltage_points, self.curve_points
                )
            },
        )?;
        positive(self.input_scale_ah, "input_scale_ah", 1.0)?;
        self.mlp.validate("mlp")?;
        self.train.validate("train")
    }
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}

fn range(r: [f64; 2], field: &str, min: f64, max: f64) -> Result<()> {
    ensure(
        r.iter().all(|v| v.is_finite()) && r[0] >= min && r[0] <= r[1] && r[1] <= max,
        field,
        || format!("must be [low, high] with {min} <= low <= high <= {max}, got {r:?}"),
    )
}
