//! [`NativeDeepPot`]: a trained se_e2_a model's weights copied into `f64` arrays, with the
//! embedding nets either exact or tabulated (see [`super::table`]).

use super::net::{Layer, Net};
use super::table::{Grid, Table, bounds};
use crate::meta::ModelMeta;
use crate::model::{DeepPot, LayerArrays, NetLayout};
use ai4s_core::{Error, Result};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A trained Deep Potential evaluated natively in `f64` (no tensors), exact or compressed.
#[derive(Debug)]
pub struct NativeDeepPot {
    pub(crate) meta: ModelMeta,
    pub(crate) layout: NetLayout,
    pub(crate) embed: Vec<Net>,
    pub(crate) fit: Vec<Net>,
    pub(crate) out: Vec<Layer>,
    pub(crate) tables: Option<Vec<Table>>,
    /// Closest pair distance the table range was derived from (A), if compressed.
    pub(crate) min_nbor_dist: Option<f64>,
    pub(crate) m1: usize,
    pub(crate) m2: usize,
    /// One empty slot's contribution to `T` (`4 x m1`), per (centre, neighbour) type pair at
    /// `ti * ntypes + tj`.
    pub(crate) empty: Vec<Vec<f64>>,
    pub(crate) threads: usize,
    /// Embedding inputs that fell outside the table (evaluated by the exact net).
    pub(crate) outside: AtomicUsize,
}

impl NativeDeepPot {
    /// The exact (untabulated) native model of a loaded [`DeepPot`] and its metadata.
    pub fn from_model(model: &DeepPot, meta: &ModelMeta) -> Result<NativeDeepPot> {
        if model.sel() != meta.env.sel.as_slice() {
            return Err(Error::Runtime(format!(
                "the model has sel {:?} but its description says {:?}",
                model.sel(),
                meta.env.sel
            )));
        }
        let arrays = |nets: &[crate::model::ResNet]| -> Result<Vec<Vec<LayerArrays>>> {
            nets.iter().map(|n| n.to_arrays()).collect()
        };
        let out = (0..meta.type_map.len())
            .map(|t| model.output_layer(t))
            .collect::<Result<Vec<_>>>()?;
        NativeDeepPot::from_parts(
            meta.clone(),
            model.layout().clone(),
            &arrays(model.embedding_nets())?,
            &arrays(model.fitting_nets())?,
            &out,
        )
    }

