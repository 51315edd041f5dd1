//! The page in a real browser (Chromium and Firefox): mount the app, read the SVG, click,
//! press keys. Every wait is `yew::scheduler::flush()`; playback is driven with the buttons
//! and keys, never by waiting for animation frames.
#![cfg(target_arch = "wasm32")]

use stacksim::sim::{findings, presets};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{
    Element, Event, EventInit, KeyboardEvent, KeyboardEventInit, MouseEvent, MouseEventInit,
};

use crate::support::*;

#[wasm_bindgen_test]
async fn stage_0_draws_one_server_with_four_components() {
    let root = mount().await;
    assert_eq!(count(&root, "svg.diagram g.node.host"), 1);
    assert_eq!(count(&root, "g.node.host g.service"), 4);
    assert_eq!(count(&root, "g.service.svc-web"), 1);
    assert_eq!(count(&root, "g.service.svc-app"), 1);
    assert_eq!(count(&root, "g.service.svc-files"), 1);
    assert_eq!(count(&root, "g.service.svc-db"), 1);
    assert!(texts(&root, "g.node.host text.ip").contains(&"8.8.8.8".to_owned()));
    let dns = texts(&root, "g.node.dns text");
    assert!(
        dns.iter().any(|t| t.contains("www A 8.8.8.8 (TTL 300)")),
        "{dns:?}"
    );
    assert_eq!(count(&root, ".badge-firewall"), 0);
    assert_eq!(
        texts(&root, "aside.panel h2"),
        ["Stage 0: Simple web stack"]
    );
    assert_eq!(count(&root, ".panel ol.flow li"), 6);
}

#[wasm_bindgen_test]
async fn stage_1_draws_a_round_robin_balancer_and_two_servers() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    assert_eq!(count(&root, "g.node.host"), 3);
    assert_eq!(count(&root, "g.service.svc-lb"), 1);
    assert_eq!(count(&root, "g.service.svc-web"), 2);
    let labels = texts(&root, "g.service .service-label");
    assert!(
        labels.contains(&"HAProxy · round robin".to_owned()),
        "{labels:?}"
    );
    assert!(labels.contains(&"MySQL primary".to_owned()), "{labels:?}");
    assert!(
        labels.contains(&"MySQL replica · lag 300 ms".to_owned()),
        "{labels:?}"
    );
    let ips = texts(&root, "g.node.host text.ip");
    assert_eq!(ips, ["10.0.0.2 · public 8.8.8.8", "10.0.0.11", "10.0.0.12"]);
    assert_eq!(count(&root, "path.wire-replication"), 1);
    assert_eq!(
        count(&root, "button.stage-button.active[data-stage='1']"),
        1
    );
}

#[wasm_bindgen_test]
async fn stage_2_shows_firewalls_certificate_and_agents() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    assert_eq!(count(&root, "g.node.host"), 3);
    assert_eq!(count(&root, "g.node.host .badge-firewall"), 3);
    assert_eq!(count(&root, "g.node.host .badge-agent"), 3);
    assert_eq!(count(&root, "g.service.svc-lb .badge-cert"), 1);
    assert_eq!(count(&root, "g.node.collector"), 1);
    assert_eq!(count(&root, "path.wire-metrics"), 3);
}

#[wasm_bindgen_test]
async fn stage_3_splits_tiers_behind_a_virtual_ip() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    assert_eq!(count(&root, "g.node.host"), 6);
    assert_eq!(count(&root, "g.service.svc-lb"), 2);
    assert_eq!(count(&root, "g.service.svc-web"), 2);
    assert_eq!(count(&root, "g.service.svc-app"), 1);
    assert_eq!(count(&root, "g.service.svc-db"), 1);
    assert_eq!(texts(&root, "g.node.vip text.node-name"), ["VIP 8.8.8.8"]);
    assert_eq!(count(&root, "path.wire-vrrp"), 2);
    assert_eq!(count(&root, "g.node.host .badge-firewall"), 6);
    assert_eq!(count(&root, "g.node.host .badge-agent"), 6);
    assert_eq!(count(&root, ".badge-cert"), 2);
}

#[wasm_bindgen_test]
async fn switching_stages_redraws_the_diagram_and_the_panel() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    assert_eq!(count(&root, "g.node.host"), 6);
    pick_stage(&root, 0).await;
    assert_eq!(count(&root, "g.node.host"), 1);
    assert_eq!(count(&root, "g.node.vip"), 0);
    assert_eq!(
        texts(&root, "aside.panel h2"),
        ["Stage 0: Simple web stack"]
    );
    assert_eq!(count(&root, "button.stage-button.active"), 1);
}

#[wasm_bindgen_test]
async fn address_fragment_opens_a_stage_and_picking_updates_it() {
    let root = mount_at("stage=2").await;
    assert_eq!(
        texts(&root, "aside.panel h2"),
        ["Stage 2: Secured and monitored"]
    );
    pick_stage(&root, 1).await;
    let hash = web_sys::window()
        .expect("window")
        .location()
        .hash()
        .expect("hash");
    assert_eq!(hash, "#stage=1");
    let root = mount_at("stage=99").await;
    assert_eq!(
        texts(&root, "aside.panel h2"),
        ["Stage 0: Simple web stack"]
    );
}

