//! Walking a JSON section: typed getters that name the key path in errors, and the record of
//! keys read, ignored with a warning, or refused.

use ai4s_core::{Error, Result};
use serde_json::{Map, Value};
use std::path::Path;

pub(super) fn is_empty_list(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// The input file, for errors.
pub(super) struct Input<'a> {
    pub(super) path: &'a Path,
}

impl Input<'_> {
    pub(super) fn err(&self, key: &str, message: impl std::fmt::Display) -> Error {
        Error::data(self.path, None, format!("`{key}` {message}"))
    }

    /// The directory relative system paths are resolved against.
    pub(super) fn base(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

/// One JSON object of the input, with its dotted key path.
pub(super) struct Section<'a> {
    pub(super) file: &'a Input<'a>,
    pub(super) path: String,
    pub(super) obj: &'a Map<String, Value>,
}

impl<'a> Section<'a> {
    pub(super) fn key(&self, k: &str) -> String {
        if self.path.is_empty() {
            k.to_owned()
        } else {
            format!("{}.{k}", self.path)
        }
    }

    pub(super) fn err(&self, k: &str, message: impl std::fmt::Display) -> Error {
        self.file.err(&self.key(k), message)
    }

    /// Every key must be `known` (translated or checked), `ignored`, or a `_` comment.
    pub(super) fn check_keys(&self, known: &[&str], ignored: &[&str]) -> Result<()> {
        for k in self.obj.keys() {
            if !k.starts_with('_') && !known.contains(&k.as_str()) && !ignored.contains(&k.as_str())
            {
                return Err(self.err(
                    k,
                    "is not a DeePMD-kit key that ai4s knows (see ai4s_potential::input_json for what is translated, ignored and refused)",
                ));
            }
        }
        Ok(())
    }

    /// The first of `names` (a key and its aliases) present with a non-null value.
    pub(super) fn get(&self, names: &[&'a str]) -> Option<(&'a str, &'a Value)> {
        names
            .iter()
            .find_map(|&n| self.obj.get(n).filter(|v| !v.is_null()).map(|v| (n, v)))
    }

    pub(super) fn section(&self, k: &str) -> Result<Option<Section<'a>>> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(Section {
                file: self.file,
                path: self.key(k),
                obj: o,
            })),
            Some(_) => Err(self.err(k, "expected a JSON object")),
        }
    }

    pub(super) fn f64(&self, names: &[&'a str], default: f64) -> Result<f64> {
        match self.get(names) {
            None => Ok(default),
            Some((k, v)) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| self.err(k, format!("is {v}; expected a number"))),
        }
    }

    pub(super) fn as_usize(&self, k: &str, v: &Value) -> Result<usize> {
        v.as_u64()
            .or_else(|| {
                v.as_f64()
                    .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1e15)
                    .map(|x| x as u64)
            })
            .and_then(|x| usize::try_from(x).ok())
            .ok_or_else(|| self.err(k, format!("is {v}; expected a non-negative integer")))
    }

    pub(super) fn usize_opt(&self, names: &[&'a str]) -> Result<Option<usize>> {
        self.get(names)
            .map(|(k, v)| self.as_usize(k, v))
            .transpose()
    }

    pub(super) fn usize(&self, names: &[&'a str], default: usize) -> Result<usize> {
        Ok(self.usize_opt(names)?.unwrap_or(default))
    }

    pub(super) fn usize_list(&self, names: &[&'a str], default: &[usize]) -> Result<Vec<usize>> {
        match self.get(names) {
            None => Ok(default.to_vec()),
            Some((k, Value::Array(a))) => a.iter().map(|v| self.as_usize(k, v)).collect(),
            Some((k, v)) => Err(self.err(k, format!("is {v}; expected a list of integers"))),
        }
    }

    pub(super) fn bool(&self, names: &[&'a str], default: bool) -> Result<bool> {
        match self.get(names) {
            None => Ok(default),
            Some((k, v)) => v
                .as_bool()
                .ok_or_else(|| self.err(k, format!("is {v}; expected true or false"))),
        }
    }

    pub(super) fn str(&self, names: &[&'a str], default: &'a str) -> Result<&'a str> {
        match self.get(names) {
            None => Ok(default),
            Some((k, v)) => v
                .as_str()
                .ok_or_else(|| self.err(k, format!("is {v}; expected a string"))),
        }
    }

    pub(super) fn str_list_opt(&self, k: &'a str) -> Result<Option<Vec<String>>> {
        match self.get(&[k]) {
            None => Ok(None),
            Some((_, Value::Array(a))) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| self.err(k, format!("entry {v} is not a string")))
                })
                .collect::<Result<_>>()
                .map(Some),
            Some((_, v)) => Err(self.err(k, format!("is {v}; expected a list of strings"))),
        }
    }

    /// Refuses `k` if present (and not null).
    pub(super) fn refuse_present(&self, k: &'a str, why: &str) -> Result<()> {
        match self.get(&[k]) {
            Some((_, v)) => Err(self.err(k, format!("= {v}: {why}"))),
            None => Ok(()),
        }
    }

    /// Refuses `k` if present with a value that fails `ok`.
    pub(super) fn refuse_unless(
        &self,
        k: &'a str,
        ok: impl Fn(&Value) -> bool,
        why: &str,
    ) -> Result<()> {
        match self.get(&[k]) {
            Some((_, v)) if !ok(v) => Err(self.err(k, format!("= {v}: {why}"))),
            _ => Ok(()),
        }
    }

    pub(super) fn refuse_unless_bool(&self, k: &'a str, want: bool, why: &str) -> Result<()> {
        self.refuse_unless(k, |v| v.as_bool() == Some(want), why)
    }
}
