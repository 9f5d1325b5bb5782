//! The lens and its light: the singular isothermal ellipsoid with external shear, Sersic
//! profiles, ray shooting through the lens equation on a supersampled pixel grid, and the
//! Gaussian point-spread function.

use std::f64::consts::PI;

/// A singular isothermal ellipsoid (SIE), Kormann, Schneider & Bartelmann (1994), with
/// convergence `kappa = theta_E / (2 sqrt(q x'^2 + y'^2 / q))` in the frame `(x', y')` rotated to
/// its major axis: the mean convergence inside the critical curve (the isodensity ellipse
/// `kappa = 1/2`, of area `pi theta_E^2`) is one. `q = 1` is the singular isothermal sphere.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sie {
    /// Einstein radius, arcsec.
    pub theta_e: f64,
    /// Axis ratio of the isodensity contours, `0 < q <= 1`.
    pub q: f64,
    /// Position angle of the major axis, radians from the x axis.
    pub angle: f64,
    /// Centre, arcsec.
    pub centre: [f64; 2],
}

impl Sie {
    /// Deflection `alpha(x, y)` in arcsec (Keeton 2001, eq. for the SIE with zero core):
    /// `alpha_x' = theta_E sqrt(q) / f atan(f x' / psi)`,
    /// `alpha_y' = theta_E sqrt(q) / f atanh(f y' / psi)`, `f = sqrt(1 - q^2)`,
    /// `psi = sqrt(q^2 x'^2 + y'^2)`; for the sphere `alpha = theta_E (x, y) / r`.
    pub fn deflection(&self, x: f64, y: f64) -> [f64; 2] {
        let (dx, dy) = (x - self.centre[0], y - self.centre[1]);
        let (s, c) = self.angle.sin_cos();
        let (xp, yp) = (c * dx + s * dy, -s * dx + c * dy);
        let r2 = xp * xp + yp * yp;
        if r2 < 1e-24 {
            return [0.0, 0.0];
        }
        let f2 = 1.0 - self.q * self.q;
        let (ax, ay) = if f2 < 1e-8 {
            let r = r2.sqrt();
            (self.theta_e * xp / r, self.theta_e * yp / r)
        } else {
            let f = f2.sqrt();
            let psi = (self.q * self.q * xp * xp + yp * yp).sqrt();
            let k = self.theta_e * self.q.sqrt() / f;
            // |f y' / psi| < 1 away from the centre; the clamp guards rounding on the y axis.
            let t = (f * yp / psi).clamp(-1.0 + 1e-15, 1.0 - 1e-15);
            (k * (f * xp / psi).atan(), k * t.atanh())
        };
        [c * ax - s * ay, s * ax + c * ay]
    }

    /// Convergence `kappa(x, y)`.
    pub fn convergence(&self, x: f64, y: f64) -> f64 {
        let (dx, dy) = (x - self.centre[0], y - self.centre[1]);
        let (s, c) = self.angle.sin_cos();
        let (xp, yp) = (c * dx + s * dy, -s * dx + c * dy);
        self.theta_e / (2.0 * (self.q * xp * xp + yp * yp / self.q).sqrt())
    }
}

/// The lens: an SIE plus external shear `(gamma_1, gamma_2)` (potential
/// `psi = gamma_1 (x^2 - y^2) / 2 + gamma_2 x y` about the lens centre).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lens {
    /// The mass.
    pub sie: Sie,
    /// External shear `[gamma_1, gamma_2]`.
    pub shear: [f64; 2],
}

impl Lens {
    /// Total deflection at `(x, y)`.
    pub fn deflection(&self, x: f64, y: f64) -> [f64; 2] {
        let [ax, ay] = self.sie.deflection(x, y);
        let (dx, dy) = (x - self.sie.centre[0], y - self.sie.centre[1]);
        let [g1, g2] = self.shear;
        [ax + g1 * dx + g2 * dy, ay + g2 * dx - g1 * dy]
    }

    /// The lens equation: source-plane position `beta = theta - alpha(theta)`.
    pub fn source_position(&self, x: f64, y: f64) -> [f64; 2] {
        let [ax, ay] = self.deflection(x, y);
        [x - ax, y - ay]
    }
}

/// A Sersic profile `I(R) = I_e exp(-b_n [(R / R_e)^(1/n) - 1])` with elliptical radius
/// `R = sqrt(q x'^2 + y'^2 / q)` (the ellipse through `R` has area `pi R^2`, so the total flux is
/// that of the circular profile, `2 pi n I_e R_e^2 e^{b_n} b_n^{-2n} Gamma(2n)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sersic {
    /// Surface brightness at the half-light radius (flux per arcsec^2).
    pub amplitude: f64,
    /// Half-light radius, arcsec.
    pub r_e: f64,
    /// Sersic index.
    pub n: f64,
    /// Axis ratio.
    pub q: f64,
    /// Position angle of the major axis, radians.
    pub angle: f64,
    /// Centre, arcsec.
    pub centre: [f64; 2],
}

/// `b_n ~ 2n - 1/3 + 0.009876/n` (Prugniel & Simien 1997), so that `R_e` encloses half the light.
pub fn sersic_b(n: f64) -> f64 {
    2.0 * n - 1.0 / 3.0 + 0.009_876 / n
}

impl Sersic {
    /// Surface brightness at `(x, y)`.
    pub fn intensity(&self, x: f64, y: f64) -> f64 {
        self.evaluator()(x, y)
    }

