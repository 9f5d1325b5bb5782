//! The se_e2_a environment matrix (Zhang et al., NeurIPS 2018; DeePMD-kit `env_mat`).
//!
//! For centre atom i and neighbour j within `rcut` (periodic images included),
//! `r_ij = r_j - r_i`, `r = |r_ij|`, the switched inverse distance is `s(r) = w(u)/r` with
//! `u = (r - rcut_smth)/(rcut - rcut_smth)` clipped to [0, 1] and `w(u) = u^3(-6u^2 + 15u - 10) + 1`,
//! and the row of the environment matrix is `(s, s x/r, s y/r, s z/r)`. Neighbours are grouped by
//! type into `sel[t]` slots each, nearest first; empty slots are zero. Rows are normalised per
//! centre type, `(R - davg)/dstd` with `davg = [mean s, 0, 0, 0]` and
//! `dstd = [std s, std_a, std_a, std_a]` from the training data. The statistics are taken over
//! real neighbours only; DeePMD-kit counts every slot, empty ones included, which lowers the mean
//! and widens the spread (measured in BENCHMARKS.md: counting empty slots raised the virial error
//! 1.8-3.1x on three seeds, so ai4s keeps its rule; models imported from DeePMD-kit carry their
//! own `davg`/`dstd` and evaluate exactly). Empty slots are normalised like every row, as in
//! DeePMD-kit: an empty slot then reads exactly like a neighbour at `rcut`, so the energy is
//! continuous when neighbours cross the cutoff and molecular dynamics conserves energy.
//! Alongside each row we keep its analytic 4 x 3 Jacobian `dR/dr_ij` (already divided by
//! `dstd`), which the force path contracts with `dE/dR`. More neighbours of a type than `sel`
//! is an error: truncating would silently break energy conservation.

use crate::cell::{Neighbour, V3, neighbours};
use crate::frames::System;
use ai4s_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Descriptor geometry shared by the environment and the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    /// Cutoff radius (A).
    pub rcut: f64,
    /// Where the switching function starts (A).
    pub rcut_smth: f64,
    /// Neighbour slots per type.
    pub sel: Vec<usize>,
}

impl EnvSpec {
    /// Total neighbour slots.
    pub fn nnei(&self) -> usize {
        self.sel.iter().sum()
    }

    /// Checks the geometry; errors name `prefix.rcut`, `prefix.rcut_smth` or `prefix.sel`
    /// (the config's `descriptor`, a model file's `env`).
    pub fn validate_at(&self, prefix: &str) -> Result<()> {
        let key = |name: &str| format!("{prefix}.{name}");
        ai4s_core::error::ensure(self.rcut > 0.0 && self.rcut < 20.0, &key("rcut"), || {
            format!("must be in (0, 20) A, got {}", self.rcut)
        })?;
        ai4s_core::error::ensure(
            self.rcut_smth >= 0.0 && self.rcut_smth < self.rcut,
            &key("rcut_smth"),
            || {
                format!(
                    "rcut_smth ({}) must be smaller than rcut ({})",
                    self.rcut_smth, self.rcut
                )
            },
        )?;
        ai4s_core::error::ensure(
            !self.sel.is_empty() && self.sel.iter().all(|&s| (1..=1000).contains(&s)),
            &key("sel"),
            || {
                format!(
                    "needs one neighbour count (1..=1000) per type, got {:?}",
                    self.sel
                )
            },
        )
    }

    /// `s(r)` and `ds/dr`.
    pub fn switched(&self, r: f64) -> (f64, f64) {
        if r < self.rcut_smth {
            return (1.0 / r, -1.0 / (r * r));
        }
        let w_len = self.rcut - self.rcut_smth;
        let u = ((r - self.rcut_smth) / w_len).min(1.0);
        let w = u * u * u * (-6.0 * u * u + 15.0 * u - 10.0) + 1.0;
        let dw = if u >= 1.0 {
            0.0
        } else {
            -30.0 * u * u * (u - 1.0) * (u - 1.0) / w_len
        };
        (w / r, dw / r - w / (r * r))
    }
}

