//! The motifs task on a biologist's own FASTA files: a planted AP-1 site (`TGACTCA`) is learned
//! from bound and unbound sequences of mixed length with soft-masked and `N` bases, the learned
//! motifs come back as MEME and JASPAR files; one labelled file works the same; and bad files
//! are refused as input errors (exit code 2) naming the file, line, record and position.

use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions};
use ai4s_life::Motifs;
use ai4s_life::motifs::pwm::{parse_jaspar, parse_meme};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::path::Path;

const SITE: &str = "TGACTCA";
const SITE_RC: &str = "TGAGTCA";

fn opts(dir: &Path, sets: &[String]) -> RunOptions {
    RunOptions {
        out: Some(dir.to_path_buf()),
        quick: true,
        quiet: true,
        sets: sets.to_vec(),
        ..Default::default()
    }
}

/// The default network with a faster schedule and a small baseline: a run takes seconds.
fn small(extra: &[String]) -> Vec<String> {
    let mut s: Vec<String> = [
        "train.epochs=100",
        "train.patience=15",
        "train.lr=0.01",
        "train.batch_size=32",
        "kmer_sizes=[4, 5]",
        "kmer_l2=[10.0, 1.0]",
        "kmer_steps=100",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    s.extend_from_slice(extra);
    s
}

/// A random sequence of 80-150 bases, with a soft-masked (lower-case) stretch and an
/// occasional `N`; with `site`, one `TGACTCA` on either strand at a random position.
fn sequence(rng: &mut StdRng, site: bool) -> String {
    loop {
        let len = rng.random_range(80..=150);
        let mut s: Vec<char> = (0..len)
            .map(|_| ['A', 'C', 'G', 'T'][rng.random_range(0..4)])
            .collect();
        if site {
            let pos = rng.random_range(0..=len - SITE.len());
            let w = if rng.random::<bool>() { SITE } else { SITE_RC };
            for (k, c) in w.chars().enumerate() {
                s[pos + k] = c;
            }
        } else {
            let text: String = s.iter().collect();
            if text.contains(SITE) || text.contains(SITE_RC) {
                continue;
            }
        }
        if rng.random::<f64>() < 0.3 {
            let start = rng.random_range(0..len - 20);
            for c in &mut s[start..start + 20] {
                *c = c.to_ascii_lowercase();
            }
        }
        if rng.random::<f64>() < 0.2 {
            let at = rng.random_range(0..len);
            s[at] = 'N';
        }
        return s.into_iter().collect();
    }
}

/// FASTA text with sequence lines of 60 letters.
fn record(header: &str, seq: &str) -> String {
    let mut out = format!(">{header}\n");
    for chunk in seq.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(chunk).expect("ascii"));
        out.push('\n');
    }
    out
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write fasta");
}

fn two_files(dir: &Path, per_class: usize, seed: u64) -> (String, String) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut pos, mut neg) = (String::new(), String::new());
    for i in 0..per_class {
        pos += &record(
            &format!("peak{i} chr1:{}-{}", i * 1000, i * 1000 + 150),
            &sequence(&mut rng, true),
        );
        neg += &record(&format!("bg{i}"), &sequence(&mut rng, false));
    }
    let (p, n) = (dir.join("bound.fa"), dir.join("unbound.fa"));
    write(&p, &pos);
    write(&n, &neg);
    (p.display().to_string(), n.display().to_string())
}

fn consensus(cols: &[[f64; 4]]) -> String {
    cols.iter()
        .map(|c| {
            let b = (0..4).max_by(|&x, &y| c[x].total_cmp(&c[y])).unwrap_or(0);
            ['A', 'C', 'G', 'T'][b]
        })
        .collect()
}

