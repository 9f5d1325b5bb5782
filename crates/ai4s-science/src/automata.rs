//! Complex systems: learning the local rule of a cellular automaton from its evolution.
//!
//! An elementary cellular automaton (Wolfram 1983) updates each cell from its 3-cell
//! neighbourhood, `x_i' = R[(x_{i-1} << 2) | (x_i << 1) | x_{i+1}]`, with the 8 bits of the rule
//! number `R`; rule 30 is chaotic, rule 110 is Turing complete. Conway's Game of Life updates each
//! cell from its 3x3 neighbourhood (birth with 3 live neighbours, survival with 2 or 3). A small
//! network sees (neighbourhood, next state) pairs from random initial states and learns the rule by
//! minimising the binary cross-entropy with the shared training loop. One-step accuracy on fresh
//! states must be 100 %; then the learned rule is rolled out on its own outputs: if it learned the
//! rule (not the data), the long rollout stays identical to the true one, step after step.

use ai4s_core::burn::tensor::{Device, Int, Tensor, TensorData, activation};
use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, Mlp, MlpConfig};
use ai4s_core::plot::{Labels, Plot};
use ai4s_core::train::{Objective, TrainSettings, fit};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use burn::module::Module;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// One step of an elementary CA with periodic boundaries.
pub fn eca_step(rule: u8, row: &[u8]) -> Vec<u8> {
    let n = row.len();
    (0..n)
        .map(|i| {
            let idx = (row[(i + n - 1) % n] << 2) | (row[i] << 1) | row[(i + 1) % n];
            (rule >> idx) & 1
        })
        .collect()
}

/// One step of the Game of Life on a periodic `side x side` grid.
pub fn life_step(grid: &[u8], side: usize) -> Vec<u8> {
    (0..side * side)
        .map(|k| {
            let (r, c) = (k / side, k % side);
            let mut live = 0;
            for dr in [side - 1, 0, 1] {
                for dc in [side - 1, 0, 1] {
                    if (dr, dc) != (0, 0) {
                        live += grid[((r + dr) % side) * side + (c + dc) % side];
                    }
                }
            }
            u8::from(live == 3 || (live == 2 && grid[k] == 1))
        })
        .collect()
}

/// Neighbourhood features of every cell: 3 per cell for an ECA row, 9 for a Life grid.
fn eca_features(row: &[u8]) -> Vec<f32> {
    let n = row.len();
    (0..n)
        .flat_map(|i| [row[(i + n - 1) % n], row[i], row[(i + 1) % n]].map(f32::from))
        .collect()
}

fn life_features(grid: &[u8], side: usize) -> Vec<f32> {
    (0..side * side)
        .flat_map(|k| {
            let (r, c) = (k / side, k % side);
            let mut f = [0.0f32; 9];
            for (a, dr) in [side - 1, 0, 1].into_iter().enumerate() {
                for (b, dc) in [side - 1, 0, 1].into_iter().enumerate() {
                    f[3 * a + b] = f32::from(grid[((r + dr) % side) * side + (c + dc) % side]);
                }
            }
            f
        })
        .collect()
}

/// Configuration of [`CellularAutomata`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutomataConfig {
    /// Elementary rules to learn.
    pub rules: Vec<u8>,
    /// Cells per row (ECA) and side of the Life grid.
    pub width: usize,
    /// Random initial states used for training data.
    pub train_states: usize,
    /// Steps of the long rollout compared with the true rule.
    pub rollout_steps: usize,
    /// Network shape (input: the neighbourhood, output: one logit).
    pub model: MlpConfig,
    /// Optimisation.
    pub train: TrainSettings,
}

impl Default for AutomataConfig {
    fn default() -> Self {
        AutomataConfig {
            rules: vec![30, 110],
            width: 64,
            train_states: 40,
            rollout_steps: 100,
            model: MlpConfig {
                hidden: vec![64, 64],
                activation: Activation::Relu,
            },
            train: TrainSettings {
                epochs: 40,
                batch_size: 256,
                lr: 3e-3,
                patience: 10,
                ..TrainSettings::default()
            },
        }
    }
}

