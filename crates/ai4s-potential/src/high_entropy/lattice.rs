//! The fcc supercell the alloy lives on: site positions, neighbour shells, nearest-neighbour
//! triangles, and the distance-resolved neighbour list the reference potential needs.
//!
//! Sites are those of [`crate::cell::cubic_crystal`] with the fcc basis: `n x n x n`
//! conventional cubic cells of side `a`, site `4 ((x n + y) n + z) + b` for basis atom `b`
//! (0 at the cube corner, 1-3 at the face centres normal to x, y, z). Shell `s` (1-based) holds
//! the neighbours at `|d| = a sqrt(s / 2)` (12, 6, 24 sites for shells 1-3); with `n >= 3` no
//! neighbour of shells 1-3 is a periodic image of the site itself.

use crate::cell::{Cell, FCC, V3, cubic_crystal, neighbours};
use ai4s_core::{Error, Result};

/// Largest neighbour shell the lattice tabulates.
pub const MAX_SHELL: usize = 3;

/// An fcc supercell with its neighbour tables.
#[derive(Clone, Debug)]
pub struct FccLattice {
    /// Conventional cubic lattice constant (A).
    pub a: f64,
    /// Conventional cells per edge.
    pub n: usize,
    /// Site positions (A).
    pub pos: Vec<V3>,
    /// The periodic cell.
    pub cell: Cell,
    /// `shells[s][i]`: the neighbours of site `i` in shell `s + 1` (both directions).
    pub shells: Vec<Vec<Vec<usize>>>,
    /// Every pair of shell `s + 1` once, `(i, j)` with `i < j`.
    pub pairs: Vec<Vec<(usize, usize)>>,
    /// Every nearest-neighbour triangle once, sites ascending.
    pub triangles: Vec<[usize; 3]>,
    /// `triangles_of[i]`: the other two sites of each triangle that contains site `i`.
    pub triangles_of: Vec<Vec<[usize; 2]>>,
    /// `within[i]`: `(j, |r_ij|)` for every neighbour (periodic image) closer than the cutoff
    /// the lattice was built with.
    pub within: Vec<Vec<(usize, f64)>>,
}

impl FccLattice {
    /// `n x n x n` conventional cells of side `a`; `within` lists neighbours closer than
    /// `cutoff` (the reference potential's). Needs `n >= 3` and `cutoff < n a / 2`.
    pub fn new(a: f64, n: usize, cutoff: f64) -> Result<FccLattice> {
        if n < 3 {
            return Err(Error::Runtime(format!(
                "fcc supercell: need at least 3 conventional cells per edge, got {n}"
            )));
        }
        if !(a > 0.0 && a.is_finite() && cutoff > 0.0 && cutoff < 0.5 * n as f64 * a) {
            return Err(Error::Runtime(format!(
                "fcc supercell of {n} cells of a = {a:.4} A ({:.3} A wide) is too small for the cutoff {cutoff} A: it must be under half the width",
                n as f64 * a
            )));
        }
        let (pos, cell) = cubic_crystal(&FCC, a, n);
        let sites = pos.len();
        let shell_cut = a * (0.5 * (MAX_SHELL as f64 + 0.5)).sqrt();
        let near = neighbours(&pos, &cell, shell_cut.max(cutoff))?;
        let mut shells = vec![vec![Vec::new(); sites]; MAX_SHELL];
        let mut within = vec![Vec::new(); sites];
        for (i, list) in near.iter().enumerate() {
            for nb in list {
                // |d|^2 = s a^2 / 2 for shell s.
                let s = (2.0 * nb.d * nb.d / (a * a)).round() as usize;
                if (1..=MAX_SHELL).contains(&s) {
                    shells[s - 1][i].push(nb.j);
                }
                if nb.d < cutoff {
                    within[i].push((nb.j, nb.d));
                }
            }
        }
        let pairs = shells
            .iter()
            .map(|shell| {
                let mut p: Vec<(usize, usize)> = Vec::new();
                for (i, list) in shell.iter().enumerate() {
                    p.extend(list.iter().filter(|&&j| j > i).map(|&j| (i, j)));
                }
                p
            })
            .collect();
        let first = &shells[0];
        let mut triangles = Vec::new();
        let mut triangles_of = vec![Vec::new(); sites];
        for i in 0..sites {
            for (p, &j) in first[i].iter().enumerate() {
                for &k in &first[i][p + 1..] {
                    if first[j].contains(&k) {
                        triangles_of[i].push([j, k]);
                        if i < j.min(k) {
                            triangles.push([i, j.min(k), j.max(k)]);
                        }
                    }
                }
            }
        }
        Ok(FccLattice {
            a,
            n,
            pos,
            cell,
            shells,
            pairs,
            triangles,
            triangles_of,
            within,
        })
    }

    /// Number of sites.
    pub fn sites(&self) -> usize {
        self.pos.len()
    }

    /// Basis atom of site `i` (0 cube corner, 1-3 face centres normal to x, y, z).
    pub fn basis(&self, i: usize) -> usize {
        i % 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcc_shells_and_triangles_have_the_textbook_counts() {
        let lat = FccLattice::new(3.6, 3, 5.0).expect("lattice");
        assert_eq!(lat.sites(), 108);
        for (s, z) in [12, 6, 24].into_iter().enumerate() {
            assert!(
                lat.shells[s].iter().all(|l| l.len() == z),
                "shell {}",
                s + 1
            );
            assert_eq!(lat.pairs[s].len(), 108 * z / 2);
        }
        // Each site lies in 24 nearest-neighbour triangles; 8 triangles per site.
        assert!(lat.triangles_of.iter().all(|t| t.len() == 24));
        assert_eq!(lat.triangles.len(), 108 * 8);
        // 5.0 A reaches shells 1-3 (2.55, 3.6, 4.41 A) but not shell 4 (5.09 A).
        assert!(lat.within.iter().all(|l| l.len() == 42));
        assert!(FccLattice::new(3.6, 2, 3.0).is_err());
        assert!(FccLattice::new(3.6, 3, 5.5).is_err());
    }
}
