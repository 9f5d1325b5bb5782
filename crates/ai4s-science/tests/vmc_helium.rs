//! The helium part of the vmc task: the local energy against analytic energies and a
//! finite-difference Laplacian, the two cusps of the Jastrow factor, the sampler and the
//! blocking error bar against exact results, the quick run against the baseline, and refusals
//! of bad configs.

use ai4s_core::burn::module::{Module, ModuleMapper, Param};
use ai4s_core::burn::tensor::{Device, Distribution, Tensor, TensorData};
use ai4s_core::device::{Precision, test_device};
use ai4s_core::run::run_task;
use ai4s_core::tensor::to_vec;
use ai4s_core::{Error, RunOptions};
use ai4s_science::VariationalMonteCarlo;
use ai4s_science::vmc::{HELIUM_EXACT, HeliumAnsatz, HeliumWalkers, blocking};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Gamma, StandardNormal};

fn f64_device() -> Device {
    test_device(Precision::F64, 7)
}

fn tensor(rows: &[[f64; 6]], device: &Device) -> Tensor<2> {
    let data: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), 6]), device)
}

fn read(t: Tensor<2>) -> Vec<f64> {
    to_vec(t).expect("readable tensor")
}

/// Random points, both electrons within a few bohr of the nucleus.
fn random_points(n: usize, rng: &mut StdRng) -> Vec<[f64; 6]> {
    (0..n)
        .map(|_| std::array::from_fn(|_| 1.5 * rng.sample::<f64, _>(StandardNormal)))
        .collect()
}

/// Adds Gaussian noise to every parameter, so that the network's output layer (zero at
/// initialisation) and every other weight take generic values.
struct Perturb(f64);

impl ModuleMapper for Perturb {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let t = param.val();
        let noise = Tensor::random(t.shape(), Distribution::Normal(0.0, self.0), &t.device());
        Param::from_tensor(t + noise)
    }
}

fn generic_neural(device: &Device) -> HeliumAnsatz {
    HeliumAnsatz::neural(&[8, 8], device).map(&mut Perturb(0.3))
}

/// Samples `exp(-2 a (r1 + r2))` exactly: each radius is Gamma(3, 1/(2a)), each direction
/// uniform.
fn hydrogenic_samples(a: f64, n: usize, rng: &mut StdRng) -> Vec<[f64; 6]> {
    let gamma = Gamma::new(3.0, 1.0 / (2.0 * a)).expect("gamma");
    let electron = |rng: &mut StdRng| -> [f64; 3] {
        let r: f64 = rng.sample(gamma);
        let v: [f64; 3] = std::array::from_fn(|_| rng.sample::<f64, _>(StandardNormal));
        let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        v.map(|c| r * c / norm)
    };
    (0..n)
        .map(|_| {
            let (e1, e2) = (electron(rng), electron(rng));
            [e1[0], e1[1], e1[2], e2[0], e2[1], e2[2]]
        })
        .collect()
}

#[test]
fn vmc_helium_without_repulsion_has_local_energy_minus_four_everywhere() {
    let device = f64_device();
    let points = random_points(500, &mut StdRng::seed_from_u64(1));
    let psi = HeliumAnsatz::hydrogenic(2.0);
    let (e, _) = psi.local_energy(tensor(&points, &device), false);
    for v in read(e) {
        assert_eq!(v, -4.0);
    }
}

