//! The diagnosis task end to end: the learning claims on the Wisconsin table, a clinical CSV
//! of the user's own (words as labels, an identifier column, missing cells), and refusals.

use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions};
use ai4s_life::Diagnosis;
use ai4s_life::diagnosis::table::wisconsin;
use std::fmt::Write;
use std::path::Path;

#[test]
fn the_cross_validated_classifiers_reach_the_goals_on_held_out_folds() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(
        &Diagnosis,
        &RunOptions::quick_into(d.path(), &["repeats=1"]),
    )
    .expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    assert!(get("mlp_auc") >= 0.98 && get("logistic_auc") >= 0.98);
    assert!(get("mlp_sensitivity_at_specificity") > 0.9);
    assert!(get("mlp_ece_scaled") <= 0.05);
    // Every row is predicted exactly once, from a fold that did not train on it.
    let pred = std::fs::read_to_string(d.path().join("predictions.csv")).expect("predictions");
    assert_eq!(pred.lines().count(), 1 + 569);
    let splits = std::fs::read_to_string(d.path().join("splits.csv")).expect("splits");
    let mut tested = vec![0; 569];
    let mut roles = std::collections::HashMap::new();
    for line in splits.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (fold, row): (usize, usize) = (f[1].parse().expect("fold"), f[2].parse().expect("row"));
        if f[3] == "test" {
            tested[row] += 1;
        }
        assert!(
            roles.insert((fold, row), f[3].to_owned()).is_none(),
            "one role per fold"
        );
    }
    assert!(tested.iter().all(|&c| c == 1));
    for name in ["roc.png", "reliability.png", "confusion.png", "folds.csv"] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

/// The Wisconsin table rewritten as a clinic would export it: an id column, `M`/`B`, and a few
/// empty cells.
fn own_table(path: &Path) {
    let t = wisconsin().expect("table");
    let mut s = String::from("patient_id,diagnosis");
    for f in &t.features {
        write!(s, ",{f}").expect("write");
    }
    s.push('\n');
    for (i, row) in t.x.rows().into_iter().enumerate() {
        write!(s, "P{i:04},{}", if t.y[i] { "M" } else { "B" }).expect("write");
        for (j, v) in row.iter().enumerate() {
            if (i * 31 + j) % 97 == 0 {
                s.push(',');
            } else {
                write!(s, ",{v}").expect("write");
            }
        }
        s.push('\r');
        s.push('\n');
    }
    std::fs::write(path, s).expect("write table");
}

#[test]
fn a_clinic_export_with_words_ids_and_gaps_runs_with_imputation() {
    let d = tempfile::tempdir().expect("tempdir");
    let csv = d.path().join("clinic.csv");
    own_table(&csv);
    let data = format!("data={}", csv.display());
    let base = [
        data.as_str(),
        "target=diagnosis",
        "drop=[\"patient_id\"]",
        "repeats=1",
    ];

    // Missing cells are refused by default, naming the file, line and column.
    let refused = d.path().join("refused");
    match run_task(&Diagnosis, &RunOptions::quick_into(&refused, &base)) {
        Err(e @ Error::Data { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("clinic.csv") && msg.contains("impute=median"),
                "{msg}"
            );
        }
        other => panic!("expected a data error, got {:?}", other.err()),
    }

    let mut sets = base.to_vec();
    sets.push("impute=\"median\"");
    let out_dir = d.path().join("run");
    let out = run_task(&Diagnosis, &RunOptions::quick_into(&out_dir, &sets)).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(get("missing_cells") > 100.0);
    assert_eq!(
        get("positives"),
        212.0,
        "`M` recognised as the class to detect"
    );
    assert_eq!(get("features"), 30.0, "the id column is dropped");
    assert!(get("mlp_auc") > 0.97 && get("logistic_auc") > 0.97);
}

#[test]
fn bad_settings_and_tables_are_refused_before_anything_runs() {
    let d = tempfile::tempdir().expect("tempdir");
    for (set, field) in [
        ("folds=1", "folds"),
        ("calibration_fraction=0.9", "calibration_fraction"),
        ("c=0", "c"),
        ("specificity=1.0", "specificity"),
        ("mlp.hidden=[]", "mlp.hidden"),
    ] {
        let dir = d.path().join(field);
        match run_task(&Diagnosis, &RunOptions::quick_into(&dir, &[set])) {
            Err(Error::Config { field: f, .. }) => assert_eq!(f, field, "{set}"),
            other => panic!("{set}: expected a config error, got {:?}", other.err()),
        }
    }
    // Three classes in the outcome column.
    let csv = d.path().join("three.csv");
    std::fs::write(&csv, "a,y\n1,x\n2,y\n3,z\n").expect("write");
    let data = format!("data={}", csv.display());
    let err = run_task(
        &Diagnosis,
        &RunOptions::quick_into(&d.path().join("t"), &[&data, "target=y"]),
    )
    .expect_err("three classes");
    assert!(
        err.to_string().contains("exactly two distinct values"),
        "{err}"
    );
    // Too few rows of a class for the folds.
    let small = d.path().join("small.csv");
    std::fs::write(&small, "a,y\n1,0\n2,0\n3,0\n4,1\n5,0\n6,1\n").expect("write");
    let data = format!("data={}", small.display());
    let err = run_task(
        &Diagnosis,
        &RunOptions::quick_into(&d.path().join("s"), &[&data, "target=y"]),
    )
    .expect_err("too small");
    assert!(err.to_string().contains("lower folds"), "{err}");
}
