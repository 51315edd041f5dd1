//! The load tab's run in a real browser (Chromium and Firefox): the panel given the design
//! computes a run a slice per animation frame with a progress bar, pauses, stops and hands the
//! finished run on; the step editor offers every kind and says what is wrong; the histogram
//! and the diagram overlay draw a run.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use stacksim::sim::presets;
use stacksim::ui::layout::auto_layout;
use stacksim::ui::load_run::{self, LoadResult, LoadSettings, Step, StepKind};
use stacksim::web::components::load_overlay::{LoadOverlay, LoadOverlayProps};
use stacksim::web::components::load_panel::{LoadPanel, LoadPanelProps};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;
use yew::prelude::*;

use crate::support::*;

type Finished = Rc<RefCell<Vec<Rc<LoadResult>>>>;

/// Mounts the panel with stage `n`'s design; finished runs land in the returned list.
async fn mount_panel(n: u8) -> (Element, Finished) {
    let root = new_root();
    let topology = Rc::new(presets::topology(n).expect("stage"));
    let finished: Finished = Rc::default();
    let seen = finished.clone();
    let props = LoadPanelProps {
        hosts: Rc::new(load_run::host_ids(&topology)),
        result: None,
        dispatch: Callback::noop(),
        topology: Some(topology),
        on_finished: Some(Callback::from(move |r| seen.borrow_mut().push(r))),
        on_live: None,
        settings: None,
        on_settings: None,
        https: None,
    };
    yew::Renderer::<LoadPanel>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    (root, finished)
}

