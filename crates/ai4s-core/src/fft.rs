//! The discrete Fourier transform of `n x n` grids, `n` a power of two: the iterative radix-2
//! Cooley-Tukey FFT (Cooley & Tukey 1965) applied to every row, then every column.
//!
//! `F[k] = sum_j f[j] exp(-2 pi i k.j / n)` (no normalisation); the inverse divides by `n^2`.
//! Products of transforms are circular convolutions (the convolution theorem):
//! `(f * g)[j] = sum_m f[m] g[(j - m) mod n]` has transform `F G`, and the correlation
//! `sum_m f[m] g[(m - j) mod n]` (convolution with the flipped `g`) has `F conj(G)` for real `g`.
//! Grids are row-major, index `row * n + col`. Tasks that want another normalisation (spectral
//! coefficients of a periodic field, say) scale around [`Fft2::transform`].

use std::ops::{Add, Mul, Sub};

/// A complex number.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// `re + i im`.
    pub const fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }

    /// The complex conjugate.
    pub fn conj(self) -> Self {
        Complex::new(self.re, -self.im)
    }

    /// `|z|^2`.
    pub fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }

    /// `self * s` for real `s`.
    pub fn scale(self, s: f64) -> Self {
        Complex::new(self.re * s, self.im * s)
    }

    /// `i s self`: multiplication by an imaginary number (a derivative in Fourier space).
    pub fn times_i(self, s: f64) -> Self {
        Complex::new(-self.im * s, self.re * s)
    }
}

impl Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for Complex {
    type Output = Complex;
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

/// The 2-D FFT of `n x n` grids with its twiddle factors and bit-reversal table.
#[derive(Clone, Debug)]
pub struct Fft2 {
    n: usize,
    /// `exp(-2 pi i j / n)` for `j < n / 2`.
    twiddle: Vec<Complex>,
    /// Bit-reversed index of each position.
    rev: Vec<usize>,
}

impl Fft2 {
    /// The transform of `n x n` images, or `None` unless `n` is a power of two (at least 2).
    pub fn new(n: usize) -> Option<Self> {
        if n < 2 || !n.is_power_of_two() {
            return None;
        }
        let bits = n.trailing_zeros();
        let twiddle = (0..n / 2)
            .map(|j| {
                let a = -2.0 * std::f64::consts::PI * j as f64 / n as f64;
                Complex::new(a.cos(), a.sin())
            })
            .collect();
        let rev = (0..n)
            .map(|i| i.reverse_bits() >> (usize::BITS - bits))
            .collect();
        Some(Fft2 { n, twiddle, rev })
    }

    /// Pixels per side.
    pub fn n(&self) -> usize {
        self.n
    }

