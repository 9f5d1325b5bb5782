//! The starting structure of a run: read from extended XYZ, a DeePMD system directory or a
//! LAMMPS data file, with atoms named by element and given masses.

use crate::cell::{Cell, V3};
use crate::elements::atomic_mass;
use crate::frames::System;
use ai4s_core::{Error, Result};
use std::path::{Path, PathBuf};

/// Atoms named by element in a cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Structure {
    /// Element name of each atom.
    pub species: Vec<String>,
    /// Positions (A).
    pub pos: Vec<V3>,
    /// The cell (a large isolated box when not periodic).
    pub cell: Cell,
    /// Whether the cell is periodic.
    pub periodic: bool,
    /// Masses the file gives each atom (LAMMPS `Masses`), else `None`.
    pub file_masses: Vec<Option<f64>>,
    /// Where the structure came from.
    pub path: PathBuf,
}

/// The formats a structure is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructureFormat {
    /// Extended XYZ (`.xyz`, `.extxyz`).
    Xyz,
    /// A DeePMD-kit system directory (raw or npy).
    DeepMd,
    /// A LAMMPS data file, `atom_style atomic` (`.data`, `.lmp`, `data.*`).
    LammpsData,
}

impl StructureFormat {
    /// The format of `path`: a directory is a DeePMD system; otherwise the extension decides
    /// (`.xyz`/`.extxyz`, `.data`/`.lmp`/`.lammps` or a name `data.*`), else the first line
    /// (an atom count starts an XYZ file, anything else is taken as a LAMMPS title).
    pub fn detect(path: &Path) -> Result<StructureFormat> {
        if path.is_dir() {
            return Ok(StructureFormat::DeepMd);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match ext.as_str() {
            "xyz" | "extxyz" => return Ok(StructureFormat::Xyz),
            "data" | "lmp" | "lammps" => return Ok(StructureFormat::LammpsData),
            _ if name.starts_with("data.") => return Ok(StructureFormat::LammpsData),
            _ => {}
        }
        let text = ai4s_core::io::read_to_string(path)?;
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        Ok(if first.trim().parse::<usize>().is_ok() {
            StructureFormat::Xyz
        } else {
            StructureFormat::LammpsData
        })
    }
}

/// Reads frame `frame` (0-based) of the structure at `path`. `type_map` names the types of a
/// LAMMPS data file (type 1 first) or of a DeePMD system without `type_map.raw`.
pub fn read_structure(path: &Path, frame: usize, type_map: Option<&[String]>) -> Result<Structure> {
    let format = StructureFormat::detect(path)?;
    if format == StructureFormat::LammpsData {
        if frame != 0 {
            return Err(Error::data(
                path,
                None,
                format!(
                    "a LAMMPS data file holds one configuration; --frame {frame} asks for another"
                ),
            ));
        }
        let data = crate::lammps_data::read(path, type_map)?;
        let sys = System {
            type_map: data.type_map.clone(),
            types: data.types.clone(),
            frames: vec![crate::frames::Frame::unlabelled(
                data.cell,
                data.pos.clone(),
            )],
        };
        sys.validate_input(path)?;
        return Ok(Structure {
            species: data
                .types
                .iter()
                .map(|&t| data.type_map[t].clone())
                .collect(),
            file_masses: data.types.iter().map(|&t| data.masses[t]).collect(),
            pos: data.pos,
            cell: data.cell,
            periodic: true,
            path: path.to_owned(),
        });
    }
    let (system, nopbc) = if format == StructureFormat::DeepMd {
        let sys = crate::deepmd::read_system(path, type_map)?;
        if let Some(given) = type_map
            && path.join("type_map.raw").exists()
            && sys.type_map.as_slice() != given
        {
            return Err(Error::data(
                path.join("type_map.raw"),
                None,
                format!(
                    "names the types {:?}, which the type map {given:?} contradicts; leave the type map out",
                    sys.type_map
                ),
            ));
        }
        (sys, path.join("nopbc").exists())
    } else {
        if type_map.is_some() {
            return Err(Error::data(
                path,
                None,
                "an extended XYZ file names its species itself; a type map applies to LAMMPS data files and DeePMD systems",
            ));
        }
        (crate::xyz::read(path)?, false)
    };
    let count = system.frames.len();
    let f = system.frames.into_iter().nth(frame).ok_or_else(|| {
        Error::data(
            path,
            None,
            format!(
                "has {count} frame(s) (0 to {}); --frame {frame} is not one of them",
                count - 1
            ),
        )
    })?;
    // Non-periodic input reaches here with the readers' isolated box.
    let periodic = !nopbc && f.cell != Cell::isolated(&f.pos);
    let n = f.pos.len();
    Ok(Structure {
        species: system
            .types
            .iter()
            .map(|&t| system.type_map[t].clone())
            .collect(),
        pos: f.pos,
        cell: f.cell,
        periodic,
        file_masses: vec![None; n],
        path: path.to_owned(),
    })
}

impl Structure {
    /// The elements present, in order of first appearance.
    pub fn elements(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.species {
            if !out.contains(&s.as_str()) {
                out.push(s);
            }
        }
        out
    }

    /// The mass (amu) of every atom: from `overrides` (element, mass), else from the file,
    /// else the element's standard atomic weight.
    pub fn masses(&self, overrides: &[(String, f64)]) -> Result<Vec<f64>> {
        let elements = self.elements();
        for (name, m) in overrides {
            if !elements.contains(&name.as_str()) {
                return Err(Error::config(
                    "mass",
                    format!(
                        "{name}={m}: the structure {} has no {name} (its elements: {})",
                        self.path.display(),
                        elements.join(", ")
                    ),
                ));
            }
            if !(m.is_finite() && *m > 0.0) {
                return Err(Error::config(
                    "mass",
                    format!("{name}={m}: a mass must be a positive number of amu"),
                ));
            }
        }
        self.species
            .iter()
            .zip(&self.file_masses)
            .map(|(s, file)| {
                overrides
                    .iter()
                    .rev()
                    .find(|(name, _)| name == s)
                    .map(|(_, m)| *m)
                    .or(*file)
                    .or_else(|| atomic_mass(s))
                    .ok_or_else(|| {
                        Error::data(
                            &self.path,
                            None,
                            format!("`{s}` is not an element symbol, so its mass is unknown: give it with --mass {s}=AMU"),
                        )
                    })
            })
            .collect()
    }
}

/// Parses a mass override `El=value` (amu), e.g. `Si=28.0855`.
pub fn parse_mass_override(s: &str) -> std::result::Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not ELEMENT=AMU (e.g. Si=28.0855)"))?;
    let m: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|m: &f64| m.is_finite() && *m > 0.0)
        .ok_or_else(|| format!("`{value}` in `{s}` is not a positive mass in amu"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`{s}` names no element"));
    }
    Ok((name.to_owned(), m))
}
