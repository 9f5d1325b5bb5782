//! Hostile input: every reader of outside data refuses malformed files with an error that names
//! the file, the line or frame, and what was expected, with exit code 2, never a panic, and the
//! command line leaves no partial run directory behind.

use ai4s::core::Result;
use ai4s::core::data::Table;
use ai4s::potential::{deepmd, npy, xyz};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The error of `r`, which must be a user-input error (exit code 2) mentioning every needle.
fn refused<T: std::fmt::Debug>(r: Result<T>, needles: &[&str]) -> String {
    let e = r.expect_err("bad input must be refused");
    let s = e.to_string();
    assert_eq!(e.exit_code(), 2, "bad input should exit 2: {s}");
    for n in needles {
        assert!(s.contains(n), "expected `{n}` in: {s}");
    }
    s
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, bytes).expect("write");
    p
}

/// A .npy file with a hand-written header dictionary and raw data bytes.
fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_owned();
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(data);
    b
}

/// Files of a fixture to replace (`None` removes one).
type Files<'a> = Vec<(&'a str, Option<&'a str>)>;

const BOX: &str = "5 0 0 0 5 0 0 0 5\n";

/// A valid raw DeePMD system of 2 Si atoms and 3 frames, with `files` replaced (None removes).
fn deepmd_system(root: &Path, name: &str, files: &[(&str, Option<&str>)]) -> PathBuf {
    let dir = root.join(name);
    let mut all: Vec<(&str, Option<String>)> = vec![
        ("type.raw", Some("0 0\n".into())),
        ("type_map.raw", Some("Si\n".into())),
        (
            "coord.raw",
            Some("0 0 0 1 1 1\n0.1 0 0 1 1.1 1\n0 0.2 0 1 1 1.2\n".into()),
        ),
        ("box.raw", Some(BOX.repeat(3))),
        ("energy.raw", Some("-8.1\n-8.0\n-7.9\n".into())),
        ("force.raw", Some("0.1 0 0 -0.1 0 0\n".repeat(3))),
    ];
    for (f, content) in files {
        match all.iter_mut().find(|(n, _)| n == f) {
            Some(slot) => slot.1 = content.map(str::to_owned),
            None => all.push((f, content.map(str::to_owned))),
        }
    }
    for (f, content) in all {
        if let Some(c) = content {
            write(&dir, f, c);
        }
    }
    dir
}

#[test]
fn the_valid_fixtures_read() {
    let d = tempfile::tempdir().expect("tempdir");
    let s = deepmd::read_system(&deepmd_system(d.path(), "ok", &[]), None).expect("valid system");
    assert_eq!((s.natoms(), s.frames.len()), (2, 3));
    let x = write(
        d.path(),
        "ok.xyz",
        "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\nSi 0 0 0 0 0 0\nSi 1 1 1 0 0 0\n",
    );
    assert_eq!(xyz::read(&x).expect("valid xyz").frames.len(), 1);
}

