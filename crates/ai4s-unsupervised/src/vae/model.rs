//! The variational autoencoder: encoder, decoder and the ELBO terms with a binomial pixel
//! likelihood.

use super::*;

/// Side of the digit images.
pub(super) const SIDE: usize = 8;

/// Binomial trials per pixel: the 16 bitmap pixels of one block.
pub(super) const TRIALS: f64 = 16.0;

/// Pixels per image.
pub(super) const PIXELS: usize = SIDE * SIDE;

/// A variational autoencoder with MLP encoder and decoder.
#[derive(Module, Debug)]
pub struct Vae {
    /// Image `[n, 64]` to `(mu, logvar)`, `[n, 2 latent]`.
    pub encoder: Mlp,
    /// Latent `[n, latent]` to pixel logits `[n, 64]`.
    pub decoder: Mlp,
    /// Latent dimension.
    pub latent: usize,
}

/// Per-image terms of the negative ELBO, `[n, 1]` each.
pub struct ElboTerms {
    /// `-log p(x|z)` (nats).
    pub reconstruction: Tensor<2>,
    /// `KL(q(z|x) || p(z))` (nats).
    pub kl: Tensor<2>,
}

impl Vae {
    /// Builds a VAE for `pixels` inputs.
    pub fn new(pixels: usize, latent: usize, net: &MlpConfig, device: &Device) -> Vae {
        Vae {
            encoder: net.init(pixels, 2 * latent, device),
            decoder: net.init(latent, pixels, device),
            latent,
        }
    }

    /// `(mu, logvar)` of `q(z|x)`.
    pub fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let h = self.encoder.forward(x);
        let k = self.latent;
        (
            h.clone().narrow(1, 0, k),
            h.narrow(1, k, k).clamp(-12.0, 8.0),
        )
    }

    /// Pixel logits `l(z)`.
    pub fn decode(&self, z: Tensor<2>) -> Tensor<2> {
        self.decoder.forward(z)
    }

    /// `-log p(v|z)` per image for `Binomial(16, sigmoid(l))` counts `v = 16 x`, without the
    /// constant `sum_j ln C(16, v_j)` (see [`log_binomial_coefficients`]), `[n, 1]`.
    pub fn binomial_nll(logits: Tensor<2>, x: Tensor<2>) -> Tensor<2> {
        (softplus(logits.clone(), 1.0) - x * logits).sum_dim(1) * TRIALS
    }

    /// Negative-ELBO terms with the reparameterised sample `z = mu + exp(logvar/2) eps`.
    pub fn elbo_terms(&self, x: Tensor<2>, eps: Tensor<2>) -> ElboTerms {
        let (mu, logvar) = self.encode(x.clone());
        let z = mu.clone() + (logvar.clone() * 0.5).exp() * eps;
        let reconstruction = Self::binomial_nll(self.decode(z), x);
        let kl = (mu.clone() * mu + logvar.clone().exp() - logvar - 1.0).sum_dim(1) * 0.5;
        ElboTerms { reconstruction, kl }
    }

    /// Mean negative ELBO over the batch, shape `[1]`.
    pub fn loss(&self, x: Tensor<2>, eps: Tensor<2>) -> Tensor<1> {
        let t = self.elbo_terms(x, eps);
        (t.reconstruction + t.kl).mean()
    }
}
