//! The two searches: particle-swarm optimisation (CALYPSO) and random structure search, each
//! spending the same number of relaxations.
//!
//! A particle is a relaxed structure with a velocity (one displacement per atom, A, and one
//! change of the six lattice parameters). A swarm step moves it towards its own best
//! structure `p` and the swarm's best `g`,
//! `v <- w v + c1 r1 (p - x) + c2 r2 (g - x)`, `x <- x + v`, with `r1`, `r2` uniform in
//! `[0, 1]` per component and `w` falling linearly over the generations. `p - x` is taken atom
//! by atom after matching the atoms of `p` to those of `x` (fractional coordinates, the best
//! of the rigid translations that put some atom of `p` on atom 0 of `x`, then nearest
//! unmatched atom first), so the move is defined for structures in different cells and with
//! atoms in any order. Each generation ranks the relaxed structures by enthalpy, drops
//! duplicates (fingerprint distance below a threshold to a better one), moves the best
//! `pso_fraction` of the population by a swarm step and fills the rest with new random
//! symmetric structures.

use crate::cell::V3;
use crate::labeller::Labeller;
use crate::structure_search::Structure;
use crate::structure_search::config::StructureSearchConfig;
use crate::structure_search::fingerprint::{FingerprintGrid, distance, fingerprint};
use crate::structure_search::relax::{RelaxSettings, Relaxed, relax};
use crate::structure_search::symmetry::{
    SpaceGroup, from_parameters, parameters, random_structure, space_group, well_separated,
};
use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// A relaxed structure with its fingerprint.
#[derive(Clone, Debug)]
pub struct Found {
    /// The relaxation's result.
    pub relaxed: Relaxed,
    /// Its fingerprint.
    pub fingerprint: Vec<f64>,
}

/// The target of the search: the relaxed diamond crystal.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Energy per atom (eV).
    pub energy: f64,
    /// Fingerprint.
    pub fingerprint: Vec<f64>,
}

/// What one search did.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Lowest enthalpy per atom after each relaxation (eV; NaN before the first success).
    pub best: Vec<f64>,
    /// Relaxations spent when diamond was first found.
    pub found_at: Option<usize>,
    /// The lowest-enthalpy structure.
    pub best_structure: Option<Found>,
    /// The first structure identified as diamond.
    pub diamond: Option<Found>,
    /// Relaxations abandoned (volume out of range, atoms collapsed).
    pub failed: usize,
    /// `(volume, energy)` per atom of every relaxed structure.
    pub points: Vec<(f64, f64)>,
    /// Distinct relaxed structures (fingerprint distance above the duplicate threshold).
    pub distinct: usize,
    /// The `rerank` lowest-enthalpy distinct structures, lowest first.
    pub lowest: Vec<Found>,
    fingerprints: Vec<Vec<f64>>,
}

/// Everything a search needs, shared by all runs.
pub struct Searcher<'a> {
    cfg: &'a StructureSearchConfig,
    labeller: &'a dyn Labeller,
    groups: Vec<SpaceGroup>,
    /// Relaxation tolerances.
    pub relax: RelaxSettings,
    /// Fingerprint grid.
    pub grid: FingerprintGrid,
    reference: &'a Reference,
}

struct Particle {
    x: Found,
    best: Found,
    v: Vec<V3>,
    v_lattice: [f64; 6],
}

impl<'a> Searcher<'a> {
    /// A searcher for `cfg` on `labeller`, judging success against `reference`.
    pub fn new(
        cfg: &'a StructureSearchConfig,
        labeller: &'a dyn Labeller,
        reference: &'a Reference,
        relax: RelaxSettings,
    ) -> Self {
        Searcher {
            cfg,
            labeller,
            groups: cfg
                .space_groups
                .iter()
                .filter_map(|g| space_group(g))
                .collect(),
            relax,
            grid: FingerprintGrid {
                r_max: cfg.fingerprint_rmax,
                bins: cfg.fingerprint_bins,
                sigma: cfg.fingerprint_sigma,
            },
            reference,
        }
    }

    /// A new random symmetric structure (group drawn uniformly; groups that cannot hold the
    /// atom count are skipped); `None` when no group produced one in many attempts.
    pub fn random(&self, rng: &mut StdRng) -> Option<Structure> {
        for _ in 0..20 * self.groups.len().max(1) {
            let g = &self.groups[rng.random_range(0..self.groups.len())];
            let s = random_structure(
                g,
                self.cfg.atoms,
                self.cfg.volume_per_atom,
                self.cfg.min_distance,
                50,
                rng,
            );
            if s.is_some() {
                return s;
            }
        }
        None
    }

