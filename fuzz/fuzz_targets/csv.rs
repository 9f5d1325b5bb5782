//! Fuzz target: one CSV dataset (see `harness::csv_file`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ai4s_fuzz::harness::csv_file(data));
