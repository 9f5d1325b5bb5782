//! The `high-entropy` task's configuration and its validation.

use super::reference::A_BRACKET;
use ai4s_core::error::ensure;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`HighEntropy`](super::HighEntropy).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HighEntropyConfig {
    /// Species names, one per entry of `sigma` (2-8 species).
    pub species: Vec<String>,
    /// Lennard-Jones size of each species (A); pairs use `(sigma_a + sigma_b) / 2`.
    pub sigma: Vec<f64>,
    /// Lennard-Jones well depth of each pair of species (eV), a symmetric table.
    pub epsilon: Vec<Vec<f64>>,
    /// Start of the smooth switch of the pair potential (A).
    pub r_on: f64,
    /// Cutoff of the pair potential (A).
    pub rc: f64,
    /// Conventional fcc cells per edge of the labelled training cells (4 sites each, >= 3).
    pub train_cells: usize,
    /// Labelled configurations (training, cross-validation and test).
    pub configurations: usize,
    /// Fraction of the configurations taken from short reference Monte Carlo runs near the
    /// equiatomic composition; the rest are random solutions at random compositions.
    pub annealed_fraction: f64,
    /// Sweeps of each of those short runs (each at its own temperature).
    pub anneal_sweeps: usize,
    /// Fraction of the configurations held out for the test error.
    pub test_fraction: f64,
    /// Folds of the cross-validation that picks the ridge penalty.
    pub folds: usize,
    /// Ridge penalties tried (on standardised correlations).
    pub ridge_lambdas: Vec<f64>,
    /// Pair clusters of neighbour shells `1..=pair_shells` in the expansion (1-3).
    pub pair_shells: usize,
    /// Nearest-neighbour triangle clusters in the expansion.
    pub triplets: bool,
    /// Conventional fcc cells per edge of the Monte Carlo cell (>= 3).
    pub mc_cells: usize,
    /// Temperature range `[cold, hot]` of the Monte Carlo anneal (K).
    pub temperature_range: [f64; 2],
    /// Temperatures on the geometric ladder from hot to cold.
    pub temperatures: usize,
    /// Sweeps discarded at each temperature.
    pub equilibration_sweeps: usize,
    /// Sweeps measured at each temperature.
    pub sample_sweeps: usize,
}

impl Default for HighEntropyConfig {
    fn default() -> Self {
        // Well depths eps0 sqrt(b_a b_b) (1 + d_ab): like pairs d = 0; A-B binds more strongly
        // than its like pairs (d = +0.2: A and B order), every other unlike pair more weakly
        // (d = -0.15: C, D and E avoid each other and A, B).
        let base = [1.0, 0.95, 1.05, 0.9, 1.0];
        let eps0 = 0.15;
        let epsilon = (0..5)
            .map(|a| {
                (0..5)
                    .map(|b| {
                        let d = if a == b {
                            0.0
                        } else if a + b == 1 {
                            0.2
                        } else {
                            -0.15
                        };
                        eps0 * f64::sqrt(base[a] * base[b]) * (1.0 + d)
                    })
                    .collect()
            })
            .collect();
        HighEntropyConfig {
            species: ["A", "B", "C", "D", "E"].map(String::from).to_vec(),
            sigma: vec![2.40, 2.35, 2.45, 2.38, 2.42],
            epsilon,
            r_on: 4.0,
            rc: 4.7,
            train_cells: 3,
            configurations: 400,
            annealed_fraction: 0.5,
            anneal_sweeps: 30,
            test_fraction: 0.2,
            folds: 5,
            ridge_lambdas: vec![1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2],
            pair_shells: 2,
            triplets: true,
            mc_cells: 8,
            temperature_range: [300.0, 2000.0],
            temperatures: 28,
            equilibration_sweeps: 500,
            sample_sweeps: 3000,
        }
    }
}

