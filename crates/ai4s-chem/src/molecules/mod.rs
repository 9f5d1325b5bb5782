//! Chemistry: molecular property prediction and virtual screening.
//!
//! Random conjugated hydrocarbons ([`generate`]: chains, rings, fused and linked rings, branched,
//! closed-shell Kekule structures) are labelled exactly by Hueckel theory ([`huckel`]: the
//! eigenvalues of the adjacency matrix give the HOMO-LUMO gap and the pi energy in units of
//! `|beta|`; Hueckel 1931), a first-principles-style label that costs an `O(n^3)`
//! diagonalisation ([`crate::eigen`]) per molecule. Two models learn it from the graph alone:
//!
//! - a message-passing neural network ([`mpnn`]; Gilmer et al. 2017), batched over graphs with
//!   gather / scatter-add tensor operations and trained with [`ai4s_core::train::fit`] on the
//!   standardised gap and pi energy per carbon;
//! - the practitioner's baseline ([`baseline`]): hashed circular-fingerprint counts
//!   ([`fingerprint`]; ECFP, Rogers & Hahn 2010) with ridge regression.
//!
//! Both are scored on held-out molecules of the training sizes (MAE, parity plots), on molecules
//! larger than any in training (extrapolation), and as a virtual screen: rank a large candidate
//! pool by predicted gap and count how many of the true smallest-gap molecules land in the top
//! 1 % ([`screen`], enrichment factor). The gap is a frontier-orbital property of the whole
//! conjugated system; the pi energy is nearly additive over local environments, which is what a
//! radius-2 fingerprint sees.

pub mod baseline;
mod config;
pub mod data;
pub mod fingerprint;
pub mod generate;
pub mod graph;
pub mod huckel;
pub mod mpnn;
pub mod objective;
mod output;
pub mod screen;

pub use config::MoleculesConfig;
pub use graph::Molecule;

use ai4s_core::burn::module::Module;
use ai4s_core::metrics::{mae, mean_std};
use ai4s_core::train::fit;
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task};
use baseline::FingerprintRidge;
use data::{Labelled, draw_set};
use mpnn::{GraphFeatures, Mpnn};
use objective::{MpnnObjective, Scaler, predict, targets};
use rand::{SeedableRng, rngs::StdRng};
use std::collections::HashSet;

/// Molecular property prediction and virtual screening: MPNN vs fingerprint ridge.
pub struct Molecules;

/// Predictions of one model on one set: gaps and total pi energies.
pub(crate) struct Predicted {
    gap: Vec<f64>,
    pi: Vec<f64>,
}

impl Task for Molecules {
    type Config = MoleculesConfig;

