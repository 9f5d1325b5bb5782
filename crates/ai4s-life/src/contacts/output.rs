//! The contacts task's report: precision metrics and goals, figures, ranked contact lists, for
//! the simulated family ([`write`]) and for a user's alignment ([`write_own`]).

use super::byo::{Alignment, Known};
use super::fold::{ContactMap, Fold};
use super::msa::Msa;
use super::potts::Potts;
use super::scores::{Pair, precision_at, to_tsv};
use super::{Analysis, ContactsConfig};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Goal, Report, Result, RunContext};

/// Everything the task measured.
pub(super) struct Results<'a> {
    pub fold: &'a Fold,
    pub truth: &'a ContactMap,
    pub potts: &'a Potts,
    pub msa: &'a Msa,
    /// The default alignment.
    pub main: &'a Analysis,
    /// The smaller alignments of the sweep.
    pub sweep: &'a [Analysis],
    /// Pairs ranked by the planted couplings (the best any method could do).
    pub planted: &'a [Pair],
}

/// The figure of precision of the top k pairs against k / L, one curve per ranking.
fn precision_vs_rank(
    ctx: &mut RunContext,
    report: &mut Report,
    truth: &ContactMap,
    sequences: usize,
    rankings: &[(&str, &[Pair])],
) -> Result<()> {
    let l = truth.len();
    let series = rankings
        .iter()
        .map(|(name, ranking)| {
            let curve = (1..=(2 * l).min(ranking.len()))
                .map(|k| (k as f64 / l as f64, precision_at(ranking, truth, k)))
                .collect();
            Series::new(*name, curve)
        })
        .collect();
    report.figure(ctx.plot(
        "precision_vs_rank",
        &Plot::Line {
            labels: Labels::new(
                &format!("Precision of the top-ranked pairs ({sequences} sequences)"),
                "predicted pairs / L",
                "precision",
            ),
            series,
            log_y: false,
        },
    )?);
    Ok(())
}