    /// Relaxes `s` and books it in `trace`; `None` when the relaxation was abandoned.
    fn evaluate(&self, s: Option<Structure>, trace: &mut Trace) -> Option<Found> {
        let found = s.and_then(|s| {
            let r = relax(self.labeller, &s, &self.relax).ok()?;
            let fingerprint = fingerprint(&r.structure, &self.grid).ok()?;
            Some(Found {
                relaxed: r,
                fingerprint,
            })
        });
        let prev = trace.best.last().copied().unwrap_or(f64::NAN);
        match &found {
            None => {
                trace.failed += 1;
                trace.best.push(prev);
            }
            Some(f) => {
                let h = f.relaxed.enthalpy;
                trace.points.push((f.relaxed.volume, f.relaxed.energy));
                // Also true while `prev` is still NaN (nothing relaxed yet).
                if prev.partial_cmp(&h) != Some(std::cmp::Ordering::Less)
                    && prev.partial_cmp(&h) != Some(std::cmp::Ordering::Equal)
                {
                    trace.best_structure = Some(f.clone());
                }
                trace.best.push(if prev.is_nan() { h } else { prev.min(h) });
                if self.is_diamond(f) && trace.found_at.is_none() {
                    trace.found_at = Some(trace.best.len());
                    trace.diamond = Some(f.clone());
                }
                let thr = self.cfg.duplicate_distance;
                keep_lowest(&mut trace.lowest, f, thr, self.cfg.rerank.max(1));
                if trace
                    .fingerprints
                    .iter()
                    .all(|g| distance(g, &f.fingerprint) >= thr)
                {
                    trace.fingerprints.push(f.fingerprint.clone());
                    trace.distinct += 1;
                }
            }
        }
        found
    }

    /// Whether `f` is diamond: its energy within the tolerance of the reference and its
    /// fingerprint within the duplicate distance.
    pub fn is_diamond(&self, f: &Found) -> bool {
        (f.relaxed.energy - self.reference.energy).abs() * 1e3 <= self.cfg.energy_tolerance_mev
            && distance(&f.fingerprint, &self.reference.fingerprint) < self.cfg.duplicate_distance
    }

    fn done(&self, trace: &Trace) -> bool {
        trace.best.len() >= self.cfg.budget()
            || (self.cfg.stop_when_found && trace.found_at.is_some())
    }

    /// Random structure search: new random symmetric structures until the budget is spent.
    pub fn random_search(&self, rng: &mut StdRng, mut tick: impl FnMut()) -> Trace {
        let mut trace = Trace::default();
        while !self.done(&trace) {
            let s = self.random(rng);
            self.evaluate(s, &mut trace);
            tick();
        }
        trace
    }

    /// Particle-swarm optimisation over `generations` of `population` structures.
    pub fn pso_search(&self, rng: &mut StdRng, mut tick: impl FnMut()) -> Trace {
        let cfg = self.cfg;
        let mut trace = Trace::default();
        let mut swarm: Vec<Particle> = Vec::new();
        for generation in 0..cfg.generations {
            let w = if cfg.generations > 1 {
                let t = generation as f64 / (cfg.generations - 1) as f64;
                cfg.inertia[0] + (cfg.inertia[1] - cfg.inertia[0]) * t
            } else {
                cfg.inertia[0]
            };
            // The best distinct particles of the last generation move; the others are replaced.
            swarm.sort_by(|a, b| a.x.relaxed.enthalpy.total_cmp(&b.x.relaxed.enthalpy));
            let mut kept: Vec<Particle> = Vec::new();
            for p in swarm.drain(..) {
                let dup = kept
                    .iter()
                    .any(|k| distance(&k.x.fingerprint, &p.x.fingerprint) < cfg.duplicate_distance);
                if !dup {
                    kept.push(p);
                }
            }
            kept.truncate((cfg.pso_fraction * cfg.population as f64).round() as usize);
            let gbest = trace.best_structure.clone();
            let mut next: Vec<(Option<Structure>, Option<Particle>)> = kept
                .into_iter()
                .map(|mut p| {
                    let s = match &gbest {
                        Some(g) => self.swarm_step(&mut p, g, w, rng),
                        None => None,
                    };
                    (s.or_else(|| self.random(rng)), Some(p))
                })
                .collect();
            while next.len() < cfg.population {
                next.push((self.random(rng), None));
            }
            for (s, old) in next {
                if self.done(&trace) {
                    return trace;
                }
                let found = self.evaluate(s, &mut trace);
                tick();
                if let Some(f) = found {
                    swarm.push(match old {
                        Some(mut p) => {
                            if f.relaxed.enthalpy < p.best.relaxed.enthalpy {
                                p.best = f.clone();
                            }
                            p.x = f;
                            p
                        }
                        None => self.new_particle(f, rng),
                    });
                }
            }
        }
        trace
    }

