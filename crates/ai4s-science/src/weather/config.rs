//! The weather task's configuration and its validation.

use super::model::Physics;
use ai4s_core::error::ensure;
use ai4s_core::train::{Schedule, TrainSettings};
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`WeatherField`](super::WeatherField).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeatherConfig {
    /// Grid points per side of the truth model (a power of two; the domain is `[0, 2 pi)^2`).
    pub grid: usize,
    /// Grid points per side of the coarse numerical baseline (a power of two below `grid`).
    pub coarse_grid: usize,
    /// Time between saved frames: one forecast step.
    pub interval: f64,
    /// RK4 steps of the truth model per interval.
    pub substeps: usize,
    /// RK4 steps of the coarse model per interval.
    pub coarse_substeps: usize,
    /// Planetary vorticity gradient `beta`.
    pub beta: f64,
    /// Uniform background wind `(U, V)`.
    pub wind: [f64; 2],
    /// Linear drag `mu`.
    pub drag: f64,
    /// Viscosity `nu`.
    pub viscosity: f64,
    /// Enstrophy injection rate `eta` of the stochastic forcing.
    pub forcing_rate: f64,
    /// Wavenumber ring `[k_lo, k_hi]` of the forcing.
    pub forcing_band: [f64; 2],
    /// Peak wavenumber of the random initial fields.
    pub initial_peak: f64,
    /// Root-mean-square vorticity of the random initial fields.
    pub initial_rms: f64,
    /// Time each trajectory runs before its first saved frame (to reach the forced steady state).
    pub spinup: f64,
    /// Frames saved per trajectory.
    pub frames: usize,
    /// Training trajectories (each from its own random initial field and forcing).
    pub train_trajectories: usize,
    /// Validation trajectories (early stopping).
    pub val_trajectories: usize,
    /// Held-out test trajectories: every reported score is on them.
    pub test_trajectories: usize,
    /// Frames between the starts of test forecasts.
    pub start_stride: usize,
    /// Forecast horizon in steps: scores are reported for leads `1..=horizon`.
    pub horizon: usize,
    /// Forecast steps unrolled in each training sample.
    pub rollout_steps: usize,
    /// The stability rollout runs this many times the horizon.
    pub stability_factor: usize,
    /// Goal: the network's ACC exceeds `acc_threshold` at every lead up to this one (steps).
    pub acc_lead: usize,
    /// ACC threshold of that goal (0.6 is the usual limit of a useful forecast).
    pub acc_threshold: f64,
    /// Hidden channels of the CNN.
    pub channels: usize,
    /// Convolution layers of the CNN (at least 2).
    pub layers: usize,
    /// Convolution kernel size (odd).
    pub kernel: usize,
    /// Optimisation of the CNN (early stopping on the validation trajectories).
    pub train: TrainSettings,
}

impl Default for WeatherConfig {
    fn default() -> Self {
        WeatherConfig {
            grid: 32,
            coarse_grid: 16,
            interval: 0.5,
            substeps: 5,
            coarse_substeps: 3,
            beta: 2.0,
            wind: [0.6, 0.2],
            drag: 0.05,
            viscosity: 5e-3,
            forcing_rate: 0.05,
            forcing_band: [3.0, 5.0],
            initial_peak: 4.0,
            initial_rms: 1.0,
            spinup: 10.0,
            frames: 80,
            train_trajectories: 24,
            val_trajectories: 6,
            test_trajectories: 10,
            start_stride: 4,
            horizon: 10,
            rollout_steps: 3,
            stability_factor: 10,
            acc_lead: 6,
            acc_threshold: 0.6,
            channels: 16,
            layers: 4,
            kernel: 3,
            train: TrainSettings {
                epochs: 15,
                batch_size: 16,
                lr: 2e-3,
                schedule: Schedule::Cosine,
                patience: 0,
                ..Default::default()
            },
        }
    }
}

impl WeatherConfig {
    /// The physical parameters shared by the truth and the coarse model.
    pub fn physics(&self) -> Physics {
        Physics {
            beta: self.beta,
            wind: self.wind,
            drag: self.drag,
            viscosity: self.viscosity,
            forcing_rate: self.forcing_rate,
            forcing_band: self.forcing_band,
        }
    }
}