/// Per-centre-type normalisation `(R - davg)/dstd` (4 columns each).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvStats {
    /// Mean per centre type and column.
    pub davg: Vec<[f64; 4]>,
    /// Standard deviation per centre type and column.
    pub dstd: Vec<[f64; 4]>,
}

/// Unnormalised rows and Jacobians of one frame, slot-major per atom.
struct RawEnv {
    rows: Vec<[f64; 4]>,
    jac: Vec<[[f64; 3]; 4]>,
    rvec: Vec<V3>,
    owner: Vec<usize>,
    real: Vec<bool>,
}

fn raw_env(
    spec: &EnvSpec,
    types: &[usize],
    pos: &[V3],
    cell: &crate::cell::Cell,
    frame: usize,
    path: &std::path::Path,
) -> Result<RawEnv> {
    let nl = neighbours(pos, cell, spec.rcut)?;
    raw_env_from_list(spec, types, pos.len(), &nl, frame, path)
}

/// The raw environment from a neighbour list; neighbours at or beyond `rcut` are skipped, so
/// a list built with a larger cutoff (a Verlet list with a skin) gives the same result.
fn raw_env_from_list(
    spec: &EnvSpec,
    types: &[usize],
    n: usize,
    nl: &[Vec<Neighbour>],
    frame: usize,
    path: &std::path::Path,
) -> Result<RawEnv> {
    let s_tot = spec.nnei();
    let mut env = RawEnv {
        rows: vec![[0.0; 4]; n * s_tot],
        jac: vec![[[0.0; 3]; 4]; n * s_tot],
        rvec: vec![[0.0; 3]; n * s_tot],
        owner: vec![0; n * s_tot],
        real: vec![false; n * s_tot],
    };
    let offsets: Vec<usize> = spec
        .sel
        .iter()
        .scan(0, |acc, &s| {
            let o = *acc;
            *acc += s;
            Some(o)
        })
        .collect();
    for (i, list) in nl.iter().enumerate() {
        for t in 0..spec.sel.len() {
            let mut mine: Vec<_> = list
                .iter()
                .filter(|nb| types[nb.j] == t && nb.d < spec.rcut)
                .collect();
            if mine.len() > spec.sel[t] {
                return Err(Error::Data {
                    path: path.to_owned(),
                    line: Some(frame + 1),
                    column: None,
                    message: format!(
                        "frame {}: atom {i} has {} neighbours of type {t} within rcut {} A but sel[{t}] = {}; raise sel (DeePMD would silently drop them and break energy conservation)",
                        frame + 1,
                        mine.len(),
                        spec.rcut,
                        spec.sel[t]
                    ),
                });
            }
            mine.sort_by(|a, b| a.d.total_cmp(&b.d));
            for (k, nb) in mine.iter().enumerate() {
                let slot = i * s_tot + offsets[t] + k;
                let (s, ds) = spec.switched(nb.d);
                let r = nb.d;
                let x = nb.r;
                env.rows[slot] = [s, s * x[0] / r, s * x[1] / r, s * x[2] / r];
                // d(s/r)/dr = ds/r - s/r^2
                let dsr = ds / r - s / (r * r);
                for c in 0..3 {
                    env.jac[slot][0][c] = ds * x[c] / r;
                    for a in 0..3 {
                        env.jac[slot][a + 1][c] =
                            dsr * x[c] / r * x[a] + if a == c { s / r } else { 0.0 };
                    }
                }
                env.rvec[slot] = x;
                env.owner[slot] = nb.j;
                env.real[slot] = true;
            }
            for k in mine.len()..spec.sel[t] {
                env.owner[i * s_tot + offsets[t] + k] = i;
            }
        }
    }
    Ok(env)
}

