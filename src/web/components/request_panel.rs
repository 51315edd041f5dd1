//! The shown request: playback controls, the event list, the current hop's details, and
//! where the simulation simplifies.

use yew::prelude::*;

use crate::sim::trace::Trace;
use crate::ui::simplifications::SIMPLIFICATIONS;
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
                    { for SIMPLIFICATIONS.iter().map(|s| html! {
                        <li><strong>{ s.title }</strong>{ ": " }{ s.text }</li>
                    }) }
                </ul>
            </details>
            <p class="keys">{ "Keys: Space play/pause · ← → step" }</p>
        </section>
    }
}
