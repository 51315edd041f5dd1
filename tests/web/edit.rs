//! Editing on the canvas in a real browser (Chromium and Firefox), through real pointer, wheel
//! and keyboard events: drag nodes, connect ports, delete and undo, zoom, fit, pan, the
//! palette, multi-selection, and stage 1 built from an empty canvas.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlElement, MouseEvent, MouseEventInit};

use crate::support::*;

async fn click(root: &Element, selector: &str) {
    sleep(0).await;
    find(root, selector)
        .dyn_into::<HtmlElement>()
        .expect("an HTML element")
        .click();
    yew::scheduler::flush().await;
}

async fn pick_stage(root: &Element, n: u8) {
    click(root, &format!("button[data-stage='{n}']")).await;
}

/// The `viewBox` numbers: x, y, width, height.
fn view_box(root: &Element) -> [f64; 4] {
    let attr = svg(root).get_attribute("viewBox").expect("a viewBox");
    let numbers: Vec<f64> = attr
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
}

/// Screen pixels per drawing unit.
fn scale(root: &Element) -> f64 {
    svg(root).get_bounding_client_rect().width() / view_box(root)[2]
}

fn snap(v: f64) -> f64 {
    (v / 8.0).round() * 8.0
}

/// Drags a palette part to `to`.
async fn drop_part(root: &Element, part: &str, to: At) {
    let button = find(root, &format!("button.palette-item[data-part='{part}']"));
    drag(root, &button, center(&button), to, false).await;
}

/// Drags from the port of `from` to the middle of `to` (a CSS selector).
async fn connect(root: &Element, from: &str, to: &str) {
    let port = find(root, &format!(".port[data-port='{from}']"));
    let target = center(&find(root, to));
    drag(root, &port, center(&port), target, false).await;
}

/// A click like a person's: press, release, then the click event.
async fn click_on(target: &Element, shift: bool) {
    click_at(target, center(target), shift).await;
}

/// A click at `at` (screen pixels) on `target`.
async fn click_at(target: &Element, at: At, shift: bool) {
    pointer(target, "pointerdown", at, shift).await;
    pointer(target, "pointerup", at, shift).await;
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_shift_key(shift);
    init.set_client_x(at.x.round() as i32);
    init.set_client_y(at.y.round() as i32);
    let event = MouseEvent::new_with_mouse_event_init_dict("click", &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

fn node_box(root: &Element, id: &str) -> Element {
    find(root, &format!("g.node[data-id='{id}'] > rect.node-box"))
}

fn service_box(root: &Element, id: &str) -> Element {
    find(
        root,
        &format!("g.service[data-id='{id}'] > rect.service-box"),
    )
}

fn history(root: &Element) -> Vec<String> {
    texts(root, ".history-item .what")
}

fn wire(from: &str, to: &str) -> String {
    format!("path[data-from='{from}'][data-to='{to}']")
}

#[wasm_bindgen_test]
async fn dragging_a_node_moves_it_on_the_grid_as_one_undo_step() {
    let root = mount().await;
    let (x, y) = corner(&root, "dns");
    let s = scale(&root);
    let from = center(&node_box(&root, "dns"));
    drag(
        &root,
        &node_box(&root, "dns"),
        from,
        from.plus(101.0, 43.0),
        false,
    )
    .await;
    let (nx, ny) = corner(&root, "dns");
    assert_eq!((nx, ny), (snap(x + 101.0 / s), snap(y + 43.0 / s)));
    assert_eq!(count(&root, ".inspector"), 0, "a drag does not select");
    key("z", true, false).await;
    assert_eq!(corner(&root, "dns"), (x, y), "Ctrl+Z undoes the whole drag");
    key("Z", true, true).await;
    assert_eq!(corner(&root, "dns"), (nx, ny), "Ctrl+Shift+Z redoes it");
}

#[wasm_bindgen_test]
async fn dragging_the_browser_moves_it_without_sending() {
    let root = mount().await;
    let client = node_box(&root, "client");
    let (x, _) = corner(&root, "client");
    let from = center(&client);
    drag(&root, &client, from, from.plus(80.0, 0.0), false).await;
    // The browser's own click after the drag lands on the node; it must not count.
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    let after_drag = MouseEvent::new_with_mouse_event_init_dict("click", &init).expect("event");
    client.dispatch_event(&after_drag).expect("dispatched");
    yew::scheduler::flush().await;
    assert!(corner(&root, "client").0 > x);
    assert!(history(&root).is_empty(), "{:?}", history(&root));
    // A click that is only a click still sends.
    click_on(&node_box(&root, "client"), false).await;
    assert_eq!(history(&root).len(), 1);
}

#[wasm_bindgen_test]
async fn dragging_from_a_port_to_a_service_connects_them() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    let new_wire = wire("server-01.app", "server-02.mysql");
    assert_eq!(count(&root, &new_wire), 0);
    // While hovering, the rubber line and the drop target show.
    let port = find(&root, ".port[data-port='server-01.app']");
    let target = center(&service_box(&root, "server-02.mysql"));
    pointer(&port, "pointerdown", center(&port), false).await;
    pointer(
        &svg(&root),
        "pointermove",
        center(&port).plus(20.0, 20.0),
        false,
    )
    .await;
    pointer(&svg(&root), "pointermove", target, false).await;
    assert_eq!(count(&root, ".edit-preview .rubber-line"), 1);
    assert_eq!(count(&root, ".edit-preview .drop-target"), 1);
    pointer(&svg(&root), "pointerup", target, false).await;
    assert_eq!(count(&root, ".edit-preview *"), 0);
    assert_eq!(count(&root, &new_wire), 1);
    assert_eq!(count(&root, "p.error"), 0);
}

#[wasm_bindgen_test]
async fn a_refused_connection_says_why_and_adds_no_wire() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    let wires = count(&root, "path.wire");
    connect(
        &root,
        "server-01.mysql",
        "g.service[data-id='lb-01.haproxy'] > rect.service-box",
    )
    .await;
    let error = text(&root, "p.error[role='alert']");
    assert!(error.contains("MySQL answers queries"), "{error}");
    assert_eq!(count(&root, &wire("server-01.mysql", "lb-01.haproxy")), 0);
    assert_eq!(count(&root, "path.wire"), wires);
}

