//! The Deep Potential force path, in float64: forces and virial equal finite differences of the
//! model energy (one element, and two elements with per-pair embedding nets; all nine virial
//! components), the hand-written dE/dR equals burn's autodiff gradient, and a loss on forces
//! produces weight gradients. (Its own test binary: the device is configured for f64.)

use ai4s::core::burn::module::Module;
use ai4s::core::burn::tensor::{Device, IndexingUpdateOp, Tensor};
use ai4s::potential::cell::{V3, apply_strain, diamond};
use ai4s::potential::env::{self, EnvSpec};
use ai4s::potential::frames::{Frame, System};
use ai4s::potential::model::{DeepPot, NetLayout, NetSpec, batch};
use std::path::Path;

/// Atom types of the test systems: all silicon, or silicon and carbon alternating.
fn types_for(n: usize, ntypes: usize) -> Vec<usize> {
    (0..n).map(|i| i % ntypes).collect()
}

fn system(pos: Vec<V3>, cell: ai4s::potential::cell::Cell, ntypes: usize) -> System {
    System {
        type_map: ["Si", "C"][..ntypes]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        types: types_for(pos.len(), ntypes),
        frames: vec![Frame::unlabelled(cell, pos)],
    }
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().try_into_vec_as::<f64>().expect("f64 data")
}

#[test]
fn forces_virial_and_gradients_are_exact_for_one_element() {
    check_forces_virial_and_gradients(1, NetLayout::default());
}

/// Two elements with DeePMD-kit's default per-pair embedding nets (`type_one_side: false`):
/// the per-type neighbour slots, the (centre, neighbour) net selection and the per-type bias
/// all enter the force path.
#[test]
fn forces_virial_and_gradients_are_exact_for_two_elements_with_per_pair_nets() {
    check_forces_virial_and_gradients(
        2,
        NetLayout {
            type_one_side: false,
            ..NetLayout::default()
        },
    );
}

fn check_forces_virial_and_gradients(ntypes: usize, layout: NetLayout) {
    let device: Device = ai4s::core::device::test_device(ai4s::core::device::Precision::F64, 7);
    let (pos, cell) = diamond(5.43, 1);
    let pos: Vec<V3> = pos
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = i as f64 + 1.0;
            [
                r[0] + 0.2 * (1.3 * t).sin(),
                r[1] + 0.2 * (2.1 * t).cos(),
                r[2] + 0.15 * (0.7 * t).sin(),
            ]
        })
        .collect();
    let spec = EnvSpec {
        rcut: 4.2,
        rcut_smth: 2.0,
        sel: if ntypes == 1 { vec![40] } else { vec![20, 20] },
    };
    let bias = &[-4.6, -7.3][..ntypes];
    let base = system(pos.clone(), cell, ntypes);
    let stats = env::stats(&spec, &[(&base, Path::new("x"))], ntypes).expect("stats");
    let net = NetSpec {
        neuron: vec![4, 8],
        axis_neuron: 3,
        fitting_neuron: vec![10, 10],
    };
    let model = DeepPot::with_layout(&net, &spec.sel, &layout, &device);
    let predict = |s: &System| {
        let data = env::build(&spec, &stats, s, Path::new("x")).expect("env");
        model.predict(&batch(&data, &[0], &s.types, ntypes, bias, &device))
    };
    let p = predict(&base);
    let forces = to_vec(p.forces);
    let virial = to_vec(p.virial);
    let energy = |s: &System| to_vec(predict(s).energy)[0];

    // Forces against central differences of the model energy.
    let h = 1e-5;
    let mut worst = 0.0f64;
    for i in 0..pos.len() {
        for a in 0..3 {
            let mut pp = pos.clone();
            pp[i][a] += h;
            let ep = energy(&system(pp.clone(), cell, ntypes));
            pp[i][a] -= 2.0 * h;
            let em = energy(&system(pp, cell, ntypes));
            worst = worst.max((-(ep - em) / (2.0 * h) - forces[3 * i + a]).abs());
        }
    }
    let scale = forces.iter().fold(1e-3f64, |m, f| m.max(f.abs()));
    assert!(worst / scale < 1e-6, "force error {worst} (scale {scale})");

    // Virial against the strain derivative, all nine components.
    for (a, b) in (0..3).flat_map(|a| (0..3).map(move |b| (a, b))) {
        let e = |s: f64| {
            let mut eps = [[0.0; 3]; 3];
            eps[a][b] = s;
            energy(&system(
                pos.iter().map(|&r| apply_strain(r, eps)).collect(),
                cell.strained(eps),
                ntypes,
            ))
        };
        let fd = -(e(h) - e(-h)) / (2.0 * h);
        assert!(
            (fd - virial[3 * a + b]).abs() < 1e-6 * scale.max(virial[3 * a + b].abs()),
            "virial[{a}][{b}] {fd} vs {}",
            virial[3 * a + b]
        );
    }

    // The hand-written dE/dR against autodiff: forces rebuilt from autodiff's dE/dR must match.
    let ad = device.clone().autodiff();
    let model_ad = DeepPot::with_layout(&net, &spec.sel, &layout, &ad);
    let data = env::build(&spec, &stats, &base, Path::new("x")).expect("env");
    let env_ad = batch(&data, &[0], &base.types, ntypes, bias, &ad);
    let rows = env_ad.rows.clone().require_grad();
    let e = model_ad.energy_from_rows(rows.clone(), &env_ad);
    let grads = e.sum().backward();
    let d_r = rows.grad(&grads).expect("dE/dR");
    let [a, nc, _] = d_r.dims();
    let jac = batch(&data, &[0], &base.types, ntypes, bias, &device).jac;
    let owner = batch(&data, &[0], &base.types, ntypes, bias, &device).owner;
    let g = (d_r.unsqueeze_dim::<4>(3) * jac)
        .sum_dim(2)
        .reshape([a, nc, 3]);
    let f_auto = g.clone().sum_dim(1).reshape([a, 3])
        - Tensor::<2>::zeros([a, 3], &device).select_assign(
            0,
            owner,
            g.reshape([a * nc, 3]),
            IndexingUpdateOp::Add,
        );
    let f_hand = to_vec(
        model_ad
            .valid()
            .predict(&batch(&data, &[0], &base.types, ntypes, bias, &device))
            .forces,
    );
    let f_auto = to_vec(f_auto);
    let diff = f_auto
        .iter()
        .zip(&f_hand)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(
        diff < 1e-10 * scale.max(1.0),
        "hand-written vs autodiff dE/dR: {diff}"
    );

    // A loss on forces reaches the embedding weights through one backward pass.
    let env_ad = batch(&data, &[0], &base.types, ntypes, bias, &ad);
    let loss = model_ad.predict(&env_ad).forces.powi_scalar(2).sum();
    let grads = loss.backward();
    let gp = ai4s::core::burn::optim::GradientsParams::from_grads(grads, &model_ad);
    assert!(!gp.is_empty(), "force loss must produce weight gradients");
}

