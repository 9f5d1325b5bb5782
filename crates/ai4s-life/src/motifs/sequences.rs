//! Simulated regulatory DNA: a Markov background with planted binding sites.
//!
//! Background: a first-order Markov chain over `A, C, G, T` whose base frequencies give the GC
//! content (about 41 % in the human genome) and whose `C -> G` transition is scaled down by the
//! CpG observed/expected ratio (about 0.2-0.25 outside CpG islands, from the methylation and
//! deamination of CpG; Bird 1980, Gardiner-Garden & Frommer 1987):
//! `P(b | a) ∝ f_b`, except `P(G | C) ∝ s f_G`, each row normalised, with `f` and `s` adjusted so
//! that the chain's stationary frequencies are `P(C) = P(G) = GC/2`, `P(A) = P(T)` and its CpG
//! observed/expected ratio is the asked value.
//!
//! Motifs are position weight matrices (PWMs): column `j` is a distribution `p_j(b)` over bases.
//! A column's information content is `IC_j = 2 + sum_b p_j(b) log2 p_j(b)` bits (0 for a uniform
//! column, 2 for a fixed base; Schneider et al. 1986). A motif of width `w` and total information
//! `I` gets per-column targets around `I / w` (spread +-40 %, at most 1.95 bits, summing to `I`); each column
//! has a random consensus base with probability `q` and the rest split at random (shares within 3:1),
//! `q` found by bisection so that the column carries exactly its target.
//!
//! A positive sequence carries one site sampled from the PWM (each column independently) at a
//! uniform position, on the forward strand or, with probability 1/2, as its reverse complement.

use rand::{Rng, rngs::StdRng};

/// Base letters in code order.
pub const BASES: [char; 4] = ['A', 'C', 'G', 'T'];

/// Code of a position without a base: `N`, an IUPAC ambiguity code or padding in your own
/// sequences ([`super::byo`]). It one-hot encodes as an all-zero column, no k-mer window
/// containing it is counted, and it is its own complement.
pub const GAP: u8 = 4;

/// Complement of base code `b` (A <-> T, C <-> G; [`GAP`] stays [`GAP`]).
pub fn complement(b: u8) -> u8 {
    if b < 4 { 3 - b } else { b }
}

/// Reverse complement of a sequence of base codes.
pub fn reverse_complement(s: &[u8]) -> Vec<u8> {
    s.iter().rev().map(|&b| complement(b)).collect()
}

/// First-order Markov background.
#[derive(Clone, Debug)]
pub struct Background {
    /// `trans[a][b] = P(next = b | current = a)`.
    pub trans: [[f64; 4]; 4],
    /// Stationary distribution (the first base is drawn from it).
    pub stationary: [f64; 4],
}

impl Background {
    /// The chain whose stationary GC content is `gc` and whose CpG observed/expected ratio
    /// `P(CG) / (P(C) P(G)) = P(G | C) / P(G)` is `cpg_ratio`: the base frequencies and the
    /// `C -> G` factor are adjusted by fixed-point iteration until both hold.
    pub fn new(gc: f64, cpg_ratio: f64) -> Background {
        let (mut c, mut g, mut factor) = (gc / 2.0, gc / 2.0, cpg_ratio);
        let mut chain = Self::chain(c, g, factor);
        for _ in 0..200 {
            let pi = chain.stationary;
            let oe = chain.trans[1][2] / pi[2];
            factor = (factor * cpg_ratio / oe).min(1e3);
            c = (c * gc / 2.0 / pi[1]).clamp(0.005, 0.49);
            g = (g * gc / 2.0 / pi[2]).clamp(0.005, 0.49);
            chain = Self::chain(c, g, factor);
        }
        chain
    }

    /// Base frequencies `((1 - c - g)/2, c, g, (1 - c - g)/2)` with the `C -> G` step scaled by
    /// `factor`.
    fn chain(c: f64, g: f64, factor: f64) -> Background {
        let at = 0.5 * (1.0 - c - g);
        let f = [at, c, g, at];
        let mut trans = [f; 4];
        trans[1][2] *= factor;
        for row in trans.iter_mut() {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|p| *p /= s);
        }
        let mut pi = f;
        for _ in 0..200 {
            let mut next = [0.0; 4];
            for a in 0..4 {
                for b in 0..4 {
                    next[b] += pi[a] * trans[a][b];
                }
            }
            pi = next;
        }
        Background {
            trans,
            stationary: pi,
        }
    }

    /// A sequence of `len` base codes.
    pub fn sample(&self, len: usize, rng: &mut StdRng) -> Vec<u8> {
        let mut s = Vec::with_capacity(len);
        let mut prev = draw(&self.stationary, rng);
        for i in 0..len {
            if i > 0 {
                prev = draw(&self.trans[prev as usize], rng);
            }
            s.push(prev);
        }
        s
    }
}