/// Presses `key` with the event landing on `target` (it bubbles to the document).
async fn press_on(target: &Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

async fn press(key: &str) {
    let body = document().body().expect("body");
    press_on(&body, key).await;
}

/// Chooses the request kind and protocol, sends, and pauses the playback at its first hop.
async fn send(root: &Element, kind: &str, proto: &str) {
    click(root, &format!("button[data-kind='{kind}']")).await;
    click(root, &format!("button[data-proto='{proto}']")).await;
    click(root, "button[data-action='send']").await;
    click(root, "button[data-control='pause']").await;
}

fn rows(root: &Element) -> Vec<String> {
    texts(root, "tr.hop-row")
}

fn outcome(root: &Element) -> String {
    text(root, "tr.outcome-row")
}

/// The number (from 1) of the highlighted row of the event list.
fn current_row(root: &Element) -> Option<String> {
    root.query_selector("tr.hop-row.current")
        .expect("valid selector")
        .map(|row| {
            row.query_selector("td.n")
                .ok()
                .flatten()
                .and_then(|n| n.text_content())
                .unwrap_or_default()
        })
}

/// The ids of the places highlighted on the diagram.
fn highlighted(root: &Element) -> Vec<String> {
    let list = root
        .query_selector_all("svg.diagram .hop-current")
        .expect("valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .filter_map(|el| el.get_attribute("data-id"))
        .collect()
}

fn history(root: &Element) -> Vec<String> {
    texts(root, ".history-item .what")
}

#[wasm_bindgen_test]
async fn sending_on_each_stage_lists_every_hop_and_the_outcome() {
    let root = mount().await;
    let cases = [
        (
            0,
            "read",
            "http",
            "200 OK from server-01.nginx",
            "server-01.mysql",
        ),
        (
            1,
            "static",
            "http",
            "200 OK from server-01.nginx",
            "roundrobin: server-01.nginx",
        ),
        (
            2,
            "read",
            "https",
            "200 OK from server-01.nginx",
            "fw-lb-01 rule 1 allow tcp/443",
        ),
        (
            3,
            "read",
            "https",
            "200 OK from web-01.nginx",
            "HTTPS ends here",
        ),
    ];
    for (stage, kind, proto, expected, needle) in cases {
        pick_stage(&root, stage).await;
        assert_eq!(
            count(&root, "tr.hop-row"),
            0,
            "stage {stage}: a new stage has no request"
        );
        send(&root, kind, proto).await;
        let rows = rows(&root);
        assert!(rows.len() >= 6, "stage {stage}: {rows:?}");
        assert!(rows[0].contains("dns"), "stage {stage}: {rows:?}");
        assert!(
            rows.iter().any(|r| r.contains(needle)),
            "stage {stage}: no {needle:?} in {rows:?}"
        );
        assert!(
            rows.last()
                .is_some_and(|r| r.contains("the browser receives 200")),
            "{rows:?}"
        );
        let outcome = outcome(&root);
        assert!(outcome.contains(expected), "stage {stage}: {outcome}");
        assert_eq!(history(&root).len(), 1);
        assert!(
            text(&root, ".clock").starts_with("t = 0."),
            "the clock moved to the end of the request"
        );
    }
}

#[wasm_bindgen_test]
async fn step_back_restores_the_previous_highlighted_hop() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    send(&root, "read", "https").await;
    click(&root, "button[data-control='reset']").await;
    assert_eq!(current_row(&root), None);
    assert!(highlighted(&root).is_empty());
    for _ in 0..5 {
        click(&root, "button[data-control='forward']").await;
    }
    assert_eq!(current_row(&root).as_deref(), Some("5"));
    assert_eq!(highlighted(&root), ["vip"]);
    assert_eq!(text(&root, ".hop-details .detail-place"), "vip");
    click(&root, "button[data-control='forward']").await;
    assert_eq!(current_row(&root).as_deref(), Some("6"));
    assert_eq!(highlighted(&root), ["lb-01"]);
    assert!(text(&root, ".hop-details .detail-reason").contains("rule 1 allow tcp/443"));
    click(&root, "button[data-control='back']").await;
    assert_eq!(current_row(&root).as_deref(), Some("5"));
    assert_eq!(highlighted(&root), ["vip"]);
    assert_eq!(text(&root, ".hop-details .detail-place"), "vip");
    assert_eq!(
        count(&root, "svg.diagram circle.request-dot"),
        1,
        "one dot, at the current hop"
    );
}

#[wasm_bindgen_test]
async fn keyboard_space_plays_and_pauses_and_arrows_step() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    click(&root, "button[data-action='send']").await;
    assert_eq!(
        count(&root, "button[data-control='pause']"),
        1,
        "a sent request plays"
    );
    press(" ").await;
    assert_eq!(
        count(&root, "button[data-control='play']"),
        1,
        "Space pauses"
    );
    assert_eq!(current_row(&root).as_deref(), Some("1"));
    press("ArrowRight").await;
    press("ArrowRight").await;
    assert_eq!(current_row(&root).as_deref(), Some("3"));
    press("ArrowLeft").await;
    assert_eq!(current_row(&root).as_deref(), Some("2"));
    // Keys typed into a text field are left alone.
    let input = document().create_element("input").expect("input");
    document()
        .body()
        .expect("body")
        .append_child(&input)
        .expect("append");
    press_on(&input, "ArrowRight").await;
    press_on(&input, " ").await;
    assert_eq!(current_row(&root).as_deref(), Some("2"));
    assert_eq!(count(&root, "button[data-control='play']"), 1);
    press(" ").await;
    assert_eq!(
        count(&root, "button[data-control='pause']"),
        1,
        "Space plays again"
    );
    press(" ").await;
}

#[wasm_bindgen_test]
async fn clicking_a_row_shows_that_hop_and_its_addresses() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    send(&root, "read", "https").await;
    let n = rows(&root)
        .iter()
        .position(|r| r.contains("plaintext HTTP"))
        .expect("the hop after TLS termination");
    click(&root, &format!("tr.hop-row[data-hop='{n}']")).await;
    assert_eq!(current_row(&root), Some((n + 1).to_string()));
    assert_eq!(highlighted(&root), ["server-01.nginx"]);
    assert_eq!(text(&root, ".hop-details .detail-src"), "10.0.0.2:40000");
    assert_eq!(text(&root, ".hop-details .detail-dst"), "10.0.0.11:80");
    assert_eq!(text(&root, ".hop-details .detail-enc"), "plain text");
    assert_eq!(count(&root, "svg.diagram circle.request-dot.plain"), 1);
    let tls = rows(&root)
        .iter()
        .position(|r| r.contains("HTTPS ends here"))
        .expect("the TLS hop");
    click(&root, &format!("tr.hop-row[data-hop='{tls}']")).await;
    assert_eq!(text(&root, ".hop-details .detail-enc"), "encrypted (TLS)");
    assert_eq!(count(&root, "svg.diagram circle.request-dot.tls"), 1);
}

