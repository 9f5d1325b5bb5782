//! Tabular data: numeric CSV files with a header, train/validation/test splits, standardisation.
//!
//! Bad files are reported with the file, the 1-based line and the column: ragged rows,
//! non-numeric or non-finite cells, a missing target column, an empty file.

use crate::error::{Error, Result};
use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::path::{Path, PathBuf};

/// Largest accepted |cell|: squares (variances) of larger values overflow f64.
const MAX_VALUE: f64 = 1e150;

/// A numeric table read from CSV.
#[derive(Clone, Debug)]
pub struct Table {
    /// Where it came from.
    pub path: PathBuf,
    /// Column names.
    pub headers: Vec<String>,
    /// Values, one row per data line.
    pub values: Array2<f64>,
}

/// A CSV reader over `reader` (cells trimmed, rows of any width: [`checked_record`] checks
/// them) and the names of its header row; an unreadable or empty header is refused naming
/// `path`, line 1.
pub fn csv_with_header<R: std::io::Read>(
    reader: R,
    path: &Path,
) -> Result<(csv::Reader<R>, Vec<String>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::data(path, Some(1), format!("unreadable header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(Error::data(
            path,
            Some(1),
            "empty file: expected a header row of column names",
        ));
    }
    Ok((rdr, headers))
}

/// One data row of a CSV file with `width` header columns, with its 1-based line; an
/// unreadable row or one with another number of fields is refused naming `path` and the line.
pub fn checked_record(
    rec: csv::Result<csv::StringRecord>,
    path: &Path,
    width: usize,
) -> Result<(Option<usize>, csv::StringRecord)> {
    let rec = rec.map_err(|e| {
        let line = e.position().map(|p| p.line() as usize);
        Error::data(path, line, format!("unreadable row: {e}"))
    })?;
    let line = rec.position().map(|p| p.line() as usize);
    if rec.len() != width {
        return Err(Error::data(
            path,
            line,
            format!(
                "has {} fields, expected {width} (one per header column)",
                rec.len()
            ),
        ));
    }
    Ok((line, rec))
}

impl Table {
    /// Reads a CSV file with a header row; every cell must be a finite number.
    pub fn read_csv(path: &Path) -> Result<Table> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
        Self::from_reader(std::io::BufReader::new(file), path)
    }

    /// Parses CSV text (e.g. a dataset compiled into the binary); errors name `path`.
    pub fn parse_csv(text: &str, path: &Path) -> Result<Table> {
        Self::from_reader(text.as_bytes(), path)
    }

    fn from_reader(reader: impl std::io::Read, path: &Path) -> Result<Table> {
        let (mut rdr, headers) = csv_with_header(reader, path)?;
        let width = headers.len();
        let mut data = Vec::new();
        let mut rows = 0usize;
        for rec in rdr.records() {
            let (line, rec) = checked_record(rec, path, width)?;
            for (j, cell) in rec.iter().enumerate() {
                let v: f64 = cell.parse().map_err(|_| Error::Data {
                    path: path.to_owned(),
                    line,
                    column: Some(headers[j].clone()),
                    message: format!("`{cell}` is not a number"),
                })?;
                if !v.is_finite() {
                    return Err(Error::Data {
                        path: path.to_owned(),
                        line,
                        column: Some(headers[j].clone()),
                        message: format!("`{cell}` is not finite"),
                    });
                }
                if v.abs() > MAX_VALUE {
                    return Err(Error::Data {
                        path: path.to_owned(),
                        line,
                        column: Some(headers[j].clone()),
                        message: format!(
                            "`{cell}` is too large: expected a magnitude below {MAX_VALUE:e} (its square must stay finite); rescale the column"
                        ),
                    });
                }
                data.push(v);
            }
            rows += 1;
        }
        if rows == 0 {
            return Err(Error::data(path, Some(2), "no data rows after the header"));
        }
        let values = Array2::from_shape_vec((rows, width), data)
            .map_err(|e| Error::Runtime(format!("shaping {}: {e}", path.display())))?;
        Ok(Table {
            path: path.to_owned(),
            headers,
            values,
        })
    }

    /// Index of column `name`, or an error listing the columns.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Data {
                path: self.path.clone(),
                line: Some(1),
                column: Some(name.to_owned()),
                message: format!(
                    "no such column; the header has: {}",
                    self.headers.join(", ")
                ),
            })
    }

    /// Splits into features (all other columns) and the target column.
    pub fn features_target(&self, target: &str) -> Result<(Array2<f64>, Array1<f64>, Vec<String>)> {
        let t = self.column(target)?;
        let keep: Vec<usize> = (0..self.headers.len()).filter(|&j| j != t).collect();
        if keep.is_empty() {
            return Err(Error::data(
                &self.path,
                Some(1),
                "needs at least one feature column besides the target",
            ));
        }
        let x = self.values.select(Axis(1), &keep);
        let y = self.values.column(t).to_owned();
        let names = keep.iter().map(|&j| self.headers[j].clone()).collect();
        Ok((x, y, names))
    }
}

