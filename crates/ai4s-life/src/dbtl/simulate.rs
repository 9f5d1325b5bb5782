//! The simulated construct library: a thermodynamic-style model of expression.
//!
//! A design picks one part at each of five positions: promoter `p`, ribosome binding site `r`,
//! 5' coding-sequence variant `c` (synonymous codons at the start of the gene), terminator `t` and
//! plasmid origin `o`. Its expression (fluorescence, arbitrary units) is
//!
//! ```text
//! E = A * L / (1 + L / K) * exp(-beta (dG_r + dG_c + J_rc)) * tau_t,    L = n_o * theta_p,
//! theta_p = 1 / (1 + exp(dG_p))
//! ```
//!
//! - `theta_p`: promoter occupancy by RNA polymerase, the equilibrium binding probability of the
//!   thermodynamic model of transcription (Shea & Ackers 1985; Bintu et al. 2005), with the
//!   binding free energy `dG_p` in units of kT.
//! - `n_o`: plasmid copy number of the origin (pSC101 ~5, p15A ~20, ColE1/pUC ~100 per cell).
//! - `L / (1 + L / K)`: the transcriptional load saturates the cell (burden): a pairwise
//!   promoter x origin interaction, so the strongest promoter on the highest-copy plasmid gains
//!   less than the sum of their main effects.
//! - `exp(-beta dG_tot)`: the translation initiation rate of the RBS calculator (Salis, Mirsky &
//!   Voigt 2009), `beta = 0.45 mol/kcal`, with `dG_tot` the sum of the RBS's own free energy, the
//!   coding variant's folding energy and a pairwise RBS x CDS term `J_rc` (the mRNA around the
//!   start codon folds differently for each pairing): the epistasis that makes parts
//!   context-dependent.
//! - `tau_t`: terminator efficiency (read-through lowers the useful transcript).
//!
//! Each measurement multiplies `E` by log-normal noise `exp(sigma z)`, `z ~ N(0, 1)`, the
//! usual model of plate-reader and flow-cytometry replicates. Every seed draws a new library.

use rand::{Rng, rngs::StdRng};

/// Boltzmann factor of the RBS calculator in mol/kcal.
pub const BETA: f64 = 0.45;

/// Parameters of one simulated library.
#[derive(Clone, Debug)]
pub struct Library {
    /// Options per position (promoter, RBS, CDS variant, terminator, origin).
    pub levels: Vec<usize>,
    /// Promoter binding free energies `dG_p` (kT).
    pub promoter_dg: Vec<f64>,
    /// RBS free energies `dG_r` (kcal/mol).
    pub rbs_dg: Vec<f64>,
    /// CDS-variant folding free energies `dG_c` (kcal/mol).
    pub cds_dg: Vec<f64>,
    /// RBS x CDS interaction free energies `J_rc` (kcal/mol), `rbs_cds[r][c]`.
    pub rbs_cds: Vec<Vec<f64>>,
    /// Terminator efficiencies `tau_t` in (0, 1].
    pub terminator: Vec<f64>,
    /// Plasmid copy numbers `n_o`.
    pub copies: Vec<f64>,
    /// Load at which the burden halves the marginal gain (`K`).
    pub burden: f64,
    /// Standard deviation of the log-normal measurement noise (natural log).
    pub noise: f64,
}

/// Plasmid copy numbers of common origins, lowest first.
pub const ORIGIN_COPIES: [f64; 4] = [5.0, 20.0, 100.0, 300.0];

