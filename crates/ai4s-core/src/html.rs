//! The self-contained HTML report of `ai4s map`.
//!
//! The top is an overview taken in at a glance: the map as a grid of paradigms (rows) by fields
//! of science (columns), then one card per task, grouped by area, with a pass / miss / unchecked
//! mark, its headline metric beside its target and a thumbnail of its first figure (PNG, inlined
//! as base64). Below, one section per task with every metric and its figures inlined as SVG.

use crate::error::Result;
use crate::report::Report;
use crate::run::RunOutcome;
use crate::task::{Area, DynTask, Field};
use std::fmt::Write as _;
use std::path::Path;

/// How one task of the map ended.
pub struct MapEntry<'a> {
    /// The task.
    pub task: &'a dyn DynTask,
    /// Its outcome, or the error message.
    pub outcome: std::result::Result<RunOutcome, String>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        // Counts (epochs, parameters, seeds) read as integers.
        format!("{v:.0}")
    } else if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

/// How a task's goals came out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Every checked goal met.
    Pass,
    /// At least one goal missed.
    Miss,
    /// The task reported no goal to check.
    Unchecked,
    /// The task stopped with an error.
    Failed,
}

impl Mark {
    fn of(outcome: &std::result::Result<RunOutcome, String>) -> Mark {
        match outcome {
            Err(_) => Mark::Failed,
            Ok(o) if !o.report.goals_checked() => Mark::Unchecked,
            Ok(o) if o.report.all_goals_met() => Mark::Pass,
            Ok(_) => Mark::Miss,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Mark::Pass => "&#10003;",
            Mark::Miss => "&#10007;",
            Mark::Unchecked => "&#8211;",
            Mark::Failed => "!",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Mark::Pass => "ok",
            Mark::Miss | Mark::Failed => "bad",
            Mark::Unchecked => "none",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Mark::Pass => "every goal met",
            Mark::Miss => "a goal missed",
            Mark::Unchecked => "no goal checked",
            Mark::Failed => "failed",
        }
    }
}

/// Standard base64 (RFC 4648) with padding.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The metric a card shows: the first one with a goal (a missed one first), else the first.
fn headline(report: &Report) -> Option<String> {
    let pick = report
        .metrics
        .iter()
        .find(|m| m.goal.as_ref().is_some_and(|g| !g.met(m.value)))
        .or_else(|| report.metrics.iter().find(|m| m.goal.is_some()))
        .or_else(|| report.metrics.first())?;
    let target = pick
        .goal
        .as_ref()
        .map(|g| format!(" (target {})", g.describe()))
        .unwrap_or_default();
    Some(format!("{} = {}{target}", pick.name, fmt_value(pick.value)))
}

