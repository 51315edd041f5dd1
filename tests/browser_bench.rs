//! The engine benchmark in a real browser. Ignored by the normal test run; `benches/engine.sh`
//! runs it in headless Chromium (release build) with `--include-ignored` and compares it with
//! the native figure.
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
