//! Exchange of Deep Potential models with DeePMD-kit through its native (v3) model document.
//!
//! DeePMD-kit 3 serialises a model as a nested document (`dp convert-backend model.pb
//! model.yaml` writes it, and reads it back into any backend): `model.descriptor` (here only
//! `se_e2_a`), `model.fitting` (`ener`) and the model's `out_bias`/`out_std`, with every array
//! stored as `{"@class": "np.ndarray", "@is_variable": true, "@version": 1, "dtype": "float64",
//! "value": [nested lists]}`. The ai4s model is DeePMD-kit's se_e2_a + `ener` fitting exactly
//! (same environment matrix, `davg`/`dstd` normalisation of empty slots, embedding and fitting
//! layer rule `y = r(x) + idt * tanh(x W + b)`, `G^T R R^T G< / Nc^2` descriptor, per-type
//! `bias_atom_e`), so the conversion copies numbers and never approximates:
//!
//! - `davg`, `dstd` (`[ntypes, nnei, 4]` in DeePMD-kit) are our per-type rows repeated over
//!   the neighbour slots; an imported file whose rows differ between slots is refused.
//! - our per-type energy bias is `fitting.@variables.bias_atom_e` (`[ntypes, 1]`); the model's
//!   `out_bias` (`[1, ntypes, 1]`) is written as zero and `out_std` as one, as DeePMD-kit's
//!   TensorFlow backend does; on import the atomic bias is `bias_atom_e + out_bias` (DeePMD-kit
//!   adds both; `out_std` does not enter an energy model).
//! - embedding nets are `NetworkCollection`s with `ndim = 1` (`type_one_side`, one net per
//!   neighbour type) or `ndim = 2` (one per pair, index `centre + neighbour * ntypes`).
//!
//! The writer emits JSON, which is YAML, with every float written with a decimal point and a
//! signed exponent (`1.0e-5`, not `1e-5`) so that PyYAML's YAML 1.1 resolver reads it as a
//! float. The reader takes JSON, or the block YAML that DeePMD-kit's `yaml.safe_dump` writes.

use crate::env::{EnvSpec, EnvStats};
use crate::evaluate::SystemPrediction;
use crate::meta::{ModelMeta, check_meta, meta_toml};
use crate::model::{DeepPot, LayerArrays, NetSpec, ResNet};
use ai4s_core::burn::tensor::Device;
use ai4s_core::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;

mod export;
mod import;
mod text;
pub use export::*;
pub use import::*;
pub use text::*;

/// The DeePMD-kit version whose layout the export follows.
pub const DEEPMD_VERSION: &str = "3.2.0";

/// Reads the DeePMD-kit model document `path` (`.yaml` or `.json`).
pub fn import_file(path: &Path, device: &Device) -> Result<(DeepPot, ModelMeta)> {
    let text = ai4s_core::io::read_to_string(path)?;
    let doc = parse(&text).map_err(|m| Error::data(path, None, m))?;
    import(&doc, device).map_err(|m| {
        Error::data(
            path,
            None,
            format!("not a DeePMD-kit se_e2_a energy model this version of ai4s reads: {m}"),
        )
    })
}

/// Saves an imported model as ai4s weights: `dir/model.bpk` and `dir/model.toml`.
pub fn save_native(model: &DeepPot, meta: &ModelMeta, dir: &Path) -> Result<std::path::PathBuf> {
    use ai4s_core::burn::module::Module;
    ai4s_core::io::create_dir(dir)?;
    let text = meta_toml(meta, model.layout())?;
    ai4s_core::io::write_atomic(&dir.join("model.toml"), text.as_bytes())?;
    let bpk = dir.join("model.bpk");
    ai4s_core::io::produce_atomic(&bpk, |tmp| {
        model.clone().save_file(tmp).map_err(|e| format!("{e:?}"))
    })?;
    Ok(bpk)
}

/// Writes predictions in the layout of `dp test -d PREFIX`: `PREFIX.e.out` (reference and
/// predicted energy per frame), `PREFIX.f.out` (3 + 3 columns per atom) and `PREFIX.v.out`
/// (9 + 9 columns per frame; reference columns are 0 for unlabelled virials).
pub fn write_detail(prefix: &Path, preds: &[SystemPrediction]) -> Result<()> {
    let (mut e, mut f, mut v) = (
        String::from("# data_e pred_e\n"),
        String::from("# data_fx data_fy data_fz pred_fx pred_fy pred_fz\n"),
        String::from("# data_v (9) pred_v (9)\n"),
    );
    let row = |vals: &[f64]| {
        let mut s = vals
            .iter()
            .map(|x| format!("{x:.17e}"))
            .collect::<Vec<_>>()
            .join(" ");
        s.push('\n');
        s
    };
    for p in preds {
        for (k, (r, x)) in p.ref_energy.iter().zip(&p.energy).enumerate() {
            e.push_str(&row(&[*r, *x]));
            let rv = p
                .ref_virial
                .as_ref()
                .map_or(vec![0.0; 9], |w| w[k * 9..(k + 1) * 9].to_vec());
            let mut cols = rv;
            cols.extend_from_slice(&p.virial[k * 9..(k + 1) * 9]);
            v.push_str(&row(&cols));
        }
        for (r, x) in p.ref_forces.chunks(3).zip(p.forces.chunks(3)) {
            f.push_str(&row(&[r[0], r[1], r[2], x[0], x[1], x[2]]));
        }
    }
    let with = |ext: &str| {
        let mut s = prefix.as_os_str().to_owned();
        s.push(ext);
        std::path::PathBuf::from(s)
    };
    ai4s_core::io::write_atomic(&with(".e.out"), e.as_bytes())?;
    ai4s_core::io::write_atomic(&with(".f.out"), f.as_bytes())?;
    ai4s_core::io::write_atomic(&with(".v.out"), v.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_brackets_are_refused_before_the_yaml_parser_runs() {
        let deep = "[".repeat(4_000_000);
        let e = parse(&deep).expect_err("too deep");
        assert!(e.contains("deeper than 128 levels at line 1"), "{e}");
        let e = parse(&format!("a: 1\nb:\n  - {}", "{x: ".repeat(200))).expect_err("too deep");
        assert!(e.contains("at line 3"), "{e}");
        // Nesting up to the limit is left to the parser.
        let ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let many = "[".repeat(300);
        for text in [
            format!("a: \"{many}\"\n"),
            format!("a: '{many}'\n"),
            format!("a: 'it''s {many}'\n"),
            format!("a: \"\\\" {many}\"\n"),
            format!("a: 1 # {many}\nb: 2\n"),
            format!("[\"{many}\", '{many}']"),
        ] {
            assert!(flow_too_deep(&text).is_none(), "{text:.40}");
            assert!(parse(&text).is_ok(), "{text:.40}");
        }
    }
}
