//! Training a Deep Potential on your own data, then running molecular dynamics with it.
//!
//! The story: you have labelled frames (energies and forces from DFT or any reference) as a
//! DeePMD-kit system directory or an extended XYZ file. The `deep-potential` task trains the
//! se_e2_a model on them with DeePMD-kit's recipe, exactly as `ai4s run deep-potential --set
//! training_data=...` would; here we pass the same `--set` overrides from Rust. The saved model
//! is then loaded as a force field and drives a short constant-energy (NVE) run from the first
//! training frame. Forces are the exact derivatives of the learned energy, so the total energy
//! must stay put: the drift is the first thing to look at in a new potential.
//!
//! Without `--data` the shipped tight-binding silicon frames (`datasets/tb-si-64`) are used.
//! Other elements: check `sel` (`--set sel=[..]`, one entry per type) and `mass()` below.
//!
//! Run: `cargo run --release --example deep_potential_own_data -- [--quick] [--out DIR]
//! [--data DIR_OR_XYZ] [--test DIR_OR_XYZ] [--set key=value ...]`

use ai4s::core::device::{Precision, make_device, resolve_backend};
use ai4s::core::{Error, Result, RunOptions, io, run::run_task};
use ai4s::potential::forcefield::DeepPotForceField;
use ai4s::potential::integrate::{Ensemble, MdState, Thermo, step};
use ai4s::potential::prepared::read_systems;
use rand::{SeedableRng, rngs::StdRng};
use std::path::Path;

/// The shipped tight-binding silicon frames: 160 for training, 40 for testing.
const TRAIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/tb-si-64/train");
const TEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/tb-si-64/test");

/// What the story measured.
#[derive(Debug)]
pub struct DpStory {
    /// Test force RMSE (eV/A); NaN without test data.
    pub force_rmse: f64,
    /// `force_rmse` divided by the standard deviation of the reference test forces.
    pub force_rmse_over_std: f64,
    /// Test energy RMSE per atom (eV/atom).
    pub energy_rmse_per_atom: f64,
    /// Largest |E_total(t) - E_total(0)| per atom during NVE (eV/atom).
    pub max_drift_per_atom: f64,
    /// Mean kinetic temperature of the NVE run (K).
    pub mean_temperature: f64,
}

/// Atomic mass (amu) of `element`; add yours to the two lists.
fn mass(element: &str) -> Result<f64> {
    const ELEMENTS: [&str; 9] = ["H", "C", "N", "O", "Al", "Si", "Ar", "Cu", "Ge"];
    const AMU: [f64; 9] = [
        1.008, 12.01, 14.01, 16.0, 26.98, 28.0855, 39.95, 63.55, 72.63,
    ];
    let i = ELEMENTS.iter().position(|e| *e == element);
    let hint = || Error::Runtime(format!("no mass for `{element}`: add it to `mass()`"));
    i.map(|i| AMU[i]).ok_or_else(hint)
}

/// Trains on `train` (tested on `test`, which may be empty) with the extra `--set` overrides
/// `sets` into `out/train`, then runs NVE molecular dynamics with the model.
pub fn story(train: &str, test: &str, sets: &[String], quick: bool, out: &Path) -> Result<DpStory> {
    // 1. MD will start from the first training frame: know its atoms and masses before training.
    let (system, _) = read_systems(train, None)?.swap_remove(0);
    let names = &system.type_map;
    let species: Vec<&str> = system.types.iter().map(|&t| names[t].as_str()).collect();
    let masses = species.iter().map(|s| mass(s)).collect::<Result<_>>()?;
    // 2. Train through the task; quick mode: a small network, 1500 steps (seconds on 2 cores).
    let mut all = vec![
        format!("training_data={train}"),
        format!("test_data={test}"),
    ];
    if quick {
        let small =
            "numb_steps=1500 decay_steps=100 neuron=[8,16] axis_neuron=4 fitting_neuron=[32,32]";
        all.extend(small.split(' ').map(String::from));
    }
    all.extend(sets.iter().cloned());
    let opts = RunOptions {
        out: Some(out.join("train")),
        quick,
        quiet: true,
        sets: all,
        ..Default::default()
    };
    let trained = run_task(&ai4s::potential::DeepPotential, &opts)?;
    let metric = |name: &str| trained.report.get(name).unwrap_or(f64::NAN);

    // 3. Load the saved model as a force field for these atoms.
    let device = make_device(resolve_backend(None)?, Precision::F32, 42)?;
    let model = trained.out_dir.join("model.bpk");
    let mut ff = DeepPotForceField::load(&model, &species, &device, 1.0)?;
    let (pos, cell) = (system.frames[0].pos.clone(), system.frames[0].cell);

    // 4. Velocity Verlet at constant energy, 1 fs steps, starting at 300 K.
    let mut rng = StdRng::seed_from_u64(7);
    let mut md = MdState::new(&mut ff, pos, cell, masses, 300.0, &mut rng)?;
    let mut thermo = Thermo::default();
    thermo.record(&md);
    for _ in 0..if quick { 50 } else { 500 } {
        step(&mut md, &mut ff, 1.0, Ensemble::Nve, &mut rng)?;
        thermo.record(&md);
    }
    io::write_atomic(&out.join("thermo.csv"), thermo.to_csv().as_bytes())?;
    Ok(DpStory {
        force_rmse: metric("force_rmse"),
        force_rmse_over_std: metric("force_rmse_over_std"),
        energy_rmse_per_atom: metric("energy_rmse_per_atom"),
        max_drift_per_atom: thermo.max_energy_deviation() / species.len() as f64,
        mean_temperature: thermo.mean_temperature(),
    })
}

/// The story on the shipped silicon data.
pub fn run(quick: bool, out: &Path) -> Result<DpStory> {
    story(TRAIN, TEST, &[], quick, out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.windows(2)
            .find(|w| w[0] == flag)
            .map(|w| w[1].as_str())
    };
    let sets: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--set")
        .map(|w| w[1].clone())
        .collect();
    let out = Path::new(value("--out").unwrap_or("runs/deep_potential_own_data"));
    let (train, test) = match value("--data") {
        Some(data) => (data, value("--test").unwrap_or("")),
        None => (TRAIN, TEST),
    };
    let quick = args.iter().any(|a| a == "--quick");
    let s = story(train, test, &sets, quick, out).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code())
    });
    let (f, e) = (s.force_rmse, 1e3 * s.energy_rmse_per_atom);
    let pct = 100.0 * s.force_rmse_over_std;
    if f.is_nan() {
        println!("no test data (--test): no test errors");
    } else {
        println!("test RMSE: force {f:.4} eV/A ({pct:.1} % of the spread), energy {e:.2} meV/atom");
    }
    let (t, drift) = (s.mean_temperature, 1e3 * s.max_drift_per_atom);
    println!("NVE at {t:.0} K: largest total-energy drift {drift:.4} meV/atom");
    println!("run directory: {}", out.display());
}
