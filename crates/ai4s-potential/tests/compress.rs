//! The native Deep Potential and its compressed form, in float64: the exact native evaluator
//! reproduces the burn model (one element; two with per-pair and per-type embedding nets), the
//! compressed model stays within the table's error of the exact one and reproduces DeePMD-kit's
//! `dp test`, its forces and virial are the derivatives of its energy, the file round-trips,
//! the Verlet list changes nothing, bad input gives clear errors. (Own binary: f64 device.)

use ai4s_core::burn::tensor::{Device, Tensor};
use ai4s_core::device::{Precision, test_device};
use ai4s_core::tensor::to_vec;
use ai4s_potential::cell::{Cell, V3, apply_strain, diamond};
use ai4s_potential::compress::{self, CompressOptions, CompressedForceField, NativeDeepPot};
use ai4s_potential::env::{self, EnvSpec};
use ai4s_potential::forcefield::ForceField;
use ai4s_potential::frames::{Frame, System};
use ai4s_potential::labeller::Labels;
use ai4s_potential::meta::ModelMeta;
use ai4s_potential::model::{DeepPot, NetLayout, NetSpec, ResNet, batch};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn device() -> Device {
    test_device(Precision::F64, 11)
}

/// A rattled 2x2x2 diamond silicon cell (64 atoms), types alternating over `ntypes`.
fn config(ntypes: usize) -> (Vec<V3>, Cell, Vec<usize>) {
    let (pos, cell) = diamond(5.43, 2);
    let pos: Vec<V3> = pos
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = i as f64 + 1.0;
            [
                r[0] + 0.25 * (1.3 * t).sin(),
                r[1] + 0.25 * (2.1 * t).cos(),
                r[2] + 0.2 * (0.7 * t).sin(),
            ]
        })
        .collect();
    let types = (0..pos.len()).map(|i| i % ntypes).collect();
    (pos, cell, types)
}

fn system(pos: Vec<V3>, cell: Cell, types: Vec<usize>, ntypes: usize) -> System {
    System {
        type_map: ["Si", "C"][..ntypes]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        types,
        frames: vec![Frame::unlabelled(cell, pos)],
    }
}

/// A model with random weights, timestep vectors on the residual layers, statistics from the
/// test configuration.
fn model(ntypes: usize, type_one_side: bool) -> (DeepPot, ModelMeta) {
    let spec = EnvSpec {
        rcut: 4.2,
        rcut_smth: 1.8,
        sel: if ntypes == 1 { vec![40] } else { vec![24, 24] },
    };
    let net = NetSpec {
        neuron: vec![6, 12, 12],
        axis_neuron: 4,
        fitting_neuron: vec![16, 16],
    };
    let layout = NetLayout {
        type_one_side,
        embedding_idt: vec![false, false, true],
        fitting_idt: vec![false, true],
    };
    let (pos, cell, types) = config(ntypes);
    let sys = system(pos, cell, types, ntypes);
    let stats = env::stats(&spec, &[(&sys, Path::new("x"))], ntypes).expect("stats");
    let model = DeepPot::with_layout(&net, &spec.sel, &layout, &device());
    let meta = ModelMeta {
        type_map: sys.type_map.clone(),
        env: spec,
        net,
        stats,
        bias: vec![-4.6, -7.3][..ntypes].to_vec(),
    };
    (model, meta)
}

/// The burn model's energy, forces and virial.
fn burn_labels(
    model: &DeepPot,
    meta: &ModelMeta,
    pos: &[V3],
    cell: Cell,
    types: &[usize],
) -> Labels {
    let nt = meta.type_map.len();
    let sys = system(pos.to_vec(), cell, types.to_vec(), nt);
    let data = env::build(&meta.env, &meta.stats, &sys, Path::new("x")).expect("env");
    let p = model.predict(&batch(&data, &[0], types, nt, &meta.bias, &device()));
    let v = |t: Tensor<2>| to_vec(t).expect("f64 data");
    let (e, f, w) = (v(p.energy), v(p.forces), v(p.virial));
    Labels {
        energy: e[0],
        forces: f.chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
        virial: std::array::from_fn(|a| std::array::from_fn(|b| w[3 * a + b])),
    }
}

