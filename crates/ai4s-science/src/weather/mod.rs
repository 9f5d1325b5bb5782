//! Weather: a neural forecaster of a 2-D flow against persistence and a coarser numerical model.
//!
//! # The truth model
//!
//! The barotropic vorticity equation on a doubly periodic beta-plane, the model of the first
//! numerical weather forecast (Charney, Fjoertoft & von Neumann, "Numerical integration of the
//! barotropic vorticity equation", Tellus 2, 237 (1950)), with a uniform background wind,
//! drag, viscosity and stochastic forcing, on `[0, 2 pi)^2`:
//!
//! `omega_t + (U + u).grad omega + beta v = -mu omega + nu lap omega + F`,
//! `lap psi = omega`, `(u, v) = (-psi_y, psi_x)`.
//!
//! The wind carries the field, `beta` makes Rossby waves (`omega ~ cos(k.x - sigma t)` with
//! `sigma = U.k - beta k_x / |k|^2`, an exact solution), the advection by the field's own
//! velocity `u.grad omega` makes it turbulent, and the forcing `F`, white in time in the ring
//! `k_lo <= |k| <= k_hi` with enstrophy injection rate `eta`, balances drag and viscosity, so
//! that each trajectory settles to a statistically steady state. The integrator is
//! pseudo-spectral: coefficients `omega_k`, derivatives `i k`, the product `u.grad omega`
//! evaluated on the grid, 2/3-rule dealiasing (Orszag, J. Atmos. Sci. 28, 1074 (1971)), the
//! classical RK4 step and the forcing added after each step ([`Model`]). Analytic limits
//! (tested): a single Fourier mode is a steady solution of the nonlinear term, so with `nu` alone
//! it decays as `exp(-nu |k|^2 t)` and with `beta` and wind it propagates at `sigma`; without
//! forcing and dissipation the dynamics conserve the mean, the enstrophy `<omega^2>/2` and the
//! energy `<|u|^2>/2`.
//!
//! # The forecasters
//!
//! Trajectories start from their own random fields and forcing streams (seeds kept apart for
//! training, validation and test); frames are saved every `interval`. Each forecast starts from
//! a frame of a held-out test trajectory and is scored at leads `1..=horizon`.
//! - Persistence: tomorrow is today.
//! - Coarse model: the same equations on the `coarse_grid` (the truth's coefficients truncated,
//!   dealiased to `|k| < coarse_grid / 3`), run without forcing with larger steps, interpolated
//!   back spectrally (zero-padding): the numerical forecast at lower cost.
//! - Truth model without forcing: the full-resolution model from the exact state; the future
//!   forcing is unknown to every forecaster, so this is the practical limit of skill.
//! - Network ([`Forecaster`]): a residual CNN on the standardised field,
//!   `z_{t+1} = z_t + f(z_t)`, periodic boundaries by circular padding, trained with
//!   [`ai4s_core::train::fit`] on batched `rollout_steps`-step rollouts (Keisler 2022; Lam et al.,
//!   GraphCast, Science 382, 1416 (2023)), early-stopped on validation trajectories.
//!
//! Scores ([`forecast`]): RMSE and the anomaly correlation coefficient about the training
//! climatology per lead. A free network rollout of `stability_factor x horizon` steps checks
//! that the learned model stays bounded. Goals: the network beats persistence at every lead up to
//! the horizon, its ACC stays above `acc_threshold` up to `acc_lead`, and the rollout's largest
//! `|omega|` stays within twice the truth's.

mod config;
pub mod forecast;
mod model;
mod network;
mod output;
mod simulate;
mod spectral;

pub use config::WeatherConfig;
pub use forecast::{Forecasts, Scores, Start, acc, climatology, numerical, persistence, score};
pub use model::{Model, Physics, rms_of};
pub use network::{Forecaster, RolloutObjective, Trajectories, circular_pad, rollout};
pub use simulate::{Role, simulate_set, trajectory, trajectory_seed};
pub use spectral::{Complex, Spectral, regrid};

use ai4s_core::burn::module::Module;
use ai4s_core::train::fit;
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task};
use output::Skill;
use std::time::Instant;

/// Forecasting a 2-D turbulent flow: a CNN against persistence and a coarse numerical model.
pub struct WeatherField;

