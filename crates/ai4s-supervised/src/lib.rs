//! ai4s-supervised: learning from known answers.
//!
//! - [`regression`]: MLP regression on a synthetic high-dimensional target or any CSV.
//! - [`approx`]: approximation error versus width and dimension (the curse of dimensionality).
//! - [`methods`]: random features, grid interpolation, Hermite polynomials, kNN.
//! - [`targets`]: synthetic targets on Gaussian inputs.
//! - [`linear`]: the closed-form least-squares baseline every regression is compared with.

pub mod approx;
pub mod linear;
pub mod methods;
pub mod regression;
pub mod targets;
mod tensors;

pub use approx::Approximation;
pub use regression::Regression;
