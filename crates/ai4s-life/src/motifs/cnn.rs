//! A DeepBind-style convolutional network (Alipanahi et al., Nat. Biotechnol. 33, 831 (2015)).
//!
//! One-hot DNA `x` (4 channels: A, C, G, T) is scanned by `F` filters of width `w` (motif
//! detectors, a learned PWM-like score per position), on the sequence and on its reverse
//! complement (reversed, with A <-> T and C <-> G swapped), rectified, and max-pooled over all
//! positions and both strands; a dense hidden layer and a logistic output give the probability
//! that the sequence is bound:
//!
//! ```text
//! s_f = max over strands, positions i of relu(b_f + sum_{k, c} W_f[c, k] x[c, i + k])
//! P(bound) = sigma(v . relu(U s + c) + d)
//! ```
//!
//! Trained by binary cross-entropy with [`ai4s_core::train::fit`]. Both strands of a batch go
//! through the convolution as one tensor of `2B` sequences.

use super::sequences::{Dataset, reverse_complement};
use ai4s_core::Result;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::conv::{Conv1d, Conv1dConfig};
use ai4s_core::burn::nn::{Linear, LinearConfig};
use ai4s_core::burn::tensor::activation::{log_sigmoid, relu};
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};
use ai4s_core::train::Objective;

/// The network.
#[derive(Module, Debug)]
pub struct DeepBind {
    conv: Conv1d,
    fc1: Linear,
    fc2: Linear,
}

impl DeepBind {
    /// `filters` motif detectors of width `width`, a dense layer of `hidden` units.
    pub fn new(filters: usize, width: usize, hidden: usize, device: &Device) -> Self {
        DeepBind {
            conv: Conv1dConfig::new(4, filters, width).init(device),
            fc1: LinearConfig::new(filters, hidden).init(device),
            fc2: LinearConfig::new(hidden, 1).init(device),
        }
    }

    /// Filter responses `[2B, F, L - w + 1]` (before rectification) of `[2B, 4, L]` input.
    pub fn scan(&self, x: Tensor<3>) -> Tensor<3> {
        self.conv.forward(x)
    }

    /// Logits `[B]` of `[2B, 4, L]` input: the `B` sequences, then their reverse complements.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<1> {
        let n = x.dims()[0] / 2;
        let h = relu(self.scan(x)).max_dim(2);
        let f = h.dims()[1];
        let h = h.reshape([2, n, f]).max_dim(0).reshape([n, f]);
        self.fc2.forward(relu(self.fc1.forward(h))).reshape([n])
    }
}

/// One-hot sequences of equal length, both strands, with labels.
pub struct Encoded {
    fwd: Vec<f32>,
    rev: Vec<f32>,
    /// Labels (1 = carries a site).
    pub y: Vec<f32>,
    /// Sequence length.
    pub len: usize,
}

fn one_hot(s: &[u8], out: &mut Vec<f32>) {
    let start = out.len();
    out.resize(start + 4 * s.len(), 0.0);
    // `N` and padding (codes above 3) stay all-zero columns.
    for (i, &b) in s.iter().enumerate().filter(|e| *e.1 < 4) {
        out[start + b as usize * s.len() + i] = 1.0;
    }
}

impl Encoded {
    /// Encodes a dataset (channel-major `[4, L]` per sequence).
    pub fn new(d: &Dataset) -> Self {
        let len = d.seqs.first().map_or(0, Vec::len);
        let mut fwd = Vec::with_capacity(d.len() * 4 * len);
        let mut rev = Vec::with_capacity(d.len() * 4 * len);
        for s in &d.seqs {
            one_hot(s, &mut fwd);
            one_hot(&reverse_complement(s), &mut rev);
        }
        let y = d
            .labels
            .iter()
            .map(|&l| if l { 1.0 } else { 0.0 })
            .collect();
        Encoded { fwd, rev, y, len }
    }

    /// Number of sequences.
    pub fn n(&self) -> usize {
        self.y.len()
    }

    /// Input `[2B, 4, L]` (forward strands, then reverse complements) and labels `[B]`.
    pub fn batch(&self, idx: &[usize], device: &Device) -> (Tensor<3>, Tensor<1>) {
        let w = 4 * self.len;
        let mut data = Vec::with_capacity(2 * idx.len() * w);
        for src in [&self.fwd, &self.rev] {
            for &i in idx {
                data.extend_from_slice(&src[i * w..(i + 1) * w]);
            }
        }
        let y: Vec<f32> = idx.iter().map(|&i| self.y[i]).collect();
        (
            Tensor::from_data(TensorData::new(data, [2 * idx.len(), 4, self.len]), device),
            Tensor::from_data(TensorData::new(y, [idx.len()]), device),
        )
    }
}

