//! The document as text: JSON written with YAML-1.1-safe floats, and JSON or DeePMD-kit's block
//! YAML read back (with a bound on flow nesting).

use super::*;

/// Writes `doc` as JSON (which is also YAML) with floats that YAML 1.1 readers take as floats.
pub fn to_text(doc: &Value) -> Result<String> {
    let mut out = String::new();
    write_value(doc, 0, &mut out)?;
    out.push('\n');
    Ok(out)
}

pub(super) fn float_text(x: f64) -> Result<String> {
    if !x.is_finite() {
        return Err(Error::Runtime(format!(
            "the model holds a non-finite number ({x}); it cannot be exported"
        )));
    }
    // Shortest round-trip digits, then `d.ddde[+-]x` (PyYAML needs the dot and the sign).
    let s = format!("{x:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mant = if mant.contains('.') {
        mant.to_string()
    } else {
        format!("{mant}.0")
    };
    let exp = if exp.starts_with('-') {
        exp.to_string()
    } else {
        format!("+{exp}")
    };
    Ok(format!("{mant}e{exp}"))
}

pub(super) fn write_value(v: &Value, indent: usize, out: &mut String) -> Result<()> {
    let pad = |n: usize| " ".repeat(n);
    match v {
        Value::Number(n) if n.is_f64() => out.push_str(&float_text(n.as_f64().unwrap_or(0.0))?),
        Value::Array(items) if items.iter().all(|x| !x.is_object()) => {
            // Arrays of numbers (and nested lists of them) on one line.
            out.push('[');
            for (k, x) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_value(x, indent, out)?;
            }
            out.push(']');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (k, x) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_value(x, indent + 1, out)?;
                out.push_str(if k + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (k, (key, x)) in map.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_value(x, indent + 1, out)?;
                out.push_str(if k + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
    Ok(())
}

/// Parses a DeePMD-kit document, YAML or JSON (JSON is YAML). Numbers are read with Rust's
/// correctly rounded float parser, so an exported document reads back bit for bit.
pub fn parse(text: &str) -> Res<Value> {
    if let Some(line) = flow_too_deep(text) {
        return Err(format!(
            "not a model document: brackets nested deeper than {MAX_FLOW_DEPTH} levels at line {line}"
        ));
    }
    serde_norway::from_str(text).map_err(|e| format!("not valid YAML or JSON: {e}"))
}

/// Deepest nesting of `[`/`{` accepted (a model document nests about a dozen levels). The YAML
/// parser refuses deeper documents as well, but only after tokenising all of the text, which
/// for a file of unclosed brackets takes seconds and about 160 bytes of memory per byte.
pub(super) const MAX_FLOW_DEPTH: usize = 128;

/// The line where `[`/`{` first nest deeper than [`MAX_FLOW_DEPTH`], outside quoted strings and
/// comments. Errs towards not counting (a bracket inside a plain string is counted, but 128
/// unclosed ones do not occur in a model document); the YAML parser keeps its own limit.
pub(super) fn flow_too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line, mut prev) = (0usize, 1usize, '\n');
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\n' => line += 1,
            // A comment, to the end of the line.
            '#' if prev.is_whitespace() => {
                it.by_ref().take_while(|&d| d != '\n').for_each(drop);
                line += 1;
                prev = '\n';
                continue;
            }
            // A quoted string (at the start of a value): brackets inside are text.
            '"' | '\'' if prev.is_whitespace() || ":-?,[{".contains(prev) => {
                while let Some(d) = it.next() {
                    match d {
                        '\n' => line += 1,
                        '\\' if c == '"' => {
                            it.next();
                        }
                        '\'' if c == '\'' && it.peek() == Some(&'\'') => {
                            it.next();
                        }
                        d if d == c => break,
                        _ => {}
                    }
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(line);
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}
