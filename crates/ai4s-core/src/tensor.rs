//! Conversions between host data (ndarray arrays, index lists) and burn tensors, in one place.

use crate::{Error, Result};
use burn::tensor::{Device, Int, Tensor, TensorData};
use ndarray::Array2;

/// `[n, d]` float tensor from an ndarray matrix.
pub fn matrix(x: &Array2<f64>, device: &Device) -> Tensor<2> {
    let (n, d) = x.dim();
    let data: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(data, [n, d]), device)
}

/// `[n]` index tensor.
pub fn indices(idx: &[usize], device: &Device) -> Tensor<1, Int> {
    let data: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(data, [idx.len()]), device)
}

/// All values of a tensor as f64, row-major.
pub fn to_vec<const D: usize>(t: Tensor<D>) -> Result<Vec<f64>> {
    t.into_data()
        .try_into_vec_as::<f64>()
        .map_err(|e| Error::Runtime(format!("reading tensor: {e:?}")))
}

/// `tanh(x)` for the tanh networks of the tasks (MLPs, policies, PINNs): on flex evaluated as
/// `2 sigmoid(2x) - 1`, on other backends with their own `tanh`.
///
/// Why: burn-flex evaluates `tanh` element by element with libm's `tanhf` (which calls
/// `expm1f`), about 24 ns per element; in a profile of Deep Potential training on one core,
/// `tanhf` and `expm1f` took 39 % of the time. Its `sigmoid` costs one `expf`, and its backward
/// is one fused pass (`g s (1 - s)`). ndarray is the other way round (its sigmoid is composed of
/// several ops and made Deep Potential training about 2x slower), and the GPU backends have a native
/// tanh kernel, so they keep `tanh`. The two forms differ by rounding only: at most a few ulp
/// of 1 (about 2e-7 absolute in f32, 4e-16 in f64), and the result stays within [-1, 1]. See
/// BENCHMARKS.md ("Where ai4s is slower") for the timings.
///
/// [`fused_tanh`] is faster still; the tasks keep this form so that their seeded results (the
/// numbers in README.md) stay as measured.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if crate::device::is_flex(&x.device()) {
        burn::tensor::activation::sigmoid(x * 2.0) * 2.0 - 1.0
    } else {
        x.tanh()
    }
}

/// `tanh(x)` as one fused, multi-threaded operation with its own fused backward on flex
/// ([`crate::kernels`]), the backend's own `tanh` elsewhere. The Deep Potential's networks use
/// it: in a profile of its training the activation and its `expf` took 34 % of the time even
/// in the `2 sigmoid(2x) - 1` form of [`tanh`]. It differs from libm's `tanh` by rounding only
/// (a few ulp; tested in [`crate::kernels`]) and stays within [-1, 1].
pub fn fused_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if crate::device::is_flex(&x.device()) {
        crate::kernels::tanh(x)
    } else {
        x.tanh()
    }
}

/// `(1 - y^2) u` for `y = tanh(x)`: the derivative of [`fused_tanh`] applied to `u` (a tangent in
/// a forward pass, a gradient in a hand-written reverse pass). On flex one fused operation with
/// a fused backward ([`crate::kernels`]) when `y` and `u` have the same shape; otherwise, and
/// on other backends, composed of element-wise ops.
pub fn dtanh_mul<const D: usize>(y: Tensor<D>, u: Tensor<D>) -> Tensor<D> {
    if crate::device::is_flex(&y.device()) && y.dims() == u.dims() {
        crate::kernels::dtanh_mul(y, u)
    } else {
        u * ((y.clone() * y).neg() + 1.0)
    }
}