    /// The surface brightness as a function with the profile's constants computed once (for
    /// evaluating it on many pixels).
    pub fn evaluator(&self) -> impl Fn(f64, f64) -> f64 + use<> {
        let (s, c) = self.angle.sin_cos();
        let b = sersic_b(self.n);
        let (q, inv_q, inv_n) = (self.q, 1.0 / self.q, 1.0 / self.n);
        let inv_re2 = 1.0 / (self.r_e * self.r_e);
        let (amp, [cx, cy]) = (self.amplitude * b.exp(), self.centre);
        move |x, y| {
            let (dx, dy) = (x - cx, y - cy);
            let (xp, yp) = (c * dx + s * dy, -s * dx + c * dy);
            // (R / R_e)^(1/n) = exp(ln(R^2 / R_e^2) / 2n)
            let u2 = ((q * xp * xp + yp * yp * inv_q) * inv_re2).max(1e-24);
            amp * (-b * (0.5 * inv_n * u2.ln()).exp()).exp()
        }
    }

    /// Total flux for integer or half-integer `2n` (the cases the tests use): `Gamma(2n)` by
    /// recursion from `Gamma(1) = 1` and `Gamma(1/2) = sqrt(pi)`.
    pub fn total_flux(&self) -> f64 {
        let b = sersic_b(self.n);
        let two_n = 2.0 * self.n;
        let (mut g, mut z) = if (two_n - two_n.round()).abs() < 1e-12 {
            (1.0, 1.0)
        } else {
            (PI.sqrt(), 0.5)
        };
        while z + 0.5 < two_n {
            g *= z;
            z += 1.0;
        }
        2.0 * PI * self.n * self.amplitude * self.r_e * self.r_e * b.exp() * b.powf(-two_n) * g
    }
}

/// A square image grid centred on the origin; `y` points up (row 0 is the top row).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    /// Pixels per side.
    pub n: usize,
    /// Pixel size, arcsec.
    pub pixel: f64,
    /// Sub-pixels per side used to integrate each pixel.
    pub supersample: usize,
}

impl Grid {
    /// Sky position `(x, y)` of the centre of pixel `(row, col)`.
    pub fn position(&self, row: f64, col: f64) -> [f64; 2] {
        let h = self.n as f64 / 2.0;
        [(col + 0.5 - h) * self.pixel, (h - row - 0.5) * self.pixel]
    }

    /// Fractional `(row, col)` of sky position `(x, y)` (inverse of [`Grid::position`]).
    pub fn pixel_of(&self, x: f64, y: f64) -> [f64; 2] {
        let h = self.n as f64 / 2.0;
        [h - y / self.pixel - 0.5, x / self.pixel + h - 0.5]
    }

    /// Flux in every pixel (row-major) of a surface brightness `f(x, y)`: the mean over
    /// `supersample^2` sub-pixels times the pixel area.
    pub fn render(&self, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        (0..self.n * self.n)
            .map(|k| self.render_pixel((k / self.n) as f64, (k % self.n) as f64, &f))
            .collect()
    }

    /// Flux of `f` in pixel `(row, col)` on `supersample^2` sub-pixels.
    pub fn render_pixel(&self, row: f64, col: f64, f: impl Fn(f64, f64) -> f64) -> f64 {
        let ss = self.supersample.max(1);
        let sub = self.pixel / ss as f64;
        let [x0, y0] = self.position(row, col);
        let mut acc = 0.0;
        for a in 0..ss {
            let y = y0 + self.pixel / 2.0 - (a as f64 + 0.5) * sub;
            for b in 0..ss {
                let x = x0 - self.pixel / 2.0 + (b as f64 + 0.5) * sub;
                acc += f(x, y);
            }
        }
        acc * sub * sub
    }

    /// The image of `source` seen through `lens` (ray shooting: each sub-pixel ray is mapped by
    /// the lens equation to the source plane, where the source is sampled; surface brightness is
    /// conserved along rays).
    pub fn lensed(&self, lens: &Lens, source: &Sersic) -> Vec<f64> {
        let f = source.evaluator();
        self.render(|x, y| {
            let [bx, by] = lens.source_position(x, y);
            f(bx, by)
        })
    }
}

/// A normalised one-dimensional Gaussian kernel of standard deviation `sigma` pixels,
/// truncated at `4 sigma` (at least one tap each side).
pub fn gaussian_kernel(sigma: f64) -> Vec<f64> {
    let half = (4.0 * sigma).ceil().max(1.0) as i64;
    let k: Vec<f64> = (-half..=half)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let s: f64 = k.iter().sum();
    k.into_iter().map(|v| v / s).collect()
}

/// Separable convolution of the `n x n` image `img` with `kernel` along rows and columns
/// (zero outside the image, so only flux within a kernel half-width of an edge is lost).
pub fn convolve(img: &[f64], n: usize, kernel: &[f64]) -> Vec<f64> {
    let half = kernel.len() / 2;
    // Rows: pad each row with zeros and run the kernel over it.
    let mut padded = vec![0.0; n + 2 * half];
    let mut tmp = vec![0.0; n * n];
    for r in 0..n {
        padded[half..half + n].copy_from_slice(&img[r * n..(r + 1) * n]);
        for c in 0..n {
            tmp[r * n + c] = kernel
                .iter()
                .zip(&padded[c..c + kernel.len()])
                .map(|(w, v)| w * v)
                .sum();
        }
    }
    // Columns: accumulate shifted rows.
    let mut out = vec![0.0; n * n];
    for r in 0..n {
        let dst = &mut out[r * n..(r + 1) * n];
        for (t, w) in kernel.iter().enumerate() {
            let rr = r as isize + t as isize - half as isize;
            if rr < 0 || rr >= n as isize {
                continue;
            }
            let src = &tmp[rr as usize * n..(rr as usize + 1) * n];
            for (d, s) in dst.iter_mut().zip(src) {
                *d += w * s;
            }
        }
    }
    out
}
