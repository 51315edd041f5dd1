//! The work across reloads, files and links, in a real browser (Chromium and Firefox): the
//! autosave restores it on re-mount, a damaged autosave is reported and kept, opening a bad
//! file says why and keeps the diagram, a share link opens the design, the SVG export is a
//! standalone picture.
#![cfg(target_arch = "wasm32")]

use stacksim::sim::presets;
use stacksim::ui::document::Document;
use stacksim::web::components::file_menu::standalone_svg;
use stacksim::web::storage::{AUTOSAVE_KEY, DAMAGED_KEY};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, Event, EventInit, HtmlInputElement};

use crate::support::*;

/// A first visit: nothing stored.
async fn fresh() -> Element {
    mount().await
}

/// Lets promises and timers run (reading a file is asynchronous), then renders.
async fn settle() {
    for _ in 0..5 {
        sleep(20).await;
    }
}

fn ids(root: &Element) -> Vec<String> {
    let list = root
        .query_selector_all("g.node[data-id]")
        .expect("selector");
    let mut ids: Vec<String> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|e| e.get_attribute("data-id"))
        .collect();
    ids.sort();
    ids
}

fn preset_ids(stage: u8) -> Vec<String> {
    let mut ids: Vec<String> = presets::topology(stage)
        .expect("stage")
        .nodes
        .into_iter()
        .map(|n| n.id)
        .collect();
    ids.sort();
    ids
}

fn alert(root: &Element) -> String {
    root.query_selector("p.error[role=alert]")
        .expect("selector")
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Chooses a file with this text in the Open dialog's input, as the browser does.
async fn open_file(root: &Element, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let file = web_sys::File::new_with_str_sequence(&parts, "design.json").expect("file");
    let transfer = web_sys::DataTransfer::new().expect("data transfer");
    transfer.items().add_with_file(&file).expect("add file");
    let input: HtmlInputElement = find(root, "input[data-control=open-file]")
        .dyn_into()
        .expect("input");
    input.set_files(transfer.files().as_ref());
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("change", &init).expect("event"))
        .expect("dispatched");
    settle().await;
}

#[wasm_bindgen_test]
async fn a_reload_restores_the_autosaved_work() {
    let first = fresh().await;
    click(&first, "button[data-stage='2']").await;
    assert_eq!(ids(&first), preset_ids(2));
    settle().await;
    let saved = storage()
        .get_item(AUTOSAVE_KEY)
        .expect("get")
        .expect("autosaved");
    assert!(
        stacksim::ui::document::Document::from_json(&saved).is_ok(),
        "{saved}"
    );
    let second = reload().await;
    assert_eq!(ids(&second), preset_ids(2));
    // New empties the canvas, and that is autosaved too.
    click(&second, "button[data-control=new]").await;
    assert!(ids(&second).is_empty());
    settle().await;
    let third = reload().await;
    assert!(ids(&third).is_empty());
}

#[wasm_bindgen_test]
async fn a_damaged_autosave_is_reported_kept_and_stage_0_opens() {
    // A new tab (no copy of its own) over a damaged latest autosave.
    storage().clear().expect("clear");
    tab_storage().clear().expect("clear");
    let raw = "{\"stacksim\": 1, \"topology\": {\"version\": 1, \"name\": <b>";
    storage().set_item(AUTOSAVE_KEY, raw).expect("set");
    let root = reload_at("").await;
    assert_eq!(ids(&root), preset_ids(0));
    let banner = find(&root, "[data-control=recovery]")
        .text_content()
        .unwrap_or_default();
    assert!(banner.contains("could not be read"), "{banner}");
    assert!(
        root.query_selector("[data-control=download-damaged]")
            .expect("sel")
            .is_some()
    );
    assert_eq!(
        storage().get_item(DAMAGED_KEY).expect("get").as_deref(),
        Some(raw)
    );
    // Its text downloads; then Dismiss takes the banner away.
    let (_listener, seen) = catch_downloads();
    click(&root, "[data-control=download-damaged]").await;
    assert_eq!(
        seen.borrow()
            .iter()
            .map(|(name, _)| name.clone())
            .collect::<Vec<_>>(),
        ["stacksim-autosave-damaged.json"]
    );
    assert_eq!(count(&root, "[data-control=recovery] .error"), 0);
    click(&root, "[data-control=recovery] button:not([data-control])").await;
    assert_eq!(count(&root, "[data-control=recovery]"), 0);
}

#[wasm_bindgen_test]
async fn opening_a_bad_file_says_why_and_keeps_the_diagram() {
    let root = fresh().await;
    click(&root, "button[data-stage='3']").await;
    let before = ids(&root);
    for (text, expected) in [
        (
            "{\"stacksim\": 1, \"topology\": {\"version\": 1, \"name\": \"x\", \"nodes\": 7}}",
            "at topology.nodes",
        ),
        (
            "{\"version\": 1, \"name\": \"x\", \"nodes\": [",
            "line 1 column",
        ),
        ("{\"version\": 7}", "format version 7"),
        (
            "{\"stacksim\": 1, \"topology\": {\"version\": 1, \"name\": \"x\", \"nodes\": [], \"links\": [{\"from\": \"a\", \"to\": \"b\"}]}}",
            "names 'a', which does not exist",
        ),
    ] {
        open_file(&root, text).await;
        let message = alert(&root);
        assert!(
            message.starts_with("could not open the file"),
            "{text}: {message}"
        );
        assert!(message.contains(expected), "{text}: {message}");
        assert_eq!(ids(&root), before, "{text}");
    }
    // A good file opens, and Undo gets the previous work back.
    let stage1 = stacksim::sim::format::to_json(&presets::topology(1).expect("stage 1"));
    open_file(&root, &stage1).await;
    assert_eq!(ids(&root), preset_ids(1));
    assert_eq!(alert(&root), "");
}

