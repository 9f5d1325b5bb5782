//! Fuzz target: one `.npy` array (see `harness::npy_file`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::npy_file(data));
