//! Minimisation without derivatives.
//!
//! Golden-section search (Kiefer 1953; Press et al., *Numerical Recipes*, 3rd ed., sec. 10.2):
//! for a function unimodal on `[a, b]`, keep two interior points at the golden ratio
//! `r = (sqrt 5 - 1) / 2` of the bracket and drop the side whose interior value is larger; each
//! step shrinks the bracket by `r` and costs one evaluation. Used where a scalar parameter is
//! fitted by minimising a smooth objective: a calibration temperature, a diffusivity.
//!
//! The Nelder-Mead downhill simplex in several dimensions (Nelder & Mead 1965; the standard
//! coefficients reflection 1, expansion 2, contraction 1/2, shrink 1/2, as in *Numerical
//! Recipes*, sec. 10.5), for objectives that are cheap but not smooth enough for gradients
//! (pixelised, clipped): the parametric fits of the classical lens finder.

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

/// The best point and value after at most `max_evals` evaluations of `f`, starting from the
/// simplex `x0`, `x0 + step_i e_i`; stops early when the values of the simplex span less than
/// `ftol` (absolute).
pub fn nelder_mead(
    f: impl Fn(&[f64]) -> f64,
    x0: &[f64],
    step: &[f64],
    max_evals: usize,
    ftol: f64,
) -> (Vec<f64>, f64) {
    let d = x0.len();
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut pts: Vec<Vec<f64>> = (0..=d)
        .map(|i| {
            let mut p = x0.to_vec();
            if i > 0 {
                p[i - 1] += step[i - 1];
            }
            p
        })
        .collect();
    let mut vals: Vec<f64> = pts.iter().map(|p| eval(p)).collect();
    let mut evals = d + 1;
    let along = |c: &[f64], p: &[f64], t: f64| -> Vec<f64> {
        c.iter().zip(p).map(|(ci, pi)| ci + t * (pi - ci)).collect()
    };
    while evals < max_evals {
        let mut order: Vec<usize> = (0..=d).collect();
        order.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = order.iter().map(|&i| pts[i].clone()).collect();
        vals = order.iter().map(|&i| vals[i]).collect();
        if (vals[d] - vals[0]).abs() <= ftol {
            break;
        }
        // Centroid of all points but the worst.
        let mut c = vec![0.0; d];
        for p in &pts[..d] {
            for (ci, pi) in c.iter_mut().zip(p) {
                *ci += pi / d as f64;
            }
        }
        let xr = along(&c, &pts[d], -1.0);
        let fr = eval(&xr);
        evals += 1;
        if fr < vals[0] {
            let xe = along(&c, &pts[d], -2.0);
            let fe = eval(&xe);
            evals += 1;
            (pts[d], vals[d]) = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < vals[d - 1] {
            (pts[d], vals[d]) = (xr, fr);
        } else {
            // Contract towards the better of the worst point and its reflection.
            let (towards, f_towards) = if fr < vals[d] {
                (xr, fr)
            } else {
                (pts[d].clone(), vals[d])
            };
            let xc = along(&c, &towards, 0.5);
            let fc = eval(&xc);
            evals += 1;
            if fc < f_towards {
                (pts[d], vals[d]) = (xc, fc);
            } else {
                for i in 1..=d {
                    pts[i] = along(&pts[0], &pts[i], 0.5);
                    vals[i] = eval(&pts[i]);
                }
                evals += d;
            }
        }
    }
    let best = (0..=d)
        .min_by(|&a, &b| vals[a].total_cmp(&vals[b]))
        .unwrap_or(0);
    (pts[best].clone(), vals[best])
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

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, v) = nelder_mead(rosen, &[-1.2, 1.0], &[0.5, 0.5], 5000, 1e-14);
        assert!(v < 1e-8, "value {v}");
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
        let bowl = |x: &[f64]| {
            x.iter()
                .enumerate()
                .map(|(i, v)| (i + 1) as f64 * (v - 0.3).powi(2))
                .sum::<f64>()
        };
        let (x, _) = nelder_mead(bowl, &[0.0; 5], &[0.2; 5], 5000, 1e-16);
        assert!(x.iter().all(|v| (v - 0.3).abs() < 1e-4), "{x:?}");
    }
}