/// Largest differences (energy, force component, virial component) and the force scale.
fn diff(a: &Labels, b: &Labels) -> [f64; 4] {
    let df = a
        .forces
        .iter()
        .flatten()
        .zip(b.forces.iter().flatten())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    let dw = a
        .virial
        .iter()
        .flatten()
        .zip(b.virial.iter().flatten())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    let scale = a
        .forces
        .iter()
        .flatten()
        .fold(0.0f64, |m, x| m.max(x.abs()));
    [(a.energy - b.energy).abs(), df, dw, scale]
}

fn check_exact_matches_burn(ntypes: usize, type_one_side: bool) {
    let (model, meta) = model(ntypes, type_one_side);
    let native = NativeDeepPot::from_model(&model, &meta).expect("native");
    let (pos, cell, types) = config(ntypes);
    // Also a strained, further rattled copy (a different neighbour structure).
    let eps = [[0.02, 0.01, 0.0], [0.01, -0.015, 0.005], [0.0, 0.005, 0.01]];
    let pos2: Vec<V3> = pos
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let r = apply_strain(r, eps);
            [r[0] + 0.05 * (i as f64).cos(), r[1], r[2]]
        })
        .collect();
    for (p, c) in [(pos, cell), (pos2, cell.strained(eps))] {
        let a = burn_labels(&model, &meta, &p, c, &types);
        let b = native.compute(&types, &p, &c).expect("native labels");
        let [de, df, dw, scale] = diff(&a, &b);
        println!(
            "ntypes {ntypes} type_one_side {type_one_side}: |dE| {de:.2e} (E {:.4}), max |dF| {df:.2e} (max |F| {scale:.3}), max |dW| {dw:.2e}",
            a.energy
        );
        assert!(de < 1e-10 * a.energy.abs().max(1.0), "energy {de}");
        assert!(df < 1e-10 * scale.max(1.0), "forces {df}");
        assert!(dw < 1e-10 * a.energy.abs().max(1.0), "virial {dw}");
    }
}

#[test]
fn exact_native_matches_burn_for_one_element() {
    check_exact_matches_burn(1, true);
}

#[test]
fn exact_native_matches_burn_for_two_elements_with_per_pair_nets() {
    check_exact_matches_burn(2, false);
}

#[test]
fn exact_native_matches_burn_for_two_elements_with_per_type_nets() {
    check_exact_matches_burn(2, true);
}

/// Closest pair of the test configuration (the table's upper bound comes from it).
fn d_min(pos: &[V3], cell: &Cell) -> f64 {
    ai4s_potential::cell::neighbours(pos, cell, 4.2)
        .expect("neighbours")
        .iter()
        .flatten()
        .fold(f64::INFINITY, |m, n| m.min(n.d))
}

/// The model with its embedding weights multiplied by `factor`: steeper embedding nets, whose
/// high derivatives (the table's error term) are larger, as in trained models.
fn steeper(model: &DeepPot, meta: &ModelMeta, factor: f64) -> DeepPot {
    let nets = |nets: &[ResNet], f: f64| -> Vec<ResNet> {
        nets.iter()
            .map(|n| {
                let mut layers = n.to_arrays().expect("arrays");
                for l in &mut layers {
                    l.w.iter_mut().for_each(|w| *w *= f);
                }
                ResNet::from_arrays(&layers, &device())
            })
            .collect()
    };
    let out = (0..meta.type_map.len())
        .map(|t| model.output_layer(t).expect("output layer"))
        .collect();
    DeepPot::from_parts(
        nets(model.embedding_nets(), factor),
        nets(model.fitting_nets(), 1.0),
        out,
        model.sel(),
        meta.net.axis_neuron,
        model.layout().type_one_side,
        &device(),
    )
}

