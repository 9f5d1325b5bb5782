//! One experiment: a CNN and the k-mer baseline trained on the same sequences, scored on the
//! same held-out set, and the motif read back from the CNN's most discriminative filter.
//!
//! Motif recovery follows DeepBind's supplementary procedure: the filter whose maximum response
//! best separates bound from unbound validation sequences (AUC) is taken; in every held-out test
//! sequence its best window over both strands counts into a PWM when the response exceeds
//! `site_threshold` times the filter's largest response ([`recover`]); the PWM is then aligned
//! to the planted one ([`super::pwm::compare`]). On your own data ([`super::byo`]) there is no
//! planted motif: [`fit_both`] trains and scores the models and the motifs of the best few
//! filters are read back the same way.

use super::MotifsConfig;
use super::cnn::{CnnObjective, DeepBind, Encoded, Hit, best_hits, predict};
use super::kmer::{KmerFeatures, KmerModel};
use super::pwm::{Alignment, compare, from_sites};
use super::sequences::{Dataset, Pwm, reverse_complement};
use ai4s_core::burn::module::Module;
use ai4s_core::metrics::auc_of;
use ai4s_core::metrics::roc;
use ai4s_core::train::{fit, fit_quiet};
use ai4s_core::{Result, RunContext};

/// Validation and test sets shared by the experiments on one motif.
pub struct Held<'a> {
    /// Validation sequences.
    pub val: &'a Dataset,
    /// Test sequences.
    pub test: &'a Dataset,
}

/// What one experiment measured.
pub struct Outcome {
    /// Test AUC of the CNN.
    pub cnn_auc: f64,
    /// Test AUC of the k-mer model.
    pub kmer_auc: f64,
    /// Test ROC of the CNN.
    pub cnn_roc: Vec<(f64, f64)>,
    /// Test ROC of the k-mer model.
    pub kmer_roc: Vec<(f64, f64)>,
    /// The motif read from the best filter.
    pub learned: Pwm,
    /// Windows counted into it.
    pub sites: usize,
    /// Its alignment to the planted motif.
    pub alignment: Alignment,
    /// Validation AUC of the best filter's maximum response.
    pub filter_auc: f64,
    /// The L2 strength the baseline chose.
    pub kmer_lambda: f64,
    /// Epoch the CNN was taken from.
    pub best_epoch: usize,
    /// The trained network.
    pub model: DeepBind,
}

/// Both models trained and scored, before any motif is read back.
pub struct Fitted {
    /// Test AUC of the CNN.
    pub cnn_auc: f64,
    /// Test AUC of the k-mer model.
    pub kmer_auc: f64,
    /// Test ROC of the CNN.
    pub cnn_roc: Vec<(f64, f64)>,
    /// Test ROC of the k-mer model.
    pub kmer_roc: Vec<(f64, f64)>,
    /// The L2 strength the baseline chose.
    pub kmer_lambda: f64,
    /// Epoch the CNN was taken from.
    pub best_epoch: usize,
    /// The trained network.
    pub model: DeepBind,
    /// Validation AUC of every filter's maximum response.
    pub filter_auc: Vec<f64>,
    /// Best window of every filter in every test sequence.
    pub test_hits: Vec<Vec<Hit>>,
}

impl Fitted {
    /// The most discriminative filter and its validation AUC (the last of equals).
    pub fn best_filter(&self) -> (usize, f64) {
        self.filter_auc
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.5))
    }
}

