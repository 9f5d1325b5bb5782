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

impl Frame {
    /// A configuration without labels (a structure to simulate, or to take statistics from).
    pub fn unlabelled(cell: Cell, pos: Vec<V3>) -> Frame {
        Frame {
            cell,
            pos,
            energy: None,
            forces: None,
            virial: None,
        }
    }
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

    /// The same system with its atom types re-expressed in `model_map`'s order, as DeePMD-kit
    /// reads data: each system names its types in its own type map (`type_map.raw`, an XYZ
    /// file's species), the model's type map decides the indices. A system may use a subset of
    /// the model's elements, in any order; an element the model does not know is refused,
    /// naming `path`.
    pub fn remap_types(self, model_map: &[String], path: &Path) -> Result<System> {
        if self.type_map == model_map {
            return Ok(self);
        }
        let to_model: Vec<Option<usize>> = self
            .type_map
            .iter()
            .map(|name| model_map.iter().position(|m| m == name))
            .collect();
        let types = self
            .types
            .iter()
            .map(|&t| {
                to_model.get(t).copied().flatten().ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        format!(
                            "element `{}` (type {t} of the system's type map {:?}) is not in the model's type map {model_map:?}",
                            self.type_map.get(t).map_or("?", String::as_str),
                            self.type_map
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?;
        Ok(System {
            type_map: model_map.to_vec(),
            types,
            frames: self.frames,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sys(map: &[&str], types: Vec<usize>) -> System {
        System {
            type_map: map.iter().map(|s| s.to_string()).collect(),
            types,
            frames: Vec::new(),
        }
    }

    #[test]
    fn types_are_remapped_by_name_to_the_model_order() {
        let model: Vec<String> = ["O", "H", "C"].iter().map(|s| s.to_string()).collect();
        // Another order, and a subset of the model's elements.
        let s = sys(&["H", "O"], vec![1, 0, 0])
            .remap_types(&model, Path::new("d"))
            .expect("remaps");
        assert_eq!(s.types, vec![0, 1, 1]);
        assert_eq!(s.type_map, model);
        let s = sys(&["C"], vec![0, 0])
            .remap_types(&model, Path::new("d"))
            .expect("remaps");
        assert_eq!(s.types, vec![2, 2]);
        let e = sys(&["O", "N"], vec![0, 1])
            .remap_types(&model, Path::new("d"))
            .expect_err("N is unknown")
            .to_string();
        assert!(
            e.contains("element `N`") && e.contains("not in the model's type map"),
            "{e}"
        );
    }
}
