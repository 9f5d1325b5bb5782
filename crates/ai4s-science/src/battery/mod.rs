//! Energy: predicting the cycle life of Li-ion cells from their first 100 cycles, before the
//! capacity has faded (Severson et al., "Data-driven prediction of battery cycle life before
//! capacity degradation", Nature Energy 4, 383 (2019): 124 LFP/graphite cells, fast-charging
//! protocols, lives of 150-2,300 cycles, best model 9.1 % test error).
//!
//! # The simulated cells
//!
//! LFP/graphite cells (nominal 1.1 Ah) are charged from 0 to 80 % state of charge by a two-step
//! protocol `C1(s)-C2` (C-rate `C1` up to state of charge `s`, then `C2`; each step carries the
//! fraction `phi_j` of that charge) and discharged at 4C to the cut-off voltage. After `n`
//! cycles a cell's state is:
//!
//! - lost graphite active material (LAM, particle cracking and isolation) `D(n) = r n`, with
//!   `r = r_0 f_r (S + psi E)`, the charging stress `S = sum_j phi_j (C_j / 4C)^2`, the C-rate
//!   above the plating threshold `E = sum_j phi_j (C_j - C_th)_+`, and `f_r` a manufacturing
//!   factor;
//! - cyclable lithium (loss of lithium inventory, LLI)
//!   `L(n) = L_0 [1 + g (1 - e^{-n/tau}) - a sqrt(n) - p (n + r n^2 / 2m) - k r (n - n_k)_+^2 / 2]`:
//!   an early gain `g` (lithium released from the anode overhang: the capacity barely moves,
//!   even rises, in the first 100 cycles), SEI growth `a sqrt(n)`, fast-charge plating at rate
//!   `p (1 + D/m)` (`p` proportional to `E`, growing as the anode degrades), and the knee: once
//!   `D` exceeds the anode's excess capacity `m` (at `n_k = m / r`), lithium plates on every
//!   charge at rate `k (D - m)` and the fade accelerates;
//! - graphite capacity `C_n = L_0 / (1 - m) (1 - D)`, lithiation at the top of charge
//!   `x_0 = min(1, L / C_n)`, resistance `R = R_0 (1 + g_R D)`.
//!
//! The 4C discharge delivers `q` with terminal voltage
//! `V(q) = U_LFP(y_0 + q / C_p) - U_graphite(x_0 - q / C_n) - I R` (staged graphite and flat
//! LFP open-circuit potentials, [`graphite_ocp`], [`lfp_ocp`]); the capacity is `q` at the
//! cut-off, and `Q(V)` is `V(q)` inverted on the voltage grid. The degradation modes leave
//! different marks on `Delta Q(V) = Q_100(V) - Q_10(V)`: LLI lowers `Q(V)` by about the lost
//! charge at every voltage past the top of the curve (an offset, which adds little variance;
//! the slope of the LFP potential adds a little shape), LAM changes it by `x(V) Delta C_n`,
//! proportional to the graphite lithiation at which `V` is reached (shape, at almost no cost in
//! capacity), and resistance growth shifts the curve along `V`. Both shape terms grow with `r`,
//! which also sets the knee, so `var(Delta Q)` carries the life before the capacity shows it;
//! in the first 100 cycles the SEI loss and the early gain nearly cancel.
//!
//! Cell-to-cell variation: log-normal factors on `r`, `m`, `a`, `g`, `k`, `p`, `L_0`, `R_0`.
//! Measurement noise: Gaussian on every `Q(V)` point and every capacity. Cycle life is the first
//! cycle whose measured capacity is below 80 % of nominal. Analytic limit: with `r = p = g = 0`
//! and no noise, `Q(n) = Q(0) - a L_0 sqrt(n)` (the cut-off lithiation does not move), so the
//! life is `floor(((Q(0) - Q_eol) / (a L_0))^2) + 1`.
//!
//! # The models
//!
//! All predict `log10` cycle life from cycles up to 100 only; cells are split at random into
//! train, validation and test, and every reported error is on test cells.
//! - Variance model: ordinary least squares on `log10 var(Delta Q(V))`.
//! - Discharge model: ridge regression on `log10` of `|min|`, `var`, `|skewness|`,
//!   `|kurtosis|` of `Delta Q(V)`, the cycle-2 capacity and the largest capacity of cycles
//!   2-100 minus it (Severson's discharge model; the paper uses the elastic net), the penalty
//!   chosen on the validation cells.
//! - A network ([`ai4s_core::mlp`]) reading the whole curve, downsampled to a few dozen bins
//!   and compressed by `asinh(Delta Q / scale)`, trained with [`ai4s_core::train::fit`] and
//!   stopped early on the validation cells.

