//! The translation checked key by key, on DeePMD-kit's own example inputs and on bad ones.

use super::*;
use crate::train::DeepPotConfig;
use ai4s_core::TaskConfig;

/// DeePMD-kit's `examples/water/se_e2_a/input_torch.json` (v3), as published.
const WATER_TORCH: &str = r#"{
  "model": {
"type_map": ["O", "H"],
"descriptor": {
  "type": "se_e2_a",
  "sel": [46, 92],
  "rcut_smth": 0.50,
  "rcut": 6.00,
  "neuron": [25, 50, 100],
  "resnet_dt": false,
  "axis_neuron": 16,
  "type_one_side": true,
  "seed": 1,
  "_comment": " that's all"
},
"fitting_net": {
  "neuron": [240, 240, 240],
  "resnet_dt": true,
  "seed": 1,
  "_comment": " that's all"
},
"data_stat_nbatch": 20,
"_comment": " that's all"
  },
  "learning_rate": {
"type": "exp",
"decay_steps": 5000,
"start_lr": 0.001,
"stop_lr": 3.51e-8,
"_comment": "that's all"
  },
  "loss": {
"type": "ener",
"start_pref_e": 0.02,
"limit_pref_e": 1,
"start_pref_f": 1000,
"limit_pref_f": 1,
"_comment": " that's all"
  },
  "training": {
"stat_file": "./se_e2_a",
"training_data": {
  "systems": ["../data/data_0", "../data/data_1", "../data/data_2"],
  "batch_size": 1,
  "_comment": "that's all"
},
"validation_data": {
  "systems": ["../data/data_3"],
  "batch_size": 1,
  "numb_btch": 3,
  "_comment": "that's all"
},
"numb_steps": 100000,
"seed": 10,
"disp_file": "lcurve.out",
"disp_freq": 100,
"save_freq": 10000,
"_comment": "that's all"
  },
  "_comment": "that's all"
}"#;

/// DeePMD-kit's `examples/water/se_e2_a/input.json` (v2 TensorFlow): `type_one_side`
/// left at its default (false) and `batch_size: "auto"`.
const WATER_TF: &str = r#"{
"_comment": " model parameters",
"model": {
	"type_map":	["O", "H"],
	"descriptor" :{
	    "type":		"se_e2_a",
	    "sel":		[46, 92],
	    "rcut_smth":	0.50,
	    "rcut":		6.00,
	    "neuron":		[25, 50, 100],
	    "resnet_dt":	false,
	    "axis_neuron":	16,
	    "seed":		1,
	    "_comment":		" that's all"
	},
	"fitting_net" : {
	    "neuron":		[240, 240, 240],
	    "resnet_dt":	true,
	    "seed":		1,
	    "_comment":		" that's all"
	},
	"_comment":	" that's all"
},
"learning_rate" :{
	"type":		"exp",
	"decay_steps":	5000,
	"start_lr":	0.001,
	"stop_lr":	3.51e-8,
	"_comment":	"that's all"
},
"loss" :{
	"type":		"ener",
	"start_pref_e":	0.02,
	"limit_pref_e":	1,
	"start_pref_f":	1000,
	"limit_pref_f":	1,
	"start_pref_v":	0,
	"limit_pref_v":	0,
	"_comment":	" that's all"
},
"training" : {
	"training_data": {
	    "systems":		["../data/data_0/", "../data/data_1/", "../data/data_2/"],
	    "batch_size":	"auto",
	    "_comment":		"that's all"
	},
	"validation_data":{
	    "systems":		["../data/data_3"],
	    "batch_size":	1,
	    "numb_btch":	3,
	    "_comment":		"that's all"
	},
	"numb_steps":	1000000,
	"seed":		10,
	"disp_file":	"lcurve.out",
	"disp_freq":	100,
	"save_freq":	1000,
	"_comment":	"that's all"
},
"_comment":		"that's all"
}"#;

