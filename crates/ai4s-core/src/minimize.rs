//! One-dimensional minimisation without derivatives.
//!
//! Golden-section search (Kiefer 1953; Press et al., *Numerical Recipes*, 3rd ed., sec. 10.2):
//! for a function unimodal on `[a, b]`, keep two interior points at the golden ratio
//! `r = (sqrt 5 - 1) / 2` of the bracket and drop the side whose interior value is larger; each
//! step shrinks the bracket by `r` and costs one evaluation. Used where a scalar parameter is
//! fitted by minimising a smooth objective: a calibration temperature, a diffusivity.

/// The minimiser of `f` on `[a, b]` by golden-section search, to a bracket narrower than
/// `tol`; `f` should be unimodal there (otherwise a local minimum is returned).
pub fn golden_section(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> f64 {
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - r * (b - a);
    let mut d = a + r * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tol {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = f(d);
        }
    }
    0.5 * (a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_smooth_unimodal_functions() {
        let x = golden_section(|x| (x - 1.3).powi(2) + 2.0, -5.0, 5.0, 1e-9);
        assert!((x - 1.3).abs() < 1e-7, "{x}");
        // A smooth minimum is located to about sqrt(machine epsilon): the function is flat
        // to rounding within that distance. cosh has its minimum at 0; the bracket need not
        // be symmetric.
        let x = golden_section(f64::cosh, -0.7, 3.0, 1e-10);
        assert!(x.abs() < 1e-7, "{x}");
        // A minimum on the boundary: the search converges to it.
        let x = golden_section(|x| x, 2.0, 4.0, 1e-9);
        assert!((x - 2.0).abs() < 1e-8, "{x}");
    }
}
