//! The isotope-diffusion task: the analytic pieces (erf, the erfc profile against the diffusion
//! equation, the least-squares baseline on exact data), the PINN's forward-mode derivatives
//! against finite differences, the learning claim, and refusals of bad configs.

use ai4s_core::burn::tensor::{Tensor, TensorData};
use ai4s_core::checkpoint::TrainRng;
use ai4s_core::device::{Precision, test_device};
use ai4s_core::run::run_task;
use ai4s_core::tensor::to_vec;
use ai4s_core::testkit::check_refusals;
use ai4s_core::{RunOptions, TaskConfig};
use ai4s_science::IsotopeDiffusion;
use ai4s_science::isotope::{
    IsotopeConfig, K_B_EV, M2_S_TO_UM2_H, PinnBank, Q_EPS, arrhenius, arrhenius_fit, concentration,
    erf, erfc, fit_profile, normalised, simulate,
};
use rand::SeedableRng;

#[test]
fn isotope_erf_matches_known_values() {
    for (x, want) in [
        (0.5, 0.520_499_877_8),
        (1.0, 0.842_700_792_9),
        (2.0, 0.995_322_265_0),
        (0.1, 0.112_462_916_0),
        (3.0, 0.999_977_909_5),
    ] {
        assert!((erf(x) - want).abs() < 1e-10, "erf({x}) = {}", erf(x));
        assert!((erf(-x) + want).abs() < 1e-10, "erf(-{x})");
        assert!((erfc(x) - (1.0 - want)).abs() < 1e-10, "erfc({x})");
        assert!((erfc(-x) - (1.0 + want)).abs() < 1e-10, "erfc(-{x})");
    }
    assert_eq!(erf(0.0), 0.0);
    // The tail in relative terms: erfc(3) = 2.209049699858544e-5, erfc(5) = 1.5374597944280349e-12.
    assert!((erfc(3.0) / 2.209_049_699_858_544e-5 - 1.0).abs() < 1e-12);
    assert!((erfc(5.0) / 1.537_459_794_428_035e-12 - 1.0).abs() < 1e-12);
    // Continuous across the switch from the series to the continued fraction at 2.
    let (below, above) = (erfc(2.0 - 1e-12), erfc(2.0));
    assert!((below / above - 1.0).abs() < 1e-9, "{below} vs {above}");
    // The derivative is (2 / sqrt(pi)) e^{-x^2}.
    for x in [0.3, 1.2, 1.99, 2.5] {
        let h = 1e-5;
        let fd = (erf(x + h) - erf(x - h)) / (2.0 * h);
        let exact = 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp();
        assert!((fd - exact).abs() < 1e-8, "erf'({x}) {fd} vs {exact}");
    }
}

#[test]
fn isotope_profile_solves_the_diffusion_problem() {
    let (d, c0, cs) = (0.37, 0.002, 0.5);
    let c = |x: f64, t: f64| concentration(x, t, d, c0, cs);
    // C_t = D C_xx by central differences, inside the grain and at several times.
    for (x, t) in [(0.2, 1.0), (0.8, 1.0), (1.5, 2.5), (0.05, 0.1)] {
        let (hx, ht) = (1e-3, 1e-4);
        let c_t = (c(x, t + ht) - c(x, t - ht)) / (2.0 * ht);
        let c_xx = (c(x + hx, t) - 2.0 * c(x, t) + c(x - hx, t)) / (hx * hx);
        assert!(
            (c_t - d * c_xx).abs() < 1e-5 * (1.0 + c_t.abs()),
            "({x}, {t}): C_t {c_t} vs D C_xx {}",
            d * c_xx
        );
    }
    // Surface held at C_s, grain at C_0 before the anneal and far away after it.
    for t in [1e-3, 1.0, 100.0] {
        assert!((c(0.0, t) - cs).abs() < 1e-15);
    }
    assert_eq!(c(0.3, 0.0), c0);
    assert!((c(1e-3, 1e-9) - c0).abs() < 1e-12);
    assert!((c(30.0, 1.0) - c0).abs() < 1e-12);
    // The erf and erfc forms agree.
    let (x, t) = (0.7, 1.3);
    let z = x / (2.0 * (d * t).sqrt());
    assert!((c(x, t) - (cs + (c0 - cs) * erf(z))).abs() < 1e-14);
    // Arrhenius: ln D is linear in 1 / T with slope -Ea / k_B.
    let (d1, d2) = (arrhenius(1e-4, 2.6, 900.0), arrhenius(1e-4, 2.6, 1000.0));
    let slope = (d2.ln() - d1.ln()) / (1.0 / 1000.0 - 1.0 / 900.0);
    assert!((slope + 2.6 / K_B_EV).abs() < 1e-6 * slope.abs());
}

