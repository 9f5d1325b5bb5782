//! The self-contained HTML report of `ai4s map`: one section per task, figures inlined as SVG.

use crate::error::Result;
use crate::run::RunOutcome;
use crate::task::{Area, DynTask};
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
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

/// Renders the map report as one HTML page.
pub fn render_map(entries: &[MapEntry<'_>], device: &str, total_seconds: f64) -> Result<String> {
    let mut h = String::new();
    let passed = entries
        .iter()
        .filter(|e| e.outcome.as_ref().is_ok_and(|o| o.report.all_goals_met()))
        .count();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ai4s: the AI-for-Science map</title><style>\
body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\
h2{{border-bottom:1px solid #ccc;padding-bottom:.2em}} table{{border-collapse:collapse;margin:.5em 0}}\
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}} .ok{{color:#1a7f37}} .bad{{color:#c62828}}\
.fig svg{{max-width:100%;height:auto}} .area{{color:#666;font-style:italic}}</style></head><body>\
<h1>ai4s: the AI-for-Science map</h1>\
<p>Science is hard because of the curse of dimensionality; machine learning handles high-dimensional problems. \
Each section below is one task of the map, run in quick mode on the <b>{}</b> backend: what it demonstrates, \
its figures, and its metrics beside the reference numbers it targets.</p>\
<p>{} task(s), {} meeting every target; total wall time {:.1} s.</p><ul>",
        esc(device),
        entries.len(),
        passed,
        total_seconds
    );
    for e in entries {
        let _ = write!(
            h,
            "<li><a href=\"#{0}\">{0}</a> <span class=\"area\">({1})</span></li>",
            esc(e.task.name()),
            e.task.area()
        );
    }
    h.push_str("</ul>");
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