mod cell;
mod config;
mod features;
mod fleet;
mod network;
mod output;

pub use cell::{Cell, FAST_CHARGE_SOC, Protocol, State, first_below, graphite_ocp, lfp_ocp};
pub use config::BatteryConfig;
pub use features::{DISCHARGE_FEATURES, Features, Linear, features, pearson, skew_kurtosis};
pub use fleet::{
    CellRecord, Factors, build_cell, cycle_cell, sample_cell, simulate_fleet, voltage_grid,
};
pub use network::downsample;

use ai4s_core::burn::module::Module;
use ai4s_core::data::Split;
use ai4s_core::metrics::{mean_std, median, rmse};
use ai4s_core::plot::{Labels, Plot};
use ai4s_core::train::fit;
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task};
use ndarray::Array2;
use network::{CurveObjective, predict};

/// Cycle-life prediction from early discharge curves.
pub struct Battery;

/// Test-set error of `log10` predictions, in cycles: `(RMSE, mean absolute percent error)`.
fn errors(pred_log: &[f64], lives: &[f64], rows: &[usize]) -> (f64, f64) {
    let p: Vec<f64> = rows.iter().map(|&i| 10f64.powf(pred_log[i])).collect();
    let t: Vec<f64> = rows.iter().map(|&i| lives[i]).collect();
    let mape = p
        .iter()
        .zip(&t)
        .map(|(p, t)| (p - t).abs() / t)
        .sum::<f64>()
        * 100.0
        / t.len().max(1) as f64;
    (rmse(&p, &t), mape)
}

impl Task for Battery {
    type Config = BatteryConfig;

