//! `ai4s potential md` end to end: velocity Verlet conserves the energy, the Nose-Hoover chain
//! and Langevin thermostats hold the target temperature that NVE loses to equipartition, the
//! structure readers (extended XYZ, DeePMD system, LAMMPS data) agree on one configuration,
//! saved models (`model.bpk` and a compressed `.dpz`) run from files and write thermo.csv,
//! trajectory.xyz and md.json, and bad input is refused with the file or option named.

use ai4s_core::Error;
use ai4s_core::burn::tensor::Device;
use ai4s_core::device::{Precision, test_device};
use ai4s_core::progress::ProgressMode;
use ai4s_potential::cell::{Cell, V3, diamond};
use ai4s_potential::compress::{self, NativeDeepPot};
use ai4s_potential::env::{self, EnvSpec};
use ai4s_potential::frames::{Frame, System};
use ai4s_potential::integrate::MdGuard;
use ai4s_potential::lammps_data::{self, LammpsData};
use ai4s_potential::md_run::{self, EnsembleKind, MdInputs, MdRunOptions, read_structure};
use ai4s_potential::meta::ModelMeta;
use ai4s_potential::model::{DeepPot, NetLayout, NetSpec};
use ai4s_potential::sw::StillingerWeber;
use std::path::{Path, PathBuf};

fn device() -> Device {
    test_device(Precision::F64, 5)
}

/// Perfect diamond silicon, `n`^3 conventional cells (8 `n`^3 atoms).
fn silicon(n: usize) -> md_run::Structure {
    let (pos, cell) = diamond(5.431, n);
    md_run::Structure {
        species: vec!["Si".into(); pos.len()],
        file_masses: vec![None; pos.len()],
        pos,
        cell,
        periodic: true,
        path: PathBuf::from("diamond"),
    }
}

/// Runs Stillinger-Weber silicon (64 atoms) from the perfect lattice; returns the summary and
/// the temperatures of the thermo rows.
fn run_sw(opts: &MdRunOptions, out: &Path) -> (md_run::MdSummary, Vec<f64>) {
    let s = silicon(2);
    let masses = s.masses(&[]).expect("masses");
    let mut sw = StillingerWeber::default();
    let summary =
        md_run::run(&s, masses, &mut sw, opts, out, ProgressMode::Quiet).expect("md runs");
    let text = std::fs::read_to_string(out.join("thermo.csv")).expect("thermo.csv");
    let temps = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(5).expect("6 columns").parse().expect("T"))
        .collect();
    (summary, temps)
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

#[test]
fn nve_conserves_the_total_energy() {
    let d = tempfile::tempdir().expect("tempdir");
    let opts = MdRunOptions {
        temperature: 600.0,
        timestep: 1.0,
        steps: 2000,
        dump_every: 0,
        ..MdRunOptions::default()
    };
    let (s, temps) = run_sw(&opts, d.path());
    println!(
        "NVE: max |dE| {:.4} meV/atom, drift {:.4} meV/atom/ps, mean T {:.1} K",
        s.conserved_max_deviation, s.conserved_drift, s.mean_temperature
    );
    assert_eq!(s.thermo_rows, 201);
    // Velocity Verlet with a 1 fs step: fluctuations of a few 0.01 meV/atom, no trend.
    assert!(s.conserved_max_deviation < 0.5, "{s:?}");
    assert!(s.conserved_drift.abs() < 0.1, "{s:?}");
    // From the perfect lattice, half the kinetic energy turns into potential energy.
    let late = mean(&temps[100..]);
    assert!(
        (240.0..360.0).contains(&late),
        "late NVE temperature {late}"
    );
}

