//! The Mueller-Brown surface in units of kT, its minima and basins, and the walls that keep a
//! walker on the mapped window.

use ai4s_core::free_energy::Grid2;

/// Mueller-Brown parameters (Mueller & Brown, Theor. Chim. Acta 53, 75 (1979)).
const A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const AA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const B: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const C: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];
/// Approximate minima: A (deepest, upper left), B (lower right), C (the shallow middle one).
pub(super) const MINIMA: [[f64; 2]; 3] = [[-0.558, 1.442], [0.623, 0.028], [-0.050, 0.467]];
/// Stiffness of the walls outside the window, kT per length^2.
const WALL: f64 = 2000.0;

/// The Mueller-Brown potential divided by `temperature` (its energy units per kT), with
/// harmonic walls outside the window `grid`.
#[derive(Clone, Copy, Debug)]
pub struct MuellerBrown {
    /// Mueller-Brown energy units per kT.
    pub temperature: f64,
    /// The window the walls confine the walker to.
    pub window: Grid2,
    /// The three minima, refined by gradient descent.
    pub minima: [[f64; 2]; 3],
    /// Energy of a point that counts as inside a basin, kT above its minimum.
    pub basin_depth: f64,
}

impl MuellerBrown {
    /// The surface at `temperature` on `window`; basins are the points within `basin_depth` kT
    /// of a minimum's energy whose nearest minimum it is.
    pub fn new(temperature: f64, window: Grid2, basin_depth: f64) -> MuellerBrown {
        let mut s = MuellerBrown {
            temperature,
            window,
            minima: MINIMA,
            basin_depth,
        };
        s.minima = MINIMA.map(|m| s.descend(m));
        s
    }

    /// Mueller-Brown energy (its own units) and gradient.
    pub fn raw(p: [f64; 2]) -> (f64, [f64; 2]) {
        let (mut e, mut g) = (0.0, [0.0; 2]);
        for k in 0..4 {
            let (dx, dy) = (p[0] - X0[k], p[1] - Y0[k]);
            let t = A[k] * (AA[k] * dx * dx + B[k] * dx * dy + C[k] * dy * dy).exp();
            e += t;
            g[0] += t * (2.0 * AA[k] * dx + B[k] * dy);
            g[1] += t * (B[k] * dx + 2.0 * C[k] * dy);
        }
        (e, g)
    }

    /// Energy in kT, walls included.
    pub fn energy(&self, p: [f64; 2]) -> f64 {
        let (e, _) = Self::raw(p);
        let (o, _) = self.wall(p);
        e / self.temperature + o
    }

    /// Force `-grad U` in kT per length, walls included.
    pub fn force(&self, p: &[f64; 2]) -> [f64; 2] {
        let (_, g) = Self::raw(*p);
        let (_, w) = self.wall(*p);
        [
            -g[0] / self.temperature - w[0],
            -g[1] / self.temperature - w[1],
        ]
    }

    /// Wall energy and gradient: `WALL/2 d^2` for the distance `d` outside the window per axis.
    fn wall(&self, p: [f64; 2]) -> (f64, [f64; 2]) {
        let mut e = 0.0;
        let mut g = [0.0; 2];
        for (k, r) in [self.window.x, self.window.y].iter().enumerate() {
            let d = if p[k] < r[0] {
                p[k] - r[0]
            } else if p[k] > r[1] {
                p[k] - r[1]
            } else {
                0.0
            };
            e += 0.5 * WALL * d * d;
            g[k] = WALL * d;
        }
        (e, g)
    }

    /// Gradient descent from `p` to the nearby minimum.
    fn descend(&self, mut p: [f64; 2]) -> [f64; 2] {
        for _ in 0..20_000 {
            let (_, g) = Self::raw(p);
            p = [p[0] - 1e-4 * g[0], p[1] - 1e-4 * g[1]];
        }
        p
    }

    /// The basin holding `p` (0 = A, 1 = B, 2 = C), if any.
    pub fn basin(&self, p: [f64; 2]) -> Option<usize> {
        let d2 = |m: &[f64; 2]| (p[0] - m[0]).powi(2) + (p[1] - m[1]).powi(2);
        let k = (0..3).min_by(|&a, &b| d2(&self.minima[a]).total_cmp(&d2(&self.minima[b])))?;
        (self.energy(p) - self.energy(self.minima[k]) < self.basin_depth).then_some(k)
    }
}

/// Running record of which basins a trajectory has entered, against simulated time.
#[derive(Clone, Debug, Default)]
pub struct BasinLog {
    seen: [bool; 3],
    /// `(time, basins seen so far)` at every new basin and at every [`BasinLog::mark`].
    pub curve: Vec<(f64, f64)>,
}

impl BasinLog {
    /// Records a visit of `p` at `time`.
    pub fn visit(&mut self, surface: &MuellerBrown, p: [f64; 2], time: f64) {
        if let Some(k) = surface.basin(p)
            && !self.seen[k]
        {
            self.seen[k] = true;
            self.mark(time);
        }
    }

    /// Adds a point to the curve at `time`.
    pub fn mark(&mut self, time: f64) {
        self.curve.push((time, self.count() as f64));
    }

    /// Basins seen so far.
    pub fn count(&self) -> usize {
        self.seen.iter().filter(|s| **s).count()
    }

    /// First time the log reached `n` basins, if it did.
    pub fn time_to(&self, n: usize) -> Option<f64> {
        self.curve.iter().find(|c| c.1 >= n as f64).map(|c| c.0)
    }
}

/// The exact free energy on the error grid and the region the errors are taken over.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The grid.
    pub grid: Grid2,
    /// `F - min F` at the cell centres, kT.
    pub exact: Vec<f64>,
    /// Cells with `F - min F` below the cutoff.
    pub mask: Vec<bool>,
}

impl Reference {
    /// The exact free energy of `surface` on `grid` (the Boltzmann integral,
    /// [`ai4s_core::free_energy::exact_free_energy`]) and the region below `cutoff` kT.
    pub fn new(surface: &MuellerBrown, grid: Grid2, cutoff: f64) -> Reference {
        let map = ai4s_core::free_energy::exact_free_energy(grid, 1.0, |p| surface.energy(p));
        let exact = map.relative();
        let mask = exact.iter().map(|f| *f < cutoff).collect();
        Reference { grid, exact, mask }
    }

    /// RMSE of `values` (one per cell) against the exact free energy below the cutoff, after
    /// removing the mean difference.
    pub fn rmse(&self, values: &[f64]) -> f64 {
        ai4s_core::free_energy::aligned_rmse(values, &self.exact, &self.mask)
    }

    /// Cells in the region.
    pub fn region_cells(&self) -> usize {
        self.mask.iter().filter(|m| **m).count()
    }
}
