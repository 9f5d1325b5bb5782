//! FASTA files: the text format of sequence databases, read record by record.
//!
//! A record is a header line starting with `>` (the identifier is its first word, the rest a
//! free description) followed by any number of sequence lines, which are joined. Blank lines
//! and `;` comment lines are skipped, CRLF line ends and a UTF-8 byte-order mark are accepted,
//! and whitespace inside sequence lines is removed. The letters are kept exactly as written
//! (case included): what they may be is decided by the reader of DNA
//! ([`crate::motifs`]) or of aligned protein sequences ([`crate::contacts`]), which refuse an
//! unknown letter naming the record and position with [`FastaRecord::error_at`].
//!
//! Refused here, with the file and line: an empty file, sequence text before the first
//! header, a header with no identifier, and a record with no sequence.

use ai4s_core::error::{Error, Result};
use std::path::{Path, PathBuf};

/// One FASTA record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastaRecord {
    /// The first word of the header (after `>`).
    pub id: String,
    /// The rest of the header, trimmed (may be empty).
    pub description: String,
    /// The sequence lines joined, whitespace removed, letters as written.
    pub seq: String,
    /// 1-based line of the header in the file.
    pub line: usize,
}

impl FastaRecord {
    /// An error about the letter at 0-based `pos` of this record's sequence, naming the
    /// file, the header line, the record and the 1-based position.
    pub fn error_at(&self, path: &Path, pos: usize, message: impl std::fmt::Display) -> Error {
        Error::data(
            path,
            Some(self.line),
            format!("record `{}`, position {}: {message}", self.id, pos + 1),
        )
    }
}

/// Reads every record of the FASTA file at `path`.
pub fn read_fasta(path: &Path) -> Result<Vec<FastaRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            Error::data(
                path,
                None,
                "not a text file (FASTA must be UTF-8 or ASCII text)",
            )
        } else {
            Error::io("reading", path, e)
        }
    })?;
    parse_fasta(&text, path)
}

/// Parses FASTA `text`; `path` names the source in errors.
pub fn parse_fasta(text: &str, path: &Path) -> Result<Vec<FastaRecord>> {
    let path: PathBuf = path.to_path_buf();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records: Vec<FastaRecord> = Vec::new();
    let mut current: Option<FastaRecord> = None;
    let finish = |rec: FastaRecord, records: &mut Vec<FastaRecord>| -> Result<()> {
        if rec.seq.is_empty() {
            return Err(Error::data(
                &path,
                Some(rec.line),
                format!("record `{}` has a header but no sequence", rec.id),
            ));
        }
        records.push(rec);
        Ok(())
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('>') {
            if let Some(rec) = current.take() {
                finish(rec, &mut records)?;
            }
            let header = header.trim();
            let (id, description) = match header.split_once(char::is_whitespace) {
                Some((id, rest)) => (id.to_string(), rest.trim().to_string()),
                None => (header.to_string(), String::new()),
            };
            if id.is_empty() {
                return Err(Error::data(
                    &path,
                    Some(line_no),
                    "header `>` has no identifier (expected `>name optional description`)",
                ));
            }
            current = Some(FastaRecord {
                id,
                description,
                seq: String::new(),
                line: line_no,
            });
        } else {
            match current.as_mut() {
                Some(rec) => rec
                    .seq
                    .extend(trimmed.chars().filter(|c| !c.is_whitespace())),
                None => {
                    return Err(Error::data(
                        &path,
                        Some(line_no),
                        format!(
                            "sequence text before the first header: every FASTA record starts \
                             with a `>name` line (found `{}`)",
                            snippet(trimmed)
                        ),
                    ));
                }
            }
        }
    }
    if let Some(rec) = current.take() {
        finish(rec, &mut records)?;
    }
    if records.is_empty() {
        return Err(Error::data(
            &path,
            None,
            "no FASTA records (expected `>name` header lines followed by sequence lines)",
        ));
    }
    Ok(records)
}

/// The first characters of `s`, for messages.
fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<FastaRecord>> {
        parse_fasta(text, Path::new("x.fa"))
    }

    #[test]
    fn reads_multiline_records_with_crlf_comments_and_bom() {
        let recs =
            parse("\u{feff}; a comment\r\n>seq1 some site\r\nACGT\r\nac gt\r\n\r\n>seq2\nNNNA\n")
                .expect("parses");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "seq1");
        assert_eq!(recs[0].description, "some site");
        assert_eq!(recs[0].seq, "ACGTacgt");
        assert_eq!(recs[0].line, 2);
        assert_eq!(recs[1].id, "seq2");
        assert_eq!(recs[1].seq, "NNNA");
        assert_eq!(recs[1].line, 6);
    }

    #[test]
    fn refuses_malformed_files_naming_the_line() {
        let e = parse("ACGT\n>a\nAC\n").expect_err("refused").to_string();
        assert!(
            e.contains("x.fa, line 1") && e.contains("before the first header"),
            "{e}"
        );
        let e = parse(">a\nAC\n>b\n>c\nGG\n")
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("`b` has a header but no sequence"),
            "{e}"
        );
        let e = parse(">a\nAC\n> \nGG\n").expect_err("refused").to_string();
        assert!(e.contains("line 3") && e.contains("no identifier"), "{e}");
        let e = parse("\n; only comments\n")
            .expect_err("refused")
            .to_string();
        assert!(e.contains("no FASTA records"), "{e}");
        let rec = &parse(">r1\nACXT\n").expect("parses")[0];
        let e = rec
            .error_at(Path::new("x.fa"), 2, "unknown base `X`")
            .to_string();
        assert_eq!(e, "x.fa, line 1: record `r1`, position 3: unknown base `X`");
    }
}
