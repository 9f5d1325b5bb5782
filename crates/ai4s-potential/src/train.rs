//! Training a Deep Potential with DeePMD-kit's semantics (the `deep-potential` task).
//!
//! Loss per batch of frames (Zhang et al. 2018; DeePMD-kit `ener` loss):
//! `L = p_e mean (dE/N)^2 + p_f mean |dF|^2 / 3 + p_v mean (dW/N)^2 / 9`, with prefactors that
//! follow the learning rate, `p(t) = p_limit + (p_start - p_limit) lr(t)/lr_0`, and an
//! exponentially decaying learning rate `lr(t) = lr_0 r^floor(t/decay_steps)`,
//! `r = (stop_lr/start_lr)^(decay_steps/numb_steps)`, Adam. Per-type energy biases are fitted
//! by least squares on the training energies before training; environment statistics
//! (`davg`, `dstd`) come from the training frames. `metrics.csv` holds DeePMD's lcurve columns.

use crate::deepmd;
use crate::env::{self, EnvData, EnvSpec, EnvStats};
use crate::frames::System;
use crate::model::{DeepPot, NetLayout, NetSpec, Prediction, batch};
use ai4s_core::burn::module::Module;
use ai4s_core::burn::optim::AdamConfig;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::checkpoint::{TrainRng, rng_position, set_rng_position};
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::tensor::to_vec as values;
use ai4s_core::train::optimizer_step;
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Configuration with DeePMD-kit's field names.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeepPotConfig {
    /// Training systems: DeePMD directories or extended XYZ files, comma-separated.
    pub training_data: String,
    /// Validation systems (empty: the last 10 % of the training frames).
    pub validation_data: String,
    /// Test systems, evaluated once after training (never used for training or selection).
    pub test_data: String,
    /// Cutoff radius (A).
    pub rcut: f64,
    /// Start of the smooth switching (A).
    pub rcut_smth: f64,
    /// Neighbour slots per type.
    pub sel: Vec<usize>,
    /// Embedding net widths.
    pub neuron: Vec<usize>,
    /// Columns of T kept in the descriptor.
    pub axis_neuron: usize,
    /// Fitting net widths.
    pub fitting_neuron: Vec<usize>,
    /// Fitting-net residual layers carry a trainable timestep vector `idt` (DeePMD-kit's
    /// `fitting_net.resnet_dt`, default true).
    pub resnet_dt: bool,
    /// Optimiser steps.
    pub numb_steps: usize,
    /// Frames per step.
    pub batch_size: usize,
    /// Initial learning rate.
    pub start_lr: f64,
    /// Learning rate reached at `numb_steps`.
    pub stop_lr: f64,
    /// Steps between learning-rate decays.
    pub decay_steps: usize,
    /// Energy prefactor at the start.
    pub start_pref_e: f64,
    /// Energy prefactor at the end.
    pub limit_pref_e: f64,
    /// Force prefactor at the start.
    pub start_pref_f: f64,
    /// Force prefactor at the end.
    pub limit_pref_f: f64,
    /// Virial prefactor at the start.
    pub start_pref_v: f64,
    /// Virial prefactor at the end.
    pub limit_pref_v: f64,
    /// Normalise the energy and virial loss terms by 1/N^2 (intensive, like the per-atom errors
    /// reported, so the prefactors do not depend on the system size) instead of DeePMD-kit's
    /// legacy 1/N. DeePMD-kit's `loss.intensive_ener_virial`: its default is false (and an
    /// `input.json` without it is read as false); ai4s's default is true, with the energy and
    /// virial prefactors above tuned for it.
    pub intensive_ener_virial: bool,
    /// Steps between lcurve rows.
    pub disp_freq: usize,
}

impl Default for DeepPotConfig {
    fn default() -> Self {
        DeepPotConfig {
            training_data: "datasets/tb-si-64/train".into(),
            validation_data: String::new(),
            test_data: "datasets/tb-si-64/test".into(),
            rcut: 5.0,
            rcut_smth: 0.5,
            sel: vec![48],
            neuron: vec![16, 32, 64],
            axis_neuron: 12,
            fitting_neuron: vec![100, 100, 100],
            resnet_dt: true,
            numb_steps: 20000,
            batch_size: 1,
            start_lr: 5e-3,
            stop_lr: 1e-5,
            decay_steps: 200,
            // DeePMD's defaults are 0.02 -> 1; on the TB-Si data 0.1 -> 4 lowered the validation
            // energy RMSE (10.5 vs 11.6 meV/atom) at the same force error.
            start_pref_e: 0.1,
            limit_pref_e: 4.0,
            start_pref_f: 1000.0,
            limit_pref_f: 1.0,
            start_pref_v: 0.1,
            limit_pref_v: 1.0,
            intensive_ener_virial: true,
            disp_freq: 100,
        }
    }
}

