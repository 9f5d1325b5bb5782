//! Checkpoints and resume that continues bit-for-bit.
//!
//! A training loop asks its [`RunContext`](crate::RunContext) for a [`Checkpoint`] and, when
//! [`Checkpoint::due`], saves everything the rest of the run depends on: the weights (one or more
//! modules), the optimiser state (Adam's moments and step counter, through burn's
//! `ModuleOptimizer::save`), and a serde state of the loop itself (step, the position of its
//! random stream, the metrics so far). `ai4s run TASK --resume` re-runs the task from the start
//! with the same config and seed; everything before training is deterministic, and the loop
//! [`Checkpoint::load`]s its latest state instead of starting over, so the final weights and
//! metrics equal those of an uninterrupted run.
//!
//! Layout and crash safety: `checkpoints/<name>/step-<N>/` holds `state.json`, `optim.bpk` and one
//! `<model>.bpk` per module, each written atomically (temporary file, fsync, rename); only then is
//! the pointer `checkpoints/<name>/latest` replaced atomically with `step-<N>`, and older step
//! directories removed. A run killed at any moment therefore leaves a pointer to a complete
//! checkpoint (or no pointer yet), never a torn one.
//!
//! Random streams: loops draw from [`TrainRng`] (ChaCha12, the generator behind `StdRng`, with the
//! same stream for the same seed), whose exact position is saved with [`rng_position`].

use crate::error::{Error, Result};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The random generator of training loops: ChaCha12, whose position can be saved and restored.
/// `TrainRng::seed_from_u64(s)` yields the same stream as `rand::rngs::StdRng::seed_from_u64(s)`.
pub type TrainRng = rand_chacha::ChaCha12Rng;

/// The exact position of `rng` in its stream (saved in a checkpoint's state).
pub fn rng_position(rng: &TrainRng) -> String {
    rng.get_word_pos().to_string()
}

/// Moves `rng` (seeded as in the original run) to a position from [`rng_position`].
pub fn set_rng_position(rng: &mut TrainRng, position: &str) -> Result<()> {
    let pos: u128 = position.parse().map_err(|_| {
        Error::Runtime(format!(
            "checkpoint: random-stream position {position:?} is not a number"
        ))
    })?;
    rng.set_word_pos(pos);
    Ok(())
}

/// Where and how often one training loop saves its state.
pub struct Checkpoint {
    dir: PathBuf,
    every: Duration,
    last: Instant,
    resume: bool,
}

/// A checkpoint read back by [`Checkpoint::load`].
pub struct Loaded<S> {
    /// The loop's own state.
    pub state: S,
    /// Step (or epoch) the checkpoint was taken after.
    pub step: usize,
    dir: PathBuf,
}

impl<S> Loaded<S> {
    /// Loads the weights saved as `name` into `model` (built as in the original run).
    pub fn model<M: Module>(&self, name: &str, model: M) -> Result<M> {
        let path = self.dir.join(format!("{name}.bpk"));
        crate::io::load_weights(model, &path).map_err(|e| {
            Error::Runtime(format!(
                "checkpoint {}: cannot load the weights: {e:?}",
                path.display()
            ))
        })
    }

    /// Restores the optimiser state into `optim`.
    pub fn optimizer(&self, optim: &mut ModuleOptimizer) -> Result<()> {
        let path = self.dir.join("optim.bpk");
        let restored = optim.clone().load(&path).map_err(|e| {
            Error::Runtime(format!(
                "checkpoint {}: cannot load the optimiser state: {e:?}",
                path.display()
            ))
        })?;
        *optim = restored;
        Ok(())
    }
}

impl Checkpoint {
    /// A checkpoint in `dir`, saved at most every `every` (zero: whenever asked), read back
    /// by [`Checkpoint::load`] only when `resume` is set.
    pub fn new(dir: PathBuf, every: Duration, resume: bool) -> Self {
        Checkpoint {
            dir,
            every,
            last: Instant::now(),
            resume,
        }
    }

    /// Directory of this checkpoint.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the interval since the last save has passed.
    pub fn due(&self) -> bool {
        self.last.elapsed() >= self.every
    }

