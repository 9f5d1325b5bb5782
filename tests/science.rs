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
