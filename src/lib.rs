//! ai4s: the AI-for-Science map as running, measured software.
//!
//! This umbrella crate re-exports the area crates and holds the task [`registry`]. Add a task by
//! implementing [`core::Task`] in an area crate and adding one line to [`registry`].

pub use ai4s_chem as chem;
pub use ai4s_core as core;
pub use ai4s_life as life;
pub use ai4s_potential as potential;
pub use ai4s_rl as rl;
pub use ai4s_science as science;
pub use ai4s_supervised as supervised;
pub use ai4s_unsupervised as unsupervised;

use ai4s_core::DynTask;

/// Every task `ai4s list`, `ai4s run` and `ai4s map` know, in map order.
pub fn registry() -> Vec<Box<dyn DynTask>> {
    vec![
        Box::new(ai4s_supervised::Regression),
        Box::new(ai4s_supervised::Classification),
        Box::new(ai4s_supervised::CnnTask),
        Box::new(ai4s_supervised::Approximation),
        Box::new(ai4s_potential::GenerateData),
        Box::new(ai4s_potential::DeepPotential),
        Box::new(ai4s_potential::MdValidate),
        Box::new(ai4s_potential::ActiveLearning),
        Box::new(ai4s_science::CellularAutomata),
        Box::new(ai4s_science::LorenzForecast),
        Box::new(ai4s_science::HeatPinn),
        Box::new(ai4s_science::VariationalMonteCarlo),
        Box::new(ai4s_science::BayesOpt),
        Box::new(ai4s_science::Transits),
        Box::new(ai4s_science::AlloySearch),
        // unsupervised (classical)
        Box::new(ai4s_unsupervised::KMeansTask),
        Box::new(ai4s_unsupervised::GmmTask),
        Box::new(ai4s_unsupervised::PcaTask),
        Box::new(ai4s_unsupervised::DbscanTask),
        Box::new(ai4s_unsupervised::IsingPhases),
        // unsupervised (generative)
        Box::new(ai4s_unsupervised::VaeTask),
        Box::new(ai4s_unsupervised::FlowDensity),
        Box::new(ai4s_unsupervised::BoltzmannGenerator),
        // reinforcement
        Box::new(ai4s_rl::QLearningTask),
        Box::new(ai4s_rl::PpoTask),
        Box::new(ai4s_rl::DqnTask),
        Box::new(ai4s_rl::ExperimentDesignTask),
        // life sciences (new tasks go at the end: the fuzz seeds name tasks by registry index)
        Box::new(ai4s_life::Motifs),
        Box::new(ai4s_life::Contacts),
        Box::new(ai4s_life::Dbtl),
        // chemistry
        Box::new(ai4s_chem::Molecules),
        // precision medicine
        Box::new(ai4s_life::Diagnosis),
        // energy
        Box::new(ai4s_science::Battery),
        // particle physics
        Box::new(ai4s_science::Trigger),
        // earth science
        Box::new(ai4s_science::IsotopeDiffusion),
        // astronomy
        Box::new(ai4s_science::Lensing),
        // weather
        Box::new(ai4s_science::WeatherField),
        // materials
        Box::new(ai4s_potential::HighEntropy),
        Box::new(ai4s_potential::StructureSearch),
        Box::new(ai4s_science::EnhancedSampling),
        // astronomy
        Box::new(ai4s_science::Deblur),
    ]
}

/// Finds a task by name, or an error listing the known names (exit code 2).
pub fn find_task(name: &str) -> ai4s_core::Result<Box<dyn DynTask>> {
    let mut all = registry();
    match all.iter().position(|t| t.name() == name) {
        Some(i) => Ok(all.swap_remove(i)),
        None => Err(ai4s_core::Error::Unknown(format!(
            "unknown task `{name}`; known tasks: {} (see `ai4s list`)",
            all.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Runs every task of `tasks` in quick mode into `out/<task>` and writes `out/report.html`.
/// Returns the number of tasks that failed.
pub fn run_map(
    tasks: &[Box<dyn DynTask>],
    out: &std::path::Path,
    base: &ai4s_core::RunOptions,
) -> ai4s_core::Result<usize> {
    use ai4s_core::html::{MapEntry, write_map};
    let start = std::time::Instant::now();
    ai4s_core::io::create_dir(out)?;
    let backend = ai4s_core::device::resolve_backend(base.device)?;
    let mut entries = Vec::new();
    for task in tasks {
        let opts = ai4s_core::RunOptions {
            out: Some(out.join(task.name())),
            quick: true,
            ..base.clone()
        };
        let outcome = ai4s_core::run::run_task(task.as_ref(), &opts).map_err(|e| e.to_string());
        if let Err(msg) = &outcome {
            eprintln!("task `{}` failed: {msg}", task.name());
        }
        entries.push(MapEntry {
            task: task.as_ref(),
            outcome,
        });
    }
    let failed = entries.iter().filter(|e| e.outcome.is_err()).count();
    write_map(
        &out.join("report.html"),
        &entries,
        backend.name(),
        start.elapsed().as_secs_f64(),
    )?;
    Ok(failed)
}