impl TaskConfig for DeepPotConfig {
    fn quick() -> Self {
        DeepPotConfig {
            numb_steps: 3000,
            stop_lr: 2e-5,
            decay_steps: 100,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            self.training_data.split(',').any(|s| !s.trim().is_empty()),
            "training_data",
            || "needs at least one DeePMD directory or .xyz file".into(),
        )?;
        self.spec().validate()?;
        ensure(
            !self.neuron.is_empty() && self.neuron.iter().all(|&w| (1..=1024).contains(&w)),
            "neuron",
            || format!("embedding widths must be 1..=1024, got {:?}", self.neuron),
        )?;
        let m1 = *self.neuron.last().unwrap_or(&0);
        ensure(
            self.axis_neuron >= 1 && self.axis_neuron <= m1,
            "axis_neuron",
            || {
                format!(
                    "must be between 1 and the last embedding width {m1}, got {}",
                    self.axis_neuron
                )
            },
        )?;
        ensure(
            !self.fitting_neuron.is_empty()
                && self.fitting_neuron.iter().all(|&w| (1..=4096).contains(&w)),
            "fitting_neuron",
            || format!("widths must be 1..=4096, got {:?}", self.fitting_neuron),
        )?;
        ensure(self.numb_steps >= 1, "numb_steps", || {
            "must be at least 1".into()
        })?;
        ensure((1..=64).contains(&self.batch_size), "batch_size", || {
            format!("must be 1..=64 frames, got {}", self.batch_size)
        })?;
        ensure(
            self.start_lr > 0.0 && self.start_lr < 1.0,
            "start_lr",
            || format!("must be in (0, 1), got {}", self.start_lr),
        )?;
        ensure(
            self.stop_lr > 0.0 && self.stop_lr <= self.start_lr,
            "stop_lr",
            || format!("must be in (0, start_lr], got {}", self.stop_lr),
        )?;
        ensure(self.decay_steps >= 1, "decay_steps", || {
            "must be at least 1".into()
        })?;
        ensure(self.disp_freq >= 1, "disp_freq", || {
            "must be at least 1".into()
        })?;
        for (name, v) in [
            ("start_pref_e", self.start_pref_e),
            ("limit_pref_e", self.limit_pref_e),
            ("start_pref_f", self.start_pref_f),
            ("limit_pref_f", self.limit_pref_f),
            ("start_pref_v", self.start_pref_v),
            ("limit_pref_v", self.limit_pref_v),
        ] {
            ensure(v.is_finite() && v >= 0.0, name, || {
                format!("must be a non-negative number, got {v}")
            })?;
        }
        Ok(())
    }
}

impl DeepPotConfig {
    fn spec(&self) -> EnvSpec {
        EnvSpec {
            rcut: self.rcut,
            rcut_smth: self.rcut_smth,
            sel: self.sel.clone(),
        }
    }

    fn lr(&self, step: usize) -> f64 {
        let r =
            (self.stop_lr / self.start_lr).powf(self.decay_steps as f64 / self.numb_steps as f64);
        self.start_lr * r.powi((step / self.decay_steps) as i32)
    }
}

/// Reads one or more systems (DeePMD directories or extended XYZ files), comma-separated.
pub fn read_systems(list: &str) -> Result<Vec<(System, PathBuf)>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let p = PathBuf::from(s);
            let sys = if p.is_dir() {
                deepmd::read_system(&p, None)?
            } else if p.exists() {
                crate::xyz::read(&p)?
            } else {
                return Err(Error::Data {
                    path: p.clone(),
                    line: None,
                    column: None,
                    message: "no such DeePMD directory or extended XYZ file".into(),
                });
            };
            Ok((sys, p))
        })
        .collect()
}

