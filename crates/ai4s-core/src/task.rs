//! The one extension point: [`Task`].
//!
//! A science task is a struct implementing [`Task`]: a name, an [`Area`] of the AI-for-Science
//! map, a one-line description, a serde config with documented defaults (its `Default` is the
//! full run, [`TaskConfig::quick`] the fast one used by `ai4s map`), a [`TaskConfig::validate`]
//! that names the offending field, and [`Task::run`], which receives the validated config and a
//! [`RunContext`] and returns a [`Report`]. The runner does the rest: config files and `--set`
//! overrides, the output directory, `config.toml`, `metrics.csv`, `summary.json`, progress.
//! See `docs/adding-a-task.md`.

use crate::error::Result;
use crate::report::Report;
use crate::run::RunContext;
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;
use std::path::Path;

/// The areas of the AI-for-Science map a task can belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// Learning from known answers (labelled data).
    Supervised,
    /// Structure and generation without answers.
    Unsupervised,
    /// No data, only rules and trial and error.
    Reinforcement,
    /// Learning first-principles accuracy into a neural potential.
    Potential,
    /// Field-specific science tasks (complex systems, weather, astronomy, PDEs, quantum).
    Science,
}

impl Area {
    /// Every area, in the map's row order.
    pub const ALL: [Area; 5] = [
        Area::Supervised,
        Area::Unsupervised,
        Area::Reinforcement,
        Area::Potential,
        Area::Science,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Area::Supervised => "supervised",
            Area::Unsupervised => "unsupervised",
            Area::Reinforcement => "reinforcement",
            Area::Potential => "potential",
            Area::Science => "science",
        }
    }

    /// What this paradigm means in the seed's map of AI for science.
    pub fn blurb(self) -> &'static str {
        match self {
            Area::Supervised => {
                "Supervised learning: fit a function to known answers. Neural networks approximate high-dimensional functions where grids and polynomials drown in the curse of dimensionality."
            }
            Area::Unsupervised => {
                "Unsupervised learning: find structure in data without answers, and learn the distribution that generated it."
            }
            Area::Reinforcement => {
                "Reinforcement learning: no data, only rules and reward; the agent generates its own experience by trial and error."
            }
            Area::Potential => {
                "High-accuracy model solving: learn first-principles accuracy into a neural potential (Deep Potential), keeping near-DFT accuracy at linear cost."
            }
            Area::Science => "A field of science from the map, solved with a learned model.",
        }
    }
}

/// The field of science a task serves: the columns of the map (the rows are the [`Area`]s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Methods every field uses (function approximation, clustering, generative models, control).
    Methods,
    /// Partial differential equations and classical physics.
    Physics,
    /// Complex systems and statistical physics (automata, phase transitions, sampling).
    ComplexSystems,
    /// Chaos and weather.
    Weather,
    /// Astronomy.
    Astronomy,
    /// Particle physics.
    ParticlePhysics,
    /// Materials and molecular simulation.
    Materials,
    /// Chemistry and drug discovery.
    Chemistry,
    /// Energy (batteries).
    Energy,
    /// Earth science.
    EarthScience,
    /// Quantum many-body physics.
    Quantum,
    /// The lab loop: choosing the next experiment.
    LabLoop,
    /// The life sciences.
    Life,
}

impl Field {
    /// Every field, in the map's column order.
    pub const ALL: [Field; 13] = [
        Field::Methods,
        Field::Physics,
        Field::ComplexSystems,
        Field::Weather,
        Field::Astronomy,
        Field::ParticlePhysics,
        Field::Materials,
        Field::Chemistry,
        Field::Energy,
        Field::EarthScience,
        Field::Quantum,
        Field::LabLoop,
        Field::Life,
    ];

