//! The last resort when a bug panics. A panic kills the wasm instance (release builds abort,
//! and wasm32 has no unwinding), so the Yew app is dead: the hook logs the message to the
//! console and shows a banner built with plain DOM calls, offering a reload (the work is
//! autosaved in `localStorage`) and a download of the autosaved design.
//!
//! Nothing here may panic itself: a panic inside the hook would abort before the user sees
//! anything, so every DOM call that can fail is checked and skipped.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use web_sys::{Document, Element, HtmlAnchorElement, HtmlElement};

/// The banner's id; there is never more than one banner.
pub const BANNER_ID: &str = "stacksim-panic";
/// The banner's class, styled in `static/style.css`.
pub const BANNER_CLASS: &str = "panic-banner";
/// The longest panic message shown, in characters (the console gets all of it).
const MAX_MESSAGE_CHARS: usize = 2000;

/// Installs the panic hook: log to the console, then [`show_banner`]. Called first thing in
/// `main`, before the app mounts. Through Yew: its renderer replaces any hook set with
/// `std::panic::set_hook` by its own, which only logs, unless the hook is set this way.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        log(&message);
        show_banner(&message);
    }));
}

/// `console.error` with the message and, where the browser gives one, the JavaScript stack.
fn log(message: &str) {
    let error = js_sys::Error::new(message);
    let stack = js_sys::Reflect::get(&error, &JsValue::from_str("stack"))
        .ok()
        .and_then(|stack| stack.as_string());
    match stack {
        Some(stack) => web_sys::console::error_2(&JsValue::from_str(message), &stack.into()),
        None => web_sys::console::error_1(&JsValue::from_str(message)),
    }
}

/// Puts the "Stacksim hit a bug" banner at the top of the page: the message as text (markup in
/// it stays text), a Reload button and, if there is autosaved work, a link that downloads it.
/// A second call leaves the first banner (the first panic is the cause) and adds nothing.
pub fn show_banner(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    if document.get_element_by_id(BANNER_ID).is_some() {
        return;
    }
    let Some(body) = document.body() else {
        return;
    };
    let Some(banner) = build_banner(&document, message) else {
        return;
    };
    // Failing to insert leaves nothing more to try; the console already has the message.
    let _ = body.prepend_with_node_1(&banner);
}

fn build_banner(document: &Document, message: &str) -> Option<Element> {
    let banner = element(document, "div", BANNER_CLASS)?;
    banner.set_id(BANNER_ID);
    banner.set_attribute("role", "alert").ok()?;

    let title = element(document, "strong", "panic-title")?;
    title.set_text_content(Some("Stacksim hit a bug and stopped."));
    banner.append_child(&title).ok()?;

    let hint = element(document, "p", "panic-hint")?;
    hint.set_text_content(Some(
        "Your work is autosaved in this browser: reload the page to continue from it.",
    ));
    banner.append_child(&hint).ok()?;

    let text = element(document, "pre", "panic-message")?;
    text.set_text_content(Some(&shorten(message)));
    banner.append_child(&text).ok()?;

    let reload = reload_button(document)?;
    banner.append_child(&reload).ok()?;

    if let Some(link) = download_link(document) {
        banner.append_child(&link).ok()?;
    }
    Some(banner)
}

fn element(document: &Document, tag: &str, class: &str) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    element.set_class_name(class);
    Some(element)
}

fn shorten(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

fn reload_button(document: &Document) -> Option<Element> {
    let button = element(document, "button", "panic-reload")?;
    button.set_attribute("type", "button").ok()?;
    button.set_text_content(Some("Reload"));
    let reload = Closure::<dyn FnMut()>::new(|| {
        if let Some(window) = web_sys::window() {
            // A failed reload leaves the banner up; the user can still reload by hand.
            let _ = window.location().reload();
        }
    });
    button
        .dyn_ref::<HtmlElement>()?
        .set_onclick(Some(reload.as_ref().unchecked_ref()));
    // The page lives until it reloads; the handler must live as long.
    reload.forget();
    Some(button)
}

/// The autosaved work as raw text, whatever it contains (it may be the cause of the bug):
/// this tab's own copy, else the latest of any tab.
fn autosave() -> Option<String> {
    crate::web::storage::read_tab()
        .or_else(crate::web::storage::read_latest)
        .filter(|text| !text.is_empty())
}

fn download_link(document: &Document) -> Option<Element> {
    let text = autosave()?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link = element(document, "a", "panic-download")?;
    let anchor = link.dyn_ref::<HtmlAnchorElement>()?;
    anchor.set_href(&url);
    anchor.set_download("stacksim-autosave.json");
    link.set_text_content(Some("Download the autosaved work"));
    Some(link)
}
