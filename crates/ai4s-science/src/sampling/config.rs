//! The enhanced-sampling task's configuration and its validation.

use ai4s_core::error::ensure;
use ai4s_core::free_energy::Grid2;
use ai4s_core::mlp::{Activation, MlpConfig};
use ai4s_core::train::{Schedule, TrainSettings};
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`EnhancedSampling`](super::EnhancedSampling). Energies are in kT, lengths
/// in Mueller-Brown units, time in units of `sqrt(m/kT)` length (mass 1).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SamplingConfig {
    /// Mueller-Brown energy units per kT (at 10 the deepest basin lies 10.6 kT below the saddle
    /// towards the middle basin).
    pub temperature: f64,
    /// The mapped window along x; harmonic walls confine the particle to it.
    pub x_range: [f64; 2],
    /// The mapped window along y.
    pub y_range: [f64; 2],
    /// Grid cells per axis of the exact reference and of every error.
    pub grid_points: usize,
    /// Errors are measured where the exact free energy lies less than this above its minimum, kT.
    pub cutoff_kt: f64,
    /// A point belongs to a basin when its energy is within this of the basin's minimum, kT.
    pub basin_depth_kt: f64,
    /// Starting point of every trajectory (in the deepest basin).
    pub start: [f64; 2],
    /// Time step of every trajectory (BAOAB).
    pub dt: f64,
    /// Langevin friction, 1/time.
    pub friction: f64,
    /// Target of the learned surface: RMSE over the region below `cutoff_kt`, kT.
    pub target_rmse_kt: f64,
    /// RiD rounds: biased exploration, restrained MD at new points, refit.
    pub iterations: usize,
    /// Walkers of the biased exploration (each continues from where it stopped).
    pub walkers: usize,
    /// Steps of each walker per round.
    pub biased_steps: usize,
    /// Steps between frames that are candidates for restrained MD.
    pub frame_stride: usize,
    /// New restrained-MD points per round at most.
    pub points_per_iteration: usize,
    /// Smallest distance between two restrained-MD centres.
    pub min_point_distance: f64,
    /// Frames farther than this from every restrained-MD centre are candidates even where the
    /// ensemble agrees: there the networks extrapolate, and members fitted to the same data
    /// can agree on a wrong surface (a large value leaves only the ensemble's disagreement).
    pub coverage_distance: f64,
    /// Restraint stiffness `kappa`, kT per length^2 (the estimate is the gradient of `F`
    /// smoothed over `sqrt(kT/kappa)`).
    pub kappa: f64,
    /// Steps of each restrained run that are averaged.
    pub restrained_steps: usize,
    /// Steps of each restrained run discarded before averaging.
    pub restrained_equilibration: usize,
    /// Uncertainty gate `[e0, e1]`, kT per length: the bias acts fully where the ensemble's
    /// force deviation is below `e0`, not at all above `e1`, and frames above `e0` are
    /// candidates for restrained MD.
    pub trust: [f64; 2],
    /// Networks in the ensemble.
    pub ensemble: usize,
    /// Each network (tanh: its input gradient is built by the chain rule).
    pub model: MlpConfig,
    /// Free-energy scale of the network output, kT.
    pub output_scale_kt: f64,
    /// Fraction of the mean forces held out for early stopping.
    pub val_fraction: f64,
    /// Optimisation of the ensemble in each round (warm-started from the previous round).
    pub train: TrainSettings,
    /// Initial Gaussian hill height of metadynamics, kT.
    pub hill_height: f64,
    /// Hill width (standard deviation), length.
    pub hill_width: f64,
    /// Steps between hills.
    pub hill_stride: usize,
    /// Well-tempered bias factor `(T + Delta T)/T`.
    pub bias_factor: f64,
    /// Simulated time of metadynamics relative to RiD's total (restrained runs included).
    pub metad_time_factor: f64,
    /// Metadynamics time between error evaluations.
    pub metad_eval_every: f64,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        SamplingConfig {
            temperature: 10.0,
            x_range: [-1.5, 1.2],
            y_range: [-0.3, 2.0],
            grid_points: 120,
            cutoff_kt: 12.0,
            basin_depth_kt: 2.0,
            start: [-0.558, 1.442],
            dt: 0.002,
            friction: 1.0,
            target_rmse_kt: 0.5,
            iterations: 24,
            walkers: 4,
            biased_steps: 400,
            frame_stride: 10,
            points_per_iteration: 20,
            min_point_distance: 0.08,
            coverage_distance: 0.25,
            kappa: 30_000.0,
            restrained_steps: 400,
            restrained_equilibration: 25,
            trust: [4.0, 8.0],
            ensemble: 4,
            model: MlpConfig {
                hidden: vec![48, 48],
                activation: Activation::Tanh,
            },
            output_scale_kt: 10.0,
            val_fraction: 0.1,
            train: TrainSettings {
                epochs: 500,
                batch_size: 32,
                lr: 3e-3,
                schedule: Schedule::Cosine,
                patience: 100,
                ..Default::default()
            },
            hill_height: 0.5,
            hill_width: 0.08,
            hill_stride: 50,
            bias_factor: 10.0,
            metad_time_factor: 3.0,
            metad_eval_every: 1.0,
        }
    }
}

