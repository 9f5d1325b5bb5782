//! The `q-learning` task: tabular Q-learning on a GridWorld, checked cell by cell against value
//! iteration.

use crate::gridworld::{ARROWS, GridWorld};
use crate::tabular::{QLearning, greedy, policy_mismatches};
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use serde::{Deserialize, Serialize};
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Tabular Q-learning

/// Configuration of [`QLearningTask`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QLearningConfig {
    /// Training episodes per seed.
    pub episodes: usize,
    /// Step size alpha.
    pub alpha: f64,
    /// Discount factor gamma.
    pub gamma: f64,
    /// Exploration rate of the epsilon-greedy behaviour policy.
    pub epsilon: f64,
    /// Independent runs.
    pub seeds: usize,
}

impl Default for QLearningConfig {
    fn default() -> Self {
        QLearningConfig {
            episodes: 3000,
            alpha: 0.5,
            gamma: 0.95,
            epsilon: 0.2,
            seeds: 5,
        }
    }
}

impl TaskConfig for QLearningConfig {
    fn quick() -> Self {
        QLearningConfig {
            seeds: 2,
            ..Self::default()
        }
    }
    fn validate(&self) -> Result<()> {
        ensure(self.episodes >= 1, "episodes", || {
            "must be at least 1".into()
        })?;
        ensure(self.alpha > 0.0 && self.alpha <= 1.0, "alpha", || {
            format!("must lie in (0, 1], got {}", self.alpha)
        })?;
        ensure(self.gamma > 0.0 && self.gamma < 1.0, "gamma", || {
            format!("must lie in (0, 1), got {}", self.gamma)
        })?;
        ensure((0.0..=1.0).contains(&self.epsilon), "epsilon", || {
            "must lie in [0, 1]".into()
        })?;
        ensure((1..=100).contains(&self.seeds), "seeds", || {
            "must be 1..=100".into()
        })
    }
}

/// Tabular Q-learning on the GridWorld, checked against value iteration.
pub struct QLearningTask;

impl Task for QLearningTask {
    type Config = QLearningConfig;
    fn name(&self) -> &'static str {
        "q-learning"
    }
    fn area(&self) -> Area {
        Area::Reinforcement
    }
    fn description(&self) -> &'static str {
        "tabular Q-learning on a GridWorld with walls, checked against value iteration"
    }
    fn demonstrates(&self) -> &'static str {
        "The smallest complete RL problem: an agent that only sees rewards learns action values by trial and error, and its greedy policy equals the optimal one computed from the known rules by value iteration."
    }
    fn run(&self, cfg: &QLearningConfig, ctx: &mut RunContext) -> Result<Report> {
        let start = Instant::now();
        let mut world = GridWorld::new(ctx.seed);
        let (v_star, q_star) = world.value_iteration(cfg.gamma, 1e-12);
        let learner = QLearning {
            episodes: cfg.episodes,
            alpha: cfg.alpha,
            gamma: cfg.gamma,
            epsilon: cfg.epsilon,
        };
        let mut report = Report::new();
        let mut worst = 0usize;
        let mut max_err: f64 = 0.0;
        let mut last = None;
        let mut curves = Vec::new();
        let mut bar = ctx.progress("q-learning", cfg.seeds as u64);
        for k in 0..cfg.seeds {
            let table = learner.run(&mut world, ctx.seed.wrapping_add(k as u64));
            let bad = policy_mismatches(&world, &table.q, &q_star, 1e-6);
            worst = worst.max(bad.len());
            for (s, v) in v_star.iter().enumerate() {
                if !world.is_wall(s) && s != world.goal {
                    let m = table.q[s].iter().copied().fold(f64::MIN, f64::max);
                    max_err = max_err.max((m - v).abs());
                }
            }
            let w = (cfg.episodes / 50).max(1);
            curves.push(Series::new(
                format!("seed {k}"),
                table
                    .returns
                    .chunks(w)
                    .enumerate()
                    .map(|(i, c)| (((i + 1) * w) as f64, c.iter().sum::<f64>() / c.len() as f64))
                    .collect(),
            ));
            last = Some(table);
            bar.inc(1);
        }
        bar.finish();
        report.check(
            "non_optimal_greedy_actions",
            worst as f64,
            Goal::AtMost(0.0),
            "cells whose greedy Q-learning action is not optimal under value iteration (worst seed)",
        );
        report.metric("max_abs_value_error", max_err);
        // The greedy path from the start has the shortest-path length.
        if let Some(table) = &last {
            world.reset_at(world.start);
            let mut steps = 0;
            while world.pos != world.goal && steps < 100 {
                let a = greedy(&table.q[world.pos]);
                crate::env::Env::step(&mut world, a)?;
                steps += 1;
            }
            let shortest = world.shortest_path(world.start).unwrap_or(0);
            report.check(
                "greedy_path_length",
                steps as f64,
                Goal::AtMost(shortest as f64),
                &format!("shortest path from S to G by breadth-first search: {shortest} steps"),
            );
            let n = world.size;
            let values: Vec<Vec<f64>> = (0..n)
                .map(|r| {
                    (0..n)
                        .map(|c| {
                            let s = r * n + c;
                            if world.is_wall(s) {
                                f64::NAN
                            } else if s == world.goal {
                                0.0
                            } else {
                                table.q[s].iter().copied().fold(f64::MIN, f64::max)
                            }
                        })
                        .collect()
                })
                .collect();
            let text: Vec<Vec<String>> = (0..n)
                .map(|r| {
                    (0..n)
                        .map(|c| {
                            let s = r * n + c;
                            if world.is_wall(s) {
                                String::new()
                            } else if s == world.goal {
                                "G".into()
                            } else {
                                ARROWS[greedy(&table.q[s])].into()
                            }
                        })
                        .collect()
                })
                .collect();
            report.figure(ctx.plot(
                "policy",
                &Plot::LabelledCells {
                    labels: Labels::new(
                        "GridWorld: learned value max_a Q(s,a) and greedy policy (grey: walls)",
                        "column",
                        "row",
                    ),
                    values,
                    text,
                },
            )?);
        }
        report.figure(ctx.plot(
            "learning_curve",
            &Plot::Line {
                labels: Labels::new(
                    "Q-learning on the GridWorld: episode return (exploring starts)",
                    "episode",
                    "mean return",
                ),
                series: curves,
                log_y: false,
            },
        )?);
        report.metric("wall_seconds", start.elapsed().as_secs_f64());
        Ok(report)
    }
}
