//! Bring your own data: a family alignment (aligned FASTA or A3M) and, optionally, the known
//! contacts (a list of pairs, or a PDB structure read by [`super::pdb`]).
//!
//! **Alignment** (`--set msa=FILE`). FASTA records read by [`crate::fasta::read_fasta`]; the
//! first record is the query, and its match columns are the alignment's columns (`L` of them).
//! Every letter is read as:
//!
//! - the 20 amino acids in upper case, `ACDEFGHIKLMNPQRSTVWY`: states 0..19;
//! - `-`, a gap (a deletion against the query): state 20, the 21st state of the Potts model,
//!   as in plmDCA, which fits gaps like any residue (`q = 21`);
//! - the ambiguity codes `X B Z J U O` (unknown, D/N, E/Q, I/L, selenocysteine, pyrrolysine):
//!   a gap as well, as plmDCA maps them;
//! - lower-case letters and `.`: insertions relative to the query (the A3M convention of HHblits
//!   and ColabFold), dropped, as HHblits' `reformat.pl` and plmDCA drop them; an aligned FASTA
//!   file without lower case is read unchanged;
//! - anything else (digits, `*`, other symbols): refused, naming the file, the record and the
//!   1-based position in the record's sequence as written.
//!
//! Comment lines starting with `#` before the first record (ColabFold's `#<length>\t<copies>`)
//! are skipped. After dropping insertions every row must have the query's length (refused
//! otherwise, naming the record, its header line and both lengths), at least 2 sequences and 2
//! columns are required. The sequences are reweighted at `identity` (80 % by default, over all
//! `L` columns, gaps included) exactly as the simulated alignment is ([`super::msa`]); no row
//! or column is filtered for gaps.
//!
//! **Known contacts** (`--set contacts=FILE`, optional). A PDB file (extension `.pdb` or `.ent`,
//! or any `ATOM`/`HETATM` record) is read by [`super::pdb`]; anything else is a plain list of
//! pairs, one per line, `i j`, `i,j` or `i j distance` (1-based query columns, fields separated
//! by spaces, tabs or commas, `#` starts a comment, a first line of column names is skipped).
//! A pair without a distance is a contact; with one, it is a contact when the distance is below
//! `cutoff` (8 A by default), so that a full distance list can be given. Malformed lines,
//! numbers outside `1..=L` and `i = j` are refused naming the file and line.

use super::fold::ContactMap;
use super::msa::Msa;
use super::pdb;
use crate::fasta::{FastaRecord, parse_fasta};
use ai4s_core::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The 21 states of a user's alignment: the 20 amino acids, then the gap.
pub const AMINO: &[u8] = b"ACDEFGHIKLMNPQRSTVWY-";
/// States of a user's alignment.
pub const Q: usize = 21;
/// The gap state.
pub const GAP: u8 = 20;
/// Ambiguity codes read as gaps: unknown, D/N, E/Q, I/L, selenocysteine, pyrrolysine.
pub const AMBIGUOUS: &[u8] = b"XBZJUO";

/// A user's alignment over the query's match columns.
#[derive(Clone, Debug)]
pub struct Alignment {
    /// The file it came from.
    pub path: PathBuf,
    /// Sequences over [`AMINO`] (`q = 21`), the query first.
    pub msa: Msa,
    /// Record identifiers, in file order.
    pub ids: Vec<String>,
    /// The query's match-column letters as written (upper case, `-`, ambiguity codes).
    pub query: String,
    /// Insertion letters (lower case, `.`) dropped over all records.
    pub insertions: usize,
    /// Ambiguity codes read as gaps over all records.
    pub ambiguous: usize,
}

impl Alignment {
    /// Length (query match columns).
    pub fn l(&self) -> usize {
        self.msa.l()
    }

    /// Identifier of the query.
    pub fn query_id(&self) -> &str {
        &self.ids[0]
    }

    /// Fraction of gap states (including ambiguity codes) over the whole alignment.
    pub fn gap_fraction(&self) -> f64 {
        let cells = (self.msa.n() * self.l()).max(1) as f64;
        let gaps = self
            .msa
            .seqs
            .iter()
            .flatten()
            .filter(|&&a| a == GAP)
            .count();
        gaps as f64 / cells
    }

    /// The alignment as fitted, aligned FASTA over the 21 letters (insertions dropped,
    /// ambiguity codes as `-`).
    pub fn to_fasta(&self) -> String {
        let mut out = String::with_capacity(self.msa.n() * (self.l() + 16));
        for (id, s) in self.ids.iter().zip(&self.msa.seqs) {
            out.push('>');
            out.push_str(id);
            out.push('\n');
            out.extend(s.iter().map(|&a| AMINO[a as usize] as char));
            out.push('\n');
        }
        out
    }
}

