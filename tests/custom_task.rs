//! The extension point works from user code: the task in `examples/custom_task.rs`, defined
//! outside the ai4s crates, runs through the same runner and produces the same run directory.

#[allow(dead_code)]
#[path = "../examples/custom_task.rs"]
mod custom_task;

use ai4s::core::RunOptions;
use custom_task::{Pendulum, exact_period};

#[test]
fn exact_period_reduces_to_small_angle_formula() {
    let small = 2.0 * std::f64::consts::PI * (1.0f64 / 9.81).sqrt();
    assert!((exact_period(1.0, 1e-4) - small).abs() / small < 1e-8);
    // theta0 = 90 degrees: T = 1.18034 x small-angle period (textbook value).
    assert!((exact_period(1.0, std::f64::consts::FRAC_PI_2) / small - 1.180_34).abs() < 1e-5);
}

#[test]
fn custom_task_runs_through_the_runner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(dir.path().join("p")),
        quick: true,
        quiet: true,
        seed: Some(5),
        ..Default::default()
    };
    let outcome = ai4s::core::run::run_task(&Pendulum, &opts).expect("custom task runs");
    let err = outcome
        .report
        .get("test_mean_rel_error")
        .expect("metric reported");
    let baseline = outcome
        .report
        .get("small_angle_mean_rel_error")
        .expect("baseline reported");
    assert!(err < 0.02, "learned period error {err}");
    assert!(
        err < baseline,
        "the network should beat the small-angle formula ({err} vs {baseline})"
    );
    for f in [
        "config.toml",
        "metrics.csv",
        "summary.json",
        "period_error.svg",
        "period_error.png",
    ] {
        assert!(dir.path().join("p").join(f).exists(), "{f} missing");
    }
}