/// Trains both models on `train` and scores them; with `log` the CNN's training goes to the
/// run's metrics and progress (the default set), otherwise it runs quietly (sweeps).
pub fn fit_both(
    cfg: &MotifsConfig,
    train: &Dataset,
    held: &Held,
    ctx: &mut RunContext,
    log: Option<&str>,
    seed: u64,
) -> Result<Fitted> {
    let device = ctx.device.clone();
    let (tr, va, te) = (
        Encoded::new(train),
        Encoded::new(held.val),
        Encoded::new(held.test),
    );
    let train_device = device.clone().autodiff();
    let model = DeepBind::new(cfg.filters, cfg.filter_width, cfg.hidden, &train_device);
    let objective = CnnObjective {
        train: &tr,
        val: &va,
        train_device,
        device: device.clone(),
    };
    let mut optim = cfg.train.optimizer();
    let fitted = match log {
        Some(label) => fit(model, &mut optim, &objective, &cfg.train, ctx, label)?,
        None => fit_quiet(model, &mut optim, &objective, &cfg.train, seed, "cnn")?,
    };
    let model = fitted.model.valid();
    let z = predict(&model, &te, &device)?;
    let split = |s: &[f64], want: bool| -> Vec<f64> {
        s.iter()
            .zip(&held.test.labels)
            .filter(|p| *p.1 == want)
            .map(|p| *p.0)
            .collect()
    };
    let cnn_auc = auc_of(&z, &held.test.labels);
    let cnn_roc = roc(&split(&z, true), &split(&z, false));

    // The k-mer baseline.
    let feats = KmerFeatures::new(&cfg.kmer_sizes);
    let rows = |d: &Dataset| d.seqs.iter().map(|s| feats.counts(s)).collect::<Vec<_>>();
    let (xt, xv, xs) = (rows(train), rows(held.val), rows(held.test));
    let km = KmerModel::fit(
        feats.dim,
        (&xt, &train.labels),
        (&xv, &held.val.labels),
        &cfg.kmer_l2,
        cfg.kmer_steps,
    );
    let zk = km.score(&xs);
    let kmer_auc = auc_of(&zk, &held.test.labels);
    let kmer_roc = roc(&split(&zk, true), &split(&zk, false));

    // How well each filter alone separates the validation sequences.
    let val_hits = best_hits(&model, &va, &device)?;
    let filter_auc = (0..cfg.filters)
        .map(|f| {
            let s: Vec<f64> = val_hits.iter().map(|h| h[f].score).collect();
            auc_of(&s, &held.val.labels)
        })
        .collect();
    let test_hits = best_hits(&model, &te, &device)?;
    Ok(Fitted {
        cnn_auc,
        kmer_auc,
        cnn_roc,
        kmer_roc,
        kmer_lambda: km.lambda,
        best_epoch: fitted.best_epoch,
        model,
        filter_auc,
        test_hits,
    })
}

/// The motif of `filter`: its best window (on its strand) in every test sequence whose
/// response exceeds `site_threshold` times the filter's largest, counted into a PWM; with the
/// number of windows counted.
pub fn recover(cfg: &MotifsConfig, fitted: &Fitted, test: &Dataset, filter: usize) -> (Pwm, usize) {
    let top = fitted
        .test_hits
        .iter()
        .map(|h| h[filter].score)
        .fold(f64::NEG_INFINITY, f64::max);
    let w = cfg.filter_width;
    let sites: Vec<Vec<u8>> = fitted
        .test_hits
        .iter()
        .zip(&test.seqs)
        .filter(|(h, _)| top > 0.0 && h[filter].score > cfg.site_threshold * top)
        .map(|(h, s)| {
            let hit = h[filter];
            let strand = if hit.reverse {
                reverse_complement(s)
            } else {
                s.clone()
            };
            strand[hit.pos..hit.pos + w].to_vec()
        })
        .collect();
    (from_sites(&sites, w, 0.1), sites.len())
}

/// Trains both models, reads the motif back from the most discriminative filter and aligns it
/// to the planted one.
pub fn run(
    cfg: &MotifsConfig,
    planted: &Pwm,
    train: &Dataset,
    held: &Held,
    ctx: &mut RunContext,
    log: Option<&str>,
    seed: u64,
) -> Result<Outcome> {
    let f = fit_both(cfg, train, held, ctx, log, seed)?;
    let (best_filter, filter_auc) = f.best_filter();
    let (learned, sites) = recover(cfg, &f, held.test, best_filter);
    let alignment = compare(&learned, planted);
    Ok(Outcome {
        cnn_auc: f.cnn_auc,
        kmer_auc: f.kmer_auc,
        cnn_roc: f.cnn_roc,
        kmer_roc: f.kmer_roc,
        learned,
        sites,
        alignment,
        filter_auc,
        kmer_lambda: f.kmer_lambda,
        best_epoch: f.best_epoch,
        model: f.model,
    })
}
