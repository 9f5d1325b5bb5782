//! The end of the search: the particle swarm's lowest distinct structures ranked on the
//! tight-binding model ([`rerank`]), and the energy-volume curves of the ranked phases on both
//! labellers with Birch-Murnaghan fits ([`eos`]); metrics, `phases.csv`, `eos.csv` and the
//! figures `eos_sw` and `eos_tb`.

use crate::labeller::Labeller;
use crate::structure_search::StructureSearchConfig;
use crate::structure_search::eos::{self, Eos, GPA_PER_EV_A3};
use crate::structure_search::fingerprint::{FingerprintGrid, distance};
use crate::structure_search::relax::{RelaxSettings, Relaxed, relax};
use crate::structure_search::rerank::{Namer, Ranked, coordination, rerank};
use crate::structure_search::search::{Found, Trace};
use crate::tb_kpoints::KPointTightBinding;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Goal, Report, Result, RunContext};

const DIAMOND: &str = "cubic diamond";
/// Stillinger & Weber 1985: a = 5.431 A, 8 atoms per cube.
const SW_DIAMOND_V0: f64 = 5.431 * 5.431 * 5.431 / 8.0;
/// Stillinger-Weber diamond: B = (C11 + 2 C12) / 3 with C11 = 151.4, C12 = 76.4 GPa.
const SW_DIAMOND_B0_GPA: f64 = 101.4;

/// The `keep` lowest-enthalpy structures of all `traces`, distinct by fingerprint.
pub fn pool_lowest(traces: &[Trace], duplicate: f64, keep: usize) -> Vec<Found> {
    let mut all: Vec<&Found> = traces.iter().flat_map(|t| &t.lowest).collect();
    all.sort_by(|a, b| a.relaxed.enthalpy.total_cmp(&b.relaxed.enthalpy));
    let mut out: Vec<Found> = Vec::new();
    for f in all {
        if out.len() == keep {
            break;
        }
        if out
            .iter()
            .all(|g| distance(&g.fingerprint, &f.fingerprint) >= duplicate)
        {
            out.push(f.clone());
        }
    }
    out
}

/// A phase's two energy-volume curves and their fits.
struct Curves {
    sw: Vec<(f64, f64)>,
    tb: Vec<(f64, f64)>,
    sw_fit: Option<Eos>,
    tb_fit: Option<Eos>,
}

fn fit(points: &[(f64, f64)], v_relaxed: f64, range: [f64; 2]) -> Option<Eos> {
    let inside: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| eos::in_fit_range(p.0, v_relaxed, range))
        .collect();
    eos::birch_murnaghan(&inside).ok()
}

