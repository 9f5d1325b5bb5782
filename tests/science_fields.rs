//! The astronomy (transits) and materials (alloy ordering) tasks do what they claim.

use ai4s::core::run::run_task;
use ai4s::core::{Error, RunOptions, TaskConfig};
use ai4s::science::alloy::{AlloyConfig, Lattice, anneal, binomial, enumerate};
use ai4s::science::transits::{BlsGrid, Planet, TransitsConfig, bls, detrend};
use ai4s::science::{AlloySearch, Transits};
use rand::{SeedableRng, rngs::StdRng};

fn field_of(e: Error) -> String {
    match e {
        Error::Config { field, .. } => field,
        other => panic!("expected a config error, got {other}"),
    }
}

#[test]
fn bls_recovers_the_injected_period_of_a_clean_transit() {
    let cadence = 0.02043;
    let n = 1500;
    let planet = Planet {
        period: 3.7,
        t0: 1.1,
        duration: 0.15,
        ingress: 0.1,
        depth: 2e-3,
    };
    // Deterministic pseudo-noise (a few 1e-4) plus slow variability.
    let flux: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 * cadence;
            1.0 + 3e-4 * ((i as f64 * 12.9898).sin() * 43_758.545).fract() + 5e-4 * (t / 9.0).sin()
                - planet.deficit(t)
        })
        .collect();
    let x = detrend(&flux, 49);
    let grid = BlsGrid::new(n, cadence, [1.0, 10.0], [2.0 / 24.0, 8.0 / 24.0], 2.0);
    let r = bls(&x, &grid);
    assert!(
        (r.best_period / planet.period - 1.0).abs() < 0.01,
        "BLS period {} vs injected {}",
        r.best_period,
        planet.period
    );
    assert!(
        (r.best_duration - planet.duration).abs() < 0.06,
        "duration {}",
        r.best_duration
    );
    assert!(
        r.sde > 5.0 && r.peak_snr > 20.0,
        "SDE {} peak {}",
        r.sde,
        r.peak_snr
    );
    // The same light curve without the planet has no such peak.
    let quiet: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 * cadence;
            1.0 + 3e-4 * ((i as f64 * 12.9898).sin() * 43_758.545).fract() + 5e-4 * (t / 9.0).sin()
        })
        .collect();
    let q = bls(&detrend(&quiet, 49), &grid);
    assert!(
        q.peak_snr < r.peak_snr / 3.0,
        "no planet: peak {}",
        q.peak_snr
    );
}

#[test]
fn cnn_and_bls_detect_transits_on_held_out_curves() {
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        seed: Some(7),
        sets: vec![
            "train_curves=800".into(),
            "val_curves=100".into(),
            "test_curves=300".into(),
            "snr=[8.0, 40.0]".into(),
            "snr_bins=[8.0, 15.0, 40.0]".into(),
            "train.epochs=6".into(),
        ],
        ..Default::default()
    };
    let o = run_task(&Transits, &opts).expect("runs");
    let cnn = o.report.get("cnn_auc").expect("cnn auc");
    let bls = o.report.get("bls_auc").expect("bls auc");
    assert!(cnn > 0.75, "CNN AUC {cnn}");
    assert!(bls > 0.9, "BLS AUC {bls}");
    // Detection improves with signal-to-noise for the periodogram.
    let lo = o.report.get("bls_auc_snr_8_15").expect("bin");
    let hi = o.report.get("bls_auc_snr_15_40").expect("bin");
    assert!(hi >= lo, "BLS AUC {lo} at low SNR, {hi} at high SNR");
    let rec = o
        .report
        .get("bls_period_recovered_snr_above_10")
        .expect("metric");
    assert!(rec > 0.7, "period recovered in {rec} of strong transits");
    for f in ["roc.png", "detection_vs_snr.svg", "cnn.bpk", "summary.json"] {
        assert!(d.path().join(f).exists(), "{f} written");
    }
}

#[test]
fn transits_config_errors_name_the_field() {
    let ok = TransitsConfig::quick();
    ok.validate().expect("quick config is valid");
    TransitsConfig::default()
        .validate()
        .expect("default config is valid");
    let cases: Vec<(&str, TransitsConfig)> = vec![
        (
            "n_samples",
            TransitsConfig {
                n_samples: 10,
                ..ok.clone()
            },
        ),
        (
            "period_days",
            TransitsConfig {
                period_days: [1.0, 15.0],
                ..ok.clone()
            },
        ),
        (
            "duration_hours",
            TransitsConfig {
                duration_hours: [5.0, 2.0],
                ..ok.clone()
            },
        ),
        (
            "snr",
            TransitsConfig {
                snr: [f64::NAN, 3.0],
                ..ok.clone()
            },
        ),
        (
            "kernel",
            TransitsConfig {
                kernel: 4,
                ..ok.clone()
            },
        ),
        (
            "snr_bins",
            TransitsConfig {
                snr_bins: vec![5.0, 4.0],
                ..ok.clone()
            },
        ),
        (
            "channels",
            TransitsConfig {
                channels: vec![],
                ..ok.clone()
            },
        ),
    ];
    for (field, cfg) in cases {
        let e = cfg.validate().expect_err(field);
        assert_eq!(field_of(e), field);
    }
    // A typo in --set is a user error too.
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        sets: vec!["test_curves=3".into()],
        ..Default::default()
    };
    let e = run_task(&Transits, &opts).expect_err("rejected");
    assert_eq!(field_of(e), "test_curves");
}

