//! Quantum: variational Monte Carlo with a neural wavefunction.
//!
//! The variational principle: for any trial wavefunction `psi`, `E[psi] = <psi|H|psi>/<psi|psi>`
//! is at least the ground-state energy, and `E = E_{|psi|^2}[E_L]` with the local energy
//! `E_L = (H psi)/psi`. Here `log psi = f(q) - a q` (hydrogen, `q = r`) or `f(q) - a q^2`
//! (harmonic oscillator, `q = x`), where `f` is a one-hidden-layer tanh network and `a > 0` a
//! trainable envelope. Its first and second derivatives come from the shared forward-mode
//! [`ai4s_core::mlp::Mlp::forward_jet`] as tensor ops, so
//! `E_L = -(u'' + u'^2 + (D - 1) u'/q)/2 + V(q)` with `u = log psi`, `D` the dimension.
//! Walkers sample `|psi|^2` by Metropolis; parameters follow the standard VMC gradient
//! `dE = 2 E[(E_L - E) d log psi]` (McMillan 1965; Carleo & Troyer 2017), with Adam.
//! Exact: harmonic oscillator 0.5, hydrogen -0.5 Hartree; at the exact wavefunction `E_L` is
//! constant (zero variance), so the statistical error bars shrink as the network converges.
//!
//! # Helium
//!
//! Two electrons in a singlet, where the exact wavefunction is not in any simple ansatz:
//! `psi = exp(-2 (r1 + r2)) exp(J(r1, r2, r12))` with a neural Jastrow factor built so that
//! neither cusp (electron-nucleus `-Z`, Kato 1957; electron-electron `+1/2`) can be broken by
//! the network ([`HeliumAnsatz`], module `jastrow`). Its six-dimensional Laplacian is carried
//! through the network as tensor ops (module `jet`), walkers are batched in one `[n, 6]`
//! tensor, and the same energy-minimising gradient trains it. The energy's error bar comes
//! from a blocking analysis ([`blocking`]) of the measured series. References: exact
//! -2.903724 Ha (Pekeris 1959), Hartree-Fock -2.86168 Ha, correlation energy -0.042044 Ha;
//! the baseline is the one-parameter Pade-Jastrow `exp(-2(r1 + r2)) exp(r12 / (2 (1 + b r12)))`,
//! and `exp(-27/16 (r1 + r2))` (`E = -(27/16)^2 = -2.84766` Ha) checks the local energy.

mod config;
mod helium;
mod jastrow;
mod jet;
mod sampler;
mod single;

pub use config::VmcConfig;
pub use helium::HeliumConfig;
pub use jastrow::{HELIUM_EXACT, HELIUM_HF, HELIUM_Z, HeliumAnsatz};
pub use sampler::{HeliumWalkers, blocking};

use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task};
use single::{System, solve};

/// Variational Monte Carlo task.
pub struct VariationalMonteCarlo;

impl Task for VariationalMonteCarlo {
    type Config = VmcConfig;

    fn name(&self) -> &'static str {
        "vmc"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Quantum
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "quantum: variational Monte Carlo with a neural wavefunction (harmonic oscillator, hydrogen atom, helium with a neural Jastrow factor)"
    }

    fn demonstrates(&self) -> &'static str {
        "Quantum many-body physics without data: a neural network is the wavefunction, Monte Carlo samples it, and the variational principle trains it towards the ground state; the exact energies (0.5 and -0.5 Hartree) are recovered with statistical error bars. For helium, where the exact wavefunction lies outside any simple ansatz, a cusp-preserving neural Jastrow factor recovers most of the correlation energy beyond a one-parameter Slater-Jastrow baseline."
    }

    fn run(&self, cfg: &VmcConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let mut series = Vec::new();
        for system in [System::Oscillator, System::Hydrogen] {
            let (e, err, curve) = solve(system, cfg, ctx)?;
            report.check(
                &format!("{}_energy", system.name()),
                e,
                Goal::Near {
                    value: system.exact(),
                    tol: 1e-3,
                },
                "exact ground-state energy (Hartree)",
            );
            report.metric(&format!("{}_energy_stderr", system.name()), err);
            series.push(Series::new(
                format!("{} (exact {})", system.name(), system.exact()),
                curve,
            ));
        }
        report.figure(ctx.plot(
            "energy",
            &Plot::Line {
                labels: Labels::new(
                    "VMC energy during training",
                    "iteration",
                    "mean local energy (Ha)",
                ),
                series,
                log_y: false,
            },
        )?);
        helium::run(&cfg.helium, ctx, &mut report)?;
        Ok(report)
    }
}