/// Labels of a system as flat arrays.
struct Targets {
    energy: Vec<f64>,
    forces: Vec<f64>,
    virial: Option<Vec<f64>>,
}

fn targets(s: &System, path: &Path) -> Result<Targets> {
    let missing = |what: &str| {
        Error::data(
            path,
            None,
            format!("frames without {what}: training needs energies and forces"),
        )
    };
    Ok(Targets {
        energy: s
            .frames
            .iter()
            .map(|f| f.energy.ok_or_else(|| missing("energy")))
            .collect::<Result<_>>()?,
        forces: s
            .frames
            .iter()
            .map(|f| f.forces.clone().ok_or_else(|| missing("forces")))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .flatten()
            .collect(),
        virial: s
            .frames
            .iter()
            .map(|f| f.virial)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.into_iter().flatten().flatten().collect()),
    })
}

/// A system prepared for the model.
struct Prepared {
    env: EnvData,
    types: Vec<usize>,
    targets: Targets,
    natoms: usize,
}

fn prepare(spec: &EnvSpec, stats: &EnvStats, s: &System, path: &Path) -> Result<Prepared> {
    Ok(Prepared {
        env: env::build(spec, stats, s, path)?,
        types: s.types.clone(),
        targets: targets(s, path)?,
        natoms: s.natoms(),
    })
}

fn tensor<const D: usize>(v: Vec<f64>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(v, shape), device)
}

/// Per-frame predictions of a model on `idx` frames, in chunks.
fn predict_all(
    model: &DeepPot,
    p: &Prepared,
    idx: &[usize],
    ntypes: usize,
    bias: &[f64],
    device: &Device,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let (mut e, mut f, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for chunk in idx.chunks(4) {
        let pred: Prediction = model.predict(&batch(&p.env, chunk, &p.types, ntypes, bias, device));
        e.extend(values(pred.energy)?);
        f.extend(values(pred.forces)?);
        w.extend(values(pred.virial)?);
    }
    Ok((e, f, w))
}

/// Error measures of predictions against labels, in DeePMD's units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    /// Energy RMSE per atom (eV).
    pub energy_rmse_per_atom: f64,
    /// Energy MAE per atom (eV).
    pub energy_mae_per_atom: f64,
    /// Force RMSE (eV/A).
    pub force_rmse: f64,
    /// Force MAE (eV/A).
    pub force_mae: f64,
    /// Virial RMSE per atom (eV), if labelled.
    pub virial_rmse_per_atom: Option<f64>,
}

fn errors(p: &Prepared, idx: &[usize], pred: &(Vec<f64>, Vec<f64>, Vec<f64>)) -> Errors {
    let n = p.natoms as f64;
    let de: Vec<f64> = idx
        .iter()
        .zip(&pred.0)
        .map(|(&k, e)| (e - p.targets.energy[k]) / n)
        .collect();
    let stride = 3 * p.natoms;
    let df: Vec<f64> = idx
        .iter()
        .enumerate()
        .flat_map(|(b, &k)| (0..stride).map(move |c| (b, k, c)))
        .map(|(b, k, c)| pred.1[b * stride + c] - p.targets.forces[k * stride + c])
        .collect();
    let rms = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len().max(1) as f64).sqrt();
    let mae = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len().max(1) as f64;
    let virial_rmse_per_atom = p.targets.virial.as_ref().map(|w| {
        let dw: Vec<f64> = idx
            .iter()
            .enumerate()
            .flat_map(|(b, &k)| (0..9).map(move |c| (b, k, c)))
            .map(|(b, k, c)| (pred.2[b * 9 + c] - w[k * 9 + c]) / n)
            .collect();
        rms(&dw)
    });
    Errors {
        energy_rmse_per_atom: rms(&de),
        energy_mae_per_atom: mae(&de),
        force_rmse: rms(&df),
        force_mae: mae(&df),
        virial_rmse_per_atom,
    }
}

/// A system's errors, its frame count and its force-component count.
type SystemErrors = (Errors, usize, usize);

