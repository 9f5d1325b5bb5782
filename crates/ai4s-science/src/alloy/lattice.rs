//! The binary alloy on a lattice with pair interactions, and the three searches for its ground
//! state: exhaustive enumeration, simulated annealing with swap moves, random search.

use super::*;

/// Largest number of configurations [`enumerate`] may visit.
pub const MAX_ENUMERATION: u128 = 200_000_000;

/// A periodic lattice with a pair cluster expansion.
#[derive(Clone, Debug)]
pub struct Lattice {
    /// Supercell dimensions (2 or 3 entries).
    pub shape: Vec<usize>,
    /// Per site, its neighbours with the interaction of their shell (`(site, J)`, each
    /// periodic image bond once from each end).
    pub neighbours: Vec<Vec<(usize, f64)>>,
    /// Every bond once: `(i, j, J)`.
    pub bonds: Vec<(usize, usize, f64)>,
}

impl Lattice {
    /// A periodic supercell of `shape` with interactions `j[k]` for shell `k + 1`.
    pub fn new(shape: &[usize], j: &[f64]) -> Lattice {
        let dim = shape.len();
        let n: usize = shape.iter().product();
        // Displacements with components in [-2, 2], one of each +-d pair, grouped by |d|^2.
        let mut disps: Vec<(i64, Vec<i64>)> = Vec::new();
        let total = 5usize.pow(dim as u32);
        for code in 0..total {
            let d: Vec<i64> = (0..dim)
                .map(|a| ((code / 5usize.pow(a as u32)) % 5) as i64 - 2)
                .collect();
            let first = d.iter().find(|&&c| c != 0);
            if first.is_some_and(|&c| c > 0) {
                disps.push((d.iter().map(|c| c * c).sum(), d));
            }
        }
        let mut radii: Vec<i64> = disps.iter().map(|d| d.0).collect();
        radii.sort_unstable();
        radii.dedup();
        let coords = |i: usize| -> Vec<usize> {
            let mut c = Vec::with_capacity(dim);
            let mut r = i;
            for &s in shape {
                c.push(r % s);
                r /= s;
            }
            c
        };
        let index = |c: &[usize]| -> usize {
            let mut i = 0;
            for a in (0..dim).rev() {
                i = i * shape[a] + c[a];
            }
            i
        };
        let mut bonds = Vec::new();
        for (k, &jk) in j.iter().enumerate() {
            let Some(&r2) = radii.get(k) else { break };
            if jk == 0.0 {
                continue;
            }
            for (_, d) in disps.iter().filter(|d| d.0 == r2) {
                for i in 0..n {
                    let c = coords(i);
                    let t: Vec<usize> = (0..dim)
                        .map(|a| (c[a] as i64 + d[a]).rem_euclid(shape[a] as i64) as usize)
                        .collect();
                    bonds.push((i, index(&t), jk));
                }
            }
        }
        let mut neighbours = vec![Vec::new(); n];
        for &(a, b, jk) in &bonds {
            neighbours[a].push((b, jk));
            neighbours[b].push((a, jk));
        }
        Lattice {
            shape: shape.to_vec(),
            neighbours,
            bonds,
        }
    }

    /// Number of sites.
    pub fn sites(&self) -> usize {
        self.neighbours.len()
    }

    /// Energy of occupation spins `s` (+1 A, -1 B).
    pub fn energy(&self, s: &[i8]) -> f64 {
        self.bonds
            .iter()
            .map(|&(a, b, j)| j * (s[a] * s[b]) as f64)
            .sum()
    }

    /// Energy of a bit mask (bit `i` set: site `i` is B).
    pub fn energy_mask(&self, mask: u64) -> f64 {
        self.bonds
            .iter()
            .map(|&(a, b, j)| {
                let unlike = ((mask >> a) ^ (mask >> b)) & 1;
                j * (1.0 - 2.0 * unlike as f64)
            })
            .sum()
    }

    /// Energy change if site `i` flips.
    pub(super) fn flip_delta(&self, s: &[i8], i: usize) -> f64 {
        let h: f64 = self.neighbours[i]
            .iter()
            .map(|&(k, j)| j * s[k] as f64)
            .sum();
        -2.0 * s[i] as f64 * h
    }
}

/// Binomial coefficient as `u128` (saturating).
pub fn binomial(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut r: u128 = 1;
    for i in 0..k {
        r = r.saturating_mul((n - i) as u128) / (i as u128 + 1);
    }
    r
}

