//! The classical restorations, both given the PSF and the noise level:
//!
//! - Wiener filtering (Wiener 1949): `U = conj(P) D / (|P|^2 + lambda)` in Fourier space, with
//!   a constant `lambda` standing for the inverse signal-to-noise ratio of the power spectra;
//!   `lambda = 0` is the inverse filter. Note `U(0) = D(0) / (1 + lambda)`: the regularised
//!   filter loses the fraction `lambda / (1 + lambda)` of the flux.
//! - Richardson-Lucy deconvolution (Richardson 1972; Lucy 1974), the maximum-likelihood
//!   iteration for Poisson data, `u <- u (P_flipped * (d / (P * u + b)))`. With `b = 0` and a
//!   PSF of unit sum every iterate is non-negative and keeps the data's flux exactly:
//!   `sum_j u_j sum_i P_ij d_i / (P u)_i = sum_i d_i`. Here `d` is the sky-subtracted
//!   observation plus `b = (sky + read^2) / gain` (Snyder, Hammoud & White 1993: adding `read^2`
//!   makes the Gaussian read noise approximately Poisson), starting from a flat image.
//!
//! Both are tuned fairly: on the validation images of each noise level, Wiener's `lambda` on a
//! log grid and Richardson-Lucy's iteration count (it amplifies noise when run to convergence)
//! are chosen to maximise the mean PSNR, then applied unchanged to the test images.

use super::quality::psnr;
use super::simulate::{Camera, Observation};
use ai4s_core::fft::{Complex, Fft2};
use ai4s_core::parallel::par_map;
use ai4s_core::progress::Progress;

/// Wiener deconvolution of `data` with regularisation `lambda`.
pub fn wiener(fft: &Fft2, otf: &[Complex], data: &[f64], lambda: f64) -> Vec<f64> {
    wiener_from(fft, otf, &fft.forward(data), lambda)
}

fn wiener_from(fft: &Fft2, otf: &[Complex], coef: &[Complex], lambda: f64) -> Vec<f64> {
    let u: Vec<Complex> = coef
        .iter()
        .zip(otf)
        .map(|(d, p)| (p.conj() * *d).scale(1.0 / (p.norm_sqr() + lambda)))
        .collect();
    fft.inverse(&u)
}

/// Wiener deconvolution plus the constant that restores the data's total flux
/// (`sum u = sum d`): the base image the U-Net corrects.
pub fn wiener_flux_matched(fft: &Fft2, otf: &[Complex], data: &[f64], lambda: f64) -> Vec<f64> {
    let mut u = wiener(fft, otf, data, lambda);
    let shift = (data.iter().sum::<f64>() - u.iter().sum::<f64>()) / u.len().max(1) as f64;
    for v in &mut u {
        *v += shift;
    }
    u
}

/// `iterations` Richardson-Lucy steps on `data` (clamped at zero after adding the background
/// `background`), from a flat image of the data's flux; `each(k, u)` sees the iterate after
/// step `k` (1-based).
pub fn richardson_lucy(
    fft: &Fft2,
    otf: &[Complex],
    data: &[f64],
    background: f64,
    iterations: usize,
    mut each: impl FnMut(usize, &[f64]),
) -> Vec<f64> {
    let [u, _] = richardson_lucy_pair(
        fft,
        otf,
        [data, data],
        [background; 2],
        iterations,
        |k, [u, _]| each(k, u),
    );
    u
}

/// [`richardson_lucy`] on two images at once, their transforms shared
/// ([`Fft2::filter_pair`]); `each(k, [u_a, u_b])`.
pub fn richardson_lucy_pair(
    fft: &Fft2,
    otf: &[Complex],
    data: [&[f64]; 2],
    background: [f64; 2],
    iterations: usize,
    mut each: impl FnMut(usize, [&[f64]; 2]),
) -> [Vec<f64>; 2] {
    let d: [Vec<f64>; 2] = std::array::from_fn(|j| {
        data[j]
            .iter()
            .map(|v| (v + background[j]).max(0.0))
            .collect()
    });
    let px = d[0].len() as f64;
    let flux: [f64; 2] =
        std::array::from_fn(|j| (d[j].iter().sum::<f64>() - background[j] * px).max(1e-12));
    let floor: [f64; 2] = std::array::from_fn(|j| 1e-12 * (flux[j] / px).max(background[j]));
    let mut u: [Vec<f64>; 2] = std::array::from_fn(|j| vec![flux[j] / px; d[j].len()]);
    for k in 1..=iterations {
        let (ma, mb) = fft.filter_pair(&u[0], &u[1], otf, false);
        let ratio = |j: usize, model: &[f64]| -> Vec<f64> {
            d[j].iter()
                .zip(model)
                .map(|(d, m)| d / (m + background[j]).max(floor[j]))
                .collect()
        };
        let (ba, bb) = fft.filter_pair(&ratio(0, &ma), &ratio(1, &mb), otf, true);
        for (uj, back) in u.iter_mut().zip([ba, bb]) {
            for (u, b) in uj.iter_mut().zip(&back) {
                *u = (*u * b).max(0.0);
            }
        }
        each(k, [&u[0], &u[1]]);
    }
    u
}

