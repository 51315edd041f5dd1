//! A small histogram: one SVG bar per bin, computed by [`crate::ui::charts::histogram`].

use std::rc::Rc;

use yew::prelude::*;

use crate::ui::charts::{Bin, HEIGHT, WIDTH, bars, nice_max};

#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    pub title: AttrValue,
    /// A key for `data-chart`.
    pub id: AttrValue,
    /// What the x axis measures, e.g. "ms".
    pub unit: AttrValue,
    /// What the bars count, e.g. "requests".
    pub counts: AttrValue,
    pub bins: Rc<Vec<Bin>>,
}

/// A bin edge as a short label: no decimals from 10 up.
fn short(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[component]
pub fn Histogram(props: &HistogramProps) -> Html {
    let HistogramProps {
        title,
        id,
        unit,
        counts,
        bins,
    } = props;
    let y_max = nice_max(bins.iter().map(|b| b.count).fold(0.0, f64::max));
    let view_box = format!("-2 -4 {} {}", WIDTH + 4.0, HEIGHT + 8.0);
    let range = match (bins.first(), bins.last()) {
        (Some(first), Some(last)) => format!(
            " ({}–{} {unit}, 0–{y_max} {counts})",
            short(first.lo),
            short(last.hi)
        ),
        _ => " (nothing yet)".to_owned(),
    };
    html! {
        <figure class="chart histogram" data-chart={id.clone()}>
            <figcaption>
                { title.clone() }
                <span class="chart-scale">{ range }</span>
            </figcaption>
            <svg class="chart-svg" viewBox={view_box} preserveAspectRatio="none" role="img"
                aria-label={title.clone()}>
                <rect class="chart-frame" x="0" y="0" width={WIDTH.to_string()}
                    height={HEIGHT.to_string()} />
                { for bins.iter().zip(bars(bins, y_max)).map(|(bin, (x, y, w, h))| html! {
                    <rect class="bar" x={format!("{x:.1}")} y={format!("{y:.1}")}
                        width={format!("{w:.1}")} height={format!("{h:.1}")}
                        data-count={bin.count.to_string()}>
                        <title>{ format!("{}–{} {unit}: {:.0} {counts}", short(bin.lo), short(bin.hi), bin.count) }</title>
                    </rect>
                }) }
            </svg>
        </figure>
    }
}
