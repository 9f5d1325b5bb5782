//! `ai4s potential md`: molecular dynamics with a saved model on the user's own structure.
//!
//! Input: a model (any format [`load_force_field`] reads) and a structure
//! ([`read_structure`]: extended XYZ, a DeePMD system directory or a LAMMPS data file), whose
//! elements are matched to the model's type map by name. Masses: `--mass El=AMU`, else the
//! file's (LAMMPS `Masses`), else the standard atomic weight ([`crate::elements`]). Starting
//! velocities: Maxwell-Boltzmann at the temperature, centre-of-mass motion removed, rescaled
//! to exactly that temperature ([`MdState::new`]).
//!
//! Ensembles and what each conserves (the `conserved_energy` column of the thermo log):
//! - `nve`: velocity Verlet; the total energy `E_kin + E_pot`.
//! - `langevin`: BAOAB ([`integrate::step`]) with friction `1 / tau`; the effective energy
//!   `E_kin + E_pot - Q`, where `Q` sums the kinetic energy each stochastic O step added
//!   (Bussi & Parrinello, Phys. Rev. E 75, 056707, 2007). It drifts only by the integration
//!   error, so a trend in it means the time step is too long.
//! - `nhc`: Nose-Hoover chain of length 3 with time constant `tau` ([`crate::nhc`]); the
//!   extended energy `H'`.
//!
//! Output, in the run directory: `thermo.csv` (`step, time_fs, potential_energy,
//! kinetic_energy, total_energy, temperature, conserved_energy`, eV and K, every
//! `thermo_every` steps), `trajectory.xyz` (extended XYZ with energy, forces, lattice and `pbc`,
//! every `dump_every` steps; positions unwrapped so that trajectories are continuous), both
//! streamed record by record (see [`output`] for what a crash can leave), and `md.json` (the
//! inputs, options and measured throughput, written last). A run that blows up (the guards of
//! [`MdGuard`]) stops with the step and the likely cause and writes the last good frame to
//! `blowup.xyz`.

mod output;
mod structure;

use crate::forcefield::{ForceField, load_force_field};
use crate::integrate::{self, Ensemble, MdGuard, MdState};
use crate::md::ACCEL;
use crate::nhc::NoseHooverChain;
use ai4s_core::burn::tensor::Device;
use ai4s_core::error::ensure;
use ai4s_core::progress::{Progress, ProgressMode};
use ai4s_core::{Error, Result};
pub use output::default_out_dir;
use output::{Appender, THERMO_HEADER, thermo_row, xyz_frame};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;
pub use structure::{Structure, StructureFormat, parse_mass_override, read_structure};

/// The thermodynamic ensemble of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnsembleKind {
    /// Constant energy (velocity Verlet).
    Nve,
    /// Constant temperature by Langevin dynamics (BAOAB).
    Langevin,
    /// Constant temperature by a Nose-Hoover chain.
    Nhc,
}

impl std::str::FromStr for EnsembleKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "nve" => Ok(EnsembleKind::Nve),
            "langevin" => Ok(EnsembleKind::Langevin),
            "nhc" | "nvt" | "nose-hoover" => Ok(EnsembleKind::Nhc),
            _ => Err(format!(
                "unknown ensemble `{s}`: choose nve, langevin or nhc"
            )),
        }
    }
}

impl std::fmt::Display for EnsembleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EnsembleKind::Nve => "nve",
            EnsembleKind::Langevin => "langevin",
            EnsembleKind::Nhc => "nhc",
        })
    }
}

/// How to run: ensemble, temperature, time step, length and output intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MdRunOptions {
    /// Ensemble (default `nve`).
    pub ensemble: EnsembleKind,
    /// Temperature (K, default 300) of the starting velocities and the thermostat's target.
    pub temperature: f64,
    /// Time step (fs, default 1).
    pub timestep: f64,
    /// Steps to run (default 1000).
    pub steps: usize,
    /// Thermostat time constant (fs, default 100): the Nose-Hoover chain's `tau`, the
    /// Langevin damping time `1 / friction`.
    pub tau: f64,
    /// Seed of the starting velocities and the Langevin noise (default 42).
    pub seed: u64,
    /// Steps between thermo rows (default 10).
    pub thermo_every: usize,
    /// Steps between trajectory frames (default 100; 0: no trajectory).
    pub dump_every: usize,
    /// When to declare the run blown up.
    pub guard: MdGuard,
}

