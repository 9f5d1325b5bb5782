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

/// `tanh(x)` for every tanh network in ai4s: on flex evaluated as `2 sigmoid(2x) - 1`, on other
/// backends with their own `tanh`.
///
/// Why: burn-flex evaluates `tanh` element by element with libm's `tanhf` (which calls
/// `expm1f`), about 24 ns per element; in a profile of Deep Potential training on one core,
/// `tanhf` and `expm1f` took 39 % of the time. Its `sigmoid` costs one `expf`, and its backward
/// is one fused pass (`g s (1 - s)`). ndarray is the other way round (its sigmoid is composed of
/// several ops and made Deep Potential training about 2x slower), and the GPU backends have a native
/// tanh kernel, so they keep `tanh`. The two forms differ by rounding only: at most a few ulp
/// of 1 (about 2e-7 absolute in f32, 4e-16 in f64), and the result stays within [-1, 1]. See
/// BENCHMARKS.md ("Where ai4s is slower") for the timings.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if crate::device::is_flex(&x.device()) {
        burn::tensor::activation::sigmoid(x * 2.0) * 2.0 - 1.0
    } else {
        x.tanh()
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
