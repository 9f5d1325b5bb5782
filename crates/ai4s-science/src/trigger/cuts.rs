//! The baseline: the best rectangular selection `low_f <= x_f < high_f` on a few features.
//!
//! Thresholds sit on quantile edges of the fitting events (`bins` per feature), so a box is a
//! window `[a, b)` of bins per feature. Maximising the signal `S` at background `B <= B_max`
//! one feature at a time stalls as soon as the constraint binds (tightening one cut to loosen
//! another takes two moves), so the search follows the Lagrangian path instead: for slopes
//! `lambda` from loose to tight, coordinate ascent on `S - lambda (N_s / N_b) B`, where the
//! best window of one feature with the others fixed is a maximum-sum run of bins (Kadane),
//! found exactly from the histogram of the events that pass the other cuts. Each target
//! acceptance then takes the best box on the path that meets it and polishes it by exact
//! constrained coordinate steps (never losing signal). Features are chosen by forward
//! selection (add the feature whose box passes the most signal at the first target); extra
//! paths start from random boxes.

use super::generator::{FEATURES, N_FEATURES};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A rectangular selection: an event passes when `low[k] <= x[features[k]] < high[k]` for all `k`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxCut {
    /// Feature columns cut on.
    pub features: Vec<usize>,
    /// Lower thresholds (`-inf`: none).
    pub low: Vec<f64>,
    /// Upper thresholds (`+inf`: none).
    pub high: Vec<f64>,
}

impl BoxCut {
    /// Whether an event passes every cut.
    pub fn pass(&self, x: &[f64]) -> bool {
        self.features
            .iter()
            .zip(self.low.iter().zip(&self.high))
            .all(|(&f, (&lo, &hi))| x[f] >= lo && x[f] < hi)
    }

    /// Human-readable cuts, e.g. `850 <= mjj < 1120, tau21_1 < 0.52`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .features
            .iter()
            .zip(self.low.iter().zip(&self.high))
            .map(|(&f, (&lo, &hi))| {
                let name = FEATURES[f].name;
                match (lo.is_finite(), hi.is_finite()) {
                    (true, true) => format!("{} <= {name} < {}", num(lo), num(hi)),
                    (true, false) => format!("{name} >= {}", num(lo)),
                    (false, true) => format!("{name} < {}", num(hi)),
                    (false, false) => format!("{name} any"),
                }
            })
            .collect();
        parts.join(", ")
    }

    /// Fractions of `signal` and `background` rows passing.
    pub fn efficiencies(&self, rows: &[[f64; N_FEATURES]], labels: &[bool]) -> (f64, f64) {
        let (mut s, mut b, mut ns, mut nb) = (0usize, 0usize, 0usize, 0usize);
        for (x, &y) in rows.iter().zip(labels) {
            let p = usize::from(self.pass(x));
            if y {
                s += p;
                ns += 1;
            } else {
                b += p;
                nb += 1;
            }
        }
        (s as f64 / ns.max(1) as f64, b as f64 / nb.max(1) as f64)
    }
}

