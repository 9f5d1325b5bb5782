//! Exchange with DeePMD-kit's native model document: export then import gives the same
//! predictions, the document has DeePMD-kit 3.2's layout, and malformed or unsupported files
//! are refused with the key named.

use ai4s::potential::deepmd::read_system;
use ai4s::potential::dpmodel::{self, export, import, import_file, parse, save_native};
use ai4s::potential::env::{self, EnvSpec};
use ai4s::potential::meta::ModelMeta;
use ai4s::potential::model::{DeepPot, NetLayout, NetSpec};
use ai4s::potential::model_file::predict_model;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/tb-si-64/test")
}

fn device() -> burn::tensor::Device {
    ai4s::core::device::test_device(ai4s::core::device::Precision::F64, 7)
}

/// A small untrained model with data statistics and an energy bias, in the given layout.
fn small_model(type_one_side: bool) -> (DeepPot, ModelMeta) {
    let dev = device();
    let data = test_data();
    let sys = read_system(&data, None).expect("test frames");
    let spec = EnvSpec {
        rcut: 5.0,
        rcut_smth: 0.5,
        sel: vec![48],
    };
    let stats = env::stats(&spec, &[(&sys, data.as_path())], 1).expect("stats");
    let net = NetSpec {
        neuron: vec![4, 8, 16],
        axis_neuron: 4,
        fitting_neuron: vec![12, 12, 12],
    };
    let layout = NetLayout {
        type_one_side,
        ..NetLayout::resnet_dt_fitting(&net)
    };
    assert_eq!(layout.fitting_idt, vec![false, true, true]);
    let model = DeepPot::with_layout(&net, &spec.sel, &layout, &dev);
    let meta = ModelMeta {
        type_map: vec!["Si".into()],
        env: spec,
        net,
        stats,
        bias: vec![-4.6],
    };
    (model, meta)
}

fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs() / scale))
}

#[test]
fn export_then_import_gives_identical_predictions() {
    let data = test_data();
    let data = data.to_str().expect("utf-8 path");
    for type_one_side in [true, false] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (model, meta) = small_model(type_one_side);
        let bpk = save_native(&model, &meta, &dir.path().join("native")).expect("save");
        // Native weights -> DeePMD-kit document -> predictions.
        let (loaded, loaded_meta) =
            ai4s::potential::model_file::load_model(&bpk, &device()).expect("load native");
        assert_eq!(loaded.layout(), model.layout());
        let yaml = dir.path().join("model.yaml");
        dpmodel::export_file(&loaded, &loaded_meta, &yaml).expect("export");
        let native = predict_model(&bpk, data, &device()).expect("native predictions");
        let imported = predict_model(&yaml, data, &device()).expect("imported predictions");
        assert_eq!(native.len(), 1);
        let (a, b) = (&native[0], &imported[0]);
        assert!(a.frames >= 2);
        assert!(max_rel_diff(&a.energy, &b.energy) < 1e-14, "energies");
        assert!(max_rel_diff(&a.forces, &b.forces) < 1e-12, "forces");
        assert!(max_rel_diff(&a.virial, &b.virial) < 1e-12, "virials");
        assert!(
            a.forces.iter().any(|f| f.abs() > 1e-3),
            "non-trivial forces"
        );
        // Import then export reproduces the document; import -> save -> load keeps predictions.
        let doc = export(&loaded, &loaded_meta).expect("export");
        let (m2, meta2) = import(&doc, &device()).expect("import");
        assert_eq!(export(&m2, &meta2).expect("export again"), doc);
        let again = save_native(&m2, &meta2, &dir.path().join("again")).expect("save");
        let c = &predict_model(&again, data, &device()).expect("predictions")[0];
        assert!(max_rel_diff(&a.energy, &c.energy) < 1e-14);
        assert!(max_rel_diff(&a.forces, &c.forces) < 1e-12);
    }
}

/// The skeleton of a document: every key path with its scalar value or array shape.
fn skeleton(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) if m.get("@class").and_then(Value::as_str) == Some("np.ndarray") => {
            let mut shape = Vec::new();
            let mut x = &m["value"];
            while let Some(a) = x.as_array() {
                shape.push(a.len().to_string());
                x = &a[0];
            }
            out.push((
                path.into(),
                format!("\"<float64 array, shape [{}]>\"", shape.join(", ")),
            ));
        }
        Value::Object(m) => {
            for (k, x) in m {
                skeleton(x, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) if a.iter().any(Value::is_object) => {
            for (k, x) in a.iter().enumerate() {
                skeleton(x, &format!("{path}[{k}]"), out);
            }
        }
        other => out.push((path.into(), other.to_string())),
    }
}

