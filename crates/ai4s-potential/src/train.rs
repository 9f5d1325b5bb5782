//! Training a Deep Potential with DeePMD-kit's semantics (the `deep-potential` task).
//!
//! Loss per batch of frames (Zhang et al. 2018; DeePMD-kit `ener` loss):
//! `L = p_e mean (dE/N)^2 + p_f mean |dF|^2 / 3 + p_v mean (dW/N)^2 / 9`, with prefactors that
//! follow the learning rate, `p(t) = p_limit + (p_start - p_limit) lr(t)/lr_0`, and an
//! exponentially decaying learning rate `lr(t) = lr_0 r^floor(t/decay_steps)`,
//! `r = (stop_lr/start_lr)^(decay_steps/numb_steps)`, Adam. Per-type energy biases are fitted
//! by least squares on the training energies before training; environment statistics
//! (`davg`, `dstd`) come from the training frames. `metrics.csv` holds DeePMD's lcurve columns.

use crate::env::{self};
use crate::evaluate::{Errors, combine, errors};
use crate::frames::System;
use crate::meta::{ModelMeta, meta_toml};
use crate::model::{DeepPot, NetLayout, batch};
use crate::prepared::{Prepared, predict_all, prepare, read_for_model, tensor};
pub use crate::train_config::DeepPotConfig;
use ai4s_core::burn::module::{Module, ModuleVisitor, Param};
use ai4s_core::burn::optim::AdamConfig;
use ai4s_core::burn::tensor::Tensor;
use ai4s_core::checkpoint::TrainRng;
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::steps::{StepIo, StepLoop, fit_steps};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// Per-type energy bias by least squares of frame energies on type counts.
fn energy_bias(systems: &[&Prepared], ntypes: usize) -> Vec<f64> {
    // Normal equations (C^T C) b = C^T E with a tiny ridge for types absent from the data.
    let mut ata = vec![vec![0.0; ntypes]; ntypes];
    let mut atb = vec![0.0; ntypes];
    for p in systems {
        let mut counts = vec![0.0; ntypes];
        for &t in &p.types {
            counts[t] += 1.0;
        }
        for &e in &p.targets.energy {
            for a in 0..ntypes {
                atb[a] += counts[a] * e;
                for b in 0..ntypes {
                    ata[a][b] += counts[a] * counts[b];
                }
            }
        }
    }
    for (a, row) in ata.iter_mut().enumerate() {
        row[a] += 1e-8;
    }
    // A pivot cannot vanish: the ridge keeps the normal matrix positive definite.
    ai4s_core::linalg::solve_dense(ata, atb).unwrap_or_else(|| vec![0.0; ntypes])
}

/// The Deep Potential training task.
pub struct DeepPotential;

impl Task for DeepPotential {
    type Config = DeepPotConfig;

