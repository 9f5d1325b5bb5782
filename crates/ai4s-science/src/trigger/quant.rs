//! The trained network on plain arrays: a float (f32) evaluation and its post-training int8
//! quantisation, both free of burn so that their latency is that of the arithmetic alone.
//!
//! Quantisation (Jacob et al., CVPR 2018; hls4ml, Duarte et al. 2018): a real value `r` is
//! stored as `q = clamp(round(r / s), -127, 127)` with a symmetric scale `s` (no zero point).
//! Weights get one scale per output channel, `s_w[j] = max_i |W[j][i]| / 127`; activations one
//! scale per tensor, `s_a = P_p(|a|) / 127` with `P_p` the `p`-th percentile over a
//! calibration set (`p = 100`: the maximum). A layer then computes
//! `acc[j] = sum_i qW[j][i] qx[i] + qb[j]` in 32-bit integers, with the bias quantised at the
//! accumulator scale `s_x s_w[j]`; ReLU is `max(acc, 0)`; the next layer's input is
//! `clamp(round(acc[j] M[j]), 0, 127)` with `M[j] = s_x s_w[j] / s_out` applied as an integer
//! multiply and shift (`M[j] = m[j] / 2^shift`, `m[j]` a 32-bit integer, one shift per layer). The last layer's accumulator is
//! dequantised, `score = s_x s_w acc`, a logit. An accumulator holds at most
//! `d_in 127^2 + |qb|`, far below `2^31` for trigger-sized layers ([`QuantNet::accumulator_bound`]).

use ai4s_core::{Error, Result};

/// A dense layer `y = W x + b` with `W` stored row-major as `[d_in][d_out]` (burn's layout):
/// the inner loop runs over the outputs, which vectorises for f32 and int8 alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Inputs.
    pub d_in: usize,
    /// Outputs.
    pub d_out: usize,
    /// Weights, `w[i * d_out + j]` connects input `i` to output `j`.
    pub w: Vec<f32>,
    /// Biases, one per output.
    pub b: Vec<f32>,
}

impl Dense {
    /// `out = W x + b`, ReLU'd when `relu`.
    #[inline]
    fn apply(&self, x: &[f32], out: &mut [f32], relu: bool) {
        let out = &mut out[..self.d_out];
        out.copy_from_slice(&self.b);
        for (i, &xi) in x[..self.d_in].iter().enumerate() {
            let row = &self.w[i * self.d_out..(i + 1) * self.d_out];
            let (mut oc, mut wc) = (out.chunks_exact_mut(8), row.chunks_exact(8));
            for (o, w) in (&mut oc).zip(&mut wc) {
                for k in 0..8 {
                    o[k] += w[k] * xi;
                }
            }
            for (o, &w) in oc.into_remainder().iter_mut().zip(wc.remainder()) {
                *o += w * xi;
            }
        }
        if relu {
            for o in out.iter_mut() {
                *o = o.max(0.0);
            }
        }
    }
}

/// A ReLU network on plain f32 arrays: ReLU after every layer but the last, one output logit.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatNet {
    /// Layers, input to output.
    pub layers: Vec<Dense>,
}

/// Reusable buffers of [`FloatNet::score_with`] (the latency loop allocates nothing).
#[derive(Clone, Debug)]
pub struct FloatScratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl FloatNet {
    /// A network from its layers; consecutive widths must match and the output must be one.
    pub fn new(layers: Vec<Dense>) -> Result<Self> {
        let bad = |m: String| Err(Error::Runtime(format!("float network: {m}")));
        if layers.is_empty() {
            return bad("no layers".into());
        }
        for (k, l) in layers.iter().enumerate() {
            if l.w.len() != l.d_in * l.d_out || l.b.len() != l.d_out {
                return bad(format!(
                    "layer {k} has {} weights and {} biases for {} -> {}",
                    l.w.len(),
                    l.b.len(),
                    l.d_in,
                    l.d_out
                ));
            }
            if k > 0 && layers[k - 1].d_out != l.d_in {
                return bad(format!(
                    "layer {k} reads {} inputs, layer {} gives {}",
                    l.d_in,
                    k - 1,
                    layers[k - 1].d_out
                ));
            }
        }
        if layers[layers.len() - 1].d_out != 1 {
            return bad("the last layer must have one output (a logit)".into());
        }
        Ok(FloatNet { layers })
    }

