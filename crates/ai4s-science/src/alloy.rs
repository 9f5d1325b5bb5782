//! Materials: the lowest-energy ordering of a binary alloy, found by search and checked by
//! exhaustive enumeration.
//!
//! A binary alloy `A_{1-x} B_x` on a periodic square (2-D) or simple-cubic (3-D) supercell. Each
//! site carries an occupation spin `s = +1` (A) or `-1` (B), and the energy is a pair cluster
//! expansion (Sanchez, Ducastelle & Gratias 1984)
//! `E = sum_k J_k sum_{<ij> in shell k} s_i s_j`, with effective cluster interactions `J_k` for
//! the first, second, third ... neighbour shells (shells are the distinct distances
//! `|d|^2 = 1, 2, 4` in 2-D and `1, 2, 3` in 3-D). Pairs are summed over periodic images, so
//! the energy is that of the infinite crystal built from the supercell. `J_1 > 0` favours unlike
//! neighbours (ordering); a second-neighbour `J_2` near `J_1 / 2` frustrates the checkerboard
//! against striped orderings, which makes the search landscape rugged.
//!
//! At fixed composition (`n_B` of the `N` sites are B) the ground state is found three ways:
//! - exhaustive enumeration of all `C(N, n_B)` configurations (Gosper's hack over bit masks):
//!   the ground truth, its energy and its degeneracy;
//! - simulated annealing with Kawasaki (A-B swap) moves and the Metropolis rule
//!   (Kirkpatrick, Gelatt & Vecchi 1983), geometric cooling from `t_start` to `t_end`,
//!   many independent runs; each proposal costs one local energy evaluation;
//! - random search over configurations at the same composition with the same budget, whose
//!   success rate should match `1 - (1 - g / C(N, n_B))^budget` for degeneracy `g`.
//!
//! Reported: how often each search reaches the exhaustive ground-state energy and after how
//! many evaluations, against the `C(N, n_B)` evaluations of enumeration.

use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Largest number of configurations [`enumerate`] may visit.
pub const MAX_ENUMERATION: u128 = 200_000_000;

/// A periodic lattice with a pair cluster expansion.
#[derive(Clone, Debug)]
pub struct Lattice {
    /// Supercell dimensions (2 or 3 entries).
    pub shape: Vec<usize>,
    /// Per site, its neighbours with the interaction of their shell (`(site, J)`, each
    /// periodic image bond once from each end).
    pub neighbours: Vec<Vec<(usize, f64)>>,
    /// Every bond once: `(i, j, J)`.
    pub bonds: Vec<(usize, usize, f64)>,
}

impl Lattice {
    /// A periodic supercell of `shape` with interactions `j[k]` for shell `k + 1`.
    pub fn new(shape: &[usize], j: &[f64]) -> Lattice {
        let dim = shape.len();
        let n: usize = shape.iter().product();
        // Displacements with components in [-2, 2], one of each +-d pair, grouped by |d|^2.
        let mut disps: Vec<(i64, Vec<i64>)> = Vec::new();
        let total = 5usize.pow(dim as u32);
        for code in 0..total {
            let d: Vec<i64> = (0..dim)
                .map(|a| ((code / 5usize.pow(a as u32)) % 5) as i64 - 2)
                .collect();
            let first = d.iter().find(|&&c| c != 0);
            if first.is_some_and(|&c| c > 0) {
                disps.push((d.iter().map(|c| c * c).sum(), d));
            }
        }
        let mut radii: Vec<i64> = disps.iter().map(|d| d.0).collect();
        radii.sort_unstable();
        radii.dedup();
        let coords = |i: usize| -> Vec<usize> {
            let mut c = Vec::with_capacity(dim);
            let mut r = i;
            for &s in shape {
                c.push(r % s);
                r /= s;
            }
            c
        };
        let index = |c: &[usize]| -> usize {
            let mut i = 0;
            for a in (0..dim).rev() {
                i = i * shape[a] + c[a];
            }
            i
        };
        let mut bonds = Vec::new();
        for (k, &jk) in j.iter().enumerate() {
            let Some(&r2) = radii.get(k) else { break };
            if jk == 0.0 {
                continue;
            }
            for (_, d) in disps.iter().filter(|d| d.0 == r2) {
                for i in 0..n {
                    let c = coords(i);
                    let t: Vec<usize> = (0..dim)
                        .map(|a| (c[a] as i64 + d[a]).rem_euclid(shape[a] as i64) as usize)
                        .collect();
                    bonds.push((i, index(&t), jk));
                }
            }
        }
        let mut neighbours = vec![Vec::new(); n];
        for &(a, b, jk) in &bonds {
            neighbours[a].push((b, jk));
            neighbours[b].push((a, jk));
        }
        Lattice {
            shape: shape.to_vec(),
            neighbours,
            bonds,
        }
    }

