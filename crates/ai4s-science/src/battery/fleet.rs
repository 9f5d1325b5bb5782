//! A fleet of simulated cells: protocols and manufacturing factors drawn from the config,
//! each cell cycled to end of life with measured capacities and the two early `Q(V)` curves.

use super::cell::{Cell, Protocol, first_below};
use super::config::BatteryConfig;
use ai4s_core::progress::Progress;
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

/// One cycled cell as the experiment records it.
#[derive(Clone, Debug)]
pub struct CellRecord {
    /// The cell's parameters.
    pub cell: Cell,
    /// Measured discharge capacity of cycles 1, 2, ... up to end of life (or `max_cycles`), Ah.
    pub capacity: Vec<f64>,
    /// First cycle below end of life; `None` when censored at `max_cycles`.
    pub life: Option<usize>,
    /// Measured `Q(V)` of the early cycle on the voltage grid, Ah.
    pub q_early: Vec<f64>,
    /// Measured `Q(V)` of the late cycle.
    pub q_late: Vec<f64>,
}

impl CellRecord {
    /// `Delta Q(V) = Q_late(V) - Q_early(V)`.
    pub fn delta_q(&self) -> Vec<f64> {
        self.q_late
            .iter()
            .zip(&self.q_early)
            .map(|(b, a)| b - a)
            .collect()
    }
}

/// The voltage grid, ascending from the cut-off to the top.
pub fn voltage_grid(cfg: &BatteryConfig) -> Vec<f64> {
    let [lo, hi] = cfg.voltage_range;
    let n = cfg.voltage_points;
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

fn lognormal(rng: &mut StdRng, sigma: f64) -> f64 {
    (sigma * rng.sample::<f64, _>(StandardNormal)).exp()
}

/// Manufacturing factors of one cell: each multiplies the configured median of its parameter
/// (all 1 for the median cell).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Factors {
    /// Active-material loss rate.
    pub lam: f64,
    /// Plating rate.
    pub plating: f64,
    /// Anode margin.
    pub margin: f64,
    /// Post-knee rate.
    pub knee: f64,
    /// SEI rate.
    pub sei: f64,
    /// Early gain.
    pub activation: f64,
    /// Initial lithium.
    pub lithium: f64,
    /// Resistance.
    pub resistance: f64,
}

impl Factors {
    /// The median cell.
    pub const MEDIAN: Factors = Factors {
        lam: 1.0,
        plating: 1.0,
        margin: 1.0,
        knee: 1.0,
        sei: 1.0,
        activation: 1.0,
        lithium: 1.0,
        resistance: 1.0,
    };

    /// Log-normal factors with the configured spreads.
    pub fn sample(cfg: &BatteryConfig, rng: &mut StdRng) -> Factors {
        Factors {
            lam: lognormal(rng, cfg.sigma_lam),
            plating: lognormal(rng, cfg.sigma_plating),
            margin: lognormal(rng, cfg.sigma_margin),
            knee: lognormal(rng, cfg.sigma_knee),
            sei: lognormal(rng, cfg.sigma_sei),
            activation: lognormal(rng, cfg.sigma_sei),
            lithium: lognormal(rng, cfg.sigma_capacity),
            resistance: lognormal(rng, cfg.sigma_capacity),
        }
    }
}

/// The cell built from the configured medians, a protocol and manufacturing factors:
/// `r = r_0 f_r (S + psi E)`, `p = p_0 f_p E`, and the other parameters scaled by their factors.
pub fn build_cell(cfg: &BatteryConfig, protocol: Protocol, f: &Factors) -> Cell {
    let excess = protocol.plating_excess(cfg.plating_threshold_c);
    Cell {
        protocol,
        lithium_ah: cfg.initial_ah * f.lithium,
        margin: (cfg.anode_margin * f.margin).min(0.9),
        sei_rate: cfg.sei_rate * f.sei,
        activation: cfg.activation * f.activation,
        activation_cycles: cfg.activation_cycles,
        lam_rate: cfg.lam_rate * f.lam * (protocol.stress() + cfg.plating_lam * excess),
        plating_rate: cfg.plating_rate * f.plating * excess,
        knee_rate: cfg.knee_rate * f.knee,
        resistance_ohm: cfg.resistance_mohm * 1e-3 * f.resistance,
        resistance_growth: cfg.resistance_growth,
        current_a: cfg.discharge_c_rate * cfg.nominal_ah,
    }
}

/// Draws one cell: a protocol uniformly from the configured ranges and log-normal
/// manufacturing factors.
pub fn sample_cell(cfg: &BatteryConfig, rng: &mut StdRng) -> Cell {
    let mut uniform = |r: [f64; 2]| r[0] + (r[1] - r[0]) * rng.random::<f64>();
    let protocol = Protocol {
        c1: uniform(cfg.c1_range),
        switch_soc: uniform(cfg.switch_soc_range),
        c2: uniform(cfg.c2_range),
    };
    build_cell(cfg, protocol, &Factors::sample(cfg, rng))
}

/// Cycles `cell` until its measured capacity falls below end of life (or `max_cycles`) and
/// records the two early discharge curves, all with measurement noise from `rng`.
pub fn cycle_cell(cell: Cell, cfg: &BatteryConfig, grid: &[f64], rng: &mut StdRng) -> CellRecord {
    let cutoff = cfg.voltage_range[0];
    let eol = cfg.eol_fraction * cfg.nominal_ah;
    let mut noise = |sigma: f64| sigma * rng.sample::<f64, _>(StandardNormal);
    let mut capacity = Vec::new();
    for n in 1..=cfg.max_cycles {
        let q = cell.capacity(n as f64, cutoff) + noise(cfg.capacity_noise_ah);
        capacity.push(q);
        if q < eol {
            break;
        }
    }
    let life = first_below(&capacity, eol);
    let mut curve = |n: usize| -> Vec<f64> {
        cell.state(n as f64)
            .discharge_curve(grid)
            .into_iter()
            .map(|q| q + noise(cfg.q_noise_ah))
            .collect()
    };
    let q_early = curve(cfg.early_cycles[0]);
    let q_late = curve(cfg.early_cycles[1]);
    CellRecord {
        cell,
        capacity,
        life,
        q_early,
        q_late,
    }
}

/// Draws and cycles `cfg.cells` cells from `seed`.
pub fn simulate_fleet(
    cfg: &BatteryConfig,
    seed: u64,
    mut bar: Option<&mut Progress>,
) -> Vec<CellRecord> {
    let grid = voltage_grid(cfg);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6261_7474);
    (0..cfg.cells)
        .map(|_| {
            let cell = sample_cell(cfg, &mut rng);
            let rec = cycle_cell(cell, cfg, &grid, &mut rng);
            if let Some(b) = bar.as_deref_mut() {
                b.inc(1);
            }
            rec
        })
        .collect()
}