#[wasm_bindgen_test]
async fn delete_removes_the_picked_node_and_undo_redo_bring_it_back_and_forth() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    click_on(&node_box(&root, "dns"), false).await;
    assert_eq!(count(&root, "g.node.picked[data-id='dns']"), 1);
    key("Delete", false, false).await;
    assert_eq!(count(&root, "g.node[data-id='dns']"), 0);
    key("z", true, false).await;
    assert_eq!(count(&root, "g.node[data-id='dns']"), 1);
    key("y", true, false).await;
    assert_eq!(count(&root, "g.node[data-id='dns']"), 0);
    // The toolbar's buttons do the same.
    click(&root, "button[data-tool='undo']").await;
    assert_eq!(count(&root, "g.node[data-id='dns']"), 1);
    click(&root, "button[data-tool='redo']").await;
    assert_eq!(count(&root, "g.node[data-id='dns']"), 0);
    // Escape clears the selection; typing in a field is not a shortcut.
    click_on(&node_box(&root, "lb-01"), false).await;
    key("Escape", false, false).await;
    assert_eq!(count(&root, "g.node.picked"), 0);
}

#[wasm_bindgen_test]
async fn the_wheel_zooms_about_the_pointer_and_the_buttons_step() {
    let root = mount().await;
    let before = view_box(&root);
    let at = canvas_at(&root, 0.5, 0.5);
    let event = wheel(&svg(&root), at, -200.0).await;
    assert!(event.default_prevented(), "the page does not scroll");
    let after = view_box(&root);
    assert!(
        after[2] < before[2] && after[3] < before[3],
        "{before:?} → {after:?}"
    );
    // The drawing point under the pointer stayed there.
    let under = |vb: [f64; 4]| {
        let r = svg(&root).get_bounding_client_rect();
        let s = r.width() / vb[2];
        (vb[0] + (at.x - r.left()) / s, vb[1] + (at.y - r.top()) / s)
    };
    let (bx, by) = under(before);
    let (ax, ay) = under(after);
    assert!(
        (bx - ax).abs() < 1.5 && (by - ay).abs() < 1.5,
        "{bx},{by} vs {ax},{ay}"
    );
    assert_ne!(text(&root, ".zoom-level"), "100 %");
    let zoomed = view_box(&root);
    click(&root, "button[data-tool='zoom-out']").await;
    assert!(view_box(&root)[2] > zoomed[2]);
}

