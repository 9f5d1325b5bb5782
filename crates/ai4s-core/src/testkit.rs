//! What the tests of every task need: options for a quick, quiet run into a given directory,
//! and the check that bad configs are refused before any work starts.
//!
//! A task's test of its config refusals is a table of `(--set, field, words)`: each override
//! must give a config error (exit code 2) whose message names the field in backticks and
//! contains the expected words, and must leave no output directory behind.

use crate::error::Error;
use crate::run::{RunOptions, run_task};
use crate::task::DynTask;
use std::path::Path;

impl RunOptions {
    /// A quick, quiet run into `out` with `--set key=value` overrides, in order.
    pub fn quick_into(out: &Path, sets: &[&str]) -> RunOptions {
        RunOptions {
            out: Some(out.to_path_buf()),
            quick: true,
            quiet: true,
            sets: sets.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        }
    }
}

/// Runs `task` in quick mode once per `(set, field, words)` case, each into its own
/// directory under `dir`, and checks that every run is refused as described in the module
/// docs. The error names the first case that was not refused that way.
pub fn check_refusals(
    task: &dyn DynTask,
    dir: &Path,
    cases: &[(&str, &str, &str)],
) -> Result<(), String> {
    for (i, &(set, field, words)) in cases.iter().enumerate() {
        let out = dir.join(format!("refusal-{i}"));
        match run_task(task, &RunOptions::quick_into(&out, &[set])) {
            Err(e @ Error::Config { .. }) => {
                let msg = e.to_string();
                if e.exit_code() != 2 {
                    return Err(format!("{set}: exit code {} for {msg}", e.exit_code()));
                }
                if !msg.contains(&format!("`{field}`")) || !msg.contains(words) {
                    return Err(format!(
                        "{set}: the message should name `{field}` and say \"{words}\": {msg}"
                    ));
                }
            }
            Err(e) => return Err(format!("{set}: expected a config error, got {e}")),
            Ok(_) => return Err(format!("{set}: expected a config error, the run succeeded")),
        }
        if out.exists() {
            return Err(format!(
                "{set}: a refused run left {} behind",
                out.display()
            ));
        }
    }
    Ok(())
}
