//! The numerical model: barotropic vorticity on a doubly periodic beta-plane, pseudo-spectral in
//! space (2/3-rule dealiasing), classical fourth-order Runge-Kutta in time, with stochastic
//! forcing added after each step (Euler-Maruyama for the additive noise).
//!
//! `omega_t = -(U + u).grad omega - beta v - mu omega + nu lap omega + F`, `lap psi = omega`,
//! `u = -psi_y`, `v = psi_x`, `F` white in time and confined to the ring
//! `k_lo <= |k| <= k_hi`, injecting enstrophy `<omega^2>/2` at the rate `eta`.

use super::spectral::{Complex, Spectral, regrid};
use rand::Rng;
use rand_distr::StandardNormal;

/// Physical parameters of the model (the same for the truth and the coarse model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Physics {
    /// Planetary vorticity gradient `beta`.
    pub beta: f64,
    /// Uniform background wind `(U, V)`.
    pub wind: [f64; 2],
    /// Linear drag `mu`.
    pub drag: f64,
    /// Viscosity `nu`.
    pub viscosity: f64,
    /// Enstrophy injection rate `eta` of the stochastic forcing (0 switches it off).
    pub forcing_rate: f64,
    /// Wavenumber ring `[k_lo, k_hi]` of the forcing.
    pub forcing_band: [f64; 2],
}

impl Physics {
    /// Inviscid, unforced, without beta or wind: the 2-D Euler equations.
    pub const EULER: Physics = Physics {
        beta: 0.0,
        wind: [0.0, 0.0],
        drag: 0.0,
        viscosity: 0.0,
        forcing_rate: 0.0,
        forcing_band: [0.0, 0.0],
    };
}

/// The model on one grid.
#[derive(Clone, Debug)]
pub struct Model {
    fft: Spectral,
    physics: Physics,
    kx: Vec<f64>,
    ky: Vec<f64>,
    k2: Vec<f64>,
    dealias: Vec<bool>,
    band: Vec<bool>,
    band_modes: usize,
}

impl Model {
    /// The model on an `n x n` grid; `None` unless `n` is a power of two >= 4.
    pub fn new(n: usize, physics: Physics) -> Option<Self> {
        let fft = Spectral::new(n)?;
        let idx = |i: usize| (i % n, i / n);
        let kx: Vec<f64> = (0..n * n).map(|i| fft.wavenumber(idx(i).0)).collect();
        let ky: Vec<f64> = (0..n * n).map(|i| fft.wavenumber(idx(i).1)).collect();
        let k2: Vec<f64> = kx.iter().zip(&ky).map(|(a, b)| a * a + b * b).collect();
        let dealias: Vec<bool> = (0..n * n)
            .map(|i| fft.resolved(idx(i).0, idx(i).1))
            .collect();
        let [lo, hi] = physics.forcing_band;
        let band: Vec<bool> = (0..n * n)
            .map(|i| dealias[i] && k2[i] >= lo * lo && k2[i] <= hi * hi && k2[i] > 0.0)
            .collect();
        let band_modes = band.iter().filter(|b| **b).count();
        Some(Model {
            fft,
            physics,
            kx,
            ky,
            k2,
            dealias,
            band,
            band_modes,
        })
    }

    /// Grid points per side.
    pub fn n(&self) -> usize {
        self.fft.n()
    }

    /// The transform of this grid.
    pub fn fft(&self) -> &Spectral {
        &self.fft
    }

    /// Modes in the forcing ring (0: the forcing does nothing).
    pub fn forcing_modes(&self) -> usize {
        self.band_modes
    }

    /// Coefficients of a physical field, dealiased.
    pub fn to_spectral(&self, field: &[f64]) -> Vec<Complex> {
        let mut w = self.fft.forward(field);
        self.truncate(&mut w);
        w
    }

    /// The physical field of coefficients.
    pub fn to_physical(&self, w: &[Complex]) -> Vec<f64> {
        self.fft.inverse(w)
    }

    fn truncate(&self, w: &mut [Complex]) {
        w.iter_mut()
            .zip(&self.dealias)
            .filter(|(_, keep)| !**keep)
            .for_each(|(z, _)| *z = Complex::default());
    }

    /// Streamfunction coefficients `psi_k = -omega_k / |k|^2` (zero mean).
    pub fn streamfunction(&self, w: &[Complex]) -> Vec<Complex> {
        w.iter()
            .zip(&self.k2)
            .map(|(z, &k2)| {
                if k2 > 0.0 {
                    z.scale(-1.0 / k2)
                } else {
                    Complex::default()
                }
            })
            .collect()
    }

