//! Energy, forces and virial of a configuration with the native model, by hand-written
//! backpropagation (DeePMD-kit's ProdForce), threaded over atoms with `std::thread::scope`.
//!
//! Per centre atom `i` of type `ti`: the real neighbours `j` (`|r_ij| < rcut`) give normalised
//! rows `R_j = ((s - davg_0)/dstd_0, s x/(r dstd_1), ...)`, `G_j = G(R_j0)` and `G'_j`;
//! `T = (sum_j R_j^T G_j + sum_empty row_e^T G(row_e0)) / Nc`, `D = T^T T<`,
//! `E_i = F_ti(D) + bias_ti`. The reverse pass gives `Lambda = dE_i/dD` (through the fitting
//! net), `Gamma = dE_i/dT` with `Gamma[c][p] = sum_k T[c][k] Lambda[p][k] + [p < M2] sum_m
//! T[c][m] Lambda[m][p]`, then per neighbour `dE/dR_jc = G_j . Gamma_c / Nc` plus
//! `(sum_c R_jc (G'_j . Gamma_c)) / Nc` in column 0, `q_c = dE/dR_jc / dstd_c` and
//! `g_ij = dE/dr_ij = q_0 s' x/r + (s'/r - s/r^2)(q_1..3 . x) x/r + q_1..3 s/r`. Forces
//! `F_i += g_ij`, `F_j -= g_ij`; virial `W -= r_ij (outer) g_ij`. Empty slots have a constant
//! row and no position dependence, so they enter `T` once per type and give no force.
//!
//! The fitting net runs on blocks of atoms of one type at a time (one pass over its weights
//! per block). Each thread's work is compiled for the CPU's best instruction set, chosen at
//! run time (AVX2 where available; see [`super::net`]).

use super::engine::NativeDeepPot;
use super::net::axpy;
use crate::cell::{Cell, Neighbour, V3, neighbours};
use crate::labeller::Labels;
use ai4s_core::{Error, Result};

/// Atoms per fitting-net block.
const BLOCK: usize = 32;
/// Fewest atoms worth a thread of their own.
const MIN_ATOMS_PER_THREAD: usize = 32;

/// A real neighbour of a centre atom.
struct Nb {
    j: usize,
    r: V3,
    d: f64,
    s: f64,
    ds: f64,
    row: [f64; 4],
}

/// What the reverse pass of one atom needs from its forward pass.
struct AtomWork {
    i: usize,
    ti: usize,
    nbs: Vec<Nb>,
    g: Vec<f64>,
    gp: Vec<f64>,
    t: Vec<f64>,
    d: Vec<f64>,
}

/// A range of centre atoms to evaluate with the SIMD instructions `pulp` chose: every kernel
/// below is `#[inline(always)]`, so all of it is compiled (and vectorised) for them.
struct Range<'a> {
    model: &'a NativeDeepPot,
    types: &'a [usize],
    nl: &'a [Vec<Neighbour>],
    a: usize,
    b: usize,
}

impl pulp::WithSimd for Range<'_> {
    type Output = Result<Partial>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Result<Partial> {
        self.model
            .evaluate_range(self.types, self.nl, self.a, self.b)
    }
}

/// One thread's share of the result.
struct Partial {
    energy: f64,
    forces: Vec<V3>,
    virial: [V3; 3],
}

