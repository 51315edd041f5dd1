//! What the browser tests share: mounting the app, finding and reading elements, clicking,
//! typing into fields and waiting for the browser. Each test file uses part of it.
#![allow(dead_code)]

use stacksim::app::App;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventInit, HtmlElement, MouseEvent, MouseEventInit};

pub fn window() -> web_sys::Window {
    web_sys::window().expect("window")
}

pub fn document() -> web_sys::Document {
    window().document().expect("document")
}

pub fn storage() -> web_sys::Storage {
    window()
        .local_storage()
        .expect("storage allowed")
        .expect("storage")
}

/// A new element at the end of the page's body, to mount into.
pub fn new_root() -> Element {
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    root
}

/// Mounts a fresh app (without earlier tests' autosaved work) and waits for the first render.
pub async fn mount() -> Element {
    mount_at("").await
}

/// Mounts a fresh app with the page's address fragment set to `hash` first.
pub async fn mount_at(hash: &str) -> Element {
    storage().clear().expect("clear storage");
    reload_at(hash).await
}

/// Mounts an app with this fragment, keeping whatever `localStorage` holds (a reload).
pub async fn reload_at(hash: &str) -> Element {
    window().location().set_hash(hash).expect("set hash");
    let root = new_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

pub fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

pub fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector)
        .expect("valid selector")
        .length()
}

pub fn text(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

pub fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.text_content())
        .collect()
}

pub fn number_attr(root: &Element, selector: &str, name: &str) -> f64 {
    find(root, selector)
        .get_attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{selector} has a numeric {name}"))
}

/// Clicks an HTML element (a button, a table row) like a person would.
pub async fn click(root: &Element, selector: &str) {
    find(root, selector)
        .dyn_into::<HtmlElement>()
        .expect("an HTML element")
        .click();
    yew::scheduler::flush().await;
}

/// Clicks an SVG element (SVG has no `click()`): a bubbling mouse event.
pub async fn click_svg(root: &Element, selector: &str) {
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = MouseEvent::new_with_mouse_event_init_dict("click", &init).expect("event");
    find(root, selector)
        .dispatch_event(&event)
        .expect("dispatched");
    yew::scheduler::flush().await;
}

pub async fn pick_stage(root: &Element, n: u8) {
    click(root, &format!("button[data-stage='{n}']")).await;
}

/// Types `value` into the field or picks it in the select `selector` names, then fires `change`.
pub async fn set_field(root: &Element, selector: &str, value: &str) {
    let element = find(root, selector);
    if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.set_value(value);
    } else {
        panic!("{selector} is not a field");
    }
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("change", &init).expect("event");
    element.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

/// Waits for the browser's next animation frame.
pub async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window().request_animation_frame(&resolve).expect("frame");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("frame resolves");
    yew::scheduler::flush().await;
}

/// Waits `ms` milliseconds of real time (a timer), then renders.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("timer");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer fired");
    yew::scheduler::flush().await;
}

/// Presses `key` (with Ctrl and Shift as asked) on the page's body, as a shortcut.
pub async fn key(key: &str, ctrl: bool, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_ctrl_key(ctrl);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    document()
        .body()
        .expect("body")
        .dispatch_event(&event)
        .expect("dispatched");
    yew::scheduler::flush().await;
}

/// `(download, href)` of every file the page saved.
pub type Downloads = std::rc::Rc<std::cell::RefCell<Vec<(String, String)>>>;

/// Stops every `<a download>` click on the page (so tests save nothing) and records
/// `(download, href)` of each.
pub fn catch_downloads() -> (gloo_events::EventListener, Downloads) {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let options = gloo_events::EventListenerOptions {
        phase: gloo_events::EventListenerPhase::Capture,
        passive: false,
    };
    let listener = {
        let seen = seen.clone();
        gloo_events::EventListener::new_with_options(&document(), "click", options, move |event| {
            let link = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok());
            if let Some(link) = link.filter(|l| !l.download().is_empty()) {
                event.prevent_default();
                seen.borrow_mut().push((link.download(), link.href()));
            }
        })
    };
    (listener, seen)
}
