//! Configs: TOML files, `--set key=value` overrides, and field-named validation errors.
//!
//! The effective config of a run is built in layers: the task's default (or quick) config,
//! then a `--config FILE.toml`, then each `--set key=value` in order. Keys are checked against
//! the task's config before anything runs, and values against the type of the default, so a
//! typo or a wrong type is reported with the field name and exit code 2.

use crate::error::{Error, Result};
use serde::{Serialize, de::DeserializeOwned};
use std::path::Path;

/// Serialises a config to a TOML table.
pub fn to_table<T: Serialize>(cfg: &T) -> Result<toml::Table> {
    toml::Table::try_from(cfg).map_err(|e| Error::Runtime(format!("serialising config: {e}")))
}

/// Renders a config as TOML text.
pub fn to_toml_string<T: Serialize>(cfg: &T) -> Result<String> {
    toml::to_string_pretty(cfg).map_err(|e| Error::Runtime(format!("serialising config: {e}")))
}

/// Deserialises a config from a TOML table (unknown fields are rejected by the config type).
pub fn from_table<T: DeserializeOwned>(table: toml::Table) -> Result<T> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." {
            "config".to_owned()
        } else {
            field
        };
        Error::config(field, e.inner().to_string().trim().replace('\n', " "))
    })
}

/// Parses one `key=value` override. The value is read as a TOML value (`3`, `1e-3`, `true`,
/// `[64, 64]`, `"text"`); anything that is not valid TOML is taken as a plain string, so
/// `--set data=my.csv` works without quotes.
pub fn parse_set(arg: &str) -> Result<(String, toml::Value)> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(Error::config(
            arg,
            "expected `key=value` after --set (e.g. --set epochs=50)",
        ));
    };
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(Error::config(
            arg,
            "empty key in --set; expected `key=value`",
        ));
    }
    let value = value.trim();
    // Exactly one key: a value with a line break could otherwise define more keys, which would
    // be dropped without a word (`epochs=3\nlr=0.5` would set epochs only).
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .filter(|t| t.len() == 1)
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    Ok((key.to_owned(), parsed))
}

/// Applies a `--set` override to `table`, checking the key exists in `defaults` and the value
/// has the default's type (an integer is accepted where a float is expected).
pub fn apply_set(
    table: &mut toml::Table,
    defaults: &toml::Table,
    key: &str,
    value: toml::Value,
    task: &str,
) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut def = defaults;
    let mut cur = table;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let Some(d) = def.get(*part) else {
            let mut valid: Vec<&str> = def.keys().map(String::as_str).collect();
            valid.sort_unstable();
            return Err(Error::config(
                key,
                format!(
                    "unknown key for task `{task}`; valid keys here: {}",
                    valid.join(", ")
                ),
            ));
        };
        if last {
            let v = coerce(key, d, value)?;
            cur.insert((*part).to_owned(), v);
            return Ok(());
        }
        let toml::Value::Table(dt) = d else {
            return Err(Error::config(
                key,
                format!("`{part}` is a value, not a table"),
            ));
        };
        def = dt;
        let entry = cur
            .entry((*part).to_owned())
            .or_insert_with(|| toml::Value::Table(dt.clone()));
        let toml::Value::Table(t) = entry else {
            return Err(Error::config(key, format!("`{part}` is not a table")));
        };
        cur = t;
    }
    Ok(())
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

fn coerce(key: &str, default: &toml::Value, value: toml::Value) -> Result<toml::Value> {
    use toml::Value as V;
    match (default, value) {
        (V::Float(_), V::Integer(i)) => Ok(V::Float(i as f64)),
        (V::String(_), V::String(s)) => Ok(V::String(s)),
        // A string field given something that parsed as another TOML type (e.g. `name=42`).
        (V::String(_), other) => Ok(V::String(match other {
            V::String(s) => s,
            o => o.to_string(),
        })),
        (d, v) if std::mem::discriminant(d) == std::mem::discriminant(&v) => Ok(v),
        (d, v) => Err(Error::config(
            key,
            format!(
                "expected {} (default {}), got {} `{}`",
                type_name(d),
                d,
                type_name(&v),
                v
            ),
        )),
    }
}

