//! The GPU path really runs: the same small training on the wgpu device and on the CPU gives
//! falling, matching losses. Needs a Vulkan driver (CI installs lavapipe) so it is ignored in
//! plain `cargo test`; `.ci/run` runs it with `--ignored`.

use ai4s::core::device::{Backend, Precision, make_device};
use ai4s::core::selftest::backend_agreement;

#[test]
#[ignore = "needs a Vulkan driver; run with --ignored (CI installs mesa-vulkan-drivers)"]
fn wgpu_training_matches_cpu() {
    let cpu = make_device(Backend::Flex, Precision::F32, 1).expect("flex device");
    let gpu = make_device(Backend::Wgpu, Precision::F32, 1)
        .expect("wgpu device (is `wgpu` compiled in?)");
    let a = backend_agreement(&cpu, &gpu, 60).expect("training runs on both");
    assert!(
        a.both_fall(5.0),
        "loss should fall on both: cpu {:?} gpu {:?}",
        a.reference,
        a.candidate
    );
    assert!(
        a.max_rel_diff() < 1e-3,
        "curves differ by {}",
        a.max_rel_diff()
    );
}
