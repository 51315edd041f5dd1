//! Hostile and broken design files: each is refused with a message that says what is wrong
//! and where, nothing panics, and designs that load but are odd (a forwarding loop) still
//! simulate to an end. Natively and in Chromium and Firefox.

use stacksim::sim::engine::{Config, Input, Load, Simulation};
use stacksim::sim::format::{self, MAX_JSON_BYTES};
use stacksim::sim::presets;
use stacksim::sim::time::SimTime;
use stacksim::sim::topology::{Link, NodeKind, ServiceKind, Topology};
use stacksim::sim::trace::{Outcome, RequestKind, RequestSpec};
use stacksim::ui::document::Document;
use stacksim::ui::state::{Action, AppState, WorkAction};
use wasm_bindgen_test::wasm_bindgen_test;

fn stage1_json() -> serde_json::Value {
    let json = format::to_json(&presets::topology(1).expect("stage 1"));
    serde_json::from_str(&json).expect("valid JSON")
}

/// The same text refused the same way through every door of the page: opening a file (the
/// reducer keeps the current work), and a share link.
#[track_caller]
fn check_refused_by_the_page(text: &str, expected: &str) {
    let mut state = AppState::default();
    state.apply(Action::Work(WorkAction::SelectStage(3)));
    let before = (state.work.topology.clone(), state.work.positions.clone());
    state.apply(Action::Work(WorkAction::Open(text.to_owned())));
    let message = state.error().clone().unwrap_or_default();
    assert!(
        message.starts_with("could not open the file") && message.contains(expected),
        "expected {expected:?} in {message:?}"
    );
    assert_eq!(
        (state.work.topology, state.work.positions),
        before,
        "the work is unchanged"
    );
    if text.len() < MAX_JSON_BYTES / 4 {
        use base64::Engine;
        let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 6);
        let link = format!(
            "#design={}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)
        );
        match Document::from_fragment(&link) {
            Some(Err(err)) => assert!(
                err.to_string().contains(expected),
                "expected {expected:?} in the link's {err}"
            ),
            other => panic!("a hostile link was not refused: {other:?}"),
        }
    }
}

#[track_caller]
fn check_refused(text: &str, expected: &str) {
    check_refused_by_the_page(text, expected);
    match format::from_json(text) {
        Ok(_) => panic!(
            "accepted a hostile document: {}",
            &text[..text.len().min(200)]
        ),
        Err(err) => {
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "expected {expected:?} in {message:?}"
            );
            assert!(
                message.len() < 400,
                "the message stays short: {} chars",
                message.len()
            );
        }
    }
}

#[track_caller]
fn check_edit_refused(edit: impl FnOnce(&mut serde_json::Value), expected: &str) {
    let mut value = stage1_json();
    edit(&mut value);
    check_refused(&value.to_string(), expected);
}

