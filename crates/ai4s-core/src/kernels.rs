//! Fused CPU kernels entered into burn graphs as backend extensions, each with its own backward.
//!
//! `tanh` is the activation of every Deep Potential network, and on the pure-Rust `flex` backend
//! it dominated training: its element-wise ops run one scalar libm call per element on one
//! thread (a profile of `ai4s run deep-potential` put 34 % of the time in `expf` and the scalar
//! loop around it). Here `tanh` is one pass over memory on every core:
//!
//! - `f32`: the rational minimax approximation used by Eigen and XLA
//!   (`tanh(x) ~ x P(x^2) / Q(x^2)`, `P` of degree 6 and `Q` of degree 3 in `x^2`, input clamped
//!   to `|x| <= 7.905...` where `tanh` rounds to 1 in f32; `x` itself below `|x| < 4e-4`).
//!   Branch-free, so the compiler vectorises it; the error is a few ulp (checked against f64
//!   `tanh` in the tests below).
//! - `f64`: Cephes' `tanh` (S. L. Moshier, Cephes Math Library, `tanh.c`) written branch-free:
//!   `x + x z P(z) / Q(z)` with `z = x^2` below `|x| < 0.625`, else `1 - 2 / (exp(2|x|) + 1)` with
//!   the sign restored, `exp` being Cephes' Padé form after reduction by `ln 2` (the integer part
//!   rounded with the `1.5 * 2^52` trick and turned into `2^n` through the exponent bits, so no
//!   libm call is left and the compiler vectorises the loop); input clamped to `|x| <= 20`, where
//!   `tanh` rounds to 1 in f64. Within a few ulp of libm's `tanh` (tests below).
//!
//! Every kernel runs its loop over contiguous chunks of the output (one chunk per rayon task),
//! which is what lets the compiler vectorise it.
//!
//! The backward pass keeps the forward output `y` and computes `g (1 - y^2)` in one fused pass
//! (burn's own `tanh` backward recomputes `tanh` and takes four more passes). Other backends keep
//! their native `tanh` (see [`crate::tensor::tanh`]).

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, binary, unary};
use burn::backend::{Autodiff, Backend, backend_extension, tensor::FloatTensor};
use burn::tensor::Tensor;

/// Tanh and its derivative products as single fused operations.
#[backend_extension(Flex: cfg(feature = "flex"), Autodiff)]
pub trait TanhOps: Backend {
    /// `tanh(x)`.
    fn fused_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::float_tanh(x)
    }
    /// `(1 - y^2) u` for `y = tanh(x)`: the derivative of `tanh` applied to `u` (a tangent
    /// forward, or a gradient backward). `y` and `u` have the same shape.
    fn fused_dtanh_mul(y: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::dtanh_mul::<Self>(y, u)
    }
    /// `-2 y u g`: the gradient of `(1 - y^2) u` with respect to `y`, for output gradient `g`.
    fn fused_dtanh_mul_grad_y(
        y: FloatTensor<Self>,
        u: FloatTensor<Self>,
        g: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        composed::dtanh_mul_grad_y::<Self>(y, u, g)
    }
    /// `t + [h, h]` for `t` of shape `[n, 2w]` and `h` of shape `[n, w]`: DeePMD's residual
    /// connection across a layer that doubles its width.
    fn fused_add_doubled(t: FloatTensor<Self>, h: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::add_doubled::<Self>(t, h)
    }
    /// `g[:, :w] + g[:, w:]` for `g` of shape `[n, 2w]`: the gradient of
    /// [`TanhOps::fused_add_doubled`] with respect to `h`.
    fn fused_fold_halves(g: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::fold_halves::<Self>(g)
    }
}

/// The kernels composed from a backend's own operations: what every backend without a fused
/// kernel runs, and flex's fallback for tensors its kernels do not take.
mod composed {
    use burn::backend::{Backend, TensorMetadata, tensor::FloatTensor};
    use burn::tensor::Slice;