#[wasm_bindgen_test]
async fn fit_shows_every_node_inside_the_canvas() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    for _ in 0..4 {
        click(&root, "button[data-tool='zoom-in']").await;
    }
    click(&root, "button[data-tool='fit']").await;
    let canvas = svg(&root).get_bounding_client_rect();
    let boxes = root
        .query_selector_all("g.node > rect.node-box")
        .expect("valid selector");
    assert!(boxes.length() >= 8);
    for i in 0..boxes.length() {
        let el: Element = boxes.item(i).expect("box").dyn_into().expect("element");
        let r = el.get_bounding_client_rect();
        assert!(
            r.left() >= canvas.left() - 0.5
                && r.right() <= canvas.right() + 0.5
                && r.top() >= canvas.top() - 0.5
                && r.bottom() <= canvas.bottom() + 0.5,
            "box {i} is outside the canvas"
        );
    }
}

#[wasm_bindgen_test]
async fn dragging_empty_canvas_pans_and_shift_dragging_picks_an_area() {
    let root = mount().await;
    let before = view_box(&root);
    let s = scale(&root);
    let from = canvas_at(&root, 0.9, 0.9);
    drag(&root, &svg(&root), from, from.plus(-60.0, -30.0), false).await;
    let after = view_box(&root);
    assert!(
        (after[0] - (before[0] + 60.0 / s)).abs() < 0.01,
        "{before:?} → {after:?}"
    );
    assert!(
        (after[1] - (before[1] + 30.0 / s)).abs() < 0.01,
        "{before:?} → {after:?}"
    );
    // A band around the browser and the DNS zone picks both.
    let client = node_box(&root, "client").get_bounding_client_rect();
    let dns = node_box(&root, "dns").get_bounding_client_rect();
    let start = At {
        x: client.left() - 5.0,
        y: client.top() - 5.0,
    };
    let end = At {
        x: dns.right() + 5.0,
        y: dns.bottom() + 5.0,
    };
    drag(&root, &svg(&root), start, end, true).await;
    let mut picked: Vec<String> = (0..count(&root, "g.node.picked"))
        .filter_map(|i| {
            root.query_selector_all("g.node.picked")
                .ok()?
                .item(i)?
                .dyn_into::<Element>()
                .ok()?
                .get_attribute("data-id")
        })
        .collect();
    picked.sort();
    assert_eq!(picked, ["client", "dns"]);
    // A click on empty canvas (its top-left corner: the fitted drawing is centred) picks
    // nothing.
    let frame = svg(&root).get_bounding_client_rect();
    let empty = At {
        x: frame.left() + 4.0,
        y: frame.top() + 4.0,
    };
    click_at(&svg(&root), empty, false).await;
    assert_eq!(count(&root, "g.node.picked"), 0);
}

#[wasm_bindgen_test]
async fn shift_click_picks_several_and_they_move_together() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    click_on(&node_box(&root, "server-01"), false).await;
    click_on(&node_box(&root, "server-02"), true).await;
    assert_eq!(count(&root, "g.node.picked"), 2);
    let one = corner(&root, "server-01");
    let two = corner(&root, "server-02");
    let s = scale(&root);
    // Grab server-02 by its title block (its rows would move a service instead).
    let title = find(&root, "g.node[data-id='server-02'] > text.node-name");
    let from = center(&title);
    drag(&root, &title, from, from.plus(0.0, 80.0), false).await;
    let dy = snap(two.1 + 80.0 / s) - two.1;
    assert!(dy > 0.0);
    assert_eq!(corner(&root, "server-02"), (snap(two.0), two.1 + dy));
    // The end of a drag puts every box on the grid.
    assert_eq!(
        corner(&root, "server-01"),
        (snap(one.0), snap(one.1 + 80.0 / s))
    );
    // Shift-click again takes one out.
    click_on(&node_box(&root, "server-01"), true).await;
    assert_eq!(count(&root, "g.node.picked"), 1);
}

