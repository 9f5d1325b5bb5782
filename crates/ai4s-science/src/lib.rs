//! ai4s-science: the fields of the AI-for-Science map, one task each.
//!
//! - [`automata`]: complex systems — learning elementary cellular automata (rules 30 and 110)
//!   and Conway's Game of Life from simulated data.
//! - [`lorenz`]: chaos and weather — forecasting Lorenz-63 with a reservoir computer.

pub mod automata;
pub mod lorenz;

pub use automata::CellularAutomata;
pub use lorenz::LorenzForecast;
