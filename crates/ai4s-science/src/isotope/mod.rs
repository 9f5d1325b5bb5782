//! Earth science: the diffusivity of an isotope tracer and its activation energy from sparse,
//! noisy depth profiles, an inverse problem of experimental geochemistry (tracer anneals of
//! minerals, e.g. 18O exchanged from an enriched gas, read back by SIMS depth profiling).
//!
//! # The simulated experiments
//!
//! A grain with isotope fraction `C_0` is annealed at temperature `T_k` for `t_k` hours against
//! a reservoir that holds its surface at `C_s`. Diffusion into the semi-infinite grain,
//! `C_t = D C_xx`, `C(x, 0) = C_0`, `C(0, t) = C_s`, has the solution
//!
//! `C(x, t) = C_s + (C_0 - C_s) erf(x / (2 sqrt(D t))) = C_0 + (C_s - C_0) erfc(x / (2 sqrt(D t)))`
//!
//! (Crank, *The Mathematics of Diffusion*, 2nd ed., eq. 3.13), with an Arrhenius diffusivity
//! `D(T) = D0 exp(-Ea / (k_B T))`. The defaults, `Ea = 2.6 eV` (251 kJ/mol) and
//! `D0 = 1e-4 m^2/s`, are typical of oxygen or cation tracer diffusion in silicates; six anneals
//! at 875-1125 K from two weeks to one hour give diffusion lengths `2 sqrt(D t)` of 0.7-1.8 um.
//! Each profile is measured at `n` evenly spaced nominal depths `x_i` in a window of `L` um;
//! each reading samples the true depth `x_i + sigma_x e_1` (depth resolution) and reports
//! `C (1 + sigma_rel e_2) + sigma_abs e_3`, with independent standard normal `e_j`. `erf` and
//! `erfc` are computed in double precision (see [`ai4s_core::special::erf`] for the method and accuracy).
//!
//! # The PINN
//!
//! With `phi = (C - C_0) / (C_s - C_0)`, depth `xi = x / L` and `tau = t / t_k`, each profile
//! obeys `phi_tau = kappa_k phi_xixi`, `phi(xi, 0) = 0`, `phi(0, tau) = 1`, with
//! `kappa_k = D_k t_k / L^2`. A small tanh network `u(xi, s)`, `s = sqrt(tau)`, per
//! temperature and ensemble member, with a trainable `ln kappa` each ([`PinnBank`]), minimises
//!
//! `sum_i w_i (u(xi_i, 1) - phi_i)^2 + lambda_r <r^2> + lambda_c (<(u(0, s) - 1)^2> + <u(xi, 0)^2> + <u(xi_far, s)^2>)`
//!
//! with the time-weighted residual `r = tau (u_tau - kappa u_xixi)` at fresh random collocation
//! points every step (Raissi, Perdikaris & Karniadakis, J. Comput. Phys. 378, 686 (2019), the
//! inverse problem of their section 4); the far-field condition at `xi_far = domain_factor`
//! stands in for the semi-infinite grain. The network reads depth through the similarity
//! coordinate `q = xi / (xi + sqrt(kappa) s)`, which resolves the corner where the surface and
//! initial conditions disagree (see [`PinnBank`]), and the collocation points are uniform in
//! `(q, s)`. `u_tau` and `u_xixi` are tensor ops propagated forward through the layers (burn's
//! autodiff is first order). Uncertainty: a deep ensemble (Lakshminarayanan et al., NeurIPS
//! 2017) whose members differ in their initialisation, their starting `kappa` (the configured
//! guess times `exp(0.5 e)`) and, with `bootstrap`, a resample of every profile's points
//! (weights `w_i` = counts / n), so that the spread carries the measurement noise as well as the
//! optimisation. `D_k = kappa_k L^2 / t_k` per member; each member's Arrhenius line (ordinary
//! least squares of `ln D` on `1 / (k_B T)`) gives its `Ea`; the task reports their mean and
//! sample standard deviation.
//!
//! # The baseline
//!
//! Per profile, unweighted least squares of `phi_i = erfc(x_i / (2 sqrt(D t_k)))` in `ln D` (a
//! scan, then golden-section search; [`fit_profile`]), with the standard error of `ln D` from the
//! Jacobian and the residual variance. The Arrhenius line is a weighted least-squares fit of
//! `ln D_k` on `1 / (k_B T_k)` with weights `1 / se_k^2` ([`arrhenius_fit`]); the standard error
//! of `Ea` comes from its covariance, inflated by the reduced chi-square when that exceeds 1.
//!
//! Goals: the PINN's `Ea` within 5 % of the truth, and the two analyses of the same profiles
//! agreeing within their combined uncertainty, `|Ea_PINN - Ea_LS| <= 2 sqrt(sd_PINN^2 + se_LS^2)`.

