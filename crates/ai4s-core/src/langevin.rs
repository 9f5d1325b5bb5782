//! Langevin dynamics of a particle in a few dimensions (a 2-D surface by default) under a
//! force the caller supplies as a closure.
//!
//! Underdamped Langevin dynamics `dx = v dt`, `m dv = F(x) dt - gamma m v dt + sqrt(2 gamma m kT) dW`
//! samples the Boltzmann distribution `exp(-U(x)/kT)` for `F = -grad U`. [`Baoab`] integrates it
//! with the BAOAB splitting of Leimkuhler & Matthews ("Rational construction of stochastic
//! numerical methods for molecular sampling", Appl. Math. Res. Express 2013, 34): a half kick
//! (B), a half drift (A), the exact Ornstein-Uhlenbeck solution of the friction and noise (O),
//! another half drift and half kick:
//!
//! ```text
//! v += dt/2 F(x)/m;  x += dt/2 v;  v = c v + sqrt((1 - c^2) kT/m) xi  (c = exp(-gamma dt));
//! x += dt/2 v;  v += dt/2 F(x)/m
//! ```
//!
//! One force evaluation per step; its configurational sampling error is `O(dt^2)` and vanishes
//! for a harmonic potential (any stable `dt`, `omega dt < 2`), which is why a stiff harmonic
//! restraint can be sampled without shrinking the step. [`overdamped_step`] is the
//! Euler-Maruyama step of the overdamped limit `dx = F/(m gamma) dt + sqrt(2 kT/(m gamma)) dW`.

use crate::error::{Result, ensure};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Parameters of the BAOAB integrator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Baoab {
    /// Time step.
    pub dt: f64,
    /// Friction coefficient `gamma` (inverse time).
    pub gamma: f64,
    /// Thermal energy `kT`.
    pub kt: f64,
    /// Mass of the particle.
    pub mass: f64,
}

/// A particle: position, velocity, and the force at its position (kept between steps, so that
/// each step evaluates the force once).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Walker<const D: usize> {
    /// Position.
    pub x: [f64; D],
    /// Velocity.
    pub v: [f64; D],
    /// Force at `x`.
    pub force: [f64; D],
}

impl Baoab {
    /// Checks the parameters; errors name `field.<key>` (the config key holding them).
    pub fn new(dt: f64, gamma: f64, kt: f64, mass: f64, field: &str) -> Result<Baoab> {
        for (key, v) in [("dt", dt), ("gamma", gamma), ("kt", kt), ("mass", mass)] {
            ensure(v.is_finite() && v > 0.0, &format!("{field}.{key}"), || {
                format!("must be a positive number, got {v}")
            })?;
        }
        Ok(Baoab {
            dt,
            gamma,
            kt,
            mass,
        })
    }

    /// A walker at `x` with velocities drawn from the Maxwell distribution.
    pub fn walker<const D: usize, R: Rng + ?Sized>(
        &self,
        x: [f64; D],
        mut force: impl FnMut(&[f64; D]) -> [f64; D],
        rng: &mut R,
    ) -> Walker<D> {
        let sd = (self.kt / self.mass).sqrt();
        let v = std::array::from_fn(|_| {
            let xi: f64 = StandardNormal.sample(rng);
            sd * xi
        });
        Walker {
            x,
            v,
            force: force(&x),
        }
    }

    /// One BAOAB step of `w` under `force`.
    pub fn step<const D: usize, R: Rng + ?Sized>(
        &self,
        w: &mut Walker<D>,
        mut force: impl FnMut(&[f64; D]) -> [f64; D],
        rng: &mut R,
    ) {
        let h = 0.5 * self.dt;
        let c = (-self.gamma * self.dt).exp();
        let s = ((1.0 - c * c) * self.kt / self.mass).sqrt();
        for k in 0..D {
            w.v[k] += h * w.force[k] / self.mass;
            w.x[k] += h * w.v[k];
            let xi: f64 = StandardNormal.sample(rng);
            w.v[k] = c * w.v[k] + s * xi;
            w.x[k] += h * w.v[k];
        }
        w.force = force(&w.x);
        for k in 0..D {
            w.v[k] += h * w.force[k] / self.mass;
        }
    }

