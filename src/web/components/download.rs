//! The browser's side of Copy and Download: the clipboard, and a Blob saved through a
//! temporary `<a download>`. Every failure comes back as a sentence for the page; nothing here
//! panics.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlElement, Url};
use yew::Callback;

/// Writes `text` to the clipboard; `done` gets `Ok` or why not (no clipboard outside HTTPS
/// and localhost, or the browser refused).
pub fn copy_text(text: String, done: Callback<Result<(), String>>) {
    let Some(window) = web_sys::window() else {
        done.emit(Err("there is no window".to_owned()));
        return;
    };
    let navigator = window.navigator();
    // `navigator.clipboard` is undefined outside secure contexts: check before calling it.
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .and_then(|c| c.dyn_into::<web_sys::Clipboard>().ok());
    let Some(clipboard) = clipboard else {
        done.emit(Err(
            "this page cannot use the clipboard (it needs HTTPS or localhost)".to_owned(),
        ));
        return;
    };
    let promise = clipboard.write_text(&text);
    yew::platform::spawn_local(async move {
        match JsFuture::from(promise).await {
            Ok(_) => done.emit(Ok(())),
            Err(_) => done.emit(Err("the browser did not allow copying".to_owned())),
        }
    });
}

/// Selects the text of `element`, so the user can copy it by hand.
pub fn select_contents(node: &web_sys::Node) {
    let selection = web_sys::window().and_then(|w| w.get_selection().ok().flatten());
    if let Some(selection) = selection {
        // Failing to select loses nothing: the text is still there to select by hand.
        let _ = selection.select_all_children(node);
    }
}

/// Saves `bytes` as a file called `name` of type `mime`, through an object URL and a
/// temporary link.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let fail = |what: &str| format!("could not save {name}: {what}");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("no document"))?;
    let body = document.body().ok_or_else(|| fail("no page body"))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| fail("the browser refused to build the file"))?;
    let url = Url::create_object_url_with_blob(&blob)
        .map_err(|_| fail("the browser refused an object URL"))?;
    let link = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok())
        .ok_or_else(|| fail("no link element"))?;
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    let appended = body.append_child(&link).is_ok();
    link.unchecked_ref::<HtmlElement>().click();
    if appended {
        let _ = body.remove_child(&link);
    }
    // Firefox needs the URL a moment after the click; release it later.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}