/// Richardson-Lucy restorations of `observations`, `iterations[l]` steps at noise level `l`,
/// two images of a level at a time, on every core.
pub fn restore_rl(
    cam: &Camera,
    observations: &[&Observation],
    iterations: &[usize],
    bar: Option<&mut Progress>,
) -> Vec<Vec<f64>> {
    let pairs = pair_up(observations.len(), |i| observations[i].level);
    let done = par_map(pairs.len(), bar, |p| {
        let (a, b) = pairs[p];
        let (oa, ob) = (observations[a], observations[b]);
        richardson_lucy_pair(
            &cam.fft,
            &cam.otf,
            [&oa.data, &ob.data],
            [rl_background(cam, oa), rl_background(cam, ob)],
            iterations[oa.level],
            |_, _| {},
        )
    });
    let mut out = vec![Vec::new(); observations.len()];
    for ((a, b), [ua, ub]) in pairs.into_iter().zip(done) {
        out[b] = ub;
        out[a] = ua;
    }
    out
}

/// Indices `0..n` in pairs of the same `group` (consecutive in order), a lone index paired with
/// itself.
fn pair_up(n: usize, group: impl Fn(usize) -> usize) -> Vec<(usize, usize)> {
    let mut pairs = Vec::with_capacity(n.div_ceil(2));
    let mut open: Vec<Option<usize>> = Vec::new();
    for i in 0..n {
        let g = group(i);
        if open.len() <= g {
            open.resize(g + 1, None);
        }
        match open[g].take() {
            Some(j) => pairs.push((j, i)),
            None => open[g] = Some(i),
        }
    }
    pairs.extend(open.into_iter().flatten().map(|i| (i, i)));
    pairs
}

/// The background `b` of Richardson-Lucy's model for an observation.
pub fn rl_background(cam: &Camera, obs: &Observation) -> f64 {
    (cam.sky + cam.read * cam.read) / obs.gain
}

/// `lambdas` log-spaced over `[lo, hi]`.
pub fn log_grid(lo: f64, hi: f64, steps: usize) -> Vec<f64> {
    if steps <= 1 {
        return vec![lo];
    }
    (0..steps)
        .map(|k| (lo.ln() + (hi.ln() - lo.ln()) * k as f64 / (steps - 1) as f64).exp())
        .collect()
}

/// The `lambda` of `grid` with the best mean PSNR on `val`, and the mean PSNR of each.
pub fn tune_wiener(cam: &Camera, val: &[&Observation], grid: &[f64]) -> (f64, Vec<f64>) {
    let mut mean = vec![0.0; grid.len()];
    for obs in val {
        let coef = cam.fft.forward(&obs.data);
        for (m, &l) in mean.iter_mut().zip(grid) {
            *m += psnr(&wiener_from(&cam.fft, &cam.otf, &coef, l), &obs.truth, 1.0);
        }
    }
    for m in &mut mean {
        *m /= val.len().max(1) as f64;
    }
    (grid[argmax(&mean)], mean)
}

/// The Richardson-Lucy iteration count in `1..=max_iterations` with the best mean PSNR on
/// `val`, and the mean PSNR after each iteration.
pub fn tune_rl(cam: &Camera, val: &[&Observation], max_iterations: usize) -> (usize, Vec<f64>) {
    let pairs = pair_up(val.len(), |_| 0);
    let curves = par_map(pairs.len(), None, |p| {
        let (oa, ob) = (val[pairs[p].0], val[pairs[p].1]);
        let mut curve = vec![0.0; max_iterations];
        let weight = if pairs[p].0 == pairs[p].1 { 0.0 } else { 1.0 };
        richardson_lucy_pair(
            &cam.fft,
            &cam.otf,
            [&oa.data, &ob.data],
            [rl_background(cam, oa), rl_background(cam, ob)],
            max_iterations,
            |k, [ua, ub]| {
                curve[k - 1] = psnr(ua, &oa.truth, 1.0) + weight * psnr(ub, &ob.truth, 1.0);
            },
        );
        curve
    });
    let mut mean = vec![0.0; max_iterations];
    for c in &curves {
        for (m, v) in mean.iter_mut().zip(c) {
            *m += v / val.len().max(1) as f64;
        }
    }
    (argmax(&mean) + 1, mean)
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}