#[wasm_bindgen_test(unsupported = test)]
fn truncated_wrong_typed_and_empty_documents_say_where() {
    let full = format::to_json(&presets::topology(2).expect("stage 2"));
    check_refused(&full[..full.len() / 2], "at line");
    check_refused("", "at line 1 column 0");
    check_refused("[1, 2, 3]", "version");
    check_refused("{\"version\": \"1\"}", "version");
    check_edit_refused(|v| v["nodes"] = serde_json::json!("many"), "at nodes");
    check_edit_refused(
        |v| v["nodes"][2]["ip"] = serde_json::json!(12),
        "at nodes[2]",
    );
    check_edit_refused(
        |v| v["nodes"][2]["kind"] = serde_json::json!("toaster"),
        "at nodes[2]",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_versions_are_refused_not_guessed() {
    check_edit_refused(
        |v| v["version"] = serde_json::json!(2),
        "format version 2 is not supported",
    );
    check_edit_refused(
        |v| v["version"] = serde_json::json!(0),
        "format version 0 is not supported",
    );
    check_edit_refused(|v| v["version"] = serde_json::json!(-1), "version");
    check_edit_refused(|v| v["version"] = serde_json::json!(1e300), "version");
}

#[wasm_bindgen_test(unsupported = test)]
fn negative_and_huge_numbers_are_refused_with_their_path() {
    check_edit_refused(
        |v| v["links"][0]["weight"] = serde_json::json!(-3),
        "at links[0].weight",
    );
    check_edit_refused(
        |v| v["links"][0]["weight"] = serde_json::json!(70000),
        "at links[0].weight",
    );
    check_edit_refused(
        |v| v["links"][0]["weight"] = serde_json::json!(300),
        "has weight 300; HAProxy weights go from 0 to 256",
    );
    check_edit_refused(
        |v| v["nodes"][3]["services"][1]["workers"] = serde_json::json!(0),
        "the workers of server-01.app must be 1 to 10000, not 0",
    );
    check_edit_refused(
        |v| v["nodes"][1]["records"][0]["ttl"] = serde_json::json!(4_000_000_000u64),
        "the TTL of www.foobar.com must be 0 to 2147483647 s",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_and_duplicate_ids_are_named() {
    check_edit_refused(
        |v| v["links"][1]["to"] = serde_json::json!("ghost.nginx"),
        "'ghost.nginx'",
    );
    check_edit_refused(
        |v| v["nodes"][3]["id"] = serde_json::json!("lb-01"),
        "the id 'lb-01' is used twice",
    );
    check_edit_refused(
        |v| v["links"][0]["to"] = serde_json::json!("lb-01.haproxy"),
        "to itself",
    );
    check_edit_refused(|v| v["links"][1] = v["links"][0].clone(), "listed twice");
}

#[wasm_bindgen_test(unsupported = test)]
fn oversized_documents_and_strings_are_refused_before_parsing() {
    let huge = format!(
        "{{\"version\": 1, \"name\": \"{}\"}}",
        "x".repeat(5 * 1024 * 1024)
    );
    check_refused(
        &huge,
        &format!("designs are limited to {MAX_JSON_BYTES} bytes"),
    );
    check_edit_refused(
        |v| v["name"] = serde_json::json!("n".repeat(5_000)),
        "the design's name is 5000 characters long",
    );
    check_edit_refused(
        |v| v["nodes"][2]["id"] = serde_json::json!("i".repeat(100)),
        "characters long; the limit is 64",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn ten_thousand_nodes_are_refused() {
    let mut value = stage1_json();
    let client = value["nodes"][0].clone();
    let nodes: Vec<serde_json::Value> = (0..10_000)
        .map(|i| {
            let mut node = client.clone();
            node["id"] = serde_json::json!(format!("c{i}"));
            node
        })
        .collect();
    value["nodes"] = serde_json::Value::Array(nodes);
    value["links"] = serde_json::json!([]);
    check_refused(&value.to_string(), "10000 entries; the limit is 500");
}

#[wasm_bindgen_test(unsupported = test)]
fn markup_and_control_characters_are_data_not_code() {
    // Markup is kept as text (the UI escapes it); line breaks could forge config lines.
    let mut value = stage1_json();
    value["nodes"][2]["name"] = serde_json::json!("<script>alert(1)</script> javascript:x");
    let loaded = format::from_json(&value.to_string()).expect("markup is only text");
    assert_eq!(
        loaded.nodes[2].name,
        "<script>alert(1)</script> javascript:x"
    );
    check_edit_refused(
        |v| v["nodes"][2]["name"] = serde_json::json!("lb\nserver evil 6.6.6.6:80"),
        "contains a control character",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_load_balancer_loop_ends_with_508_instead_of_running_forever() {
    let mut topology: Topology = presets::topology(3).expect("stage 3");
    // lb-01 forwards to lb-02 and lb-02 back to lb-01, and nothing else.
    topology.links.retain(|l| !l.from.ends_with(".haproxy"));
    topology
        .links
        .push(Link::new("lb-01.haproxy", "lb-02.haproxy"));
    topology
        .links
        .push(Link::new("lb-02.haproxy", "lb-01.haproxy"));
    for node in &mut topology.nodes {
        if let NodeKind::Host(host) = &mut node.kind {
            host.firewall = None;
            for service in &mut host.services {
                if let ServiceKind::LoadBalancer(lb) = &mut service.kind {
                    lb.http_port = 80;
                }
            }
        }
    }
    let mut sim = Simulation::new(&topology, Config::default()).expect("loads");
    let id = sim
        .handle(
            SimTime::ZERO,
            Input::Send(RequestSpec::new(RequestKind::Static, true)),
        )
        .expect("sent")
        .expect("id");
    sim.start_load(Load::new(100.0, 200));
    sim.run_until_quiet(SimTime::from_secs(600));
    let outcome = sim.trace(id).and_then(|t| t.outcome.clone());
    assert!(
        matches!(outcome, Some(Outcome::Failed { status: 508, .. })),
        "{outcome:?}"
    );
    assert_eq!(sim.stats().in_flight(), 0);
}
