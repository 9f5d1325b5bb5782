//! Energy-volume curves of relaxed phases and the Birch-Murnaghan equation of state.
//!
//! A curve scales the relaxed cell isotropically to volumes `V` around its own and relaxes
//! the atomic positions at each fixed cell (FIRE, [`relax::relax_positions`]); the cell shape
//! (axis ratios, angles) stays that of the relaxed structure.
//!
//! The third-order Birch-Murnaghan equation of state (Birch, Phys. Rev. 71, 809 (1947)),
//!
//! `E(V) = E0 + 9 V0 B0 / 16 { [(V0/V)^(2/3) - 1]^3 B0' + [(V0/V)^(2/3) - 1]^2 [6 - 4 (V0/V)^(2/3)] }`,
//!
//! is a cubic polynomial in `x = V^(-2/3)`, so the fit is linear least squares of `E` on
//! `1, x, x^2, x^3` (in a centred, scaled variable for conditioning). The equilibrium `x0` is
//! the root of `dE/dx` with positive curvature, `V0 = x0^(-3/2)`, and with `P = -dE/dV`,
//! `B0 = V0 E''(V0)` and `B0' = -(1 + V0 E'''(V0) / E''(V0))`, the derivatives in `V` following
//! from those in `x` by the chain rule.

use crate::labeller::Labeller;
use crate::structure_search::Structure;
use crate::structure_search::relax;
use ai4s_core::linalg::solve_dense;
use ai4s_core::{Error, Result};

/// eV/A^3 in GPa.
pub const GPA_PER_EV_A3: f64 = 160.217_662_08;

/// A fitted equation of state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eos {
    /// Energy per atom at the minimum (eV).
    pub e0: f64,
    /// Volume per atom at the minimum (A^3).
    pub v0: f64,
    /// Bulk modulus at `v0` (eV/A^3).
    pub b0: f64,
    /// Its pressure derivative.
    pub b0_prime: f64,
}

