//! Fuzz target: a DeePMD system directory with `set.*/*.npy` arrays (see `harness::deepmd_npy`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::deepmd_npy(data));
