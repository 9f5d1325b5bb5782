//! Exchange of Deep Potential models with DeePMD-kit through its native (v3) model document.
//!
//! DeePMD-kit 3 serialises a model as a nested document (`dp convert-backend model.pb
//! model.yaml` writes it, and reads it back into any backend): `model.descriptor` (here only
//! `se_e2_a`), `model.fitting` (`ener`) and the model's `out_bias`/`out_std`, with every array
//! stored as `{"@class": "np.ndarray", "@is_variable": true, "@version": 1, "dtype": "float64",
//! "value": [nested lists]}`. The ai4s model is DeePMD-kit's se_e2_a + `ener` fitting exactly
//! (same environment matrix, `davg`/`dstd` normalisation of empty slots, embedding and fitting
//! layer rule `y = r(x) + idt * tanh(x W + b)`, `G^T R R^T G< / Nc^2` descriptor, per-type
//! `bias_atom_e`), so the conversion copies numbers and never approximates:
//!
//! - `davg`, `dstd` (`[ntypes, nnei, 4]` in DeePMD-kit) are our per-type rows repeated over
//!   the neighbour slots; an imported file whose rows differ between slots is refused.
//! - our per-type energy bias is `fitting.@variables.bias_atom_e` (`[ntypes, 1]`); the model's
//!   `out_bias` (`[1, ntypes, 1]`) is written as zero and `out_std` as one, as DeePMD-kit's
//!   TensorFlow backend does; on import the atomic bias is `bias_atom_e + out_bias` (DeePMD-kit
//!   adds both; `out_std` does not enter an energy model).
//! - embedding nets are `NetworkCollection`s with `ndim = 1` (`type_one_side`, one net per
//!   neighbour type) or `ndim = 2` (one per pair, index `centre + neighbour * ntypes`).
//!
//! The writer emits JSON, which is YAML, with every float written with a decimal point and a
//! signed exponent (`1.0e-5`, not `1e-5`) so that PyYAML's YAML 1.1 resolver reads it as a
//! float. The reader takes JSON, or the block YAML that DeePMD-kit's `yaml.safe_dump` writes.

use crate::env::{EnvSpec, EnvStats};
use crate::model::{DeepPot, LayerArrays, NetSpec, ResNet};
use crate::train::{ModelMeta, SystemPrediction, check_meta, meta_toml};
use ai4s_core::burn::tensor::Device;
use ai4s_core::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The DeePMD-kit version whose layout the export follows.
pub const DEEPMD_VERSION: &str = "3.2.0";

fn nd_array(value: Value) -> Value {
    json!({
        "@class": "np.ndarray",
        "@is_variable": true,
        "@version": 1,
        "dtype": "float64",
        "value": value,
    })
}

/// Nested lists of `shape` from row-major `v`.
fn nested(v: &[f64], shape: &[usize]) -> Value {
    match shape {
        [] => json!(v.first().copied().unwrap_or(0.0)),
        [n] => Value::Array(v.iter().take(*n).map(|x| json!(x)).collect()),
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            Value::Array(
                (0..*n)
                    .map(|k| nested(&v[k * stride..(k + 1) * stride], rest))
                    .collect(),
            )
        }
    }
}

fn layer_doc(l: &LayerArrays, activation: &str, resnet: bool) -> Value {
    json!({
        "@class": "Layer",
        "@version": 2,
        "bias": true,
        "use_timestep": l.idt.is_some(),
        "activation_function": activation,
        "resnet": resnet,
        "precision": "float64",
        "trainable": true,
        "@variables": {
            "w": nd_array(nested(&l.w, &[l.d_in, l.d_out])),
            "b": nd_array(nested(&l.b, &[l.d_out])),
            "idt": l.idt.as_ref().map_or(Value::Null, |v| nd_array(nested(v, &[l.d_out]))),
        },
    })
}

