//! The life-science tasks run end to end through the runner and learn what they claim.

use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions};
use ai4s_life::motifs::pwm::parse_meme;
use ai4s_life::{Dbtl, Motifs};

fn get(o: &ai4s_core::run::RunOutcome, name: &str) -> f64 {
    o.report
        .get(name)
        .unwrap_or_else(|| panic!("metric {name} missing"))
}

#[test]
fn dbtl_loop_reaches_top_designs_with_half_the_random_screening() {
    let d = tempfile::tempdir().expect("tempdir");
    // Seed 5 was not used to choose the defaults.
    let mut o = RunOptions::quick_into(d.path(), &["seeds=20"]);
    o.seed = Some(5);
    let out = run_task(&Dbtl, &o).expect("runs");
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    let ratio = get(&out, "loop_designs_vs_random");
    assert!(ratio <= 0.5, "loop needs {ratio} of random's designs");
    // Random screening's waiting time for 1 % hits: 1 - 0.99^n = 1/2 at n ~ 69.
    let exact = get(&out, "random_median_designs_to_top_exact");
    assert!((60.0..=75.0).contains(&exact), "{exact}");
    let simulated = get(&out, "random_median_designs_to_top");
    assert!(
        (simulated - exact).abs() < 35.0,
        "simulated {simulated} vs {exact}"
    );
    // At the full budget the loop is far ahead of a random library of the same size.
    assert!(get(&out, "loop_fraction_reaching_top") >= 0.8);
    assert!(
        get(&out, "loop_median_best_relative_at_budget")
            > get(&out, "random_median_best_relative_at_budget") + 0.2
    );
    for f in [
        "best_vs_designs.svg",
        "rounds.png",
        "metrics.csv",
        "summary.json",
    ] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}

#[test]
fn motifs_cnn_beats_kmers_and_recovers_the_planted_motif() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&Motifs, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    let (cnn, kmer) = (get(&out, "cnn_auc"), get(&out, "kmer_auc"));
    assert!(cnn >= kmer && cnn > 0.9, "CNN {cnn}, k-mers {kmer}");
    assert!(get(&out, "motif_correlation") >= 0.8);
    // More information in the motif makes it easier to find, for both methods.
    for m in ["cnn", "kmer"] {
        let (lo, hi) = (
            get(&out, &format!("{m}_auc_8_bits")),
            get(&out, &format!("{m}_auc_18_bits")),
        );
        assert!(hi > lo + 0.05, "{m}: 8 bits {lo}, 18 bits {hi}");
    }
    // More training data does not hurt the k-mer model (many more parameters than the CNN).
    assert!(get(&out, "kmer_auc_2000_train") > get(&out, "kmer_auc_500_train"));
    // The learned PWMs are on disk in MEME format, one per motif, rows summing to one.
    let meme = std::fs::read_to_string(d.path().join("learned_motifs.meme")).expect("meme");
    let motifs = parse_meme(&meme);
    assert_eq!(motifs.len(), 3);
    assert!(motifs.iter().all(|(_, p)| {
        p.width() == 16
            && p.cols
                .iter()
                .all(|c| (c.iter().sum::<f64>() - 1.0).abs() < 1e-4)
    }));
    let logos = std::fs::read_to_string(d.path().join("logos.svg")).expect("logos");
    assert_eq!(logos.matches("planted (").count(), 3);
    for f in [
        "roc.png",
        "motif_logo.svg",
        "auc_vs_information.png",
        "cnn.bpk",
    ] {
        assert!(d.path().join(f).exists(), "{f}");
    }
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    let cases: [(&dyn ai4s_core::DynTask, &str, &str); 6] = [
        (&Dbtl, "levels=[8, 8, 6, 4, 9]", "levels"),
        (&Dbtl, "batch=1", "batch"),
        (&Dbtl, "rounds=400", "rounds"),
        (&Motifs, "filter_width=2", "filter_width"),
        (&Motifs, "bits_sweep=[30.0]", "bits_sweep"),
        (&Motifs, "size_sweep=[5000]", "size_sweep"),
    ];
    for (task, set, field) in cases {
        let dir = d.path().join(field);
        match run_task(task, &RunOptions::quick_into(&dir, &[set])) {
            Err(Error::Config { field: f, .. }) => assert_eq!(f, field, "{set}"),
            other => panic!("{set}: expected a config error, got {:?}", other.err()),
        }
        assert!(!dir.exists(), "nothing is left behind for {set}");
    }
}
