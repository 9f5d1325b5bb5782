//! Independent per-item work spread over the available cores, in blocks so that a progress bar
//! moves; results come back in input order, so they do not depend on the number of cores. With
//! [`item_seed`] each item draws from its own random stream, so simulated data sets are the same
//! on any machine.

use crate::progress::Progress;

/// `f(0), ..., f(n - 1)` computed on every core, in order; `bar` advances after each block.
pub fn par_map<T: Send>(
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

/// A reproducible per-item seed (SplitMix64 of the set seed and the index; Steele, Lea & Flood
/// 2014).
pub fn item_seed(seed: u64, i: usize) -> u64 {
    let mut z = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_and_seeds_differ() {
        let v = par_map(1000, None, |i| i * i);
        assert_eq!(v, (0..1000).map(|i| i * i).collect::<Vec<_>>());
        assert!(par_map(0, None, |i| i).is_empty());
        assert_ne!(item_seed(1, 0), item_seed(1, 1));
        assert_ne!(item_seed(1, 0), item_seed(2, 0));
        assert_eq!(item_seed(7, 3), item_seed(7, 3));
    }
}
