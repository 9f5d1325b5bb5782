//! DeePMD-kit's `input.json` as a `deep-potential` config: `ai4s run deep-potential --config
//! input.json`.
//!
//! [`deepmd_input_to_table`] translates a DeePMD-kit v2/v3 training input (single task, an
//! `se_e2_a` descriptor with an `ener` fitting net, exponential learning rate, `ener` loss) into
//! the flat table of [`crate::train::DeepPotConfig`]. A key missing from the file takes
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
//!
//! `systems` is a list of paths or one path; a single directory without `type.raw` is searched
//! recursively for systems, as DeePMD-kit does. ai4s reads DeePMD directories (npy sets or raw
//! files) and extended XYZ files. `batch_size` may be an integer, a list with one (equal) integer
//! per system, `"auto"` / `"auto:N"` (the smallest batch with at least N = 32 atoms) or
//! `"max:N"` (the largest batch with at most N atoms, at least 1), computed from the atom count
//! of each system; ai4s has one batch size, so the systems must agree on it.
//!
//! `model.type_map` is checked against the training data: if the first system's type map
//! (`type_map.raw`, or the species of an XYZ file) names the same elements in another order,
//! `sel` is permuted to the data's order (ai4s trains on the data's types in their order); other
//! differences are refused. `model.descriptor.type_one_side` must be true when there is more
//! than one type (ai4s trains one embedding net per neighbour type); DeePMD-kit's default is
//! false, so a multi-element input must say `"type_one_side": true`.
//!
//! Differences in meaning: without `validation_data` DeePMD-kit does not validate, while ai4s
//! holds out every 10th training frame for its validation curve. DeePMD-kit's input has no test
//! set: `test_data` is set empty; add one with `--set test_data=DIR`. The random seed is the
//! command line's `--seed`, not the file's `seed` keys.
//!
//! # Ignored (no effect on what ai4s trains)
//! Keys starting with `_` (comments); `seed` everywhere; `precision` of the descriptor and the
//! fitting net (ai4s's precision is the device's); `fitting_net.rcond`;
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
//! - `type_one_side` false with more than one type; descriptor `resnet_dt` true;
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
//! - `learning_rate.smooth` true, warm-up (`warmup_steps`, `warmup_ratio`).
//! - `training.numb_epoch`, `model_prob` / `data_dict` (multi-task), `enable_ema`,
//!   `change_bias_after_training`, `gradient_max_norm`, `acc_freq` other than 1,
//!   `mixed_precision`; the v1 layout (`training.systems`).
//! - `batch_size` that differs between systems, `"mixed:N"`; `auto_prob` other than
//!   `prob_sys_size` (ai4s draws frames uniformly, which is that rule), `sys_probs`,
//!   `rglob_patterns`, non-zero `min_pair_dist`, HDF5 systems, paths containing a comma.
//! - Any other key (a typo would otherwise be silently dropped).