#[wasm_bindgen_test]
async fn palette_parts_drop_onto_the_canvas_and_onto_a_server() {
    let root = mount().await;
    click(&root, "button[data-control='new']").await;
    assert_eq!(count(&root, "g.node"), 0);
    let at = canvas_at(&root, 0.4, 0.4);
    drop_part(&root, "host", at).await;
    assert_eq!(count(&root, "g.node.host[data-id='server-01']"), 1);
    // The new server sits centred under where it was dropped.
    let c = center(&node_box(&root, "server-01"));
    assert!((c.x - at.x).abs() < 8.0 * scale(&root) && (c.y - at.y).abs() < 8.0 * scale(&root));
    let server = center(&node_box(&root, "server-01"));
    drop_part(&root, "nginx", server).await;
    assert_eq!(
        count(&root, "g.service.svc-web[data-id='server-01.nginx']"),
        1
    );
    assert_eq!(count(&root, "g.node"), 1, "onto the server, not a new one");
    // A service on empty canvas comes in a server of its own.
    drop_part(&root, "mysql", canvas_at(&root, 0.8, 0.8)).await;
    assert_eq!(count(&root, "g.node.host"), 2);
    assert_eq!(count(&root, "g.service.svc-db"), 1);
    // Clicking a part adds it at a free visible spot (keyboard users press Enter on it).
    click(&root, "button.palette-item[data-part='dns']").await;
    assert_eq!(count(&root, "g.node.dns"), 1);
    // Dropping outside the canvas adds nothing.
    let button = find(&root, "button.palette-item[data-part='client']");
    let outside = center(&button).plus(0.0, -2000.0);
    drag(&root, &button, center(&button), outside, false).await;
    assert_eq!(count(&root, "g.node.client"), 0);
}

#[wasm_bindgen_test]
async fn a_service_row_dragged_onto_another_server_moves_there() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    let row = service_box(&root, "server-02.mysql");
    let to = center(&node_box(&root, "lb-01"));
    drag(&root, &row, center(&row), to, false).await;
    assert_eq!(count(&root, "g.service[data-id='server-02.mysql']"), 0);
    assert_eq!(
        count(
            &root,
            "g.node[data-id='lb-01'] g.service[data-id='lb-01.mysql']"
        ),
        1
    );
}

/// The rows of the event list with this build's names and addresses made the preset's. Like
/// the preset's, the built balancer has the public address 8.8.8.8 (set in the inspector).
fn as_preset(rows: Vec<String>) -> Vec<String> {
    rows.into_iter()
        .map(|r| {
            r.replace("web-0", "server-0")
                .replace("10.0.0.3", "10.0.0.11")
                .replace("10.0.0.4", "10.0.0.12")
        })
        .collect()
}

#[wasm_bindgen_test]
async fn stage_1_built_from_an_empty_canvas_serves_like_the_preset() {
    // The preset's first request, for comparison.
    let preset = mount().await;
    pick_stage(&preset, 1).await;
    click_on(&node_box(&preset, "client"), false).await;
    let preset_rows = texts(&preset, "tr.hop-row");
    let preset_outcome = text(&preset, "tr.outcome-row");
    assert!(
        preset_outcome.contains("200 OK from server-01.nginx"),
        "{preset_outcome}"
    );
    preset.remove();

    let root = mount().await;
    click(&root, "button[data-control='new']").await;
    click(&root, "button[data-tool='zoom-out']").await;
    click(&root, "button[data-tool='zoom-out']").await;
    drop_part(&root, "client", canvas_at(&root, 0.2, 0.1)).await;
    drop_part(&root, "dns", canvas_at(&root, 0.6, 0.1)).await;
    drop_part(&root, "haproxy", canvas_at(&root, 0.4, 0.3)).await;
    drop_part(&root, "nginx", canvas_at(&root, 0.2, 0.6)).await;
    drop_part(&root, "nginx", canvas_at(&root, 0.65, 0.6)).await;
    for server in ["web-01", "web-02"] {
        for part in ["app", "code", "mysql"] {
            let target = center(&node_box(&root, server));
            drop_part(&root, part, target).await;
        }
    }
    assert_eq!(count(&root, "g.node.host"), 3);
    assert_eq!(count(&root, "g.service"), 9);
    let row = |id: &str| format!("g.service[data-id='{id}'] > rect.service-box");
    for (from, to) in [
        ("lb-01.haproxy", "web-01.nginx"),
        ("lb-01.haproxy", "web-02.nginx"),
        ("web-01.nginx", "web-01.app"),
        ("web-01.app", "web-01.mysql"),
        ("web-02.nginx", "web-02.app"),
        ("web-02.app", "web-02.mysql"),
        ("web-02.app", "web-01.mysql"),
    ] {
        connect(&root, from, &row(to)).await;
        assert_eq!(count(&root, &wire(from, to)), 1, "{from} → {to}");
    }
    // MySQL to MySQL: the second replicates from the first.
    connect(&root, "web-01.mysql", &row("web-02.mysql")).await;
    assert_eq!(count(&root, "path.wire-replication"), 1);
    // The zone's www record points at the balancer's server.
    connect(&root, "dns", &row("lb-01.haproxy")).await;
    assert_eq!(count(&root, "p.error"), 0, "{:?}", texts(&root, "p.error"));
    let dns = texts(&root, "g.node.dns text");
    assert!(dns.iter().any(|t| t.contains("www A 10.0.0.2")), "{dns:?}");
    // The internet does not route the private 10.0.0.2: give the balancer its public address
    // in the inspector and point the zone at it again.
    click_on(&node_box(&root, "lb-01"), false).await;
    assert!(
        text(&root, ".inspector h3").contains("lb-01"),
        "{}",
        text(&root, ".inspector h3")
    );
    let public = find(&root, ".inspector input[data-control='host-public-ip']")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("an input");
    public.focus().expect("focus");
    public.set_value("8.8.8.8");
    for kind in ["input", "change"] {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict(kind, &init).expect("event");
        public.dispatch_event(&event).expect("dispatched");
        yew::scheduler::flush().await;
    }
    connect(&root, "dns", &row("lb-01.haproxy")).await;
    assert_eq!(count(&root, "p.error"), 0, "{:?}", texts(&root, "p.error"));
    let dns = texts(&root, "g.node.dns text");
    assert!(dns.iter().any(|t| t.contains("www A 8.8.8.8")), "{dns:?}");

    click_on(&node_box(&root, "client"), false).await;
    let outcome = text(&root, "tr.outcome-row");
    assert!(outcome.contains("200 OK from web-01.nginx"), "{outcome}");
    let rows = texts(&root, "tr.hop-row");
    assert_eq!(rows.len(), preset_rows.len(), "{rows:#?}\n{preset_rows:#?}");
    assert!(
        rows.iter().any(|r| r.contains("roundrobin: web-01.nginx")),
        "{rows:#?}"
    );
    assert_eq!(as_preset(rows), preset_rows);
}

