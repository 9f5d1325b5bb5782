//! The 2-D Ising model on a periodic square lattice: Metropolis sweeps and the snapshots the
//! task analyses.

use super::*;

/// Exact critical temperature of the square-lattice Ising model, `2 / ln(1 + sqrt 2)`.
pub const T_C: f64 = 2.269_185_314_213_022;

/// An `L x L` periodic lattice of spins `+-1`.
#[derive(Clone, Debug)]
pub struct Lattice {
    /// Side length (even, for the checkerboard).
    pub l: usize,
    /// Spins, row-major.
    pub spins: Vec<i8>,
}

impl Lattice {
    /// All spins up.
    pub fn ordered(l: usize) -> Lattice {
        Lattice {
            l,
            spins: vec![1; l * l],
        }
    }

    pub(super) fn neighbour_sum(&self, i: usize, j: usize) -> i32 {
        let l = self.l;
        let s = |a: usize, b: usize| i32::from(self.spins[a * l + b]);
        s((i + 1) % l, j) + s((i + l - 1) % l, j) + s(i, (j + 1) % l) + s(i, (j + l - 1) % l)
    }

    /// One checkerboard Metropolis sweep at inverse temperature `beta`.
    pub fn sweep(&mut self, beta: f64, rng: &mut SmallRng) {
        // Acceptance of the only positive energy changes, dE = 4 and 8.
        let w = [(-4.0 * beta).exp(), (-8.0 * beta).exp()];
        let l = self.l;
        for colour in 0..2 {
            for i in 0..l {
                let mut j = (i + colour) % 2;
                while j < l {
                    let s = i32::from(self.spins[i * l + j]);
                    let de = 2 * s * self.neighbour_sum(i, j);
                    if de <= 0 || rng.random::<f64>() < w[(de / 4 - 1) as usize] {
                        self.spins[i * l + j] = -self.spins[i * l + j];
                    }
                    j += 2;
                }
            }
        }
    }

    /// Energy per spin, `-sum_<ij> s_i s_j / N` (each bond once).
    pub fn energy_per_spin(&self) -> f64 {
        let l = self.l;
        let mut e = 0i64;
        for i in 0..l {
            for j in 0..l {
                let s = i64::from(self.spins[i * l + j]);
                e -= s * i64::from(self.spins[((i + 1) % l) * l + j]);
                e -= s * i64::from(self.spins[i * l + (j + 1) % l]);
            }
        }
        e as f64 / (l * l) as f64
    }

    /// Magnetisation per spin.
    pub fn magnetisation(&self) -> f64 {
        self.spins.iter().map(|&s| f64::from(s)).sum::<f64>() / self.spins.len() as f64
    }
}

/// Snapshots at one temperature, with the energy and magnetisation per spin of each.
#[derive(Clone, Debug)]
pub struct Samples {
    /// Temperature.
    pub t: f64,
    /// Spin configurations.
    pub snapshots: Vec<Vec<i8>>,
    /// Energy per spin of each snapshot.
    pub energy: Vec<f64>,
    /// Magnetisation per spin of each snapshot.
    pub magnetisation: Vec<f64>,
}

/// Metropolis run at temperature `t` from the ordered state: `equilibration` sweeps, then
/// `samples` snapshots `stride` sweeps apart.
pub fn simulate(
    l: usize,
    t: f64,
    equilibration: usize,
    samples: usize,
    stride: usize,
    seed: u64,
) -> Samples {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut lat = Lattice::ordered(l);
    let beta = 1.0 / t;
    for _ in 0..equilibration {
        lat.sweep(beta, &mut rng);
    }
    let mut out = Samples {
        t,
        snapshots: Vec::with_capacity(samples),
        energy: Vec::with_capacity(samples),
        magnetisation: Vec::with_capacity(samples),
    };
    for _ in 0..samples {
        for _ in 0..stride.max(1) {
            lat.sweep(beta, &mut rng);
        }
        out.snapshots.push(lat.spins.clone());
        out.energy.push(lat.energy_per_spin());
        out.magnetisation.push(lat.magnetisation());
    }
    out
}

/// Runs every temperature, spread over threads; each temperature has its own seed, so the
/// result does not depend on the number of threads.
pub(super) fn simulate_all(
    cfg: &IsingConfig,
    temps: &[f64],
    seed: u64,
    ctx: &RunContext,
) -> Vec<Samples> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let threads = if cfg.threads == 0 { cores } else { cfg.threads }.clamp(1, temps.len());
    let mut bar = ctx.progress("ising", temps.len() as u64);
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let mut out: Vec<(usize, Samples)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= temps.len() {
                            break mine;
                        }
                        let r = simulate(
                            cfg.l,
                            temps[i],
                            cfg.equilibration,
                            cfg.samples,
                            cfg.stride,
                            seed.wrapping_add(i as u64),
                        );
                        mine.push((i, r));
                        finished.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let mut seen = 0;
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let now = finished.load(Ordering::Relaxed);
            bar.inc((now - seen) as u64);
            seen = now;
        }
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("Ising worker thread should not panic"))
            .collect()
    });
    bar.finish();
    out.sort_by_key(|r| r.0);
    out.into_iter().map(|r| r.1).collect()
}

/// Onsager-Yang spontaneous magnetisation.
pub fn exact_magnetisation(t: f64) -> f64 {
    if t >= T_C {
        0.0
    } else {
        (1.0 - (2.0 / t).sinh().powi(-4)).powf(0.125)
    }
}
