//! The `ai4s` command as a user meets it: listing, running, overriding, and refusing bad input
//! with a clear message and exit code 2.

use std::path::Path;
use std::process::{Command, Output};

fn ai4s(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai4s"))
        .args(args)
        .current_dir(cwd)
        .env_remove("AI4S_DEVICE")
        .output()
        .expect("the ai4s binary should start")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const FAST: [&str; 6] = [
    "--set",
    "train.epochs=8",
    "--set",
    "samples=600",
    "--quiet",
    "--quick",
];

#[test]
fn list_and_devices() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = ai4s(&["list"], d.path());
    assert!(o.status.success());
    assert!(stdout(&o).contains("regression") && stdout(&o).contains("supervised"));
    let o = ai4s(&["devices"], d.path());
    assert!(o.status.success());
    let out = stdout(&o);
    let flex = out
        .lines()
        .find(|l| l.starts_with("flex"))
        .expect("flex row");
    assert!(flex.contains("yes") && flex.contains('*'), "{out}");
}

#[test]
fn run_writes_the_run_directory() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["run", "regression", "--out", "r", "--seed", "3"];
    args.extend(FAST);
    let o = ai4s(&args, d.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let r = d.path().join("r");
    for f in [
        "config.toml",
        "metrics.csv",
        "summary.json",
        "learning_curve.svg",
        "learning_curve.png",
        "parity.svg",
        "parity.png",
        "model.bpk",
        "normalisation.json",
    ] {
        let meta = std::fs::metadata(r.join(f)).unwrap_or_else(|_| panic!("{f} should exist"));
        assert!(meta.len() > 0, "{f} is empty");
    }
    let cfg = std::fs::read_to_string(r.join("config.toml")).expect("config");
    assert!(
        cfg.contains("epochs = 8") && cfg.contains("samples = 600"),
        "{cfg}"
    );
    let metrics = std::fs::read_to_string(r.join("metrics.csv")).expect("metrics");
    assert_eq!(
        metrics.lines().count(),
        9,
        "header + one row per epoch:\n{metrics}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(r.join("summary.json")).expect("summary"))
            .expect("valid json");
    assert_eq!(summary["device"], "flex");
    assert_eq!(summary["seed"], 3);
    assert!(
        summary["metrics"]["test_rmse"]
            .as_f64()
            .is_some_and(f64::is_finite)
    );
    assert!(summary["wall_seconds"].as_f64().is_some());
    assert!(summary["version"].is_string());
    let leftovers: Vec<_> = std::fs::read_dir(&r)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary or lock files left: {leftovers:?}"
    );
}

#[test]
fn config_file_and_set_layer_in_order() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("c.toml"), "dim = 3\n[train]\nepochs = 5\n").expect("write");
    let o = ai4s(
        &[
            "run",
            "regression",
            "--config",
            "c.toml",
            "--set",
            "train.epochs=4",
            "--set",
            "samples=300",
            "--out",
            "r",
            "--quiet",
        ],
        d.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let cfg = std::fs::read_to_string(d.path().join("r/config.toml")).expect("config");
    assert!(
        cfg.contains("dim = 3") && cfg.contains("epochs = 4"),
        "{cfg}"
    );
}

#[test]
fn user_mistakes_exit_2_with_a_message() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("bad.toml"), "dim = 3\ntrain = [\n").expect("write");
    std::fs::write(d.path().join("ragged.csv"), "a,b,y\n1,2,3\n4,5\n").expect("write");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "no-such-task"], "unknown task `no-such-task`"),
        (
            vec!["run", "regression", "--set", "epochz=3"],
            "unknown key",
        ),
        (
            vec!["run", "regression", "--set", "train.epochs=many"],
            "expected an integer",
        ),
        (
            vec!["run", "regression", "--set", "train.lr=-1"],
            "train.lr",
        ),
        (
            vec!["run", "regression", "--set", "val_fraction=0.9"],
            "val_fraction",
        ),
        (
            vec!["run", "regression", "--set", "model.activation=sine"],
            "sine",
        ),
        (vec!["run", "regression", "--set", "noequals"], "key=value"),
        (vec!["run", "regression", "--config", "bad.toml"], "line 2"),
        (
            vec!["run", "regression", "--set", "data=ragged.csv"],
            "line 3",
        ),
        (
            vec![
                "run",
                "regression",
                "--set",
                "data=ragged.csv",
                "--set",
                "target=zz",
            ],
            "line 3",
        ),
        (
            vec!["run", "regression", "--device", "tpu"],
            "unknown device",
        ),
    ];
    for (args, needle) in cases {
        let o = ai4s(&args, d.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?} should exit 2: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: expected `{needle}` in: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{args:?} panicked: {err}"
        );
    }
    let o = ai4s(&["run", "regression", "--config", "missing.toml"], d.path());
    assert_eq!(
        o.status.code(),
        Some(1),
        "missing file is an I/O failure: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("missing.toml"));
}

