//! What the browser tests share: mounting the app, finding and reading elements, clicking,
//! typing into fields and waiting for the browser. Each test file uses part of it.
#![allow(dead_code)]

use stacksim::web::app::App;
use std::cell::RefCell;
use wasm_bindgen::JsCast;

use web_sys::{
    Element, Event, EventInit, HtmlElement, MouseEvent, MouseEventInit, PointerEvent,
    PointerEventInit,
};

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

/// This tab's `sessionStorage` (the tab's own autosave).
pub fn tab_storage() -> web_sys::Storage {
    window()
        .session_storage()
        .expect("storage allowed")
        .expect("storage")
}

/// Mounts a fresh app (without earlier tests' autosaved work) and waits for the first render.
pub async fn mount() -> Element {
    mount_at("").await
}

/// Mounts a fresh app with the page's address fragment set to `hash` first: a first visit,
/// nothing stored in this tab or any other.
pub async fn mount_at(hash: &str) -> Element {
    storage().clear().expect("clear storage");
    tab_storage().clear().expect("clear tab storage");
    reload_at(hash).await
}

thread_local! {
    /// The app mounted last: a reload unmounts it, as a real one ends the page.
    static MOUNTED: RefCell<Option<yew::AppHandle<App>>> = const { RefCell::new(None) };
}

/// Unmounts the app mounted last (its listeners and effects end with it).
pub fn unmount() {
    if let Some(app) = MOUNTED.with(|m| m.borrow_mut().take()) {
        app.destroy();
    }
}

/// Sets the page's address fragment to `hash`, and checks that the browser took it. Browsers
/// ignore (Chromium) or refuse (Firefox) address changes beyond about 200 in 10 s; the tests
/// make far more than any person, so `webdriver.json` turns that limit off. Should it ever be
/// on again, this says so instead of a later test seeing the previous test's page.
fn set_address(hash: &str) {
    window().location().set_hash(hash).expect("set hash");
    let now = window().location().hash().expect("hash");
    assert_eq!(
        now.trim_start_matches('#'),
        hash.trim_start_matches('#'),
        "the browser did not take the address: is its navigation rate limit on?"
    );
}

/// A reload of the page at this address fragment, keeping what both storages hold: the last
/// app is unmounted and a new one mounted.
pub async fn reload_at(hash: &str) -> Element {
    unmount();
    // Let the old app's last effects and timers run out.
    yew::scheduler::flush().await;
    set_address(hash);
    let root = new_root();
    let app = yew::Renderer::<App>::with_root(root.clone()).render();
    MOUNTED.with(|m| *m.borrow_mut() = Some(app));
    yew::scheduler::flush().await;
    root
}

/// A screen of `width` × `height` CSS pixels: a same-origin frame of that size holding the
/// page's real stylesheet, so its media queries see that width. The app is mounted in it
/// (first visit, nothing stored) at the address fragment `hash`.
pub struct Screen {
    pub frame: Element,
    pub root: Element,
    pub window: web_sys::Window,
}

/// A key pressed (`keydown`) on `el`, bubbling, as the keyboard sends it to the focused
/// element.
pub async fn press(el: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    el.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

/// A same-origin frame at the end of the page's body, and its window.
pub fn new_frame() -> (Element, web_sys::Window) {
    let frame = document().create_element("iframe").expect("iframe");
    document()
        .body()
        .expect("body")
        .append_child(&frame)
        .expect("append");
    let window = frame
        .dyn_ref::<web_sys::HtmlIFrameElement>()
        .and_then(|f| f.content_window())
        .expect("the frame's window");
    (frame, window)
}

pub async fn mount_screen(width: u32, height: u32, hash: &str) -> Screen {
    unmount();
    yew::scheduler::flush().await;
    storage().clear().expect("clear storage");
    tab_storage().clear().expect("clear tab storage");
    set_address(hash);
    let (frame, frame_window) = new_frame();
    frame
        .set_attribute(
            "style",
            &format!("width: {width}px; height: {height}px; border: 0; display: block"),
        )
        .expect("style");
    let doc = frame_window.document().expect("the frame's document");
    // The shipped page's Content-Security-Policy, so that what it refuses (a `style`
    // attribute, say) is refused here too. The runner does not serve the stylesheet, so the
    // frame inlines it: only `<style>` elements are let in for that, style attributes stay
    // under the page's `style-src 'self'`.
    let csp = doc.create_element("meta").expect("meta");
    csp.set_attribute("http-equiv", "Content-Security-Policy")
        .expect("http-equiv");
    csp.set_attribute(
        "content",
        &format!("{}; style-src-elem 'self' 'unsafe-inline'", page_csp()),
    )
    .expect("content");
    doc.head()
        .expect("head")
        .append_child(&csp)
        .expect("append");
    let style = doc.create_element("style").expect("style");
    style.set_text_content(Some(include_str!("../../static/style.css")));
    doc.head()
        .expect("head")
        .append_child(&style)
        .expect("append");
    let body = doc.body().expect("body");
    // The frame's body is of the frame's realm, which `dyn_ref`'s instanceof test does not
    // know: it is an HTMLBodyElement all the same.
    body.unchecked_ref::<web_sys::HtmlElement>()
        .style()
        .set_property("margin", "0")
        .expect("margin");
    let root = doc.create_element("div").expect("div");
    body.append_child(&root).expect("append");
    let app = yew::Renderer::<App>::with_root(root.clone()).render();
    MOUNTED.with(|m| *m.borrow_mut() = Some(app));
    yew::scheduler::flush().await;
    // The canvas is measured by a ResizeObserver, then fitted.
    for _ in 0..3 {
        next_frame().await;
        yew::scheduler::flush().await;
    }
    Screen {
        frame,
        root,
        window: frame_window,
    }
}

/// The Content-Security-Policy of the shipped page (`index.html`'s meta element).
pub fn page_csp() -> &'static str {
    crate::fixtures::content_security_policy(include_str!("../../index.html"))
        .expect("index.html has a Content-Security-Policy")
}

