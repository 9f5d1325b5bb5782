//! Trajectories of the truth model, each from its own random initial field and forcing stream,
//! simulated on all cores (one trajectory per thread; the result does not depend on the number
//! of threads), and the seeds that keep training, validation and test trajectories apart.

use super::config::WeatherConfig;
use super::model::Model;
use super::spectral::Complex;
use ai4s_core::progress::Progress;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Which set a trajectory belongs to; each draws from its own seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Training trajectories.
    Train,
    /// Validation trajectories (early stopping).
    Val,
    /// Held-out test trajectories.
    Test,
}

/// The seed of trajectory `i` of `role` in a run seeded with `seed` (SplitMix64 of the three).
pub fn trajectory_seed(seed: u64, role: Role, i: usize) -> u64 {
    let tag: u64 = match role {
        Role::Train => 0x7472_6169_6e00,
        Role::Val => 0x7661_6c00,
        Role::Test => 0x0074_6573_7400,
    };
    let mut z = seed ^ tag ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One trajectory: a random initial field, `spinup` of forced evolution, then `frames` physical
/// fields one `interval` apart.
pub fn trajectory(cfg: &WeatherConfig, model: &Model, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w: Vec<Complex> = model.random_field(cfg.initial_peak, cfg.initial_rms, &mut rng);
    let spin_steps = (cfg.spinup / cfg.interval * cfg.substeps as f64).ceil() as usize;
    if spin_steps > 0 {
        model.advance(&mut w, cfg.spinup, spin_steps, Some(&mut rng));
    }
    let mut frames = Vec::with_capacity(cfg.frames);
    frames.push(model.to_physical(&w));
    for _ in 1..cfg.frames {
        model.advance(&mut w, cfg.interval, cfg.substeps, Some(&mut rng));
        frames.push(model.to_physical(&w));
    }
    frames
}

/// `f(i)` for `i in 0..count` on all cores, in order; `bar` advances as results come in.
pub fn par_map<T: Send>(
    count: usize,
    f: impl Fn(usize) -> T + Sync,
    mut bar: Option<&mut Progress>,
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 64);
    let mut out = Vec::with_capacity(count);
    let mut next = 0;
    while next < count {
        let end = (next + threads).min(count);
        let chunk: Vec<T> = std::thread::scope(|s| {
            let f = &f;
            let handles: Vec<_> = (next..end).map(|i| s.spawn(move || f(i))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        out.extend(chunk);
        if let Some(b) = bar.as_deref_mut() {
            b.inc((end - next) as u64);
        }
        next = end;
    }
    out
}

/// The trajectories of `role`, `count` of them.
pub fn simulate_set(
    cfg: &WeatherConfig,
    model: &Model,
    seed: u64,
    role: Role,
    count: usize,
    bar: Option<&mut Progress>,
) -> Vec<Vec<Vec<f64>>> {
    par_map(
        count,
        |i| trajectory(cfg, model, trajectory_seed(seed, role, i)),
        bar,
    )
}
