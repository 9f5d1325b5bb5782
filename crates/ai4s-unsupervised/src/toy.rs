//! Seeded toy data sets with known clusters, defined as scikit-learn defines them.
//!
//! - [`blobs`]: `make_blobs` — `centers` isotropic Gaussians (std `cluster_std`) whose centres are
//!   uniform in `[-10, 10]^d`; samples split as evenly as possible, the first groups taking the
//!   remainder.
//! - [`anisotropic`]: three 2-D blobs multiplied by `[[0.6, -0.6], [-0.4, 0.8]]`, as in
//!   scikit-learn's clustering comparison example.
//! - [`moons`]: `make_moons` — two interleaved half circles, `(cos t, sin t)` and
//!   `(1 - cos t, 1/2 - sin t)` for `t` evenly spaced in `[0, pi]`, plus Gaussian noise.
//! - [`circles`]: `make_circles` — two concentric circles of radius 1 and `factor`, angles evenly
//!   spaced in `[0, 2 pi)`, plus Gaussian noise.
//! - [`eight_gaussians`]: eight Gaussians of std 0.2 centred on a circle of radius 2 at angles
//!   `2 pi i / 8` (the density-estimation toy; neighbouring centres are 1.53 = 7.7 std apart).
//!
//! Every set returns the points (one row each, rows shuffled) and the true cluster of each row.

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// Points with the cluster that generated each of them.
#[derive(Clone, Debug)]
pub struct Labelled {
    /// Points, one per row.
    pub x: Array2<f64>,
    /// True cluster of each row, `0..k`.
    pub labels: Vec<usize>,
    /// Number of true clusters.
    pub k: usize,
}

impl Labelled {
    fn shuffled(x: Array2<f64>, labels: Vec<usize>, k: usize, rng: &mut StdRng) -> Labelled {
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.shuffle(rng);
        Labelled {
            x: x.select(Axis(0), &order),
            labels: order.iter().map(|&i| labels[i]).collect(),
            k,
        }
    }
}

fn normal(rng: &mut StdRng) -> f64 {
    rng.sample(StandardNormal)
}

fn split_counts(n: usize, groups: usize) -> Vec<usize> {
    (0..groups)
        .map(|g| n / groups + usize::from(g < n % groups))
        .collect()
}

/// `n` points in `d` dimensions around `centers` random centres (uniform in `[-10, 10]^d`).
pub fn blobs(n: usize, d: usize, centers: usize, cluster_std: f64, seed: u64) -> Labelled {
    separated_blobs(n, d, centers, cluster_std, 0.0, seed)
}

/// [`blobs`] with the centres redrawn until every pair is at least `min_separation` apart (so
/// that the planted clusters are really separate; make_blobs' centres may overlap).
pub fn separated_blobs(
    n: usize,
    d: usize,
    centers: usize,
    cluster_std: f64,
    min_separation: f64,
    seed: u64,
) -> Labelled {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut c = Array2::from_shape_fn((centers, d), |_| rng.random_range(-10.0..10.0));
    let too_close = |c: &Array2<f64>| {
        (0..centers).any(|a| {
            (0..a).any(|b| {
                let diff = &c.row(a) - &c.row(b);
                diff.dot(&diff).sqrt() < min_separation
            })
        })
    };
    // A bounded number of redraws: an impossible separation keeps the last draw.
    for _ in 0..1000 {
        if !too_close(&c) {
            break;
        }
        c = Array2::from_shape_fn((centers, d), |_| rng.random_range(-10.0..10.0));
    }
    let mut x = Array2::zeros((n, d));
    let mut labels = Vec::with_capacity(n);
    let mut row = 0;
    for (g, count) in split_counts(n, centers).into_iter().enumerate() {
        for _ in 0..count {
            for j in 0..d {
                x[[row, j]] = c[[g, j]] + cluster_std * normal(&mut rng);
            }
            labels.push(g);
            row += 1;
        }
    }
    Labelled::shuffled(x, labels, centers, &mut rng)
}

/// Three 2-D blobs (centres at least 8 std apart) sheared by `[[0.6, -0.6], [-0.4, 0.8]]`
/// (elongated, tilted clusters; the shear keeps their Mahalanobis separation).
pub fn anisotropic(n: usize, seed: u64) -> Labelled {
    let mut b = separated_blobs(n, 2, 3, 1.0, 8.0, seed);
    let t = ndarray::arr2(&[[0.6, -0.6], [-0.4, 0.8]]);
    b.x = b.x.dot(&t);
    b
}

