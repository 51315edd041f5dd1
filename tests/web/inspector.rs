//! The inspector's forms in a real browser (Chromium and Firefox): select on the diagram, type
//! into fields with real input, change and keyboard events, and read the diagram, the balancer
//! panel and the forms back. Every wait is `yew::scheduler::flush()`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{
    Element, Event, EventInit, HtmlInputElement, HtmlSelectElement, KeyboardEvent,
    KeyboardEventInit,
};

use crate::support::*;

fn input(root: &Element, selector: &str) -> HtmlInputElement {
    find(root, selector)
        .dyn_into::<HtmlInputElement>()
        .unwrap_or_else(|_| panic!("{selector} is not an input"))
}

fn value(root: &Element, selector: &str) -> String {
    input(root, selector).value()
}

/// The values of every input `selector` matches, in document order.
fn values(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<HtmlInputElement>().ok())
        .map(|input| input.value())
        .collect()
}

async fn fire(target: &Element, kind: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict(kind, &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

async fn key(target: &Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

/// Ctrl+Z on the page.
async fn undo() {
    crate::support::key("z", true, false).await;
}

/// Focuses the field, replaces its text like typing does (an `input` event), and leaves it
/// uncommitted.
async fn type_text(root: &Element, selector: &str, text: &str) -> HtmlInputElement {
    let field = input(root, selector);
    field.focus().expect("focus");
    field.set_value(text);
    fire(&field, "input").await;
    field
}

/// Types `text` and presses Enter.
async fn type_enter(root: &Element, selector: &str, text: &str) {
    let field = type_text(root, selector, text).await;
    key(&field, "Enter").await;
}

/// Types `text` and leaves the field (the `change` event).
async fn type_change(root: &Element, selector: &str, text: &str) {
    let field = type_text(root, selector, text).await;
    fire(&field, "change").await;
}

async fn choose(root: &Element, selector: &str, option: &str) {
    let select = find(root, selector)
        .dyn_into::<HtmlSelectElement>()
        .unwrap_or_else(|_| panic!("{selector} is not a select"));
    select.set_value(option);
    fire(&select, "change").await;
}

async fn select_node(root: &Element, id: &str) {
    click_svg(root, &format!("g.node[data-id='{id}'] > rect.node-box")).await;
    assert!(
        text(root, ".inspector h3").contains(id),
        "{}",
        text(root, ".inspector h3")
    );
}

async fn select_service(root: &Element, id: &str) {
    click_svg(
        root,
        &format!("g.service[data-id='{id}'] > rect.service-box"),
    )
    .await;
    assert!(
        text(root, ".inspector h3").contains(id),
        "{}",
        text(root, ".inspector h3")
    );
}

fn host_ip(root: &Element, id: &str) -> String {
    text(root, &format!("g.node[data-id='{id}'] text.ip"))
}

fn errors(root: &Element) -> Vec<String> {
    texts(root, ".inspector .field-error[role='alert']")
}

#[wasm_bindgen_test]
async fn a_host_address_is_edited_and_a_bad_one_is_refused_next_to_the_field() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_node(&root, "server-01").await;
    let ip = ".inspector input[data-control='host-ip']";
    assert_eq!(value(&root, ip), "10.0.0.11");

    type_enter(&root, ip, "10.0.0.21").await;
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.21");
    assert_eq!(value(&root, ip), "10.0.0.21");
    assert!(errors(&root).is_empty(), "{:?}", errors(&root));

    type_change(&root, ip, "10.0.0.999").await;
    assert_eq!(
        errors(&root),
        ["'10.0.0.999' is not an IPv4 address; write four numbers from 0 to 255, such as 10.0.0.2"]
    );
    let field = input(&root, ip);
    assert_eq!(field.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = field.get_attribute("aria-describedby").expect("described");
    assert_eq!(
        count(&root, &format!(".inspector .field-error[id='{described}']")),
        1
    );
    assert_eq!(value(&root, ip), "10.0.0.999", "the typed text stays");
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.21", "design unchanged");

    // An address another node has is refused by the design, next to the field too.
    type_enter(&root, ip, "10.0.0.12").await;
    assert_eq!(errors(&root).len(), 1);
    assert!(
        errors(&root)[0].contains("10.0.0.12"),
        "{:?}",
        errors(&root)
    );
    assert!(
        errors(&root)[0].contains("server-02"),
        "{:?}",
        errors(&root)
    );
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.21", "design unchanged");

    // Escape goes back to the design's value.
    key(&input(&root, ip), "Escape").await;
    assert_eq!(value(&root, ip), "10.0.0.21");
    assert!(errors(&root).is_empty());
    assert_eq!(
        find(&root, ip).get_attribute("aria-invalid").as_deref(),
        Some("false")
    );

    // A public address; emptying the field removes it.
    let public = ".inspector input[data-control='host-public-ip']";
    type_enter(&root, public, "8.8.4.4").await;
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.21 · public 8.8.4.4");
    type_change(&root, public, "").await;
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.21");

    // Undo brings the old address back into the diagram and the field.
    for _ in 0..3 {
        undo().await;
    }
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.11");
    assert_eq!(value(&root, ip), "10.0.0.11");
}

/// A change of the design makes every field forget what was typed but not committed; another
/// selection shows its own values and no refusal of the last one's.
#[wasm_bindgen_test]
async fn a_design_change_or_another_selection_forgets_uncommitted_text() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_node(&root, "server-01").await;
    let ip = ".inspector input[data-control='host-ip']";
    let typed = type_text(&root, ip, "10.0.0.77").await;
    assert_eq!(value(&root, ip), "10.0.0.77");
    // A committed edit of another field changes the design: the typed address is forgotten.
    type_enter(&root, ".inspector input[data-control='name']", "web one").await;
    assert_eq!(value(&root, ip), "10.0.0.11");
    assert_eq!(host_ip(&root, "server-01"), "10.0.0.11");
    let same: &web_sys::Node = &input(&root, ip);
    assert!(typed.is_same_node(Some(same)), "the same form, refilled");

    type_change(&root, ip, "10.0.0.999").await;
    assert_eq!(errors(&root).len(), 1, "{:?}", errors(&root));
    select_node(&root, "server-02").await;
    assert_eq!(value(&root, ip), "10.0.0.12");
    assert!(errors(&root).is_empty(), "{:?}", errors(&root));
}

#[wasm_bindgen_test]
async fn firewall_rules_are_an_ordered_table() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_node(&root, "server-01").await;
    assert_eq!(
        count(&root, "g.node[data-id='server-01'] .badge-firewall"),
        0
    );
    click(&root, ".inspector button[data-control='add-firewall']").await;
    assert_eq!(
        count(&root, "g.node[data-id='server-01'] .badge-firewall"),
        1
    );
    let ports = ".inspector tr[data-rule] input[data-control='rule-port']";
    assert_eq!(values(&root, ports), ["80", "9000", "3306"]);

    click(&root, ".inspector button[data-control='add-rule']").await;
    assert_eq!(values(&root, ports), ["80", "9000", "3306", "80"]);
    click(
        &root,
        ".inspector tr[data-rule='3'] button[data-control='rule-up']",
    )
    .await;
    assert_eq!(values(&root, ports), ["80", "9000", "80", "3306"]);
    type_enter(
        &root,
        ".inspector tr[data-rule='2'] input[data-control='rule-port']",
        "22",
    )
    .await;
    assert_eq!(values(&root, ports), ["80", "9000", "22", "3306"]);
    type_change(
        &root,
        ".inspector tr[data-rule='2'] input[data-control='rule-from']",
        "10.0.0.0/8",
    )
    .await;
    type_change(
        &root,
        ".inspector tr[data-rule='2'] input[data-control='rule-comment']",
        "SSH from the office",
    )
    .await;
    choose(
        &root,
        ".inspector tr[data-rule='2'] select[data-control='rule-action']",
        "reject",
    )
    .await;
    assert_eq!(
        values(
            &root,
            ".inspector tr[data-rule] input[data-control='rule-from']"
        ),
        ["any", "any", "10.0.0.0/8", "any"]
    );
    assert_eq!(
        find(
            &root,
            ".inspector tr[data-rule='2'] select[data-control='rule-action']"
        )
        .dyn_into::<HtmlSelectElement>()
        .expect("select")
        .value(),
        "reject"
    );

    // A bad port or network is refused in its row; the table stays.
    type_enter(
        &root,
        ".inspector tr[data-rule='1'] input[data-control='rule-port']",
        "70000",
    )
    .await;
    assert_eq!(errors(&root), ["70000 is out of range: 1 to 65535"]);
    type_enter(
        &root,
        ".inspector tr[data-rule='0'] input[data-control='rule-from']",
        "10.0.0.0/40",
    )
    .await;
    assert_eq!(errors(&root).len(), 2);
    assert_eq!(values(&root, ports), ["80", "70000", "22", "3306"]);

    // Move down, remove, and the default policy.
    click(
        &root,
        ".inspector tr[data-rule='2'] button[data-control='rule-down']",
    )
    .await;
    assert_eq!(values(&root, ports), ["80", "9000", "3306", "22"]);
    click(
        &root,
        ".inspector tr[data-rule='0'] button[data-control='remove-rule']",
    )
    .await;
    assert_eq!(values(&root, ports), ["9000", "3306", "22"]);
    choose(
        &root,
        ".inspector select[data-control='default-incoming']",
        "allow",
    )
    .await;
    assert_eq!(
        find(&root, "g.node[data-id='server-01'] .badge-firewall title")
            .text_content()
            .unwrap_or_default(),
        "firewall: 3 rule(s), default allow"
    );
    click(&root, ".inspector button[data-control='remove-firewall']").await;
    assert_eq!(
        count(&root, "g.node[data-id='server-01'] .badge-firewall"),
        0
    );
}

fn served(root: &Element, server: &str) -> String {
    text(
        root,
        &format!(".balancer tr[data-server='{server}'] td.served"),
    )
}

#[wasm_bindgen_test]
async fn static_rr_with_weight_3_sends_three_of_four_requests_to_server_01() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_service(&root, "lb-01.haproxy").await;
    choose(
        &root,
        ".inspector select[data-control='balance']",
        "static-rr",
    )
    .await;
    let labels = texts(&root, "g.service[data-id='lb-01.haproxy'] .service-label");
    assert_eq!(labels, ["HAProxy · static-rr"]);

    let wire = "path.wire-request[data-from='lb-01.haproxy'][data-to='server-01.nginx']";
    click_svg(&root, wire).await;
    assert_eq!(
        text(&root, ".inspector h3"),
        "Link lb-01.haproxy → server-01.nginx"
    );
    let weight = ".inspector input[data-control='weight']";
    assert_eq!(value(&root, weight), "1");
    type_enter(&root, weight, "300").await;
    assert_eq!(errors(&root), ["300 is out of range: 0 to 256"]);
    type_enter(&root, weight, "3").await;
    assert!(errors(&root).is_empty());
    assert_eq!(value(&root, weight), "3");

    for _ in 0..4 {
        click(&root, "button[data-kind='static']").await;
        click(&root, "button[data-proto='http']").await;
        click(&root, "button[data-action='send']").await;
        click(&root, "button[data-control='pause']").await;
    }
    assert_eq!(served(&root, "server-01.nginx"), "3");
    assert_eq!(served(&root, "server-02.nginx"), "1");
}