/// Reads a TOML config file; syntax errors name the file and line.
pub fn read_file(path: &Path) -> Result<toml::Table> {
    let text = crate::io::read_to_string(path)?;
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Error::data(path, line, format!("malformed TOML: {}", e.message()))
    })
}

/// Reads a JSON file (for `--config FILE.json`).
pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = crate::io::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| {
        Error::data(
            path,
            Some(e.line()),
            format!("malformed JSON at column {}: {e}", e.column()),
        )
    })
}

/// A JSON object as a TOML table (null values are dropped: TOML has no null).
pub fn json_to_table(path: &Path, value: serde_json::Value) -> Result<toml::Table> {
    fn convert(v: serde_json::Value) -> Option<toml::Value> {
        Some(match v {
            serde_json::Value::Null => return None,
            serde_json::Value::Bool(b) => toml::Value::Boolean(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => toml::Value::Integer(i),
                None => toml::Value::Float(n.as_f64()?),
            },
            serde_json::Value::String(s) => toml::Value::String(s),
            serde_json::Value::Array(a) => {
                toml::Value::Array(a.into_iter().filter_map(convert).collect())
            }
            serde_json::Value::Object(o) => toml::Value::Table(
                o.into_iter()
                    .filter_map(|(k, v)| Some((k, convert(v)?)))
                    .collect(),
            ),
        })
    }
    match convert(value) {
        Some(toml::Value::Table(t)) => Ok(t),
        _ => Err(Error::data(
            path,
            None,
            "expected a JSON object of config keys at the top level",
        )),
    }
}

/// Flat spellings accepted for nested config keys, `(alias, path)`: e.g. `("rcut",
/// "descriptor.rcut")` lets `--set rcut=6` and a file's top-level `rcut = 6` set
/// `descriptor.rcut`. See [`crate::TaskConfig::aliases`].
pub type Aliases = Vec<(String, String)>;

/// `aliases` of a config that sits under `prefix` in another (`train` gives `train.rcut` ->
/// `train.descriptor.rcut`).
pub fn prefixed(prefix: &str, aliases: Aliases) -> Aliases {
    aliases
        .into_iter()
        .map(|(a, p)| (format!("{prefix}.{a}"), format!("{prefix}.{p}")))
        .collect()
}

/// The path a `--set` key names: the target of its alias, or the key itself.
pub fn resolve_alias<'a>(key: &'a str, aliases: &'a Aliases) -> &'a str {
    aliases
        .iter()
        .find(|(a, _)| a == key)
        .map_or(key, |(_, p)| p.as_str())
}

/// Moves every aliased key of `table` (a config file, an `input.json` translation, a run's saved
/// `config.toml`) to its nested path, so files written with the flat names keep loading. A value
/// given under both spellings is an error naming both.
pub fn nest_aliases(table: &mut toml::Table, aliases: &Aliases) -> Result<()> {
    for (alias, path) in aliases {
        let Some(value) = take_path(table, alias) else {
            continue;
        };
        let parts: Vec<&str> = path.split('.').collect();
        let (last, parents) = parts.split_last().expect("alias paths are not empty");
        let mut cur = &mut *table;
        for p in parents {
            let entry = cur
                .entry((*p).to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(t) = entry else {
                return Err(Error::config(
                    path.as_str(),
                    format!("`{p}` must be a table (`{alias}` is an alias for `{path}`)"),
                ));
            };
            cur = t;
        }
        if cur.contains_key(*last) {
            return Err(Error::config(
                path.as_str(),
                format!("given twice, as `{path}` and as its alias `{alias}`; keep one"),
            ));
        }
        cur.insert((*last).to_owned(), value);
    }
    Ok(())
}

/// Removes and returns the value at dotted `path` (`None` where any part is missing).
fn take_path(table: &mut toml::Table, path: &str) -> Option<toml::Value> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop()?;
    let mut cur = table;
    for p in parts {
        cur = cur.get_mut(p)?.as_table_mut()?;
    }
    cur.remove(last)
}

