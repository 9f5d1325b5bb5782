//! Fuzz target: TOML/JSON config files and `--set` overrides (see `harness::config`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::config(data));
