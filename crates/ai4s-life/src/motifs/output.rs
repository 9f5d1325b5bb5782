//! The motifs task's report: metrics and goals, figures, the MEME (and, for your own data,
//! JASPAR) files and the logos.

use super::byo::OwnData;
use super::experiment::{Fitted, Outcome, recover};
use super::pwm::{aligned_to, logo_svg, to_jaspar, to_meme};
use super::sequences::{BASES, Background, Pwm, column_ic};
use super::{MotifSet, MotifsConfig};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::report::Figure;
use ai4s_core::{Goal, Report, Result, RunContext};

/// Everything the task measured.
pub(super) struct Results<'a> {
    pub bg: &'a Background,
    pub main: &'a MotifSet,
    pub best: &'a Outcome,
    /// The information sweep: bits, planted motif, outcome.
    pub by_bits: &'a [(f64, Pwm, Outcome)],
    /// The training-size sweep: sequences, CNN AUC, k-mer AUC (the default size included).
    pub by_size: &'a [(usize, f64, f64)],
}

/// Letter heights `p_j(b) IC_j` (bits) of a PWM: four rows (A, C, G, T) by columns.
fn heights(p: &Pwm) -> Vec<Vec<f64>> {
    (0..4)
        .map(|b| p.cols.iter().map(|c| c[b] * column_ic(c)).collect())
        .collect()
}

