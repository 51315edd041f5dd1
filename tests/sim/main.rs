//! The core (`stacksim::sim`) through its public API: the engine's scenarios, the findings, the
//! file format, hostile files, the exported configurations, the domain rules and the property
//! tests. One test binary; the modules marked `#[wasm_bindgen_test(unsupported = test)]` also run
//! in Chromium and Firefox, the native-only ones (export, properties, fuzz regressions) say so.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod causes;
mod engine;
mod export;
mod findings;
mod fixtures;
mod format;
mod fuzz_regressions;
mod hostile;
mod properties;
mod rules;
