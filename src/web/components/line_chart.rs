//! A time chart of a run: one SVG path per series over the run's seconds, with ticks and
//! units, a marker per scenario step, a gap where nothing was measured, distinct dashes per
//! line, and the values of one second on hover and on keyboard focus (←/→, PageUp/PageDown,
//! Home/End), shown below the chart and announced (`aria-live`, and the slider's
//! `aria-valuetext`). The geometry is [`crate::ui::charts`]; this only draws it.

use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use crate::sim::number::{fixed, shortest};
use crate::ui::charts::{
    Mark, PLOT, UNIT_AT, VIEW_H, VIEW_W, fold_series, key_move, line_path, mark_x, max_of,
    nice_max, readout, second_at, time_ticks, value_ticks, x_at,
};

#[derive(Properties, PartialEq)]
pub struct LineChartProps {
    pub title: AttrValue,
    /// A key for `data-chart`.
    pub id: AttrValue,
    /// What the y axis counts, e.g. "req/s".
    pub unit: AttrValue,
    /// (name, value per second) of each series; a value that is not a finite number was not
    /// measured (drawn as a gap). More than [`crate::ui::charts::MAX_LINES`] are folded.
    pub series: Rc<Vec<(String, Vec<f64>)>>,
    /// The run's duration in seconds: the time axis.
    pub seconds: f64,
    /// The scenario's steps, marked on the chart.
    #[prop_or_default]
    pub marks: Rc<Vec<Mark>>,
}

const HINT: &str = "Point at the chart, or focus it and press ← or →, to read each second.";

#[component]
pub fn LineChart(props: &LineChartProps) -> Html {
    let LineChartProps {
        title,
        id,
        unit,
        series,
        seconds,
        marks,
    } = props;
    let seconds = *seconds;
    let selected = use_state_eq(|| None::<usize>);
    let svg = use_node_ref();
    let shown = fold_series(series);
    let n = shown.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let k = selected.filter(|&k| k < n);
    let y_max = nice_max(max_of(shown.iter().map(|(_, v)| v.as_slice())));
    let onmousemove = {
        let (selected, svg) = (selected.clone(), svg.clone());
        Callback::from(move |event: MouseEvent| {
            let Some(el) = svg.cast::<Element>() else {
                return;
            };
            let rect = el.get_bounding_client_rect();
            let offset = f64::from(event.client_x()) - rect.left();
            if let Some(at) = second_at(offset, rect.width(), seconds, n) {
                selected.set(Some(at));
            }
        })
    };
    let onmouseleave = {
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| selected.set(None))
    };
    let onkeydown = {
        let selected = selected.clone();
        Callback::from(move |event: KeyboardEvent| {
            if let Some(at) = key_move(*selected, &event.key(), n) {
                event.prevent_default();
                selected.set(Some(at));
            }
        })
    };
    let onfocus = {
        let selected = selected.clone();
        Callback::from(move |_: FocusEvent| {
            if selected.is_none() && n > 0 {
                selected.set(Some(0));
            }
        })
    };
    let reading = k.map(|k| readout(&shown, k, unit, seconds));
    let view_box = format!("0 0 {} {}", shortest(VIEW_W), shortest(VIEW_H));
    let num = |v: f64| fixed(v, 1).to_string();
    let label = format!(
        "{title}: a chart over {} s; ← and → read each second",
        shortest(seconds)
    );
    html! {
        <figure class="chart" data-chart={id.clone()} data-seconds={shortest(seconds).to_string()}>
            <figcaption>{ title.clone() }</figcaption>
            <svg class="chart-svg" viewBox={view_box} ref={svg} tabindex="0" role="slider"
                aria-label={label} aria-valuemin="0"
                aria-valuemax={n.saturating_sub(1).to_string()}
                aria-valuenow={k.map(|k| k.to_string())}
                aria-valuetext={reading.clone()}
                {onmousemove} {onmouseleave} {onkeydown} {onfocus}>
                <rect class="chart-frame" x={num(PLOT.left)} y={num(PLOT.top)}
                    width={num(PLOT.width)} height={num(PLOT.height)} />
                <text class="axis-unit" x={num(UNIT_AT.0)} y={num(UNIT_AT.1)}>{ unit.clone() }</text>
                { for value_ticks(y_max).into_iter().map(|t| html! {
                    <g class="tick y-tick">
                        <line class="grid" x1={num(PLOT.left)} x2={num(PLOT.right())}
                            y1={num(t.at)} y2={num(t.at)} />
                        <text x={num(PLOT.left - 4.0)} y={num(t.at + 4.0)} text-anchor="end">
                            { t.label }
                        </text>
                    </g>
                }) }
                { for time_ticks(seconds).into_iter().map(|t| html! {
                    <g class="tick x-tick">
                        <line x1={num(t.at)} x2={num(t.at)} y1={num(PLOT.bottom())}
                            y2={num(PLOT.bottom() + 4.0)} />
                        <text x={num(t.at)} y={num(PLOT.bottom() + 17.0)} text-anchor="middle">
                            { t.label }
                        </text>
                    </g>
                }) }
                if let Some(k) = k {
                    <rect class="chart-cursor" x={num(x_at(k as f64, seconds))} y={num(PLOT.top)}
                        width={num(x_at(k as f64 + 1.0, seconds) - x_at(k as f64, seconds))}
                        height={num(PLOT.height)} />
                }
                { for shown.iter().enumerate().map(|(i, (name, values))| {
                    let total: f64 = values.iter().filter(|v| v.is_finite()).sum();
                    let style = format!("series-{}", i % 6);
                    html! {
                        <path class={classes!("series", style.clone(), format!("line-{}", i % 6))}
                            data-series={name.clone()} data-total={shortest(total).to_string()}
                            d={line_path(values, y_max, seconds)}>
                            <title>{ name.clone() }</title>
                        </path>
                    }
                }) }
                { for marks.iter().enumerate().filter_map(|(i, m)| {
                    let x = mark_x(m.at_s, seconds)?;
                    Some(html! {
                        <g class="step-mark" data-step={(i + 1).to_string()} data-at={shortest(m.at_s).to_string()}>
                            <line x1={num(x)} x2={num(x)} y1={num(PLOT.top)} y2={num(PLOT.bottom())} />
                            <text x={num(x)} y={num(PLOT.top - 3.0)} text-anchor="middle">
                                { (i + 1).to_string() }
                            </text>
                            <title>{ format!("step {}: {}", i + 1, m.label) }</title>
                        </g>
                    })
                }) }
            </svg>
            <p class="chart-readout" aria-live="polite">
                { reading.unwrap_or_else(|| HINT.to_owned()) }
            </p>
            <ul class="chart-legend">
                { for shown.iter().enumerate().map(|(i, (name, _))| html! {
                    <li>
                        <svg class="legend-line" viewBox="0 0 24 8" aria-hidden="true">
                            <line class={classes!("series", format!("series-{}", i % 6), format!("line-{}", i % 6))}
                                x1="1" y1="4" x2="23" y2="4" />
                        </svg>
                        { name.clone() }
                    </li>
                }) }
                { for marks.iter().enumerate().map(|(i, m)| html! {
                    <li class="step-key" data-step={(i + 1).to_string()}>
                        { format!("{} = {}", i + 1, m.label) }
                    </li>
                }) }
            </ul>
        </figure>
    }
}
