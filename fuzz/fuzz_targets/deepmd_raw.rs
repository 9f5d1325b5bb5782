//! Fuzz target: a DeePMD system directory of raw files (see `harness::deepmd_raw`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::deepmd_raw(data));
