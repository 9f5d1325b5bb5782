//! The final ranking: the lowest distinct structures of the search, found on Stillinger-Weber,
//! re-relaxed (atoms and cell, FIRE) on the tight-binding model and ranked by its energy.
//!
//! Stillinger-Weber is cheap but blind beyond its 3.77 A cutoff: every stacking of diamond's
//! double layers (cubic, hexagonal, 4H, ...) has the same energy. The tight-binding model
//! ([`KPointTightBinding`]: Kwon et al., PRB 49, 7242 (1994), with Brillouin-zone sampling so
//! that 8-atom cells are converged) reaches the third neighbours and splits them, as density
//! functional theory does (hexagonal diamond about 10 meV/atom above cubic). Each structure is
//! named after its tight-binding relaxation: it is relaxed back on Stillinger-Weber (into the
//! Stillinger-Weber minimum of its basin, so that the two labellers' different lattice
//! constants and axis ratios do not matter) and compared in fingerprint distance, at the same
//! volume per atom, with the reference phases ([`phases::references`]) relaxed the same way; a
//! structure within the duplicate distance of none is `unnamed` with its coordination.
//! Structures that the tight-binding relaxation made the same are merged (the lower kept).

use crate::labeller::Labeller;
use crate::structure_search::eos::scaled;
use crate::structure_search::fingerprint::{FingerprintGrid, distance, fingerprint, geometry};
use crate::structure_search::relax::{RelaxSettings, Relaxed, relax};
use crate::structure_search::{Structure, phases};
use crate::tb_kpoints::KPointTightBinding;
use ai4s_core::Result;

/// Volume per atom (A^3) at which structures are compared by fingerprint when naming them.
const NAMING_VOLUME: f64 = 20.0;
/// Bond cutoff of the coordination count (A): between the first (2.35) and second (3.84)
/// shells of diamond, and above the bonds of the dense phases (beta-tin 2.43 and 2.58).
const BOND: f64 = 3.0;

/// Names structures by the reference phase they relax into.
pub struct Namer<'a> {
    labeller: &'a dyn Labeller,
    settings: RelaxSettings,
    grid: FingerprintGrid,
    threshold: f64,
    references: Vec<(&'static str, Vec<f64>)>,
}

impl<'a> Namer<'a> {
    /// The reference phases relaxed on `labeller` with `settings`, matched within
    /// `threshold` fingerprint distance on `grid`.
    pub fn new(
        labeller: &'a dyn Labeller,
        settings: &RelaxSettings,
        grid: FingerprintGrid,
        threshold: f64,
    ) -> Result<Namer<'a>> {
        let mut references = Vec::new();
        for (name, s) in phases::references() {
            let r = relax(labeller, &s, settings)?;
            references.push((name, normalised_fingerprint(&r.structure, &grid)?));
        }
        Ok(Namer {
            labeller,
            settings: settings.clone(),
            grid,
            threshold,
            references,
        })
    }

    /// `s` relaxed on the namer's labeller: its name and its fingerprint at the naming volume.
    pub fn identify(&self, s: &Structure) -> Result<(String, Vec<f64>)> {
        let r = relax(self.labeller, s, &self.settings)?;
        let fp = normalised_fingerprint(&r.structure, &self.grid)?;
        Ok((self.name_fingerprint(&fp, &r.structure)?, fp))
    }

    /// The name of `s` as it is (not relaxed): the nearest reference within the threshold,
    /// else `unnamed (c-fold)` with its coordination range.
    pub fn name(&self, s: &Structure) -> Result<String> {
        self.name_fingerprint(&normalised_fingerprint(s, &self.grid)?, s)
    }

    fn name_fingerprint(&self, fp: &[f64], s: &Structure) -> Result<String> {
        let best = self
            .references
            .iter()
            .map(|(n, r)| (*n, distance(fp, r)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((name, _)) = best.filter(|b| b.1 < self.threshold) {
            return Ok(name.to_owned());
        }
        let (lo, hi) = coordination(s)?;
        Ok(if lo == hi {
            format!("unnamed ({lo}-fold)")
        } else {
            format!("unnamed ({lo}-{hi}-fold)")
        })
    }
}

/// Smallest and largest number of neighbours within 3 A.
pub fn coordination(s: &Structure) -> Result<(usize, usize)> {
    let g = geometry(&s.pos, &s.cell, BOND)?;
    Ok(g.coordination
        .iter()
        .fold((usize::MAX, 0), |(a, b), &c| (a.min(c), b.max(c))))
}

/// The fingerprint of `s` scaled to [`NAMING_VOLUME`] per atom.
fn normalised_fingerprint(s: &Structure, grid: &FingerprintGrid) -> Result<Vec<f64>> {
    let v = s.cell.volume() / s.pos.len() as f64;
    fingerprint(&scaled(s, NAMING_VOLUME / v), grid)
}

/// One structure of the final ranking.
#[derive(Clone, Debug)]
pub struct Ranked {
    /// Its name (reference phase or coordination).
    pub name: String,
    /// Relaxed on Stillinger-Weber (by the search).
    pub sw: Relaxed,
    /// Re-relaxed on the tight-binding model.
    pub tb: Relaxed,
    /// The Bloch grid of the tight-binding relaxation.
    pub kgrid: [usize; 3],
}

/// Re-relaxes each of `structures` (relaxed on Stillinger-Weber) on the tight-binding model
/// with a Bloch grid as fine as a `kpoint_width` A supercell, merges those that became the
/// same structure, and returns them lowest tight-binding energy first. Relaxations that fail
/// (the cell left the allowed volume) are dropped.
pub fn rerank(
    structures: &[Relaxed],
    namer: &Namer,
    settings: &RelaxSettings,
    kpoint_width: f64,
    mut tick: impl FnMut(),
) -> Result<Vec<Ranked>> {
    let mut out: Vec<(Ranked, Vec<f64>)> = Vec::new();
    for sw in structures {
        let tb = KPointTightBinding::for_width(&sw.structure.cell, kpoint_width);
        let relaxed = relax(&tb, &sw.structure, settings);
        tick();
        let Ok(t) = relaxed else { continue };
        let (name, fp) = match namer.identify(&t.structure) {
            Ok(id) => id,
            Err(_) => (
                namer.name(&t.structure)?,
                normalised_fingerprint(&t.structure, &namer.grid)?,
            ),
        };
        let ranked = Ranked {
            name,
            sw: sw.clone(),
            tb: t,
            kgrid: tb.grid,
        };
        match out
            .iter()
            .position(|(_, g)| distance(g, &fp) < namer.threshold)
        {
            Some(k) if ranked.tb.energy < out[k].0.tb.energy => out[k] = (ranked, fp),
            Some(_) => {}
            None => out.push((ranked, fp)),
        }
    }
    out.sort_by(|a, b| a.0.tb.energy.total_cmp(&b.0.tb.energy));
    Ok(out.into_iter().map(|(r, _)| r).collect())
}