impl TaskConfig for AutomataConfig {
    fn quick() -> Self {
        let d = Self::default();
        AutomataConfig {
            train: TrainSettings {
                epochs: 25,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((8..=512).contains(&self.width), "width", || {
            format!("must be 8..=512, got {}", self.width)
        })?;
        ensure(self.train_states >= 1, "train_states", || {
            "must be at least 1".into()
        })?;
        ensure(
            (1..=10_000).contains(&self.rollout_steps),
            "rollout_steps",
            || "must be 1..=10000".into(),
        )?;
        self.model.validate("model")?;
        self.train.validate("train")
    }
}

struct Bce {
    x: Tensor<2>,
    y: Tensor<2>,
    x_val: Tensor<2>,
    y_val: Vec<f64>,
    device: Device,
}

impl Objective<Mlp> for Bce {
    fn n_train(&self) -> usize {
        self.x.dims()[0]
    }

    fn loss(&self, model: &Mlp, batch: &[usize]) -> Tensor<1> {
        let idx: Vec<i64> = batch.iter().map(|&i| i as i64).collect();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [batch.len()]), &self.device);
        let z = model.forward(self.x.clone().select(0, idx.clone()));
        let y = self.y.clone().select(0, idx);
        // Binary cross-entropy with logits: softplus(z) - y z.
        (activation::softplus(z.clone(), 1.0) - y * z).mean()
    }

    fn validate(&self, model: &Mlp) -> Result<f64> {
        let p = predict(model, self.x_val.clone())?;
        Ok(p.iter()
            .zip(&self.y_val)
            .filter(|(a, b)| f64::from(**a) != **b)
            .count() as f64
            / p.len() as f64)
    }
}

fn predict(model: &Mlp, x: Tensor<2>) -> Result<Vec<u8>> {
    let z = ai4s_core::tensor::to_vec(model.forward(x))?;
    Ok(z.into_iter().map(|v| u8::from(v > 0.0)).collect())
}

/// Trains a network on (features, next state) pairs; `k` features per cell.
fn learn(
    samples: (Vec<f32>, Vec<u8>),
    val: (Vec<f32>, Vec<u8>),
    k: usize,
    cfg: &AutomataConfig,
    ctx: &mut RunContext,
    label: &str,
) -> Result<Mlp> {
    let ad = ctx.device.clone().autodiff();
    let n = samples.1.len();
    let nv = val.1.len();
    let obj = Bce {
        x: Tensor::from_data(TensorData::new(samples.0, [n, k]), &ad),
        y: Tensor::from_data(
            TensorData::new(
                samples.1.iter().map(|&v| f32::from(v)).collect::<Vec<_>>(),
                [n, 1],
            ),
            &ad,
        ),
        x_val: Tensor::from_data(TensorData::new(val.0, [nv, k]), &ctx.device),
        y_val: val.1.iter().map(|&v| f64::from(v)).collect(),
        device: ad.clone(),
    };
    let model = cfg.model.init(k, 1, &ad);
    Ok(fit(
        model,
        &mut cfg.train.optimizer(),
        &obj,
        &cfg.train,
        ctx,
        label,
    )?
    .model
    .valid())
}

fn random_state(n: usize, rng: &mut StdRng, density: f64) -> Vec<u8> {
    (0..n)
        .map(|_| u8::from(rng.random::<f64>() < density))
        .collect()
}

/// Learning cellular automata.
pub struct CellularAutomata;

impl Task for CellularAutomata {
    type Config = AutomataConfig;

