//! Classical function approximators with a budget of `m` basis functions, nodes or points.
//!
//! Used by the approximation-error-versus-dimension study ([`crate::approx`]); all in ndarray:
//!
//! - [`random_features`]: `f(x) ~ c_0 + sum_j c_j relu(w_j . x + b_j)` with random unit `w_j`,
//!   `b_j ~ N(0, 1)` fixed and only `c` fitted by ridge least squares (Rahimi & Recht 2008).
//!   Not dimension-free for ReLU-network targets (Yehudai & Shamir 2019).
//! - [`grid_interpolation`]: multilinear interpolation of the target's values on a tensor grid of
//!   at most `m` nodes on `[-2.5, 2.5]^d`; with `n` nodes per axis the error decays like
//!   `n^-2 = m^(-2/d)`, the curse of dimensionality. When `2^d > m`, only the first
//!   `floor(log2 m)` axes can be refined and the others are frozen at 0.
//! - [`polynomial`]: least squares on products of normalised probabilists' Hermite polynomials
//!   `He_k(x)/sqrt(k!)` (orthonormal under N(0,1)), all terms of total degree `<= p` and then as
//!   many of degree `p + 1` as the budget allows.
//! - [`knn`]: `k`-nearest-neighbour averaging over `m` stored samples.

use ai4s_core::linalg::LinearModel;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// Random ReLU features of width `m`, output weights by ridge least squares.
pub fn random_features(
    m: usize,
    x: &Array2<f64>,
    y: &Array1<f64>,
    x_test: &Array2<f64>,
    seed: u64,
) -> Option<Array1<f64>> {
    let d = x.ncols();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = Array2::<f64>::from_shape_fn((d, m), |_| StandardNormal.sample(&mut rng));
    for mut col in w.columns_mut() {
        let n = col.dot(&col).sqrt().max(1e-12);
        col /= n;
    }
    let b = Array1::<f64>::from_shape_fn(m, |_| StandardNormal.sample(&mut rng));
    let phi = |x: &Array2<f64>| (x.dot(&w) + &b).mapv(|v| v.max(0.0));
    let model = LinearModel::fit(&phi(x), y, 1e-6 * x.nrows() as f64)?;
    Some(model.predict(&phi(x_test)))
}

/// Nodes per axis of a tensor grid with at most `m` nodes in `d` dimensions, refined round-robin.
pub fn grid_shape(m: usize, d: usize) -> Vec<usize> {
    let mut n = vec![1usize; d];
    loop {
        let mut grew = false;
        for i in 0..d {
            let total: usize = n.iter().product();
            if total / n[i] * (n[i] + 1) <= m {
                n[i] += 1;
                grew = true;
            }
        }
        if !grew {
            return n;
        }
    }
}

const GRID_HALF_WIDTH: f64 = 2.5;

fn node(i: usize, n: usize) -> f64 {
    if n == 1 {
        0.0
    } else {
        -GRID_HALF_WIDTH + 2.0 * GRID_HALF_WIDTH * i as f64 / (n - 1) as f64
    }
}