impl Default for MdRunOptions {
    fn default() -> Self {
        MdRunOptions {
            ensemble: EnsembleKind::Nve,
            temperature: 300.0,
            timestep: 1.0,
            steps: 1000,
            tau: 100.0,
            seed: 42,
            thermo_every: 10,
            dump_every: 100,
            guard: MdGuard::default(),
        }
    }
}

impl MdRunOptions {
    /// Checks the options, naming the offending one.
    pub fn validate(&self) -> Result<()> {
        let t = self.temperature;
        ensure(
            self.timestep.is_finite() && self.timestep > 0.0 && self.timestep <= 10.0,
            "timestep",
            || format!("must be in (0, 10] fs, got {}", self.timestep),
        )?;
        ensure(self.steps >= 1, "steps", || "must be at least 1".into())?;
        ensure(t.is_finite() && t >= 0.0, "temperature", || {
            format!("must be a non-negative number of kelvin, got {t}")
        })?;
        if self.ensemble != EnsembleKind::Nve {
            ensure(t > 0.0, "temperature", || {
                format!(
                    "a thermostat ({}) needs a positive target, got {t} K",
                    self.ensemble
                )
            })?;
            ensure(
                self.tau.is_finite() && self.tau >= self.timestep,
                "tau",
                || {
                    format!(
                        "must be at least one time step ({} fs), got {} fs; about 100 time steps is usual",
                        self.timestep, self.tau
                    )
                },
            )?;
        }
        ensure(self.thermo_every >= 1, "thermo_every", || {
            "must be at least 1".into()
        })?;
        self.guard.validate()
    }
}

/// What a finished run measured.
#[derive(Clone, Debug, Serialize)]
pub struct MdSummary {
    /// Atoms simulated.
    pub atoms: usize,
    /// Steps run.
    pub steps: usize,
    /// The force field's name.
    pub force_field: String,
    /// Wall time of the steps (s), output included, setup excluded.
    pub wall_seconds: f64,
    /// Atoms times steps per second of wall time.
    pub atom_steps_per_second: f64,
    /// Mean kinetic temperature over the thermo rows (K).
    pub mean_temperature: f64,
    /// Least-squares slope of the conserved energy (meV/atom/ps).
    pub conserved_drift: f64,
    /// Largest deviation of the conserved energy from its start (meV/atom).
    pub conserved_max_deviation: f64,
    /// Thermo rows written.
    pub thermo_rows: usize,
    /// Trajectory frames written.
    pub frames: usize,
    /// The thermo log.
    pub thermo: PathBuf,
    /// The trajectory, when frames were dumped.
    pub trajectory: Option<PathBuf>,
}

/// Where the model and structure come from and how to read them.
#[derive(Clone, Debug, PartialEq)]
pub struct MdInputs {
    /// The model file (`model.bpk` with `model.toml` beside it, or a DeePMD-kit document).
    pub model: PathBuf,
    /// The structure: extended XYZ, a DeePMD system directory or a LAMMPS data file.
    pub structure: PathBuf,
    /// The frame of a multi-frame structure file (0-based).
    pub frame: usize,
    /// Element names of LAMMPS types (type 1 first) or of a DeePMD system's types; empty:
    /// taken from the file.
    pub type_map: Vec<String>,
    /// Mass overrides (element, amu).
    pub masses: Vec<(String, f64)>,
    /// Verlet-list skin of the model (A).
    pub skin: f64,
}

