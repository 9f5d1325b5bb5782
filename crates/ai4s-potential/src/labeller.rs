//! Reference labellers: what plays the role of DFT when we generate training data.
//!
//! A [`Labeller`] returns the energy (eV), forces (eV/A) and virial (eV) of a periodic
//! configuration. Forces are `-dE/dr_i`; the virial is `W = -dE/d(eps)` at zero strain, where
//! positions and cell are strained as `r -> r (I + eps)`; for interactions written through
//! relative vectors it is `W = -sum r_ij (outer) dE/dr_ij`. Every labeller is checked against
//! central finite differences of its own energy.

use crate::cell::{Cell, V3};
use ai4s_core::Result;

/// Energy, forces and virial of one configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    /// Total energy (eV).
    pub energy: f64,
    /// Force on each atom (eV/A).
    pub forces: Vec<V3>,
    /// Virial (eV), row-major 3x3.
    pub virial: [V3; 3],
}

impl Labels {
    /// Zero energy, forces and virial for `n` atoms.
    pub fn zeros(n: usize) -> Labels {
        Labels {
            energy: 0.0,
            forces: vec![[0.0; 3]; n],
            virial: [[0.0; 3]; 3],
        }
    }

    /// Adds the contribution of an energy term depending on `r_ij = r_j - r_i` with gradient
    /// `g = dE/dr_ij`.
    pub fn add_pair_gradient(&mut self, i: usize, j: usize, r: V3, g: V3) {
        for a in 0..3 {
            self.forces[i][a] += g[a];
            self.forces[j][a] -= g[a];
            for b in 0..3 {
                self.virial[a][b] -= r[a] * g[b];
            }
        }
    }
}

/// A source of first-principles-style labels.
pub trait Labeller: Send + Sync {
    /// Short name, e.g. `sw`.
    fn name(&self) -> &'static str;
    /// Interaction cutoff (A).
    fn cutoff(&self) -> f64;
    /// Energy, forces and virial of the configuration.
    fn compute(&self, pos: &[V3], cell: &Cell) -> Result<Labels>;
}

/// Quintic switch `1 - 10x^3 + 15x^4 - 6x^5` from 1 at `x <= 0` to 0 at `x >= 1`, and its
/// derivative with respect to `x`.
pub fn quintic_switch(x: f64) -> (f64, f64) {
    if x <= 0.0 {
        (1.0, 0.0)
    } else if x >= 1.0 {
        (0.0, 0.0)
    } else {
        let x2 = x * x;
        (
            1.0 - x2 * x * (10.0 - 15.0 * x + 6.0 * x2),
            -30.0 * x2 * (1.0 - 2.0 * x + x2),
        )
    }
}

#[cfg(test)]
pub(crate) mod check {
    //! Finite-difference checks shared by the labellers' tests.
    use super::*;
    use crate::cell::apply_strain;

    /// Largest deviation of forces from `-dE/dr` by central differences, relative to
    /// `max(1, largest force component)`.
    pub fn force_error(l: &dyn Labeller, pos: &[V3], cell: &Cell, h: f64) -> f64 {
        let base = l.compute(pos, cell).expect("labels");
        let mut worst = 0.0f64;
        for i in 0..pos.len() {
            for a in 0..3 {
                let mut p = pos.to_vec();
                p[i][a] += h;
                let ep = l.compute(&p, cell).expect("labels").energy;
                p[i][a] -= 2.0 * h;
                let em = l.compute(&p, cell).expect("labels").energy;
                let fd = -(ep - em) / (2.0 * h);
                worst = worst.max((fd - base.forces[i][a]).abs());
            }
        }
        let scale = base
            .forces
            .iter()
            .flatten()
            .fold(1.0f64, |m, f| m.max(f.abs()));
        worst / scale
    }

    /// Largest deviation of the virial from `-dE/d(eps)` by central differences, relative to
    /// `max(1, largest virial component)`.
    pub fn virial_error(l: &dyn Labeller, pos: &[V3], cell: &Cell, h: f64) -> f64 {
        let base = l.compute(pos, cell).expect("labels");
        let mut worst = 0.0f64;
        for a in 0..3 {
            for b in 0..3 {
                let energy = |s: f64| {
                    let mut eps = [[0.0; 3]; 3];
                    eps[a][b] = s;
                    let p: Vec<V3> = pos.iter().map(|&r| apply_strain(r, eps)).collect();
                    l.compute(&p, &cell.strained(eps)).expect("labels").energy
                };
                let fd = -(energy(h) - energy(-h)) / (2.0 * h);
                worst = worst.max((fd - base.virial[a][b]).abs());
            }
        }
        let scale = base
            .virial
            .iter()
            .flatten()
            .fold(1.0f64, |m, f| m.max(f.abs()));
        worst / scale
    }

    /// A rattled copy of `pos` (deterministic).
    pub fn rattle(pos: &[V3], amp: f64) -> Vec<V3> {
        pos.iter()
            .enumerate()
            .map(|(i, r)| {
                let t = i as f64 + 1.0;
                [
                    r[0] + amp * (t * 1.3).sin(),
                    r[1] + amp * (t * 2.7).cos(),
                    r[2] + amp * (t * 0.7).sin(),
                ]
            })
            .collect()
    }
}
