//! Particle physics: selecting collisions in real time. A collider trigger keeps about one
//! bunch crossing in a thousand and must decide within microseconds; small networks
//! quantised to 8-bit integers meet that budget on FPGAs (Duarte et al., "Fast inference of
//! deep neural networks in FPGAs for particle physics", JINST 13, P07027 (2018), hls4ml).
//! Triggers are compared by their signal efficiency at a fixed background acceptance.
//!
//! # The simulated collisions
//!
//! Signal: a heavy resonance `X` (mass `M`, Breit-Wigner width `Gamma`, truncated at
//! `|m - M| < 5 Gamma`) decays isotropically to two bosons `V` (mass ~85 GeV, a W or Z), each
//! boosted into one large-radius jet. Background: QCD dijets with a steeply falling mass
//! spectrum `dN/dm ~ m^-n` on `[m_lo, m_hi]` and t-channel angular distribution, flat in
//! `chi = exp|y1 - y2| = (1 + |cos theta*|) / (1 - |cos theta*|)` up to `chi_max` (forward
//! jets, large `|delta eta|`; the resonance decays centrally). For both:
//!
//! - partons: `pT = (m / 2) sin theta*`, rapidities `y_b +- y*` with `y* = atanh cos theta*`
//!   and the dijet system's rapidity `y_b ~ N(0, sigma_y)`; both jets must have
//!   `pT > pt_min` and `|eta| < eta_max` (generator-level preselection, by rejection);
//! - extra radiation: a Poisson number of jets (mean lower for the colour-singlet signal than
//!   for QCD) with `pT = pT_min + Exp(mean)`; the two hard jets share their recoil, so
//!   `|delta phi|` drops below pi;
//! - substructure: a signal jet contains both quarks of `V` with probability `f_merged`; then
//!   its mass is `m_V (1 + sigma_V N(0,1))` and its N-subjettiness ratio `tau21 ~ Beta` with a
//!   small mean (two prongs). Otherwise, and for every QCD jet, `m_j = pT r` with
//!   `ln r ~ N(ln r_0, sigma_r)` (jet mass grows with pT) and `tau21 ~ Beta` with a large mean.
//!
//! The detector: `N_PU ~ Poisson(mu)` pile-up vertices; each adds `Exp(p_PU)` to the pT of
//! every jet (`pT_PU = Gamma(N_PU, p_PU)`), and soft transverse energy `Exp(e_PU)` outside
//! the jets. Pile-up inflates jet masses, `m^2 -> m^2 + k pT pT_PU`, and their tau21,
//! `tau21 -> tau21 + c pT_PU / pT`. A jet's energy is then scaled by `s = 1 + sigma_E/E N(0,1)`
//! with `sigma_E / E = a / sqrt(E) (+) b` (pT and mass alike), the jet mass gets a further
//! relative resolution, tau21 an absolute one. Missing ET is the vector sum of the measured
//! jets and a soft term (`N(0, c_MET sqrt(sum ET_soft))` per component); a vertex is
//! reconstructed with probability `eps_vtx`.
//!
//! The 14 features per event: leading and subleading jet pT, `m_jj`, `|delta eta|`,
//! `|delta phi|`, both jet masses and tau21s, `HT` (scalar sum of all jet pT), missing ET,
//! total transverse energy, the number of jets above threshold, and the number of
//! reconstructed vertices. No single feature separates the classes: the signal's `m_jj` peak
//! sits on the falling QCD spectrum, unmerged signal jets look like QCD, and pile-up shifts jet
//! masses and tau21 by amounts that only the vertex count and the total energy reveal.
//!
//! # The selections
//!
//! All are fitted on training events and scored on held-out test events.
//! - A small ReLU network ([`ai4s_core::mlp`], e.g. 14-32-32-1) reads the features (logarithms
//!   of energies and masses), standardised on training events, and is trained with binary
//!   cross-entropy by [`ai4s_core::train::fit`], stopped early on the validation events.
//! - The same network exported to plain f32 arrays ([`FloatNet`]) and quantised after
//!   training to int8 ([`QuantNet`], module [`quant`]: per-channel weight scales, activation
//!   scales calibrated on training events, int32 accumulation, integer ReLU and
//!   requantisation), run without burn.
//! - Box cuts ([`cuts`]): the best rectangular selection on a few features at the target
//!   background acceptance, by forward selection and exact coordinate ascent on training and
//!   validation events. The cuts' ROC curve joins boxes optimised at several acceptances.
//!
//! Reported: signal efficiency at the target background acceptance (1 %) and AUC of each, the
//! float-int8 agreement, and the latency of one event on one core (single-threaded loop over
//! test events, median of repeats) for the float and the int8 network.

