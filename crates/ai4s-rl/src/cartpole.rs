//! CartPole-v1 exactly as Gymnasium defines it (`gymnasium/envs/classic_control/cartpole.py`).
//!
//! A pole (half-length 0.5 m, mass 0.1 kg) is hinged on a cart (1.0 kg) pushed left or right with
//! 10 N. The dynamics of Barto, Sutton & Anderson (1983) are integrated with explicit Euler,
//! `tau = 0.02` s, positions updated with the old velocities:
//!
//! ```text
//! temp   = (F + m_p l thdot^2 sin th) / (m_c + m_p)
//! thacc  = (g sin th - cos th temp) / (l (4/3 - m_p cos^2 th / (m_c + m_p)))
//! xacc   = temp - m_p l thacc cos th / (m_c + m_p)
//! ```
//!
//! Reward +1 per step (including the one that ends the episode); terminated when `|x| > 2.4` or
//! `|th| > 12 deg`; truncated after 500 steps; reset draws all four variables from
//! `U(-0.05, 0.05)`. Solved at a mean return of 475.

use crate::env::{Env, InvalidAction, Outcome, check_action};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Gravity, m/s^2.
pub const GRAVITY: f64 = 9.8;
/// Cart mass, kg.
pub const MASS_CART: f64 = 1.0;
/// Pole mass, kg.
pub const MASS_POLE: f64 = 0.1;
/// Half the pole length, m.
pub const LENGTH: f64 = 0.5;
/// Push force, N.
pub const FORCE_MAG: f64 = 10.0;
/// Time step, s.
pub const TAU: f64 = 0.02;
/// Pole angle beyond which the episode terminates: 12 degrees.
pub const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
/// Cart position beyond which the episode terminates.
pub const X_THRESHOLD: f64 = 2.4;
/// Time limit of CartPole-v1.
pub const MAX_STEPS: usize = 500;

/// One CartPole-v1 environment.
pub struct CartPole {
    /// State `(x, x_dot, theta, theta_dot)`.
    pub state: [f64; 4],
    steps: usize,
    rng: StdRng,
}

/// One Euler step of the CartPole dynamics from `s` with action `a` (1 pushes right).
pub fn dynamics(s: [f64; 4], action: usize) -> [f64; 4] {
    let [x, x_dot, theta, theta_dot] = s;
    let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
    let total_mass = MASS_CART + MASS_POLE;
    let polemass_length = MASS_POLE * LENGTH;
    let (sin, cos) = theta.sin_cos();
    let temp = (force + polemass_length * theta_dot * theta_dot * sin) / total_mass;
    let thetaacc =
        (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / total_mass));
    let xacc = temp - polemass_length * thetaacc * cos / total_mass;
    [
        x + TAU * x_dot,
        x_dot + TAU * xacc,
        theta + TAU * theta_dot,
        theta_dot + TAU * thetaacc,
    ]
}

