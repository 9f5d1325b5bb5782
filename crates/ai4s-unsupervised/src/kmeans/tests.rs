use super::hamerly::{Data, lloyd};
use super::init::kmeans_plusplus;
use super::*;
use crate::metric::{dot, sq_dist};
use crate::toy::blobs;
use ai4s_core::metrics::adjusted_rand_index;
use rand::Rng;

#[test]
fn threaded_and_serial_assignment_agree() {
    // 3 restarts: on 2 threads two run side by side and the third on both threads.
    let b = blobs(20_000, 16, 8, 1.0, 9);
    let km = KMeans {
        k: 8,
        n_init: 3,
        ..KMeans::default()
    };
    let fit = |threads| {
        KMeans {
            threads,
            ..km.clone()
        }
        .fit(&b.x, 1)
        .expect("fit")
    };
    let one = fit(1);
    for threads in [2, 3] {
        let other = fit(threads);
        assert_eq!(one.labels, other.labels, "{threads} threads");
        assert_eq!(one.inertia, other.inertia, "{threads} threads");
        assert_eq!(one.centroids, other.centroids, "{threads} threads");
    }
    assert!(adjusted_rand_index(&b.labels, &one.labels) > 0.99);
    assert_eq!(one.predict(&b.x), one.labels);
}

#[test]
fn more_clusters_than_rows_is_a_field_error() {
    let x = Array2::zeros((3, 2));
    let e = KMeans {
        k: 4,
        ..KMeans::default()
    }
    .fit(&x, 0)
    .expect_err("k > n");
    assert!(e.to_string().contains("`k`"), "{e}");
    // Identical points: every restart still returns k centres.
    let f = KMeans {
        k: 3,
        ..KMeans::default()
    }
    .fit(&x, 0)
    .expect("degenerate data");
    assert_eq!(f.centroids.nrows(), 3);
    assert_eq!(f.inertia, 0.0);
}

#[test]
fn empty_clusters_take_a_row_and_bad_values_are_refused() {
    // Two distinct points repeated: the third seed coincides with another centre and its
    // cluster empties; it must take a row from a cluster that keeps one.
    let x = Array2::from_shape_fn((20, 2), |(i, _)| if i < 10 { 0.0 } else { 1.0 });
    let f = KMeans {
        k: 3,
        n_init: 3,
        ..KMeans::default()
    }
    .fit(&x, 4)
    .expect("fit");
    assert_eq!(f.inertia, 0.0);
    assert!(f.centroids.iter().all(|v| v.is_finite()));
    assert_ne!(f.labels[0], f.labels[19]);
    let mut bad = x.clone();
    bad[[7, 1]] = f64::NAN;
    let e = KMeans::default().fit(&bad, 0).expect_err("NaN");
    assert!(e.to_string().contains("row 7, column 1"), "{e}");
}

#[test]
fn a_shifted_copy_of_the_data_gives_the_same_clusters() {
    let b = blobs(3000, 4, 5, 1.5, 2);
    let km = KMeans {
        k: 5,
        n_init: 2,
        ..KMeans::default()
    };
    let a = km.fit(&b.x, 3).expect("fit");
    let shifted = b.x.mapv(|v| v + 1.0e4);
    let s = km.fit(&shifted, 3).expect("fit");
    assert_eq!(a.labels, s.labels);
    assert!((a.inertia - s.inertia).abs() < 1e-6 * a.inertia);
    let diff = (&s.centroids - &a.centroids).mapv(|v| v - 1.0e4);
    assert!(diff.iter().all(|v| v.abs() < 1e-6), "{diff}");
}

/// Plain Lloyd, every distance computed by differences: the reference for the bounded one.
fn plain_lloyd(
    data: &Data,
    mut c: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> (Vec<usize>, f64, usize) {
    let (n, d) = (data.n(), data.d);
    let k = c.len() / d;
    let nearest = |c: &[f64], i: usize| {
        (0..k)
            .map(|j| (j, sq_dist(data.row(i), &c[j * d..(j + 1) * d])))
            .fold((0, f64::INFINITY), |b, x| if x.1 < b.1 { x } else { b })
            .0
    };
    let mut labels = vec![usize::MAX; n];
    let (mut strict, mut n_iter) = (false, 0);
    for it in 0..max_iter {
        n_iter = it + 1;
        let new: Vec<usize> = (0..n).map(|i| nearest(&c, i)).collect();
        let changed = new != labels;
        labels = new;
        if it > 0 && !changed {
            strict = true;
            break;
        }
        let mut sums = vec![0.0; k * d];
        let mut counts = vec![0usize; k];
        for (i, &l) in labels.iter().enumerate() {
            counts[l] += 1;
            for f in 0..d {
                sums[l * d + f] += data.row(i)[f];
            }
        }
        assert!(
            counts.iter().all(|&c| c > 0),
            "the test data should not empty a cluster"
        );
        let new_c: Vec<f64> = (0..k * d).map(|t| sums[t] / counts[t / d] as f64).collect();
        let shift: f64 = c.iter().zip(&new_c).map(|(a, b)| (a - b) * (a - b)).sum();
        c = new_c;
        if shift <= tol {
            break;
        }
    }
    if !strict {
        labels = (0..n).map(|i| nearest(&c, i)).collect();
    }
    let inertia = (0..n)
        .map(|i| sq_dist(data.row(i), &c[labels[i] * d..(labels[i] + 1) * d]))
        .sum();
    (labels, inertia, n_iter)
}

#[test]
fn hamerly_bounds_give_plain_lloyds_assignments() {
    // Overlapping random data, so that many rows change cluster and the bounds are exercised.
    for (seed, n, d, k) in [
        (1, 3000, 2, 5),
        (2, 2500, 3, 12),
        (3, 4000, 16, 8),
        (4, 1000, 7, 1),
    ] {
        let mut rng = StdRng::seed_from_u64(seed);
        let x: Vec<f64> = (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let norms: Vec<f64> = x.chunks_exact(d).map(|r| dot(r, r)).collect();
        let data = Data {
            x: &x,
            d,
            norms: &norms,
        };
        for threads in [1, 2] {
            let init = kmeans_plusplus(&data, k, &mut StdRng::seed_from_u64(seed), threads);
            let (labels, inertia, n_iter) = plain_lloyd(&data, init.centres.clone(), 300, 0.0);
            let fit = lloyd(&data, init, 300, 0.0, threads);
            assert_eq!(fit.labels, labels, "seed {seed}, {threads} threads");
            assert_eq!(fit.n_iter, n_iter, "seed {seed}");
            assert!(
                (fit.inertia - inertia).abs() <= 1e-10 * inertia,
                "seed {seed}"
            );
            if k > 1 {
                assert!(n_iter > 5, "seed {seed}: only {n_iter} iterations");
            }
        }
    }
}