/// `(field - clim) / sd` of every frame, as `f32`.
fn standardise(set: &[Vec<Vec<f64>>], clim: &[f64], sd: f64, n: usize) -> Trajectories {
    Trajectories {
        frames: set
            .iter()
            .map(|traj| {
                traj.iter()
                    .map(|f| {
                        f.iter()
                            .zip(clim)
                            .map(|(v, c)| ((v - c) / sd) as f32)
                            .collect()
                    })
                    .collect()
            })
            .collect(),
        n,
    }
}

/// Network forecasts in physical units.
fn network_forecasts(
    net: &Forecaster,
    data: &Trajectories,
    starts: &[Start],
    horizon: usize,
    clim: &[f64],
    sd: f64,
    device: &ai4s_core::burn::tensor::Device,
) -> Result<Forecasts> {
    let mut out: Forecasts = vec![Vec::with_capacity(starts.len()); horizon];
    for chunk in starts.chunks(64) {
        let fc = rollout(net, data.batch(chunk, 0, device), horizon)?;
        for (k, at_lead) in fc.into_iter().enumerate() {
            out[k].extend(at_lead.into_iter().map(|z| {
                z.iter()
                    .zip(clim)
                    .map(|(z, c)| z * sd + c)
                    .collect::<Vec<f64>>()
            }));
        }
    }
    Ok(out)
}

impl Task for WeatherField {
    type Config = WeatherConfig;

