//! Fourier transforms on the periodic `n x n` grid: an iterative radix-2 FFT (Cooley & Tukey
//! 1965) applied to rows then columns, the wavenumbers of each coefficient, the 2/3-rule
//! dealiasing mask (Orszag 1971), and truncation / zero-padding between grids, which is
//! trigonometric interpolation.
//!
//! Coefficients are normalised so that `f(x, y) = sum_k f_k exp(i (k_x x + k_y y))` on the
//! domain `[0, 2 pi)^2`: [`Fft2::forward`] divides by `n^2`, [`Fft2::inverse`] does not. With
//! that normalisation a field keeps its coefficients when it moves to a coarser or finer grid.
//! Arrays are row-major, index `iy * n + ix` (rows are `y`).

use std::ops::{Add, Mul, Sub};

/// A complex number (just what the transforms and the model need).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct C64 {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl C64 {
    /// `re + i im`.
    pub const fn new(re: f64, im: f64) -> Self {
        C64 { re, im }
    }

    /// `self * s` for real `s`.
    pub fn scale(self, s: f64) -> Self {
        C64::new(self.re * s, self.im * s)
    }

    /// `i s self`: multiplication by an imaginary number (a derivative in Fourier space).
    pub fn times_i(self, s: f64) -> Self {
        C64::new(-self.im * s, self.re * s)
    }

    /// `|z|^2`.
    pub fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }

    fn conj(self) -> Self {
        C64::new(self.re, -self.im)
    }
}

impl Add for C64 {
    type Output = C64;
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for C64 {
    type Output = C64;
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for C64 {
    type Output = C64;
    fn mul(self, o: C64) -> C64 {
        C64::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

/// The 2-D transform of an `n x n` grid, `n` a power of two.
#[derive(Clone, Debug)]
pub struct Fft2 {
    n: usize,
    /// `exp(-2 pi i j / n)` for `j < n / 2`.
    twiddle: Vec<C64>,
    /// Bit-reversed index of each position.
    rev: Vec<usize>,
    /// Signed wavenumber of each index along one axis (`n / 2` maps to `-n / 2`).
    k: Vec<f64>,
}

impl Fft2 {
    /// The transform for an `n x n` grid; `None` unless `n` is a power of two >= 4.
    pub fn new(n: usize) -> Option<Self> {
        if n < 4 || !n.is_power_of_two() {
            return None;
        }
        let bits = n.trailing_zeros();
        let twiddle = (0..n / 2)
            .map(|j| {
                let a = -2.0 * std::f64::consts::PI * j as f64 / n as f64;
                C64::new(a.cos(), a.sin())
            })
            .collect();
        let rev = (0..n)
            .map(|i| i.reverse_bits() >> (usize::BITS - bits))
            .collect();
        let k = (0..n)
            .map(|i| {
                if i < n / 2 {
                    i as f64
                } else {
                    i as f64 - n as f64
                }
            })
            .collect();
        Some(Fft2 { n, twiddle, rev, k })
    }

    /// Grid points per side.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Signed wavenumber of index `i` along one axis.
    pub fn wavenumber(&self, i: usize) -> f64 {
        self.k[i]
    }

    /// In-place 1-D forward DFT (no scaling) of `a` (length `n`).
    fn fft1(&self, a: &mut [C64]) {
        let n = self.n;
        for i in 0..n {
            let j = self.rev[i];
            if i < j {
                a.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let step = n / len;
            for start in (0..n).step_by(len) {
                for j in 0..len / 2 {
                    let w = self.twiddle[j * step];
                    let u = a[start + j];
                    let v = a[start + j + len / 2] * w;
                    a[start + j] = u + v;
                    a[start + j + len / 2] = u - v;
                }
            }
            len *= 2;
        }
    }

    /// Unscaled 2-D forward DFT in place.
    fn fft2(&self, a: &mut [C64]) {
        let n = self.n;
        for row in a.chunks_mut(n) {
            self.fft1(row);
        }
        let mut col = vec![C64::default(); n];
        for ix in 0..n {
            for iy in 0..n {
                col[iy] = a[iy * n + ix];
            }
            self.fft1(&mut col);
            for iy in 0..n {
                a[iy * n + ix] = col[iy];
            }
        }
    }

    /// Coefficients `f_k` of a real field (normalised: divided by `n^2`).
    pub fn forward(&self, field: &[f64]) -> Vec<C64> {
        let mut a: Vec<C64> = field.iter().map(|&v| C64::new(v, 0.0)).collect();
        self.fft2(&mut a);
        let s = 1.0 / (self.n * self.n) as f64;
        a.iter_mut().for_each(|z| *z = z.scale(s));
        a
    }

    /// The real field `sum_k f_k exp(i k.x)` on the grid (imaginary parts, zero for Hermitian
    /// coefficients, are dropped).
    pub fn inverse(&self, coef: &[C64]) -> Vec<f64> {
        let mut a: Vec<C64> = coef.iter().map(|z| z.conj()).collect();
        self.fft2(&mut a);
        a.iter().map(|z| z.re).collect()
    }

    /// Whether index `(ix, iy)` survives the 2/3 rule: `|k_x|, |k_y| < n / 3`.
    pub fn resolved(&self, ix: usize, iy: usize) -> bool {
        let cut = self.n as f64 / 3.0;
        self.k[ix].abs() < cut && self.k[iy].abs() < cut
    }
}

/// Moves coefficients from an `n_from` grid to an `n_to` grid: modes present on both keep their
/// value, the others are dropped (truncation) or zero (padding); the Nyquist row and column of
/// the smaller grid are dropped.
pub fn regrid(coef: &[C64], n_from: usize, n_to: usize) -> Vec<C64> {
    let mut out = vec![C64::default(); n_to * n_to];
    let half = n_from.min(n_to) / 2;
    let index = |k: isize, n: usize| -> usize {
        if k >= 0 {
            k as usize
        } else {
            (n as isize + k) as usize
        }
    };
    for ky in -(half as isize - 1)..half as isize {
        for kx in -(half as isize - 1)..half as isize {
            out[index(ky, n_to) * n_to + index(kx, n_to)] =
                coef[index(ky, n_from) * n_from + index(kx, n_from)];
        }
    }
    out
}
