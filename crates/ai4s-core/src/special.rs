//! Special functions: the error function and its complement in double precision (used by
//! the diffusion profiles of `isotope-diffusion`; any Gaussian tail or erfc solution).
//!
//! - `|x| < 2`: the everywhere-positive series
//!   `erf x = (2 / sqrt(pi)) e^{-x^2} sum_{n>=0} 2^n x^{2n+1} / (1 3 5 ... (2n+1))`
//!   (Abramowitz & Stegun 7.1.6), summed until a term falls below `1e-17` of the sum; without
//!   alternating signs nothing cancels, and `erfc = 1 - erf`.
//! - `|x| >= 2`: the continued fraction
//!   `erfc x = e^{-x^2} / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...)))))`
//!   (A&S 7.1.14), evaluated backwards from 80 levels, and `erf = 1 - erfc`.
//!
//! Accuracy against a reference double-precision implementation (C's `erf`/`erfc`) on
//! `[-6, 6]` in steps of 0.01 and the tail up to 33: `erf` within `8e-16` absolute, `erfc`
//! within `4e-13` relative (just below 2, `1 - erf` loses the leading digits; deep in the tail
//! the rounding of `x^2` in `e^{-x^2}` does). Odd symmetry `erf(-x) = -erf(x)` and
//! `erfc(-x) = 2 - erfc(x)` extend both to negative arguments.

use std::f64::consts::PI;

/// Where the series hands over to the continued fraction.
const SWITCH: f64 = 2.0;
/// Levels of the continued fraction (converged to rounding for `x >= 2`).
const LEVELS: usize = 80;

/// The error function `erf(x) = (2 / sqrt(pi)) int_0^x e^{-t^2} dt`.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let a = x.abs();
    let v = if a < SWITCH {
        series(a)
    } else {
        1.0 - continued_fraction(a)
    };
    v.copysign(x)
}

/// The complementary error function `erfc(x) = 1 - erf(x)`, accurate in relative terms in the
/// tail (`erfc(5) = 1.5375e-12`).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let a = x.abs();
    let tail = if a < SWITCH {
        1.0 - series(a)
    } else {
        continued_fraction(a)
    };
    if x < 0.0 { 2.0 - tail } else { tail }
}

/// `erf(a)` for `0 <= a < 2` from the positive series.
fn series(a: f64) -> f64 {
    if a == 0.0 {
        return 0.0;
    }
    let (mut term, mut sum) = (a, a);
    let mut n = 0.0;
    while term > 1e-17 * sum {
        n += 1.0;
        term *= 2.0 * a * a / (2.0 * n + 1.0);
        sum += term;
    }
    2.0 / PI.sqrt() * (-a * a).exp() * sum
}

/// `erfc(a)` for `a >= 2` from the continued fraction.
fn continued_fraction(a: f64) -> f64 {
    let mut f = a;
    for n in (1..=LEVELS).rev() {
        f = a + 0.5 * n as f64 / f;
    }
    (-a * a).exp() / (PI.sqrt() * f)
}
