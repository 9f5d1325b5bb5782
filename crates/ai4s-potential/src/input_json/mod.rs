//! DeePMD-kit's `input.json` as a `deep-potential` config: `ai4s run deep-potential --config
//! input.json`.
//!
//! [`deepmd_input_to_table`] translates a DeePMD-kit v2/v3 training input (single task, an
//! `se_e2_a` descriptor with an `ener` fitting net, exponential learning rate, `ener` loss) into
//! the table of [`crate::train_config::DeepPotConfig`] (its sections; the flat names below are
//! its aliases, e.g. `rcut` is `descriptor.rcut`). A key missing from the file takes
//! DeePMD-kit's default (checked against DeePMD-kit 3.2's `argcheck.normalize`), not ai4s's, so
//! the run is the one `dp train input.json` describes. Relative system paths are resolved against
//! the directory of the JSON file, like `dp train` run from that directory.
//!
//! # Translated
//! | DeePMD-kit key | ai4s field | DeePMD-kit default |
//! |---|---|---|
//! | `model.descriptor.rcut`, `rcut_smth` | `rcut`, `rcut_smth` | 6.0, 0.5 |
//! | `model.descriptor.sel` (one entry per type) | `sel` | required |
//! | `model.descriptor.neuron`, `axis_neuron` (alias `n_axis_neuron`) | `neuron`, `axis_neuron` | [10, 20, 40], 4 |
//! | `model.descriptor.type_one_side` | `type_one_side` (false: one embedding net per type pair) | false |
//! | (DeePMD-kit's weight initialisation) | `weight_init = "deepmd"` | |
//! | `model.fitting_net.neuron` (alias `n_neuron`), `resnet_dt` | `fitting_neuron`, `resnet_dt` | [120, 120, 120], true |
//! | `learning_rate.start_lr`, `stop_lr`, `decay_steps` | `start_lr`, `stop_lr`, `decay_steps` | 1e-3, 5e-8, 5000 |
//! | `learning_rate.stop_lr_ratio` | `stop_lr = start_lr * stop_lr_ratio` | |
//! | `learning_rate.decay_rate` | the `stop_lr` that gives that rate: `start_lr * decay_rate^(numb_steps/decay_steps)` | |
//! | `loss.start_pref_e` ... `limit_pref_v` | the same names | 0.02, 1, 1000, 1, 0, 0 |
//! | `training.numb_steps` (aliases `stop_batch`, `num_step`, `num_steps`, `numb_step`) | `numb_steps` | required |
//! | `training.disp_freq` | `disp_freq` | 1000 |
//! | `training.training_data.systems` | `training_data` | required |
//! | `training.training_data.batch_size` | `batch_size` | `"auto"` |
//! | `training.validation_data.systems` | `validation_data` | none |
//! | `model.descriptor.precision`, `model.fitting_net.precision` (must agree) | `precision`: `"float32"` -> `f32`, `"float64"` and `"default"` -> `f64` | `"default"` (float64) |
//!
//! `systems` is a list of paths or one path; a single directory without `type.raw` is searched
//! recursively for systems, as DeePMD-kit does. ai4s reads DeePMD directories (npy sets or raw
//! files) and extended XYZ files. `batch_size` may be an integer, a list with one (equal) integer
//! per system, `"auto"` / `"auto:N"` (the smallest batch with at least N = 32 atoms) or
//! `"max:N"` (the largest batch with at most N atoms, at least 1), computed from the atom count
//! of each system; ai4s has one batch size, so the systems must agree on it.
//!
//! `model.type_map` becomes `type_map`, the model's type order (and that of `sel`), as in
//! DeePMD-kit: every system's atom types are read through its own `type_map.raw` (or an XYZ
//! file's species) and remapped to the model's order, so systems may name a subset of the
//! elements or name them in another order; a system without `type_map.raw` takes the model's
//! names for its type indices; an element the model does not name is refused.
//!
//! Differences in meaning: without `validation_data` DeePMD-kit does not validate, while ai4s
//! holds out every 10th training frame for its validation curve. DeePMD-kit's input has no test
//! set: `test_data` is set empty; add one with `--set test_data=DIR`. The random seed is the
//! command line's `--seed`, not the file's `seed` keys.
//!
//! # Ignored (no effect on what ai4s trains)
//! Keys starting with `_` (comments); `seed` everywhere; `fitting_net.rcond`;
//! `model.data_stat_nbatch`, `data_stat_protect`, `data_bias_nsample`, `srtab_add_bias`,
//! `model_branch_alias`, `info`, `finetune_head`, `bridging_r_inner`, `bridging_r_outer`
//! (ai4s takes the statistics and the energy bias from all training frames);
//! `learning_rate.scale_by_worker`; `training.disp_file`, `save_freq`, `save_ckpt`, `save_dir`,
//! `max_ckpt_keep`, `ckpt_keep_ratio`, `disp_training`, `time_training`, `disp_avg`,
//! `profiling`, `profiling_file`, `enable_profiler`, `tensorboard`, `tensorboard_log_dir`,
//! `tensorboard_freq`, `stat_file`, `stat_file_mode`, `numb_test`, `neighbor_graph_method`,
//! `enable_compile`, `enable_tf32`, `zero_stage`, `ema_decay`, `ema_ckpt_keep`, `validation_freq`;
//! `training.validation_data.batch_size`, `numb_btch` (ai4s evaluates a fixed spread of
//! validation frames); the top-level `validating` section.
//!
//! # Refused (an error naming the key: ai4s would train something else)
//! - `model.descriptor.type` other than `se_e2_a` / `se_a`; `model.fitting_net.type` other than
//!   `ener`; `model.type` other than `standard`; `loss.type` other than `ener`;
//!   `learning_rate.type` other than `exp`; `optimizer.type` / `training.opt_type` other than
//!   `Adam`, or Adam with betas other than 0.9 / 0.999 or a weight decay.
//! - `model.descriptor.sel` as `"auto"` (give the numbers), or with the wrong number of entries.
//! - Descriptor `resnet_dt` true;
//!   `activation_function` other than `tanh`; `trainable` false; non-empty `exclude_types`;
//!   non-zero `env_protection`; `set_davg_zero` true.
//! - Fitting nets with `numb_fparam`, `numb_aparam`, `dim_case_embd`, `atom_ener`,
//!   `layer_name`, `default_fparam` or `use_aparam_as_mask`.
//! - `model.type_embedding`, `modifier`, `compress`, `spin`, `use_srtab` (and `smin_alpha`,
//!   `sw_rmin`, `sw_rmax`), `pair_exclude_types` / `atom_exclude_types`, `preset_out_bias`,
//!   `model_dict` (multi-task), `bridging_method` other than `"None"`, and the `nvnmd` section.
//! - Loss terms ai4s does not train (`*_pref_ae`, `*_pref_pf`, `*_pref_gf`, `*_pref_h` non-zero,
//!   `relative_f`, `enable_atom_ener_coeff`, `use_huber`, `f_use_norm`,
//!   `loss_func` other than `mse`). `intensive_ener_virial` is translated (default false, as in
//!   DeePMD-kit: energy and virial terms scaled by 1/N).
//! - `precision` `"float16"` or `"bfloat16"`, or different in the descriptor and the fitting net
//!   (ai4s trains the whole model in float32 or float64); float64 on a backend without it (wgpu)
//!   is refused when the run starts, naming `precision`.
//! - `learning_rate.smooth` true, warm-up (`warmup_steps`, `warmup_ratio`).
//! - `training.numb_epoch`, `model_prob` / `data_dict` (multi-task), `enable_ema`,
//!   `change_bias_after_training`, `gradient_max_norm`, `acc_freq` other than 1,
//!   `mixed_precision`; the v1 layout (`training.systems`).
//! - `batch_size` that differs between systems, `"mixed:N"`; `auto_prob` other than
//!   `prob_sys_size` (ai4s draws frames uniformly, which is that rule), `sys_probs`,
//!   `rglob_patterns`, non-zero `min_pair_dist`, HDF5 systems, paths containing a comma.
//! - Any other key (a typo would otherwise be silently dropped).

