//! The load charts in a real browser (Chromium and Firefox), issue 15: the time axis is the
//! run, with ticks and units; every time chart marks every scenario step; a second's values
//! show on hover and on keyboard focus (and ←/→), announced; a second where nothing was
//! measured is a gap; and a run whose failures one cause dominates says it, with the fix.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use stacksim::sim::presets;
use stacksim::sim::topology::Topology;
use stacksim::ui::charts::{PLOT, VIEW_W, x_at};
use stacksim::ui::load_run::{self, LoadSettings, Step, StepKind};
use stacksim::web::components::load_panel::{LoadPanel, LoadPanelProps};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, MouseEvent, MouseEventInit};
use yew::prelude::*;

use crate::fixtures::https_only;
use crate::support::*;

/// Mounts the load panel on `topology` with `settings` (it keeps its run), runs it and waits
/// for the result.
async fn run_panel(topology: Topology, settings: LoadSettings) -> Element {
    let root = new_root();
    let props = LoadPanelProps {
        hosts: Rc::new(load_run::host_ids(&topology)),
        result: None,
        dispatch: Callback::noop(),
        topology: Some(Rc::new(topology)),
        on_finished: None,
        on_live: None,
        settings: Some(settings),
        on_settings: None,
        https: None,
    };
    yew::Renderer::<LoadPanel>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    click(&root, "button[data-action='run-load']").await;
    for _ in 0..2000 {
        next_frame().await;
        if count(&root, ".load-totals[data-finished='true']") == 1 {
            return root;
        }
    }
    panic!("the run did not finish");
}

/// The x of each point of a path (`M58.0 120.0 L…`).
fn path_xs(d: &str) -> Vec<f64> {
    d.split(['M', 'L'])
        .filter_map(|p| p.split_whitespace().next())
        .filter_map(|x| x.parse().ok())
        .collect()
}

fn chart(id: &str) -> String {
    format!("figure[data-chart='{id}']")
}

/// Every time chart of the run (the histogram has no time axis).
const TIME_CHARTS: [&str; 7] = [
    "throughput",
    "latency",
    "backends",
    "queues",
    "lag",
    "stale",
    "syn",
];

#[wasm_bindgen_test]
async fn plain_http_where_only_https_gets_in_says_why_and_its_latency_is_a_gap() {
    let settings = LoadSettings {
        rps: 200.0,
        seconds: 5.0,
        ..LoadSettings::default()
    };
    let root = run_panel(https_only(3), settings).await;
    assert_eq!(number_attr(&root, ".load-totals", "data-errors"), 1000.0);
    assert_eq!(
        text(&root, ".load-cause"),
        "All 1,000 requests were dropped by fw-lb-01's default policy on tcp/80 — lb-01 \
         accepts HTTPS only: choose HTTPS."
    );
    // The errors are drawn in the five seconds they were sent, not 90 s later.
    let d = find(
        &root,
        &format!("{} path[data-series='errors']", chart("throughput")),
    )
    .get_attribute("d")
    .expect("d");
    let xs = path_xs(&d);
    assert_eq!(xs.len(), 5, "{d}");
    assert!(xs.iter().all(|&x| x > PLOT.left && x < PLOT.right()), "{d}");
    // Nothing was served: the latency lines are gaps, not lines at 0 ms.
    for series in ["p50", "p95", "p99"] {
        let d = find(
            &root,
            &format!("{} path[data-series='{series}']", chart("latency")),
        )
        .get_attribute("d")
        .expect("d");
        assert_eq!(d, "", "{series}");
    }
    let latency = find(&root, &format!("{} svg.chart-svg", chart("latency")));
    hover(&latency, 2.5, 5.0).await;
    assert_eq!(
        text(&root, &format!("{} .chart-readout", chart("latency"))),
        "2–3 s: p50 not measured, p95 not measured, p99 not measured"
    );
}