    /// Number of sites.
    pub fn sites(&self) -> usize {
        self.neighbours.len()
    }

    /// Energy of occupation spins `s` (+1 A, -1 B).
    pub fn energy(&self, s: &[i8]) -> f64 {
        self.bonds
            .iter()
            .map(|&(a, b, j)| j * (s[a] * s[b]) as f64)
            .sum()
    }

    /// Energy of a bit mask (bit `i` set: site `i` is B).
    pub fn energy_mask(&self, mask: u64) -> f64 {
        self.bonds
            .iter()
            .map(|&(a, b, j)| {
                let unlike = ((mask >> a) ^ (mask >> b)) & 1;
                j * (1.0 - 2.0 * unlike as f64)
            })
            .sum()
    }

    /// Energy change if site `i` flips.
    fn flip_delta(&self, s: &[i8], i: usize) -> f64 {
        let h: f64 = self.neighbours[i]
            .iter()
            .map(|&(k, j)| j * s[k] as f64)
            .sum();
        -2.0 * s[i] as f64 * h
    }
}

/// Binomial coefficient as `u128` (saturating).
pub fn binomial(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut r: u128 = 1;
    for i in 0..k {
        r = r.saturating_mul((n - i) as u128) / (i as u128 + 1);
    }
    r
}

/// The exhaustive ground state.
#[derive(Clone, Debug)]
pub struct GroundState {
    /// Lowest energy.
    pub energy: f64,
    /// Number of configurations with that energy (within `1e-9`).
    pub degeneracy: u64,
    /// One lowest-energy configuration as a bit mask (bit set: B).
    pub mask: u64,
    /// Configurations visited.
    pub visited: u64,
}

/// All configurations with `n_b` B atoms, in Gosper order; the lowest energy and its degeneracy.
pub fn enumerate(lat: &Lattice, n_b: usize) -> GroundState {
    let n = lat.sites();
    let mut gs = GroundState {
        energy: f64::INFINITY,
        degeneracy: 0,
        mask: 0,
        visited: 0,
    };
    let limit: u64 = if n >= 64 { u64::MAX } else { 1u64 << n };
    let mut m: u64 = if n_b == 0 { 0 } else { (1u64 << n_b) - 1 };
    loop {
        let e = lat.energy_mask(m);
        gs.visited += 1;
        if e < gs.energy - 1e-9 {
            gs.energy = e;
            gs.degeneracy = 1;
            gs.mask = m;
        } else if (e - gs.energy).abs() <= 1e-9 {
            gs.degeneracy += 1;
        }
        if m == 0 {
            break;
        }
        // Gosper's hack: the next larger integer with the same number of set bits.
        let c = m & m.wrapping_neg();
        let r = m + c;
        let next = (((r ^ m) >> 2) / c) | r;
        if next >= limit || r == 0 {
            break;
        }
        m = next;
    }
    gs
}

/// A random configuration with `n_b` B atoms.
fn random_config(n: usize, n_b: usize, rng: &mut StdRng) -> Vec<i8> {
    let mut s = vec![1i8; n];
    // Partial Fisher-Yates: the first n_b of a random permutation become B.
    let mut idx: Vec<usize> = (0..n).collect();
    for k in 0..n_b {
        let r = rng.random_range(k..n);
        idx.swap(k, r);
        s[idx[k]] = -1;
    }
    s
}

/// One simulated-annealing run.
#[derive(Clone, Debug)]
pub struct Anneal {
    /// Lowest energy seen.
    pub best: f64,
    /// Configuration with the lowest energy.
    pub best_config: Vec<i8>,
    /// Evaluation (1-based) at which `target` was first reached, if it was.
    pub hit_at: Option<u64>,
    /// Evaluations made.
    pub evaluations: u64,
}