use ai4s_core::{Error, Result};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

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
        ("mixed_precision", "ai4s trains in the device's precision"),
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
        ],
        &["seed", "precision"],
    )?;
    let dtype = desc.str(&["type"], "se_e2_a")?;
    if dtype != "se_e2_a" && dtype != "se_a" {
        return Err(file.err(
            "model.descriptor.type",
            format!("is \"{dtype}\"; ai4s trains the se_e2_a (alias se_a) descriptor only"),
        ));
    }
    let sel_key = "model.descriptor.sel";
    let mut sel = match desc.get(&["sel"]) {
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
    let ntypes = sel.len();
    if ntypes > 1 && !desc.bool(&["type_one_side"], false)? {
        return Err(file.err(
            "model.descriptor.type_one_side",
            format!(
                "is false (DeePMD-kit's default), which builds one embedding net per pair of types; ai4s trains one embedding net per neighbour type: set \"type_one_side\": true for these {ntypes} types"
            ),
        ));
    }
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
        ],
        &["seed", "precision", "rcond"],
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

    // --- type order: ai4s uses the training data's ---
    if let (Some(tm), Some(first)) = (&type_map, train_systems.first())
        && let Some(data_map) = system_type_map(first)?
        && data_map != *tm
    {
        let perm: Option<Vec<usize>> = data_map
            .iter()
            .map(|name| tm.iter().position(|t| t == name))
            .collect();
        match perm {
            Some(p) if data_map.len() == tm.len() => {
                sel = p.iter().map(|&k| sel[k]).collect();
            }
            _ => {
                return Err(file.err(
                    "model.type_map",
                    format!(
                        "is {tm:?} but the training system {} has the types {data_map:?}; ai4s trains on the data's types, so they must name the same elements",
                        first.display()
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
    out.insert("neuron".into(), ints(&neuron));
    out.insert("axis_neuron".into(), int(axis_neuron));
    out.insert("fitting_neuron".into(), ints(&fitting_neuron));
    out.insert("resnet_dt".into(), toml::Value::Boolean(resnet_dt));
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
    Ok(out)
}

fn is_empty_list(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// The input file, for errors.
struct Input<'a> {
    path: &'a Path,
}

impl Input<'_> {
    fn err(&self, key: &str, message: impl std::fmt::Display) -> Error {
        Error::data(self.path, None, format!("`{key}` {message}"))
    }

    /// The directory relative system paths are resolved against.
    fn base(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

/// One JSON object of the input, with its dotted key path.
struct Section<'a> {
    file: &'a Input<'a>,
    path: String,
    obj: &'a Map<String, Value>,
}

impl<'a> Section<'a> {
    fn key(&self, k: &str) -> String {
        if self.path.is_empty() {
            k.to_owned()
        } else {
            format!("{}.{k}", self.path)
        }
    }

    fn err(&self, k: &str, message: impl std::fmt::Display) -> Error {
        self.file.err(&self.key(k), message)
    }

    /// Every key must be `known` (translated or checked), `ignored`, or a `_` comment.
    fn check_keys(&self, known: &[&str], ignored: &[&str]) -> Result<()> {
        for k in self.obj.keys() {
            if !k.starts_with('_') && !known.contains(&k.as_str()) && !ignored.contains(&k.as_str())
            {
                return Err(self.err(
                    k,
                    "is not a DeePMD-kit key that ai4s knows (see ai4s_potential::input_json for what is translated, ignored and refused)",
                ));
            }
        }
        Ok(())
    }

    /// The first of `names` (a key and its aliases) present with a non-null value.
    fn get(&self, names: &[&'a str]) -> Option<(&'a str, &'a Value)> {
        names
            .iter()
            .find_map(|&n| self.obj.get(n).filter(|v| !v.is_null()).map(|v| (n, v)))
    }

    fn section(&self, k: &str) -> Result<Option<Section<'a>>> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(Section {
                file: self.file,
                path: self.key(k),
                obj: o,
            })),
            Some(_) => Err(self.err(k, "expected a JSON object")),
        }
    }

    fn f64(&self, names: &[&'a str], default: f64) -> Result<f64> {
        match self.get(names) {
            None => Ok(default),
            Some((k, v)) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| self.err(k, format!("is {v}; expected a number"))),
        }
    }

    fn as_usize(&self, k: &str, v: &Value) -> Result<usize> {
        v.as_u64()
            .or_else(|| {
                v.as_f64()
                    .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1e15)
                    .map(|x| x as u64)
            })
            .and_then(|x| usize::try_from(x).ok())
            .ok_or_else(|| self.err(k, format!("is {v}; expected a non-negative integer")))
    }

    fn usize_opt(&self, names: &[&'a str]) -> Result<Option<usize>> {
        self.get(names)
            .map(|(k, v)| self.as_usize(k, v))
            .transpose()
    }

    fn usize(&self, names: &[&'a str], default: usize) -> Result<usize> {
        Ok(self.usize_opt(names)?.unwrap_or(default))
    }

    fn usize_list(&self, names: &[&'a str], default: &[usize]) -> Result<Vec<usize>> {
        match self.get(names) {
            None => Ok(default.to_vec()),
            Some((k, Value::Array(a))) => a.iter().map(|v| self.as_usize(k, v)).collect(),
            Some((k, v)) => Err(self.err(k, format!("is {v}; expected a list of integers"))),
        }
    }

    fn bool(&self, names: &[&'a str], default: bool) -> Result<bool> {
        match self.get(names) {
            None => Ok(default),
            Some((k, v)) => v
                .as_bool()
                .ok_or_else(|| self.err(k, format!("is {v}; expected true or false"))),
        }
    }

    fn str(&self, names: &[&'a str], default: &'a str) -> Result<&'a str> {
        match self.get(names) {
            None => Ok(default),
            Some((k, v)) => v
                .as_str()
                .ok_or_else(|| self.err(k, format!("is {v}; expected a string"))),
        }
    }

    fn str_list_opt(&self, k: &'a str) -> Result<Option<Vec<String>>> {
        match self.get(&[k]) {
            None => Ok(None),
            Some((_, Value::Array(a))) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| self.err(k, format!("entry {v} is not a string")))
                })
                .collect::<Result<_>>()
                .map(Some),
            Some((_, v)) => Err(self.err(k, format!("is {v}; expected a list of strings"))),
        }
    }

    /// Refuses `k` if present (and not null).
    fn refuse_present(&self, k: &'a str, why: &str) -> Result<()> {
        match self.get(&[k]) {
            Some((_, v)) => Err(self.err(k, format!("= {v}: {why}"))),
            None => Ok(()),
        }
    }

    /// Refuses `k` if present with a value that fails `ok`.
    fn refuse_unless(&self, k: &'a str, ok: impl Fn(&Value) -> bool, why: &str) -> Result<()> {
        match self.get(&[k]) {
            Some((_, v)) if !ok(v) => Err(self.err(k, format!("= {v}: {why}"))),
            _ => Ok(()),
        }
    }

    fn refuse_unless_bool(&self, k: &'a str, want: bool, why: &str) -> Result<()> {
        self.refuse_unless(k, |v| v.as_bool() == Some(want), why)
    }
}

/// The systems of `training_data` / `validation_data`, resolved against the input's directory.
/// `ignored` lists keys of the section without effect in ai4s.
fn systems(sec: &Section, ignored: &[&str]) -> Result<Vec<PathBuf>> {
    sec.check_keys(
        &[
            "systems",
            "batch_size",
            "auto_prob",
            "auto_prob_style",
            "sys_probs",
            "sys_weights",
            "rglob_patterns",
            "min_pair_dist",
            "set_prefix",
        ],
        ignored,
    )?;
    sec.refuse_unless(
        "auto_prob",
        |v| v.as_str() == Some("prob_sys_size"),
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_unless(
        "auto_prob_style",
        |v| v.as_str() == Some("prob_sys_size"),
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_present(
        "sys_probs",
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_present(
        "sys_weights",
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_present("rglob_patterns", "list the systems instead")?;
    sec.refuse_unless(
        "min_pair_dist",
        |v| v.as_f64() == Some(0.0),
        "ai4s does not filter frames by pair distance",
    )?;
    sec.refuse_unless(
        "set_prefix",
        |v| v.as_str() == Some("set"),
        "ai4s reads set.* directories",
    )?;
    let key = sec.key("systems");
    let base = sec.file.base();
    let resolve = |s: &str| -> Result<PathBuf> {
        if s.contains(".hdf5") || s.contains(".h5") || s.contains('#') {
            return Err(sec.file.err(
                &key,
                format!(
                    "{s}: HDF5 systems are not supported; convert them with dpdata to deepmd/npy"
                ),
            ));
        }
        let p = Path::new(s);
        Ok(if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        })
    };
    let list = match sec.get(&["systems"]) {
        None => return Err(sec.file.err(&key, "is missing")),
        Some((_, Value::String(s))) => {
            // One path: a system, or a directory searched recursively for systems.
            let root = resolve(s)?;
            if root.is_dir() && !root.join("type.raw").exists() {
                let mut found = Vec::new();
                find_systems(&root, &mut found, 0);
                found.sort();
                if found.is_empty() {
                    return Err(sec.file.err(
                        &key,
                        format!(
                            "{}: no DeePMD system (a directory with type.raw) below it",
                            root.display()
                        ),
                    ));
                }
                found
            } else {
                vec![root]
            }
        }
        Some((_, Value::Array(a))) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| sec.file.err(&key, format!("entry {v} is not a path")))
                    .and_then(resolve)
            })
            .collect::<Result<_>>()?,
        Some((_, v)) => {
            return Err(sec
                .file
                .err(&key, format!("is {v}; expected a path or a list of paths")));
        }
    };
    if list.is_empty() {
        return Err(sec.file.err(&key, "is empty"));
    }
    Ok(list)
}

/// Directories at or below `dir` that contain `type.raw` (DeePMD-kit's `expand_sys_str`).
fn find_systems(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    if dir.join("type.raw").is_file() {
        out.push(dir.to_path_buf());
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                find_systems(&p, out, depth + 1);
            }
        }
    }
}

