//! What a task returns: metrics, the reference numbers they are judged against, and figures.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A target a metric is compared with.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Goal {
    /// The metric should be at most this value.
    AtMost(f64),
    /// The metric should be at least this value.
    AtLeast(f64),
    /// The metric should lie within `tol` of `value`.
    Near {
        /// Reference value.
        value: f64,
        /// Allowed absolute deviation.
        tol: f64,
    },
}

impl Goal {
    /// Whether `v` meets the goal.
    pub fn met(&self, v: f64) -> bool {
        match *self {
            Goal::AtMost(t) => v <= t,
            Goal::AtLeast(t) => v >= t,
            Goal::Near { value, tol } => (v - value).abs() <= tol,
        }
    }

    /// Human-readable form, e.g. `<= 0.05`.
    pub fn describe(&self) -> String {
        match *self {
            Goal::AtMost(t) => format!("<= {t}"),
            Goal::AtLeast(t) => format!(">= {t}"),
            Goal::Near { value, tol } => format!("{} +- {}", short(value), short(tol)),
        }
    }
}

/// A target value as written in a goal: as typed when short (`0.05`, `1e-8`), else to four
/// decimals (a computed reference such as an integrated free energy).
fn short(v: f64) -> String {
    let s = format!("{v}");
    if s.len() <= 8 {
        s
    } else if v.abs() >= 1e-3 {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

/// One reported number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metric {
    /// Name, e.g. `test_rmse`.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Target the value is judged against, if the task has one.
    pub goal: Option<Goal>,
    /// Where the target comes from (paper, tool, analytic result).
    pub reference: Option<String>,
}

/// A figure a task produced (SVG and PNG of the same plot).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figure {
    /// Title shown above the figure in reports.
    pub title: String,
    /// The SVG file.
    pub svg: PathBuf,
    /// The PNG file.
    pub png: PathBuf,
}

/// A goal that could not be judged in this run, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Skipped {
    /// The metric the goal is on.
    pub name: String,
    /// Why it could not be judged.
    pub reason: String,
}

/// A task's result.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    /// Final metrics, in the order the task reported them.
    pub metrics: Vec<Metric>,
    /// Figures, in order.
    pub figures: Vec<Figure>,
    /// Free-text remarks (what was measured, caveats).
    pub notes: Vec<String>,
    /// Goals that could not be judged, with the reason (shown in the summary and the report,
    /// never silently dropped).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a plain metric.
    pub fn metric(&mut self, name: &str, value: f64) -> &mut Self {
        self.metrics.push(Metric {
            name: name.into(),
            value,
            goal: None,
            reference: None,
        });
        self
    }

    /// Adds a metric with a target and where the target comes from.
    pub fn check(&mut self, name: &str, value: f64, goal: Goal, reference: &str) -> &mut Self {
        self.metrics.push(Metric {
            name: name.into(),
            value,
            goal: Some(goal),
            reference: Some(reference.into()),
        });
        self
    }

    /// Records that the goal on `name` could not be judged in this run, and why.
    pub fn skip(&mut self, name: &str, reason: impl Into<String>) -> &mut Self {
        self.skipped.push(Skipped {
            name: name.into(),
            reason: reason.into(),
        });
        self
    }

    /// Adds a figure.
    pub fn figure(&mut self, figure: Figure) -> &mut Self {
        self.figures.push(figure);
        self
    }

    /// Adds a note.
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.notes.push(text.into());
        self
    }

    /// Looks up a metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }

    /// Whether at least one metric carries a goal.
    pub fn goals_checked(&self) -> bool {
        self.metrics.iter().any(|m| m.goal.is_some())
    }

    /// Whether every metric with a goal meets it (vacuously true when none has one: see
    /// [`Report::goals_checked`]).
    pub fn all_goals_met(&self) -> bool {
        self.metrics
            .iter()
            .all(|m| m.goal.as_ref().is_none_or(|g| g.met(m.value)))
    }
}