#[test]
fn thermostats_hold_the_target_temperature() {
    for ensemble in [EnsembleKind::Nhc, EnsembleKind::Langevin] {
        let d = tempfile::tempdir().expect("tempdir");
        let opts = MdRunOptions {
            ensemble,
            temperature: 600.0,
            timestep: 1.0,
            steps: 4000,
            tau: 50.0,
            dump_every: 0,
            ..MdRunOptions::default()
        };
        let (s, temps) = run_sw(&opts, d.path());
        let late = mean(&temps[200..]);
        println!(
            "{ensemble}: mean T over the last 2 ps {late:.1} K, conserved max |dE| {:.4} meV/atom, drift {:.4} meV/atom/ps",
            s.conserved_max_deviation, s.conserved_drift
        );
        // NVE settles near 300 K; the thermostat keeps the 600 K it started at (64 atoms:
        // the kinetic temperature fluctuates by about 10 % per row).
        assert!((540.0..660.0).contains(&late), "{ensemble}: {late} K");
        // The extended (NHC) or effective (Langevin) energy stays put.
        assert!(s.conserved_max_deviation < 1.0, "{ensemble}: {s:?}");
    }
}

#[test]
fn a_blow_up_stops_the_run_and_keeps_the_last_good_frame() {
    let d = tempfile::tempdir().expect("tempdir");
    // Si-Si bonds are 2.35 A long: a 2.5 A minimum distance trips at the first check.
    let opts = MdRunOptions {
        steps: 100,
        guard: MdGuard {
            min_distance: 2.5,
            ..MdGuard::default()
        },
        ..MdRunOptions::default()
    };
    let s = silicon(2);
    let masses = s.masses(&[]).expect("masses");
    let e = md_run::run(
        &s,
        masses,
        &mut StillingerWeber::default(),
        &opts,
        d.path(),
        ProgressMode::Quiet,
    )
    .expect_err("guard trips");
    assert!(matches!(e, Error::Diverged { step: 10, .. }), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("blew up at step 10") && m.contains("blowup.xyz"),
        "{m}"
    );
    let dump = read_structure(&d.path().join("blowup.xyz"), 0, None).expect("readable");
    assert_eq!(dump.pos.len(), 64);
}

/// Two elements in a triclinic (restricted, LAMMPS-ready) cell.
fn two_element_system() -> System {
    let (pos, cell) = diamond(5.431, 2);
    let tilt = Cell {
        h: [
            [cell.h[0][0], 0.0, 0.0],
            [0.4, cell.h[1][1], 0.0],
            [-0.3, 0.2, cell.h[2][2]],
        ],
    };
    let pos: Vec<V3> = pos
        .iter()
        .enumerate()
        .map(|(i, r)| [r[0] + 0.01 * i as f64 / 64.0, r[1], r[2] - 0.02])
        .collect();
    System {
        type_map: vec!["Si".into(), "C".into()],
        types: (0..pos.len()).map(|i| usize::from(i % 4 == 0)).collect(),
        frames: vec![Frame::unlabelled(tilt, pos)],
    }
}

fn assert_same(a: &md_run::Structure, b: &md_run::Structure) {
    assert_eq!(a.species, b.species);
    assert!(a.periodic && b.periodic);
    for (x, y) in a.pos.iter().flatten().zip(b.pos.iter().flatten()) {
        assert!((x - y).abs() < 1e-8, "{x} vs {y}");
    }
    for (x, y) in a.cell.h.iter().flatten().zip(b.cell.h.iter().flatten()) {
        assert!((x - y).abs() < 1e-8, "{x} vs {y}");
    }
}

