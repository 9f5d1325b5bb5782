//! FIRE: the fast inertial relaxation engine (Bitzek, Koskinen, Gähler, Moseler & Gumbsch,
//! "Structural relaxation made simple", Phys. Rev. Lett. 97, 170201 (2006)).
//!
//! A damped molecular dynamics on the objective: with force `F = -grad E`, each step
//!
//! - if `P = F . v > 0` (going downhill): mix the velocity towards the force,
//!   `v <- (1 - alpha) v + alpha |v| F / |F|`, and after `n_min` such steps in a row grow the
//!   time step `dt <- min(f_inc dt, dt_max)` and shrink `alpha <- f_alpha alpha`;
//! - else (uphill): stop, `v <- 0`, `dt <- f_dec dt`, `alpha <- alpha_start`;
//! - then an Euler step `v <- v + dt F`, `x <- x + dt v`, the displacement clipped to
//!   `max_step` in norm (as ASE's `FIRE` does).
//!
//! Unit masses; the parameters are those of the paper and of ASE. The objective is anything
//! that returns a value and fills its gradient: atomic positions, cell strains, both at once.

use crate::error::{Error, Result};

/// FIRE's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Fire {
    /// Initial time step.
    pub dt: f64,
    /// Largest time step.
    pub dt_max: f64,
    /// Largest displacement of one step (norm over all coordinates).
    pub max_step: f64,
    /// Downhill steps before the time step may grow.
    pub n_min: usize,
    /// Time-step growth factor.
    pub f_inc: f64,
    /// Time-step cut on an uphill step.
    pub f_dec: f64,
    /// Initial mixing `alpha`.
    pub alpha_start: f64,
    /// Decay of `alpha` on downhill steps.
    pub f_alpha: f64,
}

impl Default for Fire {
    fn default() -> Self {
        Fire {
            dt: 0.1,
            dt_max: 1.0,
            max_step: 0.2,
            n_min: 5,
            f_inc: 1.1,
            f_dec: 0.5,
            alpha_start: 0.1,
            f_alpha: 0.99,
        }
    }
}

/// Where a FIRE run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct FireResult {
    /// Objective at the final point.
    pub value: f64,
    /// Gradient evaluations used (steps + 1).
    pub evaluations: usize,
    /// Whether the stopping test was met within the step limit.
    pub converged: bool,
}

impl Fire {
    /// Minimises the objective from `x` in place. `objective(x, grad)` returns the value at `x`
    /// and writes its gradient into `grad`; `done(grad)` says whether the gradient is small
    /// enough to stop (e.g. largest force below a tolerance). At most `max_steps` steps. An
    /// objective error (a configuration that cannot be evaluated) stops the run and is
    /// returned; a non-finite value or gradient is refused the same way.
    pub fn minimize(
        &self,
        x: &mut [f64],
        mut objective: impl FnMut(&[f64], &mut [f64]) -> Result<f64>,
        mut done: impl FnMut(&[f64]) -> bool,
        max_steps: usize,
    ) -> Result<FireResult> {
        let n = x.len();
        let mut v = vec![0.0; n];
        let mut g = vec![0.0; n];
        let (mut dt, mut alpha, mut downhill) = (self.dt, self.alpha_start, 0usize);
        let mut value = evaluate(&mut objective, x, &mut g)?;
        for step in 0..max_steps {
            if done(&g) {
                return Ok(FireResult {
                    value,
                    evaluations: step + 1,
                    converged: true,
                });
            }
            // Force F = -g.
            let p: f64 = -g.iter().zip(&v).map(|(g, v)| g * v).sum::<f64>();
            if p > 0.0 {
                let vn = v.iter().map(|v| v * v).sum::<f64>().sqrt();
                let fn_ = g.iter().map(|g| g * g).sum::<f64>().sqrt().max(1e-300);
                for (vi, gi) in v.iter_mut().zip(&g) {
                    *vi = (1.0 - alpha) * *vi - alpha * gi / fn_ * vn;
                }
                if downhill > self.n_min {
                    dt = (dt * self.f_inc).min(self.dt_max);
                    alpha *= self.f_alpha;
                }
                downhill += 1;
            } else {
                v.iter_mut().for_each(|vi| *vi = 0.0);
                alpha = self.alpha_start;
                dt *= self.f_dec;
                downhill = 0;
            }
            for (vi, gi) in v.iter_mut().zip(&g) {
                *vi -= dt * gi;
            }
            let norm = dt * v.iter().map(|v| v * v).sum::<f64>().sqrt();
            let scale = if norm > self.max_step {
                self.max_step / norm
            } else {
                1.0
            };
            for (xi, vi) in x.iter_mut().zip(&v) {
                *xi += scale * dt * vi;
            }
            value = evaluate(&mut objective, x, &mut g)?;
        }
        Ok(FireResult {
            value,
            evaluations: max_steps + 1,
            converged: done(&g),
        })
    }
}

fn evaluate(
    objective: &mut impl FnMut(&[f64], &mut [f64]) -> Result<f64>,
    x: &[f64],
    g: &mut [f64],
) -> Result<f64> {
    let value = objective(x, g)?;
    if !value.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(Error::Runtime(format!(
            "FIRE: the objective is not finite ({value}) or has a non-finite gradient"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fire_finds_the_minimum_of_an_ill_conditioned_quadratic_and_of_rosenbrock() {
        let mut x = vec![3.0, -2.0];
        let r = Fire::default()
            .minimize(
                &mut x,
                |x, g| {
                    g[0] = 2.0 * (x[0] - 1.0);
                    g[1] = 40.0 * (x[1] + 0.5);
                    Ok((x[0] - 1.0).powi(2) + 20.0 * (x[1] + 0.5).powi(2))
                },
                |g| g.iter().all(|v| v.abs() < 1e-8),
                5000,
            )
            .expect("finite");
        assert!(r.converged);
        assert!(
            (x[0] - 1.0).abs() < 1e-8 && (x[1] + 0.5).abs() < 1e-8,
            "{x:?}"
        );
        let mut x = vec![-1.2, 1.0];
        let r = Fire::default()
            .minimize(
                &mut x,
                |x, g| {
                    g[0] = -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]);
                    g[1] = 200.0 * (x[1] - x[0] * x[0]);
                    Ok((1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2))
                },
                |g| g.iter().all(|v| v.abs() < 1e-7),
                20_000,
            )
            .expect("finite");
        assert!(r.converged, "{r:?}");
        assert!(
            (x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn fire_refuses_a_non_finite_objective() {
        let mut x = vec![1.0];
        let r = Fire::default().minimize(
            &mut x,
            |x, g| {
                g[0] = 1.0;
                Ok(if x[0] < 0.5 { f64::NAN } else { x[0] })
            },
            |_| false,
            100,
        );
        assert!(r.is_err());
    }
}
