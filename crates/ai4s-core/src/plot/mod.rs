//! Figures with plotters: line, log-log with fitted slope, scatter, parity, histogram, heat map.
//!
//! Every figure is written twice, as `<stem>.svg` and `<stem>.png`, atomically. Text is drawn
//! with an embedded DejaVu Sans (registered with plotters' `ab_glyph` renderer), so PNGs render
//! on machines without any system fonts; SVGs carry text as `<text>` in a generic sans-serif
//! family that every viewer has.

use crate::error::{Error, Result};
use crate::report::Figure;
use plotters::coord::Shift;
use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

mod heatmap;
mod ticks;

pub use heatmap::*;
use ticks::{axis_tick, fmt_tick};

const FONT: &str = "sans-serif";
const SIZE: (u32, u32) = (800, 560);
static FONT_INIT: Once = Once::new();

fn register_font() {
    FONT_INIT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/DejaVuSans.ttf");
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The font is compiled in and known to parse; a failure would only lose text.
            let _ = plotters::style::register_font(FONT, style, bytes);
        }
    });
}

/// A named set of points.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from a name and points.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
        }
    }
}

/// Axis labels and title shared by all plot kinds.
#[derive(Clone, Debug)]
pub struct Labels {
    /// Title above the plot.
    pub title: String,
    /// x-axis label.
    pub x: String,
    /// y-axis label.
    pub y: String,
}

impl Labels {
    /// Title and axis labels.
    pub fn new(title: &str, x: &str, y: &str) -> Self {
        Labels {
            title: title.into(),
            x: x.into(),
            y: y.into(),
        }
    }
}

/// A figure to draw.
#[derive(Clone, Debug)]
pub enum Plot {
    /// Lines on linear axes (log y optional).
    Line {
        /// Labels.
        labels: Labels,
        /// Curves.
        series: Vec<Series>,
        /// Logarithmic y axis.
        log_y: bool,
    },
    /// Lines with markers on log-log axes; the legend carries each series' fitted slope.
    LogLog {
        /// Labels.
        labels: Labels,
        /// Curves.
        series: Vec<Series>,
    },
    /// Points.
    Scatter {
        /// Labels.
        labels: Labels,
        /// Point groups (one colour each).
        series: Vec<Series>,
    },
    /// Prediction against reference with the line y = x.
    Parity {
        /// Labels (x: reference, y: prediction).
        labels: Labels,
        /// Reference values.
        reference: Vec<f64>,
        /// Predicted values.
        predicted: Vec<f64>,
    },
    /// Histograms of one or more samples on shared bins.
    Histogram {
        /// Labels (y is the count or density).
        labels: Labels,
        /// Named samples.
        samples: Vec<(String, Vec<f64>)>,
        /// Number of bins.
        bins: usize,
    },
    /// A matrix as coloured cells (row 0 at the top).
    Heatmap {
        /// Labels.
        labels: Labels,
        /// Row-major values, `values[row][col]`.
        values: Vec<Vec<f64>>,
        /// Column tick labels (empty for numbers).
        col_ticks: Vec<String>,
        /// Row tick labels (empty for numbers).
        row_ticks: Vec<String>,
        /// Write each value in its cell.
        annotate: bool,
    },
    /// A matrix as coloured cells with a text in each cell (e.g. policy arrows); non-finite
    /// values are drawn grey (walls, masked cells).
    LabelledCells {
        /// Labels.
        labels: Labels,
        /// Row-major values, `values[row][col]`.
        values: Vec<Vec<f64>>,
        /// Text per cell, same shape as `values` (empty strings for none).
        text: Vec<Vec<String>>,
    },
}

/// Renders `plot` to `<stem>.svg` and `<stem>.png` atomically and returns the [`Figure`]
/// (file names relative to the stem's directory).
pub fn render(stem: &Path, plot: &Plot) -> Result<Figure> {
    register_font();
    let svg = stem.with_extension("svg");
    let png = stem.with_extension("png");
    for p in [&svg, &png] {
        crate::io::produce_atomic(p, |tmp| {
            if p == &svg {
                let root = SVGBackend::new(tmp, SIZE).into_drawing_area();
                plot.draw(&root)?;
                root.present().map_err(fmt_err)
            } else {
                let root = BitMapBackend::new(tmp, SIZE).into_drawing_area();
                plot.draw(&root)?;
                root.present().map_err(fmt_err)
            }
        })?;
    }
    let name = |p: &Path| {
        p.file_name()
            .map(std::path::PathBuf::from)
            .ok_or_else(|| Error::Runtime(format!("bad figure path {}", p.display())))
    };
    Ok(Figure {
        title: plot.labels().title.clone(),
        svg: name(&svg)?,
        png: name(&png)?,
    })
}

fn fmt_err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn color(i: usize) -> RGBColor {
    // Matplotlib's tab10: ten distinguishable colours (one per digit class).
    const C: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    C[i % C.len()]
}