impl Screen {
    /// The rectangle of the first element matching `selector`, in the screen's pixels:
    /// (left, top, width, height).
    pub fn rect(&self, selector: &str) -> (f64, f64, f64, f64) {
        let r = find(&self.root, selector).get_bounding_client_rect();
        (r.left(), r.top(), r.width(), r.height())
    }

    /// The screen's height.
    pub fn height(&self) -> f64 {
        self.window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .expect("a height")
    }

    pub fn width(&self) -> f64 {
        self.window
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .expect("a width")
    }

    /// Scrolls the screen to its top.
    pub fn scroll_to_top(&self) {
        self.window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        unmount();
        self.frame.remove();
    }
}

/// The address fragment the page shows now (what the app wrote), with its `#`.
pub fn address() -> String {
    window().location().hash().expect("hash")
}

/// Reloads the page at the address the app itself wrote.
pub async fn reload() -> Element {
    let hash = address();
    reload_at(&hash).await
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

/// The attribute `name` of every element `selector` matches, in document order.
pub fn attributes(root: &Element, selector: &str, name: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .filter_map(|el| el.get_attribute(name))
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

/// A client point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct At {
    pub x: f64,
    pub y: f64,
}

impl At {
    pub fn plus(self, dx: f64, dy: f64) -> At {
        At {
            x: self.x + dx,
            y: self.y + dy,
        }
    }
}

pub fn center(el: &Element) -> At {
    let r = el.get_bounding_client_rect();
    At {
        x: r.left() + r.width() / 2.0,
        y: r.top() + r.height() / 2.0,
    }
}

/// The client point at fractions of the canvas's width and height.
pub fn canvas_at(root: &Element, fx: f64, fy: f64) -> At {
    let r = svg(root).get_bounding_client_rect();
    At {
        x: r.left() + r.width() * fx,
        y: r.top() + r.height() * fy,
    }
}

pub fn svg(root: &Element) -> Element {
    find(root, "svg.diagram")
}

/// The node's top-left corner from its `transform`.
pub fn corner(root: &Element, id: &str) -> (f64, f64) {
    let transform = find(root, &format!("g.node[data-id='{id}']"))
        .get_attribute("transform")
        .expect("a transform");
    let inner = transform
        .trim_start_matches("translate(")
        .trim_end_matches(')');
    let mut parts = inner
        .split_whitespace()
        .map(|n| n.parse::<f64>().expect("number"));
    (parts.next().expect("x"), parts.next().expect("y"))
}

/// Fires a pointer event of `kind` at `at` on `target` (pointer 1, a mouse, first button).
pub async fn pointer(target: &Element, kind: &str, at: At, shift: bool) {
    let init = PointerEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_pointer_id(1);
    init.set_pointer_type("mouse");
    init.set_is_primary(true);
    init.set_client_x(at.x.round() as i32);
    init.set_client_y(at.y.round() as i32);
    init.set_shift_key(shift);
    init.set_button(if kind == "pointermove" { -1 } else { 0 });
    init.set_buttons(if kind == "pointerup" { 0 } else { 1 });
    let event = PointerEvent::new_with_event_init_dict(kind, &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

/// Turns the wheel by `delta_y` pixels over `target` at `at` (a cancelable, bubbling event,
/// returned to check whether the page kept it from scrolling).
pub async fn wheel(target: &Element, at: At, delta_y: f64) -> web_sys::WheelEvent {
    let init = web_sys::WheelEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_delta_y(delta_y);
    init.set_client_x(at.x.round() as i32);
    init.set_client_y(at.y.round() as i32);
    let event = web_sys::WheelEvent::new_with_event_init_dict("wheel", &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
    event
}

/// Presses on `target` at `from`, moves in steps to `to` (events on the canvas, as a captured
/// pointer's are), and lets go there.
pub async fn drag(root: &Element, target: &Element, from: At, to: At, shift: bool) {
    let canvas = svg(root);
    pointer(target, "pointerdown", from, shift).await;
    for step in 1..=4 {
        let f = f64::from(step) / 4.0;
        let at = At {
            x: from.x + (to.x - from.x) * f,
            y: from.y + (to.y - from.y) * f,
        };
        pointer(&canvas, "pointermove", at, shift).await;
    }
    pointer(&canvas, "pointerup", to, shift).await;
}

/// Drags the node `id` by its title bar (where a user grabs it: lower down, a press lands on a
/// service's row and moves that service), `dx`, `dy` screen pixels.
pub async fn drag_node(root: &Element, id: &str, dx: f64, dy: f64) {
    let node = find(root, &format!("g.node[data-id='{id}'] > rect.node-box"));
    let r = node.get_bounding_client_rect();
    let from = At {
        x: r.left() + r.width() / 2.0,
        y: r.top() + 6.0,
    };
    drag(root, &node, from, from.plus(dx, dy), false).await;
}
