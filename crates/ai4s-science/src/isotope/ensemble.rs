//! Training the PINN ensemble on the measured profiles, and reading its diffusivities and
//! profiles back.

use super::config::IsotopeConfig;
use super::pinn::{PinnBank, PinnData, PinnObjective, sample_points};
use super::simulate::{M2_S_TO_UM2_H, Profile, bootstrap_weights, normalised};
use ai4s_core::burn::module::Module;
use ai4s_core::burn::tensor::{Tensor, TensorData};
use ai4s_core::checkpoint::TrainRng;
use ai4s_core::tensor::to_vec;
use ai4s_core::train::fit;
use ai4s_core::{Result, RunContext};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use std::cell::RefCell;

/// Standard deviation of each member's starting `ln kappa` about the configured guess.
const KAPPA_JITTER: f64 = 0.5;
/// Collocation points per network in the fixed validation set.
const VAL_COLLOCATION: usize = 256;

/// The trained ensemble.
pub struct Ensemble {
    /// The networks (without autodiff), member-major: network `e * K + k` is member `e` at
    /// temperature `k`.
    pub bank: PinnBank,
    /// `ln D` (D in m^2/s), `[member][temperature]`.
    pub ln_d: Vec<Vec<f64>>,
    /// Epoch of the best validation loss.
    pub best_epoch: usize,
    /// Per network, at the fixed validation points: the data misfit, the mean squared residual
    /// and the summed mean squared condition violations.
    pub loss_parts: [Vec<f64>; 3],
}

/// Trains `cfg.ensemble` members, each a network per profile, with the shared training loop.
pub fn train_ensemble(
    cfg: &IsotopeConfig,
    profiles: &[Profile],
    ctx: &mut RunContext,
) -> Result<Ensemble> {
    let (members, k, n) = (cfg.ensemble, profiles.len(), cfg.points_per_profile);
    let m = members * k;
    let window = cfg.depth_um;
    let mut rng = TrainRng::seed_from_u64(ctx.seed ^ 0x7069_6e6e);
    let length = 0.5 * cfg.initial_length_fraction;
    let log_kappa: Vec<f64> = (0..m)
        .map(|_| {
            let e: f64 = StandardNormal.sample(&mut rng);
            2.0 * length.ln() + KAPPA_JITTER * e
        })
        .collect();
    let mut data = PinnData {
        points: Vec::with_capacity(m * n * 2),
        targets: Vec::with_capacity(m * n),
        weights: Vec::with_capacity(m * n),
        per_network: n,
    };
    for _ in 0..members {
        for p in profiles {
            let w = if cfg.bootstrap {
                bootstrap_weights(n, &mut rng)
            } else {
                vec![1.0 / n as f64; n]
            };
            for ((x, c), w) in p.depth_um.iter().zip(&p.fraction).zip(w) {
                data.points.push((x / window) as f32);
                data.points.push(1.0);
                data.targets.push(normalised(cfg, *c) as f32);
                data.weights.push(w as f32);
            }
        }
    }
    let train_device = ctx.device.clone().autodiff();
    let bank = PinnBank::new(&cfg.model.hidden, &log_kappa, &mut rng, &train_device);
    let val_points = sample_points(
        &mut rng,
        m,
        VAL_COLLOCATION,
        cfg.condition_points,
        cfg.domain_factor,
        length,
    );
    let objective = PinnObjective {
        steps: cfg.steps_per_epoch,
        collocation: cfg.train.batch_size,
        condition_points: cfg.condition_points,
        domain: cfg.domain_factor,
        length,
        pde_weight: cfg.pde_weight,
        condition_weight: cfg.condition_weight,
        data,
        val_points,
        val_collocation: VAL_COLLOCATION,
        rng: RefCell::new(TrainRng::seed_from_u64(ctx.seed ^ 0x636f_6c6c)),
        device: train_device,
        plain: ctx.device.clone(),
    };
    let mut optim = cfg.train.optimizer();
    let fitted = fit(bank, &mut optim, &objective, &cfg.train, ctx, "pinn")?;
    let bank = fitted.model.valid();
    let parts = objective.parts(&bank, &objective.val_points, VAL_COLLOCATION, &ctx.device);
    let loss_parts = [
        to_vec(parts.data)?,
        to_vec(parts.pde)?,
        to_vec(parts.conditions)?,
    ];
    // D = kappa L^2 / t_k.
    let kappa = to_vec(bank.log_kappa.val().exp())?;
    let ln_d = (0..members)
        .map(|e| {
            profiles
                .iter()
                .enumerate()
                .map(|(j, p)| (kappa[e * k + j] * window * window / p.hours / M2_S_TO_UM2_H).ln())
                .collect()
        })
        .collect();
    Ok(Ensemble {
        bank,
        ln_d,
        best_epoch: fitted.best_epoch,
        loss_parts,
    })
}

impl Ensemble {
    /// Every network's isotope fraction at the end of its anneal at `depths` (um), indexed
    /// `[member][temperature][depth]`.
    pub fn fractions(
        &self,
        cfg: &IsotopeConfig,
        depths: &[f64],
        ctx: &RunContext,
    ) -> Result<Vec<Vec<Vec<f64>>>> {
        let members = self.ln_d.len();
        let k = self.ln_d.first().map_or(0, Vec::len);
        let (m, g) = (members * k, depths.len());
        let pts: Vec<f32> = (0..m)
            .flat_map(|_| {
                depths
                    .iter()
                    .flat_map(|&x| [(x / cfg.depth_um) as f32, 1.0])
            })
            .collect();
        let u = to_vec(self.bank.forward(Tensor::from_data(
            TensorData::new(pts, [m, g, 2]),
            &ctx.device,
        )))?;
        let (c0, cs) = (cfg.initial_fraction, cfg.surface_fraction);
        Ok((0..members)
            .map(|e| {
                (0..k)
                    .map(|j| {
                        let row = &u[(e * k + j) * g..(e * k + j + 1) * g];
                        row.iter().map(|v| c0 + (cs - c0) * v).collect()
                    })
                    .collect()
            })
            .collect())
    }
}
