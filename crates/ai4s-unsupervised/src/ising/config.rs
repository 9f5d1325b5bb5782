//! The `ising-phases` task's configuration.

use super::*;

/// Configuration of [`IsingPhases`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IsingConfig {
    /// Lattice side (even).
    pub l: usize,
    /// Lowest temperature.
    pub t_min: f64,
    /// Highest temperature.
    pub t_max: f64,
    /// Number of temperatures, evenly spaced.
    pub temperatures: usize,
    /// Sweeps before the first snapshot at each temperature.
    pub equilibration: usize,
    /// Snapshots per temperature.
    pub samples: usize,
    /// Sweeps between snapshots.
    pub stride: usize,
    /// Worker threads over temperatures (0 = all cores).
    pub threads: usize,
}

impl Default for IsingConfig {
    fn default() -> Self {
        IsingConfig {
            l: 32,
            t_min: 1.6,
            t_max: 3.2,
            temperatures: 33,
            equilibration: 2000,
            samples: 200,
            stride: 10,
            threads: 0,
        }
    }
}

impl TaskConfig for IsingConfig {
    fn quick() -> Self {
        IsingConfig {
            equilibration: 1000,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            self.l >= 4 && self.l <= 256 && self.l.is_multiple_of(2),
            "l",
            || {
                format!(
                    "must be an even side between 4 and 256 (checkerboard sweeps), got {}",
                    self.l
                )
            },
        )?;
        ensure(self.t_min.is_finite() && self.t_min > 0.0, "t_min", || {
            format!("must be a positive temperature, got {}", self.t_min)
        })?;
        ensure(
            self.t_max.is_finite() && self.t_max > self.t_min,
            "t_max",
            || format!("must exceed t_min ({}), got {}", self.t_min, self.t_max),
        )?;
        ensure(self.temperatures >= 5, "temperatures", || {
            format!("must be at least 5, got {}", self.temperatures)
        })?;
        ensure(self.samples >= 4, "samples", || {
            format!(
                "must be at least 4 snapshots per temperature, got {}",
                self.samples
            )
        })?;
        ensure(self.stride >= 1, "stride", || {
            "must be at least 1 sweep".into()
        })
    }
}
