//! Clinical tables: numeric features and a binary outcome, read from CSV.
//!
//! The built-in table is the Wisconsin diagnostic breast-cancer data (Street, Wolberg &
//! Mangasarian 1993; UCI, 569 fine-needle aspirates x 30 nucleus features, 212 malignant and
//! 357 benign), compiled in from `datasets/breast_cancer_wisconsin.csv` (source and licence in
//! datasets/README.md). Any other table is read with [`read`]:
//!
//! - a header row of column names, then one row per patient;
//! - the target column holds exactly two distinct values, numbers or words (`M`/`B`,
//!   `yes`/`no`, `1`/`0`); the positive class (the one to detect) is named by `positive`, or
//!   taken as the larger number, or recognised among common names (malignant, M, positive,
//!   yes, true, case, disease);
//! - every other column not listed in `drop` (identifiers, free text) must be numeric; empty
//!   cells and `NA`, `NaN`, `?`, `null` are missing values, refused unless imputation is on
//!   (then filled inside each fold from the training rows, see [`super::folds`]).
//!
//! Every refusal names the file, the line, the column and what was expected.

use ai4s_core::data::{checked_record, csv_with_header};
use ai4s_core::error::{Error, Result};
use ndarray::Array2;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The Wisconsin diagnostic breast-cancer table, as shipped in `datasets/`.
const WISCONSIN_CSV: &str = include_str!("../../../../datasets/breast_cancer_wisconsin.csv");
/// Its file name, for messages.
pub(crate) const WISCONSIN_PATH: &str = "datasets/breast_cancer_wisconsin.csv";

/// Words recognised as the positive class when `positive` is not given.
const POSITIVE_WORDS: [&str; 10] = [
    "malignant",
    "m",
    "positive",
    "pos",
    "yes",
    "y",
    "true",
    "case",
    "disease",
    "diseased",
];

/// Cells read as missing values.
const MISSING: [&str; 7] = ["", "na", "nan", "n/a", "?", "null", "none"];

/// A binary clinical table.
#[derive(Clone, Debug)]
pub struct Clinical {
    /// Where it came from.
    pub path: PathBuf,
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// Feature values, one row per patient; missing cells are NaN.
    pub x: Array2<f64>,
    /// Outcome of each row: true for the positive class.
    pub y: Vec<bool>,
    /// The positive and negative class labels as written in the file.
    pub classes: [String; 2],
    /// Number of missing cells.
    pub missing: usize,
}

impl Clinical {
    /// Rows of the positive class.
    pub fn positives(&self) -> usize {
        self.y.iter().filter(|&&p| p).count()
    }
}

/// How [`read`] treats the file.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions<'a> {
    /// Name of the outcome column.
    pub target: &'a str,
    /// Label of the positive class (None: inferred, see the module docs).
    pub positive: Option<&'a str>,
    /// Columns to ignore.
    pub drop: &'a [String],
    /// Accept missing feature cells (as NaN).
    pub allow_missing: bool,
}

/// The built-in Wisconsin table (target `malignant`, 1 = malignant).
pub fn wisconsin() -> Result<Clinical> {
    let mut t = parse(
        WISCONSIN_CSV.as_bytes(),
        Path::new(WISCONSIN_PATH),
        &ReadOptions {
            target: "malignant",
            positive: Some("1"),
            ..Default::default()
        },
    )?;
    t.classes = ["malignant".into(), "benign".into()];
    Ok(t)
}

/// Reads a clinical CSV file.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Clinical> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
    parse(std::io::BufReader::new(file), path, opts)
}

fn cell_error(path: &Path, line: usize, column: &str, message: String) -> Error {
    Error::Data {
        path: path.to_owned(),
        line: Some(line),
        column: Some(column.to_owned()),
        message,
    }
}

