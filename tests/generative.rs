//! Deep generative models: the flow is a normalised, invertible density with the right
//! log-determinant; the free-energy reference is exact on an analytic case; the VAE and the
//! Boltzmann generator learn what their tasks claim on small configurations.

use ai4s::core::burn::tensor::{Device, Tensor, TensorData};
use ai4s::core::progress::ProgressMode;
use ai4s::core::run::run_task;
use ai4s::core::{RunContext, RunOptions, TaskConfig};
use ai4s_unsupervised::boltzmann::DoubleWell;
use ai4s_unsupervised::flow::{FlowConfig, RealNvp};
use ai4s_unsupervised::flow_density::{FlowDensityConfig, Grid, fit_density, log_prob_points};
use ai4s_unsupervised::{BoltzmannGenerator, VaeTask};

fn device() -> Device {
    ai4s::core::device::test_device(ai4s::core::device::Precision::F32, 7)
}

fn quiet(sets: &[&str], seed: u64, dir: &std::path::Path) -> RunOptions {
    RunOptions {
        seed: Some(seed),
        ..RunOptions::quick_into(dir, sets)
    }
}

/// Integral of `exp(log q)` over `[-8, 8]^2` by the midpoint rule on 400 x 400 cells.
fn integral(model: &RealNvp, device: &Device) -> f64 {
    let grid = Grid {
        lo: [-8.0, -8.0],
        hi: [8.0, 8.0],
        n: 400,
    };
    let h = grid.step();
    log_prob_points(model, &grid.points(), device)
        .expect("log q")
        .iter()
        .map(|l| l.exp())
        .sum::<f64>()
        * h[0]
        * h[1]
}

#[test]
fn flow_density_integrates_to_one_before_and_after_training() {
    let device = device();
    // Untrained, but moved and stretched by the final affine layer so it is not N(0, I).
    let untrained = FlowConfig::default()
        .init(2, &device)
        .with_affine(&[0.5, -0.3], &[0.4, -0.2]);
    let z = integral(&untrained, &device);
    assert!((z - 1.0).abs() < 5e-3, "untrained flow integrates to {z}");

    let d = tempfile::tempdir().expect("tempdir");
    let mut ctx = RunContext::new(
        device.clone(),
        ai4s::core::device::test_backend(),
        11,
        d.path().to_path_buf(),
        true,
        ProgressMode::Quiet,
    )
    .expect("context");
    let mut cfg = FlowDensityConfig::quick();
    cfg.train_samples = 3000;
    cfg.val_samples = 500;
    cfg.test_samples = 2000;
    cfg.train.epochs = 6;
    let fitted = fit_density(&cfg, &mut ctx).expect("trains");
    assert!(
        fitted.test_nll < fitted.untrained_nll - 0.3,
        "held-out NLL {} vs untrained {}",
        fitted.test_nll,
        fitted.untrained_nll
    );
    assert!(
        fitted.test_nll > fitted.true_nll - 0.05,
        "a model cannot beat the true density by more than noise: {} vs {}",
        fitted.test_nll,
        fitted.true_nll
    );
    let z = integral(&fitted.model, &device);
    assert!((z - 1.0).abs() < 5e-3, "trained flow integrates to {z}");
}

fn tensor(rows: &[[f64; 2]], device: &Device) -> Tensor<2> {
    let v: Vec<f32> = rows
        .iter()
        .flat_map(|r| [r[0] as f32, r[1] as f32])
        .collect();
    Tensor::from_data(TensorData::new(v, [rows.len(), 2]), device)
}

fn values(t: Tensor<2>) -> Vec<f64> {
    t.into_data().try_into_vec_as::<f64>().expect("data")
}

#[test]
fn flow_inverts_exactly_and_its_log_det_matches_finite_differences() {
    let device = device();
    let flow = FlowConfig::default()
        .init(2, &device)
        .with_affine(&[0.2, -0.1], &[0.3, 0.1]);
    let z = [[0.3, -0.7], [-1.2, 0.4], [0.9, 1.5], [0.0, 0.0]];
    let (x, logdet) = flow.forward(tensor(&z, &device));
    let (back, inv_logdet) = flow.inverse(x.clone());
    let (x, back) = (values(x), values(back));
    for (a, b) in z.iter().flatten().zip(&back) {
        assert!((a - b).abs() < 1e-5, "inverse(forward(z)) = {b}, z = {a}");
    }
    let (logdet, inv_logdet) = (values(logdet), values(inv_logdet));
    let h = 1e-2;
    for (i, zi) in z.iter().enumerate() {
        // Central differences of f at z along each axis give the Jacobian's columns.
        let mut cols = [[0.0; 2]; 2];
        for (k, col) in cols.iter_mut().enumerate() {
            let (mut plus, mut minus) = (*zi, *zi);
            plus[k] += h;
            minus[k] -= h;
            let fp = values(flow.forward(tensor(&[plus], &device)).0);
            let fm = values(flow.forward(tensor(&[minus], &device)).0);
            *col = [(fp[0] - fm[0]) / (2.0 * h), (fp[1] - fm[1]) / (2.0 * h)];
        }
        let det = cols[0][0] * cols[1][1] - cols[1][0] * cols[0][1];
        assert!(
            (det.abs().ln() - logdet[i]).abs() < 2e-3,
            "point {i}: log|det J| = {} by differences, {} analytic",
            det.abs().ln(),
            logdet[i]
        );
        assert!((logdet[i] + inv_logdet[i]).abs() < 1e-4);
        assert!(x[2 * i].is_finite());
    }
}

