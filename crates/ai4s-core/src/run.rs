//! The runner: from a task name and command-line options to a finished run directory.
//!
//! [`run_task`] resolves the device, builds the effective config (defaults or quick defaults,
//! then `--config`, then `--set`), takes an exclusive lock on the output directory, runs the task
//! with a [`RunContext`], and writes `config.toml`, `metrics.csv` and `summary.json` atomically.

use crate::device::{Backend, Precision, make_device, resolve_backend};
use crate::error::{Error, Result};
use crate::metrics::MetricsLog;
use crate::plot::{Plot, render};
use crate::progress::{Progress, ProgressMode};
use crate::report::{Figure, Report};
use crate::task::DynTask;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `--config FILE.toml`.
    pub config_file: Option<PathBuf>,
    /// `--set key=value`, in order.
    pub sets: Vec<String>,
    /// `--out DIR` (default `runs/<task>`).
    pub out: Option<PathBuf>,
    /// `--quick`.
    pub quick: bool,
    /// `--device NAME` (else `AI4S_DEVICE`, else the default backend).
    pub device: Option<Backend>,
    /// `--seed N` (default 42).
    pub seed: Option<u64>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--resume`: continue the run in the output directory from its last checkpoint.
    pub resume: bool,
    /// `--checkpoint-every SECONDS` (default [`DEFAULT_CHECKPOINT_SECONDS`]; 0 = every epoch or step).
    pub checkpoint_every: Option<f64>,
}

/// Seconds between checkpoints of a training loop unless `--checkpoint-every` says otherwise.
pub const DEFAULT_CHECKPOINT_SECONDS: f64 = 60.0;

/// `run.json`: what a run needs to be resumed exactly (its config is `config.toml`).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RunRecord {
    task: String,
    seed: u64,
    quick: bool,
    device: String,
    version: String,
}

/// Everything a running task may use: device, seed, output directory, mode, progress, metrics.
pub struct RunContext {
    /// The compute device (plain; call `.autodiff()` for training).
    pub device: Device,
    /// The backend behind `device`.
    pub backend: Backend,
    /// Seed for every random number generator of the run.
    pub seed: u64,
    /// Output directory of this run.
    pub out_dir: PathBuf,
    /// Quick mode (small configs, for `ai4s map` and smoke tests).
    pub quick: bool,
    /// Metrics logged during the run (written to `metrics.csv`).
    pub metrics: MetricsLog,
    progress_mode: ProgressMode,
    checkpoint_every: std::time::Duration,
    resume: bool,
    checkpoint_names: std::collections::HashMap<String, usize>,
}

impl RunContext {
    /// A context writing into `out_dir` (created if missing).
    pub fn new(
        device: Device,
        backend: Backend,
        seed: u64,
        out_dir: PathBuf,
        quick: bool,
        progress_mode: ProgressMode,
    ) -> Result<Self> {
        crate::io::create_dir(&out_dir)?;
        Ok(RunContext {
            device,
            backend,
            seed,
            out_dir,
            quick,
            metrics: MetricsLog::default(),
            progress_mode,
            checkpoint_every: std::time::Duration::from_secs_f64(DEFAULT_CHECKPOINT_SECONDS),
            resume: false,
            checkpoint_names: Default::default(),
        })
    }

    /// Sets how often training loops checkpoint and whether they resume from their checkpoints.
    pub fn set_checkpoints(&mut self, every: std::time::Duration, resume: bool) {
        self.checkpoint_every = every;
        self.resume = resume;
    }

    /// Whether this run continues from checkpoints (`--resume`).
    pub fn resuming(&self) -> bool {
        self.resume
    }

    /// The checkpoint of the training loop `label`: `checkpoints/<label>` in the output
    /// directory (`<label>-2`, `-3`, ... for later loops with the same label in this run).
    pub fn checkpoint(&mut self, label: &str) -> crate::checkpoint::Checkpoint {
        let base: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let k = self.checkpoint_names.entry(base.clone()).or_insert(0);
        *k += 1;
        let name = if *k == 1 { base } else { format!("{base}-{k}") };
        crate::checkpoint::Checkpoint::new(
            self.out_dir.join("checkpoints").join(name),
            self.checkpoint_every,
            self.resume,
        )
    }

    /// A device on the same backend at another precision (e.g. f64 for numerical checks).
    pub fn device_with(&self, precision: Precision) -> Result<Device> {
        make_device(self.backend, precision, self.seed)
    }

    /// Logs metrics at `step` (rows of `metrics.csv`).
    pub fn log(&mut self, step: usize, values: &[(&str, f64)]) {
        self.metrics.log(step, values);
    }

    /// Starts a progress tracker for `total` units of work.
    pub fn progress(&self, label: &str, total: u64) -> Progress {
        Progress::new(self.progress_mode, label, total)
    }

    /// Prints an informational line unless `--quiet`.
    pub fn info(&self, msg: &str) {
        if self.progress_mode != ProgressMode::Quiet {
            eprintln!("{msg}");
        }
    }

    /// Path of a file in the output directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.out_dir.join(name)
    }

    /// Writes a file into the output directory atomically.
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let p = self.path(name);
        crate::io::write_atomic(&p, bytes)?;
        Ok(p)
    }

    /// Saves a module's weights (burnpack) into the output directory atomically.
    pub fn save_module<M: burn::module::Module>(&self, name: &str, module: &M) -> Result<PathBuf> {
        let path = self.path(name);
        crate::io::produce_atomic(&path, |tmp| {
            module.clone().save_file(tmp).map_err(|e| format!("{e:?}"))
        })?;
        Ok(path)
    }

    /// Renders `plot` as `<stem>.svg` and `<stem>.png` in the output directory.
    pub fn plot(&self, stem: &str, plot: &Plot) -> Result<Figure> {
        render(&self.out_dir.join(stem), plot)
    }
}

/// `summary.json`: the final record of a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// Task name.
    pub task: String,
    /// Area of the map.
    pub area: String,
    /// Final metrics by name.
    pub metrics: serde_json::Map<String, serde_json::Value>,
    /// Metrics with their goals and references.
    pub checks: Vec<crate::report::Metric>,
    /// Whether every checked goal was met; `null` when the task checked no goal (nothing was
    /// judged, so nothing is reported as met), `false` when it failed.
    pub goals_met: Option<bool>,
    /// Figures produced.
    pub figures: Vec<Figure>,
    /// Notes from the task.
    pub notes: Vec<String>,
    /// Goals that could not be judged in this run, with the reason.
    #[serde(default)]
    pub skipped: Vec<crate::report::Skipped>,
    /// Wall-clock seconds of the task.
    pub wall_seconds: f64,
    /// Backend name.
    pub device: String,
    /// Seed.
    pub seed: u64,
    /// Quick mode or full.
    pub quick: bool,
    /// ai4s version.
    pub version: String,
    /// Why the run stopped early; absent when it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// The record of a run that stopped with an error, kept in `summary.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Failure {
    /// `diverged`, `runtime`, `io` or `backend`.
    pub kind: String,
    /// Step (or epoch) at which training diverged, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The error message shown to the user.
    pub message: String,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The task's report.
    pub report: Report,
    /// The summary written to `summary.json`.
    pub summary: Summary,
    /// Output directory.
    pub out_dir: PathBuf,
}