fn bounds(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return if log { (0.1, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        if hi <= lo {
            return (lo / 2.0, hi * 2.0);
        }
        let r = (hi / lo).powf(0.05);
        (lo / r, hi * r)
    } else {
        let pad = if hi > lo {
            0.05 * (hi - lo)
        } else {
            0.5f64.max(lo.abs() * 0.1)
        };
        (lo - pad, hi + pad)
    }
}

/// The plot corner with the fewest data points, for the legend.
fn emptiest_corner(series: &[Series], log_x: bool, log_y: bool) -> SeriesLabelPosition {
    let tr = |v: f64, log: bool| {
        if log {
            v.max(f64::MIN_POSITIVE).log10()
        } else {
            v
        }
    };
    let pts: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| {
            p.0.is_finite() && p.1.is_finite() && (!log_x || p.0 > 0.0) && (!log_y || p.1 > 0.0)
        })
        .map(|p| (tr(p.0, log_x), tr(p.1, log_y)))
        .collect();
    let (x0, x1) = bounds(pts.iter().map(|p| p.0), false);
    let (y0, y1) = bounds(pts.iter().map(|p| p.1), false);
    let corners = [
        (SeriesLabelPosition::UpperRight, 1.0, 1.0),
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0),
        (SeriesLabelPosition::LowerRight, 1.0, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
    ];
    let mut best = (SeriesLabelPosition::UpperRight, usize::MAX);
    for (pos, cx, cy) in corners {
        let n = pts
            .iter()
            .filter(|p| {
                let u = (p.0 - x0) / (x1 - x0).max(f64::MIN_POSITIVE);
                let v = (p.1 - y0) / (y1 - y0).max(f64::MIN_POSITIVE);
                (u - cx).abs() < 0.45 && (v - cy).abs() < 0.35
            })
            .count();
        if n < best.1 {
            best = (pos, n);
        }
    }
    best.0
}

fn lin(a: f64, b: f64) -> RangedCoordf64 {
    (a..b).into()
}

fn log(a: f64, b: f64) -> LogCoord<f64> {
    (a..b).log_scale().into()
}

type Area<'a, DB> = DrawingArea<DB, Shift>;

impl Plot {
    fn labels(&self) -> &Labels {
        match self {
            Plot::Line { labels, .. }
            | Plot::LogLog { labels, .. }
            | Plot::Scatter { labels, .. }
            | Plot::Parity { labels, .. }
            | Plot::Histogram { labels, .. }
            | Plot::Heatmap { labels, .. }
            | Plot::LabelledCells { labels, .. } => labels,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<'_, DB>) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(fmt_err)?;
        let xs = |s: &[Series]| {
            s.iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .collect::<Vec<_>>()
        };
        let ys = |s: &[Series]| {
            s.iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .collect::<Vec<_>>()
        };
        match self {
            Plot::Line {
                labels,
                series,
                log_y,
            } => {
                let (x0, x1) = bounds(xs(series).into_iter(), false);
                let (y0, y1) = bounds(ys(series).into_iter(), *log_y);
                let corner = emptiest_corner(series, false, *log_y);
                if *log_y {
                    let chart = chart_axes(
                        root,
                        labels,
                        (lin(x0, x1), None),
                        (log(y0, y1), Some((y0, y1))),
                    )?;
                    lines(chart, labels, series, false, &[], corner)
                } else {
                    let chart = chart(root, labels, lin(x0, x1), lin(y0, y1))?;
                    lines(chart, labels, series, false, &[], corner)
                }
            }
            Plot::LogLog { labels, series } => {
                let (x0, x1) = bounds(xs(series).into_iter(), true);
                let (y0, y1) = bounds(ys(series).into_iter(), true);
                let slopes: Vec<String> = series
                    .iter()
                    .map(|s| match crate::metrics::loglog_slope(&s.points) {
                        Some((k, _)) => format!("{} (slope {k:.2})", s.name),
                        None => s.name.clone(),
                    })
                    .collect();
                let chart = chart_axes(
                    root,
                    labels,
                    (log(x0, x1), Some((x0, x1))),
                    (log(y0, y1), Some((y0, y1))),
                )?;
                lines(
                    chart,
                    labels,
                    series,
                    true,
                    &slopes,
                    emptiest_corner(series, true, true),
                )
            }
            Plot::Scatter { labels, series } => {
                let (x0, x1) = bounds(xs(series).into_iter(), false);
                let (y0, y1) = bounds(ys(series).into_iter(), false);
                let mut chart = chart(root, labels, lin(x0, x1), lin(y0, y1))?;
                for (i, s) in series.iter().enumerate() {
                    let c = color(i);
                    chart
                        .draw_series(
                            s.points
                                .iter()
                                .map(|&p| Circle::new(p, 3, c.mix(0.7).filled())),
                        )
                        .map_err(fmt_err)?
                        .label(s.name.clone())
                        .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
                }
                legend(
                    &mut chart,
                    series.len(),
                    emptiest_corner(series, false, false),
                )
            }
            Plot::Parity {
                labels,
                reference,
                predicted,
            } => {
                let (lo, hi) = bounds(reference.iter().chain(predicted.iter()).copied(), false);
                let mut chart = chart(root, labels, lin(lo, hi), lin(lo, hi))?;
                chart
                    .draw_series(LineSeries::new(
                        vec![(lo, lo), (hi, hi)],
                        BLACK.mix(0.6).stroke_width(1),
                    ))
                    .map_err(fmt_err)?
                    .label("y = x")
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
                let rmse = if reference.is_empty() {
                    f64::NAN
                } else {
                    crate::metrics::rmse(predicted, reference)
                };
                let c = color(0);
                chart
                    .draw_series(
                        reference
                            .iter()
                            .zip(predicted)
                            .map(|(&r, &p)| Circle::new((r, p), 2, c.mix(0.5).filled())),
                    )
                    .map_err(fmt_err)?
                    .label(format!("n = {}, RMSE = {rmse:.3e}", reference.len()))
                    .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
                legend(&mut chart, 2, SeriesLabelPosition::UpperLeft)
            }
            Plot::Histogram {
                labels,
                samples,
                bins,
            } => {
                let bins = (*bins).max(1);
                let (lo, hi) = bounds(samples.iter().flat_map(|s| s.1.iter().copied()), false);
                let w = (hi - lo) / bins as f64;
                let counts: Vec<Vec<f64>> = samples
                    .iter()
                    .map(|(_, v)| {
                        let mut c = vec![0.0; bins];
                        for x in v.iter().filter(|x| x.is_finite()) {
                            let b = (((x - lo) / w).floor() as usize).min(bins - 1);
                            c[b] += 1.0;
                        }
                        c
                    })
                    .collect();
                let ymax = counts.iter().flatten().copied().fold(1.0, f64::max) * 1.08;
                let mut chart = chart(root, labels, lin(lo, hi), lin(0.0, ymax))?;
                for (i, ((name, _), c)) in samples.iter().zip(&counts).enumerate() {
                    let col = color(i);
                    chart
                        .draw_series(c.iter().enumerate().map(|(b, &n)| {
                            let x0 = lo + b as f64 * w;
                            Rectangle::new([(x0, 0.0), (x0 + w, n)], col.mix(0.45).filled())
                        }))
                        .map_err(fmt_err)?
                        .label(name.clone())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 5), (x + 15, y + 5)], col.mix(0.6).filled())
                        });
                }
                legend(&mut chart, samples.len(), SeriesLabelPosition::UpperRight)
            }
            Plot::Heatmap {
                labels,
                values,
                col_ticks,
                row_ticks,
                annotate,
            } => {
                let text = annotate.then(|| {
                    values
                        .iter()
                        .map(|r| r.iter().map(|&v| fmt_tick(v)).collect())
                        .collect::<Vec<Vec<String>>>()
                });
                heatmap(root, labels, values, col_ticks, row_ticks, text.as_deref())
            }
            Plot::LabelledCells {
                labels,
                values,
                text,
            } => heatmap(root, labels, values, &[], &[], Some(text)),
        }
    }
}

