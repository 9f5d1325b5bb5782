//! Your own sequences: labelled DNA read from FASTA files, encoded and split.
//!
//! Two ways to give the data (paths as written, relative to the working directory):
//!
//! - `positives=FILE.fa` and `negatives=FILE.fa`: bound sequences (label 1; ChIP-seq peaks,
//!   SELEX reads) and unbound ones (label 0; shuffled or flanking background). Headers are free.
//! - `sequences=FILE.fa`: one file whose every header carries the label, either as
//!   `label=1` / `label=0` anywhere in the header (e.g. `>peak17 chr1:100-200 label=1` or
//!   `>peak17|label=1`), or as the header's final word `1`, `0`, `pos` or `neg` after the
//!   identifier (e.g. `>peak17 chr1:100-200 pos`). `positive`/`negative` and any case are also
//!   read. A record without a label is refused, naming the file, its line and the record.
//!
//! Letters (FASTA read by [`crate::fasta`]): `A C G T` in either case (lower case is
//! soft-masked repeat sequence, read as upper case); `U` is read as `T` (RNA); `N` and the
//! IUPAC ambiguity codes `R Y S W K M B D H V` are kept as a position without a base
//! ([`GAP`]): an all-zero one-hot column for the CNN, a window no k-mer is counted in, and no
//! count in a recovered PWM. Anything else (digits, `-` gaps, `*`, other letters) is refused
//! naming the file, line, record and 1-based position.
//!
//! Lengths may differ: every sequence is padded at its 3' end with [`GAP`] columns to the
//! longest (at most [`MAX_LEN`] bases). The CNN max-pools, so padding adds no signal beyond a
//! constant window response; but if one class is systematically longer, both models can use
//! the length (more windows, more k-mers), so the run reports the mean length of each class and
//! warns when they differ by more than 10 %: trim both classes to equal windows (e.g. 101 bp
//! around the peak summit, as DeepBind did) for a fair test. A sequence shorter than the
//! filters (`filter_width`) is refused.
//!
//! Split: each class separately is shuffled with the run's seed and cut into a test part
//! (`test_fraction`, rounded, at least one), a validation part (`val_fraction`, at least one;
//! early stopping, the baseline's L2 strength, the motif's filter) and the training rest, so
//! every part keeps the class balance of the file. Each class needs at least [`MIN_PER_CLASS`]
//! sequences. `splits.csv` records the part of every record.

use super::MotifsConfig;
use super::sequences::{Dataset, GAP};
use crate::fasta::{FastaRecord, read_fasta};
use ai4s_core::error::{Error, Result};
use rand::seq::SliceRandom;
use rand::{SeedableRng, rngs::StdRng};
use std::path::{Path, PathBuf};

/// Fewest sequences of each class.
pub const MIN_PER_CLASS: usize = 10;

/// Longest sequence accepted, in bases.
pub const MAX_LEN: usize = 10_000;

/// One labelled record of the user's files.
#[derive(Clone, Debug)]
pub struct Labelled {
    /// Base codes (0-3 for A, C, G, T; [`GAP`] for `N` and ambiguity codes), unpadded.
    pub seq: Vec<u8>,
    /// Bound (label 1).
    pub label: bool,
    /// The file it came from.
    pub path: PathBuf,
    /// Its header line in that file.
    pub line: usize,
    /// Its identifier.
    pub id: String,
}

/// The user's data split into parts, padded to one length.
pub struct OwnData {
    /// Training, validation and test sequences.
    pub train: Dataset,
    /// Validation sequences.
    pub val: Dataset,
    /// Test sequences.
    pub test: Dataset,
    /// Every record, in file order.
    pub records: Vec<Labelled>,
    /// Part of every record: 0 train, 1 validation, 2 test.
    pub part: Vec<u8>,
    /// The padded length.
    pub len: usize,
    /// Base frequencies of both strands (A, C, G, T), for the MEME background.
    pub background: [f64; 4],
}

/// Base code of FASTA letter `c`: `Some(GAP)` for `N` and ambiguity codes, `None` if not DNA.
pub fn base_code(c: char) -> Option<u8> {
    match c.to_ascii_uppercase() {
        'A' => Some(0),
        'C' => Some(1),
        'G' => Some(2),
        'T' | 'U' => Some(3),
        'N' | 'R' | 'Y' | 'S' | 'W' | 'K' | 'M' | 'B' | 'D' | 'H' | 'V' => Some(GAP),
        _ => None,
    }
}