    /// In-place 1-D transform of `a` (length `n`), forward or with conjugated twiddles.
    fn fft1(&self, a: &mut [Complex], inverse: bool) {
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
                for k in 0..len / 2 {
                    let w = self.twiddle[k * step];
                    let w = if inverse { w.conj() } else { w };
                    let u = a[start + k];
                    let v = a[start + k + len / 2] * w;
                    a[start + k] = u + v;
                    a[start + k + len / 2] = u - v;
                }
            }
            len *= 2;
        }
    }

    /// Unscaled transform in place, rows then columns: forward, or with `inverse` the
    /// conjugated twiddles (the inverse times `n^2`).
    pub fn transform(&self, a: &mut [Complex], inverse: bool) {
        let n = self.n;
        for row in a.chunks_mut(n) {
            self.fft1(row, inverse);
        }
        let mut col = vec![Complex::default(); n];
        for c in 0..n {
            for r in 0..n {
                col[r] = a[r * n + c];
            }
            self.fft1(&mut col, inverse);
            for r in 0..n {
                a[r * n + c] = col[r];
            }
        }
    }

    /// Transform of a real image.
    pub fn forward(&self, image: &[f64]) -> Vec<Complex> {
        let mut a: Vec<Complex> = image.iter().map(|&v| Complex::new(v, 0.0)).collect();
        self.transform(&mut a, false);
        a
    }

    /// Real part of the inverse transform (divided by `n^2`).
    pub fn inverse(&self, coef: &[Complex]) -> Vec<f64> {
        let mut a = coef.to_vec();
        self.transform(&mut a, true);
        let s = 1.0 / (self.n * self.n) as f64;
        a.iter().map(|z| z.re * s).collect()
    }

    /// Circular convolution of `image` with the kernel whose transform is `otf`.
    pub fn convolve(&self, image: &[f64], otf: &[Complex]) -> Vec<f64> {
        let f = self.forward(image);
        let prod: Vec<Complex> = f.iter().zip(otf).map(|(a, b)| *a * *b).collect();
        self.inverse(&prod)
    }

    /// Convolutions (or, with `adjoint`, correlations) of two real images `a` and `b` with the
    /// real kernel whose transform is `otf`, in one complex transform: the kernel is real, so
    /// the real and imaginary parts of the filtered `a + i b` are the two results.
    pub fn filter_pair(
        &self,
        a: &[f64],
        b: &[f64],
        otf: &[Complex],
        adjoint: bool,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut z: Vec<Complex> = a.iter().zip(b).map(|(&x, &y)| Complex::new(x, y)).collect();
        self.transform(&mut z, false);
        for (v, p) in z.iter_mut().zip(otf) {
            *v = *v * if adjoint { p.conj() } else { *p };
        }
        self.transform(&mut z, true);
        let s = 1.0 / (self.n * self.n) as f64;
        (
            z.iter().map(|v| v.re * s).collect(),
            z.iter().map(|v| v.im * s).collect(),
        )
    }

    /// Circular correlation with that kernel (convolution with the kernel flipped through the
    /// origin, the adjoint of [`Fft2::convolve`]).
    pub fn correlate(&self, image: &[f64], otf: &[Complex]) -> Vec<f64> {
        let f = self.forward(image);
        let prod: Vec<Complex> = f.iter().zip(otf).map(|(a, b)| *a * b.conj()).collect();
        self.inverse(&prod)
    }
}

/// Direct circular convolution `sum_m f[m] g[(j - m) mod n]` of two `n x n` images, in
/// `O(n^4)`: the definition [`Fft2::convolve`] is checked against.
pub fn convolve_direct(f: &[f64], g: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for (m, &fv) in f.iter().enumerate() {
        if fv == 0.0 {
            continue;
        }
        let (mr, mc) = (m / n, m % n);
        for (j, o) in out.iter_mut().enumerate() {
            let (jr, jc) = (j / n, j % n);
            *o += fv * g[((jr + n - mr) % n) * n + (jc + n - mc) % n];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn fft_matches_the_dft_round_trips_and_convolves() {
        let n = 8;
        let f: Vec<f64> = (0..n * n).map(|i| ((i * 7 % 11) as f64).sin()).collect();
        let c = Fft2::new(n).expect("power of two").forward(&f);
        for (k, z) in c.iter().enumerate() {
            let (kr, kc) = (k / n, k % n);
            let mut dft = Complex::default();
            for (j, &v) in f.iter().enumerate() {
                let a =
                    -2.0 * std::f64::consts::PI * ((kr * (j / n) + kc * (j % n)) as f64) / n as f64;
                dft = dft + Complex::new(v * a.cos(), v * a.sin());
            }
            assert!((dft.re - z.re).abs() < 1e-10 && (dft.im - z.im).abs() < 1e-10);
        }
        let fft = Fft2::new(n).expect("power of two");
        assert!(max_diff(&fft.inverse(&fft.forward(&f)), &f) < 1e-12);
        let g: Vec<f64> = (0..n * n).map(|i| ((i * 3 % 5) as f64) - 2.0).collect();
        let otf = fft.forward(&g);
        assert!(max_diff(&fft.convolve(&f, &otf), &convolve_direct(&f, &g, n)) < 1e-9);
        let (a, b) = fft.filter_pair(&f, &g, &otf, false);
        assert!(max_diff(&a, &fft.convolve(&f, &otf)) < 1e-9);
        assert!(max_diff(&b, &fft.convolve(&g, &otf)) < 1e-9);
        assert!(Fft2::new(12).is_none() && Fft2::new(1).is_none());
    }
}