/// Parses CSV text; errors name `path`.
pub(crate) fn parse(
    reader: impl std::io::Read,
    path: &Path,
    opts: &ReadOptions,
) -> Result<Clinical> {
    let (mut rdr, headers) = csv_with_header(reader, path)?;
    let find = |name: &str, field: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::data(
                path,
                Some(1),
                format!(
                    "no column `{name}` (named by {field}); the columns are: {}",
                    headers.join(", ")
                ),
            )
        })
    };
    let t = find(opts.target, "target")?;
    let mut dropped = vec![false; headers.len()];
    dropped[t] = true;
    for d in opts.drop {
        dropped[find(d, "drop")?] = true;
    }
    let feature_cols: Vec<usize> = (0..headers.len()).filter(|&j| !dropped[j]).collect();
    if feature_cols.is_empty() {
        return Err(Error::data(
            path,
            Some(1),
            "no feature columns left after the target and the dropped columns",
        ));
    }
    let width = headers.len();
    let mut data = Vec::new();
    let mut labels: Vec<(String, usize)> = Vec::new();
    let mut missing = 0;
    for rec in rdr.records() {
        let (line, rec) = checked_record(rec, path, width)?;
        let line = line.unwrap_or(0);
        let label = rec[t].to_owned();
        if MISSING.contains(&label.to_ascii_lowercase().as_str()) {
            return Err(cell_error(
                path,
                line,
                &headers[t],
                format!("the outcome `{label}` is missing; every row needs one of the two classes"),
            ));
        }
        labels.push((label, line));
        for &j in &feature_cols {
            let cell = &rec[j];
            if MISSING.contains(&cell.to_ascii_lowercase().as_str()) {
                if !opts.allow_missing {
                    return Err(cell_error(
                        path,
                        line,
                        &headers[j],
                        format!(
                            "missing value `{cell}`; set impute=median to fill missing cells with the training rows' median inside each fold, or drop the column"
                        ),
                    ));
                }
                missing += 1;
                data.push(f64::NAN);
                continue;
            }
            let v: f64 = cell.parse().map_err(|_| {
                cell_error(
                    path,
                    line,
                    &headers[j],
                    format!(
                        "`{cell}` is not a number; list non-numeric columns (identifiers, notes) in drop=[...]"
                    ),
                )
            })?;
            if !v.is_finite() || v.abs() > 1e150 {
                return Err(cell_error(
                    path,
                    line,
                    &headers[j],
                    format!("`{cell}` is not a finite number of sensible magnitude"),
                ));
            }
            data.push(v);
        }
    }
    if labels.is_empty() {
        return Err(Error::data(path, Some(2), "no data rows after the header"));
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (l, _) in &labels {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    if counts.len() != 2 {
        let found: Vec<String> = counts
            .iter()
            .take(6)
            .map(|(k, n)| format!("`{k}` ({n} rows)"))
            .collect();
        return Err(Error::Data {
            path: path.to_owned(),
            line: None,
            column: Some(headers[t].clone()),
            message: format!(
                "a binary outcome needs exactly two distinct values, found {}: {}",
                counts.len(),
                found.join(", ")
            ),
        });
    }
    let values: Vec<&str> = counts.keys().copied().collect();
    let positive = choose_positive(&values, opts.positive).ok_or_else(|| match opts.positive {
        Some(p) => Error::config(
            "positive",
            format!(
                "`{p}` is not a value of column `{}` in {}: it holds `{}` and `{}`",
                headers[t],
                path.display(),
                values[0],
                values[1]
            ),
        ),
        None => Error::config(
            "positive",
            format!(
                "cannot tell which class of `{}` in {} to detect: set positive=`{}` or positive=`{}`",
                headers[t],
                path.display(),
                values[0],
                values[1]
            ),
        ),
    })?;
    let negative = values
        .iter()
        .find(|v| **v != positive)
        .copied()
        .unwrap_or("");
    let y: Vec<bool> = labels.iter().map(|(l, _)| l == positive).collect();
    let n = y.len();
    let x = Array2::from_shape_vec((n, feature_cols.len()), data)
        .map_err(|e| Error::Runtime(format!("shaping {}: {e}", path.display())))?;
    Ok(Clinical {
        path: path.to_owned(),
        features: feature_cols.iter().map(|&j| headers[j].clone()).collect(),
        x,
        y,
        classes: [positive.to_owned(), negative.to_owned()],
        missing,
    })
}

/// The positive class among the two `values`: the named one, else the larger number, else a
/// recognised word.
fn choose_positive<'a>(values: &[&'a str], named: Option<&str>) -> Option<&'a str> {
    if let Some(p) = named {
        return values.iter().find(|v| **v == p).copied();
    }
    if let (Ok(a), Ok(b)) = (values[0].parse::<f64>(), values[1].parse::<f64>()) {
        return Some(if a > b { values[0] } else { values[1] });
    }
    let hits: Vec<&str> = values
        .iter()
        .filter(|v| POSITIVE_WORDS.contains(&v.to_ascii_lowercase().as_str()))
        .copied()
        .collect();
    (hits.len() == 1).then(|| hits[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts<'a>(target: &'a str, drop: &'a [String]) -> ReadOptions<'a> {
        ReadOptions {
            target,
            drop,
            ..Default::default()
        }
    }

    #[test]
    fn the_wisconsin_table_has_569_rows_30_features_and_212_malignant() {
        let t = wisconsin().expect("built-in table");
        assert_eq!(t.x.dim(), (569, 30));
        assert_eq!(t.positives(), 212);
        assert_eq!(t.features[0], "mean_radius");
        assert_eq!(t.missing, 0);
        // First row of the UCI file: radius 17.99, a malignant tumour.
        assert_eq!(t.x[[0, 0]], 17.99);
        assert!(t.y[0]);
    }

    #[test]
    fn words_ids_and_missing_cells_are_handled() {
        let text = "id,age,marker,diagnosis\n7,50,1.5,M\n8,61,,B\n9,47,2.5,B\n";
        let drop = vec!["id".to_owned()];
        let err = parse(
            text.as_bytes(),
            Path::new("c.csv"),
            &opts("diagnosis", &drop),
        )
        .expect_err("missing refused");
        let msg = err.to_string();
        assert!(
            msg.contains("c.csv") && msg.contains("marker") && msg.contains("3"),
            "{msg}"
        );
        let mut o = opts("diagnosis", &drop);
        o.allow_missing = true;
        let t = parse(text.as_bytes(), Path::new("c.csv"), &o).expect("imputable");
        assert_eq!(t.features, ["age", "marker"]);
        assert_eq!(t.y, [true, false, false]);
        assert_eq!(t.classes, ["M".to_owned(), "B".to_owned()]);
        assert!(t.x[[1, 1]].is_nan() && t.missing == 1);
    }

    #[test]
    fn bad_tables_are_refused_with_file_line_and_column() {
        let none: Vec<String> = Vec::new();
        let cases = [
            ("a,y\n1,0\nfoo,1\n", "y", "`foo` is not a number"),
            ("a,y\n1,0\n2,1\n3,2\n", "y", "exactly two distinct values"),
            ("a,y\n1,0\n2\n", "y", "has 1 fields"),
            ("a,y\n1,0\n2,1\n", "outcome", "no column `outcome`"),
            ("a,y\n", "y", "no data rows"),
            ("a,y\n1,A\n2,B\n", "y", "set positive="),
        ];
        for (text, target, want) in cases {
            let err =
                parse(text.as_bytes(), Path::new("bad.csv"), &opts(target, &none)).expect_err(want);
            let msg = err.to_string();
            assert!(
                msg.contains(want) && msg.contains("bad.csv"),
                "{want}: {msg}"
            );
        }
        let ragged = parse(
            "a,y\n1,0\n2\n".as_bytes(),
            Path::new("bad.csv"),
            &opts("y", &none),
        )
        .expect_err("ragged")
        .to_string();
        assert!(ragged.contains('3'), "line number: {ragged}");
    }
}