#[wasm_bindgen_test]
async fn taking_server_01_down_sends_everything_to_server_02_after_the_checks() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    click_svg(&root, "g.node[data-id='server-01'] > rect.node-box").await;
    assert!(text(&root, ".inspector h3").contains("server-01"));
    click(&root, ".inspector button[data-control='take-down']").await;
    assert_eq!(
        count(&root, "g.node.down[data-id='server-01']"),
        1,
        "greyed on the diagram"
    );
    assert_eq!(text(&root, ".inspector .state-line"), "Down: crashed");
    click(&root, "button[data-wait='10']").await;
    click(&root, "button[data-wait='10']").await;
    assert!(
        text(&root, ".clock").starts_with("t = 20."),
        "{}",
        text(&root, ".clock")
    );
    assert_eq!(
        text(&root, "tr[data-server='server-01.nginx'] .state"),
        "DOWN"
    );
    for _ in 0..4 {
        send(&root, "static", "http").await;
    }
    let sent = history(&root);
    assert_eq!(sent.len(), 4);
    assert!(
        sent.iter().all(|s| s.ends_with("200 server-02.nginx")),
        "{sent:?}"
    );
    assert_eq!(
        text(&root, "tr[data-server='server-02.nginx'] .served"),
        "4"
    );
    click(&root, ".inspector button[data-control='bring-up']").await;
    assert_eq!(count(&root, "g.node.down"), 0);
}

#[wasm_bindgen_test]
async fn stopping_the_active_lb_cleanly_hands_the_vip_over_within_a_second() {
    // B2.10: the priority-0 advert lets lb-02 take the VIP after its skew time (0.609 s).
    let root = mount().await;
    pick_stage(&root, 3).await;
    click_svg(&root, "g.node[data-id='lb-01'] > rect.node-box").await;
    click(&root, ".inspector button[data-control='stop-cleanly']").await;
    assert_eq!(
        text(&root, ".inspector .state-line"),
        "Down: stopped cleanly"
    );
    assert_eq!(count(&root, "g.node.down[data-id='lb-01']"), 1);
    assert_eq!(
        count(&root, ".inspector button[data-control='stop-cleanly']"),
        0
    );
    click(&root, "button[data-wait='1']").await;
    click_svg(&root, "g.node[data-id='vip'] > rect.node-box").await;
    assert_eq!(
        text(&root, ".inspector .state-line"),
        "Held by lb-02 (VRRP MASTER)"
    );
}

#[wasm_bindgen_test]
async fn a_request_sent_in_the_failover_gap_is_served_late_by_the_passive_lb() {
    // B2.9, B6a: nobody holds the VIP for 3.6 s after lb-01 crashes; the browser resends its SYN
    // after 1 s and 2 s, and the resend at 3 s reaches lb-02, which holds the VIP by then.
    let root = mount().await;
    pick_stage(&root, 3).await;
    click_svg(&root, "g.node[data-id='lb-01'] > rect.node-box").await;
    click(&root, ".inspector button[data-control='take-down']").await;
    send(&root, "read", "https").await;
    let outcome = outcome(&root);
    assert!(outcome.contains("200 OK"), "served, not lost: {outcome}");
    let rows = rows(&root);
    assert!(
        rows.iter()
            .any(|r| r.contains("has no MASTER (VRRP failover in progress)")),
        "{rows:?}"
    );
    for resent in [
        "SYN resent after 1 s (1 s after the first): nobody holds 8.8.8.8 yet",
        "SYN resent after 2 s (3 s after the first): nobody holds 8.8.8.8 yet",
        "the SYN resent 7 s after the first (resend 3) reaches lb-02",
    ] {
        assert!(
            rows.iter().any(|r| r.contains(resent)),
            "{resent}: {rows:?}"
        );
    }
    let sent = history(&root);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].ends_with("200 web-01.nginx") || sent[0].ends_with("200 web-02.nginx"),
        "{sent:?}"
    );
}

#[wasm_bindgen_test]
async fn stage_2_over_http_is_redirected_to_https_with_the_rule_named() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    send(&root, "static", "http").await;
    let outcome = outcome(&root);
    assert!(outcome.contains("301 redirect to HTTPS"), "{outcome}");
    let rows = rows(&root);
    assert!(
        rows.iter()
            .any(|r| r.contains("Firewall") && r.contains("fw-lb-01 rule 2 allow tcp/80 from any")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r
                .contains("301: HTTPS only, redirected to https://www.foobar.com/static/logo.png")),
        "{rows:?}"
    );
    assert!(
        rows.last().is_some_and(|r| r.contains("Response")),
        "{rows:?}"
    );
    assert!(
        text(&root, ".clock").starts_with("t = 0."),
        "the redirect comes back at once"
    );
    assert_eq!(count(&root, ".history-item.failed"), 0);
}

#[wasm_bindgen_test]
async fn a_write_then_a_read_at_once_reads_stale_data_from_the_replica() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    send(&root, "write", "http").await;
    assert!(
        outcome(&root).contains("200 OK from server-01.nginx"),
        "{}",
        outcome(&root)
    );
    send(&root, "read", "http").await;
    let outcome = outcome(&root);
    assert!(
        outcome.contains("server-02.nginx") && outcome.contains("stale"),
        "{outcome}"
    );
    assert!(
        rows(&root).iter().any(|r| r.contains("stale")),
        "{:?}",
        rows(&root)
    );
    assert!(history(&root)[0].contains("stale"), "{:?}", history(&root));
    // A stale read is not drawn as a success: its own verdict, colour class and icon, in the
    // event list and in the requests sent (issue 15, item 8); the write before it is a success.
    assert_eq!(attributes(&root, ".outcome-row", "data-verdict"), ["stale"]);
    assert_eq!(count(&root, ".outcome-row.outcome-served.stale"), 1);
    assert_eq!(text(&root, ".outcome-row .verdict"), "⚠");
    assert!(text(&root, ".outcome-row").contains("Outcome (stale read): "));
    assert_eq!(
        attributes(&root, ".history-item", "data-verdict"),
        ["stale", "ok"]
    );
    assert_eq!(texts(&root, ".history-item .verdict"), ["⚠", "✓"]);
}

#[wasm_bindgen_test]
async fn the_balancer_alternates_and_shows_its_last_pick() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    send(&root, "static", "http").await;
    assert!(text(&root, ".balancer .last-pick").contains("server-01.nginx"));
    send(&root, "static", "http").await;
    assert_eq!(
        history(&root),
        [
            "GET /static/logo.png HTTP → 200 server-02.nginx",
            "GET /static/logo.png HTTP → 200 server-01.nginx"
        ]
    );
    assert_eq!(
        text(&root, ".balancer .last-pick"),
        "last pick → server-02.nginx"
    );
    let picked = find(&root, "path.wire.last-pick");
    assert_eq!(
        picked.get_attribute("data-to").as_deref(),
        Some("server-02.nginx")
    );
    assert_eq!(texts(&root, "g.chip text"), ["UP · 1", "UP · 1"]);
    click(&root, "button[data-trace='0']").await;
    assert!(
        outcome(&root).contains("server-01.nginx"),
        "an earlier request can be shown again"
    );
}