/// `erfc` (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[test]
fn free_energy_reference_is_exact_for_a_tilted_harmonic_well() {
    // a = 0, b = -1/2: u = x1^2/2 + c x1 + x2^2/2, so x1 ~ N(-c, kT) and
    // Delta F / kT = -ln[P(x1 > 0) / P(x1 < 0)] = -ln[erfc(c/sqrt(2kT)) / erfc(-c/sqrt(2kT))].
    for (c, kt) in [(0.7, 1.3), (-1.5, 0.8), (2.0, 1.0)] {
        let well = DoubleWell {
            a: 0.0,
            b: -0.5,
            c,
            kt,
        };
        let s = c / (2.0 * kt).sqrt();
        let exact = -(erfc(s) / erfc(-s)).ln();
        let grid = well.integrate(2000);
        assert!(
            (grid.delta_f - exact).abs() < 1e-4,
            "c = {c}, kT = {kt}: grid {} vs analytic {exact}",
            grid.delta_f
        );
        // ln Z = ln(2 pi kT) + c^2 / (2 kT).
        let ln_z = (2.0 * std::f64::consts::PI * kt).ln() + c * c / (2.0 * kt);
        assert!(
            (grid.ln_z - ln_z).abs() < 1e-4,
            "ln Z {} vs {ln_z}",
            grid.ln_z
        );
    }
    // The default double well: the tilt makes the right well a few kT higher.
    let df = DoubleWell::default().integrate(2000).delta_f;
    assert!((2.0..4.0).contains(&df), "default Delta F {df} kT");
}

#[test]
fn short_vae_training_beats_the_untrained_model_and_the_baseline_on_held_out_digits() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&VaeTask, &quiet(&["train.epochs=40"], 5, d.path())).expect("runs");
    let r = &o.report;
    let test = r.get("test_neg_elbo").expect("test -ELBO");
    let untrained = r.get("untrained_test_neg_elbo").expect("untrained");
    let baseline = r.get("baseline_test_nll").expect("baseline");
    assert!(
        test < 0.5 * untrained,
        "test -ELBO {test} vs untrained {untrained}"
    );
    assert!(
        test < 0.85 * baseline,
        "test -ELBO {test} vs baseline {baseline}"
    );
    let iw = r.get("test_nll_importance_weighted").expect("iw");
    assert!(
        iw <= test + 0.5,
        "the importance-weighted bound {iw} is tighter than {test}"
    );
    for f in [
        "vae.bpk",
        "reconstructions.png",
        "latent_space.svg",
        "prior_samples.png",
    ] {
        assert!(d.path().join(f).exists(), "{f} written");
    }
}

#[test]
fn boltzmann_generator_recovers_the_free_energy_difference() {
    let d = tempfile::tempdir().expect("tempdir");
    // Seed 9 was not used to choose the configuration.
    let o = run_task(&BoltzmannGenerator, &quiet(&["samples=50000"], 9, d.path())).expect("runs");
    let r = &o.report;
    let df = r.get("delta_f").expect("Delta F");
    let reference = r.get("delta_f_reference").expect("reference");
    let ess = r.get("ess_fraction").expect("ESS");
    assert!(
        (df - reference).abs() < 0.15,
        "reweighted Delta F {df} vs {reference} kT"
    );
    assert!(ess > 0.2, "ESS/N {ess}");
    assert!(d.path().join("boltzmann_flow.bpk").exists());
}

#[test]
fn bad_generative_configs_are_rejected_with_the_field_name() {
    let d = tempfile::tempdir().expect("tempdir");
    for (task, set, field) in [
        ("boltzmann", "well.a=0.0", "well.a"),
        ("boltzmann", "flow.couplings=1", "flow.couplings"),
        ("vae", "latent=0", "latent"),
        ("flow", "train_samples=5", "train_samples"),
    ] {
        let task = ai4s::find_task(task).expect("registered");
        let err = run_task(task.as_ref(), &quiet(&[set], 1, d.path()))
            .err()
            .unwrap_or_else(|| panic!("{set} should be rejected"));
        assert!(err.to_string().contains(field), "{set}: {err}");
    }
}
