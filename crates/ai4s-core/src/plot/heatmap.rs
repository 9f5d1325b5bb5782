//! Heat maps (values on a grid, with a colour bar) and labelled cell grids.

use super::*;

/// Viridis-like colour map for `t` in [0, 1].
pub fn colormap(t: f64) -> RGBColor {
    const A: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (A.len() - 1) as f64;
    let i = (x.floor() as usize).min(A.len() - 2);
    let f = x - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    RGBColor(
        mix(A[i].0, A[i + 1].0),
        mix(A[i].1, A[i + 1].1),
        mix(A[i].2, A[i + 1].2),
    )
}

pub(super) fn heatmap<DB: DrawingBackend>(
    root: &Area<'_, DB>,
    labels: &Labels,
    values: &[Vec<f64>],
    col_ticks: &[String],
    row_ticks: &[String],
    text: Option<&[Vec<String>]>,
) -> std::result::Result<(), String> {
    let rows = values.len().max(1);
    let cols = values.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let (lo, hi) = bounds(values.iter().flatten().copied(), false);
    let (vmin, vmax) = {
        let finite: Vec<f64> = values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let mn = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let mx = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if mn.is_finite() && mx > mn {
            (mn, mx)
        } else {
            (lo, hi)
        }
    };
    let title = format!(
        "{}  [colour: {} .. {}]",
        labels.title,
        fmt_tick(vmin),
        fmt_tick(vmax)
    );
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..cols as f64, 0.0..rows as f64)
        .map_err(fmt_err)?;
    let ct = col_ticks.to_vec();
    let rt = row_ticks.to_vec();
    let tick = |ticks: &[String], v: f64, n: usize, flip: bool| {
        let i = v.floor() as usize;
        if ticks.is_empty() && n > 20 {
            // Large matrices: plain numbers at cell boundaries.
            return if v.fract() == 0.0 && i <= n {
                (if flip { n - i } else { i }).to_string()
            } else {
                String::new()
            };
        }
        if v.fract() != 0.5 || i >= n {
            return String::new();
        }
        let i = if flip { n - 1 - i } else { i };
        ticks.get(i).cloned().unwrap_or_else(|| i.to_string())
    };
    let xf = |v: &f64| tick(&ct, *v, cols, false);
    let yf = |v: &f64| tick(&rt, *v, rows, true);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(labels.x.as_str())
        .y_desc(labels.y.as_str())
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 16))
        .x_labels(if cols > 20 { 11 } else { cols * 2 + 1 })
        .y_labels(if rows > 20 { 11 } else { rows * 2 + 1 })
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .draw()
        .map_err(fmt_err)?;
    let span = (vmax - vmin).max(f64::MIN_POSITIVE);
    chart
        .draw_series(values.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, &v)| {
                let y = (rows - 1 - r) as f64;
                let fill = if v.is_finite() {
                    colormap((v - vmin) / span)
                } else {
                    RGBColor(150, 150, 150)
                };
                Rectangle::new([(c as f64, y), (c as f64 + 1.0, y + 1.0)], fill.filled())
            })
        }))
        .map_err(fmt_err)?;
    if let Some(text) = text.filter(|_| rows * cols <= 400) {
        for (r, row) in values.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                let Some(label) = text.get(r).and_then(|t| t.get(c)) else {
                    continue;
                };
                let y = (rows - 1 - r) as f64 + 0.5;
                let t = if v.is_finite() {
                    (v - vmin) / span
                } else {
                    1.0
                };
                let col = if t > 0.6 { BLACK } else { WHITE };
                let style = TextStyle::from((FONT, 12).into_font()).color(&col).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                );
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        (c as f64 + 0.5, y),
                        style,
                    )))
                    .map_err(fmt_err)?;
            }
        }
    }
    Ok(())
}