#[test]
fn isotope_least_squares_recovers_d_and_ea_from_exact_data() {
    let cfg = IsotopeConfig {
        relative_noise: 0.0,
        absolute_noise: 0.0,
        depth_jitter_um: 0.0,
        ..IsotopeConfig::quick()
    };
    let profiles = simulate(&cfg, 7);
    let mut ln_d = Vec::new();
    for p in &profiles {
        let phi: Vec<f64> = p.fraction.iter().map(|&c| normalised(&cfg, c)).collect();
        assert_eq!(p.fraction, p.fraction_true, "no noise, no jitter");
        let fit = fit_profile(&p.depth_um, &phi, p.hours).expect("interior optimum");
        let d_true = p.d_true_m2_s * M2_S_TO_UM2_H;
        assert!(
            (fit.d / d_true - 1.0).abs() < 1e-6,
            "{} K: {} vs {d_true}",
            p.temperature_k,
            fit.d
        );
        assert!(fit.rms < 1e-9 && fit.ln_d_se < 1e-6, "{fit:?}");
        ln_d.push((fit.d / M2_S_TO_UM2_H).ln());
    }
    let temps: Vec<f64> = profiles.iter().map(|p| p.temperature_k).collect();
    let line = arrhenius_fit(&temps, &ln_d, None).expect("distinct temperatures");
    assert!(
        (line.ea_ev - cfg.activation_energy_ev).abs() < 1e-6,
        "{line:?}"
    );
    assert!((line.ln_d0 - cfg.d0_m2_s.ln()).abs() < 1e-5, "{line:?}");
    // A profile that has not started falling has no interior optimum.
    assert!(fit_profile(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0], 1.0).is_none());
}

#[test]
fn isotope_pinn_derivatives_match_finite_differences() {
    let device = test_device(Precision::F32, 3);
    let mut rng = TrainRng::seed_from_u64(11);
    let bank = PinnBank::new(&[12, 10], &[-3.0, -2.0, -4.0], &mut rng, &device);
    // Host copies of the weights: an f64 forward pass for the finite differences.
    let layers: Vec<(Vec<f64>, Vec<f64>, [usize; 3])> = bank
        .weights
        .iter()
        .zip(&bank.biases)
        .map(|(w, b)| {
            let dims = w.val().dims();
            (
                to_vec(w.val()).expect("weights"),
                to_vec(b.val()).expect("biases"),
                dims,
            )
        })
        .collect();
    let kappa = to_vec(bank.kappa()).expect("kappa");
    let host = |net: usize, xi: f64, tau: f64| -> f64 {
        let s = tau.sqrt();
        let q = xi / (xi + kappa[net].sqrt() * s + Q_EPS);
        let mut h = vec![2.0 * q - 1.0, 2.0 * s - 1.0];
        for (l, (w, b, [_, din, dout])) in layers.iter().enumerate() {
            let mut z: Vec<f64> = (0..*dout).map(|o| b[net * dout + o]).collect();
            for (i, hi) in h.iter().enumerate() {
                for (o, zo) in z.iter_mut().enumerate() {
                    *zo += hi * w[(net * din + i) * dout + o];
                }
            }
            h = if l + 1 < layers.len() {
                z.iter().map(|v| v.tanh()).collect()
            } else {
                z
            };
        }
        h[0]
    };
    let samples: [(f64, f64); 3] = [(0.3, 0.6), (1.1, 0.25), (0.05, 0.9)];
    let mut pts = Vec::new();
    for _ in 0..3 {
        for &(xi, tau) in &samples {
            pts.push(xi as f32);
            pts.push(tau.sqrt() as f32);
        }
    }
    let fields = bank.fields(Tensor::from_data(TensorData::new(pts, [3, 3, 2]), &device));
    let read = |t: Tensor<3>| to_vec(t).expect("values");
    let (u, u_x, u_s, u_xx) = (
        read(fields.u),
        read(fields.u_x),
        read(fields.u_s),
        read(fields.u_xx),
    );
    let (h, ht) = (1e-3, 1e-4);
    for net in 0..3 {
        for (j, &(xi, tau)) in samples.iter().enumerate() {
            let i = net * 3 + j;
            let f = |x: f64, t: f64| host(net, x, t);
            let fd_x = (f(xi + h, tau) - f(xi - h, tau)) / (2.0 * h);
            let fd_xx = (f(xi + h, tau) - 2.0 * f(xi, tau) + f(xi - h, tau)) / (h * h);
            let fd_t = (f(xi, tau + ht) - f(xi, tau - ht)) / (2.0 * ht);
            // u_t from the network's u_s by the chain rule, s = sqrt(tau).
            let u_t = u_s[i] / (2.0 * tau.sqrt());
            let tol = |v: f64| 2e-4 + 1e-3 * v.abs();
            assert!((u[i] - f(xi, tau)).abs() < 1e-5, "net {net}: u");
            assert!(
                (u_x[i] - fd_x).abs() < tol(fd_x),
                "net {net}: u_x {} vs {fd_x}",
                u_x[i]
            );
            assert!(
                (u_xx[i] - fd_xx).abs() < tol(fd_xx) + 2e-3,
                "net {net}: u_xx {} vs {fd_xx}",
                u_xx[i]
            );
            assert!(
                (u_t - fd_t).abs() < tol(fd_t),
                "net {net}: u_t {u_t} vs {fd_t}"
            );
        }
    }
    // kappa = exp(ln kappa) of each network.
    assert!((kappa[1] - (-2.0f64).exp()).abs() < 1e-6);
}

