//! A small histogram: one SVG bar per bin, computed by [`crate::ui::charts::histogram`].

use std::rc::Rc;

use yew::prelude::*;

use crate::sim::number::{fixed, shortest};
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
        fixed(v, 0).to_string()
    } else {
        fixed(v, 1).to_string()
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
    let view_box = format!("-2 -4 {} {}", shortest(WIDTH + 4.0), shortest(HEIGHT + 8.0));
    let range = match (bins.first(), bins.last()) {
        (Some(first), Some(last)) => format!(
            " ({}–{} {unit}, 0–{} {counts})",
            short(first.lo),
            short(last.hi),
            shortest(y_max)
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
                <rect class="chart-frame" x="0" y="0" width={shortest(WIDTH).to_string()}
                    height={shortest(HEIGHT).to_string()} />
                { for bins.iter().zip(bars(bins, y_max)).map(|(bin, (x, y, w, h))| html! {
                    <rect class="bar" x={fixed(x, 1).to_string()} y={fixed(y, 1).to_string()}
                        width={fixed(w, 1).to_string()} height={fixed(h, 1).to_string()}
                        data-count={shortest(bin.count).to_string()}>
                        <title>{ format!("{}–{} {unit}: {} {counts}", short(bin.lo), short(bin.hi), fixed(bin.count, 0)) }</title>
                    </rect>
                }) }
            </svg>
        </figure>
    }
}
