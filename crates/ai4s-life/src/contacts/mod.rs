//! Protein structure from sequence: residue contacts from co-evolution.
//!
//! Residues in contact in a protein's fold constrain each other's mutations, so they co-vary
//! across the family's alignment; the correlations reveal the contacts (Weigt et al., PNAS 106,
//! 67 (2009); Morcos et al., PNAS 108, E1293 (2011)), and the same signal in the alignment is
//! what AlphaFold's MSA input feeds on. Here the family is simulated where the answer is known:
//! a hand-made three-helix bundle gives the contact map ([`fold`]), a Potts model coupled on
//! exactly those contacts gives the sequence statistics, and Gibbs sampling draws the alignment
//! ([`potts`]), weighted at 80 % identity ([`msa`]). Pseudo-likelihood maximisation (plmDCA,
//! [`plm`]) fits a global Potts model and scores pairs by the Frobenius norm of their coupling
//! block with the average product correction ([`scores`]); column mutual information with the
//! same correction is the baseline ([`mi`]). Precision at L, L/2 and L/5 for pairs at least six
//! residues apart is measured on the default alignment and on smaller subsets of it.
//!
//! The alphabet is reduced to `q` residue classes (6 by default; [`msa::ALPHABET`]): the
//! coupling parameters grow as `L^2 q^2 / 2` (41 000 at `L = 48, q = 6`, 500 000 at `q = 21`),
//! and a reduced alphabet keeps the quick run within seconds on two cores while keeping the
//! sequences-per-parameter regime of real families (a few thousand sequences).
//!
//! # Bring your own alignment
//!
//! `ai4s run contacts --set msa=FILE` fits the same two methods to a family alignment of your
//! own, aligned FASTA or A3M ([`byo`]: lower-case letters and `.` are insertions and are
//! dropped, the ambiguity codes `X B Z J U O` become gaps, anything else is refused), over the
//! full alphabet of 20 amino acids plus the gap as a 21st state (`q = 21`, as plmDCA); the
//! columns are the query's (first record's) match columns and `q` and the fold settings are
//! not used. Sequences are reweighted at `identity` (0.8). With `--set contacts=FILE`, a list
//! of known contacts or a PDB structure ([`pdb`]: C-beta distance below `cutoff`, one chain
//! mapped to the query one to one; `--set chain=B` picks the chain), precision at L, L/2 and
//! L/5 is reported under the simulated run's metric names; without it, no precision is
//! claimed and the run reports the ranked predictions only. Either way the ranked lists
//! `contacts_plmdca.tsv` and `contacts_mi.tsv` give 1-based query columns, their letters and
//! the score, and `contact_map` shows the predicted top L. The precision-vs-depth sweep is
//! not run on a user's alignment.

pub mod byo;
pub mod fold;
pub mod mi;
pub mod msa;
mod output;
pub mod pdb;
pub mod plm;
pub mod potts;
pub mod scores;