/// Exclusive lock on an output directory, released on drop.
struct DirLock(PathBuf);

impl DirLock {
    fn acquire(dir: &Path) -> Result<Self> {
        let p = dir.join(".ai4s.lock");
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(mut f) => {
                use std::io::Write;
                let _ = writeln!(f, "{}", std::process::id());
                Ok(DirLock(p))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let pid = std::fs::read_to_string(&p).unwrap_or_default();
                let pid = pid.trim();
                if !pid.is_empty()
                    && !Path::new(&format!("/proc/{pid}")).exists()
                    && Path::new("/proc/self").exists()
                {
                    // Left behind by a run that was killed: take it over.
                    let _ = std::fs::remove_file(&p);
                    return Self::acquire(dir);
                }
                Err(Error::Runtime(format!(
                    "output directory {} is in use by another ai4s run (process {pid}); wait for it or choose another --out",
                    dir.display()
                )))
            }
            Err(e) => Err(Error::io("locking", &p, e)),
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Builds the effective config table for `task` from defaults, `--config` and `--set`.
pub fn effective_table(task: &dyn DynTask, opts: &RunOptions) -> Result<toml::Table> {
    let defaults = task.default_table(opts.quick)?;
    let aliases = task.aliases();
    let mut table = defaults.clone();
    if let Some(file) = &opts.config_file {
        let is_json = file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut over = if is_json {
            task.json_config(file, crate::config::read_json(file)?)?
        } else {
            crate::config::read_file(file)?
        };
        crate::config::nest_aliases(&mut over, &aliases)?;
        crate::config::merge(&mut table, over);
    }
    for s in &opts.sets {
        let (k, v) = crate::config::parse_set(s)?;
        let k = crate::config::resolve_alias(&k, &aliases);
        crate::config::apply_set(&mut table, &defaults, k, v, task.name())?;
    }
    Ok(table)
}

/// Runs `task` as the command line asked and writes the run directory.
pub fn run_task(task: &dyn DynTask, opts: &RunOptions) -> Result<RunOutcome> {
    let out_dir = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(task.name()));
    if opts.resume {
        return resume_task(task, opts, &out_dir);
    }
    // Everything about the user's input is checked before the device starts.
    let table = effective_table(task, opts)?;
    let backend = resolve_backend(opts.device)?;
    let seed = opts.seed.unwrap_or(42);
    let every = checkpoint_interval(opts)?;
    let device = make_device(backend, Precision::F32, seed)?;
    let fresh = !out_dir.exists();
    crate::io::create_dir(&out_dir)?;
    let lock = DirLock::acquire(&out_dir)?;
    // A new run in an old directory: its checkpoints belong to the old run.
    let old = out_dir.join("checkpoints");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io("removing", &old, e))?;
    }
    crate::io::remove_stale_temps(&out_dir);
    let record = RunRecord {
        task: task.name().into(),
        seed,
        quick: opts.quick,
        device: backend.name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let json = serde_json::to_vec_pretty(&record)
        .map_err(|e| Error::Runtime(format!("serialising run.json: {e}")))?;
    crate::io::write_atomic(&out_dir.join("run.json"), &json)?;
    match run_locked(
        task,
        opts.quick,
        opts.quiet,
        table,
        backend,
        seed,
        device,
        (every, false),
        &out_dir,
    ) {
        Err(e) if e.exit_code() == 2 && fresh => {
            // Bad input found while running: leave nothing behind but the error message.
            drop(lock);
            let _ = std::fs::remove_dir_all(&out_dir);
            Err(e)
        }
        other => other,
    }
}

