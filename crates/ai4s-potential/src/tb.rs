//! Orthogonal sp3 tight-binding silicon (Kwon, Biswas, Wang, Ho & Soukoulis, PRB 49, 7242, 1994).
//!
//! The "first-principles-style" labeller: its energy comes from an electronic-structure
//! calculation. Each atom carries s, px, py, pz orbitals; the 4N x 4N Hamiltonian of the periodic
//! supercell (Gamma point) has on-site energies `Es`, `Ep` and two-centre hoppings built from the
//! four bond integrals by the Slater-Koster rules,
//! `h(r) = h0 (r0/r)^2 exp(-2 (r/rc)^nc + 2 (r0/rc)^nc)`, cut off smoothly between 3.26 and 4.16 A.
//! Four valence electrons per atom fill the bands with Fermi-Dirac occupations at `kT` (0.1 eV,
//! which keeps hot snapshots smooth); the labelled energy is the Mermin free energy
//! `2 sum_n f_n e_n - T S`, whose exact gradient is the Hellmann-Feynman force
//! `F = -2 sum_n f_n <n| dH/dr |n>`. A repulsive many-body term
//! `sum_i f(sum_j phi(r_ij))` and a constant shift (8.7393204 eV/atom) complete the model.

use crate::cell::{Cell, V3, neighbours};
use crate::labeller::{Labeller, Labels, quintic_switch};
use ai4s_core::{Error, Result};
use nalgebra::{DMatrix, SymmetricEigen};

pub(crate) const ES: f64 = -5.25;
pub(crate) const EP: f64 = 1.20;
const R0: f64 = 2.360352;
/// (h0, nc, rc) for ss-sigma, sp-sigma, pp-sigma, pp-pi.
const BONDS: [(f64, f64, f64); 4] = [
    (-2.038, 9.5, 3.4),
    (1.745, 8.5, 3.55),
    (2.75, 7.5, 3.7),
    (-1.075, 7.5, 3.7),
];
const REP_M: f64 = 6.8755;
const REP_MC: f64 = 13.017;
const REP_DC: f64 = 3.66995;
pub(crate) const REP_C: [f64; 4] = [2.1604385, -0.1384393, 5.8398423e-3, -8.0263577e-5];
const CUT_ON: f64 = 3.260176;
pub(crate) const CUT_OFF: f64 = 4.16;
pub(crate) const SHIFT_PER_ATOM: f64 = 8.7393204;

/// Kwon tight-binding silicon.
#[derive(Clone, Debug)]
pub struct TightBinding {
    /// Electronic temperature kT (eV) of the Fermi smearing.
    pub kt: f64,
}

impl Default for TightBinding {
    fn default() -> Self {
        TightBinding { kt: 0.1 }
    }
}

fn cutoff(r: f64) -> (f64, f64) {
    let w = CUT_OFF - CUT_ON;
    let (s, ds) = quintic_switch((r - CUT_ON) / w);
    (s, ds / w)
}

/// A bond integral and its radial derivative, cutoff included.
fn bond(k: usize, r: f64) -> (f64, f64) {
    let (h0, nc, rc) = BONDS[k];
    let h = h0 * (R0 / r).powi(2) * (2.0 * (-(r / rc).powf(nc) + (R0 / rc).powf(nc))).exp();
    let dh = h * (-2.0 / r - 2.0 * nc * (r / rc).powf(nc - 1.0) / rc);
    let (c, dc) = cutoff(r);
    (h * c, dh * c + h * dc)
}

/// Repulsive pair density `phi(r)` and its derivative.
pub(crate) fn density(r: f64) -> (f64, f64) {
    let p = (R0 / r).powf(REP_M)
        * (REP_M * (-(r / REP_DC).powf(REP_MC) + (R0 / REP_DC).powf(REP_MC))).exp();
    let dp = p * (-REP_M / r - REP_M * REP_MC * (r / REP_DC).powf(REP_MC - 1.0) / REP_DC);
    let (c, dc) = cutoff(r);
    (p * c, dp * c + p * dc)
}

