//! Learning checks for the supervised tasks on small configurations: accuracy reached, error
//! falls with width, bring-your-own CSV works and bad CSV is refused with line and column.

use ai4s::core::RunOptions;
use ai4s::core::run::run_task;
use ai4s::supervised::{Approximation, Classification, CnnTask};
use std::path::Path;

fn opts(dir: &Path, sets: &[&str]) -> RunOptions {
    RunOptions {
        out: Some(dir.to_path_buf()),
        quick: true,
        quiet: true,
        sets: sets.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    }
}

#[test]
fn mlp_reads_digits_at_97_percent() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&Classification, &opts(d.path(), &[])).expect("classification runs");
    let acc = o.report.get("test_accuracy").expect("accuracy");
    assert!(acc >= 0.97, "MLP test accuracy {acc}");
    assert_eq!(o.report.get("test_images"), Some(359.0));
    for f in [
        "confusion.svg",
        "confusion.png",
        "learning_curve.png",
        "model.bpk",
    ] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}

#[test]
fn cnn_reads_digits_at_98_percent() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&CnnTask, &opts(d.path(), &[])).expect("cnn runs");
    let acc = o.report.get("test_accuracy").expect("accuracy");
    assert!(acc >= 0.98, "CNN test accuracy {acc}");
}

#[test]
fn classification_on_a_users_csv_and_its_bad_labels() {
    let d = tempfile::tempdir().expect("tempdir");
    // Two separable blobs with arbitrary integer labels 3 and 7.
    let mut csv = String::from("a,b,kind\n");
    for i in 0..200 {
        let t = i as f64 / 200.0;
        let (label, shift) = if i % 2 == 0 { (3, 2.0) } else { (7, -2.0) };
        csv.push_str(&format!(
            "{},{},{label}\n",
            shift + (t * 17.0).sin(),
            shift + (t * 11.0).cos()
        ));
    }
    let data = d.path().join("blobs.csv");
    std::fs::write(&data, csv).expect("write");
    let set = format!("data={}", data.display());
    let o = run_task(
        &Classification,
        &opts(&d.path().join("r"), &[&set, "target=kind"]),
    )
    .expect("csv classification runs");
    assert!(o.report.get("test_accuracy").expect("accuracy") > 0.95);

    std::fs::write(&data, "a,b,kind\n1,2,3\n2,3,3.5\n").expect("write");
    let e = run_task(
        &Classification,
        &opts(&d.path().join("s"), &[&set, "target=kind"]),
    )
    .expect_err("fractional label");
    let msg = e.to_string();
    assert!(
        msg.contains("line 3") && msg.contains("column `kind`") && msg.contains("not an integer"),
        "{msg}"
    );
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn approximation_sweep_error_falls_with_width() {
    let d = tempfile::tempdir().expect("tempdir");
    let sets = [
        "dims=[2, 8]",
        "widths=[4, 64]",
        "seeds=1",
        "train.epochs=6",
        "train_samples=1000",
        "test_samples=400",
        "targets=[\"ridge\"]",
    ];
    let o = run_task(&Approximation, &opts(d.path(), &sets)).expect("sweep runs");
    let csv = std::fs::read_to_string(d.path().join("results.csv")).expect("results");
    // header + 1 target x 2 dims x 2 widths x 1 seed x 5 methods
    assert_eq!(csv.lines().count(), 1 + 20, "{csv}");
    let err = |method: &str, dim: usize, m: usize| -> f64 {
        csv.lines()
            .find(|l| l.starts_with(&format!("ridge,{dim},{m},0,{method},")))
            .and_then(|l| l.rsplit(',').next())
            .and_then(|v| v.parse().ok())
            .expect("row present")
    };
    for dim in [2, 8] {
        assert!(
            err("network", dim, 64) < err("network", dim, 4),
            "network error should fall with width at d = {dim}"
        );
    }
    // Grid interpolation with the same 64 nodes is far worse in 8 dimensions than in 2.
    assert!(err("grid", 8, 64) > 3.0 * err("grid", 2, 64));
    assert!(o.report.get("ridge_network_slope_d8").is_some());
    for f in ["width_ridge.svg", "dimension_ridge.png"] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}