/// Multilinear interpolation of `f` from its values on a grid of at most `m` nodes.
pub fn grid_interpolation(
    m: usize,
    f: &dyn Fn(&Array2<f64>) -> Array1<f64>,
    x_test: &Array2<f64>,
) -> Array1<f64> {
    let d = x_test.ncols();
    let shape = grid_shape(m, d);
    let total: usize = shape.iter().product();
    // All nodes, row-major over axes.
    let mut nodes = Array2::<f64>::zeros((total, d));
    for (flat, mut row) in nodes.rows_mut().into_iter().enumerate() {
        let mut rest = flat;
        for ax in (0..d).rev() {
            row[ax] = node(rest % shape[ax], shape[ax]);
            rest /= shape[ax];
        }
    }
    let values = f(&nodes);
    let active: Vec<usize> = (0..d).filter(|&a| shape[a] > 1).collect();
    let stride: Vec<usize> = (0..d).map(|a| shape[a + 1..].iter().product()).collect();
    x_test
        .rows()
        .into_iter()
        .map(|x| {
            // Cell index and fractional position on each refined axis.
            let cell: Vec<(usize, f64)> = active
                .iter()
                .map(|&a| {
                    let n = shape[a];
                    let h = 2.0 * GRID_HALF_WIDTH / (n - 1) as f64;
                    let t = ((x[a] + GRID_HALF_WIDTH) / h).clamp(0.0, (n - 1) as f64);
                    let i = (t.floor() as usize).min(n - 2);
                    (i, t - i as f64)
                })
                .collect();
            let mut acc = 0.0;
            for corner in 0..(1usize << active.len()) {
                let mut weight = 1.0;
                let mut flat = 0;
                for (k, &a) in active.iter().enumerate() {
                    let (i, frac) = cell[k];
                    let up = corner >> k & 1 == 1;
                    weight *= if up { frac } else { 1.0 - frac };
                    flat += (i + usize::from(up)) * stride[a];
                }
                if weight != 0.0 {
                    acc += weight * values[flat];
                }
            }
            acc
        })
        .collect()
}

/// A partly built monomial: next variable, degree left, factors so far.
type Partial = (usize, usize, Vec<(usize, usize)>);

/// Highest total degree used by [`polynomial`].
pub const MAX_POLY_DEGREE: usize = 12;

/// Multi-indices of total degree `<= p` (then degree `p + 1`) in `d` variables, at most `m`.
pub fn hermite_indices(d: usize, m: usize) -> Vec<Vec<(usize, usize)>> {
    let mut out: Vec<Vec<(usize, usize)>> = vec![vec![]];
    let mut degree = 1;
    while out.len() < m && degree <= MAX_POLY_DEGREE {
        let before = out.len();
        let mut stack: Vec<Partial> = vec![(0, degree, vec![])];
        while let Some((start, left, term)) = stack.pop() {
            if out.len() >= m {
                break;
            }
            if left == 0 {
                out.push(term);
                continue;
            }
            for var in (start..d).rev() {
                for k in (1..=left).rev() {
                    if var + 1 == d && k != left {
                        continue;
                    }
                    let mut t = term.clone();
                    t.push((var, k));
                    stack.push((var + 1, left - k, t));
                }
            }
        }
        if out.len() == before {
            break;
        }
        degree += 1;
    }
    out.truncate(m);
    out
}

fn hermite_table(x: ArrayView1<f64>, kmax: usize) -> Vec<f64> {
    // Normalised probabilists' Hermite polynomials He_k(x)/sqrt(k!), k = 0..=kmax.
    let mut he = vec![1.0, x[0]];
    he.truncate(kmax + 1);
    for k in 1..kmax {
        let next = x[0] * he[k] - k as f64 * he[k - 1];
        he.push(next);
    }
    let mut fact = 1.0;
    for (k, h) in he.iter_mut().enumerate().skip(1) {
        fact *= k as f64;
        *h /= fact.sqrt();
    }
    he
}

fn hermite_features(x: &Array2<f64>, terms: &[Vec<(usize, usize)>]) -> Array2<f64> {
    let kmax = terms.iter().flatten().map(|t| t.1).max().unwrap_or(0);
    let mut phi = Array2::<f64>::ones((x.nrows(), terms.len()));
    for (r, row) in x.rows().into_iter().enumerate() {
        let tables: Vec<Vec<f64>> = (0..x.ncols())
            .map(|a| hermite_table(row.slice(ndarray::s![a..a + 1]), kmax))
            .collect();
        for (j, term) in terms.iter().enumerate() {
            phi[[r, j]] = term.iter().map(|&(a, k)| tables[a][k]).product();
        }
    }
    phi
}