/// The DeePMD-kit v3 document of `model` described by `meta`.
pub fn export(model: &DeepPot, meta: &ModelMeta) -> Result<Value> {
    check_meta(meta).map_err(Error::Runtime)?;
    let ntypes = meta.type_map.len();
    let nnei = meta.env.nnei();
    let (neuron, axis, fitting_neuron) = (
        &meta.net.neuron,
        meta.net.axis_neuron,
        &meta.net.fitting_neuron,
    );
    let layout = model.layout();
    let m1 = neuron.last().copied().unwrap_or(1);
    let embed_resnet_dt = layout.embedding_idt.iter().any(|&b| b);
    let fit_resnet_dt = layout.fitting_idt.iter().any(|&b| b);
    let embeddings = model
        .embedding_nets()
        .iter()
        .map(|net| {
            let layers = net.to_arrays()?;
            Ok(json!({
                "@class": "EmbeddingNetwork",
                "@version": 2,
                "in_dim": 1,
                "neuron": neuron,
                "activation_function": "tanh",
                "resnet_dt": embed_resnet_dt,
                "bias": true,
                "precision": "float64",
                "layers": layers.iter().map(|l| layer_doc(l, "tanh", true)).collect::<Vec<_>>(),
            }))
        })
        .collect::<Result<Vec<_>>>()?;
    let fittings = (0..ntypes)
        .map(|t| {
            let mut layers: Vec<Value> = model.fitting_nets()[t]
                .to_arrays()?
                .iter()
                .map(|l| layer_doc(l, "tanh", true))
                .collect();
            layers.push(layer_doc(&model.output_layer(t)?, "none", false));
            Ok(json!({
                "@class": "FittingNetwork",
                "@version": 1,
                "in_dim": m1 * axis,
                "out_dim": 1,
                "neuron": fitting_neuron,
                "activation_function": "tanh",
                "resnet_dt": fit_resnet_dt,
                "precision": "float64",
                "bias_out": true,
                "layers": layers,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
    let per_slot = |rows: &[[f64; 4]]| {
        let v: Vec<f64> = rows
            .iter()
            .flat_map(|r| std::iter::repeat_n(r, nnei).flatten().copied())
            .collect();
        nd_array(nested(&v, &[ntypes, nnei, 4]))
    };
    let env = &meta.env;
    let type_one_side = layout.type_one_side;
    let descriptor = json!({
        "@class": "Descriptor",
        "type": "se_e2_a",
        "@version": 2,
        "rcut": env.rcut,
        "rcut_smth": env.rcut_smth,
        "sel": env.sel,
        "neuron": neuron,
        "axis_neuron": axis,
        "resnet_dt": embed_resnet_dt,
        "trainable": true,
        "type_one_side": type_one_side,
        "exclude_types": [],
        "env_protection": 0.0,
        "set_davg_zero": false,
        "activation_function": "tanh",
        "precision": "float64",
        "embeddings": {
            "@class": "NetworkCollection",
            "@version": 1,
            "ndim": if type_one_side { 1 } else { 2 },
            "ntypes": ntypes,
            "network_type": "embedding_network",
            "networks": embeddings,
        },
        "env_mat": {
            "rcut": env.rcut,
            "rcut_smth": env.rcut_smth,
            "protection": 0.0,
            "use_exp_switch": false,
        },
        "@variables": {
            "davg": per_slot(&meta.stats.davg),
            "dstd": per_slot(&meta.stats.dstd),
        },
        "type_map": meta.type_map,
        "spin": null,
    });
    let fitting = json!({
        "@class": "Fitting",
        "type": "ener",
        "@version": 4,
        "var_name": "energy",
        "ntypes": ntypes,
        "dim_descrpt": m1 * axis,
        "mixed_types": false,
        "dim_out": 1,
        "neuron": fitting_neuron,
        "resnet_dt": fit_resnet_dt,
        "numb_fparam": 0,
        "numb_aparam": 0,
        "dim_case_embd": 0,
        "default_fparam": null,
        "rcond": null,
        "tot_ener_zero": false,
        "trainable": vec![true; fitting_neuron.len() + 1],
        "atom_ener": [],
        "activation_function": "tanh",
        "precision": "float64",
        "layer_name": null,
        "use_aparam_as_mask": false,
        "spin": null,
        "exclude_types": [],
        "nets": {
            "@class": "NetworkCollection",
            "@version": 1,
            "ndim": 1,
            "ntypes": ntypes,
            "network_type": "fitting_network",
            "networks": fittings,
        },
        "@variables": {
            "bias_atom_e": nd_array(nested(&meta.bias, &[ntypes, 1])),
            "fparam_avg": null,
            "fparam_inv_std": null,
            "aparam_avg": null,
            "aparam_inv_std": null,
            "case_embd": null,
        },
        "type_map": meta.type_map,
    });
    let model_doc = json!({
        "@class": "Model",
        "type": "standard",
        "@version": 2,
        "type_map": meta.type_map,
        "descriptor": descriptor,
        "fitting": fitting,
        "atom_exclude_types": [],
        "pair_exclude_types": [],
        "rcond": null,
        "preset_out_bias": null,
        "@variables": {
            "out_bias": nd_array(nested(&vec![0.0; ntypes], &[1, ntypes, 1])),
            "out_std": nd_array(nested(&vec![1.0; ntypes], &[1, ntypes, 1])),
        },
    });
    let def_script = json!({
        "type_map": meta.type_map,
        "descriptor": {
            "type": "se_e2_a",
            "sel": env.sel,
            "rcut_smth": env.rcut_smth,
            "rcut": env.rcut,
            "neuron": neuron,
            "resnet_dt": embed_resnet_dt,
            "axis_neuron": axis,
            "activation_function": "tanh",
            "type_one_side": type_one_side,
            "precision": "float64",
        },
        "fitting_net": {
            "type": "ener",
            "neuron": fitting_neuron,
            "resnet_dt": fit_resnet_dt,
            "activation_function": "tanh",
            "precision": "float64",
        },
    });
    let doc = json!({
        "software": "deepmd-kit",
        "version": DEEPMD_VERSION,
        "backend": "ai4s",
        "model": model_doc,
        "model_def_script": def_script,
    });
    Ok(doc)
}

/// Writes `doc` as JSON (which is also YAML) with floats that YAML 1.1 readers take as floats.
pub fn to_text(doc: &Value) -> Result<String> {
    let mut out = String::new();
    write_value(doc, 0, &mut out)?;
    out.push('\n');
    Ok(out)
}

fn float_text(x: f64) -> Result<String> {
    if !x.is_finite() {
        return Err(Error::Runtime(format!(
            "the model holds a non-finite number ({x}); it cannot be exported"
        )));
    }
    // Shortest round-trip digits, then `d.ddde[+-]x` (PyYAML needs the dot and the sign).
    let s = format!("{x:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mant = if mant.contains('.') {
        mant.to_string()
    } else {
        format!("{mant}.0")
    };
    let exp = if exp.starts_with('-') {
        exp.to_string()
    } else {
        format!("+{exp}")
    };
    Ok(format!("{mant}e{exp}"))
}

fn write_value(v: &Value, indent: usize, out: &mut String) -> Result<()> {
    let pad = |n: usize| " ".repeat(n);
    match v {
        Value::Number(n) if n.is_f64() => out.push_str(&float_text(n.as_f64().unwrap_or(0.0))?),
        Value::Array(items) if items.iter().all(|x| !x.is_object()) => {
            // Arrays of numbers (and nested lists of them) on one line.
            out.push('[');
            for (k, x) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_value(x, indent, out)?;
            }
            out.push(']');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (k, x) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_value(x, indent + 1, out)?;
                out.push_str(if k + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (k, (key, x)) in map.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_value(x, indent + 1, out)?;
                out.push_str(if k + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
    Ok(())
}

/// Exports `model` (with `meta`) to the DeePMD-kit document `out` (`.yaml`, or `.json`).
pub fn export_file(model: &DeepPot, meta: &ModelMeta, out: &Path) -> Result<()> {
    let text = to_text(&export(model, meta)?)?;
    ai4s_core::io::write_atomic(out, text.as_bytes())
}

/// A position in the document, for error messages that name the key.
#[derive(Clone)]
struct Node<'a> {
    v: &'a Value,
    path: String,
}

type Res<T> = std::result::Result<T, String>;

impl<'a> Node<'a> {
    fn obj(&self) -> Res<&'a Map<String, Value>> {
        self.v
            .as_object()
            .ok_or_else(|| format!("{}: expected a mapping", self.path))
    }

    fn get(&self, key: &str) -> Res<Node<'a>> {
        let path = format!("{}.{key}", self.path);
        let v = self
            .obj()?
            .get(key)
            .ok_or_else(|| format!("{path}: missing"))?;
        Ok(Node { v, path })
    }

    fn str(&self) -> Res<&'a str> {
        self.v
            .as_str()
            .ok_or_else(|| format!("{}: expected a string", self.path))
    }

    fn f64(&self) -> Res<f64> {
        self.v
            .as_f64()
            .ok_or_else(|| format!("{}: expected a number", self.path))
    }

    fn bool(&self) -> Res<bool> {
        self.v
            .as_bool()
            .ok_or_else(|| format!("{}: expected true or false", self.path))
    }

    fn usize(&self) -> Res<usize> {
        self.v
            .as_u64()
            .map(|x| x as usize)
            .ok_or_else(|| format!("{}: expected a non-negative integer", self.path))
    }

    fn usizes(&self) -> Res<Vec<usize>> {
        self.v
            .as_array()
            .and_then(|a| a.iter().map(|x| x.as_u64().map(|x| x as usize)).collect())
            .ok_or_else(|| format!("{}: expected a list of non-negative integers", self.path))
    }

    fn list(&self) -> Res<&'a Vec<Value>> {
        self.v
            .as_array()
            .ok_or_else(|| format!("{}: expected a list", self.path))
    }

    /// A `np.ndarray` of exactly `shape`, flattened row-major.
    fn array(&self, shape: &[usize]) -> Res<Vec<f64>> {
        let p = &self.path;
        if self.v.is_null() {
            return Err(format!(
                "{p}: missing array (null), expected shape {shape:?}"
            ));
        }
        let o = self.obj()?;
        if o.get("@class").and_then(Value::as_str) != Some("np.ndarray") {
            return Err(format!(
                "{p}: expected an array {{\"@class\": \"np.ndarray\", ...}}"
            ));
        }
        match o.get("dtype").and_then(Value::as_str) {
            Some("float64" | "float32") => {}
            other => {
                return Err(format!(
                    "{p}.dtype: {other:?} is not supported; expected \"float64\" (or \"float32\")"
                ));
            }
        }
        let value = o
            .get("value")
            .ok_or_else(|| format!("{p}.value: missing"))?;
        let mut found = Vec::new();
        let mut v = value;
        while let Some(a) = v.as_array() {
            found.push(a.len());
            match a.first() {
                Some(x) => v = x,
                None => break,
            }
        }
        if found != shape {
            return Err(format!("{p}: shape {found:?}, expected {shape:?}"));
        }
        let mut flat = Vec::with_capacity(shape.iter().product());
        flatten(value, shape, p, &mut flat)?;
        Ok(flat)
    }
}

fn flatten(v: &Value, shape: &[usize], p: &str, out: &mut Vec<f64>) -> Res<()> {
    match shape {
        [] => out.push(
            v.as_f64()
                .ok_or_else(|| format!("{p}: {v} is not a number"))?,
        ),
        [n, rest @ ..] => {
            let a = v
                .as_array()
                .filter(|a| a.len() == *n)
                .ok_or_else(|| format!("{p}: ragged array, expected shape {shape:?}"))?;
            for x in a {
                flatten(x, rest, p, out)?;
            }
        }
    }
    Ok(())
}

/// Checks `node.key == want` (string), naming the key otherwise.
fn expect_str(node: &Node, key: &str, want: &str, what: &str) -> Res<()> {
    let n = node.get(key)?;
    let got = n.str()?;
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{}: `{got}` is not supported; ai4s reads {what} `{want}` only",
            n.path
        ))
    }
}