/// Simulated annealing with A-B swaps: `steps` proposals, temperature from `t0` to `t1`
/// geometrically; stops early once the energy reaches `target`.
pub fn anneal(
    lat: &Lattice,
    n_b: usize,
    steps: u64,
    t0: f64,
    t1: f64,
    target: f64,
    rng: &mut StdRng,
) -> Anneal {
    let n = lat.sites();
    let mut s = random_config(n, n_b, rng);
    let mut e = lat.energy(&s);
    let mut out = Anneal {
        best: e,
        best_config: s.clone(),
        hit_at: None,
        evaluations: 1,
    };
    if e <= target + 1e-9 {
        out.hit_at = Some(1);
        return out;
    }
    if n_b == 0 || n_b == n {
        return out;
    }
    let ratio = (t1 / t0).ln();
    for step in 0..steps {
        let t = t0 * (ratio * step as f64 / steps.max(1) as f64).exp();
        let (mut i, mut j) = (rng.random_range(0..n), rng.random_range(0..n));
        while s[i] == s[j] {
            i = rng.random_range(0..n);
            j = rng.random_range(0..n);
        }
        let d1 = lat.flip_delta(&s, i);
        s[i] = -s[i];
        let d2 = lat.flip_delta(&s, j);
        s[j] = -s[j];
        let de = d1 + d2;
        out.evaluations += 1;
        if de <= 0.0 || rng.random::<f64>() < (-de / t).exp() {
            e += de;
            if e < out.best - 1e-12 {
                out.best = e;
                out.best_config.copy_from_slice(&s);
            }
            if e <= target + 1e-9 {
                out.hit_at = Some(out.evaluations);
                return out;
            }
        } else {
            s[i] = -s[i];
            s[j] = -s[j];
        }
    }
    out
}

/// Random search: `budget` random configurations; the evaluation that first reached `target`.
pub fn random_search(
    lat: &Lattice,
    n_b: usize,
    budget: u64,
    target: f64,
    rng: &mut StdRng,
) -> Option<u64> {
    (1..=budget).find(|_| lat.energy(&random_config(lat.sites(), n_b, rng)) <= target + 1e-9)
}

/// Configuration of [`AlloySearch`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlloyConfig {
    /// Periodic supercell dimensions: two (square lattice) or three (simple cubic), each >= 3.
    pub shape: Vec<usize>,
    /// Effective pair interactions J_1, J_2, ... of the neighbour shells (energy units).
    pub interactions: Vec<f64>,
    /// Fraction of B atoms (rounded to whole atoms).
    pub composition: f64,
    /// Independent simulated-annealing runs.
    pub runs: usize,
    /// Swap proposals per site in each annealing run (the run's evaluation budget / N).
    pub sweeps: usize,
    /// Starting temperature (energy units).
    pub t_start: f64,
    /// Final temperature (energy units).
    pub t_end: f64,
}

impl Default for AlloyConfig {
    fn default() -> Self {
        AlloyConfig {
            shape: vec![6, 4],
            interactions: vec![1.0, 0.55, 0.2],
            composition: 0.5,
            runs: 200,
            sweeps: 1000,
            t_start: 4.0,
            t_end: 0.05,
        }
    }
}

impl TaskConfig for AlloyConfig {
    fn quick() -> Self {
        AlloyConfig {
            shape: vec![5, 4],
            runs: 100,
            sweeps: 500,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            (2..=3).contains(&self.shape.len())
                && self.shape.iter().all(|&s| (3..=64).contains(&s)),
            "shape",
            || format!("two or three dimensions, each 3..=64, got {:?}", self.shape),
        )?;
        let n: usize = self.shape.iter().product();
        ensure(n <= 63, "shape", || {
            format!("at most 63 sites for the bit-mask enumeration, got {n}")
        })?;
        ensure(
            !self.interactions.is_empty()
                && self.interactions.len() <= 3
                && self
                    .interactions
                    .iter()
                    .all(|j| j.is_finite() && j.abs() <= 1e3),
            "interactions",
            || {
                format!(
                    "1 to 3 finite shell interactions, got {:?}",
                    self.interactions
                )
            },
        )?;
        ensure(
            self.composition.is_finite() && (0.0..=1.0).contains(&self.composition),
            "composition",
            || format!("must be in [0, 1], got {}", self.composition),
        )?;
        let n_b = (self.composition * n as f64).round() as usize;
        let count = binomial(n, n_b);
        ensure(count <= MAX_ENUMERATION, "shape", || {
            format!(
                "C({n}, {n_b}) = {count} configurations is too many to enumerate (limit {MAX_ENUMERATION}); use a smaller cell"
            )
        })?;
        ensure((1..=100_000).contains(&self.runs), "runs", || {
            format!("must be 1..=100000, got {}", self.runs)
        })?;
        ensure((1..=1_000_000).contains(&self.sweeps), "sweeps", || {
            format!("must be 1..=1000000, got {}", self.sweeps)
        })?;
        ensure(
            self.t_start.is_finite() && self.t_start > 0.0,
            "t_start",
            || format!("must be positive, got {}", self.t_start),
        )?;
        ensure(
            self.t_end.is_finite() && self.t_end > 0.0 && self.t_end <= self.t_start,
            "t_end",
            || {
                format!(
                    "must be positive and at most t_start ({}), got {}",
                    self.t_start, self.t_end
                )
            },
        )
    }
}