fn checkpoint_interval(opts: &RunOptions) -> Result<std::time::Duration> {
    let s = opts.checkpoint_every.unwrap_or(DEFAULT_CHECKPOINT_SECONDS);
    if !((0.0..1e9).contains(&s)) {
        return Err(Error::config(
            "--checkpoint-every",
            format!("must be a number of seconds >= 0, got {s}"),
        ));
    }
    Ok(std::time::Duration::from_secs_f64(s))
}

/// `--resume`: the saved config, seed, mode and device of the run in `out_dir`, continued from
/// its checkpoints.
fn resume_task(task: &dyn DynTask, opts: &RunOptions, out_dir: &Path) -> Result<RunOutcome> {
    if opts.config_file.is_some() || !opts.sets.is_empty() {
        return Err(Error::config(
            "--resume",
            "continues with the run's own config.toml; drop --config and --set",
        ));
    }
    let rec_path = out_dir.join("run.json");
    if !rec_path.exists() {
        return Err(Error::data(
            &rec_path,
            None,
            "nothing to resume: no run was started in this directory (run without --resume, or give the run's --out)",
        ));
    }
    let text = crate::io::read_to_string(&rec_path)?;
    let rec: RunRecord = serde_json::from_str(&text).map_err(|e| {
        Error::data(
            &rec_path,
            Some(e.line()),
            format!("malformed run record: {e}"),
        )
    })?;
    if rec.task != task.name() {
        return Err(Error::config(
            "--resume",
            format!(
                "{} holds a run of `{}`, not `{}`",
                out_dir.display(),
                rec.task,
                task.name()
            ),
        ));
    }
    if opts.seed.is_some_and(|s| s != rec.seed) || (opts.quick && !rec.quick) {
        return Err(Error::config(
            "--resume",
            format!(
                "the run used seed {}{}; resume it without --seed/--quick",
                rec.seed,
                if rec.quick { " in quick mode" } else { "" }
            ),
        ));
    }
    let backend = match opts.device {
        Some(b) => b,
        None => rec.device.parse()?,
    };
    if backend.name() != rec.device {
        return Err(Error::config(
            "--device",
            format!(
                "the run used `{}`; resuming on another backend would not continue it exactly",
                rec.device
            ),
        ));
    }
    let mut table = crate::config::read_file(&out_dir.join("config.toml"))?;
    // A run saved before a config was nested resumes with its flat keys moved into place.
    crate::config::nest_aliases(&mut table, &task.aliases())?;
    let every = checkpoint_interval(opts)?;
    let device = make_device(backend, Precision::F32, rec.seed)?;
    let _lock = DirLock::acquire(out_dir)?;
    crate::io::remove_stale_temps(out_dir);
    run_locked(
        task,
        rec.quick,
        opts.quiet,
        table,
        backend,
        rec.seed,
        device,
        (every, true),
        out_dir,
    )
}

