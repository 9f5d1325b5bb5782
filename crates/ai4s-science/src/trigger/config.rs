//! The trigger task's configuration and its validation.

use ai4s_core::data::validate_split;
use ai4s_core::error::ensure;
use ai4s_core::mlp::{Activation, MlpConfig};
use ai4s_core::train::{Schedule, TrainSettings};
use ai4s_core::{Result, TaskConfig};
use serde::{Deserialize, Serialize};

/// Configuration of [`Trigger`](super::Trigger). Energies, momenta and masses in GeV.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TriggerConfig {
    /// Simulated collisions (signal and background together).
    pub events: usize,
    /// Fraction of them that are signal.
    pub signal_fraction: f64,
    /// Fraction of events for validation (early stopping).
    pub val_fraction: f64,
    /// Fraction of events held out for the reported efficiencies.
    pub test_fraction: f64,
    /// Background acceptance at which signal efficiencies are compared (1 % = 0.01).
    pub target_acceptance: f64,
    /// Mass of the heavy resonance X -> V V.
    pub resonance_mass: f64,
    /// Breit-Wigner width of the resonance.
    pub resonance_width: f64,
    /// Mass of the boson V whose decay fills one jet.
    pub boson_mass: f64,
    /// Relative spread of the contained V mass (out-of-cone radiation, final-state radiation).
    pub boson_mass_spread: f64,
    /// Probability that a signal jet contains both quarks of the V decay (else it looks like QCD).
    pub merged_fraction: f64,
    /// QCD dijet mass spectrum: `dN/dm ~ m^-background_slope` on `background_mass_range`.
    pub background_slope: f64,
    /// Range `[low, high]` of the generated QCD dijet mass.
    pub background_mass_range: [f64; 2],
    /// QCD angular distribution: `chi = exp(|y1 - y2|)` uniform on `[1, chi_max]` (t-channel).
    pub chi_max: f64,
    /// Standard deviation of the rapidity of the dijet system.
    pub rapidity_spread: f64,
    /// Generator-level preselection: both jets above this transverse momentum.
    pub pt_min: f64,
    /// Generator-level preselection: both jets within `|eta| < eta_max`.
    pub eta_max: f64,
    /// QCD jets: median jet mass over jet pT.
    pub qcd_mass_ratio: f64,
    /// QCD jets: standard deviation of `ln(m / pT)`.
    pub qcd_mass_spread: f64,
    /// Mean N-subjettiness ratio tau21 of a contained V decay (two prongs: small).
    pub tau21_signal: f64,
    /// Mean tau21 of a QCD jet (one prong: large).
    pub tau21_background: f64,
    /// Concentration `alpha + beta` of the Beta distributions of tau21 (larger = narrower).
    pub tau21_concentration: f64,
    /// Mean number of extra radiation jets `[signal, background]` (a colour-singlet resonance
    /// radiates less than QCD).
    pub extra_jets: [f64; 2],
    /// Threshold of extra jets (generated above it; counted in `n_jets` above it).
    pub extra_jet_pt_min: f64,
    /// Mean of the exponential pT spectrum of extra jets above the threshold.
    pub extra_jet_pt_mean: f64,
    /// Jet energy resolution `sigma_E / E = a / sqrt(E) (+) b`: `[a (sqrt GeV), b]`.
    pub jet_resolution: [f64; 2],
    /// Relative resolution of the jet mass on top of the energy scale.
    pub mass_resolution: f64,
    /// Absolute resolution of tau21.
    pub tau21_resolution: f64,
    /// Mean number of pile-up vertices per bunch crossing (Poisson).
    pub pileup_mean: f64,
    /// Mean pT (exponential) that each pile-up vertex adds to each jet.
    pub pileup_jet_pt: f64,
    /// Pile-up jet mass: `m^2 -> m^2 + pileup_mass * pT * pT_pileup`.
    pub pileup_mass: f64,
    /// Pile-up tau21: `tau21 -> tau21 + pileup_tau21 * pT_pileup / pT`.
    pub pileup_tau21: f64,
    /// Mean soft transverse energy (exponential) of each pile-up vertex outside the jets.
    pub pileup_soft_et: f64,
    /// Missing ET resolution of the soft term, `sigma = met_soft * sqrt(soft ET)` per component (sqrt GeV).
    pub met_soft: f64,
    /// Probability that a pile-up vertex is reconstructed (`n_vertices` feature).
    pub vertex_efficiency: f64,
    /// The network (ReLU hidden layers: the int8 path applies ReLU to integers).
    pub mlp: MlpConfig,
    /// Its optimisation (binary cross-entropy, early stopping on the validation events).
    pub train: TrainSettings,
    /// Training events on which the int8 activation scales are calibrated.
    pub calibration_events: usize,
    /// Percentile of `|activation|` mapped to 127 (100 = the maximum).
    pub calibration_percentile: f64,
    /// Features in the box-cut baseline (the most discriminating ones alone).
    pub cut_features: usize,
    /// Extra Lagrangian paths of the cut search from random starting boxes (0: only the path
    /// from the open box).
    pub cut_restarts: usize,
    /// Quantile bins per feature on which cut thresholds are placed.
    pub cut_bins: usize,
    /// Background acceptances at which boxes are optimised to trace the cuts' ROC curve.
    pub cut_curve: Vec<f64>,
    /// Test events in each latency measurement.
    pub latency_events: usize,
    /// Repetitions of the latency loop (the median is reported).
    pub latency_repeats: usize,
}

