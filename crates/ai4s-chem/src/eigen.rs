//! Eigenvalues and eigenvectors of small real symmetric matrices by cyclic Jacobi rotations.
//!
//! Each rotation `J(p, q, theta)` zeroes the off-diagonal pair `a_pq = a_qp` of `A <- J^T A J`:
//! with `theta = (a_qq - a_pp) / (2 a_pq)`, `t = sign(theta) / (|theta| + sqrt(theta^2 + 1))`
//! (the smaller root, so the rotation angle is at most pi/4), `c = 1 / sqrt(t^2 + 1)` and
//! `s = t c`, the diagonal moves by `a_pp -= t a_pq`, `a_qq += t a_pq`, and rows/columns `p`, `q`
//! mix as `a_rp <- c a_rp - s a_rq`, `a_rq <- s a_rp + c a_rq`. A sweep visits every pair
//! `p < q` in row order; the off-diagonal Frobenius norm falls quadratically once it is small,
//! and the iteration stops when it is below `1e-14` of the matrix norm (a few to ten sweeps for
//! the sizes here). The product of the rotations holds the eigenvectors as columns.
//! Reference: Golub & Van Loan, *Matrix Computations*, 4th ed., section 8.5 (algorithm 8.5.3);
//! Rutishauser's thresholded variant in Numerical Recipes, 3rd ed., section 11.1.
//!
//! Cost `O(n^3)` per sweep: meant for matrices up to a few hundred rows (the Hueckel matrices
//! of molecules). Nothing here is chemistry: the module could move to `ai4s-core::linalg`.

use ndarray::{Array1, Array2};

/// Sweeps after which the iteration gives up (convergence takes far fewer).
const MAX_SWEEPS: usize = 100;

/// Eigen-decomposition `m = V diag(values) V^T` of a symmetric matrix.
#[derive(Clone, Debug)]
pub struct SymmetricEigen {
    /// Eigenvalues in ascending order.
    pub values: Array1<f64>,
    /// Orthonormal eigenvectors as columns, in the order of `values`.
    pub vectors: Array2<f64>,
}

/// Eigenvalues (ascending) and eigenvectors of the symmetric matrix `m` (its symmetric part
/// `(m + m^T) / 2` is used); `None` when `m` is not square or has a non-finite entry.
pub fn symmetric_eigen(m: &Array2<f64>) -> Option<SymmetricEigen> {
    let (values, vectors) = jacobi(m, true)?;
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let v = vectors.unwrap_or_else(|| Array2::eye(n));
    Some(SymmetricEigen {
        values: order.iter().map(|&i| values[i]).collect(),
        vectors: Array2::from_shape_fn((n, n), |(r, c)| v[[r, order[c]]]),
    })
}

/// Eigenvalues only, ascending (no eigenvector accumulation: about half the work).
pub fn symmetric_eigenvalues(m: &Array2<f64>) -> Option<Array1<f64>> {
    let (mut values, _) = jacobi(m, false)?;
    values.sort_by(f64::total_cmp);
    Some(Array1::from(values))
}

/// Cyclic Jacobi on a row-major copy of `m`; eigenvalues unsorted.
fn jacobi(m: &Array2<f64>, want_vectors: bool) -> Option<(Vec<f64>, Option<Array2<f64>>)> {
    let (n, cols) = m.dim();
    if n != cols || m.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut a: Vec<f64> = Array2::from_shape_fn((n, n), |(i, j)| 0.5 * (m[[i, j]] + m[[j, i]]))
        .into_iter()
        .collect();
    let mut v = want_vectors.then(|| {
        let mut e = vec![0.0; n * n];
        (0..n).for_each(|i| e[i * n + i] = 1.0);
        e
    });
    let total: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let tol = 1e-14 * total.max(f64::MIN_POSITIVE);
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| 2.0 * a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= tol {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= f64::MIN_POSITIVE {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                a[p * n + p] -= t * apq;
                a[q * n + q] += t * apq;
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for r in (0..n).filter(|&r| r != p && r != q) {
                    let (arp, arq) = (a[r * n + p], a[r * n + q]);
                    let (np, nq) = (c * arp - s * arq, s * arp + c * arq);
                    a[r * n + p] = np;
                    a[p * n + r] = np;
                    a[r * n + q] = nq;
                    a[q * n + r] = nq;
                }
                if let Some(v) = v.as_mut() {
                    for r in 0..n {
                        let (vrp, vrq) = (v[r * n + p], v[r * n + q]);
                        v[r * n + p] = c * vrp - s * vrq;
                        v[r * n + q] = s * vrp + c * vrq;
                    }
                }
            }
        }
    }
    let values = (0..n).map(|i| a[i * n + i]).collect();
    let vectors = v.map(|v| Array2::from_shape_vec((n, n), v).expect("n * n entries"));
    Some((values, vectors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two_and_diagonal() {
        let m = ndarray::arr2(&[[2.0, 1.0], [1.0, 2.0]]);
        let e = symmetric_eigen(&m).expect("square");
        assert!((e.values[0] - 1.0).abs() < 1e-14 && (e.values[1] - 3.0).abs() < 1e-14);
        let d = ndarray::arr2(&[[3.0, 0.0], [0.0, -1.0]]);
        assert_eq!(
            symmetric_eigenvalues(&d).expect("square").to_vec(),
            vec![-1.0, 3.0]
        );
        assert!(symmetric_eigen(&Array2::zeros((2, 3))).is_none());
        assert!(symmetric_eigen(&ndarray::arr2(&[[f64::NAN]])).is_none());
    }
}
