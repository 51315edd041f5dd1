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
    let state = use_reducer_eq(|| {
        let mut state = AppState::default();
        if let Some(n) = stage_from_hash() {
            state.apply(Action::SelectStage(n));
        }
        state
    });
    let on_stage = {
        let state = state.clone();
        Callback::from(move |n: u8| {
            state.dispatch(Action::SelectStage(n));
            set_hash(&format!("stage={n}"));
        })
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

/// `#stage=2` in the address opens that stage.
fn stage_from_hash() -> Option<u8> {
    let hash = web_sys::window()?.location().hash().ok()?;
    crate::state::parse_stage_fragment(&hash)
}

fn set_hash(fragment: &str) {
    if let Some(window) = web_sys::window() {
        // Failing to update the address bar loses nothing; the page keeps working.
        let _ = window.location().set_hash(fragment);
    }
}
