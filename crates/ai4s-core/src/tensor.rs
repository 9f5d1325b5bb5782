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

/// `tanh(x)` for every tanh network in ai4s: on flex one fused, multi-threaded operation with
/// its own fused backward ([`crate::kernels`]), on other backends their own `tanh`.
///
/// Why: burn-flex evaluates `tanh` (and `sigmoid`) element by element with a libm call on one
/// thread; in a profile of Deep Potential training the activation and its `expf` took 34 % of
/// the time even in the cheaper `2 sigmoid(2x) - 1` form. The GPU backends have a native tanh
/// kernel, so they keep `tanh`. The fused form differs from libm's by rounding only (a few ulp;
/// tested in [`crate::kernels`]), and the result stays within [-1, 1].
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if crate::device::is_flex(&x.device()) {
        crate::kernels::tanh(x)
    } else {
        x.tanh()
    }
}

/// `(1 - y^2) u` for `y = tanh(x)`: the derivative of [`tanh`] applied to `u` (a tangent in
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Backend, Precision, is_flex, make_device};

    #[test]
    fn tanh_matches_the_library_tanh_and_its_gradient() {
        let device = make_device(Backend::Flex, Precision::F32, 0).expect("flex");
        let xs: Vec<f32> = (-400..=400)
            .map(|i| i as f32 * 0.05)
            .chain([-1e30, -90.0, -1e-6, 0.0, 1e-6, 90.0, 1e30])
            .collect();
        let n = xs.len();
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device);
        assert!(is_flex(&device) && is_flex(&device.clone().autodiff()));
        let ours = to_vec(tanh(x)).expect("values");
        for (v, x) in ours.iter().zip(&xs) {
            let exact = (*x as f64).tanh();
            assert!(
                (v - exact).abs() <= 3e-7,
                "tanh({x}) = {v}, expected {exact}"
            );
            assert!(v.abs() <= 1.0, "tanh({x}) = {v} leaves [-1, 1]");
        }
        // The gradient through the sigmoid form is 1 - tanh^2.
        let ad = device.clone().autodiff();
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &ad).require_grad();
        let grads = tanh(x.clone()).sum().backward();
        let g = to_vec(x.grad(&grads).expect("grad")).expect("values");
        for (g, x) in g.iter().zip(&xs) {
            let t = (*x as f64).tanh();
            assert!((g - (1.0 - t * t)).abs() <= 1e-6, "d tanh({x}) = {g}");
        }
    }
}
