//! The shown request: playback controls, the event list, the current hop's details, and
//! where the simulation simplifies.

use yew::prelude::*;

use crate::sim::trace::Trace;
use crate::ui::simplifications::SIMPLIFICATIONS;
use crate::ui::state::{Action, Playback};
use crate::web::components::event_list::EventList;
use crate::web::components::hop_details::hop_details;
use crate::web::components::player::player;

/// The panel of the shown request `trace`. A plain function (its event list is the component
/// with state), not a component.
pub fn request_panel(
    trace: Option<&Trace>,
    playback: Playback,
    dispatch: &Callback<Action>,
) -> Html {
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
            { player(playback.playing, playback.speed, trace.is_some(), dispatch) }
            <EventList trace={trace.cloned()} hop={playback.hop} dispatch={dispatch.clone()} />
            { hop_details(trace, playback.hop) }
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
