//! Squared distances of a row to a few centres, as one row of the small matrix product `X C^T`.
//!
//! `|x - c|^2 = |x|^2 - 2 x.c + |c|^2`: the row norms `|x|^2` are computed once per fit, the
//! centre norms once per iteration, so each distance costs one multiply-add per feature. The
//! centres are stored in transposed blocks of [`LANES`]: the inner loop runs over a block of
//! `LANES` centres held in registers, which the compiler turns into vector instructions, with
//! four partial sums over the features so that the additions do not wait on each other; the
//! centres stay in the L1 cache while every row streams past them. The `k mod LANES` centres
//! of the last, partly filled block are taken one at a time ([`sq_dist_to`]) rather than as a
//! padded block, which would spend up to `LANES - 1` distances on padding (k-means++ draws
//! `2 + floor(ln k)` candidates: 5 from 21 clusters on, where a padded block wastes 3 of 8).
//! Both ways sum `x.c` in [`crate::metric`]'s association, so they give the same bits. The
//! data are centred (column means subtracted) before the fit, which keeps `|x|^2` small and
//! the cancellation in the difference harmless, as in scikit-learn.

use crate::metric::dot;
#[cfg(test)]
use crate::metric::sq_dist;

/// Centres per register block.
pub(crate) const LANES: usize = 4;

/// Centres (or k-means++ candidates) laid out for [`sq_dists`].
pub(crate) struct Centres {
    /// Number of centres.
    pub k: usize,
    /// Features.
    pub d: usize,
    /// `k` padded up to a multiple of [`LANES`].
    padded: usize,
    /// Row-major `k x d` centres.
    pub rows: Vec<f64>,
    /// Blocks of [`LANES`] centres, each transposed: `blocks[(b * d + f) * LANES + t]` is
    /// feature `f` of centre `b * LANES + t` (zero for padding).
    blocks: Vec<f64>,
    /// `|c_j|^2` (infinity for padding).
    norms: Vec<f64>,
}

impl Centres {
    /// Lays out the row-major `k x d` centres `rows`.
    pub fn new(rows: Vec<f64>, d: usize) -> Self {
        let k = rows.len() / d;
        let padded = k.div_ceil(LANES).max(1) * LANES;
        let mut blocks = vec![0.0; d * padded];
        let mut norms = vec![f64::INFINITY; padded];
        for (j, c) in rows.chunks_exact(d).enumerate() {
            let (b, t) = (j / LANES, j % LANES);
            for (f, &v) in c.iter().enumerate() {
                blocks[(b * d + f) * LANES + t] = v;
            }
            norms[j] = dot(c, c);
        }
        Centres {
            k,
            d,
            padded,
            rows,
            blocks,
            norms,
        }
    }

    /// Centre `j`.
    pub fn row(&self, j: usize) -> &[f64] {
        &self.rows[j * self.d..(j + 1) * self.d]
    }

    /// Scratch space for [`sq_dists`].
    pub fn scratch(&self) -> Vec<f64> {
        vec![0.0; self.padded]
    }

    /// Number of completely filled register blocks (`k / LANES`); centres from
    /// `full_blocks() * LANES` on are taken one at a time.
    pub fn full_blocks(&self) -> usize {
        self.k / LANES
    }
}

/// `out[j] = |x - c_j|^2` for every centre `j < k`; `xn = |x|^2`.
#[inline]
pub(crate) fn sq_dists(x: &[f64], xn: f64, c: &Centres, out: &mut [f64]) {
    let full = c.full_blocks();
    for (b, block) in out[..full * LANES].chunks_exact_mut(LANES).enumerate() {
        block.copy_from_slice(&block_sq_dists(x, xn, c, b));
    }
    for (j, o) in out.iter_mut().enumerate().take(c.k).skip(full * LANES) {
        *o = sq_dist_to(x, xn, c, j);
    }
}

/// `|x - c_j|^2` for the centres `j` of register block `b` (`b * LANES..(b + 1) * LANES`).
#[inline(always)]
fn block_sq_dists(x: &[f64], xn: f64, c: &Centres, b: usize) -> [f64; LANES] {
    let d = x.len();
    let (x4, xr) = x.as_chunks::<4>();
    let cols = &c.blocks[b * d * LANES..(b + 1) * d * LANES];
    let (c4, cr) = cols.as_chunks::<{ 4 * LANES }>();
    // Four partial products per centre, over features f = 0, 1, 2, 3 (mod 4), and the features
    // past the last multiple of 4 in a fifth: the association of `metric::dot`.
    let mut acc = [[0.0f64; LANES]; 4];
    for (xs, cs) in x4.iter().zip(c4) {
        for u in 0..4 {
            for t in 0..LANES {
                acc[u][t] += xs[u] * cs[u * LANES + t];
            }
        }
    }
    let mut tail = [0.0f64; LANES];
    for (f, &xf) in xr.iter().enumerate() {
        for t in 0..LANES {
            tail[t] += xf * cr[f * LANES + t];
        }
    }
    let norms = &c.norms[b * LANES..(b + 1) * LANES];
    let mut out = [0.0; LANES];
    for t in 0..LANES {
        let a = (acc[0][t] + acc[1][t]) + (acc[2][t] + acc[3][t]) + tail[t];
        out[t] = positive(xn + norms[t] - 2.0 * a);
    }
    out
}

/// `max(v, 0)` (rounding can take the product form slightly below zero).
#[inline(always)]
fn positive(v: f64) -> f64 {
    if v > 0.0 { v } else { 0.0 }
}

/// `|x - c_j|^2` for one centre, in the same form (and to the same bits) as [`sq_dists`].
#[inline]
pub(crate) fn sq_dist_to(x: &[f64], xn: f64, c: &Centres, j: usize) -> f64 {
    positive(xn + c.norms[j] - 2.0 * dot(x, c.row(j)))
}

/// Index of the smallest of the first `k` entries, its value and the second smallest value
/// (infinity when `k = 1`); ties go to the lower index.
#[inline]
pub(crate) fn nearest_two(dists: &[f64], k: usize) -> (usize, f64, f64) {
    let (mut best, mut d1, mut d2) = (0, f64::INFINITY, f64::INFINITY);
    for (j, &v) in dists[..k].iter().enumerate() {
        if v < d1 {
            d2 = d1;
            d1 = v;
            best = j;
        } else if v < d2 {
            d2 = v;
        }
    }
    (best, d1, d2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_form_matches_differences() {
        // 11 centres: full register blocks and three taken one at a time.
        let d = 5;
        let c: Vec<f64> = (0..11 * d)
            .map(|i| ((i * 37) % 17) as f64 * 0.3 - 2.0)
            .collect();
        let cs = Centres::new(c.clone(), d);
        let x = [0.5, -1.0, 2.0, 0.25, -0.75];
        let mut out = cs.scratch();
        sq_dists(&x, dot(&x, &x), &cs, &mut out);
        for j in 0..11 {
            let want = sq_dist(&x, &c[j * d..(j + 1) * d]);
            assert!((out[j] - want).abs() < 1e-12, "{j}: {} vs {want}", out[j]);
            // Blocked and one at a time: the same association, the same bits.
            assert_eq!(sq_dist_to(&x, dot(&x, &x), &cs, j), out[j], "{j}");
        }
        let (j, d1, d2) = nearest_two(&out, 11);
        let mut sorted = out[..11].to_vec();
        sorted.sort_by(f64::total_cmp);
        assert_eq!((d1, d2), (sorted[0], sorted[1]));
        assert_eq!(out[j], d1);
    }
}
