//! Progress reporting for long work.
//!
//! On a terminal: an indicatif bar with ETA and the live metric. Otherwise (CI logs, pipes):
//! a plain line every 10 % of the work or every 15 seconds. `--quiet` silences both.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    /// Interactive bar on stderr.
    Bar,
    /// Plain periodic lines on stderr.
    Lines,
    /// Nothing.
    Quiet,
}

impl ProgressMode {
    /// Bar when stderr is a terminal, lines otherwise, nothing when `quiet`.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            ProgressMode::Quiet
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// One unit of tracked work (an epoch loop, a sweep, a simulation).
pub struct Progress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    pos: u64,
    metric: String,
    start: Instant,
    last_line: Instant,
    last_fraction: f64,
}

impl Progress {
    /// Starts tracking `total` units of work named `label`.
    pub fn new(mode: ProgressMode, label: &str, total: u64) -> Self {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let b = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{prefix:>12} [{bar:30}] {pos}/{len} {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            b.set_style(style);
            b.set_prefix(label.to_owned());
            b
        });
        let now = Instant::now();
        Progress {
            mode,
            bar,
            label: label.to_owned(),
            total: total.max(1),
            pos: 0,
            metric: String::new(),
            start: now,
            last_line: now,
            last_fraction: 0.0,
        }
    }

    /// Advances by `n` units.
    pub fn inc(&mut self, n: u64) {
        self.pos = (self.pos + n).min(self.total);
        if let Some(b) = &self.bar {
            b.set_position(self.pos);
        }
        self.maybe_line(false);
    }

    /// Shows a live metric next to the bar, e.g. `loss=0.0123`.
    pub fn set_metric(&mut self, name: &str, value: f64) {
        self.metric = format!("{name}={value:.4e}");
        if let Some(b) = &self.bar {
            b.set_message(self.metric.clone());
        }
    }

    fn maybe_line(&mut self, force: bool) {
        if self.mode != ProgressMode::Lines {
            return;
        }
        let frac = self.pos as f64 / self.total as f64;
        let due =
            frac - self.last_fraction >= 0.1 || self.last_line.elapsed() >= Duration::from_secs(15);
        if force || due {
            let elapsed = self.start.elapsed().as_secs_f64();
            let eta = if frac > 0.0 {
                elapsed * (1.0 - frac) / frac
            } else {
                f64::NAN
            };
            eprintln!(
                "[{}] {:>3.0}% ({}/{}) {} elapsed {:.1}s eta {:.1}s",
                self.label,
                frac * 100.0,
                self.pos,
                self.total,
                self.metric,
                elapsed,
                eta
            );
            self.last_line = Instant::now();
            self.last_fraction = frac;
        }
    }

    /// Marks the work done.
    pub fn finish(mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if self.mode == ProgressMode::Lines && self.last_fraction < 1.0 {
            self.pos = self.total;
            self.maybe_line(true);
        }
    }
}
