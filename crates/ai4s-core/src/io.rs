//! Atomic file output.
//!
//! Every file a run produces goes through [`write_atomic`]: the bytes land in a temporary file in
//! the same directory, are flushed to disk, and the temporary is renamed over the target. A rename
//! within one directory is atomic on POSIX file systems, so a reader (or a run killed half-way)
//! sees either the old file or the complete new one, never a torn mix.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temporary file + fsync + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Writes a file atomically through a closure that fills it.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let result = (|| {
        // Hidden temporary in the same directory; deleted on drop if anything fails.
        let mut builder = tempfile::Builder::new();
        builder.prefix(".ai4s-").suffix(".tmp");
        // Temporary files are created 0600; ask for 0666 so that the umask gives the file the
        // mode any other new file gets (0644 under umask 022), as the figures and weights have.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut tmp = builder.tempfile_in(dir)?;
        fill(tmp.as_file_mut())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    result.map_err(|e: std::io::Error| Error::io("writing", path, e))
}

/// Creates a file through a writer that needs a path (e.g. a plotting or model library),
/// then moves it into place atomically.
pub fn produce_atomic(
    path: &Path,
    produce: impl FnOnce(&Path) -> std::result::Result<(), String>,
) -> Result<()> {
    let tmp = temp_path(path);
    if let Err(msg) = produce(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Runtime(format!("writing {}: {msg}", path.display())));
    }
    // On disk before the rename makes it visible.
    if let Ok(f) = std::fs::File::open(&tmp) {
        let _ = f.sync_all();
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("writing", path, e)
    })
}

/// The temporary name used while `path` is being written: hidden, same directory, same extension.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp{ext}", std::process::id()))
}

/// Removes the temporary files (`.*.tmp*`, from [`write_atomic`] and [`produce_atomic`]) that
/// a killed process left under `dir`; the files they were replacing are intact.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        match e.file_type() {
            Ok(t) if t.is_dir() => remove_stale_temps(&e.path()),
            Ok(t) if t.is_file() && name.starts_with('.') && name.contains(".tmp") => {
                let _ = std::fs::remove_file(e.path());
            }
            _ => {}
        }
    }
}

/// Creates a directory and its parents.
pub fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io("creating directory", path, e))
}

/// Reads a whole text file; bytes that are not UTF-8 text are a data error naming the line.
pub fn read_to_string(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::data(
            path,
            Some(line),
            format!("byte {} is not UTF-8 text; expected a text file", at + 1),
        )
    })
}

/// Loads burn weights (a `.bpk` file written by `Module::save_file`) into `module`, like
/// `module.try_load_file(path)`, after checking the file's tensor table: every tensor must hold
/// floating-point numbers. Every ai4s module holds float parameters only, and burn 0.22 panics
/// (instead of returning an error) when a record's integer or boolean tensor lands in a float
/// parameter, so such a file is refused here first.
pub fn load_weights<M: burn::module::Module>(
    module: M,
    path: &Path,
) -> std::result::Result<M, burn::store::RecordError> {
    use burn::tensor::DType;
    let tensors = burn_pack::Reader::from_file_exact(path)?.into_tensors()?;
    if let Some(t) = tensors.iter().find(|t| {
        !matches!(
            t.dtype,
            DType::F64 | DType::F32 | DType::Flex32 | DType::F16 | DType::BF16
        )
    }) {
        return Err(burn::store::RecordError::Validation(format!(
            "tensor `{}` holds {:?} values; the weights of a network are floating-point numbers",
            t.name, t.dtype
        )));
    }
    module.try_load_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().expect("tempdir should be creatable");
        let p = dir.path().join("summary.json");
        write_atomic(&p, b"first").expect("first write should succeed");
        write_atomic(&p, b"second, longer").expect("second write should succeed");
        assert_eq!(
            std::fs::read(&p).expect("file should exist"),
            b"second, longer"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir should be readable")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "temporary files left behind: {names:?}");
    }

    #[test]
    fn failed_fill_keeps_old_file_intact() {
        let dir = tempfile::tempdir().expect("tempdir should be creatable");
        let p = dir.path().join("metrics.csv");
        write_atomic(&p, b"old complete content").expect("write should succeed");
        let err = write_atomic_with(&p, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("simulated crash"))
        });
        assert!(err.is_err());
        assert_eq!(
            std::fs::read(&p).expect("file should exist"),
            b"old complete content"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
}
