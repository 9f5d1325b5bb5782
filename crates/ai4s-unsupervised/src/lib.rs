//! ai4s-unsupervised: the seed's second paradigm — data without answers.
//!
//! Classical methods (ndarray): clustering, Gaussian mixtures, PCA, DBSCAN and their metrics;
//! deep generative models (burn): a variational autoencoder and a RealNVP normalising flow used
//! as a Boltzmann generator; and a science case, discovering the 2-D Ising phase transition
//! from unlabelled spin snapshots.
//!
//! Classical methods and phase discovery:
//! - [`kmeans`]: k-means (greedy k-means++, restarts, Lloyd with Hamerly's bounds on every
//!   core); [`gmm`]: Gaussian mixtures by EM with BIC; [`pca`]: principal components;
//!   [`dbscan`]: density clustering (grid or k-d tree, scikit-learn's labels).
//! - [`toy`]: seeded blobs, moons,
//!   circles, anisotropic blobs, eight Gaussians (scikit-learn's definitions).
//! - Tasks `kmeans`, `dbscan` ([`cluster_tasks`]), `gmm` ([`gmm_task`]), `pca` ([`pca_task`]):
//!   toy benchmarks, or any numeric CSV with `--set data=FILE.csv`.
//! - [`ising`]: task `ising-phases`, Metropolis snapshots of the 2-D Ising model whose PCA finds
//!   the magnetisation and the critical temperature.
//!
//! Deep generative models:
//! - [`vae`]: task `vae`, a variational autoencoder (binomial pixel likelihood) on the digits.
//! - [`flow`]: RealNVP affine couplings with exact inverse and log-determinant; [`toy2d`]: 2-D
//!   densities with exact log-densities; [`flow_density`]: task `flow`, maximum likelihood on
//!   them.
//! - [`boltzmann`]: task `boltzmann`, the flow as a Boltzmann generator for a double well,
//!   importance-reweighted free-energy difference against numerical integration.

// --- classical methods and phase discovery (modules below this line) ---
pub mod cluster_tasks;
pub mod dbscan;
pub mod gmm;
pub mod gmm_task;
pub mod ising;
pub mod kmeans;
pub(crate) mod metric;
pub(crate) mod parallel;
pub mod pca;
pub mod pca_task;
pub mod toy;

pub use cluster_tasks::{DbscanTask, KMeansTask};
pub use gmm_task::GmmTask;
pub use ising::IsingPhases;
pub use pca_task::PcaTask;

// --- deep generative models (modules below this line) ---
pub mod boltzmann;
pub mod flow;
pub mod flow_density;
pub mod toy2d;
pub mod vae;

pub use boltzmann::BoltzmannGenerator;
pub use flow_density::FlowDensity;
pub use vae::VaeTask;
