//! Known contacts from a structure: the C-beta atoms of one chain of a PDB file.
//!
//! Read from the fixed-column PDB format: `ATOM` records (and `HETATM` records of
//! selenomethionine, `MSE`, which stands for methionine in many crystal structures) of the
//! first model only (reading stops at the first `ENDMDL` or `END`), of one chain: the `chain`
//! config field, or the chain of the first `ATOM` record. A residue is a run of records with the
//! same residue number, insertion code and name; of alternate locations the first is kept.
//! Each residue is placed at its C-beta atom (`CB`), at its C-alpha (`CA`) for glycine and for
//! a residue whose C-beta is missing; a residue with neither is refused.
//!
//! The residues, in file order, are the query's columns one to one: a chain with another
//! number of residues is refused (cut the structure, or the alignment's query, to the same
//! stretch), and so is a residue whose amino acid differs from the query's letter at its
//! column (gaps and ambiguity codes in the query, and non-standard residue names, are not
//! compared), naming the residue, its line and the column. Two columns are in contact when
//! their atoms are closer than `cutoff` (8 A: the CASP definition).

use super::fold::ContactMap;
use ai4s_core::error::{Error, Result};
use std::path::Path;

/// One residue of the chain.
#[derive(Clone, Debug)]
pub struct Residue {
    /// Three-letter name, e.g. `GLY`.
    pub name: String,
    /// Residue number and insertion code as written, e.g. `52` or `52A`.
    pub number: String,
    /// 1-based line of the residue's first record.
    pub line: usize,
    /// C-alpha position, if present.
    pub ca: Option<[f64; 3]>,
    /// C-beta position, if present.
    pub cb: Option<[f64; 3]>,
}

impl Residue {
    /// The position contacts are measured from: C-beta, C-alpha for glycine or a missing C-beta.
    pub fn centre(&self) -> Option<[f64; 3]> {
        if self.name == "GLY" {
            self.ca.or(self.cb)
        } else {
            self.cb.or(self.ca)
        }
    }

    /// The one-letter code of a standard (or common variant) residue name.
    pub fn letter(&self) -> Option<char> {
        one_letter(&self.name)
    }
}

/// One chain of the first model.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Chain identifier (may be a space).
    pub id: char,
    /// Residues in file order.
    pub residues: Vec<Residue>,
}

impl Chain {
    /// Residues other than glycine placed at their C-alpha for want of a C-beta.
    pub fn cb_missing(&self) -> usize {
        self.residues
            .iter()
            .filter(|r| r.name != "GLY" && r.cb.is_none())
            .count()
    }
}

/// The one-letter code of a residue name (the 20 standard ones, selenomethionine and the
/// protonation variants of histidine); `None` for anything else.
pub fn one_letter(name: &str) -> Option<char> {
    Some(match name {
        "ALA" => 'A',
        "ARG" => 'R',
        "ASN" => 'N',
        "ASP" => 'D',
        "CYS" => 'C',
        "GLN" => 'Q',
        "GLU" => 'E',
        "GLY" => 'G',
        "HIS" | "HSD" | "HSE" | "HSP" | "HID" | "HIE" | "HIP" => 'H',
        "ILE" => 'I',
        "LEU" => 'L',
        "LYS" => 'K',
        "MET" | "MSE" => 'M',
        "PHE" => 'F',
        "PRO" => 'P',
        "SER" => 'S',
        "THR" => 'T',
        "TRP" => 'W',
        "TYR" => 'Y',
        "VAL" => 'V',
        _ => return None,
    })
}

/// Columns `[from, to)` of a fixed-column line, or `None` if the line is too short.
fn col(line: &str, from: usize, to: usize) -> Option<&str> {
    line.get(from..to)
}