    /// Short name for tables and the report's map.
    pub fn name(self) -> &'static str {
        match self {
            Field::Methods => "methods",
            Field::Physics => "PDEs & physics",
            Field::ComplexSystems => "complex systems",
            Field::Weather => "chaos & weather",
            Field::Astronomy => "astronomy",
            Field::ParticlePhysics => "particle physics",
            Field::Materials => "materials",
            Field::Chemistry => "chemistry",
            Field::Energy => "energy",
            Field::EarthScience => "earth science",
            Field::Quantum => "quantum",
            Field::LabLoop => "lab loop",
            Field::Life => "life sciences",
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A task's configuration: a serde struct whose `Default` is the full run.
///
/// Derive `Serialize`, `Deserialize` (with `#[serde(deny_unknown_fields, default)]`),
/// `Default`, `Clone`, `Debug`, and document every field with `///`.
pub trait TaskConfig: Serialize + DeserializeOwned + Default + Clone + fmt::Debug {
    /// The configuration used by `--quick` and `ai4s map`: small enough to finish in seconds.
    fn quick() -> Self {
        Self::default()
    }

    /// Checks every field before anything runs; errors name the field
    /// (use [`crate::error::ensure`]).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Flat keys accepted for nested fields (see [`crate::config::Aliases`]): `--set`, config
    /// files and saved run configs may use them. None by default.
    fn aliases() -> crate::config::Aliases {
        Vec::new()
    }
}

/// One runnable science task. Implement this to extend ai4s.
pub trait Task: Send + Sync {
    /// The task's configuration type.
    type Config: TaskConfig;

    /// Short command-line name, e.g. `regression`.
    fn name(&self) -> &'static str;

    /// Where the task sits on the AI-for-Science map.
    fn area(&self) -> Area;

    /// The field of science the task serves (the map's columns); general methods by default.
    fn field(&self) -> Field {
        Field::Methods
    }

    /// One line for `ai4s list`.
    fn description(&self) -> &'static str;

    /// A paragraph for the map report: what the task demonstrates and why it matters.
    fn demonstrates(&self) -> &'static str {
        self.description()
    }

    /// Translates a JSON config file (`--config FILE.json`) into this task's config table.
    /// The default reads a JSON object with the same keys as the TOML config; a task whose
    /// users bring another program's input file (DeePMD-kit's `input.json`) overrides it.
    fn json_config(&self, path: &Path, value: serde_json::Value) -> Result<toml::Table> {
        crate::config::json_to_table(path, value)
    }

    /// Runs the task with a validated config.
    fn run(&self, config: &Self::Config, ctx: &mut RunContext) -> Result<Report>;
}

/// Object-safe view of a [`Task`], used by the registry and the runner.
pub trait DynTask: Send + Sync {
    /// See [`Task::name`].
    fn name(&self) -> &'static str;
    /// See [`Task::area`].
    fn area(&self) -> Area;
    /// See [`Task::field`].
    fn field(&self) -> Field;
    /// See [`Task::description`].
    fn description(&self) -> &'static str;
    /// See [`Task::demonstrates`].
    fn demonstrates(&self) -> &'static str;
    /// See [`Task::json_config`].
    fn json_config(&self, path: &Path, value: serde_json::Value) -> Result<toml::Table>;
    /// The default (or quick) config as a TOML table.
    fn default_table(&self, quick: bool) -> Result<toml::Table>;
    /// See [`TaskConfig::aliases`].
    fn aliases(&self) -> crate::config::Aliases;
    /// Deserialises and validates `table`, runs the task, and returns the report and the
    /// effective config rendered as TOML.
    fn run_table(&self, table: toml::Table, ctx: &mut RunContext) -> Result<(Report, String)>;
}

impl<T: Task> DynTask for T {
    fn name(&self) -> &'static str {
        Task::name(self)
    }
    fn area(&self) -> Area {
        Task::area(self)
    }
    fn field(&self) -> Field {
        Task::field(self)
    }
    fn description(&self) -> &'static str {
        Task::description(self)
    }
    fn demonstrates(&self) -> &'static str {
        Task::demonstrates(self)
    }
    fn json_config(&self, path: &Path, value: serde_json::Value) -> Result<toml::Table> {
        Task::json_config(self, path, value)
    }
    fn default_table(&self, quick: bool) -> Result<toml::Table> {
        let cfg = if quick {
            T::Config::quick()
        } else {
            T::Config::default()
        };
        crate::config::to_table(&cfg)
    }
    fn aliases(&self) -> crate::config::Aliases {
        T::Config::aliases()
    }
    fn run_table(&self, table: toml::Table, ctx: &mut RunContext) -> Result<(Report, String)> {
        let cfg: T::Config = crate::config::from_table(table)?;
        cfg.validate()?;
        let text = crate::config::to_toml_string(&cfg)?;
        // The effective config is on disk before any work starts.
        ctx.write_file("config.toml", text.as_bytes())?;
        let report = self.run(&cfg, ctx)?;
        Ok((report, text))
    }
}