/// Reads text for the readers here, refusing a binary file as bad data.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            Error::data(path, None, format!("not a text file ({what} must be text)"))
        } else {
            Error::io("reading", path, e)
        }
    })
}

/// Reads an aligned FASTA or A3M file.
pub fn read_alignment(path: &Path) -> Result<Alignment> {
    let text = read_text(path, "an aligned FASTA or A3M file")?;
    // ColabFold's A3M opens with `#<lengths>\t<copies>`: blank such lines before the first
    // record (keeping the line numbers) for the FASTA reader.
    let mut started = false;
    let text: Vec<&str> = text
        .lines()
        .map(|line| {
            started |= line.trim_start_matches('\u{feff}').starts_with('>');
            if !started && line.trim_start_matches('\u{feff}').starts_with('#') {
                ""
            } else {
                line
            }
        })
        .collect();
    let records = parse_fasta(&text.join("\n"), path)?;
    parse_alignment(&records, path)
}

/// The state of an upper-case letter or `-`: `None` for anything else.
fn state(c: char) -> Option<(u8, bool)> {
    let b = u8::try_from(c).ok()?;
    if let Some(p) = AMINO.iter().position(|&a| a == b) {
        return Some((p as u8, false));
    }
    AMBIGUOUS.contains(&b).then_some((GAP, true))
}

/// Turns FASTA records into an alignment over the first record's match columns.
pub fn parse_alignment(records: &[FastaRecord], path: &Path) -> Result<Alignment> {
    if records.len() < 2 {
        return Err(Error::data(
            path,
            None,
            format!(
                "{} sequence: co-evolution needs an alignment of homologous sequences (at least 2; real families need hundreds to thousands)",
                records.len()
            ),
        ));
    }
    let mut seqs: Vec<Vec<u8>> = Vec::with_capacity(records.len());
    let mut query = String::new();
    let (mut insertions, mut ambiguous) = (0, 0);
    for (k, rec) in records.iter().enumerate() {
        let mut row = Vec::with_capacity(seqs.first().map_or(rec.seq.len(), Vec::len));
        for (pos, c) in rec.seq.chars().enumerate() {
            if c.is_ascii_lowercase() || c == '.' {
                insertions += 1;
                continue;
            }
            let Some((s, amb)) = state(c) else {
                return Err(rec.error_at(
                    path,
                    pos,
                    format!(
                        "`{c}` is not an amino-acid letter, a gap `-` or an A3M insertion (lower case, `.`); stop codons `*`, digits and other symbols are not allowed"
                    ),
                ));
            };
            ambiguous += usize::from(amb);
            row.push(s);
            if k == 0 {
                query.push(c);
            }
        }
        if k == 0 && row.len() < 2 {
            return Err(Error::data(
                path,
                Some(rec.line),
                format!(
                    "the query `{}` (first record) has {} match column(s) (upper-case letters and `-`; lower case and `.` are A3M insertions): at least 2 are needed",
                    rec.id,
                    row.len()
                ),
            ));
        }
        if let Some(first) = seqs.first()
            && row.len() != first.len()
        {
            return Err(Error::data(
                path,
                Some(rec.line),
                format!(
                    "record `{}` has {} match columns after dropping insertions (lower case, `.`), but the query `{}` (first record) has {}: every row must align to the query column for column",
                    rec.id,
                    row.len(),
                    records[0].id,
                    first.len()
                ),
            ));
        }
        seqs.push(row);
    }
    Ok(Alignment {
        path: path.to_path_buf(),
        msa: Msa { seqs, q: Q },
        ids: records.iter().map(|r| r.id.clone()).collect(),
        query,
        insertions,
        ambiguous,
    })
}

/// Known contacts over the query's columns.
#[derive(Clone, Debug)]
pub struct Known {
    /// The contact map (`L x L`).
    pub map: ContactMap,
    /// Where the contacts come from, for the report.
    pub source: String,
}

/// Whether the file is a PDB structure: by extension, or by its `ATOM`/`HETATM` records.
pub fn is_pdb(path: &Path, text: &str) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("pdb" | "ent"))
        || text
            .lines()
            .any(|l| l.starts_with("ATOM  ") || l.starts_with("HETATM"))
}