    /// Inputs the network reads.
    pub fn d_in(&self) -> usize {
        self.layers[0].d_in
    }

    /// Buffers for [`score_with`](Self::score_with).
    pub fn scratch(&self) -> FloatScratch {
        let w = self.layers.iter().map(|l| l.d_out).max().unwrap_or(1);
        FloatScratch {
            a: vec![0.0; w],
            b: vec![0.0; w],
        }
    }

    /// Output logit of one input.
    pub fn score_with(&self, x: &[f32], s: &mut FloatScratch) -> f32 {
        let last = self.layers.len() - 1;
        self.layers[0].apply(x, &mut s.a, last > 0);
        let (mut cur, mut next) = (&mut s.a, &mut s.b);
        for (k, l) in self.layers.iter().enumerate().skip(1) {
            l.apply(cur, next, k < last);
            std::mem::swap(&mut cur, &mut next);
        }
        cur[0]
    }

    /// Output logits of many inputs (rows of length `d_in`).
    pub fn scores(&self, rows: &[Vec<f32>]) -> Vec<f32> {
        let mut s = self.scratch();
        rows.iter().map(|x| self.score_with(x, &mut s)).collect()
    }

    /// Post-ReLU activations of every hidden layer for one input (for calibration).
    pub fn hidden(&self, x: &[f32]) -> Vec<Vec<f32>> {
        let mut out: Vec<Vec<f32>> = Vec::with_capacity(self.layers.len() - 1);
        for l in &self.layers[..self.layers.len() - 1] {
            let mut h = vec![0.0; l.d_out];
            l.apply(out.last().map_or(x, |p| p.as_slice()), &mut h, true);
            out.push(h);
        }
        out
    }
}

/// Symmetric int8 code of `r` at scale `s = 1 / inv_scale`: `clamp(round(r / s), -127, 127)`
/// (rounding half away from zero).
#[inline]
pub fn quantize(r: f32, inv_scale: f32) -> i8 {
    let v = r * inv_scale;
    // `as` truncates toward zero and saturates; adding +-0.5 first rounds (cheaper than
    // `f32::round`, a library call on baseline x86-64).
    ((v + 0.5f32.copysign(v)) as i32).clamp(-127, 127) as i8
}

/// The value an int8 code stands for.
#[inline]
pub fn dequantize(q: i8, scale: f32) -> f32 {
    f32::from(q) * scale
}

/// A positive real multiplier `m` as `(mult, shift)` with `m ~ mult / 2^shift`, `mult` in
/// `[2^30, 2^31]` unless `m` is tiny or huge, and `1 <= shift <= 62`.
pub fn fixed_point(m: f64) -> (u32, u32) {
    if !(m.is_finite() && m > 0.0) {
        return (0, 1);
    }
    let shift = (30 - m.log2().floor() as i32).clamp(1, 62) as u32;
    (scaled(m, shift), shift)
}

/// `round(m 2^shift)` as an unsigned 32-bit multiplier (saturating).
fn scaled(m: f64, shift: u32) -> u32 {
    (m * 2f64.powi(shift as i32))
        .round()
        .clamp(0.0, f64::from(u32::MAX)) as u32
}

/// `min(round(acc mult / 2^shift), 127)` in integers, for `acc >= 0` (after ReLU): a 32 x 32
/// bit unsigned product, a rounding add and a shift.
#[inline]
fn requantize(acc: i32, mult: u32, shift: u32) -> i8 {
    let v =
        (u64::from(acc.max(0).unsigned_abs()) * u64::from(mult) + (1u64 << (shift - 1))) >> shift;
    v.min(127) as i8
}

