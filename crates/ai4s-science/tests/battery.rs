//! The battery task: the simulator's physics (fade against C-rate, the SEI square-root limit,
//! end of life, the signatures of the degradation modes), the learning claims on held-out
//! cells, and refusals of bad configs.

use ai4s_core::metrics::mean_std;
use ai4s_core::run::run_task;
use ai4s_core::testkit::check_refusals;
use ai4s_core::{RunOptions, TaskConfig};
use ai4s_science::Battery;
use ai4s_science::battery::{
    BatteryConfig, Factors, Protocol, State, build_cell, cycle_cell, first_below, graphite_ocp,
    voltage_grid,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A quick config without measurement noise.
fn noiseless() -> BatteryConfig {
    BatteryConfig {
        q_noise_ah: 0.0,
        capacity_noise_ah: 0.0,
        voltage_points: 200,
        ..BatteryConfig::quick()
    }
}

const GENTLE: Protocol = Protocol {
    c1: 4.0,
    switch_soc: 0.4,
    c2: 3.6,
};
const HARSH: Protocol = Protocol {
    c1: 7.5,
    switch_soc: 0.4,
    c2: 6.0,
};

#[test]
fn battery_cell_fades_faster_and_dies_sooner_under_faster_charging() {
    let cfg = BatteryConfig {
        activation: 0.0,
        ..noiseless()
    };
    let grid = voltage_grid(&cfg);
    let mut rng = StdRng::seed_from_u64(1);
    let gentle = cycle_cell(
        build_cell(&cfg, GENTLE, &Factors::MEDIAN),
        &cfg,
        &grid,
        &mut rng,
    );
    let harsh = cycle_cell(
        build_cell(&cfg, HARSH, &Factors::MEDIAN),
        &cfg,
        &grid,
        &mut rng,
    );
    assert!(HARSH.plating_excess(cfg.plating_threshold_c) > 0.0);
    assert_eq!(GENTLE.plating_excess(cfg.plating_threshold_c), 0.0);
    let (lg, lh) = (
        gentle.life.expect("gentle cell reaches end of life"),
        harsh.life.expect("harsh cell reaches end of life"),
    );
    assert!(lh * 2 < lg, "lives: harsh {lh}, gentle {lg}");
    // Without noise and without the early gain, capacity never rises, and the harsh cell holds
    // less charge than the gentle one at every cycle.
    for rec in [&gentle, &harsh] {
        assert!(
            rec.capacity.windows(2).all(|w| w[1] <= w[0] + 1e-9),
            "capacity rose"
        );
    }
    for n in 1..lh {
        assert!(
            harsh.capacity[n] < gentle.capacity[n],
            "cycle {}: harsh {} vs gentle {}",
            n + 1,
            harsh.capacity[n],
            gentle.capacity[n]
        );
    }
    // The early curves already differ: more curve change for the harsher protocol.
    let var = |d: Vec<f64>| mean_std(&d).1.powi(2);
    assert!(var(harsh.delta_q()) > 4.0 * var(gentle.delta_q()));
}

#[test]
fn battery_with_only_sei_growth_dies_when_the_square_root_law_says() {
    let a = 5e-3;
    let cfg = BatteryConfig {
        lam_rate: 0.0,
        plating_rate: 0.0,
        activation: 0.0,
        sei_rate: a,
        ..noiseless()
    };
    let grid = voltage_grid(&cfg);
    let cell = build_cell(&cfg, GENTLE, &Factors::MEDIAN);
    let rec = cycle_cell(cell.clone(), &cfg, &grid, &mut StdRng::seed_from_u64(0));
    // Q(n) = Q(0) - a L0 sqrt(n): the first cycle below Q_eol is floor(x^2) + 1.
    let q0 = cell.capacity(0.0, cfg.voltage_range[0]);
    let q_eol = cfg.eol_fraction * cfg.nominal_ah;
    let x = (q0 - q_eol) / (a * cell.lithium_ah);
    let analytic = (x * x).floor() as usize + 1;
    let life = rec.life.expect("reaches end of life");
    assert!(
        life.abs_diff(analytic) <= 1,
        "life {life}, analytic {analytic}"
    );
    // The fade itself follows a L0 sqrt(n) to 0.1 % (the cut-off lithiation moves by a hair
    // with the LFP potential's slope).
    for n in [1usize, 100, 900] {
        let drop = q0 - rec.capacity[n - 1];
        let law = a * cell.lithium_ah * (n as f64).sqrt();
        assert!(
            (drop / law - 1.0).abs() < 1e-3,
            "cycle {n}: {drop} vs {law}"
        );
    }
    assert!(
        cell.knee_onset().is_infinite(),
        "no active material lost, no knee"
    );
}

#[test]
fn battery_life_is_the_first_cycle_below_eighty_percent_of_nominal() {
    assert_eq!(first_below(&[1.0, 0.9, 0.87, 0.89, 0.85], 0.88), Some(3));
    assert_eq!(first_below(&[1.0, 0.95], 0.88), None);
    let cfg = BatteryConfig::quick();
    let grid = voltage_grid(&cfg);
    let mut rng = StdRng::seed_from_u64(5);
    let eol = cfg.eol_fraction * cfg.nominal_ah;
    for _ in 0..5 {
        let cell = ai4s_science::battery::sample_cell(&cfg, &mut rng);
        let rec = cycle_cell(cell, &cfg, &grid, &mut rng);
        let life = rec.life.expect("reaches end of life");
        assert_eq!(rec.capacity.len(), life, "the record stops at end of life");
        assert!(rec.capacity[life - 1] < eol);
        assert!(rec.capacity[..life - 1].iter().all(|&q| q >= eol));
    }
}

#[test]
fn battery_lithium_loss_offsets_the_curve_active_material_loss_reshapes_it() {
    let grid: Vec<f64> = (0..400).map(|i| 2.0 + 1.5 * i as f64 / 399.0).collect();
    assert!(
        (1..100).all(|i| graphite_ocp(i as f64 / 100.0) < graphite_ocp((i - 1) as f64 / 100.0)),
        "graphite potential falls with lithiation"
    );
    let fresh = State {
        lithium_ah: 1.08,
        anode_ah: 1.08 / 0.85,
        cathode_ah: 1.3 * 1.08,
        anode_top: 0.85,
        resistance_ohm: 0.016,
        current_a: 4.4,
    };
    let q_fresh = fresh.discharge_curve(&grid);
    assert!(
        q_fresh.windows(2).all(|w| w[1] <= w[0]),
        "Q(V) falls with V"
    );
    assert!((q_fresh[0] - fresh.charge_at(2.0)).abs() < 1e-12);
    // 1 % of the lithium lost, or 1 % of the graphite.
    let lli = State {
        lithium_ah: 0.99 * 1.08,
        anode_top: 0.99 * 0.85,
        ..fresh
    };
    let lam = State {
        anode_ah: 0.99 * fresh.anode_ah,
        anode_top: 0.85 / 0.99,
        ..fresh
    };
    // Delta Q(V) once the fresh cell has delivered 50 mAh (past the top of the curve).
    let delta = |s: &State| -> Vec<f64> {
        s.discharge_curve(&grid)
            .iter()
            .zip(&q_fresh)
            .filter(|(_, f)| **f > 0.05)
            .map(|(a, b)| a - b)
            .collect()
    };
    let cap = |s: &State| s.charge_at(2.0) - fresh.charge_at(2.0);
    // Lithium loss: the curve drops by about the lost charge everywhere (the LFP potential's
    // slope adds a little shape), and the capacity by exactly that.
    let (mean, sd) = mean_std(&delta(&lli));
    assert!((cap(&lli) + 0.0108).abs() < 1e-4, "{}", cap(&lli));
    assert!(
        (mean + 0.0108).abs() < 1e-3 && sd < 0.15 * mean.abs(),
        "LLI {mean} +- {sd}"
    );
    // Active-material loss: hardly any capacity, and a change that is mostly shape.
    let (mean, sd) = mean_std(&delta(&lam));
    assert!(cap(&lam).abs() < 1e-3, "{}", cap(&lam));
    assert!(sd > mean.abs() && sd > 1e-3, "LAM {mean} +- {sd}");
}

#[test]
fn battery_early_curves_predict_the_life_of_held_out_cells() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&Battery, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    assert!(get("abs_pearson_log_var_log_life") >= 0.9);
    assert!(get("variance_test_mape_pct") < 20.0);
    assert!(get("network_test_mape_pct") < 0.5 * get("mean_test_mape_pct"));
    assert!(get("network_test_rmse_cycles") < get("mean_test_rmse_cycles"));
    // Lives span a decade while the capacity barely moves in the first 100 cycles.
    assert!(get("life_max") > 6.0 * get("life_min"));
    assert!(get("capacity_change_2_to_late_pct_median").abs() < 1.0);
    assert_eq!(get("cells_used"), 124.0);
    let table = std::fs::read_to_string(d.path().join("cells.csv")).expect("cells.csv");
    assert_eq!(table.lines().count(), 1 + 124);
    let tested = table.lines().filter(|l| l.contains(",test,")).count();
    assert_eq!(tested as f64, get("test_cells"));
    for name in [
        "parity.png",
        "delta_q_curves.png",
        "capacity_fade.png",
        "variance_feature.png",
        "network.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn battery_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &Battery,
        d.path(),
        &[
            ("cells=0", "cells", "must be 20..=100000"),
            ("voltage_range=[3.5, 2.0]", "voltage_range", "cut-off"),
            ("early_cycles=[100, 10]", "early_cycles", "early < late"),
            ("max_cycles=50", "max_cycles", "late cycle"),
            ("eol_fraction=1.5", "eol_fraction", "(0.3, 1)"),
            ("anode_margin=0", "anode_margin", "(0, 0.5)"),
            ("curve_points=5000", "curve_points", "voltage_points"),
        ],
    )
    .expect("bad configs are refused naming the field");
    // A fleet that dies before the late early cycle cannot be modelled: a clear runtime error.
    let out = d.path().join("dead");
    let e = run_task(&Battery, &RunOptions::quick_into(&out, &["lam_rate=0.005"]))
        .expect_err("all cells die");
    assert!(e.to_string().contains("lower lam_rate"), "{e}");
}
