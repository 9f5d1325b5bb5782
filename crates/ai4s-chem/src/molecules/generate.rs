//! A seeded generator of random conjugated hydrocarbons (sp2 carbon skeletons).
//!
//! Each molecule gets a target size `T`, an even number drawn uniformly from the configured range,
//! and a ring propensity `r ~ U(0, 1)` that decides its style: low `r` gives (branched) polyene
//! chains, high `r` fused and linked ring systems. It starts from a seed (ethylene with
//! probability `1 - r`, else benzene) and grows by random moves until it has `T` carbons:
//!
//! | move | adds | weight |
//! |---|---|---|
//! | vinyl: a `C=C` unit bonded to an atom of degree < 3 (chain ends 3x more likely than branching) | 2 atoms | `1 - 0.7 r` |
//! | fused hexagon: a `C=C-C=C` bridge across a bond whose ends both have degree 2 (acenes, phenanthrenes) | 4 atoms | `1.2 r` |
//! | phenyl: a benzene ring linked by a single bond (biphenyls) | 6 atoms | `0.3 r` |
//! | ring closure: a bond from a chain end (degree 1) to an atom of degree < 3 at graph distance 4, 5 or 6 (5- to 7-membered rings as in fulvenes, indenes, naphthalenes and azulenes; weights 0.5, 1, 0.3) | 0 atoms | `0.4 r` |
//!
//! A move that does not fit (too many atoms, no eligible atom or bond) is redrawn; after 100
//! failures in a row the molecule is restarted. Invariants, by construction: the graph is
//! connected, every carbon has one to three carbon neighbours (so one to two hydrogens), and it
//! has a Kekule structure: the seed and every added unit come with their own double bonds
//! (a perfect matching), so every molecule is a closed-shell candidate with an even number of pi
//! electrons, never a radical (odd `T`) or a non-Kekule diradical. Four-membered rings (strained,
//! antiaromatic, rare among real conjugated hydrocarbons) never form: every new ring has at least
//! five members; and rings close only from chain ends, never between two ring atoms, which would
//! build cage-like skeletons that no planar sp2 molecule has.

use super::graph::{Molecule, distances};
use ai4s_core::Result;
use ai4s_core::error::ensure;
use rand::{Rng, rngs::StdRng};

/// Failed move draws in a row after which a molecule is restarted.
const MAX_FAILS: usize = 100;

/// The even sizes in `atoms = [low, high]`.
pub fn even_sizes(atoms: [usize; 2]) -> Vec<usize> {
    let lo = atoms[0] + atoms[0] % 2;
    (lo..=atoms[1]).step_by(2).collect()
}

/// Draws one molecule whose size is an even number in `atoms = [low, high]` (at least 4).
pub fn generate(rng: &mut StdRng, atoms: [usize; 2]) -> Result<Molecule> {
    let sizes = even_sizes(atoms);
    ensure(sizes.first().is_some_and(|&s| s >= 4), "atoms", || {
        format!("the range {atoms:?} must hold an even size of at least 4")
    })?;
    loop {
        let target = sizes[rng.random_range(0..sizes.len())];
        let r: f64 = rng.random();
        let mut b = Builder::seed(rng, r, target);
        let weights = [1.0 - 0.7 * r, 1.2 * r, 0.3 * r, 0.4 * r];
        let mut fails = 0;
        while b.nb.len() < target && fails < MAX_FAILS {
            let ok = match pick(rng, &weights) {
                0 => b.vinyl(rng, target),
                1 => b.fuse(rng, target),
                2 => b.phenyl(rng, target),
                _ => b.close(rng),
            };
            fails = if ok { 0 } else { fails + 1 };
        }
        if b.nb.len() == target {
            return Ok(Molecule::new(target, &b.bonds));
        }
    }
}

/// Index drawn with probability proportional to `w` (non-negative, not all zero).
fn pick(rng: &mut StdRng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, &x) in w.iter().enumerate() {
        if u < x {
            return i;
        }
        u -= x;
    }
    w.len() - 1
}