/// `a . b` with four independent partial sums (so the compiler can use SIMD lanes).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl NativeDeepPot {
    /// Energy (eV), forces (eV/A) and virial (eV) of atoms of model types `types` at `pos` in
    /// `cell` (the neighbour list is built here).
    pub fn compute(&self, types: &[usize], pos: &[V3], cell: &Cell) -> Result<Labels> {
        let nl = neighbours(pos, cell, self.meta.env.rcut)?;
        self.evaluate(types, &nl)
    }

    /// Energy, forces and virial from a full neighbour list (built with a cutoff of at least
    /// `rcut`; farther neighbours are skipped, so a Verlet list with a skin works).
    pub fn evaluate(&self, types: &[usize], nl: &[Vec<Neighbour>]) -> Result<Labels> {
        let n = types.len();
        let nt = self.meta.type_map.len();
        if nl.len() != n {
            return Err(Error::Runtime(format!(
                "a neighbour list of {} atoms for {n} atom types",
                nl.len()
            )));
        }
        if let Some(&t) = types.iter().find(|&&t| t >= nt) {
            return Err(Error::Runtime(format!(
                "atom type {t} is not in the model's type map {:?}",
                self.meta.type_map
            )));
        }
        if let Some(nb) = nl.iter().flatten().find(|nb| nb.j >= n) {
            return Err(Error::Runtime(format!(
                "the neighbour list names atom {} of {n}",
                nb.j
            )));
        }
        let threads = self.threads.min(n.div_ceil(MIN_ATOMS_PER_THREAD)).max(1);
        let chunk = n.div_ceil(threads).max(1);
        let parts: Vec<Result<Partial>> = if threads == 1 {
            vec![self.range(types, nl, 0, n)]
        } else {
            std::thread::scope(|sc| {
                let handles: Vec<_> = (0..threads)
                    .map(|k| {
                        let (a, b) = ((k * chunk).min(n), ((k + 1) * chunk).min(n));
                        sc.spawn(move || self.range(types, nl, a, b))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(Error::Runtime("a force evaluation thread panicked".into()))
                        })
                    })
                    .collect()
            })
        };
        let mut labels = Labels::zeros(n);
        for p in parts {
            let p = p?;
            labels.energy += p.energy;
            for (f, g) in labels.forces.iter_mut().zip(&p.forces) {
                for a in 0..3 {
                    f[a] += g[a];
                }
            }
            for a in 0..3 {
                for b in 0..3 {
                    labels.virial[a][b] += p.virial[a][b];
                }
            }
        }
        if !labels.energy.is_finite() || labels.forces.iter().flatten().any(|f| !f.is_finite()) {
            return Err(Error::Runtime(
                "the model returned a non-finite energy or force".into(),
            ));
        }
        Ok(labels)
    }

    /// The contribution of centre atoms `a..b`, compiled for the best instruction set of this
    /// CPU (chosen at run time).
    fn range(&self, types: &[usize], nl: &[Vec<Neighbour>], a: usize, b: usize) -> Result<Partial> {
        pulp::Arch::new().dispatch(Range {
            model: self,
            types,
            nl,
            a,
            b,
        })
    }

    /// The contribution of centre atoms `a..b`.
    #[inline(always)]
    fn evaluate_range(
        &self,
        types: &[usize],
        nl: &[Vec<Neighbour>],
        a: usize,
        b: usize,
    ) -> Result<Partial> {
        let mut out = Partial {
            energy: 0.0,
            forces: vec![[0.0; 3]; types.len()],
            virial: [[0.0; 3]; 3],
        };
        let mut start = a;
        while start < b {
            let end = (start + BLOCK).min(b);
            let mut work = Vec::with_capacity(end - start);
            for i in start..end {
                work.push(self.forward_atom(i, types, &nl[i])?);
            }
            let lambdas = self.fitting(&work, &mut out.energy);
            for (w, lam) in work.iter().zip(&lambdas) {
                self.reverse_atom(w, lam, &mut out);
            }
            start = end;
        }
        Ok(out)
    }

    /// Environment, embedding, `T` and `D` of atom `i`.
    #[inline(always)]
    fn forward_atom(&self, i: usize, types: &[usize], list: &[Neighbour]) -> Result<AtomWork> {
        let env = &self.meta.env;
        let nt = self.meta.type_map.len();
        let (m1, m2) = (self.m1, self.m2);
        let ti = types[i];
        let (avg, dstd) = (self.meta.stats.davg[ti], self.meta.stats.dstd[ti]);
        let inv = 1.0 / env.nnei() as f64;
        let mut nbs = Vec::with_capacity(list.len());
        let mut seg = Vec::with_capacity(nt + 1);
        seg.push(0);
        for tj in 0..nt {
            for nb in list
                .iter()
                .filter(|nb| types[nb.j] == tj && nb.d < env.rcut)
            {
                let (s, ds) = env.switched(nb.d);
                let raw = [
                    s,
                    s * nb.r[0] / nb.d,
                    s * nb.r[1] / nb.d,
                    s * nb.r[2] / nb.d,
                ];
                nbs.push(Nb {
                    j: nb.j,
                    r: nb.r,
                    d: nb.d,
                    s,
                    ds,
                    row: std::array::from_fn(|c| (raw[c] - avg[c]) / dstd[c]),
                });
            }
            let count = nbs.len() - seg[tj];
            if count > env.sel[tj] {
                return Err(Error::Runtime(format!(
                    "atom {i} has {count} neighbours of type {tj} within rcut {} A but sel[{tj}] = {}; the model cannot describe this configuration (raise sel and retrain)",
                    env.rcut, env.sel[tj]
                )));
            }
            seg.push(nbs.len());
        }
        let mut g = vec![0.0; nbs.len() * m1];
        let mut gp = vec![0.0; nbs.len() * m1];
        for tj in 0..nt {
            let (lo, hi) = (seg[tj], seg[tj + 1]);
            if lo == hi {
                continue;
            }
            let x: Vec<f64> = nbs[lo..hi].iter().map(|nb| nb.row[0]).collect();
            self.embed(
                self.net_index(ti, tj),
                &x,
                &mut g[lo * m1..hi * m1],
                &mut gp[lo * m1..hi * m1],
            );
        }
        let mut t = vec![0.0; 4 * m1];
        for tj in 0..nt {
            let empty = (env.sel[tj] - (seg[tj + 1] - seg[tj])) as f64;
            axpy(empty, &self.empty[ti * nt + tj], &mut t);
        }
        for (k, nb) in nbs.iter().enumerate() {
            let gk = &g[k * m1..(k + 1) * m1];
            for c in 0..4 {
                axpy(nb.row[c] * inv, gk, &mut t[c * m1..(c + 1) * m1]);
            }
        }
        let mut d = vec![0.0; m1 * m2];
        for c in 0..4 {
            let tc = &t[c * m1..(c + 1) * m1];
            for m in 0..m1 {
                axpy(tc[m], &tc[..m2], &mut d[m * m2..(m + 1) * m2]);
            }
        }
        Ok(AtomWork {
            i,
            ti,
            nbs,
            g,
            gp,
            t,
            d,
        })
    }

    /// Atomic energies (added to `energy`) and `Lambda = dE_i/dD` of a block of atoms, one
    /// batched fitting-net pass per centre type.
    #[inline(always)]
    fn fitting(&self, work: &[AtomWork], energy: &mut f64) -> Vec<Vec<f64>> {
        let dd = self.m1 * self.m2;
        let mut lambdas = vec![Vec::new(); work.len()];
        let mut saved = Vec::new();
        for ty in 0..self.meta.type_map.len() {
            let idx: Vec<usize> = (0..work.len()).filter(|&k| work[k].ti == ty).collect();
            if idx.is_empty() {
                continue;
            }
            let rows = idx.len();
            let x: Vec<f64> = idx
                .iter()
                .flat_map(|&k| work[k].d.iter().copied())
                .collect();
            let h = self.fit[ty].forward(&x, rows, &mut saved);
            let out = &self.out[ty];
            let last = out.d_in;
            for r in 0..rows {
                *energy +=
                    dot(&h[r * last..(r + 1) * last], &out.w) + out.b[0] + self.meta.bias[ty];
            }
            let dy: Vec<f64> = (0..rows).flat_map(|_| out.w.iter().copied()).collect();
            let dx = self.fit[ty].backward(&saved, dy, rows);
            for (r, &k) in idx.iter().enumerate() {
                lambdas[k] = dx[r * dd..(r + 1) * dd].to_vec();
            }
        }
        lambdas
    }

    /// Forces and virial of one atom's energy from `Lambda = dE_i/dD`.
    #[inline(always)]
    fn reverse_atom(&self, w: &AtomWork, lam: &[f64], out: &mut Partial) {
        let (m1, m2) = (self.m1, self.m2);
        let inv = 1.0 / self.meta.env.nnei() as f64;
        let dstd = self.meta.stats.dstd[w.ti];
        // Gamma / Nc, 4 x m1.
        let mut gamma = vec![0.0; 4 * m1];
        for c in 0..4 {
            let tc = &w.t[c * m1..(c + 1) * m1];
            let gc = &mut gamma[c * m1..(c + 1) * m1];
            for p in 0..m1 {
                gc[p] = dot(&tc[..m2], &lam[p * m2..(p + 1) * m2]);
            }
            for m in 0..m1 {
                axpy(tc[m], &lam[m * m2..(m + 1) * m2], &mut gc[..m2]);
            }
            gc.iter_mut().for_each(|v| *v *= inv);
        }
        for (k, nb) in w.nbs.iter().enumerate() {
            let gk = &w.g[k * m1..(k + 1) * m1];
            let gpk = &w.gp[k * m1..(k + 1) * m1];
            let mut q = [0.0; 4];
            let mut ds_tilde = 0.0;
            for c in 0..4 {
                let gc = &gamma[c * m1..(c + 1) * m1];
                q[c] = dot(gk, gc);
                ds_tilde += nb.row[c] * dot(gpk, gc);
            }
            q[0] += ds_tilde;
            for c in 0..4 {
                q[c] /= dstd[c];
            }
            let (x, r, s) = (nb.r, nb.d, nb.s);
            let dsr = nb.ds / r - s / (r * r);
            let qx = q[1] * x[0] + q[2] * x[1] + q[3] * x[2];
            let g: V3 = std::array::from_fn(|a| {
                q[0] * nb.ds * x[a] / r + dsr * x[a] / r * qx + q[a + 1] * s / r
            });
            for a in 0..3 {
                out.forces[w.i][a] += g[a];
                out.forces[nb.j][a] -= g[a];
                for b in 0..3 {
                    out.virial[a][b] -= x[a] * g[b];
                }
            }
        }
    }
}