/// Slater-Koster block `E_ab(r)` (orbitals s, x, y, z) and its gradient `dE_ab/dr_g`.
pub(crate) fn sk_block(r: V3, d: f64) -> ([[f64; 4]; 4], [[V3; 4]; 4]) {
    let l = [r[0] / d, r[1] / d, r[2] / d];
    let v: [(f64, f64); 4] = std::array::from_fn(|k| bond(k, d));
    let (ss, sp, pps, ppp) = (v[0], v[1], v[2], v[3]);
    let dl = |a: usize, g: usize| (f64::from(u8::from(a == g)) - l[a] * l[g]) / d;
    let delta = |a: usize, b: usize| f64::from(u8::from(a == b));
    let mut e = [[0.0; 4]; 4];
    let mut g = [[[0.0; 3]; 4]; 4];
    e[0][0] = ss.0;
    for c in 0..3 {
        g[0][0][c] = ss.1 * l[c];
    }
    for a in 0..3 {
        e[0][a + 1] = l[a] * sp.0;
        e[a + 1][0] = -l[a] * sp.0;
        for c in 0..3 {
            let d_sp = dl(a, c) * sp.0 + l[a] * sp.1 * l[c];
            g[0][a + 1][c] = d_sp;
            g[a + 1][0][c] = -d_sp;
        }
        for b in 0..3 {
            e[a + 1][b + 1] = l[a] * l[b] * (pps.0 - ppp.0) + delta(a, b) * ppp.0;
            for c in 0..3 {
                let dll = dl(a, c) * l[b] + l[a] * dl(b, c);
                g[a + 1][b + 1][c] = dll * (pps.0 - ppp.0)
                    + l[a] * l[b] * (pps.1 - ppp.1) * l[c]
                    + delta(a, b) * ppp.1 * l[c];
            }
        }
    }
    (e, g)
}

