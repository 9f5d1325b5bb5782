//! The data side of `input.json`: system lists (paths, globs, `rglob_patterns`), each
//! system's type map and atom count, and DeePMD-kit's batch-size rules (`auto`, `auto:N`,
//! `mixed`).

use super::section::*;
use ai4s_core::{Error, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The systems of `training_data` / `validation_data`, resolved against the input's directory.
/// `ignored` lists keys of the section without effect in ai4s.
pub(super) fn systems(sec: &Section, ignored: &[&str]) -> Result<Vec<PathBuf>> {
    sec.check_keys(
        &[
            "systems",
            "batch_size",
            "auto_prob",
            "auto_prob_style",
            "sys_probs",
            "sys_weights",
            "rglob_patterns",
            "min_pair_dist",
            "set_prefix",
        ],
        ignored,
    )?;
    sec.refuse_unless(
        "auto_prob",
        |v| v.as_str() == Some("prob_sys_size"),
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_unless(
        "auto_prob_style",
        |v| v.as_str() == Some("prob_sys_size"),
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_present(
        "sys_probs",
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_present(
        "sys_weights",
        "ai4s draws training frames uniformly (DeePMD-kit's prob_sys_size)",
    )?;
    sec.refuse_present("rglob_patterns", "list the systems instead")?;
    sec.refuse_unless(
        "min_pair_dist",
        |v| v.as_f64() == Some(0.0),
        "ai4s does not filter frames by pair distance",
    )?;
    sec.refuse_unless(
        "set_prefix",
        |v| v.as_str() == Some("set"),
        "ai4s reads set.* directories",
    )?;
    let key = sec.key("systems");
    let base = sec.file.base();
    let resolve = |s: &str| -> Result<PathBuf> {
        if s.contains(".hdf5") || s.contains(".h5") || s.contains('#') {
            return Err(sec.file.err(
                &key,
                format!(
                    "{s}: HDF5 systems are not supported; convert them with dpdata to deepmd/npy"
                ),
            ));
        }
        let p = Path::new(s);
        Ok(if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        })
    };
    let list = match sec.get(&["systems"]) {
        None => return Err(sec.file.err(&key, "is missing")),
        Some((_, Value::String(s))) => {
            // One path: a system, or a directory searched recursively for systems.
            let root = resolve(s)?;
            if root.is_dir() && !root.join("type.raw").exists() {
                let mut found = Vec::new();
                find_systems(&root, &mut found, 0);
                found.sort();
                if found.is_empty() {
                    return Err(sec.file.err(
                        &key,
                        format!(
                            "{}: no DeePMD system (a directory with type.raw) below it",
                            root.display()
                        ),
                    ));
                }
                found
            } else {
                vec![root]
            }
        }
        Some((_, Value::Array(a))) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| sec.file.err(&key, format!("entry {v} is not a path")))
                    .and_then(resolve)
            })
            .collect::<Result<_>>()?,
        Some((_, v)) => {
            return Err(sec
                .file
                .err(&key, format!("is {v}; expected a path or a list of paths")));
        }
    };
    if list.is_empty() {
        return Err(sec.file.err(&key, "is empty"));
    }
    Ok(list)
}

/// Directories at or below `dir` that contain `type.raw` (DeePMD-kit's `expand_sys_str`).
pub(super) fn find_systems(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    if dir.join("type.raw").is_file() {
        out.push(dir.to_path_buf());
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                find_systems(&p, out, depth + 1);
            }
        }
    }
}

/// The type names of a system, if it names them (`type_map.raw`, or an XYZ file's species).
pub(super) fn system_type_map(p: &Path) -> Result<Option<Vec<String>>> {
    if p.is_dir() {
        let m = p.join("type_map.raw");
        if !m.exists() {
            return Ok(None);
        }
        Ok(Some(
            ai4s_core::io::read_to_string(&m)?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        ))
    } else if p.is_file() {
        Ok(Some(crate::xyz::read(p)?.type_map))
    } else {
        Ok(None)
    }
}

/// Atoms per frame of a system (for `batch_size: "auto"`).
pub(super) fn system_natoms(p: &Path) -> Result<usize> {
    if p.is_dir() {
        let t = p.join("type.raw");
        Ok(ai4s_core::io::read_to_string(&t)?
            .split_whitespace()
            .count())
    } else if p.is_file() {
        Ok(crate::xyz::read(p)?.natoms())
    } else {
        Err(Error::data(
            p,
            None,
            "no such DeePMD directory or extended XYZ file",
        ))
    }
}

/// `training_data.batch_size` as ai4s's one batch size.
pub(super) fn batch_size(sec: &Section, systems: &[PathBuf]) -> Result<usize> {
    let key = sec.key("batch_size");
    let err = |m: String| sec.file.err(&key, m);
    let per_system: Vec<usize> = match sec.get(&["batch_size"]) {
        Some((k, v @ Value::Number(_))) => vec![sec.as_usize(k, v)?],
        Some((k, Value::Array(a))) => {
            if a.len() != systems.len() {
                return Err(err(format!(
                    "has {} entries for {} systems; give one per system",
                    a.len(),
                    systems.len()
                )));
            }
            a.iter()
                .map(|v| sec.as_usize(k, v))
                .collect::<Result<_>>()?
        }
        rule => {
            let rule = match rule {
                None => "auto",
                Some((_, Value::String(s))) => s.as_str(),
                Some((_, v)) => {
                    return Err(err(format!(
                        "is {v}; expected an integer, a list of integers, \"auto\" or \"auto:N\""
                    )));
                }
            };
            let (kind, n) = match rule.split_once(':') {
                Some((kind, n)) => (
                    kind,
                    n.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| {
                            err(format!("\"{rule}\": `{n}` is not a positive integer"))
                        })?,
                ),
                None => (rule, 32),
            };
            if kind != "auto" && kind != "max" {
                return Err(err(format!(
                    "is \"{rule}\"; ai4s batches frames of one system: give an integer, \"auto\", \"auto:N\" or \"max:N\""
                )));
            }
            systems
                .iter()
                .map(|p| {
                    let natoms = system_natoms(p).map_err(|e| {
                        err(format!(
                            "is \"{rule}\", which needs the atom count of {}: {e}",
                            p.display()
                        ))
                    })?;
                    Ok(if kind == "auto" {
                        n.div_ceil(natoms.max(1))
                    } else {
                        (n / natoms.max(1)).max(1)
                    })
                })
                .collect::<Result<_>>()?
        }
    };
    let first = per_system[0];
    if per_system.iter().any(|&b| b != first) {
        return Err(err(format!(
            "gives the systems different batch sizes {per_system:?}; ai4s has one batch size: give an integer"
        )));
    }
    if first == 0 {
        return Err(err("must be at least 1".into()));
    }
    Ok(first)
}
