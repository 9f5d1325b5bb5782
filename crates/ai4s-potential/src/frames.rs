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

    /// The stricter checks of data read from outside, after [`System::validate`]: at least one
    /// frame, finite labels of sane magnitude, and no two atoms at the same position. Errors
    /// name `path` and the frame.
    pub fn validate_input(&self, path: &Path) -> Result<()> {
        self.validate(path)?;
        if self.frames.is_empty() {
            return Err(Error::data(
                path,
                None,
                "no frames: expected at least one configuration",
            ));
        }
        for (k, f) in self.frames.iter().enumerate() {
            let bad = |m: String| Error::data(path, None, format!("frame {}: {m}", k + 1));
            check_values(f.pos.iter().flatten(), MAX_COORD, "coordinate").map_err(bad)?;
            check_values(f.cell.h.iter().flatten(), MAX_COORD, "cell entry").map_err(bad)?;
            if let Some(e) = f.energy {
                check_values([e].iter(), MAX_LABEL, "energy").map_err(bad)?;
            }
            if let Some(fs) = &f.forces {
                check_values(fs.iter().flatten(), MAX_LABEL, "force").map_err(bad)?;
            }
            if let Some(v) = &f.virial {
                check_values(v.iter().flatten(), MAX_LABEL, "virial entry").map_err(bad)?;
            }
            if let Some((i, j)) = coincident_atoms(&f.pos, &f.cell) {
                return Err(bad(format!(
                    "atoms {} and {} are at the same position {:?}; remove the duplicate",
                    i + 1,
                    j + 1,
                    f.pos[j]
                )));
            }
        }
        Ok(())
    }
}

/// Largest accepted |coordinate| or cell entry (A): far beyond any simulation box, small enough
/// that squared distances stay finite in f32.
const MAX_COORD: f64 = 1e6;
/// Largest accepted |energy|, |force| or |virial| entry (eV, eV/A).
const MAX_LABEL: f64 = 1e12;

fn check_values<'a>(
    values: impl Iterator<Item = &'a f64>,
    max: f64,
    what: &str,
) -> std::result::Result<(), String> {
    for (i, &v) in values.enumerate() {
        if !v.is_finite() {
            return Err(format!("{what} {} is {v}; expected a finite number", i + 1));
        }
        if v.abs() > max {
            return Err(format!(
                "{what} {} is {v:e}; expected a magnitude below {max:e} (wrong units?)",
                i + 1
            ));
        }
    }
    Ok(())
}

/// The first pair of atoms at the same periodic position (within 1e-7 of the cell in fractional
/// coordinates), found by hashing wrapped fractional coordinates: O(n) per frame.
fn coincident_atoms(pos: &[V3], cell: &Cell) -> Option<(usize, usize)> {
    const GRID: f64 = 1e7;
    let mut seen = std::collections::HashMap::with_capacity(pos.len());
    for (j, &r) in pos.iter().enumerate() {
        let s = cell.fractional(r);
        let key: [i64; 3] =
            std::array::from_fn(|k| ((s[k] - s[k].floor()) * GRID).round().rem_euclid(GRID) as i64);
        if let Some(i) = seen.insert(key, j) {
            return Some((i, j));
        }
    }
    None
}