#[wasm_bindgen_test]
async fn renaming_a_host_redraws_it_under_its_new_id() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_node(&root, "server-01").await;
    let id = ".inspector input[data-control='id']";
    type_enter(&root, id, "web 01").await;
    assert_eq!(
        errors(&root),
        ["an id is 1 to 64 letters, digits, '-', '_' or '.'; 'web 01' is not"]
    );
    type_enter(&root, id, "server-02").await;
    assert_eq!(errors(&root), ["the id 'server-02' is taken"]);
    assert_eq!(count(&root, "g.node[data-id='server-01']"), 1);

    type_enter(&root, id, "web-01").await;
    assert_eq!(count(&root, "g.node[data-id='web-01']"), 1);
    assert_eq!(count(&root, "g.node[data-id='server-01']"), 0);
    assert!(text(&root, ".inspector h3").contains("web-01"));
    assert_eq!(value(&root, id), "web-01");
    assert!(errors(&root).is_empty());

    let name = ".inspector input[data-control='name']";
    type_change(&root, name, "Web <b>one</b>").await;
    assert_eq!(
        text(&root, "g.node[data-id='web-01'] text.node-name"),
        "Web <b>one</b>",
        "names are text, never markup"
    );
    assert_eq!(count(&root, "g.node[data-id='web-01'] text.node-name b"), 0);
}

