//! Training and test systems prepared for the model: read from DeePMD directories or extended
//! XYZ, labels flattened, environment matrices built once; chunked prediction over frames.

use crate::deepmd;
use crate::env::{self, EnvData, EnvSpec, EnvStats};
use crate::frames::System;
use crate::model::{DeepPot, Prediction, batch};
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::tensor::to_vec as values;
use ai4s_core::{Error, Result};
use std::path::{Path, PathBuf};

/// A system and the path it was read from.
pub type ReadSystem = (System, PathBuf);

/// Reads one or more systems (DeePMD directories or extended XYZ files), comma-separated.
/// `type_map` names the types of DeePMD directories that have no `type_map.raw` (the model's
/// type map, as DeePMD-kit reads them); the systems keep their own type maps otherwise (see
/// [`System::remap_types`]).
pub fn read_systems(list: &str, type_map: Option<&[String]>) -> Result<Vec<ReadSystem>> {
    entries(list).map(|s| read_one(s, type_map)).collect()
}

/// Reads the systems of `list` for a model with DeePMD-kit's type semantics: the model's type
/// map is `model_map`, or the first system's when that is empty; every later system is read
/// with it (a DeePMD directory without `type_map.raw` takes its names) and every system's
/// types are remapped to its order through the system's own names. Returns the model's type
/// map (empty only when `list` names no system) and the remapped systems.
pub fn read_for_model(list: &str, model_map: &[String]) -> Result<(Vec<String>, Vec<ReadSystem>)> {
    let mut map: Option<Vec<String>> = (!model_map.is_empty()).then(|| model_map.to_vec());
    let mut out = Vec::new();
    for s in entries(list) {
        let (sys, p) = read_one(s, map.as_deref())?;
        let m = map.get_or_insert_with(|| sys.type_map.clone());
        out.push((sys.remap_types(m, &p)?, p));
    }
    Ok((map.unwrap_or_default(), out))
}

/// The non-empty entries of a comma-separated list of paths.
fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Reads one DeePMD directory or extended XYZ file.
fn read_one(s: &str, type_map: Option<&[String]>) -> Result<ReadSystem> {
    let p = PathBuf::from(s);
    let sys = if p.is_dir() {
        deepmd::read_system(&p, type_map)?
    } else if p.exists() {
        crate::xyz::read(&p)?
    } else {
        return Err(Error::Data {
            path: p.clone(),
            line: None,
            column: None,
            message: "no such DeePMD directory or extended XYZ file".into(),
        });
    };
    Ok((sys, p))
}

/// Labels of a system as flat arrays.
pub(crate) struct Targets {
    pub(crate) energy: Vec<f64>,
    pub(crate) forces: Vec<f64>,
    pub(crate) virial: Option<Vec<f64>>,
}

pub(crate) fn targets(s: &System, path: &Path) -> Result<Targets> {
    let missing = |what: &str| {
        Error::data(
            path,
            None,
            format!("frames without {what}: training needs energies and forces"),
        )
    };
    Ok(Targets {
        energy: s
            .frames
            .iter()
            .map(|f| f.energy.ok_or_else(|| missing("energy")))
            .collect::<Result<_>>()?,
        forces: s
            .frames
            .iter()
            .map(|f| f.forces.clone().ok_or_else(|| missing("forces")))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .flatten()
            .collect(),
        virial: virials(s, path)?,
    })
}

/// The virial labels of every frame, or none; a system where some frames have a virial and
/// others do not is refused naming the first frame of each kind (dropping the labels of all
/// frames, or training on a part, would change the loss silently).
fn virials(s: &System, path: &Path) -> Result<Option<Vec<f64>>> {
    let with = s.frames.iter().position(|f| f.virial.is_some());
    let without = s.frames.iter().position(|f| f.virial.is_none());
    match (with, without) {
        (Some(w), Some(wo)) => Err(Error::data(
            path,
            Some(wo + 1),
            format!(
                "frame {} has no virial but frame {} has one: give every frame of a system a virial (e.g. virial.npy in every set.*) or none",
                wo + 1,
                w + 1
            ),
        )),
        (Some(_), None) => Ok(Some(
            s.frames
                .iter()
                .filter_map(|f| f.virial)
                .flatten()
                .flatten()
                .collect(),
        )),
        _ => Ok(None),
    }
}

/// A system prepared for the model.
pub(crate) struct Prepared {
    pub(crate) env: EnvData,
    pub(crate) types: Vec<usize>,
    pub(crate) targets: Targets,
    pub(crate) natoms: usize,
}

pub(crate) fn prepare(
    spec: &EnvSpec,
    stats: &EnvStats,
    s: &System,
    path: &Path,
) -> Result<Prepared> {
    Ok(Prepared {
        env: env::build(spec, stats, s, path)?,
        types: s.types.clone(),
        targets: targets(s, path)?,
        natoms: s.natoms(),
    })
}

pub(crate) fn tensor<const D: usize>(v: Vec<f64>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(v, shape), device)
}

/// Per-frame predictions of a model on `idx` frames, in chunks.
pub(crate) fn predict_all(
    model: &DeepPot,
    p: &Prepared,
    idx: &[usize],
    ntypes: usize,
    bias: &[f64],
    device: &Device,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let (mut e, mut f, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for chunk in idx.chunks(4) {
        let pred: Prediction = model.predict(&batch(&p.env, chunk, &p.types, ntypes, bias, device));
        e.extend(values(pred.energy)?);
        f.extend(values(pred.forces)?);
        w.extend(values(pred.virial)?);
    }
    Ok((e, f, w))
}
