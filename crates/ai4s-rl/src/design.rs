//! Experiment design as a game: a simulated lab where each action chooses the next measurement.
//!
//! Each episode hides a new response surface on a 21 x 21 grid of conditions (the unit square):
//! a sum of three Gaussian bumps with random centres, widths (0.08-0.25) and heights (0.3-1.0),
//! scaled so that its maximum over the grid is 1. A measurement returns the surface plus uniform
//! noise of half-width 0.01. The first measurement is at a random condition; the agent then has
//! `BUDGET - 1` more. Its 9 actions move the next measurement from the incumbent (the best
//! condition measured so far) by 1 or 4 grid cells in one of four directions, or jump to a random
//! condition. The reward is the improvement of the best measured value, so the return is the
//! total improvement over the first measurement and the final regret is `1 - f(best)`.
//!
//! The observation (20 numbers) is what a scientist would look at: the best value so far, for
//! each of the 8 local moves whether that condition was measured and its value relative to the
//! best, the fraction of the budget left, and the incumbent's coordinates.
//!
//! [`random_search`] and [`bayes_opt`] (a Gaussian process with expected improvement over the
//! grid, as in `ai4s run bayesopt`) are the baselines the learned policy is compared with.

use crate::env::{Env, InvalidAction, Outcome, check_action};
use ai4s_core::gp::{Gp, expected_improvement};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Grid points per side.
pub const GRID: usize = 21;
/// Measurements per episode.
pub const BUDGET: usize = 20;
/// Half-width of the uniform measurement noise.
pub const NOISE: f64 = 0.01;
/// Local move steps (grid cells) of the 8 local actions.
const STEPS: [i32; 2] = [1, 4];
const DIRS: [(i32, i32); 4] = [(-1, 0), (0, 1), (1, 0), (0, -1)];

/// A hidden response surface on the grid.
#[derive(Clone, Debug)]
pub struct Surface {
    /// Values on the grid, row-major, maximum exactly 1.
    pub values: Vec<f64>,
}

impl Surface {
    /// A random surface: three Gaussian bumps, normalised to maximum 1.
    pub fn random(rng: &mut StdRng) -> Self {
        let bumps: Vec<(f64, f64, f64, f64)> = (0..3)
            .map(|_| {
                (
                    rng.random::<f64>(),
                    rng.random::<f64>(),
                    rng.random_range(0.08..0.25),
                    rng.random_range(0.3..1.0),
                )
            })
            .collect();
        let mut values: Vec<f64> = (0..GRID * GRID)
            .map(|i| {
                let (x, y) = coords(i);
                bumps
                    .iter()
                    .map(|&(cx, cy, w, h)| {
                        h * (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * w * w)).exp()
                    })
                    .sum()
            })
            .collect();
        let max = values.iter().copied().fold(f64::MIN, f64::max);
        values.iter_mut().for_each(|v| *v /= max);
        Surface { values }
    }
}

/// Unit-square coordinates of grid index `i`.
pub fn coords(i: usize) -> (f64, f64) {
    (
        (i / GRID) as f64 / (GRID - 1) as f64,
        (i % GRID) as f64 / (GRID - 1) as f64,
    )
}

/// The experiment-design environment.
pub struct ExperimentDesign {
    /// The hidden surface of this episode.
    pub surface: Surface,
    measured: Vec<Option<f64>>,
    best: usize,
    best_value: f64,
    used: usize,
    rng: StdRng,
}

impl ExperimentDesign {
    /// An environment seeded with `seed` (call [`Env::reset`] before stepping).
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let surface = Surface::random(&mut rng);
        ExperimentDesign {
            surface,
            measured: vec![None; GRID * GRID],
            best: 0,
            best_value: f64::MIN,
            used: 0,
            rng,
        }
    }

    fn measure(&mut self, i: usize) -> f64 {
        let y = self.surface.values[i] + NOISE * (2.0 * self.rng.random::<f64>() - 1.0);
        self.measured[i] = Some(y);
        self.used += 1;
        if y > self.best_value {
            self.best_value = y;
            self.best = i;
        }
        y
    }

    /// Grid index the local action `a` (`0..8`) proposes from the incumbent.
    fn local_target(&self, a: usize) -> usize {
        let (dr, dc) = DIRS[a % 4];
        let k = STEPS[a / 4];
        let (r, c) = ((self.best / GRID) as i32, (self.best % GRID) as i32);
        let n = GRID as i32 - 1;
        let (nr, nc) = ((r + k * dr).clamp(0, n), (c + k * dc).clamp(0, n));
        (nr * GRID as i32 + nc) as usize
    }

    /// Starts an episode on a given surface (the first measurement is at a random condition).
    pub fn start_on(&mut self, surface: Surface) {
        self.surface = surface;
        self.measured.fill(None);
        self.best_value = f64::MIN;
        self.used = 0;
        let first = self.rng.random_range(0..GRID * GRID);
        self.measure(first);
    }

    /// True value of the best measured condition: `1 - regret`.
    pub fn best_true_value(&self) -> f64 {
        self.surface.values[self.best]
    }
}