    pub(super) fn dtanh_mul<B: Backend>(y: FloatTensor<B>, u: FloatTensor<B>) -> FloatTensor<B> {
        let one_minus = B::float_add_scalar(B::float_neg(B::float_mul(y.clone(), y)), 1f32.into());
        B::float_mul(u, one_minus)
    }

    pub(super) fn dtanh_mul_grad_y<B: Backend>(
        y: FloatTensor<B>,
        u: FloatTensor<B>,
        g: FloatTensor<B>,
    ) -> FloatTensor<B> {
        B::float_mul_scalar(B::float_mul(B::float_mul(y, u), g), (-2f32).into())
    }

    pub(super) fn add_doubled<B: Backend>(t: FloatTensor<B>, h: FloatTensor<B>) -> FloatTensor<B> {
        B::float_add(t, B::float_cat(vec![h.clone(), h], 1))
    }

    pub(super) fn fold_halves<B: Backend>(g: FloatTensor<B>) -> FloatTensor<B> {
        let [n, w2] = g.shape().dims::<2>();
        let (n, w) = (n as isize, (w2 / 2) as isize);
        let half = |start: isize| {
            B::float_slice(
                g.clone(),
                &[
                    Slice::new(0, Some(n), 1),
                    Slice::new(start, Some(start + w), 1),
                ],
            )
        };
        B::float_add(half(0), half(w))
    }
}

/// `tanh(x)` as one fused operation (flex devices, plain or autodiff).
pub(crate) fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<burn::backend::Dispatch as TanhOps>::fused_tanh(
        x.into_dispatch(),
    ))
}

/// `(1 - y^2) u` as one fused operation (flex devices, plain or autodiff); `y` and `u` must
/// have the same shape.
pub(crate) fn dtanh_mul<const D: usize>(y: Tensor<D>, u: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<burn::backend::Dispatch as TanhOps>::fused_dtanh_mul(
        y.into_dispatch(),
        u.into_dispatch(),
    ))
}

/// `t + [h, h]` as one fused operation (flex devices, plain or autodiff); `t` is `[n, 2w]`,
/// `h` is `[n, w]`.
pub(crate) fn add_doubled(t: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(<burn::backend::Dispatch as TanhOps>::fused_add_doubled(
        t.into_dispatch(),
        h.into_dispatch(),
    ))
}

impl<B: Backend + TanhOps, C: CheckpointStrategy> TanhOps for Autodiff<B, C> {
    fn fused_add_doubled(t: FloatTensor<Self>, h: FloatTensor<Self>) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct FusedAddDoubled;

        impl<B: Backend + TanhOps> Backward<B, 2> for FusedAddDoubled {
            type State = ();

            fn backward(
                self,
                ops: Ops<Self::State, 2>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                binary::<B, _, _>(ops.parents, ops.node, grads, |g| g, B::fused_fold_halves);
            }
        }

        let nodes = [t.node(), h.node()];
        FusedAddDoubled
            .prepare::<C>(nodes)
            .compute_bound()
            .stateless(B::fused_add_doubled(t.into_primitive(), h.into_primitive()))
    }

    fn fused_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct FusedTanh;

        impl<B: Backend + TanhOps> Backward<B, 1> for FusedTanh {
            type State = FloatTensor<B>;

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let y = ops.state;
                unary::<B, _>(ops.parents, ops.node, grads, |grad| {
                    B::fused_dtanh_mul(y, grad)
                });
            }
        }

        let node = x.node();
        match FusedTanh.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let y = B::fused_tanh(x.into_primitive());
                prep.finish(y.clone(), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::fused_tanh(x.into_primitive())),
        }
    }

    fn fused_dtanh_mul(y: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct FusedDtanhMul;

        impl<B: Backend + TanhOps> Backward<B, 2> for FusedDtanhMul {
            type State = (FloatTensor<B>, FloatTensor<B>);

            fn backward(
                self,
                ops: Ops<Self::State, 2>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let (y, u) = ops.state;
                let y2 = y.clone();
                binary::<B, _, _>(
                    ops.parents,
                    ops.node,
                    grads,
                    |g| B::fused_dtanh_mul_grad_y(y, u, g),
                    |g| B::fused_dtanh_mul(y2, g),
                );
            }
        }

        let nodes = [y.node(), u.node()];
        match FusedDtanhMul.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (y, u) = (y.into_primitive(), u.into_primitive());
                let out = B::fused_dtanh_mul(y.clone(), u.clone());
                prep.finish((y, u), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::fused_dtanh_mul(y.into_primitive(), u.into_primitive()))
            }
        }
    }
}

