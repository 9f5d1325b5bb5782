//! How fast can a Deep Potential drive molecular dynamics? Three engines evaluate energy and
//! forces of the same 1000-atom silicon cell, step after step, as an MD loop would call them:
//! the burn model (`DeepPotForceField`, flex backend), the native f64 evaluator with exact
//! embedding nets, and the native evaluator with tabulated (compressed) embedding nets.
//!
//! ```text
//! cargo run --release -p ai4s-potential --example compress_throughput -- [--size deepmd|ai4s]
//!     [--model model.bpk] [--steps 20] [--cells 5] [--f64] [--threads N]
//!     [--engines burn,exact,compressed]
//! ```
//!
//! The native engines use `--threads` threads (default: all cores); burn's flex backend uses
//! rayon's pool (`RAYON_NUM_THREADS`).
//!
//! `--size deepmd`: DeePMD-kit's usual se_e2_a sizes (rcut 6 A, sel 60, embedding
//! [25, 50, 100], axis 16, fitting [240, 240, 240]); `--size ai4s`: the `deep-potential`
//! task's defaults. The weights are random (the cost does not depend on their values) unless
//! `--model` gives a trained one; the statistics come from the shipped silicon data.

use ai4s_core::device::{Backend, Precision, make_device};
use ai4s_potential::cell::{V3, diamond};
use ai4s_potential::compress::{CompressedForceField, NativeDeepPot};
use ai4s_potential::env::{self, EnvSpec};
use ai4s_potential::forcefield::{DeepPotForceField, ForceField};
use ai4s_potential::meta::ModelMeta;
use ai4s_potential::model::{DeepPot, NetLayout, NetSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|k| args.get(k + 1).cloned())
}

/// A model with random weights and the statistics of the shipped silicon training data.
fn random_model(size: &str, device: &ai4s_core::burn::tensor::Device) -> (DeepPot, ModelMeta) {
    // (rcut, sel, embedding widths, axis_neuron, fitting width)
    let (rcut, sel, neuron, axis_neuron, fit) = match size {
        "ai4s" => (5.0, 48, vec![16, 32, 64], 12, 100),
        _ => (6.0, 60, vec![25, 50, 100], 16, 240),
    };
    let spec = EnvSpec {
        rcut,
        rcut_smth: 0.5,
        sel: vec![sel],
    };
    let net = NetSpec {
        neuron,
        axis_neuron,
        fitting_neuron: vec![fit; 3],
    };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/tb-si-64/train");
    let sys = ai4s_potential::deepmd::read_system(&data, None).expect("shipped data");
    let stats = env::stats(&spec, &[(&sys, data.as_path())], 1).expect("statistics");
    let layout = NetLayout::resnet_dt_fitting(&net);
    let model = DeepPot::with_layout(&net, &spec.sel, &layout, device);
    let (type_map, bias) = (vec!["Si".into()], vec![-4.7]);
    (
        model,
        ModelMeta {
            type_map,
            env: spec,
            net,
            stats,
            bias,
        },
    )
}

/// The configuration of MD-like step `s`: every atom moved a little (the Verlet lists are
/// reused, as in a real run).
fn step(pos: &mut [V3], s: usize) {
    for (i, r) in pos.iter_mut().enumerate() {
        r[(i + s) % 3] += 0.002 * ((i * 7 + s) as f64).sin();
    }
}

fn main() {
    let size = arg("--size").unwrap_or_else(|| "deepmd".into());
    let steps: usize = arg("--steps").map_or(20, |s| s.parse().expect("--steps N"));
    let cells: usize = arg("--cells").map_or(5, |s| s.parse().expect("--cells N"));
    let f64 = std::env::args().any(|a| a == "--f64");
    let precision = [Precision::F32, Precision::F64][usize::from(f64)];
    let device = make_device(Backend::Flex, precision, 1).expect("flex device");

    // The model: trained (from a file) or random with the chosen sizes.
    let (model, meta) = match arg("--model").map(PathBuf::from) {
        Some(p) => ai4s_potential::model_file::load_model(&p, &device).expect("model"),
        None => random_model(&size, &device),
    };
    // A 5x5x5 diamond silicon cell (1000 atoms), rattled by up to 0.1 A.
    let (pos, cell) = diamond(5.43, cells);
    let pos: Vec<V3> = pos
        .iter()
        .enumerate()
        .map(|(i, r)| std::array::from_fn(|a| r[a] + 0.1 * ((3 * i + a) as f64 * 1.7).sin()))
        .collect();
    let types = vec![0; pos.len()];
    let d_min = ai4s_potential::cell::neighbours(&pos, &cell, meta.env.rcut)
        .expect("neighbours")
        .iter()
        .flatten()
        .fold(f64::INFINITY, |m, n| m.min(n.d));

    // The three engines, each with a Verlet list of skin 1 A; the table covers pairs down to
    // 2 A (closer than any in this cell).
    let threads = arg("--threads").map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |s| s.parse().expect("--threads N"),
    );
    let native = NativeDeepPot::from_model(&model, &meta)
        .expect("native")
        .with_threads(threads);
    let compressed = native
        .compressed(d_min.min(2.0), 0.01, 5.0)
        .expect("compressed");
    let mut burn = DeepPotForceField::new(model, meta, types.clone(), device, 1.0).expect("burn");
    let mut exact = CompressedForceField::new(Arc::new(native), types.clone(), 1.0).expect("exact");
    let mut comp = CompressedForceField::new(Arc::new(compressed), types, 1.0).expect("comp");

    println!(
        "{} atoms, {steps} steps, {size} sizes, burn in {precision:?}, {threads} native threads",
        pos.len()
    );
    // The engines take turns, a block of `steps` steps each, three rounds; each engine's rate
    // is that of its best block (the one least slowed by other load on the machine). A block
    // starts with one untimed call, so that no engine pays for the previous one's caches or
    // spinning worker threads.
    let only = arg("--engines").unwrap_or_else(|| "burn,exact,compressed".into());
    let mut runs: Vec<(&str, &mut dyn ForceField, f64, f64)> = Vec::new();
    let burn: &mut dyn ForceField = &mut burn;
    for (key, name, ff) in [
        ("burn", "burn DeepPotForceField (flex)", burn),
        ("exact", "native exact (f64)", &mut exact),
        ("compressed", "native compressed (f64)", &mut comp),
    ] {
        if only.split(',').any(|k| k == key) {
            let e0 = ff.compute(&pos, &cell).expect("first call").energy;
            runs.push((name, ff, f64::INFINITY, e0));
        }
    }
    for _round in 0..3 {
        for (_, ff, best, _) in runs.iter_mut() {
            let mut p = pos.clone();
            ff.compute(&p, &cell).expect("untimed call");
            let t = Instant::now();
            for s in 0..steps {
                step(&mut p, s);
                ff.compute(&p, &cell).expect("labels");
            }
            *best = best.min(t.elapsed().as_secs_f64());
        }
    }
    println!(
        "{:<34} {:>16} {:>20}",
        "engine", "atom-steps/s", "E first (eV)"
    );
    for (name, _, secs, e0) in &runs {
        let rate = (pos.len() * steps) as f64 / secs;
        println!("{name:<34} {rate:>16.0} {e0:>20.8}");
    }
    println!(
        "table inputs outside the compressed range: {}",
        comp.model().outside_table()
    );
}