/// Reads the known contacts of `own` from a PDB file or a list of pairs (see the module docs);
/// `chain` picks the PDB chain (`None`: the first).
pub fn read_known(
    path: &Path,
    own: &Alignment,
    cutoff: f64,
    chain: Option<char>,
    min_separation: usize,
) -> Result<Known> {
    let text = read_text(path, "a contact list or PDB file")?;
    let l = own.l();
    let (map, source) = if is_pdb(path, &text) {
        let c = pdb::parse_pdb(&text, path, chain)?;
        let map = pdb::contacts_on_query(&c, own.query_id(), &own.query, path, cutoff)?;
        let fallback = c.cb_missing();
        let source = format!(
            "chain {} of {} ({} residues, C-beta distance < {cutoff:.1} A, C-alpha for glycine{})",
            c.id,
            path.display(),
            c.residues.len(),
            if fallback > 0 {
                format!(" and for {fallback} residue(s) without a C-beta")
            } else {
                String::new()
            }
        );
        (map, source)
    } else {
        let map = parse_contact_list(&text, path, l, cutoff)?;
        (map, format!("the list {}", path.display()))
    };
    if map.pairs(min_separation).is_empty() {
        return Err(Error::data(
            path,
            None,
            format!(
                "no known contact with |i - j| >= {min_separation} (min_separation) among the query's {l} columns: precision is measured on such pairs only"
            ),
        ));
    }
    Ok(Known { map, source })
}

/// Parses a list of contacts `i j`, `i,j` or `i j distance` over `l` query columns.
pub fn parse_contact_list(text: &str, path: &Path, l: usize, cutoff: f64) -> Result<ContactMap> {
    let mut map = vec![vec![false; l]; l];
    let mut first = true;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        let line = line.trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|f| !f.is_empty())
            .collect();
        let header = first && fields.iter().all(|f| f.parse::<f64>().is_err());
        first = false;
        if header {
            continue;
        }
        let bad = |message: String| Error::data(path, Some(line_no), message);
        if !(2..=3).contains(&fields.len()) {
            return Err(bad(format!(
                "expected `i j`, `i,j` or `i j distance` (1-based query columns), found {} field(s) in `{line}`",
                fields.len()
            )));
        }
        let mut ij = [0usize; 2];
        for (slot, f) in ij.iter_mut().zip(&fields) {
            *slot = match f.parse::<usize>() {
                Ok(v) if (1..=l).contains(&v) => v - 1,
                Ok(v) => {
                    return Err(bad(format!(
                        "residue {v} is outside the query's columns 1..={l}"
                    )));
                }
                Err(_) => {
                    return Err(bad(format!(
                        "`{f}` is not a residue number (a 1-based query column)"
                    )));
                }
            };
        }
        let [i, j] = ij;
        if i == j {
            return Err(bad(format!(
                "residue {} paired with itself: a contact joins two different columns",
                i + 1
            )));
        }
        let contact = match fields.get(2) {
            None => true,
            Some(f) => match f.parse::<f64>() {
                Ok(d) if d.is_finite() && d >= 0.0 => d < cutoff,
                _ => {
                    return Err(bad(format!(
                        "`{f}` is not a distance (a non-negative number in A)"
                    )));
                }
            },
        };
        if contact {
            map[i][j] = true;
            map[j][i] = true;
        }
    }
    Ok(ContactMap { map })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Alignment> {
        let p = Path::new("x.a3m");
        parse_alignment(&parse_fasta(text, p)?, p)
    }

    #[test]
    fn a3m_insertions_are_dropped_and_ambiguity_codes_are_gaps() {
        let a = parse(">q\nAC-DX\n>s1\nAaCc-D.E\n>s2\nB.-..-Zw-\n").expect("parses");
        assert_eq!(a.l(), 5);
        assert_eq!(a.query, "AC-DX");
        assert_eq!(a.msa.seqs[0], vec![0, 1, GAP, 2, GAP]);
        assert_eq!(a.msa.seqs[1], vec![0, 1, GAP, 2, 3]);
        assert_eq!(a.msa.seqs[2], vec![GAP; 5]);
        assert_eq!((a.insertions, a.ambiguous), (7, 3));
        assert_eq!(a.to_fasta(), ">q\nAC-D-\n>s1\nAC-DE\n>s2\n-----\n");
    }

    #[test]
    fn contact_lists_accept_three_forms_and_refuse_bad_lines() {
        let p = Path::new("c.txt");
        let m = parse_contact_list(
            "i,j\n# known\n1 8\n2,9 # c\n3\t10\t7.5\n4 11 9.0\n",
            p,
            12,
            8.0,
        )
        .expect("parses");
        assert_eq!(m.pairs(1), vec![(0, 7), (1, 8), (2, 9)]);
        for (text, want) in [
            ("1 8\n1 2 3 4\n", "line 2: expected `i j`"),
            ("1 13\n", "outside the query's columns 1..=12"),
            ("4 4\n", "paired with itself"),
            ("1 x\n", "`x` is not a residue number"),
            ("1 5 -2\n", "not a distance"),
        ] {
            let e = parse_contact_list(text, p, 12, 8.0)
                .expect_err("refused")
                .to_string();
            assert!(e.contains("c.txt, line") && e.contains(want), "{e}");
        }
    }
}
