//! Synthetic biology: the design-build-test-learn (DBTL) loop.
//!
//! A combinatorial construct library (promoter x RBS x coding variant x terminator x origin,
//! thousands of designs; [`simulate`]) expresses a protein according to a thermodynamic-style
//! model with pairwise epistasis and log-normal measurement noise. A campaign builds and measures
//! designs in rounds of `batch`; the question is how many designs it takes to reach one of the
//! best 1 % of the library ([`campaign`]):
//!
//! - the learned loop: a balanced first batch, then a Gaussian process on log expression chooses
//!   each next batch by expected improvement with the kriging believer (the "learn" step; ART,
//!   Radivojevic et al., Nat. Commun. 11, 4879 (2020));
//! - random screening: a one-shot random library; with `M` hits among `N` designs, a random
//!   library of `n` contains one with probability `1 - C(N-M, n) / C(N, n)`, and the median need
//!   is the smallest `n` where that reaches 1/2 (about 69 designs for 1 %);
//! - design of experiments: a balanced batch of half the budget, a main-effects model, and one
//!   round of its best predictions.
//!
//! Every seed draws a new library and runs all three; the report gives medians over seeds. The
//! loop's count is taken at the end of the round in which a top design was first built, so the
//! batch size bounds what the goal can show: with random screening needing about 69 designs,
//! "at most half" means a top design by design 34, i.e. within four rounds of 8 (the default)
//! but within the first round of 24, before anything was learned.

pub mod campaign;
mod figures;
pub mod simulate;

use ai4s_core::error::ensure;
use ai4s_core::metrics::median;
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use campaign::{Trace, doe_then_model, encode_all, learned_loop, random_library};
use rand::{SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};
use simulate::{Library, LibrarySpec, ORIGIN_COPIES, random_designs_needed, top_threshold};

/// Configuration of [`Dbtl`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DbtlConfig {
    /// Options at each position: promoters, RBSs, coding variants, terminators, origins (1-4).
    pub levels: [usize; 5],
    /// Standard deviation of the RBS x coding-variant interaction energies (kcal/mol).
    pub epistasis: f64,
    /// Standard deviation of the log-normal measurement noise (natural log; 0.2 = ~20 %).
    pub noise: f64,
    /// Designs built and measured per round (a plate column of 8 by default; see the module
    /// docs for how the batch size bounds the goal).
    pub batch: usize,
    /// Rounds of the learned loop (the first is a balanced design); budget = batch x rounds.
    pub rounds: usize,
    /// Independent libraries and campaigns.
    pub seeds: usize,
    /// Fraction of the library that counts as a top design.
    pub top_fraction: f64,
    /// Value of a one-hot entry in the Gaussian-process inputs (designs differing at k
    /// positions lie sqrt(2k) times this apart).
    pub onehot_scale: f64,
}

impl Default for DbtlConfig {
    fn default() -> Self {
        DbtlConfig {
            levels: [8, 8, 6, 4, 3],
            epistasis: 1.0,
            noise: 0.2,
            batch: 8,
            rounds: 8,
            seeds: 100,
            top_fraction: 0.01,
            onehot_scale: 0.25,
        }
    }
}

