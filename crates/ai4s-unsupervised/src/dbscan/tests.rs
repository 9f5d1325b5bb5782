use super::grid::Grid;
use super::kdtree::KdTree;
use super::*;
use crate::metric::sq_dist;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// scikit-learn's DBSCAN on all-pairs neighbourhoods: the reference for the indexed passes.
fn brute_force(x: &[f64], n: usize, d: usize, eps: f64, min_samples: usize) -> DbscanFit {
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let neighbours: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| sq_dist(row(i), row(j)) <= eps * eps)
                .collect()
        })
        .collect();
    let core: Vec<bool> = neighbours.iter().map(|v| v.len() >= min_samples).collect();
    // `dbscan_inner` of scikit-learn: depth-first from each unlabelled core point in row
    // order, a point labelled when taken from the stack, only core points expanded.
    let mut labels = vec![NOISE; n];
    let mut next = 0;
    for start in 0..n {
        if labels[start] != NOISE || !core[start] {
            continue;
        }
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if labels[i] == NOISE {
                labels[i] = next;
                if core[i] {
                    stack.extend(neighbours[i].iter().filter(|&&j| labels[j] == NOISE));
                }
            }
        }
        next += 1;
    }
    DbscanFit {
        labels,
        core,
        n_clusters: next as usize,
    }
}

/// Clumps of points plus uniform background, `n x d`.
fn clumps(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let centres: Vec<Vec<f64>> = (0..6)
        .map(|_| (0..d).map(|_| rng.random_range(-3.0..3.0)).collect())
        .collect();
    (0..n)
        .flat_map(|i| {
            let c = &centres[i % 6];
            let background = i % 5 == 0;
            (0..d)
                .map(|f| {
                    if background {
                        rng.random_range(-4.0..4.0)
                    } else {
                        c[f] + rng.random_range(-1.0..1.0) * rng.random_range(0.0..1.0)
                    }
                })
                .collect::<Vec<f64>>()
        })
        .collect()
}

fn assert_same(got: &DbscanFit, want: &DbscanFit, what: &str) {
    assert_eq!(got.core, want.core, "{what}: core flags");
    assert_eq!(got.labels, want.labels, "{what}: labels");
    assert_eq!(got.n_clusters, want.n_clusters, "{what}: clusters");
}

/// Runs both indexes (the grid where it applies) on one and two threads against the reference.
fn check(x: &[f64], n: usize, d: usize, eps: f64, min_samples: usize, what: &str) -> DbscanFit {
    let want = brute_force(x, n, d, eps, min_samples);
    for threads in [1, 2] {
        let kd = KdTree::build(x, n, d, eps * eps);
        assert_same(
            &run(&kd, min_samples, threads),
            &want,
            &format!("{what}, k-d tree"),
        );
        if let Some(g) = Grid::build(x, n, d, eps, threads) {
            assert_same(
                &run(&g, min_samples, threads),
                &want,
                &format!("{what}, grid"),
            );
        } else {
            assert!(d > 3, "{what}: the grid should take {d} features");
        }
    }
    let arr = Array2::from_shape_vec((n, d), x.to_vec()).expect("shape");
    let fit = Dbscan { eps, min_samples }.fit(&arr).expect("fit");
    assert_same(&fit, &want, what);
    want
}

#[test]
fn indexes_give_the_all_pairs_labels() {
    for (d, n) in [(1, 400), (2, 900), (3, 900), (4, 500), (16, 600)] {
        let x = clumps(n, d, d as u64);
        let scale = (d as f64).sqrt();
        for (eps, min_samples) in [(0.15, 3), (0.3, 5), (0.6, 10), (1.2, 4)] {
            let f = check(
                &x,
                n,
                d,
                eps * scale,
                min_samples,
                &format!("d {d}, eps {eps}"),
            );
            if (eps, min_samples) == (0.3, 5) && d >= 2 {
                assert!(f.n_clusters >= 2, "d {d}: {} clusters", f.n_clusters);
                assert!(f.labels.contains(&NOISE), "d {d}: no noise");
            }
        }
    }
}

#[test]
fn distances_equal_to_eps_count_as_neighbours() {
    // A lattice of spacing 0.5 with eps 1: many pairs exactly eps apart.
    for d in [1, 2, 3, 5] {
        let side: usize = [40, 12, 6, 3, 3][d - 1];
        let n = side.pow(d as u32);
        let x: Vec<f64> = (0..n)
            .flat_map(|i| (0..d).map(move |f| ((i / side.pow(f as u32)) % side) as f64 * 0.5))
            .collect();
        for min_samples in [3, 5, 7] {
            check(&x, n, d, 1.0, min_samples, &format!("lattice d {d}"));
        }
    }
}

#[test]
fn noise_single_cluster_and_duplicates() {
    let x = clumps(500, 2, 9);
    let all_noise = check(&x, 500, 2, 0.01, 5, "tiny eps");
    assert_eq!(all_noise.n_clusters, 0);
    assert!(all_noise.labels.iter().all(|&l| l == NOISE));
    let one = check(&x, 500, 2, 100.0, 5, "huge eps");
    assert_eq!(one.n_clusters, 1);
    assert!(one.labels.iter().all(|&l| l == 0) && one.core.iter().all(|&c| c));
    // Duplicates: 200 copies of three points and a few strays.
    let mut dup: Vec<f64> = (0..600)
        .flat_map(|i| [(i % 3) as f64, 0.5 * (i % 3) as f64])
        .collect();
    dup.extend([10.0, 10.0, 10.0, 10.0, -5.0, 3.0]);
    let f = check(&dup, 603, 2, 0.1, 5, "duplicates");
    assert_eq!(f.n_clusters, 3);
    let f = check(&dup, 603, 2, 0.1, 2, "duplicates, min_samples 2");
    assert_eq!(f.n_clusters, 4);
    // No features: all points coincide.
    let f = Dbscan::default().fit(&Array2::zeros((7, 0))).expect("fit");
    assert_eq!((f.n_clusters, f.labels), (1, vec![0; 7]));
    let f = Dbscan::default().fit(&Array2::zeros((0, 3))).expect("fit");
    assert_eq!(f.n_clusters, 0);
}

#[test]
fn two_lines_and_an_outlier() {
    // Two rows of points 0.1 apart, 1.0 between rows, and one far point.
    let mut pts: Vec<[f64; 2]> = (0..10).map(|i| [0.1 * i as f64, 0.0]).collect();
    pts.extend((0..10).map(|i| [0.1 * i as f64, 1.0]));
    pts.push([5.0, 5.0]);
    let x = Array2::from_shape_fn((pts.len(), 2), |(i, j)| pts[i][j]);
    let f = Dbscan {
        eps: 0.15,
        min_samples: 3,
    }
    .fit(&x)
    .expect("fit");
    assert_eq!(f.n_clusters, 2);
    assert!(f.labels[..10].iter().all(|&l| l == 0));
    assert!(f.labels[10..20].iter().all(|&l| l == 1));
    assert_eq!(f.labels[20], NOISE);
    // End points have only two neighbours: border, not core.
    assert!(!f.core[0] && f.core[1]);
    let e = Dbscan {
        eps: 0.0,
        min_samples: 3,
    }
    .fit(&x)
    .expect_err("eps = 0");
    assert!(e.to_string().contains("`eps`"), "{e}");
    let mut bad = x.clone();
    bad[[3, 0]] = f64::INFINITY;
    let e = Dbscan::default().fit(&bad).expect_err("inf");
    assert!(e.to_string().contains("row 3, column 0"), "{e}");
}
