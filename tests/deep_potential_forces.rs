//! The Deep Potential force path, in float64: forces and virial equal finite differences of the
//! model energy, the hand-written dE/dR equals burn's autodiff gradient, and a loss on forces
//! produces weight gradients. (Its own test binary: the device is configured for f64.)

use ai4s::core::burn::module::Module;
use ai4s::core::burn::tensor::{Device, IndexingUpdateOp, Tensor};
use ai4s::potential::cell::{V3, apply_strain, diamond};
use ai4s::potential::env::{self, EnvSpec};
use ai4s::potential::frames::{Frame, System};
use ai4s::potential::model::{DeepPot, NetSpec, batch};
use std::path::Path;

fn system(pos: Vec<V3>, cell: ai4s::potential::cell::Cell) -> System {
    System {
        type_map: vec!["Si".into()],
        types: vec![0; pos.len()],
        frames: vec![Frame {
            cell,
            pos,
            energy: None,
            forces: None,
            virial: None,
        }],
    }
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().try_into_vec_as::<f64>().expect("f64 data")
}

#[test]
fn forces_virial_and_gradients_are_exact() {
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
        sel: vec![40],
    };
    let base = system(pos.clone(), cell);
    let stats = env::stats(&spec, &[(&base, Path::new("x"))], 1).expect("stats");
    let net = NetSpec {
        neuron: vec![4, 8],
        axis_neuron: 3,
        fitting_neuron: vec![10, 10],
    };
    let model = DeepPot::new(&net, &spec.sel, &device);
    let predict = |s: &System| {
        let data = env::build(&spec, &stats, s, Path::new("x")).expect("env");
        model.predict(&batch(&data, &[0], &s.types, 1, &[-4.6], &device))
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
            let ep = energy(&system(pp.clone(), cell));
            pp[i][a] -= 2.0 * h;
            let em = energy(&system(pp, cell));
            worst = worst.max((-(ep - em) / (2.0 * h) - forces[3 * i + a]).abs());
        }
    }
    let scale = forces.iter().fold(1e-3f64, |m, f| m.max(f.abs()));
    assert!(worst / scale < 1e-6, "force error {worst} (scale {scale})");

    // Virial against the strain derivative.
    for (a, b) in [(0, 0), (0, 1), (2, 1)] {
        let e = |s: f64| {
            let mut eps = [[0.0; 3]; 3];
            eps[a][b] = s;
            energy(&system(
                pos.iter().map(|&r| apply_strain(r, eps)).collect(),
                cell.strained(eps),
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
    let model_ad = DeepPot::new(&net, &spec.sel, &ad);
    let data = env::build(&spec, &stats, &base, Path::new("x")).expect("env");
    let env_ad = batch(&data, &[0], &base.types, 1, &[-4.6], &ad);
    let rows = env_ad.rows.clone().require_grad();
    let e = model_ad.energy_from_rows(rows.clone(), &env_ad);
    let grads = e.sum().backward();
    let d_r = rows.grad(&grads).expect("dE/dR");
    let [a, nc, _] = d_r.dims();
    let jac = batch(&data, &[0], &base.types, 1, &[-4.6], &device).jac;
    let owner = batch(&data, &[0], &base.types, 1, &[-4.6], &device).owner;
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
            .predict(&batch(&data, &[0], &base.types, 1, &[-4.6], &device))
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
    let env_ad = batch(&data, &[0], &base.types, 1, &[-4.6], &ad);
    let loss = model_ad.predict(&env_ad).forces.powi_scalar(2).sum();
    let grads = loss.backward();
    let gp = ai4s::core::burn::optim::GradientsParams::from_grads(grads, &model_ad);
    assert!(!gp.is_empty(), "force loss must produce weight gradients");
}