#[wasm_bindgen_test]
async fn clicking_the_browser_sends_and_a_stopped_service_refuses() {
    let root = mount().await;
    click_svg(&root, "g.node[data-id='client'] > rect.node-box").await;
    assert_eq!(
        history(&root).len(),
        1,
        "clicking the browser sends a request"
    );
    click_svg(
        &root,
        "g.service[data-id='server-01.nginx'] > rect.service-box",
    )
    .await;
    assert!(text(&root, ".inspector h3").contains("server-01.nginx"));
    click(&root, ".inspector button[data-control='take-down']").await;
    assert_eq!(count(&root, "g.service.down[data-id='server-01.nginx']"), 1);
    send(&root, "static", "http").await;
    assert!(outcome(&root).contains("Refused at"), "{}", outcome(&root));
    click(&root, ".inspector .close").await;
    assert_eq!(count(&root, ".inspector"), 0);
    // Keyboard users select with Enter on a focused node or service.
    press_on(&find(&root, "g.service[data-id='server-01.app']"), "Enter").await;
    assert!(text(&root, ".inspector h3").contains("server-01.app"));
}

#[wasm_bindgen_test]
async fn a_link_can_be_cut_and_restored_from_the_diagram() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    let wire = "path.wire-request[data-from='lb-01.haproxy'][data-to='server-01.nginx']";
    click_svg(&root, wire).await;
    assert_eq!(
        text(&root, ".inspector h3"),
        "Link lb-01.haproxy → server-01.nginx"
    );
    click(&root, ".inspector button[data-control='cut']").await;
    assert_eq!(count(&root, &format!("{wire}.cut")), 1);
    assert_eq!(text(&root, ".inspector .state-line"), "Cut");
    click(&root, ".inspector button[data-control='restore']").await;
    assert_eq!(count(&root, &format!("{wire}.cut")), 0);
}

#[wasm_bindgen_test]
async fn playback_speed_and_reset_are_buttons() {
    let root = mount().await;
    send(&root, "static", "http").await;
    click(&root, "button[data-speed='4×']").await;
    assert_eq!(count(&root, "button.active[data-speed='4×']"), 1);
    click(&root, "button[data-control='play']").await;
    assert_eq!(count(&root, "button[data-control='pause']"), 1);
    click(&root, "button[data-control='reset']").await;
    assert_eq!(count(&root, "button[data-control='play']"), 1);
    assert_eq!(current_row(&root), None);
    assert_eq!(count(&root, "svg.diagram circle.request-dot"), 0);
}

#[wasm_bindgen_test]
async fn address_fragment_can_send_a_request_on_load() {
    let root = mount_at("stage=3&send=https-read&hop=10").await;
    assert_eq!(text(&root, ".request-panel h2"), "Request #1 · GET HTTPS");
    assert_eq!(history(&root).len(), 1);
    click(&root, "button[data-control='pause']").await;
    assert_eq!(current_row(&root).as_deref(), Some("10"));
}

// ----- findings, stage diff, reachability, export ----------------------------------------------

async fn open_tab(root: &Element, tab: &str) {
    click(root, &format!("button.side-tab[data-tab='{tab}']")).await;
    assert_eq!(
        count(root, &format!("button.side-tab.active[data-tab='{tab}']")),
        1
    );
}

/// Fires `kind` on the element `selector` names (`mouseenter` does not bubble, `focusin` does).
async fn fire(root: &Element, selector: &str, kind: &str, bubbles: bool) {
    let event = if kind.starts_with("mouse") {
        let init = MouseEventInit::new();
        init.set_bubbles(bubbles);
        MouseEvent::new_with_mouse_event_init_dict(kind, &init)
            .expect("event")
            .unchecked_into::<Event>()
    } else {
        let init = EventInit::new();
        init.set_bubbles(bubbles);
        Event::new_with_event_init_dict(kind, &init).expect("event")
    };
    find(root, selector)
        .dispatch_event(&event)
        .expect("dispatched");
    yew::scheduler::flush().await;
}

/// The ids of the nodes and services marked on the diagram for a finding.
fn flagged(root: &Element) -> Vec<String> {
    attributes(root, "svg.diagram .flagged", "data-id")
}

fn listed_findings(root: &Element) -> Vec<String> {
    attributes(root, ".findings li.finding", "data-finding")
}

#[wasm_bindgen_test]
async fn the_findings_panel_lists_the_stage_1_findings_errors_first() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    open_tab(&root, "findings").await;
    let expected: Vec<String> = findings::analyze(&presets::topology(1).expect("stage 1"), None)
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(listed_findings(&root), expected);
    assert_eq!(expected.len(), 12);
    assert_eq!(
        texts(&root, ".finding-counts .count"),
        ["✖ 4 errors", "▲ 8 warnings", "ℹ 0 info"]
    );
    assert_eq!(
        texts(&root, ".finding-group h3"),
        ["Errors (4)", "Warnings (8)"]
    );
    assert_eq!(text(&root, "button[data-tab='findings'] .tab-count"), "12");
    let spof = "li.finding[data-finding='spof:lb-01']";
    assert_eq!(
        text(&root, &format!("{spof} .finding-title")),
        "lb-01 is a single point of failure"
    );
    assert_eq!(text(&root, &format!("{spof} .sev")), "✖ Error");
    assert!(text(&root, &format!("{spof} .why")).starts_with("Why: If lb-01 goes down"));
    assert!(text(&root, &format!("{spof} .fix")).contains("virtual IP"));
}

#[wasm_bindgen_test]
async fn hovering_or_focusing_a_finding_marks_its_nodes_on_the_diagram() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    open_tab(&root, "findings").await;
    assert!(flagged(&root).is_empty());
    let spof = "li.finding[data-finding='spof:lb-01']";
    fire(&root, spof, "mouseenter", false).await;
    assert_eq!(flagged(&root), ["lb-01", "lb-01.haproxy"]);
    assert_eq!(count(&root, "g.node.host.flagged[data-id='lb-01']"), 1);
    fire(&root, spof, "mouseleave", false).await;
    assert!(flagged(&root).is_empty());
    let agent = "li.finding[data-finding='no-agent:server-02']";
    fire(&root, agent, "focusin", true).await;
    assert_eq!(flagged(&root), ["server-02"]);
    fire(&root, agent, "focusout", true).await;
    assert!(flagged(&root).is_empty());
}