#[test]
fn a_planted_site_is_learned_from_two_fasta_files_and_written_as_meme_and_jaspar() {
    let d = tempfile::tempdir().expect("tempdir");
    let (pos, neg) = two_files(d.path(), 200, 1);
    let out_dir = d.path().join("run");
    let sets = small(&[format!("positives={pos}"), format!("negatives={neg}")]);
    let out = run_task(&Motifs, &opts(&out_dir, &sets)).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let (cnn, kmer) = (get("cnn_auc"), get("kmer_auc"));
    println!("own data: CNN AUC {cnn:.3}, k-mer AUC {kmer:.3}");
    assert!(cnn >= 0.9, "CNN test AUC {cnn}");
    // Stratified 70/10/20 split of 200 + 200.
    assert_eq!(get("test_positives"), 40.0);
    assert_eq!(get("test_negatives"), 40.0);
    assert_eq!(get("val_positives"), 20.0);
    assert_eq!(get("train_positives") + get("train_negatives"), 280.0);
    assert!(get("ambiguous_bases") > 0.0);
    // No planted motif: its goals are skipped with a reason, not claimed; no sweeps ran.
    assert!(
        out.report
            .skipped
            .iter()
            .any(|s| s.name == "motif_correlation")
    );
    assert!(out.report.get("motif_correlation").is_none());
    assert!(out.report.get("cnn_auc_500_train").is_none());

    let meme = std::fs::read_to_string(out_dir.join("learned_motifs.meme")).expect("meme");
    let motifs = parse_meme(&meme);
    assert_eq!(motifs.len(), 3);
    assert!(motifs.iter().all(|(_, p)| p.width() == 16));
    // The best filter's consensus holds the site (at least six of its seven bases, on either
    // strand: the filter may hang over the site's end).
    let best = consensus(&motifs[0].1.cols);
    assert!(
        [SITE, SITE_RC]
            .iter()
            .any(|s| best.contains(&s[..6]) || best.contains(&s[1..])),
        "best filter's consensus {best}"
    );

    let jaspar = std::fs::read_to_string(out_dir.join("learned_motifs.jaspar")).expect("jaspar");
    let blocks: Vec<Vec<&str>> = jaspar
        .split('>')
        .skip(1)
        .map(|b| b.lines().filter(|l| !l.trim().is_empty()).collect())
        .collect();
    assert_eq!(blocks.len(), 3);
    for b in &blocks {
        assert_eq!(b.len(), 5, "header and four rows: {b:?}");
        assert!(b[0].starts_with("learned_"));
        for (row, base) in b[1..].iter().zip(["A", "C", "G", "T"]) {
            let inner = row
                .strip_prefix(base)
                .and_then(|r| r.trim().strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or_else(|| panic!("row {row}"));
            let values: Vec<f64> = inner
                .split_whitespace()
                .map(|v| v.parse().expect("number"))
                .collect();
            assert_eq!(values.len(), 16);
        }
    }
    let back = parse_jaspar(&jaspar);
    assert_eq!(back.len(), 3);
    for ((_, j), (_, m)) in back.iter().zip(&motifs) {
        for (a, b) in j.cols.iter().zip(&m.cols) {
            assert!((0..4).all(|k| (a[k] - b[k]).abs() < 0.01));
        }
    }
    let splits = std::fs::read_to_string(out_dir.join("splits.csv")).expect("splits");
    assert_eq!(splits.lines().count(), 1 + 400);
    for f in ["logos.svg", "roc.png", "cnn.bpk", "summary.json"] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
}

#[test]
fn one_fasta_with_labels_in_the_headers_runs() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(2);
    let mut text = String::from("; bound and unbound, labels in the headers\n");
    for i in 0..200 {
        let bound = i % 2 == 0;
        let header = match i % 6 {
            0 | 1 => format!("s{i} chr2:{i} label={}", u8::from(bound)),
            2 | 3 => format!("s{i}|label={}|x", u8::from(bound)),
            _ => format!("s{i} peak {}", if bound { "pos" } else { "neg" }),
        };
        text += &record(&header, &sequence(&mut rng, bound));
    }
    let file = d.path().join("labelled.fa");
    write(&file, &text);
    let out_dir = d.path().join("run");
    let sets = small(&[format!("sequences={}", file.display())]);
    let out = run_task(&Motifs, &opts(&out_dir, &sets)).expect("runs");
    let get = |name: &str| out.report.get(name).unwrap_or(f64::NAN);
    let positives: f64 = ["train", "val", "test"]
        .iter()
        .map(|p| get(&format!("{p}_positives")))
        .sum();
    assert_eq!(positives, 100.0);
    assert_eq!(get("test_negatives"), 20.0);
    println!("labelled file: CNN AUC {:.3}", get("cnn_auc"));
    assert!(get("cnn_auc") > 0.8, "{}", get("cnn_auc"));
    assert!(out_dir.join("learned_motifs.jaspar").exists());
}