#[test]
fn exported_document_has_deepmd_kit_layout() {
    // The sizes of the reference document (DeePMD-kit 3.2, se_e2_a, one type `Cu`).
    let dev = device();
    let spec = EnvSpec {
        rcut: 5.0,
        rcut_smth: 0.5,
        sel: vec![60],
    };
    let net = NetSpec {
        neuron: vec![25, 50, 100],
        axis_neuron: 16,
        fitting_neuron: vec![240, 240, 240],
    };
    let layout = NetLayout {
        type_one_side: false,
        ..NetLayout::resnet_dt_fitting(&net)
    };
    let model = DeepPot::with_layout(&net, &spec.sel, &layout, &dev);
    let meta = ModelMeta {
        type_map: vec!["Cu".into()],
        env: spec,
        net,
        stats: ai4s::potential::env::EnvStats {
            davg: vec![[0.1, 0.0, 0.0, 0.0]],
            dstd: vec![[0.2, 0.3, 0.3, 0.3]],
        },
        bias: vec![-3.0],
    };
    let doc = export(&model, &meta).expect("export");
    let text = dpmodel::to_text(&doc).expect("text");
    // Floats carry a dot and a signed exponent, so PyYAML reads them as floats.
    assert!(
        text.contains("\"rcut\": 5.0e+0,") && text.contains("[[[1.0e+0]]]"),
        "float format"
    );
    // Every number reads back bit for bit.
    assert!(
        parse(&text).expect("parses") == doc,
        "the text does not read back exactly"
    );
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/deepmd_se_e2_a_layout.json"),
        )
        .expect("reference layout"),
    )
    .expect("json");
    let (mut want, mut got) = (Vec::new(), Vec::new());
    skeleton(&reference["model"], "model", &mut want);
    skeleton(&doc["model"], "model", &mut got);
    // `model_def_script` (the training input) and `min_nbor_dist` (model compression only) are
    // not part of the model.
    assert_eq!(got, want);
    assert_eq!(doc["software"], "deepmd-kit");
}

fn exported_doc() -> Value {
    let (model, meta) = small_model(true);
    export(&model, &meta).expect("export")
}

fn import_err(doc: &Value) -> String {
    match import(doc, &device()) {
        Ok(_) => panic!("a malformed document was accepted"),
        Err(e) => e,
    }
}

#[test]
fn unsupported_and_malformed_documents_are_refused_with_the_key_named() {
    let mut d = exported_doc();
    d["model"]["descriptor"]["type"] = "se_atten".into();
    let e = import_err(&d);
    assert!(
        e.contains("model.descriptor.type") && e.contains("se_atten") && e.contains("se_e2_a"),
        "{e}"
    );

    let mut d = exported_doc();
    d["model"]["fitting"]["type"] = "dipole".into();
    assert!(import_err(&d).contains("model.fitting.type"));

    let mut d = exported_doc();
    let layer = &mut d["model"]["fitting"]["nets"]["networks"][0]["layers"][1]["@variables"];
    layer.as_object_mut().expect("map").remove("w");
    let e = import_err(&d);
    assert!(
        e.contains("model.fitting.nets.networks[0].layers[1].@variables.w")
            && e.contains("missing"),
        "{e}"
    );

    let mut d = exported_doc();
    d["model"]["descriptor"]["@variables"]["davg"]["value"][0]
        .as_array_mut()
        .expect("slots")
        .pop();
    let e = import_err(&d);
    assert!(
        e.contains("model.descriptor.@variables.davg") && e.contains("shape [1, 47, 4]"),
        "{e}"
    );

    let mut d = exported_doc();
    d["model"]["descriptor"]["embeddings"]["networks"][0]["layers"][2]["@variables"]["b"]["dtype"] =
        "int64".into();
    let e = import_err(&d);
    assert!(
        e.contains("layers[2].@variables.b.dtype") && e.contains("int64"),
        "{e}"
    );

    let mut d = exported_doc();
    d["model"]["descriptor"]["@variables"]["dstd"]["value"][0][3][1] = 0.5.into();
    let e = import_err(&d);
    assert!(e.contains("dstd") && e.contains("slots 0 and 3"), "{e}");

    let mut d = exported_doc();
    d["model"]["fitting"]["numb_fparam"] = 2.into();
    assert!(import_err(&d).contains("model.fitting.numb_fparam"));

    let mut d = exported_doc();
    d["model"]["fitting"]["@variables"]["bias_atom_e"] = Value::Null;
    let e = import_err(&d);
    assert!(e.contains("bias_atom_e") && e.contains("missing"), "{e}");

    // Files: not a document at all, and the error names the file.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "model: [1, 2\n").expect("write");
    let e = import_file(&bad, &device())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("bad.yaml") && e.contains("YAML"), "{e}");
}

#[test]
fn block_yaml_as_deepmd_kit_writes_it_is_read() {
    // `yaml.safe_dump` style: block mappings and block sequences of sequences.
    let yaml = "model:\n  '@variables':\n    out_bias:\n      '@class': np.ndarray\n      '@is_variable': true\n      '@version': 1\n      dtype: float64\n      value:\n      - - - -1.5\n        - - 2.0e-05\n  type: standard\nsoftware: deepmd-kit\n";
    let v = parse(yaml).expect("yaml");
    assert_eq!(
        v["model"]["@variables"]["out_bias"]["value"],
        serde_json::json!([[[-1.5], [2.0e-5]]])
    );
    assert_eq!(v["model"]["type"], "standard");
}
