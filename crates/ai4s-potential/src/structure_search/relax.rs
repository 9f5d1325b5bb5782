//! Relaxation of atomic positions and cell together with FIRE ([`ai4s_core::fire`]).
//!
//! The degrees of freedom follow ASE's `UnitCellFilter`: the cell is `h = h0 D` and the
//! positions `r_i = u_i D` with the deformation `D = I + eps` of a reference cell `h0` (row
//! vectors). With the labeller's forces `F_i` and virial `W` (`W = -dE/d eta` for a strain
//! `eta` of the current configuration) the enthalpy `H = E + p V` has the gradients
//!
//! - `dH/du_i = -F_i D^T`,
//! - `dH/d eps = -D^-T (W - p V I)` (a strain `d eps` of `D` is the strain `D^-1 d eps` of
//!   the current configuration, and `dV = V tr(D^-1 d eps)`).
//!
//! The strain enters FIRE scaled by the number of atoms (`x = N eps`), so a cell coordinate
//! moves as readily as an atom. The relaxation stops when every force is below `fmax` and every
//! component of the stress `(W - p V I) / V` below `smax`. Between segments of FIRE steps the
//! cell is reduced (shorter, less skewed lattice vectors for the same lattice), which keeps the
//! neighbour search cheap when a random cell shears far. Cells that expand past, or collapse
//! below, the allowed volume per atom are abandoned.

use crate::cell::{Cell, V3, dot};
use crate::labeller::Labeller;
use crate::structure_search::Structure;
use ai4s_core::fire::Fire;
use ai4s_core::{Error, Result};

/// When a relaxation stops, and when it is abandoned.
#[derive(Clone, Debug, PartialEq)]
pub struct RelaxSettings {
    /// Largest remaining force (eV/A).
    pub fmax: f64,
    /// Largest remaining stress component (eV/A^3).
    pub smax: f64,
    /// External pressure (eV/A^3); the relaxation minimises `E + p V`.
    pub pressure: f64,
    /// FIRE steps at most (all segments together).
    pub max_steps: usize,
    /// Allowed volume per atom `[min, max]` (A^3); outside it the candidate is abandoned.
    pub volume_per_atom: [f64; 2],
}

/// A relaxed structure.
#[derive(Clone, Debug)]
pub struct Relaxed {
    /// The final structure.
    pub structure: Structure,
    /// Energy per atom (eV).
    pub energy: f64,
    /// Enthalpy per atom `(E + p V) / N` (eV).
    pub enthalpy: f64,
    /// Volume per atom (A^3).
    pub volume: f64,
    /// FIRE steps used.
    pub steps: usize,
    /// Whether the force and stress tolerances were met.
    pub converged: bool,
}

fn mat_mul(a: &[V3; 3], b: &[V3; 3]) -> [V3; 3] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

fn inverse(m: &[V3; 3]) -> Option<[V3; 3]> {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if det.abs() < 1e-12 || !det.is_finite() {
        return None;
    }
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    Some(std::array::from_fn(|i| {
        std::array::from_fn(|j| c(j, i) / det)
    }))
}