impl TaskConfig for WeatherConfig {
    fn quick() -> Self {
        let d = Self::default();
        WeatherConfig {
            frames: 50,
            train_trajectories: 12,
            val_trajectories: 3,
            test_trajectories: 6,
            horizon: 8,
            acc_lead: 4,
            channels: 12,
            train: TrainSettings {
                epochs: 8,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        let pow2 = |n: usize| n.is_power_of_two() && n >= 8;
        ensure(pow2(self.grid) && self.grid <= 256, "grid", || {
            format!(
                "must be a power of two in 8..=256 (the FFT is radix-2), got {}",
                self.grid
            )
        })?;
        ensure(
            pow2(self.coarse_grid) && self.coarse_grid < self.grid,
            "coarse_grid",
            || {
                format!(
                    "must be a power of two >= 8 below grid ({}), got {}",
                    self.grid, self.coarse_grid
                )
            },
        )?;
        positive(self.interval, "interval", 100.0)?;
        for (name, v) in [
            ("substeps", self.substeps),
            ("coarse_substeps", self.coarse_substeps),
        ] {
            ensure((1..=10_000).contains(&v), name, || {
                format!("must be 1..=10000, got {v}")
            })?;
        }
        for (name, v, max) in [
            ("beta", self.beta, 100.0),
            ("drag", self.drag, 100.0),
            ("viscosity", self.viscosity, 10.0),
            ("forcing_rate", self.forcing_rate, 100.0),
            ("spinup", self.spinup, 1e5),
        ] {
            ensure(v.is_finite() && (0.0..=max).contains(&v), name, || {
                format!("must lie in [0, {max}], got {v}")
            })?;
        }
        ensure(
            self.wind.iter().all(|w| w.is_finite() && w.abs() <= 100.0),
            "wind",
            || format!("must be [U, V] with |U|, |V| <= 100, got {:?}", self.wind),
        )?;
        let kmax = self.grid as f64 / 3.0;
        let [lo, hi] = self.forcing_band;
        ensure(
            lo.is_finite() && hi.is_finite() && lo >= 1.0 && lo <= hi && hi < kmax,
            "forcing_band",
            || {
                format!(
                    "must be [k_lo, k_hi] with 1 <= k_lo <= k_hi < grid/3 ({kmax:.1}, the dealiasing cut-off), got {:?}",
                    self.forcing_band
                )
            },
        )?;
        positive(self.initial_peak, "initial_peak", kmax)?;
        positive(self.initial_rms, "initial_rms", 100.0)?;
        // Advective CFL number of RK4 on the resolved modes; the eddy velocity is bounded by the
        // rms vorticity (a field at |k| >= 1).
        let speed = self.wind[0].abs() + self.wind[1].abs() + self.initial_rms;
        for (name, steps, n) in [
            ("substeps", self.substeps, self.grid),
            ("coarse_substeps", self.coarse_substeps, self.coarse_grid),
        ] {
            let dt = self.interval / steps as f64;
            let cfl = dt * speed * n as f64 / 3.0;
            ensure(cfl <= 2.0, name, || {
                format!(
                    "a step of {dt:.3} on the {n}x{n} grid gives an advective CFL number {cfl:.2} > 2 (RK4 is unstable near 2.8); raise {name}"
                )
            })?;
        }
        ensure(
            self.frames > self.horizon * self.stability_factor.max(1) / 2
                && self.frames > self.horizon + self.rollout_steps,
            "frames",
            || {
                format!(
                    "must exceed horizon + rollout_steps ({}) and half the stability rollout ({}), got {}",
                    self.horizon + self.rollout_steps,
                    self.horizon * self.stability_factor / 2,
                    self.frames
                )
            },
        )?;
        for (name, v) in [
            ("train_trajectories", self.train_trajectories),
            ("val_trajectories", self.val_trajectories),
            ("test_trajectories", self.test_trajectories),
        ] {
            ensure((1..=10_000).contains(&v), name, || {
                format!("must be 1..=10000, got {v}")
            })?;
        }
        ensure(self.start_stride >= 1, "start_stride", || {
            format!("must be at least 1, got {}", self.start_stride)
        })?;
        ensure((1..=1000).contains(&self.horizon), "horizon", || {
            format!("must be 1..=1000, got {}", self.horizon)
        })?;
        ensure(
            (1..=self.horizon).contains(&self.rollout_steps),
            "rollout_steps",
            || {
                format!(
                    "must be 1..=horizon ({}), got {}",
                    self.horizon, self.rollout_steps
                )
            },
        )?;
        ensure(
            (1..=100).contains(&self.stability_factor),
            "stability_factor",
            || format!("must be 1..=100, got {}", self.stability_factor),
        )?;
        ensure(
            (1..=self.horizon).contains(&self.acc_lead),
            "acc_lead",
            || {
                format!(
                    "must be 1..=horizon ({}), got {}",
                    self.horizon, self.acc_lead
                )
            },
        )?;
        ensure(
            self.acc_threshold.is_finite() && self.acc_threshold > 0.0 && self.acc_threshold < 1.0,
            "acc_threshold",
            || format!("must lie in (0, 1), got {}", self.acc_threshold),
        )?;
        ensure((1..=256).contains(&self.channels), "channels", || {
            format!("must be 1..=256, got {}", self.channels)
        })?;
        ensure((2..=16).contains(&self.layers), "layers", || {
            format!("must be 2..=16, got {}", self.layers)
        })?;
        ensure(
            self.kernel % 2 == 1 && self.kernel <= self.grid / 2,
            "kernel",
            || {
                format!(
                    "must be odd and at most grid/2 ({}), got {}",
                    self.grid / 2,
                    self.kernel
                )
            },
        )?;
        self.train.validate("train")
    }
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}
