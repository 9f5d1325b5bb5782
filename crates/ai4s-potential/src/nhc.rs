//! Nose-Hoover chain thermostat (NVT) for [`MdState`].
//!
//! Martyna, Klein & Tuckerman, "Nose-Hoover chains: the canonical ensemble via continuous
//! dynamics", J. Chem. Phys. 97, 2635 (1992): the particles are coupled to a chain of `M`
//! thermostats with positions `xi_j`, velocities `v_j` and masses `Q_j`,
//!
//! ```text
//! dr/dt = v,   dv/dt = F/m - v_1 v,
//! dv_1/dt = (2K - N_f kT) / Q_1 - v_2 v_1,
//! dv_j/dt = (Q_{j-1} v_{j-1}^2 - kT) / Q_j - v_{j+1} v_j   (v_{M+1} = 0),   dxi_j/dt = v_j,
//! ```
//!
//! with `K` the kinetic energy and `N_f` the degrees of freedom (`3N - 3`: the thermostat
//! scales all velocities alike, so a zero total momentum stays zero). The dynamics conserves
//! `H' = E_kin + E_pot + sum_j Q_j v_j^2 / 2 + N_f kT xi_1 + kT sum_{j>1} xi_j` and samples the
//! canonical distribution of the particles. Masses from the time constant `tau`:
//! `Q_1 = N_f kT tau^2`, `Q_j = kT tau^2` (the chain's period is of order `tau`).
//!
//! Integration: the reversible Trotter factorisation of Martyna, Tuckerman, Tobias & Klein,
//! Mol. Phys. 87, 1117 (1996): `exp(iL_NHC dt/2) exp(iL_VV dt) exp(iL_NHC dt/2)`, where the
//! velocity Verlet part is [`integrate::step`] and each thermostat half step is split by the
//! fourth-order Suzuki-Yoshida weights `w_1 = w_3 = 1 / (2 - 2^(1/3))`, `w_2 = 1 - 2 w_1`;
//! within a sub-step of length `d`, the chain velocities are updated from the end of the chain
//! down (`v_j <- a (a v_j + G_j d/2)`, `a = exp(-v_{j+1} d/4)`), the particle velocities are
//! scaled by `exp(-v_1 d)`, the positions `xi_j` advance by `v_j d`, and the velocities are
//! updated again from the start of the chain up. Chain length 3, as in LAMMPS's `fix nvt`.

use crate::forcefield::ForceField;
use crate::integrate::{self, Ensemble, MdState};
use crate::md::KB;
use ai4s_core::Result;
use ai4s_core::error::ensure;
use rand::Rng;

/// Thermostats in the chain.
pub const CHAIN: usize = 3;

/// The state of a Nose-Hoover chain.
#[derive(Clone, Debug, PartialEq)]
pub struct NoseHooverChain {
    /// Target temperature (K).
    temperature: f64,
    /// Degrees of freedom `N_f` of the particles.
    dof: f64,
    /// Thermostat masses `Q_j` (eV fs^2).
    q: [f64; CHAIN],
    /// Thermostat positions `xi_j` (dimensionless).
    xi: [f64; CHAIN],
    /// Thermostat velocities `v_j` (1/fs).
    v: [f64; CHAIN],
}

impl NoseHooverChain {
    /// A chain at rest holding `dof` degrees of freedom at `temperature` (K) with time constant
    /// `tau` (fs).
    pub fn new(temperature: f64, tau: f64, dof: f64) -> Result<NoseHooverChain> {
        ensure(
            temperature.is_finite() && temperature > 0.0,
            "temperature",
            || {
                format!(
                    "a Nose-Hoover thermostat needs a positive target temperature, got {temperature} K"
                )
            },
        )?;
        ensure(tau.is_finite() && tau > 0.0, "tau", || {
            format!("must be a positive time in fs, got {tau}")
        })?;
        ensure(dof.is_finite() && dof >= 1.0, "dof", || {
            format!("needs at least one degree of freedom, got {dof}")
        })?;
        let kt = KB * temperature;
        let mut q = [kt * tau * tau; CHAIN];
        q[0] *= dof;
        Ok(NoseHooverChain {
            temperature,
            dof,
            q,
            xi: [0.0; CHAIN],
            v: [0.0; CHAIN],
        })
    }

    /// The thermostat's share of the conserved quantity (eV):
    /// `sum_j Q_j v_j^2 / 2 + N_f kT xi_1 + kT sum_{j>1} xi_j`.
    pub fn energy(&self) -> f64 {
        let kt = KB * self.temperature;
        let kinetic: f64 = self
            .q
            .iter()
            .zip(&self.v)
            .map(|(q, v)| 0.5 * q * v * v)
            .sum();
        kinetic + self.dof * kt * self.xi[0] + kt * self.xi[1..].iter().sum::<f64>()
    }

