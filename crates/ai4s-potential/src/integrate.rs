//! Molecular dynamics on any [`ForceField`]: velocity Verlet (NVE) and Langevin BAOAB (NVT).
//!
//! Units: A, eV, amu, fs. One step of length `dt`, per atom of mass `m`:
//! `v += dt/2 F/m` (B), `r += dt/2 v` (A), `v <- c1 v + sqrt(1 - c1^2) sqrt(kT/m) xi` with
//! `c1 = exp(-gamma dt)` (O, Langevin only), `r += dt/2 v` (A), new forces, `v += dt/2 F/m` (B).
//! Without the O step this is exactly velocity Verlet (Swope et al. 1982), symplectic and
//! time-reversible, so its total energy stays within O(dt^2) of the start with no drift beyond
//! what non-smooth or inexact forces cause; with it, BAOAB samples the canonical ensemble with
//! small configurational bias (Leimkuhler & Matthews 2013). Positions are not wrapped into the
//! cell, so trajectories stay continuous.
//!
//! [`Thermo`] records step, time, potential, kinetic and total energy and temperature (written
//! as CSV); [`Trajectory`] collects frames written as extended XYZ (readable by ASE and OVITO).
//!
//! Blow-ups: an [`MdGuard`] stops a run whose energy turns non-finite, whose kinetic temperature
//! passes a limit, whose atoms come closer than a minimum distance, or whose force field fails
//! (e.g. more neighbours than a Deep Potential's `sel`); the error names the step and the likely
//! cause, and when the [`Record`] asks for it the last good frame is written as extended XYZ.

use crate::cell::{Cell, V3};
use crate::forcefield::ForceField;
use crate::frames::{Frame, System};
use crate::labeller::Labels;
use crate::md::{ACCEL, KB};
use ai4s_core::error::ensure;
use ai4s_core::progress::Progress;
use ai4s_core::{Error, Result};
use rand::Rng;
use rand_distr::StandardNormal;
use std::path::{Path, PathBuf};

/// The thermodynamic ensemble of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ensemble {
    /// Constant energy: velocity Verlet.
    Nve,
    /// Constant temperature: Langevin BAOAB.
    Langevin {
        /// Target temperature (K).
        temperature: f64,
        /// Friction (1/fs).
        friction: f64,
    },
}

/// Positions, velocities and the forces at the current positions.
#[derive(Clone, Debug)]
pub struct MdState {
    /// Positions (A), unwrapped.
    pub pos: Vec<V3>,
    /// Velocities (A/fs).
    pub vel: Vec<V3>,
    /// Masses (amu).
    pub masses: Vec<f64>,
    /// Periodic cell.
    pub cell: Cell,
    /// Energy, forces and virial at `pos`.
    pub labels: Labels,
    /// Steps taken.
    pub step: usize,
    /// Simulated time (fs).
    pub time: f64,
    /// Degrees of freedom for the kinetic temperature.
    pub dof: f64,
}

impl MdState {
    /// A state at `pos` with velocities drawn from Maxwell-Boltzmann at `temperature` (K), the
    /// centre-of-mass momentum removed and the kinetic temperature rescaled to exactly
    /// `temperature` (with `3N - 3` degrees of freedom); forces from `ff`.
    pub fn new(
        ff: &mut dyn ForceField,
        pos: Vec<V3>,
        cell: Cell,
        masses: Vec<f64>,
        temperature: f64,
        rng: &mut impl Rng,
    ) -> Result<MdState> {
        let n = pos.len();
        ensure(n >= 2, "atoms", || {
            format!("molecular dynamics needs at least 2 atoms, got {n}")
        })?;
        ensure(masses.len() == n, "masses", || {
            format!("{} masses for {n} atoms", masses.len())
        })?;
        ensure(
            masses.iter().all(|m| m.is_finite() && *m > 0.0),
            "masses",
            || "every mass must be positive (amu)".into(),
        )?;
        ensure(
            temperature.is_finite() && temperature >= 0.0,
            "temperature",
            || format!("must be a non-negative number of kelvin, got {temperature}"),
        )?;
        let mut vel: Vec<V3> = masses
            .iter()
            .map(|m| {
                let s = (KB * temperature / m * ACCEL).sqrt();
                std::array::from_fn(|_| s * rng.sample::<f64, _>(StandardNormal))
            })
            .collect();
        let total: f64 = masses.iter().sum();
        let p: V3 = std::array::from_fn(|a| {
            vel.iter().zip(&masses).map(|(v, m)| m * v[a]).sum::<f64>() / total
        });
        for v in vel.iter_mut() {
            for a in 0..3 {
                v[a] -= p[a];
            }
        }
        let labels = ff.compute(&pos, &cell)?;
        let mut state = MdState {
            pos,
            vel,
            masses,
            cell,
            labels,
            step: 0,
            time: 0.0,
            dof: (3 * n - 3) as f64,
        };
        let t = state.temperature();
        if t > 0.0 {
            let scale = (temperature / t).sqrt();
            state.vel.iter_mut().flatten().for_each(|v| *v *= scale);
        }
        Ok(state)
    }

