//! The baseline: mutual information between alignment columns.
//!
//! With sequence weights `w_n` (`M_eff = sum_n w_n`) and a pseudocount `lambda`, the single
//! and pair frequencies are
//!
//! ```text
//! f_i(a)     = (1 - lambda) sum_n w_n [s_ni = a] / M_eff + lambda / q
//! f_ij(a, b) = (1 - lambda) sum_n w_n [s_ni = a][s_nj = b] / M_eff + lambda / q^2
//! MI_ij      = sum_{a, b} f_ij(a, b) ln(f_ij(a, b) / (f_i(a) f_j(b)))
//! ```
//!
//! (Morcos et al. 2011 use the same regularised frequencies for direct-coupling analysis).
//! MI counts indirect correlations as well as direct ones: two residues that both touch a
//! third co-vary without touching each other, which is what DCA's global model removes. All
//! pair counts come from one weighted matrix product `X^T diag(w) X` of the one-hot alignment.

use super::msa::Msa;
use ai4s_core::Result;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};

/// Weighted, pseudocount-regularised single `f1[i q + a]` and pair `f2[(i q + a) L q + j q + b]`
/// frequencies.
pub fn frequencies(
    msa: &Msa,
    weights: &[f64],
    pseudocount: f64,
    device: &Device,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (n, l, q) = (msa.n(), msa.l(), msa.q);
    let lq = l * q;
    let meff: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let x = msa.one_hot(device);
    let w: Vec<f32> = weights.iter().map(|&v| (v / meff) as f32).collect();
    let w = Tensor::<2>::from_data(TensorData::new(w, [n, 1]), device);
    let pair = ai4s_core::tensor::to_vec((x.clone() * w).transpose().matmul(x))?;
    let lam = pseudocount;
    let f1: Vec<f64> = (0..lq)
        .map(|k| (1.0 - lam) * pair[k * lq + k] + lam / q as f64)
        .collect();
    let f2: Vec<f64> = pair
        .iter()
        .map(|&v| (1.0 - lam) * v + lam / (q * q) as f64)
        .collect();
    Ok((f1, f2))
}

/// Mutual information `[i][j]` between all columns (0 on the diagonal).
pub fn mutual_information(
    msa: &Msa,
    weights: &[f64],
    pseudocount: f64,
    device: &Device,
) -> Result<Vec<Vec<f64>>> {
    let (l, q) = (msa.l(), msa.q);
    let lq = l * q;
    let (f1, f2) = frequencies(msa, weights, pseudocount, device)?;
    Ok((0..l)
        .map(|i| {
            (0..l)
                .map(|j| {
                    if i == j {
                        return 0.0;
                    }
                    let mut mi = 0.0;
                    for a in 0..q {
                        for b in 0..q {
                            let p = f2[(i * q + a) * lq + j * q + b];
                            if p > 0.0 {
                                mi += p * (p / (f1[i * q + a] * f1[j * q + b])).ln();
                            }
                        }
                    }
                    mi
                })
                .collect()
        })
        .collect())
}