fn num(v: f64) -> String {
    if v.abs() >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// How the search runs.
#[derive(Clone, Copy, Debug)]
pub struct CutSearch {
    /// Features in the box at most.
    pub features: usize,
    /// Quantile bins per feature (at most 255).
    pub bins: usize,
    /// Extra Lagrangian paths from random starting boxes.
    pub restarts: usize,
    /// Seed of the starting boxes.
    pub seed: u64,
}

/// Fitting events with every feature replaced by its quantile bin.
struct Binned {
    /// Interior bin edges per feature (sorted, distinct).
    edges: Vec<Vec<f64>>,
    /// `bin[f][e]`: bin of event `e` in feature `f`.
    bin: Vec<Vec<u8>>,
    signal: Vec<bool>,
    n_signal: usize,
    n_background: usize,
}

impl Binned {
    fn new(rows: &[[f64; N_FEATURES]], labels: &[bool], bins: usize) -> Binned {
        let bins = bins.clamp(2, 255);
        let mut edges = Vec::with_capacity(N_FEATURES);
        let mut bin = Vec::with_capacity(N_FEATURES);
        for f in 0..N_FEATURES {
            let mut v: Vec<f64> = rows.iter().map(|x| x[f]).collect();
            v.sort_by(f64::total_cmp);
            let mut e: Vec<f64> = if v.is_empty() {
                Vec::new()
            } else {
                (1..bins).map(|k| v[k * v.len() / bins]).collect()
            };
            e.dedup();
            bin.push(
                rows.iter()
                    .map(|x| e.partition_point(|&c| c <= x[f]) as u8)
                    .collect(),
            );
            edges.push(e);
        }
        let n_background = labels.iter().filter(|&&y| !y).count();
        Binned {
            edges,
            bin,
            signal: labels.to_vec(),
            n_signal: labels.len() - n_background,
            n_background,
        }
    }

    /// Bins of feature `f` (interior edges + 1).
    fn n_bins(&self, f: usize) -> usize {
        self.edges[f].len() + 1
    }
}

/// One cut: feature, and the window `[a, b)` of its bins that passes (`a == b`: nothing).
type Window = (usize, usize, usize);

/// A box on binned events and, per event, how many of its cuts the event fails.
#[derive(Clone)]
struct State<'a> {
    data: &'a Binned,
    cuts: Vec<Window>,
    fails: Vec<u8>,
}

/// A box found on the way, with the signal and background counts it passes.
#[derive(Clone)]
struct Found {
    cuts: Vec<Window>,
    signal: usize,
    background: usize,
}

fn inside(x: u8, a: usize, b: usize) -> bool {
    let x = usize::from(x);
    x >= a && x < b
}

impl<'a> State<'a> {
    fn new(data: &'a Binned, cuts: Vec<Window>) -> Self {
        let fails = (0..data.signal.len())
            .map(|e| {
                cuts.iter()
                    .filter(|&&(f, a, b)| !inside(data.bin[f][e], a, b))
                    .count() as u8
            })
            .collect();
        State { data, cuts, fails }
    }

    /// Signal and background passing the whole box.
    fn counts(&self) -> (usize, usize) {
        let (mut s, mut b) = (0, 0);
        for (e, &n) in self.fails.iter().enumerate() {
            if n == 0 {
                if self.data.signal[e] {
                    s += 1;
                } else {
                    b += 1;
                }
            }
        }
        (s, b)
    }

    fn found(&self) -> Found {
        let (signal, background) = self.counts();
        Found {
            cuts: self.cuts.clone(),
            signal,
            background,
        }
    }

    /// Cumulative signal and background histograms (`p[i]` = bins below `i`) of cut `k`'s
    /// feature over the events that pass every other cut.
    fn others(&self, k: usize) -> (Vec<usize>, Vec<usize>) {
        let (f, a, b) = self.cuts[k];
        let nb = self.data.n_bins(f);
        let (mut hs, mut hb) = (vec![0usize; nb + 1], vec![0usize; nb + 1]);
        let bins = &self.data.bin[f];
        for (e, (&n, &x)) in self.fails.iter().zip(bins).enumerate() {
            if n == u8::from(!inside(x, a, b)) {
                if self.data.signal[e] {
                    hs[usize::from(x) + 1] += 1;
                } else {
                    hb[usize::from(x) + 1] += 1;
                }
            }
        }
        for i in 0..nb {
            hs[i + 1] += hs[i];
            hb[i + 1] += hb[i];
        }
        (hs, hb)
    }

    /// Moves cut `k` to the window `[a, b)`.
    fn set(&mut self, k: usize, a: usize, b: usize) {
        let (f, a0, b0) = self.cuts[k];
        if (a, b) == (a0, b0) {
            return;
        }
        for (n, &x) in self.fails.iter_mut().zip(&self.data.bin[f]) {
            match (inside(x, a0, b0), inside(x, a, b)) {
                (true, false) => *n += 1,
                (false, true) => *n -= 1,
                _ => {}
            }
        }
        self.cuts[k] = (f, a, b);
    }

