//! Fuzz target: a saved Deep Potential, `model.toml` + `model.bpk` (see `harness::model`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::model(data));