mod baseline;
mod config;
mod ensemble;
mod output;
mod pinn;
mod simulate;

pub use ai4s_core::special::{erf, erfc};
pub use baseline::{ArrheniusFit, ProfileFit, arrhenius_fit, fit_profile};
pub use config::IsotopeConfig;
pub use ensemble::{Ensemble, train_ensemble};
pub use pinn::{Fields, LossParts, PinnBank, PinnData, PinnObjective, Q_EPS, sample_points};
pub use simulate::{
    K_B_EV, M2_S_TO_UM2_H, Profile, arrhenius, bootstrap_weights, concentration, normalised,
    simulate,
};

use ai4s_core::burn::module::Module;
use ai4s_core::metrics::{mean_std, median};
use ai4s_core::{Area, Error, Goal, Report, Result, RunContext, Task};
use output::Estimate;

/// Depths of the plotted PINN profile.
const CURVE_POINTS: usize = 61;

/// Tracer diffusivities and activation energy from depth profiles: PINN ensemble vs erfc least
/// squares.
pub struct IsotopeDiffusion;

/// Sample standard deviation (divided by `n - 1`); 0 for fewer than two values.
fn sample_sd(v: &[f64]) -> f64 {
    let n = v.len();
    if n < 2 {
        return 0.0;
    }
    mean_std(v).1 * (n as f64 / (n - 1) as f64).sqrt()
}

impl Task for IsotopeDiffusion {
    type Config = IsotopeConfig;

