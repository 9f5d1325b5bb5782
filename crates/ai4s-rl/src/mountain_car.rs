//! MountainCar-v0 exactly as Gymnasium defines it (Moore 1990).
//!
//! An under-powered car in a valley `y = sin(3p)/3` must build momentum to reach `p >= 0.5`:
//!
//! ```text
//! v <- clip(v + (a - 1) 0.001 - 0.0025 cos(3p), -0.07, 0.07)
//! p <- clip(p + v, -1.2, 0.6);  v <- 0 if p hits -1.2 while moving left
//! ```
//!
//! Reward -1 per step; terminated at `p >= 0.5`; truncated after 200 steps; reset
//! `p ~ U(-0.6, -0.4)`, `v = 0`.

use crate::env::{Env, InvalidAction, Outcome, check_action};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Time limit of MountainCar-v0.
pub const MAX_STEPS: usize = 200;

/// One MountainCar-v0 environment.
pub struct MountainCar {
    /// Position and velocity.
    pub state: [f64; 2],
    steps: usize,
    rng: StdRng,
}

impl MountainCar {
    /// A MountainCar seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        MountainCar {
            state: [-0.5, 0.0],
            steps: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }
}

impl Env for MountainCar {
    fn obs_dim(&self) -> usize {
        2
    }
    fn n_actions(&self) -> usize {
        3
    }
    fn reset(&mut self) {
        self.state = [self.rng.random_range(-0.6..-0.4), 0.0];
        self.steps = 0;
    }
    fn observe(&self, out: &mut [f32]) {
        out[0] = self.state[0] as f32;
        out[1] = self.state[1] as f32;
    }
    fn step(&mut self, action: usize) -> Result<Outcome, InvalidAction> {
        check_action(action, 3)?;
        let [mut p, mut v] = self.state;
        v += (action as f64 - 1.0) * 0.001 + (3.0 * p).cos() * -0.0025;
        v = v.clamp(-0.07, 0.07);
        p += v;
        p = p.clamp(-1.2, 0.6);
        if p == -1.2 && v < 0.0 {
            v = 0.0;
        }
        self.state = [p, v];
        self.steps += 1;
        let terminated = p >= 0.5 && v >= 0.0;
        Ok(Outcome {
            reward: -1.0,
            terminated,
            truncated: self.steps >= MAX_STEPS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gymnasium_update_and_limits() {
        let mut env = MountainCar::new(1);
        env.reset();
        assert!((-0.6..-0.4).contains(&env.state[0]) && env.state[1] == 0.0);
        env.state = [-0.5, 0.0];
        env.step(2).expect("valid action");
        let v = 0.001 - 0.0025 * (-1.5f64).cos();
        assert!((env.state[1] - v).abs() < 1e-15 && (env.state[0] - (-0.5 + v)).abs() < 1e-15);
        // Left wall stops the car.
        env.state = [-1.19, -0.05];
        env.step(0).expect("valid action");
        assert_eq!(env.state, [-1.2, 0.0]);
        // Goal.
        env.state = [0.49, 0.02];
        assert!(env.step(2).expect("valid action").terminated);
        // Doing nothing from the bottom never reaches the goal: truncated at 200.
        env.reset();
        let n = (1..=MAX_STEPS)
            .find(|_| env.step(1).expect("valid action").truncated)
            .expect("truncated");
        assert_eq!(n, MAX_STEPS);
    }
}