/// `t + [h, h]` for `t` of shape `[n, 2w]` and `h` of shape `[n, w]` (DeePMD's residual across
/// a layer that doubles its width): on flex one fused pass with a fused backward
/// ([`crate::kernels`]), elsewhere `t + cat([h, h], 1)`.
pub fn add_doubled(t: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
    let ([n, w2], [m, w]) = (t.dims(), h.dims());
    if crate::device::is_flex(&t.device()) && n == m && w2 == 2 * w {
        crate::kernels::add_doubled(t, h)
    } else {
        t + Tensor::cat(vec![h.clone(), h], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Backend, Precision, is_flex, make_device};

    #[test]
    fn tanh_matches_the_library_tanh_and_its_gradient() {
        type Form = fn(Tensor<1>) -> Tensor<1>;
        let forms: [(&str, Form); 2] = [("tanh", tanh::<1>), ("fused_tanh", fused_tanh::<1>)];
        let device = make_device(Backend::Flex, Precision::F32, 0).expect("flex");
        let xs: Vec<f32> = (-400..=400)
            .map(|i| i as f32 * 0.05)
            .chain([-1e30, -90.0, -1e-6, 0.0, 1e-6, 90.0, 1e30])
            .collect();
        let n = xs.len();
        assert!(is_flex(&device) && is_flex(&device.clone().autodiff()));
        for (name, f) in forms {
            let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device);
            let ours = to_vec(f(x)).expect("values");
            for (v, x) in ours.iter().zip(&xs) {
                let exact = (*x as f64).tanh();
                assert!(
                    (v - exact).abs() <= 3e-7,
                    "{name}({x}) = {v}, expected {exact}"
                );
                assert!(v.abs() <= 1.0, "{name}({x}) = {v} leaves [-1, 1]");
            }
            // The gradient is 1 - tanh^2.
            let ad = device.clone().autodiff();
            let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &ad).require_grad();
            let grads = f(x.clone()).sum().backward();
            let g = to_vec(x.grad(&grads).expect("grad")).expect("values");
            for (g, x) in g.iter().zip(&xs) {
                let t = (*x as f64).tanh();
                assert!((g - (1.0 - t * t)).abs() <= 1e-6, "d {name}({x}) = {g}");
            }
        }
    }

    /// `f(a, b)` on the autodiff flex device (f32) and the gradients of `sum(f(a, b) * w)` in
    /// `a` and `b`; `w` has the output's shape and values.
    fn value_and_grads<const D: usize>(
        a: (&[f32], [usize; D]),
        b: (&[f32], [usize; D]),
        w: &[f32],
        f: fn(Tensor<D>, Tensor<D>) -> Tensor<D>,
    ) -> [Vec<f64>; 3] {
        let ad = make_device(Backend::Flex, Precision::F32, 0)
            .expect("flex")
            .autodiff();
        let leaf = |(v, shape): (&[f32], [usize; D])| {
            Tensor::<D>::from_data(TensorData::new(v.to_vec(), shape), &ad).require_grad()
        };
        let (a, b) = (leaf(a), leaf(b));
        let v = f(a.clone(), b.clone());
        let weight = Tensor::<D>::from_data(TensorData::new(w.to_vec(), v.dims()), &ad);
        let grads = (v.clone() * weight).sum().backward();
        [
            to_vec(v.inner()).expect("value"),
            to_vec(a.grad(&grads).expect("grad a")).expect("grad a"),
            to_vec(b.grad(&grads).expect("grad b")).expect("grad b"),
        ]
    }

    /// `dtanh_mul(y, u) = (1 - y^2) u` and its gradients in both arguments against the composed
    /// element-wise form. In f32: the flex device's precision is chosen once per process and the
    /// other tests in this binary compute in f32 (the f64 kernels are checked against libm in
    /// `kernels` and through the Deep Potential's f64 force tests).
    #[test]
    fn dtanh_mul_and_its_gradients_match_the_composed_form() {
        let n = 40_000; // above the kernels' parallel chunk
        let ys: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.37).sin() * 0.99).collect();
        let us: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.11).cos() * 3.0).collect();
        let ws: Vec<f32> = (0..n).map(|i| 1.0 + (i % 7) as f32).collect();
        let run = |f: fn(Tensor<1>, Tensor<1>) -> Tensor<1>| {
            value_and_grads((&ys, [n]), (&us, [n]), &ws, f)
        };
        let (fused, composed) = (
            run(dtanh_mul::<1>),
            run(|y, u| u * ((y.clone() * y).neg() + 1.0)),
        );
        for (k, (a, b)) in fused.iter().zip(&composed).enumerate() {
            // Relative to the size of the value: the two forms round in a different order.
            let worst = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
                .fold(0.0, f64::max);
            assert!(
                worst < 1e-6,
                "output {k}: worst relative difference {worst}"
            );
        }
    }

    /// `add_doubled(t, h) = t + [h, h]` and its gradients against the composed form, on a
    /// size above the kernels' parallel chunk and on a small one.
    #[test]
    fn add_doubled_and_its_gradients_match_the_composed_form() {
        for (n, w) in [(3usize, 5usize), (700, 50)] {
            let ts: Vec<f32> = (0..n * 2 * w).map(|i| ((i as f32) * 0.37).sin()).collect();
            let hs: Vec<f32> = (0..n * w).map(|i| ((i as f32) * 0.11).cos()).collect();
            let ws: Vec<f32> = (0..n * 2 * w).map(|i| 1.0 + (i % 7) as f32).collect();
            let run = |f: fn(Tensor<2>, Tensor<2>) -> Tensor<2>| {
                value_and_grads((&ts, [n, 2 * w]), (&hs, [n, w]), &ws, f)
            };
            let (fused, composed) = (
                run(add_doubled),
                run(|t, h| t + Tensor::cat(vec![h.clone(), h], 1)),
            );
            for (k, (a, b)) in fused.iter().zip(&composed).enumerate() {
                assert_eq!(a.len(), b.len());
                // Additions of the same two numbers: exactly equal.
                assert_eq!(a, b, "output {k} at n = {n}, w = {w}");
            }
        }
    }
}
