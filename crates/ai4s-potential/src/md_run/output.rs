//! The files a molecular-dynamics run streams while it runs: the thermo CSV and the extended-XYZ
//! trajectory, appended record by record so that a long run needs no memory for them and a run
//! that stops early keeps everything up to its last record.
//!
//! Torn records: each record (a CSV row, a whole XYZ frame) is formatted in memory first and
//! handed to the file in one `write_all`. If that write fails (a full disk), the file is cut
//! back to its length before the record, so an error never leaves a half record behind, and
//! the run stops with the error. A process killed in the middle of that one call (SIGKILL,
//! power loss) can still leave the last record incomplete on Linux, which splits large writes
//! page by page; every record before it is whole, and the XYZ reader of ai4s (and ASE's) names
//! the frame that ends early. The header of each file is written atomically before the run
//! starts, and `md.json` is written atomically only once the run has finished, so its presence
//! says the trajectory and thermo log are complete.

use crate::cell::Cell;
use crate::integrate::MdState;
use ai4s_core::{Error, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file that can be cut back to a length (what [`Appender`] needs besides writing).
pub(crate) trait Truncate: Write {
    /// Cuts the file to `len` bytes.
    fn truncate_to(&mut self, len: u64) -> std::io::Result<()>;
}

impl Truncate for File {
    fn truncate_to(&mut self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }
}

/// Appends whole records to a file; a failed append leaves the file as it was.
pub(crate) struct Appender<F: Truncate = File> {
    file: F,
    path: PathBuf,
    len: u64,
}

impl Appender<File> {
    /// Creates `path` holding `header` (written atomically) and opens it for appending.
    pub(crate) fn create(path: &Path, header: &str) -> Result<Appender<File>> {
        ai4s_core::io::write_atomic(path, header.as_bytes())?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io("opening", path, e))?;
        Ok(Appender::new(file, path, header.len() as u64))
    }

    /// Flushes the file to disk.
    pub(crate) fn finish(self) -> Result<()> {
        self.file
            .sync_all()
            .map_err(|e| Error::io("writing", &self.path, e))
    }
}

impl<F: Truncate> Appender<F> {
    /// Wraps `file`, which holds `len` bytes of whole records.
    pub(crate) fn new(file: F, path: &Path, len: u64) -> Appender<F> {
        Appender {
            file,
            path: path.to_owned(),
            len,
        }
    }

    /// Appends one whole record.
    pub(crate) fn append(&mut self, record: &str) -> Result<()> {
        if let Err(e) = self.file.write_all(record.as_bytes()) {
            let undo = self.file.truncate_to(self.len);
            let mut message = e.to_string();
            if let Err(u) = undo {
                message.push_str(&format!(
                    "; cutting the file back to its last whole record also failed: {u}"
                ));
            }
            return Err(Error::io(
                "writing",
                &self.path,
                std::io::Error::new(e.kind(), message),
            ));
        }
        self.len += record.len() as u64;
        Ok(())
    }
}

/// The header of the thermo CSV.
pub(crate) const THERMO_HEADER: &str =
    "step,time_fs,potential_energy,kinetic_energy,total_energy,temperature,conserved_energy\n";

/// One thermo row (energies in eV, temperature in K).
pub(crate) fn thermo_row(state: &MdState, conserved: f64) -> String {
    format!(
        "{},{},{:.10},{:.10},{:.10},{:.6},{:.10}\n",
        state.step,
        state.time,
        state.labels.energy,
        state.kinetic_energy(),
        state.total_energy(),
        state.temperature(),
        conserved
    )
}

/// One extended-XYZ frame of `state` (ASE's layout: `energy` and per-atom `forces` as the
/// calculator's results, `Lattice` and `pbc`, step, time and temperature as info keys).
/// `species` names each atom; a non-periodic system gets `pbc="F F F"` and no lattice.
pub(crate) fn xyz_frame(state: &MdState, species: &[String], periodic: bool) -> String {
    let mut s = format!("{}\n", state.pos.len());
    if periodic {
        s.push_str(&lattice(&state.cell));
    }
    s.push_str(&format!(
        "Properties=species:S:1:pos:R:3:forces:R:3 energy={:.10} step={} time_fs={} temperature={:.4} pbc=\"{}\"\n",
        state.labels.energy,
        state.step,
        state.time,
        state.temperature(),
        if periodic { "T T T" } else { "F F F" }
    ));
    for ((name, r), f) in species.iter().zip(&state.pos).zip(&state.labels.forces) {
        s.push_str(&format!(
            "{name} {:.10} {:.10} {:.10} {:.10} {:.10} {:.10}\n",
            r[0], r[1], r[2], f[0], f[1], f[2]
        ));
    }
    s
}

fn lattice(cell: &Cell) -> String {
    let v: Vec<String> = cell
        .h
        .iter()
        .flatten()
        .map(|x| format!("{x:.10}"))
        .collect();
    format!("Lattice=\"{}\" ", v.join(" "))
}

/// `runs/md/<UTC date>-<time>` (e.g. `runs/md/20250301-142233`), with `-2`, `-3`, ... added
/// when that directory already exists.
pub fn default_out_dir() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = PathBuf::from("runs").join("md").join(stamp(secs));
    let mut dir = base.clone();
    let mut k = 2;
    while dir.exists() {
        dir = PathBuf::from(format!("{}-{k}", base.display()));
        k += 1;
    }
    dir
}

/// `YYYYmmdd-HHMMSS` of a Unix time (UTC), by the civil-from-days algorithm of H. Hinnant
/// ("chrono-Compatible Low-Level Date Algorithms").
fn stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that accepts `room` more bytes, then fails (a disk filling up mid-record).
    struct FillingDisk {
        bytes: Vec<u8>,
        room: usize,
    }

    impl Write for FillingDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::other("no space left on device"));
            }
            let n = buf.len().min(self.room);
            self.bytes.extend_from_slice(&buf[..n]);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Truncate for FillingDisk {
        fn truncate_to(&mut self, len: u64) -> std::io::Result<()> {
            self.bytes.truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn a_failed_append_leaves_only_whole_records() {
        let disk = FillingDisk {
            bytes: b"header\n".to_vec(),
            room: 12,
        };
        let mut a = Appender::new(disk, Path::new("t.csv"), 7);
        a.append("row one\n").expect("fits");
        let e = a.append("row two\n").expect_err("disk full").to_string();
        assert!(e.contains("t.csv") && e.contains("no space"), "{e}");
        assert_eq!(a.file.bytes, b"header\nrow one\n");
    }

    #[test]
    fn records_are_appended_after_the_header() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("thermo.csv");
        let mut a = Appender::create(&p, "a,b\n").expect("create");
        a.append("1,2\n").expect("append");
        a.append("3,4\n").expect("append");
        a.finish().expect("sync");
        assert_eq!(
            std::fs::read_to_string(&p).expect("read"),
            "a,b\n1,2\n3,4\n"
        );
        // A second run in the same place starts a fresh file.
        let a = Appender::create(&p, "a,b\n").expect("create");
        a.finish().expect("sync");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "a,b\n");
    }

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(stamp(0), "19700101-000000");
        assert_eq!(stamp(951_782_400), "20000229-000000");
        assert_eq!(stamp(1_709_294_553), "20240301-120233");
    }
}
