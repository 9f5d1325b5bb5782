//! One function per fuzz target: writes the input bytes where a reader expects a file, calls the
//! reader, and checks what the reader promises. A reader may refuse any input with an
//! `ai4s::core::Error`; it must never panic, overflow, hang or allocate without bound.
//!
//! Readers take paths, so each function writes the bytes into files of a scratch directory.
//! Inputs that stand for several files are split on [`SEP`]: part `k` becomes the `k`-th file of
//! the target's list; a missing or empty part is a missing file.
//!
//! Shared by the fuzz crate (`fuzz/`) and the main package's `tests/fuzz_regressions.rs`.

use ai4s::core::burn::tensor::Device;
use ai4s::core::config::{from_table, to_toml_string};
use ai4s::core::data::Table;
use ai4s::core::device::make_device;
use ai4s::core::run::{RunOptions, effective_table};
use ai4s::core::{Backend, Precision, TaskConfig};
use ai4s::potential::{deepmd, dpmodel, npy, xyz};
use std::path::{Path, PathBuf};

/// Separator between the files of one input (seeds of binary files such as `.npy` do not
/// contain it).
pub const SEP: &[u8] = b"\n#%ai4s-fuzz%#\n";

/// A fuzz target's body: takes the fuzzer's bytes, panics only on a finding.
pub type Target = fn(&[u8]);

/// Every target, by name: the fuzz binaries and the regression-test directories.
pub const TARGETS: [(&str, Target); 9] = [
    ("deepmd_raw", deepmd_raw),
    ("deepmd_npy", deepmd_npy),
    ("npy", npy_file),
    ("xyz", xyz_file),
    ("csv", csv_file),
    ("config", config),
    ("dpmodel", dpmodel_file),
    ("model", model),
    ("policy", policy),
];

/// Splits `data` on [`SEP`].
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(SEP.len()).position(|w| w == SEP) {
        parts.push(&rest[..i]);
        rest = &rest[i + SEP.len()..];
    }
    parts.push(rest);
    parts
}

/// Joins files into one input (the inverse of [`split`]).
pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(SEP)
}

thread_local! {
    /// In memory where the system has a tmpfs at /dev/shm: the fuzzer writes files for every
    /// input, so the disk would set the pace.
    static SCRATCH: tempfile::TempDir = {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        tempfile::Builder::new()
            .prefix("ai4s-fuzz-")
            .tempdir_in(base)
            .expect("scratch directory")
    };
}

/// A fresh, empty directory `name` in this thread's scratch directory (removed and recreated on
/// every call, so one input never sees the files of the previous one).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = SCRATCH.with(|s| s.path().join(name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Writes `parts[k]` to `dir/names[k]` for every non-empty part (extra parts are ignored).
pub fn write_parts(dir: &Path, names: &[&str], parts: &[&[u8]]) {
    for (name, bytes) in names.iter().zip(parts).filter(|(_, b)| !b.is_empty()) {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent directory");
        }
        std::fs::write(&p, bytes).expect("write input file");
    }
}

/// Prints the error of a refused input when `AI4S_FUZZ_DEBUG` is set (replaying one input:
/// `AI4S_FUZZ_DEBUG=1 fuzz/target/<triple>/release/<target> FILE`).
fn show<T>(r: &ai4s::core::Result<T>) {
    if let Err(e) = r
        && std::env::var_os("AI4S_FUZZ_DEBUG").is_some()
    {
        eprintln!("refused (exit code {}): {e}", e.exit_code());
    }
}

/// The flex CPU device (f32).
pub fn device() -> Device {
    make_device(Backend::Flex, Precision::F32, 0).expect("flex device")
}

/// The files of [`deepmd_raw`], in the order of the input's parts.
pub const DEEPMD_RAW_FILES: [&str; 8] = [
    "type.raw",
    "coord.raw",
    "box.raw",
    "energy.raw",
    "force.raw",
    "virial.raw",
    "type_map.raw",
    "nopbc",
];