/// Precision-at-k levels: L, L/2, L/5 with their metric suffixes.
fn levels(l: usize) -> [(&'static str, usize); 3] {
    [("L", l), ("L2", l / 2), ("L5", l / 5)]
}

pub(super) fn write(
    cfg: &ContactsConfig,
    ctx: &mut RunContext,
    report: &mut Report,
    r: &Results,
) -> Result<()> {
    let (l, q) = (r.fold.len(), cfg.q);
    let truth = r.truth;
    let main = r.main;
    let (plm_half, mi_half) = main.precision(truth, l / 2);
    report.check(
        "plmdca_precision_at_L2",
        plm_half,
        Goal::AtLeast(0.8),
        "issue goal: plmDCA precision of the top L/2 pairs with |i - j| >= 6 at least 0.8 on the default alignment",
    );
    report.check(
        "plmdca_minus_mi_precision_at_L2",
        plm_half - mi_half,
        Goal::AtLeast(0.01),
        "issue goal: plmDCA above the MI baseline at L/2 (one more true contact is 1/(L/2) = 0.04)",
    );
    for (name, k) in levels(l) {
        let (p, m) = main.precision(truth, k);
        report.metric(&format!("plmdca_precision_at_{name}"), p);
        report.metric(&format!("mi_precision_at_{name}"), m);
        report.metric(
            &format!("planted_precision_at_{name}"),
            precision_at(r.planted, truth, k),
        );
    }
    let long_range = truth.pairs(cfg.min_separation).len();
    let couplings = l * (l - 1) / 2 * q * q;
    let entropy = r.msa.column_entropy();
    let mean_entropy = entropy.iter().sum::<f64>() / entropy.len().max(1) as f64;
    report.metric("residues", l as f64);
    report.metric("q", q as f64);
    report.metric("contacts_long_range", long_range as f64);
    report.metric("contacts_all", truth.pairs(1).len() as f64);
    report.metric("coupling_parameters", couplings as f64);
    report.metric("sequences", main.n as f64);
    report.metric("effective_sequences", main.meff);
    report.metric(
        "mean_column_entropy_over_log_q",
        mean_entropy / (q as f64).ln(),
    );
    report.metric("plmdca_final_objective", main.final_loss);
    for a in r.sweep {
        let (p, m) = a.precision(truth, l / 2);
        report.metric(&format!("plmdca_precision_at_L2_{}_seqs", a.n), p);
        report.metric(&format!("mi_precision_at_L2_{}_seqs", a.n), m);
    }
    let (pl, ml) = main.precision(truth, l);
    report.note(format!(
        "Three-helix bundle of {l} residues ({} per helix, {} per loop, axes {:.1} A apart): {} contacts at C-beta distance < {:.1} A, {long_range} of them with |i - j| >= {}. Potts model over q = {q} residue classes, fields sd {:.2}, couplings sd {:.2} on contacts only ({couplings} coupling parameters); {} sequences from {} Gibbs chains (burn-in {} sweeps, thinning {}), effective number {:.0} at {:.0} % identity; mean column entropy {:.2} of ln q. Precision at L/2: plmDCA {plm_half:.3}, MI {mi_half:.3} (at L: {pl:.3} vs {ml:.3}). Ranked lists: contacts_plmdca.tsv, contacts_mi.tsv (1-based i, j, APC score); the alignment: alignment.fa; the fold's contacts: true_contacts.txt.",
        cfg.helix_len,
        cfg.loop_len,
        cfg.axis_gap,
        truth.pairs(1).len(),
        cfg.cutoff,
        cfg.min_separation,
        cfg.field_std,
        cfg.coupling_std,
        main.n,
        cfg.chains,
        cfg.burn_in,
        cfg.thin,
        main.meff,
        100.0 * cfg.identity,
        mean_entropy / (q as f64).ln(),
    ));
    ctx.write_file("contacts_plmdca.tsv", to_tsv(&main.plm).as_bytes())?;
    ctx.write_file("contacts_mi.tsv", to_tsv(&main.mi).as_bytes())?;
    ctx.write_file("alignment.fa", r.msa.to_fasta().as_bytes())?;
    // The fold's contacts in the known-contacts format `--set contacts=` reads, so the
    // bring-your-own path can be run on this alignment.
    let mut known = format!(
        "# contacts of the simulated fold: 1-based i j, C-beta distance < {:.1} A\n",
        cfg.cutoff
    );
    for (i, j) in truth.pairs(1) {
        known.push_str(&format!("{} {}\n", i + 1, j + 1));
    }
    ctx.write_file("true_contacts.txt", known.as_bytes())?;

    // The contact map: true contacts in both triangles, plmDCA's top L above the diagonal, MI's
    // below, each split into correct and wrong.
    let residue = |i: usize| (i + 1) as f64;
    let true_points: Vec<(f64, f64)> = truth
        .pairs(1)
        .iter()
        .flat_map(|&(i, j)| [(residue(i), residue(j)), (residue(j), residue(i))])
        .collect();
    let split = |ranking: &[Pair], upper: bool, hit: bool| -> Vec<(f64, f64)> {
        ranking[..l.min(ranking.len())]
            .iter()
            .filter(|p| truth.contact(p.i, p.j) == hit)
            .map(|p| {
                if upper {
                    (residue(p.i), residue(p.j))
                } else {
                    (residue(p.j), residue(p.i))
                }
            })
            .collect()
    };
    report.figure(ctx.plot(
        "contact_map",
        &Plot::Scatter {
            labels: Labels::new(
                &format!(
                    "Top-L contacts (|i-j| >= {}): plmDCA above the diagonal, MI below",
                    cfg.min_separation
                ),
                "residue i",
                "residue j",
            ),
            series: vec![
                Series::new(
                    format!("true contact (C-beta < {:.0} A)", cfg.cutoff),
                    true_points,
                ),
                Series::new(
                    format!("plmDCA correct ({:.0} % of top L)", 100.0 * pl),
                    split(&main.plm, true, true),
                ),
                Series::new("plmDCA wrong", split(&main.plm, true, false)),
                Series::new(
                    format!("MI correct ({:.0} % of top L)", 100.0 * ml),
                    split(&main.mi, false, true),
                ),
                Series::new("MI wrong", split(&main.mi, false, false)),
            ],
        },
    )?);

    precision_vs_rank(
        ctx,
        report,
        truth,
        main.n,
        &[
            ("plmDCA (APC)", &main.plm),
            ("mutual information (APC)", &main.mi),
            ("planted couplings (APC)", r.planted),
        ],
    )?;

    // Precision against the amount of data.
    let mut by_size: Vec<&Analysis> = r.sweep.iter().chain(std::iter::once(main)).collect();
    by_size.sort_by_key(|a| a.n);
    let pick = |plm: bool| -> Vec<(f64, f64)> {
        by_size
            .iter()
            .map(|a| {
                let (p, m) = a.precision(truth, l / 2);
                (a.n as f64, if plm { p } else { m })
            })
            .collect()
    };
    report.figure(ctx.plot(
        "precision_vs_sequences",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Precision at L/2 vs alignment depth ({couplings} coupling parameters, L = {l}, q = {q})"
                ),
                "sequences",
                "precision at L/2",
            ),
            series: vec![
                Series::new("plmDCA (APC)", pick(true)),
                Series::new("mutual information (APC)", pick(false)),
            ],
            log_y: false,
        },
    )?);

    // Learned against planted coupling strength for every pair.
    let planted = r.potts.block_norms();
    let (mut reference, mut predicted) = (Vec::new(), Vec::new());
    for (i, (p_row, m_row)) in planted.iter().zip(&main.norms).enumerate() {
        reference.extend_from_slice(&p_row[i + 1..]);
        predicted.extend_from_slice(&m_row[i + 1..]);
    }
    report.figure(ctx.plot(
        "coupling_recovery",
        &Plot::Parity {
            labels: Labels::new(
                "Coupling block norms (zero-sum gauge): plmDCA vs planted",
                "planted ||J_ij||",
                "plmDCA ||J_ij||",
            ),
            reference,
            predicted,
        },
    )?);
    Ok(())
}

