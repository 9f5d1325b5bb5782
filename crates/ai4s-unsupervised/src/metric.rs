//! Euclidean sums over features with one fixed association, shared by k-means and DBSCAN.
//!
//! Every sum over features runs four partial sums (features `f = 0, 1, 2, 3 mod 4`, the
//! remainder in a fifth) combined as `(s0 + s1) + (s2 + s3) + tail`: the additions do not wait
//! on each other and the compiler vectorises them. Because rounding is monotone and the
//! association is the same for every sum, a bound built from per-feature bounds (the distance
//! from a point to a box, the diameter of a box) compares with the computed distances exactly
//! as the true values do, which is what lets DBSCAN's indexes prune without changing a single
//! neighbourhood.

/// `sum_f term(a_f, b_f, c_f)` with the fixed association (`b` and `c` at least as long as `a`).
#[inline(always)]
fn sum4(a: &[f64], b: &[f64], c: &[f64], term: impl Fn(f64, f64, f64) -> f64) -> f64 {
    let d = a.len();
    let (ca, ra) = a.as_chunks::<4>();
    let (cb, rb) = b[..d].as_chunks::<4>();
    let (cc, rc) = c[..d].as_chunks::<4>();
    let mut acc = [0.0f64; 4];
    for ((x, y), z) in ca.iter().zip(cb).zip(cc) {
        for t in 0..4 {
            acc[t] += term(x[t], y[t], z[t]);
        }
    }
    let mut tail = 0.0;
    for ((x, y), z) in ra.iter().zip(rb).zip(rc) {
        tail += term(*x, *y, *z);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `max(a, b)` for numbers (the data are checked finite), one instruction.
#[inline(always)]
fn max(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// `a . b`.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    sum4(a, b, b, |x, y, _| x * y)
}

/// `|a - b|^2`.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    sum4(a, b, b, |x, y, _| (x - y) * (x - y))
}

/// Whether `sq_dist(a, b) <= limit`, stopping early once the partial sums exceed `limit`
/// (they only grow, and so does every rounded sum of them: the answer is the same).
#[inline]
pub(crate) fn within(a: &[f64], b: &[f64], limit: f64) -> bool {
    let d = a.len();
    let (ca, ra) = a.as_chunks::<4>();
    let (cb, rb) = b[..d].as_chunks::<4>();
    let mut acc = [0.0f64; 4];
    for (c, (x, y)) in ca.iter().zip(cb).enumerate() {
        for t in 0..4 {
            acc[t] += (x[t] - y[t]) * (x[t] - y[t]);
        }
        if c % 2 == 1 && (acc[0] + acc[1]) + (acc[2] + acc[3]) > limit {
            return false;
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += (x - y) * (x - y);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail <= limit
}

/// Lower bound on `sq_dist(p, q)` for every `q` in the box `[lo, hi]`, as computed.
#[inline]
pub(crate) fn box_min_sq_dist(p: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    // At most one of the two differences is positive.
    sum4(p, lo, hi, |x, l, h| {
        let g = max(max(l - x, x - h), 0.0);
        g * g
    })
}

/// Upper bound on `sq_dist(p, q)` for every `q` in the box `[lo, hi]`, as computed.
#[inline]
pub(crate) fn box_max_sq_dist(p: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    sum4(p, lo, hi, |x, l, h| {
        let g = max((x - l).abs(), (h - x).abs());
        g * g
    })
}

/// Lower bound on `sq_dist(p, q)` for `p` in box `a` and `q` in box `b`, as computed.
#[inline]
pub(crate) fn box_box_min_sq_dist(alo: &[f64], ahi: &[f64], blo: &[f64], bhi: &[f64]) -> f64 {
    let d = alo.len();
    let (ahi, blo, bhi) = (&ahi[..d], &blo[..d], &bhi[..d]);
    let gap = |f: usize| max(max(blo[f] - ahi[f], alo[f] - bhi[f]), 0.0);
    // The association of `sum4`, written out for four inputs.
    let full = d / 4 * 4;
    let mut acc = [0.0f64; 4];
    for f in (0..full).step_by(4) {
        for (t, a) in acc.iter_mut().enumerate() {
            *a += gap(f + t) * gap(f + t);
        }
    }
    let mut tail = 0.0;
    for f in full..d {
        tail += gap(f) * gap(f);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn box_bounds_hold_for_computed_distances() {
        let mut rng = StdRng::seed_from_u64(5);
        for d in [1, 2, 3, 4, 7, 16] {
            for _ in 0..200 {
                // Coarse coordinates so that ties and equal bounds occur.
                let mut draw = || {
                    (0..d)
                        .map(|_| rng.random_range(-4..5) as f64 * 0.1)
                        .collect()
                };
                let (a, b, c): (Vec<f64>, Vec<f64>, Vec<f64>) = (draw(), draw(), draw());
                let lo: Vec<f64> = b.iter().zip(&c).map(|(x, y)| x.min(*y)).collect();
                let hi: Vec<f64> = b.iter().zip(&c).map(|(x, y)| x.max(*y)).collect();
                for q in [&b, &c] {
                    let s = sq_dist(&a, q);
                    assert!(box_min_sq_dist(&a, &lo, &hi) <= s);
                    assert!(box_max_sq_dist(&a, &lo, &hi) >= s);
                    assert!(box_box_min_sq_dist(&a, &a, &lo, &hi) <= s);
                    assert_eq!(s, sq_dist(q, &a));
                    for limit in [s, s * (1.0 - 1e-15), 0.5 * s, 2.0 * s] {
                        assert_eq!(within(&a, q, limit), s <= limit);
                    }
                }
                assert_eq!(sq_dist(&b, &c), box_max_sq_dist(&lo, &lo, &hi));
            }
        }
        assert_eq!(dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5]), 15.0);
    }
}
