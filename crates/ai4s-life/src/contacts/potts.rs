//! The Potts model of a protein family and a Gibbs sampler that draws its alignment.
//!
//! A sequence `s = (s_1, ..., s_L)` over `q` residue classes has the Boltzmann probability
//!
//! ```text
//! P(s) = exp(sum_i h_i(s_i) + sum_{i<j} J_ij(s_i, s_j)) / Z
//! ```
//!
//! (Weigt et al., PNAS 106, 67 (2009); Morcos et al., PNAS 108, E1293 (2011)). The planted model
//! has fields `h_i(a) ~ N(0, field_std^2)`, which make some columns conserved and others
//! variable, and couplings only between residues in contact, each `q x q` block drawn
//! `J_ij(a, b) ~ N(0, coupling_std^2)`: co-evolution where the fold brings residues together,
//! and nothing elsewhere. The coupling matrix is stored in full, `J[(i, a), (j, b)]`, symmetric,
//! with zero diagonal blocks.
//!
//! The sampler is Gibbs (heat-bath) sampling: a sweep visits every position in order and redraws
//! its residue from the conditional
//!
//! ```text
//! P(s_i = a | s_-i) = exp(h_i(a) + sum_{j != i} J_ij(a, s_j)) / sum_b exp(...)
//! ```
//!
//! Each single-site update satisfies detailed balance with respect to `P` (the test checks it
//! exactly), so `P` is stationary for the sweep. Independent chains start from uniform random
//! sequences, discard `burn_in` sweeps and keep one sequence every `thin` sweeps.

use super::fold::ContactMap;
use crate::dbtl::simulate::normal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A Potts model over `l` positions and `q` states.
#[derive(Clone, Debug)]
pub struct Potts {
    /// Positions.
    pub l: usize,
    /// States per position.
    pub q: usize,
    /// Fields `h[i * q + a]`.
    pub h: Vec<f64>,
    /// Couplings `j[(i * q + a) * l * q + j * q + b]`, symmetric with zero diagonal blocks.
    pub j: Vec<f64>,
    /// Coupled partners of every position (for the sampler).
    neighbours: Vec<Vec<usize>>,
}

/// How the alignment is sampled.
#[derive(Clone, Copy, Debug)]
pub struct Sampling {
    /// Independent chains.
    pub chains: usize,
    /// Sweeps discarded at the start of every chain.
    pub burn_in: usize,
    /// Sweeps between kept sequences.
    pub thin: usize,
}

impl Potts {
    /// A model with zero fields and couplings.
    pub fn zeros(l: usize, q: usize) -> Potts {
        Potts {
            l,
            q,
            h: vec![0.0; l * q],
            j: vec![0.0; l * q * l * q],
            neighbours: vec![Vec::new(); l],
        }
    }

    /// The planted model of a fold: random fields, random coupling blocks on contacts.
    pub fn planted(
        contacts: &ContactMap,
        q: usize,
        field_std: f64,
        coupling_std: f64,
        seed: u64,
    ) -> Potts {
        let mut rng = StdRng::seed_from_u64(seed);
        let l = contacts.len();
        let mut p = Potts::zeros(l, q);
        for v in p.h.iter_mut() {
            *v = field_std * normal(&mut rng);
        }
        for (i, j) in contacts.pairs(1) {
            let block: Vec<f64> = (0..q * q)
                .map(|_| coupling_std * normal(&mut rng))
                .collect();
            p.set_block(i, j, &block);
        }
        p
    }

    /// Sets `J_ij(a, b) = block[a * q + b]` and its mirror `J_ji(b, a)`.
    pub fn set_block(&mut self, i: usize, j: usize, block: &[f64]) {
        let (q, lq) = (self.q, self.l * self.q);
        for a in 0..q {
            for b in 0..q {
                let v = block[a * q + b];
                self.j[(i * q + a) * lq + j * q + b] = v;
                self.j[(j * q + b) * lq + i * q + a] = v;
            }
        }
        if !self.neighbours[i].contains(&j) {
            self.neighbours[i].push(j);
            self.neighbours[j].push(i);
        }
    }

