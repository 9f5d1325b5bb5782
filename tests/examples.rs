//! The short stories in `examples/` run end to end on small configurations, and each one's claim
//! holds: the PINN solves its Poisson problem, k-means recovers planted clusters from a CSV, PPO
//! learns to drive the furnace as well as a thermostat, and a briefly trained Deep Potential
//! learns forces and conserves energy in NVE molecular dynamics.

#[allow(dead_code)]
#[path = "../examples/cluster_own_csv.rs"]
mod cluster_own_csv;
#[allow(dead_code)]
#[path = "../examples/deep_potential_own_data.rs"]
mod deep_potential_own_data;
#[allow(dead_code)]
#[path = "../examples/own_environment_ppo.rs"]
mod own_environment_ppo;
#[allow(dead_code)]
#[path = "../examples/own_pde_pinn.rs"]
mod own_pde_pinn;

#[test]
fn pinn_solves_the_poisson_problem_from_the_equation_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (error, residual) = own_pde_pinn::run(true, dir.path()).expect("the PINN story runs");
    assert!(
        error < 1e-2,
        "relative L2 error {error} (residual {residual})"
    );
    // The ansatz meets the boundary values exactly; the exact solution solves the equation.
    assert_eq!(own_pde_pinn::exact(0.0), 0.0);
    assert!((own_pde_pinn::exact(1.0) - 1.0).abs() < 1e-12);
    assert!(dir.path().join("profile.svg").exists());
}

#[test]
fn kmeans_recovers_separated_blobs_from_a_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = cluster_own_csv::run(true, dir.path()).expect("the clustering story runs");
    assert_eq!((s.rows, s.k), (600, 4));
    let ari = s.ari.expect("the toy table has a label column");
    assert!(ari >= 0.9, "ARI {ari}");
    let labels = std::fs::read_to_string(dir.path().join("labels.csv")).expect("labels.csv");
    assert_eq!(
        labels.lines().count(),
        601,
        "a header and one cluster per row"
    );
    assert!(dir.path().join("clusters_pca.svg").exists());

    // A table without a label column: clustered, but not scored.
    let csv = dir.path().join("unlabelled.csv");
    let text = std::fs::read_to_string(dir.path().join("blobs.csv")).expect("blobs.csv");
    let rows: Vec<&str> = text
        .lines()
        .map(|l| &l[..l.rfind(',').expect("comma")])
        .collect();
    std::fs::write(&csv, rows.join("\n")).expect("write");
    let out = dir.path().join("own");
    let own = cluster_own_csv::cluster_csv(&csv, "label", Some(4), &out).expect("clusters");
    assert!(own.ari.is_none());
    assert!(
        own.explained[0] + own.explained[1] > 0.5,
        "{:?}",
        own.explained
    );
}

#[test]
fn ppo_learns_to_hold_the_furnace_at_its_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let [before, after, rule] =
        own_environment_ppo::run(true, dir.path()).expect("the PPO story runs");
    assert!(
        after > before / 4.0,
        "PPO should cut the distance to the target at least 4-fold: {before} -> {after}"
    );
    assert!(
        after > rule - 1.5,
        "PPO ({after}) should come close to the thermostat rule ({rule})"
    );
}

#[test]
fn deep_potential_on_own_data_learns_forces_and_conserves_energy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let train = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/tb-si-64/train");
    let test = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/tb-si-64/test");
    // Quick mode's small network, trained for 300 steps only (an untrained model is at ~100 %).
    let sets = ["numb_steps=300".to_string()];
    let s = deep_potential_own_data::story(train, test, &sets, true, dir.path())
        .expect("the Deep Potential story runs");
    assert!(
        s.force_rmse_over_std < 0.4,
        "test force RMSE {} of the force spread",
        s.force_rmse_over_std
    );
    // Forces are exact derivatives of the model energy: velocity Verlet conserves it.
    assert!(
        s.max_drift_per_atom < 1e-3,
        "NVE drift {} eV/atom",
        s.max_drift_per_atom
    );
    assert!((100.0..600.0).contains(&s.mean_temperature));
    assert!(dir.path().join("train/model.bpk").exists());
    assert!(dir.path().join("thermo.csv").exists());
}
