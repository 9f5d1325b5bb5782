//! One error type for the whole toolkit.
//!
//! Every variant carries what a user needs to fix the problem: the config field, the file and
//! line of bad data, the training step where numbers blew up. [`Error::exit_code`] maps user
//! mistakes (bad config, bad input data, unknown names) to exit code 2 and runtime failures to 1.

use std::path::{Path, PathBuf};

/// Result alias used across ai4s.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in ai4s.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is missing, malformed or out of range.
    #[error("config field `{field}`: {message}")]
    Config {
        /// Dotted name of the offending field, e.g. `hidden` or `optimizer.lr`.
        field: String,
        /// What is wrong and what would be accepted.
        message: String,
    },
    /// Input data is malformed.
    #[error("{}: {message}", location(path, *line, column.as_deref()))]
    Data {
        /// The file the data came from.
        path: PathBuf,
        /// 1-based line (or frame) number, when known.
        line: Option<usize>,
        /// Column or field name, when known.
        column: Option<String>,
        /// What was found and what was expected.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What we were doing ("reading", "writing", "creating directory").
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Training or a simulation produced non-finite numbers.
    #[error("numerical divergence at step {step}: {message}")]
    Diverged {
        /// Step (or epoch) at which it was detected.
        step: usize,
        /// What went non-finite and the likely cause.
        message: String,
    },
    /// A name given on the command line does not exist (task, backend, ...).
    #[error("{0}")]
    Unknown(String),
    /// A backend was requested that this build does not contain or that failed to start.
    #[error("{0}")]
    Backend(String),
    /// Anything else that failed while running.
    #[error("{0}")]
    Runtime(String),
}

fn location(path: &Path, line: Option<usize>, column: Option<&str>) -> String {
    let mut s = path.display().to_string();
    if let Some(l) = line {
        s.push_str(&format!(", line {l}"));
    }
    if let Some(c) = column {
        s.push_str(&format!(", column `{c}`"));
    }
    s
}

impl Error {
    /// A config error for `field`.
    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A data error in `path` at `line` (1-based).
    pub fn data(path: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            line,
            column: None,
            message: message.into(),
        }
    }

    /// An I/O error while doing `action` on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Process exit code: 2 for mistakes in the user's input, 1 for failures while running.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. } | Error::Data { .. } | Error::Unknown(_) => 2,
            Error::Backend(_) | Error::Io { .. } | Error::Diverged { .. } | Error::Runtime(_) => 1,
        }
    }
}

/// Checks a config condition, returning a field-named error when it fails.
pub fn ensure(cond: bool, field: &str, message: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(Error::config(field, message()))
    }
}
