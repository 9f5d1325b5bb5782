//! The `alloy-search` task's configuration.

use super::*;

/// Configuration of [`AlloySearch`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlloyConfig {
    /// Periodic supercell dimensions: two (square lattice) or three (simple cubic), each >= 3.
    pub shape: Vec<usize>,
    /// Effective pair interactions J_1, J_2, ... of the neighbour shells (energy units).
    pub interactions: Vec<f64>,
    /// Fraction of B atoms (rounded to whole atoms).
    pub composition: f64,
    /// Independent simulated-annealing runs.
    pub runs: usize,
    /// Swap proposals per site in each annealing run (the run's evaluation budget / N).
    pub sweeps: usize,
    /// Starting temperature (energy units).
    pub t_start: f64,
    /// Final temperature (energy units).
    pub t_end: f64,
}

impl Default for AlloyConfig {
    fn default() -> Self {
        AlloyConfig {
            shape: vec![6, 4],
            interactions: vec![1.0, 0.55, 0.2],
            composition: 0.5,
            runs: 200,
            sweeps: 1000,
            t_start: 4.0,
            t_end: 0.05,
        }
    }
}

impl TaskConfig for AlloyConfig {
    fn quick() -> Self {
        AlloyConfig {
            shape: vec![5, 4],
            runs: 100,
            sweeps: 500,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            (2..=3).contains(&self.shape.len())
                && self.shape.iter().all(|&s| (3..=64).contains(&s)),
            "shape",
            || format!("two or three dimensions, each 3..=64, got {:?}", self.shape),
        )?;
        let n: usize = self.shape.iter().product();
        ensure(n <= 63, "shape", || {
            format!("at most 63 sites for the bit-mask enumeration, got {n}")
        })?;
        ensure(
            !self.interactions.is_empty()
                && self.interactions.len() <= 3
                && self
                    .interactions
                    .iter()
                    .all(|j| j.is_finite() && j.abs() <= 1e3),
            "interactions",
            || {
                format!(
                    "1 to 3 finite shell interactions, got {:?}",
                    self.interactions
                )
            },
        )?;
        ensure(
            self.composition.is_finite() && (0.0..=1.0).contains(&self.composition),
            "composition",
            || format!("must be in [0, 1], got {}", self.composition),
        )?;
        let n_b = (self.composition * n as f64).round() as usize;
        let count = binomial(n, n_b);
        ensure(count <= MAX_ENUMERATION, "shape", || {
            format!(
                "C({n}, {n_b}) = {count} configurations is too many to enumerate (limit {MAX_ENUMERATION}); use a smaller cell"
            )
        })?;
        ensure((1..=100_000).contains(&self.runs), "runs", || {
            format!("must be 1..=100000, got {}", self.runs)
        })?;
        ensure((1..=1_000_000).contains(&self.sweeps), "sweeps", || {
            format!("must be 1..=1000000, got {}", self.sweeps)
        })?;
        ensure(
            self.t_start.is_finite() && self.t_start > 0.0,
            "t_start",
            || format!("must be positive, got {}", self.t_start),
        )?;
        ensure(
            self.t_end.is_finite() && self.t_end > 0.0 && self.t_end <= self.t_start,
            "t_end",
            || {
                format!(
                    "must be positive and at most t_start ({}), got {}",
                    self.t_start, self.t_end
                )
            },
        )
    }
}