mod precision;
mod section;
mod systems;
#[cfg(test)]
mod tests;

use crate::train_config::DeepPotConfig;
use ai4s_core::Result;
use section::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use systems::*;

/// Translates a DeePMD-kit `input.json` (already parsed from `path`) into the config table of
/// the `deep-potential` task. See the module documentation for what is translated, ignored and
/// refused; errors are [`Error::Data`] on `path` naming the JSON key path.
pub fn deepmd_input_to_table(path: &Path, value: Value) -> Result<toml::Table> {
    let file = Input { path };
    let Value::Object(root) = value else {
        return Err(file.err(
            "(top level)",
            "expected a JSON object with model, learning_rate, loss and training sections",
        ));
    };
    let top = Section {
        file: &file,
        path: String::new(),
        obj: &root,
    };
    top.check_keys(
        &[
            "model",
            "learning_rate",
            "loss",
            "training",
            "optimizer",
            "validating",
            "nvnmd",
        ],
        &[],
    )?;
    if let Some(nv) = top.section("nvnmd")?
        && nv.bool(&["enable"], false)?
    {
        return Err(file.err(
            "nvnmd",
            "non-von-Neumann MD models are not supported by ai4s",
        ));
    }
    let model = top
        .section("model")?
        .ok_or_else(|| file.err("model", "is missing"))?;
    let training = top
        .section("training")?
        .ok_or_else(|| file.err("training", "is missing"))?;
    let mut out = toml::Table::new();

    // --- training (first: the data decides the type order and the batch size) ---
    training.check_keys(
        &[
            "training_data",
            "validation_data",
            "numb_steps",
            "stop_batch",
            "num_step",
            "num_steps",
            "numb_step",
            "disp_freq",
            "numb_epoch",
            "num_epochs",
            "num_epoch",
            "numb_epochs",
            "model_prob",
            "data_dict",
            "num_epoch_dict",
            "enable_ema",
            "change_bias_after_training",
            "gradient_max_norm",
            "acc_freq",
            "mixed_precision",
            "opt_type",
            "warmup_steps",
            "warmup_ratio",
            "systems",
        ],
        &[
            "seed",
            "disp_file",
            "save_freq",
            "save_ckpt",
            "save_dir",
            "max_ckpt_keep",
            "ckpt_keep_ratio",
            "disp_training",
            "time_training",
            "disp_avg",
            "profiling",
            "profiling_file",
            "enable_profiler",
            "tensorboard",
            "tensorboard_log_dir",
            "tensorboard_freq",
            "stat_file",
            "stat_file_mode",
            "numb_test",
            "neighbor_graph_method",
            "enable_compile",
            "enable_tf32",
            "zero_stage",
            "ema_decay",
            "ema_ckpt_keep",
            "validation_freq",
        ],
    )?;
    if training.get(&["systems"]).is_some() {
        return Err(file.err(
            "training.systems",
            "is DeePMD-kit v1's layout; move the systems into training.training_data (`dp convert-from` does it)",
        ));
    }
    for (k, why) in [
        (
            "numb_epoch",
            "give the number of steps as training.numb_steps",
        ),
        (
            "num_epochs",
            "give the number of steps as training.numb_steps",
        ),
        (
            "num_epoch",
            "give the number of steps as training.numb_steps",
        ),
        (
            "numb_epochs",
            "give the number of steps as training.numb_steps",
        ),
        ("model_prob", "multi-task training is not supported"),
        ("data_dict", "multi-task training is not supported"),
        ("num_epoch_dict", "multi-task training is not supported"),
        ("gradient_max_norm", "ai4s does not clip gradients"),
        (
            "mixed_precision",
            "ai4s trains in one precision (model.descriptor.precision)",
        ),
    ] {
        training.refuse_present(k, why)?;
    }
    training.refuse_unless_bool(
        "enable_ema",
        false,
        "ai4s keeps no moving average of weights",
    )?;
    training.refuse_unless_bool(
        "change_bias_after_training",
        false,
        "ai4s fits the energy bias before training only",
    )?;
    training.refuse_unless(
        "acc_freq",
        |v| v.as_f64() == Some(1.0),
        "ai4s takes one optimiser step per batch (no gradient accumulation)",
    )?;
    training.refuse_unless(
        "opt_type",
        |v| v.as_str() == Some("Adam"),
        "ai4s trains with Adam",
    )?;
    training.refuse_unless(
        "warmup_steps",
        |v| v.as_f64() == Some(0.0),
        "ai4s's learning rate has no warm-up",
    )?;
    training.refuse_present("warmup_ratio", "ai4s's learning rate has no warm-up")?;
    let numb_steps = training
        .usize_opt(&[
            "numb_steps",
            "stop_batch",
            "num_step",
            "num_steps",
            "numb_step",
        ])?
        .ok_or_else(|| {
            file.err(
                "training.numb_steps",
                "is missing (the number of training steps)",
            )
        })?;
    let disp_freq = training.usize(&["disp_freq"], 1000)?;
    let train_data = training
        .section("training_data")?
        .ok_or_else(|| file.err("training.training_data", "is missing"))?;
    let train_systems = systems(&train_data, &[])?;
    let batch_size = batch_size(&train_data, &train_systems)?;
    let val_systems = match training.section("validation_data")? {
        Some(v) => systems(&v, &["batch_size", "numb_btch", "numb_batch"])?,
        None => Vec::new(),
    };

    // --- model ---
    model.check_keys(
        &[
            "type_map",
            "descriptor",
            "fitting_net",
            "type",
            "type_embedding",
            "modifier",
            "compress",
            "spin",
            "use_srtab",
            "smin_alpha",
            "sw_rmin",
            "sw_rmax",
            "pair_exclude_types",
            "atom_exclude_types",
            "preset_out_bias",
            "model_dict",
            "bridging_method",
        ],
        &[
            "data_stat_nbatch",
            "data_stat_protect",
            "data_bias_nsample",
            "srtab_add_bias",
            "model_branch_alias",
            "info",
            "finetune_head",
            "bridging_r_inner",
            "bridging_r_outer",
        ],
    )?;
    model.refuse_present("model_dict", "multi-task models are not supported")?;
    model.refuse_unless(
        "type",
        |v| v.as_str() == Some("standard"),
        "ai4s trains the standard (descriptor + fitting net) model only",
    )?;
    for k in [
        "type_embedding",
        "modifier",
        "compress",
        "spin",
        "use_srtab",
        "smin_alpha",
        "sw_rmin",
        "sw_rmax",
        "preset_out_bias",
    ] {
        model.refuse_present(k, "is not supported by ai4s's se_e2_a model")?;
    }
    for k in ["pair_exclude_types", "atom_exclude_types"] {
        model.refuse_unless(k, is_empty_list, "ai4s does not exclude types")?;
    }
    model.refuse_unless(
        "bridging_method",
        |v| v.as_str() == Some("None"),
        "is not supported by ai4s's se_e2_a model",
    )?;
    let type_map = model.str_list_opt("type_map")?;

    let desc = model
        .section("descriptor")?
        .ok_or_else(|| file.err("model.descriptor", "is missing"))?;
    desc.check_keys(
        &[
            "type",
            "sel",
            "rcut",
            "rcut_smth",
            "neuron",
            "axis_neuron",
            "n_axis_neuron",
            "activation_function",
            "resnet_dt",
            "type_one_side",
            "trainable",
            "exclude_types",
            "env_protection",
            "set_davg_zero",
            "precision",
        ],
        &["seed"],
    )?;
    let dtype = desc.str(&["type"], "se_e2_a")?;
    if dtype != "se_e2_a" && dtype != "se_a" {
        return Err(file.err(
            "model.descriptor.type",
            format!("is \"{dtype}\"; ai4s trains the se_e2_a (alias se_a) descriptor only"),
        ));
    }
    let sel_key = "model.descriptor.sel";
    let sel = match desc.get(&["sel"]) {
        None => return Err(file.err(sel_key, "is missing (neighbour slots per type)")),
        Some((_, Value::String(s))) => {
            return Err(file.err(
                sel_key,
                format!(
                    "is \"{s}\"; ai4s needs the numbers of neighbour slots per type (run `dp neighbor-stat` or give generous values, e.g. [48] for bulk silicon at rcut 5)"
                ),
            ));
        }
        Some(_) => desc.usize_list(&["sel"], &[])?,
    };
    if sel.is_empty() || sel.contains(&0) {
        return Err(file.err(
            sel_key,
            format!("needs one positive entry per type, got {sel:?}"),
        ));
    }
    if let Some(tm) = &type_map
        && tm.len() != sel.len()
    {
        return Err(file.err(
            sel_key,
            format!(
                "has {} entries but model.type_map has {} types {tm:?}; give one per type",
                sel.len(),
                tm.len()
            ),
        ));
    }
    let type_one_side = desc.bool(&["type_one_side"], false)?;
    desc.refuse_unless_bool(
        "resnet_dt",
        false,
        "ai4s's embedding nets have no timestep vectors (set it false)",
    )?;
    desc.refuse_unless(
        "activation_function",
        |v| v.as_str() == Some("tanh"),
        "ai4s's networks use tanh",
    )?;
    desc.refuse_unless_bool("trainable", true, "ai4s trains every network")?;
    desc.refuse_unless(
        "exclude_types",
        is_empty_list,
        "ai4s does not exclude type pairs",
    )?;
    desc.refuse_unless(
        "env_protection",
        |v| v.as_f64() == Some(0.0),
        "ai4s has no environment protection",
    )?;
    desc.refuse_unless_bool(
        "set_davg_zero",
        false,
        "ai4s always takes davg from the data",
    )?;
    let rcut = desc.f64(&["rcut"], 6.0)?;
    let rcut_smth = desc.f64(&["rcut_smth"], 0.5)?;
    let neuron = desc.usize_list(&["neuron"], &[10, 20, 40])?;
    let axis_neuron = desc.usize(&["axis_neuron", "n_axis_neuron"], 4)?;

    let fit = match model.section("fitting_net")? {
        Some(f) => f,
        None => return Err(file.err("model.fitting_net", "is missing")),
    };
    fit.check_keys(
        &[
            "type",
            "neuron",
            "n_neuron",
            "resnet_dt",
            "activation_function",
            "trainable",
            "numb_fparam",
            "numb_aparam",
            "dim_case_embd",
            "atom_ener",
            "layer_name",
            "default_fparam",
            "use_aparam_as_mask",
            "precision",
        ],
        &["seed", "rcond"],
    )?;
    let ftype = fit.str(&["type"], "ener")?;
    if ftype != "ener" {
        return Err(file.err(
            "model.fitting_net.type",
            format!("is \"{ftype}\"; ai4s fits energies (type \"ener\") only"),
        ));
    }
    fit.refuse_unless(
        "activation_function",
        |v| v.as_str() == Some("tanh"),
        "ai4s's networks use tanh",
    )?;
    fit.refuse_unless_bool("trainable", true, "ai4s trains every network")?;
    for k in ["numb_fparam", "numb_aparam", "dim_case_embd"] {
        fit.refuse_unless(
            k,
            |v| v.as_f64() == Some(0.0),
            "ai4s's fitting net takes no frame or atomic parameters",
        )?;
    }
    fit.refuse_unless(
        "atom_ener",
        is_empty_list,
        "ai4s has no fixed atomic energies",
    )?;
    fit.refuse_present("layer_name", "ai4s does not share fitting layers")?;
    fit.refuse_present(
        "default_fparam",
        "ai4s's fitting net takes no frame parameters",
    )?;
    fit.refuse_unless_bool(
        "use_aparam_as_mask",
        false,
        "ai4s's fitting net takes no atomic parameters",
    )?;
    let fitting_neuron = fit.usize_list(&["neuron", "n_neuron"], &[120, 120, 120])?;
    let resnet_dt = fit.bool(&["resnet_dt"], true)?;
    let precision = precision::model_precision(&desc, &fit)?;

    // --- type map: the model's order; every training system's elements must be in it ---
    if let Some(tm) = &type_map {
        for sys in &train_systems {
            if let Some(data_map) = system_type_map(sys)?
                && let Some(name) = data_map.iter().find(|n| !tm.contains(n))
            {
                return Err(file.err(
                    "model.type_map",
                    format!(
                        "is {tm:?} but the training system {} has the element `{name}` (its types: {data_map:?}); name every element of the data",
                        sys.display()
                    ),
                ));
            }
        }
    }

    // --- learning rate ---
    let mut start_lr = 1e-3;
    let mut stop_lr = 5e-8;
    let mut decay_steps = 5000;
    if let Some(lr) = top.section("learning_rate")? {
        lr.check_keys(
            &[
                "type",
                "start_lr",
                "stop_lr",
                "stop_lr_ratio",
                "decay_steps",
                "decay_rate",
                "smooth",
                "warmup_steps",
                "warmup_ratio",
                "warmup_start_factor",
            ],
            &["scale_by_worker"],
        )?;
        let t = lr.str(&["type"], "exp")?;
        if t != "exp" {
            return Err(file.err(
                "learning_rate.type",
                format!("is \"{t}\"; ai4s decays the learning rate exponentially (\"exp\") only"),
            ));
        }
        lr.refuse_unless_bool(
            "smooth",
            false,
            "ai4s decays the learning rate in steps of decay_steps",
        )?;
        lr.refuse_unless(
            "warmup_steps",
            |v| v.as_f64() == Some(0.0),
            "ai4s's learning rate has no warm-up",
        )?;
        lr.refuse_present("warmup_ratio", "ai4s's learning rate has no warm-up")?;
        start_lr = lr.f64(&["start_lr"], start_lr)?;
        decay_steps = lr.usize(&["decay_steps"], decay_steps)?;
        if decay_steps == 0 {
            return Err(file.err("learning_rate.decay_steps", "must be at least 1"));
        }
        let explicit_stop = lr.get(&["stop_lr"]).is_some();
        stop_lr = lr.f64(&["stop_lr"], stop_lr)?;
        if let Some((_, v)) = lr.get(&["stop_lr_ratio"]) {
            if explicit_stop {
                return Err(file.err(
                    "learning_rate.stop_lr_ratio",
                    "and stop_lr are mutually exclusive",
                ));
            }
            let ratio = v
                .as_f64()
                .ok_or_else(|| file.err("learning_rate.stop_lr_ratio", "expected a number"))?;
            stop_lr = start_lr * ratio;
        }
        if let Some((_, v)) = lr.get(&["decay_rate"]) {
            let rate = v
                .as_f64()
                .filter(|r| *r > 0.0 && *r <= 1.0)
                .ok_or_else(|| {
                    file.err("learning_rate.decay_rate", "expected a number in (0, 1]")
                })?;
            // ai4s's rate is (stop_lr/start_lr)^(decay_steps/numb_steps).
            stop_lr = start_lr * rate.powf(numb_steps as f64 / decay_steps as f64);
        }
    }

    // --- optimizer (v3) ---
    if let Some(opt) = top.section("optimizer")? {
        opt.check_keys(&["type", "adam_beta1", "adam_beta2", "weight_decay"], &[])?;
        opt.refuse_unless(
            "type",
            |v| v.as_str() == Some("Adam"),
            "ai4s trains with Adam",
        )?;
        opt.refuse_unless(
            "adam_beta1",
            |v| v.as_f64() == Some(0.9),
            "ai4s's Adam uses beta1 = 0.9",
        )?;
        opt.refuse_unless(
            "adam_beta2",
            |v| v.as_f64() == Some(0.999),
            "ai4s's Adam uses beta2 = 0.999",
        )?;
        opt.refuse_unless(
            "weight_decay",
            |v| v.as_f64() == Some(0.0),
            "ai4s's Adam has no weight decay",
        )?;
    }

    // --- loss ---
    let mut pref = [
        ("start_pref_e", 0.02),
        ("limit_pref_e", 1.0),
        ("start_pref_f", 1000.0),
        ("limit_pref_f", 1.0),
        ("start_pref_v", 0.0),
        ("limit_pref_v", 0.0),
    ];
    // DeePMD-kit's default loss scales the energy and virial terms by 1/N.
    let mut intensive = false;
    if let Some(loss) = top.section("loss")? {
        let zero_prefs = [
            "start_pref_ae",
            "limit_pref_ae",
            "start_pref_pf",
            "limit_pref_pf",
            "start_pref_gf",
            "limit_pref_gf",
            "start_pref_h",
            "limit_pref_h",
        ];
        let mut known: Vec<&str> = pref.iter().map(|p| p.0).collect();
        known.extend(zero_prefs);
        known.extend([
            "type",
            "relative_f",
            "enable_atom_ener_coeff",
            "use_huber",
            "f_use_norm",
            "intensive_ener_virial",
            "loss_func",
            "use_default_pf",
            "numb_generalized_coord",
            "huber_delta",
        ]);
        loss.check_keys(&known, &[])?;
        let t = loss.str(&["type"], "ener")?;
        if t != "ener" && t != "ener_hess" {
            return Err(file.err(
                "loss.type",
                format!("is \"{t}\"; ai4s trains the energy/force/virial (\"ener\") loss only"),
            ));
        }
        for k in zero_prefs {
            loss.refuse_unless(
                k,
                |v| v.as_f64() == Some(0.0),
                "ai4s trains on energies, forces and virials only",
            )?;
        }
        loss.refuse_present("relative_f", "ai4s's force loss is absolute")?;
        intensive = loss.bool(&["intensive_ener_virial"], false)?;
        for k in [
            "enable_atom_ener_coeff",
            "use_huber",
            "f_use_norm",
            "use_default_pf",
        ] {
            loss.refuse_unless_bool(
                k,
                false,
                "ai4s's loss is DeePMD-kit's plain mse `ener` loss",
            )?;
        }
        loss.refuse_unless(
            "loss_func",
            |v| v.as_str() == Some("mse"),
            "ai4s's loss is a mean squared error",
        )?;
        for (k, v) in pref.iter_mut() {
            *v = loss.f64(&[k], *v)?;
        }
    }

    let join = |v: &[PathBuf], key: &str| -> Result<String> {
        v.iter()
            .map(|p| {
                let s = p
                    .to_str()
                    .ok_or_else(|| file.err(key, format!("{} is not a UTF-8 path", p.display())))?;
                if s.contains(',') {
                    return Err(file.err(
                        key,
                        format!("{s}: ai4s separates systems with commas; rename the path"),
                    ));
                }
                Ok(s.to_owned())
            })
            .collect::<Result<Vec<_>>>()
            .map(|v| v.join(","))
    };
    let int = |n: usize| toml::Value::Integer(n as i64);
    let ints = |v: &[usize]| toml::Value::Array(v.iter().map(|&n| int(n)).collect());
    out.insert(
        "training_data".into(),
        toml::Value::String(join(&train_systems, "training.training_data.systems")?),
    );
    out.insert(
        "validation_data".into(),
        toml::Value::String(join(&val_systems, "training.validation_data.systems")?),
    );
    out.insert("test_data".into(), toml::Value::String(String::new()));
    out.insert("rcut".into(), toml::Value::Float(rcut));
    out.insert("rcut_smth".into(), toml::Value::Float(rcut_smth));
    out.insert("sel".into(), ints(&sel));
    if let Some(tm) = &type_map {
        out.insert(
            "type_map".into(),
            toml::Value::Array(tm.iter().cloned().map(toml::Value::String).collect()),
        );
    }
    out.insert("neuron".into(), ints(&neuron));
    out.insert("type_one_side".into(), toml::Value::Boolean(type_one_side));
    out.insert("axis_neuron".into(), int(axis_neuron));
    out.insert("fitting_neuron".into(), ints(&fitting_neuron));
    out.insert("resnet_dt".into(), toml::Value::Boolean(resnet_dt));
    out.insert("weight_init".into(), toml::Value::String("deepmd".into()));
    out.insert("numb_steps".into(), int(numb_steps));
    out.insert("batch_size".into(), int(batch_size));
    out.insert("start_lr".into(), toml::Value::Float(start_lr));
    out.insert("stop_lr".into(), toml::Value::Float(stop_lr));
    out.insert("decay_steps".into(), int(decay_steps));
    for (k, v) in pref {
        out.insert(k.into(), toml::Value::Float(v));
    }
    out.insert("disp_freq".into(), int(disp_freq));
    out.insert(
        "intensive_ener_virial".into(),
        toml::Value::Boolean(intensive),
    );
    out.insert("precision".into(), precision::toml_value(precision));
    // Written with the flat names above; the config's one table of sections nests them.
    ai4s_core::config::nest_aliases(&mut out, &DeepPotConfig::flat_aliases())?;
    Ok(out)
}