    /// `J_ij(a, b)`.
    pub fn coupling(&self, i: usize, a: usize, j: usize, b: usize) -> f64 {
        self.j[(i * self.q + a) * self.l * self.q + j * self.q + b]
    }

    /// The unnormalised log-probability `sum_i h_i(s_i) + sum_{i<j} J_ij(s_i, s_j)`.
    pub fn log_weight(&self, s: &[u8]) -> f64 {
        let q = self.q;
        let mut e: f64 = s
            .iter()
            .enumerate()
            .map(|(i, &a)| self.h[i * q + a as usize])
            .sum();
        for i in 0..self.l {
            for &j in self.neighbours[i].iter().filter(|&&j| j > i) {
                e += self.coupling(i, s[i] as usize, j, s[j] as usize);
            }
        }
        e
    }

    /// The conditional distribution of position `i` given the rest of `s`.
    pub fn conditional(&self, s: &[u8], i: usize) -> Vec<f64> {
        let q = self.q;
        let mut logit: Vec<f64> = (0..q)
            .map(|a| {
                self.h[i * q + a]
                    + self.neighbours[i]
                        .iter()
                        .map(|&j| self.coupling(i, a, j, s[j] as usize))
                        .sum::<f64>()
            })
            .collect();
        let top = logit.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut z = 0.0;
        for v in logit.iter_mut() {
            *v = (*v - top).exp();
            z += *v;
        }
        logit.iter_mut().for_each(|v| *v /= z);
        logit
    }

    /// One Gibbs sweep over all positions in order.
    pub fn sweep(&self, s: &mut [u8], rng: &mut StdRng) {
        for i in 0..self.l {
            let p = self.conditional(s, i);
            let u: f64 = rng.random();
            let mut acc = 0.0;
            let mut pick = self.q - 1;
            for (a, pa) in p.iter().enumerate() {
                acc += pa;
                if u < acc {
                    pick = a;
                    break;
                }
            }
            s[i] = pick as u8;
        }
    }

    /// `n` sequences from independent Gibbs chains with burn-in and thinning, interleaved
    /// (sequence `k` comes from chain `k mod chains`), so that the first sequences of the
    /// alignment are as diverse as the whole.
    pub fn sample(&self, n: usize, how: Sampling, seed: u64) -> Vec<Vec<u8>> {
        let chains = how.chains.clamp(1, n.max(1));
        let mut rngs: Vec<StdRng> = (0..chains)
            .map(|c| StdRng::seed_from_u64(seed ^ (0x6769_6262 + c as u64)))
            .collect();
        let mut states: Vec<Vec<u8>> = rngs
            .iter_mut()
            .map(|rng| {
                (0..self.l)
                    .map(|_| rng.random_range(0..self.q) as u8)
                    .collect()
            })
            .collect();
        for (s, rng) in states.iter_mut().zip(rngs.iter_mut()) {
            for _ in 0..how.burn_in {
                self.sweep(s, rng);
            }
        }
        let mut out = Vec::with_capacity(n);
        for k in 0..n {
            let c = k % chains;
            for _ in 0..how.thin.max(1) {
                self.sweep(&mut states[c], &mut rngs[c]);
            }
            out.push(states[c].clone());
        }
        out
    }

    /// Every sequence of a small model with its exact Boltzmann probability (`q^l` of them;
    /// for tests and checks on tiny systems).
    pub fn exact(&self) -> Vec<(Vec<u8>, f64)> {
        let total = self.q.pow(self.l as u32);
        let seqs: Vec<Vec<u8>> = (0..total)
            .map(|mut c| {
                let mut s = vec![0u8; self.l];
                for v in s.iter_mut().rev() {
                    *v = (c % self.q) as u8;
                    c /= self.q;
                }
                s
            })
            .collect();
        let w: Vec<f64> = seqs.iter().map(|s| self.log_weight(s).exp()).collect();
        let z: f64 = w.iter().sum();
        seqs.into_iter().zip(w).map(|(s, w)| (s, w / z)).collect()
    }

    /// The Frobenius norm of every coupling block in the zero-sum gauge, `[i][j]`.
    pub fn block_norms(&self) -> Vec<Vec<f64>> {
        super::scores::frobenius_zero_sum(&self.j, self.l, self.q)
    }
}
