//! DeePMD-kit system directories: `type.raw`, `type_map.raw`, per-frame `*.raw` rows and
//! `set.NNN/*.npy` arrays (Angstrom, eV, eV/A; virial in eV; box vectors as rows).

use crate::cell::{Cell, V3};
use crate::frames::{Frame, System};
use crate::npy;
use ai4s_core::{Error, Result};
use std::path::{Path, PathBuf};

fn fmt_row(v: impl IntoIterator<Item = f64>) -> String {
    v.into_iter()
        .map(|x| format!("{x:.12e}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `system` to `dir` as raw files and as one `set.000` of npy arrays.
pub fn write_system(dir: &Path, system: &System) -> Result<()> {
    system.validate(dir)?;
    ai4s_core::io::create_dir(&dir.join("set.000"))?;
    let w =
        |name: &str, text: String| ai4s_core::io::write_atomic(&dir.join(name), text.as_bytes());
    w(
        "type.raw",
        system.types.iter().map(|t| format!("{t}\n")).collect(),
    )?;
    w(
        "type_map.raw",
        system.type_map.iter().map(|t| format!("{t}\n")).collect(),
    )?;
    let n = system.natoms();
    let nf = system.frames.len();
    let coords: Vec<f64> = system
        .frames
        .iter()
        .flat_map(|f| f.pos.iter().flatten().copied())
        .collect();
    let boxes: Vec<f64> = system
        .frames
        .iter()
        .flat_map(|f| f.cell.h.iter().flatten().copied())
        .collect();
    let lines = |data: &[f64], width: usize| {
        data.chunks(width)
            .map(|c| fmt_row(c.iter().copied()) + "\n")
            .collect::<String>()
    };
    w("coord.raw", lines(&coords, 3 * n))?;
    w("box.raw", lines(&boxes, 9))?;
    npy::write(&dir.join("set.000/coord.npy"), &coords, &[nf, 3 * n])?;
    npy::write(&dir.join("set.000/box.npy"), &boxes, &[nf, 9])?;
    if system.frames.iter().all(|f| f.energy.is_some()) {
        let e: Vec<f64> = system.frames.iter().filter_map(|f| f.energy).collect();
        w("energy.raw", lines(&e, 1))?;
        npy::write(&dir.join("set.000/energy.npy"), &e, &[nf])?;
    }
    if system.frames.iter().all(|f| f.forces.is_some()) {
        let f: Vec<f64> = system
            .frames
            .iter()
            .flat_map(|f| f.forces.iter().flatten().flatten().copied())
            .collect();
        w("force.raw", lines(&f, 3 * n))?;
        npy::write(&dir.join("set.000/force.npy"), &f, &[nf, 3 * n])?;
    }
    if system.frames.iter().all(|f| f.virial.is_some()) {
        let v: Vec<f64> = system
            .frames
            .iter()
            .flat_map(|f| f.virial.iter().flatten().flatten().copied())
            .collect();
        w("virial.raw", lines(&v, 9))?;
        npy::write(&dir.join("set.000/virial.npy"), &v, &[nf, 9])?;
    }
    Ok(())
}

/// Reads rows of `width` numbers from a raw file; `None` if the file does not exist.
fn read_raw(path: &Path, width: usize, what: &str) -> Result<Option<Vec<f64>>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = ai4s_core::io::read_to_string(path)?;
    let mut out = Vec::new();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: Vec<f64> = line
            .split_whitespace()
            .map(|t| {
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        Error::data(path, Some(k + 1), format!("`{t}` is not a finite number"))
                    })
            })
            .collect::<Result<_>>()?;
        if row.len() != width {
            return Err(Error::data(
                path,
                Some(k + 1),
                format!("has {} numbers, expected {width} ({what})", row.len()),
            ));
        }
        out.extend(row);
    }
    Ok(Some(out))
}