    fn name(&self) -> &'static str {
        "weather-field"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Weather
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "weather: forecasting a forced 2-D barotropic flow on a beta-plane with a CNN (circular padding, rollout training) vs persistence and a coarse-grid numerical model; RMSE and ACC vs lead, rollout stability"
    }

    fn demonstrates(&self) -> &'static str {
        "Weather: learning to forecast a flow from its past. The barotropic vorticity equation, the model of the first computer weather forecast (Charney, Fjoertoft & von Neumann 1950), is run with a mean wind, Rossby waves, turbulence and random forcing on a periodic 32x32 grid. A small convolutional network trained on rollouts of these trajectories forecasts held-out ones; its error and anomaly correlation against lead time are compared with persistence and with the same numerical model on a 16x16 grid, and a long free rollout checks that the learned model does not blow up."
    }

    fn run(&self, cfg: &WeatherConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let n = cfg.grid;
        let h = cfg.horizon;
        let physics = cfg.physics();
        let grid_err =
            |field: &str, n: usize| Error::config(field, format!("no FFT for a {n}x{n} grid"));
        let fine = Model::new(n, physics).ok_or_else(|| grid_err("grid", n))?;
        let coarse =
            Model::new(cfg.coarse_grid, physics).ok_or_else(|| grid_err("coarse_grid", n))?;
        if fine.forcing_modes() == 0 && cfg.forcing_rate > 0.0 {
            return Err(Error::config(
                "forcing_band",
                format!(
                    "{:?} holds no wavenumber of the {n}x{n} grid",
                    cfg.forcing_band
                ),
            ));
        }

        // The trajectories.
        let total = cfg.train_trajectories + cfg.val_trajectories + cfg.test_trajectories;
        let mut bar = ctx.progress("trajectories", total as u64);
        let t_sim = Instant::now();
        let train = simulate_set(
            cfg,
            &fine,
            ctx.seed,
            Role::Train,
            cfg.train_trajectories,
            Some(&mut bar),
        );
        let val = simulate_set(
            cfg,
            &fine,
            ctx.seed,
            Role::Val,
            cfg.val_trajectories,
            Some(&mut bar),
        );
        let test = simulate_set(
            cfg,
            &fine,
            ctx.seed,
            Role::Test,
            cfg.test_trajectories,
            Some(&mut bar),
        );
        bar.finish();
        let sim_seconds = t_sim.elapsed().as_secs_f64();
        let clim = climatology(&train);
        let frames_all = train.iter().flatten();
        let (ss, count) = frames_all.fold((0.0, 0usize), |(s, c), f| {
            let d: f64 = f.iter().zip(&clim).map(|(v, m)| (v - m).powi(2)).sum();
            (s + d, c + f.len())
        });
        let sd = (ss / count.max(1) as f64).sqrt();
        if !(sd.is_finite() && sd > 0.0) {
            return Err(Error::Runtime(format!(
                "the training trajectories have no variance (sd {sd}); raise forcing_rate or initial_rms"
            )));
        }
        let z_train = standardise(&train, &clim, sd, n);
        let z_val = standardise(&val, &clim, sd, n);
        let z_test = standardise(&test, &clim, sd, n);

        // The network.
        let train_device = ctx.device.clone().autodiff();
        let model = Forecaster::new(cfg.channels, cfg.layers, cfg.kernel, &train_device);
        let objective = RolloutObjective {
            train: &z_train,
            val: &z_val,
            train_starts: z_train.starts(cfg.rollout_steps, 1),
            val_starts: z_val.starts(cfg.rollout_steps, cfg.start_stride),
            steps: cfg.rollout_steps,
            train_device,
            device: ctx.device.clone(),
        };
        let mut optim = cfg.train.optimizer();
        let t_fit = Instant::now();
        let fitted = fit(model, &mut optim, &objective, &cfg.train, ctx, "forecaster")?;
        let fit_seconds = t_fit.elapsed().as_secs_f64();
        let net = fitted.model.valid();
        ctx.save_module("forecaster.bpk", &net)?;

        // Forecasts from the held-out starts.
        let starts = z_test.starts(h, cfg.start_stride);
        let per = (starts.len() * h).max(1) as f64;
        let t0 = Instant::now();
        let net_fc = network_forecasts(&net, &z_test, &starts, h, &clim, sd, &ctx.device)?;
        let net_ms = 1e3 * t0.elapsed().as_secs_f64() / per;
        let t0 = Instant::now();
        let coarse_fc = numerical(
            &fine,
            &coarse,
            &test,
            &starts,
            h,
            cfg.interval,
            cfg.coarse_substeps,
        );
        let coarse_ms = 1e3 * t0.elapsed().as_secs_f64() / per;
        let t0 = Instant::now();
        let fine_fc = numerical(&fine, &fine, &test, &starts, h, cfg.interval, cfg.substeps);
        let fine_ms = 1e3 * t0.elapsed().as_secs_f64() / per;
        let persist_fc = persistence(&test, &starts, h);
        let s_net = score(&net_fc, &test, &starts, &clim);
        let s_per = score(&persist_fc, &test, &starts, &clim);
        let s_coarse = score(&coarse_fc, &test, &starts, &clim);
        let s_fine = score(&fine_fc, &test, &starts, &clim);
        let coarse_label = format!("numerical model {0}x{0}", cfg.coarse_grid);
        let fine_label = format!("numerical model {n}x{n}, no forcing (limit)");
        let skills = [
            Skill {
                key: "network",
                label: "network (CNN)",
                scores: &s_net,
            },
            Skill {
                key: "persistence",
                label: "persistence",
                scores: &s_per,
            },
            Skill {
                key: "coarse",
                label: &coarse_label,
                scores: &s_coarse,
            },
            Skill {
                key: "fine",
                label: &fine_label,
                scores: &s_fine,
            },
        ];
        for k in &skills {
            for lead in [1, cfg.acc_lead, h] {
                report.metric(
                    &format!("{}_rmse_lead{lead}", k.key),
                    k.scores.rmse[lead - 1],
                );
                report.metric(&format!("{}_acc_lead{lead}", k.key), k.scores.acc[lead - 1]);
            }
        }

        // The goals.
        let worst_ratio = s_net
            .rmse
            .iter()
            .zip(&s_per.rmse)
            .map(|(a, b)| a / b)
            .fold(f64::NEG_INFINITY, f64::max);
        report.check(
            "network_over_persistence_rmse_worst_lead",
            worst_ratio,
            Goal::AtMost(1.0),
            &format!("the network beats persistence at every lead 1..={h} (largest RMSE ratio)"),
        );
        let min_acc = s_net.acc[..cfg.acc_lead]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        report.check(
            "network_acc_min_to_acc_lead",
            min_acc,
            Goal::AtLeast(cfg.acc_threshold),
            &format!(
                "ACC > {} (a useful forecast) at every lead up to acc_lead = {} steps ({} time units)",
                cfg.acc_threshold,
                cfg.acc_lead,
                cfg.acc_lead as f64 * cfg.interval
            ),
        );

        // The long free rollout.
        let steps = cfg.stability_factor * h;
        let firsts: Vec<Start> = (0..test.len()).map(|t| (t, 0)).collect();
        let mut z = z_test.batch(&firsts, 0, &ctx.device);
        let mut max_abs = Vec::with_capacity(steps);
        let mut last_rms = 0.0;
        for _ in 0..steps {
            z = net.forward(z);
            let v = ai4s_core::tensor::to_vec(z.clone())?;
            let field = v
                .iter()
                .enumerate()
                .map(|(i, z)| z * sd + clim[i % (n * n)]);
            let (m, s2) = field.fold((0.0f64, 0.0), |(m, s), f| {
                (
                    if f.is_finite() {
                        m.max(f.abs())
                    } else {
                        f64::NAN
                    },
                    s + f * f,
                )
            });
            max_abs.push(m);
            last_rms = (s2 / v.len().max(1) as f64).sqrt();
        }
        let truth_max = test
            .iter()
            .flatten()
            .flatten()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let rollout_max = max_abs.iter().copied().fold(0.0f64, |m, v| {
            if v.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(v)
            }
        });
        report.check(
            "rollout_max_abs_over_truth_max",
            rollout_max / truth_max,
            Goal::AtMost(2.0),
            &format!(
                "bounded: a free rollout of {steps} steps ({}x the horizon) stays within twice the truth's largest |omega|",
                cfg.stability_factor
            ),
        );
        report.metric("rollout_final_rms", last_rms);
        report.metric("climatology_sd", sd);
        report.metric("truth_max_abs", truth_max);
        report.metric("network_ms_per_step_per_start", net_ms);
        report.metric("coarse_ms_per_step_per_start", coarse_ms);
        report.metric("fine_ms_per_step_per_start", fine_ms);
        report.metric("simulation_seconds", sim_seconds);
        report.metric("training_seconds", fit_seconds);
        report.metric("network_best_epoch", fitted.best_epoch as f64);
        report.metric("network_parameters", net.num_params() as f64);
        report.metric("test_starts", starts.len() as f64);
        report.metric("train_samples", objective.train_starts.len() as f64);
        let lead_of = |s: &Scores| {
            s.acc
                .iter()
                .position(|&a| a < cfg.acc_threshold)
                .unwrap_or(h)
        };
        report.note(format!(
            "{} held-out forecasts of {h} steps ({} time units each step). RMSE at lead 1 / {h}: network {:.3} / {:.3}, persistence {:.3} / {:.3}, {coarse_label} {:.3} / {:.3}, {fine_label} {:.3} / {:.3} (climatological sd {sd:.3}). Leads with ACC > {}: network {}, persistence {}, coarse {}, limit {}. Cost per forecast step and start: network {net_ms:.3} ms, coarse model {coarse_ms:.3} ms, full model {fine_ms:.3} ms.",
            starts.len(),
            cfg.interval,
            s_net.rmse[0],
            s_net.rmse[h - 1],
            s_per.rmse[0],
            s_per.rmse[h - 1],
            s_coarse.rmse[0],
            s_coarse.rmse[h - 1],
            s_fine.rmse[0],
            s_fine.rmse[h - 1],
            cfg.acc_threshold,
            lead_of(&s_net),
            lead_of(&s_per),
            lead_of(&s_coarse),
            lead_of(&s_fine),
        ));
        report.note(format!(
            "Free rollout of {steps} steps from {} held-out states: largest |omega| {rollout_max:.3} against the truth's {truth_max:.3}; final rms {last_rms:.3} (climatology {sd:.3}).",
            firsts.len()
        ));

        // Table and figures.
        output::write_table(ctx, &skills, cfg.interval)?;
        output::skill_figures(
            &mut report,
            ctx,
            &skills,
            cfg.interval,
            sd,
            cfg.acc_threshold,
        )?;
        let leads: Vec<usize> = vec![1, h.div_ceil(2).max(1), h];
        let (t, s0) = starts[0];
        fn pick<'a>(fc: &'a Forecasts, leads: &[usize]) -> Vec<&'a [f64]> {
            leads.iter().map(|&l| fc[l - 1][0].as_slice()).collect()
        }
        let truth_row: Vec<&[f64]> = leads.iter().map(|&l| test[t][s0 + l].as_slice()).collect();
        output::mosaic_figure(
            &mut report,
            ctx,
            n,
            &[
                ("truth", truth_row),
                ("network", pick(&net_fc, &leads)),
                (&coarse_label, pick(&coarse_fc, &leads)),
            ],
            &leads,
            cfg.interval,
        )?;
        output::stability_figure(&mut report, ctx, &max_abs, truth_max, cfg.interval, h)?;
        Ok(report)
    }
}