#[test]
fn isotope_pinn_recovers_diffusivities_and_activation_energy() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&IsotopeDiffusion, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    assert!(get("pinn_ea_rel_error") <= 0.05);
    assert!(get("ls_ea_rel_error") <= 0.05);
    assert!(
        get("pinn_d_rel_error_max") < 0.2,
        "{}",
        get("pinn_d_rel_error_max")
    );
    assert!(get("ea_pinn_sd_ev") > 0.0);
    let cfg = IsotopeConfig::quick();
    let table = std::fs::read_to_string(d.path().join("profiles.csv")).expect("profiles.csv");
    assert_eq!(
        table.lines().count(),
        1 + cfg.temperatures_k.len() * cfg.points_per_profile
    );
    let table = std::fs::read_to_string(d.path().join("diffusivities.csv")).expect("csv");
    assert_eq!(table.lines().count(), 1 + cfg.temperatures_k.len());
    for name in [
        "arrhenius.png",
        "profile_875K.png",
        "profile_1125K.png",
        "pinn.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn isotope_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &IsotopeDiffusion,
        d.path(),
        &[
            (
                "temperatures_k=[900.0, -5.0, 1000.0, 1050.0, 1100.0, 1150.0]",
                "temperatures_k",
                "must be positive",
            ),
            (
                "temperatures_k=[1000.0]",
                "temperatures_k",
                "at least 2 distinct",
            ),
            (
                "temperatures_k=[1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0]",
                "temperatures_k",
                "at least 2 distinct",
            ),
            (
                "temperatures_k=[900.0, 900.2, 1000.0, 1050.0, 1100.0, 1150.0]",
                "temperatures_k",
                "differ by at least 1 K",
            ),
            (
                "anneal_hours=[1.0, 2.0]",
                "anneal_hours",
                "one duration per temperature",
            ),
            ("relative_noise=-0.1", "relative_noise", "not negative"),
            ("absolute_noise=-1e-3", "absolute_noise", "not negative"),
            (
                "surface_fraction=0.001",
                "surface_fraction",
                "initial_fraction",
            ),
            ("ensemble=1", "ensemble", "2..=256"),
            ("points_per_profile=2", "points_per_profile", "3..=10000"),
            ("model.activation=\"relu\"", "model.activation", "tanh"),
        ],
    )
    .expect("bad configs are refused naming the field");
}
