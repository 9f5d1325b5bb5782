//! What drives molecular dynamics: one [`ForceField`] trait for reference labellers and
//! trained Deep Potentials alike.
//!
//! Every [`Labeller`] is a force field (a blanket implementation). A trained model becomes one
//! through [`DeepPotForceField`], which keeps a Verlet neighbour list: the list is built with
//! the cutoff `rcut + skin` and reused, with each neighbour's periodic image shift frozen, until
//! some atom has moved more than `skin / 2` since the build (then no pair can have crossed
//! `rcut` unseen) or the cell changed. Each call builds the se_e2_a environment of all atoms
//! from that list and makes one batched model call for the energy, forces and virial.

use crate::cell::{Cell, Neighbour, V3, neighbours};
use crate::env::{self, EnvData};
use crate::labeller::{Labeller, Labels};
use crate::meta::ModelMeta;
use crate::model::{DeepPot, batch};
use crate::model_file::load_model;
use ai4s_core::burn::tensor::Device;
use ai4s_core::error::ensure;
use ai4s_core::tensor::to_vec;
use ai4s_core::{Error, Result};
use std::path::Path;

/// A source of energy, forces and virial for molecular dynamics.
pub trait ForceField {
    /// Short name for logs and file names, e.g. `tb` or `deep-potential`.
    fn name(&self) -> &str;
    /// Energy (eV), forces (eV/A) and virial (eV) of the configuration.
    fn compute(&mut self, pos: &[V3], cell: &Cell) -> Result<Labels>;
}

impl<L: Labeller + ?Sized> ForceField for L {
    fn name(&self) -> &str {
        Labeller::name(self)
    }

    fn compute(&mut self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        Labeller::compute(self, pos, cell)
    }
}

impl ForceField for Box<dyn Labeller> {
    fn name(&self) -> &str {
        self.as_ref().name()
    }

    fn compute(&mut self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        self.as_ref().compute(pos, cell)
    }
}

/// A neighbour list built with `rcut + skin`, valid while no atom moved more than `skin / 2`.
pub(crate) struct VerletList {
    /// Positions at the build.
    origin: Vec<V3>,
    /// Cell at the build.
    cell: Cell,
    /// Per atom: neighbour index and the lattice vector added to `r_j - r_i`.
    pairs: Vec<Vec<(usize, V3)>>,
}

impl VerletList {
    /// Keeps `list` valid for `pos` in `cell` (rebuilding it with the cutoff `rcut + skin`
    /// when missing, stale or for another cell) and returns the neighbours within `rcut`, and
    /// whether it was rebuilt.
    pub(crate) fn refresh(
        list: &mut Option<VerletList>,
        pos: &[V3],
        cell: &Cell,
        rcut: f64,
        skin: f64,
    ) -> Result<(Vec<Vec<Neighbour>>, bool)> {
        let rebuild = match list.as_ref() {
            None => true,
            Some(l) => l.stale(pos, cell, skin),
        };
        if rebuild {
            let nl = neighbours(pos, cell, rcut + skin)?;
            let pairs = nl
                .iter()
                .enumerate()
                .map(|(i, list)| {
                    list.iter()
                        .map(|n| {
                            (
                                n.j,
                                std::array::from_fn(|a| n.r[a] - (pos[n.j][a] - pos[i][a])),
                            )
                        })
                        .collect()
                })
                .collect();
            *list = Some(VerletList {
                origin: pos.to_vec(),
                cell: *cell,
                pairs,
            });
        }
        let list = list
            .as_ref()
            .ok_or_else(|| Error::Runtime("neighbour list missing after a rebuild".into()))?;
        Ok((list.within(pos, rcut), rebuild))
    }

    fn stale(&self, pos: &[V3], cell: &Cell, skin: f64) -> bool {
        if self.cell != *cell || self.origin.len() != pos.len() {
            return true;
        }
        let limit = 0.25 * skin * skin;
        pos.iter().zip(&self.origin).any(|(r, o)| {
            let d: V3 = std::array::from_fn(|a| r[a] - o[a]);
            d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > limit
        })
    }

    /// The neighbours of `pos` within `rcut` among the listed pairs.
    fn within(&self, pos: &[V3], rcut: f64) -> Vec<Vec<Neighbour>> {
        let rc2 = rcut * rcut;
        let mut out = Vec::with_capacity(pos.len());
        for (i, pairs) in self.pairs.iter().enumerate() {
            let mut mine = Vec::new();
            for &(j, shift) in pairs {
                let r: V3 = std::array::from_fn(|a| pos[j][a] - pos[i][a] + shift[a]);
                let d2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
                if d2 < rc2 {
                    mine.push(Neighbour { j, r, d: d2.sqrt() });
                }
            }
            out.push(mine);
        }
        out
    }
}

/// A trained Deep Potential as a force field.
pub struct DeepPotForceField {
    model: DeepPot,
    meta: ModelMeta,
    types: Vec<usize>,
    device: Device,
    skin: f64,
    list: Option<VerletList>,
    rebuilds: usize,
}