    /// Saves `models` (name, module), the optimiser and the loop `state` as the checkpoint
    /// after `step`, then points `latest` at it.
    pub fn save<M: Module, S: Serialize>(
        &mut self,
        step: usize,
        models: &[(&str, &M)],
        optim: &ModuleOptimizer,
        state: &S,
    ) -> Result<()> {
        let name = format!("step-{step}");
        let dir = self.dir.join(&name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io("removing", &dir, e))?;
        }
        crate::io::create_dir(&dir)?;
        for (m, module) in models {
            let path = dir.join(format!("{m}.bpk"));
            crate::io::produce_atomic(&path, |tmp| {
                (*module)
                    .clone()
                    .save_file(tmp)
                    .map_err(|e| format!("{e:?}"))
            })?;
        }
        let path = dir.join("optim.bpk");
        crate::io::produce_atomic(&path, |tmp| optim.save(tmp).map_err(|e| format!("{e:?}")))?;
        let value = serde_json::to_value(Envelope { step, state })
            .map_err(|e| Error::Runtime(format!("serialising the checkpoint state: {e}")))?;
        let json = serde_json::to_vec(&exact_floats(value))
            .map_err(|e| Error::Runtime(format!("serialising the checkpoint state: {e}")))?;
        crate::io::write_atomic(&dir.join("state.json"), &json)?;
        sync_dir(&dir);
        crate::io::write_atomic(&self.dir.join("latest"), name.as_bytes())?;
        sync_dir(&self.dir);
        // Older checkpoints (and any left half-written by a killed run) are no longer needed.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let n = e.file_name();
                let n = n.to_string_lossy();
                if n.starts_with("step-") && n != name.as_str() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        self.last = Instant::now();
        Ok(())
    }

    /// The latest complete checkpoint, when resuming and one exists.
    pub fn load<S: DeserializeOwned>(&self) -> Result<Option<Loaded<S>>> {
        if !self.resume {
            return Ok(None);
        }
        let pointer = self.dir.join("latest");
        let name = match std::fs::read_to_string(&pointer) {
            Ok(n) => n.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading", &pointer, e)),
        };
        if !name.starts_with("step-") || name.contains('/') || name.contains("..") {
            return Err(Error::data(
                &pointer,
                Some(1),
                format!("expected `step-<N>`, found {name:?}"),
            ));
        }
        let dir = self.dir.join(&name);
        let path = dir.join("state.json");
        let text = crate::io::read_to_string(&path)?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::data(
                &path,
                Some(e.line()),
                format!("malformed checkpoint state: {e}"),
            )
        })?;
        let env: Envelope<S> = serde_json::from_value(plain_floats(value))
            .map_err(|e| Error::data(&path, None, format!("malformed checkpoint state: {e}")))?;
        Ok(Some(Loaded {
            state: env.state,
            step: env.step,
            dir,
        }))
    }
}

#[derive(Serialize, serde::Deserialize)]
struct Envelope<S> {
    step: usize,
    state: S,
}

/// Key of the object that stores a float by its bits: JSON's decimal text does not always read
/// back to the same `f64`, and resume must continue from exactly the saved numbers.
const BITS: &str = "f64_bits";

/// Replaces every float in `v` by `{"f64_bits": "<hex>"}`.
fn exact_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) => {
                let mut o = serde_json::Map::new();
                o.insert(BITS.into(), Value::String(format!("{:016x}", f.to_bits())));
                Value::Object(o)
            }
            None => Value::Null,
        },
        Value::Array(a) => Value::Array(a.into_iter().map(exact_floats).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, exact_floats(v))).collect())
        }
        other => other,
    }
}

/// Inverse of [`exact_floats`].
fn plain_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key(BITS) => {
            let f = o
                .get(BITS)
                .and_then(Value::as_str)
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .map(f64::from_bits);
            f.and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(plain_floats).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, plain_floats(v))).collect())
        }
        other => other,
    }
}

/// Makes a directory's entries durable (best effort: not every file system supports it).
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    #[test]
    fn train_rng_is_the_std_rng_stream() {
        let mut a = rand::rngs::StdRng::seed_from_u64(7);
        let mut b = TrainRng::seed_from_u64(7);
        let mut va: Vec<usize> = (0..100).collect();
        let mut vb = va.clone();
        va.shuffle(&mut a);
        vb.shuffle(&mut b);
        assert_eq!(va, vb);
        for _ in 0..10 {
            assert_eq!(a.random::<u64>(), b.random::<u64>());
            assert_eq!(a.random_range(0..17usize), b.random_range(0..17usize));
        }
    }

    #[test]
    fn floats_survive_the_state_file_exactly() {
        // 0.000997288338207295 and its neighbour one ulp up print differently; both must come
        // back bit-identical.
        let xs: Vec<f64> = (0..2000)
            .map(|k| 1e-3 * (1.0 + (k as f64 * 0.37).cos()) / 3.0)
            .chain([f64::MIN_POSITIVE, 1e300, -0.0, 0.1 + 0.2])
            .collect();
        let v = serde_json::to_value(&xs).expect("serialise");
        let text = serde_json::to_string(&exact_floats(v)).expect("text");
        let back: serde_json::Value = serde_json::from_str(&text).expect("parse");
        let ys: Vec<f64> = serde_json::from_value(plain_floats(back)).expect("floats");
        assert_eq!(
            xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            ys.iter().map(|y| y.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn rng_position_round_trip_continues_the_stream() {
        let mut a = TrainRng::seed_from_u64(3);
        let _: u32 = a.random();
        let _: u64 = a.random();
        let pos = rng_position(&a);
        let next: Vec<u32> = (0..20).map(|_| a.random()).collect();
        let mut b = TrainRng::seed_from_u64(3);
        set_rng_position(&mut b, &pos).expect("a saved position is valid");
        let again: Vec<u32> = (0..20).map(|_| b.random()).collect();
        assert_eq!(next, again);
        assert!(set_rng_position(&mut b, "x").is_err());
    }
}