#[wasm_bindgen_test]
async fn a_run_advances_frame_by_frame_with_a_progress_bar_and_hands_its_result_on() {
    let (root, finished) = mount_panel(3).await;
    set_field(&root, "input[data-control='rps']", "2000").await;
    set_field(&root, "input[data-control='seconds']", "30").await;
    click(&root, "input[data-control='https']").await;
    click(&root, "button[data-action='run-load']").await;
    assert_eq!(count(&root, ".load-progress"), 1, "a progress bar");
    let mut seen = Vec::new();
    for _ in 0..2000 {
        next_frame().await;
        if !finished.borrow().is_empty() {
            break;
        }
        seen.push(number_attr(&root, ".load-progress", "aria-valuenow"));
    }
    assert_eq!(finished.borrow().len(), 1, "the run finished");
    assert!(seen.len() >= 2, "the run took several frames: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let result = finished.borrow()[0].clone();
    assert!(result.finished);
    assert_eq!(result.total_sent, 60_000);
    let settings = LoadSettings {
        rps: 2000.0,
        seconds: 30.0,
        https: true,
        ..LoadSettings::default()
    };
    let topology = presets::topology(3).expect("stage");
    assert_eq!(
        *result,
        load_run::run(&topology, &settings).expect("runs"),
        "the same run as computed at once"
    );
    assert_eq!(count(&root, ".load-progress"), 0, "the bar goes when done");
}

#[wasm_bindgen_test]
async fn pause_holds_the_run_and_stop_abandons_it() {
    let (root, finished) = mount_panel(1).await;
    set_field(&root, "input[data-control='rps']", "5000").await;
    set_field(&root, "input[data-control='seconds']", "30").await;
    click(&root, "button[data-action='run-load']").await;
    next_frame().await;
    next_frame().await;
    click(&root, "button[data-action='pause-load']").await;
    assert!(text(&root, ".load-progress-text").contains("(paused)"));
    let held = number_attr(&root, ".load-progress", "aria-valuenow");
    for _ in 0..5 {
        next_frame().await;
    }
    assert_eq!(number_attr(&root, ".load-progress", "aria-valuenow"), held);
    assert_eq!(text(&root, "button[data-action='pause-load']"), "Resume");
    click(&root, "button[data-action='pause-load']").await;
    next_frame().await;
    click(&root, "button[data-action='stop-load']").await;
    for _ in 0..5 {
        next_frame().await;
    }
    assert_eq!(count(&root, ".load-progress"), 0);
    assert!(
        finished.borrow().is_empty(),
        "a stopped run hands nothing on"
    );
    assert!(
        find(&root, "button[data-action='run-load']")
            .get_attribute("disabled")
            .is_none()
    );
}

#[wasm_bindgen_test]
async fn the_step_editor_offers_every_kind_and_says_what_is_wrong() {
    let (root, _) = mount_panel(1).await;
    click(&root, "button[data-action='add-step']").await;
    assert_eq!(count(&root, "select.step-what option"), 10);
    assert_eq!(count(&root, ".step-error"), 0);
    set_field(&root, "select.step-what", "stop-replication").await;
    assert_eq!(
        find(&root, "select.step-target")
            .dyn_into::<web_sys::HtmlSelectElement>()
            .expect("select")
            .value(),
        "server-02.mysql",
        "the only replica"
    );
    set_field(&root, "input.step-at", "25").await;
    assert_eq!(
        text(&root, ".step-error"),
        "step 1: at 25 s is after the run ends (20 s)"
    );
    set_field(&root, "input.step-at", "5").await;
    set_field(&root, "select.step-what", "slow-host").await;
    set_field(&root, "input.step-factor", "0").await;
    assert!(text(&root, ".step-error").contains("slow-down factor"));
    click(&root, "button[data-action='run-load']").await;
    assert!(text(&root, ".load-error").contains("slow-down factor"));
    assert_eq!(count(&root, ".load-progress"), 0, "nothing runs");
    // A ramp: the form says the final rate, and the run sends its integral.
    set_field(&root, "input.step-factor", "3").await;
    set_field(&root, "select[data-control='shape']", "ramp").await;
    set_field(&root, "input[data-control='rps']", "0").await;
    set_field(&root, "input[data-control='to-rps']", "100").await;
    set_field(&root, "input[data-control='seconds']", "10").await;
    click(&root, "button[data-action='run-load']").await;
    assert_eq!(count(&root, ".load-error"), 0);
    for _ in 0..500 {
        next_frame().await;
        if count(&root, ".load-progress") == 0 {
            break;
        }
    }
    // The panel was given `on_finished`, so the page keeps the run; nothing local is shown.
    assert_eq!(count(&root, ".load-totals"), 0);
}

#[wasm_bindgen_test]
async fn a_panel_without_on_finished_shows_the_run_with_its_histogram() {
    let root = new_root();
    let topology = Rc::new(presets::topology(2).expect("stage"));
    let props = LoadPanelProps {
        hosts: Rc::new(load_run::host_ids(&topology)),
        result: None,
        dispatch: Callback::noop(),
        topology: Some(topology),
        on_finished: None,
        on_live: None,
        settings: Some(LoadSettings {
            rps: 300.0,
            seconds: 5.0,
            https: true,
            ..LoadSettings::default()
        }),
        on_settings: None,
        https: None,
    };
    yew::Renderer::<LoadPanel>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert_eq!(
        find(&root, "input[data-control='rps']")
            .dyn_into::<web_sys::HtmlInputElement>()
            .expect("input")
            .value(),
        "300"
    );
    click(&root, "button[data-action='run-load']").await;
    for _ in 0..500 {
        next_frame().await;
        if find(&root, ".load-panel")
            .query_selector(".load-totals[data-finished='true']")
            .ok()
            .flatten()
            .is_some()
        {
            break;
        }
    }
    assert_eq!(number_attr(&root, ".load-totals", "data-sent"), 1500.0);
    let bars = root
        .query_selector_all("figure[data-chart='latency-histogram'] rect.bar")
        .expect("selector");
    assert_eq!(bars.length(), 24);
    let total: f64 = (0..bars.length())
        .filter_map(|i| bars.item(i))
        .filter_map(|b| b.dyn_into::<Element>().ok())
        .filter_map(|b| b.get_attribute("data-count"))
        .filter_map(|c| c.parse::<f64>().ok())
        .sum();
    let served = number_attr(&root, ".load-totals", "data-served");
    assert!((total - served).abs() < 1e-6, "{total} vs {served}");
}

#[wasm_bindgen_test]
async fn the_overlay_draws_traffic_queues_down_hosts_and_at_most_its_dots() {
    let topology = presets::topology(3).expect("stage");
    let settings = LoadSettings {
        rps: 1000.0,
        seconds: 20.0,
        https: true,
        steps: vec![Step {
            at_s: 8.0,
            kind: StepKind::HostDown,
            target: "web-02".into(),
        }],
        ..LoadSettings::default()
    };
    let result = Rc::new(load_run::run(&topology, &settings).expect("runs"));
    let layout = Rc::new(auto_layout(&topology));
    let root = new_root();
    let svg = document()
        .create_element_ns(Some("http://www.w3.org/2000/svg"), "svg")
        .expect("svg");
    root.append_child(&svg).expect("append");
    let props = LoadOverlayProps {
        topology: Rc::new(topology),
        layout,
        result,
        second: Some(15),
        max_dots: 40,
        clock_ms: Some(500.0),
    };
    yew::Renderer::<LoadOverlay>::with_root_and_props(svg.clone(), props).render();
    yew::scheduler::flush().await;
    assert_eq!(number_attr(&root, "g.load-overlay", "data-second"), 15.0);
    assert_eq!(count(&root, "rect.load-down[data-host='web-02']"), 1);
    assert_eq!(count(&root, "rect.load-down"), 1);
    let entry = number_attr(&root, "path.load-link[data-from='client']", "data-rps");
    assert!(entry > 800.0, "{entry}");
    assert!(
        number_attr(
            &root,
            "path.load-link[data-from='lb-01.haproxy'][data-to='web-01.nginx']",
            "data-rps"
        ) > 500.0
    );
    assert_eq!(
        count(&root, "path.load-link[data-to='web-02.nginx']"),
        0,
        "nothing reaches a down host"
    );
    assert_eq!(number_attr(&root, "path.load-dots", "data-dots"), 40.0);
    let d = find(&root, "path.load-dots").get_attribute("d").expect("d");
    assert_eq!(d.matches('M').count(), 40, "one circle per dot");
}

#[wasm_bindgen_test]
async fn the_overlay_draws_the_requests_the_engine_sent_over_each_link() {
    // Stage 1: server-02's application server reads from its replica and writes to the
    // primary on server-01; the overlay shows that split, as the engine counted it.
    let topology = presets::topology(1).expect("stage");
    let result = Rc::new(load_run::run(&topology, &LoadSettings::default()).expect("runs"));
    let layout = Rc::new(auto_layout(&topology));
    let root = new_root();
    let svg = document()
        .create_element_ns(Some("http://www.w3.org/2000/svg"), "svg")
        .expect("svg");
    root.append_child(&svg).expect("append");
    let k = 10;
    let props = LoadOverlayProps {
        topology: Rc::new(topology),
        layout,
        result: result.clone(),
        second: Some(k),
        max_dots: 40,
        clock_ms: Some(500.0),
    };
    yew::Renderer::<LoadOverlay>::with_root_and_props(svg.clone(), props).render();
    yew::scheduler::flush().await;
    let drawn = |from: &str, to: &str| {
        let selector = format!("path.load-link[data-from='{from}'][data-to='{to}']");
        (count(&root, &selector) > 0).then(|| number_attr(&root, &selector, "data-rps"))
    };
    for link in &result.links {
        let rps = link.per_second[k];
        let expected = (rps > 0.0).then_some(rps);
        assert_eq!(
            drawn(&link.from, &link.to),
            expected,
            "{} → {}",
            link.from,
            link.to
        );
    }
    let reads = drawn("server-02.app", "server-02.mysql").expect("reads drawn");
    let writes = drawn("server-02.app", "server-01.mysql").expect("writes drawn");
    assert!(reads > 3.0 * writes, "reads {reads}, writes {writes}");
}
