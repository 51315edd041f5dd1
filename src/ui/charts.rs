//! Small line charts as SVG path strings (UI-side and pure): the chart components only draw
//! what these functions compute.

use crate::sim::number::fixed;

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

/// The whole drawing of a time chart (plot, tick labels and step numbers), in SVG user units;
/// drawn with its aspect ratio kept, so labels are never stretched.
pub const VIEW_W: f64 = 400.0;
pub const VIEW_H: f64 = 150.0;

/// Where a time chart plots its values inside [`VIEW_W`] × [`VIEW_H`]: room on the left for the
/// value ticks, below for the time ticks, above for the step numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

pub const PLOT: Plot = Plot {
    left: 44.0,
    top: 18.0,
    width: 336.0,
    height: 102.0,
};

/// Where the value axis's unit is written: above its tick labels, at the top left.
pub const UNIT_AT: (f64, f64) = (2.0, 11.0);

impl Plot {
    pub fn right(&self) -> f64 {
        self.left + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

/// `v` held within `[0, max]` for a `max` above 0, as `v.clamp(0.0, max)` (NaN stays NaN): written
/// out because `f64::clamp` is not inlined and its `min <= max` assertion is the app's only use of
/// f64's Debug formatting (about 1.3 KB of wasm).
fn up_to(v: f64, max: f64) -> f64 {
    if v < 0.0 {
        0.0
    } else if v > max {
        max
    } else {
        v
    }
}

/// The x of `t` seconds on an axis from 0 to `seconds` (the run).
pub fn x_at(t: f64, seconds: f64) -> f64 {
    let seconds = if seconds > 0.0 && seconds.is_finite() {
        seconds
    } else {
        1.0
    };
    PLOT.left + up_to(t, seconds) / seconds * PLOT.width
}

/// The y of `v` on an axis from 0 (bottom) to `y_max` (top), clamped to the plot.
pub fn y_at(v: f64, y_max: f64) -> f64 {
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    PLOT.bottom() - up_to(v, y_max) / y_max * PLOT.height
}

/// Where second `i`'s value is drawn: the middle of `[i, i + 1)`, cut at the run's end.
fn centre(i: usize, seconds: f64) -> f64 {
    let a = i as f64;
    (a + (a + 1.0).min(seconds.max(a))) / 2.0
}

/// The path of one series, value `i` standing for second `i` of a run of `seconds`: drawn at
/// the middle of its second, from 0 (bottom) to `y_max` (top). A value that is not a finite
/// number was not measured: the line breaks there (a gap, never a drop to 0); a value alone
/// between gaps is drawn across its second. Empty when nothing was measured.
pub fn line_path(values: &[f64], y_max: f64, seconds: f64) -> String {
    let mut out = String::new();
    let measured = |i: usize| values.get(i).is_some_and(|v| v.is_finite());
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let y = y_at(*v, y_max);
        let starts = i == 0 || !measured(i - 1);
        if !out.is_empty() {
            out.push(' ');
        }
        if starts && !measured(i + 1) {
            let from = x_at(i as f64, seconds);
            let to = x_at((i + 1) as f64, seconds);
            let (from, to, y) = (fixed(from, 1), fixed(to, 1), fixed(y, 1));
            out.push_str(&format!("M{from} {y} L{to} {y}"));
        } else {
            let cmd = if starts { 'M' } else { 'L' };
            out.push_str(&format!(
                "{cmd}{} {}",
                fixed(x_at(centre(i, seconds), seconds), 1),
                fixed(y, 1)
            ));
        }
    }
    out
}

/// Round tick values from 0 to `max` (included), at most `most + 1` of them, 1, 2 or 5 times a
/// power of ten apart.
pub fn tick_values(max: f64, most: usize) -> Vec<f64> {
    if !max.is_finite() || max <= 0.0 || most == 0 {
        return vec![0.0];
    }
    let rough = max / most as f64;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| max / s <= most as f64 + 1e-9)
        .unwrap_or(10.0 * power);
    let n = (max / step + 1e-9).floor() as usize;
    (0..=n).map(|k| k as f64 * step).collect()
}

/// A tick: where (x for time, y for values) and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// A number as a tick shows it: whole from 10 up, else one decimal at most; thousands as "k"
/// ("1.5k", "20k").
pub fn short_number(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let k = v / 1000.0;
        return if k.fract() == 0.0 || k.abs() >= 10.0 {
            format!("{}k", fixed(k, 0))
        } else {
            format!("{}k", fixed(k, 1))
        };
    }
    if v.abs() >= 10.0 || v.fract() == 0.0 {
        fixed(v, 0).to_string()
    } else {
        fixed(v, 1).to_string()
    }
}

