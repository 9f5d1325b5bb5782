//! Writes the committed seed corpus `fuzz/seeds/<target>/` from the project's real data
//! (`datasets/`, `tests/data/`) and from small models built here.
//!
//!     cd fuzz && cargo run --release --example make_seeds
//!
//! Seeds stand for a valid input of each target (plus a few variants), so the fuzzer starts
//! deep inside each reader instead of at its first check.

use ai4s::core::burn::module::Module;
use ai4s::core::mlp::{Activation, MlpConfig};
use ai4s::potential::cell::Cell;
use ai4s::potential::deepmd::{read_system, write_system};
use ai4s::potential::dpmodel::{export, save_native, to_text};
use ai4s::potential::env::EnvSpec;
use ai4s::potential::frames::{Frame, System};
use ai4s::potential::model::{DeepPot, NetLayout, NetSpec};
use ai4s::potential::meta::ModelMeta;
use ai4s::potential::{npy, xyz};
use ai4s::rl::agent::PolicyMeta;
use ai4s::rl::env::EnvKind;
use ai4s_fuzz::harness::{DEEPMD_NPY_FILES, DEEPMD_RAW_FILES, device, join};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ has a parent")
        .to_path_buf()
}

fn seed(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("fuzz/seeds").join(target);
    std::fs::create_dir_all(&dir).expect("mkdir seeds");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// The first `n` frames of `s`.
fn head(s: &System, n: usize) -> System {
    System {
        frames: s.frames.iter().take(n).cloned().collect(),
        ..s.clone()
    }
}

/// Two Si atoms, three labelled frames (the fixture of tests/bad_inputs.rs), optionally two
/// species.
fn small_system(two_types: bool) -> System {
    let cell = Cell {
        h: [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 5.0]],
    };
    let frames = (0..3)
        .map(|k| {
            let d = 0.1 * k as f64;
            Frame {
                cell,
                pos: vec![[d, 0.0, 0.0], [1.0, 1.0 + d, 1.0]],
                energy: Some(-8.1 + d),
                forces: Some(vec![[0.1, 0.0, -d], [-0.1, 0.0, d]]),
                virial: Some([[0.5, 0.1, 0.0], [0.1, 0.4, 0.0], [0.0, 0.0, 0.3 + d]]),
            }
        })
        .collect();
    System {
        type_map: if two_types {
            vec!["Si".into(), "O".into()]
        } else {
            vec!["Si".into()]
        },
        types: if two_types { vec![0, 1] } else { vec![0, 0] },
        frames,
    }
}

/// The files of a system written by `write_system`, in the order of `names` (a missing file is
/// an empty part).
fn system_parts(s: &System, names: &[&str]) -> Vec<Vec<u8>> {
    let d = tempfile::tempdir().expect("tempdir");
    write_system(d.path(), s).expect("write system");
    let mut parts: Vec<Option<Vec<u8>>> = names
        .iter()
        .map(|n| std::fs::read(d.path().join(n)).ok())
        .collect();
    while parts.last().is_some_and(Option::is_none) {
        parts.pop();
    }
    parts.into_iter().map(Option::unwrap_or_default).collect()
}

