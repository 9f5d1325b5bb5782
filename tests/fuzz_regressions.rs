//! Fuzzing regressions: every input a fuzz target crashed on (kept in `tests/data/fuzz/<target>/`)
//! and every seed of the committed corpus (`fuzz/seeds/<target>/`) is replayed through the very
//! harness the fuzzer ran (`fuzz/src/harness.rs`): each must be read or refused with an error,
//! never a panic, an overflow or an unbounded allocation. The named tests below pin what each
//! fixed finding now reports. See docs/reliability.md, "Fuzzing".

#[path = "../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of `dir` (none if it does not exist), sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Replays the saved crashes and the seeds of `target`; returns how many inputs ran.
fn replay(target: &str) -> usize {
    let (_, run) = harness::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no fuzz target `{target}`"));
    let mut n = 0;
    for dir in [
        root().join("tests/data/fuzz").join(target),
        root().join("fuzz/seeds").join(target),
    ] {
        for file in inputs(&dir) {
            let data = std::fs::read(&file).expect("read saved input");
            eprintln!("replaying {}", file.display());
            run(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn every_fuzz_target_is_replayed_here() {
    let listed = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in harness::TARGETS {
        assert!(
            listed.contains(&format!("name = \"{name}\"")),
            "harness target `{name}` has no [[bin]] in fuzz/Cargo.toml"
        );
        assert!(
            root().join("fuzz/seeds").join(name).is_dir(),
            "fuzz target `{name}` has no seeds in fuzz/seeds/{name}"
        );
    }
    let bins = listed.matches("[[bin]]").count();
    assert_eq!(
        bins,
        harness::TARGETS.len(),
        "a [[bin]] missing from the harness list"
    );
}

macro_rules! replay_tests {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                assert!(replay(stringify!($target)) > 0, "no inputs for {}", stringify!($target));
            }
        )*
    };
}

replay_tests!(
    deepmd_raw, deepmd_npy, npy, xyz, csv, config, dpmodel, model, policy
);

fn seed(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(root().join("fuzz/seeds").join(target).join(name)).expect("seed file")
}

/// The seeds start the fuzzer inside the readers: the valid ones must be read.
#[test]
fn the_seeds_are_valid_inputs() {
    use ai4s::potential::{deepmd, dpmodel, npy, xyz};
    for (target, files) in [
        ("deepmd_raw", &harness::DEEPMD_RAW_FILES[..]),
        ("deepmd_npy", &harness::DEEPMD_NPY_FILES[..]),
    ] {
        for file in inputs(&root().join("fuzz/seeds").join(target)) {
            let data = std::fs::read(&file).expect("seed");
            let dir = harness::fresh_dir("seed");
            harness::write_parts(&dir, files, &harness::split(&data));
            let s = deepmd::read_system(&dir, None)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(!s.frames.is_empty());
        }
    }
    for (target, ext) in [("npy", "npy"), ("xyz", "xyz"), ("csv", "csv")] {
        for file in inputs(&root().join("fuzz/seeds").join(target)) {
            let p = harness::fresh_dir("seed").join(format!("a.{ext}"));
            std::fs::copy(&file, &p).expect("copy seed");
            let ok = match ext {
                "npy" => npy::read(&p).map(|_| ()),
                "xyz" => xyz::read(&p).map(|_| ()),
                _ => ai4s::core::data::Table::read_csv(&p).map(|_| ()),
            };
            ok.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
    }
    let dev = harness::device();
    for name in ["tiny", "tiny_pairs"] {
        let p = harness::fresh_dir("seed").join("model.yaml");
        std::fs::write(&p, seed("dpmodel", name)).expect("write");
        dpmodel::import_file(&p, &dev).unwrap_or_else(|e| panic!("dpmodel {name}: {e}"));
        let dir = harness::fresh_dir("seed");
        let data = seed("model", name);
        harness::write_parts(&dir, &["model.toml", "model.bpk"], &harness::split(&data));
        ai4s::potential::model_file::load_model(&dir.join("model.bpk"), &dev)
            .unwrap_or_else(|e| panic!("model {name}: {e}"));
    }
    for name in ["cartpole", "gridworld"] {
        let dir = harness::fresh_dir("seed");
        let data = seed("policy", name);
        harness::write_parts(&dir, &["policy.json", "policy.bpk"], &harness::split(&data));
        ai4s::rl::agent::load_policy(&dir.join("policy.bpk"), &dev)
            .unwrap_or_else(|e| panic!("policy {name}: {e}"));
    }
    let registry = ai4s::registry();
    for file in inputs(&root().join("fuzz/seeds/config")) {
        let data = std::fs::read(&file).expect("seed");
        let task = &registry[usize::from(data[0]) % registry.len()];
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert_eq!(
            name.trim_end_matches("_json"),
            task.name(),
            "seed picks its task"
        );
        let parts = harness::split(&data[2..]);
        let p = harness::fresh_dir("seed").join(if data[1] & 1 == 1 { "c.json" } else { "c.toml" });
        std::fs::write(&p, parts[0]).expect("write");
        let opts = ai4s::core::RunOptions {
            config_file: Some(p),
            sets: parts[1..]
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
            quick: data[1] & 2 == 2,
            ..Default::default()
        };
        ai4s::core::run::effective_table(task.as_ref(), &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

/// The error of `r`, which must be a user-input error (exit code 2) mentioning every needle.
fn refused<T>(r: ai4s::core::Result<T>, needles: &[&str]) -> String {
    let Err(e) = r else {
        panic!("the input must be refused");
    };
    let s = e.to_string();
    assert_eq!(e.exit_code(), 2, "bad input should exit 2: {s}");
    for n in needles {
        assert!(s.contains(n), "expected `{n}` in: {s}");
    }
    s
}

fn saved(rel: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/data").join(rel)).expect("saved input")
}

/// Finding: DeePMD-kit document whose `sel` neighbour counts sum past `usize::MAX` (the sum sizes
/// the `davg`/`dstd` arrays): an arithmetic overflow (a panic with overflow checks, a wrapped
/// size without). Now the counts are checked (1..=1000 each) before they are summed.
#[test]
fn dpmodel_sel_sum_overflow_is_refused() {
    let p = harness::fresh_dir("regression").join("model.json");
    std::fs::write(&p, saved("fuzz/dpmodel/sel-sum-overflow.json")).expect("write");
    refused(
        ai4s::potential::dpmodel::import_file(&p, &harness::device()),
        &["model.json", "model.descriptor.sel", "1..=1000"],
    );
}

/// Finding: a policy's `.bpk` whose weight tensor is tagged `I32` (same size as F32, so burn's own
/// size checks pass): burn 0.22 panics ("Expected float dtype, got I32") when an integer tensor
/// lands in a float parameter. Now the file's tensor table is checked first
/// (`ai4s_core::io::load_weights`).
#[test]
fn policy_weights_with_integer_tensors_are_refused() {
    let data = saved("fuzz/policy/int32-weights");
    let dir = harness::fresh_dir("regression");
    harness::write_parts(&dir, &["policy.json", "policy.bpk"], &harness::split(&data));
    refused(
        ai4s::rl::agent::load_policy(&dir.join("policy.bpk"), &harness::device()),
        &["policy.bpk", "layers.0", "I32", "floating-point"],
    );
}

/// The same finding for a Deep Potential's `model.bpk`: `model_file::load_model` loads the weights
/// through `ai4s_core::io::load_weights`, which refuses them.
#[test]
fn model_weights_with_integer_tensors_are_refused() {
    let data = saved("fuzz/model/int32-weights");
    let dir = harness::fresh_dir("regression");
    harness::write_parts(&dir, &["model.toml", "model.bpk"], &harness::split(&data));
    refused(
        ai4s::potential::model_file::load_model(&dir.join("model.bpk"), &harness::device()),
        &["model.bpk", "I32", "floating-point"],
    );
}

/// Finding (review of `--set` parsing): a value with a line break was parsed as TOML with more
/// keys after it, silently dropped (`epochs=3\nlr=0.5` set epochs only). Now such a value is a
/// plain string, which a number field refuses.
#[test]
fn set_value_with_a_line_break_is_not_split() {
    let (key, value) = ai4s::core::config::parse_set("epochs=3\nlr=0.5").expect("parses");
    assert_eq!(key, "epochs");
    assert_eq!(value, toml::Value::String("3\nlr=0.5".into()));
}

/// Finding (resource use): a document of unclosed brackets. The YAML parser refuses nesting past
/// 128 levels, but only after tokenising all of the text: 4 MB of `[` took 17 s and 650 MB of
/// memory. Now the nesting is measured first and such a file is refused at once.
#[test]
fn dpmodel_deep_bracket_nesting_is_refused_before_parsing() {
    let p = harness::fresh_dir("regression").join("model.yaml");
    let mut text = saved("fuzz/dpmodel/deep-flow-nesting.yaml");
    text.extend(std::iter::repeat_n(b'[', 4_000_000));
    std::fs::write(&p, text).expect("write");
    refused(
        ai4s::potential::dpmodel::import_file(&p, &harness::device()),
        &["model.yaml", "nested deeper than 128 levels at line 1"],
    );
}
