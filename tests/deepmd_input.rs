//! DeePMD-kit's `input.json` through the runner (`ai4s run deep-potential --config FILE.json`):
//! the shipped `examples/deepmd-input.json` is translated, merged with `--set` overrides, and
//! trains; an input ai4s cannot honour is refused before anything runs, naming the file and
//! the JSON key.

use ai4s::core::RunOptions;
use ai4s::core::run::{effective_table, run_task};
use ai4s::potential::train::DeepPotential;
use std::path::{Path, PathBuf};

/// The registered `deep-potential` task: its JSON configs are DeePMD-kit input files.
const WITH_DEEPMD_INPUT: DeepPotential = DeepPotential;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn shipped_input_json_trains_through_the_runner() {
    let d = tempfile::tempdir().expect("tempdir");
    let example = root().join("examples/deepmd-input.json");
    let opts = RunOptions {
        config_file: Some(example.clone()),
        sets: vec![
            format!(
                "test_data={}",
                root().join("datasets/tb-si-64/test").display()
            ),
            "numb_steps=20".into(),
            "neuron=[4, 8]".into(),
            "axis_neuron=2".into(),
            "fitting_neuron=[16, 16]".into(),
        ],
        out: Some(d.path().join("run")),
        device: Some(ai4s::core::Backend::Flex),
        quick: true,
        quiet: true,
        ..Default::default()
    };
    // The file's values win over the quick defaults; --set wins over the file.
    let table = effective_table(&WITH_DEEPMD_INPUT, &opts).expect("config");
    assert_eq!(table["numb_steps"].as_integer(), Some(20));
    assert_eq!(table["decay_steps"].as_integer(), Some(200));
    assert_eq!(table["limit_pref_e"].as_float(), Some(4.0));
    let train = table["training_data"].as_str().expect("string");
    assert!(
        Path::new(train).ends_with("examples/../datasets/tb-si-64/train"),
        "{train}"
    );
    let o = run_task(&WITH_DEEPMD_INPUT, &opts).expect("trains");
    assert!(o.report.get("force_rmse").is_some_and(f64::is_finite));
    let cfg = std::fs::read_to_string(d.path().join("run/config.toml")).expect("config.toml");
    assert!(cfg.contains("sel = [48]"), "{cfg}");
}

#[test]
fn input_json_that_ai4s_cannot_honour_is_refused_before_running() {
    let d = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root().join("examples/deepmd-input.json")).expect("read");
    let bad = text.replace("\"se_e2_a\"", "\"se_atten\"");
    assert_ne!(bad, text);
    let file = d.path().join("input.json");
    std::fs::write(&file, bad).expect("write");
    let opts = RunOptions {
        config_file: Some(file.clone()),
        out: Some(d.path().join("run")),
        device: Some(ai4s::core::Backend::Flex),
        quiet: true,
        ..Default::default()
    };
    let e = run_task(&WITH_DEEPMD_INPUT, &opts).expect_err("se_atten is refused");
    let s = e.to_string();
    assert_eq!(e.exit_code(), 2, "{s}");
    assert!(s.contains("`model.descriptor.type`"), "{s}");
    assert!(s.contains(&file.display().to_string()), "{s}");
    assert!(
        !d.path().join("run").exists(),
        "no run directory is left behind"
    );
}
