//! The trigger task: the event generator's physics (resonance peak, falling QCD spectrum,
//! pile-up), the int8 network against the float one, the learning claims on held-out events,
//! and refusals of bad configs.

use ai4s_core::device::{Precision, test_device};
use ai4s_core::mlp::{Activation, MlpConfig};
use ai4s_core::run::run_task;
use ai4s_core::testkit::check_refusals;
use ai4s_core::{RunOptions, TaskConfig};
use ai4s_science::Trigger;
use ai4s_science::trigger::{
    Dense, FloatNet, Generator, N_FEATURES, QuantNet, TriggerConfig, dequantize, export,
    feature_index, fixed_point, predict, quantize,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

fn col(name: &str) -> usize {
    feature_index(name).unwrap_or_else(|| panic!("feature {name}"))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Counts of `values` in bins of `width` from `lo`.
fn histogram(values: &[f64], lo: f64, width: f64, bins: usize) -> Vec<usize> {
    let mut h = vec![0; bins];
    for &v in values {
        let b = ((v - lo) / width).floor();
        if b >= 0.0 && (b as usize) < bins {
            h[b as usize] += 1;
        }
    }
    h
}

#[test]
fn trigger_signal_peaks_at_the_resonance_and_qcd_falls_steeply() {
    let cfg = TriggerConfig::quick();
    let generator = Generator::new(&cfg).expect("valid config");
    let mut rng = StdRng::seed_from_u64(3);
    let events = generator
        .sample(20_000, 20_000, &mut rng, None)
        .expect("events");
    let mjj = col("mjj");
    let pick = |signal: bool, f: usize| -> Vec<f64> {
        events
            .iter()
            .filter(|e| e.signal == signal)
            .map(|e| e.features[f])
            .collect()
    };
    // After smearing and pile-up the signal's dijet mass still peaks near M.
    let m = cfg.resonance_mass;
    let sig = pick(true, mjj);
    let h = histogram(&sig, 0.5 * m, 0.02 * m, 75);
    let mode = h
        .iter()
        .enumerate()
        .max_by_key(|p| *p.1)
        .map(|(i, _)| 0.5 * m + (i as f64 + 0.5) * 0.02 * m)
        .expect("bins");
    assert!((mode - m).abs() < 0.1 * m, "signal m_jj peak at {mode}");
    let within = sig.iter().filter(|&&v| (v - m).abs() < 0.2 * m).count();
    assert!(
        within as f64 > 0.8 * sig.len() as f64,
        "{within} within 20 %"
    );
    // QCD: above the preselection turn-on every 200 GeV bin holds fewer events than the last,
    // and the spectrum falls at least as fast as m^-3.
    let bkg = pick(false, mjj);
    let h = histogram(&bkg, 1000.0, 200.0, 6);
    assert!(h.windows(2).all(|w| w[1] < w[0]), "QCD m_jj bins {h:?}");
    let slope = (h[5] as f64 / h[0] as f64).ln() / (2100.0f64 / 1100.0).ln();
    assert!(slope < -3.0, "QCD spectrum slope {slope}");
    // The resonance decays centrally, QCD scatters forward.
    let deta = col("deta");
    assert!(mean(&pick(true, deta)) + 0.8 < mean(&pick(false, deta)));
    // Substructure: signal jets are heavier and more two-pronged than QCD jets.
    assert!(mean(&pick(true, col("tau21_1"))) < mean(&pick(false, col("tau21_1"))) - 0.05);
    // The truth-level Breit-Wigner is centred on M.
    let mut parton: Vec<f64> = (0..4000)
        .map(|_| generator.truth(true, &mut rng).expect("truth").parton_mass)
        .collect();
    parton.sort_by(f64::total_cmp);
    let median = parton[parton.len() / 2];
    assert!(
        (median - m).abs() < 0.2 * cfg.resonance_width,
        "parton mass median {median}"
    );
}

#[test]
fn trigger_pileup_raises_ht_by_the_expected_amount() {
    let cfg = TriggerConfig::quick();
    let generator = Generator::new(&cfg).expect("valid config");
    let mut rng = StdRng::seed_from_u64(11);
    let n = 20_000;
    let mu = 40u64;
    let (ht, mj, nv) = (col("ht"), col("mj1"), col("n_vertices"));
    let (mut diff, mut jets, mut mass, mut vertices) = (Vec::new(), Vec::new(), Vec::new(), 0.0);
    for i in 0..n {
        let truth = generator.truth(i % 2 == 0, &mut rng).expect("truth");
        let clean = generator.reconstruct(&truth, Some(0), &mut rng);
        let piled = generator.reconstruct(&truth, Some(mu), &mut rng);
        assert_eq!(clean.features[nv], 0.0);
        diff.push(piled.features[ht] - clean.features[ht]);
        mass.push(piled.features[mj] - clean.features[mj]);
        jets.push((2 + truth.extra.len()) as f64);
        vertices += piled.features[nv];
    }
    // Every jet picks up Gamma(mu, p_PU) of transverse momentum, mean mu p_PU, and the
    // energy scale factor has mean one: HT rises by mu p_PU per jet on average.
    let expected = mu as f64 * cfg.pileup_jet_pt * mean(&jets);
    let (shift, sd) = (
        mean(&diff),
        (diff.iter().map(|d| (d - mean(&diff)).powi(2)).sum::<f64>() / n as f64).sqrt(),
    );
    let se = sd / (n as f64).sqrt();
    assert!(
        (shift - expected).abs() < 4.0 * se + 0.01 * expected,
        "HT shift {shift:.2} +- {se:.2}, expected {expected:.2}"
    );
    assert!(mean(&mass) > 0.0, "pile-up inflates jet masses");
    let eff = vertices / (n as f64 * mu as f64);
    assert!(
        (eff - cfg.vertex_efficiency).abs() < 0.01,
        "vertex efficiency {eff}"
    );
    // Without an override the number of vertices is Poisson with mean pileup_mean.
    let pileup: Vec<f64> = (0..5000)
        .map(|_| {
            let t = generator.truth(false, &mut rng).expect("truth");
            generator.reconstruct(&t, None, &mut rng).pileup as f64
        })
        .collect();
    let (m, var) = (
        mean(&pileup),
        pileup
            .iter()
            .map(|p| (p - mean(&pileup)).powi(2))
            .sum::<f64>()
            / 5000.0,
    );
    assert!((m - cfg.pileup_mean).abs() < 0.5, "mean vertices {m}");
    assert!(
        (var / m - 1.0).abs() < 0.1,
        "Poisson: variance {var} vs mean {m}"
    );
}

/// A random ReLU network `d_in - hidden... - 1` with He-initialised weights.
fn random_net(widths: &[usize], rng: &mut StdRng) -> FloatNet {
    let layers = widths
        .windows(2)
        .map(|w| {
            let sd = (2.0 / w[0] as f64).sqrt();
            Dense {
                d_in: w[0],
                d_out: w[1],
                w: (0..w[0] * w[1])
                    .map(|_| (sd * rng.sample::<f64, _>(StandardNormal)) as f32)
                    .collect(),
                b: (0..w[1])
                    .map(|_| (0.1 * rng.sample::<f64, _>(StandardNormal)) as f32)
                    .collect(),
            }
        })
        .collect();
    FloatNet::new(layers).expect("consistent widths")
}

fn normal_rows(n: usize, d: usize, rng: &mut StdRng) -> Vec<Vec<f32>> {
    (0..n)
        .map(|_| {
            (0..d)
                .map(|_| rng.sample::<f64, _>(StandardNormal) as f32)
                .collect()
        })
        .collect()
}

#[test]
fn trigger_int8_network_tracks_the_float_network() {
    let mut rng = StdRng::seed_from_u64(7);
    let net = random_net(&[16, 32, 32, 1], &mut rng);
    let calibration = normal_rows(5000, 16, &mut rng);
    let inputs = normal_rows(5000, 16, &mut rng);
    let q = QuantNet::quantize(&net, &calibration, 100.0).expect("quantised");
    let f: Vec<f64> = net.scores(&inputs).into_iter().map(f64::from).collect();
    let i: Vec<f64> = q.scores(&inputs).into_iter().map(f64::from).collect();
    let (mf, mi) = (mean(&f), mean(&i));
    let (mut sfi, mut sff, mut sii) = (0.0, 0.0, 0.0);
    for (a, b) in f.iter().zip(&i) {
        sfi += (a - mf) * (b - mi);
        sff += (a - mf) * (a - mf);
        sii += (b - mi) * (b - mi);
    }
    let corr = sfi / (sff * sii).sqrt();
    let spread = (sff / f.len() as f64).sqrt();
    let max_diff = f
        .iter()
        .zip(&i)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let rms_diff =
        (f.iter().zip(&i).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / f.len() as f64).sqrt();
    assert!(corr > 0.99, "correlation {corr}");
    assert!(
        rms_diff < 0.05 * spread,
        "rms diff {rms_diff} vs spread {spread}"
    );
    assert!(
        max_diff < 0.25 * spread,
        "max diff {max_diff} vs spread {spread}"
    );
    // The ranking barely moves: the top 1 % by float score is mostly the top 1 % by int8.
    let top = |s: &[f64]| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..s.len()).collect();
        idx.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
        idx.truncate(s.len() / 100);
        idx.sort_unstable();
        idx
    };
    let (tf, ti) = (top(&f), top(&i));
    let shared = tf.iter().filter(|k| ti.binary_search(k).is_ok()).count();
    assert!(
        shared as f64 >= 0.85 * tf.len() as f64,
        "{shared} of {}",
        tf.len()
    );
}

