//! The molecular graph of a conjugated hydrocarbon: carbons as vertices, carbon-carbon bonds as
//! edges (hydrogens implicit: a carbon of degree `d` carries `3 - d` of them), and the graph
//! properties the featurisers need (degrees, ring bonds, relabelling, a deterministic hash).

use ndarray::Array2;

/// A hydrogen-suppressed carbon skeleton.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Molecule {
    /// Number of carbon atoms.
    pub atoms: usize,
    /// Carbon-carbon bonds `[u, v]` with `u < v`, each once.
    pub bonds: Vec<[usize; 2]>,
}

impl Molecule {
    /// A molecule from its bonds (stored as `[min, max]`).
    pub fn new(atoms: usize, bonds: &[[usize; 2]]) -> Self {
        Molecule {
            atoms,
            bonds: bonds.iter().map(|&[u, v]| [u.min(v), u.max(v)]).collect(),
        }
    }

    /// A ring of `n` carbons (an annulene; benzene for 6).
    pub fn ring(n: usize) -> Self {
        let bonds: Vec<[usize; 2]> = (0..n).map(|i| [i, (i + 1) % n]).collect();
        Molecule::new(n, &bonds)
    }

    /// A linear chain of `n` carbons (a polyene for even `n`).
    pub fn chain(n: usize) -> Self {
        let bonds: Vec<[usize; 2]> = (1..n).map(|i| [i - 1, i]).collect();
        Molecule::new(n, &bonds)
    }

    /// Neighbour lists.
    pub fn neighbours(&self) -> Vec<Vec<usize>> {
        let mut nb = vec![Vec::new(); self.atoms];
        for &[u, v] in &self.bonds {
            nb[u].push(v);
            nb[v].push(u);
        }
        nb
    }

    /// Number of carbon neighbours of every atom.
    pub fn degrees(&self) -> Vec<usize> {
        let mut d = vec![0; self.atoms];
        for &[u, v] in &self.bonds {
            d[u] += 1;
            d[v] += 1;
        }
        d
    }

    /// The adjacency matrix `A` (the topological Hueckel matrix).
    pub fn adjacency(&self) -> Array2<f64> {
        let mut a = Array2::zeros((self.atoms, self.atoms));
        for &[u, v] in &self.bonds {
            a[[u, v]] = 1.0;
            a[[v, u]] = 1.0;
        }
        a
    }

    /// Whether every atom is reachable from atom 0.
    pub fn is_connected(&self) -> bool {
        self.atoms == 0 || distances(&self.neighbours(), 0).iter().all(|d| d.is_some())
    }

    /// For each bond, whether it lies on a ring (removing it keeps its ends connected).
    pub fn ring_bonds(&self) -> Vec<bool> {
        self.bond_ring_sizes().iter().map(|&r| r > 0).collect()
    }

    /// For each bond, the size of the smallest ring through it (0 for a bond on no ring): one
    /// more than the shortest path between its ends that avoids the bond itself.
    pub fn bond_ring_sizes(&self) -> Vec<usize> {
        let nb = self.neighbours();
        self.bonds
            .iter()
            .map(|&[u, v]| {
                let mut d = vec![usize::MAX; self.atoms];
                d[u] = 0;
                let mut queue = std::collections::VecDeque::from([u]);
                while let Some(x) = queue.pop_front() {
                    for &y in &nb[x] {
                        if (x == u && y == v) || d[y] != usize::MAX {
                            continue;
                        }
                        d[y] = d[x] + 1;
                        queue.push_back(y);
                    }
                }
                if d[v] == usize::MAX { 0 } else { d[v] + 1 }
            })
            .collect()
    }

    /// For each atom, the size of the smallest ring it lies on (0 for chain atoms).
    pub fn atom_ring_sizes(&self) -> Vec<usize> {
        let mut s = vec![0usize; self.atoms];
        for (&[u, v], r) in self.bonds.iter().zip(self.bond_ring_sizes()) {
            for a in [u, v] {
                if r > 0 && (s[a] == 0 || r < s[a]) {
                    s[a] = r;
                }
            }
        }
        s
    }

    /// Number of ring bonds at every atom (0 for chain atoms, 2 or 3 for ring atoms).
    pub fn ring_bond_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.atoms];
        for (&[u, v], ring) in self.bonds.iter().zip(self.ring_bonds()) {
            if ring {
                c[u] += 1;
                c[v] += 1;
            }
        }
        c
    }

    /// The same molecule with atom `i` renamed `perm[i]` (a permutation of `0..atoms`).
    pub fn relabel(&self, perm: &[usize]) -> Molecule {
        let bonds: Vec<[usize; 2]> = self
            .bonds
            .iter()
            .map(|&[u, v]| [perm[u], perm[v]])
            .collect();
        Molecule::new(self.atoms, &bonds)
    }

    /// The bonds as `"0-1 1-2 ..."`, the edge-list column of the CSV output.
    pub fn edge_list(&self) -> String {
        self.bonds
            .iter()
            .map(|[u, v]| format!("{u}-{v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Number of independent rings (cyclomatic number `bonds - atoms + 1` of a connected graph).
    pub fn rings(&self) -> usize {
        (self.bonds.len() + 1).saturating_sub(self.atoms)
    }
}

/// Breadth-first graph distances from `start` (`None` where unreachable).
pub(crate) fn distances(nb: &[Vec<usize>], start: usize) -> Vec<Option<usize>> {
    let mut d = vec![None; nb.len()];
    d[start] = Some(0);
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(x) = queue.pop_front() {
        let dx = d[x].unwrap_or(0);
        for &y in &nb[x] {
            if d[y].is_none() {
                d[y] = Some(dx + 1);
                queue.push_back(y);
            }
        }
    }
    d
}

/// A deterministic 64-bit mix of `x` into `h` (FNV-1a over the bytes, then a splitmix64
/// finaliser): the same on every platform and Rust release, unlike `std`'s `DefaultHasher`.
pub fn mix(h: u64, x: u64) -> u64 {
    let mut h = h;
    for b in x.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// FNV offset basis, the starting value of [`mix`] chains.
pub const HASH_START: u64 = 0xcbf2_9ce4_8422_2325;