fn draw(p: &[f64; 4], rng: &mut StdRng) -> u8 {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (b, &pb) in p.iter().enumerate() {
        acc += pb;
        if u < acc {
            return b as u8;
        }
    }
    3
}

/// Information content of one PWM column in bits.
pub fn column_ic(p: &[f64; 4]) -> f64 {
    2.0 + p
        .iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| x * x.log2())
        .sum::<f64>()
}

/// A position weight matrix: one base distribution per position.
#[derive(Clone, Debug, PartialEq)]
pub struct Pwm {
    /// Columns `p_j(A, C, G, T)`.
    pub cols: Vec<[f64; 4]>,
}

impl Pwm {
    /// Width (number of columns).
    pub fn width(&self) -> usize {
        self.cols.len()
    }

    /// Total information content in bits.
    pub fn information(&self) -> f64 {
        self.cols.iter().map(column_ic).sum()
    }

    /// The motif of the opposite strand.
    pub fn reverse_complement(&self) -> Pwm {
        Pwm {
            cols: self
                .cols
                .iter()
                .rev()
                .map(|c| [c[3], c[2], c[1], c[0]])
                .collect(),
        }
    }

    /// A site sampled column by column.
    pub fn sample(&self, rng: &mut StdRng) -> Vec<u8> {
        self.cols.iter().map(|c| draw(c, rng)).collect()
    }

    /// A random motif of `width` columns carrying `bits` of information in total.
    pub fn random(width: usize, bits: f64, rng: &mut StdRng) -> Pwm {
        let raw: Vec<f64> = (0..width)
            .map(|_| 1.0 + 0.4 * (2.0 * rng.random::<f64>() - 1.0))
            .collect();
        // Per-column targets proportional to `raw`, capped at 1.95 bits with the excess
        // spread over the other columns.
        let mut targets = vec![0.0; width];
        let mut free: Vec<usize> = (0..width).collect();
        let mut left = bits;
        while !free.is_empty() {
            let s: f64 = free.iter().map(|&j| raw[j]).sum();
            let over: Vec<usize> = free
                .iter()
                .copied()
                .filter(|&j| left * raw[j] / s > 1.95)
                .collect();
            if over.is_empty() {
                for &j in &free {
                    targets[j] = left * raw[j] / s;
                }
                break;
            }
            for &j in &over {
                targets[j] = 1.95;
                left -= 1.95;
            }
            free.retain(|j| !over.contains(j));
        }
        let cols = targets
            .iter()
            .map(|&target| {
                let consensus = rng.random_range(0..4usize);
                // A random split of the remainder over the three other bases (shares at most
                // 3:1 apart, so the consensus base dominates at any target).
                let e: Vec<f64> = (0..3).map(|_| 0.5 + rng.random::<f64>()).collect();
                let es: f64 = e.iter().sum();
                let col = |q: f64| {
                    let mut c = [0.0; 4];
                    let mut k = 0;
                    for (b, v) in c.iter_mut().enumerate() {
                        if b == consensus {
                            *v = q;
                        } else {
                            *v = (1.0 - q) * e[k] / es;
                            k += 1;
                        }
                    }
                    c
                };
                // The information falls with q up to q* = 1 / (1 + 2^H_rest) (the most even
                // column) and rises after it; search above q*.
                let h_rest: f64 = -e.iter().map(|v| v / es * (v / es).log2()).sum::<f64>();
                let (mut lo, mut hi) = (1.0 / (1.0 + h_rest.exp2()), 1.0f64);
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    if column_ic(&col(mid)) < target {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                col(0.5 * (lo + hi))
            })
            .collect();
        Pwm { cols }
    }
}

/// Labelled sequences with the planted sites recorded.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// Base codes of each sequence.
    pub seqs: Vec<Vec<u8>>,
    /// Whether each sequence carries a site.
    pub labels: Vec<bool>,
    /// The planted site: start on the forward strand and whether it reads on the reverse strand.
    pub sites: Vec<Option<(usize, bool)>>,
}

