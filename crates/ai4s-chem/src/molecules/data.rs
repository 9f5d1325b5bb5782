//! Labelled sets of distinct molecules: generated, labelled by Hueckel theory, deduplicated.

use super::fingerprint::graph_key;
use super::generate::generate;
use super::graph::Molecule;
use super::huckel::huckel;
use ai4s_core::{Error, Result};
use rand::rngs::StdRng;
use std::collections::HashSet;

/// A molecule with its exact Hueckel labels (units of `|beta|`).
#[derive(Clone, Debug)]
pub struct Labelled {
    /// The carbon skeleton.
    pub mol: Molecule,
    /// HOMO-LUMO gap.
    pub gap: f64,
    /// Pi bonding energy `P` of `E_pi = n alpha + P beta`.
    pub pi_energy: f64,
}

/// Gaps below this are degenerate frontier orbitals (zero in exact arithmetic).
pub const OPEN_SHELL_GAP: f64 = 1e-6;

/// Draws `count` molecules with sizes in `atoms`, none isomorphic to one already in `seen`
/// (which records them), so that the sets of a run never share a molecule. Molecules whose
/// highest occupied level is degenerate with the lowest empty one (a zero Hueckel gap: half-filled
/// degenerate orbitals, a triplet diradical by Hund's rule, like cyclobutadiene) are open shells
/// and redrawn, as radicals are: the gap of a closed shell is the label. Labelling, the
/// expensive part, runs on all available cores; the result does not depend on their number.
pub fn draw_set(
    count: usize,
    atoms: [usize; 2],
    rng: &mut StdRng,
    seen: &mut HashSet<u64>,
) -> Result<Vec<Labelled>> {
    let mut out = Vec::with_capacity(count);
    let mut drawn = 0usize;
    let max_draws = 20 * count + 1000;
    while out.len() < count {
        let need = count - out.len();
        if drawn + need > max_draws {
            return Err(Error::Runtime(format!(
                "found only {} distinct molecules of {} to {} carbons in {drawn} draws (asked for {count}); widen the size range or ask for fewer",
                out.len(),
                atoms[0],
                atoms[1]
            )));
        }
        let mols = (0..need)
            .map(|_| generate(rng, atoms))
            .collect::<Result<Vec<_>>>()?;
        drawn += need;
        for (mol, (key, lab)) in mols.iter().zip(label_all(&mols)) {
            if lab.0 >= OPEN_SHELL_GAP && seen.insert(key) {
                out.push(Labelled {
                    mol: mol.clone(),
                    gap: lab.0,
                    pi_energy: lab.1,
                });
            }
        }
    }
    Ok(out)
}

/// `(graph key, (gap, pi energy))` of every molecule, computed on scoped threads.
fn label_all(mols: &[Molecule]) -> Vec<(u64, (f64, f64))> {
    let one = |m: &Molecule| {
        let h = huckel(m);
        (graph_key(m, &h.eigenvalues), (h.gap, h.pi_energy))
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads <= 1 || mols.len() < 64 {
        return mols.iter().map(one).collect();
    }
    let chunk = mols.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = mols
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("labelling threads do not panic"))
            .collect()
    })
}
