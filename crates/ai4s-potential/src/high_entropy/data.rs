//! The labelled configurations the expansion is fitted to.
//!
//! Two kinds, as a practitioner mixes them: random solutions at compositions drawn uniformly
//! from the simplex (flat Dirichlet), which pin the point and composition dependence, and
//! snapshots of short reference Monte Carlo runs near the equiatomic composition, each at a
//! temperature drawn log-uniformly from the anneal's range, which carry the short-range order
//! the thermodynamics visits. Every configuration is labelled by the Lennard-Jones labeller.

use super::config::HighEntropyConfig;
use super::lattice::FccLattice;
use super::mc::{SiteModel, sweep};
use super::reference::Reference;
use ai4s_core::Result;
use ai4s_core::progress::Progress;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Labelled configurations.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Species of every site, one vector per configuration.
    pub occ: Vec<Vec<u8>>,
    /// Reference energy per site (eV).
    pub energy: Vec<f64>,
    /// Whether the configuration comes from a short Monte Carlo run.
    pub annealed: Vec<bool>,
}

/// Whole-site counts of `k` species for concentrations `c` (largest remainders rounded up).
pub fn counts(c: &[f64], sites: usize) -> Vec<usize> {
    let total: f64 = c.iter().sum();
    let exact: Vec<f64> = c.iter().map(|v| v / total * sites as f64).collect();
    let mut n: Vec<usize> = exact.iter().map(|v| v.floor() as usize).collect();
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let missing = sites - n.iter().sum::<usize>();
    for &a in order.iter().take(missing) {
        n[a] += 1;
    }
    n
}

/// A random arrangement of `counts[a]` sites of each species `a`.
pub fn arrange<R: Rng>(counts: &[usize], rng: &mut R) -> Vec<u8> {
    let mut occ: Vec<u8> = counts
        .iter()
        .enumerate()
        .flat_map(|(a, &n)| std::iter::repeat_n(a as u8, n))
        .collect();
    occ.shuffle(rng);
    occ
}

/// Concentrations drawn uniformly from the simplex of `k` species.
fn dirichlet<R: Rng>(k: usize, rng: &mut R) -> Vec<f64> {
    (0..k).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect()
}

/// Generates and labels `cfg.configurations` configurations on `lat`.
pub fn generate(
    reference: &Reference,
    lat: &FccLattice,
    cfg: &HighEntropyConfig,
    seed: u64,
    progress: &mut Progress,
) -> Result<Dataset> {
    let k = reference.species();
    let sites = lat.sites();
    let mut rng = StdRng::seed_from_u64(seed);
    let annealed_n = (cfg.annealed_fraction * cfg.configurations as f64).round() as usize;
    let [cold, hot] = cfg.temperature_range;
    let mut data = Dataset {
        occ: Vec::with_capacity(cfg.configurations),
        energy: Vec::with_capacity(cfg.configurations),
        annealed: Vec::with_capacity(cfg.configurations),
    };
    for c in 0..cfg.configurations {
        let annealed = c < annealed_n;
        let mut conc = dirichlet(k, &mut rng);
        let occ = if annealed {
            // Mostly equiatomic, with a little spread.
            let total: f64 = conc.iter().sum();
            conc.iter_mut()
                .for_each(|v| *v = 0.8 / k as f64 + 0.2 * *v / total);
            let mut occ = arrange(&counts(&conc, sites), &mut rng);
            let t = cold * (hot / cold).powf(rng.random::<f64>());
            let mut e = reference.energy(lat, &occ);
            for _ in 0..cfg.anneal_sweeps {
                sweep(reference, lat, &mut occ, t, &mut e, &mut rng);
            }
            occ
        } else {
            arrange(&counts(&conc, sites), &mut rng)
        };
        data.energy.push(reference.label(lat, &occ)? / sites as f64);
        data.occ.push(occ);
        data.annealed.push(annealed);
        progress.inc(1);
    }
    Ok(data)
}
