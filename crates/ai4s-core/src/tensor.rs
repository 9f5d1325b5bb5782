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