/// Ground-state search for a binary alloy: annealing and random search vs enumeration.
pub struct AlloySearch;

fn grid_of(lat: &Lattice, s: &[i8]) -> Vec<Vec<f64>> {
    let (w, h) = (lat.shape[0], lat.shape[1]);
    // For 3-D cells only the first layer is drawn.
    (0..h)
        .map(|y| (0..w).map(|x| s[x + w * y] as f64).collect())
        .collect()
}

impl Task for AlloySearch {
    type Config = AlloyConfig;

    fn name(&self) -> &'static str {
        "alloy-search"
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "materials: lowest-energy ordering of a binary alloy (cluster expansion) by simulated annealing vs exhaustive enumeration"
    }

    fn demonstrates(&self) -> &'static str {
        "Materials: structure search. A binary alloy on a lattice with a cluster-expansion energy has an astronomical number of orderings; on a cell small enough to enumerate, exhaustive search gives the true ground state, and simulated annealing is judged by how often, and after how many energy evaluations, it finds that state, against random search at the same budget."
    }

    fn run(&self, cfg: &AlloyConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let lat = Lattice::new(&cfg.shape, &cfg.interactions);
        let n = lat.sites();
        let n_b = (cfg.composition * n as f64).round() as usize;
        let total = binomial(n, n_b);

        let start = Instant::now();
        let gs = enumerate(&lat, n_b);
        let enum_seconds = start.elapsed().as_secs_f64();
        report.metric("sites", n as f64);
        report.metric("b_atoms", n_b as f64);
        report.metric("configurations", total as f64);
        report.metric("ground_state_energy", gs.energy);
        report.metric("ground_state_energy_per_site", gs.energy / n as f64);
        report.metric("ground_state_degeneracy", gs.degeneracy as f64);
        report.metric("exhaustive_seconds", enum_seconds);

        let budget = (cfg.sweeps * n) as u64;
        let mut bar = ctx.progress("anneal", cfg.runs as u64);
        let start = Instant::now();
        let mut sa_hits = Vec::new();
        let mut sa_best = Vec::with_capacity(cfg.runs);
        let mut best_run: Option<Anneal> = None;
        for r in 0..cfg.runs {
            let mut rng = StdRng::seed_from_u64(ctx.seed ^ (r as u64).wrapping_mul(0x9e37_79b9));
            let a = anneal(
                &lat,
                n_b,
                budget,
                cfg.t_start,
                cfg.t_end,
                gs.energy,
                &mut rng,
            );
            if let Some(h) = a.hit_at {
                sa_hits.push(h);
            }
            sa_best.push(a.best);
            if best_run.as_ref().is_none_or(|b| a.best < b.best) {
                best_run = Some(a);
            }
            bar.inc(1);
        }
        bar.finish();
        let sa_seconds = start.elapsed().as_secs_f64();
        let mut rs_hits = Vec::new();
        for r in 0..cfg.runs {
            let mut rng =
                StdRng::seed_from_u64(ctx.seed ^ 0x5253 ^ (r as u64).wrapping_mul(0x85eb_ca6b));
            if let Some(h) = random_search(&lat, n_b, budget, gs.energy, &mut rng) {
                rs_hits.push(h);
            }
        }
        let runs = cfg.runs as f64;
        let sa_rate = sa_hits.len() as f64 / runs;
        let rs_rate = rs_hits.len() as f64 / runs;
        let expected_rs = 1.0 - (1.0 - gs.degeneracy as f64 / total as f64).powf(budget as f64);
        let med = |v: &mut Vec<u64>| -> f64 {
            v.sort_unstable();
            v.get(v.len() / 2).map_or(f64::NAN, |&x| x as f64)
        };
        report.metric("evaluation_budget_per_run", budget as f64);
        report.check(
            "annealing_success_rate",
            sa_rate,
            Goal::AtLeast(0.9),
            "fraction of annealing runs reaching the exhaustive ground-state energy",
        );
        report.metric(
            "annealing_median_evaluations_to_ground_state",
            med(&mut sa_hits.clone()),
        );
        report.metric(
            "annealing_mean_energy_above_ground_state",
            sa_best.iter().map(|e| e - gs.energy).sum::<f64>() / runs,
        );
        report.metric("annealing_seconds_all_runs", sa_seconds);
        report.metric("random_search_success_rate", rs_rate);
        report.metric("random_search_expected_success_rate", expected_rs);
        report.metric(
            "random_search_median_evaluations_to_ground_state",
            med(&mut rs_hits.clone()),
        );
        let sa_med = med(&mut sa_hits.clone());
        if sa_med.is_finite() {
            report.check(
                "enumeration_over_annealing_evaluations",
                total as f64 / sa_med,
                Goal::AtLeast(1.0),
                "C(N, n_B) enumerated configurations per median annealing evaluation to the ground state",
            );
        }
        report.note(format!(
            "{n}-site cell {:?}, {n_b} B atoms: {total} configurations enumerated in {enum_seconds:.2} s; ground state E = {:.4} ({}-fold degenerate). Annealing ({budget} swaps/run): {}/{} runs found it, median {sa_med} evaluations; random search with the same budget: {}/{} (expected {:.3}).",
            cfg.shape,
            gs.energy,
            gs.degeneracy,
            sa_hits.len(),
            cfg.runs,
            rs_hits.len(),
            cfg.runs,
            expected_rs
        ));

        // Fraction of runs that reached the ground state within k evaluations.
        let curve = |hits: &[u64]| -> Vec<(f64, f64)> {
            let mut h = hits.to_vec();
            h.sort_unstable();
            let mut pts = vec![(0.0, 0.0)];
            for (k, &x) in h.iter().enumerate() {
                pts.push(((x as f64).log10(), k as f64 / runs));
                pts.push(((x as f64).log10(), (k + 1) as f64 / runs));
            }
            pts.push(((budget as f64).log10(), h.len() as f64 / runs));
            pts
        };
        report.figure(ctx.plot(
            "success_vs_evaluations",
            &Plot::Line {
                labels: Labels::new(
                    &format!("Runs that found the ground state (enumeration: {total} evaluations)"),
                    "log10 energy evaluations",
                    "fraction of runs",
                ),
                series: vec![
                    Series::new("simulated annealing", curve(&sa_hits)),
                    Series::new("random search", curve(&rs_hits)),
                    Series::new(
                        "exhaustive enumeration",
                        vec![((total as f64).log10(), 0.0), ((total as f64).log10(), 1.0)],
                    ),
                ],
                log_y: false,
            },
        )?);
        let gs_spins: Vec<i8> = (0..n)
            .map(|i| if (gs.mask >> i) & 1 == 1 { -1 } else { 1 })
            .collect();
        let text = |s: &[i8]| -> Vec<Vec<String>> {
            grid_of(&lat, s)
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|v| {
                            if v > 0.0 {
                                "A".to_string()
                            } else {
                                "B".to_string()
                            }
                        })
                        .collect()
                })
                .collect()
        };
        report.figure(ctx.plot(
            "ground_state",
            &Plot::LabelledCells {
                labels: Labels::new(
                    &format!("Exhaustive ground state, E = {:.3}", gs.energy),
                    "x",
                    "y",
                ),
                values: grid_of(&lat, &gs_spins),
                text: text(&gs_spins),
            },
        )?);
        if let Some(b) = best_run {
            report.figure(ctx.plot(
                "annealing_best",
                &Plot::LabelledCells {
                    labels: Labels::new(
                        &format!("Best annealed configuration, E = {:.3}", b.best),
                        "x",
                        "y",
                    ),
                    values: grid_of(&lat, &b.best_config),
                    text: text(&b.best_config),
                },
            )?);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_and_enumeration_count() {
        assert_eq!(binomial(16, 8), 12_870);
        assert_eq!(binomial(5, 0), 1);
        let lat = Lattice::new(&[4, 4], &[1.0]);
        let gs = enumerate(&lat, 8);
        assert_eq!(gs.visited, 12_870);
        // Two checkerboards, each bond unlike: 32 bonds x (-1).
        assert_eq!(gs.energy, -32.0);
        assert_eq!(gs.degeneracy, 2);
    }

    #[test]
    fn swap_delta_matches_full_energy() {
        let lat = Lattice::new(&[4, 5], &[1.0, 0.55, 0.2]);
        let mut rng = StdRng::seed_from_u64(1);
        let mut s = random_config(20, 10, &mut rng);
        for _ in 0..50 {
            let i = rng.random_range(0..20);
            let before = lat.energy(&s);
            let d = lat.flip_delta(&s, i);
            s[i] = -s[i];
            assert!((lat.energy(&s) - before - d).abs() < 1e-9);
        }
    }
}