pub(super) fn write(
    cfg: &MotifsConfig,
    ctx: &mut RunContext,
    report: &mut Report,
    r: &Results,
) -> Result<()> {
    let (main, best) = (r.main, r.best);
    let a = best.alignment;
    report.check(
        "cnn_minus_kmer_auc",
        best.cnn_auc - best.kmer_auc,
        Goal::AtLeast(0.0),
        "issue goal: CNN AUC >= k-mer AUC on the default set (held-out sequences)",
    );
    report.check(
        "motif_correlation",
        a.correlation,
        Goal::AtLeast(0.8),
        "issue goal: the planted motif recovered from the first-layer filter, mean column-wise Pearson correlation at the best offset and strand >= 0.8",
    );
    report.metric("cnn_auc", best.cnn_auc);
    report.metric("kmer_auc", best.kmer_auc);
    report.metric("planted_bits", main.pwm.information());
    // Sites picked by a threshold on the filter are nearer the consensus than the planted
    // distribution, so the learned motif carries more information than the planted one.
    report.metric(
        "learned_bits",
        aligned_to(&best.learned, &main.pwm, &a).information(),
    );
    report.metric("motif_sites", best.sites as f64);
    report.metric("motif_filter_val_auc", best.filter_auc);
    report.metric("motif_reverse_strand", if a.reverse { 1.0 } else { 0.0 });
    report.metric("kmer_lambda", best.kmer_lambda);
    report.metric("cnn_best_epoch", best.best_epoch as f64);

    // Information sweep, the default motif included.
    let mut sweep: Vec<(f64, f64, f64, f64)> = r
        .by_bits
        .iter()
        .map(|(b, _, o)| (*b, o.cnn_auc, o.kmer_auc, o.alignment.correlation))
        .collect();
    sweep.push((main.bits, best.cnn_auc, best.kmer_auc, a.correlation));
    sweep.sort_by(|x, y| x.0.total_cmp(&y.0));
    for (b, c, k, corr) in &sweep {
        report.metric(&format!("cnn_auc_{b}_bits"), *c);
        report.metric(&format!("kmer_auc_{b}_bits"), *k);
        report.metric(&format!("motif_correlation_{b}_bits"), *corr);
    }
    for (n, c, k) in r.by_size {
        report.metric(&format!("cnn_auc_{n}_train"), *c);
        report.metric(&format!("kmer_auc_{n}_train"), *k);
    }
    report.note(format!(
        "{} training, {} validation, {} test sequences of {} bp (GC {:.2}, CpG o/e {:.2}); motif of {} columns and {:.1} bits. Test AUC: CNN {:.3}, k-mers (k = {:?}, lambda {}) {:.3}. Recovered motif: {} sites from the best of {} filters, correlation {:.3} with the planted PWM (offset {}, {} strand). The logo (learned above planted) is logos.svg, drawn by this task because the plot module has no logo kind; motif_logo.svg/png shows the same letter heights as a heat map. PWMs in MEME format: learned_motifs.meme, planted_motifs.meme.",
        cfg.train_seqs,
        cfg.val_seqs,
        cfg.test_seqs,
        cfg.seq_len,
        cfg.gc_content,
        cfg.cpg_ratio,
        cfg.motif_width,
        main.pwm.information(),
        best.cnn_auc,
        cfg.kmer_sizes,
        best.kmer_lambda,
        best.kmer_auc,
        best.sites,
        cfg.filters,
        a.correlation,
        a.offset,
        if a.reverse { "reverse" } else { "forward" }
    ));

    // MEME files and logos.
    let mut learned = vec![(
        format!("learned_{:.0}bits", main.bits),
        &best.learned,
        best.sites,
    )];
    let mut planted = vec![(format!("planted_{:.0}bits", main.bits), &main.pwm, 0)];
    let mut logos = vec![
        (
            format!(
                "learned ({:.0}-bit motif, {} sites, r = {:.2})",
                main.bits, best.sites, a.correlation
            ),
            aligned_to(&best.learned, &main.pwm, &a),
        ),
        (
            format!("planted ({:.1} bits)", main.pwm.information()),
            main.pwm.clone(),
        ),
    ];
    for (b, pwm, o) in r.by_bits {
        learned.push((format!("learned_{b:.0}bits"), &o.learned, o.sites));
        planted.push((format!("planted_{b:.0}bits"), pwm, 0));
        logos.push((
            format!(
                "learned ({b:.0}-bit motif, {} sites, r = {:.2})",
                o.sites, o.alignment.correlation
            ),
            aligned_to(&o.learned, pwm, &o.alignment),
        ));
        logos.push((
            format!("planted ({:.1} bits)", pwm.information()),
            pwm.clone(),
        ));
    }
    ctx.write_file(
        "learned_motifs.meme",
        to_meme(&learned, &r.bg.stationary).as_bytes(),
    )?;
    ctx.write_file(
        "planted_motifs.meme",
        to_meme(&planted, &r.bg.stationary).as_bytes(),
    )?;
    let rows: Vec<(String, &Pwm)> = logos.iter().map(|(t, p)| (t.clone(), p)).collect();
    ctx.write_file("logos.svg", logo_svg(&rows).as_bytes())?;

    // Figures.
    report.figure(ctx.plot(
        "roc",
        &Plot::Line {
            labels: Labels::new(
                &format!("ROC on held-out sequences ({:.0}-bit motif)", main.bits),
                "false positive rate",
                "true positive rate",
            ),
            series: vec![
                Series::new(
                    format!("DeepBind-style CNN, AUC {:.3}", best.cnn_auc),
                    best.cnn_roc.clone(),
                ),
                Series::new(
                    format!("k-mer logistic regression, AUC {:.3}", best.kmer_auc),
                    best.kmer_roc.clone(),
                ),
                Series::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]),
            ],
            log_y: false,
        },
    )?);
    let mut heat = heights(&logos[0].1);
    heat.extend(heights(&main.pwm));
    let mut row_ticks: Vec<String> = BASES.iter().map(|b| format!("learned {b}")).collect();
    row_ticks.extend(BASES.iter().map(|b| format!("planted {b}")));
    report.figure(ctx.plot(
        "motif_logo",
        &Plot::Heatmap {
            labels: Labels::new(
                &format!(
                    "Letter heights p x IC (bits): learned (top) vs planted, r = {:.2}",
                    a.correlation
                ),
                "motif position",
                "",
            ),
            values: heat,
            col_ticks: (1..=main.pwm.width()).map(|j| j.to_string()).collect(),
            row_ticks,
            annotate: false,
        },
    )?);
    let pick = |f: fn(&(f64, f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
        sweep.iter().map(|s| (s.0, f(s))).collect()
    };
    report.figure(ctx.plot(
        "auc_vs_information",
        &Plot::Line {
            labels: Labels::new(
                "Held-out AUC vs motif information content",
                "motif information content (bits)",
                "AUC; motif correlation",
            ),
            series: vec![
                Series::new("CNN", pick(|s| s.1)),
                Series::new("k-mer regression", pick(|s| s.2)),
                Series::new("motif correlation (CNN filter)", pick(|s| s.3)),
            ],
            log_y: false,
        },
    )?);
    report.figure(ctx.plot(
        "auc_vs_training_size",
        &Plot::Line {
            labels: Labels::new(
                &format!(
                    "Held-out AUC vs training sequences ({:.0}-bit motif)",
                    main.bits
                ),
                "training sequences",
                "AUC",
            ),
            series: vec![
                Series::new("CNN", r.by_size.iter().map(|s| (s.0 as f64, s.1)).collect()),
                Series::new(
                    "k-mer regression",
                    r.by_size.iter().map(|s| (s.0 as f64, s.2)).collect(),
                ),
            ],
            log_y: false,
        },
    )?);
    Ok(())
}

