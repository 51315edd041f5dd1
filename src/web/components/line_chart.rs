//! A small line chart: one SVG path per series, computed by [`crate::ui::charts`].

use std::rc::Rc;

use yew::prelude::*;

use crate::ui::charts::{HEIGHT, WIDTH, line_path, max_of, nice_max};

#[derive(Properties, PartialEq)]
pub struct LineChartProps {
    pub title: AttrValue,
    /// A key for `data-chart`.
    pub id: AttrValue,
    /// What the y axis counts, e.g. "req/s".
    pub unit: AttrValue,
    /// (name, values per second) of each series.
    pub series: Rc<Vec<(String, Vec<f64>)>>,
    /// The simulated duration shown, in seconds.
    pub seconds: f64,
}

#[component]
pub fn LineChart(props: &LineChartProps) -> Html {
    let LineChartProps {
        title,
        id,
        unit,
        series,
        seconds,
    } = props;
    let y_max = nice_max(max_of(series.iter().map(|(_, v)| v.as_slice())));
    let view_box = format!("-2 -4 {} {}", WIDTH + 4.0, HEIGHT + 8.0);
    html! {
        <figure class="chart" data-chart={id.clone()}>
            <figcaption>
                { title.clone() }
                <span class="chart-scale">{ format!(" (0–{y_max} {unit}, 0–{seconds:.0} s)") }</span>
            </figcaption>
            <svg class="chart-svg" viewBox={view_box} preserveAspectRatio="none" role="img"
                aria-label={title.clone()}>
                <rect class="chart-frame" x="0" y="0" width={WIDTH.to_string()}
                    height={HEIGHT.to_string()} />
                { for series.iter().enumerate().map(|(i, (name, values))| {
                    let total: f64 = values.iter().sum();
                    html! {
                        <path class={classes!("series", format!("series-{}", i % 6))}
                            data-series={name.clone()} data-total={total.to_string()}
                            d={line_path(values, y_max)}>
                            <title>{ name.clone() }</title>
                        </path>
                    }
                }) }
            </svg>
            <ul class="chart-legend">
                { for series.iter().enumerate().map(|(i, (name, _))| html! {
                    <li><span class={classes!("swatch", format!("series-{}", i % 6))}></span>{ name.clone() }</li>
                }) }
            </ul>
        </figure>
    }
}
