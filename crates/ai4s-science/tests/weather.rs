//! The weather task: the spectral model against analytic limits (viscous decay and propagation
//! of a single Fourier mode, the conservation laws of the Euler equations, Galilean
//! translation), the transforms and the network's periodic padding, the learning claims on
//! held-out trajectories, and refusals of bad configs.

use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::run::run_task;
use ai4s_core::testkit::check_refusals;
use ai4s_core::{RunOptions, TaskConfig};
use ai4s_science::WeatherField;
use ai4s_science::weather::{
    Complex, Forecaster, Model, Physics, Role, Spectral, WeatherConfig, circular_pad, regrid,
    rms_of, trajectory_seed,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::f64::consts::PI;

/// `amp cos(kx x + ky y - phase)` on the `n x n` grid of `[0, 2 pi)^2`.
fn mode(n: usize, kx: f64, ky: f64, amp: f64, phase: f64) -> Vec<f64> {
    let h = 2.0 * PI / n as f64;
    (0..n * n)
        .map(|i| {
            let (x, y) = ((i % n) as f64 * h, (i / n) as f64 * h);
            amp * (kx * x + ky * y - phase).cos()
        })
        .collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn weather_fft_round_trips_and_regridding_is_trigonometric_interpolation() {
    let fft = Spectral::new(16).expect("16 is a power of two");
    assert!(Spectral::new(12).is_none());
    let f = mode(16, 3.0, -2.0, 1.5, 0.3);
    let c = fft.forward(&f);
    assert!(max_diff(&fft.inverse(&c), &f) < 1e-12);
    // One cosine is two coefficients of half its amplitude.
    let big: Vec<f64> = c.iter().map(|z| z.norm_sqr().sqrt()).collect();
    assert_eq!(big.iter().filter(|&&a| a > 1e-9).count(), 2);
    assert!(big.iter().all(|&a| a < 1e-9 || (a - 0.75).abs() < 1e-12));
    // A band-limited field moved to a finer grid is the same function sampled more densely,
    // and back again is unchanged.
    let fine = regrid(&c, 16, 32);
    let fine_field = Spectral::new(32).expect("fft").inverse(&fine);
    assert!(max_diff(&fine_field, &mode(32, 3.0, -2.0, 1.5, 0.3)) < 1e-12);
    let back = regrid(&fine, 32, 16);
    assert!(
        back.iter()
            .zip(&c)
            .all(|(a, b)| (*a - *b).norm_sqr() < 1e-24)
    );
}

#[test]
fn weather_single_mode_decays_as_exp_minus_nu_k2_t_despite_the_nonlinear_term() {
    let nu = 0.02;
    let model = Model::new(
        32,
        Physics {
            viscosity: nu,
            ..Physics::EULER
        },
    )
    .expect("model");
    // A single mode is an exact steady solution of the advection term (u is parallel to its
    // crests), so only viscosity acts: omega(t) = omega(0) exp(-nu |k|^2 t).
    let (kx, ky, t) = (3.0, 4.0, 2.0);
    let mut w = model.to_spectral(&mode(32, kx, ky, 1.0, 0.0));
    model.advance::<StdRng>(&mut w, t, 40, None);
    let decay = (-nu * (kx * kx + ky * ky) * t).exp();
    let expect = mode(32, kx, ky, decay, 0.0);
    assert!(
        max_diff(&model.to_physical(&w), &expect) < 1e-7,
        "decay {decay}"
    );
    // Drag multiplies by exp(-mu t) on top.
    let model = Model::new(
        32,
        Physics {
            viscosity: nu,
            drag: 0.1,
            ..Physics::EULER
        },
    )
    .expect("model");
    let mut w = model.to_spectral(&mode(32, kx, ky, 1.0, 0.0));
    model.advance::<StdRng>(&mut w, t, 40, None);
    let expect = mode(32, kx, ky, decay * (-0.1 * t).exp(), 0.0);
    assert!(max_diff(&model.to_physical(&w), &expect) < 1e-7);
}

#[test]
fn weather_rossby_wave_propagates_at_the_dispersion_relation() {
    let (beta, wind) = (2.0, [0.5, -0.3]);
    let model = Model::new(
        32,
        Physics {
            beta,
            wind,
            ..Physics::EULER
        },
    )
    .expect("model");
    for (kx, ky) in [(1.0, 0.0), (2.0, 1.0), (-1.0, 3.0)] {
        // sigma = U.k - beta k_x / |k|^2; the wave is cos(k.x - sigma t).
        let sigma = wind[0] * kx + wind[1] * ky - beta * kx / (kx * kx + ky * ky);
        let t = 3.0;
        let mut w = model.to_spectral(&mode(32, kx, ky, 0.7, 0.0));
        model.advance::<StdRng>(&mut w, t, 300, None);
        let expect = mode(32, kx, ky, 0.7, sigma * t);
        let err = max_diff(&model.to_physical(&w), &expect);
        assert!(err < 1e-6, "k = ({kx}, {ky}): error {err}");
    }
}

#[test]
fn weather_pure_advection_conserves_mean_enstrophy_and_energy() {
    let model = Model::new(32, Physics::EULER).expect("model");
    let mut rng = StdRng::seed_from_u64(3);
    let mut w = model.random_field(4.0, 1.0, &mut rng);
    w[0] = Complex::new(0.4, 0.0); // a non-zero mean
    let before = model.to_physical(&w);
    let (z0, e0) = (rms_of(&w), model.energy(&w));
    model.advance::<StdRng>(&mut w, 4.0, 200, None);
    let after = model.to_physical(&w);
    // The flow has changed (turbulence), its invariants have not.
    assert!(max_diff(&before, &after) > 0.3, "the field moved");
    assert!((mean(&after) - 0.4).abs() < 1e-12, "mean {}", mean(&after));
    let rel_z = (rms_of(&w) / z0 - 1.0).abs();
    let rel_e = (model.energy(&w) / e0 - 1.0).abs();
    assert!(
        rel_z < 1e-4 && rel_e < 1e-4,
        "enstrophy {rel_z}, energy {rel_e}"
    );
    // The L2 norm on the grid is the enstrophy (Parseval).
    let l2 = (after.iter().map(|v| v * v).sum::<f64>() / after.len() as f64).sqrt();
    assert!((l2 - rms_of(&w)).abs() < 1e-12);
}

#[test]
fn weather_uniform_wind_translates_the_turbulent_field() {
    // Galilean invariance: with a uniform wind the solution is the windless solution carried
    // along. With U t = 4 cells and V t = -2 cells it is an exact shift on the grid.
    let n = 32;
    let h = 2.0 * PI / n as f64;
    let t = 2.0;
    let wind = [4.0 * h / t, -2.0 * h / t];
    let still = Model::new(n, Physics::EULER).expect("model");
    let windy = Model::new(
        n,
        Physics {
            wind,
            ..Physics::EULER
        },
    )
    .expect("model");
    let w0 = still.random_field(3.0, 1.0, &mut StdRng::seed_from_u64(11));
    let (mut a, mut b) = (w0.clone(), w0);
    still.advance::<StdRng>(&mut a, t, 400, None);
    windy.advance::<StdRng>(&mut b, t, 400, None);
    let (a, b) = (still.to_physical(&a), windy.to_physical(&b));
    let shifted: Vec<f64> = (0..n * n)
        .map(|i| {
            let (ix, iy) = (i % n, i / n);
            a[((iy + n + 2) % n) * n + (ix + n - 4) % n]
        })
        .collect();
    assert!(max_diff(&shifted, &b) < 1e-6, "{}", max_diff(&shifted, &b));
}

#[test]
fn weather_forcing_injects_enstrophy_at_the_configured_rate() {
    let eta = 0.3;
    let model = Model::new(
        32,
        Physics {
            forcing_rate: eta,
            forcing_band: [3.0, 5.0],
            ..Physics::EULER
        },
    )
    .expect("model");
    assert!(model.forcing_modes() > 20);
    // From rest, E[<omega^2>/2] = eta t exactly (inviscid, the forcing is independent of the
    // state); the mean over independent runs is within a few standard errors.
    let (t, runs) = (2.0, 40);
    let z: Vec<f64> = (0..runs)
        .map(|r| {
            let mut rng = StdRng::seed_from_u64(r);
            let mut w = vec![Complex::default(); 32 * 32];
            model.advance(&mut w, t, 20, Some(&mut rng));
            rms_of(&w).powi(2) / 2.0
        })
        .collect();
    let m = mean(&z);
    assert!((m / (eta * t) - 1.0).abs() < 0.1, "{m} vs {}", eta * t);
}

#[test]
fn weather_network_padding_is_periodic() {
    let device = Device::flex();
    let net = Forecaster::new(4, 3, 3, &device);
    let n = 8;
    let field: Vec<f32> = (0..n * n).map(|i| ((i * 37) % 11) as f32 / 5.0).collect();
    let shifted: Vec<f32> = (0..n * n)
        .map(|i| field[((i / n + n - 3) % n) * n + (i % n + n - 1) % n])
        .collect();
    let t = |v: &[f32]| Tensor::<4>::from_data(TensorData::new(v.to_vec(), [1, 1, n, n]), &device);
    // Circular padding of 1: the corners wrap around both axes.
    let p = ai4s_core::tensor::to_vec(circular_pad(t(&field), 1)).expect("values");
    assert_eq!(p.len(), (n + 2) * (n + 2));
    assert_eq!(p[0], field[n * n - 1] as f64);
    assert_eq!(p[n + 1], field[(n - 1) * n] as f64);
    // A CNN with periodic padding commutes with periodic shifts.
    let out = ai4s_core::tensor::to_vec(net.forward(t(&field))).expect("values");
    let out_shifted = ai4s_core::tensor::to_vec(net.forward(t(&shifted))).expect("values");
    for (i, v) in out_shifted.iter().enumerate() {
        let j = ((i / n + n - 3) % n) * n + (i % n + n - 1) % n;
        assert!((v - out[j]).abs() < 1e-5);
    }
}

#[test]
fn weather_forecaster_beats_persistence_on_held_out_trajectories() {
    let cfg = WeatherConfig::quick();
    // Training, validation and test trajectories come from different seeds.
    let seeds: Vec<u64> = [Role::Train, Role::Val, Role::Test]
        .iter()
        .flat_map(|&r| (0..20).map(move |i| trajectory_seed(42, r, i)))
        .collect();
    let mut unique = seeds.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seeds.len());

    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&WeatherField, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    eprintln!("{:#?}", out.report.metrics);
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    let h = cfg.horizon;
    assert!(get("network_over_persistence_rmse_worst_lead") < 1.0);
    assert!(get("network_acc_min_to_acc_lead") > cfg.acc_threshold);
    assert!(get(&format!("network_rmse_lead{h}")) < get(&format!("persistence_rmse_lead{h}")));
    // Persistence is poor: the wind and the Rossby waves move the field.
    assert!(get("persistence_acc_lead1") < get("network_acc_lead1"));
    assert!(get("rollout_max_abs_over_truth_max") <= 2.0);
    // The coarse model is cheaper than the full one.
    assert!(get("coarse_ms_per_step_per_start") < get("fine_ms_per_step_per_start"));
    let table = std::fs::read_to_string(d.path().join("skill.csv")).expect("skill.csv");
    assert_eq!(table.lines().count(), 1 + h);
    for name in [
        "rmse_vs_lead.png",
        "acc_vs_lead.png",
        "forecast_vs_truth.png",
        "stability.png",
        "forecaster.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn weather_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &WeatherField,
        d.path(),
        &[
            ("grid=24", "grid", "power of two"),
            ("coarse_grid=32", "coarse_grid", "below grid"),
            ("forcing_band=[5.0, 12.0]", "forcing_band", "dealiasing"),
            ("substeps=1", "substeps", "CFL"),
            ("acc_lead=20", "acc_lead", "horizon"),
            ("rollout_steps=0", "rollout_steps", "1..=horizon"),
            ("kernel=4", "kernel", "odd"),
            ("frames=10", "frames", "horizon"),
            ("viscosity=-1.0", "viscosity", "[0, 10]"),
        ],
    )
    .expect("bad configs are refused naming the field");
}
