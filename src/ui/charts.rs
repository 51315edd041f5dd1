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

/// One bar of a histogram: values from `lo` (inclusive) to `hi`, and how many fell there.
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub count: f64,
}

/// Counts `values` (each weighing `weight`) into `n` bins of equal width on a log scale from
/// the smallest to the largest positive value (latencies span orders of magnitude); a linear
/// scale when they span less than a factor of 4. Non-finite and non-positive values are left
/// out; no value or `n == 0` gives no bin.
pub fn histogram(values: &[f64], weight: f64, n: usize) -> Vec<Bin> {
    let good: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let (Some(lo), Some(hi)) = (
        good.iter().copied().reduce(f64::min),
        good.iter().copied().reduce(f64::max),
    ) else {
        return Vec::new();
    };
    if n == 0 {
        return Vec::new();
    }
    let log = hi / lo >= 4.0;
    let edge = |i: usize| {
        let t = i as f64 / n as f64;
        if log {
            lo * (hi / lo).powf(t)
        } else if hi > lo {
            lo + (hi - lo) * t
        } else {
            lo * (0.5 + t)
        }
    };
    let mut bins: Vec<Bin> = (0..n)
        .map(|i| Bin {
            lo: edge(i),
            hi: edge(i + 1),
            count: 0.0,
        })
        .collect();
    for v in good {
        let idx = bins.iter().position(|b| v < b.hi).unwrap_or(n - 1);
        bins[idx].count += weight;
    }
    bins
}

/// The bars of a histogram over `WIDTH` × `HEIGHT`: (x, y, width, height) per bin, heights
/// scaled to `y_max`, a one-unit gap between bars.
pub fn bars(bins: &[Bin], y_max: f64) -> Vec<(f64, f64, f64, f64)> {
    let n = bins.len();
    if n == 0 {
        return Vec::new();
    }
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    let w = WIDTH / n as f64;
    bins.iter()
        .enumerate()
        .map(|(i, b)| {
            let h = (b.count.max(0.0) / y_max).min(1.0) * HEIGHT;
            (i as f64 * w, HEIGHT - h, (w - 1.0).max(0.5), h)
        })
        .collect()
}

/// How many of at most `max_dots` moving dots each link gets for its `traffic` (requests
/// per second): one dot per request while they are few, then shares of `max_dots` by the
/// largest remainder. Links without traffic get none.
pub fn share_dots(traffic: &[f64], max_dots: usize) -> Vec<usize> {
    let clean: Vec<f64> = traffic
        .iter()
        .map(|t| if t.is_finite() { t.max(0.0) } else { 0.0 })
        .collect();
    let total: f64 = clean.iter().sum();
    if total <= 0.0 || max_dots == 0 {
        return vec![0; clean.len()];
    }
    let dots = (total.ceil() as usize).min(max_dots);
    let exact: Vec<f64> = clean.iter().map(|t| t / total * dots as f64).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut left = dots - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..exact.len()).filter(|&i| clean[i] > 0.0).collect();
    crate::sim::sort::sort_by(&mut order, |&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
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

    #[test]
    fn histogram_bins_cover_the_values_on_a_log_scale() {
        assert!(histogram(&[], 1.0, 10).is_empty());
        assert!(histogram(&[f64::NAN, -1.0, 0.0], 1.0, 10).is_empty());
        assert!(histogram(&[1.0], 1.0, 0).is_empty());
        let bins = histogram(&[1.0, 10.0, 100.0, 100.0], 2.0, 2);
        assert_eq!(bins.len(), 2);
        assert_eq!((bins[0].lo, bins[1].hi), (1.0, 100.0));
        assert!((bins[0].hi - 10.0).abs() < 1e-9);
        // 10 falls on the edge: it belongs to the upper bin; the largest value to the last.
        assert_eq!(bins[0].count, 2.0);
        assert_eq!(bins[1].count, 6.0);
        let total: f64 = histogram(&[3.0, 3.5, 4.0, 5.0], 1.0, 4)
            .iter()
            .map(|b| b.count)
            .sum();
        assert_eq!(total, 4.0);
        // A narrow range is linear; a single value gets a bin around it.
        let narrow = histogram(&[2.0, 3.0], 1.0, 2);
        assert_eq!(
            (narrow[0].hi, narrow[0].count, narrow[1].count),
            (2.5, 1.0, 1.0)
        );
        let one = histogram(&[8.0, 8.0], 1.0, 1);
        assert_eq!((one[0].lo, one[0].hi, one[0].count), (4.0, 12.0, 2.0));
    }

    #[test]
    fn bars_stand_on_the_bottom() {
        let bins = [
            Bin {
                lo: 0.0,
                hi: 1.0,
                count: 5.0,
            },
            Bin {
                lo: 1.0,
                hi: 2.0,
                count: 10.0,
            },
        ];
        assert_eq!(
            bars(&bins, 10.0),
            [(0.0, 50.0, 179.0, 50.0), (180.0, 0.0, 179.0, 100.0)]
        );
        assert!(bars(&[], 1.0).is_empty());
    }

    #[test]
    fn dots_are_shared_by_traffic_and_capped() {
        assert_eq!(share_dots(&[], 10), Vec::<usize>::new());
        assert_eq!(share_dots(&[0.0, f64::NAN], 10), [0, 0]);
        assert_eq!(share_dots(&[3.0, 1.0], 500), [3, 1]);
        assert_eq!(share_dots(&[1000.0, 1000.0, 0.0], 500), [250, 250, 0]);
        let shared = share_dots(&[700.0, 200.0, 100.0, 1.0], 10);
        assert_eq!(shared.iter().sum::<usize>(), 10);
        assert_eq!(shared[..3], [7, 2, 1]);
        assert_eq!(share_dots(&[5.0], 0), [0]);
    }
}