    fn name(&self) -> &'static str {
        "battery"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Energy
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "energy: Li-ion cycle life from the first 100 cycles (Severson 2019), variance feature and ridge vs a network on Delta Q(V)"
    }

    fn demonstrates(&self) -> &'static str {
        "Energy: knowing how long a battery lasts before it starts to fade. Simulated LFP/graphite cells under different fast-charging protocols lose lithium (SEI, plating) and graphite active material until a knee; in the first 100 cycles the capacity hardly changes, but the change of the discharge curve between cycles 10 and 100, Delta Q(V), already carries the life. The variance of that curve alone (Severson et al. 2019) predicts the cycle life of held-out cells; a ridge model on a few more curve statistics and a small network on the whole curve are compared with it."
    }

    fn run(&self, cfg: &BatteryConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let grid = voltage_grid(cfg);
        let [early, late] = cfg.early_cycles;
        let eol_ah = cfg.eol_fraction * cfg.nominal_ah;

        let mut bar = ctx.progress("cells", cfg.cells as u64);
        let recs = simulate_fleet(cfg, ctx.seed, Some(&mut bar));
        bar.finish();
        let censored = recs.iter().filter(|r| r.life.is_none()).count();
        let used: Vec<usize> = (0..recs.len())
            .filter(|&i| recs[i].life.is_some_and(|l| l > late))
            .collect();
        let died_early = recs.len() - censored - used.len();
        if used.len() < 20 {
            return Err(Error::Runtime(format!(
                "only {} of {} cells live past cycle {late} and end before cycle {} ({died_early} died earlier, {censored} censored); lower lam_rate/plating_rate or raise max_cycles",
                used.len(),
                recs.len(),
                cfg.max_cycles
            )));
        }
        let n = used.len();
        let feats: Vec<Features> = used.iter().map(|&i| features(&recs[i], late)).collect();
        let lives: Vec<f64> = used
            .iter()
            .map(|&i| recs[i].life.map_or(f64::NAN, |l| l as f64))
            .collect();
        let y: Vec<f64> = lives.iter().map(|l| l.log10()).collect();
        let split = Split::random(
            n,
            cfg.val_fraction,
            cfg.test_fraction,
            ctx.seed ^ 0x6365_6c6c,
        );
        let fit_rows: Vec<usize> = split.train.iter().chain(&split.val).copied().collect();
        let singular = |what: &str| {
            Error::Runtime(format!(
                "{what}: the normal equations are singular (identical features on every training cell?)"
            ))
        };

        // The variance model: one feature, ordinary least squares.
        let xv = Array2::from_shape_fn((n, 1), |(i, _)| feats[i].log_var);
        let variance =
            Linear::fit(&xv, &y, &fit_rows, 0.0).ok_or_else(|| singular("variance model"))?;
        let pred_var = variance.predict(&xv);
        let (w, b) = variance.raw_coefficients();

        // The discharge model: six features, ridge penalty chosen on validation.
        let xd = Array2::from_shape_fn((n, 6), |(i, j)| feats[i].discharge()[j]);
        let mut best: Option<(f64, f64)> = None;
        for &lambda in &cfg.ridge_lambdas {
            if let Some(m) = Linear::fit(&xd, &y, &split.train, lambda) {
                let p = m.predict(&xd);
                let score = features::log_rmse(&p, &y, &split.val);
                if best.is_none_or(|(_, s)| score < s) {
                    best = Some((lambda, score));
                }
            }
        }
        let (lambda, _) = best.ok_or_else(|| singular("discharge model"))?;
        let discharge =
            Linear::fit(&xd, &y, &fit_rows, lambda).ok_or_else(|| singular("discharge model"))?;
        let pred_dis = discharge.predict(&xd);

        // The network on the downsampled curve.
        let raw: Vec<Vec<f64>> = used
            .iter()
            .map(|&i| downsample(&recs[i].delta_q(), cfg.curve_points, cfg.input_scale_ah))
            .collect();
        let x_net = center_scale(&raw, &split.train);
        let y_train: Vec<f64> = split.train.iter().map(|&i| y[i]).collect();
        let (y_mean, y_sd) = mean_std(&y_train);
        let y_sd = if y_sd > 0.0 { y_sd } else { 1.0 };
        let y_std: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_sd).collect();
        let train_device = ctx.device.clone().autodiff();
        let model = cfg.mlp.init(cfg.curve_points, 1, &train_device);
        let objective = CurveObjective {
            x: &x_net,
            y: &y_std,
            train: &split.train,
            val: &split.val,
            train_device,
            device: ctx.device.clone(),
        };
        let mut optim = cfg.train.optimizer();
        let fitted = fit(model, &mut optim, &objective, &cfg.train, ctx, "network")?;
        let net = fitted.model.valid();
        let all: Vec<usize> = (0..n).collect();
        let pred_net: Vec<f64> = predict(&net, &x_net, &all, &ctx.device)?
            .into_iter()
            .map(|v| v * y_sd + y_mean)
            .collect();
        ctx.save_module("network.bpk", &net)?;

        // Scores on held-out cells.
        let fit_mean = fit_rows.iter().map(|&i| y[i]).sum::<f64>() / fit_rows.len() as f64;
        let pred_mean = vec![fit_mean; n];
        let models: [(&str, &str, &[f64]); 4] = [
            ("variance", "variance model", &pred_var),
            ("discharge", "discharge model", &pred_dis),
            ("network", "network", &pred_net),
            ("mean", "mean of training lives", &pred_mean),
        ];
        let mut best_model = ("", f64::INFINITY);
        for (key, label, pred) in models {
            let (test_rmse, test_mape) = errors(pred, &lives, &split.test);
            let (train_rmse, train_mape) = errors(pred, &lives, &fit_rows);
            report.metric(&format!("{key}_test_rmse_cycles"), test_rmse);
            report.metric(&format!("{key}_test_mape_pct"), test_mape);
            report.metric(&format!("{key}_train_rmse_cycles"), train_rmse);
            report.metric(&format!("{key}_train_mape_pct"), train_mape);
            if key != "mean" && test_mape < best_model.1 {
                best_model = (label, test_mape);
            }
        }
        let log_var: Vec<f64> = feats.iter().map(|f| f.log_var).collect();
        let r = pearson(&log_var, &y);
        report.check(
            "best_test_mape_pct",
            best_model.1,
            Goal::AtMost(15.0),
            "Severson et al. 2019: 9.1 % test error for their best model on 124 cells (first 100 cycles)",
        );
        report.check(
            "abs_pearson_log_var_log_life",
            r.abs(),
            Goal::AtLeast(0.9),
            "Severson et al. 2019, Fig. 2: log10 var(Delta Q_100-10(V)) and log10 cycle life are strongly anti-correlated",
        );
        report.metric("pearson_log_var_log_life", r);
        report.metric("variance_slope", w[0]);
        report.metric("variance_intercept", b);
        report.metric("discharge_ridge_lambda", lambda);
        report.metric("network_best_epoch", fitted.best_epoch as f64);
        report.metric("network_parameters", net.num_params() as f64);

        let mut sorted = lives.clone();
        sorted.sort_by(f64::total_cmp);
        let change: Vec<f64> = used
            .iter()
            .map(|&i| {
                let c = &recs[i].capacity;
                100.0 * (c[late - 1] - c[1]) / c[1]
            })
            .collect();
        report.metric("cells", recs.len() as f64);
        report.metric("cells_used", n as f64);
        report.metric("cells_censored", censored as f64);
        report.metric("cells_dead_by_late_cycle", died_early as f64);
        report.metric("train_cells", split.train.len() as f64);
        report.metric("val_cells", split.val.len() as f64);
        report.metric("test_cells", split.test.len() as f64);
        report.metric("life_min", sorted[0]);
        report.metric("life_median", median(&sorted));
        report.metric("life_max", sorted[n - 1]);
        report.metric("capacity_change_2_to_late_pct_median", median(&change));
        let get = |k: &str| report.get(k).unwrap_or(f64::NAN);
        report.note(format!(
            "{n} cells with lives {:.0}-{:.0} cycles (median {:.0}); between cycles 2 and {late} the median capacity changed by {:+.2} %. Pearson r between log10 var(Delta Q_{late}-{early}) and log10 life: {r:.3} (all cells). Test MAPE on {} held-out cells: variance model {:.1} %, discharge model {:.1} %, network {:.1} %, predicting the mean {:.1} %; best: {} ({:.1} %).",
            sorted[0],
            sorted[n - 1],
            median(&sorted),
            median(&change),
            split.test.len(),
            get("variance_test_mape_pct"),
            get("discharge_test_mape_pct"),
            get("network_test_mape_pct"),
            get("mean_test_mape_pct"),
            best_model.0,
            best_model.1,
        ));
        if censored + died_early > 0 {
            report.note(format!(
                "{censored} cells were still above end of life at cycle {} and {died_early} died by cycle {late}; they are left out of the models.",
                cfg.max_cycles
            ));
        }

        // Table and figures.
        let mut role = vec!["excluded"; recs.len()];
        let mut row_feats = vec![[f64::NAN; 6]; recs.len()];
        let mut row_pred = vec![[f64::NAN; 3]; recs.len()];
        for (rows, name) in [
            (&split.train, "train"),
            (&split.val, "val"),
            (&split.test, "test"),
        ] {
            for &k in rows {
                let i = used[k];
                role[i] = name;
                row_feats[i] = feats[k].discharge();
                row_pred[i] = [pred_var[k], pred_dis[k], pred_net[k]].map(|p| 10f64.powf(p));
            }
        }
        let rows: Vec<output::Row<'_>> = recs
            .iter()
            .enumerate()
            .map(|(i, rec)| output::Row {
                rec,
                role: role[i],
                features: row_feats[i],
                predicted: row_pred[i],
            })
            .collect();
        output::write_table(ctx, &rows)?;
        let best_pred = models
            .iter()
            .find(|m| m.1 == best_model.0)
            .map_or(&pred_var[..], |m| m.2);
        report.figure(
            ctx.plot(
                "parity",
                &Plot::Parity {
                    labels: Labels::new(
                        &format!("Cycle life of held-out cells: {}", best_model.0),
                        "observed cycle life",
                        "predicted cycle life",
                    ),
                    reference: split.test.iter().map(|&i| lives[i]).collect(),
                    predicted: split
                        .test
                        .iter()
                        .map(|&i| 10f64.powf(best_pred[i]))
                        .collect(),
                },
            )?,
        );
        let pts = |rows: &[usize]| -> Vec<(f64, f64)> {
            rows.iter().map(|&i| (log_var[i], y[i])).collect()
        };
        output::figures(
            &mut report,
            ctx,
            &recs,
            &used,
            &grid,
            cfg.early_cycles,
            eol_ah,
            [
                ("train and validation cells", pts(&fit_rows)),
                ("test cells", pts(&split.test)),
            ],
        )?;
        Ok(report)
    }
}

/// Rows of `raw` with the training-column means removed and divided by one global standard
/// deviation (per-column scaling would blow the flat, noise-only ends of the curve up to the
/// size of the informative middle).
fn center_scale(raw: &[Vec<f64>], train: &[usize]) -> Array2<f64> {
    let d = raw.first().map_or(0, Vec::len);
    let mut mean = vec![0.0; d];
    for &i in train {
        for (m, v) in mean.iter_mut().zip(&raw[i]) {
            *m += v / train.len() as f64;
        }
    }
    let centred: Vec<f64> = train
        .iter()
        .flat_map(|&i| raw[i].iter().zip(&mean).map(|(v, m)| v - m))
        .collect();
    let (_, sd) = mean_std(&centred);
    let sd = if sd > 0.0 { sd } else { 1.0 };
    Array2::from_shape_fn((raw.len(), d), |(i, j)| (raw[i][j] - mean[j]) / sd)
}