impl Default for TriggerConfig {
    fn default() -> Self {
        TriggerConfig {
            events: 1_000_000,
            signal_fraction: 0.5,
            val_fraction: 0.15,
            test_fraction: 0.3,
            target_acceptance: 0.01,
            resonance_mass: 1000.0,
            resonance_width: 60.0,
            boson_mass: 85.0,
            boson_mass_spread: 0.1,
            merged_fraction: 0.5,
            background_slope: 5.0,
            background_mass_range: [700.0, 4000.0],
            chi_max: 30.0,
            rapidity_spread: 0.8,
            pt_min: 150.0,
            eta_max: 2.5,
            qcd_mass_ratio: 0.1,
            qcd_mass_spread: 0.5,
            tau21_signal: 0.45,
            tau21_background: 0.6,
            tau21_concentration: 10.0,
            extra_jets: [0.8, 1.2],
            extra_jet_pt_min: 30.0,
            extra_jet_pt_mean: 40.0,
            jet_resolution: [1.0, 0.05],
            mass_resolution: 0.1,
            tau21_resolution: 0.05,
            pileup_mean: 40.0,
            pileup_jet_pt: 0.5,
            pileup_mass: 0.2,
            pileup_tau21: 1.0,
            pileup_soft_et: 8.0,
            met_soft: 0.6,
            vertex_efficiency: 0.7,
            mlp: MlpConfig {
                hidden: vec![32, 32],
                activation: Activation::Relu,
            },
            train: TrainSettings {
                epochs: 60,
                batch_size: 512,
                lr: 3e-3,
                schedule: Schedule::Cosine,
                patience: 8,
                ..Default::default()
            },
            calibration_events: 5000,
            calibration_percentile: 99.99,
            cut_features: 5,
            cut_restarts: 4,
            cut_bins: 60,
            cut_curve: vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
            latency_events: 20_000,
            latency_repeats: 9,
        }
    }
}

