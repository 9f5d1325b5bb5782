//! DeePMD-kit's data semantics that change what a system means: a `nopbc` marker makes a system
//! non-periodic even when a box is stored (dpdata writes both), extended XYZ `pbc="F F F"` does
//! the same, mixed periodicity is refused, and per-frame files ai4s does not train on
//! (`real_atom_types`, `fparam`, `aparam`, `atom_pref`, `atom_ener`) are refused naming the
//! file instead of being silently dropped.

use ai4s::potential::cell::Cell;
use ai4s::potential::frames::System;
use ai4s::potential::npy;
use ai4s::potential::{deepmd, xyz};
use std::path::{Path, PathBuf};

fn shipped(n: usize) -> System {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = deepmd::read_system(&root.join("datasets/tb-si-64/test"), None).expect("data");
    s.frames.truncate(n);
    s
}

fn written(dir: &Path, name: &str, s: &System) -> PathBuf {
    let d = dir.join(name);
    deepmd::write_system(&d, s).expect("write");
    d
}

#[test]
fn a_nopbc_marker_makes_the_system_isolated_even_with_a_box() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let s = shipped(2);
    let d = written(tmp.path(), "sys", &s);
    let periodic = deepmd::read_system(&d, None).expect("reads");
    assert_eq!(periodic.frames[0].cell, s.frames[0].cell);
    std::fs::write(d.join("nopbc"), "").expect("marker");
    let open = deepmd::read_system(&d, None).expect("reads");
    for (f, g) in open.frames.iter().zip(&s.frames) {
        assert_eq!(f.pos, g.pos);
        assert_eq!(f.cell, Cell::isolated(&g.pos));
        assert_ne!(f.cell, g.cell);
        // No periodic image within 100 A of any atom.
        assert!(f.cell.plane_spacings().iter().all(|&w| w >= 100.0));
    }
}

#[test]
fn files_that_would_change_the_meaning_of_a_system_are_refused_by_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let s = shipped(2);
    for (name, phrase) in [
        ("real_atom_types", "mixed-type system"),
        ("fparam", "frame parameters"),
        ("aparam", "atomic parameters"),
        ("atom_pref", "per-atom force weights"),
        ("atom_ener", "per-atom energy labels"),
    ] {
        let d = written(tmp.path(), name, &s);
        let file = d.join("set.000").join(format!("{name}.npy"));
        npy::write(&file, &vec![0.0; 2 * 64], &[2, 64]).expect("npy");
        let e = deepmd::read_system(&d, None).expect_err("refused");
        let text = e.to_string();
        assert!(
            text.contains(&format!("{name}.npy")) && text.contains(phrase),
            "{text}"
        );
        assert_eq!(e.exit_code(), 2);
    }
}

fn xyz_text(pbc: Option<&str>, lattice: bool) -> String {
    let mut comment = String::new();
    if lattice {
        comment.push_str("Lattice=\"10 0 0 0 10 0 0 0 10\" ");
    }
    comment.push_str("Properties=species:S:1:pos:R:3 energy=-1.5");
    if let Some(p) = pbc {
        comment.push_str(&format!(" pbc=\"{p}\""));
    }
    format!("2\n{comment}\nH 0 0 0\nH 0 0 9.5\n")
}

#[test]
fn extended_xyz_periodicity_follows_pbc() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let read = |name: &str, text: String| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        xyz::read(&p)
    };
    let pos = [[0.0, 0.0, 0.0], [0.0, 0.0, 9.5]];
    // Periodic: the two atoms are 0.5 A apart through the boundary.
    let s = read("p.xyz", xyz_text(Some("T T T"), true)).expect("reads");
    assert_eq!(s.frames[0].cell, Cell::orthorhombic(10.0, 10.0, 10.0));
    // ASE's default with a Lattice and no pbc key is periodic too.
    let s = read("d.xyz", xyz_text(None, true)).expect("reads");
    assert_eq!(s.frames[0].cell, Cell::orthorhombic(10.0, 10.0, 10.0));
    // Open: the Lattice is ignored and the atoms are 9.5 A apart.
    for (name, text) in [
        ("f.xyz", xyz_text(Some("F F F"), true)),
        ("n.xyz", xyz_text(None, false)),
    ] {
        let s = read(name, text).expect("reads");
        assert_eq!(s.frames[0].cell, Cell::isolated(&pos), "{name}");
    }
    let e = read("slab.xyz", xyz_text(Some("T T F"), true)).expect_err("slab");
    let text = e.to_string();
    assert!(
        text.contains("slab.xyz, line 2") && text.contains("mixes periodic and open"),
        "{text}"
    );
    let e = read("bad.xyz", xyz_text(Some("yes"), true)).expect_err("bad flags");
    assert!(e.to_string().contains("not three flags"), "{e}");
    let e = read("nolat.xyz", xyz_text(Some("T T T"), false)).expect_err("no lattice");
    assert!(e.to_string().contains("without a Lattice"), "{e}");
}

/// Virial labels in one set and not in another: refused naming the frame, never dropped.
#[test]
fn a_system_with_virials_in_only_some_frames_is_refused_naming_the_frame() {
    use ai4s::core::RunOptions;
    use ai4s::core::run::run_task;
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = shipped(4);
    for f in &mut s.frames[2..] {
        f.virial = None;
    }
    let a = written(
        tmp.path(),
        "a",
        &System {
            frames: s.frames[..2].to_vec(),
            ..s.clone()
        },
    );
    // A second set without virial.npy, appended to the first system.
    let b = written(
        tmp.path(),
        "b",
        &System {
            frames: s.frames[2..].to_vec(),
            ..s.clone()
        },
    );
    std::fs::rename(b.join("set.000"), a.join("set.001")).expect("move set");
    for raw in [
        "coord.raw",
        "box.raw",
        "energy.raw",
        "force.raw",
        "virial.raw",
    ] {
        let _ = std::fs::remove_file(a.join(raw));
    }
    let read = deepmd::read_system(&a, None).expect("reads");
    assert_eq!(read.frames.len(), 4);
    assert!(read.frames[1].virial.is_some() && read.frames[2].virial.is_none());
    let opts = RunOptions {
        out: Some(tmp.path().join("run")),
        quick: true,
        quiet: true,
        sets: vec![
            format!("training_data={}", a.display()),
            "test_data=".into(),
            "numb_steps=1".into(),
        ],
        ..Default::default()
    };
    let Err(e) = run_task(&ai4s::potential::DeepPotential, &opts) else {
        panic!("mixed virials are refused");
    };
    let text = e.to_string();
    assert!(
        text.contains("frame 3 has no virial but frame 1 has one"),
        "{text}"
    );
    assert_eq!(e.exit_code(), 2);
}
