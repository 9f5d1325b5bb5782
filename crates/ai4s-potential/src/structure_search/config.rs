//! The structure-search task's configuration and its validation.

use crate::structure_search::{eos, symmetry};
use ai4s_core::error::ensure;
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`StructureSearch`](super::StructureSearch).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StructureSearchConfig {
    /// Silicon atoms per cell.
    pub atoms: usize,
    /// Independent searches per method (seeds `seed + k`): success rates and medians over them.
    pub runs: usize,
    /// Structures per generation of the particle swarm.
    pub population: usize,
    /// Generations; the budget of both methods is `population x generations` relaxations.
    pub generations: usize,
    /// Fraction of each generation made by particle-swarm moves from the best distinct
    /// structures of the last one (CALYPSO: 0.6); the rest are new random structures.
    pub pso_fraction: f64,
    /// Inertia weight `w` of the swarm, `[first, last]` generation, linear in between.
    pub inertia: [f64; 2],
    /// Pull towards the particle's own best structure (`c1`).
    pub c_personal: f64,
    /// Pull towards the best structure of the swarm (`c2`).
    pub c_global: f64,
    /// Largest move of an atom in one swarm step (A).
    pub max_move: f64,
    /// Space groups of the random generator (symbols, see `symmetry::available`).
    pub space_groups: Vec<String>,
    /// Volume per atom of new random structures `[min, max]` (A^3).
    pub volume_per_atom: [f64; 2],
    /// Smallest distance between atoms of a new structure (A).
    pub min_distance: f64,
    /// External pressure (GPa); the search minimises the enthalpy `E + p V`.
    pub pressure_gpa: f64,
    /// Largest remaining force of a relaxation (eV/A).
    pub fmax: f64,
    /// Largest remaining stress of a relaxation (eV/A^3).
    pub smax: f64,
    /// FIRE steps per relaxation at most.
    pub max_steps: usize,
    /// Fingerprint cutoff (A).
    pub fingerprint_rmax: f64,
    /// Fingerprint grid points.
    pub fingerprint_bins: usize,
    /// Fingerprint smearing (A).
    pub fingerprint_sigma: f64,
    /// Fingerprint distance below which two relaxed structures are the same (the 4H polytype
    /// lies 0.0030 from cubic diamond on the default grid).
    pub duplicate_distance: f64,
    /// Energy window of the diamond match (meV/atom).
    pub energy_tolerance_mev: f64,
    /// Stop a search once it has found diamond (its best-energy curve is then flat).
    pub stop_when_found: bool,
    /// Lowest distinct structures of the particle swarm (pooled over its searches) re-relaxed
    /// and ranked on the tight-binding model.
    pub rerank: usize,
    /// Bloch-vector grid of the tight-binding model: as fine as a Gamma-point supercell at
    /// least this wide (A) in every direction.
    pub tb_kpoint_width: f64,
    /// Volumes of the energy-volume curves, `[min, max]` times each relaxed volume.
    pub eos_volumes: [f64; 2],
    /// Points of each energy-volume curve.
    pub eos_points: usize,
    /// Volumes used by the Birch-Murnaghan fit, `[min, max]` times the relaxed volume.
    pub eos_fit_range: [f64; 2],
}

impl Default for StructureSearchConfig {
    fn default() -> Self {
        StructureSearchConfig {
            atoms: 8,
            runs: 20,
            population: 20,
            generations: 25,
            pso_fraction: 0.6,
            inertia: [0.9, 0.4],
            c_personal: 2.0,
            c_global: 2.0,
            max_move: 1.0,
            space_groups: symmetry::available()
                .into_iter()
                .map(String::from)
                .collect(),
            volume_per_atom: [16.0, 26.0],
            min_distance: 2.0,
            pressure_gpa: 0.0,
            fmax: 1e-3,
            smax: 1e-4,
            max_steps: 3000,
            fingerprint_rmax: 6.0,
            fingerprint_bins: 120,
            fingerprint_sigma: 0.05,
            duplicate_distance: 0.001,
            energy_tolerance_mev: 1.0,
            stop_when_found: true,
            rerank: 6,
            tb_kpoint_width: 20.0,
            eos_volumes: [0.85, 1.2],
            eos_points: 15,
            eos_fit_range: [0.94, 1.06],
        }
    }
}

