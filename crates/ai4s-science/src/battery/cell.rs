//! One LFP/graphite cell: its charging protocol, its degradation state after `n` cycles, and
//! the 4C discharge it delivers (capacity at the cut-off, and `Q(V)` on a voltage grid).

/// Lithiation of the LFP cathode at the top of charge.
const CATHODE_TOP: f64 = 0.03;
/// Cathode capacity over the cell's initial lithium inventory (LFP is in excess).
const CATHODE_EXCESS: f64 = 1.3;
/// Reference C-rate of the mechanical (particle-cracking) stress of charging.
const STRESS_C_RATE: f64 = 4.0;
/// The fast steps of a protocol charge from 0 to this state of charge (then 1C CC-CV).
pub const FAST_CHARGE_SOC: f64 = 0.8;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Open-circuit potential of graphite (V vs Li/Li+) at lithiation `x`: plateaus near 0.09,
/// 0.14 and 0.21 V (the stage 1-2, 2-3 and dilute-stage transitions at x = 0.52 and 0.20),
/// a gentle slope, and the steep rise of the empty electrode as `x -> 0`.
pub fn graphite_ocp(x: f64) -> f64 {
    let x = x.max(1e-9);
    0.08 + 0.045 * sigmoid((0.52 - x) / 0.03)
        + 0.07 * sigmoid((0.20 - x) / 0.035)
        + 0.06 * (1.0 - x)
        + 0.008 / x
}

/// Open-circuit potential of LFP (V vs Li/Li+) at lithiation `y`: the two-phase plateau near
/// 3.43 V with a slight slope, rising at the delithiated end.
pub fn lfp_ocp(y: f64) -> f64 {
    3.43 - 0.04 * (y - 0.5) + 0.08 * (-y.max(0.0) / 0.03).exp()
}

/// A two-step fast-charging protocol `C1(switch)-C2`: `c1` from 0 % to `switch_soc`, `c2` from
/// there to 80 % state of charge (Severson et al. 2019 write e.g. `5.4C(40%)-3.6C`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Protocol {
    /// First-step C-rate.
    pub c1: f64,
    /// State of charge at which the second step starts (0..0.8).
    pub switch_soc: f64,
    /// Second-step C-rate.
    pub c2: f64,
}

impl Protocol {
    /// `(fraction of the fast charge, C-rate)` of the two steps.
    pub fn steps(&self) -> [(f64, f64); 2] {
        let f1 = (self.switch_soc / FAST_CHARGE_SOC).clamp(0.0, 1.0);
        [(f1, self.c1), (1.0 - f1, self.c2)]
    }

    /// Mechanical stress of charging, `S = sum_j phi_j (C_j / 4C)^2` (1 for a constant 4C).
    pub fn stress(&self) -> f64 {
        self.steps()
            .iter()
            .map(|(f, c)| f * (c / STRESS_C_RATE).powi(2))
            .sum()
    }

    /// Charge-weighted C-rate above the plating threshold, `E = sum_j phi_j (C_j - C_th)_+`.
    pub fn plating_excess(&self, threshold: f64) -> f64 {
        self.steps()
            .iter()
            .map(|(f, c)| f * (c - threshold).max(0.0))
            .sum()
    }

    /// Minutes to charge from 0 to 80 % state of charge.
    pub fn minutes_to_80(&self) -> f64 {
        self.steps()
            .iter()
            .map(|(f, c)| 60.0 * f * FAST_CHARGE_SOC / c)
            .sum()
    }

    /// Severson's notation, e.g. `5.4C(40%)-3.6C`.
    pub fn label(&self) -> String {
        format!(
            "{:.1}C({:.0}%)-{:.1}C",
            self.c1,
            100.0 * self.switch_soc,
            self.c2
        )
    }
}

/// The degradation parameters of one cell (its protocol already folded into the rates).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The charging protocol.
    pub protocol: Protocol,
    /// Cyclable lithium at cycle 0, Ah (sets the initial capacity: LFP/graphite cells are
    /// lithium-limited).
    pub lithium_ah: f64,
    /// Anode excess capacity `m`: the graphite holds `lithium_ah / (1 - m)`; the knee starts
    /// when the lost active-material fraction reaches `m`.
    pub margin: f64,
    /// SEI growth: lithium fraction lost as `a sqrt(n)`.
    pub sei_rate: f64,
    /// Early capacity gain (lithium released from the anode overhang), fraction.
    pub activation: f64,
    /// Time constant of that gain, cycles.
    pub activation_cycles: f64,
    /// Loss of graphite active material per cycle, `D(n) = r n`.
    pub lam_rate: f64,
    /// Lithium fraction plated per cycle by fast charging on a fresh anode, `p`.
    pub plating_rate: f64,
    /// Post-knee plating: lithium fraction lost per cycle per unit of damage beyond `m`.
    pub knee_rate: f64,
    /// Ohmic resistance at cycle 0, ohm.
    pub resistance_ohm: f64,
    /// Relative resistance growth per unit of lost active material, `R = R0 (1 + g_R D)`.
    pub resistance_growth: f64,
    /// Discharge current, A.
    pub current_a: f64,
}

