//! Small line charts as SVG path strings (UI-side and pure): the chart components only draw
//! what these functions compute.

/// The drawing area of a chart, in SVG user units.
pub const WIDTH: f64 = 360.0;
pub const HEIGHT: f64 = 100.0;

/// A round upper bound for the y axis: 1, 2 or 5 times a power of ten, at least `max`
/// (and at least 1).
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * power)
}

/// The largest value of all series.
pub fn max_of<'a>(series: impl IntoIterator<Item = &'a [f64]>) -> f64 {
    series
        .into_iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The path of one series drawn over `WIDTH` × `HEIGHT`, x from the first to the last point,
/// y from 0 (bottom) to `y_max` (top). Empty for no point.
pub fn line_path(values: &[f64], y_max: f64) -> String {
    let n = values.len();
    if n == 0 {
        return String::new();
    }
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    let step = if n > 1 { WIDTH / (n - 1) as f64 } else { 0.0 };
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        let v = if v.is_finite() {
            v.clamp(0.0, y_max)
        } else {
            0.0
        };
        let x = i as f64 * step;
        let y = HEIGHT - v / y_max * HEIGHT;
        let cmd = if i == 0 { 'M' } else { 'L' };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{cmd}{x:.1} {y:.1}"));
    }
    if n == 1 {
        out.push_str(&format!(
            " L{WIDTH:.1} {:.1}",
            HEIGHT - values[0].clamp(0.0, y_max) / y_max * HEIGHT
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_max_rounds_up_to_1_2_5() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(199.0), 200.0);
        assert_eq!(nice_max(501.0), 1000.0);
    }

    #[test]
    fn line_spans_the_width_and_zero_is_at_the_bottom() {
        assert_eq!(line_path(&[], 10.0), "");
        assert_eq!(
            line_path(&[0.0, 5.0, 10.0], 10.0),
            "M0.0 100.0 L180.0 50.0 L360.0 0.0"
        );
        // Out-of-range and non-finite values stay inside the chart.
        assert_eq!(line_path(&[20.0, f64::NAN], 10.0), "M0.0 0.0 L360.0 100.0");
        assert_eq!(line_path(&[5.0], 10.0), "M0.0 50.0 L360.0 50.0");
    }

    #[test]
    fn max_of_all_series() {
        let a = [1.0, 7.0];
        let b = [3.0, f64::INFINITY];
        assert_eq!(max_of([&a[..], &b[..]]), 7.0);
        assert_eq!(max_of(std::iter::empty::<&[f64]>()), 0.0);
    }
}