#[wasm_bindgen_test]
async fn prove_it_takes_the_single_lb_down_and_requests_fail() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    open_tab(&root, "findings").await;
    let spof = "li.finding[data-finding='spof:lb-01']";
    assert_eq!(count(&root, &format!("{spof} .proof")), 0);
    click(&root, "button[data-prove='spof:lb-01']").await;
    let summary = text(&root, &format!("{spof} .proof.shown .proof-summary"));
    assert!(summary.starts_with("✔ Shown: before: 4 of 4"), "{summary}");
    assert!(summary.contains("lb-01 went down"), "{summary}");
    assert!(summary.ends_with("0 of 4 served"), "{summary}");
    assert!(count(&root, &format!("{spof} .proof-details li")) > 0);
    assert_eq!(
        text(&root, "button[data-prove='spof:lb-01']"),
        "Prove it again"
    );
    assert_eq!(
        history_after_request_tab(&root).await,
        0,
        "a proof is not a request of the page"
    );
}

/// "Prove it" shows its result on the diagram (issue 15, item 9): the request after the
/// failure stops at the load balancer that went down; Before shows the way it took while it
/// was up (served, through HAProxy to a server); Hide clears it.
#[wasm_bindgen_test]
async fn prove_it_draws_the_request_before_and_after_on_the_diagram() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    open_tab(&root, "findings").await;
    let spof = "li.finding[data-finding='spof:lb-01']";
    assert_eq!(count(&root, ".route-ok, .route-failed, .route-stop"), 0);
    click(&root, "button[data-prove='spof:lb-01']").await;
    // After: it stops at lb-01, drawn so.
    assert_eq!(
        attributes(&root, &format!("{spof} .route-what"), "data-route"),
        ["after"]
    );
    assert!(
        text(&root, &format!("{spof} .route-what")).contains("stops at lb-01"),
        "{}",
        text(&root, &format!("{spof} .route-what"))
    );
    assert_eq!(count(&root, "g.node[data-id='lb-01'].route-stop"), 1);
    assert_eq!(
        count(&root, ".route-ok"),
        0,
        "nothing drawn as served after"
    );
    // Before: served through lb-01's HAProxy and one server, wires included.
    click(
        &root,
        &format!("{spof} button[data-control='route-before']"),
    )
    .await;
    assert_eq!(
        count(&root, "g.service[data-id='lb-01.haproxy'].route-ok"),
        1
    );
    assert!(count(&root, "path.wire.route-ok[data-from='lb-01.haproxy']") >= 1);
    assert_eq!(count(&root, ".route-stop, .route-failed"), 0);
    assert_eq!(
        attributes(
            &root,
            &format!("{spof} button[data-control='route-before']"),
            "aria-pressed"
        ),
        ["true"]
    );
    click(&root, &format!("{spof} button[data-control='route-hide']")).await;
    assert_eq!(count(&root, ".route-ok, .route-failed, .route-stop"), 0);
}

/// Opens the request view and counts the requests sent.
async fn history_after_request_tab(root: &Element) -> usize {
    open_tab(root, "request").await;
    history(root).len()
}

#[wasm_bindgen_test]
async fn stage_3_clears_the_lb_spof_and_the_stage_diff_says_so() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    open_tab(&root, "findings").await;
    assert!(listed_findings(&root).contains(&"spof:lb-01".to_owned()));
    assert_eq!(text(&root, ".stage-diff h2"), "Stage 1 after stage 0");
    assert!(
        attributes(&root, ".stage-diff .diff-line.added", "data-finding")
            .contains(&"spof:lb-01".to_owned())
    );
    pick_stage(&root, 3).await;
    assert_eq!(
        count(&root, "button.side-tab.active[data-tab='findings']"),
        1,
        "the view stays open"
    );
    assert_eq!(
        listed_findings(&root),
        ["spof:app-01", "spof:db-01", "plaintext-after-tls"]
    );
    assert_eq!(text(&root, ".stage-diff h2"), "Stage 3 after stage 2");
    let cleared = text(
        &root,
        ".stage-diff .diff-line.cleared[data-finding='spof:lb-01']",
    );
    // Titles in words, not raw ids.
    assert!(
        cleared.starts_with("✔ cleared: lb-01 is a single point of failure"),
        "{cleared}"
    );
    assert!(!text(&root, ".stage-diff").contains("spof:"), "no raw ids");
    assert_eq!(
        attributes(&root, ".stage-diff .diff-line.added", "data-finding"),
        ["spof:app-01", "spof:db-01"]
    );
    assert_eq!(
        texts(&root, ".stage-diff .diff-line.added .diff-title"),
        [
            "app-01 is a single point of failure for pages and writes",
            "db-01 is a single point of failure for pages and writes"
        ]
    );
    assert!(
        texts(&root, ".stage-diff .changes li").contains(&"server-01 removed".to_owned()),
        "{:?}",
        texts(&root, ".stage-diff .changes li")
    );
    assert_eq!(count(&root, ".story-steps li"), 3);
    assert_eq!(count(&root, ".story-steps li.current[data-step='3']"), 1);
}

#[wasm_bindgen_test]
async fn the_stage_2_reachability_matrix_matches_the_rules() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    open_tab(&root, "reach").await;
    let cell = |from: &str, to: &str, port: u16| {
        format!("td.reach-cell[data-from='{from}'][data-to='{to}'][data-port='{port}']")
    };
    let https = cell("internet", "lb-01", 443);
    assert_eq!(count(&root, &format!("{https}.allowed")), 1);
    assert_eq!(text(&root, &https), "✓");
    let title = find(&root, &https)
        .get_attribute("title")
        .unwrap_or_default();
    assert!(
        title.contains("fw-lb-01 rule 1 allow tcp/443 from any"),
        "{title}"
    );
    // Port 80 is open for HAProxy's redirect to HTTPS.
    let http = cell("internet", "lb-01", 80);
    assert_eq!(count(&root, &format!("{http}.allowed")), 1);
    assert_eq!(text(&root, &http), "✓");
    let title = find(&root, &http)
        .get_attribute("title")
        .unwrap_or_default();
    assert!(
        title.contains("fw-lb-01 rule 2 allow tcp/80 from any"),
        "{title}"
    );
    let closed = cell("internet", "server-01", 80);
    assert_eq!(count(&root, &format!("{closed}.denied")), 1);
    let inside = cell("lb-01", "server-01", 80);
    assert_eq!(count(&root, &format!("{inside}.allowed")), 1);
    assert_eq!(
        texts(&root, ".reach-table tbody th"),
        ["internet", "lb-01", "server-01", "server-02"]
    );
    assert_eq!(
        text(&root, ".reach-open"),
        "Open to the internet: lb-01:80, lb-01:443"
    );
    assert_eq!(count(&root, ".reach-detail"), 0);
    click(&root, &format!("{https} button")).await;
    assert_eq!(
        text(&root, ".reach-detail"),
        "internet → lb-01:443 (lb-01.haproxy): ✓ allowed · fw-lb-01 rule 1 allow tcp/443 from any"
    );
    assert_eq!(count(&root, &format!("{https}.picked")), 1);
}

