//! ai4s-chem: chemistry on the AI-for-Science map.
//!
//! - [`molecules`]: molecular property prediction and virtual screening — a message-passing
//!   neural network on the graphs of random conjugated hydrocarbons, labelled exactly by Hueckel
//!   theory, against circular fingerprints with ridge regression.
//! - [`eigen`]: a symmetric eigen-solver (cyclic Jacobi) in `f64`, shared maths that does not
//!   depend on chemistry.

pub mod eigen;
pub mod molecules;

pub use molecules::Molecules;
