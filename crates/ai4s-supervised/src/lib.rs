//! ai4s-supervised: learning from known answers.
//!
//! - [`regression`]: MLP regression on a synthetic high-dimensional target or any CSV.
//! - [`linear`]: the closed-form least-squares baseline every regression is compared with.

pub mod linear;
pub mod regression;
pub mod targets;
mod tensors;

pub use regression::Regression;
