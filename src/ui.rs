//! The pure UI model: everything the page shows, as values, and every change to it as a plain
//! function. It asks the core ([`crate::sim`]) for every rule and never names yew, web-sys or any
//! other browser crate (a tidy test checks), so it is tested natively.
//!
//! - [`state`] is the one reducer ([`state::AppState::apply`]), split by concern; [`session`] is
//!   what a tab keeps across reloads; [`document`] is the design file with its drawing;
//!   [`address`] reads and writes the address fragment, [`keys`] is the keyboard map;
//! - [`edit`] changes a design, [`fields`] checks typed values, [`layout`] and [`viewport`] are
//!   the drawing's geometry, [`gesture`] turns pointer events on the canvas into changes;
//! - [`playback`] replays the log of timed inputs through the engine, [`flight`] is where the
//!   request dot goes;
//! - [`load_run`] checks, runs and summarizes a load run, [`charts`] turns its series into
//!   SVG paths;
//! - [`story`] tells the four stages as one story, [`highlight`] colours the exported files and
//!   [`archive`] zips them.

pub mod address;
pub mod archive;
pub mod charts;
pub mod compare;
pub mod document;
pub mod edit;
pub mod fields;
pub mod flight;
pub mod gesture;
pub mod highlight;
pub mod keys;
pub mod layout;
pub mod load_run;
pub mod playback;
pub mod session;
pub mod simplifications;
pub mod state;
pub mod story;
pub mod viewport;
