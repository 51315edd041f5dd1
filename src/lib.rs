//! Stacksim: design web infrastructure and watch it run, in the browser.
//!
//! Three layers, each knowing only the ones before it:
//!
//! - [`sim`] is the pure simulation core, its own crate (`stacksim-core`, directory `core/`):
//!   the design model, the rules of the real systems and the discrete-event engine. No browser,
//!   no clock, no global state.
//! - [`ui`] is the pure UI model: what the page shows, as plain data and plain functions (the
//!   reducer, editing, layout, the viewport, playback, the load run, charts). It asks the core and
//!   never names a browser crate, so all of it is tested natively.
//! - [`web`] is the browser shell: the Yew app and components that draw the UI model and turn
//!   DOM events into actions, plus the browser's storage and panic banner.
//!
//! [`cli`] is the native command line (`stacksim simulate`), built on the core alone.

pub use stacksim_core as sim;

pub mod cli;
pub mod ui;
pub mod web;