mod config;
pub mod cuts;
mod generator;
mod latency;
mod network;
mod output;
pub mod quant;

pub use config::TriggerConfig;
pub use cuts::{BoxCut, CutSearch, optimise};
pub use generator::{
    Event, FEATURES, Feature, Generator, N_FEATURES, TruthEvent, TruthJet, delta_phi, dijet_mass,
    feature_index,
};
pub use latency::ns_per_event;
pub use network::{EventObjective, Preprocess, export, predict};
pub use quant::{
    Dense, FloatNet, FloatScratch, QuantNet, QuantScratch, dequantize, fixed_point, quantize,
};

use ai4s_core::burn::module::Module;
use ai4s_core::data::Split;
use ai4s_core::metrics::{auc_of, median, recall_at_fpr};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::train::fit;
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Real-time event selection: a quantised network against box cuts.
pub struct Trigger;

/// Signal efficiency at background acceptance `acc` of a score (test rows).
fn efficiency(scores: &[f64], labels: &[bool], acc: f64) -> f64 {
    let (mut s, mut b) = (Vec::new(), Vec::new());
    for (&v, &y) in scores.iter().zip(labels) {
        if y { s.push(v) } else { b.push(v) }
    }
    recall_at_fpr(&s, &b, acc)
}

/// Pearson correlation of two samples.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().max(1) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt().max(f64::MIN_POSITIVE)
}

/// Area under a curve of `(background acceptance, signal efficiency)` points joined by
/// straight lines from `(0, 0)` to `(1, 1)`.
fn trapezoid_auc(points: &[(f64, f64)]) -> f64 {
    let mut p: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    p.extend(points);
    p.push((1.0, 1.0));
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.windows(2)
        .map(|w| (w[1].0 - w[0].0) * 0.5 * (w[1].1 + w[0].1))
        .sum()
}

impl Task for Trigger {
    type Config = TriggerConfig;

