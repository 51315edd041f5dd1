//! The shown request: playback controls, the event list, the current hop's details, and
//! where the simulation simplifies.

use yew::prelude::*;

use crate::sim::trace::Trace;
use crate::ui::state::{Action, Playback};
use crate::web::components::event_list::EventList;
use crate::web::components::hop_details::HopDetails;
use crate::web::components::player::Player;

#[derive(Properties, PartialEq)]
pub struct RequestPanelProps {
    pub trace: Option<Trace>,
    pub playback: Playback,
    pub dispatch: Callback<Action>,
}

/// What the simulation simplifies, as listed under "Simplifications" in ARCHITECTURE.md.
const SIMPLIFICATIONS: [&str; 7] = [
    "Each request opens its own connection: it always pays the TCP and TLS handshakes.",
    "Service times are fixed per request; network delays are fixed (LAN 0.25 ms, internet 10 ms one way).",
    "The response comes back along the request's path with network delay only.",
    "A crashed host does not answer: the browser resends its SYN after 1, 2, 4 … s and gives up after 90 s; a stopped service refuses at once (TCP reset).",
    "Health checks are TCP connects; the VIP moves when the backup becomes VRRP MASTER (gratuitous ARP and keepalived's own start-up are not modelled).",
    "VRRP adverts go out at whole seconds from the start, so a crash at a whole second gets the longest gap (3.6 s): a request sent right then is served after its 7 s SYN resend; real crashes fall anywhere between adverts (gaps of 2.6–3.6 s).",
    "Replication lag is fixed per replica.",
];

#[component]
pub fn RequestPanel(props: &RequestPanelProps) -> Html {
    let RequestPanelProps {
        trace,
        playback,
        dispatch,
    } = props;
    let title = match trace {
        Some(t) => format!(
            "Request #{} · {} {}",
            playback.trace.map_or(0, |i| i + 1),
            t.spec.kind.method(),
            if t.spec.https { "HTTPS" } else { "HTTP" }
        ),
        None => "Requests".to_owned(),
    };
    html! {
        <section class="panel request-panel" aria-label="Request events">
            <h2>{ title }</h2>
            <Player playing={playback.playing} speed={playback.speed}
                enabled={trace.is_some()} dispatch={dispatch.clone()} />
            <EventList trace={trace.clone()} hop={playback.hop} dispatch={dispatch.clone()} />
            <HopDetails trace={trace.clone()} hop={playback.hop} />
            <details class="simplified">
                <summary>{ "Times are simulated, not measured: see what is simplified" }</summary>
                <ul>
                    { for SIMPLIFICATIONS.iter().map(|s| html! { <li>{ *s }</li> }) }
                </ul>
                <p>{ "The full list is under “Simplifications” in ARCHITECTURE.md." }</p>
            </details>
            <p class="keys">{ "Keys: Space play/pause · ← → step" }</p>
        </section>
    }
}