#[test]
fn compressed_model_agrees_with_exact_and_is_conservative() {
    for (ntypes, one_side, factor, tol) in [
        (1, true, 1.0, 1e-10),
        (2, false, 1.0, 1e-10),
        (1, true, 4.0, 1e-7),
        (2, false, 4.0, 1e-7),
    ] {
        let (model, meta) = model(ntypes, one_side);
        let model = steeper(&model, &meta, factor);
        let exact = NativeDeepPot::from_model(&model, &meta).expect("native");
        let (pos, cell, types) = config(ntypes);
        let comp = exact
            .compressed(d_min(&pos, &cell), 0.01, 5.0)
            .expect("compressed");
        let a = exact.compute(&types, &pos, &cell).expect("exact");
        let b = comp.compute(&types, &pos, &cell).expect("compressed");
        let [de, df, dw, scale] = diff(&a, &b);
        let n = pos.len() as f64;
        println!(
            "ntypes {ntypes}, embedding weights x{factor}: compressed vs exact |dE|/atom {:.2e} (rel {:.2e}), max |dF| {df:.2e} (rel {:.2e}), max |dW|/atom {:.2e}; grid {:?}; outside the table {}",
            de / n,
            de / a.energy.abs(),
            df / scale,
            dw / n,
            comp.grid(),
            comp.outside_table()
        );
        assert!(de < tol * a.energy.abs() && df < tol * scale && dw < tol * a.energy.abs());
        assert_eq!(comp.outside_table(), 0);

        // Forces and virial are the derivatives of the compressed energy.
        let energy = |p: &[V3], c: &Cell| comp.compute(&types, p, c).expect("energy").energy;
        let h = 1e-5;
        let mut worst = 0.0f64;
        for i in (0..pos.len()).step_by(7) {
            for k in 0..3 {
                let mut pp = pos.clone();
                pp[i][k] += h;
                let ep = energy(&pp, &cell);
                pp[i][k] -= 2.0 * h;
                let em = energy(&pp, &cell);
                worst = worst.max((-(ep - em) / (2.0 * h) - b.forces[i][k]).abs());
            }
        }
        assert!(
            worst < 1e-6 * scale,
            "force vs -dE/dx: {worst} (scale {scale})"
        );
        for (x, y) in [(0, 0), (0, 1), (2, 1)] {
            let e = |s: f64| {
                let mut eps = [[0.0; 3]; 3];
                eps[x][y] = s;
                let p: Vec<V3> = pos.iter().map(|&r| apply_strain(r, eps)).collect();
                energy(&p, &cell.strained(eps))
            };
            let fd = -(e(h) - e(-h)) / (2.0 * h);
            assert!(
                (fd - b.virial[x][y]).abs() < 1e-6 * b.energy.abs(),
                "virial[{x}][{y}] {fd} vs {}",
                b.virial[x][y]
            );
        }
    }
}

fn scratch(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join(name);
    (dir, p)
}

