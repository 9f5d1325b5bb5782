//! The Deep Potential's networks as plain `f64` arrays: DeePMD-kit's layer rule
//! `y = r(x) + idt * tanh(x W + b)` (`r(x) = x` when the width is kept, `[x, x]` when it
//! doubles, 0 otherwise; `idt = 1` without a timestep vector), evaluated on a block of rows at
//! once, with the input derivatives the force path and the tabulation need written by hand:
//! the reverse pass `dx = (dy * idt * (1 - t^2)) W^T + r^T(dy)`, the tangent
//! `y' = r(x') + idt (1 - t^2) (x' W)` and the second derivative
//! `y'' = r(x'') + idt [(1 - t^2) (x'' W) - 2 t (1 - t^2) (x' W)^2]` of a scalar-input net.

use crate::model::LayerArrays;
use ai4s_core::{Error, Result};

/// One layer: `w` (`d_in x d_out`, row-major) and its transpose, bias, optional `idt`.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    pub(crate) d_in: usize,
    pub(crate) d_out: usize,
    pub(crate) w: Vec<f64>,
    /// `W` and `W^T` packed for products.
    fwd: Matrix,
    bwd: Matrix,
    pub(crate) b: Vec<f64>,
    pub(crate) idt: Option<Vec<f64>>,
    /// `idt`, or ones.
    scale: Vec<f64>,
}

impl Layer {
    /// A layer from its arrays, checking their lengths.
    pub(crate) fn new(a: &LayerArrays) -> Result<Layer> {
        let ok = a.w.len() == a.d_in * a.d_out
            && a.b.len() == a.d_out
            && a.idt.as_ref().is_none_or(|t| t.len() == a.d_out);
        if !ok || a.d_in == 0 || a.d_out == 0 {
            return Err(Error::Runtime(format!(
                "a {} x {} layer has {} weights, {} biases and {:?} timestep values",
                a.d_in,
                a.d_out,
                a.w.len(),
                a.b.len(),
                a.idt.as_ref().map(Vec::len)
            )));
        }
        let mut wt = vec![0.0; a.w.len()];
        for i in 0..a.d_in {
            for j in 0..a.d_out {
                wt[j * a.d_in + i] = a.w[i * a.d_out + j];
            }
        }
        Ok(Layer {
            d_in: a.d_in,
            d_out: a.d_out,
            w: a.w.clone(),
            fwd: Matrix::new(a.w.clone(), a.d_in, a.d_out),
            bwd: Matrix::new(wt, a.d_out, a.d_in),
            b: a.b.clone(),
            idt: a.idt.clone(),
            scale: a.idt.clone().unwrap_or_else(|| vec![1.0; a.d_out]),
        })
    }

    /// `out = x W (+ b)` for `rows` rows of `x` (`rows x d_in`); `out` is `rows x d_out`.
    #[inline(always)]
    pub(crate) fn affine(&self, x: &[f64], rows: usize, bias: bool, out: &mut Vec<f64>) {
        let (n_in, n_out) = (self.d_in, self.d_out);
        out.clear();
        out.resize(rows * n_out, 0.0);
        if bias {
            for o in out.chunks_exact_mut(n_out) {
                o.copy_from_slice(&self.b);
            }
        }
        debug_assert_eq!(x.len(), rows * n_in);
        self.fwd.mul_acc(x, rows, out);
    }

    /// Whether the layer has a residual path (same width, or doubling).
    #[inline(always)]
    fn residual(&self) -> bool {
        self.d_in == self.d_out || 2 * self.d_in == self.d_out
    }

    /// The residual path: `r(x)` added into `y` (`rows x d_out`), if the layer has one.
    #[inline(always)]
    fn add_residual(&self, x: &[f64], rows: usize, y: &mut [f64]) {
        if !self.residual() {
            return;
        }
        let (n_in, n_out) = (self.d_in, self.d_out);
        for r in 0..rows {
            let xr = &x[r * n_in..(r + 1) * n_in];
            for half in y[r * n_out..(r + 1) * n_out].chunks_exact_mut(n_in) {
                axpy(1.0, xr, half);
            }
        }
    }

