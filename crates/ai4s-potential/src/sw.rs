//! Stillinger-Weber silicon (Stillinger & Weber, PRB 31, 5262, 1985).
//!
//! `E = sum_{i<j} phi2(r_ij) + sum_i sum_{j<k} phi3(r_ij, r_ik, theta_jik)` with
//! `phi2(r) = A eps [B (sigma/r)^p - (sigma/r)^q] exp(sigma / (r - a sigma))` and
//! `phi3 = lambda eps (cos theta + 1/3)^2 exp(gamma sigma / (r_ij - a sigma)) exp(gamma sigma / (r_ik - a sigma))`,
//! both vanishing smoothly at `r = a sigma` (3.77 A). The three-body term penalises deviations
//! from the tetrahedral angle. Diamond Si at a = 5.431 A: -4.3366 eV/atom.

use crate::cell::{Cell, V3, dot, neighbours};
use crate::labeller::{Labeller, Labels};
use ai4s_core::Result;

/// Stillinger-Weber parameters.
#[derive(Clone, Debug)]
pub struct StillingerWeber {
    /// Energy scale (eV).
    pub epsilon: f64,
    /// Length scale (A).
    pub sigma: f64,
    /// Cutoff in units of sigma.
    pub a: f64,
    /// Three-body strength.
    pub lambda: f64,
    /// Three-body decay.
    pub gamma: f64,
    /// Two-body prefactor.
    pub big_a: f64,
    /// Two-body repulsion coefficient.
    pub big_b: f64,
    /// Repulsive exponent.
    pub p: i32,
    /// Attractive exponent.
    pub q: i32,
}

impl Default for StillingerWeber {
    /// The original silicon parameters.
    fn default() -> Self {
        StillingerWeber {
            epsilon: 2.1683,
            sigma: 2.0951,
            a: 1.80,
            lambda: 21.0,
            gamma: 1.20,
            big_a: 7.049556277,
            big_b: 0.6022245584,
            p: 4,
            q: 0,
        }
    }
}

impl StillingerWeber {
    /// `phi2(r)` and its derivative.
    fn phi2(&self, r: f64) -> (f64, f64) {
        let rc = self.a * self.sigma;
        if r >= rc {
            return (0.0, 0.0);
        }
        let sr = self.sigma / r;
        let poly = self.big_b * sr.powi(self.p) - sr.powi(self.q);
        let dpoly =
            (-(self.p as f64) * self.big_b * sr.powi(self.p) + self.q as f64 * sr.powi(self.q)) / r;
        let e = (self.sigma / (r - rc)).exp();
        let de = -e * self.sigma / ((r - rc) * (r - rc));
        let k = self.big_a * self.epsilon;
        (k * poly * e, k * (dpoly * e + poly * de))
    }

    /// `exp(gamma sigma / (r - a sigma))` and its derivative.
    fn decay(&self, r: f64) -> (f64, f64) {
        let rc = self.a * self.sigma;
        if r >= rc {
            return (0.0, 0.0);
        }
        let e = (self.gamma * self.sigma / (r - rc)).exp();
        (e, -e * self.gamma * self.sigma / ((r - rc) * (r - rc)))
    }
}

impl Labeller for StillingerWeber {
    fn name(&self) -> &'static str {
        "sw"
    }

    fn cutoff(&self) -> f64 {
        self.a * self.sigma
    }

    fn compute(&self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        let nl = neighbours(pos, cell, self.cutoff())?;
        let mut out = Labels::zeros(pos.len());
        for (i, list) in nl.iter().enumerate() {
            for n in list {
                let (v, dv) = self.phi2(n.d);
                out.energy += 0.5 * v;
                let g = 0.5 * dv / n.d;
                out.add_pair_gradient(i, n.j, n.r, [g * n.r[0], g * n.r[1], g * n.r[2]]);
            }
            for (x, nj) in list.iter().enumerate() {
                for nk in &list[x + 1..] {
                    let (u, v) = (nj.r, nk.r);
                    let (du, dv) = (nj.d, nk.d);
                    let cos = dot(u, v) / (du * dv);
                    let c = cos + 1.0 / 3.0;
                    let (eu, deu) = self.decay(du);
                    let (ev, dev) = self.decay(dv);
                    let k = self.lambda * self.epsilon;
                    out.energy += k * c * c * eu * ev;
                    let mut gu = [0.0; 3];
                    let mut gv = [0.0; 3];
                    for a in 0..3 {
                        let dcos_du = v[a] / (du * dv) - cos * u[a] / (du * du);
                        let dcos_dv = u[a] / (du * dv) - cos * v[a] / (dv * dv);
                        gu[a] = k * (2.0 * c * dcos_du * eu * ev + c * c * deu * ev * u[a] / du);
                        gv[a] = k * (2.0 * c * dcos_dv * eu * ev + c * c * eu * dev * v[a] / dv);
                    }
                    out.add_pair_gradient(i, nj.j, u, gu);
                    out.add_pair_gradient(i, nk.j, v, gv);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::diamond;
    use crate::labeller::check::{force_error, rattle, virial_error};

    #[test]
    fn diamond_energy_matches_the_published_value() {
        let (pos, cell) = diamond(5.431, 2);
        let l = StillingerWeber::default()
            .compute(&pos, &cell)
            .expect("labels");
        assert!(
            (l.energy / pos.len() as f64 + 4.3366).abs() < 1e-4,
            "{}",
            l.energy / 64.0
        );
        assert!(l.forces.iter().flatten().all(|f| f.abs() < 1e-10));
    }

    #[test]
    fn forces_and_virial_match_finite_differences_in_a_sheared_cell() {
        let (pos, cell) = diamond(5.431, 2);
        let eps = [[0.02, 0.03, 0.0], [0.0, -0.01, 0.02], [0.01, 0.0, 0.015]];
        let cell = cell.strained(eps);
        let pos: Vec<V3> = rattle(&pos, 0.15)
            .into_iter()
            .map(|r| crate::cell::apply_strain(r, eps))
            .collect();
        let sw = StillingerWeber::default();
        assert!(force_error(&sw, &pos, &cell, 1e-5) < 1e-7);
        assert!(virial_error(&sw, &pos, &cell, 1e-6) < 1e-6);
    }
}
