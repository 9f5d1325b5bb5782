//! ai4s-potential: learning first-principles accuracy into an interatomic potential.
//!
//! - [`cell`]: triclinic periodic cells and O(N) neighbour lists.
//! - [`labeller`]: the `Labeller` trait (energy, forces, virial) and finite-difference checks.
//! - [`lj`], [`sw`]: Lennard-Jones with a smooth cutoff, Stillinger-Weber silicon.
//! - [`tb`]: orthogonal sp3 tight-binding silicon (Kwon 1994), the default labeller;
//!   [`tb_kpoints`]: the same with Brillouin-zone sampling, for small cells.
//! - [`md`]: Langevin dynamics; [`generate`]: the `potential-data` task.
//! - [`forcefield`], [`integrate`], [`analysis`]: molecular dynamics on any labeller or trained
//!   model (velocity Verlet, Langevin BAOAB), thermo logs, trajectories, RDF and bond angles;
//!   [`md_task`]: the `md-validate` task; [`active`]: the `active-learning` task (DP-GEN style).
//! - [`md_run`]: `ai4s potential md` on a user's structure ([`lammps_data`] reader, NVE,
//!   Langevin and [`nhc`] Nose-Hoover chain NVT, [`elements`] masses).
//! - [`env`], [`model`], [`train`]: the se_e2_a descriptor, the Deep Potential with its force path, DeePMD-style training.
//! - [`frames`], [`deepmd`], [`npy`], [`xyz`]: labelled frames and the DeePMD / extended-XYZ formats.
//! - [`dpmodel`]: export to and import from DeePMD-kit's native (v3) model document.
//! - [`input_json`]: DeePMD-kit's training `input.json` as a `deep-potential` config.
//! - [`high_entropy`]: the `high-entropy` task (cluster expansion of a five-component LJ alloy,
//!   Warren-Cowley order and the order-disorder temperature by Monte Carlo).

// Index loops over Cartesian components (a, b, c = x, y, z) mirror the formulas in the docs.
#![allow(clippy::needless_range_loop)]

pub mod active;
pub mod analysis;
pub mod cell;
pub mod compress;
pub mod deepmd;
pub mod dpmodel;
pub mod elements;
pub mod env;
pub mod evaluate;
pub mod forcefield;
pub mod frames;
pub mod generate;
pub mod high_entropy;
pub mod input_json;
pub mod integrate;
pub mod labeller;
pub mod lammps_data;
pub mod lj;
pub mod md;
pub mod md_run;
pub mod md_task;
pub mod meta;
pub mod model;
pub mod model_file;
pub mod nhc;
pub mod npy;
pub mod prepared;
pub mod structure_search;
pub mod sw;
pub mod tb;
pub mod tb_kpoints;
pub mod train;
pub mod train_config;
pub mod xyz;

pub use active::ActiveLearning;
pub use generate::GenerateData;
pub use high_entropy::HighEntropy;
pub use md_task::MdValidate;
pub use structure_search::StructureSearch;
pub use train::DeepPotential;