#[test]
fn the_three_structure_formats_read_the_same_configuration() {
    let d = tempfile::tempdir().expect("tempdir");
    let sys = two_element_system();
    let f = &sys.frames[0];
    let xyz = d.path().join("start.xyz");
    ai4s_potential::xyz::write(&xyz, &sys).expect("write xyz");
    let dp = d.path().join("system");
    ai4s_potential::deepmd::write_system(&dp, &sys).expect("write deepmd");
    let data = LammpsData {
        type_map: sys.type_map.clone(),
        types: sys.types.clone(),
        pos: f.pos.clone(),
        cell: f.cell,
        masses: vec![Some(28.0855), Some(13.0)],
    };
    let lmp = d.path().join("start.data");
    lammps_data::write(&lmp, &data).expect("write data");
    // The written data file reads back unchanged.
    assert_eq!(
        lammps_data::read(&lmp, None).expect("read data").types,
        data.types
    );

    let a = read_structure(&xyz, 0, None).expect("xyz");
    let b = read_structure(&dp, 0, None).expect("deepmd");
    let c = read_structure(&lmp, 0, None).expect("lammps data");
    assert_same(&a, &b);
    assert_same(&a, &c);
    // Masses: the data file's Masses, else standard atomic weights; overrides win.
    let mc = c.masses(&[]).expect("masses");
    assert_eq!((mc[0], mc[1]), (13.0, 28.0855));
    let ma = a.masses(&[("Si".into(), 30.0)]).expect("masses");
    assert!((ma[0] - 12.011).abs() < 1e-3 && ma[1] == 30.0, "{ma:?}");
    // A type map renames LAMMPS types (type 1 first).
    let swapped = read_structure(&lmp, 0, Some(&["C".into(), "Si".into()])).expect("renamed");
    assert_eq!(swapped.species[0], "Si");
}

/// A one-element model with random weights (statistics from diamond silicon), saved as
/// `model.bpk` and compressed as `model.dpz` in `dir`.
fn saved_models(dir: &Path) -> (PathBuf, PathBuf) {
    let spec = EnvSpec {
        rcut: 4.0,
        rcut_smth: 1.5,
        sel: vec![40],
    };
    let net = NetSpec {
        neuron: vec![4, 8],
        axis_neuron: 4,
        fitting_neuron: vec![8, 8],
    };
    let (pos, cell) = diamond(5.431, 2);
    let sys = System {
        type_map: vec!["Si".into()],
        types: vec![0; pos.len()],
        frames: vec![Frame::unlabelled(cell, pos)],
    };
    let stats = env::stats(&spec, &[(&sys, Path::new("x"))], 1).expect("stats");
    let model = DeepPot::with_layout(&net, &spec.sel, &NetLayout::default(), &device());
    let meta = ModelMeta {
        type_map: sys.type_map.clone(),
        env: spec,
        net,
        stats,
        bias: vec![-4.6],
    };
    let bpk = ai4s_potential::dpmodel::save_native(&model, &meta, dir).expect("save");
    let native = NativeDeepPot::from_model(&model, &meta).expect("native");
    let packed = native.compressed(2.0, 0.01, 5.0).expect("compress");
    let dpz = dir.join("model.dpz");
    compress::save(&packed, &bpk, &dpz).expect("save dpz");
    (bpk, dpz)
}

fn inputs(model: &Path, structure: &Path) -> MdInputs {
    MdInputs {
        model: model.to_owned(),
        structure: structure.to_owned(),
        frame: 0,
        type_map: Vec::new(),
        masses: Vec::new(),
        skin: 1.0,
    }
}

