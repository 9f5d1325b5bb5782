//! Two-dimensional toy densities with a known density: two moons, eight Gaussians, a ring.
//!
//! Each is a uniform mixture of isotropic Gaussians `N(c, sigma^2 I)` whose centre `c` runs
//! over a curve (moons, ring) or a finite set (eight Gaussians). Samples are exact (a uniform
//! point of the curve plus Gaussian noise); the log-density is the mixture integral, evaluated
//! for the curves by the midpoint rule with a step far below `sigma`, so held-out negative
//! log-likelihoods can be compared with the true density's on the same points.

use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// A toy density in the plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Toy {
    /// Two interleaved half circles (radius 1, as scikit-learn's `make_moons`), centred, noise 0.1.
    #[default]
    Moons,
    /// Eight Gaussians (sigma 0.2) evenly spaced on a circle of radius 2.
    EightGaussians,
    /// A circle of radius 2 with Gaussian noise 0.15.
    Ring,
}

/// Quadrature points per curve of the continuous densities.
const QUADRATURE: usize = 1024;

impl Toy {
    /// Name as in configs.
    pub fn name(self) -> &'static str {
        match self {
            Toy::Moons => "moons",
            Toy::EightGaussians => "eight_gaussians",
            Toy::Ring => "ring",
        }
    }

    /// Noise standard deviation around the curve.
    pub fn sigma(self) -> f64 {
        match self {
            Toy::Moons => 0.1,
            Toy::EightGaussians => 0.2,
            Toy::Ring => 0.15,
        }
    }

    /// Half-width of a square box around the origin that holds essentially all the mass.
    pub fn extent(self) -> f64 {
        match self {
            Toy::Moons => 2.2,
            Toy::EightGaussians | Toy::Ring => 3.0,
        }
    }

    /// Point of the curve at parameter `u` in `[0, 1)`.
    fn centre(self, u: f64) -> [f64; 2] {
        match self {
            Toy::Moons => {
                // First half: upper moon; second half: lower moon, shifted as in make_moons,
                // then the pair centred on the origin.
                let (v, upper) = if u < 0.5 {
                    (2.0 * u, true)
                } else {
                    (2.0 * u - 1.0, false)
                };
                let th = PI * v;
                let p = if upper {
                    [th.cos(), th.sin()]
                } else {
                    [1.0 - th.cos(), 0.5 - th.sin()]
                };
                [p[0] - 0.5, p[1] - 0.25]
            }
            Toy::EightGaussians => {
                let k = (u * 8.0).floor();
                let th = 2.0 * PI * k / 8.0;
                [2.0 * th.cos(), 2.0 * th.sin()]
            }
            Toy::Ring => {
                let th = 2.0 * PI * u;
                [2.0 * th.cos(), 2.0 * th.sin()]
            }
        }
    }

    /// The mixture centres (equal weights) that define the density.
    pub fn centres(self) -> Vec<[f64; 2]> {
        match self {
            Toy::EightGaussians => (0..8)
                .map(|k| self.centre((k as f64 + 0.5) / 8.0))
                .collect(),
            _ => (0..QUADRATURE)
                .map(|k| self.centre((k as f64 + 0.5) / QUADRATURE as f64))
                .collect(),
        }
    }

    /// `n` exact samples.
    pub fn sample<R: Rng>(self, n: usize, rng: &mut R) -> Vec<[f64; 2]> {
        let noise = Normal::new(0.0, self.sigma()).expect("sigma should be positive");
        (0..n)
            .map(|_| {
                let c = self.centre(rng.random::<f64>());
                [c[0] + noise.sample(rng), c[1] + noise.sample(rng)]
            })
            .collect()
    }

    /// True log-density at every point.
    pub fn log_density(self, points: &[[f64; 2]]) -> Vec<f64> {
        let centres = self.centres();
        let s2 = self.sigma() * self.sigma();
        let norm = -(2.0 * PI * s2).ln() - (centres.len() as f64).ln();
        points
            .iter()
            .map(|p| {
                let e: Vec<f64> = centres
                    .iter()
                    .map(|c| -((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)) / (2.0 * s2))
                    .collect();
                let m = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                m + e.iter().map(|v| (v - m).exp()).sum::<f64>().ln() + norm
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn toy_densities_are_normalised_and_match_their_samples() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for toy in [Toy::Moons, Toy::EightGaussians, Toy::Ring] {
            // Integral of the density over [-4, 4]^2 on a 200 x 200 midpoint grid.
            let h = 8.0 / 200.0;
            let grid: Vec<[f64; 2]> = (0..200 * 200)
                .map(|k| {
                    [
                        -4.0 + ((k % 200) as f64 + 0.5) * h,
                        -4.0 + ((k / 200) as f64 + 0.5) * h,
                    ]
                })
                .collect();
            let z: f64 = toy.log_density(&grid).iter().map(|l| l.exp()).sum::<f64>() * h * h;
            assert!((z - 1.0).abs() < 1e-3, "{}: integral {z}", toy.name());
            // Samples fall where the density is: their mean log-density beats that of
            // uniform points in the same box.
            let s = toy.sample(2000, &mut rng);
            let on: f64 = toy.log_density(&s).iter().sum::<f64>() / 2000.0;
            let off: f64 = toy.log_density(&grid).iter().sum::<f64>() / grid.len() as f64;
            assert!(on > off + 3.0, "{}: {on} vs {off}", toy.name());
        }
    }
}
