//! Gene regulation: finding transcription-factor binding sites in DNA.
//!
//! Sequences come from a Markov background with human-like composition; half carry one site of
//! a planted motif (a PWM of chosen information content) at a random position and strand
//! ([`sequences`]). A DeepBind-style CNN that scans both strands ([`cnn`]; Alipanahi et al. 2015)
//! is compared with k-mer counts and L2 logistic regression ([`kmer`]) by held-out ROC/AUC, on
//! the default motif, on motifs of other information content, and on smaller training sets.
//! The motif is read back from the most discriminative first-layer filter as a PWM, aligned to
//! the planted one by column-wise Pearson correlation over offsets and strands, written in MEME
//! format and drawn as sequence logos (Schneider & Stephens 1990) learned above planted ([`pwm`]).
//!
//! Your own data: `--set positives=BOUND.fa --set negatives=UNBOUND.fa`, or one file with the
//! label in every header, `--set sequences=LABELLED.fa` (formats, letters, lengths and the
//! stratified train/validation/test split in [`byo`]). The same CNN and k-mer baseline are
//! trained and scored by held-out test AUC (`cnn_auc`, `kmer_auc`); with no planted motif there
//! is no recovery check and no sweeps. The motifs of the most discriminative filters
//! (validation AUC) are read back as above and written as `learned_motifs.meme`,
//! `learned_motifs.jaspar` and `logos.svg`, with `splits.csv` naming the part of every record.

pub mod byo;
pub mod cnn;
pub mod experiment;
pub mod kmer;
mod output;
pub mod pwm;
pub mod sequences;

use ai4s_core::error::ensure;
use ai4s_core::train::TrainSettings;
use ai4s_core::{Area, Report, Result, RunContext, Task, TaskConfig};
use experiment::{Held, Outcome};
use rand::{SeedableRng, rngs::StdRng};
use sequences::{Background, Dataset, Pwm};
use serde::{Deserialize, Serialize};

/// Configuration of [`Motifs`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MotifsConfig {
    /// Your own bound sequences, a FASTA file (with `negatives`; empty: simulated data).
    pub positives: String,
    /// Your own unbound sequences, a FASTA file (with `positives`).
    pub negatives: String,
    /// Your own sequences in one FASTA file, each header carrying its label (`label=1`,
    /// `label=0`, or a final word 1/0/pos/neg); instead of `positives` and `negatives`.
    pub sequences: String,
    /// Fraction of each class of your own data held out for validation.
    pub val_fraction: f64,
    /// Fraction of each class of your own data held out for the test.
    pub test_fraction: f64,
    /// Bases per sequence.
    pub seq_len: usize,
    /// GC content of the background (human genome: about 0.41).
    pub gc_content: f64,
    /// CpG observed/expected ratio of the background (human bulk DNA: about 0.25).
    pub cpg_ratio: f64,
    /// Columns of every planted motif.
    pub motif_width: usize,
    /// Information content in bits of the default set's motif.
    pub motif_bits: f64,
    /// Information contents of further motifs for the AUC-vs-information sweep.
    pub bits_sweep: Vec<f64>,
    /// Training sequences of every set (half carry a site).
    pub train_seqs: usize,
    /// Smaller training sets of the default motif for the AUC-vs-data sweep.
    pub size_sweep: Vec<usize>,
    /// Validation sequences (early stopping, the baseline's L2 strength, the motif filter).
    pub val_seqs: usize,
    /// Held-out test sequences on which every AUC and the recovered motif are measured.
    pub test_seqs: usize,
    /// Convolution filters (motif detectors).
    pub filters: usize,
    /// Width of the filters in bases (at least the motif width).
    pub filter_width: usize,
    /// Units of the dense layer.
    pub hidden: usize,
    /// Optimisation of the CNN.
    pub train: TrainSettings,
    /// k-mer lengths counted by the baseline (1..=8).
    pub kmer_sizes: Vec<usize>,
    /// L2 strengths tried by the baseline, chosen by validation AUC.
    pub kmer_l2: Vec<f64>,
    /// Full-batch Adam steps of the baseline per L2 strength.
    pub kmer_steps: usize,
    /// Windows whose response exceeds this fraction of the filter's top response count into
    /// the recovered PWM (DeepBind: 0.5).
    pub site_threshold: f64,
}