    fn name(&self) -> &'static str {
        "isotope-diffusion"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::EarthScience
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "earth science: isotope tracer diffusivities and Arrhenius activation energy from sparse depth profiles, a PINN ensemble with trainable D vs erfc least squares"
    }

    fn demonstrates(&self) -> &'static str {
        "Earth science: reading how fast atoms move in minerals, which dates and thermal histories of rocks rest on. An isotope tracer diffuses into grains annealed at six temperatures; each grain yields only a sparse, noisy depth profile. Physics-informed networks that must obey the diffusion equation, with the diffusivity as a trainable parameter, recover D at every temperature and the activation energy of the Arrhenius law; a deep ensemble on bootstrap resamples gives the uncertainty, checked against the classical least-squares fit of the analytic erfc solution."
    }

    fn run(&self, cfg: &IsotopeConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let profiles = simulate(cfg, ctx.seed);
        let temps: Vec<f64> = profiles.iter().map(|p| p.temperature_k).collect();
        let k = profiles.len();
        let window = cfg.depth_um;

        // The baseline: an erfc fit per profile, then the weighted Arrhenius line.
        let mut ls = Vec::with_capacity(k);
        for p in &profiles {
            let phi: Vec<f64> = p.fraction.iter().map(|&c| normalised(cfg, c)).collect();
            let f = fit_profile(&p.depth_um, &phi, p.hours).ok_or_else(|| {
                Error::Runtime(format!(
                    "the profile at {} K has no interior least-squares optimum: it is flat or has fallen to background before the first depth; choose anneal_hours so that the diffusion length 2 sqrt(D t) lies well inside depth_um ({window} um)",
                    p.temperature_k
                ))
            })?;
            ls.push(f);
        }
        let ls_ln_d: Vec<f64> = ls.iter().map(|f| (f.d / M2_S_TO_UM2_H).ln()).collect();
        let ls_se: Vec<f64> = ls.iter().map(|f| f.ln_d_se).collect();
        let no_line = || {
            Error::Runtime("the Arrhenius fit is singular: the temperatures must differ".to_owned())
        };
        let ls_line = arrhenius_fit(&temps, &ls_ln_d, Some(&ls_se)).ok_or_else(no_line)?;

        // The PINN ensemble: one network per (member, temperature), trained together.
        let ens = train_ensemble(cfg, &profiles, ctx)?;
        ctx.save_module("pinn.bpk", &ens.bank)?;
        let members = ens.ln_d.len();
        let member_lines: Vec<ArrheniusFit> = ens
            .ln_d
            .iter()
            .map(|ln_d| arrhenius_fit(&temps, ln_d, None).ok_or_else(no_line))
            .collect::<Result<_>>()?;
        let eas: Vec<f64> = member_lines.iter().map(|l| l.ea_ev).collect();
        let ln_d0s: Vec<f64> = member_lines.iter().map(|l| l.ln_d0).collect();
        let (ea_pinn, ea_pinn_sd) = (mean_std(&eas).0, sample_sd(&eas));
        let ln_d0_pinn = mean_std(&ln_d0s).0;

        // The ensemble's profiles at the measured depths (the same for every profile) and on a
        // fine grid, at the end of each anneal.
        let n = cfg.points_per_profile;
        let grid: Vec<f64> = (0..CURVE_POINTS)
            .map(|i| window * i as f64 / (CURVE_POINTS - 1) as f64)
            .collect();
        let depths: Vec<f64> = profiles[0].depth_um.iter().chain(&grid).copied().collect();
        let fractions = ens.fractions(cfg, &depths, ctx)?;
        let ensemble_at = |j: usize, i: usize| -> (f64, f64) {
            let v: Vec<f64> = fractions.iter().map(|f| f[j][i]).collect();
            (mean_std(&v).0, sample_sd(&v))
        };
        let est: Vec<Estimate> = (0..k)
            .map(|j| {
                let ln_d: Vec<f64> = ens.ln_d.iter().map(|r| r[j]).collect();
                Estimate {
                    ls: (ls[j].d / M2_S_TO_UM2_H, ls[j].ln_d_se),
                    pinn: (mean_std(&ln_d).0.exp(), sample_sd(&ln_d)),
                    members: ln_d.iter().map(|v| v.exp()).collect(),
                    pinn_at_points: (0..n).map(|i| ensemble_at(j, i)).collect(),
                    pinn_curve: grid
                        .iter()
                        .enumerate()
                        .map(|(g, &x)| (x, ensemble_at(j, n + g).0))
                        .collect(),
                }
            })
            .collect();

        // Scores.
        let ea_true = cfg.activation_energy_ev;
        let pinn_rel = (ea_pinn - ea_true).abs() / ea_true;
        let ls_rel = (ls_line.ea_ev - ea_true).abs() / ea_true;
        let combined = (ea_pinn_sd.powi(2) + ls_line.ea_se_ev.powi(2)).sqrt();
        let sigmas = (ea_pinn - ls_line.ea_ev).abs() / combined;
        report.check(
            "pinn_ea_rel_error",
            pinn_rel,
            Goal::AtMost(0.05),
            "the simulator's activation energy (activation_energy_ev); within 5 %",
        );
        report.check(
            "ea_pinn_vs_ls_sigmas",
            sigmas,
            Goal::AtMost(2.0),
            "|Ea_PINN - Ea_LS| / sqrt(sd_PINN^2 + se_LS^2): the PINN ensemble and the erfc least-squares fit of the same profiles agree within 2 combined standard errors",
        );
        report.metric("ea_true_ev", ea_true);
        report.metric("ea_pinn_ev", ea_pinn);
        report.metric("ea_pinn_sd_ev", ea_pinn_sd);
        report.metric("ea_ls_ev", ls_line.ea_ev);
        report.metric("ea_ls_se_ev", ls_line.ea_se_ev);
        report.metric("ls_ea_rel_error", ls_rel);
        report.metric("ea_pinn_z", (ea_pinn - ea_true) / ea_pinn_sd.max(1e-300));
        report.metric("ea_ls_z", (ls_line.ea_ev - ea_true) / ls_line.ea_se_ev);
        if ls_line.chi2_red.is_finite() {
            report.metric("ls_arrhenius_chi2_red", ls_line.chi2_red);
        }
        report.metric("d0_true_m2_s", cfg.d0_m2_s);
        report.metric("d0_pinn_m2_s", ln_d0_pinn.exp());
        report.metric("d0_ls_m2_s", ls_line.ln_d0.exp());
        let mut pinn_err = Vec::with_capacity(k);
        let mut ls_err = Vec::with_capacity(k);
        for (p, e) in profiles.iter().zip(&est) {
            let t = format!("{:.0}", p.temperature_k);
            let (pe, le) = (
                (e.pinn.0 / p.d_true_m2_s - 1.0).abs(),
                (e.ls.0 / p.d_true_m2_s - 1.0).abs(),
            );
            report.metric(&format!("d_true_{t}k_m2_s"), p.d_true_m2_s);
            report.metric(&format!("pinn_d_rel_error_{t}k"), pe);
            report.metric(&format!("ls_d_rel_error_{t}k"), le);
            pinn_err.push(pe);
            ls_err.push(le);
        }
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        report.metric("pinn_d_rel_error_max", max(&pinn_err));
        report.metric("pinn_d_rel_error_median", median(&pinn_err));
        report.metric("ls_d_rel_error_max", max(&ls_err));
        report.metric("ls_d_rel_error_median", median(&ls_err));
        let pinn_sd: Vec<f64> = est.iter().map(|e| e.pinn.1).collect();
        report.metric("pinn_ln_d_sd_mean", mean_std(&pinn_sd).0);
        report.metric("ls_ln_d_se_mean", mean_std(&ls_se).0);
        let [data_mse, pde_mse, cond_mse] = &ens.loss_parts;
        report.metric("pinn_data_rms", mean_std(data_mse).0.sqrt());
        report.metric("pinn_residual_rms", mean_std(pde_mse).0.sqrt());
        report.metric("pinn_condition_rms", mean_std(cond_mse).0.sqrt());
        let ls_rms: Vec<f64> = ls.iter().map(|f| f.rms).collect();
        report.metric("ls_residual_rms", mean_std(&ls_rms).0);
        report.metric("pinn_networks", (members * k) as f64);
        report.metric("pinn_parameters", ens.bank.num_params() as f64);
        report.metric("pinn_best_epoch", ens.best_epoch as f64);
        report.note(format!(
            "Ea: true {ea_true} eV, PINN ensemble {ea_pinn:.3} +- {ea_pinn_sd:.3} eV ({:.1} % off, {members} members), erfc least squares {:.3} +- {:.3} eV ({:.1} % off); they differ by {sigmas:.2} combined standard errors. D per temperature: PINN within {:.1} % of the truth (median {:.1} %), least squares within {:.1} % (median {:.1} %).",
            100.0 * pinn_rel,
            ls_line.ea_ev,
            ls_line.ea_se_ev,
            100.0 * ls_rel,
            100.0 * max(&pinn_err),
            100.0 * median(&pinn_err),
            100.0 * max(&ls_err),
            100.0 * median(&ls_err),
        ));
        report.note(format!(
            "{k} profiles of {n} points each over {window} um; noise {} % relative + {} absolute, depth jitter {} um. Both methods are told C_0 and C_s; the PINN sees neither the truth nor the least-squares answer (its networks start from a diffusion length of {} windows).",
            100.0 * cfg.relative_noise,
            cfg.absolute_noise,
            cfg.depth_jitter_um,
            cfg.initial_length_fraction
        ));

        // The far-field condition assumes the grain is untouched at the end of the domain.
        let far = cfg.domain_factor * window;
        for (p, e) in profiles.iter().zip(&est) {
            let two_len = 2.0 * (e.ls.0 * M2_S_TO_UM2_H * p.hours).sqrt();
            if far < 2.0 * two_len {
                report.note(format!(
                    "At {} K the least-squares diffusion length 2 sqrt(D t) = {two_len:.2} um is more than half the collocation domain ({far:.2} um), where the PINN assumes background; raise domain_factor or depth_um, or shorten the anneal.",
                    p.temperature_k
                ));
            }
        }

        output::write_tables(ctx, cfg, &profiles, &est)?;
        output::profile_figures(&mut report, ctx, cfg, &profiles, &est)?;
        output::arrhenius_figures(
            &mut report,
            ctx,
            cfg,
            &profiles,
            &est,
            [(ls_line.ln_d0, ls_line.ea_ev), (ln_d0_pinn, ea_pinn)],
        )?;
        Ok(report)
    }
}
