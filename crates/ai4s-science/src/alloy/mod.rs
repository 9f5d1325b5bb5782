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

mod config;
mod lattice;
pub use config::*;
pub use lattice::*;

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

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Materials
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
