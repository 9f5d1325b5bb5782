//! Position weight matrices read back from data, compared, and written out.
//!
//! - Counting: aligned sites give `p_j(b) = (n_j(b) + a/4) / (n + a)` with a small pseudocount `a`.
//! - Comparison: the column-wise Pearson correlation of two PWMs, averaged over the aligned
//!   columns, maximised over offsets and both strands (the column score of Tomtom: Gupta et al.,
//!   Genome Biol. 8, R24 (2007)). At most two columns of the shorter motif may hang over.
//! - Output: MEME minimal motif format (Bailey et al. 2009, <https://meme-suite.org/meme/doc/meme-format.html>),
//!   JASPAR matrix format (Castro-Mondragon et al. 2022, <https://jaspar.elixir.no/docs/>): a
//!   header `>ID name`, then one row per base `A  [ n_1 n_2 ... ]` (then C, G, T) of counts,
//!   written as the PWM's probabilities times its number of sites (two decimals; the plain
//!   probabilities when no site was counted), read by MEME's `jaspar2meme`, Biopython's
//!   `Bio.motifs.read(f, "jaspar")` and JASPAR's tools; and sequence logos (Schneider & Stephens, Nucleic Acids Res. 18, 6097 (1990)): at each
//!   position the letters are stacked by probability, the stack `IC_j` bits high, each letter
//!   `p_j(b) IC_j` high, the most frequent on top. The logo is an SVG written here, because the
//!   plot module has no logo kind: letters are `<text>` glyphs stretched to their heights.

use super::sequences::{BASES, Pwm, column_ic};

/// A PWM from aligned sites of equal width, with pseudocount `pseudo` spread evenly.
pub fn from_sites(sites: &[Vec<u8>], width: usize, pseudo: f64) -> Pwm {
    let mut cols = vec![[pseudo / 4.0; 4]; width];
    for s in sites {
        // An `N` or padding position counts for no base.
        for (c, &b) in cols.iter_mut().zip(s) {
            if let Some(v) = c.get_mut(b as usize) {
                *v += 1.0;
            }
        }
    }
    for c in cols.iter_mut() {
        let t: f64 = c.iter().sum();
        c.iter_mut().for_each(|v| *v /= t);
    }
    Pwm { cols }
}

fn pearson(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let (ma, mb) = (a.iter().sum::<f64>() / 4.0, b.iter().sum::<f64>() / 4.0);
    let mut sab = 0.0;
    let (mut saa, mut sbb) = (0.0, 0.0);
    for k in 0..4 {
        sab += (a[k] - ma) * (b[k] - mb);
        saa += (a[k] - ma).powi(2);
        sbb += (b[k] - mb).powi(2);
    }
    if saa <= 1e-15 || sbb <= 1e-15 {
        return 0.0;
    }
    sab / (saa * sbb).sqrt()
}

/// How a learned motif lines up with a reference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alignment {
    /// Mean column-wise Pearson correlation over the aligned columns.
    pub correlation: f64,
    /// Column of the (possibly reverse-complemented) learned motif aligned with the reference's
    /// first column (negative: the reference starts before it).
    pub offset: isize,
    /// Whether the learned motif matches on the reverse strand.
    pub reverse: bool,
}

/// Best alignment of `learned` to `reference` over offsets and both strands.
pub fn compare(learned: &Pwm, reference: &Pwm) -> Alignment {
    let (wl, wr) = (learned.width() as isize, reference.width() as isize);
    let min_overlap = (wl.min(wr) - 2).max(1);
    let mut best = Alignment {
        correlation: f64::NEG_INFINITY,
        offset: 0,
        reverse: false,
    };
    for reverse in [false, true] {
        let l = if reverse {
            learned.reverse_complement()
        } else {
            learned.clone()
        };
        for offset in -(wr - 1)..wl {
            // Reference column j sits at learned column offset + j.
            let pairs: Vec<f64> = (0..wr)
                .filter_map(|j| {
                    let i = offset + j;
                    (0..wl)
                        .contains(&i)
                        .then(|| pearson(&l.cols[i as usize], &reference.cols[j as usize]))
                })
                .collect();
            if (pairs.len() as isize) < min_overlap {
                continue;
            }
            let c = pairs.iter().sum::<f64>() / pairs.len() as f64;
            if c > best.correlation {
                best = Alignment {
                    correlation: c,
                    offset,
                    reverse,
                };
            }
        }
    }
    best
}

