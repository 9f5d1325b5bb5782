//! Fourier transforms on the periodic `n x n` grid: core's radix-2 FFT
//! ([`ai4s_core::fft`], Cooley & Tukey 1965) with the normalisation below, the wavenumbers of each coefficient, the 2/3-rule
//! dealiasing mask (Orszag 1971), and truncation / zero-padding between grids, which is
//! trigonometric interpolation.
//!
//! Coefficients are normalised so that `f(x, y) = sum_k f_k exp(i (k_x x + k_y y))` on the
//! domain `[0, 2 pi)^2`: [`Spectral::forward`] divides by `n^2`, [`Spectral::inverse`] does not. With
//! that normalisation a field keeps its coefficients when it moves to a coarser or finer grid.
//! Arrays are row-major, index `iy * n + ix` (rows are `y`).

pub use ai4s_core::fft::Complex;
use ai4s_core::fft::Fft2;

/// The spectral transform of an `n x n` grid, `n` a power of two (core's FFT, normalised
/// as above).
#[derive(Clone, Debug)]
pub struct Spectral {
    fft: Fft2,
    /// Signed wavenumber of each index along one axis (`n / 2` maps to `-n / 2`).
    k: Vec<f64>,
}

impl Spectral {
    /// The transform for an `n x n` grid; `None` unless `n` is a power of two >= 4.
    pub fn new(n: usize) -> Option<Self> {
        if n < 4 {
            return None;
        }
        let fft = Fft2::new(n)?;
        let k = (0..n)
            .map(|i| {
                if i < n / 2 {
                    i as f64
                } else {
                    i as f64 - n as f64
                }
            })
            .collect();
        Some(Spectral { fft, k })
    }

    /// Grid points per side.
    pub fn n(&self) -> usize {
        self.fft.n()
    }

    /// Signed wavenumber of index `i` along one axis.
    pub fn wavenumber(&self, i: usize) -> f64 {
        self.k[i]
    }

    /// Coefficients `f_k` of a real field (normalised: divided by `n^2`).
    pub fn forward(&self, field: &[f64]) -> Vec<Complex> {
        let mut a: Vec<Complex> = field.iter().map(|&v| Complex::new(v, 0.0)).collect();
        self.fft.transform(&mut a, false);
        let n = self.fft.n();
        let s = 1.0 / (n * n) as f64;
        a.iter_mut().for_each(|z| *z = z.scale(s));
        a
    }

    /// The real field `sum_k f_k exp(i k.x)` on the grid (imaginary parts, zero for Hermitian
    /// coefficients, are dropped).
    pub fn inverse(&self, coef: &[Complex]) -> Vec<f64> {
        let mut a: Vec<Complex> = coef.iter().map(|z| z.conj()).collect();
        self.fft.transform(&mut a, false);
        a.iter().map(|z| z.re).collect()
    }

    /// Whether index `(ix, iy)` survives the 2/3 rule: `|k_x|, |k_y| < n / 3`.
    pub fn resolved(&self, ix: usize, iy: usize) -> bool {
        let cut = self.fft.n() as f64 / 3.0;
        self.k[ix].abs() < cut && self.k[iy].abs() < cut
    }
}

/// Moves coefficients from an `n_from` grid to an `n_to` grid: modes present on both keep their
/// value, the others are dropped (truncation) or zero (padding); the Nyquist row and column of
/// the smaller grid are dropped.
pub fn regrid(coef: &[Complex], n_from: usize, n_to: usize) -> Vec<Complex> {
    let mut out = vec![Complex::default(); n_to * n_to];
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