impl TaskConfig for TriggerConfig {
    fn quick() -> Self {
        let d = Self::default();
        TriggerConfig {
            events: 200_000,
            train: TrainSettings {
                epochs: 25,
                patience: 6,
                ..d.train.clone()
            },
            cut_restarts: 2,
            latency_events: 10_000,
            latency_repeats: 5,
            ..d
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            (2_000..=50_000_000).contains(&self.events),
            "events",
            || {
                format!(
                    "must be 2000..=50000000 (train, validation and test events are drawn from them), got {}",
                    self.events
                )
            },
        )?;
        open_unit(self.signal_fraction, "signal_fraction")?;
        validate_split(self.val_fraction, self.test_fraction)?;
        open_unit(self.target_acceptance, "target_acceptance")?;
        let test_bkg = self.events as f64 * self.test_fraction * (1.0 - self.signal_fraction);
        ensure(
            test_bkg * self.target_acceptance >= 10.0,
            "target_acceptance",
            || {
                format!(
                    "{} of the {test_bkg:.0} test background events is below 10 events; raise events or target_acceptance",
                    self.target_acceptance
                )
            },
        )?;
        positive(self.resonance_mass, "resonance_mass", 1e5)?;
        ensure(
            self.resonance_mass > 2.0 * self.pt_min,
            "resonance_mass",
            || {
                format!(
                    "must exceed twice pt_min ({}) or no decay passes the preselection, got {}",
                    2.0 * self.pt_min,
                    self.resonance_mass
                )
            },
        )?;
        ensure(
            self.resonance_width.is_finite()
                && self.resonance_width > 0.0
                && self.resonance_width <= 0.3 * self.resonance_mass,
            "resonance_width",
            || {
                format!(
                    "must lie in (0, 0.3 x resonance_mass = {}], got {}",
                    0.3 * self.resonance_mass,
                    self.resonance_width
                )
            },
        )?;
        ensure(
            self.boson_mass.is_finite()
                && self.boson_mass > 0.0
                && self.boson_mass < 0.25 * self.resonance_mass,
            "boson_mass",
            || {
                format!(
                    "must lie in (0, resonance_mass / 4 = {}) so that the decay products are boosted into one jet, got {}",
                    0.25 * self.resonance_mass,
                    self.boson_mass
                )
            },
        )?;
        unit_closed(self.merged_fraction, "merged_fraction")?;
        ensure(
            self.background_slope.is_finite() && self.background_slope > 1.0,
            "background_slope",
            || {
                format!(
                    "must exceed 1 (a falling, normalisable spectrum), got {}",
                    self.background_slope
                )
            },
        )?;
        let [lo, hi] = self.background_mass_range;
        ensure(
            lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo && hi > 2.0 * self.pt_min,
            "background_mass_range",
            || {
                format!(
                    "must be [low, high] with 0 < low < high and high above twice pt_min ({}), got {:?}",
                    2.0 * self.pt_min,
                    self.background_mass_range
                )
            },
        )?;
        ensure(
            self.chi_max.is_finite() && self.chi_max > 1.0 && self.chi_max <= 1e4,
            "chi_max",
            || format!("must lie in (1, 10000], got {}", self.chi_max),
        )?;
        positive(self.pt_min, "pt_min", 1e4)?;
        positive(self.eta_max, "eta_max", 6.0)?;
        open_unit(self.qcd_mass_ratio, "qcd_mass_ratio")?;
        for (name, mean) in [
            ("tau21_signal", self.tau21_signal),
            ("tau21_background", self.tau21_background),
        ] {
            open_unit(mean, name)?;
        }
        ensure(
            self.tau21_concentration.is_finite()
                && self.tau21_concentration > 0.0
                && self.tau21_concentration <= 1e4,
            "tau21_concentration",
            || format!("must lie in (0, 10000], got {}", self.tau21_concentration),
        )?;
        ensure(
            self.extra_jets
                .iter()
                .all(|m| m.is_finite() && (0.0..=20.0).contains(m)),
            "extra_jets",
            || {
                format!(
                    "must be [signal, background] means in [0, 20], got {:?}",
                    self.extra_jets
                )
            },
        )?;
        positive(self.extra_jet_pt_min, "extra_jet_pt_min", 1e4)?;
        positive(self.extra_jet_pt_mean, "extra_jet_pt_mean", 1e4)?;
        ensure(
            self.jet_resolution
                .iter()
                .all(|v| v.is_finite() && (0.0..=5.0).contains(v)),
            "jet_resolution",
            || {
                format!(
                    "must be [a, b] with both in [0, 5] (sigma_E / E = a / sqrt(E) (+) b), got {:?}",
                    self.jet_resolution
                )
            },
        )?;
        for (name, v, max) in [
            ("boson_mass_spread", self.boson_mass_spread, 1.0),
            ("qcd_mass_spread", self.qcd_mass_spread, 3.0),
            ("rapidity_spread", self.rapidity_spread, 5.0),
            ("mass_resolution", self.mass_resolution, 1.0),
            ("tau21_resolution", self.tau21_resolution, 1.0),
            ("pileup_mean", self.pileup_mean, 1000.0),
            ("pileup_jet_pt", self.pileup_jet_pt, 100.0),
            ("pileup_mass", self.pileup_mass, 100.0),
            ("pileup_tau21", self.pileup_tau21, 100.0),
            ("pileup_soft_et", self.pileup_soft_et, 1e3),
            ("met_soft", self.met_soft, 100.0),
        ] {
            ensure(v.is_finite() && (0.0..=max).contains(&v), name, || {
                format!("must lie in [0, {max}], got {v}")
            })?;
        }
        unit_closed(self.vertex_efficiency, "vertex_efficiency")?;
        self.mlp.validate("mlp")?;
        ensure(
            self.mlp.activation == Activation::Relu,
            "mlp.activation",
            || {
                format!(
                    "must be \"relu\": the int8 network applies ReLU to integers, got {:?}",
                    self.mlp.activation
                )
            },
        )?;
        ensure(
            self.mlp.hidden.iter().all(|&w| w <= 4096),
            "mlp.hidden",
            || {
                format!(
                    "widths must be at most 4096 (a trigger network, and int32 accumulators stay far from overflow), got {:?}",
                    self.mlp.hidden
                )
            },
        )?;
        self.train.validate("train")?;
        ensure(self.calibration_events >= 10, "calibration_events", || {
            format!("must be at least 10, got {}", self.calibration_events)
        })?;
        ensure(
            self.calibration_percentile.is_finite()
                && self.calibration_percentile > 50.0
                && self.calibration_percentile <= 100.0,
            "calibration_percentile",
            || {
                format!(
                    "must lie in (50, 100] (100 = the maximum), got {}",
                    self.calibration_percentile
                )
            },
        )?;
        ensure(
            (1..=super::generator::N_FEATURES).contains(&self.cut_features),
            "cut_features",
            || {
                format!(
                    "must be 1..={} (the number of event features), got {}",
                    super::generator::N_FEATURES,
                    self.cut_features
                )
            },
        )?;
        ensure(self.cut_restarts <= 1000, "cut_restarts", || {
            format!("must be at most 1000, got {}", self.cut_restarts)
        })?;
        ensure((4..=255).contains(&self.cut_bins), "cut_bins", || {
            format!("must be 4..=255, got {}", self.cut_bins)
        })?;
        ensure(
            self.cut_curve
                .iter()
                .all(|a| a.is_finite() && *a > 0.0 && *a < 1.0),
            "cut_curve",
            || format!("acceptances must lie in (0, 1), got {:?}", self.cut_curve),
        )?;
        ensure(self.latency_events >= 1, "latency_events", || {
            format!("must be at least 1, got {}", self.latency_events)
        })?;
        ensure(
            (1..=1000).contains(&self.latency_repeats),
            "latency_repeats",
            || format!("must be 1..=1000, got {}", self.latency_repeats),
        )
    }
}

fn open_unit(v: f64, field: &str) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v < 1.0, field, || {
        format!("must lie in (0, 1), got {v}")
    })
}

fn unit_closed(v: f64, field: &str) -> Result<()> {
    ensure(v.is_finite() && (0.0..=1.0).contains(&v), field, || {
        format!("must lie in [0, 1], got {v}")
    })
}

fn positive(v: f64, field: &str, max: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0 && v <= max, field, || {
        format!("must lie in (0, {max}], got {v}")
    })
}