    /// The window of cut `k` maximising `S - mu B` with the others fixed (Kadane's maximum
    /// subarray over bins; an empty window scores 0).
    fn lagrange_step(&mut self, k: usize, mu: f64) {
        let (ps, pb) = self.others(k);
        let value = |i: usize| (ps[i + 1] - ps[i]) as f64 - mu * (pb[i + 1] - pb[i]) as f64;
        let (f, a0, b0) = self.cuts[k];
        let window = |a: usize, b: usize| (ps[b] - ps[a]) as f64 - mu * (pb[b] - pb[a]) as f64;
        let mut best = (window(a0, b0), a0, b0);
        let (mut run, mut start) = (0.0, 0);
        for i in 0..self.data.n_bins(f) {
            if run <= 0.0 {
                run = 0.0;
                start = i;
            }
            run += value(i);
            if run > best.0 + 1e-9 {
                best = (run, start, i + 1);
            }
        }
        if best.0 < 0.0 {
            best = (0.0, 0, 0);
        }
        self.set(k, best.1, best.2);
    }

    /// The window of cut `k` passing the most signal with at most `max_b` background, the
    /// others fixed; the current window is kept unless one does strictly better.
    fn constrained_step(&mut self, k: usize, max_b: usize) {
        let (ps, pb) = self.others(k);
        let (f, a0, b0) = self.cuts[k];
        let nb = self.data.n_bins(f);
        let mut best = (ps[b0] - ps[a0], pb[b0] - pb[a0], a0, b0);
        if best.1 > max_b {
            best = (0, 0, 0, 0);
        }
        for a in 0..nb {
            for b in a + 1..=nb {
                let (s, bg) = (ps[b] - ps[a], pb[b] - pb[a]);
                if bg <= max_b && (s > best.0 || (s == best.0 && bg < best.1)) {
                    best = (s, bg, a, b);
                }
            }
        }
        self.set(k, best.2, best.3);
    }

    /// Coordinate ascent on `S - mu B` until a sweep gains nothing.
    fn lagrange(&mut self, mu: f64) {
        let objective = |s: &Self| {
            let (sg, bg) = s.counts();
            sg as f64 - mu * bg as f64
        };
        let mut last = objective(self);
        for _ in 0..30 {
            for k in 0..self.cuts.len() {
                self.lagrange_step(k, mu);
            }
            let now = objective(self);
            if now <= last + 1e-9 {
                break;
            }
            last = now;
        }
    }

    /// Coordinate ascent on the signal at background at most `max_b` until a sweep gains
    /// nothing.
    fn polish(&mut self, max_b: usize) {
        let mut last: Option<usize> = None;
        for _ in 0..30 {
            for k in 0..self.cuts.len() {
                self.constrained_step(k, max_b);
            }
            let (s, _) = self.counts();
            if last.is_some_and(|l| s <= l) {
                break;
            }
            last = Some(s);
        }
    }
}

/// Slopes `lambda` of the ROC (signal efficiency per background acceptance) visited by the
/// Lagrangian path, loose to tight.
fn lambdas(step: usize) -> Vec<f64> {
    (0..48)
        .step_by(step)
        .map(|i| 0.02 * 1.32f64.powi(i))
        .collect()
}

/// Boxes along the path `max S - lambda (N_s / N_b) B` for increasing `lambda`, each started
/// from the previous one.
fn path(mut st: State<'_>, lambdas: &[f64]) -> Vec<Found> {
    let d = st.data;
    let ratio = d.n_signal as f64 / d.n_background.max(1) as f64;
    lambdas
        .iter()
        .map(|&l| {
            st.lagrange(l * ratio);
            st.found()
        })
        .collect()
}