/// A DeePMD system directory of raw files, read with and without a caller's type map.
pub fn deepmd_raw(data: &[u8]) {
    let dir = fresh_dir("system");
    write_parts(&dir, &DEEPMD_RAW_FILES, &split(data));
    check_system(&dir, deepmd::read_system(&dir, None));
    let map = ["Si".to_owned(), "O".to_owned()];
    check_system(&dir, deepmd::read_system(&dir, Some(&map)));
}

/// The files of [`deepmd_npy`], in the order of the input's parts.
pub const DEEPMD_NPY_FILES: [&str; 9] = [
    "type.raw",
    "set.000/coord.npy",
    "set.000/box.npy",
    "set.000/energy.npy",
    "set.000/force.npy",
    "set.000/virial.npy",
    "set.001/coord.npy",
    "set.001/box.npy",
    "type_map.raw",
];

/// A DeePMD system directory with `set.*/*.npy` arrays (two sets).
pub fn deepmd_npy(data: &[u8]) {
    let dir = fresh_dir("system");
    write_parts(&dir, &DEEPMD_NPY_FILES, &split(data));
    check_system(&dir, deepmd::read_system(&dir, None));
}

fn check_system(path: &Path, r: ai4s::core::Result<ai4s::potential::frames::System>) {
    show(&r);
    if let Ok(system) = r {
        system
            .validate_input(path)
            .expect("a system the reader accepts passes its own input checks");
    }
}

/// One `.npy` array.
pub fn npy_file(data: &[u8]) {
    let p = fresh_dir("npy").join("a.npy");
    std::fs::write(&p, data).expect("write input file");
    let r = npy::read(&p);
    show(&r);
    if let Ok((values, shape)) = r {
        assert_eq!(
            values.len(),
            shape.iter().product::<usize>(),
            "values fill the shape"
        );
    }
}

/// One extended XYZ file.
pub fn xyz_file(data: &[u8]) {
    let p = fresh_dir("xyz").join("a.xyz");
    std::fs::write(&p, data).expect("write input file");
    check_system(&p, xyz::read(&p));
}

