//! The one place that decides the compute device.
//!
//! burn 0.22 picks a backend at run time through [`burn::tensor::Device`]; which backends exist
//! is fixed at compile time by cargo features. [`Backend`] names them, [`Backend::compiled`]
//! lists those in this build, and [`make_device`] turns the user's choice (`--device` or
//! `AI4S_DEVICE`) into a `Device`, with a clear error naming the cargo feature when the backend
//! was not compiled in. Everything else in ai4s receives a `Device` and never chooses one.

use crate::error::{Error, Result};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A burn backend ai4s can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn-flex: maintained pure-Rust CPU backend (gemm, SIMD, rayon). The default.
    Flex,
    /// burn-ndarray: the older pure-Rust CPU backend.
    Ndarray,
    /// wgpu: Vulkan, Metal or DX12 GPUs (and software Vulkan such as lavapipe).
    Wgpu,
    /// CUDA: NVIDIA GPUs.
    Cuda,
}

/// Floating-point precision for a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats (default everywhere).
    #[default]
    F32,
    /// 64-bit floats, for numerical checks (forces against finite differences).
    F64,
}

impl Backend {
    /// All backends ai4s knows about, compiled in or not.
    pub const ALL: [Backend; 4] = [
        Backend::Flex,
        Backend::Ndarray,
        Backend::Wgpu,
        Backend::Cuda,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Ndarray => "ndarray",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        }
    }

    /// The cargo feature of the `ai4s` package that compiles this backend in.
    pub fn feature(self) -> &'static str {
        self.name()
    }

    /// What hardware the backend drives.
    pub fn describe(self) -> &'static str {
        match self {
            Backend::Flex => "CPU, pure Rust (gemm + SIMD + rayon threads)",
            Backend::Ndarray => "CPU, pure Rust (ndarray)",
            Backend::Wgpu => "GPU through Vulkan / Metal / DX12 (also software Vulkan)",
            Backend::Cuda => "NVIDIA GPU through CUDA",
        }
    }

    /// Whether this build contains the backend.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Backends compiled into this build.
    pub fn compiled() -> Vec<Backend> {
        Self::ALL.into_iter().filter(|b| b.is_compiled()).collect()
    }

    /// The backend used when the user does not choose: the first compiled-in CPU backend.
    pub fn default_backend() -> Option<Backend> {
        [
            Backend::Flex,
            Backend::Ndarray,
            Backend::Wgpu,
            Backend::Cuda,
        ]
        .into_iter()
        .find(|b| b.is_compiled())
    }

    /// Whether the backend can compute in `precision`.
    pub fn supports(self, precision: Precision) -> bool {
        match precision {
            Precision::F32 => true,
            // wgpu shaders (WGSL) have no f64.
            Precision::F64 => !matches!(self, Backend::Wgpu),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Backend {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::Unknown(format!(
                    "unknown device `{s}`; choose one of: flex, ndarray, wgpu, cuda (`ai4s devices` lists those compiled in)"
                ))
            })
    }
}

/// Resolves the user's choice: an explicit `--device` (parsed once by the command line), else
/// `AI4S_DEVICE`, else the default. This and [`make_device`] are the one place that decides
/// the device; everything else receives a [`Device`].
pub fn resolve_backend(explicit: Option<Backend>) -> Result<Backend> {
    if let Some(b) = explicit {
        return Ok(b);
    }
    let env = std::env::var("AI4S_DEVICE")
        .ok()
        .filter(|s| !s.trim().is_empty());
    match env {
        Some(name) => name.parse(),
        None => Backend::default_backend().ok_or_else(|| {
            Error::Backend(
                "this build has no backend; rebuild with `--features flex` (or ndarray, wgpu, cuda)"
                    .into(),
            )
        }),
    }
}

