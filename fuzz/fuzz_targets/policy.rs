//! Fuzz target: a saved RL policy, `.json` + `.bpk` (see `harness::policy`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::policy(data));
