//! `model.toml`: what is saved beside the weights (type map, descriptor geometry, network
//! sizes, environment statistics, energy bias, layout) and its validation on load.

use crate::env::{EnvSpec, EnvStats};
use crate::model::{NetLayout, NetSpec};
use ai4s_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// What is saved next to the weights so the model can be evaluated later.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Element names by type.
    pub type_map: Vec<String>,
    /// Descriptor geometry.
    pub env: EnvSpec,
    /// Network sizes.
    pub net: NetSpec,
    /// Environment statistics.
    pub stats: EnvStats,
    /// Per-type energy bias (eV).
    pub bias: Vec<f64>,
}

/// The network layout, kept in `model.toml` as a `[layout]` table after the [`ModelMeta`]
/// (files without it describe the original layout: one embedding net per neighbour type, no
/// timestep vectors).
#[derive(Serialize, Deserialize)]
pub(crate) struct LayoutTable {
    #[serde(default)]
    pub(crate) layout: NetLayout,
}

/// `model.toml`: the [`ModelMeta`] followed by the `[layout]` table.
pub fn meta_toml(meta: &ModelMeta, layout: &NetLayout) -> Result<String> {
    let err = |e: toml::ser::Error| Error::Runtime(format!("serialising model metadata: {e}"));
    let mut text = toml::to_string_pretty(meta).map_err(err)?;
    text.push('\n');
    text.push_str(
        &toml::to_string_pretty(&LayoutTable {
            layout: layout.clone(),
        })
        .map_err(err)?,
    );
    Ok(text)
}

/// Sizes in a model description that a network could be built from (not garbage that would
/// exhaust memory).
pub(crate) fn check_meta(meta: &ModelMeta) -> std::result::Result<(), String> {
    let invalid = |e: Error| format!("not a valid model description: {e}");
    meta.env.validate_at("env").map_err(invalid)?;
    NetSpec::validate_widths("net.neuron", &meta.net.neuron).map_err(invalid)?;
    NetSpec::validate_widths("net.fitting_neuron", &meta.net.fitting_neuron).map_err(invalid)?;
    let n = meta.type_map.len();
    let checks = [
        (
            meta.net.axis_neuron >= 1
                && meta
                    .net
                    .neuron
                    .last()
                    .is_some_and(|&m| meta.net.axis_neuron <= m),
            "net.axis_neuron must be between 1 and the last embedding width",
        ),
        (
            n >= 1
                && meta.env.sel.len() == n
                && meta.bias.len() == n
                && meta.stats.davg.len() == n
                && meta.stats.dstd.len() == n,
            "type_map, env.sel, bias and stats must have one entry per type",
        ),
    ];
    match checks.iter().find(|c| !c.0) {
        Some((_, m)) => Err(format!("not a valid model description: {m}")),
        None => Ok(()),
    }
}
