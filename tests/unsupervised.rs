//! Classical unsupervised learning proves what it claims: planted clusters recovered, EM's
//! likelihood never falls (PCA's analytic check is a unit test in `pca.rs`), DBSCAN separates the moons, a user's
//! CSV round-trips to one label per row, and bad input is refused with a useful error.

use ai4s::core::metrics::adjusted_rand_index;
use ai4s::core::run::run_task;
use ai4s::core::{Error, RunOptions};
use ai4s_unsupervised::dbscan::Dbscan;
use ai4s_unsupervised::gmm::{Covariance, Gmm};
use ai4s_unsupervised::kmeans::KMeans;
use ai4s_unsupervised::toy::{anisotropic, eight_gaussians, moons, separated_blobs, standardize};
use ai4s_unsupervised::{DbscanTask, GmmTask, KMeansTask, PcaTask};
use std::path::Path;

fn opts(dir: &Path, sets: &[&str]) -> RunOptions {
    RunOptions {
        out: Some(dir.to_path_buf()),
        quick: true,
        quiet: true,
        sets: sets.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    }
}

#[test]
fn kmeans_and_gmm_recover_planted_clusters() {
    for seed in [1, 2, 3] {
        let b = separated_blobs(1200, 5, 4, 1.0, 8.0, seed);
        let km = KMeans {
            k: 4,
            ..KMeans::default()
        }
        .fit(&b.x, seed)
        .expect("k-means fits");
        let ari = adjusted_rand_index(&b.labels, &km.labels);
        assert!(ari > 0.95, "k-means ARI {ari} (seed {seed})");
        let g = Gmm {
            k: 4,
            ..Gmm::default()
        }
        .fit(&b.x, seed)
        .expect("GMM fits");
        let ari = adjusted_rand_index(&b.labels, &g.predict(&b.x));
        assert!(ari > 0.95, "GMM ARI {ari} (seed {seed})");
    }
    // The same through the tasks on the built-in toy sets.
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&KMeansTask, &opts(&d.path().join("k"), &[])).expect("kmeans runs");
    assert!(o.report.get("blobs_ari").expect("metric") > 0.95);
    assert!(o.report.all_goals_met());
    let o = run_task(&GmmTask, &opts(&d.path().join("g"), &[])).expect("gmm runs");
    assert!(o.report.get("anisotropic_ari").expect("metric") > 0.95);
    assert_eq!(o.report.get("blobs_bic_k"), Some(3.0));
    assert!(o.report.all_goals_met());
    assert!(d.path().join("g/toy_moons.csv").exists() && d.path().join("g/bic.png").exists());
}

#[test]
fn em_log_likelihood_never_decreases() {
    let sets = [
        standardize(&anisotropic(900, 5).x),
        standardize(&eight_gaussians(800, 6).x),
        standardize(&moons(600, 0.1, 7).x),
    ];
    for x in &sets {
        for covariance in [Covariance::Full, Covariance::Diag] {
            for k in [2, 5] {
                let f = Gmm {
                    k,
                    covariance,
                    tol: 0.0,
                    max_iter: 150,
                    ..Gmm::default()
                }
                .fit(x, 0)
                .expect("fit");
                assert!(f.history.len() > 10, "EM ran {} steps", f.history.len());
                for (i, w) in f.history.windows(2).enumerate() {
                    assert!(
                        w[1] >= w[0] - 1e-10,
                        "log-likelihood fell at EM step {i}: {} -> {} ({covariance:?}, k = {k})",
                        w[0],
                        w[1]
                    );
                }
            }
        }
    }
}

#[test]
fn dbscan_finds_the_two_moons_that_kmeans_cannot() {
    let m = moons(1000, 0.05, 3);
    let x = standardize(&m.x);
    let f = Dbscan {
        eps: 0.3,
        min_samples: 5,
    }
    .fit(&x)
    .expect("fit");
    assert_eq!(f.n_clusters, 2);
    let ari = adjusted_rand_index(&m.labels, &f.labels);
    assert!(ari > 0.99, "DBSCAN ARI {ari}");
    let km = KMeans {
        k: 2,
        ..KMeans::default()
    }
    .fit(&x, 0)
    .expect("fit");
    assert!(adjusted_rand_index(&m.labels, &km.labels) < 0.7);
}

fn blobs_csv(path: &Path) -> Vec<usize> {
    let b = separated_blobs(300, 3, 3, 0.8, 8.0, 21);
    let mut s = String::from("alpha,beta,gamma\n");
    for r in b.x.rows() {
        s.push_str(&format!("{},{},{}\n", r[0], r[1], r[2]));
    }
    std::fs::write(path, s).expect("write csv");
    b.labels
}

fn column(path: &Path, col: usize) -> Vec<f64> {
    let text = std::fs::read_to_string(path).expect("output csv");
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(col)
                .expect("column")
                .parse()
                .expect("number")
        })
        .collect()
}