/// Normalised environments of every frame of a system, flattened for tensors.
#[derive(Clone, Debug)]
pub struct EnvData {
    /// Frames.
    pub frames: usize,
    /// Atoms per frame.
    pub natoms: usize,
    /// Slots per atom.
    pub nnei: usize,
    /// Slots per neighbour type (`sel`); each type's block holds its real neighbours first.
    pub sel: Vec<usize>,
    /// `[frames, natoms, nnei, 4]` normalised rows (empty slots read as a neighbour at `rcut`).
    pub rows: Vec<f64>,
    /// `[frames, natoms, nnei, 4, 3]` Jacobians of the normalised rows.
    pub jac: Vec<f64>,
    /// `[frames, natoms, nnei, 3]` neighbour vectors (zero for empty slots).
    pub rvec: Vec<f64>,
    /// `[frames, natoms * nnei]` owner atom of each slot within its frame.
    pub owner: Vec<i64>,
}

/// Computes the statistics of the raw environment over the real slots of `systems`.
pub fn stats(
    spec: &EnvSpec,
    systems: &[(&System, &std::path::Path)],
    ntypes: usize,
) -> Result<EnvStats> {
    let mut sum = vec![[0.0f64; 3]; ntypes]; // count, sum s, sum s^2
    let mut sum_a = vec![[0.0f64; 2]; ntypes]; // count, sum of squares of the 3 angular columns
    for (sys, path) in systems {
        for (k, f) in sys.frames.iter().enumerate() {
            let env = raw_env(spec, &sys.types, &f.pos, &f.cell, k, path)?;
            let s_tot = spec.nnei();
            for (slot, row) in env.rows.iter().enumerate() {
                if !env.real[slot] {
                    continue;
                }
                let t = sys.types[slot / s_tot];
                sum[t][0] += 1.0;
                sum[t][1] += row[0];
                sum[t][2] += row[0] * row[0];
                sum_a[t][0] += 3.0;
                sum_a[t][1] += row[1] * row[1] + row[2] * row[2] + row[3] * row[3];
            }
        }
    }
    let mut st = EnvStats {
        davg: vec![[0.0; 4]; ntypes],
        dstd: vec![[1.0; 4]; ntypes],
    };
    for t in 0..ntypes {
        if sum[t][0] > 0.0 {
            let mean = sum[t][1] / sum[t][0];
            let var = (sum[t][2] / sum[t][0] - mean * mean).max(0.0);
            let std_a = (sum_a[t][1] / sum_a[t][0]).sqrt();
            st.davg[t][0] = mean;
            st.dstd[t] = [
                var.sqrt().max(1e-2),
                std_a.max(1e-2),
                std_a.max(1e-2),
                std_a.max(1e-2),
            ];
        }
    }
    Ok(st)
}

/// Normalised environments of every frame of `system`.
pub fn build(
    spec: &EnvSpec,
    stats: &EnvStats,
    system: &System,
    path: &std::path::Path,
) -> Result<EnvData> {
    let n = system.natoms();
    let s_tot = spec.nnei();
    let nf = system.frames.len();
    let mut out = EnvData {
        frames: nf,
        natoms: n,
        nnei: s_tot,
        sel: spec.sel.clone(),
        rows: Vec::with_capacity(nf * n * s_tot * 4),
        jac: Vec::with_capacity(nf * n * s_tot * 12),
        rvec: Vec::with_capacity(nf * n * s_tot * 3),
        owner: Vec::with_capacity(nf * n * s_tot),
    };
    for (k, f) in system.frames.iter().enumerate() {
        let env = raw_env(spec, &system.types, &f.pos, &f.cell, k, path)?;
        push_normalised(&mut out, &env, &system.types, stats);
    }
    Ok(out)
}

