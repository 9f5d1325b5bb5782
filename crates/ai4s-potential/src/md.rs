//! Langevin molecular dynamics (BAOAB splitting, Leimkuhler & Matthews 2013).
//!
//! Units: A, eV, amu, fs. One step of length `dt`: half kick (B), half drift (A), exact
//! Ornstein-Uhlenbeck velocity update `v <- c1 v + c2 sqrt(kT/m) xi` with `c1 = exp(-gamma dt)`,
//! `c2 = sqrt(1 - c1^2)` (O), half drift (A), new forces, half kick (B). BAOAB samples
//! configurations with small time-step error, which is what data generation needs.

use crate::cell::{Cell, V3};
use crate::labeller::{Labeller, Labels};
use ai4s_core::Result;
use rand::Rng;
use rand_distr::StandardNormal;

/// Boltzmann constant (eV/K).
pub const KB: f64 = 8.617_333_262e-5;
/// 1 eV/(A amu) in A/fs^2.
pub const ACCEL: f64 = 9.648_533_212e-3;
/// Mass of silicon (amu).
pub const SI_MASS: f64 = 28.0855;

/// State of a Langevin trajectory.
pub struct Langevin {
    /// Positions (A).
    pub pos: Vec<V3>,
    /// Velocities (A/fs).
    pub vel: Vec<V3>,
    /// Cell.
    pub cell: Cell,
    /// Labels at the current positions.
    pub labels: Labels,
    /// Atom mass (amu).
    pub mass: f64,
}

impl Langevin {
    /// Starts at `pos` with Maxwell-Boltzmann velocities at `temperature` (K).
    pub fn new(
        labeller: &dyn Labeller,
        pos: Vec<V3>,
        cell: Cell,
        mass: f64,
        temperature: f64,
        rng: &mut impl Rng,
    ) -> Result<Langevin> {
        let labels = labeller.compute(&pos, &cell)?;
        let s = (KB * temperature / mass * ACCEL).sqrt();
        let vel = (0..pos.len())
            .map(|_| std::array::from_fn(|_| s * rng.sample::<f64, _>(StandardNormal)))
            .collect();
        Ok(Langevin {
            pos,
            vel,
            cell,
            labels,
            mass,
        })
    }

    /// Instantaneous kinetic temperature (K).
    pub fn temperature(&self) -> f64 {
        let ke: f64 =
            self.vel.iter().flatten().map(|v| v * v).sum::<f64>() * 0.5 * self.mass / ACCEL;
        2.0 * ke / (3.0 * self.pos.len() as f64 * KB)
    }

    /// Advances `steps` BAOAB steps of `dt` fs at `temperature` K with friction `gamma` (1/fs).
    pub fn run(
        &mut self,
        labeller: &dyn Labeller,
        steps: usize,
        dt: f64,
        temperature: f64,
        gamma: f64,
        rng: &mut impl Rng,
    ) -> Result<()> {
        let c1 = (-gamma * dt).exp();
        let c2 = (1.0 - c1 * c1).sqrt() * (KB * temperature / self.mass * ACCEL).sqrt();
        let kick = 0.5 * dt * ACCEL / self.mass;
        for _ in 0..steps {
            for (v, f) in self.vel.iter_mut().zip(&self.labels.forces) {
                for a in 0..3 {
                    v[a] += kick * f[a];
                }
            }
            for (r, v) in self.pos.iter_mut().zip(self.vel.iter_mut()) {
                for a in 0..3 {
                    r[a] += 0.5 * dt * v[a];
                    v[a] = c1 * v[a] + c2 * rng.sample::<f64, _>(StandardNormal);
                    r[a] += 0.5 * dt * v[a];
                }
            }
            self.labels = labeller.compute(&self.pos, &self.cell)?;
            for (v, f) in self.vel.iter_mut().zip(&self.labels.forces) {
                for a in 0..3 {
                    v[a] += kick * f[a];
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::diamond;
    use crate::sw::StillingerWeber;
    use rand::SeedableRng;

    #[test]
    fn thermostat_reaches_the_target_temperature() {
        let (pos, cell) = diamond(5.431, 2);
        let sw = StillingerWeber::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut md = Langevin::new(&sw, pos, cell, SI_MASS, 600.0, &mut rng).expect("start");
        md.run(&sw, 300, 1.0, 600.0, 0.02, &mut rng)
            .expect("equilibrate");
        let mut t = 0.0;
        for _ in 0..200 {
            md.run(&sw, 5, 1.0, 600.0, 0.02, &mut rng).expect("sample");
            t += md.temperature() / 200.0;
        }
        assert!((t - 600.0).abs() < 60.0, "mean kinetic temperature {t} K");
    }
}