/// Settings of the simulator that a config exposes.
#[derive(Clone, Debug)]
pub struct LibrarySpec {
    /// Options at the promoter, RBS, CDS, terminator and origin positions.
    pub levels: [usize; 5],
    /// Standard deviation of the RBS x CDS interaction (kcal/mol).
    pub epistasis: f64,
    /// Log-normal measurement noise (natural log).
    pub noise: f64,
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn uniform(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

impl Library {
    /// Draws a library: promoter energies U(-2, 4) kT (a ~50-fold occupancy range, like the
    /// Anderson promoter collection), RBS energies U(-6, 6) kcal/mol (~200-fold), CDS folding
    /// U(0, 3) kcal/mol, interactions N(0, epistasis^2), terminators U(0.5, 1), and the first
    /// `levels[4]` origins of [`ORIGIN_COPIES`]. The burden constant is 30 transcribing copies.
    pub fn draw(spec: &LibrarySpec, rng: &mut StdRng) -> Library {
        let [np, nr, nc, nt, no] = spec.levels;
        let promoter_dg = (0..np).map(|_| uniform(rng, -2.0, 4.0)).collect();
        let rbs_dg = (0..nr).map(|_| uniform(rng, -6.0, 6.0)).collect();
        let cds_dg = (0..nc).map(|_| uniform(rng, 0.0, 3.0)).collect();
        let rbs_cds = (0..nr)
            .map(|_| (0..nc).map(|_| spec.epistasis * normal(rng)).collect())
            .collect();
        let terminator = (0..nt).map(|_| uniform(rng, 0.5, 1.0)).collect();
        Library {
            levels: spec.levels.to_vec(),
            promoter_dg,
            rbs_dg,
            cds_dg,
            rbs_cds,
            terminator,
            copies: ORIGIN_COPIES[..no].to_vec(),
            burden: 30.0,
            noise: spec.noise,
        }
    }

    /// Number of designs (the product of the options per position).
    pub fn size(&self) -> usize {
        self.levels.iter().product()
    }

    /// The design with index `i` (mixed radix, the last position fastest).
    pub fn design(&self, mut i: usize) -> Vec<usize> {
        let mut d = vec![0; self.levels.len()];
        for (k, &n) in self.levels.iter().enumerate().rev() {
            d[k] = i % n;
            i /= n;
        }
        d
    }

    /// Index of a design (inverse of [`Library::design`]).
    pub fn index(&self, d: &[usize]) -> usize {
        d.iter()
            .zip(&self.levels)
            .fold(0, |acc, (&v, &n)| acc * n + v)
    }

    /// Noise-free expression of design `d` (arbitrary units).
    pub fn expression(&self, d: &[usize]) -> f64 {
        let (p, r, c, t, o) = (d[0], d[1], d[2], d[3], d[4]);
        let theta = 1.0 / (1.0 + self.promoter_dg[p].exp());
        let load = self.copies[o] * theta;
        let transcription = load / (1.0 + load / self.burden);
        let dg = self.rbs_dg[r] + self.cds_dg[c] + self.rbs_cds[r][c];
        1000.0 * transcription * (-BETA * dg).exp() * self.terminator[t]
    }

    /// One measurement of design `d`: expression times log-normal noise.
    pub fn measure(&self, d: &[usize], rng: &mut StdRng) -> f64 {
        self.expression(d) * (self.noise * normal(rng)).exp()
    }

    /// Noise-free expression of every design, by index.
    pub fn landscape(&self) -> Vec<f64> {
        (0..self.size())
            .map(|i| self.expression(&self.design(i)))
            .collect()
    }
}

/// The expression a design must reach to be in the top `fraction` of the library, and how many
/// designs do: the `ceil(fraction * N)` best.
pub fn top_threshold(landscape: &[f64], fraction: f64) -> (f64, usize) {
    let mut v = landscape.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let m = ((fraction * v.len() as f64).ceil() as usize).clamp(1, v.len().max(1));
    (v.get(m - 1).copied().unwrap_or(f64::NAN), m)
}

/// Fraction of the library strictly better than `value` (0 for the optimum).
pub fn top_fraction(sorted_desc: &[f64], value: f64) -> f64 {
    let better = sorted_desc.partition_point(|&v| v > value);
    better as f64 / sorted_desc.len().max(1) as f64
}

/// Smallest random library (designs drawn without replacement from `n` designs of which `m` are
/// hits) that contains a hit with probability at least `p`: the hypergeometric waiting time.
pub fn random_designs_needed(n: usize, m: usize, p: f64) -> usize {
    let mut miss = 1.0;
    for k in 0..n {
        if 1.0 - miss >= p {
            return k;
        }
        miss *= (n - m - k.min(n - m)) as f64 / (n - k) as f64;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn spec() -> LibrarySpec {
        LibrarySpec {
            levels: [8, 8, 6, 4, 3],
            epistasis: 1.0,
            noise: 0.2,
        }
    }

    #[test]
    fn designs_round_trip_and_noise_is_log_normal() {
        let mut rng = StdRng::seed_from_u64(1);
        let lib = Library::draw(&spec(), &mut rng);
        assert_eq!(lib.size(), 8 * 8 * 6 * 4 * 3);
        for i in [0, 1, 17, 999, lib.size() - 1] {
            assert_eq!(lib.index(&lib.design(i)), i);
        }
        // ln(measured / true) has mean 0 and standard deviation `noise`.
        let d = lib.design(123);
        let e = lib.expression(&d);
        let logs: Vec<f64> = (0..20_000)
            .map(|_| (lib.measure(&d, &mut rng) / e).ln())
            .collect();
        let (m, s) = ai4s_core::metrics::mean_std(&logs);
        assert!(m.abs() < 0.01 && (s - 0.2).abs() < 0.01, "mean {m}, sd {s}");
    }

    #[test]
    fn epistasis_is_pairwise_and_burden_saturates() {
        let mut rng = StdRng::seed_from_u64(2);
        let lib = Library::draw(&spec(), &mut rng);
        let ln = |d: [usize; 5]| lib.expression(&d).ln();
        // Terminator effects are purely multiplicative: a log-additive main effect.
        let a = ln([0, 0, 0, 0, 0]) - ln([0, 0, 0, 1, 0]);
        let b = ln([3, 5, 2, 0, 2]) - ln([3, 5, 2, 1, 2]);
        assert!((a - b).abs() < 1e-12);
        // Swapping the RBS changes the effect of the CDS variant by exactly beta (J_r'c - J_rc).
        let cds_effect = |r: usize| ln([0, r, 1, 0, 0]) - ln([0, r, 0, 0, 0]);
        let want = -BETA
            * ((lib.rbs_cds[1][1] - lib.rbs_cds[1][0]) - (lib.rbs_cds[0][1] - lib.rbs_cds[0][0]));
        assert!((cds_effect(1) - cds_effect(0) - want).abs() < 1e-12);
        // The copy-number gain shrinks as the promoter gets stronger (burden).
        let strongest = (0..8)
            .min_by(|&i, &j| lib.promoter_dg[i].total_cmp(&lib.promoter_dg[j]))
            .unwrap_or(0);
        let weakest = (0..8)
            .max_by(|&i, &j| lib.promoter_dg[i].total_cmp(&lib.promoter_dg[j]))
            .unwrap_or(0);
        let gain = |p: usize| ln([p, 0, 0, 0, 2]) - ln([p, 0, 0, 0, 0]);
        assert!(gain(strongest) < gain(weakest));
    }

    #[test]
    fn thresholds_and_random_waiting_time() {
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let (thr, m) = top_threshold(&v, 0.01);
        assert_eq!((thr, m), (990.0, 10));
        let mut sorted = v.clone();
        sorted.reverse();
        assert_eq!(top_fraction(&sorted, 999.0), 0.0);
        assert!((top_fraction(&sorted, 990.0) - 0.009).abs() < 1e-12);
        // With 1 % hits, half the random libraries of ~69 designs contain one (1 - 0.99^69 = 0.5).
        let k = random_designs_needed(100_000, 1000, 0.5);
        assert!((68..=70).contains(&k), "{k}");
        // Simulated waiting times agree with the formula.
        let mut rng = StdRng::seed_from_u64(3);
        let mut firsts = Vec::new();
        for _ in 0..4000 {
            let first = (1..)
                .find(|_| rng.random::<f64>() < 0.01)
                .unwrap_or(usize::MAX);
            firsts.push(first as f64);
        }
        let med = ai4s_core::metrics::median(&firsts);
        assert!(
            (med - k as f64).abs() <= 5.0,
            "simulated median {med} vs {k}"
        );
    }
}
