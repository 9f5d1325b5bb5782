//! The isotope task's tables and figures.

use super::config::IsotopeConfig;
use super::simulate::{Profile, concentration};
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Error, Report, Result, RunContext};
use std::fmt::Write;

/// Everything estimated at one temperature.
pub(super) struct Estimate {
    /// Least-squares diffusivity, m^2/s, and the standard error of its `ln`.
    pub(super) ls: (f64, f64),
    /// PINN ensemble: `exp(mean ln D)`, m^2/s, and the spread (sd) of `ln D`.
    pub(super) pinn: (f64, f64),
    /// Each member's diffusivity, m^2/s.
    pub(super) members: Vec<f64>,
    /// The PINN ensemble's mean and sd of the fraction at each measured depth.
    pub(super) pinn_at_points: Vec<(f64, f64)>,
    /// The ensemble-mean PINN profile `(depth um, fraction)` at the end of the anneal.
    pub(super) pinn_curve: Vec<(f64, f64)>,
}

fn fmt_err(e: std::fmt::Error) -> Error {
    Error::Runtime(format!("formatting a table: {e}"))
}

/// Writes `profiles.csv` (every measurement with the truth and both fits) and
/// `diffusivities.csv` (per temperature: true, least-squares and PINN `D`, and every member's).
pub(super) fn write_tables(
    ctx: &RunContext,
    cfg: &IsotopeConfig,
    profiles: &[Profile],
    est: &[Estimate],
) -> Result<()> {
    let (c0, cs) = (cfg.initial_fraction, cfg.surface_fraction);
    let mut s = String::from(
        "temperature_k,anneal_hours,depth_um,fraction_measured,fraction_true,ls_fit,pinn_mean,pinn_sd\n",
    );
    for (p, e) in profiles.iter().zip(est) {
        let d_ls = e.ls.0 * super::simulate::M2_S_TO_UM2_H;
        for i in 0..p.depth_um.len() {
            let x = p.depth_um[i];
            writeln!(
                s,
                "{},{},{x:.6},{:.6},{:.6},{:.6},{:.6},{:.6}",
                p.temperature_k,
                p.hours,
                p.fraction[i],
                p.fraction_true[i],
                concentration(x, p.hours, d_ls, c0, cs),
                e.pinn_at_points[i].0,
                e.pinn_at_points[i].1
            )
            .map_err(fmt_err)?;
        }
    }
    ctx.write_file("profiles.csv", s.as_bytes())?;
    let members = est.first().map_or(0, |e| e.members.len());
    let mut s = String::from(
        "temperature_k,anneal_hours,d_true_m2_s,d_ls_m2_s,ln_d_ls_se,d_pinn_m2_s,ln_d_pinn_sd,ls_rel_error,pinn_rel_error",
    );
    for j in 0..members {
        write!(s, ",d_member_{j}_m2_s").map_err(fmt_err)?;
    }
    s.push('\n');
    for (p, e) in profiles.iter().zip(est) {
        write!(
            s,
            "{},{},{:.6e},{:.6e},{:.5},{:.6e},{:.5},{:.5},{:.5}",
            p.temperature_k,
            p.hours,
            p.d_true_m2_s,
            e.ls.0,
            e.ls.1,
            e.pinn.0,
            e.pinn.1,
            e.ls.0 / p.d_true_m2_s - 1.0,
            e.pinn.0 / p.d_true_m2_s - 1.0
        )
        .map_err(fmt_err)?;
        for d in &e.members {
            write!(s, ",{d:.6e}").map_err(fmt_err)?;
        }
        s.push('\n');
    }
    ctx.write_file("diffusivities.csv", s.as_bytes())?;
    Ok(())
}

/// One figure per temperature: the measurements (with the noise model's standard deviation),
/// the true profile, the least-squares erfc fit and the PINN ensemble's mean at the end of the
/// anneal.
pub(super) fn profile_figures(
    report: &mut Report,
    ctx: &RunContext,
    cfg: &IsotopeConfig,
    profiles: &[Profile],
    est: &[Estimate],
) -> Result<()> {
    let (c0, cs) = (cfg.initial_fraction, cfg.surface_fraction);
    for (p, e) in profiles.iter().zip(est) {
        let grid: Vec<f64> = e.pinn_curve.iter().map(|q| q.0).collect();
        let curve = |d_um2_h: f64| -> Vec<(f64, f64)> {
            grid.iter()
                .map(|&x| (x, concentration(x, p.hours, d_um2_h, c0, cs)))
                .collect()
        };
        let to = super::simulate::M2_S_TO_UM2_H;
        let measured: Vec<(f64, f64, f64)> = p
            .depth_um
            .iter()
            .zip(&p.fraction)
            .map(|(&x, &c)| {
                let sd = (cfg.relative_noise * c).hypot(cfg.absolute_noise);
                (x, c, sd)
            })
            .collect();
        let series = vec![
            Series::new(
                "measured, box +- 1 sd of the noise",
                with_error_bars(&measured, 0.006 * cfg.depth_um),
            ),
            Series::new("true profile", curve(p.d_true_m2_s * to)),
            Series::new(
                format!("least squares erfc, D = {:.3e} m^2/s", e.ls.0),
                curve(e.ls.0 * to),
            ),
            Series::new(
                format!("PINN ensemble mean, D = {:.3e} m^2/s", e.pinn.0),
                e.pinn_curve.clone(),
            ),
        ];
        report.figure(ctx.plot(
            &format!("profile_{:.0}K", p.temperature_k),
            &Plot::Line {
                labels: Labels::new(
                    &format!(
                        "Isotope profile after {} h at {} K (true D = {:.3e} m^2/s)",
                        p.hours, p.temperature_k, p.d_true_m2_s
                    ),
                    "depth (um)",
                    "isotope fraction",
                ),
                series,
                log_y: false,
            },
        )?);
    }
    Ok(())
}