#[test]
fn saved_models_run_from_every_structure_format() {
    let d = tempfile::tempdir().expect("tempdir");
    let (bpk, dpz) = saved_models(&d.path().join("model"));
    let mut sys = two_element_system();
    sys.type_map = vec!["Si".into()];
    sys.types = vec![0; 64];
    let xyz = d.path().join("si.xyz");
    ai4s_potential::xyz::write(&xyz, &sys).expect("xyz");
    let dp = d.path().join("si-system");
    ai4s_potential::deepmd::write_system(&dp, &sys).expect("deepmd");
    let lmp = d.path().join("si.data");
    let data = LammpsData {
        type_map: vec!["Si".into()],
        types: vec![0; 64],
        pos: sys.frames[0].pos.clone(),
        cell: sys.frames[0].cell,
        masses: vec![None],
    };
    lammps_data::write(&lmp, &data).expect("data");
    let opts = MdRunOptions {
        temperature: 100.0,
        timestep: 0.5,
        steps: 20,
        thermo_every: 5,
        dump_every: 10,
        ..MdRunOptions::default()
    };
    let mut energies = Vec::new();
    for (k, (model, structure)) in [(&bpk, &xyz), (&dpz, &dp), (&bpk, &lmp), (&dpz, &lmp)]
        .into_iter()
        .enumerate()
    {
        let out = d.path().join(format!("run{k}"));
        let mut input = inputs(model, structure);
        if structure == &lmp {
            input.type_map = vec!["Si".into()];
        }
        let s = md_run::run_files(&input, &opts, &device(), &out, ProgressMode::Quiet)
            .expect("md runs");
        assert_eq!((s.atoms, s.steps, s.thermo_rows, s.frames), (64, 20, 5, 3));
        let thermo = std::fs::read_to_string(out.join("thermo.csv")).expect("thermo");
        assert_eq!(thermo.lines().count(), 6);
        let e0: f64 = thermo
            .lines()
            .nth(1)
            .expect("row")
            .split(',')
            .nth(2)
            .expect("pe")
            .parse()
            .expect("e");
        energies.push(e0);
        let traj = read_structure(&out.join("trajectory.xyz"), 2, None).expect("frame 2");
        assert_eq!(traj.pos.len(), 64);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("md.json")).expect("md.json"))
                .expect("json");
        assert_eq!(json["result"]["steps"], 20);
        assert_eq!(json["ensemble"], "nve");
    }
    // The same starting frame: the compressed model is within its table's error of the exact.
    println!("starting energies {energies:?}");
    for e in &energies {
        assert!(
            (e - energies[0]).abs() < 1e-4 * energies[0].abs(),
            "{energies:?}"
        );
    }
}

#[test]
fn bad_input_is_refused_naming_the_cause() {
    let d = tempfile::tempdir().expect("tempdir");
    let (bpk, _) = saved_models(&d.path().join("model"));
    let xyz = d.path().join("sic.xyz");
    ai4s_potential::xyz::write(&xyz, &two_element_system()).expect("xyz");
    let opts = MdRunOptions {
        steps: 2,
        ..MdRunOptions::default()
    };
    let run = |input: &MdInputs, opts: &MdRunOptions| {
        md_run::run_files(
            input,
            opts,
            &device(),
            &d.path().join("out"),
            ProgressMode::Quiet,
        )
        .expect_err("refused")
        .to_string()
    };
    let e = run(&inputs(&d.path().join("none.bpk"), &xyz), &opts);
    assert!(
        e.contains("none.bpk") && e.contains("no such model file"),
        "{e}"
    );
    let e = run(&inputs(&bpk, &d.path().join("none.xyz")), &opts);
    assert!(e.contains("none.xyz"), "{e}");
    // The model knows Si only; the structure also has C.
    let e = run(&inputs(&bpk, &xyz), &opts);
    assert!(
        e.contains("model.bpk") && e.contains("element C is not in the model's type map [\"Si\"]"),
        "{e}"
    );
    for (field, bad) in [
        (
            "timestep",
            MdRunOptions {
                timestep: 0.0,
                ..opts
            },
        ),
        (
            "timestep",
            MdRunOptions {
                timestep: f64::NAN,
                ..opts
            },
        ),
        (
            "tau",
            MdRunOptions {
                ensemble: EnsembleKind::Nhc,
                tau: 0.1,
                ..opts
            },
        ),
        (
            "temperature",
            MdRunOptions {
                ensemble: EnsembleKind::Langevin,
                temperature: 0.0,
                ..opts
            },
        ),
    ] {
        let e = run(&inputs(&bpk, &xyz), &bad);
        assert!(e.contains(field), "{field}: {e}");
    }
    // A frame the file does not have, a type map on an XYZ file, a malformed mass.
    let mut frame = inputs(&bpk, &xyz);
    frame.frame = 3;
    let e = run(&frame, &opts);
    assert!(e.contains("1 frame(s)") && e.contains("--frame 3"), "{e}");
    let mut typed = inputs(&bpk, &xyz);
    typed.type_map = vec!["Si".into()];
    assert!(run(&typed, &opts).contains("type map"));
    assert!(md_run::parse_mass_override("Si=-3").is_err());
    assert!("npt".parse::<EnsembleKind>().is_err());
}
