//! Work split over the cores for the classical methods: fixed-size chunks handed out on demand.
//!
//! The chunk size never depends on the number of threads and results come back in chunk order,
//! so a reduction over the per-chunk results (sums, counts, inertia) gives the same bits on one
//! core or many. Threads take the next free chunk from a shared counter, which keeps both cores
//! busy when one of them is shared with another process.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads to use: `requested` (0 = every core), but one for small problems, where starting a
/// thread (tens of microseconds) costs more than it saves. `work` is a rough operation count.
pub(crate) fn resolve_threads(requested: usize, work: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let t = if requested == 0 { cores } else { requested };
    if work < 200_000 { 1 } else { t.max(1) }
}

/// Runs `work` on the calling thread and on `threads - 1` helpers and concatenates what they
/// return. The caller works too, so when a helper is slow to be scheduled (a machine shared
/// with other jobs) the work does not wait for it to start.
pub(crate) fn on_threads<T: Send>(threads: usize, work: impl Fn() -> Vec<T> + Sync) -> Vec<T> {
    if threads <= 1 {
        return work();
    }
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(&work)).collect();
        let mut out = work();
        for h in helpers {
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

/// `f(range)` for the consecutive ranges of `chunk` items covering `0..n`, on `threads`
/// threads; results in range order.
pub(crate) fn map_ranges<T: Send>(
    n: usize,
    chunk: usize,
    threads: usize,
    f: impl Fn(Range<usize>) -> T + Sync,
) -> Vec<T> {
    let chunk = chunk.max(1);
    let n_chunks = n.div_ceil(chunk);
    let next = AtomicUsize::new(0);
    let mut parts = on_threads(threads.min(n_chunks), || {
        let mut out = Vec::new();
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= n_chunks {
                break out;
            }
            out.push((c, f(c * chunk..((c + 1) * chunk).min(n))));
        }
    });
    parts.sort_unstable_by_key(|p| p.0);
    parts.into_iter().map(|p| p.1).collect()
}

/// `f(first_row, rows)` for the consecutive chunks of `chunk` rows of `rows`, on `threads`
/// threads; results in chunk order.
pub(crate) fn map_chunks_mut<S: Send, T: Send>(
    rows: &mut [S],
    chunk: usize,
    threads: usize,
    f: impl Fn(usize, &mut [S]) -> T + Sync,
) -> Vec<T> {
    let chunk = chunk.max(1);
    map_parts(rows.chunks_mut(chunk).collect(), threads, |c, r| {
        f(c * chunk, r)
    })
}

/// `f(index, part)` for every part (e.g. chunks of several arrays zipped together), on
/// `threads` threads; results in order.
pub(crate) fn map_parts<I: Send, T: Send>(
    parts: Vec<I>,
    threads: usize,
    f: impl Fn(usize, I) -> T + Sync,
) -> Vec<T> {
    let n = parts.len();
    let queue = Mutex::new(parts.into_iter().enumerate());
    let mut out = on_threads(threads.min(n), || {
        let mut done = Vec::new();
        // A poisoned lock means another worker panicked; its join re-raises the panic.
        while let Some((c, p)) = queue.lock().ok().and_then(|mut q| q.next()) {
            done.push((c, f(c, p)));
        }
        done
    });
    out.sort_unstable_by_key(|p| p.0);
    out.into_iter().map(|p| p.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_in_order_on_any_number_of_threads() {
        for threads in [1, 2, 3] {
            let sums = map_ranges(1000, 64, threads, |r| r.sum::<usize>());
            assert_eq!(sums.len(), 16);
            assert_eq!(sums.iter().sum::<usize>(), 999 * 1000 / 2);
            assert_eq!(sums[1], (64..128).sum::<usize>());
            let mut v: Vec<usize> = (0..1000).collect();
            let firsts = map_chunks_mut(&mut v, 100, threads, |start, rows| {
                rows.iter_mut().for_each(|x| *x *= 2);
                start
            });
            assert_eq!(firsts, (0..10).map(|c| c * 100).collect::<Vec<_>>());
            assert!(v.iter().enumerate().all(|(i, &x)| x == 2 * i));
        }
    }
}