    /// `d omega_k / dt` without the stochastic forcing.
    pub fn tendency(&self, w: &[Complex]) -> Vec<Complex> {
        let p = &self.physics;
        let psi = self.streamfunction(w);
        let spec = |f: &dyn Fn(usize) -> Complex| -> Vec<f64> {
            let c: Vec<Complex> = (0..w.len()).map(f).collect();
            self.fft.inverse(&c)
        };
        let u = spec(&|i| psi[i].times_i(-self.ky[i]));
        let v = spec(&|i| psi[i].times_i(self.kx[i]));
        let wx = spec(&|i| w[i].times_i(self.kx[i]));
        let wy = spec(&|i| w[i].times_i(self.ky[i]));
        let adv: Vec<f64> = (0..u.len()).map(|j| u[j] * wx[j] + v[j] * wy[j]).collect();
        let adv = self.fft.forward(&adv);
        (0..w.len())
            .map(|i| {
                if !self.dealias[i] {
                    return Complex::default();
                }
                let (kx, ky) = (self.kx[i], self.ky[i]);
                let linear = w[i].times_i(-(p.wind[0] * kx + p.wind[1] * ky))
                    - psi[i].times_i(p.beta * kx)
                    - w[i].scale(p.drag + p.viscosity * self.k2[i]);
                linear - adv[i]
            })
            .collect()
    }

    /// One deterministic RK4 step of length `dt`.
    pub fn rk4(&self, w: &mut [Complex], dt: f64) {
        let axpy = |a: &[Complex], k: &[Complex], h: f64| -> Vec<Complex> {
            a.iter().zip(k).map(|(a, k)| *a + k.scale(h)).collect()
        };
        let k1 = self.tendency(w);
        let k2 = self.tendency(&axpy(w, &k1, dt / 2.0));
        let k3 = self.tendency(&axpy(w, &k2, dt / 2.0));
        let k4 = self.tendency(&axpy(w, &k3, dt));
        for i in 0..w.len() {
            w[i] = w[i] + (k1[i] + k2[i].scale(2.0) + k3[i].scale(2.0) + k4[i]).scale(dt / 6.0);
        }
    }

    /// Adds one step of forcing: `sqrt(2 eta dt)` times a unit-variance Gaussian field
    /// band-passed to the forcing ring, so that `<omega^2>/2` grows by `eta dt` on average.
    pub fn force<R: Rng>(&self, w: &mut [Complex], dt: f64, rng: &mut R) {
        if self.physics.forcing_rate <= 0.0 || self.band_modes == 0 {
            return;
        }
        let n = self.n();
        let noise: Vec<f64> = (0..n * n).map(|_| rng.sample(StandardNormal)).collect();
        let f = self.fft.forward(&noise);
        // White noise has E|f_k|^2 = 1 / n^2 per mode; the ring keeps `band_modes` of them.
        let unit = n as f64 / (self.band_modes as f64).sqrt();
        let amp = (2.0 * self.physics.forcing_rate * dt).sqrt() * unit;
        for i in 0..w.len() {
            if self.band[i] {
                w[i] = w[i] + f[i].scale(amp);
            }
        }
    }

    /// Advances `time` in `steps` RK4 steps, forcing after each when `rng` is given.
    pub fn advance<R: Rng>(
        &self,
        w: &mut [Complex],
        time: f64,
        steps: usize,
        mut rng: Option<&mut R>,
    ) {
        let dt = time / steps.max(1) as f64;
        for _ in 0..steps.max(1) {
            self.rk4(w, dt);
            if let Some(r) = rng.as_deref_mut() {
                self.force(w, dt, r);
            }
        }
    }

    /// A random field with the spectrum `|k|^2 exp(-(|k| / k_peak)^2)` (before scaling), zero
    /// mean, dealiased, scaled to root-mean-square `rms`.
    pub fn random_field<R: Rng>(&self, k_peak: f64, rms: f64, rng: &mut R) -> Vec<Complex> {
        let n = self.n();
        let noise: Vec<f64> = (0..n * n).map(|_| rng.sample(StandardNormal)).collect();
        let mut w = self.fft.forward(&noise);
        for ((z, &k2), &keep) in w.iter_mut().zip(&self.k2).zip(&self.dealias) {
            let k = k2.sqrt();
            let shape = k * (-(k / k_peak).powi(2) / 2.0).exp();
            *z = if keep && k > 0.0 {
                z.scale(shape)
            } else {
                Complex::default()
            };
        }
        let now = rms_of(&w);
        if now > 0.0 {
            w.iter_mut().for_each(|z| *z = z.scale(rms / now));
        }
        w
    }

    /// Coefficients moved to the grid of `other` (truncated or zero-padded), dealiased there.
    pub fn regrid_to(&self, w: &[Complex], other: &Model) -> Vec<Complex> {
        let mut out = regrid(w, self.n(), other.n());
        other.truncate(&mut out);
        out
    }

    /// Kinetic energy `<|u|^2> / 2 = sum_k |omega_k|^2 / (2 |k|^2)`.
    pub fn energy(&self, w: &[Complex]) -> f64 {
        w.iter()
            .zip(&self.k2)
            .filter(|(_, k2)| **k2 > 0.0)
            .map(|(z, k2)| z.norm_sqr() / (2.0 * k2))
            .sum()
    }
}

/// Root-mean-square of the field with coefficients `w` (Parseval).
pub fn rms_of(w: &[Complex]) -> f64 {
    w.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt()
}
