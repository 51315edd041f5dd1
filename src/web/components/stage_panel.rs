//! The side panel: what the stage is, how one request flows, and what is wrong with it.

use yew::prelude::*;

use crate::sim::presets;

/// The panel of preset `stage`, or of a design of one's own titled `title`. A plain function
/// (no state), not a component.
pub fn stage_panel(stage: Option<u8>, title: &str) -> Html {
    let Some(stage) = stage.and_then(presets::stage) else {
        return html! {
            <aside class="panel">
                <h2>{ title.to_owned() }</h2>
                <p>{ "A design of your own." }</p>
            </aside>
        };
    };
    html! {
        <aside class="panel" aria-label="About this stage">
            <h2>{ format!("Stage {}: {}", stage.number, stage.title) }</h2>
            <p class="summary">{ stage.summary }</p>
            <h3>{ "Request flow" }</h3>
            <ol class="flow">
                { for stage.flow.iter().map(|step| html! { <li>{ *step }</li> }) }
            </ol>
            <h3>{ "Issues with this design" }</h3>
            <ul class="issues">
                { for stage.issues.iter().map(|issue| html! { <li>{ *issue }</li> }) }
            </ul>
        </aside>
    }
}