/// Checks that an optional feature is switched off (`false`, `0`, empty list or null).
fn expect_off(node: &Node, key: &str) -> Res<()> {
    let Some(v) = node.obj()?.get(key) else {
        return Ok(());
    };
    let off = v.is_null()
        || v.as_bool() == Some(false)
        || v.as_f64() == Some(0.0)
        || v.as_array().is_some_and(Vec::is_empty);
    if off {
        Ok(())
    } else {
        Err(format!(
            "{}.{key}: {v} is not supported by ai4s (only the default off)",
            node.path
        ))
    }
}

/// Reads one `EmbeddingNetwork`/`FittingNetwork`: hidden layers (tanh, residual rule) and, for
/// a fitting net, the linear output layer.
fn read_net(net: &Node, in_dim: usize, widths: &[usize], output: bool) -> Res<Vec<LayerArrays>> {
    let layers = net.get("layers")?;
    let p = &layers.path;
    let list = layers.list()?;
    let n = widths.len() + usize::from(output);
    if list.len() != n {
        return Err(format!("{p}: {} layers, expected {n}", list.len()));
    }
    let mut out = Vec::with_capacity(n);
    let mut d_in = in_dim;
    for (k, v) in list.iter().enumerate() {
        let lp = format!("{p}[{k}]");
        let layer = Node { v, path: lp };
        let last = output && k == widths.len();
        let d_out = if last { 1 } else { widths[k] };
        expect_str(
            &layer,
            "activation_function",
            if last { "none" } else { "tanh" },
            "activation",
        )?;
        let q = &layer.path;
        if !layer.get("bias")?.bool()? {
            return Err(format!("{q}.bias: layers without bias are not supported"));
        }
        let resnet = layer.get("resnet")?.bool()?;
        let residual = d_out == d_in || d_out == 2 * d_in;
        if !last && residual && !resnet {
            return Err(format!(
                "{q}.resnet: a {d_in} -> {d_out} layer without the residual connection is not supported"
            ));
        }
        let vars = layer.get("@variables")?;
        let w = vars.get("w")?.array(&[d_in, d_out])?;
        let b = vars.get("b")?.array(&[d_out])?;
        let idt_node = vars.get("idt").ok();
        let idt = match idt_node {
            Some(node) if !node.v.is_null() => {
                if last {
                    return Err(format!("{}: the output layer cannot carry idt", node.path));
                }
                Some(node.array(&[d_out])?)
            }
            _ => None,
        };
        out.push(LayerArrays {
            d_in,
            d_out,
            w,
            b,
            idt,
        });
        d_in = d_out;
    }
    Ok(out)
}

