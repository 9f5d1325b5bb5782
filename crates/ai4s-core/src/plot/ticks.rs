//! Tick labels: numbers in a short, unit-free form (`fmt_tick`), and on log axes only the ticks
//! at mantissas 1, 2 and 5 (and 3 on short spans), so that plotters' dense log key points
//! (every integer multiple of each decade) never crowd the axis.

/// The label of tick `v` on a linear axis (`log` None) or a log axis over `lo..hi`: there only
/// mantissas 1, 2 and 5 are labelled (and 3 when the axis spans under 1.5 decades).
pub(super) fn axis_tick(v: f64, log: Option<(f64, f64)>) -> String {
    let Some((lo, hi)) = log else {
        return fmt_tick(v);
    };
    if v <= 0.0 {
        return String::new();
    }
    let m = v / 10f64.powf(v.log10().floor());
    let near = |k: f64| (m - k).abs() < 1e-6 * k || (m - 10.0 * k).abs() < 1e-5 * k;
    let short = (hi / lo.max(f64::MIN_POSITIVE)).log10() < 1.5;
    if near(1.0) || near(2.0) || near(5.0) || (short && near(3.0)) {
        fmt_tick(v)
    } else {
        String::new()
    }
}

pub(super) fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if (1e4..1e7).contains(&a) && v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a != 0.0 && !(1e-3..1e4).contains(&a) {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::axis_tick;

    #[test]
    fn log_ticks_keep_one_two_five_and_thin_the_rest() {
        let wide = Some((5e3, 3e5));
        let shown: Vec<String> = [1e4, 2e4, 3e4, 4e4, 5e4, 7e4, 9e4, 1e5, 2e5, 3e5]
            .iter()
            .map(|&v| axis_tick(v, wide))
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(shown, ["10000", "20000", "50000", "100000", "200000"]);
        // A short span keeps 3 too; a linear axis labels everything.
        assert_eq!(axis_tick(30.0, Some((2.0, 32.0))), "30");
        assert_eq!(axis_tick(30.0, Some((1.0, 1000.0))), "");
        assert_eq!(axis_tick(0.7, None), "0.7");
    }
}