/// One int8 layer.
#[derive(Clone, Debug)]
pub struct QuantLayer {
    /// Inputs.
    pub d_in: usize,
    /// Outputs.
    pub d_out: usize,
    /// Weights, row-major `[d_in][d_out]`.
    pub w: Vec<i8>,
    /// Per-output-channel weight scales.
    pub w_scale: Vec<f32>,
    /// Biases at the accumulator scale `s_in s_w[j]`.
    pub bias: Vec<i32>,
    /// Scale of this layer's input activations.
    pub in_scale: f32,
    /// Requantisation to the next layer's input scale: `M[j] = s_in s_w[j] / s_out ~
    /// mult[j] / 2^shift` (hidden layers; empty for the output layer).
    pub mult: Vec<u32>,
    /// The shift shared by the layer's multipliers (set by the largest).
    pub shift: u32,
}

impl QuantLayer {
    /// `acc = qW qx + qb` in int32 (a product of two int8 codes fits in int16).
    #[inline]
    fn accumulate(&self, x: &[i8], acc: &mut [i32]) {
        let acc = &mut acc[..self.d_out];
        acc.copy_from_slice(&self.bias);
        for (i, &xi) in x[..self.d_in].iter().enumerate() {
            let xi = i16::from(xi);
            let row = &self.w[i * self.d_out..(i + 1) * self.d_out];
            // Eight outputs at a time: eight 16-bit products in one register, then widened and
            // added to the 32-bit accumulators.
            let (mut ac, mut wc) = (acc.chunks_exact_mut(8), row.chunks_exact(8));
            for (a, w) in (&mut ac).zip(&mut wc) {
                let mut p = [0i16; 8];
                for k in 0..8 {
                    p[k] = i16::from(w[k]).wrapping_mul(xi);
                }
                for k in 0..8 {
                    a[k] += i32::from(p[k]);
                }
            }
            for (a, &w) in ac.into_remainder().iter_mut().zip(wc.remainder()) {
                *a += i32::from(i16::from(w) * xi);
            }
        }
    }
}

/// The int8 network.
#[derive(Clone, Debug)]
pub struct QuantNet {
    /// Layers, input to output.
    pub layers: Vec<QuantLayer>,
    /// `1 / s_x` of the network input.
    inv_input_scale: f32,
    /// Dequantisation factor of the output accumulator, `s_in s_w` of the last layer.
    out_scale: f32,
}

/// Reusable buffers of [`QuantNet::score_with`].
#[derive(Clone, Debug)]
pub struct QuantScratch {
    act: Vec<i8>,
    acc: Vec<i32>,
}

