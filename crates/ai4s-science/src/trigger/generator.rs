//! The toy event generator: X -> V V -> two large-radius jets against QCD dijets, then the
//! detector (energy smearing, pile-up) and the per-event features a trigger reads.

use super::config::TriggerConfig;
use ai4s_core::progress::Progress;
use ai4s_core::{Error, Result};
use rand::Rng;
use rand_distr::{Beta, Binomial, Distribution, Gamma, Poisson, StandardNormal};
use std::f64::consts::PI;

/// A feature of an event: column name, axis label, and whether the network reads its logarithm
/// (energies and masses, whose spectra fall over decades).
#[derive(Clone, Copy, Debug)]
pub struct Feature {
    /// Column name in the tables.
    pub name: &'static str,
    /// Label with unit, for figures.
    pub label: &'static str,
    /// The network input is `ln(value)` rather than the value.
    pub log_input: bool,
}

const fn feature(name: &'static str, label: &'static str, log_input: bool) -> Feature {
    Feature {
        name,
        label,
        log_input,
    }
}

/// Number of features per event.
pub const N_FEATURES: usize = 14;

/// The features, in column order.
pub const FEATURES: [Feature; N_FEATURES] = [
    feature("pt1", "leading jet pT (GeV)", true),
    feature("pt2", "subleading jet pT (GeV)", true),
    feature("mjj", "dijet mass m_jj (GeV)", true),
    feature("deta", "|delta eta| between the jets", false),
    feature("dphi", "|delta phi| between the jets", false),
    feature("mj1", "leading jet mass (GeV)", true),
    feature("mj2", "subleading jet mass (GeV)", true),
    feature("tau21_1", "leading jet tau21", false),
    feature("tau21_2", "subleading jet tau21", false),
    feature("ht", "HT, scalar sum of jet pT (GeV)", true),
    feature("met", "missing ET (GeV)", true),
    feature("sum_et", "total transverse energy (GeV)", true),
    feature("n_jets", "jets above threshold", false),
    feature("n_vertices", "reconstructed vertices", false),
];

/// Column index of a feature by name.
pub fn feature_index(name: &str) -> Option<usize> {
    FEATURES.iter().position(|f| f.name == name)
}

/// A jet at generator level (or an extra radiation jet, with mass and tau21 zero).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruthJet {
    /// Transverse momentum.
    pub pt: f64,
    /// Pseudorapidity.
    pub eta: f64,
    /// Azimuth.
    pub phi: f64,
    /// Jet mass.
    pub mass: f64,
    /// N-subjettiness ratio.
    pub tau21: f64,
}

/// A generated collision before the detector.
#[derive(Clone, Debug)]
pub struct TruthEvent {
    /// Resonance decay (true) or QCD dijet (false).
    pub signal: bool,
    /// Invariant mass of the two hard partons.
    pub parton_mass: f64,
    /// The two hard jets.
    pub jets: [TruthJet; 2],
    /// Extra radiation jets, whose recoil the hard jets balance.
    pub extra: Vec<TruthJet>,
}

/// A reconstructed event: its features and the pile-up it came with.
#[derive(Clone, Debug)]
pub struct Event {
    /// Class label.
    pub signal: bool,
    /// The [`FEATURES`] in order.
    pub features: [f64; N_FEATURES],
    /// True number of pile-up vertices.
    pub pileup: u64,
}

/// Tries per event before the generator gives up (the preselection accepts almost nothing).
const MAX_TRIES: usize = 100_000;

/// Samples truth events and passes them through the detector, from a config.
pub struct Generator<'a> {
    cfg: &'a TriggerConfig,
    tau_signal: Beta<f64>,
    tau_background: Beta<f64>,
}

fn beta(mean: f64, concentration: f64) -> Result<Beta<f64>> {
    Beta::new(mean * concentration, (1.0 - mean) * concentration)
        .map_err(|e| Error::Runtime(format!("tau21 distribution (mean {mean}): {e}")))
}

fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample::<f64, _>(StandardNormal)
}

/// Poisson draw; zero for a zero mean.
fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64)
}

/// Sum of `n` exponentials of mean `mean` (a Gamma draw); zero when either is zero.
fn sum_exp<R: Rng + ?Sized>(n: u64, mean: f64, rng: &mut R) -> f64 {
    if n == 0 || mean <= 0.0 {
        return 0.0;
    }
    Gamma::new(n as f64, mean).map_or(0.0, |g| g.sample(rng))
}

/// Energy, momentum of a jet: `[E, px, py, pz]`.
fn four_vector(pt: f64, eta: f64, phi: f64, mass: f64) -> [f64; 4] {
    let pz = pt * eta.sinh();
    let p2 = pt * pt + pz * pz;
    [
        (p2 + mass * mass).sqrt(),
        pt * phi.cos(),
        pt * phi.sin(),
        pz,
    ]
}