/// A directory laid out like DeePMD-kit's water example: `se_e2_a/` for the input and
/// `data/data_{0..3}` with 64 O + 128 H atoms (type map written in `order`).
fn water_tree(order: &[&str]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(d.path().join("se_e2_a")).expect("mkdir");
    for k in 0..4 {
        let s = d.path().join(format!("data/data_{k}"));
        std::fs::create_dir_all(&s).expect("mkdir");
        let o = order.iter().position(|t| *t == "O").expect("O");
        let h = order.iter().position(|t| *t == "H").expect("H");
        let types: String = (0..192)
            .map(|i| format!("{}\n", if i < 64 { o } else { h }))
            .collect();
        std::fs::write(s.join("type.raw"), types).expect("write");
        std::fs::write(s.join("type_map.raw"), order.join("\n") + "\n").expect("write");
    }
    d
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

fn translate(dir: &Path, v: Value) -> Result<toml::Table> {
    deepmd_input_to_table(&dir.join("se_e2_a/input.json"), v)
}

fn config(t: toml::Table) -> DeepPotConfig {
    let mut base = ai4s_core::config::to_table(&DeepPotConfig::default()).expect("table");
    ai4s_core::config::merge(&mut base, t);
    let cfg: DeepPotConfig = ai4s_core::config::from_table(base).expect("a valid config");
    cfg.validate().expect("validates");
    cfg
}

fn err_text(r: Result<toml::Table>) -> String {
    let e = r.expect_err("refused");
    assert_eq!(e.exit_code(), 2, "{e}");
    e.to_string()
}

#[test]
fn deepmd_water_example_translates() {
    let d = water_tree(&["O", "H"]);
    let cfg = config(translate(d.path(), parse(WATER_TORCH)).expect("translates"));
    let sys = |k: usize| {
        d.path()
            .join("se_e2_a")
            .join(format!("../data/data_{k}"))
            .display()
            .to_string()
    };
    assert_eq!(
        cfg.data.training_data,
        format!("{},{},{}", sys(0), sys(1), sys(2))
    );
    assert_eq!(cfg.data.validation_data, sys(3));
    assert_eq!(cfg.data.test_data, "");
    assert_eq!(cfg.descriptor.sel, vec![46, 92]);
    // DeePMD-kit's default loss normalisation (1/N), not ai4s's.
    assert!(!cfg.loss.intensive_ener_virial);
    assert_eq!((cfg.descriptor.rcut, cfg.descriptor.rcut_smth), (6.0, 0.5));
    assert_eq!(cfg.descriptor.neuron, vec![25, 50, 100]);
    assert_eq!(cfg.descriptor.axis_neuron, 16);
    assert_eq!(cfg.fitting_net.neuron, vec![240, 240, 240]);
    assert!(cfg.fitting_net.resnet_dt);
    assert_eq!(cfg.training.numb_steps, 100000);
    assert_eq!(cfg.data.batch_size, 1);
    assert_eq!(cfg.training.disp_freq, 100);
    assert_eq!(
        (
            cfg.learning_rate.start_lr,
            cfg.learning_rate.stop_lr,
            cfg.learning_rate.decay_steps
        ),
        (1e-3, 3.51e-8, 5000)
    );
    // The loss omits the virial prefactors: DeePMD-kit's default 0, not ai4s's.
    assert_eq!(
        [
            cfg.loss.start_pref_e,
            cfg.loss.limit_pref_e,
            cfg.loss.start_pref_f,
            cfg.loss.limit_pref_f,
            cfg.loss.start_pref_v,
            cfg.loss.limit_pref_v
        ],
        [0.02, 1.0, 1000.0, 1.0, 0.0, 0.0]
    );
    // No `precision`: DeePMD-kit's "default", float64.
    assert_eq!(cfg.training.precision, ai4s_core::Precision::F64);
}

#[test]
fn precision_is_translated_and_what_ai4s_cannot_train_in_is_refused() {
    use ai4s_core::Precision;
    let d = water_tree(&["O", "H"]);
    let with = |desc: Option<&str>, fit: Option<&str>| {
        let mut v = parse(WATER_TORCH);
        if let Some(p) = desc {
            v["model"]["descriptor"]["precision"] = Value::from(p);
        }
        if let Some(p) = fit {
            v["model"]["fitting_net"]["precision"] = Value::from(p);
        }
        translate(d.path(), v)
    };
    for (desc, fit, want) in [
        (Some("float32"), Some("float32"), Precision::F32),
        (Some("float64"), Some("float64"), Precision::F64),
        (Some("default"), None, Precision::F64),
        (None, Some("float64"), Precision::F64),
    ] {
        let cfg = config(with(desc, fit).expect("translates"));
        assert_eq!(cfg.training.precision, want, "{desc:?} / {fit:?}");
    }
    for (desc, fit, key, words) in [
        (
            Some("float16"),
            Some("float16"),
            "model.descriptor.precision",
            "float32 or float64",
        ),
        (
            None,
            Some("bfloat16"),
            "model.fitting_net.precision",
            "float32 or float64",
        ),
        (
            Some("double"),
            None,
            "model.descriptor.precision",
            "\"double\"",
        ),
        (
            Some("float32"),
            None,
            "model.fitting_net.precision",
            "one precision",
        ),
    ] {
        let e = err_text(with(desc, fit));
        assert!(e.contains(&format!("`{key}`")) && e.contains(words), "{e}");
    }
    let mut v = parse(WATER_TORCH);
    v["model"]["descriptor"]["precision"] = Value::from(64);
    let e = err_text(translate(d.path(), v));
    assert!(e.contains("`model.descriptor.precision`"), "{e}");
}

#[test]
fn v2_example_trains_per_pair_nets_and_auto_batch_uses_the_atom_count() {
    let d = water_tree(&["O", "H"]);
    // Without the key, DeePMD-kit's default: one embedding net per type pair.
    let t = translate(d.path(), parse(WATER_TF)).expect("translates");
    assert_eq!(t["descriptor"]["type_one_side"].as_bool(), Some(false));
    // The run `dp train` describes starts from DeePMD-kit's weight initialisation.
    assert_eq!(t["training"]["weight_init"].as_str(), Some("deepmd"));
    let mut v = parse(WATER_TF);
    v["model"]["descriptor"]["type_one_side"] = Value::Bool(true);
    let t = translate(d.path(), v.clone()).expect("translates");
    assert_eq!(t["descriptor"]["type_one_side"].as_bool(), Some(true));
    // "auto" = at least 32 atoms per batch: one 192-atom frame.
    assert_eq!(t["data"]["batch_size"].as_integer(), Some(1));
    v["training"]["training_data"]["batch_size"] = Value::from("auto:400");
    let t = translate(d.path(), v.clone()).expect("translates");
    assert_eq!(t["data"]["batch_size"].as_integer(), Some(3));
    v["training"]["training_data"]["batch_size"] = Value::from("max:400");
    let t = translate(d.path(), v.clone()).expect("translates");
    assert_eq!(t["data"]["batch_size"].as_integer(), Some(2));
    v["training"]["training_data"]["batch_size"] = serde_json::json!([4, 4, 4]);
    let t = translate(d.path(), v.clone()).expect("translates");
    assert_eq!(t["data"]["batch_size"].as_integer(), Some(4));
    v["training"]["training_data"]["batch_size"] = serde_json::json!([4, 2, 4]);
    let e = err_text(translate(d.path(), v.clone()));
    assert!(e.contains("`training.training_data.batch_size`"), "{e}");
    v["training"]["training_data"]["batch_size"] = serde_json::json!([4, 4]);
    let e = err_text(translate(d.path(), v.clone()));
    assert!(e.contains("one per system"), "{e}");
    v["training"]["training_data"]["batch_size"] = Value::from("mixed:32");
    let e = err_text(translate(d.path(), v.clone()));
    assert!(e.contains("`training.training_data.batch_size`"), "{e}");
    // "auto" needs the systems: a missing one is named.
    v["training"]["training_data"]["batch_size"] = Value::from("auto");
    v["training"]["training_data"]["systems"] = serde_json::json!(["../nowhere"]);
    let e = err_text(translate(d.path(), v));
    assert!(e.contains("nowhere"), "{e}");
}

#[test]
fn model_type_map_is_kept_and_the_data_may_name_its_types_in_another_order() {
    // The data says H, O; the model says O, H: sel stays in the model's order and the systems
    // are remapped when read (System::remap_types), as DeePMD-kit does.
    let d = water_tree(&["H", "O"]);
    let cfg = config(translate(d.path(), parse(WATER_TORCH)).expect("translates"));
    assert_eq!(cfg.descriptor.sel, vec![46, 92]);
    assert_eq!(cfg.data.type_map, vec!["O".to_string(), "H".to_string()]);
    let d = water_tree(&["O", "H"]);
    let mut v = parse(WATER_TORCH);
    v["model"]["type_map"] = serde_json::json!(["O", "C"]);
    let e = err_text(translate(d.path(), v));
    assert!(e.contains("`model.type_map`"), "{e}");
}

#[test]
fn systems_given_as_one_directory_are_found_recursively() {
    let d = water_tree(&["O", "H"]);
    let mut v = parse(WATER_TORCH);
    v["training"]["training_data"]["systems"] = Value::from("../data");
    v["training"]["validation_data"] = Value::Null;
    let cfg = config(translate(d.path(), v).expect("translates"));
    let found: Vec<&str> = cfg.data.training_data.split(',').collect();
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(found[0].ends_with("data_0") && found[3].ends_with("data_3"));
    assert_eq!(cfg.data.validation_data, "");
}

#[test]
fn learning_rate_variants() {
    let d = water_tree(&["O", "H"]);
    let mut v = parse(WATER_TORCH);
    let lr = &mut v["learning_rate"];
    lr.as_object_mut().expect("object").remove("stop_lr");
    let t = translate(d.path(), v.clone()).expect("translates");
    assert_eq!(t["learning_rate"]["stop_lr"].as_float(), Some(5e-8));
    v["learning_rate"]["stop_lr_ratio"] = Value::from(1e-3);
    let t = translate(d.path(), v.clone()).expect("translates");
    assert!((t["learning_rate"]["stop_lr"].as_float().expect("f") - 1e-6).abs() < 1e-18);
    v["learning_rate"]
        .as_object_mut()
        .expect("object")
        .remove("stop_lr_ratio");
    v["learning_rate"]["decay_rate"] = Value::from(0.95);
    let cfg = config(translate(d.path(), v.clone()).expect("translates"));
    // ai4s's per-decay factor is then exactly decay_rate.
    let r = (cfg.learning_rate.stop_lr / cfg.learning_rate.start_lr)
        .powf(cfg.learning_rate.decay_steps as f64 / cfg.training.numb_steps as f64);
    assert!((r - 0.95).abs() < 1e-12, "{r}");
    v["learning_rate"]["type"] = Value::from("cosine");
    let e = err_text(translate(d.path(), v));
    assert!(e.contains("`learning_rate.type`"), "{e}");
}

#[test]
fn keys_ai4s_cannot_honour_are_refused_with_their_path() {
    let d = water_tree(&["O", "H"]);
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "model.descriptor.type",
            Box::new(|v| v["model"]["descriptor"]["type"] = Value::from("se_atten")),
        ),
        (
            "model.descriptor.sel",
            Box::new(|v| v["model"]["descriptor"]["sel"] = Value::from("auto")),
        ),
        (
            "model.descriptor.sel",
            Box::new(|v| v["model"]["descriptor"]["sel"] = serde_json::json!([46])),
        ),
        (
            "model.descriptor.resnet_dt",
            Box::new(|v| v["model"]["descriptor"]["resnet_dt"] = Value::Bool(true)),
        ),
        (
            "model.descriptor.activation_function",
            Box::new(|v| v["model"]["descriptor"]["activation_function"] = Value::from("gelu")),
        ),
        (
            "model.fitting_net.type",
            Box::new(|v| v["model"]["fitting_net"]["type"] = Value::from("dipole")),
        ),
        (
            "model.fitting_net.numb_fparam",
            Box::new(|v| v["model"]["fitting_net"]["numb_fparam"] = Value::from(2)),
        ),
        (
            "model.type_embedding",
            Box::new(|v| v["model"]["type_embedding"] = serde_json::json!({"neuron": [8]})),
        ),
        (
            "loss.start_pref_ae",
            Box::new(|v| v["loss"]["start_pref_ae"] = Value::from(1.0)),
        ),
        (
            "loss.type",
            Box::new(|v| v["loss"]["type"] = Value::from("tensor")),
        ),
        (
            "training.training_data.batch_size",
            Box::new(|v| v["training"]["training_data"]["batch_size"] = Value::from("mixed:4")),
        ),
        (
            "training.training_data.auto_prob",
            Box::new(|v| v["training"]["training_data"]["auto_prob"] = Value::from("prob_uniform")),
        ),
        (
            "training.training_data.systems",
            Box::new(|v| {
                v["training"]["training_data"]["systems"] = Value::from("data.hdf5#/water")
            }),
        ),
        (
            "training.numb_steps",
            Box::new(|v| {
                v["training"]
                    .as_object_mut()
                    .expect("o")
                    .remove("numb_steps");
            }),
        ),
        (
            "training.enable_ema",
            Box::new(|v| v["training"]["enable_ema"] = Value::Bool(true)),
        ),
        (
            "optimizer.type",
            Box::new(|v| v["optimizer"] = serde_json::json!({"type": "LKF"})),
        ),
        // A typo is not silently dropped.
        (
            "model.descriptor.rcut_smoth",
            Box::new(|v| v["model"]["descriptor"]["rcut_smoth"] = Value::from(0.5)),
        ),
    ];
    for (key, edit) in cases {
        let mut v = parse(WATER_TORCH);
        edit(&mut v);
        let e = err_text(translate(d.path(), v));
        assert!(e.contains(&format!("`{key}`")), "{key}: {e}");
    }
    // Harmless keys are accepted.
    let mut v = parse(WATER_TORCH);
    v["training"]["save_ckpt"] = Value::from("model.ckpt");
    v["training"]["numb_test"] = Value::from(10);
    v["model"]["fitting_net"]["rcond"] = Value::from(1e-3);
    v["optimizer"] = serde_json::json!({"type": "Adam", "adam_beta1": 0.9});
    v["loss"]["start_pref_ae"] = Value::from(0);
    v["model"]["descriptor"]["exclude_types"] = serde_json::json!([]);
    translate(d.path(), v).expect("harmless keys are ignored");
    // The v1 layout gets its own hint.
    let e = err_text(deepmd_input_to_table(
        Path::new("in.json"),
        serde_json::json!({"model": {}, "training": {"systems": ["a"]}}),
    ));
    assert!(e.contains("`training.systems`"), "{e}");
}

