//! The domain rules (shared/reference/domain-rules.md) as named tests, one module per system.
//! Every test also runs in Chromium and Firefox through `#[wasm_bindgen_test(unsupported = test)]`.

mod balancer;
mod dns;
mod firewall;
mod health;
mod pairs;
mod replication;
mod tcp;
mod vrrp;