fn joined(parts: &[Vec<u8>]) -> Vec<u8> {
    join(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

fn deepmd_seeds() {
    let si64 = read_system(&root().join("datasets/tb-si-64/test"), None).expect("tb-si-64");
    let si64 = head(&si64, 2);
    let small = small_system(false);
    let two = small_system(true);
    for (name, s) in [("si64", &si64), ("si2", &small), ("si_o", &two)] {
        seed(
            "deepmd_raw",
            name,
            &joined(&system_parts(s, &DEEPMD_RAW_FILES)),
        );
        let mut npy_names = DEEPMD_NPY_FILES.to_vec();
        // Parts 6 and 7 are a second set; write_system writes one, so reuse set.000's.
        npy_names[6] = "set.000/coord.npy";
        npy_names[7] = "set.000/box.npy";
        seed("deepmd_npy", name, &joined(&system_parts(s, &npy_names)));
        for (file, bytes) in DEEPMD_NPY_FILES[1..6]
            .iter()
            .zip(&system_parts(s, &DEEPMD_NPY_FILES)[1..6])
        {
            let stem = file.trim_start_matches("set.000/").trim_end_matches(".npy");
            seed("npy", &format!("{name}_{stem}"), bytes);
        }
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("a.xyz");
        xyz::write(&p, s).expect("write xyz");
        seed("xyz", name, &read(&p));
    }
    // Isolated molecule: no box, a `nopbc` marker, no virial; and the raw files without a type
    // map.
    let mut parts = system_parts(&small, &DEEPMD_RAW_FILES);
    parts[2].clear();
    parts.truncate(5);
    parts.extend([Vec::new(), b"Si\n".to_vec(), b"\n".to_vec()]);
    seed("deepmd_raw", "si2_nopbc", &joined(&parts));
    let mut parts = system_parts(&small, &DEEPMD_RAW_FILES);
    parts.truncate(6);
    seed("deepmd_raw", "si2_no_type_map", &joined(&parts));
    // float32 and 1-D arrays.
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("e.npy");
    npy::write(&p, &[-8.1, -8.0, -7.9], &[3]).expect("npy");
    seed("npy", "energy_1d", &read(&p));
    let mut f4 = b"\x93NUMPY\x01\x00".to_vec();
    let mut header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".to_owned();
    header.push_str(&" ".repeat((64 - (10 + header.len() + 1) % 64) % 64));
    header.push('\n');
    f4.extend_from_slice(&(header.len() as u16).to_le_bytes());
    f4.extend_from_slice(header.as_bytes());
    for v in [0.0f32, 0.5, 1.0, 1.5, -2.0, 3.25] {
        f4.extend_from_slice(&v.to_le_bytes());
    }
    seed("npy", "f4_2x3", &f4);
    // Extended XYZ as ASE writes it: classic keys, stress, extra columns, no lattice.
    seed(
        "xyz",
        "ase_stress",
        b"2\nLattice=\"5.0 0.0 0.0 0.0 5.0 0.0 0.0 0.0 5.0\" Properties=species:S:1:pos:R:3:Z:I:1:forces:R:3 energy=-8.1 stress=\"0.01 0 0 0 0.01 0 0 0 0.01\" pbc=\"T T T\"\nSi 0.0 0.0 0.0 14 0.1 0.0 0.0\nO 1.0 1.0 1.0 8 -0.1 0.0 0.0\n",
    );
    seed(
        "xyz",
        "molecule",
        b"3\nProperties=species:S:1:pos:R:3 REF_energy=-14.2\nO 0.0 0.0 0.0\nH 0.96 0.0 0.0\nH -0.24 0.93 0.0\n\n3\nProperties=species:S:1:pos:R:3 REF_energy=-14.1\nO 0.0 0.0 0.01\nH 0.97 0.0 0.0\nH -0.24 0.92 0.0\n",
    );
}

fn csv_seeds() {
    for (file, lines) in [("diabetes.csv", 12), ("digits.csv", 4)] {
        let text = String::from_utf8(read(&root().join("datasets").join(file))).expect("utf-8");
        let head: String = text.lines().take(lines).map(|l| format!("{l}\n")).collect();
        seed("csv", file.trim_end_matches(".csv"), head.as_bytes());
    }
    seed("csv", "quoted", b"\"a\", b ,y\n1, 2.5e-3 ,-3\n\"4\",5,6\n");
}

fn config_seeds() {
    for (i, task) in ai4s::registry().iter().enumerate() {
        let pick = u8::try_from(i).expect("fewer than 256 tasks");
        let table = task.default_table(true).expect("quick config");
        let text = toml::to_string(&table).expect("toml");
        let set = table
            .iter()
            .find(|(_, v)| !v.is_table())
            .map(|(k, v)| format!("{k}={v}"))
            .unwrap_or_default();
        let mut input = vec![pick, 2];
        input.extend(join(&[text.as_bytes(), set.as_bytes()]));
        seed("config", task.name(), &input);
        // A task that reads another program's input file takes that as its JSON config.
        let json = match task.name() {
            "deep-potential" => read(&root().join("examples/deepmd-input.json")),
            _ => serde_json::to_string_pretty(&table)
                .expect("json")
                .into_bytes(),
        };
        let mut input = vec![pick, 1];
        input.extend(json);
        seed("config", &format!("{}_json", task.name()), &input);
    }
}

fn model_seeds() {
    let dev = device();
    let data = root().join("datasets/tb-si-64/test");
    let si = head(&read_system(&data, None).expect("tb-si-64"), 2);
    for (name, type_one_side, resnet_dt) in [("tiny", true, false), ("tiny_pairs", false, true)] {
        let spec = EnvSpec {
            rcut: 4.0,
            rcut_smth: 0.5,
            sel: vec![20],
        };
        let stats = ai4s::potential::env::stats(&spec, &[(&si, data.as_path())], 1).expect("stats");
        let net = NetSpec {
            neuron: vec![2, 4],
            axis_neuron: 2,
            fitting_neuron: vec![8, 8],
        };
        let layout = if resnet_dt {
            NetLayout {
                type_one_side,
                ..NetLayout::resnet_dt_fitting(&net)
            }
        } else {
            NetLayout {
                type_one_side,
                ..NetLayout::default()
            }
        };
        let model = DeepPot::with_layout(&net, &spec.sel, &layout, &dev);
        let meta = ModelMeta {
            type_map: vec!["Si".into()],
            env: spec,
            net,
            stats,
            bias: vec![-4.6],
        };
        let d = tempfile::tempdir().expect("tempdir");
        let bpk = save_native(&model, &meta, d.path()).expect("save model");
        let toml_text = read(&d.path().join("model.toml"));
        seed("model", name, &join(&[&toml_text, &read(&bpk)]));
        let doc = to_text(&export(&model, &meta).expect("export")).expect("text");
        seed("dpmodel", name, doc.as_bytes());
    }
    seed(
        "dpmodel",
        "deepmd_kit_layout",
        &read(&root().join("tests/data/deepmd_se_e2_a_layout.json")),
    );
    seed(
        "dpmodel",
        "block_yaml",
        b"model:\n  '@variables':\n    out_bias:\n      '@class': np.ndarray\n      '@is_variable': true\n      '@version': 1\n      dtype: float64\n      value:\n      - - - -1.5\n        - - 2.0e-05\n  type: standard\nsoftware: deepmd-kit\n",
    );
}

fn policy_seeds() {
    let dev = device();
    for (name, env, hidden, activation) in [
        ("cartpole", EnvKind::CartPole, vec![8], Activation::Tanh),
        (
            "gridworld",
            EnvKind::GridWorld,
            vec![4, 4],
            Activation::Relu,
        ),
    ] {
        let e = env.make(0);
        let meta = PolicyMeta {
            agent: "ppo".into(),
            env,
            obs_dim: e.obs_dim(),
            n_actions: e.n_actions(),
            hidden: hidden.clone(),
            activation,
        };
        let net = MlpConfig { hidden, activation }.init(meta.obs_dim, meta.n_actions, &dev);
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("policy.bpk");
        net.save_file(p.clone()).expect("save policy");
        let json = serde_json::to_string_pretty(&meta).expect("json");
        seed("policy", name, &join(&[json.as_bytes(), &read(&p)]));
    }
}

fn main() {
    let _ = std::fs::remove_dir_all(root().join("fuzz/seeds"));
    deepmd_seeds();
    csv_seeds();
    config_seeds();
    model_seeds();
    policy_seeds();
    println!("seeds written to {}", root().join("fuzz/seeds").display());
}
