//! The point-spread function: a circular Moffat (Moffat 1969) or Gaussian profile of given
//! full width at half maximum, integrated over pixels and wrapped onto the periodic image grid
//! with its centre at pixel `(0, 0)`, normalised to unit sum so that blurring keeps the flux.
//!
//! Moffat: `I(r) = (1 + (r / alpha)^2)^(-beta)`, `FWHM = 2 alpha sqrt(2^(1/beta) - 1)`
//! (Trujillo et al. 2001 describe ground-based seeing with `beta ~ 2.5-4.5`).
//! Gaussian: `I(r) = exp(-r^2 / 2 sigma^2)`, `FWHM = 2 sqrt(2 ln 2) sigma`.

use ai4s_core::fft::{Complex, Fft2};
use serde::{Deserialize, Serialize};

/// Shape of the PSF.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PsfShape {
    /// Moffat profile with the config's `moffat_beta`.
    Moffat,
    /// Gaussian profile.
    Gaussian,
}

/// A PSF of `shape` with full width at half maximum `fwhm` pixels (`beta` is used by Moffat).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Psf {
    /// Profile.
    pub shape: PsfShape,
    /// Full width at half maximum, pixels.
    pub fwhm: f64,
    /// Moffat's power-law index.
    pub beta: f64,
}

impl Psf {
    /// Profile value at radius `r` pixels (1 at the centre).
    pub fn profile(&self, r: f64) -> f64 {
        match self.shape {
            PsfShape::Moffat => {
                let alpha = self.fwhm / (2.0 * (2f64.powf(1.0 / self.beta) - 1.0).sqrt());
                (1.0 + (r / alpha).powi(2)).powf(-self.beta)
            }
            PsfShape::Gaussian => {
                let sigma = self.fwhm / (8.0 * 2f64.ln()).sqrt();
                (-0.5 * (r / sigma).powi(2)).exp()
            }
        }
    }

    /// The PSF on the periodic `n x n` grid, centred at pixel `(0, 0)` (offsets wrap), each
    /// pixel the mean over `4 x 4` sub-pixels, normalised to unit sum.
    pub fn kernel(&self, n: usize) -> Vec<f64> {
        const SS: usize = 4;
        let mut k = vec![0.0; n * n];
        for (i, v) in k.iter_mut().enumerate() {
            let wrap = |j: usize| {
                if j > n / 2 {
                    j as f64 - n as f64
                } else {
                    j as f64
                }
            };
            let (dy, dx) = (wrap(i / n), wrap(i % n));
            let mut acc = 0.0;
            for a in 0..SS {
                for b in 0..SS {
                    let y = dy - 0.5 + (a as f64 + 0.5) / SS as f64;
                    let x = dx - 0.5 + (b as f64 + 0.5) / SS as f64;
                    acc += self.profile(x.hypot(y));
                }
            }
            *v = acc;
        }
        let s: f64 = k.iter().sum();
        k.iter().map(|v| v / s).collect()
    }

    /// Its transform (the optical transfer function) on `fft`'s grid; `otf[0] = 1`.
    pub fn otf(&self, fft: &Fft2) -> Vec<Complex> {
        fft.forward(&self.kernel(fft.n()))
    }
}
