//! Periodic simulation cells and O(N) neighbour lists.
//!
//! A cell is given by its three lattice vectors as the rows of `h` (Angstrom), any triclinic
//! shape. Positions are Cartesian row vectors; fractional coordinates are `s = r h^-1`.
//! [`neighbours`] bins atoms by fractional coordinate into a grid of cells at least as wide as
//! the cutoff (plane spacing `V / |a_j x a_k|` per axis), so each atom only looks at nearby bins;
//! when the cutoff exceeds the cell's width the bin search reaches over several periodic images.

use ai4s_core::{Error, Result};

/// A 3-vector.
pub type V3 = [f64; 3];

/// Periodic cell: lattice vectors as rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// Lattice vectors `a`, `b`, `c` as rows (Angstrom).
    pub h: [V3; 3],
}

/// Dot product.
pub fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product.
pub fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean norm.
pub fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

impl Cell {
    /// An orthorhombic cell.
    pub fn orthorhombic(a: f64, b: f64, c: f64) -> Cell {
        Cell {
            h: [[a, 0.0, 0.0], [0.0, b, 0.0], [0.0, 0.0, c]],
        }
    }

    /// The cell of a non-periodic (isolated) system: a cube far larger than the atoms' extent
    /// plus any cutoff, so that no periodic image comes within reach (positions about the origin,
    /// minimum-image distances equal the true ones).
    pub fn isolated(pos: &[V3]) -> Cell {
        let ext = pos.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        let l = 2.0 * ext + 100.0;
        Cell::orthorhombic(l, l, l)
    }

    /// Signed volume `a . (b x c)`.
    pub fn volume(&self) -> f64 {
        dot(self.h[0], cross(self.h[1], self.h[2]))
    }

    /// Checks the cell is finite and right-handed with positive volume.
    pub fn validate(&self) -> Result<()> {
        if self.h.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::Runtime(format!(
                "cell {:?} has non-finite entries",
                self.h
            )));
        }
        let v = self.volume();
        if v <= 1e-9 {
            return Err(Error::Runtime(format!(
                "cell volume is {v:.3e} A^3; lattice vectors must be right-handed and non-degenerate"
            )));
        }
        Ok(())
    }

    /// Spacing between opposite faces along each lattice direction.
    pub fn plane_spacings(&self) -> V3 {
        let v = self.volume();
        [
            v / norm(cross(self.h[1], self.h[2])),
            v / norm(cross(self.h[2], self.h[0])),
            v / norm(cross(self.h[0], self.h[1])),
        ]
    }

    /// Fractional coordinates of a Cartesian position.
    pub fn fractional(&self, r: V3) -> V3 {
        // s = r h^-1: solve with the reciprocal vectors b_i = (a_j x a_k) / V.
        let v = self.volume();
        let b = [
            cross(self.h[1], self.h[2]),
            cross(self.h[2], self.h[0]),
            cross(self.h[0], self.h[1]),
        ];
        [dot(r, b[0]) / v, dot(r, b[1]) / v, dot(r, b[2]) / v]
    }

    /// Cartesian position of fractional coordinates.
    pub fn cartesian(&self, s: V3) -> V3 {
        let mut r = [0.0; 3];
        for (k, hk) in self.h.iter().enumerate() {
            for a in 0..3 {
                r[a] += s[k] * hk[a];
            }
        }
        r
    }

    /// Applies the strain `r -> r (I + eps)` to the cell vectors.
    pub fn strained(&self, eps: [V3; 3]) -> Cell {
        let mut h = self.h;
        for row in h.iter_mut() {
            *row = apply_strain(*row, eps);
        }
        Cell { h }
    }
}

/// `r (I + eps)` for a row vector `r`.
pub fn apply_strain(r: V3, eps: [V3; 3]) -> V3 {
    let mut out = r;
    for b in 0..3 {
        for a in 0..3 {
            out[b] += r[a] * eps[a][b];
        }
    }
    out
}

/// One neighbour of a centre atom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbour {
    /// Index of the neighbour atom (in the unit cell).
    pub j: usize,
    /// `r_ij = r_j + image - r_i`.
    pub r: V3,
    /// `|r_ij|`.
    pub d: f64,
}

