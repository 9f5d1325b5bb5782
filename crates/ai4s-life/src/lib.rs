//! ai4s-life: the life sciences on the AI-for-Science map.
//!
//! - [`contacts`]: protein structure — residue contacts from co-evolution in a family alignment,
//!   pseudo-likelihood Potts model (plmDCA) against column mutual information, on an alignment
//!   sampled from a Potts model coupled on a three-helix bundle's contacts.
//! - [`diagnosis`]: precision medicine — a calibrated classifier (MLP against logistic
//!   regression) for the Wisconsin breast-cancer table or any binary clinical CSV, stratified
//!   k-fold ROC, sensitivity at 95 % specificity, reliability and temperature scaling.
//! - [`dbtl`]: synthetic biology — the design-build-test-learn loop over a combinatorial
//!   construct library (promoter x RBS x coding variant x terminator x origin), a Gaussian
//!   process choosing each batch, against random screening and a classical design of experiments.
//! - [`fasta`]: the FASTA reader shared by the sequence tasks, with errors naming file, line,
//!   record and position.
//! - [`motifs`]: gene regulation — transcription-factor binding sites found by a DeepBind-style
//!   convolutional network on both DNA strands, against k-mer logistic regression; the motif read
//!   back from the first-layer filters as a position weight matrix and a sequence logo.

pub mod contacts;
pub mod dbtl;
pub mod diagnosis;
pub mod fasta;
pub mod motifs;

pub use contacts::Contacts;
pub use dbtl::Dbtl;
pub use diagnosis::Diagnosis;
pub use motifs::Motifs;
