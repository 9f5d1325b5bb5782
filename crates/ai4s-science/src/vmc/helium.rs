//! The helium atom: training the neural Jastrow wavefunction, the one-parameter baseline and
//! the analytic check, measuring them, and the report.

use super::jastrow::{HELIUM_EXACT, HELIUM_HF, HeliumAnsatz};
use super::sampler::{HeliumWalkers, blocking};
use ai4s_core::burn::module::Module;
use ai4s_core::burn::optim::{AdamConfig, GradientsParams};
use ai4s_core::burn::tensor::Tensor;
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::progress::Progress;
use ai4s_core::tensor::to_vec as values;
use ai4s_core::{Error, Goal, Report, Result, RunContext};
use serde::{Deserialize, Serialize};

/// `Z_eff = Z - 5/16`: the best single hydrogenic exponent, `E = -(27/16)^2` Ha.
const Z_EFF: f64 = 27.0 / 16.0;

/// Configuration of the helium atom.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeliumConfig {
    /// Hidden layers of the Jastrow network.
    pub hidden: Vec<usize>,
    /// Parallel Metropolis walkers.
    pub walkers: usize,
    /// Optimisation steps of the neural wavefunction.
    pub iterations: usize,
    /// Optimisation steps of the one-parameter baseline.
    pub baseline_iterations: usize,
    /// Metropolis moves between gradient steps and between measurements.
    pub moves_per_iteration: usize,
    /// Metropolis moves from the initial walkers before training.
    pub burn_in: usize,
    /// Adam learning rate at the start.
    pub lr: f64,
    /// The learning rate is `lr / (1 + t / lr_decay)` at step `t`.
    pub lr_decay: f64,
    /// Adam learning rate of the few-parameter wavefunctions (baseline, no-network ablation).
    pub baseline_lr: f64,
    /// Measurement steps of the neural wavefunction after training.
    pub measure_steps: usize,
    /// Measurement steps of the baseline and of the analytic check.
    pub baseline_measure_steps: usize,
    /// Goal: distance to the exact energy, mHa.
    pub goal_mha: f64,
}

impl Default for HeliumConfig {
    fn default() -> Self {
        HeliumConfig {
            hidden: vec![32, 32],
            walkers: 4096,
            iterations: 3000,
            baseline_iterations: 300,
            moves_per_iteration: 4,
            burn_in: 200,
            lr: 5e-3,
            lr_decay: 500.0,
            baseline_lr: 0.05,
            measure_steps: 1500,
            baseline_measure_steps: 300,
            goal_mha: 2.0,
        }
    }
}

impl HeliumConfig {
    /// Small enough for the quick run (a looser goal).
    pub fn quick() -> Self {
        HeliumConfig {
            hidden: vec![16, 16],
            walkers: 2048,
            iterations: 500,
            baseline_iterations: 150,
            burn_in: 100,
            measure_steps: 300,
            baseline_measure_steps: 100,
            ..Self::default()
        }
    }

    /// Checks every field; errors name `field.<key>`.
    pub fn validate(&self, field: &str) -> Result<()> {
        let key = |k: &str| format!("{field}.{k}");
        ensure(
            !self.hidden.is_empty() && self.hidden.iter().all(|w| (1..=1024).contains(w)),
            &key("hidden"),
            || {
                format!(
                    "needs 1..=1024 units per layer, e.g. [32, 32], got {:?}",
                    self.hidden
                )
            },
        )?;
        ensure(self.walkers >= 16, &key("walkers"), || {
            format!("must be at least 16, got {}", self.walkers)
        })?;
        for (k, v) in [
            ("iterations", self.iterations),
            ("baseline_iterations", self.baseline_iterations),
            ("moves_per_iteration", self.moves_per_iteration),
        ] {
            ensure(v >= 1, &key(k), || "must be at least 1".into())?;
        }
        for (k, v) in [
            ("measure_steps", self.measure_steps),
            ("baseline_measure_steps", self.baseline_measure_steps),
        ] {
            ensure(v >= 16, &key(k), || {
                format!("must be at least 16 (blocking needs a series), got {v}")
            })?;
        }
        for (k, v) in [("lr", self.lr), ("baseline_lr", self.baseline_lr)] {
            ensure(v > 0.0 && v < 1.0, &key(k), || {
                format!("must be in (0, 1), got {v}")
            })?;
        }
        ensure(self.lr_decay > 0.0, &key("lr_decay"), || {
            format!("must be positive (steps), got {}", self.lr_decay)
        })?;
        ensure(self.goal_mha > 0.0, &key("goal_mha"), || {
            format!("must be positive, got {}", self.goal_mha)
        })
    }
}

