//! Model compression for fast molecular dynamics, as DeePMD-kit's `dp compress` does it
//! (Lu, Wang, Zhang et al., "DP Compress: a Model Compression Scheme for Generating Efficient
//! Deep Potential Models", J. Chem. Theory Comput. 18, 5559 (2022)), and a native `f64`
//! inference engine for se_e2_a models (Zhang et al., PRL 120, 143001 (2018); NeurIPS 2018).
//!
//! - [`NativeDeepPot`]: the trained weights copied out of burn into plain arrays and evaluated
//!   without tensors: environment matrix from a neighbour list, embedding `G(s~)`, descriptor
//!   `D = T^T T<` with `T = R^T G / Nc`, fitting net, energy, and forces and virial by
//!   hand-written backpropagation (see [`evaluate`] for the formulas), threaded over atoms.
//!   Exact, it reproduces the burn model (`DeepPot::predict`) to rounding. It always computes
//!   in `f64`: weights saved in f32 widen exactly, so it equals the burn model evaluated in
//!   f64 (`--f64`) and differs from an f32 evaluation by f32 rounding.
//! - Compressed, each embedding net (one scalar input `x = s~`, `M1` outputs) is replaced by a
//!   table of fifth-order polynomials on a uniform grid (see [`table`]): `G` costs one lookup
//!   and `6 M1` multiply-adds instead of the net's layers, and `dG/dx` (what the forces need)
//!   is the polynomial's derivative.
//! - The table's range: DeePMD-kit's rule from the model's statistics and the closest
//!   neighbour distance of the data (`min_nbor_dist`): `lower = floor(min_t -davg_t/dstd_t)`
//!   (`s = 0`: a neighbour at `rcut` and every empty slot), `upper = ceil(max_t (s(d_min) -
//!   davg_t)/dstd_t)`. ai4s models do not store `d_min`, so `ai4s potential compress` takes
//!   it from data (`--data`, e.g. the training systems, scanned for their closest pair) or
//!   as a number (`--min-nbor-dist`). Defaults as DeePMD-kit: `stride 0.01`, `extrapolate 5`
//!   (a second region of step `10 stride` from `upper` to `5 upper`). Inputs beyond the table
//!   are evaluated by the exact net (counted by [`NativeDeepPot::outside_table`]).
//! - [`file`]: the compressed model as one self-contained file; [`CompressedForceField`]
//!   drives molecular dynamics with it.

mod engine;
pub mod evaluate;
pub mod file;
mod forcefield;
mod net;
pub mod table;

pub use engine::NativeDeepPot;
pub use file::{is_compressed_file, load, save};
pub use forcefield::CompressedForceField;
pub use table::Grid;

use crate::cell::neighbours;
use crate::evaluate::{SystemPrediction, errors};
use crate::model_file::load_model;
use crate::prepared::{ReadSystem, prepare, read_for_model};
use ai4s_core::burn::tensor::Device;
use ai4s_core::error::ensure;
use ai4s_core::{Error, Result};
use std::path::Path;

/// How to compress a model (`ai4s potential compress`).
#[derive(Clone, Debug)]
pub struct CompressOptions {
    /// Table step in `s~` (DeePMD-kit default 0.01).
    pub stride: f64,
    /// The extrapolation region reaches `extrapolate x upper` (DeePMD-kit default 5).
    pub extrapolate: f64,
    /// Systems (comma-separated) whose closest pair sets the table's upper bound.
    pub data: Option<String>,
    /// The closest pair distance (A), instead of `data`.
    pub min_nbor_dist: Option<f64>,
}

impl Default for CompressOptions {
    fn default() -> Self {
        CompressOptions {
            stride: 0.01,
            extrapolate: 5.0,
            data: None,
            min_nbor_dist: None,
        }
    }
}

/// Largest deviations of the compressed model from the exact one over some frames.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Deviation {
    /// Frames compared.
    pub frames: usize,
    /// Largest `|dE|` per atom (eV).
    pub energy_per_atom: f64,
    /// Largest `|dF|` of one component (eV/A).
    pub force: f64,
    /// Largest `|dW|` of one component per atom (eV).
    pub virial_per_atom: f64,
    /// Largest `|F|` component of the exact model (the scale of `force`).
    pub force_scale: f64,
}

/// What [`compress_file`] did.
#[derive(Clone, Debug)]
pub struct CompressSummary {
    /// The closest pair distance used (A).
    pub min_nbor_dist: f64,
    /// The table grid.
    pub grid: Grid,
    /// Number of tabulated embedding nets.
    pub tables: usize,
    /// Size of the written file (bytes).
    pub bytes: u64,
    /// Compressed against exact on the `data` frames, if data was given.
    pub deviation: Option<Deviation>,
}