#[cfg(feature = "flex")]
mod flex {
    use super::TanhOps;
    use burn::backend::ops::FloatTensorOps;
    use burn::backend::{Flex, TensorMetadata, tensor::FloatTensor};
    use burn::tensor::{DType, TensorData};
    use rayon::prelude::*;
    use std::mem::MaybeUninit;

    /// Elements per parallel chunk: below this one thread does the whole tensor.
    const CHUNK: usize = 16 * 1024;

    /// `tanh` in f32: Eigen's rational approximation (`generic_fast_tanh_float`).
    #[inline(always)]
    fn tanh_f32(x: f32) -> f32 {
        const CLAMP: f32 = 7.905_311;
        const A: [f32; 7] = [
            4.893_524_5e-3,
            6.372_619_3e-4,
            1.485_722_4e-5,
            5.122_297e-8,
            -8.604_672e-11,
            2.000_188e-13,
            -2.760_768_5e-16,
        ];
        const B: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];
        let tiny = x.abs() < 4e-4;
        let xc = x.clamp(-CLAMP, CLAMP);
        let x2 = xc * xc;
        let mut p = A[6];
        for &a in A[..6].iter().rev() {
            p = p * x2 + a;
        }
        let q = ((B[3] * x2 + B[2]) * x2 + B[1]) * x2 + B[0];
        let y = xc * p / q;
        if tiny { x } else { y }
    }

    /// `tanh` in f64, Cephes' form without branches or libm calls (see the module docs).
    #[inline(always)]
    fn tanh_f64(x: f64) -> f64 {
        // tanh.c: |x| < 0.625.
        const P: [f64; 3] = [
            -9.643_991_794_250_523e-1,
            -9.928_772_310_019_186e1,
            -1.614_687_684_417_084_5e3,
        ];
        const Q: [f64; 3] = [
            1.128_116_784_916_329_3e2,
            2.235_488_390_601_004_6e3,
            4.844_063_053_251_255e3,
        ];
        // exp.c.
        const EP: [f64; 3] = [
            1.261_771_930_748_105_9e-4,
            3.029_944_077_074_419_6e-2,
            9.999_999_999_999_999e-1,
        ];
        const EQ: [f64; 4] = [
            3.001_985_051_386_644_5e-6,
            2.524_483_403_496_841e-3,
            2.272_655_482_081_550_3e-1,
            2.0,
        ];
        const LN2_HI: f64 = 6.931_457_519_531_25e-1;
        const LN2_LO: f64 = 1.428_606_820_309_417_3e-6;
        // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
        const ROUND: f64 = 6_755_399_441_055_744.0;
        // clamp keeps NaN (then every branch below yields NaN).
        let a = x.clamp(-20.0, 20.0).abs();
        // Small |x|.
        let z = x * x;
        let p = (P[0] * z + P[1]) * z + P[2];
        let q = ((z + Q[0]) * z + Q[1]) * z + Q[2];
        let small = x + x * z * p / q;
        // exp(2a) = 2^n exp(r), |r| <= ln2 / 2, n <= 58.
        let e = 2.0 * a;
        let t = e * std::f64::consts::LOG2_E + ROUND;
        let n = t - ROUND;
        let r = e - n * LN2_HI - n * LN2_LO;
        let rr = r * r;
        let px = r * ((EP[0] * rr + EP[1]) * rr + EP[2]);
        let qx = ((EQ[0] * rr + EQ[1]) * rr + EQ[2]) * rr + EQ[3];
        let er = 1.0 + 2.0 * px / (qx - px);
        let bits = t.to_bits().wrapping_sub(ROUND.to_bits());
        let scale = f64::from_bits(bits.wrapping_add(1023) << 52);
        let large = (1.0 - 2.0 / (er * scale + 1.0)).copysign(x);
        if a < 0.625 { small } else { large }
    }

    /// A vector of `n` elements written by `fill` straight into uninitialised memory (no
    /// zero-fill pass before the kernel's own). `fill` returns how many of the `n` slots it
    /// wrote; anything short of `n` is a bug and stops here, before the length is set.
    #[allow(unsafe_code)]
    fn filled<E>(n: usize, fill: impl FnOnce(&mut [MaybeUninit<E>]) -> usize) -> Vec<E> {
        let mut out = Vec::<E>::with_capacity(n);
        let written = fill(&mut out.spare_capacity_mut()[..n]);
        assert_eq!(written, n, "a fused kernel wrote {written} of {n} elements");
        // SAFETY: `fill` wrote every one of the first `n` slots (checked just above).
        unsafe { out.set_len(n) };
        out
    }

    /// `f` over `x` into a new vector, chunk by chunk (chunks in parallel above [`CHUNK`]).
    fn map<E: Copy + Send + Sync>(x: &[E], f: impl Fn(E) -> E + Sync + Send) -> Vec<E> {
        let run = |o: &mut [MaybeUninit<E>], x: &[E]| {
            for (o, &v) in o.iter_mut().zip(x) {
                o.write(f(v));
            }
            o.len().min(x.len())
        };
        filled(x.len(), |out| {
            if x.len() <= CHUNK {
                run(out, x)
            } else {
                out.par_chunks_mut(CHUNK)
                    .zip(x.par_chunks(CHUNK))
                    .map(|(o, x)| run(o, x))
                    .sum()
            }
        })
    }

    /// `f` over `y` and `g` element by element, as [`map`].
    fn zip<E: Copy + Send + Sync>(y: &[E], g: &[E], f: impl Fn(E, E) -> E + Sync + Send) -> Vec<E> {
        let run = |o: &mut [MaybeUninit<E>], y: &[E], g: &[E]| {
            for ((o, &y), &g) in o.iter_mut().zip(y).zip(g) {
                o.write(f(y, g));
            }
            o.len().min(y.len()).min(g.len())
        };
        filled(y.len(), |out| {
            if y.len() <= CHUNK {
                run(out, y, g)
            } else {
                out.par_chunks_mut(CHUNK)
                    .zip(y.par_chunks(CHUNK))
                    .zip(g.par_chunks(CHUNK))
                    .map(|((o, y), g)| run(o, y, g))
                    .sum()
            }
        })
    }

    /// `f` over `y`, `u` and `g` element by element, as [`map`].
    fn zip3<E: Copy + Send + Sync>(
        y: &[E],
        u: &[E],
        g: &[E],
        f: impl Fn(E, E, E) -> E + Sync + Send,
    ) -> Vec<E> {
        let run = |o: &mut [MaybeUninit<E>], y: &[E], u: &[E], g: &[E]| {
            for (((o, &y), &u), &g) in o.iter_mut().zip(y).zip(u).zip(g) {
                o.write(f(y, u, g));
            }
            o.len().min(y.len()).min(u.len()).min(g.len())
        };
        filled(y.len(), |out| {
            if y.len() <= CHUNK {
                run(out, y, u, g)
            } else {
                out.par_chunks_mut(CHUNK)
                    .zip(y.par_chunks(CHUNK))
                    .zip(u.par_chunks(CHUNK))
                    .zip(g.par_chunks(CHUNK))
                    .map(|(((o, y), u), g)| run(o, y, u, g))
                    .sum()
            }
        })
    }

    /// `g[:, :w] + g[:, w:]` for `g` of shape `[n, 2w]`, whole rows per parallel chunk.
    fn fold_halves<E: Copy + Send + Sync + std::ops::Add<Output = E>>(
        g: &[E],
        n: usize,
        w: usize,
    ) -> Vec<E> {
        let run = |o: &mut [MaybeUninit<E>], g: &[E]| {
            let mut written = 0;
            if w == 0 {
                return 0;
            }
            for (o, row) in o.chunks_mut(w).zip(g.chunks(2 * w)) {
                for ((o, &a), &b) in o.iter_mut().zip(&row[..w]).zip(&row[w..]) {
                    o.write(a + b);
                    written += 1;
                }
            }
            written
        };
        let rows = (CHUNK / (2 * w).max(1)).max(1);
        filled(n * w, |out| {
            if out.len() <= CHUNK || w == 0 {
                run(out, g)
            } else {
                out.par_chunks_mut(rows * w)
                    .zip(g.par_chunks(rows * 2 * w))
                    .map(|(o, g)| run(o, g))
                    .sum()
            }
        })
    }

    /// `t[i, j] + h[i, j mod w]` for `t` of shape `[n, 2w]` and `h` of shape `[n, w]`.
    fn rows2<E: Copy + Send + Sync + std::ops::Add<Output = E>>(
        t: &[E],
        h: &[E],
        n: usize,
        w: usize,
    ) -> Vec<E> {
        let run = |o: &mut [MaybeUninit<E>], t: &[E], h: &[E]| {
            let mut written = 0;
            if w == 0 {
                return 0;
            }
            for ((o, t), h) in o.chunks_mut(2 * w).zip(t.chunks(2 * w)).zip(h.chunks(w)) {
                for (o, t) in o.chunks_mut(w).zip(t.chunks(w)) {
                    for ((o, &t), &h) in o.iter_mut().zip(t).zip(h) {
                        o.write(t + h);
                        written += 1;
                    }
                }
            }
            written
        };
        let rows = (CHUNK / (2 * w).max(1)).max(1);
        filled(n * 2 * w, |out| {
            if out.len() <= CHUNK || w == 0 {
                run(out, t, h)
            } else {
                out.par_chunks_mut(rows * 2 * w)
                    .zip(t.par_chunks(rows * 2 * w))
                    .zip(h.par_chunks(rows * w))
                    .map(|((o, t), h)| run(o, t, h))
                    .sum()
            }
        })
    }

    fn wrap<E: burn::tensor::Element>(v: Vec<E>, shape: burn::tensor::Shape) -> FloatTensor<Flex> {
        FloatTensor::<Flex>::from_data(TensorData::new(v, shape))
    }

    /// Runs `$body` with `$e` the element type of `$dtype` (f32 or f64); `None` for other
    /// types and wherever the body's `?` finds a tensor it does not take (a view that is not one
    /// contiguous slice, mismatched lengths): the caller then falls back to the composed form.
    macro_rules! per_float {
        ($dtype:expr, |$e:ident| $body:expr) => {
            match $dtype {
                DType::F32 => (|| -> Option<FloatTensor<Flex>> {
                    type $e = f32;
                    $body
                })(),
                DType::F64 => (|| -> Option<FloatTensor<Flex>> {
                    type $e = f64;
                    $body
                })(),
                _ => None,
            }
        };
    }

    impl TanhOps for Flex {
        fn fused_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
            let x = x.to_contiguous();
            let fused = match x.dtype() {
                DType::F32 => x
                    .as_slice::<f32>()
                    .map(|s| wrap(map(s, tanh_f32), x.shape())),
                DType::F64 => x
                    .as_slice::<f64>()
                    .map(|s| wrap(map(s, tanh_f64), x.shape())),
                _ => None,
            };
            fused.unwrap_or_else(|| Flex::float_tanh(x))
        }

        fn fused_dtanh_mul(y: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
            let (y, u) = (y.to_contiguous(), u.to_contiguous());
            per_float!(u.dtype(), |E| {
                let (ys, us) = (y.as_slice::<E>()?, u.as_slice::<E>()?);
                (ys.len() == us.len())
                    .then(|| wrap(zip(ys, us, |y, u| u * (1.0 - y * y)), u.shape()))
            })
            .unwrap_or_else(|| super::composed::dtanh_mul::<Flex>(y, u))
        }

        fn fused_dtanh_mul_grad_y(
            y: FloatTensor<Self>,
            u: FloatTensor<Self>,
            g: FloatTensor<Self>,
        ) -> FloatTensor<Self> {
            let (y, u, g) = (y.to_contiguous(), u.to_contiguous(), g.to_contiguous());
            per_float!(g.dtype(), |E| {
                let (ys, us, gs) = (y.as_slice::<E>()?, u.as_slice::<E>()?, g.as_slice::<E>()?);
                (ys.len() == us.len() && ys.len() == gs.len())
                    .then(|| wrap(zip3(ys, us, gs, |y, u, g| -2.0 * y * u * g), g.shape()))
            })
            .unwrap_or_else(|| super::composed::dtanh_mul_grad_y::<Flex>(y, u, g))
        }

        fn fused_add_doubled(t: FloatTensor<Self>, h: FloatTensor<Self>) -> FloatTensor<Self> {
            let (t, h) = (t.to_contiguous(), h.to_contiguous());
            let [n, w2] = t.shape().dims::<2>();
            per_float!(t.dtype(), |E| {
                let (ts, hs) = (t.as_slice::<E>()?, h.as_slice::<E>()?);
                (hs.len() * 2 == ts.len() && w2 % 2 == 0)
                    .then(|| wrap(rows2(ts, hs, n, w2 / 2), t.shape()))
            })
            .unwrap_or_else(|| super::composed::add_doubled::<Flex>(t, h))
        }

        fn fused_fold_halves(g: FloatTensor<Self>) -> FloatTensor<Self> {
            let g = g.to_contiguous();
            let [n, w2] = g.shape().dims::<2>();
            let w = w2 / 2;
            per_float!(g.dtype(), |E| {
                let gs = g.as_slice::<E>()?;
                (gs.len() == n * 2 * w)
                    .then(|| wrap(fold_halves(gs, n, w), burn::tensor::Shape::new([n, w])))
            })
            .unwrap_or_else(|| super::composed::fold_halves::<Flex>(g))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn scalar_kernels_are_within_a_few_ulp_of_libm() {
            let mut worst32 = 0.0f64;
            let mut worst64 = 0.0f64;
            for i in -200_000..=200_000 {
                let x = i as f64 * 1e-4;
                let exact = x.tanh();
                worst32 = worst32.max((tanh_f32(x as f32) as f64 - (x as f32 as f64).tanh()).abs());
                worst64 = worst64.max(((tanh_f64(x) - exact) / exact.abs().max(1e-300)).abs());
            }
            for x in [1e-8f64, 1e-5, 3.9e-4, 4.1e-4, 1e30, -1e30, 25.0, -25.0] {
                worst32 = worst32.max((tanh_f32(x as f32) as f64 - (x as f32 as f64).tanh()).abs());
            }
            // Both sides of the f64 branch point, tiny and subnormal inputs, the clamp.
            for x in [
                0.625f64,
                0.624_999_999_999_999_9,
                0.625_000_000_000_000_1,
                1e-300,
                5e-324,
                1e-20,
                19.999,
                20.0,
                20.001,
                37.0,
            ] {
                for x in [x, -x] {
                    let exact = x.tanh();
                    let err = ((tanh_f64(x) - exact) / exact.abs().max(1e-300)).abs();
                    worst64 = worst64.max(if exact == 0.0 { tanh_f64(x).abs() } else { err });
                }
            }
            assert!(
                worst32 <= 4.0 * f32::EPSILON as f64,
                "f32 abs error {worst32}"
            );
            assert!(worst64 <= 4.0 * f64::EPSILON, "f64 rel error {worst64}");
            assert_eq!(tanh_f64(0.0), 0.0);
            assert_eq!(tanh_f32(0.0), 0.0);
            assert!(tanh_f32(1e30).abs() <= 1.0 && tanh_f64(1e300) == 1.0);
            assert!(tanh_f32(f32::NAN).is_nan() && tanh_f64(f64::NAN).is_nan());
        }
    }
}