/// Reads `chain` (`None`: the first) of the first model of PDB `text`; `path` names the file
/// in errors.
pub fn parse_pdb(text: &str, path: &Path, chain: Option<char>) -> Result<Chain> {
    let mut residues: Vec<Residue> = Vec::new();
    let mut key: Option<(String, String)> = None;
    let mut picked = chain;
    let mut seen: Vec<char> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim_end_matches('\r');
        let record = line.get(..6).unwrap_or(line).trim_end();
        let any_atoms = !seen.is_empty();
        if any_atoms && (record == "ENDMDL" || record == "END") {
            break;
        }
        let is_atom = record == "ATOM" || (record == "HETATM" && col(line, 17, 20) == Some("MSE"));
        if !is_atom {
            continue;
        }
        let bad = |what: &str| {
            Error::data(
                path,
                Some(line_no),
                format!(
                    "malformed {record} record: {what} (PDB fixed columns: atom name 13-16, residue name 18-20, chain 22, residue number 23-26, x y z 31-54)"
                ),
            )
        };
        let (Some(atom), Some(res), Some(id), Some(num)) = (
            col(line, 12, 16),
            col(line, 17, 20),
            col(line, 21, 22),
            col(line, 22, 27),
        ) else {
            return Err(bad("the line is shorter than 54 columns"));
        };
        let id = id.chars().next().unwrap_or(' ');
        if !seen.contains(&id) {
            seen.push(id);
        }
        let want = *picked.get_or_insert(id);
        if id != want {
            continue;
        }
        let mut xyz = [0.0; 3];
        for (d, v) in xyz.iter_mut().enumerate() {
            let field = col(line, 30 + 8 * d, 38 + 8 * d)
                .ok_or_else(|| bad("the line is shorter than 54 columns"))?;
            *v = field
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    bad(&format!(
                        "`{}` is not a {} coordinate",
                        field.trim(),
                        ["x", "y", "z"][d]
                    ))
                })?;
        }
        let (res, num) = (res.trim().to_string(), num.trim().to_string());
        if num.is_empty() {
            return Err(bad("no residue number"));
        }
        let this = (num.clone(), res.clone());
        if key.as_ref() != Some(&this) {
            residues.push(Residue {
                name: res,
                number: num,
                line: line_no,
                ca: None,
                cb: None,
            });
            key = Some(this);
        }
        let r = residues.last_mut().expect("a residue was pushed");
        match atom.trim() {
            "CA" if r.ca.is_none() => r.ca = Some(xyz),
            "CB" if r.cb.is_none() => r.cb = Some(xyz),
            _ => {}
        }
    }
    let Some(id) = picked.filter(|_| !residues.is_empty()) else {
        let found: Vec<String> = seen.iter().map(|c| format!("`{c}`")).collect();
        return Err(Error::data(
            path,
            None,
            match chain {
                Some(c) if !seen.is_empty() => format!(
                    "no ATOM records of chain `{c}` in the first model (chains present: {}); set chain to one of them",
                    found.join(", ")
                ),
                _ => "no ATOM records in the first model: not a PDB structure".to_string(),
            },
        ));
    };
    if let Some(r) = residues.iter().find(|r| r.centre().is_none()) {
        return Err(Error::data(
            path,
            Some(r.line),
            format!(
                "residue {} {} of chain `{id}` has neither a C-alpha nor a C-beta atom",
                r.name, r.number
            ),
        ));
    }
    Ok(Chain { id, residues })
}

/// The contact map of `chain` over the query's columns, after checking that the residues are
/// the query's letters one to one.
pub fn contacts_on_query(
    chain: &Chain,
    query_id: &str,
    query: &str,
    path: &Path,
    cutoff: f64,
) -> Result<ContactMap> {
    let l = query.chars().count();
    if chain.residues.len() != l {
        return Err(Error::data(
            path,
            None,
            format!(
                "chain `{}` has {} residues but the query `{query_id}` has {l} match columns: residues are mapped to the query's columns one to one, in order; cut the structure (or the alignment's query) to the same stretch",
                chain.id,
                chain.residues.len()
            ),
        ));
    }
    let mismatches: Vec<(usize, char, char)> = chain
        .residues
        .iter()
        .zip(query.chars())
        .enumerate()
        .filter_map(|(k, (r, q))| {
            let s = r.letter()?;
            let comparable = q.is_ascii_uppercase() && !super::byo::AMBIGUOUS.contains(&(q as u8));
            (comparable && s != q).then_some((k, s, q))
        })
        .collect();
    if let Some(&(k, s, q)) = mismatches.first() {
        let r = &chain.residues[k];
        return Err(Error::data(
            path,
            Some(r.line),
            format!(
                "residue {} {} of chain `{}` is `{s}`, but query column {} is `{q}` ({} mismatch(es) in all): the chain's residues must be the query `{query_id}`'s, in order",
                r.name,
                r.number,
                chain.id,
                k + 1,
                mismatches.len()
            ),
        ));
    }
    let at: Vec<[f64; 3]> = chain
        .residues
        .iter()
        .map(|r| r.centre().expect("checked when read"))
        .collect();
    let map = (0..l)
        .map(|i| {
            (0..l)
                .map(|j| {
                    let d2: f64 = (0..3).map(|d| (at[i][d] - at[j][d]).powi(2)).sum();
                    i != j && d2.sqrt() < cutoff
                })
                .collect()
        })
        .collect();
    Ok(ContactMap { map })
}