/// Ranks the swarm's lowest structures on tight binding, scans and fits their energy-volume
/// curves, and reports both.
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_phases(
    ctx: &mut RunContext,
    report: &mut Report,
    cfg: &StructureSearchConfig,
    pso: &[Trace],
    sw: &dyn Labeller,
    search: &RelaxSettings,
    tight: &RelaxSettings,
    grid: FingerprintGrid,
) -> Result<()> {
    let namer = Namer::new(sw, tight, grid, cfg.duplicate_distance)?;
    let pooled = pool_lowest(pso, cfg.duplicate_distance, cfg.rerank);
    let sw_relaxed: Vec<Relaxed> = pooled
        .iter()
        .filter_map(|f| relax(sw, &f.relaxed.structure, tight).ok())
        .collect();
    let mut bar = ctx.progress("tight-binding relaxations", sw_relaxed.len() as u64);
    let mut ranked = rerank(&sw_relaxed, &namer, search, cfg.tb_kpoint_width, || {
        bar.inc(1)
    })?;
    bar.finish();
    let diamond_first = ranked.first().is_some_and(|r| r.name == DIAMOND);
    report.metric("tb_ranked_structures", ranked.len() as f64);
    report.check(
        "tb_lowest_is_diamond",
        f64::from(u8::from(diamond_first)),
        Goal::AtLeast(1.0),
        "issue 21: the final ranking on the tight-binding model keeps cubic diamond, the ground state of silicon, lowest (density-functional calculations put hexagonal diamond about 10 meV/atom above it)",
    );
    let gap = match ranked.as_slice() {
        [a, b, ..] => 1e3 * (b.tb.energy - a.tb.energy),
        _ => f64::NAN,
    };
    report.metric("tb_gap_to_next_mev_per_atom", gap);

    // Cubic diamond is always on the curves: the reference crystal when the swarm missed it.
    if !ranked.iter().any(|r| r.name == DIAMOND) {
        let d = relax(
            sw,
            &crate::structure_search::phases::cubic_diamond(5.431),
            tight,
        )?;
        let tb = KPointTightBinding::for_width(&d.structure.cell, cfg.tb_kpoint_width);
        let t = relax(&tb, &d.structure, search)?;
        ranked.push(Ranked {
            name: format!("{DIAMOND} (reference)"),
            sw: d,
            tb: t,
            kgrid: tb.grid,
        });
    }
    let mut curves = Vec::with_capacity(ranked.len());
    let mut bar = ctx.progress("energy-volume curves", ranked.len() as u64);
    let mut failed = Vec::new();
    for r in &ranked {
        let tb = KPointTightBinding {
            kt: 0.1,
            grid: r.kgrid,
            shifted: false,
        };
        // A curve the labeller cannot evaluate (atoms pushed together) is left out, named.
        let mut curve = |l: &dyn Labeller, s, fmax, steps, what: &str| {
            eos::scan(l, s, cfg.eos_volumes, cfg.eos_points, fmax, steps).unwrap_or_else(|e| {
                failed.push(format!("{} on {what}: {e}", r.name));
                Vec::new()
            })
        };
        let sw_pts = curve(sw, &r.sw.structure, 1e-4, 5000, "Stillinger-Weber");
        let tb_pts = curve(&tb, &r.tb.structure, 1e-3, 500, "tight binding");
        curves.push(Curves {
            sw_fit: fit(&sw_pts, r.sw.volume, cfg.eos_fit_range),
            tb_fit: fit(&tb_pts, r.tb.volume, cfg.eos_fit_range),
            sw: sw_pts,
            tb: tb_pts,
        });
        bar.inc(1);
    }
    bar.finish();
    if !failed.is_empty() {
        report.note(format!(
            "Energy-volume curves left out: {}.",
            failed.join("; ")
        ));
    }

    let diamond = ranked.iter().position(|r| r.name.starts_with(DIAMOND));
    let pick = |f: fn(&Curves) -> Option<Eos>| diamond.and_then(|k| f(&curves[k]));
    let (sw_fit, tb_fit) = (pick(|c| c.sw_fit), pick(|c| c.tb_fit));
    let nan = Eos {
        e0: f64::NAN,
        v0: f64::NAN,
        b0: f64::NAN,
        b0_prime: f64::NAN,
    };
    let (swf, tbf) = (sw_fit.unwrap_or(nan), tb_fit.unwrap_or(nan));
    report.check(
        "sw_diamond_eos_v0",
        swf.v0,
        Goal::Near {
            value: SW_DIAMOND_V0,
            tol: 0.01 * SW_DIAMOND_V0,
        },
        "Stillinger & Weber 1985: diamond at a = 5.431 A, 20.02 A^3/atom (Birch-Murnaghan fit, within 1 %)",
    );
    report.check(
        "sw_diamond_eos_b0_gpa",
        swf.b0 * GPA_PER_EV_A3,
        Goal::Near {
            value: SW_DIAMOND_B0_GPA,
            tol: 0.03 * SW_DIAMOND_B0_GPA,
        },
        "Stillinger-Weber diamond: C11 = 151.4, C12 = 76.4 GPa, B = (C11 + 2 C12) / 3 = 101.4 GPa (Balamane, Halicioglu & Tiller, PRB 46, 2250 (1992)); within 3 %",
    );
    report.metric("sw_diamond_eos_a0", (8.0 * swf.v0).cbrt());
    report.metric("sw_diamond_eos_b0_prime", swf.b0_prime);
    report.metric("tb_diamond_eos_v0", tbf.v0);
    report.metric("tb_diamond_eos_a0", (8.0 * tbf.v0).cbrt());
    report.metric("tb_diamond_eos_b0_gpa", tbf.b0 * GPA_PER_EV_A3);
    report.metric("tb_diamond_eos_e0", tbf.e0);

    let lowest = ranked.first().map_or(f64::NAN, |r| r.tb.energy);
    let list: Vec<String> = ranked
        .iter()
        .map(|r| {
            format!(
                "{} ({:+.1} meV/atom, SW {:+.1})",
                r.name,
                1e3 * (r.tb.energy - lowest),
                1e3 * (r.sw.energy - ranked[0].sw.energy)
            )
        })
        .collect();
    report.note(format!(
        "Final ranking on tight binding (Bloch grid as fine as a {:.0} A supercell) of the swarm's {} lowest distinct structures: {}. Diamond's Birch-Murnaghan fit: Stillinger-Weber V0 = {:.3} A^3/atom (a = {:.4} A), B0 = {:.1} GPa, B0' = {:.2}; tight binding V0 = {:.3} A^3/atom (a = {:.4} A), B0 = {:.1} GPa. Curves: isotropic strain of each relaxed cell, positions relaxed at fixed cell.",
        cfg.tb_kpoint_width,
        sw_relaxed.len(),
        list.join(", "),
        swf.v0,
        (8.0 * swf.v0).cbrt(),
        swf.b0 * GPA_PER_EV_A3,
        swf.b0_prime,
        tbf.v0,
        (8.0 * tbf.v0).cbrt(),
        tbf.b0 * GPA_PER_EV_A3,
    ));
    write(ctx, report, &ranked, &curves, lowest)
}

