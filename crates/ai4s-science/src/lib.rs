//! ai4s-science: the fields of the AI-for-Science map, one task each.
//!
//! - [`automata`]: complex systems — learning elementary cellular automata (rules 30 and 110)
//!   and Conway's Game of Life from simulated data.
//! - [`lorenz`]: chaos and weather — forecasting Lorenz-63 with a reservoir computer.
//! - [`pinn`]: PDE solving — a physics-informed network for the heat equation.
//! - [`bayesopt`]: the lab loop — Bayesian optimisation of experiments.
//! - [`vmc`]: quantum — variational Monte Carlo with a neural wavefunction.
//! - [`transits`]: astronomy — planetary transits in light curves, 1-D CNN vs box least squares.
//! - [`alloy`]: materials — ground-state ordering of a binary alloy, annealing vs enumeration.
//! - [`battery`]: energy — Li-ion cycle life from the first 100 cycles (Severson et al. 2019).
//! - [`isotope`]: earth science — tracer diffusivities and the Arrhenius activation energy from
//!   sparse depth profiles, a PINN ensemble with trainable D vs erfc least squares.
//! - [`lensing`]: astronomy — strong gravitational lenses in survey cutouts, a CNN finder and
//!   Einstein-radius regressor vs lens-light subtraction with a ring filter and a parametric fit.
//! - [`sampling`]: materials — reinforced dynamics (RiD) learning the Mueller-Brown free energy
//!   from restrained-MD mean forces, against well-tempered metadynamics and plain MD.
//! - [`trigger`]: particle physics — a real-time collision trigger, an int8-quantised MLP
//!   (hls4ml-style) against box cuts at 1 % background acceptance, with ns latency.
//! - [`weather`]: weather — forecasting a forced 2-D barotropic flow with a CNN (circular
//!   padding, rollout training) against persistence and a coarse-grid numerical model.
//! - [`deblur`]: astronomy — restoring blurred, noisy galaxy images, a flux-conserving U-Net
//!   on a Wiener deconvolution vs Wiener filtering and Richardson-Lucy.

pub mod alloy;
pub mod automata;
pub mod battery;
pub mod bayesopt;
pub mod deblur;
pub mod isotope;
pub mod lensing;
pub mod lorenz;
pub mod pinn;
pub mod sampling;
pub mod transits;
pub mod trigger;
pub mod vmc;
pub mod weather;

pub use alloy::AlloySearch;
pub use automata::CellularAutomata;
pub use battery::Battery;
pub use bayesopt::BayesOpt;
pub use deblur::Deblur;
pub use isotope::IsotopeDiffusion;
pub use lensing::Lensing;
pub use lorenz::LorenzForecast;
pub use pinn::HeatPinn;
pub use sampling::EnhancedSampling;
pub use transits::Transits;
pub use trigger::Trigger;
pub use vmc::VariationalMonteCarlo;
pub use weather::WeatherField;
