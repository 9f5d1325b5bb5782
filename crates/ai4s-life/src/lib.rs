//! ai4s-life: the life sciences on the AI-for-Science map.
//!
//! - [`contacts`]: protein structure — residue contacts from co-evolution in a family alignment,
//!   pseudo-likelihood Potts model (plmDCA) against column mutual information, on an alignment
//!   sampled from a Potts model coupled on a three-helix bundle's contacts.
//! - [`dbtl`]: synthetic biology — the design-build-test-learn loop over a combinatorial
//!   construct library (promoter x RBS x coding variant x terminator x origin), a Gaussian
//!   process choosing each batch, against random screening and a classical design of experiments.
//! - [`motifs`]: gene regulation — transcription-factor binding sites found by a DeepBind-style
//!   convolutional network on both DNA strands, against k-mer logistic regression; the motif read
//!   back from the first-layer filters as a position weight matrix and a sequence logo.

pub mod contacts;
pub mod dbtl;
pub mod motifs;

pub use contacts::Contacts;
pub use dbtl::Dbtl;
pub use motifs::Motifs;