#[test]
fn trigger_quantisation_round_trips_within_half_a_step() {
    let mut rng = StdRng::seed_from_u64(5);
    for s in [0.0137f32, 0.37, 3.0] {
        for _ in 0..10_000 {
            let r = rng.random_range(-127.0 * s..127.0 * s);
            let back = dequantize(quantize(r, 1.0 / s), s);
            assert!(
                (back - r).abs() <= 0.5 * s * (1.0 + 1e-5),
                "scale {s}: {r} -> {back}"
            );
        }
        assert_eq!(quantize(1e6 * s, 1.0 / s), 127);
        assert_eq!(quantize(-1e6 * s, 1.0 / s), -127);
        assert_eq!(quantize(0.49 * s, 1.0 / s), 0);
        assert_eq!(quantize(-0.51 * s, 1.0 / s), -1);
    }
    // Requantisation multipliers: 31 significant bits.
    for m in [1e-7, 3.3e-4, 0.0123, 0.5, 0.999, 1.7, 250.0] {
        let (mult, shift) = fixed_point(m);
        let back = f64::from(mult) / 2f64.powi(shift as i32);
        assert!((back / m - 1.0).abs() < 1e-8, "{m}: {mult} / 2^{shift}");
        assert!(mult >= 1 << 30 && (1..=62).contains(&shift), "{m}");
    }
}

