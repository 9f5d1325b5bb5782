//! Small dense linear algebra on `f64`: Cholesky factorisation, ridge least squares and
//! Gauss-Jordan elimination.
//!
//! - Cholesky (`m = L L^T` for symmetric positive definite `m`, Golub & Van Loan, *Matrix
//!   Computations*, 4th ed., algorithm 4.2.1) and the two triangular solves behind it.
//! - Ordinary least squares with a small ridge, `min |X w + b - y|^2 + lambda |w|^2`, through
//!   the normal equations `(A^T A + lambda I) [w; b] = A^T y`, `A = [X, 1]`, solved by Cholesky.
//! - Gauss-Jordan elimination with partial pivoting for small general systems (per-type energy
//!   biases, polynomial fits).
//!
//! These are for the small systems tasks build (tens to a few thousand unknowns); batched
//! tensor work belongs in burn.

use ndarray::{Array1, Array2, Axis, s};

/// A fitted linear model `y = X w + b`.
#[derive(Clone, Debug)]
pub struct LinearModel {
    /// Weights.
    pub w: Array1<f64>,
    /// Intercept.
    pub b: f64,
}

impl LinearModel {
    /// Fits on rows of `x` and `y` with ridge `lambda` (not applied to the intercept); `None`
    /// when the normal equations are not positive definite.
    pub fn fit(x: &Array2<f64>, y: &Array1<f64>, lambda: f64) -> Option<LinearModel> {
        let (n, d) = x.dim();
        let mut a = Array2::<f64>::ones((n, d + 1));
        a.slice_mut(s![.., ..d]).assign(x);
        let mut ata = a.t().dot(&a);
        for i in 0..d {
            ata[[i, i]] += lambda;
        }
        let aty = a.t().dot(y);
        let sol = cholesky_solve(&ata, &aty)?;
        Some(LinearModel {
            w: sol.slice(s![..d]).to_owned(),
            b: sol[d],
        })
    }

    /// Predicts every row of `x`.
    pub fn predict(&self, x: &Array2<f64>) -> Array1<f64> {
        x.dot(&self.w) + self.b
    }
}

/// Lower-triangular Cholesky factor `L` with `m = L L^T`, or `None` if `m` is not positive
/// definite.
pub fn cholesky(m: &Array2<f64>) -> Option<Array2<f64>> {
    let n = m.len_of(Axis(0));
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let mut sum = m[[i, j]];
            for k in 0..j {
                sum -= l[[i, k]] * l[[j, k]];
            }
            if i == j {
                if sum <= 0.0 {
                    return None;
                }
                l[[i, i]] = sum.sqrt();
            } else {
                l[[i, j]] = sum / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// Solves the lower-triangular system `L z = r` by forward substitution.
pub fn forward_substitute(l: &Array2<f64>, r: &Array1<f64>) -> Array1<f64> {
    let n = r.len();
    let mut z = Array1::<f64>::zeros(n);
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[[i, k]] * z[k]).sum();
        z[i] = (r[i] - s) / l[[i, i]];
    }
    z
}

/// Solves `L L^T x = r` given the Cholesky factor `L`.
pub fn cholesky_solve_factor(l: &Array2<f64>, r: &Array1<f64>) -> Array1<f64> {
    let n = r.len();
    let z = forward_substitute(l, r);
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[[k, i]] * x[k]).sum();
        x[i] = (z[i] - s) / l[[i, i]];
    }
    x
}

/// Solves `m z = r` for symmetric positive definite `m`.
pub fn cholesky_solve(m: &Array2<f64>, r: &Array1<f64>) -> Option<Array1<f64>> {
    Some(cholesky_solve_factor(&cholesky(m)?, r))
}

/// Solves the square system `a x = b` (rows of `a`) by Gauss-Jordan elimination with partial
/// pivoting; `None` when a pivot vanishes (the matrix is singular to working precision).
pub fn solve_dense(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    if a.len() != n || a.iter().any(|row| row.len() != n) {
        return None;
    }
    for c in 0..n {
        let piv = (c..n).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))?;
        a.swap(c, piv);
        b.swap(c, piv);
        if a[c][c].abs() < 1e-300 {
            return None;
        }
        let (pivot_row, pivot_b) = (a[c].clone(), b[c]);
        for r in (0..n).filter(|&r| r != c) {
            let f = a[r][c] / pivot_row[c];
            for (x, p) in a[r].iter_mut().zip(&pivot_row) {
                *x -= f * p;
            }
            b[r] -= f * pivot_b;
        }
    }
    Some((0..n).map(|i| b[i] / a[i][i]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_linear_function() {
        let x = Array2::from_shape_fn((20, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let y = x.dot(&ndarray::arr1(&[1.5, -2.0, 0.25])) + 3.0;
        let m = LinearModel::fit(&x, &y, 0.0).expect("well-posed");
        assert!((m.b - 3.0).abs() < 1e-9);
        assert!((m.w[1] + 2.0).abs() < 1e-9);
        assert!((&m.predict(&x) - &y).iter().all(|e| e.abs() < 1e-9));
    }

    #[test]
    fn cholesky_reconstructs_and_refuses_indefinite() {
        let m = ndarray::arr2(&[[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]]);
        let l = cholesky(&m).expect("positive definite");
        assert!((&l.dot(&l.t()) - &m).iter().all(|e| e.abs() < 1e-12));
        let r = ndarray::arr1(&[1.0, -2.0, 0.5]);
        let x = cholesky_solve(&m, &r).expect("solvable");
        assert!((&m.dot(&x) - &r).iter().all(|e| e.abs() < 1e-12));
        assert!(cholesky(&ndarray::arr2(&[[1.0, 2.0], [2.0, 1.0]])).is_none());
    }

    #[test]
    fn gauss_jordan_needs_pivoting_and_detects_singular() {
        // A zero in the first pivot position: fails without row exchange.
        let a = vec![
            vec![0.0, 2.0, 1.0],
            vec![1.0, 1.0, 0.0],
            vec![3.0, 0.0, 1.0],
        ];
        let x_true = [1.0, -1.0, 2.0];
        let b: Vec<f64> = a
            .iter()
            .map(|row| row.iter().zip(&x_true).map(|(p, q)| p * q).sum())
            .collect();
        let x = solve_dense(a, b).expect("regular");
        for (got, want) in x.iter().zip(x_true) {
            assert!((got - want).abs() < 1e-12);
        }
        assert!(solve_dense(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]).is_none());
        assert!(solve_dense(vec![vec![1.0]], vec![1.0, 2.0]).is_none());
    }
}
