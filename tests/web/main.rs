//! The page in headless Chromium and Firefox: the app mounted for real, driven by clicks, keys,
//! pointer and wheel events, files and storage. Browser only.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "../sim/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;
mod support;

mod charts;
mod edit;
mod files;
mod inspector;
mod layout;
mod load;
mod page;
mod pairs;
mod panic;
mod simplified;
mod work;
