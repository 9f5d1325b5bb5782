//! Labelled configurations: the common currency of the data readers, writers and trainers.

use crate::cell::{Cell, V3};
use ai4s_core::{Error, Result};
use std::path::Path;

/// One configuration with its reference labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Periodic cell.
    pub cell: Cell,
    /// Cartesian positions (A).
    pub pos: Vec<V3>,
    /// Total energy (eV), if labelled.
    pub energy: Option<f64>,
    /// Forces (eV/A), if labelled.
    pub forces: Option<Vec<V3>>,
    /// Virial (eV), if labelled.
    pub virial: Option<[V3; 3]>,
}

/// Frames sharing one list of atom types.
#[derive(Clone, Debug, PartialEq)]
pub struct System {
    /// Element names, indexed by type.
    pub type_map: Vec<String>,
    /// Type index of each atom.
    pub types: Vec<usize>,
    /// The frames.
    pub frames: Vec<Frame>,
}

impl System {
    /// Number of atoms per frame.
    pub fn natoms(&self) -> usize {
        self.types.len()
    }

    /// Checks shapes and values; errors name `path` and the frame.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let n = self.natoms();
        if n == 0 {
            return Err(Error::data(path, None, "system has no atoms"));
        }
        if let Some(t) = self
            .types
            .iter()
            .find(|&&t| t >= self.type_map.len().max(1))
        {
            return Err(Error::data(
                path,
                None,
                format!(
                    "atom type {t} has no name in the type map {:?}",
                    self.type_map
                ),
            ));
        }
        for (k, f) in self.frames.iter().enumerate() {
            let bad = |m: String| Error::Data {
                path: path.to_owned(),
                line: Some(k + 1),
                column: None,
                message: format!("frame {}: {m}", k + 1),
            };
            if f.pos.len() != n {
                return Err(bad(format!("{} positions for {n} atoms", f.pos.len())));
            }
            if f.pos.iter().flatten().any(|v| !v.is_finite()) {
                return Err(bad("non-finite coordinate".into()));
            }
            f.cell.validate().map_err(|e| bad(e.to_string()))?;
            if let Some(e) = f.energy.filter(|e| !e.is_finite()) {
                return Err(bad(format!("energy {e} is not finite")));
            }
            if let Some(fs) = &f.forces {
                if fs.len() != n {
                    return Err(bad(format!("{} forces for {n} atoms", fs.len())));
                }
                if fs.iter().flatten().any(|v| !v.is_finite()) {
                    return Err(bad("non-finite force".into()));
                }
            }
        }
        Ok(())
    }
}