    fn new_particle(&self, f: Found, rng: &mut StdRng) -> Particle {
        let amp = 0.5 * self.cfg.max_move;
        let v = (0..self.cfg.atoms)
            .map(|_| {
                std::array::from_fn(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    amp * z / 3f64.sqrt()
                })
            })
            .collect();
        Particle {
            best: f.clone(),
            x: f,
            v,
            v_lattice: [0.0; 6],
        }
    }

    /// One swarm move of `p` towards its own best and `g`; the new (unrelaxed) structure, or
    /// `None` when no placement keeps the atoms apart.
    fn swarm_step(
        &self,
        p: &mut Particle,
        g: &Found,
        w: f64,
        rng: &mut StdRng,
    ) -> Option<Structure> {
        let cfg = self.cfg;
        let x = &p.x.relaxed.structure;
        let to_p = displacements(x, &p.best.relaxed.structure);
        let to_g = displacements(x, &g.relaxed.structure);
        let (px, pp, pg) = (
            parameters(&x.cell),
            parameters(&p.best.relaxed.structure.cell),
            parameters(&g.relaxed.structure.cell),
        );
        for (i, v) in p.v.iter_mut().enumerate() {
            for a in 0..3 {
                let (r1, r2): (f64, f64) = (rng.random(), rng.random());
                v[a] = w * v[a] + cfg.c_personal * r1 * to_p[i][a] + cfg.c_global * r2 * to_g[i][a];
            }
            let n = crate::cell::norm(*v);
            if n > cfg.max_move {
                *v = v.map(|c| c * cfg.max_move / n);
            }
        }
        for k in 0..6 {
            let (r1, r2): (f64, f64) = (rng.random(), rng.random());
            p.v_lattice[k] = w * p.v_lattice[k]
                + cfg.c_personal * r1 * (pp[k] - px[k])
                + cfg.c_global * r2 * (pg[k] - px[k]);
        }
        let mut q: [f64; 6] = std::array::from_fn(|k| px[k] + p.v_lattice[k]);
        for k in 3..6 {
            q[k] = q[k].clamp(55f64.to_radians(), 125f64.to_radians());
        }
        let (ca, cb, cg) = (q[3].cos(), q[4].cos(), q[5].cos());
        if 1.0 - ca * ca - cb * cb - cg * cg + 2.0 * ca * cb * cg < 0.1
            || q[..3].iter().any(|l| *l < 1.5)
        {
            return None;
        }
        let mut cell = from_parameters(q);
        let frac: Vec<V3> = x
            .pos
            .iter()
            .zip(&p.v)
            .map(|(r, v)| x.cell.fractional(std::array::from_fn(|a| r[a] + v[a])))
            .collect();
        // Keep the volume of the moved structure within the allowed range, then open the
        // cell until the atoms are apart.
        let n = cfg.atoms as f64;
        let vol = (cell.volume() / n).clamp(cfg.volume_per_atom[0], cfg.volume_per_atom[1]) * n;
        let mut k = (vol / cell.volume()).cbrt();
        for _ in 0..10 {
            let c = crate::cell::Cell {
                h: cell.h.map(|r| r.map(|v| v * k)),
            };
            let pos: Vec<V3> = frac.iter().map(|&s| c.cartesian(s)).collect();
            if well_separated(&pos, &c, cfg.min_distance) {
                cell = c;
                return Some(Structure { cell, pos });
            }
            k *= 1.04;
        }
        None
    }
}

/// Books `f` in `lowest` (distinct by fingerprint, lowest enthalpy first, at most `keep`): a
/// duplicate replaces its twin only when lower.
fn keep_lowest(lowest: &mut Vec<Found>, f: &Found, duplicate: f64, keep: usize) {
    match lowest
        .iter()
        .position(|g| distance(&g.fingerprint, &f.fingerprint) < duplicate)
    {
        Some(k) if f.relaxed.enthalpy < lowest[k].relaxed.enthalpy => lowest[k] = f.clone(),
        Some(_) => return,
        None => lowest.push(f.clone()),
    }
    lowest.sort_by(|a, b| a.relaxed.enthalpy.total_cmp(&b.relaxed.enthalpy));
    lowest.truncate(keep);
}

/// Cartesian displacements (in `x`'s cell) that take each atom of `x` to its matched atom of
/// `y`, both read in fractional coordinates.
fn displacements(x: &Structure, y: &Structure) -> Vec<V3> {
    let sx: Vec<V3> = x.pos.iter().map(|&r| x.cell.fractional(r)).collect();
    let sy: Vec<V3> = y.pos.iter().map(|&r| y.cell.fractional(r)).collect();
    let n = sx.len().min(sy.len());
    let image = |d: V3| -> V3 { d.map(|c| c - c.round()) };
    let len2 = |d: V3| crate::cell::dot(x.cell.cartesian(d), x.cell.cartesian(d));
    let mut best: (f64, Vec<V3>) = (f64::INFINITY, vec![[0.0; 3]; sx.len()]);
    for anchor in 0..n {
        let t: V3 = std::array::from_fn(|a| sx[0][a] - sy[anchor][a]);
        let mut pairs: Vec<(f64, usize, usize, V3)> = Vec::with_capacity(n * n);
        for (i, a) in sx.iter().enumerate().take(n) {
            for (j, b) in sy.iter().enumerate().take(n) {
                let d = image(std::array::from_fn(|k| b[k] + t[k] - a[k]));
                pairs.push((len2(d), i, j, d));
            }
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut used_i, mut used_j) = (vec![false; n], vec![false; n]);
        let mut total = 0.0;
        let mut disp = vec![[0.0; 3]; sx.len()];
        for (d2, i, j, d) in pairs {
            if !used_i[i] && !used_j[j] {
                used_i[i] = true;
                used_j[j] = true;
                total += d2;
                disp[i] = x.cell.cartesian(d);
            }
        }
        if total < best.0 {
            best = (total, disp);
        }
    }
    best.1
}