/// `learned` turned to the reference's strand and cut or padded (uniform columns) to the
/// reference's columns, for drawing the two one above the other.
pub fn aligned_to(learned: &Pwm, reference: &Pwm, a: &Alignment) -> Pwm {
    let l = if a.reverse {
        learned.reverse_complement()
    } else {
        learned.clone()
    };
    let cols = (0..reference.width() as isize)
        .map(|j| {
            let i = a.offset + j;
            if (0..l.width() as isize).contains(&i) {
                l.cols[i as usize]
            } else {
                [0.25; 4]
            }
        })
        .collect();
    Pwm { cols }
}

/// MEME minimal motif format: `motifs` as (name, PWM, number of sites).
pub fn to_meme(motifs: &[(String, &Pwm, usize)], background: &[f64; 4]) -> String {
    let mut s = String::from("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n");
    s.push_str("Background letter frequencies\n");
    for (b, f) in BASES.iter().zip(background) {
        s.push_str(&format!("{b} {f:.4} "));
    }
    s.push_str("\n\n");
    for (name, pwm, n) in motifs {
        s.push_str(&format!(
            "MOTIF {name}\nletter-probability matrix: alength= 4 w= {} nsites= {n} E= 0\n",
            pwm.width()
        ));
        for c in &pwm.cols {
            s.push_str(&format!(
                " {:.6}  {:.6}  {:.6}  {:.6}\n",
                c[0], c[1], c[2], c[3]
            ));
        }
        s.push('\n');
    }
    s
}

/// Reads the matrices back from MEME text (for round-trip checks and user files).
pub fn parse_meme(text: &str) -> Vec<(String, Pwm)> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("MOTIF ") else {
            continue;
        };
        let Some(header) = lines.next() else { break };
        let w = header
            .split_whitespace()
            .skip_while(|t| *t != "w=")
            .nth(1)
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(0);
        let cols = (0..w)
            .filter_map(|_| lines.next())
            .filter_map(|l| {
                let v: Vec<f64> = l
                    .split_whitespace()
                    .filter_map(|t| t.parse().ok())
                    .collect();
                (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
            })
            .collect();
        out.push((name.trim().to_owned(), Pwm { cols }));
    }
    out
}

/// JASPAR matrix format: `motifs` as (identifier, name, PWM, number of sites); counts are the
/// probabilities times the sites (the probabilities themselves for zero sites).
pub fn to_jaspar(motifs: &[(String, String, &Pwm, usize)]) -> String {
    let mut s = String::new();
    for (id, name, pwm, n) in motifs {
        s.push_str(&format!(">{id} {name}\n"));
        let scale = (*n).max(1) as f64;
        for (b, letter) in BASES.iter().enumerate() {
            s.push_str(&format!("{letter}  ["));
            for c in &pwm.cols {
                s.push_str(&format!(" {:7.2}", c[b] * scale));
            }
            s.push_str(" ]\n");
        }
        s.push('\n');
    }
    s
}

/// Reads JASPAR text (`>ID name` and four rows `A [ ... ]`, brackets optional) back as
/// (header, PWM), each column normalised to probabilities; a motif whose four rows are not
/// found or differ in length is left out.
pub fn parse_jaspar(text: &str) -> Vec<(String, Pwm)> {
    let mut out = Vec::new();
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .peekable();
    while let Some(line) = lines.next() {
        let Some(header) = line.strip_prefix('>') else {
            continue;
        };
        let mut rows: Vec<Vec<f64>> = Vec::new();
        while rows.len() < 4 && lines.peek().is_some_and(|l| !l.starts_with('>')) {
            let l = lines.next().unwrap_or_default();
            let body = l.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            rows.push(
                body.split(|c: char| c.is_whitespace() || c == '[' || c == ']')
                    .filter_map(|t| t.parse().ok())
                    .collect(),
            );
        }
        let w = rows.first().map_or(0, Vec::len);
        if rows.len() != 4 || w == 0 || rows.iter().any(|r| r.len() != w) {
            continue;
        }
        let cols = (0..w)
            .map(|j| {
                let t: f64 = rows.iter().map(|r| r[j]).sum();
                let mut c = [0.25; 4];
                if t > 0.0 {
                    for (b, v) in c.iter_mut().enumerate() {
                        *v = rows[b][j] / t;
                    }
                }
                c
            })
            .collect();
        out.push((header.trim().to_owned(), Pwm { cols }));
    }
    out
}

/// Letter colours of the usual DNA logo: A green, C blue, G orange, T red.
const LETTER_COLOURS: [&str; 4] = ["#109648", "#255C99", "#F7B32B", "#D62839"];

