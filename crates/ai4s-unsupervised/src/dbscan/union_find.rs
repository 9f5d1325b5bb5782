//! Disjoint sets that several threads join at once (lock-free union-find).
//!
//! Every set is a tree whose root is its smallest element: `union` links the larger root under
//! the smaller one with a compare-and-swap that only succeeds while that root is still a root
//! (otherwise it retries from the new roots), and `find` halves the path it walks. Parents
//! therefore only ever decrease, so the trees stay acyclic whatever the interleaving, and the
//! final sets do not depend on the order of the unions (Anderson & Woll 1991, "Wait-free
//! parallel algorithms for the union-find problem").

use std::sync::atomic::{AtomicU32, Ordering};

/// Disjoint sets over `0..n`.
pub(crate) struct UnionFind {
    parent: Vec<AtomicU32>,
}

impl UnionFind {
    /// `n` singletons (`n` must fit in `u32`).
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).map(AtomicU32::new).collect(),
        }
    }

    /// The root (smallest element) of the set holding `x`.
    pub fn find(&self, mut x: u32) -> u32 {
        loop {
            let p = self.parent[x as usize].load(Ordering::Acquire);
            if p == x {
                return x;
            }
            let g = self.parent[p as usize].load(Ordering::Acquire);
            if g != p {
                // Path halving; losing the race to another thread is harmless.
                let _ = self.parent[x as usize].compare_exchange(
                    p,
                    g,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
            }
            x = g;
        }
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&self, a: u32, b: u32) {
        let (mut a, mut b) = (a, b);
        loop {
            a = self.find(a);
            b = self.find(b);
            if a == b {
                return;
            }
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            if self.parent[hi as usize]
                .compare_exchange(hi, lo, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_unions_give_the_sets_of_serial_ones() {
        let n = 10_000u32;
        let uf = UnionFind::new(n as usize);
        // Two threads join i and i + 3 from opposite ends: the residues mod 3 form three
        // sets, whose roots are their smallest elements 0, 1 and 2.
        std::thread::scope(|s| {
            s.spawn(|| (0..n - 3).for_each(|i| uf.union(i, i + 3)));
            s.spawn(|| (0..n - 3).rev().for_each(|i| uf.union(i + 3, i)));
        });
        for i in 0..n {
            assert_eq!(uf.find(i), i % 3, "{i}");
        }
    }
}
