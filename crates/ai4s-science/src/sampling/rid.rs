//! The reinforced-dynamics loop: biased exploration under the network free energy (gated by
//! the ensemble's disagreement), restrained MD at newly visited uncertain points, and the
//! gradient-matching refit.

use super::config::SamplingConfig;
use super::network::{Ensemble, ForceData, GradientObjective, HostEnsemble, Scaling};
use super::surface::{BasinLog, MuellerBrown, Reference};
use ai4s_core::burn::module::Module;
use ai4s_core::checkpoint::TrainRng;
use ai4s_core::langevin::{Baoab, Walker};
use ai4s_core::progress::Progress;
use ai4s_core::train::fit_quiet;
use ai4s_core::{Error, Result, RunContext};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1};

/// Mean force at `centre` from restrained MD: the particle moves under `force` plus the
/// restraint `-kappa (x - centre)`; after `equilibration` steps the positions of `steps` steps
/// are averaged and `grad F(centre) ~ -kappa <x - centre>` is returned. The estimate is exactly
/// the gradient of `F` smoothed by the restraint's Gaussian of width `sqrt(kT/kappa)`.
pub fn restrained_mean_force<R: Rng + ?Sized>(
    md: &Baoab,
    force: impl Fn(&[f64; 2]) -> [f64; 2],
    centre: [f64; 2],
    kappa: f64,
    equilibration: usize,
    steps: usize,
    rng: &mut R,
) -> [f64; 2] {
    let total = |x: &[f64; 2]| {
        let f = force(x);
        [
            f[0] - kappa * (x[0] - centre[0]),
            f[1] - kappa * (x[1] - centre[1]),
        ]
    };
    let mut w = md.walker(centre, total, rng);
    md.run(&mut w, equilibration, total, rng, |_, _| {});
    let mut sum = [0.0; 2];
    md.run(&mut w, steps, total, rng, |_, w| {
        sum[0] += w.x[0] - centre[0];
        sum[1] += w.x[1] - centre[1];
    });
    let n = steps.max(1) as f64;
    [-kappa * sum[0] / n, -kappa * sum[1] / n]
}

/// RiD's switching function of the force deviation `e`: 1 below `e0`, 0 above `e1`, a cosine
/// in between.
pub fn gate(e: f64, [e0, e1]: [f64; 2]) -> f64 {
    if e <= e0 {
        1.0
    } else if e >= e1 {
        0.0
    } else {
        0.5 * (1.0 + (std::f64::consts::PI * (e - e0) / (e1 - e0)).cos())
    }
}

/// The force of the biased exploration: `-grad U + sigma(e) grad F_net` (the bias potential
/// `-F_net` through the switch), the bare force before any network exists.
fn biased_force(
    surface: &MuellerBrown,
    host: Option<&HostEnsemble>,
    trust: [f64; 2],
    x: &[f64; 2],
) -> [f64; 2] {
    let f = surface.force(x);
    match host {
        Some(h) => {
            let p = h.predict(*x);
            let s = gate(p.deviation, trust);
            [f[0] + s * p.grad[0], f[1] + s * p.grad[1]]
        }
        None => f,
    }
}

/// One RiD round, for the report.
#[derive(Clone, Copy, Debug)]
pub struct Round {
    /// Simulated time used so far (biased and restrained MD).
    pub time: f64,
    /// RMSE of the learned surface below the cutoff after the round's fit, kT.
    pub rmse: f64,
    /// Restraint centres added this round.
    pub new_points: usize,
    /// Fraction of the round's frames on which the bias acted fully.
    pub trusted: f64,
}

/// What RiD produced.
pub struct RidOutcome {
    /// The final ensemble (without autodiff).
    pub model: Ensemble,
    /// Its host copy.
    pub host: HostEnsemble,
    /// Mean forces gathered.
    pub data: ForceData,
    /// Per round.
    pub rounds: Vec<Round>,
    /// Basins entered against simulated time.
    pub basins: BasinLog,
    /// Simulated time of the biased exploration.
    pub biased_time: f64,
    /// Simulated time of the restrained runs.
    pub restrained_time: f64,
}

