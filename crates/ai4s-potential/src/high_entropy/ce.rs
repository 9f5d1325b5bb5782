//! The cluster expansion: its basis of cluster functions on the fcc lattice, the correlation
//! vector of a configuration, and energies (total and of a one-site change) from fitted ECIs.
//!
//! With `K` species the occupation of site `i` is `t_i in {0..K-1}`; species `K - 1` is the
//! reference and the cluster functions are products of the indicators `theta_a(i) = [t_i = a]`
//! of the other `K - 1` species (the lattice-gas basis; complete and not redundant, as the
//! orthogonal Chebyshev bases of Sanchez, Ducastelle & Gratias, Physica A 128, 334 (1984) are).
//! A cluster function is symmetrised over the cluster's orbit, so its correlation is a count
//! per site: `x_a = N_a / N` (points), `x^(s)_{ab} = N^(s)_{ab} / N` (pairs of shell `s` whose
//! two sites hold `{a, b}`), `x_{abc} = N_{abc} / N` (nearest-neighbour triangles holding
//! `{a, b, c}`), with `a <= b <= c < K - 1`. The energy per site is linear in them,
//! `E / N = J_0 + sum_f J_f x_f`: for five species, 4 point, 10 pair ECIs per shell and 20
//! triplet ECIs.

use super::lattice::{FccLattice, MAX_SHELL};
use super::mc::SiteModel;
use ai4s_core::{Error, Result};

/// Which clusters the expansion holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterBasis {
    /// Number of species `K` (2-8).
    pub species: usize,
    /// Pair clusters of neighbour shells `1..=pair_shells` (0-3).
    pub pair_shells: usize,
    /// Nearest-neighbour triangles.
    pub triplets: bool,
}

/// What one cluster function decorates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterFunction {
    /// One site holding species `a`.
    Point(usize),
    /// A pair of shell `shell` (1-based) holding `{a, b}`.
    Pair(usize, [usize; 2]),
    /// A nearest-neighbour triangle holding `{a, b, c}`.
    Triplet([usize; 3]),
}

impl ClusterBasis {
    /// Checks the species count and the shells.
    pub fn checked(self) -> Result<ClusterBasis> {
        if !(2..=8).contains(&self.species) || self.pair_shells > MAX_SHELL {
            return Err(Error::Runtime(format!(
                "cluster basis: need 2-8 species and at most {MAX_SHELL} pair shells, got {} and {}",
                self.species, self.pair_shells
            )));
        }
        Ok(self)
    }

    /// The cluster functions, in the order of the correlation vector.
    pub fn functions(&self) -> Vec<ClusterFunction> {
        let m = self.species - 1;
        let mut f: Vec<ClusterFunction> = (0..m).map(ClusterFunction::Point).collect();
        for s in 1..=self.pair_shells {
            for a in 0..m {
                f.extend((a..m).map(|b| ClusterFunction::Pair(s, [a, b])));
            }
        }
        if self.triplets {
            for a in 0..m {
                for b in a..m {
                    f.extend((b..m).map(|c| ClusterFunction::Triplet([a, b, c])));
                }
            }
        }
        f
    }

    /// Length of the correlation vector (the intercept `J_0` excluded).
    pub fn len(&self) -> usize {
        self.functions().len()
    }

    /// Whether the basis has no cluster functions beyond the intercept (never, with >= 2
    /// species).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of each function in a dense lookup: `pair_index[s][a * K + b]`,
    /// `triplet_index[(a * K + b) * K + c]` (every order of the species), `None` when a site
    /// holds the reference species.
    fn indices(&self) -> (Vec<Vec<Option<usize>>>, Vec<Option<usize>>) {
        let k = self.species;
        let mut pairs = vec![vec![None; k * k]; self.pair_shells];
        let mut triplets = vec![None; k * k * k];
        for (f, func) in self.functions().into_iter().enumerate() {
            match func {
                ClusterFunction::Point(_) => {}
                ClusterFunction::Pair(s, [a, b]) => {
                    pairs[s - 1][a * k + b] = Some(f);
                    pairs[s - 1][b * k + a] = Some(f);
                }
                ClusterFunction::Triplet([a, b, c]) => {
                    for [p, q, r] in [
                        [a, b, c],
                        [a, c, b],
                        [b, a, c],
                        [b, c, a],
                        [c, a, b],
                        [c, b, a],
                    ] {
                        triplets[(p * k + q) * k + r] = Some(f);
                    }
                }
            }
        }
        (pairs, triplets)
    }

