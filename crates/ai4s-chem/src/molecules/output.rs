//! What the molecules task writes: the test molecules as CSV and the figures.

use super::config::MoleculesConfig;
use super::data::Labelled;
use super::{Predicted, screen};
use ai4s_core::metrics::mae;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Report, Result, RunContext};
use std::fmt::Write;

/// A set of molecules with the MPNN's and the baseline's predictions.
type Scored<'a> = (&'a [Labelled], &'a Predicted, &'a Predicted);

/// The sets the figures draw.
pub(super) struct Sets<'a> {
    pub(super) test: Scored<'a>,
    pub(super) extra: Scored<'a>,
    /// Exact pool gaps and both models' predictions.
    pub(super) pool: (&'a [f64], &'a Predicted, &'a Predicted),
}

/// `test_molecules.csv`: one row per test molecule with its edge list, exact and predicted values.
pub(super) fn write_test_csv(
    ctx: &RunContext,
    test: &[Labelled],
    mpnn: &Predicted,
    ridge: &Predicted,
) -> Result<()> {
    let mut s = String::from(
        "id,atoms,bonds,gap_exact,gap_mpnn,gap_baseline,pi_energy_exact,pi_energy_mpnn,pi_energy_baseline\n",
    );
    for (i, l) in test.iter().enumerate() {
        // Writing to a String cannot fail.
        let _ = writeln!(
            s,
            "{i},{},{},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6}",
            l.mol.atoms,
            l.mol.edge_list(),
            l.gap,
            mpnn.gap[i],
            ridge.gap[i],
            l.pi_energy,
            mpnn.pi[i],
            ridge.pi[i]
        );
    }
    ctx.write_file("test_molecules.csv", s.as_bytes())?;
    Ok(())
}

/// Gap MAE per number of carbons of the molecules in `sets`.
fn mae_by_size(sets: &[Scored<'_>], mpnn: bool) -> Vec<(f64, f64)> {
    let mut by: std::collections::BTreeMap<usize, (Vec<f64>, Vec<f64>)> = Default::default();
    for (set, m, r) in sets {
        let p = if mpnn { m } else { r };
        for (l, g) in set.iter().zip(&p.gap) {
            let e = by.entry(l.mol.atoms).or_default();
            e.0.push(*g);
            e.1.push(l.gap);
        }
    }
    by.into_iter()
        .filter(|(_, (p, _))| p.len() >= 5)
        .map(|(n, (p, t))| (n as f64, mae(&p, &t)))
        .collect()
}

/// Parity plots, error against size (extrapolation) and the enrichment curve.
pub(super) fn figures(
    ctx: &RunContext,
    report: &mut Report,
    cfg: &MoleculesConfig,
    sets: Sets<'_>,
) -> Result<()> {
    let (test, m_test, r_test) = sets.test;
    let gap: Vec<f64> = test.iter().map(|l| l.gap).collect();
    for (stem, name, p) in [
        ("parity_mpnn", "message-passing network", m_test),
        ("parity_baseline", "fingerprint ridge", r_test),
    ] {
        report.figure(ctx.plot(
            stem,
            &Plot::Parity {
                labels: Labels::new(
                    &format!(
                        "Hueckel HOMO-LUMO gap, {name}: test molecules (MAE {:.3})",
                        mae(&p.gap, &gap)
                    ),
                    "exact gap (|beta|)",
                    "predicted gap (|beta|)",
                ),
                reference: gap.clone(),
                predicted: p.gap.clone(),
            },
        )?);
    }

    let both = [sets.test, sets.extra];
    let m_size = mae_by_size(&both, true);
    let r_size = mae_by_size(&both, false);
    let top = m_size
        .iter()
        .chain(&r_size)
        .map(|p| p.1)
        .fold(0.0, f64::max);
    let edge = cfg.atoms[1] as f64 + 1.0;
    report.figure(ctx.plot(
        "extrapolation",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Gap error against size: trained on {}-{} carbons, larger ones never seen",
                    cfg.atoms[0], cfg.atoms[1]
                ),
                "carbons",
                "gap MAE (|beta|)",
            ),
            series: vec![
                Series::new("message-passing network", m_size),
                Series::new("fingerprint ridge", r_size),
                Series::new("edge of the training sizes", vec![(edge, 0.0), (edge, top)]),
            ],
            log_y: false,
        },
    )?);

    let (pool_gap, m_pool, r_pool) = sets.pool;
    let x = cfg.screen_fraction;
    let depth = (10.0 * x).min(1.0);
    let curve = |p: &[f64]| screen::enrichment_curve(p, pool_gap, x, depth, 50);
    report.figure(ctx.plot(
        "enrichment",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Screening {} candidates for the {:.0} % smallest gaps",
                    pool_gap.len(),
                    100.0 * x
                ),
                "fraction of the pool screened (ranked by predicted gap)",
                "fraction of the true smallest-gap molecules found",
            ),
            series: vec![
                Series::new("message-passing network", curve(&m_pool.gap)),
                Series::new("fingerprint ridge", curve(&r_pool.gap)),
                Series::new("exact ranking", curve(pool_gap)),
                Series::new("random", vec![(0.0, 0.0), (depth, depth)]),
            ],
            log_y: false,
        },
    )?);
    Ok(())
}
