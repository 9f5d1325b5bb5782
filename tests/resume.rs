//! Crash safety: runs killed with SIGKILL at random moments leave only complete files, and
//! `--resume` continues them to the same weights and metrics as an uninterrupted run.

use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ai4s"));
    c.env_remove("AI4S_DEVICE");
    c
}

fn run(args: &[String]) -> Output {
    bin()
        .args(args)
        .output()
        .expect("the ai4s binary should start")
}

fn data(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

/// `ai4s run TASK ARGS --out OUT --quiet` as owned strings.
fn run_args(task: &str, args: &[&str], out: &Path) -> Vec<String> {
    let mut v = vec!["run".to_string(), task.to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    v.extend(["--out".into(), out.display().to_string(), "--quiet".into()]);
    v
}

/// `ai4s run TASK --resume --out OUT` followed by `extra`, as owned strings.
fn resume_args(task: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut v = vec![
        "run".to_string(),
        task.to_string(),
        "--resume".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// Every file a killed run left must be whole: the JSON/TOML files parse, and the checkpoint
/// the `latest` pointer names has its state and weights.
fn assert_no_torn_files(dir: &Path) {
    for name in ["run.json", "summary.json"] {
        let p = dir.join(name);
        if p.exists() {
            let text = std::fs::read_to_string(&p).expect("readable");
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{} is torn: {e}", p.display()));
        }
    }
    let cfg = dir.join("config.toml");
    if cfg.exists() {
        std::fs::read_to_string(&cfg)
            .expect("readable")
            .parse::<toml::Table>()
            .unwrap_or_else(|e| panic!("{} is torn: {e}", cfg.display()));
    }
    let Ok(loops) = std::fs::read_dir(dir.join("checkpoints")) else {
        return;
    };
    for l in loops.flatten() {
        let Ok(name) = std::fs::read_to_string(l.path().join("latest")) else {
            continue; // killed before the first checkpoint of this loop was complete
        };
        let ck = l.path().join(name.trim());
        let state = std::fs::read_to_string(ck.join("state.json"))
            .unwrap_or_else(|e| panic!("{}: latest checkpoint has no state: {e}", ck.display()));
        serde_json::from_str::<serde_json::Value>(&state)
            .unwrap_or_else(|e| panic!("{} torn: {e}", ck.display()));
        for f in ["model.bpk", "optim.bpk"] {
            let len = std::fs::metadata(ck.join(f))
                .unwrap_or_else(|e| panic!("{}/{f} missing: {e}", ck.display()))
                .len();
            assert!(len > 0, "{}/{f} is empty", ck.display());
        }
    }
}

/// The step (or epoch) of the newest complete checkpoint of the run in `dir`: the largest `N`
/// of the `step-N` that a training loop's `latest` pointer names.
fn checkpointed_step(dir: &Path) -> Option<usize> {
    std::fs::read_dir(dir.join("checkpoints"))
        .ok()?
        .flatten()
        .filter_map(|l| std::fs::read_to_string(l.path().join("latest")).ok())
        .filter_map(|name| name.trim().strip_prefix("step-")?.parse().ok())
        .max()
}

/// Runs `task` once uninterrupted, then again under repeated SIGKILLs, each time resumed with
/// `--resume`, and returns both run directories. The first kill comes once a checkpoint past a
/// quarter of the `total` steps (or epochs) is on disk, and the test checks that it landed
/// mid-training: the step the resumed run continues from is strictly between 0 and `total`.
/// Later kills come at random moments (15-90 % of the uninterrupted wall time).
fn killed_and_resumed(
    task: &str,
    args: &[&str],
    total: usize,
    root: &Path,
    seed: u64,
) -> (PathBuf, PathBuf) {
    let whole = root.join("whole");
    let t0 = Instant::now();
    let o = run(&run_args(task, args, &whole));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wall = t0.elapsed().as_secs_f64();

    let killed = root.join("killed");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut kills = 0;
    let mut first = true;
    loop {
        let mut a = if first {
            run_args(task, args, &killed)
        } else {
            resume_args(task, &killed, &["--quiet"])
        };
        a.extend(["--checkpoint-every".into(), "0".into()]);
        first = false;
        let mut child = bin()
            .args(&a)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the ai4s binary should start");
        let deadline = Duration::from_secs_f64(wall * rng.random_range(0.15..0.9));
        let t = Instant::now();
        let finished = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            let due = if kills == 0 {
                checkpointed_step(&killed).is_some_and(|n| 4 * n >= total)
            } else {
                t.elapsed() >= deadline
            };
            if due && kills < 6 {
                child.kill().expect("SIGKILL");
                let _ = child.wait();
                kills += 1;
                break None;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        assert_no_torn_files(&killed);
        if finished.is_none() && kills == 1 {
            let n = checkpointed_step(&killed).expect("a checkpoint before the first kill");
            assert!(
                0 < n && n < total,
                "the first kill should land mid-training: the run resumes from step {n} of {total}"
            );
        }
        if let Some(status) = finished {
            let out = child.wait_with_output().expect("output");
            assert!(
                status.success(),
                "resumed run failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            break;
        }
    }
    assert!(kills >= 1, "the run was never interrupted");
    (whole, killed)
}

fn summary_metrics(dir: &Path) -> serde_json::Map<String, serde_json::Value> {
    let s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("summary.json")).expect("summary.json"),
    )
    .expect("json");
    let mut m = s["metrics"].as_object().expect("metrics").clone();
    // Wall-clock rates differ between runs by nature.
    m.remove("train_steps_per_second");
    m.remove("train_seconds");
    m
}

#[test]
fn killed_deep_potential_training_resumes_bit_for_bit() {
    let d = tempfile::tempdir().expect("tempdir");
    let train = format!("training_data={}", data("datasets/tb-si-64/train"));
    let test = format!("test_data={}", data("datasets/tb-si-64/test"));
    let args = [
        "--quick",
        "--set",
        &train,
        "--set",
        &test,
        "--set",
        "numb_steps=150",
        "--set",
        "disp_freq=25",
        "--set",
        "neuron=[8, 16]",
        "--set",
        "fitting_neuron=[32, 32]",
        "--set",
        "axis_neuron=4",
    ];
    let (whole, killed) = killed_and_resumed("deep-potential", &args, 150, d.path(), 11);
    assert_eq!(summary_metrics(&whole), summary_metrics(&killed));
    assert_eq!(
        std::fs::read_to_string(whole.join("metrics.csv")).expect("metrics"),
        std::fs::read_to_string(killed.join("metrics.csv")).expect("metrics"),
        "the learning curves differ"
    );
    // Same weights: identical predictions for every test frame, in float64.
    let detail = |dir: &Path| {
        let prefix = dir.join("pred");
        let o = run(&[
            "potential".into(),
            "test".into(),
            "--model".into(),
            dir.join("model.bpk").display().to_string(),
            "--data".into(),
            data("datasets/tb-si-64/test"),
            "--f64".into(),
            "--detail".into(),
            prefix.display().to_string(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        ["e", "f", "v"].map(|k| {
            std::fs::read_to_string(dir.join(format!("pred.{k}.out"))).expect("detail file")
        })
    };
    assert_eq!(detail(&whole), detail(&killed));
}

#[test]
fn killed_shared_loop_training_resumes_bit_for_bit() {
    let d = tempfile::tempdir().expect("tempdir");
    let args = [
        "--quick",
        "--set",
        "train.epochs=150",
        "--set",
        "train.patience=0",
    ];
    let (whole, killed) = killed_and_resumed("classification", &args, 150, d.path(), 5);
    assert_eq!(summary_metrics(&whole), summary_metrics(&killed));
    assert_eq!(
        std::fs::read_to_string(whole.join("metrics.csv")).expect("metrics"),
        std::fs::read_to_string(killed.join("metrics.csv")).expect("metrics"),
    );
}

/// A task whose objective draws its own random numbers every batch (the VAE's
/// reparameterisation noise, a stream of its own beside `fit`'s shuffling): the resumed run
/// must continue that stream where the checkpoint left it, so its final metrics, learning curve
/// and weights equal the uninterrupted run's exactly.
#[test]
fn killed_vae_with_its_own_noise_stream_resumes_bit_for_bit() {
    let d = tempfile::tempdir().expect("tempdir");
    let args = [
        "--quick",
        "--set",
        "train.epochs=40",
        "--set",
        "train.patience=0",
        "--set",
        "iw_samples=5",
        "--set",
        "elbo_samples=2",
    ];
    let (whole, killed) = killed_and_resumed("vae", &args, 40, d.path(), 3);
    assert_eq!(summary_metrics(&whole), summary_metrics(&killed));
    assert_eq!(
        std::fs::read_to_string(whole.join("metrics.csv")).expect("metrics"),
        std::fs::read_to_string(killed.join("metrics.csv")).expect("metrics"),
        "the learning curves differ"
    );
    assert!(
        vae_weights(&whole) == vae_weights(&killed),
        "the final weights differ"
    );
}

/// The weights of the VAE a run saved (`vae.bpk`, built from the run's `config.toml`), every
/// parameter's numbers in order. Compared as numbers: a burnpack file also records random
/// parameter ids, so two files of equal weights differ in bytes.
fn vae_weights(dir: &Path) -> Vec<Vec<f32>> {
    use ai4s::core::burn::module::{Module, ModuleVisitor, Param};
    use ai4s::core::burn::tensor::Tensor;
    use ai4s::unsupervised::vae::{Vae, VaeConfig};
    struct Collect(Vec<Vec<f32>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            let v = p
                .val()
                .into_data()
                .try_to_vec::<f32>()
                .expect("f32 weights");
            self.0.push(v);
        }
    }
    let text = std::fs::read_to_string(dir.join("config.toml")).expect("config.toml");
    let cfg: VaeConfig = toml::from_str(&text).expect("the run's VAE config");
    let device = ai4s::core::device::test_device(ai4s::core::device::Precision::F32, 0);
    let model = Vae::new(64, cfg.latent, &cfg.net, &device);
    let model = ai4s::core::io::load_weights(model, &dir.join("vae.bpk")).expect("vae.bpk loads");
    let mut all = Collect(Vec::new());
    model.visit(&mut all);
    assert!(!all.0.is_empty());
    all.0
}

#[test]
fn resume_refuses_what_would_not_continue_the_run() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = d.path().join("r");
    // Nothing to resume.
    let o = run(&resume_args("classification", &out, &[]));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nothing to resume"), "{err}");
    assert!(!out.exists(), "a refused resume creates nothing");

    let o = run(&run_args(
        "classification",
        &["--quick", "--set", "train.epochs=3"],
        &out,
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for extra in [
        vec!["--set", "train.epochs=5"],
        vec!["--seed", "7"],
        vec!["--device", "wgpu"],
    ] {
        let o = run(&resume_args("classification", &out, &extra));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Another task's directory.
    let o = run(&resume_args("regression", &out, &[]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("classification"), "{err}");
    // A finished run resumes to the same result without training again.
    let before = summary_metrics(&out);
    let o = run(&resume_args("classification", &out, &["--quiet"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(before, summary_metrics(&out));
}

/// Least squares on a fixed small set, turning NaN from the `nan_from`-th loss call on.
struct Poisoned {
    x: ai4s::core::burn::tensor::Tensor<2>,
    y: ai4s::core::burn::tensor::Tensor<2>,
    calls: std::cell::Cell<usize>,
    nan_from: usize,
}

impl ai4s::core::train::Objective<ai4s::core::mlp::Mlp> for Poisoned {
    fn n_train(&self) -> usize {
        64
    }

    fn loss(
        &self,
        model: &ai4s::core::mlp::Mlp,
        batch: &[usize],
    ) -> ai4s::core::burn::tensor::Tensor<1> {
        use ai4s::core::burn::tensor::{Int, Tensor};
        self.calls.set(self.calls.get() + 1);
        let device = self.x.device();
        let idx = Tensor::<1, Int>::from_data(
            batch
                .iter()
                .map(|&i| i as i64)
                .collect::<Vec<_>>()
                .as_slice(),
            &device,
        );
        let x = self
            .x
            .clone()
            .to_device(&model_device(model))
            .select(0, idx.clone());
        let y = self
            .y
            .clone()
            .to_device(&model_device(model))
            .select(0, idx);
        let loss = (model.forward(x) - y).powi_scalar(2).mean();
        if self.calls.get() >= self.nan_from {
            loss * f64::NAN
        } else {
            loss
        }
    }

    fn validate(&self, model: &ai4s::core::mlp::Mlp) -> ai4s::core::Result<f64> {
        let d = model_device(model);
        let e = (model.forward(self.x.clone().to_device(&d)) - self.y.clone().to_device(&d))
            .powi_scalar(2)
            .mean();
        Ok(ai4s::core::tensor::to_vec(e)?[0])
    }
}

fn model_device(model: &ai4s::core::mlp::Mlp) -> ai4s::core::burn::tensor::Device {
    use ai4s::core::burn::module::Module;
    model.devices()[0].clone()
}

#[test]
fn a_diverging_fit_keeps_its_last_good_checkpoint_and_resumes_from_it() {
    use ai4s::core::burn::tensor::{Distribution, Tensor};

    use ai4s::core::mlp::{Activation, MlpConfig};
    use ai4s::core::progress::ProgressMode;
    use ai4s::core::train::{TrainSettings, fit};
    let d = tempfile::tempdir().expect("tempdir");
    let settings = TrainSettings {
        epochs: 6,
        batch_size: 16,
        ..TrainSettings::default()
    };
    let attempt = |nan_from: usize, resume: bool| {
        let device = ai4s::core::device::test_device(ai4s::core::device::Precision::F32, 3);
        let mut ctx = ai4s::core::RunContext::new(
            device.clone(),
            ai4s::core::device::test_backend(),
            3,
            d.path().to_path_buf(),
            false,
            ProgressMode::Quiet,
        )
        .expect("context");
        ctx.set_checkpoints(Duration::ZERO, resume);
        let ad = device.clone().autodiff();
        let x = Tensor::<2>::random([64, 3], Distribution::Normal(0.0, 1.0), &device);
        let y = x.clone().sum_dim(1).sin();
        let objective = Poisoned {
            x,
            y,
            calls: std::cell::Cell::new(0),
            nan_from,
        };
        let model = MlpConfig {
            hidden: vec![16],
            activation: Activation::Tanh,
        }
        .init(3, 1, &ad);
        let mut optim = settings.optimizer();
        fit(
            model, &mut optim, &objective, &settings, &mut ctx, "poisoned",
        )
        .map(|f| f.history)
    };
    // 4 batches per epoch: the 11th loss call falls in epoch 3.
    let err = attempt(11, false).expect_err("the NaN loss stops the run");
    let msg = err.to_string();
    assert!(
        matches!(err, ai4s::core::Error::Diverged { step: 3, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("epoch 3") && msg.contains("learning rate"),
        "{msg}"
    );
    let ck = d.path().join("checkpoints/poisoned");
    assert_eq!(
        std::fs::read_to_string(ck.join("latest"))
            .expect("latest")
            .trim(),
        "step-2",
        "the last good checkpoint is the one before the failure"
    );
    assert_no_torn_files(d.path());
    // Resuming (with the poison gone) continues from epoch 2 and ends like a clean run.
    let resumed = attempt(usize::MAX, true).expect("resumes");
    std::fs::remove_dir_all(d.path().join("checkpoints")).expect("clean");
    let clean = attempt(usize::MAX, false).expect("clean run");
    assert_eq!(resumed.len(), 6);
    assert_eq!(resumed, clean);
}