/// A polyline through the points `(x_k, y_k)` that outlines each point's error bar
/// `y_k +- sd_k` as a box of half-width `half` on the way (a line plot's way of drawing error
/// bars; the path never doubles back on itself, which thick lines render badly).
fn with_error_bars(points: &[(f64, f64, f64)], half: f64) -> Vec<(f64, f64)> {
    points
        .iter()
        .flat_map(|&(x, y, sd)| {
            let (lo, hi) = (y - sd, y + sd);
            [
                (x - half, y),
                (x - half, lo),
                (x + half, lo),
                (x + half, hi),
                (x - half, hi),
                (x - half, y),
            ]
        })
        .collect()
}

/// The Arrhenius plot, `ln D` against `1000 / T` with the true line, both methods' estimates
/// with 1-sd error bars and their fitted lines; and the same with the true line subtracted,
/// `ln(D / D_true)`, where the errors and error bars can be read.
pub(super) fn arrhenius_figures(
    report: &mut Report,
    ctx: &RunContext,
    cfg: &IsotopeConfig,
    profiles: &[Profile],
    est: &[Estimate],
    lines: [(f64, f64); 2],
) -> Result<()> {
    let inv: Vec<f64> = profiles.iter().map(|p| 1000.0 / p.temperature_k).collect();
    let (lo, hi) = inv
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let pad = 0.05 * (hi - lo);
    let ends = [lo - pad, hi + pad];
    let k_b = super::simulate::K_B_EV;
    // ln D = ln D0 - Ea / (k_B T), with 1 / T = v / 1000.
    let ln_d = |ln_d0: f64, ea: f64, v: f64| ln_d0 - ea * v / (1000.0 * k_b);
    let truth = |v: f64| ln_d(cfg.d0_m2_s.ln(), cfg.activation_energy_ev, v);
    let (shift, half) = (0.012 * (hi - lo), 0.005 * (hi - lo));
    for relative in [false, true] {
        let base = |v: f64| if relative { truth(v) } else { 0.0 };
        let line = |ln_d0: f64, ea: f64| -> Vec<(f64, f64)> {
            ends.iter()
                .map(|&v| (v, ln_d(ln_d0, ea, v) - base(v)))
                .collect()
        };
        let bars = |side: f64, pick: fn(&Estimate) -> (f64, f64)| -> Vec<(f64, f64)> {
            let pts: Vec<(f64, f64, f64)> = inv
                .iter()
                .zip(est)
                .map(|(&v, e)| {
                    let (d, sd) = pick(e);
                    (v + side * shift, d.ln() - base(v), sd)
                })
                .collect();
            with_error_bars(&pts, half)
        };
        let [ls, pinn] = lines;
        let series = vec![
            Series::new(
                format!("true: Ea = {} eV", cfg.activation_energy_ev),
                line(cfg.d0_m2_s.ln(), cfg.activation_energy_ev),
            ),
            Series::new("least squares per profile +- 1 se", bars(-1.0, |e| e.ls)),
            Series::new("PINN ensemble +- 1 sd", bars(1.0, |e| e.pinn)),
            Series::new(
                format!("least-squares line: Ea = {:.3} eV", ls.1),
                line(ls.0, ls.1),
            ),
            Series::new(
                format!("PINN line: Ea = {:.3} eV", pinn.1),
                line(pinn.0, pinn.1),
            ),
        ];
        let (stem, title, y) = if relative {
            (
                "arrhenius_residuals",
                "Estimates relative to the true Arrhenius law",
                "ln(D / D_true)",
            )
        } else {
            (
                "arrhenius",
                "Arrhenius plot of the tracer diffusivity",
                "ln D (D in m^2/s)",
            )
        };
        report.figure(ctx.plot(
            stem,
            &Plot::Line {
                labels: Labels::new(title, "1000 / T (1/K)", y),
                series,
                log_y: false,
            },
        )?);
    }
    Ok(())
}
