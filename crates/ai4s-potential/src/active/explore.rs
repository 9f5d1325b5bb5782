//! One exploration of the concurrent-learning loop: MD with the ensemble, the force deviation
//! of every visited frame, and the frames it selects for labelling.

use super::*;

/// `max_i sqrt(<|F_i - <F_i>|^2>)` over the ensemble's forces `forces[model][atom]`.
pub fn force_deviation(forces: &[Vec<[f64; 3]>]) -> f64 {
    let m = forces.len() as f64;
    let natoms = forces.first().map_or(0, Vec::len);
    (0..natoms)
        .map(|i| {
            let mean: [f64; 3] =
                std::array::from_fn(|a| forces.iter().map(|f| f[i][a]).sum::<f64>() / m);
            let var = forces
                .iter()
                .map(|f| (0..3).map(|a| (f[i][a] - mean[a]).powi(2)).sum::<f64>())
                .sum::<f64>()
                / m;
            var.sqrt()
        })
        .fold(0.0, f64::max)
}

/// A frame met during exploration with its model deviation.
pub(super) struct Visited {
    pub(super) frame: Frame,
    pub(super) deviation: f64,
}

/// Explores with MD driven by the first model and returns every sampled frame with its
/// deviation, plus the number of trajectories that stopped early (the model broke down).
pub(super) fn explore(
    ffs: &mut [DeepPotForceField],
    cfg: &ActiveLearningConfig,
    seed: u64,
    ctx: &RunContext,
) -> Result<(Vec<Visited>, usize)> {
    let (pos, cell) = diamond_supercell(cfg.lattice, cfg.natoms)?;
    let mut visited = Vec::new();
    let mut broken = 0;
    let (driver, others) = ffs
        .split_first_mut()
        .ok_or_else(|| Error::Runtime("the ensemble is empty".into()))?;
    for (k, &t) in cfg.explore_temperatures.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(seed ^ (0xa11 + k as u64));
        let mut state = MdState::new(
            driver,
            pos.clone(),
            cell,
            vec![SI_MASS; pos.len()],
            2.0 * t,
            &mut rng,
        )?;
        let opts = MdOptions {
            dt: cfg.dt,
            ensemble: Ensemble::Langevin {
                temperature: t,
                friction: cfg.friction,
            },
            steps: cfg.explore_steps,
            thermo_every: 0,
            traj_every: 0,
            guard: MdGuard::default(),
        };
        let observe = |s: &MdState| -> Result<()> {
            if !s.step.is_multiple_of(cfg.explore_every) {
                return Ok(());
            }
            let mut forces = vec![s.labels.forces.clone()];
            for ff in others.iter_mut() {
                forces.push(ff.compute(&s.pos, &s.cell)?.forces);
            }
            visited.push(Visited {
                frame: Frame::unlabelled(s.cell, s.pos.clone()),
                deviation: force_deviation(&forces),
            });
            Ok(())
        };
        let outcome = integrate::run(
            &mut state,
            driver,
            &opts,
            &mut rng,
            &mut Record::default(),
            None,
            observe,
        );
        if let Err(e) = outcome {
            // An immature model may drive atoms into unphysical places; DP-GEN counts such
            // trajectories as failed exploration and keeps the frames met before.
            broken += 1;
            ctx.info(&format!(
                "exploration at {t} K stopped at step {}: {e}",
                state.step
            ));
        }
    }
    Ok((visited, broken))
}