/// The base codes of a record, refusing a letter that is not DNA.
pub fn encode(rec: &FastaRecord, path: &Path) -> Result<Vec<u8>> {
    rec.seq
        .chars()
        .enumerate()
        .map(|(i, c)| {
            base_code(c).ok_or_else(|| {
                rec.error_at(
                    path,
                    i,
                    format!(
                        "`{c}` is not a DNA letter (expected A, C, G, T or U in either case, N, \
                         or an IUPAC ambiguity code R Y S W K M B D H V)"
                    ),
                )
            })
        })
        .collect()
}

fn label_word(w: &str) -> Option<bool> {
    match w.to_ascii_lowercase().as_str() {
        "1" | "pos" | "positive" => Some(true),
        "0" | "neg" | "negative" => Some(false),
        _ => None,
    }
}

/// The label in a record's header: `label=VALUE` anywhere, else a final word after the
/// identifier.
pub fn header_label(rec: &FastaRecord, path: &Path) -> Result<bool> {
    let header = format!("{} {}", rec.id, rec.description);
    let lower = header.to_ascii_lowercase();
    if let Some(at) = lower.find("label=") {
        let value: String = header[at + 6..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        return label_word(&value).ok_or_else(|| {
            Error::data(
                path,
                Some(rec.line),
                format!(
                    "record `{}`: `label={value}` is not a label (use label=1 or label=0)",
                    rec.id
                ),
            )
        });
    }
    rec.description
        .split_whitespace()
        .last()
        .and_then(label_word)
        .ok_or_else(|| {
            Error::data(
                path,
                Some(rec.line),
                format!(
                    "record `{}` has no label: put `label=1` or `label=0` in its header, or end \
                     the header with 1, 0, pos or neg (or give the classes as two files with \
                     positives= and negatives=)",
                    rec.id
                ),
            )
        })
}

fn read(path: &Path, label: Option<bool>, cfg: &MotifsConfig) -> Result<Vec<Labelled>> {
    read_fasta(path)?
        .iter()
        .map(|rec| {
            let seq = encode(rec, path)?;
            let label = match label {
                Some(l) => l,
                None => header_label(rec, path)?,
            };
            let refuse = |what: String| Err(Error::data(path, Some(rec.line), what));
            if seq.len() < cfg.filter_width {
                return refuse(format!(
                    "record `{}` has {} bases, fewer than the filter width {} (drop the record, \
                     or lower filter_width)",
                    rec.id,
                    seq.len(),
                    cfg.filter_width
                ));
            }
            if seq.len() > MAX_LEN {
                return refuse(format!(
                    "record `{}` has {} bases, more than {MAX_LEN}: cut the sequences to \
                     windows around the binding sites (e.g. 101-500 bp around peak summits)",
                    rec.id,
                    seq.len()
                ));
            }
            Ok(Labelled {
                seq,
                label,
                path: path.to_path_buf(),
                line: rec.line,
                id: rec.id.clone(),
            })
        })
        .collect()
}

/// Reads the user's files named by `cfg` (None: none given, the simulated data are used) and
/// splits them with `seed`.
pub fn load(cfg: &MotifsConfig, seed: u64) -> Result<Option<OwnData>> {
    let (records, pos_file, neg_file) = if !cfg.sequences.is_empty() {
        let p = PathBuf::from(&cfg.sequences);
        (read(&p, None, cfg)?, p.clone(), p)
    } else if !cfg.positives.is_empty() {
        let (p, n) = (PathBuf::from(&cfg.positives), PathBuf::from(&cfg.negatives));
        let mut r = read(&p, Some(true), cfg)?;
        r.extend(read(&n, Some(false), cfg)?);
        (r, p, n)
    } else {
        return Ok(None);
    };
    for (want, file, name) in [
        (true, &pos_file, "bound (label 1)"),
        (false, &neg_file, "unbound (label 0)"),
    ] {
        let n = records.iter().filter(|r| r.label == want).count();
        if n < MIN_PER_CLASS {
            return Err(Error::data(
                file,
                None,
                format!(
                    "only {n} {name} sequences; at least {MIN_PER_CLASS} of each class are needed \
                     to train, validate and test"
                ),
            ));
        }
    }
    Ok(Some(split(cfg, records, seed)))
}

fn split(cfg: &MotifsConfig, records: Vec<Labelled>, seed: u64) -> OwnData {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6279_6f64);
    let mut part = vec![0u8; records.len()];
    for want in [true, false] {
        let mut idx: Vec<usize> = (0..records.len())
            .filter(|&i| records[i].label == want)
            .collect();
        idx.shuffle(&mut rng);
        let n = idx.len() as f64;
        let n_test = ((n * cfg.test_fraction).round() as usize).max(1);
        let n_val = ((n * cfg.val_fraction).round() as usize).max(1);
        for (k, &i) in idx.iter().enumerate() {
            part[i] = if k < n_test {
                2
            } else if k < n_test + n_val {
                1
            } else {
                0
            };
        }
    }
    let len = records.iter().map(|r| r.seq.len()).max().unwrap_or(0);
    let mut counts = [0.0f64; 4];
    for r in &records {
        for &b in r.seq.iter().filter(|&&b| b < 4) {
            counts[b as usize] += 1.0;
            counts[3 - b as usize] += 1.0;
        }
    }
    let total: f64 = counts.iter().sum::<f64>().max(1.0);
    let background = counts.map(|c| c / total);
    let take = |which: u8| {
        let mut d = Dataset::default();
        for (r, _) in records.iter().zip(&part).filter(|e| *e.1 == which) {
            let mut s = r.seq.clone();
            s.resize(len, GAP);
            d.seqs.push(s);
            d.labels.push(r.label);
            d.sites.push(None);
        }
        d
    };
    OwnData {
        train: take(0),
        val: take(1),
        test: take(2),
        part,
        len,
        background,
        records,
    }
}

