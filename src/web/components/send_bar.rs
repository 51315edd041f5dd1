//! The request controls above the diagram: what to send, over which protocol, the Send
//! button, the Wait buttons and the simulated clock.

use yew::prelude::*;

use crate::sim::number::fixed;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::trace::{RequestKind, RequestSpec};
use crate::ui::state::{Action, WorldAction};

const KINDS: [(RequestKind, &str, &str, &str); 3] = [
    (
        RequestKind::Static,
        "static",
        "Static page",
        "GET /static/logo.png: a file Nginx serves from disk",
    ),
    (
        RequestKind::Read,
        "read",
        "Dynamic read",
        "GET /products/42: a page the application builds from a database read",
    ),
    (
        RequestKind::Write,
        "write",
        "Write (POST)",
        "POST /products/42: a database write on the primary",
    ),
];

const WAITS: [u64; 2] = [1, 10];

/// The clock as the page shows it, e.g. `t = 12.345 s`.
pub fn clock_text(clock: SimTime) -> String {
    format!("t = {} s", fixed(clock.as_micros() as f64 / 1_000_000.0, 3))
}

/// The bar; `request` is what the Send button sends, `clock` the simulated time. A plain
/// function (no state), not a component.
pub fn send_bar(request: RequestSpec, clock: SimTime, dispatch: &Callback<Action>) -> Html {
    let send = { dispatch.reform(move |_: MouseEvent| Action::World(WorldAction::Send(request))) };
    let toggle = |https: bool, label: &'static str| {
        let pressed = request.https == https;
        html! {
            <button type="button" class={classes!("seg", pressed.then_some("active"))}
                aria-pressed={pressed.to_string()} data-proto={label.to_ascii_lowercase()}
                onclick={dispatch.reform(move |_: MouseEvent| Action::World(WorldAction::SetHttps(https)))}>
                { label }
            </button>
        }
    };
    html! {
        <div class="send-bar" role="toolbar" aria-label="Send a request">
            <div class="segmented" role="group" aria-label="Request kind">
                { for KINDS.iter().map(|&(kind, key, label, title)| {
                    let pressed = request.kind == kind;
                    html! {
                        <button type="button" class={classes!("seg", pressed.then_some("active"))}
                            aria-pressed={pressed.to_string()} data-kind={key} {title}
                            onclick={dispatch.reform(move |_: MouseEvent| Action::World(WorldAction::SetRequestKind(kind)))}>
                            { label }
                        </button>
                    }
                }) }
            </div>
            <div class="segmented" role="group" aria-label="Protocol">
                { toggle(false, "HTTP") }
                { toggle(true, "HTTPS") }
            </div>
            <button type="button" class="primary" data-action="send" data-space-plays="" onclick={send}
                title="Send one request now (or click the browser on the diagram)">
                { "Send request" }
            </button>
            <div class="time-controls">
            <div class="wait" role="group" aria-label="Let time pass">
                { for WAITS.iter().map(|&s| html! {
                    <button type="button" class="seg" data-wait={s.to_string()}
                        title="Let simulated time pass: health checks, VRRP adverts and replication go on"
                        onclick={dispatch.reform(move |_: MouseEvent| Action::World(WorldAction::Wait(SimDuration::from_secs(s))))}>
                        { format!("Wait {s} s") }
                    </button>
                }) }
            </div>
            <span class="clock" title="Simulated time since the stage was opened">{ clock_text(clock) }</span>
            </div>
        </div>
    }
}
