//! The contacts task: the Potts sampler, the pseudo-likelihood, APC and MI on hand cases, and
//! contact recovery end to end through the runner.

use ai4s_core::burn::tensor::Device;
use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions};
use ai4s_life::Contacts;
use ai4s_life::contacts::fold::{ContactMap, Fold};
use ai4s_life::contacts::mi::mutual_information;
use ai4s_life::contacts::msa::Msa;
use ai4s_life::contacts::plm::{Plm, PlmData, objective};
use ai4s_life::contacts::potts::{Potts, Sampling};
use ai4s_life::contacts::scores::{apc, frobenius_zero_sum, precision_at, ranked};

fn device() -> Device {
    Device::flex()
}

fn values<const D: usize>(t: ai4s_core::burn::tensor::Tensor<D>) -> Vec<f64> {
    ai4s_core::tensor::to_vec(t).expect("tensor values")
}

/// A chain of three two-state positions with both couplings and fields.
fn tiny() -> Potts {
    let mut p = Potts::zeros(3, 2);
    p.h = vec![0.3, -0.2, 0.0, 0.5, -0.4, 0.1];
    p.set_block(0, 1, &[0.8, -0.3, -0.5, 0.6]);
    p.set_block(1, 2, &[-0.7, 0.4, 0.2, 0.9]);
    p.set_block(0, 2, &[0.1, 0.0, 0.0, -0.2]);
    p
}

#[test]
fn gibbs_updates_satisfy_detailed_balance_and_sample_the_boltzmann_law() {
    let p = tiny();
    let exact = p.exact();
    assert_eq!(exact.len(), 8);
    assert!((exact.iter().map(|e| e.1).sum::<f64>() - 1.0).abs() < 1e-12);
    // Detailed balance of the heat-bath update at every site: P(s) K(s -> s') = P(s') K(s' -> s)
    // for s' differing from s at position i only.
    for (s, ps) in &exact {
        for i in 0..3 {
            let mut t = s.clone();
            t[i] = 1 - s[i];
            let pt = exact.iter().find(|e| e.0 == t).expect("state").1;
            let forward = ps * p.conditional(s, i)[t[i] as usize];
            let backward = pt * p.conditional(&t, i)[s[i] as usize];
            assert!((forward - backward).abs() < 1e-12, "{s:?} <-> {t:?}");
        }
    }
    // Empirical frequencies of 40 000 thinned samples against the Boltzmann probabilities.
    let how = Sampling {
        chains: 8,
        burn_in: 50,
        thin: 2,
    };
    let n = 40_000;
    let seqs = p.sample(n, how, 11);
    for (s, prob) in &exact {
        let f = seqs.iter().filter(|x| *x == s).count() as f64 / n as f64;
        // Five binomial standard deviations (inflated by a little autocorrelation).
        let tol = 5.0 * (prob * (1.0 - prob) / n as f64).sqrt() + 2e-3;
        assert!((f - prob).abs() < tol, "{s:?}: {f} vs {prob}");
    }
}

