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
//! - `f64`: `tanh(x) = e / (e + 2)` with `e = expm1(2x)` (input clamped to `|x| <= 20`, where
//!   `tanh` rounds to 1 in f64), within a few ulp of libm's `tanh` and half its cost.
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
        let one_minus =
            Self::float_add_scalar(Self::float_neg(Self::float_mul(y.clone(), y)), 1f32.into());
        Self::float_mul(u, one_minus)
    }
    /// `-2 y u g`: the gradient of `(1 - y^2) u` with respect to `y`, for output gradient `g`.
    fn fused_dtanh_mul_grad_y(
        y: FloatTensor<Self>,
        u: FloatTensor<Self>,
        g: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        Self::float_mul_scalar(Self::float_mul(Self::float_mul(y, u), g), (-2f32).into())
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

impl<B: Backend + TanhOps, C: CheckpointStrategy> TanhOps for Autodiff<B, C> {
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

    /// `tanh` in f64 through one `expm1`.
    #[inline(always)]
    fn tanh_f64(x: f64) -> f64 {
        let e = (2.0 * x.clamp(-20.0, 20.0)).exp_m1();
        e / (e + 2.0)
    }

    fn map<E: Copy + Send + Sync + burn::tensor::Element>(
        x: &[E],
        f: impl Fn(E) -> E + Sync + Send,
    ) -> Vec<E> {
        if x.len() <= CHUNK {
            x.iter().map(|&v| f(v)).collect()
        } else {
            x.par_iter().with_min_len(CHUNK).map(|&v| f(v)).collect()
        }
    }

    fn zip<E: Copy + Send + Sync + burn::tensor::Element>(
        y: &[E],
        g: &[E],
        f: impl Fn(E, E) -> E + Sync + Send,
    ) -> Vec<E> {
        if y.len() <= CHUNK {
            y.iter().zip(g).map(|(&y, &g)| f(y, g)).collect()
        } else {
            y.par_iter()
                .zip(g.par_iter())
                .with_min_len(CHUNK)
                .map(|(&y, &g)| f(y, g))
                .collect()
        }
    }

    fn wrap<E: burn::tensor::Element>(v: Vec<E>, like: &FloatTensor<Flex>) -> FloatTensor<Flex> {
        FloatTensor::<Flex>::from_data(TensorData::new(v, like.shape()))
    }

    impl TanhOps for Flex {
        fn fused_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
            let x = x.to_contiguous();
            match x.dtype() {
                DType::F32 => match x.as_slice::<f32>() {
                    Some(s) => wrap(map(s, tanh_f32), &x),
                    None => Flex::float_tanh(x),
                },
                DType::F64 => match x.as_slice::<f64>() {
                    Some(s) => wrap(map(s, tanh_f64), &x),
                    None => Flex::float_tanh(x),
                },
                _ => Flex::float_tanh(x),
            }
        }

        fn fused_dtanh_mul(y: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
            let (y, u) = (y.to_contiguous(), u.to_contiguous());
            if let (Some(ys), Some(us)) = (y.as_slice::<f32>(), u.as_slice::<f32>())
                && ys.len() == us.len()
            {
                return wrap(zip(ys, us, |y, u| u * (1.0 - y * y)), &u);
            }
            if let (Some(ys), Some(us)) = (y.as_slice::<f64>(), u.as_slice::<f64>())
                && ys.len() == us.len()
            {
                return wrap(zip(ys, us, |y, u| u * (1.0 - y * y)), &u);
            }
            let one_minus =
                Flex::float_add_scalar(Flex::float_neg(Flex::float_mul(y.clone(), y)), 1f32.into());
            Flex::float_mul(u, one_minus)
        }

        fn fused_dtanh_mul_grad_y(
            y: FloatTensor<Self>,
            u: FloatTensor<Self>,
            g: FloatTensor<Self>,
        ) -> FloatTensor<Self> {
            let (y, u, g) = (y.to_contiguous(), u.to_contiguous(), g.to_contiguous());
            if let (Some(ys), Some(us), Some(gs)) = (
                y.as_slice::<f32>(),
                u.as_slice::<f32>(),
                g.as_slice::<f32>(),
            ) && ys.len() == us.len()
                && ys.len() == gs.len()
            {
                let yu = zip(ys, us, |y, u| -2.0 * y * u);
                return wrap(zip(&yu, gs, |a, g| a * g), &g);
            }
            if let (Some(ys), Some(us), Some(gs)) = (
                y.as_slice::<f64>(),
                u.as_slice::<f64>(),
                g.as_slice::<f64>(),
            ) && ys.len() == us.len()
                && ys.len() == gs.len()
            {
                let yu = zip(ys, us, |y, u| -2.0 * y * u);
                return wrap(zip(&yu, gs, |a, g| a * g), &g);
            }
            Flex::float_mul_scalar(Flex::float_mul(Flex::float_mul(y, u), g), (-2f32).into())
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
            assert!(
                worst32 <= 4.0 * f32::EPSILON as f64,
                "f32 abs error {worst32}"
            );
            assert!(worst64 <= 4.0 * f64::EPSILON, "f64 rel error {worst64}");
            assert_eq!(tanh_f64(0.0), 0.0);
            assert_eq!(tanh_f32(0.0), 0.0);
            assert!(tanh_f32(1e30).abs() <= 1.0 && tanh_f64(1e300) == 1.0);
        }
    }
}
