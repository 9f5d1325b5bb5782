//! A uniform grid for DBSCAN in one to three dimensions.
//!
//! Cells have side `h = eps / sqrt(d)`, so two points of one cell are always within `eps` of
//! each other, and a point's neighbours lie in the cells at most two steps away along every
//! axis. Points are sorted by cell (cells in lexicographic order of their integer coordinates)
//! and each cell keeps the bounding box of its points; a cell is *tight* when that box's
//! diameter, as computed, is at most `eps` (always, up to rounding at the edges). Then:
//!
//! - a tight cell with at least `min_samples` points is all core, without a distance;
//! - the core points of a tight cell are one component, so cells rather than points are
//!   joined: two neighbouring cells are joined as soon as one pair of their core points is
//!   within `eps`, and not looked at again once the union-find has them together;
//! - a border point takes the cluster of a tight cell whenever the cell's box lies within
//!   `eps` of it, or one of its core points does.
//!
//! Neighbouring cells whose boxes are farther apart than `eps` are dropped when the grid is
//! built. The grid declines (and the k-d tree is used) when it would need more than `2^21`
//! cells along an axis or the coordinates are so large against `h` that rounding could move a
//! point across a cell boundary.

use super::union_find::UnionFind;
use super::{Index, NOISE};
use crate::metric::{box_box_min_sq_dist, box_max_sq_dist, box_min_sq_dist, sq_dist, within};
use crate::parallel::map_ranges;

/// Bits of a cell key per axis.
const BITS: u32 = 21;
/// Cells per chunk of work.
const CELLS_PER_CHUNK: usize = 256;

pub(crate) struct Grid {
    d: usize,
    eps2: f64,
    /// Coordinates in cell order, `n x d`.
    pts: Vec<f64>,
    /// Row of each position.
    perm: Vec<u32>,
    /// First position of each cell, plus the end.
    bounds: Vec<u32>,
    /// Bounding boxes, `cells x d` each.
    lo: Vec<f64>,
    hi: Vec<f64>,
    tight: Vec<bool>,
    /// Neighbouring cells of each cell (CSR offsets and targets), the cell itself excluded.
    nbr_start: Vec<usize>,
    nbrs: Vec<u32>,
}

impl Grid {
    /// The grid of the `n x d` row-major points `x`, or `None` when a grid does not suit them.
    pub fn build(x: &[f64], n: usize, d: usize, eps: f64, threads: usize) -> Option<Grid> {
        if d > 3 {
            return None;
        }
        let h = eps / (d.max(1) as f64).sqrt();
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for r in x.chunks_exact(d.max(1)) {
            for f in 0..d {
                lo[f] = lo[f].min(r[f]);
                hi[f] = hi[f].max(r[f]);
            }
        }
        let mut span = vec![1u64; d];
        for f in 0..d {
            let cells = ((hi[f] - lo[f]) / h).floor() + 1.0;
            let big = lo[f].abs().max(hi[f].abs());
            // Infinite when the coordinates overflow: no grid then either.
            if cells >= (1u64 << BITS) as f64 || big * 1e-12 >= h {
                return None;
            }
            span[f] = cells as u64;
        }
        let key = |r: &[f64]| {
            (0..d).fold(0u64, |k, f| {
                let c = (((r[f] - lo[f]) / h).floor() as u64).min(span[f] - 1);
                (k << BITS) | c
            })
        };
        let mut order: Vec<(u64, u32)> = if d == 0 {
            // No features: every point is at distance zero from every other, one cell.
            (0..n as u32).map(|i| (0, i)).collect()
        } else {
            x.chunks_exact(d)
                .enumerate()
                .map(|(i, r)| (key(r), i as u32))
                .collect()
        };
        order.sort_unstable();
        let mut pts = Vec::with_capacity(n * d);
        let mut perm = Vec::with_capacity(n);
        let mut bounds = Vec::new();
        let mut keys = Vec::new();
        for (pos, &(k, i)) in order.iter().enumerate() {
            if keys.last() != Some(&k) {
                keys.push(k);
                bounds.push(pos as u32);
            }
            perm.push(i);
            pts.extend_from_slice(&x[i as usize * d..(i as usize + 1) * d]);
        }
        bounds.push(n as u32);
        let cells = keys.len();
        let (mut clo, mut chi) = (
            vec![f64::INFINITY; cells * d],
            vec![f64::NEG_INFINITY; cells * d],
        );
        for c in 0..cells {
            for p in bounds[c] as usize..bounds[c + 1] as usize {
                for f in 0..d {
                    clo[c * d + f] = clo[c * d + f].min(pts[p * d + f]);
                    chi[c * d + f] = chi[c * d + f].max(pts[p * d + f]);
                }
            }
        }
        let eps2 = eps * eps;
        let tight = (0..cells)
            .map(|c| sq_dist(&clo[c * d..(c + 1) * d], &chi[c * d..(c + 1) * d]) <= eps2)
            .collect();
        let lists: Vec<Vec<u32>> = map_ranges(cells, CELLS_PER_CHUNK, threads, |r| {
            r.map(|c| neighbour_cells(c, &keys, d, &span, &clo, &chi, eps2))
                .collect::<Vec<Vec<u32>>>()
        })
        .concat();
        let mut nbr_start = Vec::with_capacity(cells + 1);
        nbr_start.push(0);
        for l in &lists {
            nbr_start.push(nbr_start.last().copied().unwrap_or(0) + l.len());
        }
        Some(Grid {
            d,
            eps2,
            pts,
            perm,
            bounds,
            lo: clo,
            hi: chi,
            tight,
            nbr_start,
            nbrs: lists.concat(),
        })
    }