/// Moves the pointer over `svg` at `t` seconds of a run of `seconds`.
async fn hover(svg: &Element, t: f64, seconds: f64) {
    let rect = svg.get_bounding_client_rect();
    let x = rect.left() + x_at(t, seconds) / VIEW_W * rect.width();
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    init.set_client_x(x.round() as i32);
    init.set_client_y((rect.top() + rect.height() / 2.0).round() as i32);
    let event = MouseEvent::new_with_mouse_event_init_dict("mousemove", &init).expect("event");
    svg.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

/// Focuses `el` as the Tab key would (SVG elements have `focus()` too).
async fn focus(el: &Element) {
    let focus = js_sys::Reflect::get(el, &JsValue::from_str("focus")).expect("focus");
    focus
        .dyn_into::<js_sys::Function>()
        .expect("a function")
        .call0(el)
        .expect("focused");
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn the_axis_is_the_run_every_chart_marks_every_step_and_says_values_on_hover_and_focus() {
    let settings = LoadSettings {
        rps: 200.0,
        seconds: 12.0,
        https: true,
        steps: vec![
            Step {
                at_s: 4.0,
                kind: StepKind::HostDown,
                target: "web-01".into(),
            },
            Step {
                at_s: 8.0,
                kind: StepKind::HostUp,
                target: "web-01".into(),
            },
        ],
        ..LoadSettings::default()
    };
    let root = run_panel(presets::topology(3).expect("stage 3"), settings).await;
    assert_eq!(count(&root, ".load-cause"), 0, "nothing failed for long");
    for id in TIME_CHARTS {
        let figure = chart(id);
        // The axis is the run: 0 to 12 s, ticked with units.
        assert_eq!(number_attr(&root, &figure, "data-seconds"), 12.0, "{id}");
        let ticks = texts(&root, &format!("{figure} .x-tick text"));
        assert_eq!(ticks.first().map(String::as_str), Some("0 s"), "{id}");
        assert_eq!(ticks.last().map(String::as_str), Some("12 s"), "{id}");
        let values = texts(&root, &format!("{figure} .y-tick text"));
        assert!(values.len() >= 2, "{id}: {values:?}");
        assert_eq!(values.first().map(String::as_str), Some("0"), "{id}");
        // One unit per chart: lines in different units never share an axis.
        let unit = text(&root, &format!("{figure} .axis-unit"));
        let expected = match id {
            "latency" | "lag" => "ms",
            "queues" => "waiting",
            "stale" => "reads/s",
            _ => "req/s",
        };
        assert_eq!(unit, expected, "{id}");
        // No point past the run's end.
        for d in attributes(&root, &format!("{figure} path.series"), "d") {
            assert!(
                path_xs(&d).iter().all(|&x| x <= PLOT.right() + 0.05),
                "{id}: {d}"
            );
        }
        // Both steps, where they happened.
        let at: Vec<String> = attributes(&root, &format!("{figure} g.step-mark"), "data-at");
        assert_eq!(at, ["4", "8"], "{id}");
        assert_eq!(
            texts(&root, &format!("{figure} li.step-key")),
            [
                "1 = 4 s: take host down web-01",
                "2 = 8 s: bring host up web-01"
            ],
            "{id}"
        );
    }
    // web-01 and web-02 each have their own line, drawn differently.
    let classes = attributes(
        &root,
        &format!("{} path.series", chart("backends")),
        "class",
    );
    assert_eq!(classes.len(), 2, "{classes:?}");
    assert_ne!(classes[0], classes[1]);
    // Hover: the second under the pointer, with its values.
    let throughput = find(&root, &format!("{} svg.chart-svg", chart("throughput")));
    let readout = format!("{} .chart-readout", chart("throughput"));
    hover(&throughput, 6.5, 12.0).await;
    let said = text(&root, &readout);
    assert!(said.starts_with("6–7 s: served "), "{said}");
    assert!(said.contains(" req/s, errors "), "{said}");
    assert_eq!(
        throughput.get_attribute("aria-valuenow").as_deref(),
        Some("6")
    );
    assert_eq!(throughput.get_attribute("aria-valuetext"), Some(said));
    assert_eq!(
        count(&root, &format!("{} rect.chart-cursor", chart("throughput"))),
        1
    );
    // Keyboard: focus reads the first second, → the next, End the last.
    let latency = find(&root, &format!("{} svg.chart-svg", chart("latency")));
    let readout = format!("{} .chart-readout", chart("latency"));
    assert_eq!(latency.get_attribute("tabindex").as_deref(), Some("0"));
    focus(&latency).await;
    let said = text(&root, &readout);
    assert!(said.starts_with("0–1 s: p50 "), "{said}");
    assert!(said.ends_with(" ms"), "{said}");
    assert_eq!(
        find(&root, &readout).get_attribute("aria-live").as_deref(),
        Some("polite")
    );
    press(&latency, "ArrowRight").await;
    assert!(text(&root, &readout).starts_with("1–2 s: p50 "));
    press(&latency, "End").await;
    assert!(text(&root, &readout).starts_with("11–12 s: p50 "));
    assert_eq!(
        latency.get_attribute("aria-valuetext"),
        Some(text(&root, &readout))
    );
}

/// A single failed request gives its fix under its outcome (issue 15, item 1).
#[wasm_bindgen_test]
async fn a_failed_request_says_its_fix_under_its_outcome() {
    let root = mount().await;
    pick_stage(&root, 0).await;
    click(&root, "button[data-proto='https']").await;
    click(&root, "button[data-action='send']").await;
    click(&root, "button[data-control='pause']").await;
    let outcome = text(&root, "tr.outcome-row");
    assert!(outcome.contains("Refused at server-01"), "{outcome}");
    assert_eq!(
        text(&root, "tr.outcome-row .outcome-fix"),
        "Fix: server-01 serves plain HTTP only: choose HTTP, or install a certificate there."
    );
    click(&root, "button[data-proto='http']").await;
    click(&root, "button[data-action='send']").await;
    click(&root, "button[data-control='pause']").await;
    assert!(text(&root, "tr.outcome-row").contains("200 OK"));
    assert_eq!(
        count(&root, "tr.outcome-row .outcome-fix"),
        0,
        "served: no fix"
    );
    unmount();
}
