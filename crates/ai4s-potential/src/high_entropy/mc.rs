//! Canonical Monte Carlo with swap moves, for any energy model with a local one-site change.
//!
//! A move picks two sites holding different species and proposes to exchange them (a
//! Kawasaki-type exchange over any distance, which keeps the composition fixed); the Metropolis
//! rule accepts it with probability `min(1, exp(-Delta E / k_B T))` (Metropolis et al., J. Chem.
//! Phys. 21, 1087 (1953)). `Delta E` of the exchange of `i` and `j` is the change of `i` to
//! `t_j` followed by the change of `j` to `t_i` with `i` already changed, so a model only
//! supplies the energy change of one site ([`SiteModel::change`]), computed from that site's
//! clusters or neighbours: the cost of a move does not grow with the cell. A sweep is `N`
//! proposals. The temperatures are visited from hot to cold, each starting from the previous
//! end state; at each, `equilibration` sweeps are discarded and `samples` sweeps measured:
//! `<E>`, the heat capacity `C = (<E^2> - <E>^2) / (N k_B^2 T^2)` (in `k_B` per site) and the
//! Warren-Cowley matrix of the first shell from the averaged neighbour counts.

use super::lattice::FccLattice;
use super::sro::{concentrations, pair_counts, warren_cowley};
use ai4s_core::progress::Progress;
use ai4s_core::{Error, Result};
use rand::Rng;
use std::time::Instant;

/// Boltzmann constant (eV/K).
pub const K_B: f64 = 8.617_333_262e-5;

/// An energy model on the lattice that can tell the change of one site's species locally.
pub trait SiteModel {
    /// Total energy (eV).
    fn energy(&self, lat: &FccLattice, occ: &[u8]) -> f64;
    /// Energy change (eV) when site `i` changes from `occ[i]` to `new`, all else fixed.
    fn change(&self, lat: &FccLattice, occ: &[u8], i: usize, new: u8) -> f64;
}

/// Energy change of exchanging the species of sites `i` and `j` (`occ` is left as it was).
pub fn swap_delta<M: SiteModel + ?Sized>(
    m: &M,
    lat: &FccLattice,
    occ: &mut [u8],
    i: usize,
    j: usize,
) -> f64 {
    let (a, b) = (occ[i], occ[j]);
    let first = m.change(lat, occ, i, b);
    occ[i] = b;
    let second = m.change(lat, occ, j, a);
    occ[i] = a;
    first + second
}

/// One sweep (`N` exchange proposals) at temperature `t` (K); returns the accepted count and
/// keeps `energy` up to date. Needs at least two species present.
pub fn sweep<M: SiteModel + ?Sized, R: Rng>(
    m: &M,
    lat: &FccLattice,
    occ: &mut [u8],
    t: f64,
    energy: &mut f64,
    rng: &mut R,
) -> usize {
    let n = occ.len();
    let beta = 1.0 / (K_B * t);
    let mut accepted = 0;
    for _ in 0..n {
        let i = rng.random_range(0..n);
        let mut j = rng.random_range(0..n);
        while occ[j] == occ[i] {
            j = rng.random_range(0..n);
        }
        let d = swap_delta(m, lat, occ, i, j);
        if d <= 0.0 || rng.random::<f64>() < (-beta * d).exp() {
            occ.swap(i, j);
            *energy += d;
            accepted += 1;
        }
    }
    accepted
}

/// Sweeps per temperature.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Temperatures (K), visited in the given order (hot to cold for an anneal).
    pub temperatures: Vec<f64>,
    /// Sweeps discarded at each temperature.
    pub equilibration: usize,
    /// Sweeps measured at each temperature.
    pub samples: usize,
}

/// What was measured at one temperature.
#[derive(Clone, Debug)]
pub struct TemperaturePoint {
    /// Temperature (K).
    pub t: f64,
    /// Mean energy per site (eV).
    pub energy: f64,
    /// Heat capacity per site (`k_B`).
    pub heat_capacity: f64,
    /// First-shell Warren-Cowley matrix.
    pub alpha: Vec<Vec<f64>>,
    /// Accepted fraction of the measured proposals.
    pub acceptance: f64,
}