fn networks<'a>(coll: &Node<'a>, want: usize, ndim: usize) -> Res<Node<'a>> {
    let got_ndim = coll.get("ndim")?.usize()?;
    if got_ndim != ndim {
        return Err(format!("{}.ndim: {got_ndim}, expected {ndim}", coll.path));
    }
    let nets = coll.get("networks")?;
    let len = nets.list()?.len();
    if len != want {
        return Err(format!("{}: {len} networks, expected {want}", nets.path));
    }
    Ok(nets)
}

/// Reads a DeePMD-kit v3 document into a model and its description.
pub fn import(doc: &Value, device: &Device) -> Res<(DeepPot, ModelMeta)> {
    let root = Node {
        v: doc,
        path: String::new(),
    };
    let model = root.get("model")?;
    let model = Node {
        v: model.v,
        path: "model".to_string(),
    };
    expect_str(&model, "type", "standard", "model type")?;
    let desc = model.get("descriptor")?;
    expect_str(&desc, "type", "se_e2_a", "descriptor type")?;
    let fit = model.get("fitting")?;
    expect_str(&fit, "type", "ener", "fitting type")?;
    let tm = model.get("type_map")?;
    let p = tm.path.clone();
    let type_map: Vec<String> = tm
        .list()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{p}: expected a list of element names"))?;
    let ntypes = type_map.len();
    if ntypes == 0 {
        return Err(format!("{p}: empty"));
    }
    for key in ["exclude_types", "env_protection", "set_davg_zero", "spin"] {
        expect_off(&desc, key)?;
    }
    for key in [
        "numb_fparam",
        "numb_aparam",
        "dim_case_embd",
        "exclude_types",
        "atom_ener",
        "tot_ener_zero",
        "use_aparam_as_mask",
        "spin",
        "mixed_types",
    ] {
        expect_off(&fit, key)?;
    }
    for key in [
        "atom_exclude_types",
        "pair_exclude_types",
        "preset_out_bias",
    ] {
        expect_off(&model, key)?;
    }
    expect_str(&desc, "activation_function", "tanh", "activation")?;
    expect_str(&fit, "activation_function", "tanh", "activation")?;
    if let Ok(em) = desc.get("env_mat") {
        expect_off(&em, "use_exp_switch")?;
        expect_off(&em, "protection")?;
    }
    let env = EnvSpec {
        rcut: desc.get("rcut")?.f64()?,
        rcut_smth: desc.get("rcut_smth")?.f64()?,
        sel: desc.get("sel")?.usizes()?,
    };
    if env.sel.len() != ntypes {
        return Err(format!(
            "model.descriptor.sel: {} entries for {ntypes} types {type_map:?}",
            env.sel.len()
        ));
    }
    // Before anything is sized by the neighbour counts (their sum overflowed on garbage).
    env.validate().map_err(|e| match e {
        Error::Config { field, message } => format!("model.descriptor.{field}: {message}"),
        other => other.to_string(),
    })?;
    let net = NetSpec {
        neuron: desc.get("neuron")?.usizes()?,
        axis_neuron: desc.get("axis_neuron")?.usize()?,
        fitting_neuron: fit.get("neuron")?.usizes()?,
    };
    let m1 = net.neuron.last().copied().unwrap_or(0);
    let type_one_side = desc.get("type_one_side")?.bool()?;
    let nnei = env.nnei();
    // Environment statistics, one row per type repeated over the slots.
    let vars = desc.get("@variables")?;
    let per_type = |key: &str| -> Res<Vec<[f64; 4]>> {
        let node = vars.get(key)?;
        let q = &node.path;
        let v = node.array(&[ntypes, nnei, 4])?;
        (0..ntypes)
            .map(|t| {
                let first = [v[t * nnei * 4], v[t * nnei * 4 + 1], v[t * nnei * 4 + 2], v[t * nnei * 4 + 3]];
                for s in 0..nnei {
                    let row = &v[(t * nnei + s) * 4..(t * nnei + s + 1) * 4];
                    if row != first {
                        return Err(format!(
                            "{q}: type {t} has different rows in neighbour slots 0 and {s}; ai4s keeps one row per type"
                        ));
                    }
                }
                Ok(first)
            })
            .collect()
    };
    let stats = EnvStats {
        davg: per_type("davg")?,
        dstd: per_type("dstd")?,
    };
    if let Some((t, _)) = stats.dstd.iter().enumerate().find(|(_, r)| {
        r.iter()
            .any(|&x| x.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater))
    }) {
        return Err(format!(
            "model.descriptor.@variables.dstd: type {t} has a non-positive standard deviation"
        ));
    }
    let mut bias = {
        let fv = fit.get("@variables")?;
        fv.get("bias_atom_e")?.array(&[ntypes, 1])?
    };
    if let Ok(mv) = model.get("@variables")
        && let Ok(ob) = mv.get("out_bias")
        && !ob.v.is_null()
    {
        let ob = ob.array(&[1, ntypes, 1])?;
        for (b, o) in bias.iter_mut().zip(ob) {
            *b += o;
        }
    }
    let meta = ModelMeta {
        type_map,
        env,
        net,
        stats,
        bias,
    };
    check_meta(&meta)?;
    // Networks.
    let coll = desc.get("embeddings")?;
    let n_embed = if type_one_side {
        ntypes
    } else {
        ntypes * ntypes
    };
    let nets = networks(&coll, n_embed, if type_one_side { 1 } else { 2 })?;
    let embed = nets
        .list()?
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let path = format!("{}[{k}]", nets.path);
            let layers = read_net(&Node { v, path }, 1, &meta.net.neuron, false)?;
            Ok(ResNet::from_arrays(&layers, device))
        })
        .collect::<Res<Vec<_>>>()?;
    let coll = fit.get("nets")?;
    let nets = networks(&coll, ntypes, 1)?;
    let mut fits = Vec::with_capacity(ntypes);
    let mut outs = Vec::with_capacity(ntypes);
    for (k, v) in nets.list()?.iter().enumerate() {
        let path = format!("{}[{k}]", nets.path);
        let mut layers = read_net(
            &Node { v, path },
            m1 * meta.net.axis_neuron,
            &meta.net.fitting_neuron,
            true,
        )?;
        outs.extend(layers.pop());
        fits.push(ResNet::from_arrays(&layers, device));
    }
    let model = DeepPot::from_parts(
        embed,
        fits,
        outs,
        &meta.env.sel,
        meta.net.axis_neuron,
        type_one_side,
        device,
    );
    Ok((model, meta))
}

