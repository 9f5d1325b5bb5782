//! Loading a saved model (ai4s weights with `model.toml`, or a DeePMD-kit document) and
//! evaluating it on systems, like `dp test`.

use crate::evaluate::{Errors, SystemPrediction, errors};
use crate::meta::{LayoutTable, ModelMeta, check_meta};
use crate::model::DeepPot;
use crate::prepared::{predict_all, prepare, read_for_model};
use ai4s_core::burn::tensor::Device;
use ai4s_core::{Error, Result};
use std::path::{Path, PathBuf};

/// Whether `path` names a DeePMD-kit model document (`.yaml`, `.yml` or `.json`) rather than
/// ai4s weights.
pub fn is_deepmd_document(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Loads a model saved by the `deep-potential` task (`model.bpk` with `model.toml` beside it),
/// or a DeePMD-kit model document (`.yaml`/`.json`, see [`crate::dpmodel`]).
pub fn load_model(path: &Path, device: &Device) -> Result<(DeepPot, ModelMeta)> {
    if is_deepmd_document(path) {
        return crate::dpmodel::import_file(path, device);
    }
    if crate::compress::is_compressed_file(path) {
        return Err(Error::data(
            path,
            None,
            "a compressed model (from `ai4s potential compress`) has no burn weights; give the model it was compressed from",
        ));
    }
    let meta_path = path.with_extension("toml");
    let text = ai4s_core::io::read_to_string(&meta_path)?;
    let meta: ModelMeta = toml::from_str(&text).map_err(|e| {
        Error::data(
            &meta_path,
            None,
            format!("not a model description: {}", e.message()),
        )
    })?;
    let layout = toml::from_str::<LayoutTable>(&text)
        .map_err(|e| Error::data(&meta_path, None, format!("[layout]: {}", e.message())))?
        .layout;
    check_meta(&meta).map_err(|m| Error::data(&meta_path, None, m))?;
    ai4s_core::error::ensure(
        layout.embedding_idt.len() <= meta.net.neuron.len()
            && layout.fitting_idt.len() <= meta.net.fitting_neuron.len(),
        "layout",
        || "has more timestep flags than the networks have layers".into(),
    )?;
    let model = DeepPot::with_layout(&meta.net, &meta.env.sel, &layout, device);
    let model = ai4s_core::io::load_weights(model, path)
        .map_err(|e| Error::data(path, None, format!("cannot load the weights ({e:?}); was it written by `ai4s run deep-potential` with the sizes in {}?", meta_path.display())))?;
    // The record keeps the precision it was saved in; evaluate in the device's.
    let model = model.on_device(device)?;
    Ok((model, meta))
}

/// Evaluates a saved model on systems (like `dp test`): errors per system.
pub fn test_model(
    model_path: &Path,
    data: &str,
    device: &Device,
) -> Result<Vec<(PathBuf, usize, Errors)>> {
    Ok(predict_model(model_path, data, device)?
        .into_iter()
        .map(|p| (p.path, p.frames, p.errors))
        .collect())
}

/// Evaluates a saved model (ai4s weights, a DeePMD-kit document or a compressed model) on
/// systems.
pub fn predict_model(
    model_path: &Path,
    data: &str,
    device: &Device,
) -> Result<Vec<SystemPrediction>> {
    if crate::compress::is_compressed_file(model_path) {
        // Evaluated natively in f64, whatever the device.
        return crate::compress::predict_file(model_path, data);
    }
    let (model, meta) = load_model(model_path, device)?;
    let mut out = Vec::new();
    for (s, p) in read_for_model(data, &meta.type_map)?.1 {
        let prepared = prepare(&meta.env, &meta.stats, &s, &p)?;
        let idx: Vec<usize> = (0..prepared.env.frames).collect();
        let pred = predict_all(
            &model,
            &prepared,
            &idx,
            meta.type_map.len(),
            &meta.bias,
            device,
        )?;
        let errors = errors(&prepared, &idx, &pred);
        out.push(SystemPrediction {
            path: p,
            frames: idx.len(),
            errors,
            energy: pred.0,
            forces: pred.1,
            virial: pred.2,
            ref_energy: prepared.targets.energy,
            ref_forces: prepared.targets.forces,
            ref_virial: prepared.targets.virial,
        });
    }
    Ok(out)
}
