//! The root component: one reducer, the layout of the page, and the callbacks.

use yew::prelude::*;

use crate::components::diagram::Diagram;
use crate::components::legend::Legend;
use crate::components::stage_panel::StagePanel;
use crate::components::stage_picker::StagePicker;
use crate::state::{Action, AppState};

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer_eq(AppState::default);
    let on_stage = {
        let state = state.clone();
        Callback::from(move |n: u8| state.dispatch(Action::SelectStage(n)))
    };
    html! {
        <div class="app">
            <header class="topbar">
                <h1 class="brand">{ "Stacksim" }</h1>
                <StagePicker current={state.stage} {on_stage} />
            </header>
            if let Some(error) = &state.error {
                <p class="error" role="alert">{ error }</p>
            }
            <main class="workspace">
                <section class="canvas" aria-label="Diagram">
                    <Diagram topology={state.topology.clone()} layout={state.layout.clone()} />
                    <Legend />
                </section>
                <StagePanel stage={state.stage} title={state.topology.name.clone()} />
            </main>
        </div>
    }
}
