//! The panic banner in a real browser (Chromium and Firefox). A panic cannot be caught on
//! wasm32 (it aborts the call and leaves the instance panicking), so these tests call
//! `show_banner`, which is all the hook does after logging; `tests/crash.rs` panics for real.
#![cfg(target_arch = "wasm32")]

use stacksim::web::panic::{BANNER_CLASS, BANNER_ID, show_banner};
use stacksim::web::storage::AUTOSAVE_KEY;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlAnchorElement, HtmlElement};

use crate::support::*;

/// Removes any banner and the autosave a previous test left: the latest copy and this tab's
/// (the banner offers this tab's first).
fn reset() {
    while let Some(banner) = document().get_element_by_id(BANNER_ID) {
        banner.remove();
    }
    for saved in [storage(), tab_storage()] {
        saved.remove_item(AUTOSAVE_KEY).expect("remove autosave");
    }
}

fn banners() -> u32 {
    document()
        .query_selector_all(&format!(".{BANNER_CLASS}"))
        .expect("selector")
        .length()
}

fn banner() -> Element {
    document()
        .get_element_by_id(BANNER_ID)
        .expect("the banner is shown")
}

fn inside(banner: &Element, selector: &str) -> Option<Element> {
    banner.query_selector(selector).expect("selector")
}

#[wasm_bindgen_test]
fn the_banner_says_stacksim_hit_a_bug_and_shows_the_message_as_text() {
    reset();
    let message = "panicked at src/state.rs:1:1:\n<img src=x onerror=\"alert(1)\"><b>bold</b>";
    show_banner(message);

    assert_eq!(banners(), 1);
    let banner = banner();
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(banner.class_name(), BANNER_CLASS);
    let text = banner.text_content().unwrap_or_default();
    assert!(text.contains("Stacksim hit a bug"), "{text}");
    let shown = inside(&banner, ".panic-message").expect("the message");
    assert_eq!(shown.text_content().as_deref(), Some(message));
    assert!(inside(&banner, "img").is_none(), "markup stays text");
    assert!(inside(&banner, "b").is_none(), "markup stays text");
    assert_eq!(
        document().body().expect("body").first_element_child(),
        Some(banner.clone()),
        "the banner is the first thing on the page"
    );
    reset();
}

#[wasm_bindgen_test]
fn the_banner_has_a_reload_button() {
    reset();
    show_banner("boom");
    let button = inside(&banner(), "button").expect("a button");
    assert_eq!(button.text_content().as_deref(), Some("Reload"));
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    let button: HtmlElement = button.dyn_into().expect("an HTML element");
    assert!(
        button.onclick().is_some(),
        "clicking reloads (a click here would reload the test page)"
    );
    reset();
}

#[wasm_bindgen_test]
fn a_second_panic_keeps_the_first_banner_and_adds_none() {
    reset();
    show_banner("the first bug");
    show_banner("a second one, caused by the first");
    assert_eq!(banners(), 1);
    let shown = inside(&banner(), ".panic-message").expect("the message");
    assert_eq!(shown.text_content().as_deref(), Some("the first bug"));
    reset();
}

#[wasm_bindgen_test]
fn a_very_long_message_is_shortened_on_the_page() {
    reset();
    let message = "é".repeat(5000);
    show_banner(&message);
    let shown = inside(&banner(), ".panic-message")
        .expect("the message")
        .text_content()
        .unwrap_or_default();
    assert_eq!(shown.chars().count(), 2001);
    assert!(shown.ends_with('…'));
    reset();
}

#[wasm_bindgen_test]
fn without_autosaved_work_there_is_no_download_link() {
    reset();
    show_banner("boom");
    assert!(inside(&banner(), "a").is_none());
    reset();
}

#[wasm_bindgen_test]
async fn autosaved_work_is_offered_as_a_download_of_the_raw_text() {
    reset();
    // Raw and possibly corrupt: the banner offers it as it is.
    let saved = "{\"version\": 1, \"name\": \"<script>alert(1)</script>\", \"nodes\": [";
    storage()
        .set_item(AUTOSAVE_KEY, saved)
        .expect("set autosave");
    show_banner("boom");
    let link: HtmlAnchorElement = inside(&banner(), "a")
        .expect("a download link")
        .dyn_into()
        .expect("an anchor");
    assert_eq!(
        link.text_content().as_deref(),
        Some("Download the autosaved work")
    );
    assert_eq!(link.download(), "stacksim-autosave.json");
    let href = link.href();
    assert!(href.starts_with("blob:"), "{href}");

    let window = web_sys::window().expect("window");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&href))
        .await
        .expect("the blob URL loads")
        .dyn_into()
        .expect("a response");
    let body = JsFuture::from(response.text().expect("text"))
        .await
        .expect("body")
        .as_string()
        .expect("a string");
    assert_eq!(body, saved);
    reset();
}
