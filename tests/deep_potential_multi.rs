//! A Deep Potential for two elements: frames of a Kob-Andersen-like binary Lennard-Jones
//! mixture (types "A" and "B" with different pair parameters and different constant energies
//! per atom, as electronic-structure totals have), written as DeePMD systems of three
//! compositions. The per-type energy bias is the least-squares fit of the frame energies on the
//! type counts and lands near the per-type reference energies; briefly trained, the model's test
//! force error is well below the force spread and below the untrained model's; a `sel` without
//! one entry per type is refused, naming `sel`; per-pair embedding nets (`type_one_side` false,
//! DeePMD-kit's default) train as well and are saved with their layout.

use ai4s::core::RunContext;
use ai4s::core::burn::tensor::Device;
use ai4s::core::progress::ProgressMode;
use ai4s::potential::cell::{Cell, V3, neighbours};
use ai4s::potential::deepmd;
use ai4s::potential::frames::{Frame, System};
use ai4s::potential::labeller::Labeller;
use ai4s::potential::lj::LjMixture;
use ai4s::potential::model_file::load_model;
use ai4s::potential::train::train_into;
use ai4s::potential::train_config::{
    DataConfig, DeepPotConfig, DescriptorConfig, FittingNetConfig, LearningRateConfig,
    TrainingConfig,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use std::path::{Path, PathBuf};

/// Constant energy per atom of A and B (eV): what the energy bias must find.
const ATOM_ENERGY: [f64; 2] = [-3.0, -5.0];
/// Atoms per frame and the side of the cubic box (A).
const NATOMS: usize = 24;
const BOX: f64 = 8.0;
/// A-A well depth (eV) and size (A) of the mixture.
const EPS: f64 = 0.05;
const SIGMA: f64 = 2.0;

/// `frames` random configurations of `n_a` A and `NATOMS - n_a` B atoms (types shuffled), no
/// pair closer than 0.9 of its sigma, labelled by the mixture.
fn system(rng: &mut StdRng, n_a: usize, frames: usize) -> System {
    let mut types: Vec<usize> = (0..NATOMS).map(|i| usize::from(i >= n_a)).collect();
    types.shuffle(rng);
    let lj = LjMixture::kob_andersen(types.clone(), EPS, SIGMA)
        .and_then(|m| m.with_atom_energy(ATOM_ENERGY.to_vec()))
        .expect("mixture");
    let cell = Cell::orthorhombic(BOX, BOX, BOX);
    let frames = (0..frames)
        .map(|_| {
            let mut pos: Vec<V3> = Vec::with_capacity(NATOMS);
            while pos.len() < NATOMS {
                let t = types[pos.len()];
                let r: V3 = std::array::from_fn(|_| rng.random_range(0.0..BOX));
                let clear = pos.iter().enumerate().all(|(j, q)| {
                    let d2: f64 = (0..3)
                        .map(|k| {
                            let d = r[k] - q[k];
                            let d = d - BOX * (d / BOX).round();
                            d * d
                        })
                        .sum();
                    d2.sqrt() > 0.9 * lj.sigma[t][types[j]]
                });
                if clear {
                    pos.push(r);
                }
            }
            let l = lj.compute(&pos, &cell).expect("labels");
            Frame {
                cell,
                pos,
                energy: Some(l.energy),
                forces: Some(l.forces),
                virial: Some(l.virial),
            }
        })
        .collect();
    System {
        type_map: vec!["A".into(), "B".into()],
        types,
        frames,
    }
}

/// Most neighbours of one type around any atom within `rcut` (for choosing `sel`).
fn max_neighbours(s: &System, rcut: f64) -> [usize; 2] {
    let mut most = [0; 2];
    for f in &s.frames {
        for list in neighbours(&f.pos, &f.cell, rcut).expect("neighbours") {
            let mut c = [0; 2];
            for n in list {
                c[s.types[n.j]] += 1;
            }
            most = [most[0].max(c[0]), most[1].max(c[1])];
        }
    }
    most
}

/// Least squares of frame energies on per-type atom counts (2 x 2 normal equations).
fn least_squares_bias(systems: &[System]) -> [f64; 2] {
    let (mut a, mut b) = ([[0.0; 2]; 2], [0.0; 2]);
    for s in systems {
        let n = [0, 1].map(|t| s.types.iter().filter(|&&x| x == t).count() as f64);
        for f in &s.frames {
            let e = f.energy.expect("energy");
            for i in 0..2 {
                b[i] += n[i] * e;
                for j in 0..2 {
                    a[i][j] += n[i] * n[j];
                }
            }
        }
    }
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    [
        (b[0] * a[1][1] - a[0][1] * b[1]) / det,
        (a[0][0] * b[1] - a[1][0] * b[0]) / det,
    ]
}

/// A quiet run context on the test device, seeded with `seed`, writing under `root/ctx`.
fn context(root: &Path, seed: u64) -> (Device, RunContext) {
    let device = ai4s::core::device::test_device(ai4s::core::device::Precision::F32, seed);
    let ctx = RunContext::new(
        device.clone(),
        ai4s::core::device::test_backend(),
        seed,
        root.join("ctx"),
        true,
        ProgressMode::Quiet,
    )
    .expect("context");
    (device, ctx)
}

fn write(root: &Path, name: &str, s: &System) -> String {
    let dir: PathBuf = root.join(name);
    deepmd::write_system(&dir, s).expect("write system");
    dir.display().to_string()
}

/// A one-step model on two types with tiny nets: for the bookkeeping tests.
fn tiny(training_data: String, validation_data: String) -> DeepPotConfig {
    DeepPotConfig {
        data: DataConfig {
            training_data,
            validation_data,
            test_data: String::new(),
            type_map: Vec::new(),
            batch_size: 1,
        },
        descriptor: DescriptorConfig {
            rcut: 5.0,
            rcut_smth: 1.0,
            sel: vec![24, 24],
            neuron: vec![4, 8],
            axis_neuron: 2,
            ..DescriptorConfig::default()
        },
        fitting_net: FittingNetConfig {
            neuron: vec![8],
            ..FittingNetConfig::default()
        },
        training: TrainingConfig {
            numb_steps: 1,
            disp_freq: 1,
            ..TrainingConfig::default()
        },
        ..DeepPotConfig::default()
    }
}

#[test]
fn two_element_deep_potential_learns_per_type_bias_and_forces() {
    let start = std::time::Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(2024);
    // Three compositions, so energies determine both per-type biases.
    let train: Vec<System> = [16, 12, 8]
        .iter()
        .map(|&n_a| system(&mut rng, n_a, 10))
        .collect();
    let val = system(&mut rng, 12, 4);
    let test = system(&mut rng, 12, 8);
    let rcut = 5.0;
    let sel = vec![24, 24];
    for s in train.iter().chain([&val, &test]) {
        let most = max_neighbours(s, rcut);
        assert!(most[0] <= sel[0] && most[1] <= sel[1], "{most:?}");
    }
    let train_dirs: Vec<String> = train
        .iter()
        .enumerate()
        .map(|(k, s)| write(tmp.path(), &format!("train_{k}"), s))
        .collect();
    let cfg = DeepPotConfig {
        data: DataConfig {
            training_data: train_dirs.join(","),
            validation_data: write(tmp.path(), "val", &val),
            test_data: write(tmp.path(), "test", &test),
            type_map: Vec::new(),
            batch_size: 1,
        },
        descriptor: DescriptorConfig {
            rcut,
            rcut_smth: 1.0,
            sel: sel.clone(),
            neuron: vec![8, 16],
            axis_neuron: 4,
            ..DescriptorConfig::default()
        },
        fitting_net: FittingNetConfig {
            neuron: vec![32, 32],
            ..FittingNetConfig::default()
        },
        learning_rate: LearningRateConfig {
            start_lr: 5e-3,
            stop_lr: 1e-4,
            decay_steps: 100,
        },
        training: TrainingConfig {
            numb_steps: 2000,
            disp_freq: 500,
            ..TrainingConfig::default()
        },
        ..DeepPotConfig::default()
    };
    let (device, ctx) = context(tmp.path(), 11);

    // `sel` must have one entry per type.
    let e = train_into(
        &DeepPotConfig {
            descriptor: DescriptorConfig {
                sel: vec![48],
                ..cfg.descriptor.clone()
            },
            ..cfg.clone()
        },
        &tmp.path().join("bad"),
        &ctx,
        11,
    )
    .expect_err("one sel entry for two types");
    assert!(e.to_string().contains("`descriptor.sel`"), "{e}");
    assert!(e.to_string().contains("2 types"), "{e}");
    assert_eq!(e.exit_code(), 2);

    let (_, untrained) = train_into(
        &DeepPotConfig {
            training: TrainingConfig {
                numb_steps: 1,
                disp_freq: 1,
                ..cfg.training.clone()
            },
            ..cfg.clone()
        },
        &tmp.path().join("untrained"),
        &ctx,
        11,
    )
    .expect("one step");
    let t0 = start.elapsed().as_secs_f64();
    let (weights, report) =
        train_into(&cfg, &tmp.path().join("trained"), &ctx, 11).expect("trains");
    let train_seconds = start.elapsed().as_secs_f64() - t0;

    // The per-type energy bias is the least-squares fit on the training energies, and that
    // recovers the per-type reference energies up to the Lennard-Jones share per atom (below
    // 0.1 eV here; the reference energies differ by 2 eV).
    let (_, meta) = load_model(&weights, &device).expect("model loads");
    assert_eq!(meta.type_map, vec!["A".to_string(), "B".to_string()]);
    assert_eq!(meta.env.sel, sel);
    let want = least_squares_bias(&train);
    for t in 0..2 {
        assert!(
            (meta.bias[t] - want[t]).abs() < 1e-6 * want[t].abs(),
            "bias {:?} vs least squares {want:?}",
            meta.bias
        );
        assert!(
            (meta.bias[t] - ATOM_ENERGY[t]).abs() < 0.15,
            "bias {:?} vs atom energies {ATOM_ENERGY:?}",
            meta.bias
        );
    }

    let f_rmse = report.get("force_rmse").expect("force_rmse");
    let f_std = report.get("test_force_std").expect("force std");
    let f_rmse0 = untrained.get("force_rmse").expect("force_rmse");
    eprintln!(
        "two types: test force RMSE {f_rmse:.4} (untrained {f_rmse0:.4}), force std {f_std:.4} eV/A, energy RMSE/atom {:.4} eV; bias {:?}; training {train_seconds:.1} s, total {:.1} s",
        report.get("energy_rmse_per_atom").unwrap_or(f64::NAN),
        meta.bias,
        start.elapsed().as_secs_f64()
    );
    assert!(f_rmse < 0.3 * f_std, "force RMSE {f_rmse} vs std {f_std}");
    assert!(
        f_rmse < 0.5 * f_rmse0,
        "trained {f_rmse} vs untrained {f_rmse0}"
    );

    // DeePMD-kit's default for several elements: one embedding net per (centre, neighbour)
    // type pair. It trains as well, and the saved model keeps the layout.
    let (weights, pair_report) = train_into(
        &DeepPotConfig {
            descriptor: DescriptorConfig {
                type_one_side: false,
                ..cfg.descriptor.clone()
            },
            ..cfg.clone()
        },
        &tmp.path().join("per-pair"),
        &ctx,
        11,
    )
    .expect("per-pair nets train");
    let (model, _) = load_model(&weights, &device).expect("per-pair model loads");
    assert!(!model.layout().type_one_side);
    let f_pair = pair_report.get("force_rmse").expect("force_rmse");
    eprintln!("per-pair embedding nets: test force RMSE {f_pair:.4} eV/A");
    assert!(
        f_pair < 0.3 * f_std,
        "per-pair force RMSE {f_pair} vs std {f_std}"
    );
    assert!(
        f_pair < 0.5 * f_rmse0,
        "per-pair trained {f_pair} vs untrained {f_rmse0}"
    );
}

/// DeePMD-kit's type semantics: every system names its types in its own `type_map.raw`, the
/// model's type map decides the indices, and a system without `type_map.raw` uses the model's
/// names. One training system names its types B, A (indices swapped), one has no
/// `type_map.raw`: the per-type energy bias, an exact least-squares fit over all training
/// frames, must still come out in the model's A, B order, whether the model's type map is given
/// or taken from the first system. A system with an element the model does not name is refused.
#[test]
fn systems_naming_types_in_another_order_or_not_at_all_are_remapped_to_the_model_type_map() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(77);
    let train: Vec<System> = [16, 12, 8]
        .iter()
        .map(|&n_a| system(&mut rng, n_a, 3))
        .collect();
    let swapped = System {
        type_map: vec!["B".into(), "A".into()],
        types: train[1].types.iter().map(|&t| 1 - t).collect(),
        frames: train[1].frames.clone(),
    };
    let dirs = [
        write(tmp.path(), "t0", &train[0]),
        write(tmp.path(), "t1_swapped", &swapped),
        write(tmp.path(), "t2_unnamed", &train[2]),
    ];
    std::fs::remove_file(Path::new(&dirs[2]).join("type_map.raw")).expect("remove type map");
    let base = tiny(dirs.join(","), dirs[0].clone());
    let (device, ctx) = context(tmp.path(), 5);
    let want = least_squares_bias(&train);
    for (k, type_map) in [vec!["A".to_string(), "B".to_string()], Vec::new()]
        .into_iter()
        .enumerate()
    {
        let mut cfg = base.clone();
        cfg.data.type_map = type_map;
        let (weights, _) =
            train_into(&cfg, &tmp.path().join(format!("run{k}")), &ctx, 5).expect("trains");
        let (_, meta) = load_model(&weights, &device).expect("model loads");
        assert_eq!(meta.type_map, vec!["A".to_string(), "B".to_string()]);
        for t in 0..2 {
            assert!(
                (meta.bias[t] - want[t]).abs() < 1e-6 * want[t].abs(),
                "run {k}: bias {:?} vs least squares in the A, B order {want:?}",
                meta.bias
            );
        }
    }
    // The model's type map in the other order: the bias follows it (the unnamed system is left
    // out: its type indices would now mean B, A).
    let mut cfg = base.clone();
    cfg.data.type_map = vec!["B".into(), "A".into()];
    cfg.data.training_data = dirs[..2].join(",");
    let want = least_squares_bias(&train[..2]);
    let (weights, _) = train_into(&cfg, &tmp.path().join("run_ba"), &ctx, 5).expect("trains");
    let (_, meta) = load_model(&weights, &device).expect("model loads");
    assert_eq!(meta.type_map, vec!["B".to_string(), "A".to_string()]);
    for t in 0..2 {
        assert!(
            (meta.bias[t] - want[1 - t]).abs() < 1e-6 * want[1 - t].abs(),
            "bias {:?} vs least squares in the B, A order",
            meta.bias
        );
    }
    // An element the model does not name is refused, naming the system.
    let mut cfg = base;
    cfg.data.type_map = vec!["A".into(), "C".into()];
    let e = train_into(&cfg, &tmp.path().join("bad"), &ctx, 5).expect_err("B is not named");
    let text = e.to_string();
    assert!(
        text.contains("element `B`") && text.contains("t0"),
        "{text}"
    );
    assert_eq!(e.exit_code(), 2);
}