/// The overview: counts, the paradigms x fields grid, and one card per task.
fn overview(h: &mut String, entries: &[MapEntry<'_>]) {
    let marks: Vec<Mark> = entries.iter().map(|e| Mark::of(&e.outcome)).collect();
    let names_with = |m: Mark| -> Vec<&str> {
        entries
            .iter()
            .zip(&marks)
            .filter(|(_, k)| **k == m)
            .map(|(e, _)| e.task.name())
            .collect()
    };
    let count = |m: Mark| marks.iter().filter(|k| **k == m).count();
    let _ = write!(
        h,
        "<p class=\"counts\"><b>{}</b> task(s): <span class=\"ok\">{} meet every goal</span>",
        entries.len(),
        count(Mark::Pass)
    );
    for (m, what) in [
        (Mark::Miss, "miss a goal"),
        (Mark::Failed, "failed"),
        (Mark::Unchecked, "check no goal"),
    ] {
        let names = names_with(m);
        if !names.is_empty() {
            let _ = write!(
                h,
                "; <span class=\"{}\">{} {what} ({})</span>",
                m.class(),
                names.len(),
                esc(&names.join(", "))
            );
        }
    }
    h.push_str(".</p>");
    // The grid: only the areas and fields that have tasks.
    let areas: Vec<Area> = Area::ALL
        .into_iter()
        .filter(|a| entries.iter().any(|e| e.task.area() == *a))
        .collect();
    let fields: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| entries.iter().any(|e| e.task.field() == *f))
        .collect();
    h.push_str("<table class=\"grid\"><tr><th></th>");
    for f in &fields {
        let _ = write!(h, "<th>{}</th>", esc(f.name()));
    }
    h.push_str("</tr>");
    for a in &areas {
        let _ = write!(h, "<tr><th>{}</th>", a.name());
        for f in &fields {
            h.push_str("<td>");
            for (e, m) in entries.iter().zip(&marks) {
                if e.task.area() == *a && e.task.field() == *f {
                    let _ = write!(
                        h,
                        "<a class=\"{}\" href=\"#{1}\" title=\"{2}\">{3}&nbsp;{1}</a> ",
                        m.class(),
                        esc(e.task.name()),
                        m.title(),
                        m.symbol()
                    );
                }
            }
            h.push_str("</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    for a in &areas {
        let _ = write!(h, "<h3>{}</h3><div class=\"cards\">", a.name());
        for (e, m) in entries.iter().zip(&marks) {
            if e.task.area() != *a {
                continue;
            }
            let _ = write!(
                h,
                "<a class=\"card\" href=\"#{0}\"><div class=\"head\"><span class=\"mark {1}\" title=\"{2}\">{3}</span> <b>{0}</b> <span class=\"area\">{4}</span></div>",
                esc(e.task.name()),
                m.class(),
                m.title(),
                m.symbol(),
                esc(e.task.field().name())
            );
            match &e.outcome {
                Err(msg) => {
                    let short: String = msg.chars().take(160).collect();
                    let _ = write!(h, "<div class=\"metric bad\">{}</div>", esc(&short));
                }
                Ok(o) => {
                    if let Some(line) = headline(&o.report) {
                        let _ = write!(h, "<div class=\"metric\">{}</div>", esc(&line));
                    }
                    let png = o
                        .report
                        .figures
                        .first()
                        .and_then(|f| std::fs::read(o.out_dir.join(&f.png)).ok());
                    if let Some(bytes) = png {
                        let _ = write!(
                            h,
                            "<img loading=\"lazy\" alt=\"{}\" src=\"data:image/png;base64,{}\">",
                            esc(&o.report.figures[0].title),
                            base64(&bytes)
                        );
                    }
                }
            }
            h.push_str("</a>");
        }
        h.push_str("</div>");
    }
}

/// Renders the map report as one HTML page.
pub fn render_map(entries: &[MapEntry<'_>], device: &str, total_seconds: f64) -> Result<String> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ai4s: the AI-for-Science map</title><style>\
body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
h2{{border-bottom:1px solid #ccc;padding-bottom:.2em}} table{{border-collapse:collapse;margin:.5em 0}}\
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}} .ok{{color:#1a7f37}} .bad{{color:#c62828}} .none{{color:#777}}\
.fig svg{{max-width:100%;height:auto}} .area{{color:#666;font-style:italic}}\
.grid{{width:100%;table-layout:fixed}} .grid a{{text-decoration:none;display:inline-block}} .grid td,.grid th{{font-size:.8em;overflow-wrap:anywhere}}\
.cards{{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:.8em}}\
.card{{display:block;border:1px solid #ccc;border-radius:6px;padding:.5em;color:inherit;text-decoration:none}}\
.card img{{width:100%;height:auto;margin-top:.3em}} .card .metric{{font-size:.85em;margin-top:.2em;word-break:break-word}}\
.mark{{font-weight:bold;font-size:1.2em}}</style></head><body>\
<h1>ai4s: the AI-for-Science map</h1>\
<p>Science is hard because of the curse of dimensionality; machine learning handles high-dimensional problems. \
Every task below ran in quick mode on the <b>{}</b> backend (total wall time {:.1} s). \
&#10003; every goal met, &#10007; a goal missed, &#8211; no goal checked, ! failed.</p>",
        esc(device),
        total_seconds
    );
    overview(&mut h, entries);
    h.push_str("<h2>Tasks in detail</h2>");
    let mut last_area: Option<Area> = None;
    for e in entries {
        if last_area != Some(e.task.area()) {
            let _ = write!(h, "<p class=\"area\">{}</p>", esc(e.task.area().blurb()));
            last_area = Some(e.task.area());
        }
        let _ = write!(
            h,
            "<h2 id=\"{0}\">{0}</h2><p class=\"area\">{1}</p><p>{2}</p>",
            esc(e.task.name()),
            e.task.area(),
            esc(e.task.demonstrates())
        );
        match &e.outcome {
            Err(msg) => {
                let _ = write!(h, "<p class=\"bad\">failed: {}</p>", esc(msg));
            }
            Ok(o) => {
                h.push_str("<table><tr><th>metric</th><th>value</th><th>target</th><th>reference</th></tr>");
                for m in &o.report.metrics {
                    let (goal, class) = match &m.goal {
                        Some(g) if g.met(m.value) => (g.describe(), "ok"),
                        Some(g) => (g.describe(), "bad"),
                        None => (String::new(), ""),
                    };
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&m.name),
                        fmt_value(m.value),
                        esc(&goal),
                        esc(m.reference.as_deref().unwrap_or(""))
                    );
                }
                let _ = write!(
                    h,
                    "</table><p>wall time {:.1} s, seed {}, output <code>{}</code></p>",
                    o.summary.wall_seconds,
                    o.summary.seed,
                    esc(&o.out_dir.display().to_string())
                );
                for f in &o.report.figures {
                    let svg = std::fs::read_to_string(o.out_dir.join(&f.svg)).unwrap_or_default();
                    // Inline the <svg> element itself, without any XML prologue.
                    let svg = match svg.find("<svg") {
                        Some(i) => &svg[i..],
                        None => svg.as_str(),
                    };
                    let _ = write!(
                        h,
                        "<div class=\"fig\"><h4>{}</h4>{svg}</div>",
                        esc(&f.title)
                    );
                }
                for s in &o.report.skipped {
                    let _ = write!(
                        h,
                        "<p class=\"bad\">goal on <code>{}</code> not judged: {}</p>",
                        esc(&s.name),
                        esc(&s.reason)
                    );
                }
                for n in &o.report.notes {
                    let _ = write!(h, "<p><i>{}</i></p>", esc(n));
                }
            }
        }
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

/// Writes the report atomically.
pub fn write_map(
    path: &Path,
    entries: &[MapEntry<'_>],
    device: &str,
    total_seconds: f64,
) -> Result<()> {
    let html = render_map(entries, device, total_seconds)?;
    crate::io::write_atomic(path, html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }

    #[test]
    fn integers_print_as_integers() {
        assert_eq!(fmt_value(60.0), "60");
        assert_eq!(fmt_value(4801.0), "4801");
        assert_eq!(fmt_value(0.5), "0.5000");
        assert_eq!(fmt_value(1.5e-5), "1.500e-5");
    }
}
