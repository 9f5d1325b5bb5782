//! The baselines: well-tempered metadynamics with Gaussian hills, and plain (unbiased) MD.
//!
//! Metadynamics (Laio & Parrinello, PNAS 99, 12562 (2002); well-tempered: Barducci, Bussi &
//! Parrinello, PRL 100, 020603 (2008)) deposits every `stride` steps a Gaussian
//! `w exp(-|s - s_t|^2 / 2 sigma^2)` of height `w = w_0 exp(-V(s_t)/(k Delta T))` into the bias
//! `V`; the walker feels `U + V`, and `F = -(T + Delta T)/Delta T V + const`. The bias lives on
//! a node grid of spacing `sigma/4` (value and gradient at every node, each hill added
//! analytically within `4 sigma`), read by bilinear interpolation, as PLUMED's grids are.

use super::config::SamplingConfig;
use super::surface::{BasinLog, MuellerBrown, Reference};
use ai4s_core::free_energy::Histogram2;
use ai4s_core::langevin::Baoab;
use ai4s_core::progress::Progress;
use ai4s_core::{Result, RunContext};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The metadynamics bias on a node grid.
struct BiasGrid {
    origin: [f64; 2],
    h: f64,
    n: [usize; 2],
    /// Value, `d/dx`, `d/dy` per node, index `j * n[0] + i`.
    v: Vec<[f64; 3]>,
}

impl BiasGrid {
    fn new(x: [f64; 2], y: [f64; 2], h: f64) -> BiasGrid {
        let n = [
            ((x[1] - x[0]) / h).ceil() as usize + 1,
            ((y[1] - y[0]) / h).ceil() as usize + 1,
        ];
        BiasGrid {
            origin: [x[0], y[0]],
            h,
            n,
            v: vec![[0.0; 3]; n[0] * n[1]],
        }
    }

    fn add_hill(&mut self, c: [f64; 2], height: f64, sigma: f64) {
        let reach = (4.0 * sigma / self.h).ceil() as isize;
        let ci = ((c[0] - self.origin[0]) / self.h).round() as isize;
        let cj = ((c[1] - self.origin[1]) / self.h).round() as isize;
        let s2 = sigma * sigma;
        for j in (cj - reach).max(0)..=(cj + reach).min(self.n[1] as isize - 1) {
            for i in (ci - reach).max(0)..=(ci + reach).min(self.n[0] as isize - 1) {
                let p = [
                    self.origin[0] + i as f64 * self.h,
                    self.origin[1] + j as f64 * self.h,
                ];
                let (dx, dy) = (p[0] - c[0], p[1] - c[1]);
                let g = height * (-(dx * dx + dy * dy) / (2.0 * s2)).exp();
                let node = &mut self.v[j as usize * self.n[0] + i as usize];
                node[0] += g;
                node[1] -= g * dx / s2;
                node[2] -= g * dy / s2;
            }
        }
    }

    /// Bilinear interpolation of value and gradient (clamped to the grid's edge).
    fn at(&self, p: [f64; 2]) -> [f64; 3] {
        let fx = ((p[0] - self.origin[0]) / self.h).clamp(0.0, (self.n[0] - 1) as f64 - 1e-9);
        let fy = ((p[1] - self.origin[1]) / self.h).clamp(0.0, (self.n[1] - 1) as f64 - 1e-9);
        let (i, j) = (fx as usize, fy as usize);
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let node = |i: usize, j: usize| self.v[j * self.n[0] + i];
        let (a, b, c, d) = (
            node(i, j),
            node(i + 1, j),
            node(i, j + 1),
            node(i + 1, j + 1),
        );
        std::array::from_fn(|k| {
            (1.0 - ty) * ((1.0 - tx) * a[k] + tx * b[k]) + ty * ((1.0 - tx) * c[k] + tx * d[k])
        })
    }
}

/// What metadynamics produced.
pub struct MetadOutcome {
    /// `(time, RMSE below the cutoff)` at every evaluation.
    pub curve: Vec<(f64, f64)>,
    /// Final free-energy estimate on the reference grid, kT.
    pub map: Vec<f64>,
    /// Basins entered against time.
    pub basins: BasinLog,
    /// Hills deposited.
    pub hills: usize,
}

