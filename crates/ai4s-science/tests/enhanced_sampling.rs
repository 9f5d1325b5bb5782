//! The enhanced-sampling task: the Langevin integrator and the grid free energy against
//! harmonic limits, the restrained mean-force estimator against the analytic gradient, the
//! network's hand-built input gradient against finite differences, the quick run's goals, and
//! refusals of bad configs.

use ai4s_core::RunOptions;
use ai4s_core::device::{Precision, test_device};
use ai4s_core::free_energy::{Grid2, exact_free_energy, marginal_free_energy};
use ai4s_core::langevin::Baoab;
use ai4s_core::mlp::MlpConfig;
use ai4s_core::run::run_task;
use ai4s_core::testkit::check_refusals;
use ai4s_science::EnhancedSampling;
use ai4s_science::sampling::{
    Ensemble, HostEnsemble, MuellerBrown, Scaling, gate, restrained_mean_force,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn enhanced_sampling_langevin_samples_the_boltzmann_variance_of_a_harmonic_well() {
    // Var x = kT/k per axis, at the time step and friction the task uses.
    let (kt, k) = (1.0, [40.0, 900.0]);
    let md = Baoab::new(0.002, 1.0, kt, 1.0, "md").expect("valid");
    let force = |x: &[f64; 2]| [-k[0] * x[0], -k[1] * x[1]];
    let mut rng = StdRng::seed_from_u64(11);
    let mut w = md.walker([0.3, -0.1], force, &mut rng);
    let (mut s, mut s2, mut n) = ([0.0; 2], [0.0; 2], 0.0);
    md.run(&mut w, 600_000, force, &mut rng, |i, w| {
        if i > 5000 {
            for d in 0..2 {
                s[d] += w.x[d];
                s2[d] += w.x[d] * w.x[d];
            }
            n += 1.0;
        }
    });
    for d in 0..2 {
        let var = s2[d] / n - (s[d] / n).powi(2);
        let want = kt / k[d];
        assert!((var / want - 1.0).abs() < 0.06, "axis {d}: {var} vs {want}");
    }
}

#[test]
fn enhanced_sampling_exact_free_energy_of_a_harmonic_well() {
    // U = k/2 |x|^2 (kT = 1): F = U + ln(2 pi / k); marginal F(x) = k x^2 / 2 + ln(2 pi / k) / 2.
    let k = 25.0;
    let g = Grid2::new([-1.5, 1.5], [-1.5, 1.5], 240, 240, "grid").expect("grid");
    let u = |p: [f64; 2]| 0.5 * k * (p[0] * p[0] + p[1] * p[1]);
    let f = exact_free_energy(g, 1.0, u);
    let ln_z = (2.0 * std::f64::consts::PI / k).ln();
    assert!((f.ln_z - ln_z).abs() < 1e-6, "{} vs {ln_z}", f.ln_z);
    for (p, v) in g.points().iter().zip(&f.values).step_by(97) {
        assert!((v - u(*p) - ln_z).abs() < 1e-6);
    }
    let m = marginal_free_energy(g, 1.0, 0, u);
    let x = g.point(40, 0)[0];
    assert!((m[40] - 0.5 * k * x * x - 0.5 * ln_z).abs() < 1e-6);
}

#[test]
fn enhanced_sampling_restrained_mean_force_matches_the_analytic_gradient() {
    // U = 1/2 sum_d k_d (x_d - a_d)^2: the restrained average is (k a + kappa c)/(k + kappa), so
    // -kappa <x - c> = kappa k (c - a)/(k + kappa) exactly, -> grad U(c) = k (c - a) for large kappa.
    let (k, a) = ([50.0, 400.0], [0.1, -0.2]);
    let md = Baoab::new(0.002, 1.0, 1.0, 1.0, "md").expect("valid");
    let force = |x: &[f64; 2]| [-k[0] * (x[0] - a[0]), -k[1] * (x[1] - a[1])];
    let c = [0.4, 0.1];
    let kappa = 30_000.0;
    let mut rng = StdRng::seed_from_u64(7);
    let reps = 40;
    let mut mean = [0.0; 2];
    for _ in 0..reps {
        let g = restrained_mean_force(&md, force, c, kappa, 20, 1000, &mut rng);
        mean[0] += g[0] / reps as f64;
        mean[1] += g[1] / reps as f64;
    }
    // Noise of one 2-time-unit run: about sqrt(2 gamma / T) = 1 per component.
    for d in 0..2 {
        let smoothed = kappa * k[d] * (c[d] - a[d]) / (k[d] + kappa);
        let exact = k[d] * (c[d] - a[d]);
        assert!(
            (mean[d] - smoothed).abs() < 0.6,
            "axis {d}: {} vs {smoothed}",
            mean[d]
        );
        assert!((mean[d] / exact - 1.0).abs() < 0.03, "axis {d}");
    }
    // The stiff axis shows the smoothing: kappa/(k + kappa) = 0.987 of the bare gradient, ten
    // standard errors away from it.
    assert!(k[1] * (c[1] - a[1]) - mean[1] > 0.8, "{}", mean[1]);
    assert_eq!(gate(1.0, [2.0, 4.0]), 1.0);
    assert_eq!(gate(5.0, [2.0, 4.0]), 0.0);
    assert!((gate(3.0, [2.0, 4.0]) - 0.5).abs() < 1e-12);
}

#[test]
fn enhanced_sampling_surface_and_network_gradients_match_finite_differences() {
    let grid = Grid2::new([-1.5, 1.2], [-0.3, 2.0], 30, 30, "grid").expect("grid");
    let s = MuellerBrown::new(10.0, grid, 2.0);
    // The three minima (Mueller & Brown 1979): -146.70, -108.17, -80.77 in their units.
    for (m, e) in s.minima.iter().zip([-146.70, -108.17, -80.77]) {
        assert!((MuellerBrown::raw(*m).0 - e).abs() < 0.01, "{m:?}");
    }
    let h = 1e-6;
    for p in [[-0.3, 0.9], [0.5, 0.2], [1.3, 2.1]] {
        let f = s.force(&p);
        let fx = -(s.energy([p[0] + h, p[1]]) - s.energy([p[0] - h, p[1]])) / (2.0 * h);
        let fy = -(s.energy([p[0], p[1] + h]) - s.energy([p[0], p[1] - h])) / (2.0 * h);
        assert!((f[0] - fx).abs() < 1e-4 * (1.0 + fx.abs()), "{p:?}");
        assert!((f[1] - fy).abs() < 1e-4 * (1.0 + fy.abs()), "{p:?}");
    }
    let device = test_device(Precision::F32, 5);
    let model = Ensemble::new(&MlpConfig::default(), 3, &device);
    let host = HostEnsemble::new(&model, Scaling::new(&grid, 10.0)).expect("weights");
    let p = [0.2, 0.7];
    let e = 1e-4;
    let at = |q: [f64; 2]| host.predict(q).value;
    let pred = host.predict(p);
    let gx = (at([p[0] + e, p[1]]) - at([p[0] - e, p[1]])) / (2.0 * e);
    let gy = (at([p[0], p[1] + e]) - at([p[0], p[1] - e])) / (2.0 * e);
    assert!(
        (pred.grad[0] - gx).abs() < 1e-5 * (1.0 + gx.abs()),
        "{} vs {gx}",
        pred.grad[0]
    );
    assert!(
        (pred.grad[1] - gy).abs() < 1e-5 * (1.0 + gy.abs()),
        "{} vs {gy}",
        pred.grad[1]
    );
    assert!(pred.deviation > 0.0, "independent members disagree");
}

#[test]
fn enhanced_sampling_quick_run_learns_the_surface_sooner_than_metadynamics() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&EnhancedSampling, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    for m in &out.report.metrics {
        eprintln!("{} = {}", m.name, m.value);
    }
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    assert!(get("rid_rmse_kt") <= 0.5);
    assert!(get("rid_basins_visited") >= 3.0);
    assert_eq!(get("unbiased_basins_visited"), 1.0);
    assert!(get("unbiased_region_coverage") < 0.5);
    assert!(get("rid_over_metad_time_to_target") <= 1.0);
    for name in [
        "fes_exact.png",
        "fes_rid.png",
        "fes_metad.png",
        "error_vs_time.png",
        "basins_vs_time.png",
        "rid_points.png",
        "rid_ensemble.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn enhanced_sampling_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &EnhancedSampling,
        d.path(),
        &[
            ("temperature=0", "temperature", "(0, 10000]"),
            ("x_range=[1.0, -1.0]", "x_range", "low < high"),
            ("start=[5.0, 5.0]", "start", "inside the window"),
            ("dt=0.02", "dt", "too long for the restraint"),
            ("trust=[5.0, 1.0]", "trust", "e0 < e1"),
            ("coverage_distance=0", "coverage_distance", "(0, 100]"),
            ("ensemble=1", "ensemble", "2..=64"),
            ("bias_factor=1.0", "bias_factor", "(1, 1000]"),
            ("model.activation=\"relu\"", "model.activation", "tanh"),
        ],
    )
    .expect("bad configs are refused naming the field");
}
