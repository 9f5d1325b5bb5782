//! Latency per event on one core: a single-threaded loop over events, timed with
//! [`std::time::Instant`], repeated, the median kept.

use std::hint::black_box;
use std::time::Instant;

/// Median over `repeats` passes (after one warm-up pass) of the nanoseconds per event that
/// `score` takes over the rows of `x` (row length `d`, row-major).
pub fn ns_per_event(
    x: &[f32],
    d: usize,
    repeats: usize,
    mut score: impl FnMut(&[f32]) -> f32,
) -> f64 {
    let n = x.len() / d.max(1);
    if n == 0 {
        return f64::NAN;
    }
    let mut times = Vec::with_capacity(repeats);
    let mut sink = 0f32;
    for pass in 0..=repeats {
        let start = Instant::now();
        for row in x.chunks_exact(d) {
            sink += score(black_box(row));
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        if pass > 0 {
            times.push(ns);
        }
    }
    black_box(sink);
    ai4s_core::metrics::median(&times)
}