#[allow(clippy::too_many_arguments)]
fn run_locked(
    task: &dyn DynTask,
    quick: bool,
    quiet: bool,
    table: toml::Table,
    backend: Backend,
    seed: u64,
    device: Device,
    (every, resume): (std::time::Duration, bool),
    out_dir: &Path,
) -> Result<RunOutcome> {
    let out_dir = out_dir.to_path_buf();
    let mut ctx = RunContext::new(
        device,
        backend,
        seed,
        out_dir.clone(),
        quick,
        ProgressMode::detect(quiet),
    )?;
    ctx.set_checkpoints(every, resume);
    ctx.info(&format!(
        "{} `{}` on {} (seed {seed}{}) -> {}",
        if resume { "resuming" } else { "running" },
        task.name(),
        backend,
        if quick { ", quick" } else { "" },
        out_dir.display()
    ));
    let start = Instant::now();
    let (report, _config) = match task.run_table(table, &mut ctx) {
        Ok(r) => r,
        Err(e) if e.exit_code() == 2 => return Err(e),
        Err(e) => {
            // A failure while running: keep the metrics so far and record why it stopped.
            let (kind, step) = match &e {
                Error::Diverged { step, .. } => ("diverged", Some(*step)),
                Error::Io { .. } => ("io", None),
                Error::Backend(_) => ("backend", None),
                _ => ("runtime", None),
            };
            let summary = Summary {
                task: task.name().into(),
                area: task.area().name().into(),
                metrics: serde_json::Map::new(),
                checks: Vec::new(),
                goals_met: Some(false),
                figures: Vec::new(),
                notes: Vec::new(),
                skipped: Vec::new(),
                wall_seconds: start.elapsed().as_secs_f64(),
                device: backend.name().into(),
                seed,
                quick,
                version: env!("CARGO_PKG_VERSION").into(),
                failure: Some(Failure {
                    kind: kind.into(),
                    step,
                    message: e.to_string(),
                }),
            };
            let _ = ctx.metrics.write(&ctx.path("metrics.csv"));
            if let Ok(json) = serde_json::to_vec_pretty(&summary) {
                let _ = crate::io::write_atomic(&out_dir.join("summary.json"), &json);
            }
            return Err(e);
        }
    };
    let wall = start.elapsed().as_secs_f64();
    ctx.metrics.write(&ctx.path("metrics.csv"))?;
    let summary = Summary {
        task: task.name().into(),
        area: task.area().name().into(),
        metrics: report
            .metrics
            .iter()
            .map(|m| (m.name.clone(), serde_json::json!(m.value)))
            .collect(),
        checks: report.metrics.clone(),
        goals_met: report.goals_checked().then(|| report.all_goals_met()),
        figures: report.figures.clone(),
        notes: report.notes.clone(),
        skipped: report.skipped.clone(),
        wall_seconds: wall,
        device: backend.name().into(),
        seed,
        quick,
        version: env!("CARGO_PKG_VERSION").into(),
        failure: None,
    };
    let json = serde_json::to_vec_pretty(&summary)
        .map_err(|e| Error::Runtime(format!("serialising summary: {e}")))?;
    crate::io::write_atomic(&out_dir.join("summary.json"), &json)?;
    Ok(RunOutcome {
        report,
        summary,
        out_dir,
    })
}