/// Batches are windowed to the largest real neighbour count per type among their frames (the
/// empty slots beyond it enter once, weighted): a batch of frames with very different
/// neighbour counts (compressed, distorted, expanded so that only the first shell is inside
/// the cut-off) must give each frame exactly the energy, forces and virial it gets alone, for
/// one element and for two elements with per-pair nets.
#[test]
fn a_batch_predicts_what_each_frame_predicts_alone() {
    for (ntypes, layout) in [
        (1, NetLayout::default()),
        (
            2,
            NetLayout {
                type_one_side: false,
                ..NetLayout::default()
            },
        ),
    ] {
        let device: Device =
            ai4s::core::device::test_device(ai4s::core::device::Precision::F64, 11);
        let (pos, cell) = diamond(5.43, 1);
        let frames: Vec<Frame> = [0.95, 1.0, 1.1]
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                let eps = [
                    [s - 1.0, 0.0, 0.0],
                    [0.0, s - 1.0, 0.0],
                    [0.0, 0.0, s - 1.0],
                ];
                let moved = pos
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let t = (i + 5 * k) as f64 + 1.0;
                        let r = apply_strain(*r, eps);
                        [
                            r[0] + 0.1 * (1.3 * t).sin(),
                            r[1] + 0.1 * (2.1 * t).cos(),
                            r[2],
                        ]
                    })
                    .collect();
                Frame::unlabelled(cell.strained(eps), moved)
            })
            .collect();
        let mut sys = system(pos.clone(), cell, ntypes);
        sys.frames = frames;
        let spec = EnvSpec {
            rcut: 4.2,
            rcut_smth: 2.0,
            sel: if ntypes == 1 { vec![40] } else { vec![20, 20] },
        };
        let bias = &[-4.6, -7.3][..ntypes];
        let stats = env::stats(&spec, &[(&sys, Path::new("x"))], ntypes).expect("stats");
        let net = NetSpec {
            neuron: vec![4, 8],
            axis_neuron: 3,
            fitting_neuron: vec![10, 10],
        };
        let model = DeepPot::with_layout(&net, &spec.sel, &layout, &device);
        let data = env::build(&spec, &stats, &sys, Path::new("x")).expect("env");
        let all = model.predict(&batch(&data, &[0, 1, 2], &sys.types, ntypes, bias, &device));
        let (e_all, f_all, v_all) = (to_vec(all.energy), to_vec(all.forces), to_vec(all.virial));
        let n = pos.len();
        let mut energies = Vec::new();
        for k in 0..3 {
            let one = model.predict(&batch(&data, &[k], &sys.types, ntypes, bias, &device));
            let (e, f, v) = (to_vec(one.energy), to_vec(one.forces), to_vec(one.virial));
            let close = |a: &[f64], b: &[f64], what: &str| {
                for (x, y) in a.iter().zip(b) {
                    assert!(
                        (x - y).abs() < 1e-10 * (1.0 + y.abs()),
                        "{ntypes} type(s), frame {k}, {what}: batch {x} vs alone {y}"
                    );
                }
            };
            close(&e_all[k..k + 1], &e, "energy");
            close(&f_all[3 * n * k..3 * n * (k + 1)], &f, "forces");
            close(&v_all[9 * k..9 * (k + 1)], &v, "virial");
            energies.push(e[0]);
        }
        // The three frames are different structures: the check compares different numbers.
        assert!((energies[0] - energies[2]).abs() > 1e-6, "{energies:?}");
    }
}