/// Builds the burn device for `backend` at `precision`, seeded with `seed`.
///
/// Errors when the backend is not compiled in (naming the cargo feature to enable) or cannot
/// compute at the requested precision.
pub fn make_device(backend: Backend, precision: Precision, seed: u64) -> Result<Device> {
    if !backend.is_compiled() {
        return Err(Error::Backend(format!(
            "the `{b}` backend is not compiled into this build; rebuild with `cargo build --release --features {f}` (compiled in: {list})",
            b = backend.name(),
            f = backend.feature(),
            list = Backend::compiled()
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if !backend.supports(precision) {
        return Err(Error::Backend(format!(
            "the `{}` backend cannot compute in {precision:?}; use flex, ndarray or cuda for f64",
            backend.name()
        )));
    }
    let mut device = raw_device(backend)?;
    if precision == Precision::F64 && device.configure(burn::tensor::FloatDType::F64).is_err() {
        // Settings are fixed once the first tensor exists; fine if they already say f64.
        let current = device.settings().float_dtype;
        if current != burn::tensor::FloatDType::F64 {
            return Err(Error::Backend(format!(
                "the {backend} device already computes in {current:?} in this process; f64 must be chosen before any tensor is created (start a separate process, or create tensors with an explicit DType::F64)"
            )));
        }
    }
    device.seed(seed);
    Ok(device)
}

/// Whether `device` is a flex device, with or without autodiff (for choices that depend on
/// how a backend implements an op, such as [`crate::tensor::tanh`]).
pub fn is_flex(device: &Device) -> bool {
    #[cfg(feature = "flex")]
    {
        matches!(
            device.as_dispatch().clone().inner(),
            burn::backend::DispatchDevice::Flex(_)
        )
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

/// The backend tests run on: `AI4S_TEST_DEVICE` (a backend name), flex when unset.
///
/// # Panics
/// When the variable names an unknown backend or one not compiled into this build: a test
/// asked to run on a backend must not pass silently on another.
pub fn test_backend() -> Backend {
    match std::env::var("AI4S_TEST_DEVICE") {
        Ok(name) if !name.trim().is_empty() => {
            let b: Backend = name
                .parse()
                .unwrap_or_else(|e| panic!("AI4S_TEST_DEVICE={name}: {e}"));
            assert!(
                b.is_compiled(),
                "AI4S_TEST_DEVICE={name}: not compiled in; build the tests with `--features {}`",
                b.feature()
            );
            b
        }
        _ => Backend::Flex,
    }
}

/// A device for tests on [`test_backend`] at `precision`, seeded with `seed`. Checks that need
/// f64 run on flex when the test backend has no f64 (wgpu), since their tolerances assume it.
///
/// # Panics
/// When the device cannot be created (see [`test_backend`]).
pub fn test_device(precision: Precision, seed: u64) -> Device {
    let mut backend = test_backend();
    if !backend.supports(precision) {
        backend = Backend::Flex;
    }
    make_device(backend, precision, seed)
        .unwrap_or_else(|e| panic!("test device {backend} at {precision:?}: {e}"))
}

/// Runs `check` on a fresh f32 device of `backend`, for [`on_every_backend!`](crate::on_every_backend).
///
/// # Panics
/// When `backend` is not compiled in (an explicitly requested backend test must not pass
/// without running), or when `check` panics.
pub fn run_on(backend: Backend, check: fn(&Device)) {
    let device = make_device(backend, Precision::F32, 1)
        .unwrap_or_else(|e| panic!("backend test on {backend}: {e}"));
    check(&device);
}

/// Generates one test per backend for a check `fn(&Device)`: `flex` runs in every `cargo test`;
/// `wgpu` and `ndarray` are ignored by default (they need a Vulkan driver or `--features
/// ndarray`) and run with `--ignored`, failing loudly when the backend is missing.
///
/// ```ignore
/// fn loss_falls(device: &Device) { /* ... */ }
/// ai4s_core::on_every_backend!(loss_falls);
/// ```
#[macro_export]
macro_rules! on_every_backend {
    ($check:ident) => {
        mod $check {
            #[test]
            fn flex() {
                $crate::device::run_on($crate::Backend::Flex, super::$check);
            }
            #[test]
            #[ignore = "needs a Vulkan driver; run with --ignored (CI installs lavapipe)"]
            fn wgpu() {
                $crate::device::run_on($crate::Backend::Wgpu, super::$check);
            }
            #[test]
            #[ignore = "needs a build with --features ndarray; run with --ignored"]
            fn ndarray() {
                $crate::device::run_on($crate::Backend::Ndarray, super::$check);
            }
        }
    };
}

#[allow(unreachable_code, unused_variables)]
fn raw_device(backend: Backend) -> Result<Device> {
    match backend {
        Backend::Flex => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
        }
        Backend::Ndarray => {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            return Ok(Device::ndarray());
        }
        Backend::Wgpu => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice));
        }
        Backend::Cuda => {
            #[cfg(feature = "cuda")]
            return Ok(Device::cuda(0));
        }
    }
    Err(Error::Backend(format!("backend {backend} not compiled in")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_rejects_unknown() {
        assert_eq!(
            "FLEX".parse::<Backend>().expect("flex parses"),
            Backend::Flex
        );
        let err = "tpu".parse::<Backend>().expect_err("tpu is not a backend");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("flex, ndarray, wgpu, cuda"));
    }

    #[test]
    fn wgpu_refuses_f64() {
        assert!(!Backend::Wgpu.supports(Precision::F64));
        assert!(Backend::Flex.supports(Precision::F64));
    }

    #[test]
    fn missing_backend_names_the_feature() {
        if let Some(b) = Backend::ALL.into_iter().find(|b| !b.is_compiled()) {
            let err = make_device(b, Precision::F32, 0).expect_err("not compiled in");
            assert!(
                err.to_string()
                    .contains(&format!("--features {}", b.feature()))
            );
        }
        assert!(Backend::default_backend().is_some());
    }
}