impl TaskConfig for DbtlConfig {
    fn quick() -> Self {
        DbtlConfig {
            rounds: 6,
            seeds: 30,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure(
            self.levels[..4].iter().all(|&l| (2..=20).contains(&l)),
            "levels",
            || {
                format!(
                    "promoter, RBS, coding and terminator options must be 2..=20, got {:?}",
                    self.levels
                )
            },
        )?;
        ensure(
            (1..=ORIGIN_COPIES.len()).contains(&self.levels[4]),
            "levels",
            || {
                format!(
                    "origins (the last entry) must be 1..={} (copy numbers {:?}), got {}",
                    ORIGIN_COPIES.len(),
                    ORIGIN_COPIES,
                    self.levels[4]
                )
            },
        )?;
        let size: usize = self.levels.iter().product();
        ensure((100..=200_000).contains(&size), "levels", || {
            format!("the library must hold 100..=200000 designs, got {size}")
        })?;
        ensure(
            self.epistasis.is_finite() && (0.0..=5.0).contains(&self.epistasis),
            "epistasis",
            || format!("must be in [0, 5] kcal/mol, got {}", self.epistasis),
        )?;
        ensure(
            self.noise.is_finite() && (0.0..=2.0).contains(&self.noise),
            "noise",
            || format!("must be in [0, 2], got {}", self.noise),
        )?;
        ensure((2..=200).contains(&self.batch), "batch", || {
            format!("must be 2..=200, got {}", self.batch)
        })?;
        ensure((2..=50).contains(&self.rounds), "rounds", || {
            format!("must be 2..=50, got {}", self.rounds)
        })?;
        ensure(self.batch * self.rounds <= size / 2, "rounds", || {
            format!(
                "the budget batch x rounds = {} must be at most half the library ({size})",
                self.batch * self.rounds
            )
        })?;
        ensure((1..=500).contains(&self.seeds), "seeds", || {
            format!("must be 1..=500, got {}", self.seeds)
        })?;
        ensure(
            self.top_fraction > 0.0 && self.top_fraction <= 0.2,
            "top_fraction",
            || format!("must be in (0, 0.2], got {}", self.top_fraction),
        )?;
        ensure(
            self.onehot_scale.is_finite() && self.onehot_scale > 0.0 && self.onehot_scale <= 1.0,
            "onehot_scale",
            || format!("must be in (0, 1], got {}", self.onehot_scale),
        )
    }
}

/// What one seed's three campaigns achieved.
struct SeedResult {
    /// Best true expression so far / library optimum, per design tested, for each method.
    curves: [Vec<f64>; 3],
    /// Designs built until a top design (budget + 1 if never), for each method.
    to_top: [f64; 3],
    /// Top-design threshold / optimum.
    threshold: f64,
    /// The loop's trace and the library's truth, for the rounds figure.
    trace: Trace,
    truth: Vec<f64>,
    top_value: f64,
}

const METHODS: [(&str, &str); 3] = [
    ("loop", "learned loop (GP + EI, kriging believer)"),
    ("random", "random library"),
    ("doe", "balanced DoE + one model-guided round"),
];

fn run_seed(cfg: &DbtlConfig, seed: u64) -> SeedResult {
    let stream = |k: u64| StdRng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9).wrapping_add(k));
    let spec = LibrarySpec {
        levels: cfg.levels,
        epistasis: cfg.epistasis,
        noise: cfg.noise,
    };
    let lib = Library::draw(&spec, &mut stream(0));
    let truth = lib.landscape();
    let optimum = truth.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (top_value, _) = top_threshold(&truth, cfg.top_fraction);
    let budget = cfg.batch * cfg.rounds;
    let x = encode_all(&lib, cfg.onehot_scale);
    let traces = [
        learned_loop(&lib, &x, cfg.batch, cfg.rounds, &mut stream(1)),
        // The whole library in random order: its first top design is the waiting time of
        // random screening, however long; the curve keeps the first `budget`.
        random_library(&lib, lib.size(), &mut stream(2)),
        doe_then_model(&lib, budget / 2, budget - budget / 2, &mut stream(3)),
    ];
    let curve = |t: &Trace| {
        let mut c: Vec<f64> = t.best_so_far(&truth).iter().map(|v| v / optimum).collect();
        let last = c.last().copied().unwrap_or(0.0);
        c.resize(budget, last);
        c
    };
    let reach = |t: &Trace, per_design: bool| {
        let hit = if per_design {
            t.designs
                .iter()
                .position(|&i| truth[i] >= top_value)
                .map(|p| p + 1)
        } else {
            t.designs_to_reach(&truth, top_value)
        };
        hit.map_or(budget as f64 + 1.0, |n| n as f64)
    };
    SeedResult {
        curves: [curve(&traces[0]), curve(&traces[1]), curve(&traces[2])],
        to_top: [
            reach(&traces[0], false),
            reach(&traces[1], true),
            reach(&traces[2], false),
        ],
        threshold: top_value / optimum,
        trace: traces[0].clone(),
        truth,
        top_value,
    }
}