    /// The transpose of the residual path: `r^T(dy)` added into `dx` (`rows x d_in`).
    #[inline(always)]
    fn add_residual_transposed(&self, dy: &[f64], rows: usize, dx: &mut [f64]) {
        if !self.residual() {
            return;
        }
        let (n_in, n_out) = (self.d_in, self.d_out);
        for r in 0..rows {
            let dxr = &mut dx[r * n_in..(r + 1) * n_in];
            for half in dy[r * n_out..(r + 1) * n_out].chunks_exact(n_in) {
                axpy(1.0, half, dxr);
            }
        }
    }
}

/// `y += a x`.
#[inline(always)]
pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yv, xv) in y.iter_mut().zip(x) {
        *yv = a.mul_add(*xv, *yv);
    }
}

/// Columns per register block of [`Matrix::mul_acc`].
const C: usize = 8;
/// Rows per register block of [`Matrix::mul_acc`].
const R: usize = 4;

/// A `k x n` matrix for products `x w` with the columns packed in panels of 8: panel `p` holds
/// `w[i][8p..8p+8]` for `i = 0..k` contiguously, so a product streams each panel once per block
/// of rows (the last `n % 8` columns are used row-major).
#[derive(Clone, Debug)]
pub(crate) struct Matrix {
    k: usize,
    n: usize,
    data: Vec<f64>,
    panels: Vec<f64>,
}

impl Matrix {
    /// The row-major `k x n` matrix `data`.
    pub(crate) fn new(data: Vec<f64>, k: usize, n: usize) -> Matrix {
        let mut panels = Vec::with_capacity(k * (n - n % C));
        for j0 in (0..n - n % C).step_by(C) {
            for i in 0..k {
                panels.extend_from_slice(&data[i * n + j0..i * n + j0 + C]);
            }
        }
        Matrix { k, n, data, panels }
    }

    /// `out += x w` for row-major `x` (`rows x k`) and `out` (`rows x n`): blocks of 4 rows x
    /// 8 columns of `out` stay in registers while `k` runs (8 vector accumulators with AVX2,
    /// fused multiply-adds); the leftover rows and columns are rows of `axpy`.
    #[inline(always)]
    pub(crate) fn mul_acc(&self, x: &[f64], rows: usize, out: &mut [f64]) {
        let (k, n) = (self.k, self.n);
        let n_main = n - n % C;
        let r_main = rows - rows % R;
        for (p, panel) in self.panels.chunks_exact(k * C).enumerate() {
            let j0 = p * C;
            for r0 in (0..r_main).step_by(R) {
                let mut acc = [[0.0f64; C]; R];
                for (i, wi) in panel.chunks_exact(C).enumerate() {
                    for (rr, a) in acc.iter_mut().enumerate() {
                        let xv = x[(r0 + rr) * k + i];
                        for l in 0..C {
                            a[l] = xv.mul_add(wi[l], a[l]);
                        }
                    }
                }
                for (rr, a) in acc.iter().enumerate() {
                    let o = &mut out[(r0 + rr) * n + j0..(r0 + rr) * n + j0 + C];
                    for l in 0..C {
                        o[l] += a[l];
                    }
                }
            }
        }
        for r in 0..rows {
            let j0 = if r < r_main { n_main } else { 0 };
            if j0 < n {
                let o = &mut out[r * n + j0..(r + 1) * n];
                for i in 0..k {
                    axpy(x[r * k + i], &self.data[i * n + j0..(i + 1) * n], o);
                }
            }
        }
    }
}

/// A stack of residual tanh layers (an embedding net, or a fitting net's hidden layers).
#[derive(Clone, Debug)]
pub(crate) struct Net {
    pub(crate) layers: Vec<Layer>,
}

impl Net {
    /// A network from its layers' arrays, checking that consecutive widths match.
    pub(crate) fn new(arrays: &[LayerArrays]) -> Result<Net> {
        let layers = arrays.iter().map(Layer::new).collect::<Result<Vec<_>>>()?;
        if let Some(w) = layers.windows(2).find(|w| w[0].d_out != w[1].d_in) {
            return Err(Error::Runtime(format!(
                "a layer of width {} feeds a layer expecting {} inputs",
                w[0].d_out, w[1].d_in
            )));
        }
        if layers.is_empty() {
            return Err(Error::Runtime("a network without layers".into()));
        }
        Ok(Net { layers })
    }