/// Reads the structure, loads the model and runs into `out`; writes `md.json` last.
pub fn run_files(
    inputs: &MdInputs,
    opts: &MdRunOptions,
    device: &Device,
    out: &Path,
    progress: ProgressMode,
) -> Result<MdSummary> {
    opts.validate()?;
    let type_map = (!inputs.type_map.is_empty()).then_some(inputs.type_map.as_slice());
    let structure = read_structure(&inputs.structure, inputs.frame, type_map)?;
    let masses = structure.masses(&inputs.masses)?;
    let species: Vec<&str> = structure.species.iter().map(String::as_str).collect();
    let mut ff = load_force_field(&inputs.model, &species, device, inputs.skin)?;
    let summary = run(&structure, masses, ff.as_mut(), opts, out, progress)?;
    let record = serde_json::json!({
        "model": inputs.model,
        "structure": inputs.structure,
        "frame": inputs.frame,
        "elements": structure.elements(),
        "periodic": structure.periodic,
        "ensemble": opts.ensemble.to_string(),
        "temperature_k": opts.temperature,
        "timestep_fs": opts.timestep,
        "steps": opts.steps,
        "tau_fs": opts.tau,
        "seed": opts.seed,
        "thermo_every": opts.thermo_every,
        "dump_every": opts.dump_every,
        "skin": inputs.skin,
        "result": summary,
    });
    let text = serde_json::to_vec_pretty(&record)
        .map_err(|e| Error::Runtime(format!("serialising md.json: {e}")))?;
    ai4s_core::io::write_atomic(&out.join("md.json"), &text)?;
    Ok(summary)
}

/// Kinetic energy (eV) of `vel + sign dt/2 F/m`: the velocities just after the first half kick
/// (`sign = 1`, from the state before a step) or just before the last (`sign = -1`, after it).
fn kicked_kinetic(state: &MdState, dt: f64, sign: f64) -> f64 {
    state
        .vel
        .iter()
        .zip(&state.labels.forces)
        .zip(&state.masses)
        .map(|((v, f), m)| {
            let k = sign * 0.5 * dt * ACCEL / m;
            let u: [f64; 3] = std::array::from_fn(|a| v[a] + k * f[a]);
            0.5 * m * (u[0] * u[0] + u[1] * u[1] + u[2] * u[2])
        })
        .sum::<f64>()
        / ACCEL
}

