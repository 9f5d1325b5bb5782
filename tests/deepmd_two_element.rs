//! A two-element model trained by DeePMD-kit itself reads into ai4s and predicts what
//! DeePMD-kit's own `dp test` printed: the energies, forces and virials of
//! `tests/data/deepmd_two_element/dp_test.{e,f,v}.out` (DeePMD-kit 3.2.0, TensorFlow backend,
//! float64; see the README there and `bench/compare/deepmd_two_element_fixture.sh`).
//!
//! The model has one embedding net per (centre, neighbour) type pair (`type_one_side: false`,
//! stored at index `centre + neighbour * ntypes`), a different `sel` per neighbour type
//! ([10, 14]) and per-type `davg`/`dstd` and energy biases, so a wrong pair order, a wrong
//! neighbour block or a swapped statistics row all change the predictions; the last test checks
//! that each of those mistakes is far outside the tolerance.
//!
//! Tolerance: both sides evaluate the same float64 model; they differ only in the order of the
//! floating-point sums (over neighbours, atoms, descriptor entries), each rounding at about
//! 1e-16 relative, over a few hundred terms, so the difference is ~1e-14 of the largest value
//! (measured: 1e-16 to 7e-15). Each quantity must agree to 1e-10 of its largest magnitude
//! (energies ~25 eV, forces up to ~3 eV/A, virials up to ~12 eV): four orders of magnitude of
//! margin over rounding, and almost nine below the smallest change a layout mistake makes here
//! (7e-2, swapped per-type statistics).

use ai4s::potential::dpmodel::{self, import_file, save_native};
use ai4s::potential::evaluate::SystemPrediction;
use ai4s::potential::model_file::predict_model;
use serde_json::Value;
use std::path::{Path, PathBuf};

const TOL: f64 = 1e-10;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/deepmd_two_element")
}

fn device() -> burn::tensor::Device {
    ai4s::core::device::test_device(ai4s::core::device::Precision::F64, 7)
}

/// Rows of a `dp test -d` detail file (comment lines skipped).
fn detail(kind: &str) -> Vec<Vec<f64>> {
    let path = fixture().join(format!("dp_test.{kind}.out"));
    let text = std::fs::read_to_string(&path).expect("detail file");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|x| x.parse().expect("number"))
                .collect()
        })
        .collect()
}

/// DeePMD-kit's reference and predicted columns of a detail file, each flattened row-major.
fn columns(kind: &str, ncol: usize) -> (Vec<f64>, Vec<f64>) {
    let rows = detail(kind);
    assert!(!rows.is_empty(), "{kind}: no rows");
    let (mut data, mut pred) = (Vec::new(), Vec::new());
    for r in rows {
        assert_eq!(r.len(), 2 * ncol, "{kind}: columns");
        data.extend_from_slice(&r[..ncol]);
        pred.extend_from_slice(&r[ncol..]);
    }
    (data, pred)
}

/// max |a - b| / max |b|.
fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(scale > 0.0);
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// Predictions of the model at `model` on the fixture's frames (as `ai4s potential test`).
fn predict(model: &Path) -> SystemPrediction {
    let data = fixture().join("test");
    let mut preds =
        predict_model(model, data.to_str().expect("utf-8"), &device()).expect("predict");
    assert_eq!(preds.len(), 1, "one system");
    preds.remove(0)
}

/// Worst relative differences (energy, force, virial) from DeePMD-kit's predictions.
fn against_dp(p: &SystemPrediction) -> [f64; 3] {
    [
        rel_diff(&p.energy, &columns("e", 1).1),
        rel_diff(&p.forces, &columns("f", 3).1),
        rel_diff(&p.virial, &columns("v", 9).1),
    ]
}