impl SamplingConfig {
    /// The mapped window as a grid.
    pub fn grid(&self) -> Result<Grid2> {
        Grid2::new(
            self.x_range,
            self.y_range,
            self.grid_points,
            self.grid_points,
            "grid_points",
        )
    }
}

impl TaskConfig for SamplingConfig {
    fn quick() -> Self {
        SamplingConfig {
            grid_points: 90,
            iterations: 16,
            metad_time_factor: 2.0,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        positive(self.temperature, "temperature", 1e4)?;
        for (name, r) in [("x_range", self.x_range), ("y_range", self.y_range)] {
            ensure(
                r.iter().all(|v| v.is_finite() && v.abs() <= 10.0) && r[0] < r[1],
                name,
                || format!("must be [low, high] with low < high inside [-10, 10], got {r:?}"),
            )?;
        }
        ensure(
            (10..=1000).contains(&self.grid_points),
            "grid_points",
            || format!("must be 10..=1000, got {}", self.grid_points),
        )?;
        positive(self.cutoff_kt, "cutoff_kt", 100.0)?;
        positive(self.basin_depth_kt, "basin_depth_kt", 100.0)?;
        let inside = |p: [f64; 2]| {
            p[0] > self.x_range[0]
                && p[0] < self.x_range[1]
                && p[1] > self.y_range[0]
                && p[1] < self.y_range[1]
        };
        ensure(inside(self.start), "start", || {
            format!(
                "must lie inside the window x {:?}, y {:?}, got {:?}",
                self.x_range, self.y_range, self.start
            )
        })?;
        positive(self.dt, "dt", 0.05)?;
        ensure(self.dt * (self.kappa + 1000.0).sqrt() < 1.0, "dt", || {
            format!(
                "{} is too long for the restraint: dt sqrt(kappa + 1000) must stay below 1 (BAOAB is stable to 2), got {:.2}",
                self.dt,
                self.dt * (self.kappa + 1000.0).sqrt()
            )
        })?;
        positive(self.friction, "friction", 1e3)?;
        positive(self.target_rmse_kt, "target_rmse_kt", 100.0)?;
        for (name, v, lo, hi) in [
            ("iterations", self.iterations, 2, 1000),
            ("walkers", self.walkers, 1, 1000),
            ("biased_steps", self.biased_steps, 1, 10_000_000),
            ("frame_stride", self.frame_stride, 1, 1_000_000),
            ("points_per_iteration", self.points_per_iteration, 1, 10_000),
            ("restrained_steps", self.restrained_steps, 1, 10_000_000),
            (
                "restrained_equilibration",
                self.restrained_equilibration,
                0,
                10_000_000,
            ),
            ("ensemble", self.ensemble, 2, 64),
            ("hill_stride", self.hill_stride, 1, 1_000_000),
        ] {
            ensure((lo..=hi).contains(&v), name, || {
                format!("must be {lo}..={hi}, got {v}")
            })?;
        }
        positive(self.min_point_distance, "min_point_distance", 1.0)?;
        positive(self.coverage_distance, "coverage_distance", 100.0)?;
        positive(self.kappa, "kappa", 1e7)?;
        let [e0, e1] = self.trust;
        ensure(
            e0.is_finite() && e1.is_finite() && e0 > 0.0 && e0 < e1,
            "trust",
            || format!("must be [e0, e1] with 0 < e0 < e1, got {:?}", self.trust),
        )?;
        positive(self.output_scale_kt, "output_scale_kt", 1e4)?;
        ensure(
            self.val_fraction.is_finite() && self.val_fraction > 0.0 && self.val_fraction < 0.5,
            "val_fraction",
            || format!("must lie in (0, 0.5), got {}", self.val_fraction),
        )?;
        ensure(
            self.model.activation == Activation::Tanh,
            "model.activation",
            || {
                "must be \"tanh\": the network's input gradient is built by the chain rule through tanh layers".into()
            },
        )?;
        self.model.validate("model")?;
        self.train.validate("train")?;
        positive(self.hill_height, "hill_height", 100.0)?;
        positive(self.hill_width, "hill_width", 1.0)?;
        ensure(
            self.bias_factor.is_finite() && self.bias_factor > 1.0 && self.bias_factor <= 1000.0,
            "bias_factor",
            || format!("must lie in (1, 1000], got {}", self.bias_factor),
        )?;
        positive(self.metad_time_factor, "metad_time_factor", 100.0)?;
        positive(self.metad_eval_every, "metad_eval_every", 1e6)
    }
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}
