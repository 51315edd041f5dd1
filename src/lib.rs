//! Stacksim: design web infrastructure and watch it run, in the browser.
//!
//! - [`sim`] is the pure simulation core (no browser, no clock);
//! - [`layout`] places a design on the drawing, as pure geometry;
//! - [`state`] is the UI's single reducer;
//! - [`playback`] replays the log of timed inputs through the core; [`flight`] is where the
//!   request dot goes (both UI-side and pure);
//! - [`story`] tells the four stages as one story, [`highlight`] colours the exported files and
//!   [`archive`] zips them (UI-side and pure too);
//! - [`load_run`] checks, runs and summarizes a load run, [`charts`] turns its series into SVG
//!   paths (UI-side and pure);
//! - [`app`] and [`components`] are the Yew shell that draws state and dispatches actions;
//! - [`cli`] is the native command line (`stacksim simulate`).

pub mod app;
pub mod archive;
pub mod charts;
pub mod cli;
pub mod components;
pub mod document;
pub mod edit;
pub mod fields;
pub mod flight;
pub mod highlight;
pub mod layout;
pub mod load_run;
pub mod panic;
pub mod playback;
pub mod session;
pub mod sim;
pub mod state;
pub mod storage;
pub mod story;
pub mod viewport;