/// A molecule under construction.
struct Builder {
    nb: Vec<Vec<usize>>,
    bonds: Vec<[usize; 2]>,
}

impl Builder {
    fn seed(rng: &mut StdRng, r: f64, target: usize) -> Self {
        let mut b = Builder {
            nb: Vec::new(),
            bonds: Vec::new(),
        };
        let size = if rng.random::<f64>() < r && target >= 6 {
            6
        } else {
            2
        };
        let first = b.add_atoms(size);
        for i in 1..size {
            b.bond(first + i - 1, first + i);
        }
        if size > 2 {
            b.bond(first, first + size - 1);
        }
        b
    }

    fn add_atoms(&mut self, k: usize) -> usize {
        let first = self.nb.len();
        self.nb.extend((0..k).map(|_| Vec::new()));
        first
    }

    fn bond(&mut self, u: usize, v: usize) {
        self.nb[u].push(v);
        self.nb[v].push(u);
        self.bonds.push([u.min(v), u.max(v)]);
    }

    /// A random atom of degree < 3, drawn with weight `w(degree)` (atoms of weight 0 never).
    fn open_atom(&self, rng: &mut StdRng, w: impl Fn(usize) -> f64) -> Option<usize> {
        let atoms: Vec<usize> = (0..self.nb.len())
            .filter(|&i| self.nb[i].len() < 3 && w(self.nb[i].len()) > 0.0)
            .collect();
        let weights: Vec<f64> = atoms.iter().map(|&i| w(self.nb[i].len())).collect();
        (!atoms.is_empty()).then(|| atoms[pick(rng, &weights)])
    }

    fn vinyl(&mut self, rng: &mut StdRng, target: usize) -> bool {
        if self.nb.len() + 2 > target {
            return false;
        }
        let Some(u) = self.open_atom(rng, |d| if d <= 1 { 3.0 } else { 1.0 }) else {
            return false;
        };
        let a = self.add_atoms(2);
        self.bond(u, a);
        self.bond(a, a + 1);
        true
    }

    fn fuse(&mut self, rng: &mut StdRng, target: usize) -> bool {
        if self.nb.len() + 4 > target {
            return false;
        }
        let edges: Vec<[usize; 2]> = self
            .bonds
            .iter()
            .copied()
            .filter(|&[u, v]| self.nb[u].len() == 2 && self.nb[v].len() == 2)
            .collect();
        if edges.is_empty() {
            return false;
        }
        let [u, v] = edges[rng.random_range(0..edges.len())];
        let a = self.add_atoms(4);
        self.bond(u, a);
        for i in 1..4 {
            self.bond(a + i - 1, a + i);
        }
        self.bond(a + 3, v);
        true
    }

    fn phenyl(&mut self, rng: &mut StdRng, target: usize) -> bool {
        if self.nb.len() + 6 > target {
            return false;
        }
        let Some(u) = self.open_atom(rng, |_| 1.0) else {
            return false;
        };
        let a = self.add_atoms(6);
        self.bond(u, a);
        for i in 0..6 {
            self.bond(a + i, a + (i + 1) % 6);
        }
        true
    }

    fn close(&mut self, rng: &mut StdRng) -> bool {
        let Some(u) = self.open_atom(rng, |d| if d == 1 { 1.0 } else { 0.0 }) else {
            return false;
        };
        let dist = distances(&self.nb, u);
        let ring_weight = |d: usize| match d {
            4 => 0.5,
            5 => 1.0,
            6 => 0.3,
            _ => 0.0,
        };
        let cands: Vec<usize> = (0..self.nb.len())
            .filter(|&v| self.nb[v].len() < 3 && dist[v].is_some_and(|d| ring_weight(d) > 0.0))
            .collect();
        if cands.is_empty() {
            return false;
        }
        let w: Vec<f64> = cands
            .iter()
            .map(|&v| ring_weight(dist[v].unwrap_or(0)))
            .collect();
        let v = cands[pick(rng, &w)];
        self.bond(u, v);
        true
    }
}