/// The `p`-th percentile of `|v|` (nearest rank), or 1 for an all-zero sample.
fn percentile_abs(v: &mut [f32], p: f64) -> f32 {
    if v.is_empty() {
        return 1.0;
    }
    for x in v.iter_mut() {
        *x = x.abs();
    }
    let k = ((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    let (_, &mut q, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    if q > 0.0 { q } else { 1.0 }
}

impl QuantNet {
    /// Quantises `net`: weight scales per output channel, activation scales from the
    /// `percentile`-th percentile of `|activation|` over the `calibration` inputs.
    pub fn quantize(net: &FloatNet, calibration: &[Vec<f32>], percentile: f64) -> Result<Self> {
        if calibration.is_empty() {
            return Err(Error::Runtime(
                "int8 calibration needs at least one event".into(),
            ));
        }
        let n_hidden = net.layers.len() - 1;
        let mut samples: Vec<Vec<f32>> = vec![Vec::new(); n_hidden + 1];
        for x in calibration {
            samples[0].extend_from_slice(x);
            for (k, h) in net.hidden(x).into_iter().enumerate() {
                samples[k + 1].extend(h);
            }
        }
        let act_scale: Vec<f32> = samples
            .iter_mut()
            .map(|s| percentile_abs(s, percentile) / 127.0)
            .collect();
        let layers: Vec<QuantLayer> = net
            .layers
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let s_in = act_scale[k];
                let w_scale: Vec<f32> = (0..l.d_out)
                    .map(|j| {
                        let m = (0..l.d_in).fold(0f32, |m, i| m.max(l.w[i * l.d_out + j].abs()));
                        if m > 0.0 { m / 127.0 } else { 1.0 }
                    })
                    .collect();
                let inv: Vec<f32> = w_scale.iter().map(|s| 1.0 / s).collect();
                let w =
                    l.w.iter()
                        .enumerate()
                        .map(|(n, &v)| quantize(v, inv[n % l.d_out]))
                        .collect();
                let bias = (0..l.d_out)
                    .map(|j| {
                        let q = f64::from(l.b[j]) / (f64::from(s_in) * f64::from(w_scale[j]));
                        q.round().clamp(-f64::from(1 << 30), f64::from(1 << 30)) as i32
                    })
                    .collect();
                let (mult, shift) = if k < n_hidden {
                    let s_out = f64::from(act_scale[k + 1]);
                    let m: Vec<f64> = w_scale
                        .iter()
                        .map(|&sw| f64::from(s_in) * f64::from(sw) / s_out)
                        .collect();
                    let (_, shift) = fixed_point(m.iter().copied().fold(0.0, f64::max));
                    (m.iter().map(|&m| scaled(m, shift)).collect(), shift)
                } else {
                    (Vec::new(), 1)
                };
                QuantLayer {
                    d_in: l.d_in,
                    d_out: l.d_out,
                    w,
                    w_scale,
                    bias,
                    in_scale: s_in,
                    mult,
                    shift,
                }
            })
            .collect();
        let last = &layers[n_hidden];
        Ok(QuantNet {
            inv_input_scale: 1.0 / act_scale[0],
            out_scale: last.in_scale * last.w_scale[0],
            layers,
        })
    }

    /// Scale of the network input.
    pub fn input_scale(&self) -> f32 {
        1.0 / self.inv_input_scale
    }

    /// Largest `|accumulator|` any input can produce: `max_j sum_i |qW[i][j]| 127 + |qb[j]|`
    /// over all layers; below `i32::MAX` means int32 accumulation cannot overflow.
    pub fn accumulator_bound(&self) -> i64 {
        self.layers
            .iter()
            .flat_map(|l| {
                (0..l.d_out).map(move |j| {
                    (0..l.d_in)
                        .map(|i| i64::from(l.w[i * l.d_out + j]).abs() * 127)
                        .sum::<i64>()
                        + i64::from(l.bias[j]).abs()
                })
            })
            .max()
            .unwrap_or(0)
    }

    /// Buffers for [`score_with`](Self::score_with).
    pub fn scratch(&self) -> QuantScratch {
        let w = self
            .layers
            .iter()
            .map(|l| l.d_in.max(l.d_out))
            .max()
            .unwrap_or(1);
        QuantScratch {
            act: vec![0; w],
            acc: vec![0; w],
        }
    }

    /// Output logit of one input. The input is quantised, every layer runs in integers
    /// (accumulate, ReLU, requantise), and only the final accumulator becomes a real number.
    pub fn score_with(&self, x: &[f32], s: &mut QuantScratch) -> f32 {
        for (q, &v) in s.act.iter_mut().zip(x) {
            *q = quantize(v, self.inv_input_scale);
        }
        let last = self.layers.len() - 1;
        for l in &self.layers[..last] {
            l.accumulate(&s.act, &mut s.acc);
            for ((q, &a), &m) in s.act.iter_mut().zip(&s.acc[..l.d_out]).zip(&l.mult) {
                *q = requantize(a, m, l.shift);
            }
        }
        self.layers[last].accumulate(&s.act, &mut s.acc);
        s.acc[0] as f32 * self.out_scale
    }

    /// Output logits of many inputs.
    pub fn scores(&self, rows: &[Vec<f32>]) -> Vec<f32> {
        let mut s = self.scratch();
        rows.iter().map(|x| self.score_with(x, &mut s)).collect()
    }
}
