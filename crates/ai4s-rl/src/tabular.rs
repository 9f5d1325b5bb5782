//! Tabular Q-learning (Watkins & Dayan 1992) on the GridWorld, checked against value iteration.
//!
//! `Q(s,a) <- Q(s,a) + alpha [r + gamma (1 - terminated) max_a' Q(s',a') - Q(s,a)]` with an
//! epsilon-greedy behaviour policy. Episodes start from random open cells (exploring starts) so
//! that every state is visited; in a finite MDP with every pair visited infinitely often and
//! suitable step sizes Q converges to `Q*`.

use crate::env::Env;
use crate::gridworld::GridWorld;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Q-learning settings.
#[derive(Clone, Debug)]
pub struct QLearning {
    /// Episodes.
    pub episodes: usize,
    /// Step size.
    pub alpha: f64,
    /// Discount.
    pub gamma: f64,
    /// Exploration rate of the behaviour policy.
    pub epsilon: f64,
}

/// Learned action values and the return of each training episode.
pub struct QTable {
    /// `q[s][a]`.
    pub q: Vec<[f64; 4]>,
    /// Undiscounted return per training episode.
    pub returns: Vec<f64>,
}

/// Greedy action of a row of Q-values (the first on ties).
pub fn greedy(q: &[f64; 4]) -> usize {
    (0..4).fold(0, |b, a| if q[a] > q[b] { a } else { b })
}

impl QLearning {
    /// Runs Q-learning on `world` from exploring starts.
    pub fn run(&self, world: &mut GridWorld, seed: u64) -> QTable {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = world.n_states();
        let open: Vec<usize> = (0..n)
            .filter(|&s| !world.is_wall(s) && s != world.goal)
            .collect();
        let mut q = vec![[0.0; 4]; n];
        let mut returns = Vec::with_capacity(self.episodes);
        for _ in 0..self.episodes {
            world.reset_at(open[rng.random_range(0..open.len())]);
            let mut total = 0.0;
            loop {
                let s = world.pos;
                let a = if rng.random::<f64>() < self.epsilon {
                    rng.random_range(0..4)
                } else {
                    greedy(&q[s])
                };
                let o = world
                    .step(a)
                    .expect("epsilon-greedy picks one of the four moves");
                let s2 = world.pos;
                let target = o.reward
                    + if o.terminated {
                        0.0
                    } else {
                        self.gamma * q[s2].iter().copied().fold(f64::MIN, f64::max)
                    };
                q[s][a] += self.alpha * (target - q[s][a]);
                total += o.reward;
                if o.terminated || o.truncated {
                    break;
                }
            }
            returns.push(total);
        }
        QTable { q, returns }
    }
}

/// Open, non-goal cells where the greedy action of `q` is not optimal under `q_star`
/// (optimal = within `tol` of the best optimal action value).
pub fn policy_mismatches(
    world: &GridWorld,
    q: &[[f64; 4]],
    q_star: &[[f64; 4]],
    tol: f64,
) -> Vec<usize> {
    (0..world.n_states())
        .filter(|&s| !world.is_wall(s) && s != world.goal)
        .filter(|&s| {
            let best = q_star[s].iter().copied().fold(f64::MIN, f64::max);
            q_star[s][greedy(&q[s])] < best - tol
        })
        .collect()
}
