//! The `high-entropy` task: Warren-Cowley order of random and ordered structures by hand, the
//! cluster-expansion fit recovering known ECIs, local Monte Carlo energy changes against full
//! energies (the LJ labeller and the expansion), the quick run's goals, and bad configs.

use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions, TaskConfig};
use ai4s_potential::HighEntropy;
use ai4s_potential::high_entropy::{
    ClusterBasis, ClusterExpansion, FccLattice, HighEntropyConfig, Reference, SiteModel, arrange,
    counts, ridge, swap_delta, warren_cowley_of,
};
use rand::{Rng, SeedableRng, rngs::StdRng};

#[test]
fn high_entropy_warren_cowley_vanishes_for_random_solutions() {
    let lat = FccLattice::new(3.6, 5, 5.0).expect("lattice");
    let mut rng = StdRng::seed_from_u64(7);
    let n = counts(&[1.0; 5], lat.sites());
    let reps = 40;
    let mut mean = vec![vec![0.0; 5]; 5];
    for _ in 0..reps {
        let a = warren_cowley_of(&lat.shells[0], &arrange(&n, &mut rng), 5);
        for i in 0..5 {
            for j in 0..5 {
                mean[i][j] += a[i][j] / reps as f64;
            }
        }
    }
    // One configuration has ~240 pairs per species pair (noise ~0.07); 40 average to ~0.01.
    for row in &mean {
        for a in row {
            assert!(a.abs() < 0.04, "{mean:?}");
        }
    }
}

#[test]
fn high_entropy_warren_cowley_of_l12_and_l10_by_hand() {
    let lat = FccLattice::new(3.6, 3, 4.0).expect("lattice");
    // L1_2 A3B: B on the cube corners. Each B has 12 A neighbours; each A has 4 B and 8 A.
    let l12: Vec<u8> = (0..lat.sites())
        .map(|i| u8::from(lat.basis(i) == 0))
        .collect();
    let a = warren_cowley_of(&lat.shells[0], &l12, 5);
    let near = |x: f64, y: f64| (x - y).abs() < 1e-12;
    assert!(
        near(a[0][1], -1.0 / 3.0) && near(a[1][0], -1.0 / 3.0),
        "{a:?}"
    );
    assert!(near(a[0][0], 1.0 - (8.0 / 12.0) / 0.75) && near(a[1][1], 1.0));
    assert!(a[0][2].is_nan(), "absent species have no alpha");
    // L1_0 AB: (001) layers; 4 like and 8 unlike nearest neighbours, 6 like second neighbours.
    let l10: Vec<u8> = (0..lat.sites())
        .map(|i| u8::from(matches!(lat.basis(i), 1 | 2)))
        .collect();
    let a1 = warren_cowley_of(&lat.shells[0], &l10, 2);
    assert!(
        near(a1[0][1], -1.0 / 3.0) && near(a1[0][0], 1.0 / 3.0),
        "{a1:?}"
    );
    let a2 = warren_cowley_of(&lat.shells[1], &l10, 2);
    assert!(near(a2[0][1], 1.0) && near(a2[1][1], -1.0), "{a2:?}");
}

#[test]
fn high_entropy_fit_recovers_the_ecis_of_a_known_expansion() {
    let lat = FccLattice::new(3.6, 3, 4.0).expect("lattice");
    let basis = ClusterBasis {
        species: 5,
        pair_shells: 2,
        triplets: true,
    };
    let mut rng = StdRng::seed_from_u64(11);
    let truth: Vec<f64> = (0..basis.len())
        .map(|_| rng.random_range(-0.05..0.05))
        .collect();
    let known = ClusterExpansion::new(basis, -1.2, truth.clone()).expect("expansion");
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..150 {
        let c: Vec<f64> = (0..5).map(|_| rng.random_range(0.05..1.0)).collect();
        let occ = arrange(&counts(&c, lat.sites()), &mut rng);
        // The total from the lookup tables, not from the correlations the fit reads.
        y.push(known.energy(&lat, &occ) / lat.sites() as f64);
        x.push(basis.correlations(&lat, &occ));
    }
    let rows: Vec<usize> = (0..y.len()).collect();
    let (j0, eci) = ridge(&x, &y, &rows, 0.0).expect("fit");
    assert!((j0 + 1.2).abs() < 1e-8, "J0 {j0}");
    for (f, (a, b)) in eci.iter().zip(&truth).enumerate() {
        assert!((a - b).abs() < 1e-7, "ECI {f}: fitted {a}, true {b}");
    }
}