    fn pt(&self, p: usize) -> &[f64] {
        &self.pts[p * self.d..(p + 1) * self.d]
    }

    fn cell(&self, c: usize) -> std::ops::Range<usize> {
        self.bounds[c] as usize..self.bounds[c + 1] as usize
    }

    fn boxed(&self, c: usize) -> (&[f64], &[f64]) {
        let r = c * self.d..(c + 1) * self.d;
        (&self.lo[r.clone()], &self.hi[r])
    }

    fn neighbours(&self, c: usize) -> impl Iterator<Item = usize> + '_ {
        self.nbrs[self.nbr_start[c]..self.nbr_start[c + 1]]
            .iter()
            .map(|&c| c as usize)
    }

    fn within(&self, p: usize, q: usize) -> bool {
        within(self.pt(p), self.pt(q), self.eps2)
    }

    /// First core position of every cell (`usize::MAX` when it has none).
    fn first_core(&self, core: &[bool]) -> Vec<usize> {
        (0..self.bounds.len() - 1)
            .map(|c| self.cell(c).find(|&p| core[p]).unwrap_or(usize::MAX))
            .collect()
    }
}

/// The cells at most two steps from cell `c` along every axis whose boxes come within `eps`.
fn neighbour_cells(
    c: usize,
    keys: &[u64],
    d: usize,
    span: &[u64],
    lo: &[f64],
    hi: &[f64],
    eps2: f64,
) -> Vec<u32> {
    let mask = (1u64 << BITS) - 1;
    let coord = |f: usize| ((keys[c] >> (BITS * (d - 1 - f) as u32)) & mask) as i64;
    let mut out = Vec::new();
    if d == 0 {
        return out;
    }
    // Every combination of offsets on the leading axes; the last axis is one key range.
    let lead = d - 1;
    for combo in 0..5usize.pow(lead as u32) {
        let mut prefix = 0u64;
        let mut ok = true;
        let mut rest = combo;
        for (f, &cells) in span.iter().enumerate().take(lead) {
            let v = coord(f) + (rest % 5) as i64 - 2;
            rest /= 5;
            ok &= v >= 0 && (v as u64) < cells;
            prefix = (prefix << BITS) | (v.max(0) as u64);
        }
        if !ok {
            continue;
        }
        let last = coord(lead);
        let from = (prefix << BITS) | (last - 2).max(0) as u64;
        let to = (prefix << BITS) | ((last + 2) as u64).min(span[lead] - 1);
        let start = keys.partition_point(|&k| k < from);
        for (o, _) in keys[start..]
            .iter()
            .enumerate()
            .take_while(|(_, k)| **k <= to)
        {
            let o = start + o;
            let (ra, rb) = (c * d..(c + 1) * d, o * d..(o + 1) * d);
            if o != c
                && box_box_min_sq_dist(&lo[ra.clone()], &hi[ra], &lo[rb.clone()], &hi[rb]) <= eps2
            {
                out.push(o as u32);
            }
        }
    }
    out
}

