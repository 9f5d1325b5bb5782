//! Metropolis walkers for the helium atom, and the blocking analysis of their energies.

use super::jastrow::HeliumAnsatz;
use ai4s_core::burn::tensor::{Device, Distribution, Tensor};
use ai4s_core::tensor::to_vec as values;
use ai4s_core::{Error, Result};

/// Many walkers in one tensor: `[n, 6]`, the Cartesian positions of both electrons.
pub struct HeliumWalkers {
    /// Positions `[x1, y1, z1, x2, y2, z2]` per walker.
    pub pos: Tensor<2>,
    /// Standard deviation of the Gaussian proposal (all six coordinates at once).
    pub step: f64,
}

impl HeliumWalkers {
    /// `n` walkers with both electrons Gaussian about the nucleus (sd 0.7 bohr).
    pub fn new(n: usize, device: &Device) -> Self {
        HeliumWalkers {
            pos: Tensor::random([n, 6], Distribution::Normal(0.0, 0.7), device),
            step: 0.5,
        }
    }

    /// `moves` Metropolis moves sampling `|psi|^2`; returns the acceptance rate. With `adapt`,
    /// the step is then scaled towards 50 % acceptance (only between measurements: a step
    /// that depends on the walkers' recent past would bias the samples).
    pub fn moves(&mut self, psi: &HeliumAnsatz, moves: usize, adapt: bool) -> Result<f64> {
        let device = self.pos.device();
        let [n, d] = self.pos.dims();
        let mut logp = psi.log_psi(self.pos.clone()) * 2.0;
        let mut accepted: Tensor<1> = Tensor::zeros([1], &device);
        for _ in 0..moves {
            let trial = self.pos.clone()
                + Tensor::random([n, d], Distribution::Normal(0.0, self.step), &device);
            let logp_new = psi.log_psi(trial.clone()) * 2.0;
            let u: Tensor<2> = Tensor::random([n, 1], Distribution::Default, &device);
            let accept = u
                .log()
                .lower((logp_new.clone() - logp.clone()).clamp_max(0.0));
            accepted = accepted + accept.clone().float().sum().reshape([1]);
            self.pos = self
                .pos
                .clone()
                .mask_where(accept.clone().repeat_dim(1, d), trial);
            logp = logp.mask_where(accept, logp_new);
        }
        let rate = values(accepted)?
            .first()
            .map_or(0.0, |a| a / (n * moves.max(1)) as f64);
        if !rate.is_finite() {
            return Err(Error::Runtime("Metropolis acceptance is not finite".into()));
        }
        if adapt {
            self.step = (self.step * (0.5 + rate)).clamp(0.05, 2.0);
        }
        Ok(rate)
    }
}

/// Mean and standard error of a correlated series by blocking (Flyvbjerg & Petersen,
/// J. Chem. Phys. 91, 461 (1989)): block means of `2^k` consecutive values are nearly
/// independent once `2^k` exceeds the correlation time, and the naive standard error of the
/// block means then stops growing. The block size is the smallest `B = 2^k` with
/// `B^3 > 2 N (se_k / se_0)^4` (Lee et al., Phys. Rev. E 83, 066706 (2011)), or the
/// largest one with at least four blocks. Returns `(mean, standard error, block size)`.
pub fn blocking(series: &[f64]) -> (f64, f64, usize) {
    let n = series.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, 1);
    }
    let mean = series.iter().sum::<f64>() / n as f64;
    let mut blocks = series.to_vec();
    let mut levels = Vec::new();
    while blocks.len() >= 4 {
        let m = blocks.len() as f64;
        let var = blocks.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (m - 1.0);
        levels.push((var / m).sqrt());
        blocks = blocks
            .chunks_exact(2)
            .map(|p| (p[0] + p[1]) / 2.0)
            .collect();
    }
    let Some(&se0) = levels.first() else {
        return (mean, f64::NAN, 1);
    };
    let last = levels.len() - 1;
    let k = (0..levels.len())
        .find(|&k| {
            let b = (1u64 << k) as f64;
            se0 == 0.0 || b.powi(3) > 2.0 * n as f64 * (levels[k] / se0).powi(4)
        })
        .unwrap_or(last);
    (mean, levels[k], 1 << k)
}
