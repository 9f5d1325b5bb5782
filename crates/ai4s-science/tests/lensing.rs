//! The lensing task: the ray tracer against the analytic isothermal lens (Einstein ring, the
//! two images at `beta +- theta_E` and their magnifications, the SIE's convergence and critical
//! curve), flux conservation, the noise model, the classical finder on a clear lens, the
//! learning claims on held-out cutouts, and refusals of bad configs.

use ai4s_core::run::run_task;
use ai4s_core::testkit::check_refusals;
use ai4s_core::{RunOptions, TaskConfig};
use ai4s_science::Lensing;
use ai4s_science::lensing::{
    FitSettings, Grid, Instrument, Lens, LensingConfig, RingSettings, Scene, Sersic, Sie, convolve,
    fit_lens, gaussian_kernel, observe, ring_finder,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn sis(theta_e: f64) -> Lens {
    Lens {
        sie: Sie {
            theta_e,
            q: 1.0,
            angle: 0.0,
            centre: [0.0, 0.0],
        },
        shear: [0.0, 0.0],
    }
}

fn source(at: [f64; 2], r_e: f64, n: f64) -> Sersic {
    Sersic {
        amplitude: 1.0,
        r_e,
        n,
        q: 1.0,
        angle: 0.0,
        centre: at,
    }
}

/// A fine grid: 200 x 200 pixels of 0.02 arcsec.
const FINE: Grid = Grid {
    n: 200,
    pixel: 0.02,
    supersample: 4,
};

/// Flux and flux-weighted centroid of the pixels of `img` (on `grid`) where `keep(x, y)`.
fn flux_where(img: &[f64], grid: &Grid, keep: impl Fn(f64, f64) -> bool) -> (f64, [f64; 2]) {
    let (mut f, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for (k, v) in img.iter().enumerate() {
        let [x, y] = grid.position((k / grid.n) as f64, (k % grid.n) as f64);
        if keep(x, y) {
            f += v;
            sx += v * x;
            sy += v * y;
        }
    }
    (f, [sx / f, sy / f])
}

#[test]
fn lensing_sis_maps_its_einstein_circle_onto_the_axis_and_makes_a_ring() {
    let lens = sis(1.1);
    for k in 0..36 {
        let phi = k as f64 * 10f64.to_radians();
        let [bx, by] = lens.source_position(1.1 * phi.cos(), 1.1 * phi.sin());
        assert!(bx.abs() < 1e-12 && by.abs() < 1e-12, "{phi}: ({bx}, {by})");
        // Off the circle the source lies at | |theta| - theta_E | along the same direction.
        let [bx, by] = lens.source_position(1.6 * phi.cos(), 1.6 * phi.sin());
        assert!((bx.hypot(by) - 0.5).abs() < 1e-12);
    }
    // A compact source on the axis: a ring of radius theta_E, its light in every direction.
    let img = FINE.lensed(&lens, &source([0.0, 0.0], 0.04, 1.0));
    let total: f64 = img.iter().sum();
    let mut mean_r = 0.0;
    let mut sectors = [0.0; 8];
    for (k, v) in img.iter().enumerate() {
        let [x, y] = FINE.position((k / FINE.n) as f64, (k % FINE.n) as f64);
        mean_r += v * x.hypot(y) / total;
        let s = ((y.atan2(x) + std::f64::consts::PI) / (std::f64::consts::PI / 4.0)) as usize;
        sectors[s.min(7)] += v / total;
    }
    assert!((mean_r - 1.1).abs() < 0.01, "ring radius {mean_r}");
    assert!(
        sectors.iter().all(|s| (s - 0.125).abs() < 0.01),
        "ring not uniform: {sectors:?}"
    );
}

#[test]
fn lensing_sis_off_axis_source_has_two_images_with_the_analytic_magnifications() {
    let (theta_e, beta) = (1.0, 0.3);
    let lens = sis(theta_e);
    // The lens equation's solutions on the axis through the source.
    for x in [beta + theta_e, beta - theta_e] {
        let [bx, by] = lens.source_position(x, 0.0);
        assert!(
            (bx - beta).abs() < 1e-12 && by.abs() < 1e-12,
            "image at {x}"
        );
    }
    let src = source([beta, 0.0], 0.04, 1.0);
    let img = FINE.lensed(&lens, &src);
    let unlensed: f64 = FINE.render(|x, y| src.intensity(x, y)).iter().sum();
    let (f_plus, c_plus) = flux_where(&img, &FINE, |x, _| x > 0.0);
    let (f_minus, c_minus) = flux_where(&img, &FINE, |x, _| x < 0.0);
    assert!((c_plus[0] - (beta + theta_e)).abs() < 0.02, "{c_plus:?}");
    assert!((c_minus[0] - (beta - theta_e)).abs() < 0.02, "{c_minus:?}");
    assert!(c_plus[1].abs() < 0.01 && c_minus[1].abs() < 0.01);
    // |mu+-| = theta_E / beta +- 1: total 2 theta_E / beta, ratio (theta_E + beta) / (theta_E - beta).
    let mu_plus = f_plus / unlensed;
    let mu_minus = f_minus / unlensed;
    assert!(
        (mu_plus - (theta_e / beta + 1.0)).abs() < 0.05 * (theta_e / beta + 1.0),
        "{mu_plus}"
    );
    assert!(
        (mu_minus - (theta_e / beta - 1.0)).abs() < 0.05 * (theta_e / beta - 1.0),
        "{mu_minus}"
    );
    let total = mu_plus + mu_minus;
    assert!(
        (total - 2.0 * theta_e / beta).abs() < 0.03 * 2.0 * theta_e / beta,
        "{total}"
    );
    // Outside the Einstein radius one image remains, magnified by 1 + theta_E / beta.
    let far = source([2.0 * theta_e, 0.0], 0.04, 1.0);
    let grid = Grid { n: 360, ..FINE };
    let mu: f64 = grid.lensed(&lens, &far).iter().sum::<f64>()
        / grid.render(|x, y| far.intensity(x, y)).iter().sum::<f64>();
    assert!((mu - 1.5).abs() < 0.01, "single image magnification {mu}");
}

#[test]
fn lensing_sie_has_the_stated_convergence_and_its_critical_curve() {
    let sie = Sie {
        theta_e: 1.2,
        q: 0.6,
        angle: 0.4,
        centre: [0.1, -0.05],
    };
    let h = 1e-5;
    let d = |x: f64, y: f64, i: usize, j: usize| {
        let (dx, dy) = if j == 0 { (h, 0.0) } else { (0.0, h) };
        (sie.deflection(x + dx, y + dy)[i] - sie.deflection(x - dx, y - dy)[i]) / (2.0 * h)
    };
    for (x, y) in [(0.7, 0.3), (-0.2, 1.1), (1.5, -0.4), (-0.9, -0.8)] {
        let div = d(x, y, 0, 0) + d(x, y, 1, 1);
        assert!(
            (div - 2.0 * sie.convergence(x, y)).abs() < 1e-6,
            "div {div}"
        );
        assert!((d(x, y, 0, 1) - d(x, y, 1, 0)).abs() < 1e-6, "curl");
    }
    // The tangential critical curve (det A = 0) is the isodensity ellipse kappa = 1/2, with
    // semi-axes theta_E / sqrt(q) along the major axis and theta_E sqrt(q) across it.
    let (s, c) = sie.angle.sin_cos();
    for k in 0..12 {
        let t = k as f64 * 30f64.to_radians();
        let (u, v) = (1.2 / 0.6f64.sqrt() * t.cos(), 1.2 * 0.6f64.sqrt() * t.sin());
        let (x, y) = (0.1 + c * u - s * v, -0.05 + s * u + c * v);
        assert!((sie.convergence(x, y) - 0.5).abs() < 1e-12);
        let det = (1.0 - d(x, y, 0, 0)) * (1.0 - d(x, y, 1, 1)) - d(x, y, 0, 1) * d(x, y, 1, 0);
        assert!(det.abs() < 1e-5, "det A = {det} at angle {t}");
    }
    // q -> 1 is the sphere.
    let round = Sie {
        q: 1.0 - 1e-9,
        ..sie
    };
    let sphere = Sie { q: 1.0, ..sie };
    for (x, y) in [(0.7, 0.3), (-1.3, 0.2)] {
        let (a, b) = (round.deflection(x, y), sphere.deflection(x, y));
        assert!((a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6);
    }
}

#[test]
fn lensing_flux_is_conserved_by_rendering_and_the_psf() {
    // Without a lens the image holds the Sersic total flux 2 pi n I_e R_e^2 e^b b^-2n Gamma(2n).
    let grid = Grid {
        n: 400,
        pixel: 0.05,
        supersample: 3,
    };
    for n in [0.5, 1.0, 2.0] {
        let src = Sersic {
            q: 0.7,
            angle: 0.3,
            ..source([0.05, -0.1], 0.5, n)
        };
        let img = grid.lensed(&sis(0.0), &src);
        let flux: f64 = img.iter().sum();
        assert!(
            (flux / src.total_flux() - 1.0).abs() < 0.01,
            "n = {n}: {flux} vs {}",
            src.total_flux()
        );
        let blurred = convolve(&img, grid.n, &gaussian_kernel(4.0));
        let after: f64 = blurred.iter().sum();
        assert!((after / flux - 1.0).abs() < 1e-3, "PSF changed the flux");
    }
}

#[test]
fn lensing_noise_is_unit_and_the_arcs_have_the_drawn_snr() {
    let cfg = LensingConfig::quick();
    let inst = Instrument::new(&cfg);
    let mut rng = StdRng::seed_from_u64(5);
    let lens = Lens {
        sie: Sie {
            theta_e: 1.2,
            q: 0.8,
            angle: 0.3,
            centre: [0.0, 0.0],
        },
        shear: [0.02, -0.01],
    };
    let scene = Scene {
        lens: Some(lens),
        lens_light: Sersic {
            q: 0.8,
            angle: 0.3,
            ..source([0.0, 0.0], 0.8, 4.0)
        },
        source: Some(source([0.15, 0.1], 0.2, 1.0)),
        snr: 20.0,
        lens_snr: 1e-3,
    };
    let cut = observe(&inst, scene, &mut rng);
    let snr: f64 = cut
        .source_light
        .iter()
        .map(|&v| f64::from(v).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!((snr - 20.0).abs() < 1e-3, "arc SNR {snr}");
    let resid: Vec<f64> = cut
        .image
        .iter()
        .zip(&cut.source_light)
        .map(|(&d, &s)| f64::from(d - s))
        .collect();
    let n = resid.len() as f64;
    let mean = resid.iter().sum::<f64>() / n;
    let sd = (resid.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(
        mean.abs() < 0.1 && (sd - 1.0).abs() < 0.08,
        "noise {mean} +- {sd}"
    );
}

#[test]
fn lensing_classical_finder_recovers_a_clear_lens() {
    let cfg = LensingConfig::quick();
    let inst = Instrument::new(&cfg);
    let mut rng = StdRng::seed_from_u64(9);
    let scene = |lens: Option<Lens>, at: [f64; 2]| Scene {
        lens,
        lens_light: Sersic {
            q: 0.75,
            angle: 0.5,
            ..source([0.0, 0.0], 0.8, 4.0)
        },
        source: Some(source(at, 0.2, 1.0)),
        snr: 40.0,
        lens_snr: 150.0,
    };
    let lens = Lens {
        sie: Sie {
            theta_e: 1.3,
            q: 0.75,
            angle: 0.5,
            centre: [0.0, 0.0],
        },
        shear: [0.0, 0.0],
    };
    let settings = RingSettings {
        radii: (0..30).map(|k| 0.3 + 0.1 * k as f64).collect(),
        angles: 32,
        clip: 3.0,
        evals: 300,
    };
    let lensed = observe(&inst, scene(Some(lens), [0.2, -0.1]), &mut rng);
    let blend = observe(&inst, scene(None, [1.0, -0.9]), &mut rng);
    let ring = ring_finder(&lensed, &inst, &settings);
    let other = ring_finder(&blend, &inst, &settings);
    assert!(
        (ring.radius - 1.3).abs() < 0.25,
        "ring radius {}",
        ring.radius
    );
    assert!(
        ring.score > 1.5 * other.score,
        "{} vs {}",
        ring.score,
        other.score
    );
    let fit = fit_lens(
        &lensed,
        &ring,
        &inst,
        FitSettings {
            evals: 1500,
            starts: 4,
            radius_range: [0.3, 2.4],
            light_evals: 300,
            supersample: 2,
        },
    );
    assert!(
        (fit.theta_e - 1.3).abs() < 0.1,
        "fitted theta_E {}",
        fit.theta_e
    );
    assert!(
        fit.chi2_per_pixel < 1.5,
        "chi2/pixel {}",
        fit.chi2_per_pixel
    );
}

#[test]
fn lensing_quick_run_meets_its_goals_on_held_out_cutouts() {
    let d = tempfile::tempdir().expect("tempdir");
    let start = std::time::Instant::now();
    let out = run_task(&Lensing, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    eprintln!("quick run: {:.1} s", start.elapsed().as_secs_f64());
    for m in &out.report.metrics {
        eprintln!("{} = {:.4} {:?}", m.name, m.value, m.goal);
    }
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(out.report.all_goals_met(), "goals missed");
    assert!(get("cnn_auc") > get("ring_auc"));
    assert!(get("ring_auc") > 0.6, "the ring finder works at all");
    assert!(get("cnn_theta_e_rmse_arcsec") < 0.2);
    let table = std::fs::read_to_string(d.path().join("test_scores.csv")).expect("scores");
    assert_eq!(table.lines().count() as f64, 1.0 + get("test_images"));
    for name in [
        "roc.png",
        "auc_vs_snr.png",
        "auc_vs_theta_e.png",
        "theta_e_parity.png",
        "mosaic.png",
        "example_lens.png",
        "cnn.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn lensing_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &Lensing,
        d.path(),
        &[
            ("image_size=8", "image_size", "16..=256"),
            ("theta_e_arcsec=[1.5, 1.0]", "theta_e_arcsec", "low <= high"),
            ("theta_e_arcsec=[0.6, 2.8]", "theta_e_arcsec", "half-width"),
            ("psf_fwhm_arcsec=0.1", "psf_fwhm_arcsec", "1.5 pixels"),
            ("snr=[0.0, 10.0]", "snr", "0.1 <= low"),
            ("companion_fraction=1.5", "companion_fraction", "[0, 1]"),
            ("channels=[8, 8, 8, 8, 8]", "channels", "below 2 pixels"),
            ("fit_lenses=5000", "fit_lenses", "test lenses"),
            ("snr_bins=[10.0, 5.0]", "snr_bins", "increasing"),
            ("train.lr=-1.0", "train.lr", "positive"),
        ],
    )
    .expect("bad configs are refused naming the field");
    LensingConfig::quick()
        .validate()
        .expect("quick config is valid");
    LensingConfig::default()
        .validate()
        .expect("full config is valid");
}