/// The time axis of a run of `seconds`: "0 s", "5 s" … at most 6 intervals.
pub fn time_ticks(seconds: f64) -> Vec<Tick> {
    tick_values(seconds, 6)
        .into_iter()
        .map(|t| Tick {
            at: x_at(t, seconds),
            label: format!("{} s", short_number(t)),
        })
        .collect()
}

/// The value axis from 0 to `y_max`: at most 5 intervals, so a round `y_max` (1, 2 or 5 times
/// a power of ten) is labelled at the top (its unit is written once, at
/// [`UNIT_AT`]).
pub fn value_ticks(y_max: f64) -> Vec<Tick> {
    tick_values(y_max, 5)
        .into_iter()
        .map(|v| Tick {
            at: y_at(v, y_max),
            label: short_number(v),
        })
        .collect()
}

/// The second under a pointer `offset` units from the left of a chart `width` units wide (its
/// drawing scaled to that width), for a run of `seconds` with `n` seconds measured so far;
/// `None` outside the plot.
pub fn second_at(offset: f64, width: f64, seconds: f64, n: usize) -> Option<usize> {
    if n == 0 || width.is_nan() || width <= 0.0 || !offset.is_finite() {
        return None;
    }
    let x = offset / width * VIEW_W;
    if x < PLOT.left || x > PLOT.right() {
        return None;
    }
    let seconds = if seconds > 0.0 { seconds } else { n as f64 };
    let t = (x - PLOT.left) / PLOT.width * seconds;
    Some((t.floor().max(0.0) as usize).min(n - 1))
}

/// The second a key moves the reading to, from `now` (`None`: no second read yet), among `n`:
/// ←/→ one second, PageUp/PageDown ten, Home/End the ends. `None`: not a key the chart uses.
pub fn key_move(now: Option<usize>, key: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let last = n - 1;
    let from = now.map(|k| k.min(last));
    let to = match key {
        "ArrowRight" | "ArrowUp" => from.map_or(0, |k| (k + 1).min(last)),
        "ArrowLeft" | "ArrowDown" => from.map_or(last, |k| k.saturating_sub(1)),
        "PageUp" => from.map_or(0, |k| (k + 10).min(last)),
        "PageDown" => from.map_or(last, |k| k.saturating_sub(10)),
        "Home" => 0,
        "End" => last,
        _ => return None,
    };
    Some(to)
}

/// What a chart says about second `k`: "12–13 s: served 198 req/s, errors 2 req/s"; a value
/// not measured says so ("p50 not measured: nothing served").
pub fn readout(series: &[(String, Vec<f64>)], k: usize, unit: &str, seconds: f64) -> String {
    let end = ((k + 1) as f64).min(seconds.max(k as f64 + 0.001));
    let values: Vec<String> = series
        .iter()
        .map(|(name, values)| match values.get(k) {
            Some(v) if v.is_finite() => format!("{name} {} {unit}", short_number(*v)),
            _ => format!("{name} not measured"),
        })
        .collect();
    format!("{}–{} s: {}", k, short_number(end), values.join(", "))
}

/// A scenario step as the charts mark it: when, and what happened ("10 s: take host down
/// lb-01").
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub at_s: f64,
    pub label: String,
}

/// The x of a scenario step at `at` seconds, when it falls within the run of `seconds`.
pub fn mark_x(at: f64, seconds: f64) -> Option<f64> {
    (at.is_finite() && at >= 0.0 && at <= seconds).then(|| x_at(at, seconds))
}

/// The most lines a chart draws; beyond, [`fold_series`] keeps the busiest.
pub const MAX_LINES: usize = 6;

