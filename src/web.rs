//! The browser shell: the Yew root ([`app::App`]) and the small components that draw the UI
//! model ([`crate::ui`]) as HTML and SVG and turn DOM events into actions; [`storage`] is the
//! browser's localStorage and sessionStorage; [`panic`] shows a banner instead of a dead page.
//! Nothing here decides a rule: it asks the UI model or the core.

pub mod app;
pub mod components;
pub mod panic;
pub mod storage;