/// Runs `cfg.iterations` rounds of reinforced dynamics on `surface`.
pub fn run_rid(
    cfg: &SamplingConfig,
    surface: &MuellerBrown,
    reference: &Reference,
    ctx: &mut RunContext,
) -> Result<RidOutcome> {
    let md = Baoab::new(cfg.dt, cfg.friction, 1.0, 1.0, "dt")?;
    let mut rng = TrainRng::seed_from_u64(ctx.seed ^ 0x0072_6964);
    let scaling = Scaling::new(&reference.grid, cfg.output_scale_kt);
    let train_device = ctx.device.clone().autodiff();
    let mut model = Ensemble::new(&cfg.model, cfg.ensemble, &train_device);
    let mut host: Option<HostEnsemble> = None;
    let mut data = ForceData::default();
    let force = |x: &[f64; 2]| surface.force(x);
    let mut walkers: Vec<Walker<2>> = (0..cfg.walkers)
        .map(|_| md.walker(cfg.start, force, &mut rng))
        .collect();
    let mut basins = BasinLog::default();
    let (mut biased_time, mut restrained_time) = (0.0, 0.0);
    let mut rounds = Vec::with_capacity(cfg.iterations);
    let mut bar: Progress = ctx.progress("rid rounds", cfg.iterations as u64);
    for round in 0..cfg.iterations {
        // (a) Biased exploration: bias -F_net, so the force gains +grad F_net, gated.
        let mut candidates = Vec::new();
        let (mut frames, mut trusted) = (0usize, 0usize);
        let cover2 = cfg.coverage_distance * cfg.coverage_distance;
        for w in &mut walkers {
            let biased = |x: &[f64; 2]| biased_force(surface, host.as_ref(), cfg.trust, x);
            // The stored force belongs to the previous round's bias.
            w.force = biased_force(surface, host.as_ref(), cfg.trust, &w.x);
            for step in 1..=cfg.biased_steps {
                md.step(w, biased, &mut rng);
                let t = restrained_time + biased_time + cfg.dt;
                biased_time += cfg.dt;
                basins.visit(surface, w.x, t);
                if step % cfg.frame_stride == 0 {
                    frames += 1;
                    let agreed = match &host {
                        Some(h) => h.predict(w.x).deviation <= cfg.trust[0],
                        None => false,
                    };
                    trusted += usize::from(agreed);
                    let uncovered = data
                        .points
                        .iter()
                        .all(|p| (p[0] - w.x[0]).powi(2) + (p[1] - w.x[1]).powi(2) > cover2);
                    if (!agreed || uncovered) && reference.grid.index(w.x).is_some() {
                        candidates.push(w.x);
                    }
                }
            }
        }
        // (b) Restrained MD at new uncertain points, at least min_point_distance apart.
        candidates.shuffle(&mut rng);
        let d2 = cfg.min_point_distance * cfg.min_point_distance;
        let mut new_points = 0;
        for c in candidates {
            if new_points == cfg.points_per_iteration {
                break;
            }
            let far = data
                .points
                .iter()
                .all(|p| (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) >= d2);
            if !far {
                continue;
            }
            let g = restrained_mean_force(
                &md,
                force,
                c,
                cfg.kappa,
                cfg.restrained_equilibration,
                cfg.restrained_steps,
                &mut rng,
            );
            restrained_time +=
                (cfg.restrained_equilibration + cfg.restrained_steps) as f64 * cfg.dt;
            basins.visit(surface, c, restrained_time + biased_time);
            let n = data.points.len();
            if (data.val.len() + 1) as f64 <= cfg.val_fraction * (n + 1) as f64 {
                data.val.push(n);
            } else {
                data.train.push(n);
            }
            data.points.push(c);
            data.grads.push(g);
            data.weights.push(
                (0..cfg.ensemble)
                    .map(|_| {
                        let e: f64 = Exp1.sample(&mut rng);
                        e as f32
                    })
                    .collect(),
            );
            new_points += 1;
        }
        if data.val.is_empty() && data.train.len() >= 2 {
            data.val.extend(data.train.pop());
        }
        if data.train.is_empty() {
            return Err(Error::Runtime(format!(
                "round {}: only {} restrained-MD points were gathered; raise biased_steps, walkers or points_per_iteration, or lower min_point_distance",
                round + 1,
                data.points.len()
            )));
        }
        // (c) Refit the ensemble to all mean forces, warm-started.
        let objective = GradientObjective {
            data: &data,
            scaling,
            train_device: train_device.clone(),
            device: ctx.device.clone(),
        };
        let mut optim = cfg.train.optimizer();
        let fitted = fit_quiet(
            model,
            &mut optim,
            &objective,
            &cfg.train,
            ctx.seed.wrapping_add(round as u64),
            "rid ensemble",
        )?;
        model = fitted.model;
        let h = HostEnsemble::new(&model, scaling)?;
        let values: Vec<f64> = reference
            .grid
            .points()
            .into_iter()
            .map(|p| h.predict(p).value)
            .collect();
        host = Some(h);
        let time = biased_time + restrained_time;
        let r = Round {
            time,
            rmse: reference.rmse(&values),
            new_points,
            trusted: trusted as f64 / frames.max(1) as f64,
        };
        ctx.log(
            round + 1,
            &[
                ("rid_time", time),
                ("rid_rmse_kt", r.rmse),
                ("rid_points", data.points.len() as f64),
                ("rid_trusted_fraction", r.trusted),
                ("rid_val_loss", fitted.best_val),
            ],
        );
        rounds.push(r);
        bar.set_metric("rmse_kt", r.rmse);
        bar.inc(1);
    }
    bar.finish();
    basins.mark(biased_time + restrained_time);
    let model = model.valid();
    let host = HostEnsemble::new(&model, scaling)?;
    Ok(RidOutcome {
        model,
        host,
        data,
        rounds,
        basins,
        biased_time,
        restrained_time,
    })
}
