//! The NumPy `.npy` format (version 1.0/2.0), little-endian float64/float32, C order.
//!
//! Enough of the format for DeePMD `set.*/*.npy` files: a magic string, a header dictionary
//! (`descr`, `fortran_order`, `shape`) padded to a multiple of 64 bytes, then the raw data.

use ai4s_core::{Error, Result};
use std::path::Path;

/// Writes a C-order float64 array of `shape` atomically.
pub fn write(path: &Path, data: &[f64], shape: &[usize]) -> Result<()> {
    let dims = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {dims}, }}");
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + 8 * data.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    ai4s_core::io::write_atomic(path, &bytes)
}

/// Reads a float64 or float32 `.npy` file: returns the values (as f64) and the shape.
pub fn read(path: &Path) -> Result<(Vec<f64>, Vec<usize>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    let bad = |m: &str| Error::data(path, None, format!("not a valid .npy file: {m}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("missing the \\x93NUMPY magic"));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported version {v}"))),
    };
    let header = bytes
        .get(start..start + hlen)
        .ok_or_else(|| bad("header runs past the end of the file"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Option<&str> {
        let i = header.find(&format!("'{key}'"))?;
        let rest = header[i + key.len() + 2..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start();
        Some(rest)
    };
    let descr = field("descr")
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad("no 'descr'"))?;
    let width = match descr {
        "<f8" | "=f8" | "f8" => 8,
        "<f4" | "=f4" | "f4" => 4,
        other => {
            return Err(bad(&format!(
                "dtype `{other}`; expected little-endian float64 or float32"
            )));
        }
    };
    if field("fortran_order").is_some_and(|r| r.starts_with("True")) {
        return Err(bad(
            "Fortran-ordered arrays are not supported; save with C order",
        ));
    }
    let shape_txt = field("shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad("no 'shape'"))?;
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(&format!("shape entry `{s}` is not a count")))
        })
        .collect::<Result<_>>()?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(|| bad("shape overflows"))?;
    let data = &bytes[start + hlen..];
    if count.checked_mul(width) != Some(data.len()) {
        return Err(bad(&format!(
            "header says {count} values of {width} bytes but the file holds {} bytes of data",
            data.len()
        )));
    }
    let values = if width == 8 {
        data.chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    } else {
        data.chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect()
    };
    Ok((values, shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_headers() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("a.npy");
        let data: Vec<f64> = (0..12).map(|i| i as f64 * 0.5 - 1.0).collect();
        write(&p, &data, &[3, 4]).expect("write");
        let bytes = std::fs::read(&p).expect("read");
        assert_eq!(
            (bytes.len() - 96) % 64,
            0,
            "header padded to a multiple of 64 bytes"
        );
        assert_eq!(read(&p).expect("read"), (data, vec![3, 4]));
        std::fs::write(&p, &bytes[..bytes.len() - 8]).expect("truncate");
        assert!(
            read(&p)
                .expect_err("truncated")
                .to_string()
                .contains("header says 12 values")
        );
        std::fs::write(&p, b"garbage").expect("write");
        assert!(read(&p).is_err());
    }
}