    fn name(&self) -> &'static str {
        "deep-potential"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Materials
    }

    fn area(&self) -> Area {
        Area::Potential
    }

    fn description(&self) -> &'static str {
        "train a Deep Potential (se_e2_a) on energies and forces (default: shipped tight-binding Si data)"
    }

    fn demonstrates(&self) -> &'static str {
        "The flagship of AI for the physical sciences: a Deep Potential (se_e2_a descriptor, embedding and fitting nets) learns the energies and forces of an electronic-structure model of silicon. Forces are derivatives of the learned energy, written into the training graph, so the potential is conservative and scales linearly with the number of atoms."
    }

    fn json_config(&self, path: &Path, value: serde_json::Value) -> Result<toml::Table> {
        crate::input_json::deepmd_input_to_table(path, value)
    }

    fn run(&self, cfg: &DeepPotConfig, ctx: &mut RunContext) -> Result<Report> {
        let spec = cfg.spec();
        // The precision asked for, checked before the data is read.
        let device = cfg.device(ctx)?;
        // The model's type map: the config's, else the first training system's; every system
        // is remapped to it (see read_for_model).
        let (type_map, mut train_sys) =
            read_for_model(&cfg.data.training_data, &cfg.data.type_map)?;
        let ntypes = type_map.len();
        ensure(spec.sel.len() == ntypes, "descriptor.sel", || {
            format!(
                "has {} entries but the data has {} types {:?}",
                spec.sel.len(),
                ntypes,
                type_map
            )
        })?;
        let mut val_sys = read_for_model(&cfg.data.validation_data, &type_map)?.1;
        if val_sys.is_empty() {
            // Hold out every 10th frame of each training system for validation, so the
            // validation frames span the same conditions (e.g. temperatures) as the training.
            for (s, p) in train_sys.iter_mut() {
                if s.frames.len() >= 2 {
                    let all = std::mem::take(&mut s.frames);
                    let (held, kept): (Vec<_>, Vec<_>) =
                        all.into_iter().enumerate().partition(|(k, _)| k % 10 == 9);
                    s.frames = kept.into_iter().map(|x| x.1).collect();
                    let held: Vec<_> = held.into_iter().map(|x| x.1).collect();
                    if !held.is_empty() {
                        val_sys.push((
                            System {
                                frames: held,
                                ..s.clone()
                            },
                            p.clone(),
                        ));
                    }
                }
            }
        }
        let test_sys = read_for_model(&cfg.data.test_data, &type_map)?.1;
        let refs: Vec<(&System, &Path)> = train_sys.iter().map(|(s, p)| (s, p.as_path())).collect();
        let stats = env::stats(&spec, &refs, ntypes)?;
        let prep = |v: &[(System, PathBuf)]| {
            v.iter()
                .map(|(s, p)| prepare(&spec, &stats, s, p))
                .collect::<Result<Vec<_>>>()
        };
        let (train, val, test) = (prep(&train_sys)?, prep(&val_sys)?, prep(&test_sys)?);
        let bias = energy_bias(&train.iter().collect::<Vec<_>>(), ntypes);
        let frames: Vec<(usize, usize)> = train
            .iter()
            .enumerate()
            .flat_map(|(s, p)| (0..p.env.frames).map(move |k| (s, k)))
            .collect();
        if frames.is_empty() {
            return Err(Error::Runtime("no training frames".into()));
        }
        ctx.info(&format!(
            "training on {} frames ({} validation, {} test); energy bias {:?} eV/atom",
            frames.len(),
            val.iter().map(|p| p.env.frames).sum::<usize>(),
            test.iter().map(|p| p.env.frames).sum::<usize>(),
            bias
        ));

        let net = cfg.net_spec();
        let ad = device.clone().autodiff();
        ad.seed(ctx.seed);
        let mut layout = if cfg.fitting_net.resnet_dt {
            NetLayout::resnet_dt_fitting(&net)
        } else {
            NetLayout::default()
        };
        layout.type_one_side = cfg.descriptor.type_one_side;
        let model = DeepPot::with_init(&net, &spec.sel, &layout, cfg.training.weight_init, &ad);
        let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
        let mut rng = TrainRng::seed_from_u64(ctx.seed ^ 0xd9);
        // Weights, Adam state, the frame-drawing stream and the lcurve are checkpointed by
        // core's step loop; what follows is DeePMD-kit's step.
        let steps = StepLoop {
            label: "deep-potential",
            steps: cfg.training.numb_steps,
            lr_key: "learning_rate.start_lr",
        };
        let replay = |lcurve: &Vec<LcurveRow>, ctx: &mut RunContext| {
            lcurve.iter().for_each(|row| log_lcurve(ctx, row))
        };
        let step = |model: &DeepPot, rng: &mut TrainRng, step: usize| {
            let lr = cfg.lr(step);
            let frac = lr / cfg.learning_rate.start_lr;
            let loss_cfg = &cfg.loss;
            let pref = |s: f64, l: f64| l + (s - l) * frac;
            let (pe, pf, pv) = (
                pref(loss_cfg.start_pref_e, loss_cfg.limit_pref_e),
                pref(loss_cfg.start_pref_f, loss_cfg.limit_pref_f),
                pref(loss_cfg.start_pref_v, loss_cfg.limit_pref_v),
            );
            // A batch from one system (same atom count), frames drawn at random.
            let (s, _) = frames[rng.random_range(0..frames.len())];
            let p = &train[s];
            let idx: Vec<usize> = (0..cfg.data.batch_size)
                .map(|_| rng.random_range(0..p.env.frames))
                .collect();
            let pred = model.predict(&batch(&p.env, &idx, &p.types, ntypes, &bias, &ad));
            let n = p.natoms as f64;
            let b = idx.len();
            let e_ref = tensor(
                idx.iter().map(|&k| p.targets.energy[k]).collect(),
                [b, 1],
                &ad,
            );
            let f_ref = tensor(
                idx.iter()
                    .flat_map(|&k| {
                        p.targets.forces[k * 3 * p.natoms..(k + 1) * 3 * p.natoms].to_vec()
                    })
                    .collect(),
                [b * p.natoms, 3],
                &ad,
            );
            // DeePMD-kit's `ener` loss: pe |dE|^2 / N + pf |dF|^2 / 3N + pv |dXi|^2 / 9N per frame
            // (1/N^2 for energy and virial with `intensive_ener_virial`).
            let norm = if loss_cfg.intensive_ener_virial {
                n * n
            } else {
                n
            };
            let de = pred.energy - e_ref;
            let mut loss = (de.clone() * de).mean() * (pe / norm)
                + (pred.forces - f_ref).powi_scalar(2).mean() * pf;
            if let Some(w) = p.targets.virial.as_ref().filter(|_| pv > 0.0) {
                let w_ref = tensor(
                    idx.iter()
                        .flat_map(|&k| w[k * 9..(k + 1) * 9].to_vec())
                        .collect(),
                    [b, 9],
                    &ad,
                );
                let dw = pred.virial - w_ref;
                loss = loss + (dw.clone() * dw).mean() * (pv / norm);
            }
            Ok((loss, lr))
        };
        let after = |model: &DeepPot,
                     step: usize,
                     lr: f64,
                     lcurve: &mut Vec<LcurveRow>,
                     io: &mut StepIo|
         -> Result<()> {
            if (step + 1).is_multiple_of(cfg.training.disp_freq)
                || step + 1 == cfg.training.numb_steps
            {
                let plain = model.valid();
                let eval = |set: &[Prepared], limit: usize| -> Result<Errors> {
                    // About `limit` frames, spread evenly over every system of the set (at
                    // least one each), combined as `dp test` weights systems.
                    let budget = (limit / set.len().max(1)).max(1);
                    let parts = set
                        .iter()
                        .map(|p| {
                            let stride = p.env.frames.div_ceil(budget).max(1);
                            let idx: Vec<usize> = (0..p.env.frames).step_by(stride).collect();
                            let pred = predict_all(&plain, p, &idx, ntypes, &bias, &device)?;
                            Ok((errors(p, &idx, &pred), idx.len(), idx.len() * 3 * p.natoms))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(combine(&parts))
                };
                let trn = eval(&train, 8)?;
                let vl = if val.is_empty() { trn } else { eval(&val, 16)? };
                io.bar.set_metric("rmse_f_val", vl.force_rmse);
                let row = (step + 1, vl, trn, lr);
                log_lcurve(io.ctx, &row);
                lcurve.push(row);
            }
            Ok(())
        };
        let done = fit_steps(model, &mut optim, &mut rng, steps, ctx, replay, step, after)?;
        let (lcurve, train_seconds) = (done.state, done.seconds);
        let model = done.model.valid();

        let mut report = Report::new();
        let mut parity_e = (Vec::new(), Vec::new());
        let mut parity_f = (Vec::new(), Vec::new());
        let mut fstd = (0.0, 0.0, 0usize);
        let mut parts = Vec::new();
        for p in &test {
            let idx: Vec<usize> = (0..p.env.frames).collect();
            let pred = predict_all(&model, p, &idx, ntypes, &bias, &device)?;
            parts.push((errors(p, &idx, &pred), idx.len(), idx.len() * 3 * p.natoms));
            let n = p.natoms as f64;
            parity_e.0.extend(p.targets.energy.iter().map(|e| e / n));
            parity_e.1.extend(pred.0.iter().map(|e| e / n));
            parity_f.0.extend(p.targets.forces.iter().copied());
            parity_f.1.extend(pred.1.iter().copied());
            for f in &p.targets.forces {
                fstd.0 += f;
                fstd.1 += f * f;
                fstd.2 += 1;
            }
        }
        if !parity_e.0.is_empty() {
            // Detail files like `dp test -d`: reference and prediction side by side.
            let mut e_csv = String::from("frame,ref_energy_per_atom,pred_energy_per_atom\n");
            for (k, (r, p)) in parity_e.0.iter().zip(&parity_e.1).enumerate() {
                e_csv.push_str(&format!("{k},{r},{p}\n"));
            }
            ctx.write_file("test_detail_energy.csv", e_csv.as_bytes())?;
            let mut f_csv = String::from("atom,ref_fx,ref_fy,ref_fz,pred_fx,pred_fy,pred_fz\n");
            for (k, (r, p)) in parity_f.0.chunks(3).zip(parity_f.1.chunks(3)).enumerate() {
                f_csv.push_str(&format!(
                    "{k},{},{},{},{},{},{}\n",
                    r[0], r[1], r[2], p[0], p[1], p[2]
                ));
            }
            ctx.write_file("test_detail_force.csv", f_csv.as_bytes())?;
        }
        let all = combine(&parts);
        let virial_seen = all.virial_rmse_per_atom.is_some();
        let force_std = if fstd.2 > 0 {
            (fstd.1 / fstd.2 as f64 - (fstd.0 / fstd.2 as f64).powi(2)).sqrt()
        } else {
            f64::NAN
        };
        if test.is_empty() {
            report.note("no test_data given: no test metrics");
        } else {
            report
                .metric("energy_rmse_per_atom", all.energy_rmse_per_atom)
                .metric("energy_mae_per_atom", all.energy_mae_per_atom)
                .metric("force_rmse", all.force_rmse)
                .metric("force_mae", all.force_mae)
                .metric("test_force_std", force_std)
                .check("force_rmse_over_std", all.force_rmse / force_std, Goal::AtMost(if ctx.quick { 0.10 } else { 0.05 }), "force RMSE below 10 % (quick) / 5 % (full) of the force spread on the test set");
            report.check(
                "energy_rmse_per_atom_mev",
                1e3 * all.energy_rmse_per_atom,
                Goal::AtMost(5.0),
                "energy RMSE below 5 meV/atom on the test set (the accuracy the Deep Potential papers report for bulk systems)",
            );
            // NaN is written as null in summary.json when the test data has no virial.
            report.metric(
                "virial_rmse_per_atom",
                all.virial_rmse_per_atom.unwrap_or(f64::NAN),
            );
        }
        report
            .metric("numb_steps", cfg.training.numb_steps as f64)
            .metric(
                "train_steps_per_second",
                cfg.training.numb_steps as f64 / train_seconds,
            )
            .metric("parameters", model.num_params() as f64)
            .metric("weight_bits", weight_bits(&model));
        if !virial_seen {
            report.note("virial_rmse_per_atom: null (the test data has no virial)");
        }
        let curve = |f: fn(&LcurveRow) -> f64, name: &str| {
            Series::new(name, lcurve.iter().map(|r| (r.0 as f64, f(r))).collect())
        };
        report.figure(ctx.plot(
            "lcurve",
            &Plot::Line {
                labels: Labels::new("Learning curve", "step", "RMSE (eV/atom, eV/A)"),
                series: vec![
                    curve(|r| r.1.force_rmse, "force, validation"),
                    curve(|r| r.2.force_rmse, "force, training"),
                    curve(|r| r.1.energy_rmse_per_atom, "energy/atom, validation"),
                ],
                log_y: true,
            },
        )?);
        if !parity_e.0.is_empty() {
            report.figure(ctx.plot(
                "parity_energy",
                &Plot::Parity {
                    labels: Labels::new(
                        "Test energies",
                        "reference (eV/atom)",
                        "Deep Potential (eV/atom)",
                    ),
                    reference: parity_e.0,
                    predicted: parity_e.1,
                },
            )?);
            report.figure(ctx.plot(
                "parity_force",
                &Plot::Parity {
                    labels: Labels::new(
                        "Test force components",
                        "reference (eV/A)",
                        "Deep Potential (eV/A)",
                    ),
                    reference: parity_f.0,
                    predicted: parity_f.1,
                },
            )?);
        }
        let meta = ModelMeta {
            type_map,
            env: spec,
            net,
            stats,
            bias,
        };
        let text = meta_toml(&meta, model.layout())?;
        ctx.write_file("model.toml", text.as_bytes())?;
        ctx.save_module("model.bpk", &model)?;
        Ok(report)
    }
}

/// Bits per float of the trained weights (32 or 64), read from the weights themselves: the
/// precision the model was trained in. The largest over all parameters.
fn weight_bits(model: &DeepPot) -> f64 {
    struct Bits(usize);
    impl ModuleVisitor for Bits {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0 = self.0.max(8 * p.val().dtype().size());
        }
    }
    let mut bits = Bits(0);
    model.visit(&mut bits);
    bits.0 as f64
}