/// The design-build-test-learn loop of synthetic biology.
pub struct Dbtl;

impl Task for Dbtl {
    type Config = DbtlConfig;

    fn name(&self) -> &'static str {
        "dbtl"
    }

    fn area(&self) -> Area {
        Area::Science
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Life
    }

    fn description(&self) -> &'static str {
        "synthetic biology: design-build-test-learn over a promoter x RBS x CDS library, Gaussian-process loop vs random screening and DoE"
    }

    fn demonstrates(&self) -> &'static str {
        "Synthetic biology's design-build-test-learn cycle: a combinatorial library of genetic constructs (promoter, ribosome binding site, coding variant, terminator, plasmid origin) whose expression follows a thermodynamic-style model with epistasis and noisy measurements. Each round builds a small batch; a Gaussian process learned from the measurements chooses the next batch by expected improvement. The loop reaches a top-1 % construct with a fraction of the designs a random library needs, and is compared with a classical balanced design of experiments followed by one model-guided round."
    }

    fn run(&self, cfg: &DbtlConfig, ctx: &mut RunContext) -> Result<Report> {
        let mut report = Report::new();
        let budget = cfg.batch * cfg.rounds;
        let size: usize = cfg.levels.iter().product();
        let m = ((cfg.top_fraction * size as f64).ceil() as usize).clamp(1, size);
        let mut bar = ctx.progress("dbtl", cfg.seeds as u64);
        let mut results = Vec::with_capacity(cfg.seeds);
        for s in 0..cfg.seeds {
            results.push(run_seed(cfg, ctx.seed.wrapping_add(s as u64)));
            bar.inc(1);
        }
        bar.finish();

        let random_exact = random_designs_needed(size, m, 0.5) as f64;
        let mut medians = [0.0; 3];
        for (k, (key, _)) in METHODS.iter().enumerate() {
            let need: Vec<f64> = results.iter().map(|r| r.to_top[k]).collect();
            medians[k] = median(&need);
            let reached = need.iter().filter(|&&n| n <= budget as f64).count();
            let at_budget: Vec<f64> = results.iter().map(|r| r.curves[k][budget - 1]).collect();
            report.metric(&format!("{key}_median_designs_to_top"), medians[k]);
            report.metric(
                &format!("{key}_fraction_reaching_top"),
                reached as f64 / cfg.seeds as f64,
            );
            report.metric(
                &format!("{key}_median_best_relative_at_budget"),
                median(&at_budget),
            );
        }
        report.metric("random_median_designs_to_top_exact", random_exact);
        report.metric("library_designs", size as f64);
        report.metric("top_designs", m as f64);
        report.metric("budget", budget as f64);
        let ratio = medians[0] / random_exact;
        report.check(
            "loop_designs_vs_random",
            ratio,
            Goal::AtMost(0.5),
            "issue goal: the learned loop reaches a top-1 % design with at most half the designs random screening needs (median over seeds; random from the hypergeometric waiting time)",
        );
        for n in 1..=budget {
            let med = |k: usize| {
                median(
                    &results
                        .iter()
                        .map(|r| r.curves[k][n - 1])
                        .collect::<Vec<_>>(),
                )
            };
            ctx.log(
                n,
                &[
                    ("loop_best", med(0)),
                    ("random_best", med(1)),
                    ("doe_best", med(2)),
                ],
            );
        }
        report.note(format!(
            "{} libraries of {size} designs ({:?} options), {m} top designs each; budget {budget} = {} rounds of {}. Designs to a top design (median): loop {}, DoE + model {}, random library {} (exact; simulated {}). Budget + 1 means not reached (the random library is screened to its first top design, however long). Best found is the true expression of the best design built, relative to the library optimum.",
            cfg.seeds,
            cfg.levels,
            cfg.rounds,
            cfg.batch,
            medians[0],
            medians[2],
            random_exact,
            medians[1]
        ));

        figures::draw(cfg, ctx, &mut report, &results)?;
        Ok(report)
    }
}