/// Presses `key` on `target` (a focused node or service), as the keyboard does.
async fn press_on(target: &Element, key: &str) {
    if let Some(el) = target.dyn_ref::<web_sys::HtmlElement>() {
        el.focus().expect("focus");
    } else if let Some(el) = target.dyn_ref::<web_sys::SvgElement>() {
        el.focus().expect("focus");
    }
    press(target, key).await;
}

/// Ports without a mouse (issue 15, item 7): C on a focused node starts "Connect from here",
/// the status line (a live region) says what to do, Enter on another node makes the link, and
/// Escape cancels; the inspector's "Connect from here…" does the same.
#[wasm_bindgen_test]
async fn connect_from_here_with_the_keyboard() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    let wires = |root: &Element| {
        count(
            root,
            "path[data-from='lb-01.haproxy'][data-to='lb-02.haproxy']",
        )
    };
    assert_eq!(wires(&root), 0);
    let status = |root: &Element| text(root, ".connect-status[role='status']");
    press_on(&find(&root, "g.node[data-id='lb-01']"), "c").await;
    assert!(
        status(&root).starts_with("Connecting from lb-01: pick what it connects to"),
        "{}",
        status(&root)
    );
    press_on(&find(&root, "g.node[data-id='lb-02']"), "Enter").await;
    assert_eq!(wires(&root), 1, "the link is drawn");
    assert_eq!(status(&root), "Connected lb-01 to lb-02.");
    // Undo takes it back; Escape cancels a second attempt.
    key("z", true, false).await;
    assert_eq!(wires(&root), 0);
    press_on(&find(&root, "g.node[data-id='lb-01']"), "c").await;
    key("Escape", false, false).await;
    assert_eq!(status(&root), "No connection made from lb-01.");
    press_on(&find(&root, "g.node[data-id='lb-02']"), "Enter").await;
    assert_eq!(wires(&root), 0);
    // From the inspector: select lb-01, press its button, then pick lb-02.
    press_on(&find(&root, "g.node[data-id='lb-01']"), "Enter").await;
    click(&root, "button[data-control='connect-from']").await;
    assert!(
        status(&root).starts_with("Connecting from lb-01"),
        "{}",
        status(&root)
    );
    press_on(&find(&root, "g.node[data-id='lb-02']"), "Enter").await;
    assert_eq!(wires(&root), 1);
}
