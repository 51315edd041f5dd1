//! A real panic in the running app shows the "Stacksim hit a bug" banner (Chromium and
//! Firefox). The panic hook is installed and the app rendered exactly as `main` does, then
//! code called from a browser event panics. A panic aborts the wasm call it happens in and
//! leaves the instance marked as panicking, so this is a binary of its own: no other test
//! shares the instance after it.
#![cfg(target_arch = "wasm32")]

use stacksim::web::panic::{BANNER_ID, install};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

#[function_component]
fn Page() -> Html {
    html! { <p>{ "running" }</p> }
}

#[wasm_bindgen_test]
fn a_panic_after_the_app_started_shows_the_banner() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("div").expect("a root");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("mounted");

    // As `main` does: the hook first, then the app (Yew's renderer sets a panic hook of its
    // own unless told about ours).
    install();
    yew::Renderer::<Page>::with_root(root).render();

    // A bug in an event handler: the browser calls into the wasm, which panics.
    let handler = Closure::<dyn Fn()>::new(|| panic!("a bug in a click handler"));
    let call = handler
        .as_ref()
        .unchecked_ref::<js_sys::Function>()
        .call0(&wasm_bindgen::JsValue::NULL);
    assert!(call.is_err(), "the panic aborts the handler");

    let banner = document
        .get_element_by_id(BANNER_ID)
        .expect("the banner is shown after a real panic");
    let text = banner.text_content().unwrap_or_default();
    assert!(text.contains("Stacksim hit a bug"), "{text}");
    assert!(text.contains("a bug in a click handler"), "{text}");
}