/// Invariant mass of two jets.
pub fn dijet_mass(a: &TruthJet, b: &TruthJet) -> f64 {
    let p = four_vector(a.pt, a.eta, a.phi, a.mass);
    let q = four_vector(b.pt, b.eta, b.phi, b.mass);
    let s: [f64; 4] = std::array::from_fn(|k| p[k] + q[k]);
    (s[0] * s[0] - s[1] * s[1] - s[2] * s[2] - s[3] * s[3])
        .max(0.0)
        .sqrt()
}

/// `|phi_a - phi_b|` folded into `[0, pi]`.
pub fn delta_phi(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(2.0 * PI);
    if d > PI { 2.0 * PI - d } else { d }
}

impl<'a> Generator<'a> {
    /// A generator for a validated config.
    pub fn new(cfg: &'a TriggerConfig) -> Result<Self> {
        Ok(Generator {
            cfg,
            tau_signal: beta(cfg.tau21_signal, cfg.tau21_concentration)?,
            tau_background: beta(cfg.tau21_background, cfg.tau21_concentration)?,
        })
    }

    /// The dijet mass of the hard process: Breit-Wigner for the signal, a power law for QCD.
    fn parton_mass<R: Rng + ?Sized>(&self, signal: bool, rng: &mut R) -> f64 {
        let c = self.cfg;
        if signal {
            let u: f64 = rng.random();
            c.resonance_mass + 0.5 * c.resonance_width * (PI * (u - 0.5)).tan()
        } else {
            let [lo, hi] = c.background_mass_range;
            let k = 1.0 - c.background_slope;
            let u: f64 = rng.random();
            (lo.powf(k) + u * (hi.powf(k) - lo.powf(k))).powf(1.0 / k)
        }
    }

    /// Jet mass and tau21 of a hard jet of transverse momentum `pt`.
    fn substructure<R: Rng + ?Sized>(&self, signal: bool, pt: f64, rng: &mut R) -> (f64, f64) {
        let c = self.cfg;
        if signal && rng.random::<f64>() < c.merged_fraction {
            let m = c.boson_mass * (1.0 + c.boson_mass_spread * normal(rng)).max(0.2);
            (m, self.tau_signal.sample(rng))
        } else {
            let ratio = (c.qcd_mass_ratio.ln() + c.qcd_mass_spread * normal(rng)).exp();
            (pt * ratio.min(0.5), self.tau_background.sample(rng))
        }
    }

    /// One collision of the given class that passes the generator-level preselection.
    pub fn truth<R: Rng + ?Sized>(&self, signal: bool, rng: &mut R) -> Result<TruthEvent> {
        let c = self.cfg;
        for _ in 0..MAX_TRIES {
            let m = self.parton_mass(signal, rng);
            if signal && (m - c.resonance_mass).abs() > 5.0 * c.resonance_width {
                continue;
            }
            // Scattering angle in the parton centre-of-mass frame: isotropic decay of the
            // resonance; QCD t-channel exchange, flat in chi = (1 + |cos|) / (1 - |cos|).
            let cos = if signal {
                rng.random_range(-1.0..1.0)
            } else {
                let chi = 1.0 + rng.random::<f64>() * (c.chi_max - 1.0);
                let a = (chi - 1.0) / (chi + 1.0);
                if rng.random::<bool>() { a } else { -a }
            };
            let y_star = f64::atanh(cos);
            let y_boost = c.rapidity_spread * normal(rng);
            let pt = 0.5 * m * (1.0 - cos * cos).sqrt();
            let (eta1, eta2) = (y_boost + y_star, y_boost - y_star);
            if !(pt.is_finite() && y_star.is_finite())
                || pt < c.pt_min
                || eta1.abs() > c.eta_max
                || eta2.abs() > c.eta_max
            {
                continue;
            }
            let n_extra = poisson(c.extra_jets[usize::from(!signal)], rng);
            let extra: Vec<TruthJet> = (0..n_extra)
                .map(|_| TruthJet {
                    pt: c.extra_jet_pt_min - c.extra_jet_pt_mean * (1.0 - rng.random::<f64>()).ln(),
                    eta: rng.random_range(-c.eta_max..c.eta_max),
                    phi: rng.random_range(0.0..2.0 * PI),
                    mass: 0.0,
                    tau21: 0.0,
                })
                .collect();
            // The hard jets share the recoil against the extra radiation.
            let (rx, ry) = extra.iter().fold((0.0, 0.0), |(x, y), j| {
                (x - 0.5 * j.pt * j.phi.cos(), y - 0.5 * j.pt * j.phi.sin())
            });
            let phi1 = rng.random_range(0.0..2.0 * PI);
            let jets = [(eta1, phi1), (eta2, phi1 + PI)].map(|(eta, phi)| {
                let (px, py) = (pt * phi.cos() + rx, pt * phi.sin() + ry);
                (eta, px.hypot(py), py.atan2(px))
            });
            let jets = jets.map(|(eta, pt, phi)| {
                let (mass, tau21) = self.substructure(signal, pt, rng);
                TruthJet {
                    pt,
                    eta,
                    phi,
                    mass,
                    tau21,
                }
            });
            return Ok(TruthEvent {
                signal,
                parton_mass: m,
                jets,
                extra,
            });
        }
        Err(Error::Runtime(format!(
            "the generator accepted no {} event in {MAX_TRIES} tries; lower pt_min or raise eta_max",
            if signal { "signal" } else { "background" }
        )))
    }