/// The same lattice with shorter, less skewed vectors (pairwise Gauss reduction, repeated
/// until no vector shortens), right-handed, and the atoms wrapped into it.
pub fn reduce(s: &Structure) -> Structure {
    let mut h = s.cell.h;
    for _ in 0..100 {
        let mut changed = false;
        for i in 0..3 {
            for j in 0..3 {
                if i == j {
                    continue;
                }
                let k = (dot(h[i], h[j]) / dot(h[j], h[j])).round();
                if k != 0.0 {
                    let cand: V3 = std::array::from_fn(|a| h[i][a] - k * h[j][a]);
                    if dot(cand, cand) < dot(h[i], h[i]) - 1e-10 {
                        h[i] = cand;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut cell = Cell { h };
    if cell.volume() < 0.0 {
        cell.h = h.map(|r| r.map(|v| -v));
    }
    let pos = s
        .pos
        .iter()
        .map(|&r| {
            let f = cell.fractional(r);
            cell.cartesian(f.map(|v| v - v.floor()))
        })
        .collect();
    Structure { cell, pos }
}

/// Relaxes positions and cell of `start` on `labeller` to the tolerances of `settings`.
/// Errors when the candidate leaves the allowed volume range or the labeller refuses it (atoms
/// on top of each other).
pub fn relax(
    labeller: &dyn Labeller,
    start: &Structure,
    settings: &RelaxSettings,
) -> Result<Relaxed> {
    let n = start.pos.len();
    let scale = n as f64;
    let fire = Fire::default();
    let mut s = reduce(start);
    let mut steps = 0;
    let segment = 400;
    loop {
        let h0 = s.cell.h;
        let u0 = s.pos.clone();
        let mut x: Vec<f64> = u0.iter().flatten().copied().chain([0.0; 9]).collect();
        let worst = std::cell::Cell::new((f64::INFINITY, f64::INFINITY));
        let budget = segment.min(settings.max_steps - steps);
        let result = fire.minimize(
            &mut x,
            |x, g| {
                let d: [V3; 3] = std::array::from_fn(|a| {
                    std::array::from_fn(|b| f64::from(a == b) + x[3 * n + 3 * a + b] / scale)
                });
                let cell = Cell {
                    h: mat_mul(&h0, &d),
                };
                let v = cell.volume() / n as f64;
                if !(settings.volume_per_atom[0]..=settings.volume_per_atom[1]).contains(&v) {
                    return Err(Error::Runtime(format!(
                        "volume per atom {v:.1} A^3 left the allowed range {:?}",
                        settings.volume_per_atom
                    )));
                }
                let pos: Vec<V3> = (0..n)
                    .map(|i| std::array::from_fn(|b| (0..3).map(|a| x[3 * i + a] * d[a][b]).sum()))
                    .collect();
                let l = labeller.compute(&pos, &cell)?;
                let vol = cell.volume();
                for i in 0..n {
                    for a in 0..3 {
                        g[3 * i + a] = -(0..3).map(|b| l.forces[i][b] * d[a][b]).sum::<f64>();
                    }
                }
                let dinv = inverse(&d)
                    .ok_or_else(|| Error::Runtime("the cell deformation became singular".into()))?;
                let mut stress = l.virial;
                for a in 0..3 {
                    stress[a][a] -= settings.pressure * vol;
                }
                // dH/d eps = -D^-T (W - pV I), per unit of x = N eps.
                for c in 0..3 {
                    for b in 0..3 {
                        let v: f64 = (0..3).map(|a| dinv[a][c] * stress[a][b]).sum();
                        g[3 * n + 3 * c + b] = -v / scale;
                    }
                }
                let fmax = l
                    .forces
                    .iter()
                    .flatten()
                    .fold(0.0f64, |m, f| m.max(f.abs()));
                let smax = stress.iter().flatten().fold(0.0f64, |m, s| m.max(s.abs())) / vol;
                worst.set((fmax, smax));
                Ok(l.energy + settings.pressure * vol)
            },
            |_| {
                let (f, s) = worst.get();
                f < settings.fmax && s < settings.smax
            },
            budget,
        )?;
        let d: [V3; 3] = std::array::from_fn(|a| {
            std::array::from_fn(|b| f64::from(a == b) + x[3 * n + 3 * a + b] / scale)
        });
        let cell = Cell {
            h: mat_mul(&h0, &d),
        };
        let pos: Vec<V3> = (0..n)
            .map(|i| std::array::from_fn(|b| (0..3).map(|a| x[3 * i + a] * d[a][b]).sum()))
            .collect();
        s = reduce(&Structure { cell, pos });
        steps += result.evaluations - 1;
        if result.converged || steps >= settings.max_steps {
            let vol = s.cell.volume();
            let enthalpy = result.value / n as f64;
            return Ok(Relaxed {
                energy: enthalpy - settings.pressure * vol / n as f64,
                enthalpy,
                volume: vol / n as f64,
                structure: s,
                steps,
                converged: result.converged,
            });
        }
    }
}

/// Relaxes the atomic positions of `start` at fixed cell by FIRE until every force is below
/// `fmax` (eV/A) or `max_steps` steps are spent; the structure and its energy per atom (eV).
pub fn relax_positions(
    labeller: &dyn Labeller,
    start: &Structure,
    fmax: f64,
    max_steps: usize,
) -> Result<(Structure, f64)> {
    let cell = start.cell;
    let mut x: Vec<f64> = start.pos.iter().flatten().copied().collect();
    let worst = std::cell::Cell::new(f64::INFINITY);
    let result = Fire::default().minimize(
        &mut x,
        |x, g| {
            let pos: Vec<V3> = x.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
            let l = labeller.compute(&pos, &cell)?;
            for (gi, f) in g.iter_mut().zip(l.forces.iter().flatten()) {
                *gi = -f;
            }
            worst.set(
                l.forces
                    .iter()
                    .flatten()
                    .fold(0.0f64, |m, f| m.max(f.abs())),
            );
            Ok(l.energy)
        },
        |_| worst.get() < fmax,
        max_steps,
    )?;
    let pos: Vec<V3> = x.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    let n = pos.len() as f64;
    Ok((Structure { cell, pos }, result.value / n))
}