#[test]
fn high_entropy_local_swap_energies_match_full_energies() {
    let cfg = HighEntropyConfig::default();
    let reference =
        Reference::new(&cfg.sigma, cfg.epsilon.clone(), cfg.r_on, cfg.rc).expect("reference");
    let a = reference.lattice_constant(3, 1).expect("lattice constant");
    let lat = FccLattice::new(a, 3, cfg.rc).expect("lattice");
    let mut rng = StdRng::seed_from_u64(5);
    let mut occ = arrange(&counts(&[1.0; 5], lat.sites()), &mut rng);
    let basis = ClusterBasis {
        species: 5,
        pair_shells: 3,
        triplets: true,
    };
    let eci: Vec<f64> = (0..basis.len())
        .map(|_| rng.random_range(-0.02..0.02))
        .collect();
    let ce = ClusterExpansion::new(basis, 0.3, eci).expect("expansion");
    assert!(
        (reference.energy(&lat, &occ) - reference.label(&lat, &occ).expect("label")).abs() < 1e-9
    );
    for step in 0..30 {
        let i = rng.random_range(0..lat.sites());
        // Neighbours and distant pairs alike.
        let j = if step % 2 == 0 {
            lat.shells[0][i][step % 12]
        } else {
            rng.random_range(0..lat.sites())
        };
        let d_ref = swap_delta(&reference, &lat, &mut occ, i, j);
        let d_ce = swap_delta(&ce, &lat, &mut occ, i, j);
        let (e_ref, e_ce) = (
            reference.label(&lat, &occ).expect("label"),
            ce.energy(&lat, &occ),
        );
        occ.swap(i, j);
        let after = reference.label(&lat, &occ).expect("label");
        assert!(
            (after - e_ref - d_ref).abs() < 1e-9,
            "reference swap {i}-{j}"
        );
        assert!(
            (ce.energy(&lat, &occ) - e_ce - d_ce).abs() < 1e-9,
            "expansion swap {i}-{j}"
        );
    }
}

#[test]
fn high_entropy_quick_run_meets_its_goals() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&HighEntropy, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    for n in &out.report.notes {
        println!("{n}");
    }
    println!("wall {:.1} s", out.summary.wall_seconds);
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("metric {name}"))
    };
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    assert!(get("cv_rmse_mev_per_atom") < 2.0);
    assert!(get("test_rmse_mev_per_atom") < 2.0);
    assert!(get("tc_relative_error") <= 0.10);
    assert!(get("tc_reference_k") > 400.0 && get("tc_reference_k") < 1800.0);
    assert!(get("speedup_per_sweep_vs_full_relabel") > 10.0);
    for name in [
        "cv_parity.png",
        "heat_capacity.png",
        "sro_vs_temperature.png",
        "sro_matrix.png",
        "thermo.csv",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

/// The full run (a few minutes on 2 cores): `cargo test --release -p ai4s-potential --test
/// high_entropy -- --ignored`.
#[test]
#[ignore]
fn high_entropy_full_run_meets_its_goals() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut o = RunOptions::quick_into(d.path(), &[]);
    o.quick = false;
    let out = run_task(&HighEntropy, &o).expect("runs");
    for n in &out.report.notes {
        println!("{n}");
    }
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
}

#[test]
fn high_entropy_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    for (set, field) in [
        ("sigma=[2.4]", "sigma"),
        ("species=[\"A\", \"B\"]", "species"),
        ("epsilon=[[0.1, 0.2], [0.2, 0.1]]", "epsilon"),
        ("r_on=2.0", "r_on"),
        ("rc=4.0", "rc"),
        ("train_cells=2", "train_cells"),
        ("mc_cells=2", "mc_cells"),
        ("configurations=5", "configurations"),
        ("folds=1", "folds"),
        ("ridge_lambdas=[]", "ridge_lambdas"),
        ("pair_shells=4", "pair_shells"),
        ("temperature_range=[1000.0, 500.0]", "temperature_range"),
        ("temperatures=2", "temperatures"),
        ("test_fraction=0.9", "test_fraction"),
    ] {
        let out = d.path().join(field);
        match run_task(&HighEntropy, &RunOptions::quick_into(&out, &[set])) {
            Err(e @ Error::Config { .. }) => {
                assert!(e.to_string().contains(field), "{set}: {e}");
            }
            other => panic!("{set}: expected a config error, got {other:?}"),
        }
    }
    // An asymmetric table names the entry.
    let cfg = HighEntropyConfig {
        epsilon: {
            let mut e = HighEntropyConfig::default().epsilon;
            e[0][1] += 0.01;
            e
        },
        ..HighEntropyConfig::quick()
    };
    let e = cfg.validate().expect_err("asymmetric epsilon");
    assert!(e.to_string().contains("symmetric"), "{e}");
}