#[test]
fn deepmd_raw_bad_cases() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    let cases: Vec<(&str, Files, Vec<&str>)> = vec![
        (
            "empty_types",
            vec![("type.raw", Some(""))],
            vec!["type.raw", "no atoms"],
        ),
        (
            "negative_type",
            vec![("type.raw", Some("0 -1\n"))],
            vec!["type.raw", "entry 2", "atom type"],
        ),
        (
            "huge_type_no_map",
            vec![
                ("type.raw", Some("0 18446744073709551615\n")),
                ("type_map.raw", None),
            ],
            vec!["type.raw", "entry 2", "atom type"],
        ),
        (
            "type_without_name",
            vec![("type.raw", Some("0 1\n"))],
            vec!["type 1 has no name"],
        ),
        (
            "truncated_coord",
            vec![("coord.raw", Some("0 0 0 1 1 1\n0.1 0 0 1 1.1 1\n0 0.2 0 1"))],
            vec!["coord.raw", "line 3", "has 4 numbers, expected 6"],
        ),
        (
            "nan_coord",
            vec![(
                "coord.raw",
                Some("0 0 0 1 1 1\nnan 0 0 1 1.1 1\n0 0.2 0 1 1 1.2\n"),
            )],
            vec!["coord.raw", "line 2", "`nan` is not a finite number"],
        ),
        (
            "inf_energy",
            vec![("energy.raw", Some("-8.1\n1e999\n-7.9\n"))],
            vec!["energy.raw", "line 2", "not a finite number"],
        ),
        (
            "huge_coord",
            vec![(
                "coord.raw",
                Some("0 0 0 1 1 1\n1e300 0 0 1 1.1 1\n0 0.2 0 1 1 1.2\n"),
            )],
            vec!["frame 2", "coordinate 1", "magnitude below"],
        ),
        (
            "huge_force",
            vec![(
                "force.raw",
                Some("0.1 0 0 -0.1 0 0\n0.1 0 0 -0.1 0 0\n1e200 0 0 0 0 0\n"),
            )],
            vec!["frame 3", "force 1", "magnitude below"],
        ),
        (
            "empty_coord",
            vec![("coord.raw", Some(""))],
            vec!["box.raw", "box has 3 frames but coord has 0"],
        ),
        (
            "no_frames_at_all",
            vec![
                ("coord.raw", Some("")),
                ("box.raw", Some("")),
                ("energy.raw", Some("")),
                ("force.raw", Some("\n")),
            ],
            vec!["no frames"],
        ),
        (
            "fewer_energies",
            vec![("energy.raw", Some("-8.1\n-8.0\n"))],
            vec!["energy.raw", "energy has 2 frames but coord has 3"],
        ),
        (
            "more_forces",
            vec![("force.raw", Some("0.1 0 0 -0.1 0 0\n".repeat(4).leak()))],
            vec!["force.raw", "force has 4 frames but coord has 3"],
        ),
        (
            "zero_volume",
            vec![(
                "box.raw",
                Some("5 0 0 0 5 0 0 0 5\n5 0 0 5 0 0 0 0 5\n5 0 0 0 5 0 0 0 5\n"),
            )],
            vec!["frame 2", "cell volume"],
        ),
        (
            "negative_volume",
            vec![(
                "box.raw",
                Some("5 0 0 0 5 0 0 0 5\n5 0 0 0 5 0 0 0 5\n5 0 0 0 5 0 0 0 -5\n"),
            )],
            vec!["frame 3", "cell volume"],
        ),
        (
            "duplicate_atoms",
            vec![(
                "coord.raw",
                Some("0 0 0 1 1 1\n1 1 1 1 1 1\n0 0.2 0 1 1 1.2\n"),
            )],
            vec!["frame 2", "atoms 1 and 2 are at the same position"],
        ),
        (
            "duplicate_through_the_boundary",
            vec![(
                "coord.raw",
                Some("0 0 0 1 1 1\n0 0 0 5 5 5\n0 0.2 0 1 1 1.2\n"),
            )],
            vec!["frame 2", "same position"],
        ),
        ("no_box", vec![("box.raw", None)], vec!["no box", "nopbc"]),
        (
            "binary_garbage",
            vec![(
                "coord.raw",
                Some("0 0 0 1 1 1\n\u{0}\u{1}\u{2}\u{7f}garbage\n"),
            )],
            vec!["coord.raw", "line 2"],
        ),
    ];
    for (name, files, needles) in cases {
        let dir = deepmd_system(root, name, &files);
        let s = refused(deepmd::read_system(&dir, None), &needles);
        assert!(
            s.contains(name),
            "{name}: the error should name the system: {s}"
        );
    }
    // Bytes that are not UTF-8 text at all.
    let dir = deepmd_system(root, "not_utf8", &[]);
    write(&dir, "box.raw", [0xffu8, 0xfe, 0x00, 0x13, b'\n']);
    refused(
        deepmd::read_system(&dir, None),
        &["box.raw", "line 1", "not UTF-8"],
    );
    refused(
        deepmd::read_system(&root.join("does_not_exist"), None),
        &["does_not_exist", "not a directory"],
    );
}