/// A finished anneal.
#[derive(Clone, Debug)]
pub struct Anneal {
    /// One entry per temperature of the schedule.
    pub points: Vec<TemperaturePoint>,
    /// Sweeps run in all.
    pub sweeps: usize,
    /// Wall seconds spent in the sweeps themselves.
    pub sweep_seconds: f64,
    /// The final configuration.
    pub occ: Vec<u8>,
}

/// Runs `schedule` from `occ` with `k` species.
pub fn anneal<M: SiteModel + ?Sized, R: Rng>(
    m: &M,
    lat: &FccLattice,
    mut occ: Vec<u8>,
    k: usize,
    schedule: &Schedule,
    rng: &mut R,
    mut progress: Option<&mut Progress>,
) -> Result<Anneal> {
    let conc = concentrations(&occ, k);
    if conc.iter().filter(|&&c| c > 0.0).count() < 2 {
        return Err(Error::Runtime(
            "Monte Carlo needs at least two species present to exchange".into(),
        ));
    }
    let n = occ.len() as f64;
    let mut points = Vec::with_capacity(schedule.temperatures.len());
    let mut seconds = 0.0;
    for &t in &schedule.temperatures {
        // A fresh total at each temperature keeps rounding from accumulating.
        let mut energy = m.energy(lat, &occ);
        let clock = Instant::now();
        for _ in 0..schedule.equilibration {
            sweep(m, lat, &mut occ, t, &mut energy, rng);
        }
        seconds += clock.elapsed().as_secs_f64();
        let (mut s1, mut s2, mut accepted) = (0.0, 0.0, 0usize);
        let mut counts = vec![0.0; k * k];
        for _ in 0..schedule.samples {
            let clock = Instant::now();
            accepted += sweep(m, lat, &mut occ, t, &mut energy, rng);
            seconds += clock.elapsed().as_secs_f64();
            s1 += energy;
            s2 += energy * energy;
            for (c, v) in counts.iter_mut().zip(pair_counts(&lat.shells[0], &occ, k)) {
                *c += v;
            }
        }
        let samples = schedule.samples.max(1) as f64;
        let mean = s1 / samples;
        let var = (s2 / samples - mean * mean).max(0.0);
        points.push(TemperaturePoint {
            t,
            energy: mean / n,
            heat_capacity: var / (n * (K_B * t).powi(2)),
            alpha: warren_cowley(&counts, &conc),
            acceptance: accepted as f64 / (samples * n),
        });
        if let Some(p) = progress.as_deref_mut() {
            p.inc(1);
            p.set_metric("T", t);
        }
    }
    Ok(Anneal {
        points,
        sweeps: schedule.temperatures.len() * (schedule.equilibration + schedule.samples),
        sweep_seconds: seconds,
        occ,
    })
}

/// Order-disorder temperature from the heat-capacity peak: the centroid
/// `sum T_i w_i / sum w_i`, `w_i = C_i - C_max / 2`, over the contiguous run of temperatures
/// around the maximum where `C` stays above half of it. On a broad, noisy peak (a finite
/// multi-component cell orders over a range of temperatures) this is far steadier than the
/// position of the single largest value, and on a sharp peak it is that position.
pub fn peak_temperature(points: &[TemperaturePoint]) -> f64 {
    let Some(m) = (0..points.len())
        .max_by(|&a, &b| points[a].heat_capacity.total_cmp(&points[b].heat_capacity))
    else {
        return f64::NAN;
    };
    let half = 0.5 * points[m].heat_capacity;
    let mut lo = m;
    while lo > 0 && points[lo - 1].heat_capacity > half {
        lo -= 1;
    }
    let mut hi = m;
    while hi + 1 < points.len() && points[hi + 1].heat_capacity > half {
        hi += 1;
    }
    let (mut sw, mut swt) = (0.0, 0.0);
    for p in &points[lo..=hi] {
        let w = p.heat_capacity - half;
        sw += w;
        swt += w * p.t;
    }
    if sw > 0.0 { swt / sw } else { points[m].t }
}

/// Geometric temperature ladder of `points` values from `hot` down to `cold` (K).
pub fn ladder(cold: f64, hot: f64, points: usize) -> Vec<f64> {
    if points < 2 {
        return vec![hot];
    }
    let r = (cold / hot).powf(1.0 / (points - 1) as f64);
    (0..points).map(|i| hot * r.powi(i as i32)).collect()
}
