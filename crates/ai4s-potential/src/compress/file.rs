//! The compressed-model file: one self-contained binary file.
//!
//! Layout: the 8 bytes `AI4SDPZ1`, the header length as a little-endian `u64`, the header
//! (UTF-8 JSON: format name and version, the model description of `model.toml`, the network
//! layout and every layer's shape, the table grid and the `min_nbor_dist` it came from), then
//! the numbers as little-endian `f64`, in this order: per embedding net, per layer `w`
//! (`d_in x d_out`, row-major), `b`, `idt` (if the layer has one); the same for the fitting
//! nets' hidden layers; the output layers; then per embedding net its table coefficients
//! (`intervals x 6 x m1`). A reader checks the length of everything before it allocates.

use super::engine::NativeDeepPot;
use super::net::Layer;
use super::table::{Grid, Table};
use crate::meta::ModelMeta;
use crate::model::{LayerArrays, NetLayout};
use ai4s_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// The first bytes of a compressed-model file.
pub const MAGIC: &[u8; 8] = b"AI4SDPZ1";
const FORMAT: &str = "ai4s compressed deep potential";
const VERSION: u32 = 1;

/// A layer's shape in the header.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shape {
    d_in: usize,
    d_out: usize,
    idt: bool,
}

impl Shape {
    fn of(l: &Layer) -> Shape {
        Shape {
            d_in: l.d_in,
            d_out: l.d_out,
            idt: l.idt.is_some(),
        }
    }

    /// How many numbers the layer stores, if that fits in memory arithmetic.
    fn len(&self) -> Option<usize> {
        self.d_in
            .checked_mul(self.d_out)?
            .checked_add(self.d_out.checked_mul(1 + usize::from(self.idt))?)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    /// The model file this was compressed from (for the record).
    source: String,
    meta: ModelMeta,
    layout: NetLayout,
    embedding: Vec<Vec<Shape>>,
    fitting: Vec<Vec<Shape>>,
    output: Vec<Shape>,
    grid: Grid,
    min_nbor_dist: f64,
}

/// Whether `path` starts like a compressed-model file.
pub fn is_compressed_file(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == MAGIC
}

/// Writes a compressed model to `path` (atomically); `source` names the model it came from.
pub fn save(model: &NativeDeepPot, source: &Path, path: &Path) -> Result<()> {
    let (Some(tables), Some(grid), Some(min_nbor_dist)) =
        (&model.tables, model.grid(), model.min_nbor_dist)
    else {
        return Err(Error::Runtime(
            "only a compressed model can be saved; call `compressed` first".into(),
        ));
    };
    let shapes = |nets: &[super::net::Net]| -> Vec<Vec<Shape>> {
        nets.iter()
            .map(|n| n.layers.iter().map(Shape::of).collect())
            .collect()
    };
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        source: source.display().to_string(),
        meta: model.meta.clone(),
        layout: model.layout.clone(),
        embedding: shapes(&model.embed),
        fitting: shapes(&model.fit),
        output: model.out.iter().map(Shape::of).collect(),
        grid,
        min_nbor_dist,
    };
    let json = serde_json::to_vec(&header)
        .map_err(|e| Error::Runtime(format!("serialising the header: {e}")))?;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(json.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&json);
    let mut push = |v: &[f64]| {
        v.iter()
            .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()))
    };
    let layers = model
        .embed
        .iter()
        .chain(&model.fit)
        .flat_map(|n| &n.layers)
        .chain(&model.out);
    for l in layers {
        push(&l.w);
        push(&l.b);
        if let Some(t) = &l.idt {
            push(t);
        }
    }
    for t in tables {
        push(&t.coef);
    }
    ai4s_core::io::write_atomic(path, &bytes)
}

/// Reads a compressed model written by [`save`].
pub fn load(path: &Path) -> Result<NativeDeepPot> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    let bad = |m: String| Error::data(path, None, m);
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(bad(
            "not a compressed Deep Potential (it does not start with AI4SDPZ1); write one with `ai4s potential compress`".into(),
        ));
    }
    let hlen = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    let body = &bytes[16..];
    if hlen > body.len() as u64 {
        return Err(bad(format!(
            "the header claims {hlen} bytes but the file has {} after the first 16; the file is truncated",
            body.len()
        )));
    }
    let (head, data) = body.split_at(hlen as usize);
    let header: Header = serde_json::from_slice(head)
        .map_err(|e| bad(format!("header: {e} (file written by another version?)")))?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(bad(format!(
            "format `{}` version {}; this build reads `{FORMAT}` version {VERSION}",
            header.format, header.version
        )));
    }
    crate::meta::check_meta(&header.meta).map_err(bad)?;
    header.grid.check().map_err(bad)?;
    let nets = header.embedding.len();
    let m1 = header
        .embedding
        .first()
        .and_then(|n| n.last())
        .map_or(0, |s| s.d_out);
    let layer_lens = header
        .embedding
        .iter()
        .chain(&header.fitting)
        .flatten()
        .chain(&header.output)
        .map(Shape::len);
    let table_len = header
        .grid
        .intervals()
        .checked_mul(6 * m1)
        .and_then(|t| t.checked_mul(nets));
    let expected = layer_lens
        .chain(std::iter::once(table_len))
        .try_fold(0usize, |acc, l| acc.checked_add(l?));
    if expected.and_then(|n| n.checked_mul(8)) != Some(data.len()) {
        return Err(bad(format!(
            "the header describes {} numbers but the file holds {} bytes of numbers ({} expected); the file is truncated or corrupt",
            expected.map_or("too many".to_string(), |n| n.to_string()),
            data.len(),
            expected.map_or("?".to_string(), |n| (8 * n).to_string()),
        )));
    }
    let mut numbers = data
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")));
    let mut take = |n: usize| -> Vec<f64> { numbers.by_ref().take(n).collect() };
    let mut layer = |s: &Shape| LayerArrays {
        d_in: s.d_in,
        d_out: s.d_out,
        w: take(s.d_in * s.d_out),
        b: take(s.d_out),
        idt: s.idt.then(|| take(s.d_out)),
    };
    let mut net = |shapes: &[Vec<Shape>]| -> Vec<Vec<LayerArrays>> {
        shapes
            .iter()
            .map(|n| n.iter().map(&mut layer).collect())
            .collect()
    };
    let embed = net(&header.embedding);
    let fit = net(&header.fitting);
    let out: Vec<LayerArrays> = header.output.iter().map(&mut layer).collect();
    let tables = (0..nets)
        .map(|_| Table {
            grid: header.grid,
            m1,
            coef: take(header.grid.intervals() * 6 * m1),
        })
        .collect();
    if !(header.min_nbor_dist.is_finite() && header.min_nbor_dist > 0.0) {
        return Err(bad(format!(
            "min_nbor_dist {} is not a positive distance",
            header.min_nbor_dist
        )));
    }
    let exact = NativeDeepPot::from_parts(header.meta, header.layout, &embed, &fit, &out)
        .map_err(|e| bad(e.to_string()))?;
    exact
        .with_tables(tables, Some(header.min_nbor_dist))
        .map_err(|e| bad(e.to_string()))
}