    /// The exact native model from its metadata and weights, checking every shape.
    pub(crate) fn from_parts(
        meta: ModelMeta,
        layout: NetLayout,
        embed: &[Vec<LayerArrays>],
        fit: &[Vec<LayerArrays>],
        out: &[LayerArrays],
    ) -> Result<NativeDeepPot> {
        crate::meta::check_meta(&meta).map_err(Error::Runtime)?;
        let bad = |m: String| Err(Error::Runtime(m));
        let nt = meta.type_map.len();
        let m2 = meta.net.axis_neuron;
        let n_embed = if layout.type_one_side { nt } else { nt * nt };
        if embed.len() != n_embed || fit.len() != nt || out.len() != nt {
            return bad(format!(
                "{} embedding, {} fitting and {} output nets for {nt} types (type_one_side {}): expected {n_embed}, {nt} and {nt}",
                embed.len(),
                fit.len(),
                out.len(),
                layout.type_one_side
            ));
        }
        let embed = embed
            .iter()
            .map(|a| Net::new(a))
            .collect::<Result<Vec<_>>>()?;
        let fit = fit
            .iter()
            .map(|a| Net::new(a))
            .collect::<Result<Vec<_>>>()?;
        let out = out.iter().map(Layer::new).collect::<Result<Vec<_>>>()?;
        let m1 = embed[0].d_out();
        if m2 > m1 || embed.iter().any(|n| n.d_in() != 1 || n.d_out() != m1) {
            return bad(format!(
                "embedding nets must map 1 input to the same width (>= axis_neuron {m2})"
            ));
        }
        for t in 0..nt {
            if fit[t].d_in() != m1 * m2 || out[t].d_in != fit[t].d_out() || out[t].d_out != 1 {
                return bad(format!(
                    "the fitting net of type {t} takes {} inputs (descriptor {m1} x {m2}) and its output layer is {} x {}",
                    fit[t].d_in(),
                    out[t].d_in,
                    out[t].d_out
                ));
            }
        }
        let mut model = NativeDeepPot {
            meta,
            layout,
            embed,
            fit,
            out,
            tables: None,
            min_nbor_dist: None,
            m1,
            m2,
            empty: Vec::new(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            outside: AtomicUsize::new(0),
        };
        model.empty = model.empty_slots();
        Ok(model)
    }

    /// The compressed model: every embedding net tabulated with step `stride` over the range
    /// of `s~` for data whose closest pair is `min_nbor_dist` apart, plus an extrapolation
    /// region up to `extrapolate` times the upper bound (see [`super::table`]).
    pub fn compressed(
        &self,
        min_nbor_dist: f64,
        stride: f64,
        extrapolate: f64,
    ) -> Result<NativeDeepPot> {
        let (lower, upper) = bounds(&self.meta.env, &self.meta.stats, min_nbor_dist)?;
        let grid = Grid::new(lower, upper, stride, extrapolate)?;
        let tables = self.embed.iter().map(|n| Table::build(n, grid)).collect();
        self.with_tables(tables, Some(min_nbor_dist))
    }

    /// A copy with `tables` (one per embedding net) in place of the exact embedding.
    pub(crate) fn with_tables(
        &self,
        tables: Vec<Table>,
        min_nbor_dist: Option<f64>,
    ) -> Result<NativeDeepPot> {
        let ok = tables.len() == self.embed.len()
            && tables
                .iter()
                .all(|t| t.m1 == self.m1 && t.coef.len() == t.grid.intervals() * 6 * self.m1);
        if !ok {
            return Err(Error::Runtime(format!(
                "{} tables for {} embedding nets of width {}",
                tables.len(),
                self.embed.len(),
                self.m1
            )));
        }
        let mut model = NativeDeepPot {
            meta: self.meta.clone(),
            layout: self.layout.clone(),
            embed: self.embed.clone(),
            fit: self.fit.clone(),
            out: self.out.clone(),
            tables: Some(tables),
            min_nbor_dist,
            m1: self.m1,
            m2: self.m2,
            empty: Vec::new(),
            threads: self.threads,
            outside: AtomicUsize::new(0),
        };
        model.empty = model.empty_slots();
        Ok(model)
    }

    /// The model's metadata (type map, geometry, statistics, bias).
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// The table grid, if the model is compressed.
    pub fn grid(&self) -> Option<Grid> {
        self.tables.as_ref().and_then(|t| t.first()).map(|t| t.grid)
    }

    /// The closest pair distance (A) the table range was derived from, if compressed.
    pub fn min_nbor_dist(&self) -> Option<f64> {
        self.min_nbor_dist
    }

    /// Uses `n` threads (at least 1) per evaluation.
    pub fn with_threads(mut self, n: usize) -> NativeDeepPot {
        self.threads = n.max(1);
        self
    }

    /// How many embedding inputs so far fell outside the table and were evaluated by the
    /// exact net (0 for an exact model).
    pub fn outside_table(&self) -> usize {
        self.outside.load(Ordering::Relaxed)
    }

    /// Index of the embedding net for centre type `ti` and neighbour type `tj`.
    #[inline(always)]
    pub(crate) fn net_index(&self, ti: usize, tj: usize) -> usize {
        if self.layout.type_one_side {
            tj
        } else {
            ti + tj * self.meta.type_map.len()
        }
    }

    /// `G` and `dG/dx` of embedding net `net` at the inputs `x` into `g`, `gp`
    /// (`x.len() x m1`), from the table where it covers `x`, else from the exact net.
    #[inline(always)]
    pub(crate) fn embed(&self, net: usize, x: &[f64], g: &mut [f64], gp: &mut [f64]) {
        let m1 = self.m1;
        let Some(tables) = &self.tables else {
            let (v, d) = self.embed[net].tangent(x);
            g.copy_from_slice(&v);
            gp.copy_from_slice(&d);
            return;
        };
        let table = &tables[net];
        let mut missed = Vec::new();
        for (r, &xv) in x.iter().enumerate() {
            let (gr, gpr) = (&mut g[r * m1..(r + 1) * m1], &mut gp[r * m1..(r + 1) * m1]);
            match table.grid.locate(xv) {
                Some((k, t)) => table.eval(k, t, gr, gpr),
                None => missed.push(r),
            }
        }
        if !missed.is_empty() {
            self.outside.fetch_add(missed.len(), Ordering::Relaxed);
            let xs: Vec<f64> = missed.iter().map(|&r| x[r]).collect();
            let (v, d) = self.embed[net].tangent(&xs);
            for (q, &r) in missed.iter().enumerate() {
                g[r * m1..(r + 1) * m1].copy_from_slice(&v[q * m1..(q + 1) * m1]);
                gp[r * m1..(r + 1) * m1].copy_from_slice(&d[q * m1..(q + 1) * m1]);
            }
        }
    }

    /// One empty slot's contribution `row_e^T G(s~_e) / Nc` to `T` per type pair: an empty
    /// slot's raw row is zero, so its normalised row is `-davg/dstd` (a neighbour at `rcut`).
    fn empty_slots(&self) -> Vec<Vec<f64>> {
        let nt = self.meta.type_map.len();
        let inv = 1.0 / self.meta.env.nnei() as f64;
        let mut out = Vec::with_capacity(nt * nt);
        for ti in 0..nt {
            let (avg, dstd) = (self.meta.stats.davg[ti], self.meta.stats.dstd[ti]);
            let row: [f64; 4] = std::array::from_fn(|c| -avg[c] / dstd[c]);
            for tj in 0..nt {
                let (mut g, mut gp) = (vec![0.0; self.m1], vec![0.0; self.m1]);
                self.embed(self.net_index(ti, tj), &[row[0]], &mut g, &mut gp);
                let mut e = vec![0.0; 4 * self.m1];
                for c in 0..4 {
                    for m in 0..self.m1 {
                        e[c * self.m1 + m] = row[c] * g[m] * inv;
                    }
                }
                out.push(e);
            }
        }
        out
    }
}