#[test]
fn pseudo_likelihood_matches_the_conditionals_and_its_gradient_at_zero() {
    let p = tiny();
    let msa = Msa {
        seqs: vec![vec![0, 1, 1], vec![1, 1, 0], vec![0, 0, 0]],
        q: 2,
    };
    let w = [1.0, 0.5, 0.5];
    let d = device();
    // At the planted parameters, without penalties: -(1/M_eff) sum_n w_n sum_i ln P(s_ni | rest).
    let model = Plm::from_values(&p.h, &p.j, &d);
    let data = PlmData::new(&msa, &w, &d);
    let got = values(objective(&model, &data, 0.0, 0.0))[0];
    let mut want = 0.0;
    for (s, wn) in msa.seqs.iter().zip(w) {
        for i in 0..3 {
            want -= wn * p.conditional(s, i)[s[i] as usize].ln();
        }
    }
    want /= 2.0;
    assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    // The penalties add lambda |h|^2 + lambda |J|^2 (J counted in both orders, diagonal masked).
    let h2: f64 = p.h.iter().map(|v| v * v).sum();
    let j2: f64 = p.j.iter().map(|v| v * v).sum();
    let pen = values(objective(&model, &data, 0.1, 0.2))[0] - got;
    assert!((pen - (0.1 * h2 + 0.2 * j2)).abs() < 1e-5, "{pen}");

    // At zero parameters the objective is L ln q and its field gradient is 1/q - f_i(a).
    let ad = d.clone().autodiff();
    let zero = Plm::zeros(3, 2, &ad);
    let data = PlmData::new(&msa, &w, &ad);
    let loss = objective(&zero, &data, 0.0, 0.0);
    assert!((values(loss.clone())[0] - 3.0 * 2f64.ln()).abs() < 1e-5);
    let grads = loss.backward();
    let gh = values(zero.h.val().grad(&grads).expect("field gradient"));
    let f0 = [(1.0 + 0.5) / 2.0, 0.5 / 2.0, 1.0 / 2.0]; // weighted frequency of state 0
    for i in 0..3 {
        assert!((gh[2 * i] - (0.5 - f0[i])).abs() < 1e-5, "{gh:?}");
        assert!(
            (gh[2 * i + 1] - (0.5 - (1.0 - f0[i]))).abs() < 1e-5,
            "{gh:?}"
        );
    }
}

#[test]
fn apc_mi_and_the_gauge_on_hand_cases() {
    // APC: S_ij - S_i. S_.j / S_.. on a 3 x 3 matrix.
    let s = vec![
        vec![0.0, 1.0, 2.0],
        vec![1.0, 0.0, 3.0],
        vec![2.0, 3.0, 0.0],
    ];
    let a = apc(&s);
    // Row means 1.5, 2, 2.5; overall mean 2.
    assert!((a[0][1] - (1.0 - 1.5 * 2.0 / 2.0)).abs() < 1e-12);
    assert!((a[1][2] - (3.0 - 2.0 * 2.5 / 2.0)).abs() < 1e-12);
    assert_eq!(a[1][1], 0.0);
    // MI: column 1 copies column 0 (ln 2 with uniform states), column 2 is independent of both.
    let msa = Msa {
        seqs: vec![vec![0, 0, 0], vec![0, 0, 1], vec![1, 1, 0], vec![1, 1, 1]],
        q: 2,
    };
    let mi = mutual_information(&msa, &[1.0; 4], 0.0, &device()).expect("mi");
    assert!((mi[0][1] - 2f64.ln()).abs() < 1e-6, "{}", mi[0][1]);
    assert!(mi[0][2].abs() < 1e-6 && mi[1][2].abs() < 1e-6);
    // A pseudocount shrinks MI towards zero.
    let shrunk = mutual_information(&msa, &[1.0; 4], 0.5, &device()).expect("mi");
    assert!(shrunk[0][1] < mi[0][1] && shrunk[0][1] > 0.0);
    // A block that a field could absorb (depends on a only) has zero norm in the zero-sum gauge.
    let mut p = Potts::zeros(2, 2);
    p.set_block(0, 1, &[1.0, 1.0, -2.0, -2.0]);
    assert!(frobenius_zero_sum(&p.j, 2, 2)[0][1] < 1e-12);
    p.set_block(0, 1, &[1.0, -1.0, -1.0, 1.0]);
    assert!((frobenius_zero_sum(&p.j, 2, 2)[0][1] - 2.0).abs() < 1e-12);
}