impl Default for MotifsConfig {
    fn default() -> Self {
        MotifsConfig {
            positives: String::new(),
            negatives: String::new(),
            sequences: String::new(),
            val_fraction: 0.1,
            test_fraction: 0.2,
            seq_len: 150,
            gc_content: 0.41,
            cpg_ratio: 0.25,
            motif_width: 12,
            motif_bits: 13.0,
            bits_sweep: vec![8.0, 10.0, 16.0, 19.0],
            train_seqs: 3000,
            size_sweep: vec![250, 500, 1000, 2000],
            val_seqs: 600,
            test_seqs: 2000,
            filters: 16,
            filter_width: 16,
            hidden: 32,
            train: TrainSettings {
                epochs: 40,
                batch_size: 64,
                lr: 3e-3,
                patience: 8,
                ..Default::default()
            },
            kmer_sizes: vec![4, 5, 6],
            kmer_l2: vec![100.0, 10.0, 1.0, 0.1],
            kmer_steps: 200,
            site_threshold: 0.5,
        }
    }
}

impl TaskConfig for MotifsConfig {
    fn quick() -> Self {
        let d = Self::default();
        MotifsConfig {
            bits_sweep: vec![8.0, 18.0],
            train_seqs: 2000,
            size_sweep: vec![500],
            val_seqs: 400,
            test_seqs: 1000,
            train: TrainSettings {
                epochs: 20,
                patience: 5,
                ..d.train.clone()
            },
            kmer_l2: vec![100.0, 10.0, 1.0],
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        self.validate_own_data()?;
        ensure((20..=2000).contains(&self.seq_len), "seq_len", || {
            format!("must be 20..=2000, got {}", self.seq_len)
        })?;
        ensure(
            self.gc_content.is_finite() && (0.2..=0.8).contains(&self.gc_content),
            "gc_content",
            || format!("must be in [0.2, 0.8], got {}", self.gc_content),
        )?;
        ensure(
            self.cpg_ratio.is_finite() && (0.05..=1.0).contains(&self.cpg_ratio),
            "cpg_ratio",
            || format!("must be in [0.05, 1], got {}", self.cpg_ratio),
        )?;
        ensure(
            (4..=30).contains(&self.motif_width) && self.motif_width < self.seq_len,
            "motif_width",
            || format!("must be 4..=30 and below seq_len, got {}", self.motif_width),
        )?;
        let max_bits = 1.95 * self.motif_width as f64;
        for (field, bits) in std::iter::once(("motif_bits", &self.motif_bits))
            .chain(self.bits_sweep.iter().map(|b| ("bits_sweep", b)))
        {
            ensure(
                bits.is_finite() && *bits >= 0.2 * self.motif_width as f64 && *bits <= max_bits,
                field,
                || {
                    format!(
                        "must lie between 0.2 and 1.95 bits per column ({:.1}..={max_bits:.1} for width {}), got {bits}",
                        0.2 * self.motif_width as f64,
                        self.motif_width
                    )
                },
            )?;
        }
        for (field, n) in [
            ("train_seqs", self.train_seqs),
            ("val_seqs", self.val_seqs),
            ("test_seqs", self.test_seqs),
        ] {
            ensure((20..=200_000).contains(&n), field, || {
                format!("must be 20..=200000, got {n}")
            })?;
        }
        ensure(
            self.size_sweep
                .iter()
                .all(|&n| (20..self.train_seqs).contains(&n)),
            "size_sweep",
            || {
                format!(
                    "every size must be at least 20 and below train_seqs ({}), got {:?}",
                    self.train_seqs, self.size_sweep
                )
            },
        )?;
        ensure((1..=256).contains(&self.filters), "filters", || {
            format!("must be 1..=256, got {}", self.filters)
        })?;
        ensure(
            self.filter_width >= self.motif_width.min(8) && self.filter_width <= self.seq_len,
            "filter_width",
            || {
                format!(
                    "must be at least min(motif_width, 8) and at most seq_len ({}), got {}",
                    self.seq_len, self.filter_width
                )
            },
        )?;
        ensure((1..=1024).contains(&self.hidden), "hidden", || {
            format!("must be 1..=1024, got {}", self.hidden)
        })?;
        ensure(
            !self.kmer_sizes.is_empty() && self.kmer_sizes.iter().all(|&k| (1..=8).contains(&k)),
            "kmer_sizes",
            || format!("need 1..=8 for every k, got {:?}", self.kmer_sizes),
        )?;
        ensure(
            !self.kmer_l2.is_empty() && self.kmer_l2.iter().all(|l| l.is_finite() && *l >= 0.0),
            "kmer_l2",
            || format!("need non-negative finite strengths, got {:?}", self.kmer_l2),
        )?;
        ensure(
            (1..=100_000).contains(&self.kmer_steps),
            "kmer_steps",
            || format!("must be 1..=100000, got {}", self.kmer_steps),
        )?;
        ensure(
            self.site_threshold.is_finite() && (0.0..1.0).contains(&self.site_threshold),
            "site_threshold",
            || format!("must be in [0, 1), got {}", self.site_threshold),
        )?;
        self.train.validate("train")
    }
}

impl MotifsConfig {
    fn validate_own_data(&self) -> Result<()> {
        ensure(
            self.sequences.is_empty() || (self.positives.is_empty() && self.negatives.is_empty()),
            "sequences",
            || {
                "give either sequences= (one file, labels in the headers) or positives= and negatives=, not both".into()
            },
        )?;
        for (field, set, other, other_set) in [
            ("positives", &self.positives, "negatives", &self.negatives),
            ("negatives", &self.negatives, "positives", &self.positives),
        ] {
            ensure(set.is_empty() || !other_set.is_empty(), other, || {
                format!(
                    "{field}= needs {other}= too (a FASTA file of the other class), or give one labelled file with sequences="
                )
            })?;
        }
        for (field, path) in [
            ("positives", &self.positives),
            ("negatives", &self.negatives),
            ("sequences", &self.sequences),
        ] {
            ensure(
                path.is_empty() || std::path::Path::new(path).is_file(),
                field,
                || format!("no such file: `{path}`"),
            )?;
        }
        ensure(
            self.val_fraction.is_finite() && (0.05..=0.4).contains(&self.val_fraction),
            "val_fraction",
            || format!("must lie in [0.05, 0.4], got {}", self.val_fraction),
        )?;
        ensure(
            self.test_fraction.is_finite()
                && (0.05..=0.5).contains(&self.test_fraction)
                && self.val_fraction + self.test_fraction <= 0.6,
            "test_fraction",
            || {
                format!(
                    "must lie in [0.05, 0.5] and leave at least 40 % for training with val_fraction ({}), got {}",
                    self.val_fraction, self.test_fraction
                )
            },
        )
    }
}

/// The motif, its data and the experiment on them, for one information content.
struct MotifSet {
    bits: f64,
    pwm: Pwm,
    train: Dataset,
    val: Dataset,
    test: Dataset,
}

fn motif_set(cfg: &MotifsConfig, bg: &Background, bits: f64, seed: u64) -> MotifSet {
    let mut rng = StdRng::seed_from_u64(seed);
    let pwm = Pwm::random(cfg.motif_width, bits, &mut rng);
    let mut data = |n: usize| Dataset::simulate(n, cfg.seq_len, bg, &pwm, &mut rng);
    let (train, val, test) = (
        data(cfg.train_seqs),
        data(cfg.val_seqs),
        data(cfg.test_seqs),
    );
    MotifSet {
        bits,
        pwm,
        train,
        val,
        test,
    }
}

/// Transcription-factor binding sites: DeepBind-style CNN vs k-mer logistic regression.
pub struct Motifs;

impl Task for Motifs {
    type Config = MotifsConfig;