/// One lcurve row: step, validation errors, training errors, learning rate.
type LcurveRow = (usize, Errors, Errors, f64);

/// Logs an lcurve row to the run's metrics, with DeePMD's column names.
/// The virial columns (`rmse_v_val`, `rmse_v_trn`, per atom) appear when the training data has
/// virials; a validation set without them logs NaN there, as DeePMD-kit prints `nan`.
fn log_lcurve(ctx: &mut RunContext, (step, vl, trn, lr): &LcurveRow) {
    let mut row = vec![
        ("rmse_e_val", vl.energy_rmse_per_atom),
        ("rmse_e_trn", trn.energy_rmse_per_atom),
        ("rmse_f_val", vl.force_rmse),
        ("rmse_f_trn", trn.force_rmse),
    ];
    if let Some(v) = trn.virial_rmse_per_atom {
        row.push(("rmse_v_val", vl.virial_rmse_per_atom.unwrap_or(f64::NAN)));
        row.push(("rmse_v_trn", v));
    }
    row.push(("lr", *lr));
    ctx.log(*step, &row);
}

/// Trains a model with `cfg` as a nested run of the `deep-potential` task writing into `dir`
/// (`model.bpk`, `model.toml`, `config.toml`, `metrics.csv`, figures), on the device of `ctx`
/// with `seed`, without a progress display of its own. Returns the path of the weights and the
/// task's report (test-set errors when `cfg.data.test_data` is set).
pub fn train_into(
    cfg: &DeepPotConfig,
    dir: &Path,
    ctx: &RunContext,
    seed: u64,
) -> Result<(PathBuf, Report)> {
    cfg.validate()?;
    let mut sub = RunContext::new(
        ctx.device.clone(),
        ctx.backend,
        seed,
        dir.to_path_buf(),
        ctx.quick,
        ai4s_core::progress::ProgressMode::Quiet,
    )?;
    let text = toml::to_string_pretty(cfg)
        .map_err(|e| Error::Runtime(format!("serialising the training config: {e}")))?;
    sub.write_file("config.toml", text.as_bytes())?;
    let report = DeepPotential.run(cfg, &mut sub)?;
    sub.metrics.write(&sub.path("metrics.csv"))?;
    Ok((sub.path("model.bpk"), report))
}
