//! Principal component analysis by eigendecomposition of the sample covariance.
//!
//! With centred data `X_c = X - mean`, the sample covariance `S = X_c^T X_c / (n - 1)` has
//! eigenpairs `S v_j = lambda_j v_j`, `lambda_1 >= lambda_2 >= ...`. The principal axes are the
//! `v_j`, the explained variances the `lambda_j`, and the explained variance ratio
//! `lambda_j / sum_i lambda_i` (Pearson 1901; Hotelling 1933). This is the same decomposition
//! scikit-learn obtains from the SVD `X_c = U S V^T` (`lambda = s^2 / (n - 1)`). Each axis' sign
//! is fixed so that its largest-magnitude entry is positive (scikit-learn's `svd_flip` rule on
//! the components), which makes the output deterministic.

use ai4s_core::{Error, Result};
use ndarray::{Array1, Array2, Axis};

/// A fitted PCA.
#[derive(Clone, Debug)]
pub struct Pca {
    /// Column means of the training data.
    pub mean: Array1<f64>,
    /// Principal axes, one per row, in order of decreasing variance.
    pub components: Array2<f64>,
    /// Variance along each kept axis (eigenvalues of the covariance).
    pub explained_variance: Array1<f64>,
    /// Fraction of the total variance along each kept axis.
    pub explained_variance_ratio: Array1<f64>,
}

impl Pca {
    /// Fits the leading `n_components` axes (at most the number of columns) on the rows of `x`.
    pub fn fit(x: &Array2<f64>, n_components: usize) -> Result<Pca> {
        let (n, d) = x.dim();
        if n < 2 || d == 0 {
            return Err(Error::Runtime(format!(
                "PCA needs at least 2 rows and 1 column, got {n} x {d}"
            )));
        }
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
        let c = x - &mean;
        let cov = c.t().dot(&c) / (n as f64 - 1.0);
        let m = nalgebra::DMatrix::from_fn(d, d, |i, j| cov[[i, j]]);
        let eig = m.symmetric_eigen();
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
        let total: f64 = eig.eigenvalues.iter().map(|v| v.max(0.0)).sum();
        let keep = n_components.clamp(1, d);
        let mut components = Array2::zeros((keep, d));
        let mut var = Array1::zeros(keep);
        for (r, &j) in order.iter().take(keep).enumerate() {
            let v = eig.eigenvectors.column(j);
            let big = v
                .iter()
                .copied()
                .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                .unwrap_or(1.0);
            let sign = if big < 0.0 { -1.0 } else { 1.0 };
            for i in 0..d {
                components[[r, i]] = sign * v[i];
            }
            var[r] = eig.eigenvalues[j].max(0.0);
        }
        let ratio = if total > 0.0 {
            &var / total
        } else {
            Array1::zeros(keep)
        };
        Ok(Pca {
            mean,
            components,
            explained_variance: var,
            explained_variance_ratio: ratio,
        })
    }

    /// Coordinates of the rows of `x` along the kept axes.
    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        (x - &self.mean).dot(&self.components.t())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_axes_of_a_rotated_ellipse() {
        // Points on a fine grid of an ellipse with semi-axes 3 and 1, rotated by 30 degrees:
        // exact covariance diag(9/2, 1/2) in the rotated frame (up to n/(n-1)).
        let n = 3600;
        let (s, c) = 30f64.to_radians().sin_cos();
        let x = Array2::from_shape_fn((n, 2), |(i, j)| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            let (u, v) = (3.0 * t.cos(), t.sin());
            if j == 0 { c * u - s * v } else { s * u + c * v }
        });
        let p = Pca::fit(&x, 2).expect("fit");
        let scale = n as f64 / (n as f64 - 1.0);
        assert!((p.explained_variance[0] - 4.5 * scale).abs() < 1e-9);
        assert!((p.explained_variance[1] - 0.5 * scale).abs() < 1e-9);
        assert!((p.explained_variance_ratio[0] - 0.9).abs() < 1e-12);
        assert!((p.components[[0, 0]] - c).abs() < 1e-9 && (p.components[[0, 1]] - s).abs() < 1e-9);
        let z = p.transform(&x);
        assert!((z[[0, 0]] - 3.0).abs() < 1e-9 && z[[0, 1]].abs() < 1e-9);
    }

    #[test]
    fn pca_matches_an_analytic_covariance() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        use rand_distr::StandardNormal;
        // Sigma = R diag(9, 4, 1) R^T with R a rotation by 40 degrees in the (x0, x1) plane.
        let (s, c) = 40f64.to_radians().sin_cos();
        let r = ndarray::arr2(&[[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]);
        let sd = ndarray::arr1(&[3.0, 2.0, 1.0]);
        let mut rng = StdRng::seed_from_u64(11);
        let n = 40_000;
        let z = Array2::<f64>::from_shape_fn((n, 3), |_| rng.sample(StandardNormal));
        let x = (z * &sd).dot(&r.t()) + ndarray::arr1(&[5.0, -2.0, 1.0]);
        let p = Pca::fit(&x, 3).expect("fit");
        for (j, want) in [9.0, 4.0, 1.0].into_iter().enumerate() {
            let got = p.explained_variance[j];
            assert!(
                (got - want).abs() < 0.03 * want,
                "eigenvalue {j}: {got} vs {want}"
            );
            let cos = p.components.row(j).dot(&r.column(j)).abs();
            assert!(cos > 0.995, "axis {j}: |cos| = {cos}");
        }
        assert!((p.explained_variance_ratio[0] - 9.0 / 14.0).abs() < 0.01);
        // Projections are uncorrelated with the eigenvalues as variances.
        let t = p.transform(&x);
        let cov01 = (t.column(0).to_owned() * t.column(1)).mean().expect("rows");
        assert!(cov01.abs() < 1e-9 * n as f64);
    }
}