fn read_npy(path: &Path, width: usize, what: &str) -> Result<Option<Vec<f64>>> {
    if !path.exists() {
        return Ok(None);
    }
    let (data, shape) = npy::read(path)?;
    let ok = match shape.as_slice() {
        [_, w] => *w == width,
        [_] => width == 1,
        _ => false,
    };
    if !ok {
        return Err(Error::data(
            path,
            None,
            format!("has shape {shape:?}, expected (frames, {width}) ({what})"),
        ));
    }
    Ok(Some(data))
}

/// Reads a DeePMD system directory: its `set.*` npy sets if present, else the raw files.
/// `type_map` names the types when the directory has no `type_map.raw`.
pub fn read_system(dir: &Path, type_map: Option<&[String]>) -> Result<System> {
    if !dir.is_dir() {
        return Err(Error::data(
            dir,
            None,
            "not a directory (expected a DeePMD system with type.raw)",
        ));
    }
    let type_path = dir.join("type.raw");
    let types: Vec<usize> = ai4s_core::io::read_to_string(&type_path)?
        .split_whitespace()
        .enumerate()
        .map(|(k, t)| {
            t.parse::<usize>()
                .ok()
                .filter(|&t| t < MAX_TYPES)
                .ok_or_else(|| {
                    Error::data(
                        &type_path,
                        None,
                        format!(
                            "entry {} `{t}` is not an atom type (an integer from 0 to {})",
                            k + 1,
                            MAX_TYPES - 1
                        ),
                    )
                })
        })
        .collect::<Result<_>>()?;
    let n = types.len();
    if n == 0 {
        return Err(Error::data(&type_path, None, "no atoms"));
    }
    let map_path = dir.join("type_map.raw");
    let type_map: Vec<String> = if map_path.exists() {
        ai4s_core::io::read_to_string(&map_path)?
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    } else if let Some(m) = type_map {
        m.to_vec()
    } else {
        (0..=types.iter().copied().max().unwrap_or(0))
            .map(|t| format!("Type{t}"))
            .collect()
    };
    // A `nopbc` marker makes the system non-periodic even when a box is given (dpdata writes
    // both): the box is then ignored.
    let nopbc = dir.join("nopbc").exists();
    let mut sets: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("reading", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("set."))
        })
        .collect();
    sets.sort();
    for place in std::iter::once(dir.to_path_buf()).chain(sets.iter().cloned()) {
        refuse_unread_labels(&place)?;
    }
    let mut frames = Vec::new();
    let chunks: Vec<[Option<Vec<f64>>; 5]> = if sets.is_empty() {
        vec![[
            read_raw(&dir.join("coord.raw"), 3 * n, &format!("3 x {n} atoms"))?,
            read_raw(&dir.join("box.raw"), 9, "3 x 3 cell")?,
            read_raw(&dir.join("energy.raw"), 1, "one energy per frame")?,
            read_raw(&dir.join("force.raw"), 3 * n, &format!("3 x {n} atoms"))?,
            read_raw(&dir.join("virial.raw"), 9, "3 x 3 virial")?,
        ]]
    } else {
        sets.iter()
            .map(|s| {
                Ok([
                    read_npy(&s.join("coord.npy"), 3 * n, &format!("3 x {n} atoms"))?,
                    read_npy(&s.join("box.npy"), 9, "3 x 3 cell")?,
                    read_npy(&s.join("energy.npy"), 1, "one energy per frame")?,
                    read_npy(&s.join("force.npy"), 3 * n, &format!("3 x {n} atoms"))?,
                    read_npy(&s.join("virial.npy"), 9, "3 x 3 virial")?,
                ])
            })
            .collect::<Result<_>>()?
    };
    for (c, chunk) in chunks.into_iter().enumerate() {
        let where_ = if sets.is_empty() {
            dir.to_path_buf()
        } else {
            sets[c].clone()
        };
        let [coord, boxes, energy, force, virial] = chunk;
        let coord = coord
            .ok_or_else(|| Error::data(&where_, None, "no coordinates (coord.raw or coord.npy)"))?;
        let nf = coord.len() / (3 * n);
        let ext = if sets.is_empty() { "raw" } else { "npy" };
        let check = |name: &str, v: &Option<Vec<f64>>, width: usize| -> Result<()> {
            match v {
                Some(v) if v.len() / width != nf => Err(Error::data(
                    where_.join(format!("{name}.{ext}")),
                    None,
                    format!(
                        "{name} has {} frames but coord has {nf}; expected one row per frame",
                        v.len() / width
                    ),
                )),
                _ => Ok(()),
            }
        };
        check("box", &boxes, 9)?;
        check("energy", &energy, 1)?;
        check("force", &force, 3 * n)?;
        check("virial", &virial, 9)?;
        if boxes.is_none() && !nopbc {
            return Err(Error::data(
                &where_,
                None,
                "no box (box.raw or box.npy) and no `nopbc` marker",
            ));
        }
        for k in 0..nf {
            let pos: Vec<V3> = coord[k * 3 * n..(k + 1) * 3 * n]
                .chunks(3)
                .map(|c| [c[0], c[1], c[2]])
                .collect();
            let cell = match &boxes {
                Some(b) if !nopbc => Cell {
                    h: [
                        [b[9 * k], b[9 * k + 1], b[9 * k + 2]],
                        [b[9 * k + 3], b[9 * k + 4], b[9 * k + 5]],
                        [b[9 * k + 6], b[9 * k + 7], b[9 * k + 8]],
                    ],
                },
                _ => Cell::isolated(&pos),
            };
            frames.push(Frame {
                cell,
                pos,
                energy: energy.as_ref().map(|e| e[k]),
                forces: force.as_ref().map(|f| {
                    f[k * 3 * n..(k + 1) * 3 * n]
                        .chunks(3)
                        .map(|c| [c[0], c[1], c[2]])
                        .collect()
                }),
                virial: virial.as_ref().map(|v| {
                    [
                        [v[9 * k], v[9 * k + 1], v[9 * k + 2]],
                        [v[9 * k + 3], v[9 * k + 4], v[9 * k + 5]],
                        [v[9 * k + 6], v[9 * k + 7], v[9 * k + 8]],
                    ]
                }),
            });
        }
    }
    let system = System {
        type_map,
        types,
        frames,
    };
    system.validate_input(dir)?;
    Ok(system)
}