#[test]
fn vmc_helium_hydrogenic_product_with_screened_charge_gives_the_textbook_energy() {
    let device = f64_device();
    let a = 27.0 / 16.0;
    let exact = -a * a;
    let psi = HeliumAnsatz::hydrogenic(a);
    // Exact samples of |psi|^2: the mean local energy is -(27/16)^2 within its error bar.
    let points = hydrogenic_samples(a, 200_000, &mut StdRng::seed_from_u64(2));
    let e = read(psi.local_energy(tensor(&points, &device), true).0);
    let n = e.len() as f64;
    let mean = e.iter().sum::<f64>() / n;
    let se = (e.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    assert!(
        (mean - exact).abs() < 4.0 * se,
        "exact sampling: {mean} +- {se}, analytic {exact}"
    );
    // The same through the Metropolis walkers and the blocking error bar.
    let mut walkers = HeliumWalkers::new(2000, &device);
    walkers.moves(&psi, 200, true).expect("burn-in");
    let series: Vec<f64> = (0..200)
        .map(|_| {
            walkers.moves(&psi, 2, false).expect("moves");
            let e = read(psi.local_energy(walkers.pos.clone(), true).0);
            e.iter().sum::<f64>() / e.len() as f64
        })
        .collect();
    let (mean, se, _) = blocking(&series);
    assert!(se > 0.0 && se < 5e-3, "error bar {se}");
    assert!(
        (mean - exact).abs() < 4.0 * se,
        "Metropolis: {mean} +- {se}, analytic {exact}"
    );
}

#[test]
fn vmc_helium_local_energy_matches_a_finite_difference_laplacian() {
    let device = f64_device();
    let psi = generic_neural(&device);
    let points = random_points(20, &mut StdRng::seed_from_u64(3));
    let (e, log_psi) = psi.local_energy(tensor(&points, &device), true);
    let (e, log_psi) = (read(e), read(log_psi));
    let h = 1e-4;
    for (i, x) in points.iter().enumerate() {
        // 13 points: x and x +- h e_k.
        let mut rows = vec![*x];
        for k in 0..6 {
            for s in [1.0, -1.0] {
                let mut y = *x;
                y[k] += s * h;
                rows.push(y);
            }
        }
        let u = read(psi.log_psi(tensor(&rows, &device)));
        assert!((u[0] - log_psi[i]).abs() < 1e-12, "log psi paths differ");
        // lap psi / psi = sum_k (u_kk + u_k^2).
        let ratio: f64 = (0..6)
            .map(|k| {
                let (up, um) = (u[1 + 2 * k], u[2 + 2 * k]);
                let d1 = (up - um) / (2.0 * h);
                (up - 2.0 * u[0] + um) / (h * h) + d1 * d1
            })
            .sum();
        let r = |a: &[f64]| (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        let d: Vec<f64> = (0..3).map(|k| x[k] - x[k + 3]).collect();
        let v = -2.0 / r(&x[..3]) - 2.0 / r(&x[3..]) + 1.0 / r(&d);
        let fd = -0.5 * ratio + v;
        assert!(
            (fd - e[i]).abs() < 1e-4 * (1.0 + e[i].abs()),
            "point {i}: local energy {} vs finite differences {fd}",
            e[i]
        );
    }
}

#[test]
fn vmc_helium_jastrow_keeps_both_cusps_whatever_the_weights() {
    let device = f64_device();
    let psi = generic_neural(&device);
    let x1 = [0.7, 0.2, -0.3];
    let dir = [0.6, -0.48, 0.64];
    // Electron-electron: dJ/dr12 -> 1/2 as the electrons approach each other about their
    // midpoint (the distances to the nucleus then change by opposite amounts, which a
    // symmetric J does not feel to first order).
    let pair = |eps: f64| -> [f64; 6] {
        std::array::from_fn(|k| {
            let s = if k < 3 { 0.5 } else { -0.5 };
            x1[k % 3] + s * eps * dir[k % 3]
        })
    };
    let eps = 1e-5;
    let j = read(psi.jastrow(tensor(&[pair(0.0), pair(eps), pair(2.0 * eps)], &device)));
    for slope in [(j[1] - j[0]) / eps, (j[2] - j[1]) / eps] {
        assert!((slope - 0.5).abs() < 1e-3, "dJ/dr12 at contact: {slope}");
    }
    // Electron-nucleus: d log psi / d r1 -> -Z = -2 as electron 1 approaches the nucleus,
    // averaged over opposite directions (Kato's cusp is on the spherical average).
    let x2 = [0.4, -0.9, 0.5];
    let at = |eps: f64| -> [f64; 6] {
        [
            eps * dir[0],
            eps * dir[1],
            eps * dir[2],
            x2[0],
            x2[1],
            x2[2],
        ]
    };
    let u = read(psi.log_psi(tensor(&[at(0.0), at(eps), at(-eps)], &device)));
    let slope = (u[1] + u[2] - 2.0 * u[0]) / (2.0 * eps);
    assert!(
        (slope + 2.0).abs() < 1e-3,
        "d log psi/dr1 at the nucleus: {slope}"
    );
    // The network alone has zero slope there: without the envelope the slope vanishes.
    let j = read(psi.jastrow(tensor(&[at(0.0), at(eps), at(-eps)], &device)));
    assert!(((j[1] + j[2] - 2.0 * j[0]) / (2.0 * eps)).abs() < 1e-3);
}

#[test]
fn vmc_blocking_recovers_the_error_of_a_correlated_series() {
    // AR(1), x_t = phi x_{t-1} + e_t: the variance of the mean is
    // sigma_e^2 / (1 - phi)^2 / N for long series.
    let mut rng = StdRng::seed_from_u64(4);
    let (phi, n) = (0.9, 1 << 17);
    let mut x = 0.0;
    let series: Vec<f64> = (0..n)
        .map(|_| {
            x = phi * x + rng.sample::<f64, _>(StandardNormal);
            x
        })
        .collect();
    let (_, se, block) = blocking(&series);
    let exact = 1.0 / (1.0 - phi) / (n as f64).sqrt();
    assert!(
        (se / exact - 1.0).abs() < 0.2,
        "blocking {se} (block {block}) vs exact {exact}"
    );
    let naive = (series.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt() / (n as f64).sqrt();
    assert!(se > 3.0 * naive, "blocking must see the correlation");
}

#[test]
fn vmc_quick_run_beats_the_one_parameter_baseline_for_helium() {
    let d = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        out: Some(d.path().to_path_buf()),
        quick: true,
        quiet: true,
        seed: Some(5),
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let o = run_task(&VariationalMonteCarlo, &opts).expect("runs");
    let get = |k: &str| o.report.get(k).unwrap_or_else(|| panic!("metric {k}"));
    for m in &o.report.metrics {
        println!("{} = {}", m.name, m.value);
    }
    println!("wall {:.1} s", t.elapsed().as_secs_f64());
    let (e, se) = (get("helium_energy"), get("helium_energy_stderr"));
    let (base, base_se) = (
        get("helium_baseline_energy"),
        get("helium_baseline_energy_stderr"),
    );
    assert!(
        e < base - 3.0 * (se * se + base_se * base_se).sqrt(),
        "neural {e} +- {se} vs baseline {base} +- {base_se}"
    );
    // Variational: not below the exact energy beyond the error bar.
    assert!(e > HELIUM_EXACT - 5.0 * se - 1e-4, "{e} +- {se}");
    assert!(
        o.report.all_goals_met(),
        "{:?}",
        o.report
            .metrics
            .iter()
            .filter(|m| m.goal.as_ref().is_some_and(|g| !g.met(m.value)))
            .collect::<Vec<_>>()
    );
    assert!(d.path().join("helium_energy.png").exists());
    assert!(d.path().join("helium_pair_distance.png").exists());
}

#[test]
fn vmc_refuses_bad_helium_configs_naming_the_field() {
    for (set, field) in [
        ("helium.walkers=3", "helium.walkers"),
        ("helium.hidden=[]", "helium.hidden"),
        ("helium.lr=0", "helium.lr"),
        ("helium.measure_steps=4", "helium.measure_steps"),
    ] {
        let d = tempfile::tempdir().expect("tempdir");
        let opts = RunOptions {
            out: Some(d.path().join("run")),
            quick: true,
            quiet: true,
            sets: vec![set.into()],
            ..Default::default()
        };
        match run_task(&VariationalMonteCarlo, &opts) {
            Err(Error::Config { field: f, .. }) => assert_eq!(f, field, "{set}"),
            Err(e) => panic!("{set}: unexpected error {e}"),
            Ok(_) => panic!("{set}: accepted"),
        }
    }
}

/// The full run (a few minutes on two cores): `cargo test --release -p ai4s-science --test
/// vmc_helium -- --ignored --nocapture`; `VMC_OUT=<dir>` keeps its output.
#[test]
#[ignore]
fn vmc_full_run_reaches_the_helium_goal() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = std::env::var("VMC_OUT").map_or_else(|_| d.path().to_path_buf(), Into::into);
    let opts = RunOptions {
        out: Some(out),
        quiet: true,
        seed: Some(5),
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let o = run_task(&VariationalMonteCarlo, &opts).expect("runs");
    for m in &o.report.metrics {
        println!("{} = {}", m.name, m.value);
    }
    println!("wall {:.1} s", t.elapsed().as_secs_f64());
    assert!(o.report.all_goals_met());
}