#[test]
fn the_shipped_example_reproduces_ai4s_defaults() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("examples/deepmd-input.json");
    let v = ai4s_core::config::read_json(&path).expect("example reads");
    let cfg = config(deepmd_input_to_table(&path, v).expect("translates"));
    let def = DeepPotConfig::default();
    assert_eq!(
        std::fs::canonicalize(&cfg.data.training_data).expect("exists"),
        std::fs::canonicalize(root.join(&def.data.training_data)).expect("exists")
    );
    // The example names the shipped data's one element; the default takes it from the data.
    assert_eq!(cfg.data.type_map, vec!["Si".to_string()]);
    // An input.json starts from DeePMD-kit's initialisation; ai4s's default is burn's.
    assert_eq!(cfg.training.weight_init, crate::model::WeightInit::Deepmd);
    let strip = |c: &DeepPotConfig| {
        let mut c = c.clone();
        c.data.training_data.clear();
        c.data.validation_data.clear();
        c.data.test_data.clear();
        c.data.type_map.clear();
        c.training.weight_init = crate::model::WeightInit::Burn;
        c
    };
    assert_eq!(
        toml::to_string(&strip(&cfg)).expect("toml"),
        toml::to_string(&strip(&def)).expect("toml")
    );
    assert_eq!(cfg.data.validation_data, def.data.validation_data);
}