    fn name(&self) -> &'static str {
        "motifs"
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Life
    }

    fn description(&self) -> &'static str {
        "gene regulation: transcription-factor binding sites, DeepBind-style CNN vs k-mer regression, motif recovered as a PWM and logo"
    }

    fn demonstrates(&self) -> &'static str {
        "Gene regulation: most of the genome does not code for proteins but controls expression through short binding motifs. DNA sequences with human-like composition, half carrying a planted transcription-factor motif on either strand; a DeepBind-style convolutional network scanning both strands is compared with k-mer counts and logistic regression by held-out ROC/AUC, across motif information content and training-set size. The motif is read back from the network's first-layer filter as a position weight matrix, compared column by column with the planted one, written in MEME format and drawn as sequence logos. Bring your own sequences with --set positives=BOUND.fa --set negatives=UNBOUND.fa (or one FASTA with labels in the headers, --set sequences=FILE.fa): the same two models are scored by held-out test AUC and the learned motifs written in MEME and JASPAR format."
    }

    fn run(&self, cfg: &MotifsConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        if let Some(own) = byo::load(cfg, ctx.seed)? {
            let held = Held {
                val: &own.val,
                test: &own.test,
            };
            let fitted = experiment::fit_both(cfg, &own.train, &held, ctx, Some("cnn"), ctx.seed)?;
            ctx.save_module("cnn.bpk", &fitted.model)?;
            ctx.write_file("splits.csv", &byo::splits_csv(&own)?)?;
            output::write_own(cfg, ctx, &mut report, &own, &fitted)?;
            return Ok(report);
        }
        let bg = Background::new(cfg.gc_content, cfg.cpg_ratio);
        let seed = ctx.seed;
        let main = motif_set(cfg, &bg, cfg.motif_bits, seed ^ 0x6d6f_7469);
        let held = Held {
            val: &main.val,
            test: &main.test,
        };
        let best = experiment::run(cfg, &main.pwm, &main.train, &held, ctx, Some("cnn"), seed)?;
        ctx.save_module("cnn.bpk", &best.model)?;

        // Sweeps: other motifs (same sizes), and fewer training sequences of the default motif.
        let total = cfg.bits_sweep.len() + cfg.size_sweep.len();
        let mut bar = ctx.progress("sweeps", total as u64);
        let mut by_bits: Vec<(f64, Pwm, Outcome)> = Vec::new();
        for (k, &bits) in cfg.bits_sweep.iter().enumerate() {
            let set = motif_set(cfg, &bg, bits, seed ^ (0x6269_7473 + k as u64));
            let h = Held {
                val: &set.val,
                test: &set.test,
            };
            let o = experiment::run(cfg, &set.pwm, &set.train, &h, ctx, None, seed + k as u64)?;
            by_bits.push((set.bits, set.pwm, o));
            bar.inc(1);
        }
        let mut by_size: Vec<(usize, f64, f64)> = Vec::new();
        for (k, &n) in cfg.size_sweep.iter().enumerate() {
            let o = experiment::run(
                cfg,
                &main.pwm,
                &main.train.head(n),
                &held,
                ctx,
                None,
                seed + 100 + k as u64,
            )?;
            by_size.push((n, o.cnn_auc, o.kmer_auc));
            bar.inc(1);
        }
        bar.finish();
        by_size.push((cfg.train_seqs, best.cnn_auc, best.kmer_auc));
        by_size.sort_by_key(|e| e.0);

        let results = output::Results {
            bg: &bg,
            main: &main,
            best: &best,
            by_bits: &by_bits,
            by_size: &by_size,
        };
        output::write(cfg, ctx, &mut report, &results)?;
        Ok(report)
    }
}