/// `splits.csv`: file, line, record, label and part (train, validation, test) of every record.
pub fn splits_csv(d: &OwnData) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Runtime(format!("writing splits.csv: {e}"));
    w.write_record(["file", "line", "record", "label", "part"])
        .map_err(err)?;
    for (r, &p) in d.records.iter().zip(&d.part) {
        w.write_record([
            r.path.display().to_string(),
            r.line.to_string(),
            r.id.clone(),
            u8::from(r.label).to_string(),
            ["train", "validation", "test"][p as usize].to_owned(),
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Runtime(format!("writing splits.csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fasta::parse_fasta;

    fn rec(text: &str) -> FastaRecord {
        parse_fasta(text, Path::new("x.fa"))
            .expect("parses")
            .remove(0)
    }

    #[test]
    fn letters_encode_with_soft_masking_rna_and_ambiguity() {
        let p = Path::new("x.fa");
        assert_eq!(
            encode(&rec(">r\nACgtUnRy\n"), p).expect("dna"),
            vec![0, 1, 2, 3, 3, GAP, GAP, GAP]
        );
        let e = encode(&rec(">r\nACG-T\n"), p).expect_err("gap").to_string();
        assert!(
            e.starts_with("x.fa, line 1: record `r`, position 4: `-`"),
            "{e}"
        );
        let e = encode(&rec(">r\nAC\nG7\n"), p)
            .expect_err("digit")
            .to_string();
        assert!(e.contains("position 4: `7`"), "{e}");
    }

    #[test]
    fn labels_are_read_from_headers() {
        let p = Path::new("x.fa");
        let l = |h: &str| header_label(&rec(&format!(">{h}\nACGT\n")), p);
        assert!(l("s1 chr1:5-9 label=1").expect("label"));
        assert!(!l("s1|LABEL=0|x").expect("label"));
        assert!(l("s1 peak pos").expect("pos"));
        assert!(!l("s1 neg").expect("neg"));
        assert!(!l("s1 0").expect("0"));
        assert!(
            l("s1 label=yes")
                .expect_err("bad")
                .to_string()
                .contains("label=yes")
        );
        let e = l("1").expect_err("id only").to_string();
        assert!(
            e.contains("x.fa, line 1") && e.contains("`1` has no label"),
            "{e}"
        );
        assert!(l("s1 chr1 peak").is_err());
    }
}
