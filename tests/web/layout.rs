//! The page at real screen sizes (issue 15, items 5 and 6): the app in a frame of 1280×800 or
//! 390×844 with the real stylesheet, measured as a user sees it.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

/// Every node box lies inside the diagram's frame: the drawing is shown whole.
fn drawing_fits(screen: &Screen) {
    let (left, top, width, height) = screen.rect("svg.diagram");
    let nodes = screen
        .root
        .query_selector_all("g.node > .node-box")
        .expect("valid selector");
    assert!(nodes.length() >= 3, "nodes drawn");
    for i in 0..nodes.length() {
        let Some(node) = nodes.get(i) else { continue };
        let Ok(node) = wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node) else {
            continue;
        };
        let r = node.get_bounding_client_rect();
        assert!(
            r.left() >= left - 0.5
                && r.top() >= top - 0.5
                && r.right() <= left + width + 0.5
                && r.bottom() <= top + height + 0.5,
            "a node at ({}, {}, {}, {}) outside the diagram ({left}, {top}, {width}, {height})",
            r.left(),
            r.top(),
            r.right(),
            r.bottom()
        );
    }
}

/// The drawing is fitted on the first load and on a stage pick, on a desktop and on a phone
/// (where it also fits the width: no sideways scrolling).
#[wasm_bindgen_test]
async fn the_drawing_is_shown_whole_on_first_load_and_on_a_stage_pick() {
    for (w, h) in [(1280, 800), (390, 844)] {
        let screen = mount_screen(w, h, "").await;
        drawing_fits(&screen);
        click(&screen.root, "button.stage-button[data-stage='3']").await;
        next_frame().await;
        drawing_fits(&screen);
        let (_, _, width, _) = screen.rect("svg.diagram");
        assert!(width <= f64::from(w), "the diagram fits {w} px: {width}");
        let page = screen
            .window
            .document()
            .and_then(|d| d.document_element())
            .map(|e| e.scroll_width())
            .expect("a page");
        assert!(page <= w as i32, "no sideways scrolling at {w} px: {page}");
    }
}

/// Opening a link to a design fits it too.
#[wasm_bindgen_test]
async fn a_link_is_shown_whole() {
    let screen = mount_screen(1280, 800, "#stage=3&send=https-read").await;
    drawing_fits(&screen);
}

/// Taking a host down opens the inspector; the event list of the next request stays on the
/// first screen at 1280×800.
#[wasm_bindgen_test]
async fn the_event_list_stays_in_view_with_the_inspector_open() {
    let screen = mount_screen(1280, 800, "").await;
    let root = &screen.root;
    click(root, "button.stage-button[data-stage='3']").await;
    click(root, "button[data-action='send']").await;
    click_svg(root, "g.node[data-id='lb-01']").await;
    assert_eq!(count(root, "section.inspector"), 1);
    assert_eq!(count(root, "button[data-control='take-down']"), 1);
    let (_, list_top, _, _) = screen.rect(".event-scroll");
    assert!(
        list_top + 120.0 <= screen.height(),
        "the event list starts at {list_top} px on an {} px screen",
        screen.height()
    );
    let (_, button_top, _, _) = screen.rect("button[data-control='take-down']");
    assert!(
        button_top < screen.height(),
        "Take down in view: {button_top}"
    );
}

/// The side panel keeps its width whichever tab is open: the canvas does not jump.
#[wasm_bindgen_test]
async fn the_canvas_keeps_its_width_on_every_tab() {
    let screen = mount_screen(1280, 800, "").await;
    let root = &screen.root;
    let mut widths = Vec::new();
    for tab in ["request", "findings", "reach", "export", "load"] {
        click(root, &format!("button[data-tab='{tab}']")).await;
        let (_, _, canvas, _) = screen.rect("section.canvas");
        let (_, _, side, _) = screen.rect(".side");
        widths.push((tab, canvas.round(), side.round()));
    }
    assert!(
        widths
            .windows(2)
            .all(|w| w[0].1 == w[1].1 && w[0].2 == w[1].2),
        "{widths:?}"
    );
}

/// At 390 px the request panel is within one screen of scrolling: its event list starts in
/// the upper half of the second screen (it started 1,472 px down before the phone layout).
#[wasm_bindgen_test]
async fn on_a_phone_the_request_panel_is_one_screen_down() {
    let screen = mount_screen(390, 844, "").await;
    let root = &screen.root;
    click(root, "button.stage-button[data-stage='3']").await;
    click(root, "button[data-action='send']").await;
    let (_, top, _, _) = screen.rect(".event-scroll");
    assert!(
        top <= 1.5 * screen.height(),
        "the event list starts at {top} px on an {} px screen",
        screen.height()
    );
}

/// Who holds the virtual IP and which load balancer is active stay readable at any zoom:
/// at least 11 px on screen, zoomed out or in.
#[wasm_bindgen_test]
async fn failover_state_is_at_least_11_px_at_any_zoom() {
    let screen = mount_screen(1280, 800, "").await;
    let root = &screen.root;
    click(root, "button.stage-button[data-stage='3']").await;
    for (tool, times) in [("zoom-out", 6), ("zoom-in", 12)] {
        for _ in 0..times {
            click(root, &format!("button[data-tool='{tool}']")).await;
        }
        for label in [".vip-holder", ".vrrp-role"] {
            let px = screen_font_px(&screen, label);
            assert!(px >= 10.9, "{label} after {tool}: {px:.1} px on screen");
        }
    }
}

/// The font size of `selector`'s text on screen: its size in the drawing's units times the
/// drawing's scale.
fn screen_font_px(screen: &Screen, selector: &str) -> f64 {
    let el = find(&screen.root, selector);
    let size = screen
        .window
        .get_computed_style(&el)
        .ok()
        .flatten()
        .and_then(|s| s.get_property_value("font-size").ok())
        .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
        .expect("a font size");
    let svg = find(&screen.root, "svg.diagram");
    let view_box: Vec<f64> = svg
        .get_attribute("viewBox")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let r = svg.get_bounding_client_rect();
    let scale = (r.width() / view_box[2]).min(r.height() / view_box[3]);
    size * scale
}

/// Pointing at a finding marks its nodes on the diagram while the list stays where it is: at
/// 1280×800, scrolled down to a finding far down the list, both the finding and the marked
/// node are on the screen (the diagram stays put; issue 15, item 9).
#[wasm_bindgen_test]
async fn a_pointed_finding_and_its_marked_node_are_both_on_screen() {
    let screen = mount_screen(1280, 800, "").await;
    let root = &screen.root;
    click(root, "button.stage-button[data-stage='1']").await;
    click(root, "button[data-tab='findings']").await;
    let finding = "li.finding[data-finding='spof:lb-01']";
    find(root, finding).scroll_into_view();
    next_frame().await;
    let init = web_sys::MouseEventInit::new();
    let enter =
        web_sys::MouseEvent::new_with_mouse_event_init_dict("mouseenter", &init).expect("event");
    find(root, finding)
        .dispatch_event(&enter)
        .expect("dispatched");
    yew::scheduler::flush().await;
    assert_eq!(count(root, "g.node.flagged[data-id='lb-01']"), 1);
    let on_screen = |selector: &str| {
        let (left, top, width, height) = screen.rect(selector);
        left >= 0.0
            && top >= 0.0
            && left + width <= screen.width()
            && top + height <= screen.height()
    };
    assert!(
        on_screen("g.node.flagged[data-id='lb-01'] > .node-box"),
        "the marked node"
    );
    assert!(
        on_screen(&format!("{finding} .finding-title")),
        "the finding"
    );
}