    fn name(&self) -> &'static str {
        "molecules"
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Chemistry
    }

    fn description(&self) -> &'static str {
        "chemistry: Hueckel HOMO-LUMO gaps of conjugated hydrocarbons, message-passing network vs fingerprint ridge, virtual screening"
    }

    fn demonstrates(&self) -> &'static str {
        "Chemistry and drug discovery: learning a quantum-chemical property from the molecular graph and using it to screen a library. Random conjugated hydrocarbons are labelled exactly by Hueckel theory (HOMO-LUMO gap and pi energy from the eigenvalues of the adjacency matrix). A message-passing neural network, batched over many graphs with gather/scatter tensor operations, is compared with the classical circular fingerprint plus ridge regression: held-out error, molecules larger than any seen in training, and how well each ranks a large candidate pool for the smallest gaps (enrichment factor at 1 %)."
    }

    fn run(&self, cfg: &MoleculesConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        // Every set from one stream and one record of seen graphs: no molecule is in two sets.
        let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x6d6f_6c65_6375_6c65);
        let mut seen = HashSet::new();
        let mut draw = |n: usize, atoms: [usize; 2]| draw_set(n, atoms, &mut rng, &mut seen);
        let train = draw(cfg.train_molecules, cfg.atoms)?;
        let val = draw(cfg.val_molecules, cfg.atoms)?;
        let test = draw(cfg.test_molecules, cfg.atoms)?;
        let extra = draw(cfg.extrapolation_molecules, cfg.extrapolation_atoms)?;
        let pool = draw(cfg.pool_molecules, cfg.atoms)?;
        ctx.info(&format!(
            "molecules: {} train, {} val, {} test, {} larger, {} pool, labelled by Hueckel theory",
            train.len(),
            val.len(),
            test.len(),
            extra.len(),
            pool.len()
        ));

        // The baseline: fingerprint counts, one ridge model for the gap and one for the total pi
        // energy (additive over environments, so linear in the counts).
        let rows = |s: &[Labelled]| {
            s.iter()
                .map(|l| vec![l.gap, l.pi_energy])
                .collect::<Vec<_>>()
        };
        let ridge = FingerprintRidge::fit(
            &train,
            &rows(&train),
            &val,
            &rows(&val),
            cfg.fingerprint_radius,
            cfg.fingerprint_bits,
            &cfg.ridge_lambdas,
        )?;
        let ridge_on = |s: &[Labelled]| {
            let p = ridge.predict(s);
            Predicted {
                gap: p.iter().map(|r| r[0]).collect(),
                pi: p.iter().map(|r| r[1]).collect(),
            }
        };

        // The MPNN.
        let graphs = |s: &[Labelled]| s.iter().map(|l| GraphFeatures::new(&l.mol)).collect();
        let (train_g, val_g): (Vec<GraphFeatures>, Vec<GraphFeatures>) =
            (graphs(&train), graphs(&val));
        let train_t = targets(&train);
        let scaler = Scaler::fit(&train_t);
        let train_device = ctx.device.clone().autodiff();
        let model = Mpnn::new(cfg.hidden, cfg.layers, 2, &train_device);
        let objective = MpnnObjective {
            train: &train_g,
            train_y: train_t.iter().map(|y| scaler.forward(y)).collect(),
            val: &val_g,
            val_gap: val.iter().map(|l| l.gap).collect(),
            scaler,
            train_device,
            device: ctx.device.clone(),
        };
        let mut optim = cfg.train.optimizer();
        let fitted = fit(model, &mut optim, &objective, &cfg.train, ctx, "mpnn")?;
        let model = fitted.model.valid();
        ctx.save_module("mpnn.bpk", &model)?;
        let mpnn_on = |s: &[Labelled]| -> Result<Predicted> {
            let p = predict(&model, &graphs(s), &scaler, &ctx.device)?;
            Ok(Predicted {
                gap: p.iter().map(|r| r[0]).collect(),
                pi: p
                    .iter()
                    .zip(s)
                    .map(|(r, l)| r[1] * l.mol.atoms as f64)
                    .collect(),
            })
        };

        let exact_gap = |s: &[Labelled]| s.iter().map(|l| l.gap).collect::<Vec<_>>();
        let exact_pi = |s: &[Labelled]| s.iter().map(|l| l.pi_energy).collect::<Vec<_>>();
        let (m_test, r_test) = (mpnn_on(&test)?, ridge_on(&test));
        let (m_extra, r_extra) = (mpnn_on(&extra)?, ridge_on(&extra));
        let (m_pool, r_pool) = (mpnn_on(&pool)?, ridge_on(&pool));
        let (gap_t, pi_t) = (exact_gap(&test), exact_pi(&test));
        let gap_e = exact_gap(&extra);
        let gap_p = exact_gap(&pool);

        let m_mae = mae(&m_test.gap, &gap_t);
        let r_mae = mae(&r_test.gap, &gap_t);
        report.metric("mpnn_gap_mae", m_mae);
        report.metric("baseline_gap_mae", r_mae);
        report.metric("mpnn_pi_energy_mae", mae(&m_test.pi, &pi_t));
        report.metric("baseline_pi_energy_mae", mae(&r_test.pi, &pi_t));
        let (m_ext, r_ext) = (mae(&m_extra.gap, &gap_e), mae(&r_extra.gap, &gap_e));
        report.metric("mpnn_extrapolation_gap_mae", m_ext);
        report.metric("baseline_extrapolation_gap_mae", r_ext);
        report.metric(
            "mpnn_extrapolation_pi_energy_mae",
            mae(&m_extra.pi, &exact_pi(&extra)),
        );
        report.metric(
            "baseline_extrapolation_pi_energy_mae",
            mae(&r_extra.pi, &exact_pi(&extra)),
        );
        let x = cfg.screen_fraction;
        let m_ef = screen::enrichment_factor(&m_pool.gap, &gap_p, x);
        let r_ef = screen::enrichment_factor(&r_pool.gap, &gap_p, x);
        report.metric("baseline_enrichment_factor", r_ef);
        report.metric("max_enrichment_factor", screen::max_enrichment(&gap_p, x));
        let (gap_mean, gap_std) = mean_std(&gap_t);
        report.metric("test_gap_mean", gap_mean);
        report.metric("test_gap_std", gap_std);
        report.metric(
            "pool_zero_gap_fraction",
            gap_p.iter().filter(|g| g.abs() < 1e-9).count() as f64 / gap_p.len() as f64,
        );
        report.metric("baseline_fingerprint_slots", ridge.features() as f64);
        report.metric("baseline_gap_lambda", ridge.lambdas[0]);
        report.metric("mpnn_parameters", model.num_params() as f64);
        report.metric("mpnn_best_epoch", fitted.best_epoch as f64);

        let ratio = m_mae / r_mae;
        report.check(
            "mpnn_to_baseline_gap_mae",
            ratio,
            Goal::AtMost(0.5),
            "issue 20: the MPNN's held-out gap MAE at most half the fingerprint-ridge baseline's",
        );
        report.check(
            "mpnn_enrichment_factor",
            m_ef,
            Goal::AtLeast(10.0),
            "issue 20: enrichment factor at 1 % >= 10 against the exact Hueckel ranking (random 1)",
        );
        report.note(format!(
            "Gaps in units of |beta| (about 2.5 eV). Test set of {} molecules of {}-{} carbons: gap MAE MPNN {m_mae:.4}, fingerprint ridge {r_mae:.4} (ratio {ratio:.2}); test gaps {gap_mean:.3} +- {gap_std:.3}. Molecules of {}-{} carbons, larger than any in training: MPNN {m_ext:.4}, ridge {r_ext:.4}. Screening {} candidates for the {:.0} % smallest gaps: enrichment factor MPNN {m_ef:.1}, ridge {r_ef:.1}, best possible {:.1}.",
            test.len(),
            cfg.atoms[0],
            cfg.atoms[1],
            cfg.extrapolation_atoms[0],
            cfg.extrapolation_atoms[1],
            pool.len(),
            100.0 * x,
            screen::max_enrichment(&gap_p, x),
        ));

        report.note(format!(
            "The MPNN's lead over the fingerprints grows with its training budget ({} molecules x {} epochs here): the half-the-baseline MAE goal needs about the full run's budget (20000 x 25); the screening goal holds at quick size too.",
            train.len(),
            cfg.train.epochs
        ));
        output::write_test_csv(ctx, &test, &m_test, &r_test)?;
        output::figures(
            ctx,
            &mut report,
            cfg,
            output::Sets {
                test: (&test, &m_test, &r_test),
                extra: (&extra, &m_extra, &r_extra),
                pool: (&gap_p, &m_pool, &r_pool),
            },
        )?;
        Ok(report)
    }
}