/// One CSV dataset (header + numeric rows), then its split into features and target.
pub fn csv_file(data: &[u8]) {
    let p = fresh_dir("csv").join("a.csv");
    std::fs::write(&p, data).expect("write input file");
    let r = Table::read_csv(&p);
    show(&r);
    if let Ok(table) = r {
        assert_eq!(
            table.values.ncols(),
            table.headers.len(),
            "one column per header"
        );
        if let Some(target) = table.headers.last().cloned() {
            let _ = table.features_target(&target);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Table::parse_csv(text, &p);
    }
}

/// Configs as the runner reads them: a task's defaults, a `--config` file (TOML or JSON), then
/// `--set key=value` overrides; the effective table is deserialised into the task's config type
/// and validated, as `ai4s run` does before anything runs.
///
/// Input: byte 0 picks the task, byte 1 the mode (bit 0: JSON file, bit 1: `--quick`, bit 2: no
/// config file); the rest is split on [`SEP`]: the config file, then one `--set` per part.
pub fn config(data: &[u8]) {
    let [pick, mode, rest @ ..] = data else {
        return;
    };
    let registry = ai4s::registry();
    let task = &registry[usize::from(*pick) % registry.len()];
    let parts = split(rest);
    let config_file = (mode & 4 == 0).then(|| {
        let name = if mode & 1 == 1 { "c.json" } else { "c.toml" };
        let p = fresh_dir("config").join(name);
        std::fs::write(&p, parts[0]).expect("write input file");
        p
    });
    let opts = RunOptions {
        config_file,
        sets: parts[1..]
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
        quick: mode & 2 == 2,
        ..RunOptions::default()
    };
    let r = effective_table(task.as_ref(), &opts);
    show(&r);
    if let Ok(table) = r {
        check_config(task.name(), table);
    }
}

/// Deserialises and validates `table` as the config of task `name`.
fn check_config(name: &str, table: toml::Table) {
    macro_rules! tasks {
        ($($task:literal => $cfg:ty),* $(,)?) => {
            match name {
                $($task => {
                    let r = from_table::<$cfg>(table).and_then(|cfg| cfg.validate().map(|()| cfg));
                    show(&r);
                    if let Ok(cfg) = r {
                        to_toml_string(&cfg).expect("a valid config renders as TOML");
                    }
                })*
                other => panic!("task `{other}` is missing from the fuzz harness's list"),
            }
        };
    }
    use ai4s::chem as c;
    use ai4s::life as l;
    use ai4s::potential as p;
    use ai4s::rl as r;
    use ai4s::science as s;
    use ai4s::supervised as sv;
    use ai4s::unsupervised as u;
    tasks! {
        "regression" => sv::regression::RegressionConfig,
        "classification" => sv::classification::ClassificationConfig,
        "cnn" => sv::cnn::CnnConfig,
        "approximation" => sv::approx::ApproxConfig,
        "potential-data" => p::generate::GenerateConfig,
        "deep-potential" => p::train::DeepPotConfig,
        "md-validate" => p::md_task::MdValidateConfig,
        "active-learning" => p::active::ActiveLearningConfig,
        "cellular-automata" => s::automata::AutomataConfig,
        "lorenz" => s::lorenz::LorenzConfig,
        "heat-pinn" => s::pinn::PinnConfig,
        "vmc" => s::vmc::VmcConfig,
        "bayesopt" => s::bayesopt::BayesOptConfig,
        "transits" => s::transits::TransitsConfig,
        "alloy-search" => s::alloy::AlloyConfig,
        "kmeans" => u::cluster_tasks::KMeansConfig,
        "gmm" => u::gmm_task::GmmConfig,
        "pca" => u::pca_task::PcaConfig,
        "dbscan" => u::cluster_tasks::DbscanConfig,
        "ising-phases" => u::ising::IsingConfig,
        "vae" => u::vae::VaeConfig,
        "flow" => u::flow_density::FlowDensityConfig,
        "boltzmann" => u::boltzmann::BoltzmannConfig,
        "q-learning" => r::tasks::QLearningConfig,
        "ppo" => r::tasks::PpoTaskConfig,
        "dqn" => r::tasks::DqnTaskConfig,
        "experiment-design" => r::tasks::DesignConfig,
        "motifs" => l::motifs::MotifsConfig,
        "contacts" => l::contacts::ContactsConfig,
        "dbtl" => l::dbtl::DbtlConfig,
        "molecules" => c::molecules::MoleculesConfig,
        "diagnosis" => l::diagnosis::DiagnosisConfig,
        "battery" => s::battery::BatteryConfig,
        "trigger" => s::trigger::TriggerConfig,
        "isotope-diffusion" => s::isotope::IsotopeConfig,
        "lensing" => s::lensing::LensingConfig,
        "weather-field" => s::weather::WeatherConfig,
        "high-entropy" => p::high_entropy::HighEntropyConfig,
        "structure-search" => p::structure_search::StructureSearchConfig,
        "enhanced-sampling" => s::sampling::SamplingConfig,
        "deblur" => s::deblur::DeblurConfig,
    }
}

/// A DeePMD-kit v3 model document (`dp convert-backend` YAML or JSON), imported into a model.
pub fn dpmodel_file(data: &[u8]) {
    let p = fresh_dir("dpmodel").join("model.yaml");
    std::fs::write(&p, data).expect("write input file");
    show(&dpmodel::import_file(&p, &device()));
}

/// A saved Deep Potential: `model.toml` and `model.bpk` (burn weights), loaded as
/// `ai4s potential test|export` and the MD tasks do (`model_file::load_model`).
pub fn model(data: &[u8]) {
    let dir = fresh_dir("model");
    write_parts(&dir, &["model.toml", "model.bpk"], &split(data));
    show(&ai4s::potential::model_file::load_model(
        &dir.join("model.bpk"),
        &device(),
    ));
}

/// A saved RL policy: `policy.json` and `policy.bpk` (burn weights), loaded as
/// `ai4s run ppo --set load=...` does.
pub fn policy(data: &[u8]) {
    let dir = fresh_dir("policy");
    write_parts(&dir, &["policy.json", "policy.bpk"], &split(data));
    show(&ai4s::rl::agent::load_policy(
        &dir.join("policy.bpk"),
        &device(),
    ));
}