    /// Relative jet energy resolution at energy `e`.
    fn resolution(&self, e: f64) -> f64 {
        let [a, b] = self.cfg.jet_resolution;
        (a * a / e.max(1e-9) + b * b).sqrt()
    }

    /// The detector: pile-up with a Poisson number of vertices (`pileup` overrides it),
    /// smearing, and the event features.
    pub fn reconstruct<R: Rng + ?Sized>(
        &self,
        truth: &TruthEvent,
        pileup: Option<u64>,
        rng: &mut R,
    ) -> Event {
        let c = self.cfg;
        let n_pv = pileup.unwrap_or_else(|| poisson(c.pileup_mean, rng));
        // A jet of true pT `pt` picks up pile-up and is measured with a common energy scale
        // factor `s` (pT and mass scale together).
        let measure = |pt: f64, eta: f64, rng: &mut R| {
            let pu = sum_exp(n_pv, c.pileup_jet_pt, rng);
            let raw = pt + pu;
            let s = (1.0 + self.resolution(raw * eta.cosh()) * normal(rng)).max(0.05);
            (pu, s, s * raw)
        };
        let mut hard = truth.jets.map(|j| {
            let (pu, s, pt) = measure(j.pt, j.eta, rng);
            let m2 = j.mass * j.mass + c.pileup_mass * j.pt * pu;
            let mass = s * m2.sqrt() * (1.0 + c.mass_resolution * normal(rng)).max(0.05);
            let tau21 = (j.tau21 + c.pileup_tau21 * pu / j.pt + c.tau21_resolution * normal(rng))
                .clamp(0.01, 1.0);
            TruthJet {
                pt,
                eta: j.eta,
                phi: j.phi,
                mass,
                tau21,
            }
        });
        if hard[1].pt > hard[0].pt {
            hard.swap(0, 1);
        }
        let extra: Vec<TruthJet> = truth
            .extra
            .iter()
            .map(|j| TruthJet {
                pt: measure(j.pt, j.eta, rng).2,
                ..*j
            })
            .collect();
        let all = || hard.iter().chain(&extra);
        let ht: f64 = all().map(|j| j.pt).sum();
        let n_jets = 2 + extra.iter().filter(|j| j.pt > c.extra_jet_pt_min).count();
        let soft_et = sum_exp(n_pv, c.pileup_soft_et, rng);
        let soft_sigma = c.met_soft * soft_et.sqrt();
        let (mut mx, mut my) = (soft_sigma * normal(rng), soft_sigma * normal(rng));
        for j in all() {
            mx += j.pt * j.phi.cos();
            my += j.pt * j.phi.sin();
        }
        let vertices = if n_pv == 0 || c.vertex_efficiency <= 0.0 {
            0
        } else {
            Binomial::new(n_pv, c.vertex_efficiency).map_or(n_pv, |b| b.sample(rng))
        };
        let [a, b] = hard;
        Event {
            signal: truth.signal,
            features: [
                a.pt,
                b.pt,
                dijet_mass(&a, &b),
                (a.eta - b.eta).abs(),
                delta_phi(a.phi, b.phi),
                a.mass,
                b.mass,
                a.tau21,
                b.tau21,
                ht,
                mx.hypot(my),
                ht + soft_et,
                n_jets as f64,
                vertices as f64,
            ],
            pileup: n_pv,
        }
    }

    /// `n_signal` signal events followed by `n_background` background events, counting them
    /// on `progress` when given.
    pub fn sample<R: Rng + ?Sized>(
        &self,
        n_signal: usize,
        n_background: usize,
        rng: &mut R,
        mut progress: Option<&mut Progress>,
    ) -> Result<Vec<Event>> {
        let n = n_signal + n_background;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let t = self.truth(i < n_signal, rng)?;
            out.push(self.reconstruct(&t, None, rng));
            if ((i + 1) % 10_000 == 0 || i + 1 == n)
                && let Some(p) = progress.as_deref_mut()
            {
                p.inc(((i % 10_000) + 1) as u64);
            }
        }
        Ok(out)
    }
}
