//! The simulations the task compares: one protocol (NVE, NVT, cost per step) run with any
//! force field, on its own thread for the reference.

use super::config::MdValidateConfig;
use crate::analysis::diamond_supercell;
use crate::forcefield::ForceField;
use crate::integrate::{
    self, BlowUpDump, Ensemble, MdGuard, MdOptions, MdState, Record, Thermo, Trajectory,
};
use crate::md::SI_MASS;
use ai4s_core::progress::Progress;
use ai4s_core::{Error, Result};
use rand::{SeedableRng, rngs::StdRng};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What one force field produced under the validation protocols.
pub(super) struct Simulation {
    /// NVE runs: temperature and thermo log.
    pub(super) nve: Vec<(f64, Thermo)>,
    /// The NVT run: thermo log and sampled frames.
    pub(super) nvt: Record,
    /// Energy per atom of the perfect crystal against the lattice constant.
    pub(super) eos: Vec<(f64, f64)>,
}

/// State shared by the model and reference simulations running side by side.
pub(super) struct Shared {
    /// The common progress bar.
    pub(super) bar: Mutex<Progress>,
    /// Set when either side failed, so the other stops early instead of running on.
    pub(super) stop: AtomicBool,
    /// The run directory (for the last good frame of a run that blows up).
    pub(super) out_dir: PathBuf,
}

/// Runs every protocol with `ff`; each run starts from the same seed for every force field.
/// On failure `shared.stop` is raised.
pub(super) fn simulate(
    ff: &mut dyn ForceField,
    cfg: &MdValidateConfig,
    seed: u64,
    shared: &Shared,
) -> Result<Simulation> {
    let out = simulate_inner(ff, cfg, seed, shared);
    if out.is_err() {
        shared.stop.store(true, Ordering::Relaxed);
    }
    out
}

pub(super) fn simulate_inner(
    ff: &mut dyn ForceField,
    cfg: &MdValidateConfig,
    seed: u64,
    shared: &Shared,
) -> Result<Simulation> {
    let tick = |_: &MdState| {
        if shared.stop.load(Ordering::Relaxed) {
            return Err(Error::Runtime(
                "stopped because the other simulation failed".into(),
            ));
        }
        if let Ok(mut b) = shared.bar.lock() {
            b.inc(1);
        }
        Ok(())
    };
    let (pos, cell) = diamond_supercell(cfg.lattice, cfg.natoms)?;
    let masses = vec![SI_MASS; pos.len()];
    let guard = MdGuard {
        max_temperature: cfg.max_temperature,
        min_distance: cfg.min_distance,
        ..MdGuard::default()
    };
    let dump = BlowUpDump {
        path: shared
            .out_dir
            .join(format!("blowup_{}.xyz", ff.name().replace(['/', ' '], "_"))),
        type_map: vec!["Si".into()],
        types: vec![0; pos.len()],
    };
    let mut nve = Vec::new();
    for (k, &t) in cfg.nve_temperatures.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(seed ^ (0x5eed + k as u64));
        let mut state = MdState::new(ff, pos.clone(), cell, masses.clone(), 2.0 * t, &mut rng)?;
        let opts = MdOptions {
            dt: cfg.dt,
            ensemble: Ensemble::Nve,
            steps: cfg.nve_steps,
            thermo_every: 1,
            traj_every: 0,
            guard,
        };
        let mut rec = Record {
            blow_up: Some(dump.clone()),
            ..Record::default()
        };
        integrate::run(&mut state, ff, &opts, &mut rng, &mut rec, None, tick)?;
        nve.push((t, rec.thermo));
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x7f7);
    let mut state = MdState::new(
        ff,
        pos.clone(),
        cell,
        masses,
        2.0 * cfg.nvt_temperature,
        &mut rng,
    )?;
    let ensemble = Ensemble::Langevin {
        temperature: cfg.nvt_temperature,
        friction: cfg.friction,
    };
    let warm = MdOptions {
        dt: cfg.dt,
        ensemble,
        steps: cfg.nvt_equilibration,
        thermo_every: 0,
        traj_every: 0,
        guard,
    };
    integrate::run(
        &mut state,
        ff,
        &warm,
        &mut rng,
        &mut Record {
            blow_up: Some(dump.clone()),
            ..Record::default()
        },
        None,
        tick,
    )?;
    state.step = 0;
    state.time = 0.0;
    let sample = MdOptions {
        steps: cfg.nvt_steps,
        thermo_every: cfg.sample_every,
        traj_every: cfg.sample_every,
        ..warm
    };
    let mut nvt = Record {
        trajectory: Some(Trajectory::new(vec!["Si".into()], vec![0; pos.len()])),
        blow_up: Some(dump),
        ..Record::default()
    };
    integrate::run(&mut state, ff, &sample, &mut rng, &mut nvt, None, tick)?;
    let mut eos = Vec::new();
    for k in 0..cfg.lattice_points {
        let a = cfg.lattice_min
            + (cfg.lattice_max - cfg.lattice_min) * k as f64 / (cfg.lattice_points - 1) as f64;
        let (p, c) = diamond_supercell(a, cfg.natoms)?;
        eos.push((a, ff.compute(&p, &c)?.energy / p.len() as f64));
    }
    Ok(Simulation { nve, nvt, eos })
}

/// Wall time per MD step (s) of `ff` on a diamond cell of `natoms` atoms.
pub(super) fn time_per_step(
    ff: &mut dyn ForceField,
    cfg: &MdValidateConfig,
    natoms: usize,
    seed: u64,
) -> Result<f64> {
    let (pos, cell) = diamond_supercell(cfg.lattice, natoms)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut state = MdState::new(ff, pos, cell, vec![SI_MASS; natoms], 600.0, &mut rng)?;
    let start = Instant::now();
    let mut steps = 0;
    while steps < cfg.cost_steps
        && (steps == 0 || start.elapsed().as_secs_f64() < cfg.cost_budget_s)
    {
        integrate::step(&mut state, ff, cfg.dt, Ensemble::Nve, &mut rng)?;
        steps += 1;
    }
    Ok(start.elapsed().as_secs_f64() / steps as f64)
}

/// Energy drift in meV/atom/ps from a thermo log of `natoms` atoms.
pub(super) fn drift(thermo: &Thermo, natoms: usize) -> f64 {
    thermo.energy_slope() * 1e6 / natoms as f64
}