#[wasm_bindgen_test]
async fn the_export_panel_lists_stage_3_files_and_colours_haproxy_cfg() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    open_tab(&root, "export").await;
    let paths = attributes(&root, "button.file-pick", "data-path");
    for path in [
        "lb-01/haproxy.cfg",
        "lb-02/keepalived.conf",
        "web-01/nginx.conf",
        "dns/db.foobar.com",
    ] {
        assert!(paths.contains(&path.to_owned()), "{path} not in {paths:?}");
    }
    assert_eq!(
        texts(&root, ".file-group .file-host"),
        [
            "dns", "lb-01", "lb-02", "web-01", "web-02", "app-01", "db-01"
        ]
    );
    click(&root, "button.file-pick[data-path='lb-01/haproxy.cfg']").await;
    assert_eq!(text(&root, ".file-view .file-path"), "lb-01/haproxy.cfg");
    let code = text(&root, ".file-view pre.code");
    assert!(code.contains("    balance roundrobin\n"), "{code}");
    assert!(code.starts_with("# Generated by Stacksim"), "{code}");
    let keywords = texts(&root, ".file-view pre.code span.tok-keyword");
    assert!(keywords.contains(&"balance".to_owned()), "{keywords:?}");
    assert!(count(&root, ".file-view pre.code span.tok-comment") > 0);
    assert!(count(&root, ".file-view pre.code span.tok-number") > 0);
    assert!(text(&root, ".export .note").contains("haproxy -c"));
    assert!(text(&root, ".file-kind").contains("haproxy -c"));
    assert_eq!(
        text(&root, "button[data-action='download-all']"),
        "Download all (21 files, .zip)"
    );
    // Copying answers one way or the other (the clipboard may be refused headless).
    click(&root, "button[data-action='copy']").await;
    assert!(!text(&root, ".copy-status").is_empty());
    click(&root, "button.file-pick[data-path='lb-02/keepalived.conf']").await;
    assert_eq!(
        count(&root, ".copy-status"),
        0,
        "the status belongs to the other file"
    );
    assert!(text(&root, ".file-view pre.code").contains("state BACKUP"));
}

#[wasm_bindgen_test]
async fn the_request_view_survives_a_visit_to_another_tab() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    send(&root, "static", "http").await;
    open_tab(&root, "export").await;
    assert_eq!(count(&root, ".request-panel"), 0);
    open_tab(&root, "request").await;
    assert_eq!(history(&root).len(), 1);
    assert_eq!(current_row(&root).as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn download_and_download_all_save_through_a_blob_link() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    open_tab(&root, "export").await;
    let (_listener, seen) = catch_downloads();
    click(&root, "button[data-action='download']").await;
    assert_eq!(
        text(&root, ".copy-status"),
        "Saved as scaled-and-split-dns-db.foobar.com."
    );
    click(&root, "button[data-action='download-all']").await;
    assert_eq!(
        text(&root, ".copy-status"),
        "Saved all 21 files as scaled-and-split.zip."
    );
    let seen = seen.borrow();
    let names: Vec<&str> = seen.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["scaled-and-split-dns-db.foobar.com", "scaled-and-split.zip"]
    );
    assert!(
        seen.iter().all(|(_, href)| href.starts_with("blob:")),
        "{seen:?}"
    );
    assert_eq!(count(&root, "a[download]"), 0, "the temporary link is gone");
}

async fn check_https(root: &Element) {
    let input = find(root, "input[data-control='https']")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("checkbox");
    input.set_checked(true);
    fire(root, "input[data-control='https']", "change", true).await;
}

/// Sets rate and duration on the load tab, presses Run and waits (frame by frame, as the page
/// computes it) until the run's progress bar is gone.
async fn run_load(root: &Element, rps: &str, seconds: &str) {
    set_field(root, "input[data-control='rps']", rps).await;
    set_field(root, "input[data-control='seconds']", seconds).await;
    click(root, "button[data-action='run-load']").await;
    for _ in 0..20_000 {
        if count(root, ".load-progress") == 0 {
            return;
        }
        next_frame().await;
    }
    panic!("the load run did not finish");
}

/// The y of each point of a chart path (`M0.0 100.0 L18.9 100.0 …`).
fn path_ys(d: &str) -> Vec<f64> {
    d.split(['M', 'L'])
        .filter_map(|p| p.split_whitespace().nth(1))
        .filter_map(|y| y.parse().ok())
        .collect()
}