/// Two interleaving half circles with Gaussian noise of std `noise`.
pub fn moons(n: usize, noise: f64, seed: u64) -> Labelled {
    let mut rng = StdRng::seed_from_u64(seed);
    let n_out = n / 2;
    let n_in = n - n_out;
    let lin = |i: usize, m: usize| {
        if m <= 1 {
            0.0
        } else {
            std::f64::consts::PI * i as f64 / (m - 1) as f64
        }
    };
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    for i in 0..n_out {
        let t = lin(i, n_out);
        x[[i, 0]] = t.cos();
        x[[i, 1]] = t.sin();
        labels.push(0);
    }
    for i in 0..n_in {
        let t = lin(i, n_in);
        x[[n_out + i, 0]] = 1.0 - t.cos();
        x[[n_out + i, 1]] = 0.5 - t.sin();
        labels.push(1);
    }
    x.mapv_inplace(|v| v + noise * normal(&mut rng));
    Labelled::shuffled(x, labels, 2, &mut rng)
}

/// A large circle (radius 1) around a small one (radius `factor`), Gaussian noise `noise`.
pub fn circles(n: usize, factor: f64, noise: f64, seed: u64) -> Labelled {
    let mut rng = StdRng::seed_from_u64(seed);
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    for (g, (count, radius, offset)) in [(n_out, 1.0, 0), (n_in, factor, n_out)]
        .into_iter()
        .enumerate()
    {
        for i in 0..count {
            let t = std::f64::consts::TAU * i as f64 / count as f64;
            x[[offset + i, 0]] = radius * t.cos();
            x[[offset + i, 1]] = radius * t.sin();
            labels.push(g);
        }
    }
    x.mapv_inplace(|v| v + noise * normal(&mut rng));
    Labelled::shuffled(x, labels, 2, &mut rng)
}

/// Eight Gaussians (std 0.2) on a circle of radius 2.
pub fn eight_gaussians(n: usize, seed: u64) -> Labelled {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 2));
    let mut labels = Vec::with_capacity(n);
    let mut row = 0;
    for (g, count) in split_counts(n, 8).into_iter().enumerate() {
        let a = std::f64::consts::TAU * g as f64 / 8.0;
        for _ in 0..count {
            x[[row, 0]] = 2.0 * a.cos() + 0.2 * normal(&mut rng);
            x[[row, 1]] = 2.0 * a.sin() + 0.2 * normal(&mut rng);
            labels.push(g);
            row += 1;
        }
    }
    Labelled::shuffled(x, labels, 8, &mut rng)
}

/// Per-column `(x - mean) / std` (population std; constant columns are only centred), as
/// scikit-learn's `StandardScaler`.
pub fn standardize(x: &Array2<f64>) -> Array2<f64> {
    let n = x.nrows().max(1) as f64;
    let mean = x.sum_axis(Axis(0)) / n;
    let c = x - &mean;
    let std = (c.mapv(|v| v * v).sum_axis(Axis(0)) / n).mapv(|v| {
        let s = v.sqrt();
        if s > 1e-12 { s } else { 1.0 }
    });
    c / &std
}

/// The 2-D benchmark sets by name, in report order: blobs (3 centres at least 8 apart, std 1),
/// anisotropic, moons, circles, eight_gaussians (moons and circles with noise 0.05, circles
/// factor 0.5, as in scikit-learn's clustering comparison).
pub fn benchmark_sets(n: usize, seed: u64) -> Vec<(&'static str, Labelled)> {
    vec![
        ("blobs", separated_blobs(n, 2, 3, 1.0, 8.0, seed)),
        ("anisotropic", anisotropic(n, seed.wrapping_add(1))),
        ("moons", moons(n, 0.05, seed.wrapping_add(2))),
        ("circles", circles(n, 0.5, 0.05, seed.wrapping_add(3))),
        ("eight_gaussians", eight_gaussians(n, seed.wrapping_add(4))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_have_the_documented_shapes() {
        let m = moons(101, 0.0, 1);
        assert_eq!(
            (m.x.nrows(), m.labels.iter().filter(|&&l| l == 0).count()),
            (101, 50)
        );
        for (row, &l) in m.x.rows().into_iter().zip(&m.labels) {
            // Noise-free moons lie on unit circles around (0, 0) and (1, 0.5).
            let c = if l == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
            let r = ((row[0] - c.0).powi(2) + (row[1] - c.1).powi(2)).sqrt();
            assert!((r - 1.0).abs() < 1e-12);
        }
        let c = circles(40, 0.5, 0.0, 2);
        for (row, &l) in c.x.rows().into_iter().zip(&c.labels) {
            let r = row.dot(&row).sqrt();
            assert!((r - if l == 0 { 1.0 } else { 0.5 }).abs() < 1e-12);
        }
        let b = blobs(10, 3, 3, 1.0, 3);
        let counts: Vec<usize> = (0..3)
            .map(|g| b.labels.iter().filter(|&&l| l == g).count())
            .collect();
        assert_eq!(counts, vec![4, 3, 3]);
        let s = standardize(&eight_gaussians(800, 4).x);
        let var = s.mapv(|v| v * v).mean_axis(Axis(0)).expect("rows");
        assert!(var.iter().all(|v| (v - 1.0).abs() < 1e-9));
    }
}