use ai4s_core::burn::tensor::Device;
use ai4s_core::error::{Error, ensure};
use ai4s_core::{Area, Report, Result, RunContext, Task, TaskConfig};
use fold::{ContactMap, Fold};
use msa::Msa;
use plm::PlmSettings;
use potts::{Potts, Sampling};
use scores::{Pair, apc, frobenius_zero_sum, precision_at, ranked};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Configuration of [`Contacts`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactsConfig {
    /// Your own family alignment, aligned FASTA or A3M (empty: the simulated three-helix
    /// bundle family). See [`byo`].
    pub msa: String,
    /// Known contacts of your alignment's query: a list of 1-based column pairs or a PDB file
    /// (empty: none; no precision is measured). Needs `msa`.
    pub contacts: String,
    /// Chain of the `contacts` PDB file (empty: the first chain).
    pub chain: String,
    /// Residues per helix of the three-helix bundle.
    pub helix_len: usize,
    /// Residues per loop between helices.
    pub loop_len: usize,
    /// Distance between helix axes (A).
    pub axis_gap: f64,
    /// C-beta distance below which two residues are in contact (A); also the cut on a PDB
    /// file's or a contact list's distances.
    pub cutoff: f64,
    /// Smallest sequence separation `|i - j|` of a scored pair.
    pub min_separation: usize,
    /// Residue classes of the simulation's reduced alphabet (2..=8; a user's alignment always
    /// has 21 states).
    pub q: usize,
    /// Standard deviation of the planted fields (conservation).
    pub field_std: f64,
    /// Standard deviation of the planted couplings on contacts.
    pub coupling_std: f64,
    /// Sequences in the default alignment.
    pub sequences: usize,
    /// Smaller alignments (first sequences of the default one) for the precision-vs-data sweep.
    pub size_sweep: Vec<usize>,
    /// Independent Gibbs chains.
    pub chains: usize,
    /// Sweeps discarded at the start of every chain.
    pub burn_in: usize,
    /// Sweeps between kept sequences of a chain.
    pub thin: usize,
    /// Identity threshold of the sequence reweighting: each sequence weighs 1 / (number of
    /// sequences, itself included, with at least this fraction of identical columns, gaps
    /// included), as plmDCA's 0.8 (a sequence-identity cut of 80 %).
    pub identity: f64,
    /// Full-batch Adam steps of plmDCA.
    pub steps: usize,
    /// Peak learning rate of plmDCA (cosine decay).
    pub lr: f64,
    /// L2 strength on the fields.
    pub lambda_h: f64,
    /// L2 strength on the couplings.
    pub lambda_j: f64,
    /// Pseudocount weight of the MI baseline's frequencies.
    pub mi_pseudocount: f64,
}

impl Default for ContactsConfig {
    fn default() -> Self {
        ContactsConfig {
            msa: String::new(),
            contacts: String::new(),
            chain: String::new(),
            helix_len: 14,
            loop_len: 3,
            axis_gap: 10.0,
            cutoff: 8.0,
            min_separation: 6,
            q: 6,
            field_std: 1.0,
            coupling_std: 1.0,
            sequences: 4000,
            size_sweep: vec![100, 250, 500, 1000, 2000],
            chains: 200,
            burn_in: 200,
            thin: 10,
            identity: 0.8,
            steps: 300,
            lr: 0.05,
            lambda_h: 0.01,
            lambda_j: 0.01,
            mi_pseudocount: 0.05,
        }
    }
}

impl TaskConfig for ContactsConfig {
    fn quick() -> Self {
        ContactsConfig {
            sequences: 2000,
            size_sweep: vec![100, 300, 1000],
            steps: 200,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        for (field, value) in [("msa", &self.msa), ("contacts", &self.contacts)] {
            ensure(
                value.is_empty() || Path::new(value).is_file(),
                field,
                || format!("no such file `{value}`"),
            )?;
        }
        ensure(
            self.contacts.is_empty() || !self.msa.is_empty(),
            "contacts",
            || {
                "known contacts are for your own alignment: set msa=FILE as well (the simulated family has its own fold)".into()
            },
        )?;
        ensure(self.chain.chars().count() <= 1, "chain", || {
            format!("a PDB chain is one character, got `{}`", self.chain)
        })?;
        ensure(
            self.chain.is_empty() || !self.contacts.is_empty(),
            "chain",
            || "picks the chain of a contacts=FILE.pdb structure; set contacts as well".into(),
        )?;
        ensure((4..=40).contains(&self.helix_len), "helix_len", || {
            format!("must be 4..=40, got {}", self.helix_len)
        })?;
        ensure((1..=10).contains(&self.loop_len), "loop_len", || {
            format!("must be 1..=10, got {}", self.loop_len)
        })?;
        ensure(
            self.axis_gap.is_finite() && (7.0..=20.0).contains(&self.axis_gap),
            "axis_gap",
            || format!("must be in [7, 20] A, got {}", self.axis_gap),
        )?;
        ensure(
            self.cutoff.is_finite() && (4.0..=15.0).contains(&self.cutoff),
            "cutoff",
            || format!("must be in [4, 15] A, got {}", self.cutoff),
        )?;
        ensure(
            (1..=self.helix_len).contains(&self.min_separation),
            "min_separation",
            || {
                format!(
                    "must be 1..=helix_len ({}), got {}",
                    self.helix_len, self.min_separation
                )
            },
        )?;
        ensure((2..=msa::ALPHABET.len()).contains(&self.q), "q", || {
            format!("must be 2..={}, got {}", msa::ALPHABET.len(), self.q)
        })?;
        for (field, v) in [
            ("field_std", self.field_std),
            ("coupling_std", self.coupling_std),
        ] {
            ensure(v.is_finite() && (0.0..=5.0).contains(&v), field, || {
                format!("must be in [0, 5], got {v}")
            })?;
        }
        ensure(
            (20..=100_000).contains(&self.sequences),
            "sequences",
            || format!("must be 20..=100000, got {}", self.sequences),
        )?;
        ensure(
            self.size_sweep
                .iter()
                .all(|&n| (10..self.sequences).contains(&n)),
            "size_sweep",
            || {
                format!(
                    "every size must be at least 10 and below sequences ({}), got {:?}",
                    self.sequences, self.size_sweep
                )
            },
        )?;
        ensure(
            (1..=self.sequences).contains(&self.chains),
            "chains",
            || format!("must be 1..=sequences, got {}", self.chains),
        )?;
        ensure(self.burn_in <= 100_000, "burn_in", || {
            format!("must be at most 100000, got {}", self.burn_in)
        })?;
        ensure((1..=1000).contains(&self.thin), "thin", || {
            format!("must be 1..=1000, got {}", self.thin)
        })?;
        ensure(
            self.identity.is_finite() && self.identity > 0.0 && self.identity <= 1.0,
            "identity",
            || format!("must be in (0, 1], got {}", self.identity),
        )?;
        ensure((1..=100_000).contains(&self.steps), "steps", || {
            format!("must be 1..=100000, got {}", self.steps)
        })?;
        ensure(
            self.lr.is_finite() && self.lr > 0.0 && self.lr < 10.0,
            "lr",
            || format!("must be a positive number below 10, got {}", self.lr),
        )?;
        for (field, v) in [("lambda_h", self.lambda_h), ("lambda_j", self.lambda_j)] {
            ensure(v.is_finite() && v >= 0.0, field, || {
                format!("must be a non-negative number, got {v}")
            })?;
        }
        ensure(
            self.mi_pseudocount.is_finite() && (0.0..1.0).contains(&self.mi_pseudocount),
            "mi_pseudocount",
            || format!("must be in [0, 1), got {}", self.mi_pseudocount),
        )
    }
}

/// Contact predictions of both methods on one alignment.
pub(crate) struct Analysis {
    /// Sequences.
    n: usize,
    /// Effective number of sequences after reweighting.
    meff: f64,
    /// plmDCA pairs (APC-corrected Frobenius norms), best first.
    plm: Vec<Pair>,
    /// MI pairs (APC-corrected), best first.
    mi: Vec<Pair>,
    /// plmDCA coupling norms before the correction, `[i][j]`.
    norms: Vec<Vec<f64>>,
    /// The objective after the last step.
    final_loss: f64,
}

impl Analysis {
    fn precision(&self, truth: &ContactMap, k: usize) -> (f64, f64) {
        (
            precision_at(&self.plm, truth, k),
            precision_at(&self.mi, truth, k),
        )
    }
}

fn analyse(
    cfg: &ContactsConfig,
    msa: &Msa,
    device: &Device,
    ctx: Option<&mut RunContext>,
) -> Result<Analysis> {
    let weights = msa.weights(cfg.identity, device)?;
    let settings = PlmSettings {
        steps: cfg.steps,
        lr: cfg.lr,
        lambda_h: cfg.lambda_h,
        lambda_j: cfg.lambda_j,
    };
    let fit = plm::fit(msa, &weights, &settings, device, ctx, "plmdca")?;
    let norms = frobenius_zero_sum(&fit.j, msa.l(), msa.q);
    let f = apc(&norms);
    let m = apc(&mi::mutual_information(
        msa,
        &weights,
        cfg.mi_pseudocount,
        device,
    )?);
    Ok(Analysis {
        n: msa.n(),
        meff: weights.iter().sum(),
        plm: ranked(&f, cfg.min_separation),
        mi: ranked(&m, cfg.min_separation),
        norms,
        final_loss: fit.final_loss,
    })
}

/// Protein contacts from co-evolution: plmDCA vs mutual information.
pub struct Contacts;

impl Task for Contacts {
    type Config = ContactsConfig;

    fn name(&self) -> &'static str {
        "contacts"
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Life
    }

    fn description(&self) -> &'static str {
        "protein structure: residue contacts from co-evolution, plmDCA (pseudo-likelihood Potts model) vs mutual information, precision at L/2"
    }

    fn demonstrates(&self) -> &'static str {
        "Protein structure from sequence, the principle behind AlphaFold's MSA input: residues in contact co-evolve. A hand-made three-helix bundle gives the true contact map; a Potts model coupled on exactly those contacts, sampled by Gibbs MCMC, gives a family alignment, reweighted at 80 % identity. Pseudo-likelihood maximisation (plmDCA) fits a global Potts model in one batched tensor expression and ranks residue pairs by the corrected norm of their couplings; mutual information between columns is the baseline. Precision of the top L, L/2 and L/5 long-range pairs, the predicted contact maps over the true one, and precision against the number of sequences (L^2 q^2 parameters against the data). Bring your own family with --set msa=FILE.a3m (aligned FASTA or A3M, 21 states) and optionally --set contacts=FILE (a pair list or a PDB structure) to measure precision."
    }

    fn run(&self, cfg: &ContactsConfig, ctx: &mut RunContext) -> Result<Report> {
        if !cfg.msa.is_empty() {
            return run_own(cfg, ctx);
        }
        let mut report = Report::new();
        let fold = Fold::three_helix_bundle(cfg.helix_len, cfg.loop_len, cfg.axis_gap);
        let truth = fold.contact_map(cfg.cutoff);
        let seed = ctx.seed;
        let potts = Potts::planted(
            &truth,
            cfg.q,
            cfg.field_std,
            cfg.coupling_std,
            seed ^ 0x706f_7474,
        );
        let sampling = Sampling {
            chains: cfg.chains,
            burn_in: cfg.burn_in,
            thin: cfg.thin,
        };
        let msa = Msa {
            seqs: potts.sample(cfg.sequences, sampling, seed ^ 0x6d73_6100),
            q: cfg.q,
        };
        let device = ctx.device.clone();
        let main = analyse(cfg, &msa, &device, Some(ctx))?;

        let mut bar = ctx.progress("size sweep", cfg.size_sweep.len() as u64);
        let mut sweep = Vec::with_capacity(cfg.size_sweep.len() + 1);
        for &n in &cfg.size_sweep {
            sweep.push(analyse(cfg, &msa.head(n), &device, None)?);
            bar.inc(1);
        }
        bar.finish();
        let planted = ranked(&apc(&potts.block_norms()), cfg.min_separation);
        let results = output::Results {
            fold: &fold,
            truth: &truth,
            potts: &potts,
            msa: &msa,
            main: &main,
            sweep: &sweep,
            planted: &planted,
        };
        output::write(cfg, ctx, &mut report, &results)?;
        Ok(report)
    }
}