/// Energy-minimising VMC: `dE/dtheta = 2 <(E_L - <E_L>) d log psi / d theta>` (local energies
/// clipped to five mean absolute deviations about the median for the gradient only), Adam.
/// Returns the trained wavefunction and the mean local energy per step.
fn optimise(
    mut psi: HeliumAnsatz,
    walkers: &mut HeliumWalkers,
    cfg: &HeliumConfig,
    (iterations, lr0): (usize, f64),
    ctx: &mut RunContext,
    label: &str,
    bar: &mut Progress,
) -> Result<(HeliumAnsatz, Vec<(f64, f64)>)> {
    let ad = ctx.device.clone().autodiff();
    let mut optim = AdamConfig::new().init();
    let mut curve = Vec::with_capacity(iterations);
    for it in 0..iterations {
        walkers.moves(&psi.valid(), cfg.moves_per_iteration, true)?;
        let pos = Tensor::<2>::from_data(walkers.pos.clone().into_data(), &ad);
        let (e_loc, log_psi) = psi.local_energy(pos, true);
        let e = values(e_loc.clone())?;
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        if !mean.is_finite() {
            return Err(Error::Diverged {
                step: it + 1,
                message: format!("helium {label}: local energy is {mean}; lower helium.lr"),
            });
        }
        let mut sorted = e.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let mad = e.iter().map(|v| (v - median).abs()).sum::<f64>() / e.len() as f64;
        let clipped = e_loc.detach().clamp(median - 5.0 * mad, median + 5.0 * mad);
        let centre = values(clipped.clone().mean())?
            .first()
            .copied()
            .unwrap_or(mean);
        let loss = ((clipped - centre) * log_psi).mean() * 2.0;
        let grads = GradientsParams::from_grads(loss.backward(), &psi);
        let lr = lr0 / (1.0 + it as f64 / cfg.lr_decay);
        psi = optim.step(lr, psi, grads);
        curve.push(((it + 1) as f64, mean));
        ctx.log(it + 1, &[(&format!("helium_{label}_energy"), mean)]);
        bar.set_metric("E", mean);
        bar.inc(1);
    }
    Ok((psi, curve))
}

/// A measured wavefunction.
struct Measured {
    /// Mean local energy and its blocking standard error, Ha.
    energy: f64,
    stderr: f64,
    /// Variance of the local energy, Ha^2.
    variance: f64,
    /// Pair distances `r12` sampled along the way.
    r12: Vec<f64>,
}

/// `steps` measurements of the local energy, each after `moves` Metropolis moves.
fn measure(
    psi: &HeliumAnsatz,
    walkers: &mut HeliumWalkers,
    steps: usize,
    moves: usize,
    bar: &mut Progress,
) -> Result<Measured> {
    let mut series = Vec::with_capacity(steps);
    let mut second = 0.0;
    let mut r12 = Vec::new();
    let keep = (steps / 8).max(1);
    for step in 0..steps {
        walkers.moves(psi, moves, false)?;
        let e = values(psi.local_energy(walkers.pos.clone(), true).0)?;
        let n = e.len() as f64;
        series.push(e.iter().sum::<f64>() / n);
        second += e.iter().map(|v| v * v).sum::<f64>() / n;
        if step % keep == 0 {
            let p = values(walkers.pos.clone())?;
            r12.extend(p.chunks_exact(6).map(|w| {
                ((w[0] - w[3]).powi(2) + (w[1] - w[4]).powi(2) + (w[2] - w[5]).powi(2)).sqrt()
            }));
        }
        bar.inc(1);
    }
    let (energy, stderr, _) = blocking(&series);
    Ok(Measured {
        energy,
        stderr,
        variance: second / steps as f64 - energy * energy,
        r12,
    })
}

