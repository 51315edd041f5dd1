//! The design file format: the four stages round-trip, and bad documents get clear messages.
//! These run natively and, through `wasm_bindgen_test(unsupported = test)`, in the browsers.

use stacksim::sim::format::{self, LoadError, TopologyError};
use stacksim::sim::presets;
use stacksim::sim::topology::{FORMAT_VERSION, NodeKind};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test(unsupported = test)]
fn every_stage_round_trips_through_json() {
    for n in 0..4 {
        let topology = presets::topology(n).expect("stage exists");
        format::validate(&topology).expect("preset is valid");
        let json = format::to_json(&topology);
        assert!(json.contains(&format!("\"version\": {FORMAT_VERSION}")));
        assert_eq!(format::from_json(&json), Ok(topology), "stage {n}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn stages_hold_the_hosts_the_exercise_describes() {
    let hosts = |n: u8| -> Vec<String> {
        presets::topology(n)
            .expect("stage")
            .hosts()
            .map(|(node, _)| node.id.clone())
            .collect()
    };
    assert_eq!(hosts(0), ["server-01"]);
    assert_eq!(hosts(1), ["lb-01", "server-01", "server-02"]);
    assert_eq!(hosts(2), ["lb-01", "server-01", "server-02"]);
    assert_eq!(
        hosts(3),
        ["lb-01", "lb-02", "web-01", "web-02", "app-01", "db-01"]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn www_resolves_to_8_8_8_8_on_every_stage() {
    for n in 0..4 {
        let topology = presets::topology(n).expect("stage");
        let (_, zone) = topology.dns().expect("zone");
        assert_eq!(zone.domain, "foobar.com");
        let www = zone
            .records
            .iter()
            .find(|r| r.name == "www")
            .expect("www record");
        assert_eq!(www.address.to_string(), "8.8.8.8");
        let entry = topology
            .node_at(www.address)
            .expect("something answers at 8.8.8.8");
        let expected = ["server-01", "lb-01", "lb-01", "vip"][usize::from(n)];
        assert_eq!(entry.id, expected, "stage {n}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_2_secures_and_monitors_every_host() {
    let topology = presets::topology(2).expect("stage 2");
    for (node, host) in topology.hosts() {
        assert!(host.firewall.is_some(), "{} has a firewall", node.id);
        assert!(host.agent.is_some(), "{} has an agent", node.id);
    }
    assert!(
        topology
            .nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Collector { .. }))
    );
}

#[track_caller]
fn check_error(json: &str, expected: &str) {
    match format::from_json(json) {
        Ok(_) => panic!("accepted: {json}"),
        Err(err) => assert_eq!(err.to_string(), expected),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn truncated_json_names_the_position() {
    check_error(
        "{\"version\": 1, \"name\": ",
        "at line 1 column 23: EOF while parsing a value",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn missing_or_future_version_is_refused() {
    check_error(
        "{\"name\": \"x\"}",
        "at version: missing or not a whole number",
    );
    check_error(
        "{\"version\": 7, \"name\": \"x\", \"nodes\": []}",
        "format version 7 is not supported (this build reads 1 to 1)",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn wrong_type_names_the_json_path() {
    let json = r#"{"version": 1, "name": "x", "nodes": [
        {"id": "c", "name": "c", "kind": "client", "ip": "not-an-ip"}]}"#;
    let err = format::from_json(json).expect_err("bad ip");
    assert!(err.to_string().starts_with("at nodes[0]"), "{err}");
}

#[wasm_bindgen_test(unsupported = test)]
fn links_to_missing_services_are_refused() {
    let mut topology = presets::topology(1).expect("stage 1");
    topology.links[0].to = "server-09.nginx".to_owned();
    let err = format::from_json(&format::to_json(&topology)).expect_err("unknown id");
    assert_eq!(
        err,
        LoadError::Invalid(TopologyError::UnknownId {
            what: "the link lb-01.haproxy → server-09.nginx".to_owned(),
            id: "server-09.nginx".to_owned(),
        })
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn duplicate_ids_and_weights_over_256_are_refused() {
    let mut topology = presets::topology(1).expect("stage 1");
    topology.links[0].weight = 300;
    assert_eq!(
        format::validate(&topology).map_err(|e| e.to_string()),
        Err("the link lb-01.haproxy → server-01.nginx has weight 300; HAProxy weights go from 0 to 256".to_owned())
    );
    let mut topology = presets::topology(3).expect("stage 3");
    topology.nodes[4].id = "lb-01".to_owned();
    assert_eq!(
        format::validate(&topology),
        Err(TopologyError::DuplicateId("lb-01".to_owned()))
    );
}