impl Env for ExperimentDesign {
    fn obs_dim(&self) -> usize {
        20
    }
    fn n_actions(&self) -> usize {
        9
    }
    fn reset(&mut self) {
        let surface = Surface::random(&mut self.rng);
        self.start_on(surface);
    }
    fn observe(&self, out: &mut [f32]) {
        out[0] = self.best_value as f32;
        for a in 0..8 {
            let t = self.local_target(a);
            let (seen, rel) = match self.measured[t] {
                Some(y) if t != self.best => (1.0, y - self.best_value),
                Some(_) => (1.0, 0.0),
                None => (0.0, 0.0),
            };
            out[1 + 2 * a] = seen;
            out[2 + 2 * a] = (rel * 4.0) as f32;
        }
        out[17] = (BUDGET - self.used) as f32 / BUDGET as f32;
        let (x, y) = coords(self.best);
        out[18] = x as f32;
        out[19] = y as f32;
    }
    fn step(&mut self, action: usize) -> Result<Outcome, InvalidAction> {
        check_action(action, self.n_actions())?;
        let before = self.best_value;
        let target = if action < 8 {
            self.local_target(action)
        } else {
            self.rng.random_range(0..GRID * GRID)
        };
        self.measure(target);
        Ok(Outcome {
            reward: self.best_value - before,
            terminated: self.used >= BUDGET,
            truncated: false,
        })
    }
}

/// Regret `1 - f(best measured)` after each measurement of a policy acting on `surface`.
pub fn policy_curve(
    surface: &Surface,
    policy: &mut dyn FnMut(&[f32]) -> usize,
    seed: u64,
) -> Result<Vec<f64>, InvalidAction> {
    let mut env = ExperimentDesign::new(seed);
    env.start_on(surface.clone());
    let mut obs = vec![0.0f32; env.obs_dim()];
    let mut curve = vec![1.0 - env.best_true_value()];
    while curve.len() < BUDGET {
        env.observe(&mut obs);
        env.step(policy(&obs))?;
        curve.push(1.0 - env.best_true_value());
    }
    Ok(curve)
}

/// Regret after each measurement of random search on `surface`.
pub fn random_search(surface: &Surface, rng: &mut StdRng) -> Vec<f64> {
    let mut best = (f64::MIN, 0);
    (0..BUDGET)
        .map(|_| {
            let i = rng.random_range(0..GRID * GRID);
            let y = surface.values[i] + NOISE * (2.0 * rng.random::<f64>() - 1.0);
            if y > best.0 {
                best = (y, i);
            }
            1.0 - surface.values[best.1]
        })
        .collect()
}

/// Regret after each measurement of Bayesian optimisation (GP + expected improvement over the
/// grid, first point random) on `surface`.
pub fn bayes_opt(surface: &Surface, rng: &mut StdRng) -> Vec<f64> {
    let mut xs: Vec<Vec<f64>> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    let mut idx: Vec<usize> = Vec::new();
    let mut curve = Vec::with_capacity(BUDGET);
    let mut best = (f64::MIN, 0);
    for k in 0..BUDGET {
        let i = if k == 0 {
            rng.random_range(0..GRID * GRID)
        } else {
            // The GP minimises, so it models -y.
            let neg: Vec<f64> = ys.iter().map(|y| -y).collect();
            let incumbent = neg.iter().copied().fold(f64::INFINITY, f64::min);
            match Gp::fit(&xs, &neg) {
                Some(gp) => (0..GRID * GRID)
                    .filter(|i| !idx.contains(i))
                    .map(|i| {
                        let (x, y) = coords(i);
                        let (mu, s) = gp.predict(&[x, y]);
                        (expected_improvement(mu, s, incumbent), i)
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map_or(0, |m| m.1),
                None => rng.random_range(0..GRID * GRID),
            }
        };
        let (x, y) = coords(i);
        let measured = surface.values[i] + NOISE * (2.0 * rng.random::<f64>() - 1.0);
        if measured > best.0 {
            best = (measured, i);
        }
        xs.push(vec![x, y]);
        ys.push(measured);
        idx.push(i);
        curve.push(1.0 - surface.values[best.1]);
    }
    curve
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surface_rewards_and_budget() {
        let mut env = ExperimentDesign::new(3);
        env.reset();
        let max = env.surface.values.iter().copied().fold(f64::MIN, f64::max);
        assert!((max - 1.0).abs() < 1e-12);
        let mut total = 0.0;
        let first = env.best_value;
        let mut steps = 0;
        loop {
            let o = env.step(steps % 9).expect("valid action");
            assert!(o.reward >= 0.0 && !o.truncated);
            total += o.reward;
            steps += 1;
            if o.terminated {
                break;
            }
        }
        assert_eq!(steps, BUDGET - 1);
        // The return is the improvement of the best measurement over the first one.
        assert!((total - (env.best_value - first)).abs() < 1e-12);
        let regret = 1.0 - env.best_true_value();
        assert!((0.0..=1.0).contains(&regret));
    }
}