    fn name(&self) -> &'static str {
        "trigger"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::ParticlePhysics
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "particle physics: a real-time trigger for X -> VV dijets over QCD, int8-quantised MLP (hls4ml-style) vs box cuts, efficiency at 1 % background and ns latency"
    }

    fn demonstrates(&self) -> &'static str {
        "Particle physics: choosing, within microseconds, which collisions to keep. Simulated collisions of a heavy resonance decaying to two boosted bosons (two jets with a mass near 85 GeV and two-prong substructure) hide under QCD dijets with a steeply falling mass spectrum, with detector smearing and pile-up. A small network on 14 event features is trained, quantised after training to 8-bit integers (integer matrix-vector products, int32 accumulation, integer ReLU) as on trigger FPGAs (hls4ml), and compared with the float network and with the best rectangular cuts at 1 % background acceptance, together with the nanoseconds each network needs per event on one core."
    }

    fn run(&self, cfg: &TriggerConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let target = cfg.target_acceptance;

        // Collisions.
        let generator = Generator::new(cfg)?;
        let n_signal = ((cfg.events as f64) * cfg.signal_fraction).round() as usize;
        let n_background = cfg.events - n_signal;
        let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x0074_7269_6767_6572);
        let mut bar = ctx.progress("collisions", cfg.events as u64);
        let events = generator.sample(n_signal, n_background, &mut rng, Some(&mut bar))?;
        bar.finish();
        let raw: Vec<[f64; N_FEATURES]> = events.iter().map(|e| e.features).collect();
        let labels: Vec<bool> = events.iter().map(|e| e.signal).collect();
        let split = Split::random(
            raw.len(),
            cfg.val_fraction,
            cfg.test_fraction,
            ctx.seed ^ 0x0073_706c_6974,
        );
        let fit_rows: Vec<usize> = split.train.iter().chain(&split.val).copied().collect();
        let pre = Preprocess::fit(&split.train.iter().map(|&i| &raw[i]).collect::<Vec<_>>());
        let x: Vec<Vec<f32>> = raw.iter().map(|r| pre.apply(r)).collect();

        // The network.
        let train_device = ctx.device.clone().autodiff();
        let model = cfg.mlp.init(N_FEATURES, 1, &train_device);
        let objective = EventObjective {
            x: &x,
            y: &labels,
            train: &split.train,
            val: &split.val,
            train_device,
            device: ctx.device.clone(),
        };
        let mut optim = cfg.train.optimizer();
        let fitted = fit(model, &mut optim, &objective, &cfg.train, ctx, "network")?;
        let net = fitted.model.valid();
        ctx.save_module("network.bpk", &net)?;
        let float = export(&net)?;
        let check_rows = &split.test[..split.test.len().min(4096)];
        let burn_scores = predict(&net, &x, check_rows, &ctx.device)?;
        let burn_gap = check_rows
            .iter()
            .zip(&burn_scores)
            .map(|(&i, &z)| (f64::from(float.scores(std::slice::from_ref(&x[i]))[0]) - z).abs())
            .fold(0.0, f64::max);

        // Post-training int8 quantisation, calibrated on training events.
        let calibration: Vec<Vec<f32>> = split
            .train
            .iter()
            .take(cfg.calibration_events)
            .map(|&i| x[i].clone())
            .collect();
        let int8 = QuantNet::quantize(&float, &calibration, cfg.calibration_percentile)?;
        let test_x: Vec<Vec<f32>> = split.test.iter().map(|&i| x[i].clone()).collect();
        let test_labels: Vec<bool> = split.test.iter().map(|&i| labels[i]).collect();
        let float_logits = float.scores(&test_x);
        let int8_logits = int8.scores(&test_x);
        let float_scores: Vec<f64> = float_logits.iter().map(|&v| f64::from(v)).collect();
        let int8_scores: Vec<f64> = int8_logits.iter().map(|&v| f64::from(v)).collect();

        // Box cuts on training and validation events.
        let fit_raw: Vec<[f64; N_FEATURES]> = fit_rows.iter().map(|&i| raw[i]).collect();
        let fit_labels: Vec<bool> = fit_rows.iter().map(|&i| labels[i]).collect();
        let test_raw: Vec<[f64; N_FEATURES]> = split.test.iter().map(|&i| raw[i]).collect();
        let search = CutSearch {
            features: cfg.cut_features,
            bins: cfg.cut_bins,
            restarts: cfg.cut_restarts,
            seed: ctx.seed ^ 0x6375_7473,
        };
        let mut targets = vec![target];
        targets.extend(&cfg.cut_curve);
        let boxes = optimise(&fit_raw, &fit_labels, &targets, search);
        let mut curve_points: Vec<(f64, f64)> = boxes
            .iter()
            .map(|(b, _)| {
                let (eff, acc) = b.efficiencies(&test_raw, &test_labels);
                (acc, eff)
            })
            .collect();
        let (cut, cut_fit_eff) = boxes[0].clone();
        let (cut_acc, cut_eff) = curve_points[0];
        curve_points.sort_by(|a, b| a.0.total_cmp(&b.0));

        // Efficiencies at the target acceptance, AUCs, agreement.
        let float_eff = efficiency(&float_scores, &test_labels, target);
        let int8_eff = efficiency(&int8_scores, &test_labels, target);
        let float_auc = auc_of(&float_scores, &test_labels);
        let int8_auc = auc_of(&int8_scores, &test_labels);
        let cuts_auc = trapezoid_auc(&curve_points);
        let max_diff = float_scores
            .iter()
            .zip(&int8_scores)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let corr = correlation(&float_scores, &int8_scores);
        report.check(
            "int8_efficiency_loss",
            float_eff - int8_eff,
            Goal::AtMost(0.01),
            "post-training int8 quantisation should cost under 1 % absolute signal efficiency at fixed background acceptance (hls4ml, Duarte et al. 2018: 8-16 bit fixed point keeps the float accuracy)",
        );
        report.check(
            "float_gain_over_cuts",
            float_eff - cut_eff,
            Goal::AtLeast(0.01),
            "a network on all features should beat the best rectangular cuts at the same background acceptance",
        );
        report.check(
            "int8_gain_over_cuts",
            int8_eff - cut_eff,
            Goal::AtLeast(0.01),
            "the int8 network should still beat the best rectangular cuts",
        );
        report.metric("target_acceptance", target);
        report.metric("float_signal_efficiency", float_eff);
        report.metric("int8_signal_efficiency", int8_eff);
        report.metric("cuts_signal_efficiency", cut_eff);
        report.metric("cuts_background_acceptance", cut_acc);
        report.metric("cuts_fit_signal_efficiency", cut_fit_eff);
        report.metric("cuts_features", cut.features.len() as f64);
        report.metric("float_auc", float_auc);
        report.metric("int8_auc", int8_auc);
        report.metric("cuts_auc", cuts_auc);
        report.metric("int8_float_logit_correlation", corr);
        report.metric("int8_float_max_abs_logit_diff", max_diff);
        report.metric("array_vs_burn_max_abs_logit_diff", burn_gap);
        report.metric("int8_accumulator_bound", int8.accumulator_bound() as f64);
        report.metric("int8_input_scale", f64::from(int8.input_scale()));
        report.metric("network_best_epoch", fitted.best_epoch as f64);
        report.metric("network_parameters", net.num_params() as f64);
        let weights: usize = float.layers.iter().map(|l| l.w.len()).sum();
        let biases: usize = float.layers.iter().map(|l| l.b.len()).sum();
        report.metric("float_model_bytes", (4 * (weights + biases)) as f64);
        report.metric("int8_model_bytes", (weights + 4 * biases) as f64);

        // Latency on one core.
        let n_lat = cfg.latency_events.min(test_x.len());
        let flat: Vec<f32> = test_x[..n_lat].iter().flatten().copied().collect();
        let mut fs = float.scratch();
        let float_ns = ns_per_event(&flat, N_FEATURES, cfg.latency_repeats, |row| {
            float.score_with(row, &mut fs)
        });
        let mut qs = int8.scratch();
        let int8_ns = ns_per_event(&flat, N_FEATURES, cfg.latency_repeats, |row| {
            int8.score_with(row, &mut qs)
        });
        report.metric("float_latency_ns", float_ns);
        report.metric("int8_latency_ns", int8_ns);
        report.metric("float_events_per_second", 1e9 / float_ns);
        report.metric("int8_events_per_second", 1e9 / int8_ns);
        report.metric("int8_speedup", float_ns / int8_ns);

        // The collisions themselves.
        let mjj_sig: Vec<f64> = raw
            .iter()
            .zip(&labels)
            .filter(|p| *p.1)
            .map(|p| p.0[2])
            .collect();
        let pileup: Vec<f64> = events.iter().map(|e| e.pileup as f64).collect();
        report.metric("events", cfg.events as f64);
        report.metric("signal_events", n_signal as f64);
        report.metric("background_events", n_background as f64);
        report.metric("train_events", split.train.len() as f64);
        report.metric("val_events", split.val.len() as f64);
        report.metric("test_events", split.test.len() as f64);
        report.metric("signal_mjj_median", median(&mjj_sig));
        report.metric(
            "pileup_vertices_mean",
            pileup.iter().sum::<f64>() / pileup.len() as f64,
        );

        report.note(format!(
            "At {} background acceptance on {} held-out events: float MLP {:.1} % signal efficiency (AUC {float_auc:.4}), int8 MLP {:.1} % (AUC {int8_auc:.4}), box cuts {:.1} % at {:.2} % background (AUC {cuts_auc:.4}, trapezoid through {} optimised boxes). Cuts: {}.",
            output::pct(target),
            split.test.len(),
            100.0 * float_eff,
            100.0 * int8_eff,
            100.0 * cut_eff,
            100.0 * cut_acc,
            curve_points.len(),
            cut.describe(),
        ));
        report.note(format!(
            "Latency on one core (single-threaded loop over {n_lat} test events, median of {} repeats, preprocessing excluded): float {float_ns:.0} ns/event ({:.2e} events/s), int8 {int8_ns:.0} ns/event ({:.2e} events/s), {:.2}x. Model size: {} bytes float, {} bytes int8. On a CPU without 8-bit dot-product instructions in the compiled target (baseline x86-64) the int8 kernel multiplies in 16 bits and widens to 32 and runs at about the speed of f32; int8 pays off in memory (4x smaller) and on FPGAs, where an 8-bit multiplier costs a fraction of a float one. Timings depend on the machine and its load; tests never assert them.",
            cfg.latency_repeats,
            1e9 / float_ns,
            1e9 / int8_ns,
            float_ns / int8_ns,
            4 * (weights + biases),
            weights + 4 * biases,
        ));
        report.note(format!(
            "int8 logits against float: correlation {corr:.5}, largest difference {max_diff:.3} (input scale {:.4}, accumulators bounded by {} < 2^31).",
            int8.input_scale(),
            int8.accumulator_bound()
        ));

        // Table and figures.
        let rows: Vec<output::ScoreRow> = split
            .test
            .iter()
            .enumerate()
            .map(|(k, &i)| output::ScoreRow {
                event: i,
                signal: labels[i],
                features: raw[i],
                float: float_logits[k],
                int8: int8_logits[k],
                cut_pass: cut.pass(&raw[i]),
            })
            .collect();
        output::write_scores(ctx, &rows)?;
        output::roc_figure(
            &mut report,
            ctx,
            vec![
                Series::new(
                    format!("float MLP (AUC {float_auc:.3})"),
                    output::roc_curve(&float_scores, &test_labels, 150),
                ),
                Series::new(
                    format!("int8 MLP (AUC {int8_auc:.3})"),
                    output::roc_curve(&int8_scores, &test_labels, 150),
                ),
                Series::new(
                    format!("box cuts (AUC {cuts_auc:.3})"),
                    curve_points.iter().map(|&(a, e)| (e, a)).collect(),
                ),
            ],
            target,
        )?;
        for name in ["mjj", "mj1", "tau21_1", "deta"] {
            if let Some(f) = feature_index(name) {
                output::distribution(&mut report, ctx, &raw, &labels, f, 60)?;
            }
        }
        let step = (test_x.len() / 3000).max(1);
        report.figure(ctx.plot(
            "int8_vs_float",
            &Plot::Parity {
                labels: Labels::new(
                    "Network logits of test events: int8 against float",
                    "float logit",
                    "int8 logit",
                ),
                reference: float_scores.iter().step_by(step).copied().collect(),
                predicted: int8_scores.iter().step_by(step).copied().collect(),
            },
        )?);
        Ok(report)
    }
}