#[test]
fn npy_header_and_data_bad_cases() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    let f8 = |vals: &[f64]| {
        vals.iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    let dict = |descr: &str, shape: &str| {
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}")
    };
    let ok = f8(&[0.0; 6]);
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("empty", Vec::new(), vec!["magic"]),
        (
            "garbage",
            b"\x00\x01binary garbage here".to_vec(),
            vec!["magic"],
        ),
        (
            "truncated_header",
            b"\x93NUMPY\x01\x00\xff\x00{'descr'".to_vec(),
            vec!["header runs past the end"],
        ),
        (
            "truncated_data",
            npy_bytes(&dict("<f8", "(1, 6)"), &ok[..40]),
            vec!["header says 6 values"],
        ),
        (
            "int_dtype",
            npy_bytes(&dict("<i8", "(1, 6)"), &ok),
            vec!["dtype `<i8`", "float64 or float32"],
        ),
        (
            "big_endian",
            npy_bytes(&dict(">f8", "(1, 6)"), &ok),
            vec!["dtype `>f8`"],
        ),
        (
            "fortran",
            npy_bytes(
                "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 6), }",
                &ok,
            ),
            vec!["Fortran"],
        ),
        (
            "shape_word",
            npy_bytes(&dict("<f8", "(1, six)"), &ok),
            vec!["shape entry `six`"],
        ),
        (
            "shape_overflow",
            npy_bytes(
                &dict("<f8", "(18446744073709551615, 18446744073709551615)"),
                &ok,
            ),
            vec!["overflows"],
        ),
        (
            "shape_times_width_wraps",
            npy_bytes(&dict("<f8", "(2305843009213693952,)"), &[]),
            vec!["header says"],
        ),
        (
            "no_shape",
            npy_bytes("{'descr': '<f8', }", &ok),
            vec!["no 'shape'"],
        ),
        (
            "version_9",
            b"\x93NUMPY\x09\x00\x10\x00".to_vec(),
            vec!["version 9"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let p = write(root, &format!("{name}.npy"), bytes);
        let s = refused(npy::read(&p), &needles);
        assert!(s.contains(&format!("{name}.npy")), "{s}");
    }

    // Inside a DeePMD set: wrong widths, mismatched frame counts, NaN, bad virials.
    let set_case = |name: &str, file: &str, bytes: Vec<u8>| {
        let dir = deepmd_system(root, name, &[]);
        let n = |v: &[f64], shape: &[usize], f: &str| {
            npy::write(&dir.join("set.000").join(f), v, shape).expect("npy write")
        };
        std::fs::create_dir_all(dir.join("set.000")).expect("mkdir");
        n(
            &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.1, 0.0, 0.0, 1.0, 1.0, 1.0],
            &[2, 6],
            "coord.npy",
        );
        n(
            &[5.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 5.0].repeat(2),
            &[2, 9],
            "box.npy",
        );
        n(&[-8.0, -8.1], &[2], "energy.npy");
        n(&[0.0; 12], &[2, 6], "force.npy");
        write(&dir.join("set.000"), file, bytes);
        dir
    };
    let dir = set_case(
        "set_ok",
        "virial.npy",
        npy_bytes(&dict("<f8", "(2, 9)"), &f8(&[0.0; 18])),
    );
    deepmd::read_system(&dir, None).expect("the set fixture is valid");
    let cases: Vec<(&str, &str, Vec<u8>, Vec<&str>)> = vec![
        (
            "set_wrong_width",
            "coord.npy",
            npy_bytes(&dict("<f8", "(3, 4)"), &f8(&[0.0; 12])),
            vec!["coord.npy", "shape [3, 4], expected (frames, 6)"],
        ),
        (
            "set_3d_shape",
            "force.npy",
            npy_bytes(&dict("<f8", "(2, 2, 3)"), &f8(&[0.0; 12])),
            vec!["force.npy", "expected (frames, 6)"],
        ),
        (
            "set_fewer_energies",
            "energy.npy",
            npy_bytes(&dict("<f8", "(1,)"), &f8(&[-8.0])),
            vec!["energy.npy", "energy has 1 frames but coord has 2"],
        ),
        (
            "set_nan_coord",
            "coord.npy",
            npy_bytes(
                &dict("<f8", "(2, 6)"),
                &f8(&[
                    0.0,
                    0.0,
                    0.0,
                    1.0,
                    1.0,
                    1.0,
                    0.1,
                    f64::NAN,
                    0.0,
                    1.0,
                    1.0,
                    1.0,
                ]),
            ),
            vec!["set_nan_coord", "frame 2", "coordinate"],
        ),
        (
            "set_inf_virial",
            "virial.npy",
            npy_bytes(
                &dict("<f8", "(2, 9)"),
                &f8(&[0.0, 0.0, f64::INFINITY].repeat(6)),
            ),
            vec!["set_inf_virial", "frame 1", "virial entry 3 is inf"],
        ),
        (
            "set_f4_truncated",
            "energy.npy",
            npy_bytes(&dict("<f4", "(2,)"), &[0, 0, 0, 0, 0]),
            vec!["energy.npy", "header says 2 values of 4 bytes"],
        ),
    ];
    for (name, file, bytes, needles) in cases {
        let dir = set_case(name, file, bytes);
        refused(deepmd::read_system(&dir, None), &needles);
    }
}

