//! Files of the structure-search task: the best structure (extended XYZ), one row per search,
//! and the figures.

use crate::frames::{Frame, System};
use crate::structure_search::StructureSearchConfig;
use crate::structure_search::relax::Relaxed;
use crate::structure_search::search::Trace;
use ai4s_core::metrics::median;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};

/// Best energy above diamond (meV/atom) after `k` relaxations, median over the searches; a
/// search that stopped early keeps its last value.
fn median_curve(traces: &[Trace], budget: usize, e_diamond: f64) -> Vec<(f64, f64)> {
    (0..budget)
        .filter_map(|k| {
            let v: Vec<f64> = traces
                .iter()
                .filter_map(|t| t.best.get(k.min(t.best.len().saturating_sub(1))).copied())
                .filter(|v| v.is_finite())
                .map(|v| 1e3 * (v - e_diamond))
                .collect();
            (v.len() == traces.len()).then(|| ((k + 1) as f64, median(&v)))
        })
        .collect()
}

fn success_curve(traces: &[Trace], budget: usize) -> Vec<(f64, f64)> {
    (1..=budget)
        .map(|k| {
            let n = traces
                .iter()
                .filter(|t| t.found_at.is_some_and(|f| f <= k))
                .count();
            (k as f64, n as f64 / traces.len().max(1) as f64)
        })
        .collect()
}

/// Writes `best_structure.xyz`, `searches.csv` and the figures.
pub(crate) fn write(
    ctx: &mut RunContext,
    report: &mut Report,
    cfg: &StructureSearchConfig,
    pso: &[Trace],
    random: &[Trace],
    best: &Relaxed,
    e_diamond: f64,
) -> Result<()> {
    let n = best.structure.pos.len();
    let system = System {
        type_map: vec!["Si".into()],
        types: vec![0; n],
        frames: vec![Frame {
            cell: best.structure.cell,
            pos: best.structure.pos.clone(),
            energy: Some(best.energy * n as f64),
            forces: None,
            virial: None,
        }],
    };
    crate::xyz::write(&ctx.path("best_structure.xyz"), &system)?;
    let mut csv = String::from(
        "method,run,found_diamond_at,best_enthalpy_ev_per_atom,relaxations,abandoned,distinct\n",
    );
    for (name, traces) in [("pso", pso), ("random", random)] {
        for (k, t) in traces.iter().enumerate() {
            csv.push_str(&format!(
                "{name},{k},{},{:.6},{},{},{}\n",
                t.found_at.map_or(String::new(), |f| f.to_string()),
                t.best.last().copied().unwrap_or(f64::NAN),
                t.best.len(),
                t.failed,
                t.distinct
            ));
        }
    }
    ctx.write_file("searches.csv", csv.as_bytes())?;

    let budget = cfg.budget();
    report.figure(ctx.plot(
        "best_energy",
        &Plot::Line {
            labels: Labels::new(
                "Lowest energy found (median over searches)",
                "relaxations",
                "best energy above diamond (meV/atom)",
            ),
            series: vec![
                Series::new("particle swarm", median_curve(pso, budget, e_diamond)),
                Series::new("random search", median_curve(random, budget, e_diamond)),
            ],
            log_y: false,
        },
    )?);
    report.figure(ctx.plot(
        "success",
        &Plot::Line {
            labels: Labels::new(
                "Searches that have found diamond",
                "relaxations",
                "fraction of searches",
            ),
            series: vec![
                Series::new("particle swarm", success_curve(pso, budget)),
                Series::new("random search", success_curve(random, budget)),
            ],
            log_y: false,
        },
    )?);
    let pts = |traces: &[Trace]| -> Vec<(f64, f64)> {
        traces
            .iter()
            .flat_map(|t| t.points.iter().copied())
            .filter(|p| p.1 < e_diamond + 1.0)
            .collect()
    };
    report.figure(ctx.plot(
        "energy_volume",
        &Plot::Scatter {
            labels: Labels::new(
                "Relaxed structures (within 1 eV/atom of diamond)",
                "volume per atom (A^3)",
                "energy per atom (eV)",
            ),
            series: vec![
                Series::new("random search", pts(random)),
                Series::new("particle swarm", pts(pso)),
                Series::new("best structure", vec![(best.volume, best.energy)]),
            ],
        },
    )?);
    Ok(())
}
