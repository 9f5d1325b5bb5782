//! [`CompressedForceField`]: a native (compressed or exact) Deep Potential driving molecular
//! dynamics, with the same Verlet neighbour list as [`crate::forcefield::DeepPotForceField`].

use super::engine::NativeDeepPot;
use crate::cell::{Cell, V3};
use crate::forcefield::{ForceField, VerletList};
use crate::labeller::Labels;
use ai4s_core::error::ensure;
use ai4s_core::{Error, Result};
use std::path::Path;
use std::sync::Arc;

/// A native Deep Potential (usually a compressed model file) as a force field.
pub struct CompressedForceField {
    model: Arc<NativeDeepPot>,
    types: Vec<usize>,
    skin: f64,
    list: Option<VerletList>,
    rebuilds: usize,
}

impl std::fmt::Debug for CompressedForceField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompressedForceField")
            .field("atoms", &self.types.len())
            .field("skin", &self.skin)
            .field("rebuilds", &self.rebuilds)
            .finish_non_exhaustive()
    }
}

impl CompressedForceField {
    /// Wraps `model` for atoms of model types `types`; `skin` (A) is the Verlet-list margin
    /// (0 rebuilds the list at every call).
    pub fn new(
        model: Arc<NativeDeepPot>,
        types: Vec<usize>,
        skin: f64,
    ) -> Result<CompressedForceField> {
        ensure(
            skin.is_finite() && (0.0..=3.0).contains(&skin),
            "skin",
            || format!("must be in [0, 3] A, got {skin}"),
        )?;
        let map = &model.meta().type_map;
        if let Some(&t) = types.iter().find(|&&t| t >= map.len()) {
            return Err(Error::Runtime(format!(
                "atom type {t} is not in the model's type map {map:?}"
            )));
        }
        Ok(CompressedForceField {
            model,
            types,
            skin,
            list: None,
            rebuilds: 0,
        })
    }

    /// Loads a compressed model file (written by `ai4s potential compress`) for atoms named
    /// `species` (e.g. `Si`), each of which must be in the model's type map.
    pub fn load(path: &Path, species: &[&str], skin: f64) -> Result<CompressedForceField> {
        let model = super::file::load(path)?;
        let map = &model.meta().type_map;
        let types = species
            .iter()
            .map(|s| {
                map.iter().position(|t| t == s).ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        format!("element {s} is not in the model's type map {map:?}"),
                    )
                })
            })
            .collect::<Result<_>>()?;
        CompressedForceField::new(Arc::new(model), types, skin)
    }

    /// The same model for another set of atoms, with a fresh neighbour list.
    pub fn with_atoms(&self, types: Vec<usize>) -> Result<CompressedForceField> {
        CompressedForceField::new(self.model.clone(), types, self.skin)
    }

    /// The native model.
    pub fn model(&self) -> &NativeDeepPot {
        &self.model
    }

    /// How many times the neighbour list has been built.
    pub fn rebuilds(&self) -> usize {
        self.rebuilds
    }
}

impl ForceField for CompressedForceField {
    fn name(&self) -> &str {
        if self.model.grid().is_some() {
            "deep-potential-compressed"
        } else {
            "deep-potential-native"
        }
    }

    fn compute(&mut self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        if pos.len() != self.types.len() {
            return Err(Error::Runtime(format!(
                "{} positions for a force field set up for {} atoms",
                pos.len(),
                self.types.len()
            )));
        }
        let rcut = self.model.meta().env.rcut;
        let (nl, rebuilt) = VerletList::refresh(&mut self.list, pos, cell, rcut, self.skin)?;
        self.rebuilds += usize::from(rebuilt);
        self.model.evaluate(&self.types, &nl)
    }
}
