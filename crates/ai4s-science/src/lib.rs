//! ai4s-science: the fields of the AI-for-Science map, one task each.
//!
//! - [`automata`]: complex systems — learning elementary cellular automata (rules 30 and 110)
//!   and Conway's Game of Life from simulated data.
//! - [`lorenz`]: chaos and weather — forecasting Lorenz-63 with a reservoir computer.
//! - [`pinn`]: PDE solving — a physics-informed network for the heat equation.
//! - [`bayesopt`]: the lab loop — Bayesian optimisation of experiments.
//! - [`vmc`]: quantum — variational Monte Carlo with a neural wavefunction.

pub mod automata;
pub mod bayesopt;
pub mod lorenz;
pub mod pinn;
pub mod vmc;

pub use automata::CellularAutomata;
pub use bayesopt::BayesOpt;
pub use lorenz::LorenzForecast;
pub use pinn::HeatPinn;
pub use vmc::VariationalMonteCarlo;