impl CartPole {
    /// A CartPole seeded with `seed` (call [`Env::reset`] before stepping).
    pub fn new(seed: u64) -> Self {
        CartPole {
            state: [0.0; 4],
            steps: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }
}

impl Env for CartPole {
    fn obs_dim(&self) -> usize {
        4
    }
    fn n_actions(&self) -> usize {
        2
    }
    fn reset(&mut self) {
        for v in &mut self.state {
            *v = self.rng.random_range(-0.05..0.05);
        }
        self.steps = 0;
    }
    fn observe(&self, out: &mut [f32]) {
        for (o, s) in out.iter_mut().zip(self.state) {
            *o = s as f32;
        }
    }
    fn step(&mut self, action: usize) -> Result<Outcome, InvalidAction> {
        check_action(action, 2)?;
        self.state = dynamics(self.state, action);
        self.steps += 1;
        let [x, _, theta, _] = self.state;
        let terminated = !(-X_THRESHOLD..=X_THRESHOLD).contains(&x)
            || !(-THETA_THRESHOLD..=THETA_THRESHOLD).contains(&theta);
        Ok(Outcome {
            reward: 1.0,
            terminated,
            truncated: self.steps >= MAX_STEPS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed Gymnasium step from the upright state at rest, pushing right:
    /// temp = 10/1.1, thacc = -temp / (0.5 (4/3 - 0.1/1.1)), xacc = temp - 0.05 thacc / 1.1;
    /// Euler moves only the velocities on the first step.
    #[test]
    fn step_from_rest_matches_hand_computation() {
        let s = dynamics([0.0; 4], 1);
        let temp = 10.0 / 1.1;
        let thacc = -temp / (0.5 * (4.0 / 3.0 - 0.1 / 1.1));
        let xacc = temp - 0.05 * thacc / 1.1;
        assert_eq!(s[0], 0.0);
        assert_eq!(s[2], 0.0);
        assert!((s[1] - 0.02 * xacc).abs() < 1e-15);
        assert!((s[3] - 0.02 * thacc).abs() < 1e-15);
        assert!((s[1] - 0.195_121_951).abs() < 1e-8, "x_dot {}", s[1]);
        assert!((s[3] + 0.292_682_926).abs() < 1e-8, "theta_dot {}", s[3]);
    }

    /// A tilted, moving state pushed left: every term of the Gymnasium formulas in play.
    #[test]
    fn step_from_general_state() {
        let (x, xd, th, thd) = (0.1, -0.2, 0.05, 0.3);
        let s = dynamics([x, xd, th, thd], 0);
        let temp = (-10.0 + 0.05 * thd * thd * th.sin()) / 1.1;
        let thacc =
            (9.8 * th.sin() - th.cos() * temp) / (0.5 * (4.0 / 3.0 - 0.1 * th.cos().powi(2) / 1.1));
        let xacc = temp - 0.05 * thacc * th.cos() / 1.1;
        let want = [
            x + 0.02 * xd,
            xd + 0.02 * xacc,
            th + 0.02 * thd,
            thd + 0.02 * thacc,
        ];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-14);
        }
    }

    #[test]
    fn termination_and_truncation_flags() {
        let mut env = CartPole::new(0);
        env.reset();
        assert!(env.state.iter().all(|v| v.abs() <= 0.05));
        // Pole just past 12 degrees: terminated, not truncated.
        env.state = [0.0, 0.0, THETA_THRESHOLD + 0.01, 0.5];
        let o = env.step(1).expect("valid action");
        assert!(o.terminated && !o.truncated && o.reward == 1.0);
        // Cart beyond 2.4 m.
        env.reset();
        env.state = [2.39, 1.0, 0.0, 0.0];
        assert!(env.step(1).expect("valid action").terminated);
        // A balanced pole is truncated at exactly 500 steps.
        env.reset();
        let mut n = 0;
        loop {
            // Keep the pole upright by pushing towards its lean: enough for 500 steps here.
            let a = usize::from(env.state[2] + 0.5 * env.state[3] > 0.0);
            env.state[0] = 0.0;
            env.state[1] = 0.0;
            let o = env.step(a).expect("valid action");
            n += 1;
            assert!(!o.terminated, "terminated at step {n}");
            if o.truncated {
                break;
            }
        }
        assert_eq!(n, MAX_STEPS);
    }

    /// Gymnasium refuses an action outside `Discrete(2)`; so does ai4s, leaving the state alone.
    #[test]
    fn an_action_outside_the_space_is_refused_and_changes_nothing() {
        let mut env = CartPole::new(0);
        env.reset();
        let before = env.state;
        let e = env.step(2).expect_err("action 2 is not in Discrete(2)");
        assert_eq!(
            e,
            InvalidAction::OutOfRange {
                action: 2,
                n_actions: 2
            }
        );
        assert!(e.to_string().contains("expected 0 to 1"), "{e}");
        assert_eq!(env.state, before);
        assert_eq!(env.steps, 0);
    }
}