    /// Kinetic energy (eV).
    pub fn kinetic_energy(&self) -> f64 {
        self.vel
            .iter()
            .zip(&self.masses)
            .map(|(v, m)| 0.5 * m * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]))
            .sum::<f64>()
            / ACCEL
    }

    /// Kinetic temperature (K).
    pub fn temperature(&self) -> f64 {
        2.0 * self.kinetic_energy() / (self.dof * KB)
    }

    /// Potential plus kinetic energy (eV).
    pub fn total_energy(&self) -> f64 {
        self.labels.energy + self.kinetic_energy()
    }

    /// The current configuration as a labelled frame.
    pub fn frame(&self) -> Frame {
        Frame {
            cell: self.cell,
            pos: self.pos.clone(),
            energy: Some(self.labels.energy),
            forces: Some(self.labels.forces.clone()),
            virial: Some(self.labels.virial),
        }
    }

    fn half_kick(&mut self, dt: f64) {
        for ((v, f), m) in self
            .vel
            .iter_mut()
            .zip(&self.labels.forces)
            .zip(&self.masses)
        {
            let k = 0.5 * dt * ACCEL / m;
            for a in 0..3 {
                v[a] += k * f[a];
            }
        }
    }
}

/// Advances `state` by one step of `dt` fs in `ensemble` with forces from `ff`.
pub fn step(
    state: &mut MdState,
    ff: &mut dyn ForceField,
    dt: f64,
    ensemble: Ensemble,
    rng: &mut impl Rng,
) -> Result<()> {
    state.half_kick(dt);
    match ensemble {
        Ensemble::Nve => {
            for (r, v) in state.pos.iter_mut().zip(&state.vel) {
                for a in 0..3 {
                    r[a] += dt * v[a];
                }
            }
        }
        Ensemble::Langevin {
            temperature,
            friction,
        } => {
            let c1 = (-friction * dt).exp();
            let c2 = (1.0 - c1 * c1).sqrt();
            for ((r, v), m) in state
                .pos
                .iter_mut()
                .zip(state.vel.iter_mut())
                .zip(&state.masses)
            {
                let s = c2 * (KB * temperature / m * ACCEL).sqrt();
                for a in 0..3 {
                    r[a] += 0.5 * dt * v[a];
                    v[a] = c1 * v[a] + s * rng.sample::<f64, _>(StandardNormal);
                    r[a] += 0.5 * dt * v[a];
                }
            }
            state.dof = 3.0 * state.pos.len() as f64;
        }
    }
    state.labels = ff
        .compute(&state.pos, &state.cell)
        .map_err(|e| Error::Diverged {
            step: state.step + 1,
            message: format!("the force field `{}` failed: {e}", ff.name()),
        })?;
    state.half_kick(dt);
    state.step += 1;
    state.time += dt;
    let ke = state.kinetic_energy();
    if !ke.is_finite() || !state.labels.energy.is_finite() {
        return Err(Error::Diverged {
            step: state.step,
            message: format!(
                "the energy is no longer finite (potential {}, kinetic {ke})",
                state.labels.energy
            ),
        });
    }
    Ok(())
}

/// How to run a stretch of molecular dynamics.
#[derive(Clone, Copy, Debug)]
pub struct MdOptions {
    /// Time step (fs).
    pub dt: f64,
    /// Ensemble.
    pub ensemble: Ensemble,
    /// Steps to run.
    pub steps: usize,
    /// Record a thermo row every this many steps (0: never).
    pub thermo_every: usize,
    /// Record a trajectory frame every this many steps (0: never).
    pub traj_every: usize,
    /// When to declare the run blown up.
    pub guard: MdGuard,
}

/// Limits beyond which a run is declared blown up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MdGuard {
    /// Highest kinetic temperature (K) a sane run reaches.
    pub max_temperature: f64,
    /// Closest two atoms may come (A); closer means they overlap.
    pub min_distance: f64,
    /// Steps between distance checks (the temperature is checked every step).
    pub check_every: usize,
}

impl Default for MdGuard {
    fn default() -> Self {
        MdGuard {
            max_temperature: 2.0e4,
            min_distance: 0.5,
            check_every: 10,
        }
    }
}

