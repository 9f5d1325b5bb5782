//! The `active-learning` task: concurrent learning of a Deep Potential, as DP-GEN does it
//! (Zhang et al., Phys. Rev. Materials 3, 023804, 2019).
//!
//! Each iteration: (1) train an ensemble of models on the current data, differing only in
//! their seeds (initial weights and batch order); (2) explore with Langevin MD driven by the
//! first model; on every sampled frame compute the model deviation
//! `sigma_f = max_i sqrt(< |F_i - <F_i>|^2 >)`, the largest over atoms of the standard deviation
//! of the predicted force vector across the ensemble; (3) frames with `sigma_f` below
//! `trust_lo` are "accurate" (the models agree, nothing to learn), above `trust_hi` "failed"
//! (too far off to be physical), in between "candidates"; up to `max_select` candidates are
//! labelled with the reference labeller and added to the training data; (4) repeat. The run
//! starts from the coldest `initial_frames` frames of the shipped data, so the exploration at
//! higher temperatures meets configurations the first models have never seen. Reported per
//! iteration: the deviation statistics and the ensemble's error on the held-out test set.

use crate::analysis::diamond_supercell;
use crate::forcefield::{DeepPotForceField, ForceField};
use crate::frames::{Frame, System};
use crate::generate::LabellerKind;
use crate::integrate::{self, Ensemble, MdGuard, MdOptions, MdState, Record};
use crate::md::SI_MASS;
use crate::prepared::read_systems;
use crate::train::train_into;
use crate::train_config::{
    DeepPotConfig, DescriptorConfig, FittingNetConfig, LearningRateConfig, LossConfig,
    TrainingConfig,
};
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::seq::SliceRandom;
use rand::{SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

mod config;
mod explore;
pub use config::*;
pub use explore::*;

/// Per-iteration record.
struct Iteration {
    train_frames: usize,
    force_rmse: f64,
    energy_rmse: f64,
    deviations: Vec<f64>,
    accurate: usize,
    candidates: usize,
    failed: usize,
    selected: usize,
    broken: usize,
}

/// The active-learning task.
pub struct ActiveLearning;

impl Task for ActiveLearning {
    type Config = ActiveLearningConfig;

    fn name(&self) -> &'static str {
        "active-learning"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Materials
    }

    fn area(&self) -> Area {
        Area::Potential
    }

    fn description(&self) -> &'static str {
        "DP-GEN-style concurrent learning: an ensemble of Deep Potentials explores by MD, frames where the models disagree are labelled by tight binding and added"
    }

    fn demonstrates(&self) -> &'static str {
        "Concurrent learning as DP-GEN does it: an ensemble of Deep Potentials explores configuration space by molecular dynamics; where the models disagree (the model deviation lies in a trust window) the reference labels the frame and the data set grows. Starting from a few cold frames, the test error on unseen hot configurations falls iteration by iteration with few reference calls."
    }

    fn run(&self, cfg: &ActiveLearningConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut systems = read_systems(&cfg.initial_data, None)?;
        let (source, source_path) = systems
            .drain(..)
            .next()
            .ok_or_else(|| Error::config("initial_data", "names no data"))?;
        ensure(
            source.frames.len() >= cfg.initial_frames,
            "initial_frames",
            || {
                format!(
                    "{} has {} frames, fewer than {}",
                    source_path.display(),
                    source.frames.len(),
                    cfg.initial_frames
                )
            },
        )?;
        ensure(source.type_map == ["Si"], "initial_data", || {
            format!(
                "the exploration cell is diamond Si; {} has types {:?}",
                source_path.display(),
                source.type_map
            )
        })?;
        let n = source.natoms() as f64;
        let mut order: Vec<usize> = (0..source.frames.len()).collect();
        order.sort_by(|&a, &b| {
            let e = |k: usize| source.frames[k].energy.unwrap_or(f64::INFINITY);
            (e(a) / n).total_cmp(&(e(b) / n))
        });
        let init = System {
            frames: order[..cfg.initial_frames]
                .iter()
                .map(|&k| source.frames[k].clone())
                .collect(),
            ..source.clone()
        };
        ai4s_core::io::create_dir(&ctx.path("data"))?;
        let init_path = ctx.path("data/init.xyz");
        crate::xyz::write(&init_path, &init)?;
        let mut data_files = vec![init_path];
        let mut train_frames = init.frames.len();
        let mut reference = cfg.reference.build();
        let species = vec!["Si"; cfg.natoms];
        let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x5e1);
        let mut history: Vec<Iteration> = Vec::new();
        let total = (cfg.iterations * cfg.models) as u64;
        let mut bar = ctx.progress("active-learning", total);
        for it in 0..cfg.iterations {
            let mut train_cfg = cfg.train.clone();
            train_cfg.data.training_data = data_files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(",");
            let mut ffs = Vec::with_capacity(cfg.models);
            let (mut f_rmse, mut e_rmse) = (0.0, 0.0);
            for m in 0..cfg.models {
                let seed = ctx.seed + 1000 * it as u64 + m as u64;
                let dir = ctx.path(&format!("iter_{it:02}/model_{m}"));
                let (path, rep) = train_into(&train_cfg, &dir, ctx, seed)?;
                f_rmse += rep.get("force_rmse").unwrap_or(f64::NAN) / cfg.models as f64;
                e_rmse += rep.get("energy_rmse_per_atom").unwrap_or(f64::NAN) / cfg.models as f64;
                ffs.push(DeepPotForceField::load(
                    &path,
                    &species,
                    &ctx.device,
                    cfg.skin,
                )?);
                bar.inc(1);
            }
            let (visited, broken) = explore(&mut ffs, cfg, ctx.seed + it as u64, ctx)?;
            let deviations: Vec<f64> = visited.iter().map(|v| v.deviation).collect();
            let accurate = deviations.iter().filter(|d| **d < cfg.trust_lo).count();
            let failed = deviations.iter().filter(|d| **d > cfg.trust_hi).count();
            let mut candidates: Vec<&Visited> = visited
                .iter()
                .filter(|v| (cfg.trust_lo..=cfg.trust_hi).contains(&v.deviation))
                .collect();
            let n_candidates = candidates.len();
            let mut selected = 0;
            // The last iteration's candidates are reported but not labelled: no model follows.
            if it + 1 < cfg.iterations && !candidates.is_empty() {
                candidates.shuffle(&mut rng);
                let frames = candidates
                    .iter()
                    .take(cfg.max_select)
                    .map(|v| {
                        let labels = reference.compute(&v.frame.pos, &v.frame.cell)?;
                        Ok(Frame {
                            energy: Some(labels.energy),
                            forces: Some(labels.forces),
                            virial: Some(labels.virial),
                            ..v.frame.clone()
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                selected = frames.len();
                let path = ctx.path(&format!("data/iter_{:02}.xyz", it + 1));
                crate::xyz::write(
                    &path,
                    &System {
                        type_map: vec!["Si".into()],
                        types: vec![0; cfg.natoms],
                        frames,
                    },
                )?;
                data_files.push(path);
            }
            let mean_dev = deviations.iter().sum::<f64>() / deviations.len().max(1) as f64;
            let max_dev = deviations.iter().copied().fold(0.0, f64::max);
            ctx.info(&format!(
                "iteration {it}: {train_frames} training frames, test force RMSE {f_rmse:.4} eV/A; deviation mean {mean_dev:.3} max {max_dev:.3}; accurate {accurate}, candidate {n_candidates}, failed {failed}; labelled {selected}"
            ));
            ctx.log(
                it,
                &[
                    ("train_frames", train_frames as f64),
                    ("test_force_rmse", f_rmse),
                    ("test_energy_rmse_per_atom", e_rmse),
                    ("deviation_mean", mean_dev),
                    ("deviation_max", max_dev),
                    ("accurate", accurate as f64),
                    ("candidate", n_candidates as f64),
                    ("failed", failed as f64),
                    ("selected", selected as f64),
                ],
            );
            history.push(Iteration {
                train_frames,
                force_rmse: f_rmse,
                energy_rmse: e_rmse,
                deviations,
                accurate,
                candidates: n_candidates,
                failed,
                selected,
                broken,
            });
            train_frames += selected;
        }
        bar.finish();

        let mut report = Report::new();
        let mut csv = String::from(
            "iteration,train_frames,test_force_rmse,test_energy_rmse_per_atom,deviation_mean,deviation_max,accurate,candidate,failed,selected,stopped_trajectories\n",
        );
        for (k, h) in history.iter().enumerate() {
            let mean = h.deviations.iter().sum::<f64>() / h.deviations.len().max(1) as f64;
            let max = h.deviations.iter().copied().fold(0.0, f64::max);
            csv.push_str(&format!(
                "{k},{},{},{},{mean},{max},{},{},{},{},{}\n",
                h.train_frames,
                h.force_rmse,
                h.energy_rmse,
                h.accurate,
                h.candidates,
                h.failed,
                h.selected,
                h.broken
            ));
            let visited = h.deviations.len().max(1) as f64;
            report
                .metric(&format!("iter{k}_train_frames"), h.train_frames as f64)
                .metric(&format!("iter{k}_test_force_rmse"), h.force_rmse)
                .metric(&format!("iter{k}_test_energy_rmse_per_atom"), h.energy_rmse)
                .metric(&format!("iter{k}_deviation_mean"), mean)
                .metric(&format!("iter{k}_deviation_max"), max)
                .metric(
                    &format!("iter{k}_accurate_fraction"),
                    h.accurate as f64 / visited,
                )
                .metric(
                    &format!("iter{k}_candidate_fraction"),
                    h.candidates as f64 / visited,
                )
                .metric(
                    &format!("iter{k}_failed_fraction"),
                    h.failed as f64 / visited,
                )
                .metric(&format!("iter{k}_selected"), h.selected as f64);
        }
        ctx.write_file("iterations.csv", csv.as_bytes())?;
        if let (Some(first), Some(last)) = (history.first(), history.last())
            && history.len() > 1
        {
            report.check(
                "force_rmse_last_over_first",
                last.force_rmse / first.force_rmse,
                Goal::AtMost(1.0),
                "the test force error falls as labelled exploration frames are added",
            );
        }
        report.metric(
            "reference_calls",
            history.iter().map(|h| h.selected).sum::<usize>() as f64,
        );
        let iters = |f: fn(&Iteration) -> f64| -> Vec<(f64, f64)> {
            history
                .iter()
                .enumerate()
                .map(|(k, h)| (k as f64, f(h)))
                .collect()
        };
        report.figure(ctx.plot(
            "test_error",
            &Plot::Line {
                labels: Labels::new(
                    "Ensemble test error per iteration",
                    "iteration",
                    "RMSE (eV/A, eV/atom)",
                ),
                series: vec![
                    Series::new("force RMSE (eV/A)", iters(|h| h.force_rmse)),
                    Series::new("energy RMSE (eV/atom)", iters(|h| h.energy_rmse)),
                ],
                log_y: true,
            },
        )?);
        report.figure(
            ctx.plot(
                "model_deviation",
                &Plot::Histogram {
                    labels: Labels::new(
                        &format!(
                            "Model deviation of explored frames (trust window {}..{} eV/A)",
                            cfg.trust_lo, cfg.trust_hi
                        ),
                        "max force deviation (eV/A)",
                        "frames",
                    ),
                    samples: history
                        .iter()
                        .enumerate()
                        .map(|(k, h)| (format!("iteration {k}"), h.deviations.clone()))
                        .collect(),
                    bins: 30,
                },
            )?,
        );
        report.note(format!(
            "{} models per iteration, started from the {} lowest-energy frames of {}; exploration by Langevin MD at {:?} K; test errors are the ensemble mean on {}",
            cfg.models,
            cfg.initial_frames,
            source_path.display(),
            cfg.explore_temperatures,
            cfg.train.data.test_data
        ));
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deviation_is_the_largest_per_atom_spread() {
        let a = vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]];
        let b = vec![[0.0, 0.0, 0.0], [-1.0, 0.0, 0.0]];
        assert!((force_deviation(&[a.clone(), b]) - 1.0).abs() < 1e-12);
        assert_eq!(force_deviation(&[a.clone(), a]), 0.0);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let bad = ActiveLearningConfig {
            trust_lo: 0.5,
            trust_hi: 0.2,
            ..ActiveLearningConfig::quick()
        };
        let e = bad.validate().expect_err("refused").to_string();
        assert!(e.contains("trust_lo"), "{e}");
        let bad = ActiveLearningConfig {
            models: 1,
            ..ActiveLearningConfig::quick()
        };
        assert!(
            bad.validate()
                .expect_err("refused")
                .to_string()
                .contains("models")
        );
        assert!(ActiveLearningConfig::quick().validate().is_ok());
    }
}