/// Merges `over` into `base` recursively (tables merge, other values replace).
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> toml::Table {
        "epochs = 10\nlr = 0.01\nname = \"x\"\nhidden = [32, 32]\n[optim]\nbeta = 0.9\n"
            .parse()
            .expect("valid toml")
    }

    #[test]
    fn set_parses_types_and_plain_strings() {
        assert_eq!(
            parse_set("lr=1e-3").expect("ok").1,
            toml::Value::Float(1e-3)
        );
        assert_eq!(
            parse_set("data=my.csv").expect("ok").1,
            toml::Value::String("my.csv".into())
        );
        // A second key after a line break is not silently dropped: the value is a string.
        assert_eq!(
            parse_set("epochs=3\nlr=0.5").expect("ok").1,
            toml::Value::String("3\nlr=0.5".into())
        );
        assert!(parse_set("novalue").is_err());
        assert!(parse_set("=3").is_err());
    }

    #[test]
    fn set_overrides_nested_and_coerces_integers() {
        let d = defaults();
        let mut t = d.clone();
        apply_set(&mut t, &d, "lr", toml::Value::Integer(1), "t").expect("int -> float");
        assert_eq!(t["lr"], toml::Value::Float(1.0));
        apply_set(&mut t, &d, "optim.beta", toml::Value::Float(0.5), "t").expect("nested");
        assert_eq!(t["optim"]["beta"], toml::Value::Float(0.5));
    }

    #[test]
    fn unknown_key_and_wrong_type_are_named() {
        let d = defaults();
        let mut t = d.clone();
        let e = apply_set(&mut t, &d, "epoch", toml::Value::Integer(1), "t").expect_err("typo");
        assert!(e.to_string().contains("`epoch`") && e.to_string().contains("epochs"));
        assert_eq!(e.exit_code(), 2);
        let e = apply_set(&mut t, &d, "epochs", toml::Value::String("ten".into()), "t")
            .expect_err("wrong type");
        assert!(e.to_string().contains("expected an integer"), "{e}");
    }

    #[test]
    fn aliases_reach_nested_keys_from_sets_and_files() {
        let aliases = prefixed("train", vec![("rcut".into(), "descriptor.rcut".into())]);
        assert_eq!(
            resolve_alias("train.rcut", &aliases),
            "train.descriptor.rcut"
        );
        assert_eq!(resolve_alias("train.sel", &aliases), "train.sel");
        let mut t: toml::Table = "epochs = 3\n[train]\nrcut = 6.0\n[train.descriptor]\nsel = [4]\n"
            .parse()
            .expect("valid toml");
        nest_aliases(&mut t, &aliases).expect("moved");
        assert_eq!(t["train"]["descriptor"]["rcut"], toml::Value::Float(6.0));
        assert_eq!(
            t["train"]["descriptor"]["sel"],
            toml::Value::Array(vec![4.into()])
        );
        assert!(t["train"].get("rcut").is_none());
        assert_eq!(t["epochs"], toml::Value::Integer(3));
        let mut twice: toml::Table = "[train]\nrcut = 6.0\n[train.descriptor]\nrcut = 5.0\n"
            .parse()
            .expect("valid toml");
        let e = nest_aliases(&mut twice, &aliases).expect_err("both spellings");
        assert!(e.to_string().contains("train.descriptor.rcut"), "{e}");
        assert!(e.to_string().contains("`train.rcut`"), "{e}");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn malformed_file_reports_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "epochs = 3\nlr = = 2\n").expect("write");
        let e = read_file(&p).expect_err("malformed");
        let s = e.to_string();
        assert!(s.contains("bad.toml") && s.contains("line 2"), "{s}");
        assert_eq!(e.exit_code(), 2);
    }
}