/// Runs `opts.steps` steps of `structure` (atom masses `masses`) driven by `ff`, streaming the
/// thermo log and trajectory into `out`.
pub fn run(
    structure: &Structure,
    masses: Vec<f64>,
    ff: &mut dyn ForceField,
    opts: &MdRunOptions,
    out: &Path,
    progress: ProgressMode,
) -> Result<MdSummary> {
    opts.validate()?;
    ai4s_core::io::create_dir(out)?;
    let n = structure.pos.len();
    let dt = opts.timestep;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut state = MdState::new(
        ff,
        structure.pos.clone(),
        structure.cell,
        masses,
        opts.temperature,
        &mut rng,
    )?;
    let mut nhc = match opts.ensemble {
        EnsembleKind::Nhc => Some(NoseHooverChain::new(opts.temperature, opts.tau, state.dof)?),
        _ => None,
    };
    let langevin = Ensemble::Langevin {
        temperature: opts.temperature,
        friction: 1.0 / opts.tau,
    };
    // Kinetic energy the Langevin thermostat has added so far (eV).
    let mut heat = 0.0;
    let conserved = |s: &MdState, nhc: &Option<NoseHooverChain>, heat: f64| {
        s.total_energy() + nhc.as_ref().map_or(0.0, NoseHooverChain::energy) - heat
    };

    let thermo_path = out.join("thermo.csv");
    let traj_path = out.join("trajectory.xyz");
    let mut thermo = Appender::create(&thermo_path, THERMO_HEADER)?;
    let mut traj = match opts.dump_every {
        0 => None,
        _ => Some(Appender::create(&traj_path, "")?),
    };
    // (time, conserved energy, temperature) of each thermo row.
    let mut rows = vec![(
        state.time,
        conserved(&state, &nhc, heat),
        state.temperature(),
    )];
    thermo.append(&thermo_row(&state, rows[0].1))?;
    let mut frames = 0;
    if let Some(t) = traj.as_mut() {
        t.append(&xyz_frame(&state, &structure.species, structure.periodic))?;
        frames += 1;
    }

    let mut bar = Progress::new(progress, "md", opts.steps as u64);
    let mut last_good = state.clone();
    let start = Instant::now();
    for _ in 0..opts.steps {
        let before = match opts.ensemble {
            EnsembleKind::Langevin => kicked_kinetic(&state, dt, 1.0),
            _ => 0.0,
        };
        let stepped = match (opts.ensemble, nhc.as_mut()) {
            (EnsembleKind::Nhc, Some(chain)) => chain.step(&mut state, ff, dt, &mut rng),
            (EnsembleKind::Langevin, _) => integrate::step(&mut state, ff, dt, langevin, &mut rng),
            _ => integrate::step(&mut state, ff, dt, Ensemble::Nve, &mut rng),
        };
        let check_distances = state.step.is_multiple_of(opts.guard.check_every);
        let problem = match stepped {
            Err(Error::Diverged { step, message }) => Some((step, message)),
            Err(e) => Some((state.step + 1, e.to_string())),
            Ok(()) => opts
                .guard
                .violation(&state, check_distances)
                .map(|why| (state.step, why)),
        };
        if let Some((at, why)) = problem {
            let dump = out.join("blowup.xyz");
            let mut message = format!(
                "molecular dynamics with `{}` blew up at step {at} (t = {:.1} fs): {why}; lower the time step (now {dt} fs), check the starting structure, or retrain the model with data from this region",
                ff.name(),
                at as f64 * dt
            );
            let frame = xyz_frame(&last_good, &structure.species, structure.periodic);
            match ai4s_core::io::write_atomic(&dump, frame.as_bytes()) {
                Ok(()) => message.push_str(&format!(
                    "; the last good frame (step {}) is in {}",
                    last_good.step,
                    dump.display()
                )),
                Err(e) => message.push_str(&format!("; writing the last good frame failed: {e}")),
            }
            return Err(Error::Diverged { step: at, message });
        }
        if check_distances {
            last_good.clone_from(&state);
        }
        if opts.ensemble == EnsembleKind::Langevin {
            heat += kicked_kinetic(&state, dt, -1.0) - before;
        }
        if state.step.is_multiple_of(opts.thermo_every) {
            let c = conserved(&state, &nhc, heat);
            thermo.append(&thermo_row(&state, c))?;
            rows.push((state.time, c, state.temperature()));
            bar.set_metric("T", state.temperature());
        }
        if let Some(t) = traj.as_mut()
            && state.step.is_multiple_of(opts.dump_every)
        {
            t.append(&xyz_frame(&state, &structure.species, structure.periodic))?;
            frames += 1;
        }
        bar.inc(1);
    }
    let wall = start.elapsed().as_secs_f64();
    bar.finish();
    thermo.finish()?;
    if let Some(t) = traj {
        t.finish()?;
    }

    let c0 = rows[0].1;
    let per_atom = 1e3 / n as f64;
    Ok(MdSummary {
        atoms: n,
        steps: opts.steps,
        force_field: ff.name().to_string(),
        wall_seconds: wall,
        atom_steps_per_second: (n * opts.steps) as f64 / wall.max(1e-9),
        mean_temperature: rows.iter().map(|r| r.2).sum::<f64>() / rows.len() as f64,
        conserved_drift: slope(&rows) * 1e3 * per_atom,
        conserved_max_deviation: rows.iter().map(|r| (r.1 - c0).abs()).fold(0.0, f64::max)
            * per_atom,
        thermo_rows: rows.len(),
        frames,
        thermo: thermo_path,
        trajectory: (opts.dump_every > 0).then_some(traj_path),
    })
}

/// Least-squares slope of the conserved energy against time (eV/fs).
fn slope(rows: &[(f64, f64, f64)]) -> f64 {
    let n = rows.len() as f64;
    let mt = rows.iter().map(|r| r.0).sum::<f64>() / n;
    let me = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for r in rows {
        sxy += (r.0 - mt) * (r.1 - me);
        sxx += (r.0 - mt) * (r.0 - mt);
    }
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}