#[test]
fn deepmd_kit_two_element_model_reproduces_dp_test() {
    let doc = fixture().join("model.yaml");
    let direct = predict(&doc);
    assert_eq!(direct.frames, 4);
    // The frames and atom order are DeePMD-kit's: the reference columns of its detail files are
    // the labels ai4s read (written with 19 significant digits, so equal after parsing).
    let (e_ref, _) = columns("e", 1);
    let (f_ref, _) = columns("f", 3);
    let (v_ref, _) = columns("v", 9);
    assert_eq!(direct.ref_energy, e_ref);
    assert_eq!(direct.ref_forces, f_ref);
    assert_eq!(direct.ref_virial.as_deref(), Some(v_ref.as_slice()));
    let [de, df, dv] = against_dp(&direct);
    println!(
        "ai4s vs dp test (relative to the largest value): energy {de:.2e}, force {df:.2e}, virial {dv:.2e}"
    );
    assert!(de < TOL && df < TOL && dv < TOL, "{de:e} {df:e} {dv:e}");
    // The forces are not trivially small and vary between atoms of both types.
    assert!(direct.forces.iter().any(|f| f.abs() > 0.1));

    // `ai4s potential import`: the document saved as ai4s weights predicts the same.
    let dir = tempfile::tempdir().expect("tempdir");
    let (model, meta) = import_file(&doc, &device()).expect("import");
    assert_eq!(meta.type_map, ["Ni", "Al"]);
    assert_eq!(meta.env.sel, [10, 14]);
    assert!(!model.layout().type_one_side);
    assert_ne!(meta.stats.davg[0], meta.stats.davg[1], "per-type davg");
    assert_ne!(meta.stats.dstd[0], meta.stats.dstd[1], "per-type dstd");
    let bpk = save_native(&model, &meta, &dir.path().join("native")).expect("save");
    let native = predict(&bpk);
    let [de, df, dv] = against_dp(&native);
    assert!(de < TOL && df < TOL && dv < TOL, "{de:e} {df:e} {dv:e}");
}

/// Writes `doc` as a JSON document and returns its worst difference from `dp test`.
fn worst_after(doc: &Value, dir: &Path, name: &str) -> f64 {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, dpmodel::to_text(doc).expect("text")).expect("write");
    against_dp(&predict(&path)).into_iter().fold(0.0, f64::max)
}

#[test]
fn layout_mistakes_are_far_outside_the_tolerance() {
    let text = std::fs::read_to_string(fixture().join("model.yaml")).expect("model");
    let doc = dpmodel::parse(&text).expect("parse");
    let dir = tempfile::tempdir().expect("tempdir");
    // Unchanged, through the JSON writer: still DeePMD-kit's numbers.
    assert!(worst_after(&doc, dir.path(), "same") < TOL);

    // Pair nets read as (neighbour, centre): networks 1 = (Al centre, Ni neighbour) and
    // 2 = (Ni centre, Al neighbour) exchanged.
    let mut d = doc.clone();
    let nets = d["model"]["descriptor"]["embeddings"]["networks"]
        .as_array_mut()
        .expect("networks");
    nets.swap(1, 2);
    let pair = worst_after(&d, dir.path(), "pairs");

    // Environment statistics of the two centre types exchanged.
    let mut d = doc.clone();
    for key in ["davg", "dstd"] {
        d["model"]["descriptor"]["@variables"][key]["value"]
            .as_array_mut()
            .expect("rows")
            .swap(0, 1);
    }
    let stats = worst_after(&d, dir.path(), "stats");

    // Fitting nets of the two centre types exchanged.
    let mut d = doc.clone();
    d["model"]["fitting"]["nets"]["networks"]
        .as_array_mut()
        .expect("networks")
        .swap(0, 1);
    let fits = worst_after(&d, dir.path(), "fits");
    println!(
        "worst relative difference from dp test: pair nets swapped {pair:.2e}, per-type stats swapped {stats:.2e}, fitting nets swapped {fits:.2e}"
    );
    for (what, x) in [
        ("pair nets", pair),
        ("statistics", stats),
        ("fitting nets", fits),
    ] {
        assert!(x > 1e4 * TOL, "{what} exchanged changes only {x:e}");
    }
}