#[wasm_bindgen_test]
async fn a_share_link_opens_its_design_and_markup_stays_text() {
    let mut topology = presets::topology(3).expect("stage 3");
    topology.name = "<img src=x onerror=alert(1)>".to_owned();
    let document = Document {
        topology,
        positions: Default::default(),
        view: None,
    };
    storage().clear().expect("clear");
    let root = reload_at(&format!("#{}", document.to_fragment())).await;
    assert_eq!(ids(&root), preset_ids(3));
    assert!(root.query_selector("img").expect("selector").is_none());
    let label = find(&root, "svg.diagram")
        .get_attribute("aria-label")
        .unwrap_or_default();
    assert!(label.contains("<img src=x"), "{label}");
    // The link was read once: the address no longer holds it, the autosave does.
    assert_eq!(window().location().hash().expect("hash"), "");
    settle().await;
    let again = reload().await;
    assert_eq!(ids(&again), preset_ids(3));
    // A damaged link says so and keeps the work.
    let broken = reload_at("#design=AAAA").await;
    assert_eq!(ids(&broken), preset_ids(3));
    assert!(
        alert(&broken).starts_with("the share link could not be opened"),
        "{}",
        alert(&broken)
    );
}

#[wasm_bindgen_test]
async fn the_share_button_gives_a_link_that_round_trips() {
    let root = fresh().await;
    click(&root, "button[data-stage='1']").await;
    let hash = window().location().hash().expect("hash");
    click(&root, "button[data-control=share]").await;
    settle().await;
    // The link is shown (and copied, where the browser allows the clipboard).
    let status = find(&root, ".file-status")
        .text_content()
        .unwrap_or_default();
    assert!(
        status.starts_with("Link copied") || status.starts_with("Copy the link by hand"),
        "{status}"
    );
    let url = find(&root, "input[data-control=share-url]")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("input")
        .value();
    let (_, fragment) = url.split_once('#').expect("a fragment");
    let opened = Document::from_fragment(fragment)
        .expect("a design link")
        .expect("readable");
    assert_eq!(Some(opened.topology), presets::topology(1));
    // The address bar is left alone.
    assert_eq!(window().location().hash().expect("hash"), hash);
}

#[wasm_bindgen_test]
async fn the_svg_export_is_a_standalone_picture_of_the_whole_drawing() {
    let root = fresh().await;
    click(&root, "button[data-stage='3']").await;
    // A stylesheet of the page, as the app's own is.
    let style = document().create_element("style").expect("style");
    style.set_text_content(Some(".node-box { stroke-width: 3.25px; }"));
    document()
        .head()
        .expect("head")
        .append_child(&style)
        .expect("append");
    let svg = standalone_svg(&root, 900.0, 700.0).expect("svg");
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("viewBox=\"0 0 900 700\""));
    assert!(
        svg.contains("stroke-width: 3.25px"),
        "the page's styles are inlined"
    );
    assert!(svg.contains("data-id=\"lb-01\""));
    // It parses as an SVG document on its own.
    let parser = web_sys::DomParser::new().expect("parser");
    let parsed = parser
        .parse_from_string(&svg, web_sys::SupportedType::ImageSvgXml)
        .expect("parsed");
    assert!(parsed.query_selector("parsererror").expect("sel").is_none());
}

#[wasm_bindgen_test]
async fn save_svg_and_png_download_files_named_after_the_design() {
    let root = fresh().await;
    click(&root, "button[data-stage='3']").await;
    let (_listener, seen) = catch_downloads();
    click(&root, "button[data-control=save]").await;
    click(&root, "button[data-control=export-svg]").await;
    click(&root, "button[data-control=export-png]").await;
    // The PNG is drawn once the SVG picture has loaded.
    for _ in 0..50 {
        if seen.borrow().len() == 3 {
            break;
        }
        sleep(20).await;
    }
    let names: Vec<String> = seen.borrow().iter().map(|(name, _)| name.clone()).collect();
    assert_eq!(
        names,
        [
            "scaled-and-split.stacksim.json",
            "scaled-and-split.svg",
            "scaled-and-split.png"
        ]
    );
    assert!(
        seen.borrow()
            .iter()
            .all(|(_, href)| href.starts_with("blob:"))
    );
    assert_eq!(alert(&root), "");
}

#[wasm_bindgen_test]
async fn a_reload_restores_the_zoom_too() {
    let root = fresh().await;
    click(&root, "button[data-stage='2']").await;
    click(&root, "button[data-tool='zoom-in']").await;
    let zoom = find(&root, ".zoom-level")
        .text_content()
        .unwrap_or_default();
    let view_box = find(&root, "svg.diagram").get_attribute("viewBox");
    settle().await;
    let again = reload().await;
    settle().await;
    assert_eq!(
        find(&again, ".zoom-level")
            .text_content()
            .unwrap_or_default(),
        zoom
    );
    assert_eq!(
        find(&again, "svg.diagram").get_attribute("viewBox"),
        view_box
    );
}