impl MdGuard {
    /// Checks the limits, naming the offending field.
    pub fn validate(&self) -> Result<()> {
        ensure(
            self.max_temperature.is_finite() && self.max_temperature > 0.0,
            "max_temperature",
            || {
                format!(
                    "must be a positive number of kelvin, got {}",
                    self.max_temperature
                )
            },
        )?;
        ensure(
            self.min_distance.is_finite() && (0.0..3.0).contains(&self.min_distance),
            "min_distance",
            || format!("must lie in [0, 3) A, got {}", self.min_distance),
        )?;
        ensure(self.check_every >= 1, "check_every", || {
            "must be at least 1".into()
        })
    }

    /// Why `state` counts as blown up, or `None` when it is sane. The distance check runs
    /// only when `distances` is set.
    pub fn violation(&self, state: &MdState, distances: bool) -> Option<String> {
        let t = state.temperature();
        if !t.is_finite() || !state.labels.energy.is_finite() {
            return Some(format!(
                "the energy is no longer finite (potential {}, temperature {t} K)",
                state.labels.energy
            ));
        }
        if t > self.max_temperature {
            return Some(format!(
                "the temperature reached {t:.0} K, above the limit {:.0} K (max_temperature)",
                self.max_temperature
            ));
        }
        if distances && self.min_distance > 0.0 {
            let probe = self.min_distance.max(1.5);
            if let Ok(nl) = crate::cell::neighbours(&state.pos, &state.cell, probe)
                && let Some((i, n)) = nl
                    .iter()
                    .enumerate()
                    .flat_map(|(i, l)| l.iter().map(move |n| (i, n)))
                    .min_by(|a, b| a.1.d.total_cmp(&b.1.d))
                && n.d < self.min_distance
            {
                return Some(format!(
                    "atoms {i} and {} are {:.3} A apart, closer than min_distance {} A (they overlap)",
                    n.j, n.d, self.min_distance
                ));
            }
        }
        None
    }
}

/// Where [`run`] writes the last good frame when a run blows up.
#[derive(Clone, Debug)]
pub struct BlowUpDump {
    /// Extended XYZ file to write.
    pub path: PathBuf,
    /// Element names by type.
    pub type_map: Vec<String>,
    /// Type of each atom.
    pub types: Vec<usize>,
}

impl MdOptions {
    /// Checks the options, naming the offending field.
    pub fn validate(&self) -> Result<()> {
        ensure(
            self.dt.is_finite() && self.dt > 0.0 && self.dt <= 10.0,
            "dt",
            || format!("must be in (0, 10] fs, got {}", self.dt),
        )?;
        if let Ensemble::Langevin {
            temperature,
            friction,
        } = self.ensemble
        {
            ensure(
                temperature.is_finite() && temperature >= 0.0,
                "temperature",
                || format!("must be non-negative (K), got {temperature}"),
            )?;
            ensure(
                friction.is_finite() && friction > 0.0 && friction < 10.0,
                "friction",
                || format!("must be in (0, 10) 1/fs, got {friction}"),
            )?;
        }
        self.guard.validate()
    }
}

/// One row of the thermo log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThermoRow {
    /// Step.
    pub step: usize,
    /// Time (fs).
    pub time_fs: f64,
    /// Potential energy (eV).
    pub potential: f64,
    /// Kinetic energy (eV).
    pub kinetic: f64,
    /// Total energy (eV).
    pub total: f64,
    /// Kinetic temperature (K).
    pub temperature: f64,
}

/// The thermo log of a run.
#[derive(Clone, Debug, Default)]
pub struct Thermo {
    /// Rows in time order.
    pub rows: Vec<ThermoRow>,
}

impl Thermo {
    /// Appends the current state.
    pub fn record(&mut self, s: &MdState) {
        self.rows.push(ThermoRow {
            step: s.step,
            time_fs: s.time,
            potential: s.labels.energy,
            kinetic: s.kinetic_energy(),
            total: s.total_energy(),
            temperature: s.temperature(),
        });
    }

    /// CSV text: `step,time_fs,potential_energy,kinetic_energy,total_energy,temperature`.
    pub fn to_csv(&self) -> String {
        let mut s =
            String::from("step,time_fs,potential_energy,kinetic_energy,total_energy,temperature\n");
        for r in &self.rows {
            s.push_str(&format!(
                "{},{},{:.10},{:.10},{:.10},{:.6}\n",
                r.step, r.time_fs, r.potential, r.kinetic, r.total, r.temperature
            ));
        }
        s
    }

