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

/// The first link that repeats an earlier one is named; a fault of an earlier link comes first.
#[wasm_bindgen_test(unsupported = test)]
fn the_first_link_listed_twice_is_refused() {
    let topology = presets::topology(1).expect("stage 1");
    let (a, b) = (topology.links[0].clone(), topology.links[1].clone());
    assert_ne!((&a.from, &a.to), (&b.from, &b.to));
    let mut twice = topology.clone();
    twice.links.push(b.clone());
    twice.links.push(a.clone());
    assert_eq!(
        format::validate(&twice),
        Err(TopologyError::DuplicateLink {
            from: b.from.clone(),
            to: b.to.clone(),
        })
    );
    twice.links[0].weight = 300;
    assert!(matches!(
        format::validate(&twice),
        Err(TopologyError::Weight { weight: 300, .. })
    ));
    assert_eq!(format::validate(&topology), Ok(()));
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

/// Nodes, services and replication roles are read by hand-written code (not serde's derive,
/// whose `flatten` and internal tags cost the browser app a lot of code): the same JSON is
/// accepted, with the same messages, as serde's derive gave. Stage 1's `nodes[1]` is the DNS
/// zone, `nodes[3]` and `nodes[4]` are server-01 and server-02, whose fourth services are the MySQL
/// primary and its replica.
#[wasm_bindgen_test(unsupported = test)]
fn nodes_services_and_roles_are_read_as_serde_derive_read_them() {
    use serde_json::json;
    let refused: &[(&str, serde_json::Value, &str)] = &[
        (
            "/nodes/1/kind",
            json!("toaster"),
            "at nodes[1]: unknown variant `toaster`, expected one of `client`, `dns`, `host`, `vip`, `collector`",
        ),
        (
            "/nodes/1/kind",
            json!(12),
            "at nodes[1]: invalid value: integer `12`, expected variant index 0 <= i < 5",
        ),
        (
            "/nodes/1/kind",
            json!(null),
            "at nodes[1]: invalid type: null, expected variant identifier",
        ),
        (
            "/nodes/1/id",
            json!(12),
            "at nodes[1].id: invalid type: integer `12`, expected a string",
        ),
        (
            "/nodes/1",
            json!({"id": 5, "name": "q"}),
            "at nodes[1].id: invalid type: integer `5`, expected a string",
        ),
        (
            "/nodes/1",
            json!({"id": "q", "kind": "dns"}),
            "at nodes[1]: missing field `name`",
        ),
        (
            "/nodes/1",
            json!({"id": "q", "name": "q"}),
            "at nodes[1]: missing field `kind`",
        ),
        (
            "/nodes/1",
            json!([1]),
            "at nodes[1]: invalid type: sequence, expected struct Node",
        ),
        (
            "/nodes/1",
            json!({"id": "q", "name": "q", "kind": "collector", "ip": "10.0.0.9"}),
            "at nodes[1]: missing field `product`",
        ),
        (
            "/nodes/3/ip",
            json!("x"),
            "at nodes[3]: invalid IPv4 address syntax",
        ),
        (
            "/nodes/3/zz",
            json!(1),
            "at nodes[3]: unknown field `zz`, expected one of `ip`, `public_ip`, `services`, `firewall`, `agent`",
        ),
        (
            "/nodes/3/services/0/kind",
            json!("toaster"),
            "at nodes[3]: unknown variant `toaster`, expected one of `load_balancer`, `web_server`, `app_server`, `app_files`, `database`",
        ),
        (
            "/nodes/3/services/0/zz",
            json!(1),
            "at nodes[3]: unknown field `zz`, expected one of `listen`, `static_paths`, `certificate`",
        ),
        (
            "/nodes/3/services/0",
            json!({"kind": "web_server"}),
            "at nodes[3]: missing field `id`",
        ),
        (
            "/nodes/3/services/0",
            json!({"id": "q", "kind": 3, "path": 4}),
            "at nodes[3]: invalid type: integer `4`, expected a string",
        ),
        (
            "/nodes/3/services/0",
            json!(12),
            "at nodes[3]: invalid type: integer `12`, expected struct Service",
        ),
        (
            "/nodes/3/services/3/role",
            json!(12),
            "at nodes[3]: invalid type: integer `12`, expected internally tagged enum DbRole",
        ),
        (
            "/nodes/3/services/3/role",
            json!({}),
            "at nodes[3]: missing field `role`",
        ),
        (
            "/nodes/3/services/3/role",
            json!({"role": "x"}),
            "at nodes[3]: unknown variant `x`, expected `primary` or `replica`",
        ),
        (
            "/nodes/3/services/3/role",
            json!({"role": "replica"}),
            "at nodes[3]: missing field `source`",
        ),
        (
            "/nodes/3/services/3/role",
            json!(["replica"]),
            "at nodes[3]: invalid length 0, expected struct variant DbRole::Replica with 3 elements",
        ),
        (
            "/nodes/3/services/3/role",
            json!(["primary", 1]),
            "at nodes[3]: invalid length 1, expected 0 elements in sequence",
        ),
        (
            "/nodes/3/services/3/role",
            json!(["replica", "server-01.mysql", 5, 2, 9]),
            "at nodes[3]: invalid length 4, expected 3 elements in sequence",
        ),
    ];
    for (pointer, value, expected) in refused {
        let err = edited_stage1(pointer, value).expect_err(pointer);
        assert_eq!(err.to_string(), *expected, "{pointer} = {value}");
    }
    // Tags by index, roles as sequences and unknown fields of roles and client nodes are
    // accepted, as they were.
    let accepted: &[(&str, serde_json::Value)] = &[
        ("/nodes/0/kind", json!(0)),
        ("/nodes/0/zz", json!(1)),
        ("/nodes/4/services/3/role/role", json!(1)),
        ("/nodes/3/services/3/role/zz", json!(1)),
        ("/nodes/4/services/3/role/zz", json!(1)),
        (
            "/nodes/4/services/3/role",
            json!(["replica", "server-01.mysql", 300]),
        ),
    ];
    let topology = presets::topology(1).expect("stage 1");
    for (pointer, value) in accepted {
        let loaded = edited_stage1(pointer, value).unwrap_or_else(|err| panic!("{pointer}: {err}"));
        assert_eq!(loaded.nodes, topology.nodes, "{pointer} = {value}");
    }
}

/// Stage 1 with the value at `pointer` (a JSON pointer) set to `value`, read back.
fn edited_stage1(
    pointer: &str,
    value: &serde_json::Value,
) -> Result<stacksim::sim::topology::Topology, LoadError> {
    let mut json = serde_json::to_value(presets::topology(1).expect("stage 1")).expect("json");
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    match json.pointer_mut(parent).expect("the parent exists") {
        serde_json::Value::Object(map) => {
            map.insert(key.to_owned(), value.clone());
        }
        other => other[key.parse::<usize>().expect("an index")] = value.clone(),
    }
    format::from_value(json)
}

/// A bad value is named by its place in the document, the first in the document's order
/// (members in alphabetical order, as a parsed JSON object holds them).
#[wasm_bindgen_test(unsupported = test)]
fn bad_values_are_named_by_their_place() {
    use serde_json::json;
    let cases: &[(&str, serde_json::Value, &str)] = &[
        (
            "/links/0/weight",
            json!(70000),
            "at links[0].weight: invalid value: integer `70000`, expected u16",
        ),
        (
            "/links/0/weight",
            json!(-1),
            "at links[0].weight: invalid value: integer `-1`, expected u16",
        ),
        (
            "/links/0/backup",
            json!(12),
            "at links[0].backup: invalid type: integer `12`, expected a boolean",
        ),
        (
            "/links/0/zz",
            json!(1),
            "at links[0].zz: unknown field `zz`, expected one of `from`, `to`, `weight`, `backup`, `check`",
        ),
        ("/links/0", json!({}), "at links[0]: missing field `from`"),
        (
            "/links/0",
            json!(["a", "b", "y"]),
            "at links[0][2]: invalid type: string \"y\", expected u16",
        ),
        (
            "/links/0",
            json!(["a", "b", 5, 2, 9]),
            "at links[0][3]: invalid type: integer `2`, expected a boolean",
        ),
        (
            "/links/0",
            json!(["a"]),
            "at links[0]: invalid length 1, expected struct Link with 5 elements",
        ),
        (
            "/zz",
            json!(1),
            "at zz: unknown field `zz`, expected one of `version`, `name`, `nodes`, `links`",
        ),
        (
            "/name",
            json!(12),
            "at name: invalid type: integer `12`, expected a string",
        ),
        (
            "/nodes",
            json!({}),
            "at nodes: invalid type: map, expected a sequence",
        ),
        (
            "/nodes/1/name",
            json!(12),
            "at nodes[1].name: invalid type: integer `12`, expected a string",
        ),
        // `links` comes before `name`.
        (
            "/links",
            json!(true),
            "at links: invalid type: boolean `true`, expected a sequence",
        ),
    ];
    for (pointer, value, expected) in cases {
        let err = edited_stage1(pointer, value).expect_err(pointer);
        assert_eq!(err.to_string(), *expected, "{pointer} = {value}");
    }
    let mut json = serde_json::to_value(presets::topology(1).expect("stage 1")).expect("json");
    json.as_object_mut().expect("an object").remove("name");
    assert_eq!(
        format::from_value(json).map_err(|e| e.to_string()),
        Err("at .: missing field `name`".to_owned())
    );
}
