//! `ai4s potential md` from the command line: structures are read from LAMMPS data, DeePMD and
//! XYZ files (non-periodic, named masses) with clear refusals, and the command runs end to end on
//! a saved model, exiting 2 on mistakes. The integrators' physics (NVE energy, thermostat
//! temperatures), the three formats on one configuration and the library's refusals are tested
//! in `crates/ai4s-potential/tests/potential_md.rs`.

use ai4s::core::device::{Precision, test_device};
use ai4s::potential::cell::{V3, diamond};
use ai4s::potential::env::{self, EnvSpec};
use ai4s::potential::frames::{Frame, System};
use ai4s::potential::md_run::read_structure;
use ai4s::potential::meta::ModelMeta;
use ai4s::potential::model::{DeepPot, NetSpec};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The thermo CSV as rows of numbers, checking the header.
fn thermo(path: &Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).expect("thermo.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "step,time_fs,potential_energy,kinetic_energy,total_energy,temperature,conserved_energy"
        )
    );
    lines
        .map(|l| {
            let row: Vec<f64> = l.split(',').map(|x| x.parse().expect("number")).collect();
            assert_eq!(row.len(), 7, "{l}");
            row
        })
        .collect()
}

#[test]
fn structures_from_lammps_deepmd_and_xyz_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A triclinic LAMMPS data file written by hand, with element names in Masses comments.
    let data = dir.path().join("sio.data");
    std::fs::write(
        &data,
        "silica fragment\n\n4 atoms\n2 atom types\n\n0 6 xlo xhi\n0 6 ylo yhi\n0 6 zlo zhi\n\
         1.0 0.5 -0.5 xy xz yz\n\nMasses\n\n1 28.0855 # Si\n2 15.999 # O\n\nAtoms # atomic\n\n\
         2 2 1.6 0.0 0.0\n1 1 0.0 0.0 0.0\n3 2 0.0 1.6 0.0 0 0 1\n4 2 0.0 0.0 1.6\n",
    )
    .expect("write");
    let s = read_structure(&data, 0, None).expect("lammps");
    assert_eq!(s.species, ["Si", "O", "O", "O"]);
    assert_eq!(s.pos[2], [0.5, 1.6 - 0.5, 6.0]);
    assert_eq!(s.cell.h[1], [1.0, 6.0, 0.0]);
    assert!(s.periodic);
    // The file's masses, then an override.
    assert_eq!(s.masses(&[]).expect("m"), [28.0855, 15.999, 15.999, 15.999]);
    let heavy = s.masses(&[("O".into(), 18.0)]).expect("m");
    assert_eq!(heavy, [28.0855, 18.0, 18.0, 18.0]);
    let e = s
        .masses(&[("Cu".into(), 63.5)])
        .expect_err("no Cu")
        .to_string();
    assert!(e.contains("has no Cu") && e.contains("Si, O"), "{e}");
    // --type-map renames the types.
    let names = ["Ge".to_string(), "S".to_string()];
    let s = read_structure(&data, 0, Some(&names)).expect("lammps");
    assert_eq!(s.species, ["Ge", "S", "S", "S"]);
    let e = read_structure(&data, 1, None)
        .expect_err("one frame")
        .to_string();
    assert!(e.contains("--frame 1"), "{e}");

    // Refusals name the file and line.
    let bad = dir.path().join("bad.data");
    std::fs::write(&bad, "t\n\n1 atoms\n1 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\nMasses\n\n1 28.0 # Si\n").expect("write");
    let e = read_structure(&bad, 0, None)
        .expect_err("no atoms")
        .to_string();
    assert!(
        e.contains("bad.data") && e.contains("no Atoms section"),
        "{e}"
    );
    std::fs::write(&bad, "t\n\n1 atoms\n1 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\nAtoms # atomic\n\n1 1 0.0 0.0\n").expect("write");
    let e = read_structure(&bad, 0, Some(&["Si".to_string()]))
        .expect_err("4 fields")
        .to_string();
    assert!(
        e.contains("bad.data, line 11") && e.contains("found 4 fields"),
        "{e}"
    );

    // A DeePMD system: frame 1 of two; an element without a mass needs --mass.
    let (pos, cell) = diamond(5.43, 1);
    let shifted: Vec<V3> = pos.iter().map(|r| [r[0] + 0.1, r[1], r[2]]).collect();
    let frame = |pos: Vec<V3>| Frame::unlabelled(cell, pos);
    let sys = System {
        type_map: vec!["Si".into(), "Xx".into()],
        types: vec![0, 0, 0, 0, 0, 0, 0, 1],
        frames: vec![frame(pos), frame(shifted.clone())],
    };
    let deepmd = dir.path().join("sys");
    ai4s::potential::deepmd::write_system(&deepmd, &sys).expect("write");
    let s = read_structure(&deepmd, 1, None).expect("deepmd");
    assert_eq!(s.pos, shifted);
    assert_eq!(s.species[7], "Xx");
    let e = s.masses(&[]).expect_err("Xx").to_string();
    assert!(e.contains("--mass Xx=AMU"), "{e}");
    assert_eq!(s.masses(&[("Xx".into(), 10.0)]).expect("m")[7], 10.0);
    let e = read_structure(&deepmd, 2, None)
        .expect_err("two frames")
        .to_string();
    assert!(
        e.contains("has 2 frame(s)") && e.contains("--frame 2"),
        "{e}"
    );

    // Extended XYZ without a lattice is an isolated molecule.
    let xyz = dir.path().join("h2o.xyz");
    std::fs::write(&xyz, "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n").expect("write");
    let s = read_structure(&xyz, 0, None).expect("xyz");
    assert!(!s.periodic);
    assert_eq!(s.masses(&[]).expect("m"), [15.999, 1.008, 1.008]);
}