#[wasm_bindgen_test]
async fn a_load_run_on_stage_3_charts_the_resent_syns_of_the_vip_gap_when_lb_01_dies() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    open_tab(&root, "load").await;
    check_https(&root).await;
    click(&root, "button[data-action='add-step']").await;
    set_field(&root, "li.scenario-step input.step-at", "10").await;
    set_field(&root, "li.scenario-step select.step-target", "lb-01").await;
    set_field(&root, "li.scenario-step select.step-what", "host-down").await;
    run_load(&root, "200", "20").await;
    assert_eq!(count(&root, "p.error"), 0, "{:?}", texts(&root, "p.error"));
    assert_eq!(number_attr(&root, ".load-totals", "data-sent"), 4000.0);
    // The diagram's labels follow the run (issue 15, item 5): at its end lb-01 is down and
    // greyed, and lb-02 holds the VIP and is the active one; the Request tab's world, where
    // nothing failed, still says lb-01.
    assert_eq!(count(&root, "rect.load-down[data-host='lb-01']"), 1);
    assert_eq!(text(&root, ".vip-holder").trim(), "held by lb-02");
    let role = |root: &Element, host: &str| {
        text(root, &format!("g.node[data-id='{host}'] .vrrp-role"))
            .trim()
            .to_owned()
    };
    assert_eq!(role(&root, "lb-02"), "active · MASTER of 8.8.8.8");
    assert_eq!(role(&root, "lb-01"), "keepalived down");
    open_tab(&root, "request").await;
    assert_eq!(text(&root, ".vip-holder").trim(), "held by lb-01");
    assert_eq!(role(&root, "lb-01"), "active · MASTER of 8.8.8.8");
    open_tab(&root, "load").await;
    // A path per series.
    for (chart, n) in [
        ("throughput", 2),
        ("latency", 3),
        ("lag", 1),
        ("stale", 1),
        ("syn", 1),
    ] {
        let selector = format!("figure[data-chart='{chart}'] path.series");
        assert_eq!(count(&root, &selector), n, "{chart}");
    }
    assert!(count(&root, "figure[data-chart='backends'] path.series") >= 2);
    let backends = attributes(
        &root,
        "figure[data-chart='backends'] path.series",
        "data-total",
    );
    assert!(
        backends
            .iter()
            .all(|t| t.parse::<f64>().unwrap_or(0.0) > 0.0),
        "every web server served: {backends:?}"
    );
    // The resent-SYN series is zero before 10 s and non-zero from 10 to 13 s: the VRRP gap.
    let d = find(&root, "figure[data-chart='syn'] path.series")
        .get_attribute("d")
        .expect("d");
    let ys = path_ys(&d);
    assert!(ys.len() >= 20, "{d}");
    let bottom = stacksim::ui::charts::PLOT.bottom();
    assert!(ys[..10].iter().all(|&y| y == bottom), "{d}");
    assert!(ys[10..14].iter().all(|&y| y < bottom), "{d}");
    let resent = number_attr(&root, "figure[data-chart='syn'] path.series", "data-total");
    assert!((600.0..=850.0).contains(&resent), "{resent} resent");
    // Served late, not lost (B2.9): every one of them.
    assert_eq!(
        number_attr(&root, ".load-totals", "data-served-late"),
        resent
    );
    assert_eq!(
        number_attr(&root, ".load-totals", "data-syn-resent"),
        resent
    );
    // The diagram shows the run's load while the Load tab is open: lb-01 greyed as down, the
    // links carrying traffic.
    assert_eq!(count(&root, "svg.diagram g.load-overlay"), 1);
    assert_eq!(
        count(&root, "svg.diagram rect.load-down[data-host='lb-01']"),
        1
    );
    assert!(count(&root, "svg.diagram g.load-links path") >= 2);
    open_tab(&root, "request").await;
    assert_eq!(count(&root, "svg.diagram g.load-overlay"), 0);
}

#[wasm_bindgen_test]
async fn the_dashboard_shows_blind_spots_on_stage_1_and_agents_on_stage_2() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    open_tab(&root, "load").await;
    run_load(&root, "100", "5").await;
    let hosts: Vec<String> = presets::topology(1)
        .expect("stage 1")
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, stacksim::sim::topology::NodeKind::Host(_)))
        .map(|n| n.id.clone())
        .collect();
    assert_eq!(attributes(&root, "ul.blind-spots li", "data-host"), hosts);
    assert_eq!(count(&root, "table.monitoring tr[data-host]"), 0);

    pick_stage(&root, 2).await;
    check_https(&root).await;
    run_load(&root, "100", "5").await;
    assert_eq!(count(&root, "p.error"), 0, "{:?}", texts(&root, "p.error"));
    assert_eq!(
        attributes(&root, "table.monitoring tr[data-host]", "data-host"),
        ["lb-01", "server-01", "server-02"]
    );
    let requests = |host: &str| -> f64 {
        texts(
            &root,
            &format!("table.monitoring tr[data-host='{host}'] td[data-col='requests']"),
        )[0]
        .parse()
        .expect("a number")
    };
    for host in ["lb-01", "server-01", "server-02"] {
        assert!(requests(host) > 0.0, "{host}");
    }
    let sent = number_attr(&root, ".load-totals", "data-sent");
    assert_eq!(sent, 500.0);
    assert_eq!(requests("lb-01"), sent, "the collector agrees with the run");
}

#[wasm_bindgen_test]
async fn bad_load_settings_give_a_message_and_keep_the_previous_run() {
    let root = mount().await;
    open_tab(&root, "load").await;
    run_load(&root, "50", "4").await;
    assert_eq!(number_attr(&root, ".load-totals", "data-sent"), 200.0);
    for (rps, seconds) in [("", "4"), ("-3", "4"), ("100000", "60")] {
        run_load(&root, rps, seconds).await;
        assert_eq!(count(&root, "p.load-error"), 1, "{rps} × {seconds}");
        assert_eq!(number_attr(&root, ".load-totals", "data-sent"), 200.0);
    }
}

#[wasm_bindgen_test]
async fn an_overloaded_stage_0_charts_its_queues_and_errors() {
    let root = mount().await;
    open_tab(&root, "load").await;
    run_load(&root, "3000", "5").await;
    assert_eq!(count(&root, "p.error"), 0, "{:?}", texts(&root, "p.error"));
    assert!(count(&root, "figure[data-chart='queues'] path.series") >= 1);
    assert!(number_attr(&root, ".load-totals", "data-errors") > 0.0);
    let errors = number_attr(
        &root,
        "figure[data-chart='throughput'] path.series[data-series='errors']",
        "data-total",
    );
    assert_eq!(errors, number_attr(&root, ".load-totals", "data-errors"));
}