const CHUNK: usize = 256;

/// Logits of every sequence, with a model without autodiff.
pub fn predict(model: &DeepBind, set: &Encoded, device: &Device) -> Result<Vec<f64>> {
    let idx: Vec<usize> = (0..set.n()).collect();
    let mut out = Vec::with_capacity(set.n());
    for chunk in idx.chunks(CHUNK) {
        let (x, _) = set.batch(chunk, device);
        out.extend(ai4s_core::tensor::to_vec(model.forward(x))?);
    }
    Ok(out)
}

/// The strongest response of one filter in one sequence.
#[derive(Clone, Copy, Debug)]
pub struct Hit {
    /// Response before rectification.
    pub score: f64,
    /// Start of the window on the strand it was found on.
    pub pos: usize,
    /// Found on the reverse complement.
    pub reverse: bool,
}

/// For every sequence and filter, the best window over both strands: `hits[seq][filter]`.
pub fn best_hits(model: &DeepBind, set: &Encoded, device: &Device) -> Result<Vec<Vec<Hit>>> {
    let idx: Vec<usize> = (0..set.n()).collect();
    let mut hits = Vec::with_capacity(set.n());
    for chunk in idx.chunks(CHUNK) {
        let (x, _) = set.batch(chunk, device);
        let r = model.scan(x);
        let [n2, f, lo] = r.dims();
        let v = ai4s_core::tensor::to_vec(r)?;
        let b = n2 / 2;
        for s in 0..b {
            let row = (0..f)
                .map(|k| {
                    let mut best = Hit {
                        score: f64::NEG_INFINITY,
                        pos: 0,
                        reverse: false,
                    };
                    for (strand, reverse) in [(s, false), (s + b, true)] {
                        let base = (strand * f + k) * lo;
                        for (pos, &score) in v[base..base + lo].iter().enumerate() {
                            if score > best.score {
                                best = Hit {
                                    score,
                                    pos,
                                    reverse,
                                };
                            }
                        }
                    }
                    best
                })
                .collect();
            hits.push(row);
        }
    }
    Ok(hits)
}

/// Mean binary cross-entropy of logits `z` against labels `y`.
pub fn bce(z: Tensor<1>, y: Tensor<1>) -> Tensor<1> {
    let pos = log_sigmoid(z.clone()) * y.clone();
    let neg = log_sigmoid(z.neg()) * y.neg().add_scalar(1.0);
    (pos + neg).mean().neg()
}

/// Training objective: batch cross-entropy; validation cross-entropy on held-out sequences.
pub struct CnnObjective<'a> {
    /// Training sequences.
    pub train: &'a Encoded,
    /// Validation sequences (early stopping).
    pub val: &'a Encoded,
    /// Autodiff device for training.
    pub train_device: Device,
    /// Plain device for validation.
    pub device: Device,
}

impl Objective<DeepBind> for CnnObjective<'_> {
    fn n_train(&self) -> usize {
        self.train.n()
    }

    fn loss(&self, model: &DeepBind, batch: &[usize]) -> Tensor<1> {
        let (x, y) = self.train.batch(batch, &self.train_device);
        bce(model.forward(x), y)
    }

    fn validate(&self, model: &DeepBind) -> Result<f64> {
        let z = predict(model, self.val, &self.device)?;
        let loss: f64 = z
            .iter()
            .zip(&self.val.y)
            .map(|(&z, &y)| z.max(0.0) + (-z.abs()).exp().ln_1p() - y as f64 * z)
            .sum();
        Ok(loss / z.len().max(1) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_strand_is_the_complement_read_backwards() {
        let d = Dataset {
            seqs: vec![vec![0, 0, 1, 2]],
            labels: vec![true],
            sites: vec![None],
        };
        let e = Encoded::new(&d);
        // AACG -> CGTT: position 0 is C (channel 1), position 3 is T (channel 3).
        let at = |v: &[f32], c: usize, i: usize| v[c * 4 + i];
        assert_eq!(at(&e.rev, 1, 0), 1.0);
        assert_eq!(at(&e.rev, 3, 3), 1.0);
        assert_eq!(at(&e.fwd, 0, 0), 1.0);
        assert_eq!(e.rev.iter().sum::<f32>(), 4.0);
    }
}
