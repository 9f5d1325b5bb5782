//! First-principles-style data: generated, written in DeePMD and extended-XYZ formats, read
//! back unchanged, and refused with file and line when malformed.

use ai4s::core::RunOptions;
use ai4s::core::run::run_task;
use ai4s::potential::{GenerateData, deepmd, xyz};
use std::path::Path;

fn generate(dir: &Path) {
    let opts = RunOptions {
        out: Some(dir.to_path_buf()),
        quick: true,
        quiet: true,
        sets: vec!["labeller=sw".into(), "frames_per_temperature=4".into()],
        ..Default::default()
    };
    let o = run_task(&GenerateData, &opts).expect("generation runs");
    assert_eq!(o.report.get("frames"), Some(12.0));
    assert!(o.report.all_goals_met());
}

#[test]
fn generated_data_round_trips_through_every_format() {
    let d = tempfile::tempdir().expect("tempdir");
    generate(d.path());
    let from_raw_or_npy =
        deepmd::read_system(&d.path().join("train"), None).expect("deepmd system reads");
    assert_eq!(from_raw_or_npy.type_map, vec!["Si".to_string()]);
    assert_eq!(from_raw_or_npy.natoms(), 64);
    let from_xyz = xyz::read(&d.path().join("train.xyz")).expect("xyz reads");
    assert_eq!(from_xyz.frames.len(), from_raw_or_npy.frames.len());
    for (a, b) in from_xyz.frames.iter().zip(&from_raw_or_npy.frames) {
        assert!((a.energy.expect("energy") - b.energy.expect("energy")).abs() < 1e-8);
        let fa = a.forces.as_ref().expect("forces");
        let fb = b.forces.as_ref().expect("forces");
        assert!(
            fa.iter()
                .flatten()
                .zip(fb.iter().flatten())
                .all(|(x, y)| (x - y).abs() < 1e-8)
        );
        assert!(
            a.virial
                .expect("virial")
                .iter()
                .flatten()
                .zip(b.virial.expect("virial").iter().flatten())
                .all(|(x, y)| (x - y).abs() < 1e-8)
        );
    }
    // Raw files alone (no set.*) read the same frames as the npy set.
    std::fs::remove_dir_all(d.path().join("train/set.000")).expect("remove set");
    let from_raw = deepmd::read_system(&d.path().join("train"), None).expect("raw reads");
    assert_eq!(from_raw.frames.len(), from_raw_or_npy.frames.len());
    assert!((from_raw.frames[0].pos[5][1] - from_raw_or_npy.frames[0].pos[5][1]).abs() < 1e-10);
    // Written again and read again: the data that was written, value for value.
    deepmd::write_system(&d.path().join("again"), &from_raw).expect("write");
    let again = deepmd::read_system(&d.path().join("again"), None).expect("read");
    assert_eq!(again, from_raw);
    // And not equal to something else: one changed force is seen.
    let mut changed = from_raw.clone();
    if let Some(f) = changed.frames[0].forces.as_mut() {
        f[0][0] += 1e-3;
    }
    assert_ne!(again, changed);
}

#[test]
fn ase_style_xyz_with_classic_keys_and_stress_is_read() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("ase.xyz");
    std::fs::write(
        &p,
        "2\nLattice=\"4.0 0.0 0.0 0.0 4.0 0.0 0.0 0.0 4.0\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-7.5 stress=\"0.01 0 0 0 0.01 0 0 0 0.01\" pbc=\"T T T\"\nO 0.0 0.0 0.0 0.1 0.2 0.3\nH 0.9 0.0 0.0 -0.1 -0.2 -0.3\n",
    )
    .expect("write");
    let s = xyz::read(&p).expect("reads");
    assert_eq!(s.type_map, vec!["O".to_string(), "H".to_string()]);
    assert_eq!(s.types, vec![0, 1]);
    let f = &s.frames[0];
    assert_eq!(f.energy, Some(-7.5));
    assert_eq!(f.forces.as_ref().expect("forces")[1], [-0.1, -0.2, -0.3]);
    assert!(
        (f.virial.expect("virial")[0][0] + 0.01 * 64.0).abs() < 1e-12,
        "virial = -stress x volume"
    );
}

#[test]
fn malformed_files_name_the_file_line_and_expectation() {
    let d = tempfile::tempdir().expect("tempdir");
    generate(d.path());
    let sys = d.path().join("test");
    std::fs::remove_dir_all(sys.join("set.000")).expect("use raw files");
    let coord = std::fs::read_to_string(sys.join("coord.raw")).expect("coord");
    let mut lines: Vec<String> = coord.lines().map(str::to_owned).collect();
    // Line 2 loses its last number.
    let short: Vec<&str> = lines[1].split_whitespace().collect();
    lines[1] = short[..short.len() - 1].join(" ");
    std::fs::write(sys.join("coord.raw"), lines.join("\n")).expect("write");
    let e = deepmd::read_system(&sys, None)
        .expect_err("short row")
        .to_string();
    assert!(
        e.contains("coord.raw")
            && e.contains("line 2")
            && e.contains("has 191 numbers, expected 192"),
        "{e}"
    );

    std::fs::write(sys.join("coord.raw"), coord).expect("restore");
    let energy = std::fs::read_to_string(sys.join("energy.raw")).expect("energy");
    std::fs::write(
        sys.join("energy.raw"),
        energy.lines().skip(1).collect::<Vec<_>>().join("\n"),
    )
    .expect("drop a frame");
    let e = deepmd::read_system(&sys, None)
        .expect_err("frame mismatch")
        .to_string();
    assert!(
        e.contains("energy has") && e.contains("frames but coord has"),
        "{e}"
    );
    std::fs::write(
        sys.join("energy.raw"),
        energy.replacen(char::is_numeric, "x", 1),
    )
    .expect("garbage");
    assert!(
        deepmd::read_system(&sys, None)
            .expect_err("not a number")
            .to_string()
            .contains("line 1")
    );

    let bad = d.path().join("bad.xyz");
    std::fs::write(
        &bad,
        "3\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3\nSi 0 0 0\nSi 1 1 1\n",
    )
    .expect("write");
    let e = xyz::read(&bad).expect_err("truncated").to_string();
    assert!(
        e.contains("bad.xyz") && e.contains("expected 3 atom lines"),
        "{e}"
    );
    std::fs::write(
        &bad,
        "2\nLattice=\"4 0 0 0 4 0 0 0 4\"\nSi 0 0 0\nSi 0 0 0\n",
    )
    .expect("write");
    let e = xyz::read(&bad).expect_err("duplicated atom").to_string();
    assert!(
        e.contains("bad.xyz") && e.contains("frame 1") && e.contains("same position"),
        "{e}"
    );
    std::fs::write(
        &bad,
        "2\nLattice=\"1 0 0 2 0 0 0 0 1\"\nSi 0 0 0\nSi 0.5 0 0\n",
    )
    .expect("write");
    assert!(
        xyz::read(&bad)
            .expect_err("flat cell")
            .to_string()
            .contains("volume")
    );
    std::fs::write(&bad, "\u{0}\u{1}binary garbage\n").expect("write");
    assert!(
        xyz::read(&bad)
            .expect_err("garbage")
            .to_string()
            .contains("line 1")
    );
}