/// Series a chart can still read with many of them: up to [`MAX_LINES`] as they are; more, the
/// `MAX_LINES - 1` with the largest totals (in their order) and one "n others (mean each)"
/// line, each second the mean of the others' measured values (a gap where none was measured).
/// A mean keeps the line on the same scale as a single server's.
pub fn fold_series(series: &[(String, Vec<f64>)]) -> Vec<(String, Vec<f64>)> {
    if series.len() <= MAX_LINES {
        return series.to_vec();
    }
    let total = |v: &Vec<f64>| v.iter().filter(|x| x.is_finite()).sum::<f64>();
    let mut order: Vec<usize> = (0..series.len()).collect();
    crate::sim::sort::sort_by(&mut order, |&a, &b| {
        total(&series[b].1)
            .total_cmp(&total(&series[a].1))
            .then(a.cmp(&b))
    });
    let mut top: Vec<usize> = order[..MAX_LINES - 1].to_vec();
    crate::sim::sort::sort_by_key(&mut top, |&i| i);
    let rest: Vec<&Vec<f64>> = order[MAX_LINES - 1..]
        .iter()
        .map(|&i| &series[i].1)
        .collect();
    let len = rest.iter().map(|v| v.len()).max().unwrap_or(0);
    let mean: Vec<f64> = (0..len)
        .map(|k| {
            let seen: Vec<f64> = rest
                .iter()
                .filter_map(|v| v.get(k).copied().filter(|x| x.is_finite()))
                .collect();
            if seen.is_empty() {
                f64::NAN
            } else {
                seen.iter().sum::<f64>() / seen.len() as f64
            }
        })
        .collect();
    let mut out: Vec<(String, Vec<f64>)> = top.into_iter().map(|i| series[i].clone()).collect();
    out.push((format!("{} others (mean each)", rest.len()), mean));
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

    /// The points of a path, as (x, y), and how many pieces (M commands) it has.
    fn points(path: &str) -> (Vec<(f64, f64)>, usize) {
        let mut out = Vec::new();
        let mut pieces = 0;
        for cmd in path.split(' ').collect::<Vec<_>>().chunks(2) {
            let x: f64 = cmd[0][1..].parse().expect("x");
            let y: f64 = cmd[1].parse().expect("y");
            if cmd[0].starts_with('M') {
                pieces += 1;
            }
            out.push((x, y));
        }
        (out, pieces)
    }

    /// Issue 15: the axis is the run. Second `i` is drawn in the middle of `[i, i + 1)` on an
    /// axis from 0 to the run's end, so a 20 s run's points stay within 0–20 s.
    #[test]
    fn a_series_spans_the_run_and_each_second_sits_in_its_middle() {
        let values = vec![10.0; 20];
        let (pts, pieces) = points(&line_path(&values, 10.0, 20.0));
        assert_eq!((pts.len(), pieces), (20, 1));
        assert!((pts[0].0 - x_at(0.5, 20.0)).abs() < 0.06, "{pts:?}");
        assert!((pts[19].0 - x_at(19.5, 20.0)).abs() < 0.06, "{pts:?}");
        assert!(pts.iter().all(|p| p.0 > PLOT.left && p.0 < PLOT.right()));
        assert!(
            pts.iter().all(|p| (p.1 - PLOT.top).abs() < 0.06),
            "10 of 10 is the top"
        );
        // A run of 2.5 s: its last half second is drawn in the middle of 2–2.5 s.
        let (pts, _) = points(&line_path(&[1.0, 1.0, 1.0], 1.0, 2.5));
        assert!((pts[2].0 - x_at(2.25, 2.5)).abs() < 0.06, "{pts:?}");
        assert_eq!(line_path(&[], 1.0, 20.0), "");
        // Out-of-range values stay inside the plot.
        let (pts, _) = points(&line_path(&[20.0, -3.0], 10.0, 2.0));
        assert_eq!(
            (pts[0].1, pts[1].1),
            (PLOT.top, PLOT.bottom()),
            "clamped to the plot"
        );
    }

    /// Issue 15: where nothing was measured the line has a gap, never a drop to 0; a value
    /// alone between gaps is drawn across its second, so it stays visible.
    #[test]
    fn an_unmeasured_second_is_a_gap_not_a_zero() {
        let nan = f64::NAN;
        let (pts, pieces) = points(&line_path(&[4.0, nan, nan, 4.0, 4.0, nan, 2.0], 4.0, 7.0));
        assert_eq!(pieces, 3, "three measured stretches");
        assert!(
            pts.iter().all(|p| p.1 < PLOT.bottom()),
            "no point drops to 0: {pts:?}"
        );
        let last = &pts[pts.len() - 2..];
        assert_eq!(
            (last[0].0, last[1].0),
            (
                (x_at(6.0, 7.0) * 10.0).round() / 10.0,
                (x_at(7.0, 7.0) * 10.0).round() / 10.0
            ),
            "the lone value spans its second"
        );
        assert_eq!(line_path(&[nan, nan], 1.0, 2.0), "", "nothing measured");
    }

    #[test]
    fn ticks_are_round_and_carry_their_units() {
        assert_eq!(tick_values(20.0, 6), [0.0, 5.0, 10.0, 15.0, 20.0]);
        assert_eq!(
            tick_values(600.0, 6),
            [0.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0]
        );
        assert_eq!(tick_values(7.0, 6), [0.0, 2.0, 4.0, 6.0]);
        assert_eq!(tick_values(0.0, 6), [0.0]);
        assert_eq!(tick_values(f64::NAN, 6), [0.0]);
        let time: Vec<String> = time_ticks(20.0).into_iter().map(|t| t.label).collect();
        assert_eq!(time, ["0 s", "5 s", "10 s", "15 s", "20 s"]);
        let ticks = time_ticks(20.0);
        assert_eq!(ticks[0].at, PLOT.left);
        assert_eq!(ticks[4].at, PLOT.right(), "the last tick is the run's end");
        let values = value_ticks(200.0);
        let labels: Vec<&str> = values.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "50", "100", "150", "200"]);
        assert_eq!((values[0].at, values[4].at), (PLOT.bottom(), PLOT.top));
        assert_eq!(value_ticks(1.0)[1].label, "0.2");
        let big: Vec<String> = value_ticks(5000.0).into_iter().map(|t| t.label).collect();
        assert_eq!(big, ["0", "1k", "2k", "3k", "4k", "5k"]);
        assert_eq!(short_number(1500.0), "1.5k");
        assert_eq!(short_number(20_000.0), "20k");
    }

    #[test]
    fn the_pointer_and_the_keys_pick_a_second() {
        // A chart drawn 800 px wide: twice its user units.
        let px = |t: f64| x_at(t, 20.0) * 2.0;
        assert_eq!(second_at(px(0.2), 800.0, 20.0, 20), Some(0));
        assert_eq!(second_at(px(12.7), 800.0, 20.0, 20), Some(12));
        assert_eq!(second_at(px(20.0), 800.0, 20.0, 20), Some(19));
        assert_eq!(
            second_at(px(12.7), 800.0, 20.0, 5),
            Some(4),
            "a live run so far"
        );
        assert_eq!(second_at(10.0, 800.0, 20.0, 20), None, "left of the plot");
        assert_eq!(second_at(px(3.0), 0.0, 20.0, 20), None);
        assert_eq!(second_at(px(3.0), 800.0, 20.0, 0), None);
        let cases = [
            (None, "ArrowRight", Some(0)),
            (None, "ArrowLeft", Some(19)),
            (Some(3), "ArrowRight", Some(4)),
            (Some(19), "ArrowRight", Some(19)),
            (Some(0), "ArrowLeft", Some(0)),
            (Some(3), "PageUp", Some(13)),
            (Some(3), "PageDown", Some(0)),
            (Some(3), "End", Some(19)),
            (Some(3), "Home", Some(0)),
            (Some(40), "ArrowLeft", Some(18)),
            (Some(3), "a", None),
        ];
        for (now, key, want) in cases {
            assert_eq!(key_move(now, key, 20), want, "{now:?} {key}");
        }
        assert_eq!(key_move(None, "Home", 0), None);
    }

    #[test]
    fn a_readout_says_each_value_of_the_second_and_what_was_not_measured() {
        let series = vec![
            ("served".to_owned(), vec![198.0, 0.0]),
            ("p50".to_owned(), vec![12.25, f64::NAN]),
        ];
        assert_eq!(
            readout(&series, 0, "req/s", 20.0),
            "0–1 s: served 198 req/s, p50 12 req/s"
        );
        assert_eq!(
            readout(&series, 1, "ms", 1.5),
            "1–1.5 s: served 0 ms, p50 not measured"
        );
    }

    #[test]
    fn step_marks_fall_on_the_run() {
        assert_eq!(mark_x(10.0, 20.0), Some(x_at(10.0, 20.0)));
        assert_eq!(mark_x(0.0, 20.0), Some(PLOT.left));
        assert_eq!(mark_x(20.0, 20.0), Some(PLOT.right()));
        assert_eq!(mark_x(21.0, 20.0), None);
        assert_eq!(mark_x(f64::NAN, 20.0), None);
    }

    /// Issue 15: many servers stay readable: the five busiest as they are, the others as one
    /// line of their mean; six or fewer are all drawn.
    #[test]
    fn many_series_fold_into_the_busiest_and_the_others() {
        let six: Vec<(String, Vec<f64>)> =
            (0..6).map(|i| (format!("s{i}"), vec![i as f64])).collect();
        assert_eq!(fold_series(&six), six);
        let many: Vec<(String, Vec<f64>)> = (0..10)
            .map(|i| {
                (
                    format!("web-{i:02}"),
                    vec![i as f64, if i == 0 { f64::NAN } else { 1.0 }],
                )
            })
            .collect();
        let folded = fold_series(&many);
        let names: Vec<&str> = folded.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "web-05",
                "web-06",
                "web-07",
                "web-08",
                "web-09",
                "5 others (mean each)"
            ]
        );
        assert_eq!(folded[5].1, [2.0, 1.0], "mean of 0–4, of the measured 1–4");
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