/// The type names of a system, if it names them (`type_map.raw`, or an XYZ file's species).
fn system_type_map(p: &Path) -> Result<Option<Vec<String>>> {
    if p.is_dir() {
        let m = p.join("type_map.raw");
        if !m.exists() {
            return Ok(None);
        }
        Ok(Some(
            ai4s_core::io::read_to_string(&m)?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        ))
    } else if p.is_file() {
        Ok(Some(crate::xyz::read(p)?.type_map))
    } else {
        Ok(None)
    }
}

/// Atoms per frame of a system (for `batch_size: "auto"`).
fn system_natoms(p: &Path) -> Result<usize> {
    if p.is_dir() {
        let t = p.join("type.raw");
        Ok(ai4s_core::io::read_to_string(&t)?
            .split_whitespace()
            .count())
    } else if p.is_file() {
        Ok(crate::xyz::read(p)?.natoms())
    } else {
        Err(Error::data(
            p,
            None,
            "no such DeePMD directory or extended XYZ file",
        ))
    }
}

/// `training_data.batch_size` as ai4s's one batch size.
fn batch_size(sec: &Section, systems: &[PathBuf]) -> Result<usize> {
    let key = sec.key("batch_size");
    let err = |m: String| sec.file.err(&key, m);
    let per_system: Vec<usize> = match sec.get(&["batch_size"]) {
        Some((k, v @ Value::Number(_))) => vec![sec.as_usize(k, v)?],
        Some((k, Value::Array(a))) => {
            if a.len() != systems.len() {
                return Err(err(format!(
                    "has {} entries for {} systems; give one per system",
                    a.len(),
                    systems.len()
                )));
            }
            a.iter()
                .map(|v| sec.as_usize(k, v))
                .collect::<Result<_>>()?
        }
        rule => {
            let rule = match rule {
                None => "auto",
                Some((_, Value::String(s))) => s.as_str(),
                Some((_, v)) => {
                    return Err(err(format!(
                        "is {v}; expected an integer, a list of integers, \"auto\" or \"auto:N\""
                    )));
                }
            };
            let (kind, n) = match rule.split_once(':') {
                Some((kind, n)) => (
                    kind,
                    n.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| {
                            err(format!("\"{rule}\": `{n}` is not a positive integer"))
                        })?,
                ),
                None => (rule, 32),
            };
            if kind != "auto" && kind != "max" {
                return Err(err(format!(
                    "is \"{rule}\"; ai4s batches frames of one system: give an integer, \"auto\", \"auto:N\" or \"max:N\""
                )));
            }
            systems
                .iter()
                .map(|p| {
                    let natoms = system_natoms(p).map_err(|e| {
                        err(format!(
                            "is \"{rule}\", which needs the atom count of {}: {e}",
                            p.display()
                        ))
                    })?;
                    Ok(if kind == "auto" {
                        n.div_ceil(natoms.max(1))
                    } else {
                        (n / natoms.max(1)).max(1)
                    })
                })
                .collect::<Result<_>>()?
        }
    };
    let first = per_system[0];
    if per_system.iter().any(|&b| b != first) {
        return Err(err(format!(
            "gives the systems different batch sizes {per_system:?}; ai4s has one batch size: give an integer"
        )));
    }
    if first == 0 {
        return Err(err("must be at least 1".into()));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
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
            cfg.training_data,
            format!("{},{},{}", sys(0), sys(1), sys(2))
        );
        assert_eq!(cfg.validation_data, sys(3));
        assert_eq!(cfg.test_data, "");
        assert_eq!(cfg.sel, vec![46, 92]);
        // DeePMD-kit's default loss normalisation (1/N), not ai4s's.
        assert!(!cfg.intensive_ener_virial);
        assert_eq!((cfg.rcut, cfg.rcut_smth), (6.0, 0.5));
        assert_eq!(cfg.neuron, vec![25, 50, 100]);
        assert_eq!(cfg.axis_neuron, 16);
        assert_eq!(cfg.fitting_neuron, vec![240, 240, 240]);
        assert!(cfg.resnet_dt);
        assert_eq!(cfg.numb_steps, 100000);
        assert_eq!(cfg.batch_size, 1);
        assert_eq!(cfg.disp_freq, 100);
        assert_eq!(
            (cfg.start_lr, cfg.stop_lr, cfg.decay_steps),
            (1e-3, 3.51e-8, 5000)
        );
        // The loss omits the virial prefactors: DeePMD-kit's default 0, not ai4s's.
        assert_eq!(
            [
                cfg.start_pref_e,
                cfg.limit_pref_e,
                cfg.start_pref_f,
                cfg.limit_pref_f,
                cfg.start_pref_v,
                cfg.limit_pref_v
            ],
            [0.02, 1.0, 1000.0, 1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn v2_example_needs_type_one_side_and_auto_batch_uses_the_atom_count() {
        let d = water_tree(&["O", "H"]);
        let e = err_text(translate(d.path(), parse(WATER_TF)));
        assert!(e.contains("`model.descriptor.type_one_side`"), "{e}");
        assert!(e.contains("input.json"), "{e}");
        let mut v = parse(WATER_TF);
        v["model"]["descriptor"]["type_one_side"] = Value::Bool(true);
        let t = translate(d.path(), v.clone()).expect("translates");
        // "auto" = at least 32 atoms per batch: one 192-atom frame.
        assert_eq!(t["batch_size"].as_integer(), Some(1));
        v["training"]["training_data"]["batch_size"] = Value::from("auto:400");
        let t = translate(d.path(), v.clone()).expect("translates");
        assert_eq!(t["batch_size"].as_integer(), Some(3));
        v["training"]["training_data"]["batch_size"] = Value::from("max:400");
        let t = translate(d.path(), v.clone()).expect("translates");
        assert_eq!(t["batch_size"].as_integer(), Some(2));
        v["training"]["training_data"]["batch_size"] = serde_json::json!([4, 4, 4]);
        let t = translate(d.path(), v.clone()).expect("translates");
        assert_eq!(t["batch_size"].as_integer(), Some(4));
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
    fn type_map_order_of_the_data_permutes_sel() {
        let d = water_tree(&["H", "O"]);
        let t = translate(d.path(), parse(WATER_TORCH)).expect("translates");
        assert_eq!(config(t).sel, vec![92, 46]);
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
        let found: Vec<&str> = cfg.training_data.split(',').collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].ends_with("data_0") && found[3].ends_with("data_3"));
        assert_eq!(cfg.validation_data, "");
    }

    #[test]
    fn learning_rate_variants() {
        let d = water_tree(&["O", "H"]);
        let mut v = parse(WATER_TORCH);
        let lr = &mut v["learning_rate"];
        lr.as_object_mut().expect("object").remove("stop_lr");
        let t = translate(d.path(), v.clone()).expect("translates");
        assert_eq!(t["stop_lr"].as_float(), Some(5e-8));
        v["learning_rate"]["stop_lr_ratio"] = Value::from(1e-3);
        let t = translate(d.path(), v.clone()).expect("translates");
        assert!((t["stop_lr"].as_float().expect("f") - 1e-6).abs() < 1e-18);
        v["learning_rate"]
            .as_object_mut()
            .expect("object")
            .remove("stop_lr_ratio");
        v["learning_rate"]["decay_rate"] = Value::from(0.95);
        let cfg = config(translate(d.path(), v.clone()).expect("translates"));
        // ai4s's per-decay factor is then exactly decay_rate.
        let r = (cfg.stop_lr / cfg.start_lr).powf(cfg.decay_steps as f64 / cfg.numb_steps as f64);
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
                Box::new(|v| {
                    v["training"]["training_data"]["auto_prob"] = Value::from("prob_uniform")
                }),
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
        v["model"]["descriptor"]["precision"] = Value::from("float32");
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
            std::fs::canonicalize(&cfg.training_data).expect("exists"),
            std::fs::canonicalize(root.join(&def.training_data)).expect("exists")
        );
        let strip = |c: &DeepPotConfig| DeepPotConfig {
            training_data: String::new(),
            validation_data: String::new(),
            test_data: String::new(),
            ..c.clone()
        };
        assert_eq!(
            toml::to_string(&strip(&cfg)).expect("toml"),
            toml::to_string(&strip(&def)).expect("toml")
        );
        assert_eq!(cfg.validation_data, def.validation_data);
    }
}
