//! The contacts task on a user's own files: an A3M alignment with known contacts (learning),
//! contacts from a tiny PDB structure, and the refusals of malformed input.

use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions};
use ai4s_life::Contacts;
use ai4s_life::contacts::byo::{read_alignment, read_known};
use ai4s_life::contacts::fold::{ContactMap, Fold};
use ai4s_life::contacts::msa::ALPHABET;
use ai4s_life::contacts::potts::{Potts, Sampling};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn opts(dir: &Path, sets: &[String]) -> RunOptions {
    RunOptions {
        out: Some(dir.to_path_buf()),
        quick: true,
        quiet: true,
        sets: sets.to_vec(),
        ..Default::default()
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write test file");
    p
}

fn set(key: &str, path: &Path) -> String {
    format!("{key}={}", path.display())
}

/// A simulated family of a small three-helix bundle (34 residues; 1000 independent Gibbs
/// chains over 6 residue classes, written as amino-acid letters) as an A3M file, with
/// ColabFold's first line, lower-case insertions and `.` in every fifth row; and its fold.
fn simulated_a3m(dir: &Path, n: usize) -> (PathBuf, Fold, ContactMap) {
    let fold = Fold::three_helix_bundle(10, 2, 10.0);
    let truth = fold.contact_map(8.0);
    let potts = Potts::planted(&truth, 6, 1.0, 1.0, 7);
    let how = Sampling {
        chains: n,
        burn_in: 100,
        thin: 1,
    };
    let seqs = potts.sample(n, how, 8);
    let mut text = format!("#{}\t1\n", fold.len());
    for (k, s) in seqs.iter().enumerate() {
        let mut row = String::new();
        for (i, &a) in s.iter().enumerate() {
            row.push(ALPHABET[a as usize] as char);
            if k % 5 == 4 && i == 5 {
                row.push_str("kle");
            }
            if k % 5 == 4 && i == 12 {
                row.push_str("..");
            }
        }
        writeln!(text, ">seq{k} sampled\n{row}").expect("string");
    }
    (write(dir, "family.a3m", &text), fold, truth)
}

#[test]
fn plmdca_learns_the_known_contacts_of_an_own_a3m_alignment() {
    let d = tempfile::tempdir().expect("tempdir");
    let (msa, fold, truth) = simulated_a3m(d.path(), 1000);
    // The known contacts in all three forms of the list.
    let mut list = String::from("# true contacts of the bundle\ni,j\n");
    for (n, (i, j)) in truth.pairs(1).into_iter().enumerate() {
        match n % 3 {
            0 => writeln!(list, "{} {}", i + 1, j + 1),
            1 => writeln!(list, "{},{}", i + 1, j + 1),
            _ => writeln!(list, "{}\t{}\t{:.2}", i + 1, j + 1, fold.distance(i, j)),
        }
        .expect("string");
    }
    writeln!(list, "1 30 25.0  # far apart: not a contact").expect("string");
    let contacts = write(d.path(), "known.txt", &list);
    let out_dir = d.path().join("run");
    let out = run_task(
        &Contacts,
        &opts(&out_dir, &[set("msa", &msa), set("contacts", &contacts)]),
    )
    .expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("metric {name} missing"))
    };
    assert_eq!(get("residues"), 34.0);
    assert_eq!(get("q"), 21.0);
    assert_eq!(get("sequences"), 1000.0);
    assert_eq!(get("contacts_all"), truth.pairs(1).len() as f64);
    // Measured (M_eff 201): precision at L/2 plmDCA 1.000, MI 0.941; at L 0.824 vs 0.647.
    let (plm, mi) = (get("plmdca_precision_at_L2"), get("mi_precision_at_L2"));
    assert!(plm >= 0.9 && plm >= mi, "at L/2: plmDCA {plm}, MI {mi}");
    let (plm, mi) = (get("plmdca_precision_at_L"), get("mi_precision_at_L"));
    assert!(plm >= 0.7 && plm >= mi + 0.1, "at L: plmDCA {plm}, MI {mi}");
    assert!(out.report.all_goals_met(), "{:?}", out.report.metrics);
    // The ranked list: 1-based query columns, their letters, score, known flag; best first.
    let tsv = std::fs::read_to_string(out_dir.join("contacts_plmdca.tsv")).expect("tsv");
    let mut lines = tsv.lines();
    assert_eq!(lines.next(), Some("i\tj\taa_i\taa_j\tscore\tknown"));
    let rows: Vec<Vec<&str>> = lines.map(|r| r.split('\t').collect()).collect();
    assert_eq!(rows.len(), (34 - 6) * (34 - 5) / 2);
    let query: Vec<char> = std::fs::read_to_string(&msa)
        .expect("a3m")
        .lines()
        .nth(2)
        .expect("query")
        .chars()
        .collect();
    let score = |r: &Vec<&str>| r[4].parse::<f64>().expect("score");
    for r in &rows {
        let (i, j): (usize, usize) = (r[0].parse().expect("i"), r[1].parse().expect("j"));
        assert!(i >= 1 && j <= 34 && j - i >= 6);
        assert_eq!(r[2], query[i - 1].to_string());
        assert_eq!(r[5] == "1", truth.contact(i - 1, j - 1));
    }
    assert!(rows.windows(2).all(|w| score(&w[0]) >= score(&w[1])));
    // The alignment as fitted has no insertions left.
    let fitted = std::fs::read_to_string(out_dir.join("alignment.fa")).expect("fa");
    assert!(
        fitted
            .lines()
            .filter(|l| !l.starts_with('>'))
            .all(|l| l.len() == 34)
    );
    assert!(out_dir.join("contact_map.svg").exists());
    assert!(out_dir.join("precision_vs_rank.png").exists());
    assert!(!out_dir.join("precision_vs_sequences.png").exists());
}

