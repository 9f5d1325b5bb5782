//! ai4s-core: the pieces every ai4s task shares.
//!
//! - [`device`]: the one place that turns `--device` into a burn [`Device`](burn::tensor::Device).
//! - [`task`]: the [`Task`](task::Task) trait, the single extension point, and [`Area`](task::Area).
//! - [`run`]: the runner, [`RunContext`](run::RunContext), the run directory and `summary.json`.
//! - [`config`]: TOML configs and `--set` overrides with field-named errors.
//! - [`train`]: the shared training-loop skeleton, [`steps`] its step-based sibling (DeePMD's
//!   loop); [`mlp`]: the shared MLP.
//! - [`data`]: CSV tables, splits, standardisation; [`datasets`]: labelled tables and the
//!   shipped digits; [`metrics`]: logs, error measures, statistics, ROC/AUC, clustering scores.
//! - Shared maths: [`linalg`] (Cholesky, ridge least squares, Gauss-Jordan), [`gp`] (Gaussian
//!   process, expected improvement), [`fire`] (FIRE relaxation of any differentiable objective),
//!   [`fft`] (2-D FFT and circular convolution); [`parallel`]: per-item work on every core.
//! - [`plot`]: figures (SVG + PNG, embedded font); [`progress`]: bars and log lines;
//!   [`html`]: the map report; [`tensor`]: host data <-> tensors; [`io`]: atomic writes; [`error`]: the error type.

pub mod alloc;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod datasets;
pub mod device;
pub mod error;
pub mod fft;
pub mod fire;
pub mod free_energy;
pub mod gp;
pub mod html;
pub mod io;
pub mod kernels;
pub mod langevin;
pub mod linalg;
pub mod metrics;
pub mod minimize;
pub mod mlp;
pub mod parallel;
pub mod plot;
pub mod progress;
pub mod report;
pub mod run;
pub mod selftest;
pub mod special;
pub mod steps;
pub mod task;
pub mod tensor;
pub mod testkit;
pub mod train;

pub use burn;
pub use device::{Backend, Precision};
pub use error::{Error, Result};
pub use report::{Figure, Goal, Report};
pub use run::{RunContext, RunOptions};
pub use task::{Area, DynTask, Field, Task, TaskConfig};