/// Errors over several systems together: each system's measures weighted by how many values
/// they average (frames for energies and virials, force components for forces), as `dp test`
/// reports the weighted average over systems. The virial is `None` unless some system has one.
fn combine(parts: &[SystemErrors]) -> Errors {
    let total = |w: &dyn Fn(&SystemErrors) -> Option<(f64, f64)>, sq: bool| {
        let (mut sum, mut n) = (0.0, 0.0);
        for p in parts {
            if let Some((v, k)) = w(p) {
                sum += if sq { v * v * k } else { v * k };
                n += k;
            }
        }
        if n == 0.0 {
            None
        } else if sq {
            Some((sum / n).sqrt())
        } else {
            Some(sum / n)
        }
    };
    Errors {
        energy_rmse_per_atom: total(&|p| Some((p.0.energy_rmse_per_atom, p.1 as f64)), true)
            .unwrap_or(f64::NAN),
        energy_mae_per_atom: total(&|p| Some((p.0.energy_mae_per_atom, p.1 as f64)), false)
            .unwrap_or(f64::NAN),
        force_rmse: total(&|p| Some((p.0.force_rmse, p.2 as f64)), true).unwrap_or(f64::NAN),
        force_mae: total(&|p| Some((p.0.force_mae, p.2 as f64)), false).unwrap_or(f64::NAN),
        virial_rmse_per_atom: total(&|p| p.0.virial_rmse_per_atom.map(|v| (v, p.1 as f64)), true),
    }
}

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
    // Gaussian elimination (ntypes is small).
    let n = ntypes;
    for c in 0..n {
        let piv = (c..n)
            .max_by(|&x, &y| ata[x][c].abs().total_cmp(&ata[y][c].abs()))
            .unwrap_or(c);
        ata.swap(c, piv);
        atb.swap(c, piv);
        for r in 0..n {
            if r != c && ata[c][c] != 0.0 {
                let f = ata[r][c] / ata[c][c];
                for k in 0..n {
                    ata[r][k] -= f * ata[c][k];
                }
                atb[r] -= f * atb[c];
            }
        }
    }
    (0..n)
        .map(|i| {
            if ata[i][i] != 0.0 {
                atb[i] / ata[i][i]
            } else {
                0.0
            }
        })
        .collect()
}

/// What is saved next to the weights so the model can be evaluated later.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Element names by type.
    pub type_map: Vec<String>,
    /// Descriptor geometry.
    pub env: EnvSpec,
    /// Network sizes.
    pub net: NetSpec,
    /// Environment statistics.
    pub stats: EnvStats,
    /// Per-type energy bias (eV).
    pub bias: Vec<f64>,
}

/// The Deep Potential training task.
pub struct DeepPotential;

impl Task for DeepPotential {
    type Config = DeepPotConfig;

    fn name(&self) -> &'static str {
        "deep-potential"
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
        let mut train_sys = read_systems(&cfg.training_data)?;
        let type_map = train_sys[0].0.type_map.clone();
        let ntypes = type_map.len();
        ensure(cfg.sel.len() == ntypes, "sel", || {
            format!(
                "has {} entries but the data has {} types {:?}",
                cfg.sel.len(),
                ntypes,
                type_map
            )
        })?;
        let mut val_sys = read_systems(&cfg.validation_data)?;
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
        let test_sys = read_systems(&cfg.test_data)?;
        for (s, p) in train_sys.iter().chain(&val_sys).chain(&test_sys) {
            if s.type_map != type_map {
                return Err(Error::data(
                    p,
                    None,
                    format!(
                        "type map {:?} differs from the training data's {:?}",
                        s.type_map, type_map
                    ),
                ));
            }
        }
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