#[test]
fn without_known_contacts_only_predictions_are_reported() {
    let d = tempfile::tempdir().expect("tempdir");
    let (msa, _, _) = simulated_a3m(d.path(), 200);
    let out_dir = d.path().join("run");
    let out = run_task(
        &Contacts,
        &opts(&out_dir, &[set("msa", &msa), "steps=20".into()]),
    )
    .expect("runs");
    assert!(out.report.get("plmdca_precision_at_L2").is_none());
    assert!(out.report.get("mi_precision_at_L").is_none());
    assert!(
        out.report
            .skipped
            .iter()
            .any(|s| s.name == "plmdca_precision_at_L2")
    );
    assert!(out.report.metrics.iter().all(|m| m.goal.is_none()));
    let tsv = std::fs::read_to_string(out_dir.join("contacts_mi.tsv")).expect("tsv");
    assert!(tsv.starts_with("i\tj\taa_i\taa_j\tscore\n"));
    assert!(out_dir.join("contact_map.svg").exists());
}

/// A PDB line: an atom of a residue of a chain at `x`.
fn atom(record: &str, name: &str, alt: char, res: &str, chain: char, num: usize, x: f64) -> String {
    format!(
        "{record:<6}{:>5} {name:<4}{alt}{res:>3} {chain}{num:>4}    {x:>8.3}{:>8.3}{:>8.3}  1.00  0.00           C\n",
        1, 0.0, 0.0
    )
}

/// Five residues `AGLSK` whose contact atoms lie on the x axis at 0, 5, 20, 26 and 12.5 A
/// (glycine at its C-alpha, leucine's C-alpha far from its C-beta); a second model and a
/// chain B that must be ignored, an alternate location, a water.
fn tiny_pdb() -> String {
    let mut s = String::from("HEADER    TEST\nMODEL        1\n");
    for (res, num, ca, cb) in [
        ("ALA", 1, 1.5, Some(0.0)),
        ("GLY", 2, 5.0, None),
        ("LEU", 3, 7.0, Some(20.0)),
        ("SER", 4, 27.5, Some(26.0)),
        ("LYS", 5, 13.0, Some(12.5)),
    ] {
        s += &atom("ATOM", "N", ' ', res, 'A', num, ca - 1.0);
        s += &atom("ATOM", "CA", ' ', res, 'A', num, ca);
        if let Some(cb) = cb {
            s += &atom("ATOM", "CB", 'A', res, 'A', num, cb);
            s += &atom("ATOM", "CB", 'B', res, 'A', num, 100.0);
        }
    }
    s += &atom("ATOM", "CB", ' ', "ALA", 'B', 1, 3.0);
    s += &atom("HETATM", "O", ' ', "HOH", 'A', 101, 5.5);
    s += "ENDMDL\nMODEL        2\n";
    s += &atom("ATOM", "CB", ' ', "ALA", 'A', 1, 50.0);
    s + "ENDMDL\nEND\n"
}