/// Full neighbour list (both directions of every pair) within `cutoff`.
pub fn neighbours(pos: &[V3], cell: &Cell, cutoff: f64) -> Result<Vec<Vec<Neighbour>>> {
    cell.validate()?;
    let spacing = cell.plane_spacings();
    let nb: [usize; 3] =
        std::array::from_fn(|k| ((spacing[k] / cutoff).floor() as usize).clamp(1, 64));
    // Bin search radius per axis, in bins (reaches over periodic images for small cells).
    let reach: [i64; 3] =
        std::array::from_fn(|k| (cutoff * nb[k] as f64 / spacing[k]).ceil() as i64);
    let wrapped: Vec<(V3, [usize; 3])> = pos
        .iter()
        .map(|&r| {
            let s = cell.fractional(r);
            let s: V3 = std::array::from_fn(|k| s[k] - s[k].floor());
            let bin = std::array::from_fn(|k| ((s[k] * nb[k] as f64) as usize).min(nb[k] - 1));
            (s, bin)
        })
        .collect();
    let mut bins: Vec<Vec<usize>> = vec![Vec::new(); nb[0] * nb[1] * nb[2]];
    for (i, (_, b)) in wrapped.iter().enumerate() {
        bins[(b[0] * nb[1] + b[1]) * nb[2] + b[2]].push(i);
    }
    let cut2 = cutoff * cutoff;
    let mut out = vec![Vec::new(); pos.len()];
    for (i, (si, bi)) in wrapped.iter().enumerate() {
        for dx in -reach[0]..=reach[0] {
            for dy in -reach[1]..=reach[1] {
                for dz in -reach[2]..=reach[2] {
                    let raw = [bi[0] as i64 + dx, bi[1] as i64 + dy, bi[2] as i64 + dz];
                    // Which bin, and how many cell images we crossed to get there.
                    let img: [i64; 3] = std::array::from_fn(|k| raw[k].div_euclid(nb[k] as i64));
                    let b: [usize; 3] =
                        std::array::from_fn(|k| raw[k].rem_euclid(nb[k] as i64) as usize);
                    for &j in &bins[(b[0] * nb[1] + b[1]) * nb[2] + b[2]] {
                        if j == i && img == [0, 0, 0] {
                            continue;
                        }
                        let sj = wrapped[j].0;
                        let ds: V3 = std::array::from_fn(|k| sj[k] + img[k] as f64 - si[k]);
                        let r = cell.cartesian(ds);
                        let d2 = dot(r, r);
                        if d2 < cut2 {
                            if d2 < 1e-12 {
                                return Err(Error::Runtime(format!(
                                    "atoms {i} and {j} are at the same position (distance {:.2e} A)",
                                    d2.sqrt()
                                )));
                            }
                            out[i].push(Neighbour { j, r, d: d2.sqrt() });
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A cubic crystal: `n x n x n` conventional cells of side `a` with fractional `basis`.
pub fn cubic_crystal(basis: &[V3], a: f64, n: usize) -> (Vec<V3>, Cell) {
    let mut pos = Vec::with_capacity(basis.len() * n * n * n);
    for x in 0..n {
        for y in 0..n {
            for z in 0..n {
                for b in basis {
                    pos.push([
                        (x as f64 + b[0]) * a,
                        (y as f64 + b[1]) * a,
                        (z as f64 + b[2]) * a,
                    ]);
                }
            }
        }
    }
    let l = a * n as f64;
    (pos, Cell::orthorhombic(l, l, l))
}

/// Face-centred cubic basis (4 atoms).
pub const FCC: [V3; 4] = [
    [0.0, 0.0, 0.0],
    [0.0, 0.5, 0.5],
    [0.5, 0.0, 0.5],
    [0.5, 0.5, 0.0],
];

/// Diamond basis (8 atoms): fcc plus the fcc shifted by a quarter of the body diagonal.
pub const DIAMOND: [V3; 8] = [
    [0.0, 0.0, 0.0],
    [0.0, 0.5, 0.5],
    [0.5, 0.0, 0.5],
    [0.5, 0.5, 0.0],
    [0.25, 0.25, 0.25],
    [0.25, 0.75, 0.75],
    [0.75, 0.25, 0.75],
    [0.75, 0.75, 0.25],
];

/// Diamond-structure silicon: `n x n x n` conventional cubic cells of side `a` (8 atoms each).
pub fn diamond(a: f64, n: usize) -> (Vec<V3>, Cell) {
    cubic_crystal(&DIAMOND, a, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(pos: &[V3], cell: &Cell, rc: f64) -> Vec<Vec<f64>> {
        let n = 4;
        pos.iter()
            .enumerate()
            .map(|(i, ri)| {
                let mut d = Vec::new();
                for (j, rj) in pos.iter().enumerate() {
                    for a in -n..=n {
                        for b in -n..=n {
                            for c in -n..=n {
                                if i == j && (a, b, c) == (0, 0, 0) {
                                    continue;
                                }
                                let img = cell.cartesian([a as f64, b as f64, c as f64]);
                                let r: V3 = std::array::from_fn(|k| rj[k] + img[k] - ri[k]);
                                if norm(r) < rc {
                                    d.push(norm(r));
                                }
                            }
                        }
                    }
                }
                d.sort_by(f64::total_cmp);
                d
            })
            .collect()
    }

    #[test]
    fn binned_list_matches_brute_force_in_a_skewed_cell() {
        let cell = Cell {
            h: [[5.0, 0.0, 0.0], [1.7, 4.6, 0.0], [-0.9, 1.1, 5.3]],
        };
        let pos: Vec<V3> = (0..13)
            .map(|i| {
                let t = i as f64;
                cell.cartesian([
                    (t * 0.37).fract(),
                    (t * 0.61).fract(),
                    (t * 0.83 + 0.1).fract(),
                ])
            })
            .collect();
        for rc in [2.0, 4.0, 7.5] {
            let nl = neighbours(&pos, &cell, rc).expect("valid cell");
            let bf = brute(&pos, &cell, rc);
            for i in 0..pos.len() {
                let mut d: Vec<f64> = nl[i].iter().map(|n| n.d).collect();
                d.sort_by(f64::total_cmp);
                assert_eq!(d.len(), bf[i].len(), "rc {rc} atom {i}");
                assert!(d.iter().zip(&bf[i]).all(|(a, b)| (a - b).abs() < 1e-9));
            }
        }
    }

    #[test]
    fn diamond_has_four_nearest_neighbours_and_bad_cells_are_refused() {
        let (pos, cell) = diamond(5.431, 2);
        let nl = neighbours(&pos, &cell, 2.5).expect("valid");
        assert!(nl.iter().all(|n| n.len() == 4));
        assert!((nl[0][0].d - 5.431 * 3f64.sqrt() / 4.0).abs() < 1e-9);
        let flat = Cell {
            h: [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        };
        assert!(neighbours(&pos, &flat, 2.0).is_err());
        let dup = vec![[0.0; 3], [0.0; 3]];
        assert!(neighbours(&dup, &Cell::orthorhombic(5.0, 5.0, 5.0), 2.0).is_err());
    }
}
