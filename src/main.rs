//! The `ai4s` command: list, inspect and run the tasks of the AI-for-Science map.

mod bench;

use ai4s::core::burn::tensor::Device;
use ai4s::core::{Backend, Error, Precision, Result, RunOptions};
use ai4s::potential::md_run;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ai4s",
    version,
    about = "The AI-for-Science map as running, measured software"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Backend: flex, ndarray, wgpu or cuda (default: AI4S_DEVICE, else flex).
    #[arg(long)]
    device: Option<Backend>,
    /// Seed for every random number generator.
    #[arg(long)]
    seed: Option<u64>,
    /// No progress bars or log lines.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// List the tasks: name, area, description.
    List,
    /// List the backends compiled into this build and the default.
    Devices,
    /// Print a task's default configuration as TOML.
    Config {
        /// Task name (see `ai4s list`).
        task: String,
        /// Show the quick configuration instead.
        #[arg(long)]
        quick: bool,
    },
    /// Run one task.
    Run {
        /// Task name (see `ai4s list`).
        task: String,
        /// TOML file with config values.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override one config value, e.g. `--set train.epochs=50` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Output directory (default runs/<task>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Small, fast configuration.
        #[arg(long)]
        quick: bool,
        /// Continue the run in the output directory from its last checkpoint, with its own
        /// config, seed and device; the result equals an uninterrupted run.
        #[arg(long)]
        resume: bool,
        /// Seconds between checkpoints of training loops (0: after every epoch or step).
        #[arg(long, value_name = "SECONDS")]
        checkpoint_every: Option<f64>,
        #[command(flatten)]
        common: Common,
    },
    /// Check a backend: train the same small MLP there and on the CPU; losses must fall and agree.
    Selftest {
        /// Optimiser steps.
        #[arg(long, default_value_t = 100)]
        steps: usize,
        /// Largest allowed relative difference between the two loss curves.
        #[arg(long, default_value_t = 1e-3)]
        tol: f64,
        #[command(flatten)]
        common: Common,
    },
    /// Neural-potential tools.
    Potential {
        #[command(subcommand)]
        action: PotentialCommand,
    },
    /// Measure throughput (MLP training, Deep Potential training, CartPole, PPO) for BENCHMARKS.md.
    Bench {
        /// Backends to measure, comma-separated (default: every compiled CPU backend).
        #[arg(long, value_delimiter = ',')]
        backends: Vec<String>,
        /// Repetitions per item (the median is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Short runs (a smoke test of the harness, not numbers to publish).
        #[arg(long)]
        quick: bool,
        /// Output directory for bench.json and bench.csv.
        #[arg(long, default_value = "runs/bench")]
        out: PathBuf,
        /// Measure nothing: draw the time-vs-size figures (rows, clusters or features) of a
        /// scaling table (written by `bench/compare/sklearn_cluster.py scaling`) into --out and
        /// print their slopes.
        #[arg(long, value_name = "CSV")]
        plot_scaling: Option<PathBuf>,
    },
    /// Run every task in quick mode and write an HTML report of the map.
    Map {
        /// Output directory (default runs/map).
        #[arg(long, default_value = "runs/map")]
        out: PathBuf,
        /// Only these tasks (comma-separated).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum PotentialCommand {
    /// Evaluate a trained Deep Potential on data, like `dp test`.
    Test {
        /// The `model.bpk` written by `ai4s run deep-potential` (with `model.toml` beside it),
        /// a DeePMD-kit model document, or a compressed model (`ai4s potential compress`).
        #[arg(long)]
        model: PathBuf,
        /// DeePMD system directories or extended XYZ files, comma-separated.
        #[arg(long)]
        data: String,
        /// Evaluate in float64 (as DeePMD-kit's float64 models do) instead of float32.
        #[arg(long)]
        f64: bool,
        /// Also write per-frame predictions to PREFIX.e.out, PREFIX.f.out and PREFIX.v.out
        /// (the layout of `dp test -d PREFIX`).
        #[arg(long)]
        detail: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Export a trained model to DeePMD-kit's native model document (`dp convert-backend
    /// model.yaml model.pth` then makes it a model for `dp test`, ASE and LAMMPS).
    Export {
        /// The `model.bpk` written by `ai4s run deep-potential` (with `model.toml` beside it).
        #[arg(long)]
        model: PathBuf,
        /// Output document (`.yaml`; JSON content, which is YAML).
        #[arg(long)]
        out: PathBuf,
        // Device: the conversion copies weights exactly, so it runs in f64 (flex, ndarray, cuda).
        #[command(flatten)]
        common: Common,
    },
    /// Compress a trained model for fast molecular dynamics, like `dp compress`: every
    /// embedding net becomes a table of fifth-order polynomials, evaluated natively in f64.
    Compress {
        /// The `model.bpk` written by `ai4s run deep-potential` (with `model.toml` beside it),
        /// or a DeePMD-kit model document.
        #[arg(long)]
        model: PathBuf,
        /// Output file (e.g. `model.dpz`), for `ai4s potential test` and molecular dynamics.
        #[arg(long)]
        out: PathBuf,
        /// Table step in the normalised s (DeePMD-kit's default).
        #[arg(long, default_value_t = 0.01)]
        stride: f64,
        /// A second table region, of step 10 x stride, reaches EXTRAPOLATE x the upper bound.
        #[arg(long, default_value_t = 5.0)]
        extrapolate: f64,
        /// Systems (comma-separated DeePMD directories or extended XYZ, e.g. the training
        /// data) whose closest pair sets the table's upper bound; the compressed model is also
        /// checked against the exact one on them.
        #[arg(long)]
        data: Option<String>,
        /// The closest neighbour distance (A) that sets the table's upper bound, instead of
        /// --data.
        #[arg(long)]
        min_nbor_dist: Option<f64>,
        // Device: the weights are read in f64 (flex, ndarray, cuda).
        #[command(flatten)]
        common: Common,
    },
    /// Run molecular dynamics with a trained model on a structure (extended XYZ, DeePMD system
    /// directory or LAMMPS data file): NVE, Langevin or Nose-Hoover chain NVT; writes
    /// thermo.csv, trajectory.xyz and md.json.
    Md {
        /// The model: `model.bpk` of `ai4s run deep-potential` or a DeePMD-kit document.
        #[arg(long)]
        model: PathBuf,
        /// The starting structure: `.xyz`/`.extxyz`, a DeePMD system directory, or a LAMMPS
        /// data file (`atom_style atomic`).
        #[arg(long)]
        structure: PathBuf,
        /// Frame of a multi-frame XYZ file or DeePMD system (0-based).
        #[arg(long, default_value_t = 0)]
        frame: usize,
        /// Element names of the LAMMPS atom types (type 1 first), or of a DeePMD system
        /// without type_map.raw, comma-separated (e.g. Si,O).
        #[arg(long, value_delimiter = ',')]
        type_map: Vec<String>,
        /// Mass of an element in amu (repeatable), e.g. `--mass H=2.014` for deuterium;
        /// default: the file's Masses, else the standard atomic weight.
        #[arg(long = "mass", value_name = "EL=AMU", value_parser = md_run::parse_mass_override)]
        masses: Vec<(String, f64)>,
        /// Ensemble: nve, langevin or nhc (Nose-Hoover chain).
        #[arg(long, default_value_t = md_run::MdRunOptions::default().ensemble)]
        ensemble: md_run::EnsembleKind,
        /// Temperature (K) of the starting velocities and the thermostat.
        #[arg(long, allow_negative_numbers = true, default_value_t = md_run::MdRunOptions::default().temperature)]
        temperature: f64,
        /// Time step (fs).
        #[arg(long, allow_negative_numbers = true, default_value_t = md_run::MdRunOptions::default().timestep)]
        timestep: f64,
        /// Steps to run.
        #[arg(long, default_value_t = md_run::MdRunOptions::default().steps)]
        steps: usize,
        /// Thermostat time constant (fs): Nose-Hoover tau, Langevin damping time.
        #[arg(long, allow_negative_numbers = true, default_value_t = md_run::MdRunOptions::default().tau)]
        tau: f64,
        /// Steps between thermo rows.
        #[arg(long, default_value_t = md_run::MdRunOptions::default().thermo_every)]
        thermo_every: usize,
        /// Steps between trajectory frames (0: none).
        #[arg(long, default_value_t = md_run::MdRunOptions::default().dump_every)]
        dump_every: usize,
        /// Verlet-list skin (A).
        #[arg(long, default_value_t = 1.0)]
        skin: f64,
        /// Evaluate the model in float64 instead of float32.
        #[arg(long)]
        f64: bool,
        /// Output directory (default runs/md/<date>-<time>).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Import a DeePMD-kit model document (`dp convert-backend model.pb model.yaml`) as ai4s
    /// weights (`model.bpk` and `model.toml` in DIR).
    Import {
        /// DeePMD-kit model document (`.yaml` or `.json`).
        #[arg(long)]
        model: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        // Device: the conversion copies weights exactly, so it runs in f64 (flex, ndarray, cuda).
        #[command(flatten)]
        common: Common,
    },
}

/// Process-wide settings that must be made before any other thread exists.
#[allow(unsafe_code)]
fn init_process() {
    ai4s::core::alloc::keep_freed_memory();
    // SAFETY: the first thing `main` does, while the process has a single thread; nothing else
    // reads or writes the environment or signal dispositions concurrently.
    unsafe {
        // Like other command-line tools, stop quietly when the reader of our output goes away
        // (`ai4s list | head`) instead of failing on a broken pipe.
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        // burn restores optimiser state onto `Device::default()`, which would otherwise pick
        // (and start) a GPU backend; states move to the training device on the next step.
        #[cfg(feature = "flex")]
        if std::env::var_os("BURN_DEVICE").is_none() {
            std::env::set_var("BURN_DEVICE", "flex");
        }
    }
}

fn main() -> ExitCode {
    init_process();
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// The one place the command line turns `--device` (else `AI4S_DEVICE`, else the default) and a
/// precision into a device; every arm that computes outside the task runner calls it.
fn device_for(common: &Common, precision: Precision) -> Result<(Backend, Device)> {
    let backend = ai4s::core::device::resolve_backend(common.device)?;
    let device = ai4s::core::device::make_device(backend, precision, common.seed.unwrap_or(42))?;
    Ok((backend, device))
}

fn dispatch(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::List => {
            let tasks = ai4s::registry();
            // Columns as wide as their longest entry, so long task names keep them aligned.
            let w_name = tasks
                .iter()
                .map(|t| t.name().len())
                .chain([4])
                .max()
                .unwrap_or(4);
            let w_area = tasks
                .iter()
                .map(|t| t.area().name().len())
                .chain([4])
                .max()
                .unwrap_or(4);
            println!("{:<w_name$}  {:<w_area$}  description", "task", "area");
            for t in &tasks {
                println!(
                    "{:<w_name$}  {:<w_area$}  {}",
                    t.name(),
                    t.area().name(),
                    t.description()
                );
            }
        }
        Command::Devices => {
            let default = Backend::default_backend();
            println!(
                "{:<9} {:<10} {:<8} hardware",
                "backend", "compiled", "default"
            );
            for b in Backend::ALL {
                println!(
                    "{:<9} {:<10} {:<8} {}",
                    b.name(),
                    if b.is_compiled() { "yes" } else { "no" },
                    if Some(b) == default { "*" } else { "" },
                    b.describe()
                );
            }
            println!(
                "choose with --device NAME or AI4S_DEVICE=NAME; compile more in with --features NAME"
            );
        }
        Command::Config { task, quick } => {
            let t = ai4s::find_task(&task)?;
            let table = t.default_table(quick)?;
            print!(
                "{}",
                toml::to_string_pretty(&table).map_err(|e| Error::Runtime(e.to_string()))?
            );
        }
        Command::Run {
            task,
            config,
            sets,
            out,
            quick,
            resume,
            checkpoint_every,
            common,
        } => {
            let t = ai4s::find_task(&task)?;
            let opts = RunOptions {
                config_file: config,
                sets,
                out,
                quick,
                device: common.device,
                seed: common.seed,
                quiet: common.quiet,
                resume,
                checkpoint_every,
            };
            let outcome = ai4s::core::run::run_task(t.as_ref(), &opts)?;
            for m in &outcome.report.metrics {
                let mark = match &m.goal {
                    Some(g) if g.met(m.value) => format!("  (target {}: met)", g.describe()),
                    Some(g) => format!("  (target {}: NOT met)", g.describe()),
                    None => String::new(),
                };
                println!("{:<32} {:>14.6}{mark}", m.name, m.value);
            }
            println!("wrote {}", outcome.out_dir.display());
        }
        Command::Bench {
            backends,
            repeat,
            quick,
            out,
            plot_scaling,
        } => {
            if let Some(csv) = plot_scaling {
                bench::scaling::plot(&csv, &out)?;
                return Ok(ExitCode::SUCCESS);
            }
            ai4s::core::error::ensure(repeat >= 1, "repeat", || "must be at least 1".into())?;
            let list: Vec<Backend> = if backends.is_empty() {
                Backend::compiled()
                    .into_iter()
                    .filter(|b| matches!(b, Backend::Flex | Backend::Ndarray))
                    .collect()
            } else {
                backends.iter().map(|b| b.parse()).collect::<Result<_>>()?
            };
            bench::run(&list, repeat, quick, &out)?;
            println!("wrote {}", out.join("bench.json").display());
        }
        Command::Selftest { steps, tol, common } => {
            use ai4s::core::device::make_device;
            ai4s::core::error::ensure(steps >= 2, "steps", || {
                format!("must be at least 2, got {steps}")
            })?;
            let (candidate, candidate_device) = device_for(&common, Precision::F32)?;
            let seed = common.seed.unwrap_or(42);
            let reference = Backend::default_backend()
                .filter(|b| matches!(b, Backend::Flex | Backend::Ndarray))
                .ok_or_else(|| {
                    Error::Backend(
                        "selftest needs a CPU backend (flex or ndarray) compiled in".into(),
                    )
                })?;
            let a = ai4s::core::selftest::backend_agreement(
                &make_device(reference, Precision::F32, seed)?,
                &candidate_device,
                steps,
            )?;
            println!("step  {:>14} {:>14}", reference.name(), candidate.name());
            for i in (0..steps)
                .step_by((steps / 10).max(1))
                .chain(std::iter::once(steps - 1))
            {
                println!(
                    "{i:>4}  {:>14.6e} {:>14.6e}",
                    a.reference[i], a.candidate[i]
                );
            }
            let diff = a.max_rel_diff();
            let falls = a.both_fall(5.0);
            println!(
                "max relative difference {diff:.3e} (tolerance {tol:e}); loss fell 5x on both: {falls}"
            );
            if !(falls && diff <= tol) {
                eprintln!("error: selftest of `{candidate}` failed");
                return Ok(ExitCode::from(1));
            }
            println!("selftest of `{candidate}` passed");
        }
        Command::Potential {
            action:
                PotentialCommand::Test {
                    model,
                    data,
                    f64,
                    detail,
                    common,
                },
        } => {
            let precision = if f64 { Precision::F64 } else { Precision::F32 };
            let (_, device) = device_for(&common, precision)?;
            let preds = ai4s::potential::model_file::predict_model(&model, &data, &device)?;
            if let Some(prefix) = detail {
                ai4s::potential::dpmodel::write_detail(&prefix, &preds)?;
            }
            let results = preds.into_iter().map(|p| (p.path, p.frames, p.errors));
            println!(
                "{:<40} {:>7} {:>14} {:>14} {:>12} {:>12} {:>14}",
                "system", "frames", "E rmse/atom", "E mae/atom", "F rmse", "F mae", "W rmse/atom"
            );
            for (path, frames, e) in results {
                let w = e
                    .virial_rmse_per_atom
                    .map_or("-".to_string(), |v| format!("{v:.4e}"));
                println!(
                    "{:<40} {frames:>7} {:>14.4e} {:>14.4e} {:>12.4e} {:>12.4e} {w:>14}",
                    path.display().to_string(),
                    e.energy_rmse_per_atom,
                    e.energy_mae_per_atom,
                    e.force_rmse,
                    e.force_mae
                );
            }
            println!("units: eV/atom, eV/A, eV/atom");
        }
        Command::Potential {
            action: PotentialCommand::Export { model, out, common },
        } => {
            let (_, device) = device_for(&common, Precision::F64)?;
            let (m, meta) = ai4s::potential::model_file::load_model(&model, &device)?;
            ai4s::potential::dpmodel::export_file(&m, &meta, &out)?;
            println!("wrote {}", out.display());
        }
        Command::Potential {
            action:
                PotentialCommand::Compress {
                    model,
                    out,
                    stride,
                    extrapolate,
                    data,
                    min_nbor_dist,
                    common,
                },
        } => {
            let (_, device) = device_for(&common, Precision::F64)?;
            let opts = ai4s::potential::compress::CompressOptions {
                stride,
                extrapolate,
                data,
                min_nbor_dist,
            };
            let s = ai4s::potential::compress::compress_file(&model, &out, &opts, &device)?;
            let g = s.grid;
            println!(
                "closest pair {:.4} A; {} table(s) of s~ over [{}, {}) step {} and [{}, {}) step {}: {} intervals each",
                s.min_nbor_dist,
                s.tables,
                g.lower,
                g.upper,
                g.stride0,
                g.upper,
                g.max,
                g.stride1,
                g.intervals()
            );
            if let Some(d) = s.deviation {
                println!(
                    "compressed vs exact on {} frames: max |dE|/atom {:.3e} eV, max |dF| {:.3e} eV/A (max |F| {:.3}), max |dW|/atom {:.3e} eV",
                    d.frames, d.energy_per_atom, d.force, d.force_scale, d.virial_per_atom
                );
            }
            println!("wrote {} ({} bytes)", out.display(), s.bytes);
        }
        Command::Potential {
            action:
                PotentialCommand::Md {
                    model,
                    structure,
                    frame,
                    type_map,
                    masses,
                    ensemble,
                    temperature,
                    timestep,
                    steps,
                    tau,
                    thermo_every,
                    dump_every,
                    skin,
                    f64,
                    out,
                    common,
                },
        } => {
            let opts = md_run::MdRunOptions {
                ensemble,
                temperature,
                timestep,
                steps,
                tau,
                seed: common.seed.unwrap_or(42),
                thermo_every,
                dump_every,
                ..md_run::MdRunOptions::default()
            };
            opts.validate()?;
            let inputs = md_run::MdInputs {
                model,
                structure,
                frame,
                type_map,
                masses,
                skin,
            };
            let precision = if f64 { Precision::F64 } else { Precision::F32 };
            let (_, device) = device_for(&common, precision)?;
            let out = out.unwrap_or_else(md_run::default_out_dir);
            let progress = ai4s::core::progress::ProgressMode::detect(common.quiet);
            let s = md_run::run_files(&inputs, &opts, &device, &out, progress)?;
            println!(
                "{} atoms, {} steps in {:.2} s: {:.0} atom-steps/s; mean temperature {:.1} K; conserved-energy drift {:.3e} meV/atom/ps",
                s.atoms,
                s.steps,
                s.wall_seconds,
                s.atom_steps_per_second,
                s.mean_temperature,
                s.conserved_drift
            );
            println!("wrote {}", out.display());
        }
        Command::Potential {
            action: PotentialCommand::Import { model, out, common },
        } => {
            let (_, device) = device_for(&common, Precision::F64)?;
            let (m, meta) = ai4s::potential::dpmodel::import_file(&model, &device)?;
            let bpk = ai4s::potential::dpmodel::save_native(&m, &meta, &out)?;
            println!("wrote {}", bpk.display());
        }
        Command::Map { out, only, common } => {
            let mut tasks = ai4s::registry();
            if !only.is_empty() {
                for name in &only {
                    ai4s::find_task(name)?;
                }
                tasks.retain(|t| only.iter().any(|n| n == t.name()));
            }
            let base = RunOptions {
                device: common.device,
                seed: common.seed,
                quiet: common.quiet,
                ..RunOptions::default()
            };
            let failed = ai4s::run_map(&tasks, &out, &base)?;
            println!("wrote {}", out.join("report.html").display());
            if failed > 0 {
                eprintln!("error: {failed} task(s) failed; see the report");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
