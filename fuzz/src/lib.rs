//! The fuzz targets' logic lives in [`harness`], one function per target, so that the
//! regression tests of the main package (`tests/fuzz_regressions.rs`) replay saved inputs
//! through exactly the code the fuzzer ran.

pub mod harness;