/// The exhaustive ground state.
#[derive(Clone, Debug)]
pub struct GroundState {
    /// Lowest energy.
    pub energy: f64,
    /// Number of configurations with that energy (within `1e-9`).
    pub degeneracy: u64,
    /// One lowest-energy configuration as a bit mask (bit set: B).
    pub mask: u64,
    /// Configurations visited.
    pub visited: u64,
}

/// All configurations with `n_b` B atoms, in Gosper order; the lowest energy and its degeneracy.
pub fn enumerate(lat: &Lattice, n_b: usize) -> GroundState {
    let n = lat.sites();
    let mut gs = GroundState {
        energy: f64::INFINITY,
        degeneracy: 0,
        mask: 0,
        visited: 0,
    };
    let limit: u64 = if n >= 64 { u64::MAX } else { 1u64 << n };
    let mut m: u64 = if n_b == 0 { 0 } else { (1u64 << n_b) - 1 };
    loop {
        let e = lat.energy_mask(m);
        gs.visited += 1;
        if e < gs.energy - 1e-9 {
            gs.energy = e;
            gs.degeneracy = 1;
            gs.mask = m;
        } else if (e - gs.energy).abs() <= 1e-9 {
            gs.degeneracy += 1;
        }
        if m == 0 {
            break;
        }
        // Gosper's hack: the next larger integer with the same number of set bits.
        let c = m & m.wrapping_neg();
        let r = m + c;
        let next = (((r ^ m) >> 2) / c) | r;
        if next >= limit || r == 0 {
            break;
        }
        m = next;
    }
    gs
}

/// A random configuration with `n_b` B atoms.
pub(super) fn random_config(n: usize, n_b: usize, rng: &mut StdRng) -> Vec<i8> {
    let mut s = vec![1i8; n];
    // Partial Fisher-Yates: the first n_b of a random permutation become B.
    let mut idx: Vec<usize> = (0..n).collect();
    for k in 0..n_b {
        let r = rng.random_range(k..n);
        idx.swap(k, r);
        s[idx[k]] = -1;
    }
    s
}

/// One simulated-annealing run.
#[derive(Clone, Debug)]
pub struct Anneal {
    /// Lowest energy seen.
    pub best: f64,
    /// Configuration with the lowest energy.
    pub best_config: Vec<i8>,
    /// Evaluation (1-based) at which `target` was first reached, if it was.
    pub hit_at: Option<u64>,
    /// Evaluations made.
    pub evaluations: u64,
}

/// Simulated annealing with A-B swaps: `steps` proposals, temperature from `t0` to `t1`
/// geometrically; stops early once the energy reaches `target`.
pub fn anneal(
    lat: &Lattice,
    n_b: usize,
    steps: u64,
    t0: f64,
    t1: f64,
    target: f64,
    rng: &mut StdRng,
) -> Anneal {
    let n = lat.sites();
    let mut s = random_config(n, n_b, rng);
    let mut e = lat.energy(&s);
    let mut out = Anneal {
        best: e,
        best_config: s.clone(),
        hit_at: None,
        evaluations: 1,
    };
    if e <= target + 1e-9 {
        out.hit_at = Some(1);
        return out;
    }
    if n_b == 0 || n_b == n {
        return out;
    }
    let ratio = (t1 / t0).ln();
    for step in 0..steps {
        let t = t0 * (ratio * step as f64 / steps.max(1) as f64).exp();
        let (mut i, mut j) = (rng.random_range(0..n), rng.random_range(0..n));
        while s[i] == s[j] {
            i = rng.random_range(0..n);
            j = rng.random_range(0..n);
        }
        let d1 = lat.flip_delta(&s, i);
        s[i] = -s[i];
        let d2 = lat.flip_delta(&s, j);
        s[j] = -s[j];
        let de = d1 + d2;
        out.evaluations += 1;
        if de <= 0.0 || rng.random::<f64>() < (-de / t).exp() {
            e += de;
            if e < out.best - 1e-12 {
                out.best = e;
                out.best_config.copy_from_slice(&s);
            }
            if e <= target + 1e-9 {
                out.hit_at = Some(out.evaluations);
                return out;
            }
        } else {
            s[i] = -s[i];
            s[j] = -s[j];
        }
    }
    out
}

/// Random search: `budget` random configurations; the evaluation that first reached `target`.
pub fn random_search(
    lat: &Lattice,
    n_b: usize,
    budget: u64,
    target: f64,
    rng: &mut StdRng,
) -> Option<u64> {
    (1..=budget).find(|_| lat.energy(&random_config(lat.sites(), n_b, rng)) <= target + 1e-9)
}
