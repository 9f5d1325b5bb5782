//! Writing an ai4s model as DeePMD-kit's native document (`export`, `export_file`).

use super::*;

pub(super) fn nd_array(value: Value) -> Value {
    json!({
        "@class": "np.ndarray",
        "@is_variable": true,
        "@version": 1,
        "dtype": "float64",
        "value": value,
    })
}

/// Nested lists of `shape` from row-major `v`.
pub(super) fn nested(v: &[f64], shape: &[usize]) -> Value {
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

pub(super) fn layer_doc(l: &LayerArrays, activation: &str, resnet: bool) -> Value {
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

/// Exports `model` (with `meta`) to the DeePMD-kit document `out` (`.yaml`, or `.json`).
pub fn export_file(model: &DeepPot, meta: &ModelMeta, out: &Path) -> Result<()> {
    let text = to_text(&export(model, meta)?)?;
    ai4s_core::io::write_atomic(out, text.as_bytes())
}