/// Parses a DeePMD-kit document, YAML or JSON (JSON is YAML). Numbers are read with Rust's
/// correctly rounded float parser, so an exported document reads back bit for bit.
pub fn parse(text: &str) -> Res<Value> {
    if let Some(line) = flow_too_deep(text) {
        return Err(format!(
            "not a model document: brackets nested deeper than {MAX_FLOW_DEPTH} levels at line {line}"
        ));
    }
    serde_norway::from_str(text).map_err(|e| format!("not valid YAML or JSON: {e}"))
}

/// Deepest nesting of `[`/`{` accepted (a model document nests about a dozen levels). The YAML
/// parser refuses deeper documents as well, but only after tokenising all of the text, which
/// for a file of unclosed brackets takes seconds and about 160 bytes of memory per byte.
const MAX_FLOW_DEPTH: usize = 128;

/// The line where `[`/`{` first nest deeper than [`MAX_FLOW_DEPTH`], outside quoted strings and
/// comments. Errs towards not counting (a bracket inside a plain string is counted, but 128
/// unclosed ones do not occur in a model document); the YAML parser keeps its own limit.
fn flow_too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line, mut prev) = (0usize, 1usize, '\n');
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\n' => line += 1,
            // A comment, to the end of the line.
            '#' if prev.is_whitespace() => {
                it.by_ref().take_while(|&d| d != '\n').for_each(drop);
                line += 1;
                prev = '\n';
                continue;
            }
            // A quoted string (at the start of a value): brackets inside are text.
            '"' | '\'' if prev.is_whitespace() || ":-?,[{".contains(prev) => {
                while let Some(d) = it.next() {
                    match d {
                        '\n' => line += 1,
                        '\\' if c == '"' => {
                            it.next();
                        }
                        '\'' if c == '\'' && it.peek() == Some(&'\'') => {
                            it.next();
                        }
                        d if d == c => break,
                        _ => {}
                    }
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(line);
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Reads the DeePMD-kit model document `path` (`.yaml` or `.json`).
pub fn import_file(path: &Path, device: &Device) -> Result<(DeepPot, ModelMeta)> {
    let text = ai4s_core::io::read_to_string(path)?;
    let doc = parse(&text).map_err(|m| Error::data(path, None, m))?;
    import(&doc, device).map_err(|m| {
        Error::data(
            path,
            None,
            format!("not a DeePMD-kit se_e2_a energy model this version of ai4s reads: {m}"),
        )
    })
}

/// Saves an imported model as ai4s weights: `dir/model.bpk` and `dir/model.toml`.
pub fn save_native(model: &DeepPot, meta: &ModelMeta, dir: &Path) -> Result<std::path::PathBuf> {
    use ai4s_core::burn::module::Module;
    ai4s_core::io::create_dir(dir)?;
    let text = meta_toml(meta, model.layout())?;
    ai4s_core::io::write_atomic(&dir.join("model.toml"), text.as_bytes())?;
    let bpk = dir.join("model.bpk");
    ai4s_core::io::produce_atomic(&bpk, |tmp| {
        model.clone().save_file(tmp).map_err(|e| format!("{e:?}"))
    })?;
    Ok(bpk)
}

/// Writes predictions in the layout of `dp test -d PREFIX`: `PREFIX.e.out` (reference and
/// predicted energy per frame), `PREFIX.f.out` (3 + 3 columns per atom) and `PREFIX.v.out`
/// (9 + 9 columns per frame; reference columns are 0 for unlabelled virials).
pub fn write_detail(prefix: &Path, preds: &[SystemPrediction]) -> Result<()> {
    let (mut e, mut f, mut v) = (
        String::from("# data_e pred_e\n"),
        String::from("# data_fx data_fy data_fz pred_fx pred_fy pred_fz\n"),
        String::from("# data_v (9) pred_v (9)\n"),
    );
    let row = |vals: &[f64]| {
        let mut s = vals
            .iter()
            .map(|x| format!("{x:.17e}"))
            .collect::<Vec<_>>()
            .join(" ");
        s.push('\n');
        s
    };
    for p in preds {
        for (k, (r, x)) in p.ref_energy.iter().zip(&p.energy).enumerate() {
            e.push_str(&row(&[*r, *x]));
            let rv = p
                .ref_virial
                .as_ref()
                .map_or(vec![0.0; 9], |w| w[k * 9..(k + 1) * 9].to_vec());
            let mut cols = rv;
            cols.extend_from_slice(&p.virial[k * 9..(k + 1) * 9]);
            v.push_str(&row(&cols));
        }
        for (r, x) in p.ref_forces.chunks(3).zip(p.forces.chunks(3)) {
            f.push_str(&row(&[r[0], r[1], r[2], x[0], x[1], x[2]]));
        }
    }
    let with = |ext: &str| {
        let mut s = prefix.as_os_str().to_owned();
        s.push(ext);
        std::path::PathBuf::from(s)
    };
    ai4s_core::io::write_atomic(&with(".e.out"), e.as_bytes())?;
    ai4s_core::io::write_atomic(&with(".f.out"), f.as_bytes())?;
    ai4s_core::io::write_atomic(&with(".v.out"), v.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_brackets_are_refused_before_the_yaml_parser_runs() {
        let deep = "[".repeat(4_000_000);
        let e = parse(&deep).expect_err("too deep");
        assert!(e.contains("deeper than 128 levels at line 1"), "{e}");
        let e = parse(&format!("a: 1\nb:\n  - {}", "{x: ".repeat(200))).expect_err("too deep");
        assert!(e.contains("at line 3"), "{e}");
        // Nesting up to the limit is left to the parser.
        let ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let many = "[".repeat(300);
        for text in [
            format!("a: \"{many}\"\n"),
            format!("a: '{many}'\n"),
            format!("a: 'it''s {many}'\n"),
            format!("a: \"\\\" {many}\"\n"),
            format!("a: 1 # {many}\nb: 2\n"),
            format!("[\"{many}\", '{many}']"),
        ] {
            assert!(flow_too_deep(&text).is_none(), "{text:.40}");
            assert!(parse(&text).is_ok(), "{text:.40}");
        }
    }
}