    /// `steps` steps of `w`, calling `observe(step, walker)` after each (steps counted from 1).
    pub fn run<const D: usize, R: Rng + ?Sized>(
        &self,
        w: &mut Walker<D>,
        steps: usize,
        mut force: impl FnMut(&[f64; D]) -> [f64; D],
        rng: &mut R,
        mut observe: impl FnMut(usize, &Walker<D>),
    ) {
        for i in 1..=steps {
            self.step(w, &mut force, rng);
            observe(i, w);
        }
    }
}

/// One Euler-Maruyama step of overdamped Langevin dynamics with diffusion coefficient
/// `diffusion = kT/(m gamma)`: `x += diffusion/kT F(x) dt + sqrt(2 diffusion dt) xi`.
pub fn overdamped_step<const D: usize, R: Rng + ?Sized>(
    x: &mut [f64; D],
    force: impl FnOnce(&[f64; D]) -> [f64; D],
    dt: f64,
    diffusion: f64,
    kt: f64,
    rng: &mut R,
) {
    let f = force(x);
    let s = (2.0 * diffusion * dt).sqrt();
    for k in 0..D {
        let xi: f64 = StandardNormal.sample(rng);
        x[k] += diffusion / kt * f[k] * dt + s * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Position variance per axis of a long run in the well `k/2 |x|^2`.
    fn variance(run: impl FnOnce(&mut dyn FnMut([f64; 2]))) -> [f64; 2] {
        let (mut s, mut s2, mut n) = ([0.0; 2], [0.0; 2], 0.0);
        run(&mut |x| {
            for d in 0..2 {
                s[d] += x[d];
                s2[d] += x[d] * x[d];
            }
            n += 1.0;
        });
        std::array::from_fn(|d| s2[d] / n - (s[d] / n).powi(2))
    }

    #[test]
    fn baoab_samples_the_boltzmann_variance_of_a_stiff_harmonic_well() {
        // kT/k per axis; omega dt = 1.2 on the stiff axis, still exact for BAOAB.
        let k = [4.0, 400.0];
        let b = Baoab::new(0.06, 2.0, 1.5, 1.0, "md").expect("valid");
        let force = |x: &[f64; 2]| [-k[0] * x[0], -k[1] * x[1]];
        let var = variance(|obs| {
            let mut rng = StdRng::seed_from_u64(3);
            let mut w = b.walker([1.0, 0.0], force, &mut rng);
            b.run(&mut w, 400_000, force, &mut rng, |i, w| {
                if i > 1000 {
                    obs(w.x);
                }
            });
        });
        for d in 0..2 {
            let want = 1.5 / k[d];
            assert!(
                (var[d] / want - 1.0).abs() < 0.05,
                "axis {d}: {} vs {want}",
                var[d]
            );
        }
    }

    #[test]
    fn overdamped_steps_sample_the_boltzmann_variance() {
        let k = [1.0, 4.0];
        let var = variance(|obs| {
            let mut rng = StdRng::seed_from_u64(5);
            let mut x = [0.0; 2];
            for i in 0..400_000 {
                overdamped_step(
                    &mut x,
                    |x| [-k[0] * x[0], -k[1] * x[1]],
                    2e-3,
                    1.0,
                    0.7,
                    &mut rng,
                );
                if i > 1000 {
                    obs(x);
                }
            }
        });
        for d in 0..2 {
            let want = 0.7 / k[d];
            assert!(
                (var[d] / want - 1.0).abs() < 0.08,
                "axis {d}: {} vs {want}",
                var[d]
            );
        }
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let e = Baoab::new(0.01, -1.0, 1.0, 1.0, "md").expect_err("negative friction");
        assert!(e.to_string().contains("md.gamma"), "{e}");
    }
}
