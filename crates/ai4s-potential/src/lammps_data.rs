//! LAMMPS data files (the input of `read_data`) of `atom_style atomic`.
//!
//! Layout: a title line (skipped), a header of counts and box bounds, then sections, each a
//! keyword line, a blank line and its rows:
//!
//! ```text
//! Si crystal                       <- title
//!
//! 8 atoms
//! 1 atom types
//! 0.0 5.43 xlo xhi
//! 0.0 5.43 ylo yhi
//! 0.0 5.43 zlo zhi
//! 0.0 0.0 0.0 xy xz yz             <- optional tilt (a triclinic box)
//!
//! Masses
//!
//! 1 28.0855 # Si                   <- the comment names the element
//!
//! Atoms # atomic
//!
//! 1 1 0.0 0.0 0.0                  <- id type x y z [ix iy iz]
//! ```
//!
//! The box is LAMMPS's restricted triclinic cell: lattice vectors `a = (xhi - xlo, 0, 0)`,
//! `b = (xy, yhi - ylo, 0)`, `c = (xz, yz, zhi - zlo)` (LAMMPS manual, "Triclinic
//! (non-orthogonal) simulation boxes"). Image flags `ix iy iz` unwrap a position to
//! `r + ix a + iy b + iz c`. Atoms are returned in the order of their ids. Types are numbers;
//! their element names come from the caller (`--type-map Si,O`: type 1 is Si), else from an
//! `Atom Type Labels` section, else from the first word of each `Masses` row's comment.
//! Coordinates are read as Angstrom (LAMMPS `units metal` or `real`) and masses as amu.
//! Sections other than `Masses`, `Atoms` and `Atom Type Labels` (velocities, force-field
//! coefficients) are skipped; other atom styles (`charge`, `full`, ...) and general triclinic
//! boxes (`avec`/`bvec`/`cvec`) are refused naming the line.

use crate::cell::{Cell, V3};
use ai4s_core::{Error, Result};
use std::path::Path;

/// The configuration of a LAMMPS data file.
#[derive(Clone, Debug, PartialEq)]
pub struct LammpsData {
    /// Element name of each LAMMPS type (`type_map[t - 1]` names type `t`).
    pub type_map: Vec<String>,
    /// Index into `type_map` of each atom, in order of atom id.
    pub types: Vec<usize>,
    /// Positions (A), unwrapped by the image flags, in order of atom id.
    pub pos: Vec<V3>,
    /// The periodic cell.
    pub cell: Cell,
    /// Mass of each type from the `Masses` section (amu), `None` where it gives none.
    pub masses: Vec<Option<f64>>,
}

/// Header keywords that only count what `atom_style atomic` does not use.
const OTHER_COUNTS: [&str; 17] = [
    "bonds",
    "angles",
    "dihedrals",
    "impropers",
    "bond types",
    "angle types",
    "dihedral types",
    "improper types",
    "extra bond per atom",
    "extra angle per atom",
    "extra dihedral per atom",
    "extra improper per atom",
    "extra special per atom",
    "ellipsoids",
    "lines",
    "triangles",
    "bodies",
];

/// Splits a line into its content and the text of its `#` comment.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    match line.split_once('#') {
        Some((content, comment)) => (content.trim(), Some(comment.trim())),
        None => (line.trim(), None),
    }
}