impl TaskConfig for StructureSearchConfig {
    fn quick() -> Self {
        StructureSearchConfig {
            runs: 10,
            population: 12,
            generations: 30,
            rerank: 3,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((2..=64).contains(&self.atoms), "atoms", || {
            format!("must be 2..=64 atoms per cell, got {}", self.atoms)
        })?;
        ensure((1..=1000).contains(&self.runs), "runs", || {
            format!("must be 1..=1000 searches per method, got {}", self.runs)
        })?;
        ensure((2..=1000).contains(&self.population), "population", || {
            format!(
                "must be 2..=1000 structures per generation, got {}",
                self.population
            )
        })?;
        ensure(
            (1..=1000).contains(&self.generations),
            "generations",
            || format!("must be 1..=1000, got {}", self.generations),
        )?;
        unit(self.pso_fraction, "pso_fraction")?;
        ensure(
            self.inertia
                .iter()
                .all(|w| w.is_finite() && (0.0..=1.0).contains(w)),
            "inertia",
            || {
                format!(
                    "must be [first, last] with both in [0, 1], got {:?}",
                    self.inertia
                )
            },
        )?;
        for (name, v) in [("c_personal", self.c_personal), ("c_global", self.c_global)] {
            ensure(v.is_finite() && (0.0..=4.0).contains(&v), name, || {
                format!("must lie in [0, 4], got {v}")
            })?;
        }
        positive(self.max_move, "max_move", 10.0)?;
        ensure(!self.space_groups.is_empty(), "space_groups", || {
            format!("need at least one of {:?}", symmetry::available())
        })?;
        for g in &self.space_groups {
            ensure(symmetry::space_group(g).is_some(), "space_groups", || {
                format!(
                    "unknown space group `{g}`; known: {:?}",
                    symmetry::available()
                )
            })?;
        }
        let [lo, hi] = self.volume_per_atom;
        ensure(
            lo.is_finite() && hi.is_finite() && lo >= 5.0 && lo <= hi && hi <= 100.0,
            "volume_per_atom",
            || {
                format!(
                    "must be [min, max] A^3 with 5 <= min <= max <= 100, got {:?}",
                    self.volume_per_atom
                )
            },
        )?;
        positive(self.min_distance, "min_distance", 3.0)?;
        ensure(self.min_distance.powi(3) < 1.5 * lo, "min_distance", || {
            format!(
                "{} A leaves no room for atoms at {lo} A^3 per atom; lower it or raise volume_per_atom",
                self.min_distance
            )
        })?;
        ensure(
            self.pressure_gpa.is_finite() && (-5.0..=100.0).contains(&self.pressure_gpa),
            "pressure_gpa",
            || format!("must lie in [-5, 100] GPa, got {}", self.pressure_gpa),
        )?;
        positive(self.fmax, "fmax", 1.0)?;
        positive(self.smax, "smax", 0.1)?;
        ensure(
            (10..=1_000_000).contains(&self.max_steps),
            "max_steps",
            || format!("must be 10..=1000000, got {}", self.max_steps),
        )?;
        ensure(
            self.fingerprint_rmax.is_finite() && (3.0..=15.0).contains(&self.fingerprint_rmax),
            "fingerprint_rmax",
            || format!("must lie in [3, 15] A, got {}", self.fingerprint_rmax),
        )?;
        ensure(
            (10..=10_000).contains(&self.fingerprint_bins),
            "fingerprint_bins",
            || format!("must be 10..=10000, got {}", self.fingerprint_bins),
        )?;
        positive(self.fingerprint_sigma, "fingerprint_sigma", 0.5)?;
        positive(self.duplicate_distance, "duplicate_distance", 0.5)?;
        positive(self.energy_tolerance_mev, "energy_tolerance_mev", 100.0)?;
        ensure((2..=50).contains(&self.rerank), "rerank", || {
            format!("must be 2..=50 structures, got {}", self.rerank)
        })?;
        ensure(
            self.tb_kpoint_width.is_finite() && (5.0..=60.0).contains(&self.tb_kpoint_width),
            "tb_kpoint_width",
            || format!("must lie in [5, 60] A, got {}", self.tb_kpoint_width),
        )?;
        let [lo, hi] = self.eos_volumes;
        ensure(
            (0.5..1.0).contains(&lo) && hi > 1.0 && hi <= 2.0,
            "eos_volumes",
            || {
                format!(
                    "must be [min, max] with 0.5 <= min < 1 < max <= 2, got {:?}",
                    self.eos_volumes
                )
            },
        )?;
        ensure((5..=200).contains(&self.eos_points), "eos_points", || {
            format!("must be 5..=200, got {}", self.eos_points)
        })?;
        let [flo, fhi] = self.eos_fit_range;
        ensure(
            flo.is_finite() && fhi.is_finite() && lo <= flo && flo < 1.0 && 1.0 < fhi && fhi <= hi,
            "eos_fit_range",
            || {
                format!(
                    "must be [min, max] around 1 inside eos_volumes {:?}, got {:?}",
                    self.eos_volumes, self.eos_fit_range
                )
            },
        )?;
        let fitted = eos::volume_factors(self.eos_volumes, self.eos_points)
            .into_iter()
            .filter(|&f| eos::in_fit_range(f, 1.0, self.eos_fit_range))
            .count();
        ensure(fitted >= 5, "eos_points", || {
            format!(
                "{} points over eos_volumes {:?} leave {fitted} inside eos_fit_range {:?}; the Birch-Murnaghan fit needs 5: raise eos_points or widen eos_fit_range",
                self.eos_points, self.eos_volumes, self.eos_fit_range
            )
        })
    }
}

impl StructureSearchConfig {
    /// Relaxations each search may spend.
    pub fn budget(&self) -> usize {
        self.population * self.generations
    }
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}

fn unit(v: f64, field: &str) -> Result<()> {
    ensure(v.is_finite() && (0.0..=1.0).contains(&v), field, || {
        format!("must lie in [0, 1], got {v}")
    })
}