/// Trains and measures the baseline and the neural wavefunction; adds helium's metrics, goals
/// and figures to `report`.
pub(crate) fn run(cfg: &HeliumConfig, ctx: &mut RunContext, report: &mut Report) -> Result<()> {
    let total = cfg.iterations
        + 2 * cfg.baseline_iterations
        + cfg.measure_steps
        + 3 * cfg.baseline_measure_steps
        + 1;
    let mut bar = ctx.progress("helium", total as u64);
    let moves = cfg.moves_per_iteration;
    let device = ctx.device.clone();

    // Analytic check: independent hydrogenic electrons with Z_eff = 27/16.
    let hydrogenic = HeliumAnsatz::hydrogenic(Z_EFF);
    let mut walkers = HeliumWalkers::new(cfg.walkers, &device);
    walkers.moves(&hydrogenic, cfg.burn_in, true)?;
    let check = measure(
        &hydrogenic,
        &mut walkers,
        cfg.baseline_measure_steps,
        moves,
        &mut bar,
    )?;

    // Baseline: exp(-2 (r1 + r2)) exp(r12 / (2 (1 + b r12))), b optimised; the ablation
    // without the network; the neural Jastrow wavefunction.
    let ad = device.clone().autodiff();
    let few = (cfg.baseline_iterations, cfg.baseline_lr);
    let (pade, pade_curve, base) = train_and_measure(
        HeliumAnsatz::pade(0.5, &ad),
        cfg,
        few,
        cfg.baseline_measure_steps,
        ctx,
        "baseline",
        &mut bar,
    )?;
    let (_, plain_curve, plain) = train_and_measure(
        HeliumAnsatz::screened_pade(&ad),
        cfg,
        few,
        cfg.baseline_measure_steps,
        ctx,
        "no_network",
        &mut bar,
    )?;
    let (_, curve, net) = train_and_measure(
        HeliumAnsatz::neural(&cfg.hidden, &ad),
        cfg,
        (cfg.iterations, cfg.lr),
        cfg.measure_steps,
        ctx,
        "neural",
        &mut bar,
    )?;
    bar.inc(1);
    bar.finish();

    let correlation = HELIUM_EXACT - HELIUM_HF;
    let fraction = |e: f64| (e - HELIUM_HF) / correlation;
    report.check(
        "helium_energy",
        net.energy,
        Goal::Near {
            value: HELIUM_EXACT,
            tol: cfg.goal_mha * 1e-3,
        },
        "exact non-relativistic helium energy -2.903724 Ha (Pekeris 1959); goal: within helium.goal_mha",
    );
    report.metric("helium_energy_stderr", net.stderr);
    report.metric("helium_error_mha", 1e3 * (net.energy - HELIUM_EXACT));
    report.check(
        "helium_correlation_fraction",
        fraction(net.energy),
        Goal::AtLeast(fraction(base.energy)),
        "fraction of the correlation energy E_exact - E_HF = -0.042044 Ha recovered; goal: more than the one-parameter baseline",
    );
    report.metric("helium_local_energy_variance", net.variance);
    report.metric("helium_baseline_energy", base.energy);
    report.metric("helium_baseline_energy_stderr", base.stderr);
    report.metric(
        "helium_baseline_correlation_fraction",
        fraction(base.energy),
    );
    report.metric("helium_baseline_local_energy_variance", base.variance);
    report.metric("helium_baseline_b", pade.pade_b().unwrap_or(f64::NAN));
    report.metric("helium_no_network_energy", plain.energy);
    report.metric("helium_no_network_energy_stderr", plain.stderr);
    report.metric(
        "helium_no_network_correlation_fraction",
        fraction(plain.energy),
    );
    report.check(
        "helium_hydrogenic_energy",
        check.energy,
        Goal::Near {
            value: -Z_EFF * Z_EFF,
            tol: (5.0 * check.stderr).max(1e-3),
        },
        "analytic: psi = exp(-27/16 (r1 + r2)) gives E = -(27/16)^2 = -2.847656 Ha",
    );
    report.metric("helium_hydrogenic_energy_stderr", check.stderr);
    report.note(format!(
        "Helium: neural Jastrow {:.5} +- {:.5} Ha ({:+.2} mHa from the exact -2.903724, {:.1} % of the correlation energy), one-parameter Pade-Jastrow baseline (b = {:.3}) {:.5} +- {:.5} Ha ({:.1} %), the same Jastrow without the network (Pade + screening, three parameters) {:.5} +- {:.5} Ha ({:.1} %), hydrogenic Z_eff = 27/16 {:.5} +- {:.5} Ha (analytic -2.84766), Hartree-Fock -2.86168; local-energy variance {:.4} (neural) vs {:.4} (baseline) Ha^2.",
        net.energy,
        net.stderr,
        1e3 * (net.energy - HELIUM_EXACT),
        100.0 * fraction(net.energy),
        pade.pade_b().unwrap_or(f64::NAN),
        base.energy,
        base.stderr,
        100.0 * fraction(base.energy),
        plain.energy,
        plain.stderr,
        100.0 * fraction(plain.energy),
        check.energy,
        check.stderr,
        net.variance,
        base.variance,
    ));

    figures(
        ctx,
        report,
        [&curve, &plain_curve, &pade_curve],
        &net,
        &check,
    )
}

