//! Fuzz target: one extended XYZ file (see `harness::xyz_file`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::xyz_file(data));