/// Closest pair distance (A) within `rcut` over every frame of `systems`.
pub fn min_nbor_dist(systems: &[ReadSystem], rcut: f64) -> Result<f64> {
    let mut best = f64::INFINITY;
    for (sys, _) in systems {
        for f in &sys.frames {
            let nl = neighbours(&f.pos, &f.cell, rcut)?;
            best = nl.iter().flatten().fold(best, |m, nb| m.min(nb.d));
        }
    }
    if best.is_finite() {
        Ok(best)
    } else {
        Err(Error::Runtime(format!(
            "no two atoms of the data are within rcut {rcut} A of each other; give --min-nbor-dist instead"
        )))
    }
}

/// Compresses the model at `model_path` (ai4s weights or a DeePMD-kit document, loaded on
/// `device`) and writes the compressed model to `out`.
pub fn compress_file(
    model_path: &Path,
    out: &Path,
    opts: &CompressOptions,
    device: &Device,
) -> Result<CompressSummary> {
    ensure(
        opts.stride.is_finite() && opts.stride > 0.0,
        "stride",
        || format!("must be a positive number, got {}", opts.stride),
    )?;
    let (model, meta) = load_model(model_path, device)?;
    let exact = NativeDeepPot::from_model(&model, &meta)?;
    let systems = match &opts.data {
        Some(list) => read_for_model(list, &meta.type_map)?.1,
        None => Vec::new(),
    };
    let d_min = match (opts.min_nbor_dist, &opts.data) {
        (Some(d), _) => d,
        (None, Some(_)) => min_nbor_dist(&systems, meta.env.rcut)?,
        (None, None) => {
            return Err(Error::config(
                "min_nbor_dist",
                "the table's range needs the closest neighbour distance: give --data (e.g. the training systems) or --min-nbor-dist",
            ));
        }
    };
    let compressed = exact.compressed(d_min, opts.stride, opts.extrapolate)?;
    let deviation = if systems.is_empty() {
        None
    } else {
        Some(deviation(&exact, &compressed, &systems)?)
    };
    save(&compressed, model_path, out)?;
    let bytes = std::fs::metadata(out)
        .map_err(|e| Error::io("reading", out, e))?
        .len();
    Ok(CompressSummary {
        min_nbor_dist: d_min,
        grid: compressed.grid().expect("a compressed model has a grid"),
        tables: compressed.embed.len(),
        bytes,
        deviation,
    })
}

/// Largest differences between two native models over every frame of `systems`.
pub fn deviation(
    exact: &NativeDeepPot,
    other: &NativeDeepPot,
    systems: &[ReadSystem],
) -> Result<Deviation> {
    let mut dev = Deviation::default();
    for (sys, _) in systems {
        let n = sys.natoms() as f64;
        for f in &sys.frames {
            let a = exact.compute(&sys.types, &f.pos, &f.cell)?;
            let b = other.compute(&sys.types, &f.pos, &f.cell)?;
            dev.frames += 1;
            dev.energy_per_atom = dev.energy_per_atom.max((a.energy - b.energy).abs() / n);
            for (fa, fb) in a.forces.iter().zip(&b.forces) {
                for c in 0..3 {
                    dev.force = dev.force.max((fa[c] - fb[c]).abs());
                    dev.force_scale = dev.force_scale.max(fa[c].abs());
                }
            }
            for (wa, wb) in a.virial.iter().flatten().zip(b.virial.iter().flatten()) {
                dev.virial_per_atom = dev.virial_per_atom.max((wa - wb).abs() / n);
            }
        }
    }
    Ok(dev)
}

/// Evaluates a compressed model file on systems, like [`crate::model_file::predict_model`].
pub fn predict_file(model_path: &Path, data: &str) -> Result<Vec<SystemPrediction>> {
    let model = load(model_path)?;
    let meta = model.meta();
    let mut out = Vec::new();
    for (s, p) in read_for_model(data, &meta.type_map)?.1 {
        let prepared = prepare(&meta.env, &meta.stats, &s, &p)?;
        let (mut energy, mut forces, mut virial) = (Vec::new(), Vec::new(), Vec::new());
        for f in &s.frames {
            let l = model.compute(&s.types, &f.pos, &f.cell)?;
            energy.push(l.energy);
            forces.extend(l.forces.iter().flatten());
            virial.extend(l.virial.iter().flatten());
        }
        let idx: Vec<usize> = (0..s.frames.len()).collect();
        let pred = (energy, forces, virial);
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
