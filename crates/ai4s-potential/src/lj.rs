//! Lennard-Jones with a smooth cutoff (tests and teaching).
//!
//! `V(r) = 4 eps [(sigma/r)^12 - (sigma/r)^6] S(r)`, with the quintic switch `S` taking the
//! potential smoothly to zero between `r_on` and `rc` (energy, force and its derivative
//! continuous), so MD conserves energy and finite differences are clean.

use crate::cell::{Cell, V3, neighbours};
use crate::labeller::{Labeller, Labels, quintic_switch};
use ai4s_core::Result;

/// Smooth-cutoff Lennard-Jones.
#[derive(Clone, Debug)]
pub struct LennardJones {
    /// Well depth (eV).
    pub epsilon: f64,
    /// Zero crossing (A).
    pub sigma: f64,
    /// Switch start (A).
    pub r_on: f64,
    /// Cutoff (A).
    pub rc: f64,
}

impl Default for LennardJones {
    /// Argon-like parameters.
    fn default() -> Self {
        LennardJones {
            epsilon: 0.0104,
            sigma: 3.4,
            r_on: 7.0,
            rc: 8.5,
        }
    }
}

impl Labeller for LennardJones {
    fn name(&self) -> &'static str {
        "lj"
    }

    fn cutoff(&self) -> f64 {
        self.rc
    }

    fn compute(&self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        let nl = neighbours(pos, cell, self.rc)?;
        let mut out = Labels::zeros(pos.len());
        for (i, list) in nl.iter().enumerate() {
            for n in list {
                let sr6 = (self.sigma / n.d).powi(6);
                let v = 4.0 * self.epsilon * (sr6 * sr6 - sr6);
                let dv = 4.0 * self.epsilon * (-12.0 * sr6 * sr6 + 6.0 * sr6) / n.d;
                let (s, ds) = quintic_switch((n.d - self.r_on) / (self.rc - self.r_on));
                let ds = ds / (self.rc - self.r_on);
                // Each pair is seen from both ends: half the energy each time.
                out.energy += 0.5 * v * s;
                let de = 0.5 * (dv * s + v * ds);
                let g = [de * n.r[0] / n.d, de * n.r[1] / n.d, de * n.r[2] / n.d];
                out.add_pair_gradient(i, n.j, n.r, g);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::Cell;
    use crate::labeller::check::{force_error, rattle, virial_error};

    #[test]
    fn forces_and_virial_match_finite_differences() {
        let cell = Cell {
            h: [[10.5, 0.0, 0.0], [1.0, 10.0, 0.0], [0.5, -0.8, 10.8]],
        };
        let pos: Vec<V3> = (0..16)
            .map(|i| {
                cell.cartesian([
                    (i as f64 * 0.31).fract(),
                    (i as f64 * 0.57 + 0.2).fract(),
                    (i as f64 * 0.77 + 0.4).fract(),
                ])
            })
            .collect();
        let pos = rattle(&pos, 0.1);
        let lj = LennardJones {
            r_on: 5.0,
            rc: 6.5,
            ..Default::default()
        };
        assert!(force_error(&lj, &pos, &cell, 1e-5) < 1e-7);
        assert!(virial_error(&lj, &pos, &cell, 1e-6) < 1e-6);
    }

    #[test]
    fn dimer_minimum_is_at_two_to_the_sixth_sigma() {
        let lj = LennardJones {
            r_on: 8.0,
            rc: 9.0,
            ..Default::default()
        };
        let cell = Cell::orthorhombic(30.0, 30.0, 30.0);
        let r0 = 2f64.powf(1.0 / 6.0) * lj.sigma;
        let l = lj
            .compute(&[[0.0; 3], [r0, 0.0, 0.0]], &cell)
            .expect("labels");
        assert!((l.energy + lj.epsilon).abs() < 1e-12);
        assert!(l.forces[0][0].abs() < 1e-12);
    }
}
