//! Science tasks learn what they claim on small configurations.

use ai4s::core::RunOptions;
use ai4s::core::run::run_task;
use ai4s::science::CellularAutomata;

#[test]
fn learned_automata_rules_roll_out_exactly() {
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        sets: vec![
            "rules=[30]".into(),
            "width=32".into(),
            "rollout_steps=50".into(),
        ],
        ..Default::default()
    };
    let o = run_task(&CellularAutomata, &opts).expect("runs");
    assert_eq!(o.report.get("rule30_one_step_accuracy"), Some(1.0));
    assert_eq!(o.report.get("rule30_identical_rollout_steps"), Some(50.0));
    assert_eq!(o.report.get("life_identical_rollout_steps"), Some(50.0));
    assert!(d.path().join("rule30.png").exists() && d.path().join("life.svg").exists());
}

#[test]
fn reservoir_forecasts_lorenz_for_several_lyapunov_times() {
    use ai4s::science::LorenzForecast;
    use ai4s::science::lorenz::{lorenz, rk4};
    // RK4 conserves nothing here, but a tiny step must agree with an even tinier one.
    let u = [1.0, 2.0, 20.0];
    let a = rk4(u, 0.01);
    let b = (0..10).fold(u, |v, _| rk4(v, 0.001));
    assert!((0..3).all(|i| (a[i] - b[i]).abs() < 1e-6));
    assert_eq!(
        lorenz([0.0, 0.0, 0.0]),
        [0.0, 0.0, 0.0],
        "the origin is a fixed point"
    );
    let d = tempfile::tempdir().expect("tempdir");
    // Seed 3 was not used to choose the hyper-parameters.
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        seed: Some(3),
        sets: vec!["forecasts=5".into()],
        ..Default::default()
    };
    let o = run_task(&LorenzForecast, &opts).expect("runs");
    let t = o.report.get("valid_time_lyapunov").expect("metric");
    assert!(t >= 4.0, "valid prediction time {t} Lyapunov times");
}

#[test]
fn variational_monte_carlo_finds_the_exact_ground_states() {
    use ai4s::science::VariationalMonteCarlo;
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        seed: Some(5),
        ..Default::default()
    };
    let o = run_task(&VariationalMonteCarlo, &opts).expect("runs");
    let ho = o.report.get("oscillator_energy").expect("metric");
    let h = o.report.get("hydrogen_energy").expect("metric");
    assert!((ho - 0.5).abs() < 1e-3, "harmonic oscillator {ho}");
    assert!((h + 0.5).abs() < 1e-3, "hydrogen {h}");
    // Variational principle: never below the exact energy beyond the error bars.
    let (eho, eh) = (
        o.report.get("oscillator_energy_stderr").expect("se"),
        o.report.get("hydrogen_energy_stderr").expect("se"),
    );
    assert!(ho > 0.5 - 5.0 * eho - 1e-4 && h > -0.5 - 5.0 * eh - 1e-4);
}

#[test]
fn bayesian_optimisation_beats_random_search() {
    use ai4s::science::BayesOpt;
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        seed: Some(11),
        sets: vec!["runs=4".into(), "budget=30".into()],
        ..Default::default()
    };
    let o = run_task(&BayesOpt, &opts).expect("runs");
    for p in ["branin", "alloy"] {
        let bo = o.report.get(&format!("{p}_bo_median_regret")).expect("bo");
        let rs = o
            .report
            .get(&format!("{p}_random_median_regret"))
            .expect("random");
        assert!(bo < rs, "{p}: BO regret {bo} vs random {rs}");
    }
    assert!(o.report.get("branin_bo_median_regret").expect("bo") < 0.1);
}

#[test]
fn physics_informed_network_solves_the_heat_equation() {
    use ai4s::science::HeatPinn;
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        seed: Some(9),
        ..Default::default()
    };
    let o = run_task(&HeatPinn, &opts).expect("runs");
    let e = o.report.get("relative_l2_error").expect("metric");
    assert!(e < 1e-2, "relative L2 error {e}");
}