/// Index sets of a random train/validation/test split.
#[derive(Clone, Debug)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows (early stopping, model selection).
    pub val: Vec<usize>,
    /// Test rows (reported metrics only).
    pub test: Vec<usize>,
}

impl Split {
    /// Shuffles `0..n` with `seed` and cuts off `val_frac` and `test_frac`.
    pub fn random(n: usize, val_frac: f64, test_frac: f64, seed: u64) -> Split {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.shuffle(&mut StdRng::seed_from_u64(seed));
        let n_test = ((n as f64) * test_frac).round() as usize;
        let n_val = ((n as f64) * val_frac).round() as usize;
        let test = idx[..n_test].to_vec();
        let val = idx[n_test..n_test + n_val].to_vec();
        let train = idx[n_test + n_val..].to_vec();
        Split { train, val, test }
    }
}

/// Per-column standardisation `(x - mean) / std`, fitted on training rows only.
#[derive(Clone, Debug)]
pub struct Standardizer {
    /// Column means.
    pub mean: Array1<f64>,
    /// Column standard deviations (1 where a column is constant).
    pub std: Array1<f64>,
}

impl Standardizer {
    /// Fits on the given rows of `x`.
    pub fn fit(x: &Array2<f64>, rows: &[usize]) -> Standardizer {
        let sub = x.select(Axis(0), rows);
        let mean = sub
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let std = sub
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 1e-12 { s } else { 1.0 });
        Standardizer { mean, std }
    }

    /// Standardises `x`.
    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        (x - &self.mean) / &self.std
    }
}

/// Shared validation of the split fractions.
pub fn validate_split(val: f64, test: f64) -> Result<()> {
    for (name, f) in [("val_fraction", val), ("test_fraction", test)] {
        crate::error::ensure(f > 0.0 && f < 0.5, name, || {
            format!("must lie in (0, 0.5), got {f}")
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn reads_numbers_and_reports_bad_cells_with_line_and_column() {
        let d = tempfile::tempdir().expect("tempdir");
        let ok = write(d.path(), "ok.csv", "a,b,y\n1,2,3\n4,5,6\n");
        let t = Table::read_csv(&ok).expect("valid csv");
        assert_eq!(t.values.dim(), (2, 3));
        let (x, y, _) = t.features_target("y").expect("target exists");
        assert_eq!(x.dim(), (2, 2));
        assert_eq!(y[1], 6.0);
        let e = t
            .features_target("z")
            .expect_err("missing target")
            .to_string();
        assert!(e.contains("column `z`") && e.contains("a, b, y"), "{e}");

        let ragged = write(d.path(), "ragged.csv", "a,b\n1,2\n3\n");
        let e = Table::read_csv(&ragged).expect_err("ragged").to_string();
        assert!(
            e.contains("line 3") && e.contains("1 fields, expected 2"),
            "{e}"
        );

        let word = write(d.path(), "word.csv", "a,b\n1,2\n3,abc\n");
        let e = Table::read_csv(&word).expect_err("non-numeric").to_string();
        assert!(
            e.contains("line 3") && e.contains("column `b`") && e.contains("abc"),
            "{e}"
        );

        let empty = write(d.path(), "empty.csv", "");
        assert!(Table::read_csv(&empty).is_err());
    }

    #[test]
    fn split_is_a_partition_and_standardizer_uses_train_rows() {
        let s = Split::random(100, 0.2, 0.1, 7);
        let mut all: Vec<usize> = s
            .train
            .iter()
            .chain(&s.val)
            .chain(&s.test)
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!((s.val.len(), s.test.len()), (20, 10));
        let x = Array2::from_shape_fn((4, 1), |(i, _)| i as f64);
        let st = Standardizer::fit(&x, &[0, 1]);
        assert!((st.mean[0] - 0.5).abs() < 1e-12 && (st.std[0] - 0.5).abs() < 1e-12);
    }
}