/// Sequence logos as an SVG document: one row per (title, PWM), top to bottom.
pub fn logo_svg(rows: &[(String, &Pwm)]) -> String {
    let col_w = 36.0;
    let bit_h = 60.0;
    let (left, top, row_h) = (60.0, 10.0, 2.0 * bit_h + 60.0);
    let width = rows.iter().map(|r| r.1.width()).max().unwrap_or(1) as f64 * col_w + left + 20.0;
    let height = top + rows.len() as f64 * row_h;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (r, (title, pwm)) in rows.iter().enumerate() {
        let y0 = top + r as f64 * row_h + 24.0;
        let base = y0 + 2.0 * bit_h;
        s.push_str(&format!(
            "<text x=\"{left}\" y=\"{:.1}\" font-size=\"14\">{}</text>\n",
            y0 - 8.0,
            escape(title)
        ));
        // Axis: 0, 1 and 2 bits.
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{y0:.1}\" x2=\"{x:.1}\" y2=\"{base:.1}\" stroke=\"black\"/>\n",
            x = left - 6.0
        ));
        for bits in 0..=2 {
            let y = base - bits as f64 * bit_h;
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{bits}</text>\n",
                left - 10.0,
                y + 4.0
            ));
        }
        s.push_str(&format!(
            "<text x=\"12\" y=\"{:.1}\" font-size=\"11\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">bits</text>\n",
            base - bit_h,
            base - bit_h
        ));
        for (j, c) in pwm.cols.iter().enumerate() {
            let ic = column_ic(c);
            let x = left + j as f64 * col_w;
            let mut order: Vec<usize> = (0..4).collect();
            order.sort_by(|&a, &b| c[a].total_cmp(&c[b]));
            let mut y = base;
            for &b in &order {
                let h = c[b] * ic * bit_h;
                if h < 0.5 {
                    continue;
                }
                // A glyph of height `h`: bold sans-serif capitals are ~0.73 em tall and at most
                // ~0.82 em wide; centred in the column.
                let (sx, sy) = (col_w * 0.9 / 0.82, h / 0.73);
                s.push_str(&format!(
                    "<text transform=\"translate({:.2} {y:.2}) scale({sx:.4} {sy:.4})\" font-size=\"1\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
                    x + col_w / 2.0,
                    LETTER_COLOURS[b],
                    BASES[b]
                ));
                y -= h;
            }
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\n",
                x + col_w / 2.0,
                base + 14.0,
                j + 1
            ));
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::super::sequences::Pwm;
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn comparison_finds_offset_and_strand() {
        let mut rng = StdRng::seed_from_u64(11);
        let planted = Pwm::random(10, 14.0, &mut rng);
        // The planted motif inside a wider window, on the other strand.
        let flank = Pwm {
            cols: vec![[0.25; 4]; 3],
        };
        let mut cols = flank.cols.clone();
        cols.extend(planted.cols.iter().copied());
        cols.extend(flank.cols.iter().take(2).copied());
        let wide = Pwm { cols }.reverse_complement();
        let a = compare(&wide, &planted);
        assert!((a.correlation - 1.0).abs() < 1e-12, "{a:?}");
        assert!(a.reverse && a.offset == 3);
        assert_eq!(aligned_to(&wide, &planted, &a), planted);
        // An unrelated motif correlates poorly.
        let other = Pwm::random(10, 14.0, &mut rng);
        assert!(compare(&other, &planted).correlation < 0.6);
    }

    #[test]
    fn counts_meme_round_trip_and_logo() {
        let sites = vec![vec![0, 1], vec![0, 2], vec![0, 3], vec![0, 1]];
        let p = from_sites(&sites, 2, 0.0);
        assert_eq!(p.cols[0], [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(p.cols[1], [0.0, 0.5, 0.25, 0.25]);
        let text = to_meme(&[("m1".into(), &p, 4)], &[0.3, 0.2, 0.2, 0.3]);
        let back = parse_meme(&text);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].0, "m1");
        for (a, b) in back[0].1.cols.iter().zip(&p.cols) {
            assert!((0..4).all(|k| (a[k] - b[k]).abs() < 1e-6));
        }
        let text = to_jaspar(&[("m1".into(), "learned".into(), &p, 4)]);
        assert!(
            text.starts_with(">m1 learned\nA  [    4.00    0.00 ]\nC  ["),
            "{text}"
        );
        let back = parse_jaspar(&text);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].0, "m1 learned");
        assert_eq!(back[0].1, p);
        let svg = logo_svg(&[("learned".into(), &p)]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        // Column 1 is a fixed A (2 bits): one letter; column 2 has three letters.
        assert_eq!(svg.matches(">A</text>").count(), 1);
        assert_eq!(svg.matches("scale(").count(), 4);
    }
}