#[test]
fn extended_xyz_bad_cases() {
    let d = tempfile::tempdir().expect("tempdir");
    let head = "Lattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("empty", String::new(), vec!["no frames"]),
        ("blank", "\n\n  \n".into(), vec!["no frames"]),
        (
            "garbage",
            "\u{1}\u{2}binary garbage\n".into(),
            vec!["line 1", "expected the atom count of frame 1"],
        ),
        (
            "count_word",
            format!("two\n{head}\nSi 0 0 0\nSi 1 1 1\n"),
            vec!["line 1", "atom count"],
        ),
        (
            "count_negative",
            format!("-2\n{head}\nSi 0 0 0\nSi 1 1 1\n"),
            vec!["line 1", "atom count"],
        ),
        (
            "count_huge",
            format!("1000000000000000\n{head}\nSi 0 0 0\n"),
            vec![
                "file ends inside frame 1",
                "expected 1000000000000000 atom lines",
            ],
        ),
        (
            "count_zero",
            format!("0\n{head}\n"),
            vec!["line 1", "0 atoms"],
        ),
        (
            "truncated",
            format!("3\n{head}\nSi 0 0 0\nSi 1 1 1\n"),
            vec!["file ends inside frame 1", "expected 3 atom lines, found 2"],
        ),
        ("no_comment", "2\n".into(), vec!["file ends inside frame 1"]),
        (
            "short_row",
            format!("2\n{head}\nSi 0 0 0\nSi 1 1\n"),
            vec!["line 4", "has 3 columns, expected 4"],
        ),
        (
            "nan_position",
            format!("2\n{head}\nSi 0 0 0\nSi 1 NaN 1\n"),
            vec!["line 4", "`NaN` is not a finite number"],
        ),
        (
            "inf_energy",
            format!("2\n{head} energy=inf\nSi 0 0 0\nSi 1 1 1\n"),
            vec!["line 2", "energy"],
        ),
        (
            "huge_position",
            format!("2\n{head}\nSi 0 0 0\nSi 1e300 1 1\n"),
            vec!["frame 1", "coordinate 4", "magnitude below"],
        ),
        (
            "short_lattice",
            "2\nLattice=\"5 0 0 0 5 0 0 0\"\nSi 0 0 0\nSi 1 1 1\n".into(),
            vec!["line 2", "Lattice has 8 numbers, expected 9"],
        ),
        (
            "zero_volume",
            "2\nLattice=\"5 0 0 5 0 0 0 0 5\"\nSi 0 0 0\nSi 1 1 1\n".into(),
            vec!["frame 1", "cell volume"],
        ),
        (
            "left_handed",
            "2\nLattice=\"0 5 0 5 0 0 0 0 5\"\nSi 0 0 0\nSi 1 1 1\n".into(),
            vec!["frame 1", "cell volume"],
        ),
        (
            "pos_width_1",
            "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:1\nSi 0\nSi 1\n".into(),
            vec!["line 2", "`pos` has 1 entries, expected 3"],
        ),
        (
            "forces_width_2",
            format!("2\n{head}:forces:R:2\nSi 0 0 0 0 0\nSi 1 1 1 0 0\n"),
            vec!["line 2", "`forces` has 2 entries, expected 3"],
        ),
        (
            "columns_overflow",
            "1\nProperties=species:S:1:pos:R:3:x:R:18446744073709551615:y:R:2\nSi 0 0 0\n".into(),
            vec!["line 2", "more than 10000 columns"],
        ),
        (
            "properties_not_triples",
            "1\nProperties=species:S:1:pos:R\nSi 0 0 0\n".into(),
            vec!["line 2", "triples"],
        ),
        (
            "unterminated_quote",
            "1\nLattice=\"5 0 0 0 5 0 0 0 5\nSi 0 0 0\n".into(),
            vec!["line 2", "unterminated quote"],
        ),
        (
            "species_change",
            format!("2\n{head}\nSi 0 0 0\nSi 1 1 1\n2\n{head}\nSi 0 0 0\nGe 1 1 1\n"),
            vec!["line 5", "frame 2 has a different list of species"],
        ),
        (
            "duplicate_atoms",
            format!("3\n{head}\nSi 0 0 0\nSi 1 1 1\nSi 1 1 1\n"),
            vec!["frame 1", "atoms 2 and 3 are at the same position"],
        ),
    ];
    for (name, text, needles) in cases {
        let p = write(d.path(), &format!("{name}.xyz"), text);
        let s = refused(xyz::read(&p), &needles);
        assert!(s.contains(&format!("{name}.xyz")), "{s}");
    }
    let p = write(d.path(), "latin1.xyz", [b'2', b'\n', 0xe9, b'\n']);
    refused(xyz::read(&p), &["latin1.xyz", "line 2", "not UTF-8"]);
}

