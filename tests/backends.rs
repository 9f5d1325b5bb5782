//! Checks that must hold on every backend, generated per backend by `on_every_backend!`:
//! `flex` runs in every `cargo test`; `wgpu` (and `ndarray`) run with `--ignored` (CI runs the
//! wgpu ones on lavapipe: `cargo test --release --test backends -- --ignored wgpu`).

use ai4s::core::burn::tensor::{Device, Tensor, TensorData};
use ai4s::core::device::{Backend, Precision, make_device};
use ai4s::core::on_every_backend;
use ai4s::core::selftest::backend_agreement;
use ai4s::core::tensor::{tanh, to_vec};

/// The shared MLP trains on the device like on the CPU: the loss falls 5x on both and the two
/// curves agree to 1e-3 relative.
fn mlp_training_matches_the_cpu(device: &Device) {
    let cpu = make_device(Backend::Flex, Precision::F32, 1).expect("flex device");
    let a = backend_agreement(&cpu, device, 60).expect("training runs on both");
    assert!(
        a.both_fall(5.0),
        "loss should fall 5x on both: cpu {:?} device {:?}",
        a.reference,
        a.candidate
    );
    assert!(
        a.max_rel_diff() < 1e-3,
        "curves differ by {}",
        a.max_rel_diff()
    );
}
on_every_backend!(mlp_training_matches_the_cpu);

/// The tanh every network uses (native, or `2 sigmoid(2x) - 1` on flex) matches f64 tanh.
fn tanh_matches_f64(device: &Device) {
    let xs: Vec<f32> = (0..401).map(|i| -10.0 + 0.05 * i as f32).collect();
    let t = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), device);
    let got = to_vec(tanh(t)).expect("reads back");
    for (x, y) in xs.iter().zip(&got) {
        let want = f64::from(*x).tanh();
        assert!((y - want).abs() < 1e-6, "tanh({x}) = {y}, want {want}");
    }
}
on_every_backend!(tanh_matches_f64);

/// Batched matrix products and reductions: `sum_j (A B)_ij` against the host computation.
fn batched_matmul_matches_host(device: &Device) {
    let (b, n, k, m) = (3, 5, 4, 6);
    let a: Vec<f32> = (0..b * n * k)
        .map(|i| ((i * 7) % 11) as f32 * 0.1 - 0.5)
        .collect();
    let w: Vec<f32> = (0..b * k * m)
        .map(|i| ((i * 5) % 13) as f32 * 0.1 - 0.6)
        .collect();
    let ta = Tensor::<3>::from_data(TensorData::new(a.clone(), [b, n, k]), device);
    let tw = Tensor::<3>::from_data(TensorData::new(w.clone(), [b, k, m]), device);
    let got = to_vec(ta.matmul(tw).sum_dim(2)).expect("reads back");
    for bi in 0..b {
        for i in 0..n {
            let mut want = 0.0f64;
            for j in 0..m {
                for l in 0..k {
                    want += f64::from(a[(bi * n + i) * k + l]) * f64::from(w[(bi * k + l) * m + j]);
                }
            }
            let y = got[bi * n + i];
            assert!((y - want).abs() < 1e-4, "row {bi},{i}: {y} vs {want}");
        }
    }
}
on_every_backend!(batched_matmul_matches_host);
