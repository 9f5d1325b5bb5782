//! The reference model: the multi-component Lennard-Jones mixture ([`LjMixture`]) with every
//! atom on its ideal fcc site.
//!
//! Species `a` has size `sigma_a`; pairs use the Lorentz rule `sigma_ab = (sigma_a + sigma_b)/2`
//! and the well depths `epsilon_ab` of the config, with one smooth switch from `r_on` to `rc`.
//! The lattice constant is the one that minimises the energy of a random equiatomic solution
//! (golden section, [`ai4s_core::minimize::golden_section`]); all configurations then share
//! it. Training energies come from the labeller itself ([`Labeller::compute`]); the Monte
//! Carlo uses [`SiteModel::change`], the sum of the changed switched pair terms between a site
//! and its neighbours within `rc` (the pair formula is evaluated on every call, as a potential
//! would be, not read from a table).

use super::lattice::FccLattice;
use super::mc::SiteModel;
use crate::cell::FCC;
use crate::labeller::{Labeller, quintic_switch};
use crate::lj::LjMixture;
use ai4s_core::minimize::golden_section;
use ai4s_core::{Error, Result};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Half-width of the lattice-constant search, relative to the guess
/// `sqrt(2) 2^(1/6) mean(sigma)`.
pub const A_BRACKET: f64 = 0.08;

/// The on-lattice Lennard-Jones mixture.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The labeller's parameters (its `types` are set per configuration).
    pub mixture: LjMixture,
}

impl Reference {
    /// The mixture of species sizes `sigma` (A) and well depths `epsilon` (eV).
    pub fn new(sigma: &[f64], epsilon: Vec<Vec<f64>>, r_on: f64, rc: f64) -> Result<Reference> {
        let sig = sigma
            .iter()
            .map(|a| sigma.iter().map(|b| 0.5 * (a + b)).collect())
            .collect();
        Ok(Reference {
            mixture: LjMixture::new(Vec::new(), epsilon, sig, r_on, rc)?,
        })
    }

    /// Number of species.
    pub fn species(&self) -> usize {
        self.mixture.epsilon.len()
    }

    /// Cutoff (A).
    pub fn cutoff(&self) -> f64 {
        self.mixture.rc
    }

    /// The switched pair energy of species `a` and `b` at distance `d` (eV).
    pub fn pair(&self, a: usize, b: usize, d: f64) -> f64 {
        let m = &self.mixture;
        let sr6 = (m.sigma[a][b] / d).powi(6);
        let (s, _) = quintic_switch((d - m.r_on) / (m.rc - m.r_on));
        4.0 * m.epsilon[a][b] * (sr6 * sr6 - sr6) * s
    }

    /// Total energy of `occ` on `lat` from the labeller (eV).
    pub fn label(&self, lat: &FccLattice, occ: &[u8]) -> Result<f64> {
        let mut m = self.mixture.clone();
        m.types = occ.iter().map(|&t| t as usize).collect();
        Ok(m.compute(&lat.pos, &lat.cell)?.energy)
    }

    /// Lattice constant (A) of least energy for a random equiatomic solution on `n` cells.
    pub fn lattice_constant(&self, n: usize, seed: u64) -> Result<f64> {
        let k = self.species();
        let mean_sigma = (0..k).map(|a| self.mixture.sigma[a][a]).sum::<f64>() / k as f64;
        // Nearest neighbours at the pair minimum 2^(1/6) sigma: a = sqrt(2) 2^(1/6) sigma.
        let guess = 2f64.sqrt() * 2f64.powf(1.0 / 6.0) * mean_sigma;
        let sites = FCC.len() * n * n * n;
        let mut occ: Vec<u8> = (0..sites).map(|i| (i % k) as u8).collect();
        occ.shuffle(&mut StdRng::seed_from_u64(seed));
        let energy = |a: f64| -> Result<f64> {
            let lat = FccLattice::new(a, n, self.cutoff())?;
            self.label(&lat, &occ)
        };
        let (lo, hi) = ((1.0 - A_BRACKET) * guess, (1.0 + A_BRACKET) * guess);
        // The narrowest cell must still hold the cutoff: test that end first.
        energy(lo)?;
        let a = golden_section(|a| energy(a).unwrap_or(f64::INFINITY), lo, hi, 1e-5 * guess);
        if (a - lo).abs() < 1e-3 * guess || (a - hi).abs() < 1e-3 * guess {
            return Err(Error::Runtime(format!(
                "the random alloy's lattice constant ({a:.4} A) is at the edge of the search bracket around {guess:.4} A; check sigma and the cutoff"
            )));
        }
        Ok(a)
    }
}

impl SiteModel for Reference {
    fn energy(&self, lat: &FccLattice, occ: &[u8]) -> f64 {
        let mut e = 0.0;
        for (i, list) in lat.within.iter().enumerate() {
            let a = occ[i] as usize;
            for &(j, d) in list {
                e += 0.5 * self.pair(a, occ[j] as usize, d);
            }
        }
        e + occ
            .iter()
            .map(|&t| self.mixture.atom_energy[t as usize])
            .sum::<f64>()
    }

    fn change(&self, lat: &FccLattice, occ: &[u8], i: usize, new: u8) -> f64 {
        let (old, new) = (occ[i] as usize, new as usize);
        let mut d = self.mixture.atom_energy[new] - self.mixture.atom_energy[old];
        for &(j, r) in &lat.within[i] {
            let t = occ[j] as usize;
            d += self.pair(new, t, r) - self.pair(old, t, r);
        }
        d
    }
}