#[test]
fn reweighting_and_precision_count_what_they_should() {
    // Two identical sequences share a weight of 1/2 each; a distant one keeps weight 1.
    let msa = Msa {
        seqs: vec![
            vec![0, 1, 2, 3, 0],
            vec![0, 1, 2, 3, 0],
            vec![3, 2, 1, 0, 3],
        ],
        q: 4,
    };
    let w = msa.weights(0.8, &device()).expect("weights");
    assert_eq!(w, vec![0.5, 0.5, 1.0]);
    // Ranking honours the separation cut and precision counts hits among the top k.
    let mut map = vec![vec![false; 8]; 8];
    map[0][7] = true;
    map[7][0] = true;
    let truth = ContactMap { map };
    let mut s = vec![vec![0.0; 8]; 8];
    s[0][7] = 2.0;
    s[7][0] = 2.0;
    s[2][3] = 5.0; // too close to count
    s[3][2] = 5.0;
    s[1][7] = 1.0;
    s[7][1] = 1.0;
    let r = ranked(&s, 6);
    assert_eq!((r[0].i, r[0].j), (0, 7));
    assert!(r.iter().all(|p| p.j - p.i >= 6));
    assert_eq!(precision_at(&r, &truth, 1), 1.0);
    assert_eq!(precision_at(&r, &truth, 2), 0.5);
}

#[test]
fn the_bundle_has_long_range_contacts_between_helices_only() {
    let fold = Fold::three_helix_bundle(14, 3, 10.0);
    assert_eq!(fold.len(), 48);
    // Neighbours along the chain are 3.8-ish A apart in a helix (C-beta: within 8 A).
    let map = fold.contact_map(8.0);
    assert!(map.contact(0, 1) && map.contact(0, 3));
    let long = map.pairs(6);
    assert!(long.len() >= 48, "{} long-range contacts", long.len());
    assert!(
        long.iter()
            .all(|&(i, j)| fold.ss[i] == 'L' || fold.ss[j] == 'L' || i / 17 != j / 17)
    );
}

#[test]
fn plmdca_finds_the_contacts_and_beats_mutual_information() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&Contacts, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("metric {name} missing"))
    };
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    let (plm, mi) = (get("plmdca_precision_at_L2"), get("mi_precision_at_L2"));
    assert!(plm >= 0.8 && plm > mi, "plmDCA {plm}, MI {mi}");
    // The planted couplings rank the contacts perfectly; plmDCA improves with more data.
    assert_eq!(get("planted_precision_at_L"), 1.0);
    assert!(get("plmdca_precision_at_L2") > get("plmdca_precision_at_L2_100_seqs"));
    let meff = get("effective_sequences");
    assert!(meff > 100.0 && meff <= get("sequences"), "{meff}");
    // The ranked list is on disk: a header, then 1-based pairs at separation >= 6, best first.
    let tsv = std::fs::read_to_string(d.path().join("contacts_plmdca.tsv")).expect("tsv");
    let rows: Vec<Vec<f64>> = tsv
        .lines()
        .skip(1)
        .map(|r| r.split('\t').map(|v| v.parse().expect("number")).collect())
        .collect();
    assert_eq!(rows.len(), (48 - 6) * (48 - 5) / 2);
    assert!(rows.iter().all(|r| r[1] - r[0] >= 6.0 && r[0] >= 1.0));
    assert!(rows.windows(2).all(|w| w[0][2] >= w[1][2]));
    for f in [
        "contact_map.svg",
        "precision_vs_sequences.png",
        "precision_vs_rank.png",
        "coupling_recovery.png",
        "alignment.fa",
        "summary.json",
    ] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    for (set, field) in [
        ("q=12", "q"),
        ("size_sweep=[5000]", "size_sweep"),
        ("identity=0.0", "identity"),
        ("min_separation=30", "min_separation"),
    ] {
        let dir = d.path().join(field);
        match run_task(&Contacts, &RunOptions::quick_into(&dir, &[set])) {
            Err(Error::Config { field: f, .. }) => assert_eq!(f, field, "{set}"),
            other => panic!("{set}: expected a config error, got {:?}", other.err()),
        }
        assert!(!dir.exists(), "nothing is left behind for {set}");
    }
}
