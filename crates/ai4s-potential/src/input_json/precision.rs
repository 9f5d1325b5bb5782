//! `precision` of the descriptor and the fitting net: the float type ai4s trains in.
//!
//! DeePMD-kit accepts `"default"`, `"float16"`, `"float32"`, `"float64"` and `"bfloat16"` for
//! each network; `"default"` (also what a missing key means) is the interface precision,
//! float64 unless `DP_INTERFACE_PREC=low` (DeePMD-kit's `doc/model/precision.md`). ai4s trains
//! the whole model in one precision, float32 or float64, so both keys must name the same one.

use super::section::Section;
use ai4s_core::{Precision, Result};

/// The precision of one section's `precision` key (`"default"` when missing).
fn read(sec: &Section<'_>) -> Result<Precision> {
    match sec.str(&["precision"], "default")? {
        "float64" | "default" => Ok(Precision::F64),
        "float32" => Ok(Precision::F32),
        p @ ("float16" | "bfloat16") => Err(sec.err(
            "precision",
            format!("is \"{p}\"; ai4s trains in float32 or float64"),
        )),
        p => Err(sec.err(
            "precision",
            format!("is \"{p}\"; expected \"default\" (float64), \"float32\" or \"float64\""),
        )),
    }
}

/// The one precision of the model, from `model.descriptor.precision` and
/// `model.fitting_net.precision`.
pub(super) fn model_precision(desc: &Section<'_>, fit: &Section<'_>) -> Result<Precision> {
    let (d, f) = (read(desc)?, read(fit)?);
    if d != f {
        return Err(fit.err(
            "precision",
            format!(
                "asks for {} but model.descriptor.precision for {}; ai4s trains the whole model in one precision",
                name(f),
                name(d)
            ),
        ));
    }
    Ok(d)
}

fn name(p: Precision) -> &'static str {
    match p {
        Precision::F32 => "float32",
        Precision::F64 => "float64",
    }
}

/// The config value of `p` (`precision = "f32"` / `"f64"`).
pub(super) fn toml_value(p: Precision) -> toml::Value {
    toml::Value::String(
        match p {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
        .into(),
    )
}
