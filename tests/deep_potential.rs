//! Training the Deep Potential on the shipped tight-binding silicon data: the error falls, the
//! summary carries DeePMD's metrics, and bad settings are refused with the field named.

use ai4s::core::RunOptions;
use ai4s::core::run::run_task;
use ai4s::potential::DeepPotential;
use std::path::Path;

fn opts(out: &Path, extra: &[String]) -> RunOptions {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tb-si-64");
    let mut sets = vec![
        format!("training_data={}", data.join("train").display()),
        format!("test_data={}", data.join("test").display()),
        "neuron=[8, 16]".to_string(),
        "axis_neuron=4".to_string(),
        "fitting_neuron=[32, 32]".to_string(),
        "numb_steps=300".to_string(),
        "decay_steps=50".to_string(),
        "disp_freq=20".to_string(),
    ];
    sets.extend(extra.iter().cloned());
    RunOptions::quick_into(out, &sets.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn training_on_forces_learns_and_reports_deepmd_metrics() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&DeepPotential, &opts(d.path(), &[])).expect("training runs");
    let r = &o.report;
    let f_rmse = r.get("force_rmse").expect("force_rmse");
    let f_std = r.get("test_force_std").expect("force std");
    // An untrained model predicts forces of the wrong size and direction (RMSE ~ std);
    // 300 steps already capture much of the physics.
    assert!(f_rmse < 0.6 * f_std, "force RMSE {f_rmse} vs std {f_std}");
    for k in [
        "energy_rmse_per_atom",
        "energy_mae_per_atom",
        "force_mae",
        "virial_rmse_per_atom",
        "numb_steps",
        "train_steps_per_second",
    ] {
        assert!(r.get(k).is_some_and(f64::is_finite), "{k} missing");
    }
    let lcurve = std::fs::read_to_string(d.path().join("metrics.csv")).expect("lcurve");
    assert!(
        // The shipped TB-Si data has virials, so DeePMD's virial columns are there too.
        lcurve.starts_with(
            "step,rmse_e_val,rmse_e_trn,rmse_f_val,rmse_f_trn,rmse_v_val,rmse_v_trn,lr"
        ),
        "{lcurve}"
    );
    assert_eq!(lcurve.lines().count(), 1 + 15);
    let first: f64 = lcurve
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(3))
        .and_then(|v| v.parse().ok())
        .expect("value");
    let last: f64 = lcurve
        .lines()
        .nth(15)
        .and_then(|l| l.split(',').nth(3))
        .and_then(|v| v.parse().ok())
        .expect("value");
    assert!(
        last < first,
        "validation force RMSE should fall: {first} -> {last}"
    );
    for f in [
        "model.bpk",
        "model.toml",
        "parity_force.png",
        "parity_energy.svg",
        "lcurve.png",
    ] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}

#[test]
fn bad_settings_are_refused_with_the_field_named() {
    let d = tempfile::tempdir().expect("tempdir");
    let e = run_task(
        &DeepPotential,
        &opts(
            &d.path().join("a"),
            &["rcut_smth=6.5".into(), "rcut=6.0".into()],
        ),
    )
    .expect_err("smth > rcut");
    assert!(
        e.to_string()
            .contains("rcut_smth (6.5) must be smaller than rcut (6)"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 2);
    let e = run_task(
        &DeepPotential,
        &opts(&d.path().join("b"), &["sel=[10]".into()]),
    )
    .expect_err("sel too small");
    assert!(e.to_string().contains("raise sel"), "{e}");
    assert_eq!(e.exit_code(), 2);
    let e = run_task(
        &DeepPotential,
        &opts(&d.path().join("c"), &["sel=[48, 10]".into()]),
    )
    .expect_err("sel per type");
    assert!(e.to_string().contains("`descriptor.sel`"), "{e}");
    let e = run_task(
        &DeepPotential,
        &opts(&d.path().join("d"), &["training_data=/no/such/dir".into()]),
    )
    .expect_err("missing data");
    assert!(e.to_string().contains("/no/such/dir"), "{e}");
}
