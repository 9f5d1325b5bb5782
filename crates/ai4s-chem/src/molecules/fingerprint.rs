//! Circular (Morgan / ECFP-like) fingerprints with hashed counts: the practitioner's baseline
//! representation.
//!
//! Extended-connectivity fingerprints (Rogers & Hahn, J. Chem. Inf. Model. 50, 742 (2010);
//! Morgan, J. Chem. Doc. 5, 107 (1965)): every atom starts from an identifier of its invariants,
//! here its number of carbon neighbours, of ring bonds and the size of its smallest ring (the
//! same atom features the MPNN gets; all atoms are sp2 carbons, so element, charge and hydrogen
//! count add nothing). Iteration `r` replaces each identifier by a hash of
//! `r`, the atom's own identifier and the sorted list of `(bond in a ring, neighbour's
//! identifier)` pairs, so the identifier at radius `r` names the atom's environment out to `r`
//! bonds. The fingerprint counts every identifier of radius `0..=R` (ECFP4 for `R = 2`) folded
//! into `bits` slots by `id mod bits`. Sorting makes it independent of how the atoms are numbered.
//! Unlike ECFP this keeps duplicate environments (counts, not a set), as RDKit's count variant
//! does.

use super::graph::{HASH_START, Molecule, mix};

/// Atom identifiers `ids[r][atom]` for every radius `r` in `0..=radius`.
pub fn atom_identifiers(mol: &Molecule, radius: usize) -> Vec<Vec<u64>> {
    let degrees = mol.degrees();
    let ring_counts = mol.ring_bond_counts();
    let sizes = mol.atom_ring_sizes();
    let ring = mol.ring_bonds();
    let mut nb: Vec<Vec<(usize, u64)>> = vec![Vec::new(); mol.atoms];
    for (&[u, v], &r) in mol.bonds.iter().zip(&ring) {
        nb[u].push((v, u64::from(r)));
        nb[v].push((u, u64::from(r)));
    }
    let first: Vec<u64> = (0..mol.atoms)
        .map(|i| {
            let h = mix(mix(HASH_START, degrees[i] as u64), ring_counts[i] as u64);
            mix(h, sizes[i].min(8) as u64)
        })
        .collect();
    let mut ids = vec![first];
    for r in 1..=radius {
        let prev = &ids[r - 1];
        let next = (0..mol.atoms)
            .map(|i| {
                let mut env: Vec<(u64, u64)> = nb[i].iter().map(|&(j, b)| (b, prev[j])).collect();
                env.sort_unstable();
                env.iter()
                    .fold(mix(mix(HASH_START, r as u64), prev[i]), |h, &(b, id)| {
                        mix(mix(h, b), id)
                    })
            })
            .collect();
        ids.push(next);
    }
    ids
}

/// Hashed identifier counts of radius `0..=radius` in `bits` slots.
pub fn fingerprint(mol: &Molecule, radius: usize, bits: usize) -> Vec<f64> {
    let mut fp = vec![0.0; bits];
    for id in atom_identifiers(mol, radius).iter().flatten() {
        fp[(id % bits as u64) as usize] += 1.0;
    }
    fp
}

/// A key that is the same for isomorphic graphs and (almost surely) differs otherwise: the
/// multiset of Weisfeiler-Lehman identifiers after `atoms` iterations combined with the
/// spectrum rounded to 1e-6. Used to keep every molecule of a run distinct.
pub fn graph_key(mol: &Molecule, eigenvalues: &[f64]) -> u64 {
    let rounds = mol.atoms.min(8);
    let mut ids = atom_identifiers(mol, rounds).pop().unwrap_or_default();
    ids.sort_unstable();
    let h = ids
        .iter()
        .fold(mix(HASH_START, mol.atoms as u64), |h, &x| mix(h, x));
    eigenvalues
        .iter()
        .fold(h, |h, &x| mix(h, (x * 1e6).round() as i64 as u64))
}
