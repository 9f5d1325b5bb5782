//! Free energies on a grid: the exact Boltzmann integral of a known potential, histogram
//! estimates from samples, and the comparison of two surfaces up to their arbitrary constant.
//!
//! For collective variables `s` of a system with potential `U`, the free energy is
//! `F(s) = -kT ln p(s)`, `p(s) = Z^-1 int exp(-U(x)/kT) delta(s(x) - s) dx`,
//! `Z = int exp(-U/kT) dx`. When `s` is the whole configuration (a particle on a 2-D surface)
//! `F = U + kT ln Z`; integrating a coordinate out gives the marginal
//! `F(x) = -kT ln int exp(-U(x, y)/kT) dy - kT ln Z^-1`. The integrals are midpoint sums on
//! the grid's cell centres, accumulated as log-sum-exp so that surfaces many kT deep do not
//! underflow. A sample's histogram gives `F = -kT ln (n_cell / (N A_cell))` (infinite in empty
//! cells). Free energies are defined up to a constant: [`aligned_rmse`] removes the mean
//! difference over the compared cells before taking the root mean square.

use crate::error::{Result, ensure};

/// A regular grid of `nx x ny` cells on `[x0, x1] x [y0, y1]`, values at the cell centres,
/// stored row-major by `y` (index `j * nx + i`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid2 {
    /// `[x0, x1]`.
    pub x: [f64; 2],
    /// `[y0, y1]`.
    pub y: [f64; 2],
    /// Cells along `x`.
    pub nx: usize,
    /// Cells along `y`.
    pub ny: usize,
}

impl Grid2 {
    /// A grid; errors name `field`.
    pub fn new(x: [f64; 2], y: [f64; 2], nx: usize, ny: usize, field: &str) -> Result<Grid2> {
        ensure(
            x.iter().chain(&y).all(|v| v.is_finite()) && x[0] < x[1] && y[0] < y[1],
            field,
            || format!("needs ranges [low, high] with low < high, got x {x:?}, y {y:?}"),
        )?;
        ensure(nx >= 2 && ny >= 2 && nx * ny <= 4_000_000, field, || {
            format!("needs 2..=2000 cells per axis, got {nx} x {ny}")
        })?;
        Ok(Grid2 { x, y, nx, ny })
    }

    /// Cell widths `(dx, dy)`.
    pub fn spacing(&self) -> (f64, f64) {
        (
            (self.x[1] - self.x[0]) / self.nx as f64,
            (self.y[1] - self.y[0]) / self.ny as f64,
        )
    }

