//! Independent per-image work spread over the available cores, in blocks so that the progress
//! bar moves; results come back in input order, so they do not depend on the number of cores.

use ai4s_core::progress::Progress;

/// `f(0), ..., f(n - 1)` computed on every core, in order; `bar` advances after each block.
pub(crate) fn par_map<T: Send>(
    n: usize,
    mut bar: Option<&mut Progress>,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .clamp(1, 16);
    let block = threads * 8;
    let mut out = Vec::with_capacity(n);
    let f = &f;
    for start in (0..n).step_by(block) {
        let idx: Vec<usize> = (start..(start + block).min(n)).collect();
        let per = idx.len().div_ceil(threads);
        let parts: Vec<Vec<T>> = std::thread::scope(|s| {
            let handles: Vec<_> = idx
                .chunks(per)
                .map(|chunk| s.spawn(move || chunk.iter().map(|&i| f(i)).collect::<Vec<T>>()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        out.extend(parts.into_iter().flatten());
        if let Some(b) = bar.as_deref_mut() {
            b.inc(idx.len() as u64);
        }
    }
    out
}

/// A reproducible per-item seed (SplitMix64 of the set seed and the index).
pub(crate) fn item_seed(seed: u64, i: usize) -> u64 {
    let mut z = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
