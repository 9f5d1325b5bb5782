//! f64 on a CPU backend: a device configured for f64 keeps digits that f32 loses.
//! (Its own test binary: a device's float type is fixed per process once a tensor exists.)

use ai4s::core::burn::tensor::{Tensor, TensorData};
use ai4s::core::device::{Backend, Precision, make_device};

#[test]
fn f64_device_keeps_double_precision() {
    let dev = make_device(Backend::Flex, Precision::F64, 0).expect("flex supports f64");
    let x = Tensor::<1>::from_data(TensorData::new(vec![1.0f64 + 1e-12], [1]), &dev);
    let d: Vec<f64> = (x - 1.0)
        .into_data()
        .try_into_vec_as::<f64>()
        .expect("f64 data");
    assert!(
        (d[0] - 1e-12).abs() < 1e-16,
        "f64 arithmetic lost digits: {}",
        d[0]
    );
    // Asking again for f64 on the same (already initialised) device is fine...
    make_device(Backend::Flex, Precision::F64, 0).expect("still f64");
    // ...and wgpu, which has no f64 in its shaders, is refused with a clear message.
    if Backend::Wgpu.is_compiled() {
        let e = make_device(Backend::Wgpu, Precision::F64, 0).expect_err("no f64 on wgpu");
        assert!(e.to_string().contains("f64"));
    }
}