impl Dataset {
    /// `n` sequences of `len` bases, alternately with and without a site of `pwm`.
    pub fn simulate(n: usize, len: usize, bg: &Background, pwm: &Pwm, rng: &mut StdRng) -> Self {
        let mut d = Dataset::default();
        for i in 0..n {
            let mut s = bg.sample(len, rng);
            let site = if i % 2 == 0 {
                let pos = rng.random_range(0..=len - pwm.width());
                let rc = rng.random::<bool>();
                let mut w = pwm.sample(rng);
                if rc {
                    w = reverse_complement(&w);
                }
                s[pos..pos + w.len()].copy_from_slice(&w);
                Some((pos, rc))
            } else {
                None
            };
            d.seqs.push(s);
            d.labels.push(site.is_some());
            d.sites.push(site);
        }
        d
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    /// Whether there are no sequences.
    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// The first `n` sequences.
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            seqs: self.seqs[..n].to_vec(),
            labels: self.labels[..n].to_vec(),
            sites: self.sites[..n].to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn background_has_the_asked_composition_and_cpg_depletion() {
        let bg = Background::new(0.41, 0.25);
        let mut rng = StdRng::seed_from_u64(7);
        let s = bg.sample(400_000, &mut rng);
        let mut count = [0.0f64; 4];
        for &b in &s {
            count[b as usize] += 1.0;
        }
        let n = s.len() as f64;
        for (c, p) in count.iter().zip(&bg.stationary) {
            assert!((c / n - p).abs() < 0.005);
        }
        // Strand symmetry: C and G (and A and T) equally frequent, GC content as asked.
        assert!((bg.stationary[1] - 0.205).abs() < 1e-6 && (bg.stationary[2] - 0.205).abs() < 1e-6);
        assert!((bg.stationary[0] - bg.stationary[3]).abs() < 1e-6);
        let gc = (count[1] + count[2]) / n;
        assert!((gc - 0.41).abs() < 0.005, "GC {gc}");
        // CpG observed / expected, the statistic of Gardiner-Garden & Frommer.
        let cg = s.windows(2).filter(|w| w[0] == 1 && w[1] == 2).count() as f64;
        let ratio = cg * n / (count[1] * count[2]);
        assert!((ratio - 0.25).abs() < 0.05, "CpG o/e {ratio}");
    }

    #[test]
    fn motifs_carry_their_information_and_sites_follow_the_pwm() {
        let mut rng = StdRng::seed_from_u64(8);
        for bits in [6.0, 12.0, 18.0] {
            let pwm = Pwm::random(12, bits, &mut rng);
            assert!((pwm.information() - bits).abs() < 1e-6, "{bits} bits");
            assert!(
                pwm.cols
                    .iter()
                    .all(|c| (c.iter().sum::<f64>() - 1.0).abs() < 1e-12)
            );
            let rc = pwm.reverse_complement();
            assert!((rc.information() - bits).abs() < 1e-6);
            assert_eq!(rc.reverse_complement(), pwm);
        }
        // Planted sites, read back on their strand, have the PWM's base frequencies.
        let pwm = Pwm::random(10, 12.0, &mut rng);
        let bg = Background::new(0.41, 0.25);
        let d = Dataset::simulate(6000, 60, &bg, &pwm, &mut rng);
        assert_eq!(d.labels.iter().filter(|&&l| l).count(), 3000);
        let mut freq = vec![[0.0f64; 4]; 10];
        let mut strands = 0usize;
        for (s, site) in d.seqs.iter().zip(&d.sites) {
            if let Some((pos, rc)) = *site {
                let mut w = s[pos..pos + 10].to_vec();
                if rc {
                    w = reverse_complement(&w);
                    strands += 1;
                }
                for (j, &b) in w.iter().enumerate() {
                    freq[j][b as usize] += 1.0 / 3000.0;
                }
            }
        }
        for (f, p) in freq.iter().zip(&pwm.cols) {
            for b in 0..4 {
                // Binomial standard error at n = 3000 is below 0.01.
                assert!((f[b] - p[b]).abs() < 0.04, "{f:?} vs {p:?}");
            }
        }
        assert!((strands as f64 / 3000.0 - 0.5).abs() < 0.05);
    }
}
