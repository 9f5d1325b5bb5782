//! Labelled tables for classification, and the datasets shipped with ai4s.
//!
//! The 8x8 handwritten digits (Alpaydin & Kaynak 1998, UCI; 1797 images from 43 writers,
//! `datasets/digits.csv`, see datasets/README.md for source and licence) are compiled in, so
//! every task that uses them sees the same bytes on every machine.

use crate::data::Table;
use crate::error::{Error, Result};
use ndarray::Array2;
use std::path::PathBuf;

/// The 8x8 digits, as shipped in `datasets/digits.csv`.
const DIGITS_CSV: &str = include_str!("../../../datasets/digits.csv");

/// Features, integer class labels and class names.
pub struct Labelled {
    /// Feature rows.
    pub x: Array2<f64>,
    /// Class index of each row, `0..classes`.
    pub y: Vec<usize>,
    /// Original label value of each class index.
    pub classes: Vec<String>,
    /// Where the data came from.
    pub source: String,
}

/// The built-in digits: 64 pixel features (0..16) and labels 0..9.
pub fn digits() -> Result<Labelled> {
    let table = Table::parse_csv(DIGITS_CSV, &PathBuf::from("datasets/digits.csv"))?;
    labelled(
        &table,
        "label",
        "8x8 handwritten digits (datasets/digits.csv, 1797 images)",
    )
}

/// Reads a labelled CSV: every column but `target` is a feature; `target` holds class labels
/// (integers).
pub fn read_labelled(path: &str, target: &str) -> Result<Labelled> {
    let table = Table::read_csv(&PathBuf::from(path))?;
    labelled(&table, target, path)
}

fn labelled(table: &Table, target: &str, source: &str) -> Result<Labelled> {
    let (x, y, _) = table.features_target(target)?;
    let t = table.column(target)?;
    let mut values: Vec<i64> = Vec::with_capacity(y.len());
    for (row, v) in y.iter().enumerate() {
        if v.fract() != 0.0 || v.abs() > 1e9 {
            return Err(Error::Data {
                path: table.path.clone(),
                line: Some(row + 2),
                column: Some(table.headers[t].clone()),
                message: format!("class label `{v}` is not an integer"),
            });
        }
        values.push(*v as i64);
    }
    let mut classes: Vec<i64> = values.clone();
    classes.sort_unstable();
    classes.dedup();
    if classes.len() < 2 {
        return Err(Error::data(
            &table.path,
            None,
            format!(
                "column `{target}` has {} class(es); classification needs at least 2",
                classes.len()
            ),
        ));
    }
    let y = values
        .iter()
        .map(|v| classes.binary_search(v).unwrap_or(0))
        .collect();
    Ok(Labelled {
        x,
        y,
        classes: classes.iter().map(i64::to_string).collect(),
        source: source.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_have_ten_classes_and_64_pixels() {
        let d = digits().expect("shipped digits parse");
        assert_eq!(d.x.dim(), (1797, 64));
        assert_eq!(d.classes.len(), 10);
        assert!(d.x.iter().all(|&v| (0.0..=16.0).contains(&v)));
        let zeros = d.y.iter().filter(|&&c| c == 0).count();
        assert_eq!(zeros, 178);
    }
}