impl DeepPotForceField {
    /// Wraps `model` (with the metadata it was trained with) for atoms of model types `types`;
    /// `skin` (A) is the Verlet-list margin (0 rebuilds the list at every call).
    pub fn new(
        model: DeepPot,
        meta: ModelMeta,
        types: Vec<usize>,
        device: Device,
        skin: f64,
    ) -> Result<DeepPotForceField> {
        ensure(
            skin.is_finite() && (0.0..=3.0).contains(&skin),
            "skin",
            || format!("must be in [0, 3] A, got {skin}"),
        )?;
        if let Some(&t) = types.iter().find(|&&t| t >= meta.type_map.len()) {
            return Err(Error::Runtime(format!(
                "atom type {t} is not in the model's type map {:?}",
                meta.type_map
            )));
        }
        Ok(DeepPotForceField {
            model,
            meta,
            types,
            device,
            skin,
            list: None,
            rebuilds: 0,
        })
    }

    /// Loads a model saved by the `deep-potential` task for atoms named `species` (e.g. `Si`),
    /// each of which must be in the model's type map.
    pub fn load(
        path: &Path,
        species: &[&str],
        device: &Device,
        skin: f64,
    ) -> Result<DeepPotForceField> {
        let (model, meta) = load_model(path, device)?;
        let types = species
            .iter()
            .map(|s| {
                meta.type_map.iter().position(|t| t == s).ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        format!(
                            "element {s} is not in the model's type map {:?}",
                            meta.type_map
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?;
        DeepPotForceField::new(model, meta, types, device.clone(), skin)
    }

    /// The same model for another set of atoms (model types `types`), with a fresh neighbour
    /// list.
    pub fn with_atoms(&self, types: Vec<usize>) -> Result<DeepPotForceField> {
        DeepPotForceField::new(
            self.model.clone(),
            self.meta.clone(),
            types,
            self.device.clone(),
            self.skin,
        )
    }

    /// The model's metadata.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// How many times the neighbour list has been built.
    pub fn rebuilds(&self) -> usize {
        self.rebuilds
    }

    /// The neighbour list of `pos` within `rcut`, from the Verlet list (rebuilt if needed).
    fn neighbour_list(&mut self, pos: &[V3], cell: &Cell) -> Result<Vec<Vec<Neighbour>>> {
        let (nl, rebuilt) =
            VerletList::refresh(&mut self.list, pos, cell, self.meta.env.rcut, self.skin)?;
        self.rebuilds += usize::from(rebuilt);
        Ok(nl)
    }

    /// The normalised environment of a configuration (what one model call consumes).
    pub fn environment(&mut self, pos: &[V3], cell: &Cell) -> Result<EnvData> {
        if pos.len() != self.types.len() {
            return Err(Error::Runtime(format!(
                "{} positions for a force field set up for {} atoms",
                pos.len(),
                self.types.len()
            )));
        }
        let nl = self.neighbour_list(pos, cell)?;
        env::build_from_list(
            &self.meta.env,
            &self.meta.stats,
            &self.types,
            &nl,
            Path::new("molecular dynamics"),
        )
    }
}

impl ForceField for DeepPotForceField {
    fn name(&self) -> &str {
        "deep-potential"
    }

    fn compute(&mut self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        let data = self.environment(pos, cell)?;
        let env = batch(
            &data,
            &[0],
            &self.types,
            self.meta.type_map.len(),
            &self.meta.bias,
            &self.device,
        );
        let pred = self.model.predict(&env);
        let energy = to_vec(pred.energy)?;
        let forces = to_vec(pred.forces)?;
        let virial = to_vec(pred.virial)?;
        if energy.len() != 1 || forces.len() != 3 * pos.len() || virial.len() != 9 {
            return Err(Error::Runtime(format!(
                "model returned {} energies, {} force components and {} virial components for {} atoms",
                energy.len(),
                forces.len(),
                virial.len(),
                pos.len()
            )));
        }
        if !energy[0].is_finite() || forces.iter().any(|f| !f.is_finite()) {
            return Err(Error::Runtime(
                "the model returned a non-finite energy or force".into(),
            ));
        }
        Ok(Labels {
            energy: energy[0],
            forces: forces.chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
            virial: std::array::from_fn(|a| std::array::from_fn(|b| virial[3 * a + b])),
        })
    }
}

/// Loads the saved model at `path` as a force field for atoms named `species` (one element
/// name per atom, matched to the model's type map by name); `skin` (A) is the Verlet-list
/// margin. The one entry point for every saved model format: ai4s weights (`model.bpk` with
/// `model.toml` beside it), DeePMD-kit model documents (`.yaml`, `.json`) and compressed models
/// (`ai4s potential compress`, evaluated natively in f64 whatever the device).
pub fn load_force_field(
    path: &Path,
    species: &[&str],
    device: &Device,
    skin: f64,
) -> Result<Box<dyn ForceField>> {
    if !path.exists() {
        return Err(Error::data(
            path,
            None,
            "no such model file; expected the `model.bpk` of `ai4s run deep-potential` (with `model.toml` beside it), a DeePMD-kit model document (.yaml, .json) or a compressed model (`ai4s potential compress`)",
        ));
    }
    if crate::compress::is_compressed_file(path) {
        return Ok(Box::new(crate::compress::CompressedForceField::load(
            path, species, skin,
        )?));
    }
    Ok(Box::new(DeepPotForceField::load(
        path, species, device, skin,
    )?))
}