        let net = NetSpec {
            neuron: cfg.neuron.clone(),
            axis_neuron: cfg.axis_neuron,
            fitting_neuron: cfg.fitting_neuron.clone(),
        };
        let ad = ctx.device.clone().autodiff();
        ad.seed(ctx.seed);
        let layout = if cfg.resnet_dt {
            NetLayout::resnet_dt_fitting(&net)
        } else {
            NetLayout::default()
        };
        let mut model = DeepPot::with_layout(&net, &cfg.sel, &layout, &ad);
        let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
        let mut rng = TrainRng::seed_from_u64(ctx.seed ^ 0xd9);
        let mut bar = ctx.progress("deep-potential", cfg.numb_steps as u64);
        let start = std::time::Instant::now();
        let mut lcurve: Vec<LcurveRow> = Vec::new();
        // Checkpoints: weights, Adam state, the frame-drawing stream and the lcurve so far.
        let mut ckpt = ctx.checkpoint("deep-potential");
        let mut first_step = 0;
        let mut seconds_before = 0.0;
        if let Some(loaded) = ckpt.load::<TrainState>()? {
            model = loaded.model("model", model)?;
            loaded.optimizer(&mut optim)?;
            let st = loaded.state;
            set_rng_position(&mut rng, &st.rng)?;
            first_step = st.steps_done.min(cfg.numb_steps);
            seconds_before = st.train_seconds;
            for row in &st.lcurve {
                log_lcurve(ctx, row);
            }
            lcurve = st.lcurve;
            bar.inc(first_step as u64);
            ctx.info(&format!("resumed after step {first_step}"));
        }
        for step in first_step..cfg.numb_steps {
            let lr = cfg.lr(step);
            let frac = lr / cfg.start_lr;
            let pref = |s: f64, l: f64| l + (s - l) * frac;
            let (pe, pf, pv) = (
                pref(cfg.start_pref_e, cfg.limit_pref_e),
                pref(cfg.start_pref_f, cfg.limit_pref_f),
                pref(cfg.start_pref_v, cfg.limit_pref_v),
            );
            // A batch from one system (same atom count), frames drawn at random.
            let (s, _) = frames[rng.random_range(0..frames.len())];
            let p = &train[s];
            let idx: Vec<usize> = (0..cfg.batch_size)
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
            let norm = if cfg.intensive_ener_virial { n * n } else { n };
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
            model = optimizer_step(
                &mut optim,
                model,
                loss,
                lr,
                "deep-potential (start_lr)",
                step + 1,
            )?
            .0;
            bar.inc(1);
            if (step + 1) % cfg.disp_freq == 0 || step + 1 == cfg.numb_steps {
                let plain = model.valid();
                let eval = |set: &[Prepared], limit: usize| -> Result<Errors> {
                    // At most `limit` frames, spread evenly over the set.
                    let p = &set[0];
                    let stride = p.env.frames.div_ceil(limit).max(1);
                    let idx: Vec<usize> = (0..p.env.frames).step_by(stride).collect();
                    Ok(errors(
                        p,
                        &idx,
                        &predict_all(&plain, p, &idx, ntypes, &bias, &ctx.device)?,
                    ))
                };
                let trn = eval(&train, 8)?;
                let vl = if val.is_empty() { trn } else { eval(&val, 16)? };
                bar.set_metric("rmse_f_val", vl.force_rmse);
                let row = (step + 1, vl, trn, lr);
                log_lcurve(ctx, &row);
                lcurve.push(row);
            }
            if ckpt.due() || step + 1 == cfg.numb_steps {
                let state = TrainState {
                    steps_done: step + 1,
                    rng: rng_position(&rng),
                    lcurve: lcurve.clone(),
                    train_seconds: seconds_before + start.elapsed().as_secs_f64(),
                };
                ckpt.save(step + 1, &[("model", &model)], &optim, &state)?;
            }
        }
        bar.finish();
        let train_seconds = seconds_before + start.elapsed().as_secs_f64();
        let model = model.valid();

