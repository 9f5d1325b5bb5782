//! Lennard-Jones with a smooth cutoff (tests and teaching).
//!
//! `V(r) = 4 eps [(sigma/r)^12 - (sigma/r)^6] S(r)`, with the quintic switch `S` taking the
//! potential smoothly to zero between `r_on` and `rc` (energy, force and its derivative
//! continuous), so MD conserves energy and finite differences are clean.
//!
//! [`LjMixture`] is the same potential for several atom types, with `epsilon` and `sigma` per
//! pair of types (e.g. the Kob-Andersen binary mixture) and an optional constant energy per atom
//! of each type: labels that tell elements apart, for multi-element training.

use crate::cell::{Cell, V3, neighbours};
use crate::labeller::{Labeller, Labels, quintic_switch};
use ai4s_core::{Error, Result};

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
                add_pair(&mut out, i, n, self.epsilon, self.sigma, self.r_on, self.rc);
            }
        }
        Ok(out)
    }
}

/// Adds the switched pair term of atom `i` and neighbour `n` (seen from both ends, so half the
/// energy each time) to `out`.
fn add_pair(
    out: &mut Labels,
    i: usize,
    n: &crate::cell::Neighbour,
    epsilon: f64,
    sigma: f64,
    r_on: f64,
    rc: f64,
) {
    let sr6 = (sigma / n.d).powi(6);
    let v = 4.0 * epsilon * (sr6 * sr6 - sr6);
    let dv = 4.0 * epsilon * (-12.0 * sr6 * sr6 + 6.0 * sr6) / n.d;
    let (s, ds) = quintic_switch((n.d - r_on) / (rc - r_on));
    let ds = ds / (rc - r_on);
    out.energy += 0.5 * v * s;
    let de = 0.5 * (dv * s + v * ds);
    let g = [de * n.r[0] / n.d, de * n.r[1] / n.d, de * n.r[2] / n.d];
    out.add_pair_gradient(i, n.j, n.r, g);
}

/// Smooth-cutoff Lennard-Jones for several atom types: `epsilon[a][b]` and `sigma[a][b]` per
/// pair of types (symmetric), one switch from `r_on` to `rc` for every pair, and a constant
/// `atom_energy[t]` per atom of type `t` (the per-element reference energies that
/// electronic-structure totals carry; no force). With one type and no atom energies it equals
/// [`LennardJones`].
#[derive(Clone, Debug)]
pub struct LjMixture {
    /// Type index of each atom (the labeller is built for one list of atoms).
    pub types: Vec<usize>,
    /// Well depth per pair of types (eV).
    pub epsilon: Vec<Vec<f64>>,
    /// Zero crossing per pair of types (A).
    pub sigma: Vec<Vec<f64>>,
    /// Constant energy per atom of each type (eV).
    pub atom_energy: Vec<f64>,
    /// Switch start (A).
    pub r_on: f64,
    /// Cutoff (A).
    pub rc: f64,
}

impl LjMixture {
    /// A mixture for atoms of `types`; checks that the tables are square, symmetric, positive
    /// and cover every type, and that `0 < r_on < rc`. `atom_energy` starts at zero.
    pub fn new(
        types: Vec<usize>,
        epsilon: Vec<Vec<f64>>,
        sigma: Vec<Vec<f64>>,
        r_on: f64,
        rc: f64,
    ) -> Result<LjMixture> {
        let n = epsilon.len();
        let square = |m: &[Vec<f64>]| m.len() == n && m.iter().all(|r| r.len() == n);
        let bad = |m: String| Err(Error::Runtime(format!("Lennard-Jones mixture: {m}")));
        if n == 0 || !square(&epsilon) || !square(&sigma) {
            return bad("epsilon and sigma must be square tables with one row per type".into());
        }
        for a in 0..n {
            for b in 0..n {
                if epsilon[a][b] != epsilon[b][a] || sigma[a][b] != sigma[b][a] {
                    return bad(format!("the tables must be symmetric (types {a} and {b})"));
                }
                if !(epsilon[a][b] >= 0.0 && sigma[a][b] > 0.0 && sigma[a][b].is_finite()) {
                    return bad(format!(
                        "epsilon must be >= 0 and sigma > 0 (types {a} and {b})"
                    ));
                }
            }
        }
        if let Some(t) = types.iter().find(|&&t| t >= n) {
            return bad(format!("atom type {t} has no parameters ({n} types)"));
        }
        if !(r_on > 0.0 && r_on < rc && rc.is_finite()) {
            return bad(format!("need 0 < r_on < rc, got r_on {r_on}, rc {rc}"));
        }
        Ok(LjMixture {
            types,
            epsilon,
            sigma,
            atom_energy: vec![0.0; n],
            r_on,
            rc,
        })
    }

    /// The Kob-Andersen binary mixture (Phys. Rev. E 51, 4626 (1995)) for atoms of `types`
    /// (0 = A, 1 = B), in units of the A-A well depth `epsilon` (eV) and size `sigma` (A):
    /// `eps_AB = 1.5`, `eps_BB = 0.5`, `sigma_AB = 0.8`, `sigma_BB = 0.88`, switched off between
    /// `2 sigma` and `2.5 sigma` (Kob and Andersen truncate at `2.5 sigma_ab`).
    pub fn kob_andersen(types: Vec<usize>, epsilon: f64, sigma: f64) -> Result<LjMixture> {
        LjMixture::new(
            types,
            vec![
                vec![epsilon, 1.5 * epsilon],
                vec![1.5 * epsilon, 0.5 * epsilon],
            ],
            vec![vec![sigma, 0.8 * sigma], vec![0.8 * sigma, 0.88 * sigma]],
            2.0 * sigma,
            2.5 * sigma,
        )
    }