/// Appends one frame's normalised rows, Jacobians, vectors and owners to `out`.
fn push_normalised(out: &mut EnvData, env: &RawEnv, types: &[usize], stats: &EnvStats) {
    let s_tot = out.nnei;
    for slot in 0..out.natoms * s_tot {
        let t = types[slot / s_tot];
        let (avg, std) = (stats.davg[t], stats.dstd[t]);
        for c in 0..4 {
            // Empty slots are normalised too (as DeePMD does): a zero raw row becomes
            // `-davg/dstd`, exactly the row of a neighbour sitting at `rcut`, so the energy
            // stays continuous when a neighbour crosses the cutoff.
            out.rows.push((env.rows[slot][c] - avg[c]) / std[c]);
            for a in 0..3 {
                out.jac.push(env.jac[slot][c][a] / std[c]);
            }
        }
        out.rvec.extend(env.rvec[slot]);
        out.owner.push(env.owner[slot] as i64);
    }
}

/// Normalised environment of one configuration from a neighbour list built with a cutoff of
/// at least `rcut` (e.g. a Verlet list with a skin, as molecular dynamics keeps it); `path`
/// names the source in errors.
pub fn build_from_list(
    spec: &EnvSpec,
    stats: &EnvStats,
    types: &[usize],
    nl: &[Vec<Neighbour>],
    path: &std::path::Path,
) -> Result<EnvData> {
    let n = types.len();
    let s_tot = spec.nnei();
    let env = raw_env_from_list(spec, types, n, nl, 0, path)?;
    let mut out = EnvData {
        frames: 1,
        natoms: n,
        nnei: s_tot,
        sel: spec.sel.clone(),
        rows: Vec::with_capacity(n * s_tot * 4),
        jac: Vec::with_capacity(n * s_tot * 12),
        rvec: Vec::with_capacity(n * s_tot * 3),
        owner: Vec::with_capacity(n * s_tot),
    };
    push_normalised(&mut out, &env, types, stats);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{Cell, diamond};

    #[test]
    fn jacobian_matches_finite_differences_and_sel_overflow_is_an_error() {
        let spec = EnvSpec {
            rcut: 4.0,
            rcut_smth: 2.0,
            sel: vec![40],
        };
        for r in [1.5f64, 2.7, 3.9] {
            let (s, ds) = spec.switched(r);
            let h = 1e-6;
            let fd = (spec.switched(r + h).0 - spec.switched(r - h).0) / (2.0 * h);
            assert!((fd - ds).abs() < 1e-6, "r {r}: {fd} vs {ds}");
            assert!(s > 0.0);
        }
        assert_eq!(spec.switched(4.0).0, 0.0);
        let (pos, cell) = diamond(5.43, 1);
        let pos = crate::labeller::check::rattle(&pos, 0.2);
        let env = raw_env(&spec, &[0; 8], &pos, &cell, 0, std::path::Path::new("x")).expect("fits");
        // Perturb atom 1 along y and compare every row of atom 0's environment.
        let h = 1e-6;
        let mut plus = pos.clone();
        plus[1][1] += h;
        let mut minus = pos.clone();
        minus[1][1] -= h;
        let ep = raw_env(&spec, &[0; 8], &plus, &cell, 0, std::path::Path::new("x")).expect("fits");
        let em =
            raw_env(&spec, &[0; 8], &minus, &cell, 0, std::path::Path::new("x")).expect("fits");
        for slot in 0..40 {
            if env.real[slot] && env.owner[slot] == 1 {
                for c in 0..4 {
                    let fd = (ep.rows[slot][c] - em.rows[slot][c]) / (2.0 * h);
                    assert!(
                        (fd - env.jac[slot][c][1]).abs() < 1e-6,
                        "slot {slot} col {c}"
                    );
                }
            }
        }
        let tight = EnvSpec {
            sel: vec![3],
            ..spec
        };
        let e = raw_env(
            &tight,
            &[0; 8],
            &pos,
            &Cell { h: cell.h },
            4,
            std::path::Path::new("data/train"),
        )
        .err()
        .expect("too many neighbours")
        .to_string();
        assert!(
            e.contains("frame 5") && e.contains("sel[0] = 3") && e.contains("raise sel"),
            "{e}"
        );
    }
}
