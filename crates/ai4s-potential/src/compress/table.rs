//! Tabulated embedding nets: `G(x)` (`x` the normalised `s~`) as piecewise fifth-order
//! polynomials, as DeePMD-kit's `dp compress` builds them (Lu et al., "DP Compress",
//! J. Chem. Theory Comput. 18, 5559 (2022)).
//!
//! The grid is uniform with step `stride` on `[lower, upper)` and `10 stride` on
//! `[upper, max)`, `max = extrapolate * upper`. On each interval `[x0, x0 + h]` the quintic
//! `p(t) = sum_k a_k t^k`, `t = x - x0`, matches the network's value, first and second
//! derivative at both ends (Hermite quintic): `a0 = y0`, `a1 = y0'`, `a2 = y0''/2` and, with
//! `D0 = y1 - (a0 + a1 h + a2 h^2)`, `D1 = y1' - (a1 + 2 a2 h)`, `D2 = y1'' - 2 a2`,
//! `a3 = (10 D0 - 4 D1 h + D2 h^2/2)/h^3`, `a4 = (-15 D0 + 7 D1 h - D2 h^2)/h^4`,
//! `a5 = (6 D0 - 3 D1 h + D2 h^2/2)/h^5`. The tabulated `G` is then C2 across knots and its
//! derivative `p'(t)` is what the force path uses. The error is `O(h^6 G^(6))`.
//!
//! The range follows DeePMD-kit: `lower = floor(min_t(-davg_t/dstd_t))` is `s~` at `s = 0`
//! (a neighbour at `rcut`, and every empty slot), `upper = ceil(max_t((s(d_min) -
//! davg_t)/dstd_t))` with `d_min` the closest pair distance of the data (DeePMD-kit's
//! `min_nbor_dist`). Inputs outside `[lower, max)` are evaluated by the exact network
//! (DeePMD-kit clamps them to the table's ends instead), so a table never changes a result by
//! more than its interpolation error.

use super::net::Net;
use crate::env::{EnvSpec, EnvStats};
use ai4s_core::error::ensure;
use ai4s_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most intervals one table may have (a guard against a stride that would exhaust memory).
pub const MAX_INTERVALS: usize = 1_000_000;

/// The table grid: `n0` intervals of `stride0` from `lower` to `upper`, then `n1` of
/// `stride1` from `upper` to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// First knot.
    pub lower: f64,
    /// End of the fine region.
    pub upper: f64,
    /// End of the coarse (extrapolation) region.
    pub max: f64,
    /// Fine step.
    pub stride0: f64,
    /// Coarse step (`10 stride0`).
    pub stride1: f64,
    /// Fine intervals.
    pub n0: usize,
    /// Coarse intervals.
    pub n1: usize,
}

/// `s~` bounds of the table for a model with geometry `spec` and statistics `stats` on data
/// whose closest pair is `min_nbor_dist` apart (DeePMD-kit's rule, see the module docs).
pub fn bounds(spec: &EnvSpec, stats: &EnvStats, min_nbor_dist: f64) -> Result<(f64, f64)> {
    ensure(
        min_nbor_dist.is_finite() && min_nbor_dist > 0.0,
        "min_nbor_dist",
        || format!("must be a positive distance in A, got {min_nbor_dist}"),
    )?;
    let s_max = spec.switched(min_nbor_dist).0;
    let mut lower = f64::INFINITY;
    let mut upper = f64::NEG_INFINITY;
    for (avg, std) in stats.davg.iter().zip(&stats.dstd) {
        lower = lower.min(-avg[0] / std[0]);
        upper = upper.max((s_max - avg[0]) / std[0]);
    }
    if !(lower.is_finite() && upper.is_finite()) {
        return Err(Error::Runtime(format!(
            "the model's statistics give no finite table range (davg {:?}, dstd {:?})",
            stats.davg, stats.dstd
        )));
    }
    let (lower, upper) = (lower.floor(), upper.ceil());
    Ok((lower, upper.max(lower + 1.0)))
}

