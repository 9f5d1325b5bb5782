//! Hueckel molecular-orbital theory of conjugated hydrocarbons: the exact labels.
//!
//! One p orbital per sp2 carbon, overlap neglected, Coulomb integral `alpha` on every atom and
//! resonance integral `beta < 0` between bonded atoms only: `H = alpha I + beta A`, with `A` the
//! adjacency matrix of the carbon skeleton (Hueckel, Z. Phys. 70, 204 (1931); Streitwieser,
//! *Molecular Orbital Theory for Organic Chemists*, 1961). An eigenvalue `x_k` of `A` gives the
//! orbital energy `E_k = alpha + x_k beta`, so the largest `x` is the lowest orbital. The `n`
//! pi electrons (one per carbon) fill the orbitals two by two from the bottom.
//!
//! In units of `|beta|` (about 2.4-2.7 eV):
//! - HOMO-LUMO gap `x_HOMO - x_LUMO` (`E_LUMO - E_HOMO = (x_HOMO - x_LUMO) |beta|`);
//! - pi energy `E_pi = n alpha + P beta` with `P = sum_k occ_k x_k`, reported as `P`.
//!
//! Benzene: `x = 2, 1, 1, -1, -1, -2`, gap 2, `P = 8` (`E_pi = 6 alpha + 8 beta`); butadiene:
//! `x = ±1.618, ±0.618`, gap 1.236, `P = 4.472`. An odd number of carbons leaves a singly
//! occupied orbital; its `x` is then taken as the HOMO (the generator never makes one).

use super::graph::Molecule;
use crate::eigen::symmetric_eigenvalues;

/// Hueckel pi levels of one molecule, energies in units of `|beta|`.
#[derive(Clone, Debug, PartialEq)]
pub struct Huckel {
    /// Eigenvalues `x_k` of the adjacency matrix, descending (orbital energies ascending).
    pub eigenvalues: Vec<f64>,
    /// HOMO-LUMO gap `x_HOMO - x_LUMO`.
    pub gap: f64,
    /// Pi bonding energy `P` of `E_pi = n alpha + P beta`.
    pub pi_energy: f64,
}

/// The Hueckel levels of `mol` with one pi electron per carbon.
pub fn huckel(mol: &Molecule) -> Huckel {
    let mut x = symmetric_eigenvalues(&mol.adjacency())
        .map(|v| v.to_vec())
        .unwrap_or_default();
    x.reverse();
    let (gap, pi_energy) = fill(&x, mol.atoms);
    Huckel {
        eigenvalues: x,
        gap,
        pi_energy,
    }
}

/// Gap and pi energy of `electrons` electrons in levels `x` (descending); the gap is NaN when
/// there is no occupied or no empty orbital.
pub fn fill(x: &[f64], electrons: usize) -> (f64, f64) {
    let occupied = electrons.div_ceil(2);
    let pi: f64 = x
        .iter()
        .enumerate()
        .map(|(k, &xk)| xk * (electrons.saturating_sub(2 * k).min(2)) as f64)
        .sum();
    let gap = if occupied >= 1 && occupied < x.len() {
        x[occupied - 1] - x[occupied]
    } else {
        f64::NAN
    };
    (gap, pi)
}