/// A trained wavefunction, its training curve and its measurement.
type Trained = (HeliumAnsatz, Vec<(f64, f64)>, Measured);

/// Burn-in, optimisation and measurement of one wavefunction on fresh walkers.
fn train_and_measure(
    start: HeliumAnsatz,
    cfg: &HeliumConfig,
    schedule: (usize, f64),
    steps: usize,
    ctx: &mut RunContext,
    label: &str,
    bar: &mut Progress,
) -> Result<Trained> {
    let mut walkers = HeliumWalkers::new(cfg.walkers, &ctx.device);
    walkers.moves(&start.valid(), cfg.burn_in, true)?;
    let (psi, curve) = optimise(start, &mut walkers, cfg, schedule, ctx, label, bar)?;
    let psi = psi.valid();
    let measured = measure(&psi, &mut walkers, steps, cfg.moves_per_iteration, bar)?;
    Ok((psi, curve, measured))
}

/// Running mean over `w` points.
fn smooth(curve: &[(f64, f64)], w: usize) -> Vec<(f64, f64)> {
    let mut acc = 0.0;
    let mut out = Vec::with_capacity(curve.len());
    for (i, &(x, y)) in curve.iter().enumerate() {
        acc += y;
        if i >= w {
            acc -= curve[i - w].1;
        }
        if i + 1 >= w.min(curve.len()) {
            out.push((x, acc / (i + 1).min(w) as f64));
        }
    }
    out
}

fn figures(
    ctx: &RunContext,
    report: &mut Report,
    [neural, plain, baseline]: [&[(f64, f64)]; 3],
    net: &Measured,
    check: &Measured,
) -> Result<()> {
    let w = (neural.len() / 50).clamp(1, 50);
    let last = neural.len().max(baseline.len()) as f64;
    let line = |name: &str, y: f64| Series::new(name, vec![(1.0, y), (last, y)]);
    report.figure(ctx.plot(
        "helium_energy",
        &Plot::Line {
            labels: Labels::new(
                &format!("Helium: VMC energy during optimisation (running mean over {w} steps)"),
                "optimisation step",
                "mean local energy (Ha)",
            ),
            series: vec![
                Series::new("neural Jastrow", smooth(neural, w)),
                Series::new("same Jastrow without the network", smooth(plain, w)),
                Series::new("Pade-Jastrow baseline (b)", smooth(baseline, w)),
                line("exact -2.903724", HELIUM_EXACT),
                line("Hartree-Fock -2.86168", HELIUM_HF),
            ],
            log_y: false,
        },
    )?);
    let cut = |v: &[f64]| v.iter().copied().filter(|r| *r < 6.0).collect::<Vec<_>>();
    report.figure(ctx.plot(
        "helium_pair_distance",
        &Plot::Histogram {
            labels: Labels::new(
                "Helium: electron-electron distance (the correlation hole)",
                "r12 (bohr)",
                "count",
            ),
            samples: vec![
                ("neural Jastrow".into(), cut(&net.r12)),
                (
                    "independent electrons, Z_eff = 27/16".into(),
                    cut(&check.r12),
                ),
            ],
            bins: 60,
        },
    )?);
    Ok(())
}
