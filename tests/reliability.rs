//! Divergence and crash safety of runs driven through the `ai4s` command.

use std::path::Path;
use std::process::{Command, Output};

fn ai4s(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai4s"))
        .args(args)
        .current_dir(cwd)
        .env_remove("AI4S_DEVICE")
        .output()
        .expect("the ai4s binary should start")
}

#[test]
fn a_diverging_run_stops_naming_the_step_and_records_the_failure() {
    let d = tempfile::tempdir().expect("tempdir");
    // Adam keeps each step bounded, so an absurd learning rate shows as a loss that explodes
    // by many orders of magnitude (a deep ReLU net makes it quick).
    let o = ai4s(
        &[
            "run",
            "regression",
            "--quick",
            "--set",
            "train.lr=9",
            "--set",
            "train.schedule=constant",
            "--set",
            "model.activation=relu",
            "--set",
            "model.hidden=[256, 256, 256, 256]",
            "--out",
            "r",
            "--quiet",
        ],
        d.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(1),
        "divergence is a runtime failure: {err}"
    );
    assert!(
        err.contains("numerical divergence at step") && err.contains("lower the learning rate"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let r = d.path().join("r");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(r.join("summary.json")).expect("summary.json is written"),
    )
    .expect("valid json");
    let failure = &summary["failure"];
    assert_eq!(failure["kind"], "diverged", "{summary}");
    let step = failure["step"].as_u64().expect("the step is recorded");
    assert!(step >= 1, "{summary}");
    assert!(
        failure["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("step {step}")) && m.contains("learning rate")),
        "{summary}"
    );
    assert_eq!(summary["goals_met"], false);
    assert!(r.join("config.toml").exists() && r.join("metrics.csv").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&r)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary or lock files left: {leftovers:?}"
    );
}