impl TaskConfig for HighEntropyConfig {
    fn quick() -> Self {
        HighEntropyConfig {
            configurations: 300,
            mc_cells: 5,
            temperatures: 20,
            equilibration_sweeps: 300,
            sample_sweeps: 2000,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        let k = self.sigma.len();
        ensure((2..=8).contains(&k), "sigma", || {
            format!("need one size per species, 2-8 species, got {k}")
        })?;
        ensure(
            self.sigma
                .iter()
                .all(|s| s.is_finite() && (0.5..=10.0).contains(s)),
            "sigma",
            || format!("every size must lie in [0.5, 10] A, got {:?}", self.sigma),
        )?;
        ensure(self.species.len() == k, "species", || {
            format!(
                "need one name per entry of sigma ({k}), got {}",
                self.species.len()
            )
        })?;
        ensure(
            self.epsilon.len() == k && self.epsilon.iter().all(|r| r.len() == k),
            "epsilon",
            || format!("must be a {k} x {k} table (one row and column per species)"),
        )?;
        for a in 0..k {
            for b in 0..k {
                let e = self.epsilon[a][b];
                ensure(
                    e.is_finite() && (0.0..=10.0).contains(&e),
                    "epsilon",
                    || format!("entry [{a}][{b}] must lie in [0, 10] eV, got {e}"),
                )?;
                ensure(e == self.epsilon[b][a], "epsilon", || {
                    format!(
                        "must be symmetric: [{a}][{b}] = {e} but [{b}][{a}] = {}",
                        self.epsilon[b][a]
                    )
                })?;
            }
        }
        let max_sigma = self.sigma.iter().cloned().fold(0.0, f64::max);
        ensure(
            self.r_on.is_finite() && self.r_on > max_sigma,
            "r_on",
            || {
                format!(
                    "must exceed the largest sigma ({max_sigma} A) so the switch leaves the repulsive core alone, got {}",
                    self.r_on
                )
            },
        )?;
        ensure(
            self.rc.is_finite() && self.rc > self.r_on && self.rc <= 4.0 * max_sigma,
            "rc",
            || {
                format!(
                    "must lie above r_on ({}) and at most 4 sigma ({} A), got {}",
                    self.r_on,
                    4.0 * max_sigma,
                    self.rc
                )
            },
        )?;
        // The lattice constant is searched near sqrt(2) 2^(1/6) sigma; a cell must hold twice
        // the cutoff even at the narrow end of that search.
        let min_sigma = self.sigma.iter().cloned().fold(f64::INFINITY, f64::min);
        let a_min = (1.0 - A_BRACKET) * 2f64.sqrt() * 2f64.powf(1.0 / 6.0) * min_sigma;
        for (name, n) in [
            ("train_cells", self.train_cells),
            ("mc_cells", self.mc_cells),
        ] {
            ensure(
                (3..=16).contains(&n) && n as f64 * a_min > 2.0 * self.rc,
                name,
                || {
                    format!(
                        "must be 3..=16 and wide enough for the cutoff: {n} cells of about {a_min:.2} A must exceed 2 rc = {} A",
                        2.0 * self.rc
                    )
                },
            )?;
        }
        ensure(
            (20..=100_000).contains(&self.configurations),
            "configurations",
            || format!("must be 20..=100000, got {}", self.configurations),
        )?;
        ensure(
            (0.0..=1.0).contains(&self.annealed_fraction),
            "annealed_fraction",
            || format!("must lie in [0, 1], got {}", self.annealed_fraction),
        )?;
        ensure(self.anneal_sweeps <= 100_000, "anneal_sweeps", || {
            format!("must be at most 100000, got {}", self.anneal_sweeps)
        })?;
        ensure(
            self.test_fraction.is_finite() && (0.05..=0.5).contains(&self.test_fraction),
            "test_fraction",
            || format!("must lie in [0.05, 0.5], got {}", self.test_fraction),
        )?;
        let fit_rows = self.configurations
            - (self.test_fraction * self.configurations as f64).round() as usize;
        ensure(
            (2..=20).contains(&self.folds) && self.folds <= fit_rows,
            "folds",
            || {
                format!(
                    "must be 2..=20 and at most the {fit_rows} fitting configurations, got {}",
                    self.folds
                )
            },
        )?;
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
        ensure((1..=3).contains(&self.pair_shells), "pair_shells", || {
            format!("must be 1, 2 or 3, got {}", self.pair_shells)
        })?;
        let [cold, hot] = self.temperature_range;
        ensure(
            cold.is_finite() && hot.is_finite() && cold > 0.0 && hot > cold && hot <= 1e5,
            "temperature_range",
            || {
                format!(
                    "must be [cold, hot] K with 0 < cold < hot <= 1e5, got {:?}",
                    self.temperature_range
                )
            },
        )?;
        ensure(
            (5..=200).contains(&self.temperatures),
            "temperatures",
            || {
                format!(
                    "must be 5..=200 (the heat-capacity peak needs neighbours), got {}",
                    self.temperatures
                )
            },
        )?;
        ensure(
            self.equilibration_sweeps <= 1_000_000,
            "equilibration_sweeps",
            || format!("must be at most 1000000, got {}", self.equilibration_sweeps),
        )?;
        ensure(
            (10..=1_000_000).contains(&self.sample_sweeps),
            "sample_sweeps",
            || format!("must be 10..=1000000, got {}", self.sample_sweeps),
        )
    }
}