    /// Input width.
    pub(crate) fn d_in(&self) -> usize {
        self.layers[0].d_in
    }

    /// Output width.
    pub(crate) fn d_out(&self) -> usize {
        self.layers[self.layers.len() - 1].d_out
    }

    /// Forward pass of `rows` rows; `saved` receives `tanh(x W + b)` of every layer (what
    /// [`Net::backward`] needs).
    #[inline(always)]
    pub(crate) fn forward(&self, x: &[f64], rows: usize, saved: &mut Vec<Vec<f64>>) -> Vec<f64> {
        saved.clear();
        let mut h = x.to_vec();
        for layer in &self.layers {
            let mut t = Vec::new();
            layer.affine(&h, rows, true, &mut t);
            t.iter_mut().for_each(|v| *v = v.tanh());
            let mut y = t.clone();
            if layer.idt.is_some() {
                for row in y.chunks_exact_mut(layer.d_out) {
                    row.iter_mut().zip(&layer.scale).for_each(|(v, s)| *v *= s);
                }
            }
            layer.add_residual(&h, rows, &mut y);
            saved.push(t);
            h = y;
        }
        h
    }

    /// Reverse pass: `dy` (`rows x d_out`) at the output to `dx` at the input.
    #[inline(always)]
    pub(crate) fn backward(&self, saved: &[Vec<f64>], mut dy: Vec<f64>, rows: usize) -> Vec<f64> {
        for (layer, t) in self.layers.iter().zip(saved).rev() {
            let (n_in, n_out) = (layer.d_in, layer.d_out);
            let mut dz = dy.clone();
            for (dzr, tr) in dz.chunks_exact_mut(n_out).zip(t.chunks_exact(n_out)) {
                for j in 0..n_out {
                    dzr[j] *= layer.scale[j] * (1.0 - tr[j] * tr[j]);
                }
            }
            let mut dx = vec![0.0; rows * n_in];
            layer.bwd.mul_acc(&dz, rows, &mut dx);
            layer.add_residual_transposed(&dy, rows, &mut dx);
            dy = dx;
        }
        dy
    }

    /// Values and first derivatives of a scalar-input net at `rows` inputs `x`.
    #[inline(always)]
    pub(crate) fn tangent(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let rows = x.len();
        let mut h = x.to_vec();
        let mut hp = vec![1.0; rows];
        let (mut z, mut zp) = (Vec::new(), Vec::new());
        for layer in &self.layers {
            layer.affine(&h, rows, true, &mut z);
            layer.affine(&hp, rows, false, &mut zp);
            let n = layer.d_out;
            let mut y = vec![0.0; rows * n];
            let mut yp = vec![0.0; rows * n];
            for r in 0..rows {
                for j in 0..n {
                    let k = r * n + j;
                    let t = z[k].tanh();
                    let s = layer.scale[j];
                    y[k] = s * t;
                    yp[k] = s * (1.0 - t * t) * zp[k];
                }
            }
            layer.add_residual(&h, rows, &mut y);
            layer.add_residual(&hp, rows, &mut yp);
            h = y;
            hp = yp;
        }
        (h, hp)
    }

