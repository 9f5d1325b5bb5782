//! Ordinary least squares with a small ridge, solved in closed form.
//!
//! Minimises `|X w + b - y|^2 + lambda |w|^2` through the normal equations
//! `(A^T A + lambda I) [w; b] = A^T y`, `A = [X, 1]`, solved by Cholesky factorisation.

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
    /// Fits on rows of `x` and `y` with ridge `lambda` (not applied to the intercept).
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

/// Solves `L L^T x = r` given the Cholesky factor `L`.
pub fn cholesky_solve_factor(l: &Array2<f64>, r: &Array1<f64>) -> Array1<f64> {
    let n = r.len();
    let mut z = Array1::<f64>::zeros(n);
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[[i, k]] * z[k]).sum();
        z[i] = (r[i] - s) / l[[i, i]];
    }
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
}
