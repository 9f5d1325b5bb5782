//! ai4s-supervised: learning from known answers.
//!
//! - [`regression`]: MLP regression on a synthetic high-dimensional target or any CSV.
//! - [`classification`]: MLP classification on the digits or any labelled CSV.
//! - [`cnn`]: a small CNN on the 8x8 digits.
//! - [`approx`]: approximation error versus width and dimension (the curse of dimensionality).
//! - [`methods`]: random features, grid interpolation, Hermite polynomials, kNN.
//! - [`targets`]: synthetic targets on Gaussian inputs.

pub mod approx;
pub mod classification;
pub mod cnn;
pub mod methods;
pub mod regression;
pub mod targets;

pub use approx::Approximation;
pub use classification::Classification;
pub use cnn::CnnTask;
pub use regression::Regression;