/// The learning curve's training and validation errors cover every system of the set, weighted
/// as `dp test` weights systems: adding a second training system whose force labels are wrong
/// (ten times too large) must raise `rmse_f_trn`; with the first system alone it cannot see them.
#[test]
fn the_learning_curve_evaluates_every_training_system() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(91);
    let good = system(&mut rng, 12, 4);
    let mut bad = good.clone();
    for f in &mut bad.frames {
        for v in f.forces.as_mut().expect("forces").iter_mut().flatten() {
            *v *= 10.0;
        }
    }
    let good_dir = write(tmp.path(), "good", &good);
    let bad_dir = write(tmp.path(), "bad", &bad);
    let mut base = tiny(good_dir.clone(), good_dir.clone());
    base.learning_rate.start_lr = 1e-12;
    base.learning_rate.stop_lr = 1e-12;
    let (_, ctx) = context(tmp.path(), 3);
    let last = |dir: &Path, column: &str| -> f64 {
        let text = std::fs::read_to_string(dir.join("metrics.csv")).expect("metrics.csv");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let k = header
            .iter()
            .position(|h| *h == column)
            .unwrap_or_else(|| panic!("{column} in {header:?}"));
        let row = lines.last().expect("a row");
        row.split(',')
            .nth(k)
            .expect("column")
            .parse()
            .expect("number")
    };
    let one = tmp.path().join("one");
    train_into(&base, &one, &ctx, 3).expect("trains on one system");
    let two = tmp.path().join("two");
    let mut cfg = base;
    cfg.data.training_data = format!("{good_dir},{bad_dir}");
    train_into(&cfg, &two, &ctx, 3).expect("trains on two systems");
    let (f1, f2) = (last(&one, "rmse_f_trn"), last(&two, "rmse_f_trn"));
    assert!(
        f2 > 3.0 * f1,
        "rmse_f_trn one system {f1}, with the bad one {f2}"
    );
    // The validation set is the same good system in both runs (learning rate ~0: an untrained
    // model, whose error is about the labels' spread). The bad system would raise it about ten
    // times if it leaked into validation; the weights themselves may differ a little, because
    // other tests of this file draw from the same device random stream concurrently.
    let (v1, v2) = (last(&one, "rmse_f_val"), last(&two, "rmse_f_val"));
    assert!((v1 - v2).abs() < 0.05 * v1, "rmse_f_val {v1} vs {v2}");
}
