//! Data written by other codes reads unchanged: the files of `tests/data/dpdata/` were written
//! by dpdata 1.1.0 (deepmd/raw, deepmd/npy, extxyz) and ASE 3.29.0 (extxyz) from the first
//! frames of `datasets/tb-si-64/test` (see `tests/data/dpdata/README.md` and `make.py`), and
//! ai4s must read back the same numbers: energies, forces, coordinates, cells, virials, type
//! map and types.

use ai4s::potential::frames::{Frame, System};
use ai4s::potential::{deepmd, xyz};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data/dpdata").join(name)
}

/// The first `n` frames of the shipped test set: what make.py started from.
fn original(n: usize) -> System {
    let mut s =
        deepmd::read_system(&root().join("datasets/tb-si-64/test"), None).expect("shipped data");
    s.frames.truncate(n);
    s
}

/// The original with its atoms relabelled as make.py did (type 1 = "Ge").
fn original_sige() -> System {
    let text = std::fs::read_to_string(data("sige_types.txt")).expect("types");
    let types: Vec<usize> = text
        .split_whitespace()
        .map(|t| t.parse().expect("type"))
        .collect();
    System {
        type_map: vec!["Si".into(), "Ge".into()],
        types,
        ..original(2)
    }
}

/// The element name of each atom.
fn species(s: &System) -> Vec<&str> {
    s.types.iter().map(|&t| s.type_map[t].as_str()).collect()
}

fn close(what: &str, k: usize, a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "frame {k}: {what} lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * y.abs().max(1.0),
            "frame {k}: {what}[{i}] = {x}, expected {y} (tolerance {tol})"
        );
    }
}

/// Same atoms (by element name) and the same numbers within `tol` (relative to max(1, |x|)).
fn assert_same(got: &System, want: &System, tol: f64, has_virial: bool) {
    assert_eq!(species(got), species(want), "species of the atoms");
    assert_eq!(got.frames.len(), want.frames.len(), "frames");
    let flat = |f: &Frame| -> [Vec<f64>; 3] {
        [
            f.pos.iter().flatten().copied().collect(),
            f.cell.h.iter().flatten().copied().collect(),
            f.forces.iter().flatten().flatten().copied().collect(),
        ]
    };
    for (k, (g, w)) in got.frames.iter().zip(&want.frames).enumerate() {
        let [gp, gc, gf] = flat(g);
        let [wp, wc, wf] = flat(w);
        close("coord", k, &gp, &wp, tol);
        close("box", k, &gc, &wc, tol);
        close("force", k, &gf, &wf, tol);
        assert!(g.forces.is_some(), "frame {k}: forces read");
        close(
            "energy",
            k,
            &[g.energy.expect("energy")],
            &[w.energy.expect("energy")],
            tol,
        );
        if has_virial {
            let gv: Vec<f64> = g
                .virial
                .expect("virial read")
                .iter()
                .flatten()
                .copied()
                .collect();
            let wv: Vec<f64> = w
                .virial
                .expect("virial")
                .iter()
                .flatten()
                .copied()
                .collect();
            close("virial", k, &gv, &wv, tol);
        }
    }
}

#[test]
fn dpdata_deepmd_raw_and_npy_read_back_exactly() {
    let want = original(3);
    for dir in ["si_raw", "si_npy"] {
        let got = deepmd::read_system(&data(dir), None).expect(dir);
        // dpdata writes raw rows with 18 decimals and npy as float64: bit-identical numbers.
        assert_eq!(got, want, "{dir}");
    }
}

#[test]
fn dpdata_two_element_systems_keep_type_map_and_unsorted_types() {
    let want = original_sige();
    // make.py shuffled the types: type.raw is not sorted, and half the atoms are Ge.
    assert!(want.types.windows(2).any(|w| w[0] > w[1]));
    assert_eq!(want.types.iter().filter(|&&t| t == 1).count(), 32);
    for dir in ["sige_raw", "sige_npy"] {
        let got = deepmd::read_system(&data(dir), None).expect(dir);
        assert_eq!(
            got.type_map,
            vec!["Si".to_string(), "Ge".to_string()],
            "{dir}"
        );
        assert_eq!(got, want, "{dir}");
    }
}

#[test]
fn ase_extended_xyz_reads_back_within_its_printed_precision() {
    // ASE prints positions and forces with 8 decimals, energy and stress in full; ai4s turns
    // the stress back into the virial (W = -sigma V).
    let got = xyz::read(&data("si_ase.extxyz")).expect("ASE extxyz");
    assert_eq!(got.type_map, vec!["Si".to_string()]);
    assert_same(&got, &original(3), 1e-8, true);
    let got = xyz::read(&data("sige_ase.extxyz")).expect("ASE extxyz, two elements");
    assert_eq!(got.type_map.len(), 2);
    assert_same(&got, &original_sige(), 1e-8, true);
}

#[test]
fn dpdata_extended_xyz_reads_back_within_its_printed_precision() {
    // dpdata prints 12 significant digits, an extra atomic-number column and both the virial
    // and the stress (the virial is read).
    let got = xyz::read(&data("sige_dpdata.xyz")).expect("dpdata extxyz");
    assert_same(&got, &original_sige(), 1e-11, true);
}

#[test]
fn every_format_is_accepted_as_training_data() {
    // The trainer's reader takes directories and XYZ files alike, comma-separated.
    let list = ["si_raw", "si_npy", "si_ase.extxyz"]
        .map(|n| data(n).display().to_string())
        .join(",");
    let systems = ai4s::potential::prepared::read_systems(&list, None).expect("systems");
    assert_eq!(systems.len(), 3);
    for (s, p) in &systems {
        assert_eq!(s.frames.len(), 3, "{}", p.display());
        assert_eq!(s.type_map, vec!["Si".to_string()]);
    }
}