/// Motifs written for your own data: those of the most discriminative filters.
const OWN_MOTIFS: usize = 3;

fn roc_plot(ctx: &RunContext, title: &str, f: &Fitted) -> Result<Figure> {
    ctx.plot(
        "roc",
        &Plot::Line {
            labels: Labels::new(title, "false positive rate", "true positive rate"),
            series: vec![
                Series::new(
                    format!("DeepBind-style CNN, AUC {:.3}", f.cnn_auc),
                    f.cnn_roc.clone(),
                ),
                Series::new(
                    format!("k-mer logistic regression, AUC {:.3}", f.kmer_auc),
                    f.kmer_roc.clone(),
                ),
                Series::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]),
            ],
            log_y: false,
        },
    )
}

/// The report on the user's own sequences: held-out AUCs, the learned motifs as MEME, JASPAR
/// and logos; the planted-motif goals are skipped.
pub(super) fn write_own(
    cfg: &MotifsConfig,
    ctx: &mut RunContext,
    report: &mut Report,
    d: &OwnData,
    f: &Fitted,
) -> Result<()> {
    let reason = "your own data: no planted motif to compare the learned one with";
    report.skip("motif_correlation", reason);
    report.skip(
        "cnn_minus_kmer_auc",
        "your own data: which model ranks better is measured (metric cnn_minus_kmer_auc), not assumed",
    );
    report.metric("cnn_auc", f.cnn_auc);
    report.metric("kmer_auc", f.kmer_auc);
    report.metric("cnn_minus_kmer_auc", f.cnn_auc - f.kmer_auc);

    // Filters ranked by validation AUC; the motif of each of the best few.
    let mut ranked: Vec<(usize, f64)> = f.filter_auc.iter().copied().enumerate().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(OWN_MOTIFS);
    let motifs: Vec<(usize, f64, Pwm, usize)> = ranked
        .iter()
        .map(|&(k, auc)| {
            let (pwm, sites) = recover(cfg, f, &d.test, k);
            (k, auc, pwm, sites)
        })
        .collect();
    if let Some((_, auc, pwm, sites)) = motifs.first() {
        report.metric("motif_filter_val_auc", *auc);
        report.metric("motif_sites", *sites as f64);
        report.metric("learned_bits", pwm.information());
    }
    report.metric("kmer_lambda", f.kmer_lambda);
    report.metric("cnn_best_epoch", f.best_epoch as f64);
    let count = |part: u8, label: bool| {
        d.part
            .iter()
            .zip(&d.records)
            .filter(|(p, r)| **p == part && r.label == label)
            .count() as f64
    };
    for (p, name) in ["train", "val", "test"].iter().enumerate() {
        report.metric(&format!("{name}_positives"), count(p as u8, true));
        report.metric(&format!("{name}_negatives"), count(p as u8, false));
    }
    let mean_len = |label: bool| {
        let l: Vec<f64> = d
            .records
            .iter()
            .filter(|r| r.label == label)
            .map(|r| r.seq.len() as f64)
            .collect();
        l.iter().sum::<f64>() / l.len().max(1) as f64
    };
    let (len_pos, len_neg) = (mean_len(true), mean_len(false));
    report.metric("mean_length_positives", len_pos);
    report.metric("mean_length_negatives", len_neg);
    let ambiguous = d
        .records
        .iter()
        .map(|r| r.seq.iter().filter(|&&b| b >= 4).count())
        .sum::<usize>();
    report.metric("ambiguous_bases", ambiguous as f64);
    let source = if cfg.sequences.is_empty() {
        format!("{} (bound) and {} (unbound)", cfg.positives, cfg.negatives)
    } else {
        format!("{} (labels in the headers)", cfg.sequences)
    };
    report.note(format!(
        "Your own data: {source}, {} sequences of {}-{} bp (padded to {} with empty columns; {ambiguous} N or ambiguous bases), split per class into {} training, {} validation, {} test (splits.csv). Held-out test AUC: CNN {:.3}, k-mers (k = {:?}, lambda {}) {:.3}. No planted motif, so no recovery check and no sweeps. Motifs of the {} filters with the best validation AUC ({}) from their sites in the test sequences: learned_motifs.meme (MEME), learned_motifs.jaspar (JASPAR counts), logos.svg.",
        d.records.len(),
        d.records.iter().map(|r| r.seq.len()).min().unwrap_or(0),
        d.len,
        d.len,
        d.train.len(),
        d.val.len(),
        d.test.len(),
        f.cnn_auc,
        cfg.kmer_sizes,
        f.kmer_lambda,
        f.kmer_auc,
        motifs.len(),
        motifs
            .iter()
            .map(|m| format!("filter {} AUC {:.3}, {} sites", m.0, m.1, m.3))
            .collect::<Vec<_>>()
            .join("; "),
    ));
    if (len_pos - len_neg).abs() > 0.1 * len_pos.min(len_neg) {
        report.note(format!(
            "Warning: bound sequences average {len_pos:.0} bp and unbound {len_neg:.0} bp; both models can tell the classes apart by length alone. Trim both to windows of equal length for a fair test."
        ));
    }

    let names: Vec<(String, String)> = motifs
        .iter()
        .enumerate()
        .map(|(r, m)| {
            (
                format!("learned_{}_filter{}", r + 1, m.0),
                format!("val_auc={:.3}", m.1),
            )
        })
        .collect();
    let meme: Vec<(String, &Pwm, usize)> = motifs
        .iter()
        .zip(&names)
        .map(|(m, n)| (n.0.clone(), &m.2, m.3))
        .collect();
    ctx.write_file(
        "learned_motifs.meme",
        to_meme(&meme, &d.background).as_bytes(),
    )?;
    let jaspar: Vec<(String, String, &Pwm, usize)> = motifs
        .iter()
        .zip(&names)
        .map(|(m, n)| (n.0.clone(), n.1.clone(), &m.2, m.3))
        .collect();
    ctx.write_file("learned_motifs.jaspar", to_jaspar(&jaspar).as_bytes())?;
    let rows: Vec<(String, &Pwm)> = motifs
        .iter()
        .map(|m| {
            (
                format!(
                    "filter {} (validation AUC {:.3}, {} sites, {:.1} bits)",
                    m.0,
                    m.1,
                    m.3,
                    m.2.information()
                ),
                &m.2,
            )
        })
        .collect();
    ctx.write_file("logos.svg", logo_svg(&rows).as_bytes())?;

    report.figure(roc_plot(
        ctx,
        "ROC on held-out test sequences (your data)",
        f,
    )?);
    let mut heat = Vec::new();
    let mut row_ticks = Vec::new();
    for m in &motifs {
        heat.extend(heights(&m.2));
        row_ticks.extend(BASES.iter().map(|b| format!("filter {} {b}", m.0)));
    }
    report.figure(ctx.plot(
        "motif_logo",
        &Plot::Heatmap {
            labels: Labels::new(
                "Letter heights p x IC (bits) of the learned motifs",
                "motif position",
                "",
            ),
            values: heat,
            col_ticks: (1..=cfg.filter_width).map(|j| j.to_string()).collect(),
            row_ticks,
            annotate: false,
        },
    )?);
    Ok(())
}