fn chart<'a, DB, X, Y>(
    root: &'a Area<'_, DB>,
    labels: &Labels,
    x: X,
    y: Y,
) -> std::result::Result<ChartContext<'a, DB, Cartesian2d<X, Y>>, String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart_axes(root, labels, (x, None), (y, None))
}

/// A chart whose axes carry `(range, Some((lo, hi)))` for a log axis over `lo..hi` (its tick
/// labels thinned to mantissas 1, 2, 5, and 3 on short spans, so they never crowd) or
/// `(range, None)` for a linear axis.
fn chart_axes<'a, DB, X, Y>(
    root: &'a Area<'_, DB>,
    labels: &Labels,
    (x, x_log): (X, Option<(f64, f64)>),
    (y, y_log): (Y, Option<(f64, f64)>),
) -> std::result::Result<ChartContext<'a, DB, Cartesian2d<X, Y>>, String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut c = ChartBuilder::on(root)
        .caption(&labels.title, (FONT, 22))
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(fmt_err)?;
    c.configure_mesh()
        .x_desc(labels.x.as_str())
        .y_desc(labels.y.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&|v| axis_tick(*v, x_log))
        .y_label_formatter(&|v| axis_tick(*v, y_log))
        .draw()
        .map_err(fmt_err)?;
    Ok(c)
}

fn lines<'a, DB, X, Y>(
    mut chart: ChartContext<'a, DB, Cartesian2d<X, Y>>,
    _labels: &Labels,
    series: &[Series],
    markers: bool,
    names: &[String],
    corner: SeriesLabelPosition,
) -> std::result::Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        let name = names.get(i).cloned().unwrap_or_else(|| s.name.clone());
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
            .map_err(fmt_err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        if markers {
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                .map_err(fmt_err)?;
        }
    }
    legend(&mut chart, series.len(), corner)
}

fn legend<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    n: usize,
    corner: SeriesLabelPosition,
) -> std::result::Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if n == 0 {
        return Ok(());
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .label_font((FONT, 13))
        .position(corner)
        .draw()
        .map_err(fmt_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_spans_dark_to_bright() {
        let a = colormap(0.0);
        let b = colormap(1.0);
        assert!(
            u32::from(a.0) + u32::from(a.1) + u32::from(a.2)
                < u32::from(b.0) + u32::from(b.1) + u32::from(b.2)
        );
    }
}