    /// The correlation vector (cluster counts per site) of occupation `occ` on `lat`.
    pub fn correlations(&self, lat: &FccLattice, occ: &[u8]) -> Vec<f64> {
        let k = self.species;
        let (pairs, triplets) = self.indices();
        let mut x = vec![0.0; self.len()];
        for &t in occ {
            if (t as usize) < k - 1 {
                x[t as usize] += 1.0;
            }
        }
        for (s, index) in pairs.iter().enumerate() {
            for &(i, j) in &lat.pairs[s] {
                if let Some(f) = index[occ[i] as usize * k + occ[j] as usize] {
                    x[f] += 1.0;
                }
            }
        }
        if self.triplets {
            for t in &lat.triangles {
                let [a, b, c] = t.map(|i| occ[i] as usize);
                if let Some(f) = triplets[(a * k + b) * k + c] {
                    x[f] += 1.0;
                }
            }
        }
        let n = occ.len() as f64;
        x.iter_mut().for_each(|v| *v /= n);
        x
    }
}

/// A fitted cluster expansion `E / N = J_0 + sum_f J_f x_f`, with its ECIs spread over dense
/// lookup tables for the Monte Carlo.
#[derive(Clone, Debug)]
pub struct ClusterExpansion {
    /// The clusters.
    pub basis: ClusterBasis,
    /// Energy per site of the empty cluster (eV).
    pub j0: f64,
    /// Effective cluster interactions, one per cluster function (eV).
    pub eci: Vec<f64>,
    point: Vec<f64>,
    pair: Vec<Vec<f64>>,
    triplet: Vec<f64>,
}

impl ClusterExpansion {
    /// An expansion from its intercept and ECIs (one per function of `basis`).
    pub fn new(basis: ClusterBasis, j0: f64, eci: Vec<f64>) -> Result<ClusterExpansion> {
        let basis = basis.checked()?;
        if eci.len() != basis.len() || !j0.is_finite() || eci.iter().any(|e| !e.is_finite()) {
            return Err(Error::Runtime(format!(
                "cluster expansion: need {} finite ECIs, got {}",
                basis.len(),
                eci.len()
            )));
        }
        let k = basis.species;
        let (pairs, triplets) = basis.indices();
        let mut point = vec![0.0; k];
        point[..k - 1].copy_from_slice(&eci[..k - 1]);
        let lookup = |idx: &[Option<usize>]| -> Vec<f64> {
            idx.iter().map(|f| f.map_or(0.0, |f| eci[f])).collect()
        };
        let pair = pairs.iter().map(|p| lookup(p)).collect();
        let triplet = if basis.triplets {
            lookup(&triplets)
        } else {
            Vec::new()
        };
        Ok(ClusterExpansion {
            basis,
            j0,
            eci,
            point,
            pair,
            triplet,
        })
    }

    /// Energy per site predicted from a correlation vector (eV).
    pub fn per_site(&self, x: &[f64]) -> f64 {
        self.j0 + x.iter().zip(&self.eci).map(|(x, j)| x * j).sum::<f64>()
    }
}

impl SiteModel for ClusterExpansion {
    fn energy(&self, lat: &FccLattice, occ: &[u8]) -> f64 {
        occ.len() as f64 * self.per_site(&self.basis.correlations(lat, occ))
    }

    fn change(&self, lat: &FccLattice, occ: &[u8], i: usize, new: u8) -> f64 {
        let k = self.basis.species;
        let (old, new) = (occ[i] as usize * k, new as usize * k);
        let mut d = self.point[new / k] - self.point[old / k];
        for (s, table) in self.pair.iter().enumerate() {
            for &j in &lat.shells[s][i] {
                let t = occ[j] as usize;
                d += table[new + t] - table[old + t];
            }
        }
        if !self.triplet.is_empty() {
            for &[j, l] in &lat.triangles_of[i] {
                let tail = occ[j] as usize * k + occ[l] as usize;
                d += self.triplet[new * k + tail] - self.triplet[old * k + tail];
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_species_basis_has_4_points_10_pairs_per_shell_and_20_triplets() {
        let b = ClusterBasis {
            species: 5,
            pair_shells: 2,
            triplets: true,
        };
        assert_eq!(b.len(), 4 + 2 * 10 + 20);
        let f = b.functions();
        assert_eq!(f[4], ClusterFunction::Pair(1, [0, 0]));
        assert_eq!(f[f.len() - 1], ClusterFunction::Triplet([3, 3, 3]));
    }
}