/// Runs with `sets` and returns the error, checking that it is an input error (exit code 2)
/// and that nothing is left behind.
fn refused(dir: &Path, name: &str, sets: &[String]) -> Error {
    let out = dir.join(format!("run_{name}"));
    let err = match run_task(&Motifs, &opts(&out, &small(sets))) {
        Err(e) => e,
        Ok(_) => panic!("{name}: expected a refusal"),
    };
    println!("{name}: {err}");
    assert_eq!(err.exit_code(), 2, "{name}: {err}");
    assert!(!out.exists(), "{name}: nothing is left behind");
    err
}

#[test]
fn bad_files_are_refused_naming_file_line_record_and_position() {
    let d = tempfile::tempdir().expect("tempdir");
    let (pos, neg) = two_files(d.path(), 12, 3);
    let with = |p: &str, n: &str| vec![format!("positives={p}"), format!("negatives={n}")];

    // Sequence text before any header.
    let headless = d.path().join("headless.fa");
    write(&headless, "ACGTACGTACGTACGTACGT\n>r1\nACGT\n");
    let e = refused(
        d.path(),
        "headless",
        &with(&headless.display().to_string(), &neg),
    );
    let msg = e.to_string();
    assert!(
        msg.contains("headless.fa, line 1") && msg.contains("before the first header"),
        "{msg}"
    );

    // A letter that is not DNA, at base 37 of the third record (header on line 5).
    let mut rng = StdRng::seed_from_u64(4);
    let mut text = String::new();
    for i in 0..12 {
        let mut s = sequence(&mut rng, true);
        if i == 2 {
            s.replace_range(36..37, "X");
        }
        text += &record(&format!("peak{i}"), &s);
    }
    let bad = d.path().join("bad_letter.fa");
    write(&bad, &text);
    let line = text.lines().position(|l| l == ">peak2").expect("record") + 1;
    let e = refused(d.path(), "letter", &with(&bad.display().to_string(), &neg));
    let msg = e.to_string();
    assert!(
        msg.contains(&format!(
            "bad_letter.fa, line {line}: record `peak2`, position 37: `X`"
        )),
        "{msg}"
    );

    // One labelled file with a record that has no label.
    let mut text = String::new();
    for i in 0..24 {
        let header = if i == 5 {
            format!("r{i} chr1 peak")
        } else {
            format!("r{i} label={}", i % 2)
        };
        text += &record(&header, &sequence(&mut rng, i % 2 == 1));
    }
    let unlabelled = d.path().join("unlabelled.fa");
    write(&unlabelled, &text);
    let line = text
        .lines()
        .position(|l| l.starts_with(">r5 "))
        .expect("r5")
        + 1;
    let e = refused(
        d.path(),
        "label",
        &[format!("sequences={}", unlabelled.display())],
    );
    let msg = e.to_string();
    assert!(
        msg.contains(&format!(
            "unlabelled.fa, line {line}: record `r5` has no label"
        )),
        "{msg}"
    );

    // A file that does not exist: a config error naming the field.
    let missing = d.path().join("missing.fa").display().to_string();
    match refused(d.path(), "missing", &with(&pos, &missing)) {
        Error::Config { field, message } => {
            assert_eq!(field, "negatives");
            assert!(
                message.contains("no such file") && message.contains("missing.fa"),
                "{message}"
            );
        }
        other => panic!("expected a config error, got {other}"),
    }
    // Only one of the two files.
    match refused(d.path(), "half", &[format!("positives={pos}")]) {
        Error::Config { field, .. } => assert_eq!(field, "negatives"),
        other => panic!("expected a config error, got {other}"),
    }

    // Too few sequences of a class.
    let few = d.path().join("few.fa");
    let mut text = String::new();
    for i in 0..5 {
        text += &record(&format!("p{i}"), &sequence(&mut rng, true));
    }
    write(&few, &text);
    let e = refused(d.path(), "few", &with(&few.display().to_string(), &neg));
    let msg = e.to_string();
    assert!(
        msg.contains("few.fa") && msg.contains("only 5 bound"),
        "{msg}"
    );

    // A sequence shorter than the filters.
    let short = d.path().join("short.fa");
    write(
        &short,
        &format!(
            "{}>tiny\nACGTACGT\n",
            std::fs::read_to_string(&pos).expect("pos")
        ),
    );
    let e = refused(d.path(), "short", &with(&short.display().to_string(), &neg));
    let msg = e.to_string();
    assert!(
        msg.contains("record `tiny` has 8 bases, fewer than the filter width 16"),
        "{msg}"
    );
}