#[test]
fn cluster_expansion_energy_of_a_checkerboard_by_hand() {
    // 4x4 square lattice, J1 = 1, J2 = 0.5, J3 = 0.25. Checkerboard: all 32 nearest-neighbour
    // bonds unlike (-1 each), all 32 diagonal bonds like (+1), all 32 (2,0)-bonds like (+1).
    let lat = Lattice::new(&[4, 4], &[1.0, 0.5, 0.25]);
    let checker: Vec<i8> = (0..16)
        .map(|i| if (i % 4 + i / 4) % 2 == 0 { 1 } else { -1 })
        .collect();
    assert_eq!(lat.bonds.len(), 96);
    assert!((lat.energy(&checker) - (-32.0 + 16.0 + 8.0)).abs() < 1e-12);
    // Stripes along y (columns alternate): x-bonds unlike, y-bonds like, diagonals unlike,
    // (2,0) and (0,2) bonds like.
    let stripes: Vec<i8> = (0..16).map(|i| if i % 2 == 0 { 1 } else { -1 }).collect();
    assert!((lat.energy(&stripes) - (0.0 - 16.0 + 8.0)).abs() < 1e-12);
    // Pure A: every bond like.
    assert!((lat.energy(&[1i8; 16]) - (32.0 + 16.0 + 8.0)).abs() < 1e-12);
    // 3-D simple cubic, J1 only: rock-salt order has all 3N bonds unlike.
    let cubic = Lattice::new(&[4, 4, 4], &[1.0]);
    let rocksalt: Vec<i8> = (0..64)
        .map(|i| {
            if (i % 4 + (i / 4) % 4 + i / 16) % 2 == 0 {
                1
            } else {
                -1
            }
        })
        .collect();
    assert!((cubic.energy(&rocksalt) + 192.0).abs() < 1e-12);
}

#[test]
fn annealing_finds_the_exhaustive_ground_state_on_a_small_cell() {
    let lat = Lattice::new(&[4, 4], &[1.0, 0.55, 0.2]);
    let gs = enumerate(&lat, 8);
    assert_eq!(u128::from(gs.visited), binomial(16, 8));
    // No configuration beats the enumerated minimum, and annealing reaches it.
    let mut rng = StdRng::seed_from_u64(11);
    let mut hits = 0;
    for _ in 0..10 {
        let a = anneal(&lat, 8, 16 * 300, 4.0, 0.05, gs.energy, &mut rng);
        assert!(a.best >= gs.energy - 1e-9, "annealing beat enumeration");
        assert!((lat.energy(&a.best_config) - a.best).abs() < 1e-9);
        assert_eq!(a.best_config.iter().filter(|&&s| s < 0).count(), 8);
        hits += usize::from(a.hit_at.is_some());
    }
    assert!(
        hits >= 8,
        "annealing found the ground state in {hits}/10 runs"
    );
}

#[test]
fn alloy_search_task_reports_ground_state_and_success_rates() {
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        sets: vec!["shape=[4, 4]".into(), "runs=20".into()],
        ..Default::default()
    };
    let o = run_task(&AlloySearch, &opts).expect("runs");
    assert_eq!(o.report.get("configurations"), Some(12_870.0));
    let rate = o.report.get("annealing_success_rate").expect("metric");
    assert!(rate >= 0.9, "annealing success {rate}");
    let rs = o.report.get("random_search_success_rate").expect("metric");
    let expected = o
        .report
        .get("random_search_expected_success_rate")
        .expect("metric");
    assert!((0.0..=1.0).contains(&rs) && (0.0..=1.0).contains(&expected));
    assert!(d.path().join("success_vs_evaluations.png").exists());
    assert!(d.path().join("ground_state.svg").exists());
}

#[test]
fn alloy_config_errors_name_the_field() {
    let ok = AlloyConfig::quick();
    ok.validate().expect("quick is valid");
    AlloyConfig::default().validate().expect("default is valid");
    let cases: Vec<(&str, AlloyConfig)> = vec![
        (
            "shape",
            AlloyConfig {
                shape: vec![2, 4],
                ..ok.clone()
            },
        ),
        (
            "shape",
            AlloyConfig {
                shape: vec![8, 8],
                ..ok.clone()
            },
        ),
        (
            "interactions",
            AlloyConfig {
                interactions: vec![],
                ..ok.clone()
            },
        ),
        (
            "composition",
            AlloyConfig {
                composition: 1.5,
                ..ok.clone()
            },
        ),
        (
            "runs",
            AlloyConfig {
                runs: 0,
                ..ok.clone()
            },
        ),
        (
            "t_end",
            AlloyConfig {
                t_end: 10.0,
                ..ok.clone()
            },
        ),
    ];
    for (field, cfg) in cases {
        let e = cfg.validate().expect_err(field);
        assert_eq!(field_of(e), field);
    }
}