/// The feasible box with the most signal among `found`, polished at `max_b`.
fn best_at(data: &Binned, found: &[Found], max_b: usize) -> Found {
    let start = found
        .iter()
        .filter(|f| f.background <= max_b)
        .max_by_key(|f| (f.signal, std::cmp::Reverse(f.background)))
        .map_or_else(
            || found.first().map(|f| f.cuts.clone()).unwrap_or_default(),
            |f| f.cuts.clone(),
        );
    let mut st = State::new(data, start);
    st.polish(max_b);
    st.found()
}

fn to_box(data: &Binned, found: &Found) -> BoxCut {
    // Window [a, b) of bins is c_{a-1} <= x < c_{b-1} on the interior edges c; an empty
    // window passes nothing.
    let edge = |f: usize, i: usize, open: f64| {
        if i == 0 || i >= data.n_bins(f) {
            open
        } else {
            data.edges[f][i - 1]
        }
    };
    let (low, high) = found
        .cuts
        .iter()
        .map(|&(f, a, b)| {
            if a >= b {
                (f64::INFINITY, f64::NEG_INFINITY)
            } else {
                (edge(f, a, f64::NEG_INFINITY), edge(f, b, f64::INFINITY))
            }
        })
        .unzip();
    BoxCut {
        features: found.cuts.iter().map(|c| c.0).collect(),
        low,
        high,
    }
}

/// For each background acceptance in `targets`, the box with the most signal among `rows`
/// (with `labels`) that accepts at most that fraction of the background, and its signal
/// efficiency on those rows. The features are chosen once, at `targets[0]`.
pub fn optimise(
    rows: &[[f64; N_FEATURES]],
    labels: &[bool],
    targets: &[f64],
    search: CutSearch,
) -> Vec<(BoxCut, f64)> {
    let data = Binned::new(rows, labels, search.bins);
    let max_b = |t: f64| (t * data.n_background as f64).floor() as usize;
    let open = |f: usize| (f, 0, data.n_bins(f));
    let first = targets.first().copied().unwrap_or(0.01);
    // Forward selection: add the feature whose box passes the most signal at `targets[0]`.
    let mut chosen: Vec<Window> = Vec::new();
    let mut best_signal = 0;
    let coarse = lambdas(4);
    while chosen.len() < search.features.min(N_FEATURES) {
        let mut round: Option<Found> = None;
        for f in (0..N_FEATURES).filter(|f| chosen.iter().all(|c| c.0 != *f)) {
            let mut cuts = chosen.clone();
            cuts.push(open(f));
            let found = path(State::new(&data, cuts), &coarse);
            let b = best_at(&data, &found, max_b(first));
            if round.as_ref().is_none_or(|r| b.signal > r.signal) {
                round = Some(b);
            }
        }
        match round {
            Some(r) if r.signal > best_signal || chosen.is_empty() => {
                best_signal = r.signal;
                chosen = r.cuts;
            }
            _ => break,
        }
    }
    // The full path from the open box on the chosen features, and from random boxes.
    let fine = lambdas(1);
    let features: Vec<usize> = chosen.iter().map(|c| c.0).collect();
    let mut found = path(
        State::new(&data, features.iter().map(|&f| open(f)).collect()),
        &fine,
    );
    found.push(State::new(&data, chosen).found());
    let mut rng = StdRng::seed_from_u64(search.seed);
    for _ in 0..search.restarts {
        let cuts = features
            .iter()
            .map(|&f| {
                let nb = data.n_bins(f);
                let a = rng.random_range(0..nb);
                (f, a, rng.random_range(a + 1..=nb))
            })
            .collect();
        let from = rng.random_range(0..fine.len());
        found.extend(path(State::new(&data, cuts), &fine[from..]));
    }
    targets
        .iter()
        .map(|&t| {
            let b = best_at(&data, &found, max_b(t));
            let eff = b.signal as f64 / data.n_signal.max(1) as f64;
            (to_box(&data, &b), eff)
        })
        .collect()
}