/// The ranking of a user's alignment as a tab-separated list: 1-based query columns `i`, `j`,
/// the query's letters at them, the score, and with known contacts `known` (1 for a contact).
fn own_tsv(ranking: &[Pair], query: &[char], known: Option<&ContactMap>) -> String {
    let mut out = String::from("i\tj\taa_i\taa_j\tscore");
    out.push_str(if known.is_some() { "\tknown\n" } else { "\n" });
    for p in ranking {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{:.6}",
            p.i + 1,
            p.j + 1,
            query[p.i],
            query[p.j],
            p.score
        ));
        if let Some(k) = known {
            out.push_str(if k.contact(p.i, p.j) { "\t1" } else { "\t0" });
        }
        out.push('\n');
    }
    out
}

/// The report on a user's alignment: precision only against known contacts.
pub(super) fn write_own(
    cfg: &ContactsConfig,
    ctx: &mut RunContext,
    report: &mut Report,
    own: &Alignment,
    known: Option<&Known>,
    main: &Analysis,
) -> Result<()> {
    let (l, q) = (own.l(), own.msa.q);
    let couplings = l * (l - 1) / 2 * q * q;
    let entropy = own.msa.column_entropy();
    let mean_entropy = entropy.iter().sum::<f64>() / entropy.len().max(1) as f64;
    let per_residue = main.meff / l as f64;
    report.metric("residues", l as f64);
    report.metric("q", q as f64);
    report.metric("sequences", main.n as f64);
    report.metric("effective_sequences", main.meff);
    report.metric("effective_sequences_per_residue", per_residue);
    report.metric("coupling_parameters", couplings as f64);
    report.metric("gap_fraction", own.gap_fraction());
    report.metric(
        "mean_column_entropy_over_log_q",
        mean_entropy / (q as f64).ln(),
    );
    report.metric("plmdca_final_objective", main.final_loss);
    let truth = known.map(|k| &k.map);
    let mut note = format!(
        "Your alignment {}: {} sequences over the {l} match columns of the query `{}` ({} insertion letters dropped, {} ambiguity codes read as gaps, {:.1} % gaps), effective number {:.0} at {:.0} % identity ({per_residue:.1} per column). Potts model over q = 21 states (20 amino acids and the gap), {couplings} coupling parameters. ",
        own.path.display(),
        main.n,
        own.query_id(),
        own.insertions,
        own.ambiguous,
        100.0 * own.gap_fraction(),
        main.meff,
        100.0 * cfg.identity,
    );
    if per_residue < 5.0 {
        note.push_str("Fewer than 5 effective sequences per column: expect few correct contacts (plmDCA needs hundreds to thousands of effective sequences). ");
    }
    let (pl, ml) = match known {
        Some(k) => {
            let truth = &k.map;
            let (plm_half, mi_half) = main.precision(truth, l / 2);
            report.check(
                "plmdca_minus_mi_precision_at_L2",
                plm_half - mi_half,
                Goal::AtLeast(0.0),
                "plmDCA at least as precise as the MI baseline at L/2 against your known contacts",
            );
            for (name, k) in levels(l) {
                let (p, m) = main.precision(truth, k);
                report.metric(&format!("plmdca_precision_at_{name}"), p);
                report.metric(&format!("mi_precision_at_{name}"), m);
            }
            let long_range = truth.pairs(cfg.min_separation).len();
            report.metric("contacts_long_range", long_range as f64);
            report.metric("contacts_all", truth.pairs(1).len() as f64);
            let (pl, ml) = main.precision(truth, l);
            note.push_str(&format!(
                "Known contacts from {}: {} pairs, {long_range} with |i - j| >= {}. Precision at L/2: plmDCA {plm_half:.3}, MI {mi_half:.3} (at L: {pl:.3} vs {ml:.3}). ",
                k.source,
                truth.pairs(1).len(),
                cfg.min_separation
            ));
            (Some(pl), Some(ml))
        }
        None => {
            let why = "no known contacts: set contacts=FILE (a list of pairs or a PDB structure) to measure precision";
            report.skip("plmdca_minus_mi_precision_at_L2", why);
            report.skip("plmdca_precision_at_L2", why);
            note.push_str("No known contacts given: the rankings are predictions, with no precision measured. ");
            (None, None)
        }
    };
    note.push_str(&format!(
        "Ranked lists: contacts_plmdca.tsv, contacts_mi.tsv (1-based query columns i, j, the query's letters, APC score{}; pairs with |i - j| >= {}); the alignment as fitted: alignment.fa.",
        if known.is_some() { ", known contact 1/0" } else { "" },
        cfg.min_separation
    ));
    report.note(note);
    let query: Vec<char> = own.query.chars().collect();
    ctx.write_file(
        "contacts_plmdca.tsv",
        own_tsv(&main.plm, &query, truth).as_bytes(),
    )?;
    ctx.write_file(
        "contacts_mi.tsv",
        own_tsv(&main.mi, &query, truth).as_bytes(),
    )?;
    ctx.write_file("alignment.fa", own.to_fasta().as_bytes())?;

    // The predicted top L of both methods, over the known contacts when there are any.
    let col = |i: usize| (i + 1) as f64;
    let top = |ranking: &[Pair], upper: bool, hit: Option<bool>| -> Vec<(f64, f64)> {
        ranking[..l.min(ranking.len())]
            .iter()
            .filter(|p| hit.is_none_or(|h| truth.is_some_and(|t| t.contact(p.i, p.j)) == h))
            .map(|p| {
                if upper {
                    (col(p.i), col(p.j))
                } else {
                    (col(p.j), col(p.i))
                }
            })
            .collect()
    };
    let series = match (truth, pl, ml) {
        (Some(t), Some(pl), Some(ml)) => vec![
            Series::new(
                format!("known contact ({})", t.pairs(1).len()),
                t.pairs(1)
                    .iter()
                    .flat_map(|&(i, j)| [(col(i), col(j)), (col(j), col(i))])
                    .collect(),
            ),
            Series::new(
                format!("plmDCA correct ({:.0} % of top L)", 100.0 * pl),
                top(&main.plm, true, Some(true)),
            ),
            Series::new("plmDCA wrong", top(&main.plm, true, Some(false))),
            Series::new(
                format!("MI correct ({:.0} % of top L)", 100.0 * ml),
                top(&main.mi, false, Some(true)),
            ),
            Series::new("MI wrong", top(&main.mi, false, Some(false))),
        ],
        _ => vec![
            Series::new("plmDCA top L", top(&main.plm, true, None)),
            Series::new("MI top L", top(&main.mi, false, None)),
        ],
    };
    report.figure(ctx.plot(
        "contact_map",
        &Plot::Scatter {
            labels: Labels::new(
                &format!(
                    "Top-L contacts (|i-j| >= {}): plmDCA above the diagonal, MI below",
                    cfg.min_separation
                ),
                "query column i",
                "query column j",
            ),
            series,
        },
    )?);
    if let Some(t) = truth {
        precision_vs_rank(
            ctx,
            report,
            t,
            main.n,
            &[
                ("plmDCA (APC)", &main.plm),
                ("mutual information (APC)", &main.mi),
            ],
        )?;
    }
    Ok(())
}
