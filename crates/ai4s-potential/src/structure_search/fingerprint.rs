//! Structure fingerprints and the local geometry used to name a structure.
//!
//! The fingerprint of Oganov & Valle (J. Chem. Phys. 130, 104504 (2009)) is the radial
//! distribution over all atom pairs up to `r_max`, Gaussian-smeared and normalised by the
//! ideal-gas shell,
//! `F(R) = sum_i sum_{j != i, images} g_sigma(R - R_ij) / (4 pi R^2 N (N / V) dR) - 1`,
//! sampled on a grid. It does not depend on the order of the atoms, on translations or
//! rotations, or on the choice of cell for the same crystal. Two structures are compared by
//! the cosine distance `D = (1 - F1 . F2 / (|F1| |F2|)) / 2`: 0 for the same structure, up to
//! one. Duplicates of a search are structures closer than a threshold; a structure is called
//! diamond when it is that close to the relaxed diamond crystal and matches its energy.

use crate::cell::{Cell, V3, dot, neighbours};
use crate::structure_search::Structure;
use ai4s_core::Result;

/// The fingerprint's grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FingerprintGrid {
    /// Largest distance (A).
    pub r_max: f64,
    /// Grid points.
    pub bins: usize,
    /// Gaussian smearing (A).
    pub sigma: f64,
}

/// The fingerprint `F(R)` of a structure on `grid`.
pub fn fingerprint(s: &Structure, grid: &FingerprintGrid) -> Result<Vec<f64>> {
    let n = s.pos.len() as f64;
    let rho = n / s.cell.volume();
    let nl = neighbours(&s.pos, &s.cell, grid.r_max + 4.0 * grid.sigma)?;
    let dr = grid.r_max / grid.bins as f64;
    let norm = 1.0 / (grid.sigma * (2.0 * std::f64::consts::PI).sqrt());
    let mut f = vec![0.0; grid.bins];
    for list in &nl {
        for nb in list {
            let lo = (((nb.d - 4.0 * grid.sigma) / dr).floor().max(0.0)) as usize;
            let hi = (((nb.d + 4.0 * grid.sigma) / dr).ceil() as usize).min(grid.bins);
            for (k, fk) in f.iter_mut().enumerate().take(hi).skip(lo) {
                let x = (k as f64 + 0.5) * dr - nb.d;
                *fk += norm * (-0.5 * x * x / (grid.sigma * grid.sigma)).exp();
            }
        }
    }
    for (k, fk) in f.iter_mut().enumerate() {
        let r = (k as f64 + 0.5) * dr;
        *fk = *fk / (4.0 * std::f64::consts::PI * r * r * n * rho) - 1.0;
    }
    Ok(f)
}

/// Cosine distance `(1 - cos) / 2` of two fingerprints.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (dot_n(a, a).sqrt(), dot_n(b, b).sqrt());
    if na == 0.0 || nb == 0.0 {
        return 1.0;
    }
    (0.5 * (1.0 - dot_n(a, b) / (na * nb))).max(0.0)
}

fn dot_n(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Coordination and bond angles of a structure.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// Bonds of each atom (neighbours closer than the bond cutoff).
    pub coordination: Vec<usize>,
    /// Every bond angle `j-i-k` (degrees).
    pub angles: Vec<f64>,
    /// Every bond length (A), each bond counted from both ends.
    pub bonds: Vec<f64>,
}

impl Geometry {
    /// Largest deviation of a bond angle from the tetrahedral angle (degrees).
    pub fn max_tetrahedral_deviation(&self) -> f64 {
        let t = (-1.0f64 / 3.0).acos().to_degrees();
        self.angles.iter().fold(0.0f64, |m, a| m.max((a - t).abs()))
    }
}

/// Bonds (neighbours closer than `r_bond`) and the angles between them.
pub fn geometry(pos: &[V3], cell: &Cell, r_bond: f64) -> Result<Geometry> {
    let nl = neighbours(pos, cell, r_bond)?;
    let mut angles = Vec::new();
    let mut bonds = Vec::new();
    for list in &nl {
        for (x, a) in list.iter().enumerate() {
            bonds.push(a.d);
            for b in &list[x + 1..] {
                let c = (dot(a.r, b.r) / (a.d * b.d)).clamp(-1.0, 1.0);
                angles.push(c.acos().to_degrees());
            }
        }
    }
    Ok(Geometry {
        coordination: nl.iter().map(Vec::len).collect(),
        angles,
        bonds,
    })
}