    /// Value, first and second derivative of a scalar-input net at `x` (for the tabulation).
    pub(crate) fn jet2(&self, x: f64) -> [Vec<f64>; 3] {
        let (mut h, mut h1, mut h2) = (vec![x], vec![1.0], vec![0.0]);
        let (mut z, mut z1, mut z2) = (Vec::new(), Vec::new(), Vec::new());
        for layer in &self.layers {
            layer.affine(&h, 1, true, &mut z);
            layer.affine(&h1, 1, false, &mut z1);
            layer.affine(&h2, 1, false, &mut z2);
            let n = layer.d_out;
            let (mut y, mut y1, mut y2) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            for k in 0..n {
                let t = z[k].tanh();
                let dt = 1.0 - t * t;
                let s = layer.scale[k];
                y[k] = s * t;
                y1[k] = s * dt * z1[k];
                y2[k] = s * (dt * z2[k] - 2.0 * t * dt * z1[k] * z1[k]);
            }
            layer.add_residual(&h, 1, &mut y);
            layer.add_residual(&h1, 1, &mut y1);
            layer.add_residual(&h2, 1, &mut y2);
            (h, h1, h2) = (y, y1, y2);
        }
        [h, h1, h2]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A net 1 -> 3 -> 6 (doubling) -> 6 (residual, with idt) with fixed pseudo-random weights.
    pub(crate) fn sample_net() -> Net {
        let widths = [1, 3, 6, 6];
        let mut seed = 0.3f64;
        let mut next = || {
            seed = (seed * 7.13 + 0.21).fract();
            seed - 0.5
        };
        let arrays: Vec<LayerArrays> = widths
            .windows(2)
            .enumerate()
            .map(|(k, w)| LayerArrays {
                d_in: w[0],
                d_out: w[1],
                w: (0..w[0] * w[1]).map(|_| 2.0 * next()).collect(),
                b: (0..w[1]).map(|_| next()).collect(),
                idt: (k == 2).then(|| (0..w[1]).map(|_| 0.1 + next()).collect()),
            })
            .collect();
        Net::new(&arrays).expect("consistent widths")
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let net = sample_net();
        let h = 1e-5;
        for x in [-1.3, 0.2, 2.7] {
            let [_, d1, d2] = net.jet2(x);
            let (yp, dp) = net.tangent(&[x + h]);
            let (ym, dm) = net.tangent(&[x - h]);
            let (y0, d0) = net.tangent(&[x]);
            assert_eq!(net.jet2(x)[0], y0);
            for k in 0..6 {
                assert!((d1[k] - d0[k]).abs() < 1e-14);
                assert!(((yp[k] - ym[k]) / (2.0 * h) - d1[k]).abs() < 1e-9);
                assert!(((dp[k] - dm[k]) / (2.0 * h) - d2[k]).abs() < 1e-9);
            }
        }
        // The reverse pass is the transpose of the forward derivative: for the scalar net,
        // sum_k dy_k dG_k/dx equals backward(dy).
        let dy: Vec<f64> = (0..6).map(|k| 0.3 * k as f64 - 0.7).collect();
        let mut saved = Vec::new();
        net.forward(&[0.4], 1, &mut saved);
        let dx = net.backward(&saved, dy.clone(), 1);
        let (_, d) = net.tangent(&[0.4]);
        let expect: f64 = dy.iter().zip(&d).map(|(a, b)| a * b).sum();
        assert!((dx[0] - expect).abs() < 1e-13, "{} vs {expect}", dx[0]);
    }

    #[test]
    fn blocked_matmul_equals_the_naive_product() {
        for (rows, k, n) in [(7, 5, 13), (4, 3, 8), (1, 9, 3), (16, 12, 100)] {
            let x: Vec<f64> = (0..rows * k).map(|v| (v as f64 * 0.37).sin()).collect();
            let w: Vec<f64> = (0..k * n).map(|v| (v as f64 * 0.11).cos()).collect();
            let mut out = vec![1.0; rows * n];
            Matrix::new(w.clone(), k, n).mul_acc(&x, rows, &mut out);
            for r in 0..rows {
                for j in 0..n {
                    let want: f64 = 1.0 + (0..k).map(|i| x[r * k + i] * w[i * n + j]).sum::<f64>();
                    assert!(
                        (out[r * n + j] - want).abs() < 1e-12,
                        "{rows}x{k}x{n} [{r}][{j}]"
                    );
                }
            }
        }
    }

    #[test]
    fn inconsistent_arrays_are_refused() {
        let bad = LayerArrays {
            d_in: 2,
            d_out: 3,
            w: vec![0.0; 5],
            b: vec![0.0; 3],
            idt: None,
        };
        let e = Net::new(&[bad]).expect_err("refused").to_string();
        assert!(e.contains("5 weights"), "{e}");
    }
}