#[test]
fn csv_bad_cases() {
    let d = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, &[u8], Vec<&str>)> = vec![
        ("empty", b"", vec!["line 1", "empty file"]),
        ("header_only", b"a,b,y\n", vec!["no data rows"]),
        (
            "ragged",
            b"a,b,y\n1,2,3\n4,5\n",
            vec!["line 3", "2 fields, expected 3"],
        ),
        (
            "long_row",
            b"a,b,y\n1,2,3,4\n",
            vec!["line 2", "4 fields, expected 3"],
        ),
        (
            "nan",
            b"a,b,y\n1,2,3\nNaN,5,6\n",
            vec!["line 3", "column `a`", "not finite"],
        ),
        (
            "inf",
            b"a,b,y\n1,inf,3\n",
            vec!["line 2", "column `b`", "not finite"],
        ),
        (
            "overflow",
            b"a,b,y\n1,2,1e999\n",
            vec!["line 2", "column `y`", "not finite"],
        ),
        (
            "huge",
            b"a,b,y\n1,2,3\n1e300,5,6\n",
            vec!["line 3", "column `a`", "too large"],
        ),
        (
            "word",
            b"a,b,y\n1,two,3\n",
            vec!["line 2", "column `b`", "`two` is not a number"],
        ),
        (
            "garbage",
            b"\x00\x01\x02,\xff\xfe\n\x13\x37,\x00\n",
            vec!["line"],
        ),
        ("quote", b"a,b,y\n1,\"2,3\n", vec!["line"]),
    ];
    for (name, bytes, needles) in cases {
        let p = write(d.path(), &format!("{name}.csv"), bytes);
        let s = refused(Table::read_csv(&p), &needles);
        assert!(s.contains(&format!("{name}.csv")), "{s}");
    }
}

#[test]
fn config_files_bad_cases() {
    let d = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, &[u8], Vec<&str>)> = vec![
        (
            "syntax",
            b"epochs = 3\nlr = = 2\n",
            vec!["line 2", "malformed TOML"],
        ),
        (
            "unclosed",
            b"[train\nepochs = 3\n",
            vec!["line 1", "malformed TOML"],
        ),
        (
            "binary",
            b"\x00\x01\xff\xfe\x80garbage",
            vec!["line 1", "not UTF-8"],
        ),
        (
            "nul",
            b"epochs = 3\n\x00\x00\x00\n",
            vec!["line 2", "malformed TOML"],
        ),
        (
            "duplicate_key",
            b"lr = 1\nlr = 2\n",
            vec!["line 2", "malformed TOML"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let p = write(d.path(), &format!("{name}.toml"), bytes);
        let s = refused(ai4s::core::config::read_file(&p), &needles);
        assert!(s.contains(&format!("{name}.toml")), "{s}");
    }
    // Deep nesting must be refused, not overflow the stack.
    let deep = format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let p = write(d.path(), "deep.toml", deep);
    refused(ai4s::core::config::read_file(&p), &["deep.toml"]);
}

// ---- the command line ----

fn ai4s(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai4s"))
        .args(args)
        .current_dir(cwd)
        .env_remove("AI4S_DEVICE")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the ai4s binary should start")
}

/// Runs the CLI, expects exit code 2, no panic, every needle in stderr.
fn cli_refuses(args: &[&str], cwd: &Path, needles: &[&str]) -> String {
    let o = ai4s(args, cwd);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?} should exit 2: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{args:?} panicked: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected `{n}` in: {err}");
    }
    err
}