/// Hermite least squares with at most `m` terms.
pub fn polynomial(
    m: usize,
    x: &Array2<f64>,
    y: &Array1<f64>,
    x_test: &Array2<f64>,
) -> Option<Array1<f64>> {
    // The constant is the intercept of the least-squares fit.
    let terms: Vec<_> = hermite_indices(x.ncols(), m)
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    if terms.is_empty() {
        let mean = y.mean().unwrap_or(0.0);
        return Some(Array1::from_elem(x_test.nrows(), mean));
    }
    let model = LinearModel::fit(&hermite_features(x, &terms), y, 1e-8 * x.nrows() as f64)?;
    Some(model.predict(&hermite_features(x_test, &terms)))
}

/// `k`-nearest-neighbour regression over the first `m` samples.
pub fn knn(
    m: usize,
    k: usize,
    x: &Array2<f64>,
    y: &Array1<f64>,
    x_test: &Array2<f64>,
) -> Array1<f64> {
    let m = m.min(x.nrows());
    let k = k.clamp(1, m);
    let stored = x.slice(ndarray::s![..m, ..]);
    let sq = stored.map_axis(Axis(1), |r| r.dot(&r));
    x_test
        .rows()
        .into_iter()
        .map(|q| {
            let cross = stored.dot(&q);
            let qq = q.dot(&q);
            let mut dist: Vec<(f64, usize)> =
                (0..m).map(|i| (sq[i] - 2.0 * cross[i] + qq, i)).collect();
            dist.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
            dist[..k].iter().map(|&(_, i)| y[i]).sum::<f64>() / k as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::gaussian_inputs;

    #[test]
    fn grid_respects_budget_and_interpolates_multilinear_functions_exactly() {
        assert_eq!(grid_shape(64, 2), vec![8, 8]);
        assert_eq!(grid_shape(16, 8), vec![2, 2, 2, 2, 1, 1, 1, 1]);
        assert!(grid_shape(512, 64).iter().product::<usize>() <= 512);
        // f(x) = 1 + 2 x0 - x1 + x0 x1 is multilinear: reproduced exactly inside the box.
        let f = |x: &Array2<f64>| x.map_axis(Axis(1), |r| 1.0 + 2.0 * r[0] - r[1] + r[0] * r[1]);
        let x = gaussian_inputs(50, 2, 3).mapv(|v| v.clamp(-2.4, 2.4));
        let err = (&grid_interpolation(9, &f, &x) - &f(&x))
            .mapv(f64::abs)
            .fold(0.0f64, |a, &b| a.max(b));
        assert!(err < 1e-12, "{err}");
    }

    #[test]
    fn hermite_terms_count_and_fit_polynomials_exactly() {
        // 1 + 3 (degree 1) + 6 (degree 2) = 10 terms of total degree <= 2 in 3 variables.
        let t = hermite_indices(3, 10);
        assert_eq!(t.len(), 10);
        assert!(
            t.iter()
                .all(|term| term.iter().map(|p| p.1).sum::<usize>() <= 2)
        );
        let mut uniq = t.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 10, "terms must be distinct");
        let x = gaussian_inputs(200, 3, 1);
        let y = x.map_axis(Axis(1), |r| 0.5 + r[0] * r[2] - 2.0 * r[1] * r[1]);
        let xt = gaussian_inputs(50, 3, 2);
        let yt = xt.map_axis(Axis(1), |r| 0.5 + r[0] * r[2] - 2.0 * r[1] * r[1]);
        let p = polynomial(10, &x, &y, &xt).expect("solvable");
        assert!((&p - &yt).mapv(f64::abs).iter().all(|e| *e < 1e-6));
    }

    #[test]
    fn knn_with_one_neighbour_returns_stored_labels() {
        let x = gaussian_inputs(30, 4, 5);
        let y = Array1::from_shape_fn(30, |i| i as f64);
        let p = knn(30, 1, &x, &y, &x);
        assert_eq!(p, y);
    }
}
