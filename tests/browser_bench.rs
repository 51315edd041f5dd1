//! The engine and load benchmarks in a real browser. Ignored by the normal test run;
//! `benches/engine.sh` runs them in headless Chromium (release build) with `--include-ignored`
//! and prints their figures: the engine against the native figure, a 600 k-request load run
//! (60 s of stage 3 at 10 k req/s) in wall seconds, and the frame time of the diagram's load
//! overlay animating 500 dots.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

#[path = "../benches/workload.rs"]
mod workload;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[wasm_bindgen_test]
#[ignore = "a benchmark: run by benches/engine.sh"]
fn engine_throughput_in_the_browser() {
    let topology = workload::topology();
    // Warm up: let the engine's code reach the optimising compiler first.
    for _ in 0..2 {
        workload::run(&topology, workload::REQUESTS / 4);
    }
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..3 {
        let start = now_ms();
        let run = workload::run(&topology, workload::REQUESTS);
        best = best.min(now_ms() - start);
        last = Some(run);
    }
    let Some(run) = last else { return };
    let secs = best / 1000.0;
    assert_eq!(run.requests, workload::REQUESTS);
    console_log!(
        "browser: {} requests ({} served), {} events in {:.3} s: {:.2} M events/s, {:.2} M requests/s",
        run.requests,
        run.served,
        run.events,
        secs,
        run.events as f64 / secs / 1e6,
        run.requests as f64 / secs / 1e6
    );
}

#[wasm_bindgen_test]
#[ignore = "a benchmark: run by benches/engine.sh"]
fn load_run_of_600k_requests_in_the_browser() {
    // 60 s of stage 3 at 10 k req/s, through the core directly (the UI caps runs at 200 k).
    const REQUESTS: u64 = 600_000;
    let topology = workload::topology();
    workload::run(&topology, REQUESTS / 4);
    let mut best = f64::MAX;
    for _ in 0..2 {
        let start = now_ms();
        let run = workload::run(&topology, REQUESTS);
        best = best.min(now_ms() - start);
        assert_eq!(run.requests, REQUESTS);
    }
    let secs = best / 1000.0;
    console_log!(
        "browser load run: {REQUESTS} requests (60 s at 10 k req/s) in {secs:.3} s: {:.2} M simulated requests per wall second (goal: < 0.5 s)",
        REQUESTS as f64 / secs / 1e6
    );
}

/// Waits for the browser's next animation frame; its timestamp.
async fn next_frame() -> f64 {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or_else(now_ms)
}

#[wasm_bindgen_test]
#[ignore = "a benchmark: run by benches/engine.sh"]
async fn load_overlay_frames_with_500_dots() {
    use std::rc::Rc;

    use stacksim::components::load_overlay::{LoadOverlay, LoadOverlayProps};
    use stacksim::layout::auto_layout;
    use stacksim::load_run::{self, LoadSettings};

    const FRAMES: usize = 240;
    let topology = workload::topology();
    let settings = LoadSettings {
        rps: 10_000.0,
        seconds: 10.0,
        https: true,
        ..LoadSettings::default()
    };
    let Ok(result) = load_run::run(&topology, &settings) else {
        unreachable!("valid settings")
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Ok(svg), Some(body)) = (
        document.create_element_ns(Some("http://www.w3.org/2000/svg"), "svg"),
        document.body(),
    ) else {
        return;
    };
    let layout = Rc::new(auto_layout(&topology));
    let _ = svg.set_attribute("viewBox", &layout.view_box());
    let _ = svg.set_attribute("width", "1200");
    let _ = body.append_child(&svg);
    let props = |clock_ms| LoadOverlayProps {
        topology: Rc::new(topology.clone()),
        layout: layout.clone(),
        result: Rc::new(result.clone()),
        second: Some(5),
        max_dots: 500,
        clock_ms: Some(clock_ms),
    };
    let mut app =
        yew::Renderer::<LoadOverlay>::with_root_and_props(svg.clone(), props(0.0)).render();
    yew::scheduler::flush().await;
    let dots = svg
        .query_selector("path.load-dots")
        .ok()
        .flatten()
        .and_then(|p| p.get_attribute("data-dots"))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    assert_eq!(dots, 500);
    let mut work = Vec::with_capacity(FRAMES);
    let mut stamps = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let stamp = next_frame().await;
        stamps.push(stamp);
        // One frame's work: new dot positions, Yew's diff and the DOM updates.
        let start = now_ms();
        app.update(props(stamp));
        yew::scheduler::flush().await;
        work.push(now_ms() - start);
    }
    app.destroy();
    svg.remove();
    let mean = work.iter().sum::<f64>() / work.len() as f64;
    let mut sorted = work.clone();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted[sorted.len() * 95 / 100];
    let max = sorted.last().copied().unwrap_or(0.0);
    let intervals: Vec<f64> = stamps.windows(2).map(|w| w[1] - w[0]).collect();
    let interval = intervals.iter().sum::<f64>() / intervals.len().max(1) as f64;
    console_log!(
        "browser overlay: {dots} dots, {FRAMES} frames: work per frame mean {mean:.2} ms, p95 {p95:.2} ms, max {max:.2} ms; frame interval mean {interval:.2} ms (goal: frames < 16 ms)"
    );
}