        let mut report = Report::new();
        let mut parity_e = (Vec::new(), Vec::new());
        let mut parity_f = (Vec::new(), Vec::new());
        let mut fstd = (0.0, 0.0, 0usize);
        let mut parts = Vec::new();
        for p in &test {
            let idx: Vec<usize> = (0..p.env.frames).collect();
            let pred = predict_all(&model, p, &idx, ntypes, &bias, &ctx.device)?;
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
            // NaN is written as null in summary.json when the test data has no virial.
            report.metric(
                "virial_rmse_per_atom",
                all.virial_rmse_per_atom.unwrap_or(f64::NAN),
            );
        }
        report
            .metric("numb_steps", cfg.numb_steps as f64)
            .metric(
                "train_steps_per_second",
                cfg.numb_steps as f64 / train_seconds,
            )
            .metric("parameters", model.num_params() as f64);
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

/// One lcurve row: step, validation errors, training errors, learning rate.
type LcurveRow = (usize, Errors, Errors, f64);

/// What the trainer checkpoints besides the weights and Adam's state.
#[derive(Serialize, Deserialize)]
struct TrainState {
    steps_done: usize,
    /// Position of the frame-drawing random stream.
    rng: String,
    lcurve: Vec<LcurveRow>,
    /// Training wall time so far (over all sessions of the run).
    train_seconds: f64,
}

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

/// The network layout, kept in `model.toml` as a `[layout]` table after the [`ModelMeta`]
/// (files without it describe the original layout: one embedding net per neighbour type, no
/// timestep vectors).
#[derive(Serialize, Deserialize)]
struct LayoutTable {
    #[serde(default)]
    layout: NetLayout,
}

/// `model.toml`: the [`ModelMeta`] followed by the `[layout]` table.
pub fn meta_toml(meta: &ModelMeta, layout: &NetLayout) -> Result<String> {
    let err = |e: toml::ser::Error| Error::Runtime(format!("serialising model metadata: {e}"));
    let mut text = toml::to_string_pretty(meta).map_err(err)?;
    text.push('\n');
    text.push_str(
        &toml::to_string_pretty(&LayoutTable {
            layout: layout.clone(),
        })
        .map_err(err)?,
    );
    Ok(text)
}

/// Whether `path` names a DeePMD-kit model document (`.yaml`, `.yml` or `.json`) rather than
/// ai4s weights.
pub fn is_deepmd_document(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Loads a model saved by the `deep-potential` task (`model.bpk` with `model.toml` beside it),
/// or a DeePMD-kit model document (`.yaml`/`.json`, see [`crate::dpmodel`]).
pub fn load_model(path: &Path, device: &Device) -> Result<(DeepPot, ModelMeta)> {
    if is_deepmd_document(path) {
        return crate::dpmodel::import_file(path, device);
    }
    let meta_path = path.with_extension("toml");
    let text = ai4s_core::io::read_to_string(&meta_path)?;
    let meta: ModelMeta = toml::from_str(&text).map_err(|e| {
        Error::data(
            &meta_path,
            None,
            format!("not a model description: {}", e.message()),
        )
    })?;
    let layout = toml::from_str::<LayoutTable>(&text)
        .map_err(|e| Error::data(&meta_path, None, format!("[layout]: {}", e.message())))?
        .layout;
    check_meta(&meta).map_err(|m| Error::data(&meta_path, None, m))?;
    ai4s_core::error::ensure(
        layout.embedding_idt.len() <= meta.net.neuron.len()
            && layout.fitting_idt.len() <= meta.net.fitting_neuron.len(),
        "layout",
        || "has more timestep flags than the networks have layers".into(),
    )?;
    let model = DeepPot::with_layout(&meta.net, &meta.env.sel, &layout, device);
    let model = ai4s_core::io::load_weights(model, path)
        .map_err(|e| Error::data(path, None, format!("cannot load the weights ({e:?}); was it written by `ai4s run deep-potential` with the sizes in {}?", meta_path.display())))?;
    // The record keeps the precision it was saved in; evaluate in the device's.
    let model = model.on_device(device)?;
    Ok((model, meta))
}

/// Sizes in a model description that a network could be built from (not garbage that would
/// exhaust memory).
pub(crate) fn check_meta(meta: &ModelMeta) -> std::result::Result<(), String> {
    meta.env.validate().map_err(|e| e.to_string())?;
    let widths = |w: &[usize]| !w.is_empty() && w.iter().all(|&x| (1..=4096).contains(&x));
    let n = meta.type_map.len();
    let checks = [
        (
            widths(&meta.net.neuron),
            "net.neuron: widths must be 1..=4096",
        ),
        (
            widths(&meta.net.fitting_neuron),
            "net.fitting_neuron: widths must be 1..=4096",
        ),
        (
            meta.net.axis_neuron >= 1
                && meta
                    .net
                    .neuron
                    .last()
                    .is_some_and(|&m| meta.net.axis_neuron <= m),
            "net.axis_neuron must be between 1 and the last embedding width",
        ),
        (
            n >= 1
                && meta.env.sel.len() == n
                && meta.bias.len() == n
                && meta.stats.davg.len() == n
                && meta.stats.dstd.len() == n,
            "type_map, env.sel, bias and stats must have one entry per type",
        ),
    ];
    match checks.iter().find(|c| !c.0) {
        Some((_, m)) => Err(format!("not a valid model description: {m}")),
        None => Ok(()),
    }
}

/// Evaluates a saved model on systems (like `dp test`): errors per system.
pub fn test_model(
    model_path: &Path,
    data: &str,
    device: &Device,
) -> Result<Vec<(PathBuf, usize, Errors)>> {
    Ok(predict_model(model_path, data, device)?
        .into_iter()
        .map(|p| (p.path, p.frames, p.errors))
        .collect())
}

/// A saved model's predictions on one system, with its labels (like `dp test -d`).
#[derive(Clone, Debug)]
pub struct SystemPrediction {
    /// The system's path.
    pub path: PathBuf,
    /// Frames.
    pub frames: usize,
    /// Errors against the labels.
    pub errors: Errors,
    /// Predicted energies, one per frame (eV).
    pub energy: Vec<f64>,
    /// Predicted forces, `3 x natoms` per frame (eV/A).
    pub forces: Vec<f64>,
    /// Predicted virials, 9 per frame (eV).
    pub virial: Vec<f64>,
    /// Reference energies.
    pub ref_energy: Vec<f64>,
    /// Reference forces.
    pub ref_forces: Vec<f64>,
    /// Reference virials, if labelled.
    pub ref_virial: Option<Vec<f64>>,
}

/// Evaluates a saved model (ai4s weights or a DeePMD-kit document) on systems.
pub fn predict_model(
    model_path: &Path,
    data: &str,
    device: &Device,
) -> Result<Vec<SystemPrediction>> {
    let (model, meta) = load_model(model_path, device)?;
    let mut out = Vec::new();
    for (s, p) in read_systems(data)? {
        let types: Vec<usize> = s
            .types
            .iter()
            .map(|&t| {
                meta.type_map
                    .iter()
                    .position(|m| *m == s.type_map[t])
                    .ok_or_else(|| {
                        Error::data(
                            &p,
                            None,
                            format!(
                                "element {} is not in the model's type map {:?}",
                                s.type_map[t], meta.type_map
                            ),
                        )
                    })
            })
            .collect::<Result<_>>()?;
        let s = System {
            types,
            type_map: meta.type_map.clone(),
            ..s
        };
        let prepared = prepare(&meta.env, &meta.stats, &s, &p)?;
        let idx: Vec<usize> = (0..prepared.env.frames).collect();
        let pred = predict_all(
            &model,
            &prepared,
            &idx,
            meta.type_map.len(),
            &meta.bias,
            device,
        )?;
        let errors = errors(&prepared, &idx, &pred);
        out.push(SystemPrediction {
            path: p,
            frames: idx.len(),
            errors,
            energy: pred.0,
            forces: pred.1,
            virial: pred.2,
            ref_energy: prepared.targets.energy,
            ref_forces: prepared.targets.forces,
            ref_virial: prepared.targets.virial,
        });
    }
    Ok(out)
}

/// Trains a model with `cfg` as a nested run of the `deep-potential` task writing into `dir`
/// (`model.bpk`, `model.toml`, `config.toml`, `metrics.csv`, figures), on the device of `ctx`
/// with `seed`, without a progress display of its own. Returns the path of the weights and the
/// task's report (test-set errors when `cfg.test_data` is set).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_over_systems_weight_each_by_its_values() {
        let e = |x: f64, v: Option<f64>| Errors {
            energy_rmse_per_atom: x,
            energy_mae_per_atom: x,
            force_rmse: x,
            force_mae: x,
            virial_rmse_per_atom: v,
        };
        // One frame with error 1 everywhere (6 force components), three frames with error 3
        // (36 force components).
        let all = combine(&[(e(1.0, None), 1, 6), (e(3.0, Some(2.0)), 3, 36)]);
        assert!((all.energy_rmse_per_atom - ((1.0 + 27.0) / 4.0f64).sqrt()).abs() < 1e-12);
        assert!((all.energy_mae_per_atom - (1.0 + 9.0) / 4.0).abs() < 1e-12);
        assert!((all.force_rmse - ((6.0 + 36.0 * 9.0) / 42.0f64).sqrt()).abs() < 1e-12);
        assert!((all.force_mae - (6.0 + 36.0 * 3.0) / 42.0).abs() < 1e-12);
        assert_eq!(all.virial_rmse_per_atom, Some(2.0));
        let one = e(0.5, Some(0.25));
        assert_eq!(combine(&[(one, 7, 21)]), one);
    }
}