/// Well-tempered metadynamics for `total_time` from `cfg.start`.
pub fn run_metad(
    cfg: &SamplingConfig,
    surface: &MuellerBrown,
    reference: &Reference,
    total_time: f64,
    ctx: &RunContext,
) -> Result<MetadOutcome> {
    let md = Baoab::new(cfg.dt, cfg.friction, 1.0, 1.0, "dt")?;
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x6d65_7461);
    let mut bias = BiasGrid::new(cfg.x_range, cfg.y_range, cfg.hill_width / 4.0);
    let delta_t = cfg.bias_factor - 1.0;
    let to_f = -cfg.bias_factor / delta_t;
    let points = reference.grid.points();
    let estimate =
        |b: &BiasGrid| -> Vec<f64> { points.iter().map(|&p| to_f * b.at(p)[0]).collect() };
    let steps = (total_time / cfg.dt).round() as usize;
    let eval_every = ((cfg.metad_eval_every / cfg.dt).round() as usize).max(1);
    let mut basins = BasinLog::default();
    let mut curve = Vec::new();
    let mut hills = 0;
    let mut bar: Progress = ctx.progress("metadynamics", steps as u64);
    {
        let mut w = md.walker(cfg.start, |x| surface.force(x), &mut rng);
        for step in 1..=steps {
            let b = &bias;
            md.step(
                &mut w,
                |x| {
                    let f = surface.force(x);
                    let v = b.at(*x);
                    [f[0] - v[1], f[1] - v[2]]
                },
                &mut rng,
            );
            let t = step as f64 * cfg.dt;
            basins.visit(surface, w.x, t);
            if step % cfg.hill_stride == 0 {
                let height = cfg.hill_height * (-bias.at(w.x)[0] / delta_t).exp();
                bias.add_hill(w.x, height, cfg.hill_width);
                hills += 1;
                // The stored force must include the new hill.
                let f = surface.force(&w.x);
                let v = bias.at(w.x);
                w.force = [f[0] - v[1], f[1] - v[2]];
            }
            if step % eval_every == 0 || step == steps {
                curve.push((t, reference.rmse(&estimate(&bias))));
                bar.inc(eval_every.min(steps) as u64);
            }
        }
    }
    bar.finish();
    basins.mark(steps as f64 * cfg.dt);
    Ok(MetadOutcome {
        curve,
        map: estimate(&bias),
        basins,
        hills,
    })
}

/// What plain MD did.
pub struct UnbiasedOutcome {
    /// Basins entered against time.
    pub basins: BasinLog,
    /// Fraction of the region below the cutoff the trajectory visited.
    pub coverage: f64,
    /// Highest exact free energy visited (above the minimum), kT.
    pub max_free_energy: f64,
}

/// Unbiased MD for `total_time` from `cfg.start`.
pub fn run_unbiased(
    cfg: &SamplingConfig,
    surface: &MuellerBrown,
    reference: &Reference,
    total_time: f64,
    ctx: &RunContext,
) -> Result<UnbiasedOutcome> {
    let md = Baoab::new(cfg.dt, cfg.friction, 1.0, 1.0, "dt")?;
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x756e_6269);
    let steps = (total_time / cfg.dt).round() as usize;
    let mut hist = Histogram2::new(reference.grid);
    let mut basins = BasinLog::default();
    let force = |x: &[f64; 2]| surface.force(x);
    let mut w = md.walker(cfg.start, force, &mut rng);
    md.run(&mut w, steps, force, &mut rng, |i, w| {
        basins.visit(surface, w.x, i as f64 * cfg.dt);
        hist.add(w.x, 1.0);
    });
    basins.mark(steps as f64 * cfg.dt);
    let max_free_energy = hist
        .counts
        .iter()
        .zip(&reference.exact)
        .filter(|(c, _)| **c > 0.0)
        .map(|(_, f)| *f)
        .fold(0.0, f64::max);
    Ok(UnbiasedOutcome {
        basins,
        coverage: hist.coverage(&reference.mask),
        max_free_energy,
    })
}
