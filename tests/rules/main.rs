//! The domain rules (shared/reference/domain-rules.md) as named tests, one module per system.
//! One test binary, after matklad's advice; every test also runs in Chromium and Firefox through
//! `#[wasm_bindgen_test(unsupported = test)]`.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod balancer;
mod dns;
mod firewall;
mod health;
mod pairs;
mod replication;
mod tcp;
mod vrrp;