#[test]
fn a_tiny_pdb_gives_exactly_the_expected_contacts() {
    let d = tempfile::tempdir().expect("tempdir");
    let msa = write(d.path(), "q.fa", ">q query\nAGLSK\n>s\nAG-SR\n");
    let own = read_alignment(&msa).expect("alignment");
    let pdb = write(d.path(), "tiny.pdb", &tiny_pdb());
    let known = read_known(&pdb, &own, 8.0, None, 1).expect("contacts");
    assert_eq!(known.map.pairs(1), vec![(0, 1), (1, 4), (2, 3), (2, 4)]);
    assert!(known.source.contains("chain A"), "{}", known.source);
    // Detected by its ATOM records without the extension, too; chain B is a single residue.
    let renamed = write(d.path(), "tiny.txt", &tiny_pdb());
    assert_eq!(
        read_known(&renamed, &own, 8.0, None, 1)
            .expect("contacts")
            .map
            .pairs(1),
        known.map.pairs(1)
    );
    let e = read_known(&pdb, &own, 8.0, Some('B'), 1)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("chain `B` has 1 residues but the query `q` has 5"),
        "{e}"
    );
    let e = read_known(&pdb, &own, 8.0, Some('C'), 1)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("no ATOM records of chain `C`") && e.contains("`A`, `B`"),
        "{e}"
    );
    // A residue that is not the query's letter is refused naming the column.
    let other = write(d.path(), "o.fa", ">q\nAGLTK\n>s\nAG-SR\n");
    let own = read_alignment(&other).expect("alignment");
    let e = read_known(&pdb, &own, 8.0, None, 1)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("residue SER 4 of chain `A` is `S`, but query column 4 is `T`"),
        "{e}"
    );
}

/// Runs with `sets` and returns the error, checking its exit code and that nothing is left.
fn refused(dir: &Path, sets: &[String]) -> String {
    let out = dir.join("refused");
    let e: Error = run_task(&Contacts, &opts(&out, sets))
        .err()
        .unwrap_or_else(|| panic!("{sets:?} should be refused"));
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(!out.exists(), "nothing is left behind for {sets:?}");
    e.to_string()
}

#[test]
fn malformed_files_are_refused_naming_file_record_and_line() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path();
    let good = write(p, "good.fa", ">q\nAGLSKAGLSK\n>s\nAGLSKAG-SK\n");
    for (name, text, want) in [
        (
            "short.fa",
            ">q\nAGLSKAGLSK\n>s1\nAGLSKAGLSK\n>s2 x\nAGLSKaaaGL\n",
            vec![
                "short.fa, line 5",
                "record `s2` has 7 match columns",
                "the query `q` (first record) has 10",
            ],
        ),
        (
            "star.fa",
            ">q\nAGLSKAGLSK\n>s\nAGL*KAGLSK\n",
            vec![
                "star.fa, line 3",
                "record `s`, position 4",
                "`*` is not an amino-acid letter",
            ],
        ),
        (
            "digit.a3m",
            ">q\nAGLSKAGLSK\n>s\nAGLSKaa1GLSK\n",
            vec![
                "digit.a3m",
                "record `s`, position 8",
                "`1` is not an amino-acid letter",
            ],
        ),
        (
            "headless.fa",
            "AGLSKAGLSK\n>q\nAGLSKAGLSK\n",
            vec!["headless.fa, line 1", "before the first header"],
        ),
        ("one.fa", ">q\nAGLSKAGLSK\n", vec!["one.fa", "1 sequence"]),
        (
            "lower.a3m",
            ">q\nagl\n>s\nAGL\n",
            vec!["lower.a3m", "0 match column(s)"],
        ),
    ] {
        let path = write(p, name, text);
        let e = refused(p, &[set("msa", &path)]);
        for w in want {
            assert!(e.contains(w), "{name}: `{w}` not in: {e}");
        }
    }
    // Known contacts: a PDB of the wrong length, a malformed list line.
    let pdb = write(p, "tiny.pdb", &tiny_pdb());
    let e = refused(p, &[set("msa", &good), set("contacts", &pdb)]);
    assert!(
        e.contains("tiny.pdb")
            && e.contains("has 5 residues but the query `q` has 10 match columns"),
        "{e}"
    );
    let list = write(p, "bad.txt", "# pairs\n1 8\n2 nine\n");
    let e = refused(p, &[set("msa", &good), set("contacts", &list)]);
    assert!(
        e.contains("bad.txt, line 3") && e.contains("`nine` is not a residue number"),
        "{e}"
    );
    let list = write(p, "near.txt", "1 3\n");
    let e = refused(p, &[set("msa", &good), set("contacts", &list)]);
    assert!(e.contains("no known contact with |i - j| >= 6"), "{e}");
    // Settings: a missing file, contacts without an alignment.
    let e = refused(p, &["msa=/no/such/file.a3m".into()]);
    assert!(e.contains("`msa`") && e.contains("no such file"), "{e}");
    let e = refused(p, &[set("contacts", &list)]);
    assert!(
        e.contains("`contacts`") && e.contains("set msa=FILE"),
        "{e}"
    );
}