fn write(
    ctx: &mut RunContext,
    report: &mut Report,
    ranked: &[Ranked],
    curves: &[Curves],
    lowest: f64,
) -> Result<()> {
    let mut csv = String::from(
        "rank,name,sw_energy_ev_per_atom,sw_volume_per_atom,tb_energy_ev_per_atom,tb_volume_per_atom,tb_minus_lowest_mev_per_atom,coordination_min,coordination_max,kgrid,sw_v0,sw_b0_gpa,tb_v0,tb_b0_gpa\n",
    );
    let g = |f: Option<Eos>, b: bool| {
        f.map_or(f64::NAN, |e| if b { e.b0 * GPA_PER_EV_A3 } else { e.v0 })
    };
    for (k, (r, c)) in ranked.iter().zip(curves).enumerate() {
        let (lo, hi) = coordination(&r.tb.structure)?;
        csv.push_str(&format!(
            "{},{},{:.6},{:.4},{:.6},{:.4},{:.3},{lo},{hi},{}x{}x{},{:.4},{:.2},{:.4},{:.2}\n",
            k + 1,
            r.name,
            r.sw.energy,
            r.sw.volume,
            r.tb.energy,
            r.tb.volume,
            1e3 * (r.tb.energy - lowest),
            r.kgrid[0],
            r.kgrid[1],
            r.kgrid[2],
            g(c.sw_fit, false),
            g(c.sw_fit, true),
            g(c.tb_fit, false),
            g(c.tb_fit, true),
        ));
    }
    ctx.write_file("phases.csv", csv.as_bytes())?;
    let mut csv = String::from("phase,labeller,volume_per_atom,energy_ev_per_atom\n");
    for (r, c) in ranked.iter().zip(curves) {
        for (lab, pts) in [("sw", &c.sw), ("tb", &c.tb)] {
            for (v, e) in pts {
                csv.push_str(&format!("{},{lab},{v:.4},{e:.6}\n", r.name));
            }
        }
    }
    ctx.write_file("eos.csv", csv.as_bytes())?;
    for (stem, title, tb) in [
        ("eos_sw", "Stillinger-Weber", false),
        ("eos_tb", "tight binding", true),
    ] {
        let mut series: Vec<Series> = Vec::new();
        if let Some((_, c)) = ranked
            .iter()
            .zip(curves)
            .find(|(r, _)| r.name.starts_with(DIAMOND))
            && let Some(f) = if tb { c.tb_fit } else { c.sw_fit }
        {
            let pts = if tb { &c.tb } else { &c.sw };
            let (v_lo, v_hi) = (pts[0].0, pts[pts.len() - 1].0);
            let fitted = (0..=60)
                .map(|k| {
                    let v = v_lo + (v_hi - v_lo) * k as f64 / 60.0;
                    (v, eos::birch_murnaghan_energy(&f, v))
                })
                .collect();
            series.push(Series::new("cubic diamond, Birch-Murnaghan fit", fitted));
        }
        series.extend(ranked.iter().zip(curves).enumerate().map(|(k, (r, c))| {
            let pts = if tb { c.tb.clone() } else { c.sw.clone() };
            Series::new(format!("{}. {}", k + 1, r.name), pts)
        }));
        report.figure(ctx.plot(
            stem,
            &Plot::Line {
                labels: Labels::new(
                    &format!("Energy-volume curves of the lowest phases ({title})"),
                    "volume per atom (A^3)",
                    "energy per atom (eV)",
                ),
                series,
                log_y: false,
            },
        )?);
    }
    Ok(())
}
