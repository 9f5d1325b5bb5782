//! Fuzz target: a DeePMD-kit model document (see `harness::dpmodel_file`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::dpmodel_file(data));