/// A Deep Potential with random weights for silicon, saved as `dir/model.bpk`.
fn saved_model(dir: &Path) -> PathBuf {
    let device = test_device(Precision::F64, 3);
    let (pos, cell) = diamond(5.43, 2);
    let spec = EnvSpec {
        rcut: 4.5,
        rcut_smth: 1.0,
        sel: vec![48],
    };
    let sys = System {
        type_map: vec!["Si".into()],
        types: vec![0; pos.len()],
        frames: vec![Frame::unlabelled(cell, pos)],
    };
    let stats = env::stats(&spec, &[(&sys, Path::new("x"))], 1).expect("stats");
    let net = NetSpec {
        neuron: vec![4, 8],
        axis_neuron: 4,
        fitting_neuron: vec![12, 12],
    };
    let model = DeepPot::new(&net, &spec.sel, &device);
    let meta = ModelMeta {
        type_map: vec!["Si".into()],
        env: spec,
        net,
        stats,
        bias: vec![-4.6],
    };
    ai4s::potential::dpmodel::save_native(&model, &meta, dir).expect("save")
}

fn ai4s(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai4s"))
        .args(args)
        .current_dir(cwd)
        .env_remove("AI4S_DEVICE")
        .output()
        .expect("the ai4s binary should start")
}

#[test]
fn the_command_runs_md_on_xyz_and_lammps_structures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    saved_model(&d.join("model"));
    let (pos, cell) = diamond(5.43, 2);
    let n = pos.len();
    let sys = System {
        type_map: vec!["Si".into()],
        types: vec![0; n],
        frames: vec![Frame::unlabelled(cell, pos.clone())],
    };
    ai4s::potential::xyz::write(&d.join("si.xyz"), &sys).expect("xyz");
    let o = ai4s(
        &[
            "potential",
            "md",
            "--model",
            "model/model.bpk",
            "--structure",
            "si.xyz",
            "--ensemble",
            "nhc",
            "--temperature",
            "500",
            "--steps",
            "20",
            "--thermo-every",
            "5",
            "--dump-every",
            "10",
            "--seed",
            "3",
            "--out",
            "run",
            "--quiet",
        ],
        d,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("64 atoms, 20 steps") && out.contains("atom-steps/s"),
        "{out}"
    );
    let rows = thermo(&d.join("run/thermo.csv"));
    let steps: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(steps, [0.0, 5.0, 10.0, 15.0, 20.0]);
    assert!(
        (rows[0][5] - 500.0).abs() < 1e-6,
        "starting temperature {}",
        rows[0][5]
    );
    let traj = ai4s::potential::xyz::read(&d.join("run/trajectory.xyz")).expect("xyz");
    assert_eq!(traj.frames.len(), 3);
    assert!(
        traj.frames
            .iter()
            .all(|f| f.forces.is_some() && f.energy.is_some())
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/md.json")).expect("md.json"))
            .expect("json");
    assert_eq!(json["ensemble"], "nhc");
    assert!(
        json["result"]["atom_steps_per_second"]
            .as_f64()
            .expect("rate")
            > 0.0
    );

    // The same crystal as a LAMMPS data file whose types are named on the command line.
    let lammps = ai4s::potential::lammps_data::LammpsData {
        type_map: vec!["Si".into()],
        types: vec![0; n],
        pos,
        cell,
        masses: vec![None],
    };
    ai4s::potential::lammps_data::write(&d.join("si.data"), &lammps).expect("data");
    let o = ai4s(
        &[
            "potential",
            "md",
            "--model",
            "model/model.bpk",
            "--structure",
            "si.data",
            "--type-map",
            "Si",
            "--steps",
            "4",
            "--thermo-every",
            "2",
            "--out",
            "run2",
            "--quiet",
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(thermo(&d.join("run2/thermo.csv")).len(), 3);

    // Mistakes exit 2 and say what is wrong.
    let o = ai4s(
        &[
            "potential",
            "md",
            "--model",
            "model/model.bpk",
            "--structure",
            "si.data",
            "--type-map",
            "Cu",
            "--steps",
            "4",
            "--out",
            "run3",
            "--quiet",
        ],
        d,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("element Cu") && err.contains("[\"Si\"]"),
        "{err}"
    );
    let o = ai4s(
        &[
            "potential",
            "md",
            "--model",
            "model/model.bpk",
            "--structure",
            "si.xyz",
            "--ensemble",
            "nhc",
            "--tau",
            "0.5",
            "--out",
            "run4",
            "--quiet",
        ],
        d,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("tau"), "{err}");
}
