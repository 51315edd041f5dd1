//! The pure UI model (`stacksim::ui`) without a DOM: the reducer's edits, undo and redo,
//! documents and share links, and random action sequences (native only).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod editing;
mod editing_properties;
#[path = "../sim/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;
mod load_runs;
mod numbers;
