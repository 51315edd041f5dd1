//! The row of buttons that loads one of the four stages.

use yew::prelude::*;

use crate::sim::presets::STAGES;

#[derive(Properties, PartialEq)]
pub struct StagePickerProps {
    /// The stage shown now, if the design is still a preset.
    pub current: Option<u8>,
    pub on_stage: Callback<u8>,
}

#[component]
pub fn StagePicker(props: &StagePickerProps) -> Html {
    let StagePickerProps { current, on_stage } = props;
    html! {
        <nav class="stage-picker" aria-label="Stages">
            { for STAGES.iter().map(|stage| {
                let n = stage.number;
                let active = *current == Some(n);
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