/// The integer pipeline in 64-bit arithmetic, from the network's public fields.
fn reference_i64(q: &QuantNet, x: &[f32]) -> f64 {
    let s_x = f64::from(q.input_scale());
    let mut act: Vec<i64> = x
        .iter()
        .map(|&v| (f64::from(v) / s_x).round().clamp(-127.0, 127.0) as i64)
        .collect();
    let last = q.layers.len() - 1;
    for (k, l) in q.layers.iter().enumerate() {
        let acc: Vec<i64> = (0..l.d_out)
            .map(|j| {
                (0..l.d_in)
                    .map(|i| i64::from(l.w[i * l.d_out + j]) * act[i])
                    .sum::<i64>()
                    + i64::from(l.bias[j])
            })
            .collect();
        if k == last {
            return acc[0] as f64 * f64::from(l.in_scale) * f64::from(l.w_scale[0]);
        }
        act = acc
            .iter()
            .zip(&l.mult)
            .map(|(&a, &m)| {
                ((a.max(0) * i64::from(m) + (1i64 << (l.shift - 1))) >> l.shift).min(127)
            })
            .collect();
    }
    f64::NAN
}

#[test]
fn trigger_int32_accumulators_cannot_overflow() {
    let mut rng = StdRng::seed_from_u64(9);
    let net = random_net(&[16, 32, 32, 1], &mut rng);
    let calibration = normal_rows(500, 16, &mut rng);
    let q = QuantNet::quantize(&net, &calibration, 100.0).expect("quantised");
    let bound = q.accumulator_bound();
    assert!(
        bound > 0 && bound < i64::from(i32::MAX) / 100,
        "bound {bound}"
    );
    for l in &q.layers {
        let widest = l.d_in as i64 * 127 * 127;
        let bias = l
            .bias
            .iter()
            .map(|b| i64::from(*b).abs())
            .max()
            .unwrap_or(0);
        assert!(
            widest + bias < i64::from(i32::MAX),
            "layer {}x{}",
            l.d_in,
            l.d_out
        );
    }
    // Inputs that drive the first layer's accumulators to their extremes (every input code
    // at +-127 with the sign of a weight column), far outside the calibration range: the
    // int32 engine agrees exactly with a 64-bit reference.
    let l0 = &q.layers[0];
    let s_x = q.input_scale();
    for j in 0..l0.d_out {
        for sign in [1.0f32, -1.0] {
            let x: Vec<f32> = (0..l0.d_in)
                .map(|i| sign * 1e3 * s_x * f32::from(l0.w[i * l0.d_out + j].signum()))
                .collect();
            let got = f64::from(q.scores(std::slice::from_ref(&x))[0]);
            let want = reference_i64(&q, &x);
            assert!(
                (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
    }
    // The widest layer a config accepts (4096 inputs) stays below 2^31 in the worst case.
    let wide = random_net(&[4096, 1], &mut rng);
    let q = QuantNet::quantize(&wide, &normal_rows(50, 4096, &mut rng), 100.0).expect("wide");
    assert!(q.accumulator_bound() < i64::from(i32::MAX));
}

#[test]
fn trigger_exported_network_matches_burn() {
    let device = test_device(Precision::F32, 4);
    let model = MlpConfig {
        hidden: vec![32, 32],
        activation: Activation::Relu,
    }
    .init(N_FEATURES, 1, &device);
    let net = export(&model).expect("exported");
    let mut rng = StdRng::seed_from_u64(2);
    let x = normal_rows(300, N_FEATURES, &mut rng);
    let rows: Vec<usize> = (0..x.len()).collect();
    let burn = predict(&model, &x, &rows, &device).expect("burn forward");
    for (a, b) in net.scores(&x).iter().zip(&burn) {
        assert!((f64::from(*a) - b).abs() < 1e-4, "{a} vs {b}");
    }
}

#[test]
fn trigger_network_beats_box_cuts_and_survives_int8() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&Trigger, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    let (float, int8, cuts) = (
        get("float_signal_efficiency"),
        get("int8_signal_efficiency"),
        get("cuts_signal_efficiency"),
    );
    assert!((0.3..0.9).contains(&float), "float efficiency {float}");
    assert!(
        float > cuts + 0.05 && int8 > cuts + 0.05,
        "{float} {int8} {cuts}"
    );
    assert!((float - int8).abs() < 0.01, "{float} vs {int8}");
    assert!(get("float_auc") > get("cuts_auc"));
    assert!(get("int8_float_logit_correlation") > 0.99);
    assert!(get("array_vs_burn_max_abs_logit_diff") < 1e-3);
    // The box holds the background near the target on held-out events.
    assert!((get("cuts_background_acceptance") - 0.01).abs() < 0.003);
    // Latencies are measured and reported (never asserted against a speed).
    for name in [
        "float_latency_ns",
        "int8_latency_ns",
        "int8_events_per_second",
    ] {
        assert!(get(name).is_finite() && get(name) > 0.0, "{name}");
    }
    let table = std::fs::read_to_string(d.path().join("test_scores.csv")).expect("scores");
    assert_eq!(table.lines().count() as f64, 1.0 + get("test_events"));
    for name in [
        "roc.png",
        "roc.svg",
        "feature_mjj.png",
        "int8_vs_float.png",
        "network.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn trigger_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &Trigger,
        d.path(),
        &[
            ("events=0", "events", "must be 2000"),
            ("target_acceptance=1.5", "target_acceptance", "(0, 1)"),
            ("target_acceptance=0.0", "target_acceptance", "(0, 1)"),
            (
                "target_acceptance=1e-6",
                "target_acceptance",
                "below 10 events",
            ),
            ("signal_fraction=1.0", "signal_fraction", "(0, 1)"),
            ("resonance_mass=200.0", "resonance_mass", "pt_min"),
            (
                "background_mass_range=[3000.0, 500.0]",
                "background_mass_range",
                "low < high",
            ),
            ("background_slope=0.5", "background_slope", "exceed 1"),
            ("mlp.activation=\"tanh\"", "mlp.activation", "relu"),
            (
                "calibration_percentile=30.0",
                "calibration_percentile",
                "(50, 100]",
            ),
            ("cut_features=0", "cut_features", "1..=14"),
        ],
    )
    .expect("bad configs are refused naming the field");
    assert!(TriggerConfig::default().validate().is_ok());
    assert!(TriggerConfig::quick().validate().is_ok());
}