#[test]
fn a_users_csv_gets_one_label_or_projection_per_row() {
    let d = tempfile::tempdir().expect("tempdir");
    let data = d.path().join("mine.csv");
    let truth = blobs_csv(&data);
    let set = format!("data={}", data.display());

    let o = run_task(&KMeansTask, &opts(&d.path().join("k"), &[&set, "k=3"])).expect("kmeans");
    let labels: Vec<i64> = column(&d.path().join("k/labels.csv"), 0)
        .iter()
        .map(|&v| v as i64)
        .collect();
    assert_eq!(labels.len(), 300);
    assert!(adjusted_rand_index(&truth, &labels) > 0.99);
    assert!(o.report.get("silhouette").expect("silhouette") > 0.5);
    assert!(d.path().join("k/clusters.png").exists());

    // k = 0: the number of components comes from the BIC.
    let o = run_task(&GmmTask, &opts(&d.path().join("g"), &[&set, "k=0"])).expect("gmm");
    assert_eq!(o.report.get("k"), Some(3.0));
    let labels: Vec<i64> = column(&d.path().join("g/labels.csv"), 0)
        .iter()
        .map(|&v| v as i64)
        .collect();
    assert!(adjusted_rand_index(&truth, &labels) > 0.99);
    assert!(o.report.get("heldout_nll").expect("nll").is_finite());

    let o = run_task(&PcaTask, &opts(&d.path().join("p"), &[&set])).expect("pca");
    assert_eq!(column(&d.path().join("p/components.csv"), 1).len(), 300);
    let r1 = o.report.get("explained_variance_ratio_1").expect("ratio");
    let r2 = o.report.get("explained_variance_ratio_2").expect("ratio");
    assert!(r1 >= r2 && r1 + r2 <= 1.0 + 1e-12);

    run_task(
        &DbscanTask,
        &opts(&d.path().join("d"), &[&set, "eps=1.5", "min_samples=5"]),
    )
    .expect("dbscan");
    let labels: Vec<i64> = column(&d.path().join("d/labels.csv"), 0)
        .iter()
        .map(|&v| v as i64)
        .collect();
    assert_eq!(labels.len(), 300);
    assert!(adjusted_rand_index(&truth, &labels) > 0.95);
}

#[test]
fn a_non_numeric_cell_names_file_line_and_column() {
    let d = tempfile::tempdir().expect("tempdir");
    let data = d.path().join("bad.csv");
    std::fs::write(&data, "a,b\n1,2\n3,4\n5,oops\n").expect("write");
    let set = format!("data={}", data.display());
    let tasks: [&dyn ai4s::core::DynTask; 4] = [&KMeansTask, &GmmTask, &PcaTask, &DbscanTask];
    for (i, task) in tasks.into_iter().enumerate() {
        let e = run_task(task, &opts(&d.path().join(i.to_string()), &[&set]))
            .expect_err("bad cell refused");
        let msg = e.to_string();
        assert!(
            msg.contains("bad.csv")
                && msg.contains("line 4")
                && msg.contains("column `b`")
                && msg.contains("oops"),
            "{}: {msg}",
            task.name()
        );
        assert_eq!(e.exit_code(), 2);
    }
}

#[test]
fn invalid_parameters_are_field_named_config_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    let cases: [(&dyn ai4s::core::DynTask, &str, &str); 6] = [
        (&KMeansTask, "k=0", "k"),
        (&KMeansTask, "n_init=0", "n_init"),
        (&DbscanTask, "eps=0", "eps"),
        (&DbscanTask, "eps=-1.5", "eps"),
        (&GmmTask, "reg_covar=-1", "reg_covar"),
        (&PcaTask, "n_components=0", "n_components"),
    ];
    for (task, set, field) in cases {
        let e = run_task(task, &opts(d.path(), &[set])).expect_err("invalid parameter refused");
        match &e {
            Error::Config { field: f, .. } => assert_eq!(f, field, "{e}"),
            other => panic!("{set}: expected a config error, got {other}"),
        }
        assert_eq!(e.exit_code(), 2);
    }
    // More clusters than rows is caught before fitting, naming k.
    let x = separated_blobs(2, 2, 1, 1.0, 0.0, 0).x;
    let e = KMeans {
        k: 3,
        ..KMeans::default()
    }
    .fit(&x, 0)
    .expect_err("k > rows");
    assert!(
        matches!(e, Error::Config { ref field, .. } if field == "k"),
        "{e}"
    );
}

#[test]
fn pca_of_ising_snapshots_finds_the_magnetisation_and_tc() {
    use ai4s_unsupervised::IsingPhases;
    use ai4s_unsupervised::ising::{T_C, simulate};
    // Known limits: frozen ground state at T -> 0, disorder at high T.
    let cold = simulate(16, 0.2, 20, 10, 1, 1);
    assert!(cold.energy.iter().all(|&e| e == -2.0) && cold.magnetisation.iter().all(|&m| m == 1.0));
    let hot = simulate(32, 100.0, 200, 200, 3, 2);
    let e = hot.energy.iter().sum::<f64>() / 200.0;
    let m = hot.magnetisation.iter().sum::<f64>() / 200.0;
    assert!(
        e.abs() < 0.03 && m.abs() < 0.02,
        "E/N {e}, m {m} at T = 100"
    );

    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&IsingPhases, &opts(d.path(), &[])).expect("ising-phases runs");
    let tc = o.report.get("tc_pca_chi_peak").expect("T_c estimate");
    assert!((tc - T_C).abs() / T_C < 0.08, "T_c from PCA {tc}");
    assert!(
        o.report
            .get("pc1_abs_magnetisation_correlation")
            .expect("corr")
            > 0.95
    );
    assert!(o.report.all_goals_met());
    for f in ["pc1_vs_temperature.png", "pc1_pc2.svg", "pca_signal.csv"] {
        assert!(d.path().join(f).exists(), "{f}");
    }
    let e = run_task(&IsingPhases, &opts(&d.path().join("bad"), &["l=15"])).expect_err("odd L");
    assert!(
        matches!(e, Error::Config { ref field, .. } if field == "l"),
        "{e}"
    );
}