#[test]
fn file_round_trip_force_field_and_test_on_data() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/tb-si-64/test");
    let (dir, _) = scratch("x");
    let (model, mut meta) = model(1, true);
    let sys = ai4s_potential::deepmd::read_system(&data, None).expect("data");
    meta.stats = env::stats(&meta.env, &[(&sys, data.as_path())], 1).expect("stats");
    let bpk =
        ai4s_potential::dpmodel::save_native(&model, &meta, &dir.path().join("m")).expect("saved");
    let out = dir.path().join("model.dpz");
    let opts = CompressOptions {
        data: Some(data.display().to_string()),
        ..CompressOptions::default()
    };
    let summary = compress::compress_file(&bpk, &out, &opts, &device()).expect("compressed");
    let dev = summary.deviation.expect("checked on the data");
    println!("{summary:?}");
    assert_eq!(dev.frames, 40);
    assert!(dev.force < 1e-8 * dev.force_scale && dev.energy_per_atom < 1e-9);
    assert!(compress::is_compressed_file(&out) && !compress::is_compressed_file(&bpk));

    // The file holds the same model: identical results after a reload.
    let (native, meta2) = ai4s_potential::model_file::load_model(&bpk, &device()).expect("load");
    let exact = NativeDeepPot::from_model(&native, &meta2).expect("native");
    let again = exact
        .compressed(summary.min_nbor_dist, 0.01, 5.0)
        .expect("compressed");
    let loaded = Arc::new(compress::load(&out).expect("reload"));
    let f = &sys.frames[3];
    let a = again.compute(&sys.types, &f.pos, &f.cell).expect("a");
    let b = loaded.compute(&sys.types, &f.pos, &f.cell).expect("b");
    assert_eq!(a, b);

    // The force field (Verlet list with a skin, one thread or several) gives the same labels.
    let mut ff = CompressedForceField::new(loaded.clone(), sys.types.clone(), 1.0).expect("ff");
    assert_eq!(ff.name(), "deep-potential-compressed");
    let mut moved = f.pos.clone();
    for (i, r) in moved.iter_mut().enumerate() {
        r[i % 3] += 0.1;
    }
    for p in [&f.pos, &moved] {
        let got = ff.compute(p, &f.cell).expect("ff labels");
        let direct = loaded.compute(&sys.types, p, &f.cell).expect("direct");
        let [de, df, dw, _] = diff(&got, &direct);
        assert!(de < 1e-10 && df < 1e-12 && dw < 1e-10, "{de} {df} {dw}");
    }
    assert_eq!(ff.rebuilds(), 1);
    let mut any = ai4s_potential::forcefield::load_force_field(&out, &["Si"; 64], &device(), 1.0)
        .expect("the one loader reads compressed files");
    assert_eq!(any.name(), "deep-potential-compressed");
    let [de, df, _, _] = diff(&any.compute(&f.pos, &f.cell).expect("labels"), &b);
    assert!(de < 1e-10 && df < 1e-12, "{de} {df}");
    let one = compress::load(&out).expect("reload").with_threads(1);
    let [de, df, _, _] = diff(&one.compute(&sys.types, &f.pos, &f.cell).expect("1"), &b);
    assert!(de < 1e-10 && df < 1e-12);

    // `potential test` on the compressed file reports what the burn model reports.
    let burn =
        ai4s_potential::model_file::predict_model(&bpk, &data.display().to_string(), &device())
            .expect("burn test");
    let comp =
        ai4s_potential::model_file::predict_model(&out, &data.display().to_string(), &device())
            .expect("compressed test");
    let (eb, ec) = (burn[0].errors, comp[0].errors);
    println!("burn {eb:?}\ncompressed {ec:?}");
    assert!((eb.force_rmse - ec.force_rmse).abs() < 1e-8 * eb.force_rmse);
    assert!((eb.energy_rmse_per_atom - ec.energy_rmse_per_atom).abs() < 1e-9);
}

/// Numbers of a `dp test -d` detail file, one row per line.
fn detail(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .expect("detail file")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|v| v.parse().expect("number"))
                .collect()
        })
        .collect()
}