/// Fits the third-order Birch-Murnaghan form to `(volume, energy)` points (at least four,
/// distinct volumes); errors when the fit has no minimum.
pub fn birch_murnaghan(points: &[(f64, f64)]) -> Result<Eos> {
    if points.len() < 4
        || points
            .iter()
            .any(|p| p.0.is_nan() || p.0 <= 0.0 || !p.1.is_finite())
    {
        return Err(Error::Runtime(format!(
            "a Birch-Murnaghan fit needs at least 4 points with positive volumes and finite energies, got {}",
            points.len()
        )));
    }
    let xs: Vec<f64> = points.iter().map(|p| p.0.powf(-2.0 / 3.0)).collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let (xm, xs_half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
    if xs_half.is_nan() || xs_half <= 0.0 {
        return Err(Error::Runtime(
            "a Birch-Murnaghan fit needs distinct volumes".into(),
        ));
    }
    // Normal equations of E = sum_k a_k t^k, t = (x - xm) / xs_half.
    let mut m = vec![vec![0.0; 4]; 4];
    let mut r = vec![0.0; 4];
    for (x, p) in xs.iter().zip(points) {
        let t = (x - xm) / xs_half;
        let pw = [1.0, t, t * t, t * t * t];
        for i in 0..4 {
            r[i] += pw[i] * p.1;
            for j in 0..4 {
                m[i][j] += pw[i] * pw[j];
            }
        }
    }
    let a = solve_dense(m, r)
        .ok_or_else(|| Error::Runtime("the Birch-Murnaghan fit is singular".into()))?;
    // dE/dt = a1 + 2 a2 t + 3 a3 t^2 = 0 with d2E/dt2 = 2 a2 + 6 a3 t > 0.
    let curvature = |t: f64| 2.0 * a[2] + 6.0 * a[3] * t;
    let roots: Vec<f64> = if a[3].abs() < 1e-14 * a[2].abs().max(1e-300) {
        vec![-a[1] / (2.0 * a[2])]
    } else {
        let disc = a[2] * a[2] - 3.0 * a[1] * a[3];
        if disc < 0.0 {
            Vec::new()
        } else {
            let s = disc.sqrt();
            vec![(-a[2] + s) / (3.0 * a[3]), (-a[2] - s) / (3.0 * a[3])]
        }
    };
    let t0 = roots
        .into_iter()
        .filter(|&t| t.is_finite() && curvature(t) > 0.0)
        .min_by(|p, q| p.abs().total_cmp(&q.abs()))
        .ok_or_else(|| Error::Runtime("the fitted energy-volume curve has no minimum".into()))?;
    let x0 = xm + xs_half * t0;
    if x0.is_nan() || x0 <= 0.0 {
        return Err(Error::Runtime(
            "the fitted energy-volume curve has no minimum at a positive volume".into(),
        ));
    }
    let v0 = x0.powf(-1.5);
    let e0 = a[0] + t0 * (a[1] + t0 * (a[2] + t0 * a[3]));
    // Derivatives in x at x0 (dE/dx = 0 there).
    let exx = curvature(t0) / (xs_half * xs_half);
    let exxx = 6.0 * a[3] / xs_half.powi(3);
    let d1 = -2.0 / 3.0 * v0.powf(-5.0 / 3.0);
    let d2 = 10.0 / 9.0 * v0.powf(-8.0 / 3.0);
    let e_vv = exx * d1 * d1;
    let e_vvv = exxx * d1.powi(3) + 3.0 * exx * d1 * d2;
    Ok(Eos {
        e0,
        v0,
        b0: v0 * e_vv,
        b0_prime: -(1.0 + v0 * e_vvv / e_vv),
    })
}

/// The Birch-Murnaghan energy of `eos` at volume `v`.
pub fn birch_murnaghan_energy(eos: &Eos, v: f64) -> f64 {
    let y = (eos.v0 / v).powf(2.0 / 3.0) - 1.0;
    eos.e0
        + 9.0 * eos.v0 * eos.b0 / 16.0
            * (y.powi(3) * eos.b0_prime + y * y * (6.0 - 4.0 * (y + 1.0)))
}

/// The energy-volume curve of `s`: `points` volumes evenly spaced over `range` times its
/// volume, each the isotropically scaled cell with the positions relaxed at fixed cell to
/// `fmax`. `(volume, energy)` per atom.
pub fn scan(
    labeller: &dyn Labeller,
    s: &Structure,
    range: [f64; 2],
    points: usize,
    fmax: f64,
    max_steps: usize,
) -> Result<Vec<(f64, f64)>> {
    let n = s.pos.len() as f64;
    let v = s.cell.volume() / n;
    volume_factors(range, points)
        .into_iter()
        .map(|f| {
            let (_, e) = relax::relax_positions(labeller, &scaled(s, f), fmax, max_steps)?;
            Ok((f * v, e))
        })
        .collect()
}

/// `points` factors evenly spaced over `range` (both ends included).
pub fn volume_factors(range: [f64; 2], points: usize) -> Vec<f64> {
    let steps = points.max(2) - 1;
    (0..=steps)
        .map(|k| range[0] + (range[1] - range[0]) * k as f64 / steps as f64)
        .collect()
}

/// Whether volume `v` lies within `range` times `v_relaxed` (ends included, to rounding).
pub fn in_fit_range(v: f64, v_relaxed: f64, range: [f64; 2]) -> bool {
    v >= range[0] * v_relaxed * (1.0 - 1e-9) && v <= range[1] * v_relaxed * (1.0 + 1e-9)
}

/// `s` with cell and positions scaled isotropically to `factor` times its volume.
pub fn scaled(s: &Structure, factor: f64) -> Structure {
    let k = factor.cbrt();
    Structure {
        cell: crate::cell::Cell {
            h: s.cell.h.map(|r| r.map(|v| v * k)),
        },
        pos: s.pos.iter().map(|r| r.map(|v| v * k)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_a_birch_murnaghan_curve_exactly() {
        let truth = Eos {
            e0: -4.3,
            v0: 20.0,
            b0: 0.6,
            b0_prime: 4.2,
        };
        let pts: Vec<(f64, f64)> = (0..9)
            .map(|k| {
                let v = 17.0 + k as f64 * 0.8;
                (v, birch_murnaghan_energy(&truth, v))
            })
            .collect();
        let fit = birch_murnaghan(&pts).expect("fits");
        assert!((fit.v0 - truth.v0).abs() < 1e-8, "{fit:?}");
        assert!((fit.e0 - truth.e0).abs() < 1e-10, "{fit:?}");
        assert!((fit.b0 - truth.b0).abs() < 1e-8, "{fit:?}");
        assert!((fit.b0_prime - truth.b0_prime).abs() < 1e-6, "{fit:?}");
    }

    #[test]
    fn the_fit_finds_the_minimum_and_curvature_of_a_parabola() {
        // E = (V - 12)^2 / 2: V0 = 12, B0 = V0 E'' = 12. Not of Birch-Murnaghan form, so over
        // +-2.5 % the fitted curvature is right to a few parts in a thousand only.
        let pts: Vec<(f64, f64)> = (0..11)
            .map(|k| {
                let v = 11.7 + 0.06 * k as f64;
                (v, 0.5 * (v - 12.0) * (v - 12.0))
            })
            .collect();
        let fit = birch_murnaghan(&pts).expect("fits");
        assert!((fit.v0 - 12.0).abs() < 1e-4, "{fit:?}");
        assert!((fit.b0 - 12.0).abs() < 3e-2, "{fit:?}");
    }

    #[test]
    fn too_few_points_or_no_minimum_are_errors() {
        assert!(birch_murnaghan(&[(1.0, 0.0), (2.0, 1.0)]).is_err());
        let falling: Vec<(f64, f64)> = (1..8).map(|k| (k as f64, -(k as f64))).collect();
        assert!(birch_murnaghan(&falling).is_err());
    }
}
