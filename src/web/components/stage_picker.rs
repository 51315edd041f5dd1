//! The row of buttons that loads one of the four stages.

use yew::prelude::*;

use crate::sim::presets::STAGES;

/// The buttons; `current` is the stage shown now, if the design is still a preset. A plain
/// function (no state), not a component.
pub fn stage_picker(current: Option<u8>, on_stage: &Callback<u8>) -> Html {
    html! {
        <nav class="stage-picker" aria-label="Stages">
            { for STAGES.iter().map(|stage| {
                let n = stage.number;
                let active = current == Some(n);
                let onclick = on_stage.reform(move |_: MouseEvent| n);
                html! {
                    <button
                        type="button"
                        class={classes!("stage-button", active.then_some("active"))}
                        aria-pressed={active.to_string()}
                        data-stage={n.to_string()}
                        {onclick}
                    >
                        <span class="stage-number">{ n }</span>
                        <span class="stage-title">{ stage.title }</span>
                    </button>
                }
            }) }
        </nav>
    }
}