fn dataset(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn cli_bad_data_exits_2_and_leaves_no_run_directory() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    let sys = deepmd_system(
        root,
        "dup",
        &[("coord.raw", Some("0 0 0 0 0 0\n".repeat(3).leak()))],
    );
    let xyz_bad = write(
        root,
        "trunc.xyz",
        "3\nLattice=\"5 0 0 0 5 0 0 0 5\"\nSi 0 0 0\n",
    );
    write(root, "nan.csv", "a,b,y\n1,2,3\n4,nan,6\n");
    write(root, "garbage.toml", [0xffu8, 0x00, 0x13]);
    let test = format!("test_data={}", dataset("tb-si-64/test"));
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec![
                "run".into(),
                "deep-potential".into(),
                "--quick".into(),
                "--set".into(),
                format!("training_data={}", sys.display()),
                "--set".into(),
                test.clone(),
            ],
            vec!["dup", "frame 1", "same position"],
        ),
        (
            vec![
                "run".into(),
                "deep-potential".into(),
                "--quick".into(),
                "--set".into(),
                format!("training_data={}", xyz_bad.display()),
                "--set".into(),
                test.clone(),
            ],
            vec!["trunc.xyz", "expected 3 atom lines"],
        ),
        (
            vec![
                "run".into(),
                "deep-potential".into(),
                "--quick".into(),
                "--set".into(),
                "training_data=, ,".into(),
            ],
            vec!["training_data"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "data=nan.csv".into(),
            ],
            vec!["nan.csv", "line 3", "column `b`"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--config".into(),
                "garbage.toml".into(),
            ],
            vec!["garbage.toml", "line 1", "UTF-8"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "train.lr=nan".into(),
            ],
            vec!["train.lr"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "train.lr=inf".into(),
            ],
            vec!["train.lr"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "train.epochs=1e30".into(),
            ],
            vec!["train.epochs", "expected an integer"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "train.epochs=-3".into(),
            ],
            vec!["train.epochs"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "train.epochs=99999999999999999999999".into(),
            ],
            vec!["train.epochs"],
        ),
        (
            vec![
                "run".into(),
                "regression".into(),
                "--set".into(),
                "train.batch_size=0".into(),
            ],
            vec!["train.batch_size"],
        ),
    ];
    for (k, (args, needles)) in cases.into_iter().enumerate() {
        let out = format!("r{k}");
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--out", &out, "--quiet"]);
        cli_refuses(&args, root, &needles);
        assert!(
            !root.join(&out).exists(),
            "{args:?} left a partial run directory behind"
        );
    }
}

#[test]
fn cli_bad_saved_models_exit_2() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    // A real model to corrupt: two training steps are enough.
    let o = ai4s(
        &[
            "run",
            "deep-potential",
            "--quick",
            "--set",
            "numb_steps=2",
            "--set",
            "disp_freq=1",
            "--set",
            "decay_steps=1",
            "--set",
            &format!("training_data={}", dataset("tb-si-64/train")),
            "--set",
            &format!("test_data={}", dataset("tb-si-64/test")),
            "--out",
            "m",
            "--quiet",
        ],
        root,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let data = dataset("tb-si-64/test");
    let meta = std::fs::read_to_string(root.join("m/model.toml")).expect("model.toml");
    let weights = std::fs::read(root.join("m/model.bpk")).expect("model.bpk");
    let variant = |name: &str, meta: &str, bpk: &[u8]| {
        write(root, &format!("{name}/model.toml"), meta);
        write(root, &format!("{name}/model.bpk"), bpk);
        format!("{name}/model.bpk")
    };
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            variant("empty_bpk", &meta, &[]),
            vec!["empty_bpk/model.bpk", "cannot load"],
        ),
        (
            variant("truncated_bpk", &meta, &weights[..weights.len() / 2]),
            vec!["truncated_bpk/model.bpk", "cannot load"],
        ),
        (
            variant("garbage_bpk", &meta, &garbage),
            vec!["garbage_bpk/model.bpk", "cannot load"],
        ),
        (
            variant("garbage_meta", "\u{1}\u{2} not toml", &weights),
            vec!["garbage_meta/model.toml", "not a model description"],
        ),
        (
            variant(
                "wrong_sizes",
                &meta.replace("axis_neuron = 12", "axis_neuron = 8"),
                &weights,
            ),
            vec!["wrong_sizes/model.bpk", "cannot load"],
        ),
        (
            variant(
                "huge_sizes",
                &meta.replace("axis_neuron = 12", "axis_neuron = 12000000000000"),
                &weights,
            ),
            vec!["huge_sizes/model.toml", "axis_neuron"],
        ),
        (
            variant(
                "unknown_element",
                &meta.replace("[\"Si\"]", "[\"Xx\"]"),
                &weights,
            ),
            vec![
                "tb-si-64/test",
                "element `Si` (type 0 of the system's type map [\"Si\"]) is not in the model's type map",
            ],
        ),
    ];
    for (model, needles) in cases {
        cli_refuses(
            &["potential", "test", "--model", &model, "--data", &data],
            root,
            &needles,
        );
    }
}