    fn name(&self) -> &'static str {
        "cellular-automata"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::ComplexSystems
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn description(&self) -> &'static str {
        "complex systems: learn rules 30 and 110 and the Game of Life from data; long rollouts vs the true rule"
    }

    fn demonstrates(&self) -> &'static str {
        "Complex systems: simple local rules generate complex global behaviour. A network that sees only neighbourhoods and next states learns the rule exactly, so its own long rollouts of chaotic rule 30, universal rule 110 and the Game of Life stay identical to the truth."
    }

    fn run(&self, cfg: &AutomataConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let mut report = Report::new();
        let w = cfg.width;
        for &rule in &cfg.rules {
            let mut data = (Vec::new(), Vec::new());
            for _ in 0..cfg.train_states {
                let row = random_state(w, &mut rng, 0.5);
                data.0.extend(eca_features(&row));
                data.1.extend(eca_step(rule, &row));
            }
            let mut val = (Vec::new(), Vec::new());
            let row = random_state(w, &mut rng, 0.5);
            val.0.extend(eca_features(&row));
            val.1.extend(eca_step(rule, &row));
            let model = learn(data, val, 3, cfg, ctx, &format!("rule {rule}"))?;
            // One-step accuracy on fresh states, then a rollout of the learned rule on itself.
            let mut correct = 0usize;
            let mut total = 0usize;
            for _ in 0..10 {
                let row = random_state(w, &mut rng, 0.5);
                let p = predict(
                    &model,
                    Tensor::from_data(TensorData::new(eca_features(&row), [w, 3]), &ctx.device),
                )?;
                correct += p
                    .iter()
                    .zip(eca_step(rule, &row))
                    .filter(|(a, b)| **a == *b)
                    .count();
                total += w;
            }
            let start = random_state(w, &mut rng, 0.5);
            let (mut truth, mut learned) = (start.clone(), start);
            let mut identical = 0;
            let mut diagram = Vec::new();
            for step in 0..cfg.rollout_steps {
                truth = eca_step(rule, &truth);
                learned = predict(
                    &model,
                    Tensor::from_data(TensorData::new(eca_features(&learned), [w, 3]), &ctx.device),
                )?;
                if truth == learned && identical == step {
                    identical += 1;
                }
                let mut line: Vec<f64> = truth.iter().map(|&v| f64::from(v)).collect();
                line.push(0.5);
                line.extend(learned.iter().map(|&v| f64::from(v)));
                diagram.push(line);
            }
            report.check(
                &format!("rule{rule}_one_step_accuracy"),
                correct as f64 / total as f64,
                Goal::AtLeast(1.0),
                "a learned rule is exact",
            );
            report.check(
                &format!("rule{rule}_identical_rollout_steps"),
                identical as f64,
                Goal::AtLeast(cfg.rollout_steps as f64),
                "rollout of the learned rule equals the true rule",
            );
            report.figure(ctx.plot(
                &format!("rule{rule}"),
                &Plot::Heatmap {
                    labels: Labels::new(
                        &format!("Rule {rule}: true (left) vs learned (right)"),
                        "cell",
                        "time step (top = 1)",
                    ),
                    values: diagram,
                    col_ticks: vec![],
                    row_ticks: vec![],
                    annotate: false,
                },
            )?);
        }
        // Game of Life.
        let side = w.min(48);
        let mut data = (Vec::new(), Vec::new());
        for s in 0..cfg.train_states {
            let mut g = random_state(
                side * side,
                &mut rng,
                0.2 + 0.4 * (s as f64 / cfg.train_states as f64),
            );
            for _ in 0..2 {
                let next = life_step(&g, side);
                data.0.extend(life_features(&g, side));
                data.1.extend(next.iter().copied());
                g = next;
            }
        }
        let g = random_state(side * side, &mut rng, 0.35);
        let val = (life_features(&g, side), life_step(&g, side));
        let model = learn(data, val, 9, cfg, ctx, "life")?;
        let start = random_state(side * side, &mut rng, 0.35);
        let (mut truth, mut learned) = (start.clone(), start);
        let mut identical = 0;
        let steps = cfg.rollout_steps.min(60);
        for step in 0..steps {
            truth = life_step(&truth, side);
            learned = predict(
                &model,
                Tensor::from_data(
                    TensorData::new(life_features(&learned, side), [side * side, 9]),
                    &ctx.device,
                ),
            )?;
            if truth == learned && identical == step {
                identical += 1;
            }
        }
        report.check(
            "life_identical_rollout_steps",
            identical as f64,
            Goal::AtLeast(steps as f64),
            "Game of Life rollout of the learned rule equals the true rule",
        );
        let grid: Vec<Vec<f64>> = (0..side)
            .map(|r| {
                let mut line: Vec<f64> = truth[r * side..(r + 1) * side]
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                line.push(0.5);
                line.extend(
                    learned[r * side..(r + 1) * side]
                        .iter()
                        .map(|&v| f64::from(v)),
                );
                line
            })
            .collect();
        report.figure(ctx.plot(
            "life",
            &Plot::Heatmap {
                labels: Labels::new(
                    &format!("Game of Life after {steps} steps: true (left) vs learned (right)"),
                    "column",
                    "row",
                ),
                values: grid,
                col_ticks: vec![],
                row_ticks: vec![],
                annotate: false,
            },
        )?);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_known_patterns() {
        // Rule 30 from a single live cell: the well-known second row 111 and third row 11001.
        let mut row = vec![0u8; 11];
        row[5] = 1;
        let r1 = eca_step(30, &row);
        assert_eq!(&r1[4..7], &[1, 1, 1]);
        let r2 = eca_step(30, &r1);
        assert_eq!(&r2[3..8], &[1, 1, 0, 0, 1]);
        // A blinker oscillates with period 2 in the Game of Life.
        let side = 5;
        let mut g = vec![0u8; 25];
        for c in 1..4 {
            g[2 * side + c] = 1;
        }
        let g1 = life_step(&g, side);
        assert_eq!(
            (
                g1[side + 2],
                g1[2 * side + 2],
                g1[3 * side + 2],
                g1[2 * side + 1]
            ),
            (1, 1, 1, 0)
        );
        assert_eq!(life_step(&g1, side), g);
    }
}
