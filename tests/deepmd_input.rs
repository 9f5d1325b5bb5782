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
    assert_eq!(table["training"]["numb_steps"].as_integer(), Some(20));
    assert_eq!(
        table["learning_rate"]["decay_steps"].as_integer(),
        Some(200)
    );
    assert_eq!(table["loss"]["limit_pref_e"].as_float(), Some(4.0));
    let train = table["data"]["training_data"].as_str().expect("string");
    assert!(
        Path::new(train).ends_with("examples/../datasets/tb-si-64/train"),
        "{train}"
    );
    let o = run_task(&WITH_DEEPMD_INPUT, &opts).expect("trains");
    assert!(o.report.get("force_rmse").is_some_and(f64::is_finite));
    let cfg = std::fs::read_to_string(d.path().join("run/config.toml")).expect("config.toml");
    assert!(cfg.contains("sel = [48]"), "{cfg}");
    // The example asks for "precision": "float32": the weights are 32-bit floats.
    assert!(cfg.contains("precision = \"f32\""), "{cfg}");
    assert_eq!(o.report.get("weight_bits"), Some(32.0));
}

/// The nested config and DeePMD-kit's flat names are one config: `--set rcut=...` and
/// `--set descriptor.rcut=...` give the same table, as do a TOML file with flat keys and one with
/// sections (a run directory saved with flat keys is read the same way on `--resume`); a key
/// given under both spellings is refused naming both, and section errors name the section.
#[test]
fn flat_names_are_aliases_of_the_nested_config() {
    let d = tempfile::tempdir().expect("tempdir");
    let table = |config_file: Option<PathBuf>, sets: &[&str]| {
        effective_table(
            &WITH_DEEPMD_INPUT,
            &RunOptions {
                config_file,
                sets: sets.iter().map(|s| s.to_string()).collect(),
                quick: true,
                ..Default::default()
            },
        )
    };
    let nested = table(
        None,
        &[
            "descriptor.rcut=4.5",
            "fitting_net.neuron=[8, 8]",
            "training.numb_steps=7",
        ],
    )
    .expect("nested keys");
    let flat =
        table(None, &["rcut=4.5", "fitting_neuron=[8, 8]", "numb_steps=7"]).expect("flat aliases");
    assert_eq!(nested, flat);
    assert_eq!(nested["descriptor"]["rcut"].as_float(), Some(4.5));
    assert!(nested.get("rcut").is_none());

    let flat_file = d.path().join("flat.toml");
    std::fs::write(
        &flat_file,
        "rcut = 4.5\nfitting_neuron = [8, 8]\nnumb_steps = 7\n",
    )
    .expect("write");
    let nested_file = d.path().join("nested.toml");
    std::fs::write(
        &nested_file,
        "[descriptor]\nrcut = 4.5\n[fitting_net]\nneuron = [8, 8]\n[training]\nnumb_steps = 7\n",
    )
    .expect("write");
    assert_eq!(table(Some(flat_file), &[]).expect("flat file"), nested);
    assert_eq!(table(Some(nested_file), &[]).expect("nested file"), nested);

    let both = d.path().join("both.toml");
    std::fs::write(&both, "rcut = 4.5\n[descriptor]\nrcut = 5.0\n").expect("write");
    let e = table(Some(both), &[]).expect_err("two spellings");
    let text = e.to_string();
    assert!(
        text.contains("descriptor.rcut") && text.contains("`rcut`"),
        "{text}"
    );
    assert_eq!(e.exit_code(), 2);

    // Validation names the section, whichever spelling set the value.
    let o = RunOptions {
        sets: vec!["neuron=[0]".into()],
        out: Some(d.path().join("bad")),
        device: Some(ai4s::core::Backend::Flex),
        quick: true,
        quiet: true,
        ..Default::default()
    };
    let e = run_task(&WITH_DEEPMD_INPUT, &o).expect_err("zero width");
    assert!(e.to_string().contains("`descriptor.neuron`"), "{e}");
    assert_eq!(e.exit_code(), 2);
}

/// The example with `precision` set in both networks, tiny sizes, written to `dir`.
fn input_with_precision(dir: &Path, precision: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/deepmd-input.json")).expect("read");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    for net in ["descriptor", "fitting_net"] {
        v["model"][net]["precision"] = serde_json::Value::from(precision);
    }
    v["training"]["training_data"]["systems"] =
        serde_json::json!([root().join("datasets/tb-si-64/train")]);
    let file = dir.join(format!("input_{precision}.json"));
    std::fs::write(&file, v.to_string()).expect("write");
    file
}

/// `"precision": "float64"` trains in float64: the saved weights hold 64-bit floats. (Through
/// the binary: a device's float type is fixed per process, and this test binary trains in f32.)
#[test]
fn float64_input_json_trains_in_float64() {
    let d = tempfile::tempdir().expect("tempdir");
    let file = input_with_precision(d.path(), "float64");
    let out = d.path().join("run");
    let mut args: Vec<String> = ["run", "deep-potential", "--config"]
        .map(String::from)
        .to_vec();
    args.push(file.display().to_string());
    for set in [
        "numb_steps=10",
        "disp_freq=10",
        "neuron=[4, 8]",
        "axis_neuron=2",
        "fitting_neuron=[16, 16]",
    ] {
        args.extend(["--set".into(), set.into()]);
    }
    args.extend([
        "--set".into(),
        format!(
            "test_data={}",
            root().join("datasets/tb-si-64/test").display()
        ),
        "--device".into(),
        "flex".into(),
        "--quiet".into(),
        "--out".into(),
        out.display().to_string(),
    ]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ai4s"))
        .args(&args)
        .output()
        .expect("the ai4s binary starts");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cfg = std::fs::read_to_string(out.join("config.toml")).expect("config.toml");
    assert!(cfg.contains("precision = \"f64\""), "{cfg}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("summary.json")).expect("summary.json"),
    )
    .expect("json");
    let bits = &summary["metrics"]["weight_bits"];
    assert!(bits == 64.0, "weights should be 64-bit floats: {bits}");
    // A backend without float64 is refused, naming the field, before anything is trained.
    if ai4s::core::Backend::Wgpu.is_compiled() {
        let wgpu = d.path().join("wgpu");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ai4s"))
            .args(["run", "deep-potential", "--config"])
            .arg(&file)
            .args(["--device", "wgpu", "--quiet", "--out"])
            .arg(&wgpu)
            .output()
            .expect("the ai4s binary starts");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("precision") && err.contains("float64"),
            "{err}"
        );
        assert!(!wgpu.exists(), "no run directory is left behind");
    }
}

#[test]
fn an_unknown_precision_is_refused_naming_the_key() {
    let d = tempfile::tempdir().expect("tempdir");
    let file = input_with_precision(d.path(), "float128");
    let opts = RunOptions {
        config_file: Some(file.clone()),
        out: Some(d.path().join("run")),
        device: Some(ai4s::core::Backend::Flex),
        quiet: true,
        ..Default::default()
    };
    let e = run_task(&WITH_DEEPMD_INPUT, &opts).expect_err("float128 is refused");
    let s = e.to_string();
    assert_eq!(e.exit_code(), 2, "{s}");
    assert!(s.contains("`model.descriptor.precision`"), "{s}");
    assert!(s.contains("float128"), "{s}");
    assert!(!d.path().join("run").exists());
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