/// Each stage opens with the request it is built to serve, and the Send button and the Load
/// tab share one protocol choice: on stage 3 the first request is HTTPS and is served, the load
/// panel's HTTPS box is ticked, and unticking it switches the Send button to HTTP.
#[wasm_bindgen_test]
async fn each_stage_opens_with_its_protocol_and_the_load_tab_shares_it() {
    let root = mount().await;
    for (stage, proto) in [(1, "http"), (3, "https"), (2, "https"), (0, "http")] {
        pick_stage(&root, stage).await;
        assert_eq!(
            attributes(
                &root,
                ".send-bar button[data-proto][aria-pressed='true']",
                "data-proto"
            ),
            [proto],
            "stage {stage}"
        );
    }
    pick_stage(&root, 3).await;
    click(&root, "button[data-action='send']").await;
    click(&root, "button[data-control='pause']").await;
    let outcome = outcome(&root);
    assert!(outcome.contains("200 OK from web-01.nginx"), "{outcome}");
    click(&root, "button[data-tab='load']").await;
    let https_box = || {
        find(&root, "input[data-control='https']")
            .dyn_into::<web_sys::HtmlInputElement>()
            .expect("a checkbox")
            .checked()
    };
    assert!(https_box(), "the load panel follows the page's choice");
    click(&root, "input[data-control='https']").await;
    assert!(!https_box());
    assert_eq!(
        attributes(
            &root,
            ".send-bar button[data-proto][aria-pressed='true']",
            "data-proto"
        ),
        ["http"],
        "one choice for both"
    );
}

/// The load balancer shows where its next request goes, read from the engine, and the next
/// request sent goes there.
#[wasm_bindgen_test]
async fn the_next_pick_label_names_where_the_next_request_goes() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    let next = |root: &Element| {
        attributes(
            root,
            ".balancer[data-lb='lb-01.haproxy'] .next-pick",
            "data-next",
        )
    };
    for _ in 0..3 {
        let [server] = next(&root).try_into().expect("one next pick");
        assert!(
            text(&root, ".balancer[data-lb='lb-01.haproxy'] .next-pick")
                .contains(&format!("next → {server}"))
        );
        send(&root, "static", "http").await;
        let outcome = outcome(&root);
        assert!(
            outcome.contains(&format!("200 OK from {server}")),
            "{outcome}"
        );
    }
}

/// Health checks are visible: after a server is taken down its row counts the failed checks
/// ("failing 1/3", "failing 2/3") before it is marked DOWN, and the panel says why it takes
/// about inter × fall.
#[wasm_bindgen_test]
async fn failing_health_checks_are_counted_on_the_servers_row() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    let row = "tr[data-server='server-01.nginx'] td.state";
    let mut seen = vec![text(&root, row)];
    click_svg(&root, "g.node[data-id='server-01']").await;
    click(&root, "button[data-control='take-down']").await;
    for _ in 0..12 {
        click(&root, "button[data-wait='1']").await;
        let now = text(&root, row);
        if seen.last() != Some(&now) {
            seen.push(now);
        }
    }
    assert_eq!(seen, ["UP", "UP · failing 1/3", "UP · failing 2/3", "DOWN"]);
    let note = text(&root, ".balancer[data-lb='lb-01.haproxy'] .check-note");
    assert!(
        note.contains("after 3 failed checks in a row (about 6 s, inter × fall)"),
        "{note}"
    );
}

/// Each health check that counts is an event in "What happened", with its cause, after the
/// user's own input and before the change of state; stopping a service refuses the checks,
/// bringing it back passes `rise` of them (issue 15, item 3).
#[wasm_bindgen_test]
async fn each_failing_check_is_an_event_with_its_cause() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    assert_eq!(count(&root, ".news-item"), 0);
    assert!(text(&root, ".news").contains("Nothing has happened"));
    click_svg(&root, "g.node[data-id='server-01']").await;
    click(&root, "button[data-control='take-down']").await;
    click(&root, "button[data-wait='10']").await;
    click(&root, "button[data-wait='1']").await;
    click(&root, "button[data-wait='1']").await;
    let kinds = attributes(&root, ".news-item", "data-news");
    assert_eq!(
        kinds,
        [
            "input",
            "check-failed",
            "check-failed",
            "check-failed",
            "down"
        ],
        "{}",
        text(&root, ".news")
    );
    let items = texts(&root, ".news-item .text");
    assert_eq!(items[0], "server-01 crashed: nothing on it answers");
    let why = "no answer within 2 s (Layer4 timeout)";
    assert_eq!(
        items[1],
        format!("server-01.nginx: check 1/3 failed: {why}")
    );
    assert_eq!(
        items[2],
        format!("server-01.nginx: check 2/3 failed: {why}")
    );
    assert_eq!(
        items[3],
        format!("server-01.nginx: check 3/3 failed: {why}: marked DOWN")
    );
    assert!(
        items[4].starts_with("lb-01.haproxy marks server-01.nginx DOWN"),
        "{}",
        items[4]
    );
    // Bring it back: two passing checks mark it UP again.
    click(&root, "button[data-control='bring-up']").await;
    click(&root, "button[data-wait='10']").await;
    let items = texts(&root, ".news-item .text");
    assert!(
        items.contains(&"server-01 is up again".to_owned()),
        "{items:?}"
    );
    assert!(
        items.contains(&"server-01.nginx: check 1/2 passed".to_owned()),
        "{items:?}"
    );
    assert!(
        items.contains(&"server-01.nginx: check 2/2 passed: marked UP".to_owned()),
        "{items:?}"
    );
}

/// Space plays and pauses even with the focus still on the Send button (where it would press
/// the button and send another request): the key down and up are both taken, and the request
/// sent is paused, not repeated.
#[wasm_bindgen_test]
async fn space_with_the_focus_on_send_pauses_instead_of_sending_again() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    click(&root, "button[data-action='send']").await;
    assert_eq!(history(&root).len(), 1);
    assert_eq!(count(&root, "button[data-control='pause']"), 1, "playing");
    let send = find(&root, "button[data-action='send']")
        .dyn_into::<web_sys::HtmlElement>()
        .expect("a button");
    send.focus().expect("focus");
    let press = |kind: &str| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(" ");
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            web_sys::KeyboardEvent::new_with_keyboard_event_init_dict(kind, &init).expect("event");
        send.dispatch_event(&event).expect("dispatched")
    };
    assert!(!press("keydown"), "Space down is taken by play/pause");
    yew::scheduler::flush().await;
    assert!(!press("keyup"), "and Space up does not press Send");
    yew::scheduler::flush().await;
    assert_eq!(count(&root, "button[data-control='play']"), 1, "paused");
    assert_eq!(history(&root).len(), 1, "no second request");
    // Elsewhere a focused button still takes Space, as keyboard users expect.
    let other = find(&root, "button[data-wait='1']")
        .dyn_into::<web_sys::HtmlElement>()
        .expect("a button");
    other.focus().expect("focus");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(" ");
    init.set_bubbles(true);
    init.set_cancelable(true);
    let down =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    assert!(
        other.dispatch_event(&down).expect("dispatched"),
        "left to the button"
    );
}
