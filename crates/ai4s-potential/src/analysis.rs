//! Structure of MD trajectories: radial distribution function, bond-angle distribution, and
//! how far two distributions are apart.
//!
//! - RDF: `g(r) = <n_i(r, r + dr)> / (rho 4/3 pi ((r + dr)^3 - r^3))`, the mean number of
//!   neighbours of an atom in a shell divided by what an ideal gas of the same density `rho`
//!   would put there, averaged over frames. Periodic images are counted, so `r_max` may exceed
//!   half the box.
//! - Bond-angle distribution: the angles `j-i-k` between every two bonds of an atom, bonds being
//!   neighbours closer than `r_bond`, as a normalised density over 0..180 degrees.
//! - [`overlap`]: `sum_k min(p_k, q_k)` of two distributions normalised to unit sum, 1 when
//!   they are identical and 0 when they share no bin; [`rms_difference`] for raw curves.

use crate::cell::{Cell, V3, diamond, dot, neighbours};
use ai4s_core::error::ensure;
use ai4s_core::{Error, Result};

/// A histogram on a uniform grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Bin centres.
    pub x: Vec<f64>,
    /// Values.
    pub y: Vec<f64>,
}

impl Curve {
    /// `(x, y)` pairs for plotting.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.x.iter().copied().zip(self.y.iter().copied()).collect()
    }
}

/// Radial distribution function of `frames` (positions with their cells) on `bins` bins up
/// to `r_max` (A).
pub fn rdf(frames: &[(&[V3], &Cell)], r_max: f64, bins: usize) -> Result<Curve> {
    ensure(r_max > 0.0 && r_max.is_finite(), "rdf_r_max", || {
        format!("must be positive (A), got {r_max}")
    })?;
    ensure(bins >= 1, "rdf_bins", || "must be at least 1".into())?;
    ensure(!frames.is_empty(), "frames", || {
        "the radial distribution needs at least one frame".into()
    })?;
    let dr = r_max / bins as f64;
    let mut g = vec![0.0; bins];
    for (pos, cell) in frames {
        let nl = neighbours(pos, cell, r_max)?;
        let n = pos.len() as f64;
        let rho = n / cell.volume();
        let mut counts = vec![0.0; bins];
        for list in &nl {
            for nb in list {
                let k = ((nb.d / dr) as usize).min(bins - 1);
                counts[k] += 1.0;
            }
        }
        for (k, c) in counts.iter().enumerate() {
            let (r0, r1) = (k as f64 * dr, (k + 1) as f64 * dr);
            let shell = 4.0 / 3.0 * std::f64::consts::PI * (r1.powi(3) - r0.powi(3));
            g[k] += c / (n * rho * shell);
        }
    }
    let nf = frames.len() as f64;
    Ok(Curve {
        x: (0..bins).map(|k| (k as f64 + 0.5) * dr).collect(),
        y: g.into_iter().map(|v| v / nf).collect(),
    })
}

/// Bond-angle distribution (density per degree) of `frames` with bonds shorter than `r_bond`.
pub fn bond_angles(frames: &[(&[V3], &Cell)], r_bond: f64, bins: usize) -> Result<Curve> {
    ensure(r_bond > 0.0 && r_bond.is_finite(), "bond_cutoff", || {
        format!("must be positive (A), got {r_bond}")
    })?;
    ensure(bins >= 1, "adf_bins", || "must be at least 1".into())?;
    let width = 180.0 / bins as f64;
    let mut h = vec![0.0; bins];
    let mut total = 0.0;
    for (pos, cell) in frames {
        let nl = neighbours(pos, cell, r_bond)?;
        for list in &nl {
            for (a, na) in list.iter().enumerate() {
                for nb in &list[a + 1..] {
                    let c = (dot(na.r, nb.r) / (na.d * nb.d)).clamp(-1.0, 1.0);
                    let deg = c.acos().to_degrees();
                    h[((deg / width) as usize).min(bins - 1)] += 1.0;
                    total += 1.0;
                }
            }
        }
    }
    if total == 0.0 {
        return Err(Error::Runtime(format!(
            "no bonds shorter than {r_bond} A in {} frames: raise bond_cutoff",
            frames.len()
        )));
    }
    Ok(Curve {
        x: (0..bins).map(|k| (k as f64 + 0.5) * width).collect(),
        y: h.into_iter().map(|v| v / (total * width)).collect(),
    })
}

/// `sum_k min(p_k, q_k)` after normalising both to unit sum (1: identical, 0: disjoint).
pub fn overlap(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
    if sp <= 0.0 || sq <= 0.0 || p.len() != q.len() {
        return 0.0;
    }
    p.iter().zip(q).map(|(a, b)| (a / sp).min(b / sq)).sum()
}

/// Root-mean-square difference of two curves on the same grid.
pub fn rms_difference(p: &[f64], q: &[f64]) -> f64 {
    let n = p.len().min(q.len()).max(1) as f64;
    (p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / n).sqrt()
}