impl Grid {
    /// The grid over `[lower, upper]` with step `stride`, extended by a region of step
    /// `10 stride` up to `extrapolate * upper`.
    pub fn new(lower: f64, upper: f64, stride: f64, extrapolate: f64) -> Result<Grid> {
        ensure(stride.is_finite() && stride > 0.0, "stride", || {
            format!("must be a positive number, got {stride}")
        })?;
        ensure(
            extrapolate.is_finite() && extrapolate >= 1.0,
            "extrapolate",
            || format!("must be at least 1 (1: no extrapolation region), got {extrapolate}"),
        )?;
        ensure(
            lower.is_finite() && upper.is_finite() && upper > lower,
            "table range",
            || format!("needs lower < upper, got [{lower}, {upper}]"),
        )?;
        let count = |span: f64, step: f64| ((span / step) - 1e-6).ceil().max(0.0);
        let n0 = count(upper - lower, stride);
        let upper = lower + n0 * stride;
        let stride1 = 10.0 * stride;
        let max_x = if upper > 0.0 {
            extrapolate * upper
        } else {
            upper + (extrapolate - 1.0) * (upper - lower)
        };
        let n1 = count(max_x - upper, stride1);
        ensure(n0 + n1 <= MAX_INTERVALS as f64, "stride", || {
            format!(
                "{stride} gives {} table intervals over [{lower}, {max_x}] (at most {MAX_INTERVALS}); use a larger stride",
                n0 + n1
            )
        })?;
        Ok(Grid {
            lower,
            upper,
            max: upper + n1 * stride1,
            stride0: stride,
            stride1,
            n0: n0 as usize,
            n1: n1 as usize,
        })
    }

    /// Number of intervals.
    pub fn intervals(&self) -> usize {
        self.n0 + self.n1
    }

    /// Start and width of interval `k`.
    fn interval(&self, k: usize) -> (f64, f64) {
        if k < self.n0 {
            (self.lower + k as f64 * self.stride0, self.stride0)
        } else {
            (
                self.upper + (k - self.n0) as f64 * self.stride1,
                self.stride1,
            )
        }
    }

    /// The interval holding `x` and the offset of `x` in it; `None` outside `[lower, max)`.
    #[inline(always)]
    pub(crate) fn locate(&self, x: f64) -> Option<(usize, f64)> {
        if x.is_nan() || x < self.lower || x >= self.max {
            return None;
        }
        if x < self.upper {
            let k = (((x - self.lower) / self.stride0) as usize).min(self.n0 - 1);
            Some((k, x - (self.lower + k as f64 * self.stride0)))
        } else {
            let k = (((x - self.upper) / self.stride1) as usize).min(self.n1 - 1);
            Some((self.n0 + k, x - (self.upper + k as f64 * self.stride1)))
        }
    }

    /// Checks a grid read from a file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        let ok = [self.lower, self.upper, self.max, self.stride0]
            .iter()
            .all(|v| v.is_finite())
            && self.stride0 > 0.0
            && self.n0 >= 1
            && self.n0 + self.n1 <= MAX_INTERVALS
            && near(self.stride1, 10.0 * self.stride0)
            && near(self.upper, self.lower + self.n0 as f64 * self.stride0)
            && near(self.max, self.upper + self.n1 as f64 * self.stride1);
        if ok {
            Ok(())
        } else {
            Err(format!("inconsistent table grid {self:?}"))
        }
    }
}

/// One embedding net as a table: coefficients `coef[(k * 6 + p) * m1 + m]` of `t^p` for
/// output `m` on interval `k` (the `m1` outputs of one power are contiguous, so one lookup is
/// six vector operations).
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub(crate) grid: Grid,
    pub(crate) m1: usize,
    pub(crate) coef: Vec<f64>,
}

