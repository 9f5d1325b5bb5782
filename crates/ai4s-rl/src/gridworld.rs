//! A deterministic GridWorld with walls, and its exact solution by value iteration.
//!
//! The agent starts at `S` and must reach `G`; `#` are walls. Actions move up, right, down or
//! left; moving into a wall or the border leaves the agent in place. Every step costs -1, so the
//! optimal policy follows a shortest path; reaching `G` terminates, 100 steps truncate.
//! Observations are one-hot vectors of the cell, so the neural agents can run here too.
//!
//! Value iteration (Bellman 1957) solves the known model exactly:
//! `V(s) <- max_a [r(s,a) + gamma (1 - done) V(s')]`, the reference the tabular Q-learning agent
//! is checked against.

use crate::env::{Env, InvalidAction, Outcome, check_action};
use rand::{SeedableRng, rngs::StdRng};

/// The map, row 0 at the top.
pub const LAYOUT: [&str; 8] = [
    "S...#...", //
    ".##.#.#.", //
    ".#....#.", //
    ".#.##.#.", //
    "...#G...", //
    "##.####.", //
    "........", //
    ".####...", //
];

/// Time limit.
pub const MAX_STEPS: usize = 100;
/// Row and column offsets of the four actions: up, right, down, left.
pub const MOVES: [(i32, i32); 4] = [(-1, 0), (0, 1), (1, 0), (0, -1)];
/// Arrow characters of the four actions, for figures.
pub const ARROWS: [&str; 4] = ["↑", "→", "↓", "←"];

/// The GridWorld.
pub struct GridWorld {
    /// Width and height.
    pub size: usize,
    walls: Vec<bool>,
    /// Start cell index.
    pub start: usize,
    /// Goal cell index.
    pub goal: usize,
    /// Current cell index (`row * size + col`).
    pub pos: usize,
    steps: usize,
    _rng: StdRng,
}

impl GridWorld {
    /// The GridWorld of [`LAYOUT`] (deterministic: the seed is kept only for the interface).
    pub fn new(seed: u64) -> Self {
        let size = LAYOUT.len();
        let mut walls = vec![false; size * size];
        let (mut start, mut goal) = (0, 0);
        for (r, row) in LAYOUT.iter().enumerate() {
            for (c, ch) in row.chars().enumerate() {
                let i = r * size + c;
                match ch {
                    '#' => walls[i] = true,
                    'S' => start = i,
                    'G' => goal = i,
                    _ => {}
                }
            }
        }
        GridWorld {
            size,
            walls,
            start,
            goal,
            pos: start,
            steps: 0,
            _rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Number of cells.
    pub fn n_states(&self) -> usize {
        self.size * self.size
    }

    /// Whether cell `s` is a wall.
    pub fn is_wall(&self, s: usize) -> bool {
        self.walls[s]
    }

    /// The model: next cell, reward and termination for action `a` in cell `s`.
    pub fn transition(&self, s: usize, a: usize) -> (usize, f64, bool) {
        let (r, c) = ((s / self.size) as i32, (s % self.size) as i32);
        let (dr, dc) = MOVES[a];
        let (nr, nc) = (r + dr, c + dc);
        let n = self.size as i32;
        let next = if (0..n).contains(&nr) && (0..n).contains(&nc) {
            let j = (nr * n + nc) as usize;
            if self.walls[j] { s } else { j }
        } else {
            s
        };
        (next, -1.0, next == self.goal)
    }

    /// Places the agent at cell `s` (an exploring start) and restarts the step count.
    pub fn reset_at(&mut self, s: usize) {
        self.pos = s;
        self.steps = 0;
    }

    /// Optimal state values and action values by value iteration to tolerance `tol`.
    pub fn value_iteration(&self, gamma: f64, tol: f64) -> (Vec<f64>, Vec<[f64; 4]>) {
        let n = self.n_states();
        let mut v = vec![0.0; n];
        let mut q = vec![[0.0; 4]; n];
        loop {
            let mut delta: f64 = 0.0;
            for s in 0..n {
                if self.walls[s] || s == self.goal {
                    continue;
                }
                for (a, qa) in q[s].iter_mut().enumerate() {
                    let (next, r, done) = self.transition(s, a);
                    *qa = r + if done { 0.0 } else { gamma * v[next] };
                }
                let best = q[s].iter().copied().fold(f64::NEG_INFINITY, f64::max);
                delta = delta.max((best - v[s]).abs());
                v[s] = best;
            }
            if delta < tol {
                return (v, q);
            }
        }
    }

    /// Length of the shortest path from `s` to the goal (breadth-first search), if reachable.
    pub fn shortest_path(&self, s: usize) -> Option<usize> {
        let mut dist = vec![usize::MAX; self.n_states()];
        dist[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            if u == self.goal {
                return Some(dist[u]);
            }
            for a in 0..4 {
                let (w, _, _) = self.transition(u, a);
                if dist[w] == usize::MAX {
                    dist[w] = dist[u] + 1;
                    queue.push_back(w);
                }
            }
        }
        None
    }
}

impl Env for GridWorld {
    fn obs_dim(&self) -> usize {
        self.n_states()
    }
    fn n_actions(&self) -> usize {
        4
    }
    fn reset(&mut self) {
        self.reset_at(self.start);
    }
    fn observe(&self, out: &mut [f32]) {
        out.fill(0.0);
        out[self.pos] = 1.0;
    }
    fn step(&mut self, action: usize) -> Result<Outcome, InvalidAction> {
        check_action(action, 4)?;
        let (next, reward, terminated) = self.transition(self.pos, action);
        self.pos = next;
        self.steps += 1;
        Ok(Outcome {
            reward,
            terminated,
            truncated: self.steps >= MAX_STEPS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walls_block_and_values_are_shortest_paths() {
        let g = GridWorld::new(0);
        // Moving up from the start hits the border; moving right is free.
        assert_eq!(g.transition(g.start, 0).0, g.start);
        assert_eq!(g.transition(g.start, 1).0, g.start + 1);
        // (0,3) -> right is the wall at (0,4).
        assert_eq!(g.transition(3, 1).0, 3);
        let gamma = 0.95;
        let (v, _) = g.value_iteration(gamma, 1e-12);
        for (s, vs) in v.iter().enumerate() {
            if g.is_wall(s) || s == g.goal {
                continue;
            }
            let k = g
                .shortest_path(s)
                .expect("every open cell reaches the goal") as i32;
            // -1 per step for k steps: -(1 - gamma^k) / (1 - gamma).
            let want = -(1.0 - gamma.powi(k)) / (1.0 - gamma);
            assert!((vs - want).abs() < 1e-9, "cell {s}: {vs} vs {want}");
        }
    }
}