/// Per-frame files of DeePMD-kit systems that ai4s does not train on, and why each matters.
/// Reading such a system as if they were absent would silently change its meaning, so it is
/// refused naming the file.
const UNREAD: [(&str, &str); 5] = [
    (
        "real_atom_types",
        "a mixed-type system (per-frame atom types replace type.raw); ai4s reads one type list per system: convert it to standard systems with dpdata (`dpdata.MultiSystems`, `to(\"deepmd/npy\", ...)`)",
    ),
    (
        "fparam",
        "frame parameters (e.g. electronic temperature) conditioning the model; ai4s's fitting net takes none: remove the file to train without them",
    ),
    (
        "aparam",
        "atomic parameters conditioning the model; ai4s's fitting net takes none: remove the file to train without them",
    ),
    (
        "atom_pref",
        "per-atom force weights (the `start_pref_pf` loss); ai4s weights every force equally: remove the file to train with equal weights",
    ),
    (
        "atom_ener",
        "per-atom energy labels (the `start_pref_ae` loss); ai4s trains on total energies: remove the file to train without them",
    ),
];

/// Refuses a system directory or set holding any of the [`UNREAD`] files.
fn refuse_unread_labels(place: &Path) -> Result<()> {
    for (name, why) in UNREAD {
        for ext in ["npy", "raw"] {
            let p = place.join(format!("{name}.{ext}"));
            if p.exists() {
                return Err(Error::data(p, None, format!("holds {why}")));
            }
        }
    }
    Ok(())
}

/// More distinct atom types than any real system has: a guard against garbage in `type.raw`.
const MAX_TYPES: usize = 1024;