/// A two-element model trained by DeePMD-kit (per-pair embedding nets, `resnet_dt`),
/// compressed: its predictions equal DeePMD-kit's own `dp test` of the uncompressed model.
#[test]
fn compressed_deepmd_kit_model_reproduces_dp_test() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/deepmd_two_element");
    let test = fixture.join("test").display().to_string();
    let (_dir, out) = scratch("ni_al.dpz");
    let opts = CompressOptions {
        data: Some(test.clone()),
        ..CompressOptions::default()
    };
    let summary = compress::compress_file(&fixture.join("model.yaml"), &out, &opts, &device())
        .expect("compress");
    assert_eq!(summary.tables, 4);
    let pred = &ai4s_potential::model_file::predict_model(&out, &test, &device()).expect("test")[0];
    let ours = [&pred.energy, &pred.forces, &pred.virial];
    for (k, (kind, n)) in [("e", 1), ("f", 3), ("v", 9)].into_iter().enumerate() {
        let reference: Vec<f64> = detail(&fixture.join(format!("dp_test.{kind}.out")))
            .iter()
            .flat_map(|row| row[n..2 * n].to_vec())
            .collect();
        assert_eq!(reference.len(), ours[k].len(), "{kind}");
        let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let worst = reference
            .iter()
            .zip(ours[k])
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        println!("{kind}: max |compressed - dp test| {worst:.2e} (largest value {scale:.3})");
        assert!(worst < 1e-10 * scale, "{kind}: {worst} vs scale {scale}");
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let (dir, missing) = scratch("missing.dpz");
    let e = compress::load(&missing).expect_err("missing").to_string();
    assert!(e.contains("missing.dpz"), "{e}");
    let text = dir.path().join("model.toml");
    std::fs::write(&text, "type_map = [\"Si\"]\n").expect("write");
    let e = compress::load(&text).expect_err("not ours").to_string();
    assert!(
        e.contains("model.toml") && e.contains("not a compressed"),
        "{e}"
    );

    let (model, meta) = model(2, false);
    let exact = NativeDeepPot::from_model(&model, &meta).expect("native");
    for stride in [0.0, -0.01, f64::NAN] {
        let e = exact
            .compressed(2.0, stride, 5.0)
            .expect_err("bad")
            .to_string();
        assert!(e.contains("stride"), "{e}");
    }
    let e = exact
        .compressed(2.0, 0.01, 0.5)
        .expect_err("bad")
        .to_string();
    assert!(e.contains("extrapolate"), "{e}");
    let e = exact
        .compressed(0.0, 0.01, 5.0)
        .expect_err("bad")
        .to_string();
    assert!(e.contains("min_nbor_dist"), "{e}");

    // A truncated file names itself and says so.
    let comp = exact.compressed(2.0, 0.01, 5.0).expect("compressed");
    let good = dir.path().join("good.dpz");
    compress::save(&comp, Path::new("m.bpk"), &good).expect("saved");
    let bytes = std::fs::read(&good).expect("read");
    let cut = dir.path().join("cut.dpz");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).expect("write");
    let e = compress::load(&cut).expect_err("truncated").to_string();
    assert!(e.contains("cut.dpz") && e.contains("truncated"), "{e}");
    std::fs::write(&cut, &bytes[..40]).expect("write");
    let e = compress::load(&cut).expect_err("truncated").to_string();
    assert!(e.contains("truncated"), "{e}");

    // The command's entry point: a model that is not there, no range, a bad stride.
    let none = compress::compress_file(
        &dir.path().join("nope.bpk"),
        &good,
        &CompressOptions {
            min_nbor_dist: Some(2.0),
            ..CompressOptions::default()
        },
        &device(),
    )
    .expect_err("missing model")
    .to_string();
    assert!(none.contains("nope"), "{none}");
    let bpk =
        ai4s_potential::dpmodel::save_native(&model, &meta, &dir.path().join("m")).expect("saved");
    let e = compress::compress_file(&bpk, &good, &CompressOptions::default(), &device())
        .expect_err("no range")
        .to_string();
    assert!(e.contains("--data") && e.contains("--min-nbor-dist"), "{e}");
    let e = compress::compress_file(
        &bpk,
        &good,
        &CompressOptions {
            stride: -1.0,
            min_nbor_dist: Some(2.0),
            ..CompressOptions::default()
        },
        &device(),
    )
    .expect_err("bad stride")
    .to_string();
    assert!(e.contains("stride"), "{e}");

    // More neighbours than sel, and atoms of a type the model does not have.
    let (pos, cell, types) = config(2);
    let squeezed: Vec<V3> = pos.iter().map(|r| r.map(|x| 0.6 * x)).collect();
    let small = Cell {
        h: cell.h.map(|row| row.map(|x| 0.6 * x)),
    };
    let e = comp
        .compute(&types, &squeezed, &small)
        .expect_err("sel overflow")
        .to_string();
    assert!(e.contains("sel["), "{e}");
    let e = CompressedForceField::new(Arc::new(comp), vec![0, 2], 0.5)
        .expect_err("type 2")
        .to_string();
    assert!(e.contains("type 2"), "{e}");
}