/// The state of a cell after `n` cycles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State {
    /// Cyclable lithium, Ah.
    pub lithium_ah: f64,
    /// Graphite capacity, Ah.
    pub anode_ah: f64,
    /// Cathode capacity, Ah.
    pub cathode_ah: f64,
    /// Graphite lithiation at the top of charge (at most 1: the excess is plated).
    pub anode_top: f64,
    /// Ohmic resistance, ohm.
    pub resistance_ohm: f64,
    /// Discharge current, A.
    pub current_a: f64,
}

impl State {
    /// Terminal voltage after discharging `q` Ah:
    /// `V = U_LFP(y0 + q / C_p) - U_graphite(x0 - q / C_n) - I R`.
    pub fn voltage(&self, q: f64) -> f64 {
        let x = self.anode_top - q / self.anode_ah;
        let y = CATHODE_TOP + q / self.cathode_ah;
        lfp_ocp(y) - graphite_ocp(x) - self.current_a * self.resistance_ohm
    }

    /// Charge delivered when the voltage reaches `v` (0 if it starts below `v`). The voltage
    /// falls strictly with `q`, so bisection finds it to 1e-10 Ah.
    pub fn charge_at(&self, v: f64) -> f64 {
        if self.voltage(0.0) <= v {
            return 0.0;
        }
        let (mut lo, mut hi) = (0.0, self.anode_top * self.anode_ah);
        while hi - lo > 1e-10 {
            let mid = 0.5 * (lo + hi);
            if self.voltage(mid) > v {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// Discharge curve `Q(V)` on `grid` (volts).
    pub fn discharge_curve(&self, grid: &[f64]) -> Vec<f64> {
        grid.iter().map(|&v| self.charge_at(v)).collect()
    }
}

impl Cell {
    /// Lost graphite active material after `n` cycles, `D(n) = r n`.
    pub fn damage(&self, n: f64) -> f64 {
        self.lam_rate * n
    }

    /// Cycle at which `D` reaches the anode margin: the onset of the knee.
    pub fn knee_onset(&self) -> f64 {
        if self.lam_rate > 0.0 {
            self.margin / self.lam_rate
        } else {
            f64::INFINITY
        }
    }

    /// Remaining fraction of the initial lithium after `n` cycles:
    /// `1 + g (1 - e^{-n/tau}) - a sqrt(n) - p (n + r n^2 / 2m) - k r (n - n_k)_+^2 / 2`,
    /// the integrals of the plating rate `p (1 + D/m)` and of the post-knee rate `k (D - m)_+`.
    pub fn lithium_fraction(&self, n: f64) -> f64 {
        let gain = self.activation * (1.0 - (-n / self.activation_cycles.max(1e-9)).exp());
        let sei = self.sei_rate * n.sqrt();
        let plating = self.plating_rate * (n + self.lam_rate * n * n / (2.0 * self.margin));
        let past = (n - self.knee_onset()).max(0.0);
        let knee = 0.5 * self.knee_rate * self.lam_rate * past * past;
        (1.0 + gain - sei - plating - knee).max(0.0)
    }

    /// The state after `n` cycles.
    pub fn state(&self, n: f64) -> State {
        let d = self.damage(n).min(0.99);
        let lithium_ah = self.lithium_ah * self.lithium_fraction(n);
        let anode_ah = self.lithium_ah / (1.0 - self.margin) * (1.0 - d);
        State {
            lithium_ah,
            anode_ah,
            cathode_ah: CATHODE_EXCESS * self.lithium_ah,
            anode_top: (lithium_ah / anode_ah).min(1.0),
            resistance_ohm: self.resistance_ohm * (1.0 + self.resistance_growth * d),
            current_a: self.current_a,
        }
    }

    /// Discharge capacity (Ah) of cycle `n` down to the cut-off voltage.
    pub fn capacity(&self, n: f64, cutoff_v: f64) -> f64 {
        self.state(n).charge_at(cutoff_v)
    }
}

/// Index of the first value below `threshold` (as a 1-based cycle number when `trace[0]` is
/// cycle 1), or `None` if none is.
pub fn first_below(trace: &[f64], threshold: f64) -> Option<usize> {
    trace.iter().position(|&q| q < threshold).map(|i| i + 1)
}