    /// The conserved quantity `H'` of `state` under this chain (eV).
    pub fn conserved(&self, state: &MdState) -> f64 {
        state.total_energy() + self.energy()
    }

    /// The force on thermostat `j` (1/fs^2) given twice the particles' kinetic energy.
    fn g(&self, j: usize, ke2: f64) -> f64 {
        let kt = KB * self.temperature;
        if j == 0 {
            (ke2 - self.dof * kt) / self.q[0]
        } else {
            (self.q[j - 1] * self.v[j - 1] * self.v[j - 1] - kt) / self.q[j]
        }
    }

    /// Updates `v_j` over `d/2` with the friction of the next thermostat.
    fn kick(&mut self, j: usize, ke2: f64, d: f64) {
        let g = self.g(j, ke2);
        if j + 1 < CHAIN {
            let a = (-0.25 * d * self.v[j + 1]).exp();
            self.v[j] = a * (a * self.v[j] + 0.5 * d * g);
        } else {
            self.v[j] += 0.5 * d * g;
        }
    }

    /// Propagates the chain and the particle velocities over `h` fs (`exp(iL_NHC h)`).
    pub fn propagate(&mut self, state: &mut MdState, h: f64) {
        let w1 = 1.0 / (2.0 - 2f64.powf(1.0 / 3.0));
        let mut ke2 = 2.0 * state.kinetic_energy();
        let mut scale = 1.0;
        for w in [w1, 1.0 - 2.0 * w1, w1] {
            let d = w * h;
            for j in (0..CHAIN).rev() {
                self.kick(j, ke2, d);
            }
            let s = (-self.v[0] * d).exp();
            scale *= s;
            ke2 *= s * s;
            for j in 0..CHAIN {
                self.xi[j] += self.v[j] * d;
            }
            for j in 0..CHAIN {
                self.kick(j, ke2, d);
            }
        }
        state.vel.iter_mut().flatten().for_each(|v| *v *= scale);
    }

    /// One step of `dt` fs: thermostat half step, velocity Verlet, thermostat half step.
    pub fn step(
        &mut self,
        state: &mut MdState,
        ff: &mut dyn ForceField,
        dt: f64,
        rng: &mut impl Rng,
    ) -> Result<()> {
        self.propagate(state, 0.5 * dt);
        integrate::step(state, ff, dt, Ensemble::Nve, rng)?;
        self.propagate(state, 0.5 * dt);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{FCC, cubic_crystal};
    use crate::lj::LennardJones;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn holds_the_target_temperature_and_conserves_its_extended_energy() {
        // Solid argon (108 atoms) started at 2x the target so the thermostat has work to do.
        let (pos, cell) = cubic_crystal(&FCC, 5.26, 3);
        let n = pos.len();
        let mut lj = LennardJones::default();
        let mut rng = StdRng::seed_from_u64(7);
        let target = 40.0;
        let mut state = MdState::new(&mut lj, pos, cell, vec![39.948; n], 2.0 * target, &mut rng)
            .expect("start");
        let mut nhc = NoseHooverChain::new(target, 200.0, state.dof).expect("chain");
        let h0 = nhc.conserved(&state);
        let dt = 4.0;
        let (mut t_sum, mut count, mut worst) = (0.0, 0usize, 0.0f64);
        let (mut ke_min, mut ke_max) = (f64::MAX, f64::MIN);
        for k in 0..10_000 {
            nhc.step(&mut state, &mut lj, dt, &mut rng).expect("step");
            worst = worst.max((nhc.conserved(&state) - h0).abs());
            let ke = state.kinetic_energy();
            (ke_min, ke_max) = (ke_min.min(ke), ke_max.max(ke));
            if k >= 2_000 {
                t_sum += state.temperature();
                count += 1;
            }
        }
        let mean = t_sum / count as f64;
        assert!(
            (mean - target).abs() < 0.03 * target,
            "mean temperature {mean} K, target {target} K"
        );
        // The conserved quantity moves far less than the energy the thermostat exchanged.
        assert!(
            ke_max - ke_min > 0.2,
            "kinetic energy range {}",
            ke_max - ke_min
        );
        assert!(worst < 2e-3 * (ke_max - ke_min), "H' deviation {worst} eV");
    }

    #[test]
    fn bad_parameters_are_refused() {
        let e = NoseHooverChain::new(0.0, 100.0, 9.0)
            .expect_err("0 K")
            .to_string();
        assert!(e.contains("temperature"), "{e}");
        let e = NoseHooverChain::new(300.0, -1.0, 9.0)
            .expect_err("tau")
            .to_string();
        assert!(e.contains("tau"), "{e}");
    }
}