impl Table {
    /// Tabulates `net` (scalar input) on `grid`.
    pub(crate) fn build(net: &Net, grid: Grid) -> Table {
        let m1 = net.d_out();
        let n = grid.intervals();
        let mut coef = vec![0.0; n * 6 * m1];
        let mut left = net.jet2(grid.lower);
        for k in 0..n {
            let (x0, h) = grid.interval(k);
            let right = net.jet2(x0 + h);
            let c = &mut coef[k * 6 * m1..(k + 1) * 6 * m1];
            for m in 0..m1 {
                let (y0, d0, s0) = (left[0][m], left[1][m], left[2][m]);
                let (y1, d1, s1) = (right[0][m], right[1][m], right[2][m]);
                let a2 = 0.5 * s0;
                let e0 = y1 - (y0 + d0 * h + a2 * h * h);
                let e1 = d1 - (d0 + 2.0 * a2 * h);
                let e2 = s1 - 2.0 * a2;
                let a = [
                    y0,
                    d0,
                    a2,
                    (10.0 * e0 - 4.0 * e1 * h + 0.5 * e2 * h * h) / (h * h * h),
                    (-15.0 * e0 + 7.0 * e1 * h - e2 * h * h) / (h * h * h * h),
                    (6.0 * e0 - 3.0 * e1 * h + 0.5 * e2 * h * h) / (h * h * h * h * h),
                ];
                for (p, v) in a.iter().enumerate() {
                    c[p * m1 + m] = *v;
                }
            }
            left = right;
        }
        Table { grid, m1, coef }
    }

    /// `G` and `dG/dx` at offset `t` in interval `k`, into `g` and `gp` (length `m1`).
    #[inline(always)]
    pub(crate) fn eval(&self, k: usize, t: f64, g: &mut [f64], gp: &mut [f64]) {
        let m1 = self.m1;
        let c = &self.coef[k * 6 * m1..(k + 1) * 6 * m1];
        let (c0, rest) = c.split_at(m1);
        let (c1, rest) = rest.split_at(m1);
        let (c2, rest) = rest.split_at(m1);
        let (c3, rest) = rest.split_at(m1);
        let (c4, c5) = rest.split_at(m1);
        for m in 0..m1 {
            g[m] = c0[m] + t * (c1[m] + t * (c2[m] + t * (c3[m] + t * (c4[m] + t * c5[m]))));
            gp[m] =
                c1[m] + t * (2.0 * c2[m] + t * (3.0 * c3[m] + t * (4.0 * c4[m] + t * 5.0 * c5[m])));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::net::tests::sample_net;
    use super::*;

    #[test]
    fn table_matches_the_net_and_its_derivatives() {
        let net = sample_net();
        let grid = Grid::new(-2.0, 3.0, 0.01, 5.0).expect("grid");
        assert_eq!((grid.n0, grid.n1), (500, 120));
        assert!((grid.max - 15.0).abs() < 1e-12);
        let table = Table::build(&net, grid);
        let (mut g, mut gp) = (vec![0.0; 6], vec![0.0; 6]);
        let mut worst = [0.0f64; 2];
        for i in 0..3000 {
            let x = -2.0 + 16.99 * (i as f64 + 0.37) / 3000.0;
            let Some((k, t)) = grid.locate(x) else {
                assert!(x >= grid.max, "{x} outside the table");
                continue;
            };
            table.eval(k, t, &mut g, &mut gp);
            let (y, yp) = net.tangent(&[x]);
            for m in 0..6 {
                worst[0] = worst[0].max((g[m] - y[m]).abs());
                worst[1] = worst[1].max((gp[m] - yp[m]).abs());
            }
        }
        assert!(worst[0] < 1e-9 && worst[1] < 1e-7, "{worst:?}");
        let (k, t) = grid.locate(0.5).expect("inside");
        assert!(
            (k == 250 && t.abs() < 1e-12) || (k == 249 && (t - 0.01).abs() < 1e-12),
            "{k} {t}"
        );
        assert!(grid.locate(-2.0001).is_none() && grid.locate(15.001).is_none());
        assert!(grid.locate(f64::NAN).is_none());
    }

    #[test]
    fn bad_strides_are_refused() {
        for (stride, ext, field) in [
            (0.0, 5.0, "stride"),
            (-0.01, 5.0, "stride"),
            (f64::NAN, 5.0, "stride"),
            (1e-9, 5.0, "stride"),
            (0.01, 0.5, "extrapolate"),
        ] {
            let e = Grid::new(-2.0, 3.0, stride, ext)
                .expect_err("refused")
                .to_string();
            assert!(e.contains(field), "{e}");
        }
        Grid::new(-2.0, 3.0, 0.01, 5.0)
            .expect("grid")
            .check()
            .expect("consistent");
    }
}
