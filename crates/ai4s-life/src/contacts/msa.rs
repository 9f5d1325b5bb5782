//! The multiple sequence alignment: residue classes, one-hot encoding, sequence reweighting.
//!
//! Homologous sequences in real alignments are clustered by phylogeny (and MCMC samples by the
//! chain's memory), which would count one family branch many times. Every sequence `n` is
//! weighted by the inverse size of its neighbourhood at 80 % identity,
//!
//! ```text
//! w_n = 1 / #{m : identity(n, m) >= 0.8},   M_eff = sum_n w_n
//! ```
//!
//! (Morcos et al. 2011; Ekeberg et al. 2013), the neighbourhood counting `n` itself. The
//! identities of all pairs come from one matrix product of one-hot encodings, `X X^T / L`,
//! computed in row blocks on the run's device.

use ai4s_core::Result;
use ai4s_core::burn::tensor::{Device, Tensor, TensorData};

/// Letters of the reduced alphabet (Murphy, Wang & Wang, Protein Eng. 13, 149 (2000) group the
/// amino acids into such classes): aliphatic, aromatic, small/polar, acidic, basic, glycine/proline,
/// amide, cysteine.
pub const ALPHABET: &[u8] = b"LFSDKGNC";

/// Aligned sequences of equal length over `q` states: the reduced classes of [`ALPHABET`] in
/// the simulation, the 21 states of [`super::byo::AMINO`] (amino acids and gap) in a user's
/// alignment. Everything downstream (weights, MI, plmDCA) takes `q` from here.
#[derive(Clone, Debug)]
pub struct Msa {
    /// Sequences, states `0..q`.
    pub seqs: Vec<Vec<u8>>,
    /// States per position.
    pub q: usize,
}

impl Msa {
    /// Number of sequences.
    pub fn n(&self) -> usize {
        self.seqs.len()
    }

    /// Alignment length.
    pub fn l(&self) -> usize {
        self.seqs.first().map_or(0, Vec::len)
    }

    /// The first `n` sequences.
    pub fn head(&self, n: usize) -> Msa {
        Msa {
            seqs: self.seqs[..n.min(self.n())].to_vec(),
            q: self.q,
        }
    }

    /// One-hot rows `[N, L q]` (row-major, position-major within a row).
    pub fn one_hot(&self, device: &Device) -> Tensor<2> {
        let (l, q) = (self.l(), self.q);
        let mut data = vec![0.0f32; self.n() * l * q];
        for (n, s) in self.seqs.iter().enumerate() {
            for (i, &a) in s.iter().enumerate() {
                data[n * l * q + i * q + a as usize] = 1.0;
            }
        }
        Tensor::from_data(TensorData::new(data, [self.n(), l * q]), device)
    }

    /// Sequence weights at identity `threshold` (inverse neighbourhood sizes).
    pub fn weights(&self, threshold: f64, device: &Device) -> Result<Vec<f64>> {
        const BLOCK: usize = 1024;
        let n = self.n();
        if n == 0 {
            return Ok(Vec::new());
        }
        let x = self.one_hot(device);
        let xt = x.clone().transpose();
        // Identity counts are integers; half a position of slack absorbs float rounding.
        let need = threshold * self.l() as f64 - 0.5;
        let mut w = Vec::with_capacity(n);
        for start in (0..n).step_by(BLOCK) {
            let rows = x.clone().narrow(0, start, BLOCK.min(n - start));
            let same = rows.matmul(xt.clone()).greater_equal_elem(need).float();
            let counts = ai4s_core::tensor::to_vec(same.sum_dim(1))?;
            w.extend(counts.iter().map(|c| 1.0 / c.max(1.0)));
        }
        Ok(w)
    }

    /// Shannon entropy (nats) of every column's residue frequencies.
    pub fn column_entropy(&self) -> Vec<f64> {
        let n = self.n().max(1) as f64;
        (0..self.l())
            .map(|i| {
                let mut c = vec![0.0; self.q];
                for s in &self.seqs {
                    c[s[i] as usize] += 1.0;
                }
                c.iter()
                    .filter(|&&v| v > 0.0)
                    .map(|&v| -(v / n) * (v / n).ln())
                    .sum()
            })
            .collect()
    }

    /// The alignment as FASTA text in the reduced alphabet (`q <= 8`; a user's alignment is
    /// written by [`super::byo::Alignment::to_fasta`]).
    pub fn to_fasta(&self) -> String {
        let mut out = String::with_capacity(self.n() * (self.l() + 16));
        for (k, s) in self.seqs.iter().enumerate() {
            out.push_str(&format!(">sample_{}\n", k + 1));
            out.extend(s.iter().map(|&a| ALPHABET[a as usize] as char));
            out.push('\n');
        }
        out
    }
}