/// Diamond-structure silicon with `natoms` atoms (a multiple of 8): the conventional cell
/// repeated `n1 x n2 x n3` times, as close to a cube as the count allows.
pub fn diamond_supercell(a: f64, natoms: usize) -> Result<(Vec<V3>, Cell)> {
    ensure(natoms >= 8 && natoms.is_multiple_of(8), "sizes", || {
        format!(
            "diamond supercells have a multiple of 8 atoms (8 per conventional cell), got {natoms}"
        )
    })?;
    let m = natoms / 8;
    let mut best = (1, 1, m);
    for n1 in (1..=m).filter(|n1| m.is_multiple_of(*n1)) {
        for n2 in (n1..=m / n1).filter(|n2| (m / n1).is_multiple_of(*n2)) {
            let n3 = m / (n1 * n2);
            if n3 >= n2 && n3 - n1 < best.2 - best.0 {
                best = (n1, n2, n3);
            }
        }
    }
    let (n1, n2, n3) = best;
    let (unit, cell) = diamond(a, 1);
    let mut pos = Vec::with_capacity(natoms);
    for x in 0..n1 {
        for y in 0..n2 {
            for z in 0..n3 {
                for r in &unit {
                    pos.push([
                        r[0] + x as f64 * a,
                        r[1] + y as f64 * a,
                        r[2] + z as f64 * a,
                    ]);
                }
            }
        }
    }
    let h = cell.h;
    Ok((
        pos,
        Cell {
            h: [
                h[0].map(|v| v * n1 as f64),
                h[1].map(|v| v * n2 as f64),
                h[2].map(|v| v * n3 as f64),
            ],
        },
    ))
}

/// Least-squares polynomial of `degree` through `points`, coefficients from the constant up.
pub fn polyfit(points: &[(f64, f64)], degree: usize) -> Option<Vec<f64>> {
    let m = degree + 1;
    if points.len() < m {
        return None;
    }
    let mut ata = vec![vec![0.0; m]; m];
    let mut atb = vec![0.0; m];
    for &(x, y) in points {
        let pw: Vec<f64> = (0..m).map(|k| x.powi(k as i32)).collect();
        for a in 0..m {
            atb[a] += pw[a] * y;
            for b in 0..m {
                ata[a][b] += pw[a] * pw[b];
            }
        }
    }
    ai4s_core::linalg::solve_dense(ata, atb)
}

/// The minimum of a sampled curve `(x, y)`: a parabola through the lowest sample and its two
/// neighbours, giving `(x_min, y_min, y'')`; `None` when the lowest sample is at an end.
pub fn curve_minimum(points: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let k = (0..points.len()).min_by(|&a, &b| points[a].1.total_cmp(&points[b].1))?;
    if k == 0 || k + 1 >= points.len() {
        return None;
    }
    // Fit over up to five points around the minimum for robustness to noise.
    let lo = k.saturating_sub(2);
    let hi = (k + 3).min(points.len());
    let x0 = points[k].0;
    let local: Vec<(f64, f64)> = points[lo..hi].iter().map(|&(x, y)| (x - x0, y)).collect();
    let c = polyfit(&local, 2)?;
    if c[2] <= 0.0 {
        return None;
    }
    let dx = -c[1] / (2.0 * c[2]);
    Some((x0 + dx, c[0] + c[1] * dx + c[2] * dx * dx, 2.0 * c[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crystal_rdf_and_angles_have_the_diamond_peaks() {
        let (pos, cell) = diamond(5.43, 2);
        let f = [(pos.as_slice(), &cell)];
        let g = rdf(&f, 5.0, 100).expect("rdf");
        // The first shell (4 neighbours at 2.351 A) integrates to 4.
        let rho = pos.len() as f64 / cell.volume();
        let first: f64 =
            g.x.iter()
                .zip(&g.y)
                .filter(|(x, _)| **x < 3.0)
                .map(|(x, y)| y * rho * 4.0 * std::f64::consts::PI * x * x * 0.05)
                .sum();
        assert!((first - 4.0).abs() < 0.05, "coordination {first}");
        let adf = bond_angles(&f, 2.7, 180).expect("angles");
        let peak = adf
            .y
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(k, _)| adf.x[k])
            .expect("bins");
        assert!((peak - 109.47).abs() < 1.0, "tetrahedral angle {peak}");
        assert!((overlap(&adf.y, &adf.y) - 1.0).abs() < 1e-12);
        assert_eq!(overlap(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert!(bond_angles(&f, 1.0, 10).is_err());
    }

    #[test]
    fn supercells_and_minima() {
        let (pos, cell) = diamond_supercell(5.43, 128).expect("128 atoms");
        assert_eq!(pos.len(), 128);
        assert!((cell.volume() - 16.0 * 5.43f64.powi(3)).abs() < 1e-6);
        assert!(diamond_supercell(5.43, 100).is_err());
        let pts: Vec<(f64, f64)> = (0..9)
            .map(|k| {
                let x = 5.0 + 0.1 * k as f64;
                (x, 2.0 * (x - 5.37).powi(2) - 4.0)
            })
            .collect();
        let (x, y, curv) = curve_minimum(&pts).expect("minimum inside");
        assert!((x - 5.37).abs() < 1e-9 && (y + 4.0).abs() < 1e-9 && (curv - 4.0).abs() < 1e-9);
        assert!(curve_minimum(&pts[..3]).is_none());
    }
}