    /// Least-squares slope of the total energy against time (eV/fs).
    pub fn energy_slope(&self) -> f64 {
        let n = self.rows.len() as f64;
        if self.rows.len() < 2 {
            return 0.0;
        }
        let mt = self.rows.iter().map(|r| r.time_fs).sum::<f64>() / n;
        let me = self.rows.iter().map(|r| r.total).sum::<f64>() / n;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for r in &self.rows {
            sxy += (r.time_fs - mt) * (r.total - me);
            sxx += (r.time_fs - mt) * (r.time_fs - mt);
        }
        if sxx > 0.0 { sxy / sxx } else { 0.0 }
    }

    /// Largest `|E_total(t) - E_total(0)|` (eV).
    pub fn max_energy_deviation(&self) -> f64 {
        let Some(first) = self.rows.first() else {
            return 0.0;
        };
        self.rows
            .iter()
            .map(|r| (r.total - first.total).abs())
            .fold(0.0, f64::max)
    }

    /// Mean kinetic temperature (K).
    pub fn mean_temperature(&self) -> f64 {
        self.rows.iter().map(|r| r.temperature).sum::<f64>() / self.rows.len().max(1) as f64
    }
}

/// Frames of a trajectory, written as extended XYZ.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// Element names by type.
    pub type_map: Vec<String>,
    /// Type of each atom.
    pub types: Vec<usize>,
    /// Frames in time order.
    pub frames: Vec<Frame>,
}

impl Trajectory {
    /// An empty trajectory of atoms `types` named by `type_map`.
    pub fn new(type_map: Vec<String>, types: Vec<usize>) -> Trajectory {
        Trajectory {
            type_map,
            types,
            frames: Vec::new(),
        }
    }

    /// Writes all frames atomically (energies and forces as `REF_energy`/`REF_forces`).
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::xyz::write(
            path,
            &System {
                type_map: self.type_map.clone(),
                types: self.types.clone(),
                frames: self.frames.clone(),
            },
        )
    }
}

/// What a run records: the thermo log and, optionally, a trajectory.
#[derive(Clone, Debug, Default)]
pub struct Record {
    /// Thermo rows.
    pub thermo: Thermo,
    /// Trajectory frames (none recorded when `None`).
    pub trajectory: Option<Trajectory>,
    /// Where to write the last good frame if the run blows up (nowhere when `None`).
    pub blow_up: Option<BlowUpDump>,
}

/// Runs `opts.steps` steps, recording thermo rows (the starting state included) and trajectory
/// frames into `record`, and calling `observe` after every step. Advances `progress` by one
/// per step when given.
pub fn run(
    state: &mut MdState,
    ff: &mut dyn ForceField,
    opts: &MdOptions,
    rng: &mut impl Rng,
    record: &mut Record,
    mut progress: Option<&mut Progress>,
    mut observe: impl FnMut(&MdState) -> Result<()>,
) -> Result<()> {
    opts.validate()?;
    if opts.thermo_every > 0
        && record
            .thermo
            .rows
            .last()
            .is_none_or(|r| r.step != state.step)
    {
        record.thermo.record(state);
    }
    let mut last_good = (state.step, state.frame());
    for _ in 0..opts.steps {
        let stepped = step(state, ff, opts.dt, opts.ensemble, rng);
        let check_distances = state.step.is_multiple_of(opts.guard.check_every);
        let problem = match stepped {
            Err(Error::Diverged { step, message }) => Some((step, message)),
            Err(e) => Some((state.step + 1, e.to_string())),
            Ok(()) => opts
                .guard
                .violation(state, check_distances)
                .map(|why| (state.step, why)),
        };
        if let Some((at, why)) = problem {
            let mut message = format!(
                "molecular dynamics with `{}` blew up at step {at} (t = {:.1} fs): {why}; lower dt (now {} fs), check the starting structure, or retrain the model with data from this region",
                ff.name(),
                at as f64 * opts.dt,
                opts.dt
            );
            if let Some(d) = &record.blow_up {
                let mut t = Trajectory::new(d.type_map.clone(), d.types.clone());
                t.frames.push(last_good.1.clone());
                match t.write(&d.path) {
                    Ok(()) => message.push_str(&format!(
                        "; the last good frame (step {}) is in {}",
                        last_good.0,
                        d.path.display()
                    )),
                    Err(e) => {
                        message.push_str(&format!("; writing the last good frame failed: {e}"))
                    }
                }
            }
            return Err(Error::Diverged { step: at, message });
        }
        if check_distances {
            last_good = (state.step, state.frame());
        }
        if opts.thermo_every > 0 && state.step.is_multiple_of(opts.thermo_every) {
            record.thermo.record(state);
        }
        if let Some(t) = record.trajectory.as_mut()
            && opts.traj_every > 0
            && state.step.is_multiple_of(opts.traj_every)
        {
            t.frames.push(state.frame());
        }
        observe(state)?;
        if let Some(p) = progress.as_deref_mut() {
            p.inc(1);
        }
    }
    Ok(())
}