    /// The same mixture with constant energies per atom of each type.
    pub fn with_atom_energy(mut self, atom_energy: Vec<f64>) -> Result<LjMixture> {
        if atom_energy.len() != self.epsilon.len() || atom_energy.iter().any(|e| !e.is_finite()) {
            return Err(Error::Runtime(format!(
                "Lennard-Jones mixture: need one finite atom energy per type ({}), got {atom_energy:?}",
                self.epsilon.len()
            )));
        }
        self.atom_energy = atom_energy;
        Ok(self)
    }
}

impl Labeller for LjMixture {
    fn name(&self) -> &'static str {
        "lj-mixture"
    }

    fn cutoff(&self) -> f64 {
        self.rc
    }

    fn compute(&self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        if pos.len() != self.types.len() {
            return Err(Error::Runtime(format!(
                "Lennard-Jones mixture set up for {} atoms, given {} positions",
                self.types.len(),
                pos.len()
            )));
        }
        let nl = neighbours(pos, cell, self.rc)?;
        let mut out = Labels::zeros(pos.len());
        out.energy = self.types.iter().map(|&t| self.atom_energy[t]).sum();
        for (i, list) in nl.iter().enumerate() {
            for n in list {
                let (a, b) = (self.types[i], self.types[n.j]);
                let (eps, sigma) = (self.epsilon[a][b], self.sigma[a][b]);
                add_pair(&mut out, i, n, eps, sigma, self.r_on, self.rc);
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

    fn mixture_cell_and_positions() -> (Cell, Vec<V3>) {
        let cell = Cell {
            h: [[8.5, 0.0, 0.0], [0.6, 8.0, 0.0], [0.3, -0.5, 8.8]],
        };
        let pos: Vec<V3> = (0..20)
            .map(|i| {
                cell.cartesian([
                    (i as f64 * 0.31).fract(),
                    (i as f64 * 0.57 + 0.2).fract(),
                    (i as f64 * 0.77 + 0.4).fract(),
                ])
            })
            .collect();
        (cell, rattle(&pos, 0.1))
    }

    #[test]
    fn mixture_forces_and_virial_match_finite_differences() {
        let (cell, pos) = mixture_cell_and_positions();
        let types: Vec<usize> = (0..20).map(|i| usize::from(i % 3 == 1)).collect();
        let ka = LjMixture::kob_andersen(types, 0.05, 2.0)
            .and_then(|m| m.with_atom_energy(vec![-3.0, -5.0]))
            .expect("mixture");
        let l = ka.compute(&pos, &cell).expect("labels");
        assert!(l.forces.iter().flatten().any(|f| f.abs() > 1e-3), "{l:?}");
        assert!(force_error(&ka, &pos, &cell, 1e-5) < 1e-7);
        assert!(virial_error(&ka, &pos, &cell, 1e-6) < 1e-6);
    }

    #[test]
    fn mixture_tells_types_apart_and_reduces_to_plain_lj() {
        let (cell, pos) = mixture_cell_and_positions();
        let lj = LennardJones {
            r_on: 4.0,
            rc: 5.0,
            ..Default::default()
        };
        let one = LjMixture::new(
            vec![0; 20],
            vec![vec![lj.epsilon]],
            vec![vec![lj.sigma]],
            lj.r_on,
            lj.rc,
        )
        .expect("one type");
        assert_eq!(
            one.compute(&pos, &cell).expect("labels"),
            lj.compute(&pos, &cell).expect("labels")
        );
        // Swapping the labels of the atoms and of the parameter tables changes nothing;
        // relabelling atoms alone does.
        let types: Vec<usize> = (0..20).map(|i| usize::from(i % 2 == 0)).collect();
        let ka = LjMixture::kob_andersen(types.clone(), 0.05, 2.0).expect("mixture");
        let swapped = LjMixture::new(
            types.iter().map(|t| 1 - t).collect(),
            vec![vec![0.025, 0.075], vec![0.075, 0.05]],
            vec![vec![1.76, 1.6], vec![1.6, 2.0]],
            4.0,
            5.0,
        )
        .expect("mixture");
        let (a, b) = (
            ka.compute(&pos, &cell).expect("labels"),
            swapped.compute(&pos, &cell).expect("labels"),
        );
        assert!((a.energy - b.energy).abs() < 1e-12);
        let other = LjMixture::kob_andersen(types.iter().map(|t| 1 - t).collect(), 0.05, 2.0)
            .expect("mixture");
        assert!((other.compute(&pos, &cell).expect("labels").energy - a.energy).abs() > 1e-3);
        // Atom energies add a constant per atom and no force.
        let shifted = ka
            .clone()
            .with_atom_energy(vec![-3.0, -5.0])
            .expect("energies");
        let c = shifted.compute(&pos, &cell).expect("labels");
        assert!((c.energy - a.energy - (-3.0 * 10.0 - 5.0 * 10.0)).abs() < 1e-9);
        assert_eq!(c.forces, a.forces);
        // Bad tables and atom counts are refused.
        assert!(
            LjMixture::new(
                vec![0],
                vec![vec![1.0, 2.0], vec![1.0, 1.0]],
                vec![vec![1.0; 2]; 2],
                1.0,
                2.0
            )
            .is_err()
        );
        assert!(LjMixture::kob_andersen(vec![2], 0.05, 2.0).is_err());
        assert!(ka.compute(&pos[..3], &cell).is_err());
    }
}
