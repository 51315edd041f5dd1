//! The page in a real browser (Chromium and Firefox): mount the app, read the SVG, click.
#![cfg(target_arch = "wasm32")]

use stacksim::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .expect("window")
        .document()
        .expect("document")
}

/// Mounts a fresh app into its own element and waits for the first render.
async fn mount() -> Element {
    mount_at("").await
}

/// Mounts with the page's address fragment set to `hash` first.
async fn mount_at(hash: &str) -> Element {
    web_sys::window()
        .expect("window")
        .location()
        .set_hash(hash)
        .expect("set hash");
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector)
        .expect("valid selector")
        .length()
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.text_content())
        .collect()
}

async fn pick_stage(root: &Element, n: u8) {
    let button = root
        .query_selector(&format!("button[data-stage='{n}']"))
        .expect("valid selector")
        .expect("stage button")
        .dyn_into::<HtmlElement>()
        .expect("button is an element");
    button.click();
    yew::scheduler::flush().await;
}

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
    assert_eq!(texts(&root, ".panel h2"), ["Stage 0: Simple web stack"]);
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
    assert_eq!(texts(&root, ".panel h2"), ["Stage 0: Simple web stack"]);
    assert_eq!(count(&root, "button.stage-button.active"), 1);
}

#[wasm_bindgen_test]
async fn address_fragment_opens_a_stage_and_picking_updates_it() {
    let root = mount_at("stage=2").await;
    assert_eq!(
        texts(&root, ".panel h2"),
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
    assert_eq!(texts(&root, ".panel h2"), ["Stage 0: Simple web stack"]);
}