#[wasm_bindgen_test]
async fn a_replica_gets_its_lag_and_can_become_a_primary() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_service(&root, "server-02.mysql").await;
    let lag = ".inspector input[data-control='lag']";
    assert_eq!(value(&root, lag), "300");
    type_enter(&root, lag, "1200").await;
    assert_eq!(
        texts(&root, "g.service[data-id='server-02.mysql'] .service-label"),
        ["MySQL replica · lag 1200 ms"]
    );
    type_change(&root, ".inspector input[data-control='lag-jitter']", "50").await;
    assert_eq!(
        value(&root, ".inspector input[data-control='lag-jitter']"),
        "50"
    );
    type_enter(&root, lag, "-5").await;
    assert_eq!(errors(&root), ["-5 is out of range: 0 to 3600000 ms"]);

    choose(&root, ".inspector select[data-control='role']", "primary").await;
    assert_eq!(
        texts(&root, "g.service[data-id='server-02.mysql'] .service-label"),
        ["MySQL primary"]
    );
    assert_eq!(count(&root, ".inspector input[data-control='lag']"), 0);
    choose(&root, ".inspector select[data-control='role']", "replica").await;
    assert_eq!(
        find(&root, ".inspector select[data-control='source']")
            .dyn_into::<HtmlSelectElement>()
            .expect("select")
            .value(),
        "server-01.mysql"
    );

    // The app server's service time is shown in milliseconds.
    select_service(&root, "server-01.app").await;
    let time = ".inspector input[data-control='service-time']";
    assert_eq!(value(&root, time), "20");
    type_enter(&root, time, "12.5").await;
    assert_eq!(value(&root, time), "12.5");
    type_enter(&root, time, "0").await;
    assert_eq!(errors(&root), ["0 ms is out of range: 0.001 to 60000 ms"]);
}

#[wasm_bindgen_test]
async fn the_delete_button_removes_the_selection_and_the_sim_buttons_still_work() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    select_node(&root, "server-02").await;
    click(&root, ".inspector button[data-control='take-down']").await;
    assert_eq!(count(&root, "g.node.down[data-id='server-02']"), 1);
    click(&root, ".inspector button[data-control='delete']").await;
    assert_eq!(count(&root, "g.node[data-id='server-02']"), 0);
    assert_eq!(count(&root, ".inspector"), 0);
}
