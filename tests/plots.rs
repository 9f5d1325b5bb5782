//! Every figure kind renders to a valid, non-trivial SVG and PNG with text, on a machine
//! without system fonts (the font is embedded).

use ai4s::core::plot::{Labels, Plot, Series, render};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn each_plot_kind_renders_svg_and_png() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wave: Vec<(f64, f64)> = (0..50)
        .map(|i| (i as f64, (i as f64 / 5.0).sin()))
        .collect();
    let power: Vec<(f64, f64)> = (1..20)
        .map(|i| (i as f64 * 10.0, 2.0 * (i as f64 * 10.0).powf(-0.5)))
        .collect();
    let plots = [
        (
            "line",
            Plot::Line {
                labels: Labels::new("Line Title", "epoch", "loss"),
                series: vec![Series::new("alpha", wave.clone())],
                log_y: false,
            },
        ),
        (
            "logy",
            Plot::Line {
                labels: Labels::new("Log Title", "epoch", "loss"),
                series: vec![Series::new("beta", power.clone())],
                log_y: true,
            },
        ),
        (
            "loglog",
            Plot::LogLog {
                labels: Labels::new("Scaling Title", "N", "error"),
                series: vec![Series::new("gamma", power)],
            },
        ),
        (
            "scatter",
            Plot::Scatter {
                labels: Labels::new("Scatter Title", "x", "y"),
                series: vec![
                    Series::new("delta", wave.clone()),
                    Series::new("eps", wave.iter().map(|p| (p.0, -p.1)).collect()),
                ],
            },
        ),
        (
            "parity",
            Plot::Parity {
                labels: Labels::new("Parity Title", "truth", "prediction"),
                reference: vec![1.0, 2.0, 3.0],
                predicted: vec![1.1, 1.9, 3.2],
            },
        ),
        (
            "hist",
            Plot::Histogram {
                labels: Labels::new("Histogram Title", "value", "count"),
                samples: vec![("zeta".into(), wave.iter().map(|p| p.1).collect())],
                bins: 12,
            },
        ),
        (
            "heat",
            Plot::Heatmap {
                labels: Labels::new("Heat Title", "predicted", "true"),
                values: vec![vec![5.0, 1.0], vec![0.0, 7.0]],
                col_ticks: vec!["a".into(), "b".into()],
                row_ticks: vec![],
                annotate: true,
            },
        ),
    ];
    for (stem, plot) in &plots {
        let fig = render(&dir.path().join(stem), plot).expect("figure renders");
        let svg = std::fs::read_to_string(dir.path().join(&fig.svg)).expect("svg exists");
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{stem}: not an SVG document"
        );
        assert!(svg.contains("Title"), "{stem}: title text missing from SVG");
        assert!(
            svg.matches("<text").count() >= 4,
            "{stem}: axis labels missing"
        );
        let png = std::fs::read(dir.path().join(&fig.png)).expect("png exists");
        assert_eq!(png_size(&png), (800, 560), "{stem}");
        // A blank 800x560 PNG compresses to well under 4 kB; text, axes and data make it larger.
        assert!(
            png.len() > 8_000,
            "{stem}: PNG suspiciously small ({} bytes)",
            png.len()
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary files left behind");
}

#[test]
fn png_text_is_drawn_with_the_embedded_font() {
    // The same plot with and without a title: the PNG differs only if glyphs were rasterised.
    let dir = tempfile::tempdir().expect("tempdir");
    let pts = vec![(0.0, 0.0), (1.0, 1.0)];
    let a = render(
        &dir.path().join("a"),
        &Plot::Line {
            labels: Labels::new("", "", ""),
            series: vec![],
            log_y: false,
        },
    )
    .expect("renders");
    let b = render(
        &dir.path().join("b"),
        &Plot::Line {
            labels: Labels::new("Some Title Text", "x axis", "y axis"),
            series: vec![Series::new("s", pts)],
            log_y: false,
        },
    )
    .expect("renders");
    let pa = std::fs::read(dir.path().join(a.png)).expect("png");
    let pb = std::fs::read(dir.path().join(b.png)).expect("png");
    assert_ne!(pa, pb);
    assert!(pb.len() > pa.len());
}