    /// Area of one cell.
    pub fn cell_area(&self) -> f64 {
        let (dx, dy) = self.spacing();
        dx * dy
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    /// Never empty (at least 2 x 2 cells).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Centre of cell `(i, j)` (`i` along `x`).
    pub fn point(&self, i: usize, j: usize) -> [f64; 2] {
        let (dx, dy) = self.spacing();
        [
            self.x[0] + (i as f64 + 0.5) * dx,
            self.y[0] + (j as f64 + 0.5) * dy,
        ]
    }

    /// Centres of all cells in storage order.
    pub fn points(&self) -> Vec<[f64; 2]> {
        (0..self.ny)
            .flat_map(|j| (0..self.nx).map(move |i| self.point(i, j)))
            .collect()
    }

    /// Storage index of the cell holding `p`, `None` outside the grid.
    pub fn index(&self, p: [f64; 2]) -> Option<usize> {
        let (dx, dy) = self.spacing();
        let fi = (p[0] - self.x[0]) / dx;
        let fj = (p[1] - self.y[0]) / dy;
        if !(fi >= 0.0 && fj >= 0.0) {
            return None;
        }
        let (i, j) = (fi as usize, fj as usize);
        (i < self.nx && j < self.ny).then_some(j * self.nx + i)
    }

    /// Rows of `values` (storage order) for a heat map: top row at the largest `y`.
    pub fn rows_top_down(&self, values: &[f64]) -> Vec<Vec<f64>> {
        (0..self.ny)
            .rev()
            .map(|j| values[j * self.nx..(j + 1) * self.nx].to_vec())
            .collect()
    }
}

/// `ln sum_k exp(a_k)` without overflow; `-inf` for no finite terms.
pub fn log_sum_exp(a: impl IntoIterator<Item = f64> + Clone) -> f64 {
    let m = a.clone().into_iter().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + a.into_iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// The exact free energy of a configuration-space potential on a grid.
#[derive(Clone, Debug)]
pub struct FreeEnergyMap {
    /// The grid.
    pub grid: Grid2,
    /// `F = U + kT ln Z` at every cell centre (storage order), so that
    /// `sum exp(-F/kT) A_cell = 1`.
    pub values: Vec<f64>,
    /// `ln Z`, `Z = int exp(-U/kT)` over the grid.
    pub ln_z: f64,
}

impl FreeEnergyMap {
    /// Free energy above the lowest cell, `F - min F`.
    pub fn relative(&self) -> Vec<f64> {
        let m = self.values.iter().copied().fold(f64::INFINITY, f64::min);
        self.values.iter().map(|v| v - m).collect()
    }
}

/// `F(s) = -kT ln p(s)` of `exp(-U/kT)` restricted to `grid`, by the midpoint rule.
pub fn exact_free_energy(grid: Grid2, kt: f64, u: impl Fn([f64; 2]) -> f64) -> FreeEnergyMap {
    let energies: Vec<f64> = grid.points().into_iter().map(u).collect();
    let ln_z = log_sum_exp(energies.iter().map(|e| -e / kt)) + grid.cell_area().ln();
    FreeEnergyMap {
        grid,
        values: energies.iter().map(|e| e + kt * ln_z).collect(),
        ln_z,
    }
}

/// Marginal free energy along one axis, `F(a) = -kT ln int exp(-U/kT) db` (the other axis
/// integrated out), normalised like [`exact_free_energy`]: `sum exp(-F/kT) da = 1`. `axis` 0
/// keeps `x` (one value per column), 1 keeps `y`.
pub fn marginal_free_energy(
    grid: Grid2,
    kt: f64,
    axis: usize,
    u: impl Fn([f64; 2]) -> f64,
) -> Vec<f64> {
    let (dx, dy) = grid.spacing();
    let (n, m, db) = if axis == 0 {
        (grid.nx, grid.ny, dy)
    } else {
        (grid.ny, grid.nx, dx)
    };
    let ln_p: Vec<f64> = (0..n)
        .map(|a| {
            let terms: Vec<f64> = (0..m)
                .map(|b| {
                    let p = if axis == 0 {
                        grid.point(a, b)
                    } else {
                        grid.point(b, a)
                    };
                    -u(p) / kt
                })
                .collect();
            log_sum_exp(terms) + db.ln()
        })
        .collect();
    let da = if axis == 0 { dx } else { dy };
    let ln_z = log_sum_exp(ln_p.iter().copied()) + da.ln();
    ln_p.iter().map(|l| -kt * (l - ln_z)).collect()
}

/// A 2-D histogram of samples on a grid (samples outside the grid are counted but fall in
/// no cell).
#[derive(Clone, Debug)]
pub struct Histogram2 {
    /// The grid.
    pub grid: Grid2,
    /// Summed weights per cell (storage order).
    pub counts: Vec<f64>,
    /// Summed weights of every sample, inside the grid or not.
    pub total: f64,
}

impl Histogram2 {
    /// An empty histogram.
    pub fn new(grid: Grid2) -> Histogram2 {
        Histogram2 {
            grid,
            counts: vec![0.0; grid.len()],
            total: 0.0,
        }
    }

    /// Adds a sample with `weight`.
    pub fn add(&mut self, p: [f64; 2], weight: f64) {
        self.total += weight;
        if let Some(k) = self.grid.index(p) {
            self.counts[k] += weight;
        }
    }

    /// `F = -kT ln (n_cell / (N A_cell))`, `+inf` in empty cells.
    pub fn free_energy(&self, kt: f64) -> Vec<f64> {
        let norm = self.total * self.grid.cell_area();
        self.counts
            .iter()
            .map(|&c| {
                if c > 0.0 {
                    -kt * (c / norm).ln()
                } else {
                    f64::INFINITY
                }
            })
            .collect()
    }

    /// Fraction of the cells selected by `mask` that hold at least one sample.
    pub fn coverage(&self, mask: &[bool]) -> f64 {
        let (hit, all) = self
            .counts
            .iter()
            .zip(mask)
            .filter(|(_, m)| **m)
            .fold((0usize, 0usize), |(h, a), (c, _)| {
                (h + usize::from(*c > 0.0), a + 1)
            });
        hit as f64 / all.max(1) as f64
    }
}

/// Root mean square of `a - b - c` over the cells where `mask` holds, with the constant `c`
/// (the mean difference there) removed: free energies are defined up to a constant. `NaN` for
/// an empty mask; `+inf` where a selected cell of `a` or `b` is not finite.
pub fn aligned_rmse(a: &[f64], b: &[f64], mask: &[bool]) -> f64 {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|((a, b), _)| a - b)
        .collect();
    if d.is_empty() {
        return f64::NAN;
    }
    if d.iter().any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let c = d.iter().sum::<f64>() / d.len() as f64;
    (d.iter().map(|v| (v - c) * (v - c)).sum::<f64>() / d.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmonic_well_free_energy_is_exact() {
        // U = k/2 |x|^2: Z = 2 pi kT / k, F = U + kT ln Z; marginal F(x) = k x^2/2 + kT/2 ln(2 pi kT/k).
        let (k, kt) = (3.0, 0.8);
        let g = Grid2::new([-4.0, 4.0], [-4.0, 4.0], 200, 200, "grid").expect("grid");
        let u = |p: [f64; 2]| 0.5 * k * (p[0] * p[0] + p[1] * p[1]);
        let f = exact_free_energy(g, kt, u);
        let ln_z = (2.0 * std::f64::consts::PI * kt / k).ln();
        assert!((f.ln_z - ln_z).abs() < 1e-6, "{} vs {ln_z}", f.ln_z);
        let m = marginal_free_energy(g, kt, 0, u);
        for i in [0, 57, 100, 199] {
            let x = g.point(i, 0)[0];
            let want = 0.5 * k * x * x + 0.5 * kt * ln_z;
            assert!((m[i] - want).abs() < 1e-6, "x {x}: {} vs {want}", m[i]);
        }
    }

    #[test]
    fn histogram_of_exact_weights_recovers_the_free_energy() {
        let g = Grid2::new([-1.0, 1.0], [0.0, 2.0], 8, 4, "grid").expect("grid");
        let u = |p: [f64; 2]| p[0] * p[0] + 0.3 * p[1];
        let f = exact_free_energy(g, 1.0, u);
        let mut h = Histogram2::new(g);
        for (p, fv) in g.points().into_iter().zip(&f.values) {
            h.add(p, (-fv).exp() * g.cell_area());
        }
        h.add([5.0, 5.0], 0.0);
        let hf = h.free_energy(1.0);
        let mask = vec![true; g.len()];
        assert!(aligned_rmse(&hf, &f.values, &mask) < 1e-9);
        assert_eq!(h.coverage(&mask), 1.0);
        let shifted: Vec<f64> = f.values.iter().map(|v| v + 7.0).collect();
        assert!(aligned_rmse(&shifted, &f.values, &mask) < 1e-12);
        assert_eq!(g.index([1.0, 0.5]), None);
        assert_eq!(g.index([-1.0, 0.0]), Some(0));
    }
}