impl Index for Grid {
    fn len(&self) -> usize {
        self.perm.len()
    }

    fn original(&self, pos: usize) -> usize {
        self.perm[pos] as usize
    }

    fn core_flags(&self, min_samples: usize, threads: usize) -> Vec<bool> {
        let cells = self.bounds.len() - 1;
        map_ranges(cells, CELLS_PER_CHUNK, threads, |r| {
            let mut out = Vec::new();
            for c in r {
                let cell = self.cell(c);
                if self.tight[c] && cell.len() >= min_samples {
                    out.extend(cell.map(|_| true));
                    continue;
                }
                for p in cell.clone() {
                    let mut count = if self.tight[c] {
                        cell.len()
                    } else {
                        cell.clone().filter(|&q| self.within(p, q)).count()
                    };
                    for o in self.neighbours(c) {
                        if count >= min_samples {
                            break;
                        }
                        let (lo, hi) = self.boxed(o);
                        if box_max_sq_dist(self.pt(p), lo, hi) <= self.eps2 {
                            count += self.cell(o).len();
                        } else if box_min_sq_dist(self.pt(p), lo, hi) <= self.eps2 {
                            for q in self.cell(o) {
                                count += usize::from(self.within(p, q));
                                if count >= min_samples {
                                    break;
                                }
                            }
                        }
                    }
                    out.push(count >= min_samples);
                }
            }
            out
        })
        .concat()
    }

    fn connect(&self, core: &[bool], sets: &UnionFind, threads: usize) {
        let first = self.first_core(core);
        let cells = first.len();
        let cores = |c: usize| self.cell(c).filter(|&p| core[p]);
        map_ranges(cells, CELLS_PER_CHUNK, threads, |r| {
            for c in r.filter(|&c| first[c] != usize::MAX) {
                let rep = first[c] as u32;
                for p in cores(c) {
                    if self.tight[c] {
                        sets.union(rep, p as u32);
                    } else {
                        for q in cores(c).filter(|&q| q < p && self.within(p, q)) {
                            sets.union(p as u32, q as u32);
                        }
                    }
                }
                for o in self
                    .neighbours(c)
                    .filter(|&o| o > c && first[o] != usize::MAX)
                {
                    let both = self.tight[c] && self.tight[o];
                    if both && sets.find(rep) == sets.find(first[o] as u32) {
                        continue;
                    }
                    let (lo, hi) = self.boxed(o);
                    'pairs: for p in cores(c) {
                        if box_min_sq_dist(self.pt(p), lo, hi) > self.eps2 {
                            continue;
                        }
                        for q in cores(o).filter(|&q| self.within(p, q)) {
                            sets.union(p as u32, q as u32);
                            if both {
                                break 'pairs;
                            }
                        }
                    }
                }
            }
        });
    }

    fn borders(&self, core: &[bool], cluster: &[i64], threads: usize) -> Vec<i64> {
        let first = self.first_core(core);
        map_ranges(first.len(), CELLS_PER_CHUNK, threads, |r| {
            let mut out = Vec::new();
            for c in r {
                for p in self.cell(c) {
                    if core[p] {
                        out.push(cluster[p]);
                        continue;
                    }
                    let mut best = i64::MAX;
                    for o in std::iter::once(c).chain(self.neighbours(c)) {
                        if first[o] == usize::MAX {
                            continue;
                        }
                        let (lo, hi) = self.boxed(o);
                        if self.tight[o] {
                            // One cluster for the whole cell.
                            let cl = cluster[first[o]];
                            let near = cl < best
                                && (box_max_sq_dist(self.pt(p), lo, hi) <= self.eps2
                                    || self.cell(o).any(|q| core[q] && self.within(p, q)));
                            if near {
                                best = cl;
                            }
                        } else {
                            for q in self.cell(o) {
                                if core[q] && cluster[q] < best && self.within(p, q) {
                                    best = cluster[q];
                                }
                            }
                        }
                    }
                    out.push(if best == i64::MAX { NOISE } else { best });
                }
            }
            out
        })
        .concat()
    }
}