/// Bytes above which a user's alignment is refused rather than run out of memory: the
/// `[L q, L q]` couplings with their gradient and Adam moments, and the `[N, L q]` one-hot rows
/// and logits with their gradients, in `f32`.
const MEMORY_LIMIT: f64 = 64.0 * (1u64 << 30) as f64;

/// The run on a user's alignment (`msa`), with known contacts when `contacts` is set.
fn run_own(cfg: &ContactsConfig, ctx: &mut RunContext) -> Result<Report> {
    let own = byo::read_alignment(Path::new(&cfg.msa))?;
    let (n, l) = (own.msa.n(), own.l());
    if l <= cfg.min_separation {
        return Err(Error::data(
            &own.path,
            None,
            format!(
                "the query `{}` has {l} match columns: no pair is {} or more apart (min_separation)",
                own.query_id(),
                cfg.min_separation
            ),
        ));
    }
    let lq = (l * byo::Q) as f64;
    let bytes = 4.0 * (8.0 * lq * lq + 6.0 * n as f64 * lq);
    if bytes > MEMORY_LIMIT {
        return Err(Error::data(
            &own.path,
            None,
            format!(
                "{n} sequences of {l} columns would need about {:.0} GiB for plmDCA (limit {:.0}): filter the alignment (e.g. hhfilter -id 90) or cut it to a domain",
                bytes / (1u64 << 30) as f64,
                MEMORY_LIMIT / (1u64 << 30) as f64
            ),
        ));
    }
    let known = match cfg.contacts.as_str() {
        "" => None,
        path => Some(byo::read_known(
            Path::new(path),
            &own,
            cfg.cutoff,
            cfg.chain.chars().next(),
            cfg.min_separation,
        )?),
    };
    let device = ctx.device.clone();
    let main = analyse(cfg, &own.msa, &device, Some(ctx))?;
    let mut report = Report::new();
    output::write_own(cfg, ctx, &mut report, &own, known.as_ref(), &main)?;
    Ok(report)
}