/// Reads a LAMMPS data file; `type_names` (one per atom type) overrides the names the file
/// gives its types. Errors name the file and line.
pub fn read(path: &Path, type_names: Option<&[String]>) -> Result<LammpsData> {
    let text = ai4s_core::io::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().collect();
    let err = |k: usize, m: String| Error::data(path, Some(k + 1), m);
    let number = |k: usize, t: &str, what: &str| -> Result<f64> {
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| err(k, format!("`{t}` ({what}) is not a finite number")))
    };
    let integer = |k: usize, t: &str, what: &str| -> Result<i64> {
        t.parse::<i64>()
            .map_err(|_| err(k, format!("`{t}` ({what}) is not an integer")))
    };

    // Header: everything up to the first section keyword.
    let (mut natoms, mut ntypes) = (None, None);
    let mut bounds: [Option<(f64, f64)>; 3] = [None; 3];
    let mut tilt = [0.0; 3];
    let mut k = 1;
    while k < lines.len() {
        let (content, _) = split_comment(lines[k]);
        if content.is_empty() {
            k += 1;
            continue;
        }
        let tokens: Vec<&str> = content.split_whitespace().collect();
        let nums = tokens
            .iter()
            .take_while(|t| t.parse::<f64>().is_ok())
            .count();
        if nums == 0 {
            break; // a section keyword
        }
        let keyword = tokens[nums..].join(" ");
        let want = |n: usize| -> Result<()> {
            if nums == n {
                Ok(())
            } else {
                Err(err(
                    k,
                    format!("`{keyword}` takes {n} number(s), found {nums}"),
                ))
            }
        };
        match keyword.as_str() {
            "atoms" | "atom types" => {
                want(1)?;
                let v = integer(k, tokens[0], &keyword)?;
                if v <= 0 || v > 100_000_000 {
                    return Err(err(k, format!("{v} {keyword}: expected a positive count")));
                }
                if keyword == "atoms" {
                    natoms = Some(v as usize);
                } else {
                    ntypes = Some(v as usize);
                }
            }
            "xlo xhi" | "ylo yhi" | "zlo zhi" => {
                want(2)?;
                let lo = number(k, tokens[0], &keyword)?;
                let hi = number(k, tokens[1], &keyword)?;
                if hi <= lo {
                    return Err(err(
                        k,
                        format!("`{keyword}`: the upper bound {hi} must exceed the lower {lo}"),
                    ));
                }
                let axis = match keyword.as_bytes()[0] {
                    b'x' => 0,
                    b'y' => 1,
                    _ => 2,
                };
                bounds[axis] = Some((lo, hi));
            }
            "xy xz yz" => {
                want(3)?;
                for a in 0..3 {
                    tilt[a] = number(k, tokens[a], "tilt factor")?;
                }
            }
            "avec" | "bvec" | "cvec" | "abc origin" => {
                return Err(err(
                    k,
                    "general triclinic boxes (avec, bvec, cvec) are not read; write the box as `xlo xhi`, `ylo yhi`, `zlo zhi` and `xy xz yz` (LAMMPS's restricted triclinic form)".into(),
                ));
            }
            other if OTHER_COUNTS.contains(&other) => {}
            other => {
                return Err(err(
                    k,
                    format!("unknown header line `{content}` (keyword `{other}`)"),
                ));
            }
        }
        k += 1;
    }
    let missing = |what: &str| Error::data(path, None, format!("the header has no `{what}` line"));
    let natoms = natoms.ok_or_else(|| missing("N atoms"))?;
    let ntypes = ntypes.ok_or_else(|| missing("N atom types"))?;
    let [x, y, z] = [("xlo xhi", 0), ("ylo yhi", 1), ("zlo zhi", 2)]
        .map(|(name, a)| bounds[a].ok_or_else(|| missing(name)));
    let (x, y, z) = (x?, y?, z?);
    let cell = Cell {
        h: [
            [x.1 - x.0, 0.0, 0.0],
            [tilt[0], y.1 - y.0, 0.0],
            [tilt[1], tilt[2], z.1 - z.0],
        ],
    };

    // Sections.
    let mut masses: Vec<Option<f64>> = vec![None; ntypes];
    let mut mass_names: Vec<Option<String>> = vec![None; ntypes];
    let mut labels: Vec<Option<String>> = vec![None; ntypes];
    let mut atoms: Option<Vec<(i64, usize, V3, usize)>> = None;
    while k < lines.len() {
        let (content, comment) = split_comment(lines[k]);
        if content.is_empty() {
            k += 1;
            continue;
        }
        let header = k;
        let section = content.to_string();
        // Rows: the following non-blank lines up to the next keyword (rows start with a number).
        let mut rows = Vec::new();
        k += 1;
        while k < lines.len() {
            let (c, _) = split_comment(lines[k]);
            if c.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
                break;
            }
            if !c.is_empty() {
                rows.push(k);
            }
            k += 1;
        }
        let expect_rows = |n: usize, of: &str| -> Result<()> {
            if rows.len() == n {
                Ok(())
            } else {
                Err(err(
                    header,
                    format!(
                        "the {section} section has {} rows, expected {n} (one per {of} in the header)",
                        rows.len()
                    ),
                ))
            }
        };
        let type_index = |r: usize, t: &str| -> Result<usize> {
            let v = integer(r, t, "atom type")?;
            if v < 1 || v as usize > ntypes {
                return Err(err(
                    r,
                    format!("atom type {v} is outside 1..{ntypes} (the header's atom types)"),
                ));
            }
            Ok(v as usize - 1)
        };
        match section.as_str() {
            "Masses" => {
                expect_rows(ntypes, "atom type")?;
                for &r in &rows {
                    let (c, note) = split_comment(lines[r]);
                    let tok: Vec<&str> = c.split_whitespace().collect();
                    if tok.len() != 2 {
                        return Err(err(
                            r,
                            format!("a Masses row is `type mass`, found {} fields", tok.len()),
                        ));
                    }
                    let t = type_index(r, tok[0])?;
                    let m = number(r, tok[1], "mass")?;
                    if m <= 0.0 {
                        return Err(err(r, format!("mass {m} must be positive (amu)")));
                    }
                    if masses[t].replace(m).is_some() {
                        return Err(err(r, format!("type {} has a second mass", t + 1)));
                    }
                    mass_names[t] = note
                        .and_then(|n| n.split_whitespace().next())
                        .map(str::to_owned);
                }
            }
            "Atom Type Labels" => {
                expect_rows(ntypes, "atom type")?;
                for &r in &rows {
                    let tok: Vec<&str> = split_comment(lines[r]).0.split_whitespace().collect();
                    if tok.len() != 2 {
                        return Err(err(r, "a type label row is `type label`".into()));
                    }
                    labels[type_index(r, tok[0])?] = Some(tok[1].to_owned());
                }
            }
            "Atoms" => {
                if let Some(style) = comment.and_then(|c| c.split_whitespace().next())
                    && style != "atomic"
                {
                    return Err(err(
                        header,
                        format!(
                            "the Atoms section is atom_style `{style}`; ai4s reads atom_style atomic (`id type x y z [ix iy iz]`)"
                        ),
                    ));
                }
                expect_rows(natoms, "atom")?;
                let mut list = Vec::with_capacity(natoms);
                for &r in &rows {
                    let tok: Vec<&str> = split_comment(lines[r]).0.split_whitespace().collect();
                    if tok.len() != 5 && tok.len() != 8 {
                        return Err(err(
                            r,
                            format!(
                                "an atom_style atomic row is `id type x y z [ix iy iz]`, found {} fields",
                                tok.len()
                            ),
                        ));
                    }
                    let id = integer(r, tok[0], "atom id")?;
                    if id < 1 {
                        return Err(err(r, format!("atom id {id} must be positive")));
                    }
                    let t = type_index(r, tok[1])?;
                    let mut p: V3 = [0.0; 3];
                    for a in 0..3 {
                        p[a] = number(r, tok[2 + a], "coordinate")?;
                    }
                    if tok.len() == 8 {
                        for (a, vec) in cell.h.iter().enumerate() {
                            let n = integer(r, tok[5 + a], "image flag")? as f64;
                            for b in 0..3 {
                                p[b] += n * vec[b];
                            }
                        }
                    }
                    list.push((id, t, p, r));
                }
                atoms = Some(list);
            }
            other if other.starts_with(|c: char| c.is_ascii_alphabetic()) => {}
            _ => {
                return Err(err(
                    header,
                    format!("expected a section keyword (Masses, Atoms, ...), found `{content}`"),
                ));
            }
        }
    }
    let mut atoms = atoms.ok_or_else(|| {
        Error::data(
            path,
            None,
            "no Atoms section: expected `Atoms # atomic` followed by one `id type x y z` row per atom",
        )
    })?;
    atoms.sort_by_key(|a| a.0);
    if let Some(w) = atoms.windows(2).find(|w| w[0].0 == w[1].0) {
        let (a, b) = (w[0].3.min(w[1].3), w[0].3.max(w[1].3));
        return Err(err(
            b,
            format!("atom id {} appears twice (also on line {})", w[0].0, a + 1),
        ));
    }

    let type_map: Vec<String> = match type_names {
        Some(names) => {
            if names.len() != ntypes {
                return Err(Error::data(
                    path,
                    None,
                    format!(
                        "the type map {names:?} names {} types, the file has {ntypes} atom types",
                        names.len()
                    ),
                ));
            }
            names.to_vec()
        }
        None => (0..ntypes)
            .map(|t| {
                labels[t].clone().or_else(|| mass_names[t].clone()).ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        format!(
                            "atom type {} has no element name: give the names in type order (e.g. --type-map Si,O) or add a comment to its Masses row (`{} 28.0855 # Si`)",
                            t + 1,
                            t + 1
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?,
    };
    Ok(LammpsData {
        type_map,
        types: atoms.iter().map(|a| a.1).collect(),
        pos: atoms.iter().map(|a| a.2).collect(),
        cell,
        masses,
    })
}

/// Writes `data` as a LAMMPS data file of `atom_style atomic` (box origin 0, ids from 1 in
/// order, no image flags), atomically. The cell must be LAMMPS's restricted triclinic form
/// (`a` along x, `b` in the xy plane).
pub fn write(path: &Path, data: &LammpsData) -> Result<()> {
    let h = data.cell.h;
    if [h[0][1], h[0][2], h[1][2]].iter().any(|v| v.abs() > 1e-12) {
        return Err(Error::Runtime(format!(
            "writing {}: the cell {h:?} is not in LAMMPS's restricted triclinic form (a along x, b in the xy plane); rotate it first",
            path.display()
        )));
    }
    let mut s = format!(
        "LAMMPS data file written by ai4s\n\n{} atoms\n{} atom types\n\n",
        data.pos.len(),
        data.type_map.len()
    );
    s.push_str(&format!("0.0 {:.10} xlo xhi\n", h[0][0]));
    s.push_str(&format!("0.0 {:.10} ylo yhi\n", h[1][1]));
    s.push_str(&format!("0.0 {:.10} zlo zhi\n", h[2][2]));
    s.push_str(&format!(
        "{:.10} {:.10} {:.10} xy xz yz\n",
        h[1][0], h[2][0], h[2][1]
    ));
    if data.masses.iter().all(Option::is_some) {
        s.push_str("\nMasses\n\n");
        for (t, (m, name)) in data.masses.iter().zip(&data.type_map).enumerate() {
            s.push_str(&format!("{} {} # {name}\n", t + 1, m.unwrap_or_default()));
        }
    }
    s.push_str("\nAtoms # atomic\n\n");
    for (i, (t, r)) in data.types.iter().zip(&data.pos).enumerate() {
        s.push_str(&format!(
            "{} {} {:.10} {:.10} {:.10}\n",
            i + 1,
            t + 1,
            r[0],
            r[1],
            r[2]
        ));
    }
    ai4s_core::io::write_atomic(path, s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("si.data");
        std::fs::write(&p, text).expect("write");
        (d, p)
    }

    const TRICLINIC: &str = "water-ish test box\n\n3 atoms\n2 atom types\n\n\
        -1.0 9.0 xlo xhi\n0.0 8.0 ylo yhi\n0.0 7.0 zlo zhi\n1.5 -0.5 0.25 xy xz yz\n\n\
        Masses\n\n1 15.999 # O oxygen\n2 1.008 # H\n\n\
        Atoms # atomic\n\n3 2 0.5 0.6 0.7 1 0 -1\n1 1 1.0 2.0 3.0\n2 2 1.5 2.0 3.0 0 0 0\n\n\
        Velocities\n\n1 0 0 0\n2 0 0 0\n3 0 0 0\n";

    #[test]
    fn triclinic_box_masses_comments_and_image_flags() {
        let (_d, p) = file(TRICLINIC);
        let data = read(&p, None).expect("reads");
        assert_eq!(data.type_map, ["O", "H"]);
        assert_eq!(data.types, [0, 1, 1]);
        assert_eq!(data.masses, [Some(15.999), Some(1.008)]);
        assert_eq!(
            data.cell.h,
            [[10.0, 0.0, 0.0], [1.5, 8.0, 0.0], [-0.5, 0.25, 7.0]]
        );
        // Sorted by id; atom 3 unwrapped by +a - c.
        assert_eq!(data.pos[0], [1.0, 2.0, 3.0]);
        assert_eq!(data.pos[2], [0.5 + 10.0 + 0.5, 0.6 - 0.25, 0.7 - 7.0]);
        // --type-map wins over the comments.
        let names = vec!["X".to_string(), "Y".to_string()];
        assert_eq!(read(&p, Some(&names)).expect("reads").type_map, names);
    }

    #[test]
    fn write_then_read_is_the_identity() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("out.data");
        let data = LammpsData {
            type_map: vec!["Si".into(), "O".into()],
            types: vec![1, 0, 1],
            pos: vec![[0.1, 0.2, 0.3], [1.25, -0.5, 2.0], [3.0, 3.5, 4.0]],
            cell: Cell {
                h: [[5.0, 0.0, 0.0], [0.5, 6.0, 0.0], [0.25, -0.75, 7.0]],
            },
            masses: vec![Some(28.085), Some(15.999)],
        };
        write(&p, &data).expect("write");
        assert_eq!(read(&p, None).expect("read"), data);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let cases: [(&str, &str); 8] = [
            (
                "t\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nMasses\n\n1 28 # Si\n",
                "no Atoms section",
            ),
            (
                "t\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nAtoms # atomic\n\n1 1 0.0 zero 0.0\n",
                "line 11: `zero` (coordinate)",
            ),
            (
                "t\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nAtoms # atomic\n\n1 2 0 0 0\n",
                "line 11: atom type 2 is outside 1..1",
            ),
            (
                "t\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nAtoms # full\n\n1 1 1 0.0 0 0 0\n",
                "line 9: the Atoms section is atom_style `full`",
            ),
            (
                "t\n\n2 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nAtoms\n\n1 1 0 0 0\n",
                "line 9: the Atoms section has 1 rows, expected 2",
            ),
            (
                "t\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n\nAtoms\n\n1 1 0 0 0\n",
                "no `zlo zhi` line",
            ),
            (
                "t\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\nAtoms\n\n1 1 0 0 0\n",
                "atom type 1 has no element name",
            ),
            (
                "t\n\n2 atoms\n1 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\nAtoms\n\n1 1 0 0 0\n1 1 1 1 1\n",
                "line 12: atom id 1 appears twice (also on line 11)",
            ),
        ];
        for (text, want) in cases {
            let (_d, p) = file(text);
            let e = read(&p, None).expect_err(want).to_string();
            assert!(
                e.contains("si.data") && e.contains(want),
                "{e}\nwanted {want}"
            );
        }
        let (_d, p) = file(TRICLINIC);
        let e = read(&p, Some(&["O".to_string()]))
            .expect_err("one name for two types")
            .to_string();
        assert!(e.contains("names 1 types, the file has 2"), "{e}");
    }
}