/// Fermi level for `electrons` over spin-degenerate levels `(energy, weight)` (weight 1 at
/// Gamma, the k-point weight otherwise) at temperature `kt`, by bisection.
pub(crate) fn fermi_level(levels: &[(f64, f64)], electrons: f64, kt: f64) -> f64 {
    let count = |mu: f64| {
        levels
            .iter()
            .map(|(e, w)| 2.0 * w / (1.0 + ((e - mu) / kt).exp()))
            .sum::<f64>()
    };
    let (lo0, hi0) = levels
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (e, _)| {
            (a.min(*e), b.max(*e))
        });
    let (mut lo, mut hi) = (lo0 - 20.0, hi0 + 20.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if count(mid) < electrons {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

impl Labeller for TightBinding {
    fn name(&self) -> &'static str {
        "tb"
    }

    fn cutoff(&self) -> f64 {
        CUT_OFF
    }

    fn compute(&self, pos: &[V3], cell: &Cell) -> Result<Labels> {
        let n = pos.len();
        if n == 0 {
            return Err(Error::Runtime(
                "tight binding needs at least one atom".into(),
            ));
        }
        let nl = neighbours(pos, cell, CUT_OFF)?;
        let dim = 4 * n;
        let mut h = DMatrix::<f64>::zeros(dim, dim);
        let mut blocks = Vec::with_capacity(n);
        for (i, list) in nl.iter().enumerate() {
            h[(4 * i, 4 * i)] = ES;
            for a in 1..4 {
                h[(4 * i + a, 4 * i + a)] = EP;
            }
            let mut mine = Vec::with_capacity(list.len());
            for nb in list {
                let (e, g) = sk_block(nb.r, nb.d);
                for a in 0..4 {
                    for b in 0..4 {
                        h[(4 * i + a, 4 * nb.j + b)] += e[a][b];
                    }
                }
                mine.push(g);
            }
            blocks.push(mine);
        }
        let eig = SymmetricEigen::new(h);
        let mut order: Vec<usize> = (0..dim).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
        let levels: Vec<f64> = order.iter().map(|&k| eig.eigenvalues[k]).collect();
        if levels.iter().any(|e| !e.is_finite()) {
            return Err(Error::Runtime(
                "tight-binding eigenvalues are not finite".into(),
            ));
        }
        let weighted: Vec<(f64, f64)> = levels.iter().map(|&e| (e, 1.0)).collect();
        let mu = fermi_level(&weighted, 4.0 * n as f64, self.kt);
        let mut band = 0.0;
        // Density matrix rho = sum_n 2 f_n c_n c_n^T (spin included), skipping empty levels.
        let mut rho = DMatrix::<f64>::zeros(dim, dim);
        for &k in &order {
            let e = eig.eigenvalues[k];
            let f = 1.0 / (1.0 + ((e - mu) / self.kt).exp());
            let entropy = if f > 1e-300 && f < 1.0 - 1e-16 {
                f * f.ln() + (1.0 - f) * (1.0 - f).ln()
            } else {
                0.0
            };
            band += 2.0 * f * e + self.kt * 2.0 * entropy;
            if f > 1e-14 {
                let c = eig.eigenvectors.column(k);
                rho.ger(2.0 * f, &c, &c, 1.0);
            }
        }
        let mut out = Labels::zeros(n);
        out.energy = band + SHIFT_PER_ATOM * n as f64;
        for (i, list) in nl.iter().enumerate() {
            let mut x = 0.0;
            let dens: Vec<(f64, f64)> = list.iter().map(|nb| density(nb.d)).collect();
            for d in &dens {
                x += d.0;
            }
            let (c1, c2, c3, c4) = (REP_C[0], REP_C[1], REP_C[2], REP_C[3]);
            out.energy += x * (c1 + x * (c2 + x * (c3 + x * c4)));
            let fprime = c1 + x * (2.0 * c2 + x * (3.0 * c3 + x * 4.0 * c4));
            for (k, nb) in list.iter().enumerate() {
                let mut g = [0.0; 3];
                for (a, ga) in blocks[i][k].iter().enumerate() {
                    for (b, gab) in ga.iter().enumerate() {
                        let r = rho[(4 * i + a, 4 * nb.j + b)];
                        for c in 0..3 {
                            g[c] += r * gab[c];
                        }
                    }
                }
                for c in 0..3 {
                    g[c] += fprime * dens[k].1 * nb.r[c] / nb.d;
                }
                out.add_pair_gradient(i, nb.j, nb.r, g);
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
    fn hellmann_feynman_forces_and_virial_match_finite_differences() {
        let (pos, cell) = diamond(5.43, 1);
        let eps = [[0.01, 0.02, 0.0], [0.0, -0.015, 0.01], [0.02, 0.0, 0.005]];
        let cell = cell.strained(eps);
        let pos: Vec<V3> = rattle(&pos, 0.12)
            .into_iter()
            .map(|r| crate::cell::apply_strain(r, eps))
            .collect();
        let tb = TightBinding::default();
        let fe = force_error(&tb, &pos, &cell, 1e-5);
        assert!(fe < 1e-6, "force error {fe}");
        let ve = virial_error(&tb, &pos, &cell, 1e-6);
        assert!(ve < 1e-6, "virial error {ve}");
    }

    #[test]
    fn diamond_is_a_minimum_near_5_41_angstrom() {
        // 216-atom supercell (Gamma point = a 3x3x3 k-grid of the cubic cell).
        let tb = TightBinding::default();
        let e = |a: f64| {
            let (pos, cell) = diamond(a, 3);
            let l = tb.compute(&pos, &cell).expect("labels");
            assert!(
                l.forces.iter().flatten().all(|f| f.abs() < 1e-8),
                "perfect crystal has no forces"
            );
            l.energy / pos.len() as f64
        };
        let (e1, e2, e3) = (e(5.35), e(5.41), e(5.47));
        assert!(
            e2 < e1 && e2 < e3,
            "E(5.35) {e1}, E(5.41) {e2}, E(5.47) {e3}"
        );
        assert!(
            (e2 + 4.71).abs() < 0.05,
            "cohesive energy {e2} eV/atom, reference -4.713"
        );
    }
}