#[test]
fn a_second_run_into_a_busy_directory_is_refused() {
    let d = tempfile::tempdir().expect("tempdir");
    let r = d.path().join("r");
    std::fs::create_dir_all(&r).expect("mkdir");
    // This test process is alive, so its pid marks the directory as in use.
    std::fs::write(r.join(".ai4s.lock"), format!("{}\n", std::process::id())).expect("lock");
    let o = ai4s(&["run", "regression", "--out", "r", "--quiet"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("in use by another ai4s run"),
        "{}",
        stderr(&o)
    );
    assert!(!r.join("summary.json").exists());
}

#[test]
fn csv_regression_on_shipped_dataset_beats_the_mean() {
    let d = tempfile::tempdir().expect("tempdir");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/diabetes.csv");
    let data = format!("data={}", data.display());
    let o = ai4s(
        &[
            "run",
            "regression",
            "--set",
            &data,
            "--set",
            "target=progression",
            "--set",
            "train.epochs=60",
            "--out",
            "r",
            "--quiet",
        ],
        d.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("r/summary.json")).expect("summary"),
    )
    .expect("json");
    let rel = s["metrics"]["test_rel_l2_centred"]
        .as_f64()
        .expect("metric");
    // Published linear models explain about half the variance of this target (R^2 ~ 0.5).
    assert!(
        rel < 0.9,
        "test error relative to the mean predictor: {rel}"
    );
}

#[test]
fn map_writes_a_self_contained_report() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = ai4s(
        &[
            "map",
            "--out",
            "m",
            "--quiet",
            "--only",
            "regression",
            "--only",
            "q-learning",
            "--only",
            "pca,dbtl,battery",
        ],
        d.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(d.path().join("m/report.html")).expect("report");
    assert!(html.contains("<h2 id=\"regression\">regression</h2>"));
    assert!(html.contains("<svg"), "figures should be inlined");
    assert!(html.contains("test_rel_l2_centred"));
    // Self-contained: every image source is inline data.
    for (i, _) in html.match_indices("src=\"") {
        assert!(
            html[i + 5..].starts_with("data:image/png;base64,"),
            "external source at {i}"
        );
    }
    // The overview: counts with the mark of each task, the paradigm x field grid, one card
    // per task with its headline metric and a thumbnail.
    assert!(html.contains("<b>5</b> task(s): <span class=\"ok\">5 meet every goal</span>"));
    assert!(html.contains("<table class=\"grid\">"));
    assert!(html.contains("<th>supervised</th>") && html.contains("<th>reinforcement</th>"));
    // Five tasks from four areas: supervised, reinforcement, unsupervised, science.
    let tasks = ["regression", "q-learning", "pca", "dbtl", "battery"];
    for task in tasks {
        assert!(html.contains(&format!("<a class=\"card\" href=\"#{task}\">")));
    }
    assert_eq!(html.matches("data:image/png;base64,").count(), 5);
    assert!(html.contains("non_optimal_greedy_actions = 0 (target &lt;= 0)"));
    for task in tasks {
        let text = std::fs::read_to_string(d.path().join(format!("m/{task}/summary.json")))
            .expect("summary written");
        let summary: serde_json::Value = serde_json::from_str(&text).expect("summary is JSON");
        assert_eq!(
            summary["goals_met"],
            serde_json::json!(true),
            "{task}: {text}"
        );
    }
}

/// Files written atomically (summary, config, metrics, report) get the mode any new file gets
/// under the umask, like the figures: readable by collaborators under umask 022, private under
/// 077.
#[cfg(unix)]
#[test]
fn written_files_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    for (umask, want) in [("022", 0o644), ("077", 0o600)] {
        let d = tempfile::tempdir().expect("tempdir");
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" run pca --quick --quiet --out o",
            ))
            .arg(env!("CARGO_BIN_EXE_ai4s"))
            .current_dir(d.path())
            .env_remove("AI4S_DEVICE")
            .output()
            .expect("sh starts");
        assert!(o.status.success(), "{}", stderr(&o));
        for f in ["summary.json", "config.toml", "metrics.csv"] {
            let mode = std::fs::metadata(d.path().join("o").join(f))
                .expect("written")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, want, "{f} under umask {umask}: {mode:o}");
        }
    }
}
