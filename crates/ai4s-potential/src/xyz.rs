//! Extended XYZ (as written by ASE): one block per frame, `natoms`, a comment line of
//! `key=value` pairs (`Lattice="..."`, `Properties=species:S:1:pos:R:3:forces:R:3`, energy,
//! virial or stress, `pbc`), then one line per atom. Both the classic `energy`/`forces`/`virial`
//! keys and ASE 3.23's `REF_energy`/`REF_forces`/`REF_virial` are read; REF_* are written.

use crate::cell::Cell;
use crate::frames::{Frame, System};
use ai4s_core::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Writes all frames of `system` atomically.
pub fn write(path: &Path, system: &System) -> Result<()> {
    system.validate(path)?;
    let mut s = String::new();
    for f in &system.frames {
        let h = f.cell.h;
        s.push_str(&format!("{}\n", system.natoms()));
        s.push_str(&format!(
            "Lattice=\"{}\" Properties=species:S:1:pos:R:3{}",
            h.iter()
                .flatten()
                .map(|v| format!("{v:.10}"))
                .collect::<Vec<_>>()
                .join(" "),
            if f.forces.is_some() {
                ":REF_forces:R:3"
            } else {
                ""
            }
        ));
        if let Some(e) = f.energy {
            s.push_str(&format!(" REF_energy={e:.10}"));
        }
        if let Some(v) = f.virial {
            s.push_str(&format!(
                " REF_virial=\"{}\"",
                v.iter()
                    .flatten()
                    .map(|x| format!("{x:.10}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        s.push_str(" pbc=\"T T T\"\n");
        for (i, r) in f.pos.iter().enumerate() {
            s.push_str(&format!(
                "{} {:.10} {:.10} {:.10}",
                system.type_map[system.types[i]], r[0], r[1], r[2]
            ));
            if let Some(fs) = &f.forces {
                s.push_str(&format!(
                    " {:.10} {:.10} {:.10}",
                    fs[i][0], fs[i][1], fs[i][2]
                ));
            }
            s.push('\n');
        }
    }
    ai4s_core::io::write_atomic(path, s.as_bytes())
}

/// Parses `key=value key="quoted value"` pairs (keys case-preserved).
fn parse_comment(line: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut chars = line.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        if chars.next_if_eq(&'=').is_none() {
            out.insert(key, "T".into());
            continue;
        }
        let value: String = if chars.next_if_eq(&'"').is_some() {
            let v: String = std::iter::from_fn(|| chars.next_if(|c| *c != '"')).collect();
            if chars.next_if_eq(&'"').is_none() {
                return Err(format!("unterminated quote in the value of `{key}`"));
            }
            v
        } else {
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect()
        };
        out.insert(key, value);
    }
}

fn numbers(text: &str, n: usize, what: &str) -> std::result::Result<Vec<f64>, String> {
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or(format!("`{t}` in {what} is not a finite number"))
        })
        .collect::<std::result::Result<_, _>>()?;
    if v.len() != n {
        return Err(format!("{what} has {} numbers, expected {n}", v.len()));
    }
    Ok(v)
}

/// Reads every frame of an extended XYZ file. All frames must list the same species in the
/// same order (one system); the type map is the order of first appearance.
pub fn read(path: &Path) -> Result<System> {
    let text = ai4s_core::io::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().collect();
    let mut k = 0;
    let mut type_map: Vec<String> = Vec::new();
    let mut species: Option<Vec<String>> = None;
    let mut frames = Vec::new();
    while k < lines.len() {
        if lines[k].trim().is_empty() {
            k += 1;
            continue;
        }
        let err = |line: usize, m: String| Error::data(path, Some(line + 1), m);
        let n: usize = lines[k].trim().parse().map_err(|_| {
            err(
                k,
                format!(
                    "expected the atom count of frame {}, found `{}`",
                    frames.len() + 1,
                    lines[k].trim()
                ),
            )
        })?;
        if n == 0 {
            return Err(err(k, "frame with 0 atoms".into()));
        }
        // Checked before anything is sized by `n`, so a garbage count cannot exhaust memory.
        let available = lines.len().saturating_sub(k + 2);
        if n > available {
            return Err(err(
                lines.len().saturating_sub(1),
                format!(
                    "file ends inside frame {}: expected {n} atom lines, found {available}",
                    frames.len() + 1
                ),
            ));
        }
        let comment = lines
            .get(k + 1)
            .ok_or_else(|| err(k + 1, "missing the comment line".into()))?;
        let kv = parse_comment(comment).map_err(|m| err(k + 1, m))?;
        let get = |names: &[&str]| {
            names.iter().find_map(|n| {
                kv.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.clone())
            })
        };
        let props = get(&["Properties"]).unwrap_or_else(|| "species:S:1:pos:R:3".into());
        let fields: Vec<&str> = props.split(':').collect();
        if !fields.len().is_multiple_of(3) {
            return Err(err(
                k + 1,
                format!("Properties `{props}` is not a list of name:type:count triples"),
            ));
        }
        let mut col: usize = 0;
        let (mut c_species, mut c_pos, mut c_force) = (None, None, None);
        for t in fields.chunks(3) {
            let count: usize = t[2].parse().map_err(|_| {
                err(
                    k + 1,
                    format!("Properties count `{}` is not a number", t[2]),
                )
            })?;
            let name = t[0].to_ascii_lowercase();
            let want = match name.as_str() {
                "species" => Some((&mut c_species, 1)),
                "pos" | "positions" => Some((&mut c_pos, 3)),
                "forces" | "ref_forces" | "force" => Some((&mut c_force, 3)),
                _ => None,
            };
            if let Some((slot, width)) = want {
                if count != width {
                    return Err(err(
                        k + 1,
                        format!(
                            "Properties column `{}` has {count} entries, expected {width}",
                            t[0]
                        ),
                    ));
                }
                *slot = Some(col);
            }
            col = col
                .checked_add(count)
                .filter(|&c| c <= 10_000)
                .ok_or_else(|| {
                    err(
                        k + 1,
                        format!("Properties `{props}` declares more than 10000 columns"),
                    )
                })?;
        }
        let (c_species, c_pos) = match (c_species, c_pos) {
            (Some(s), Some(p)) => (s, p),
            _ => {
                return Err(err(
                    k + 1,
                    format!("Properties `{props}` needs species and pos columns"),
                ));
            }
        };
        // ASE: `pbc` defaults to periodic when a Lattice is given and to non-periodic without
        // one. Non-periodic frames get an isolated cell (see Cell::isolated); mixed periodicity
        // (a slab, `pbc="T T F"`) is refused: ai4s's neighbour search is all-or-nothing.
        let lattice = get(&["Lattice"]);
        let periodic = match get(&["pbc"]) {
            None => lattice.is_some(),
            Some(p) => {
                let flags: Vec<Option<bool>> = p
                    .split_whitespace()
                    .map(|f| match f.to_ascii_lowercase().as_str() {
                        "t" | "true" | "1" => Some(true),
                        "f" | "false" | "0" => Some(false),
                        _ => None,
                    })
                    .collect();
                match flags.as_slice() {
                    [Some(a), Some(b), Some(c)] if a == b && b == c => *a,
                    [Some(_), Some(_), Some(_)] => {
                        return Err(err(
                            k + 1,
                            format!(
                                "pbc=\"{p}\" mixes periodic and open directions; ai4s reads fully periodic (T T T) or isolated (F F F) systems"
                            ),
                        ));
                    }
                    _ => {
                        return Err(err(k + 1, format!("pbc=\"{p}\" is not three flags T or F")));
                    }
                }
            }
        };
        if periodic && lattice.is_none() {
            return Err(err(
                k + 1,
                "periodic frame (pbc T T T) without a Lattice".into(),
            ));
        }
        let cell = match &lattice {
            Some(l) => {
                let v = numbers(l, 9, "Lattice").map_err(|m| err(k + 1, m))?;
                Cell {
                    h: [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]],
                }
            }
            None => Cell::orthorhombic(1000.0, 1000.0, 1000.0),
        };
        let energy = match get(&["REF_energy", "energy", "free_energy"]) {
            Some(e) => Some(numbers(&e, 1, "energy").map_err(|m| err(k + 1, m))?[0]),
            None => None,
        };
        let virial = if let Some(v) = get(&["REF_virial", "virial"]) {
            let v = numbers(&v, 9, "virial").map_err(|m| err(k + 1, m))?;
            Some([[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]])
        } else if let Some(s) = get(&["REF_stress", "stress"]) {
            // ASE stress (eV/A^3) -> virial (eV): W = -sigma V.
            let s = numbers(&s, 9, "stress").map_err(|m| err(k + 1, m))?;
            let vol = cell.volume();
            Some(std::array::from_fn(|a| {
                std::array::from_fn(|b| -s[3 * a + b] * vol)
            }))
        } else {
            None
        };
        let mut pos = Vec::with_capacity(n);
        let mut forces = c_force.map(|_| Vec::with_capacity(n));
        let mut names = Vec::with_capacity(n);
        for a in 0..n {
            let li = k + 2 + a;
            let line = lines.get(li).ok_or_else(|| {
                err(
                    li,
                    format!(
                        "file ends inside frame {}: expected {n} atom lines",
                        frames.len() + 1
                    ),
                )
            })?;
            let tok: Vec<&str> = line.split_whitespace().collect();
            if tok.len() < col {
                return Err(err(
                    li,
                    format!("has {} columns, expected {col} from Properties", tok.len()),
                ));
            }
            let num = |c: usize| {
                tok[c]
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(li, format!("`{}` is not a finite number", tok[c])))
            };
            pos.push([num(c_pos)?, num(c_pos + 1)?, num(c_pos + 2)?]);
            if let (Some(f), Some(c)) = (forces.as_mut(), c_force) {
                f.push([num(c)?, num(c + 1)?, num(c + 2)?]);
            }
            names.push(tok[c_species].to_owned());
        }
        for s in &names {
            if !type_map.contains(s) {
                type_map.push(s.clone());
            }
        }
        match &species {
            None => species = Some(names),
            Some(first) if *first != names => {
                return Err(err(
                    k,
                    format!(
                        "frame {} has a different list of species than frame 1; split the file into one system per composition",
                        frames.len() + 1
                    ),
                ));
            }
            Some(_) => {}
        }
        let cell = if periodic { cell } else { Cell::isolated(&pos) };
        frames.push(Frame {
            cell,
            pos,
            energy,
            forces,
            virial,
        });
        k += 2 + n;
    }
    let species = species.ok_or_else(|| Error::data(path, None, "no frames"))?;
    let types = species
        .iter()
        .map(|s| type_map.iter().position(|t| t == s).unwrap_or(0))
        .collect();
    let system = System {
        type_map,
        types,
        frames,
    };
    system.validate_input(path)?;
    Ok(system)
}
