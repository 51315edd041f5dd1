//! The root component: one reducer, the layout of the page, the callbacks, and the keyboard
//! shortcuts.

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::components::balancer_panel::BalancerPanel;
use crate::components::diagram::Diagram;
use crate::components::export_panel::ExportPanel;
use crate::components::findings_panel::FindingsPanel;
use crate::components::inspector::Inspector;
use crate::components::legend::Legend;
use crate::components::load_panel::LoadPanel;
use crate::components::reach_matrix::ReachMatrix;
use crate::components::request_dot::RequestDot;
use crate::components::request_history::RequestHistory;
use crate::components::request_panel::RequestPanel;
use crate::components::send_bar::SendBar;
use crate::components::side_tabs::{self, SideTabs};
use crate::components::stage_diff::StageDiff;
use crate::components::stage_panel::StagePanel;
use crate::components::stage_picker::StagePicker;
use crate::flight;
use crate::sim::findings::Severity;
use crate::state::{Action, AppState, Fragment, Tab, key_action, parse_fragment};

/// The whole page.
///
/// The address fragment opens a stage and may send a request at once:
/// `#stage=3&send=https-read`, optionally `&hop=12` to play it from its 12th hop (see
/// [`parse_fragment`]).
#[component]
pub fn App() -> Html {
    let state = use_reducer_eq(|| {
        let mut state = AppState::default();
        for action in fragment_from_hash().actions() {
            state.apply(action);
        }
        state
    });
    let dispatch: Rc<Callback<Action>> = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| dispatcher.to_callback())
    };
    use_keyboard_shortcuts((*dispatch).clone());
    let on_stage = {
        let dispatch = dispatch.clone();
        Callback::from(move |n: u8| {
            dispatch.emit(Action::SelectStage(n));
            set_hash(&format!("stage={n}"));
        })
    };
    let trace = state.shown_trace().cloned();
    let legs = use_memo(
        (state.topology.clone(), state.layout.clone(), trace.clone()),
        |(topology, layout, trace)| {
            trace
                .as_ref()
                .map(|t| flight::legs(topology, layout, t))
                .unwrap_or_default()
        },
    );
    let playback = state.playback;
    let dot = playback
        .trace
        .zip(playback.hop)
        .and_then(|(t, h)| Some(((t, h), legs.get(h)?.clone())))
        .map(|(cursor, leg)| {
            let on_done = dispatch.reform(|(trace, hop)| Action::Advance { trace, hop });
            html! {
                <RequestDot {leg} {cursor} playing={playback.playing}
                    speed={playback.speed.factor()} {on_done} />
            }
        });
    let on_select = dispatch.reform(Action::Select);
    let hosts = use_memo(state.topology.clone(), crate::load_run::host_ids);
    let view = match state.tab {
        Tab::Request => html! {
            <>
                <RequestPanel trace={trace.clone()} {playback} dispatch={(*dispatch).clone()} />
                <BalancerPanel topology={state.topology.clone()} run={state.run.clone()} />
                <RequestHistory run={state.run.clone()} shown={playback.trace}
                    dispatch={(*dispatch).clone()} />
                <StagePanel stage={state.stage} title={state.topology.name.clone()} />
            </>
        },
        Tab::Findings => html! {
            <>
                <StageDiff stage={state.stage} />
                <FindingsPanel findings={state.findings.clone()} proofs={state.proofs.clone()}
                    load_rps={state.load_rps} dispatch={(*dispatch).clone()} />
            </>
        },
        Tab::Reach => html! { <ReachMatrix topology={state.topology.clone()} /> },
        Tab::Export => html! {
            <ExportPanel topology={state.topology.clone()} selected={state.export_file.clone()}
                dispatch={(*dispatch).clone()} />
        },
        Tab::Load => html! {
            <LoadPanel hosts={hosts.clone()} result={state.load_run.clone()}
                dispatch={(*dispatch).clone()} />
        },
    };
    let errors = state
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let wide = matches!(state.tab, Tab::Reach | Tab::Export | Tab::Load);
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
                    <SendBar request={state.request} clock={state.clock} dispatch={(*dispatch).clone()} />
                    <Diagram topology={state.topology.clone()} layout={state.layout.clone()}
                        marks={Rc::new(state.marks())} {on_select}>
                        { for dot }
                    </Diagram>
                    <Legend />
                </section>
                <div class={classes!("side", wide.then_some("wide"))}>
                    if let Some(selection) = &state.selection {
                        <Inspector selection={selection.clone()} topology={state.topology.clone()}
                            run={state.run.clone()} dispatch={(*dispatch).clone()} />
                    }
                    <SideTabs current={state.tab} findings={state.findings.len()} {errors}
                        dispatch={(*dispatch).clone()} />
                    <div class="side-view" id={side_tabs::PANEL_ID} role="tabpanel"
                        aria-labelledby={format!("tab-{}", state.tab.key())}>
                        { view }
                    </div>
                </div>
            </main>
        </div>
    }
}

/// Space plays or pauses, ← and → step; ignored while typing in a field (and Space on a
/// focused button presses that button).
#[hook]
fn use_keyboard_shortcuts(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        let document = web_sys::window().and_then(|w| w.document());
        let listener = document.map(|document| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if event.ctrl_key() || event.alt_key() || event.meta_key() || typing(event) {
                    return;
                }
                if let Some(action) = key_action(&event.key()) {
                    event.prevent_default();
                    dispatch.emit(action);
                }
            })
        });
        move || drop(listener)
    });
}

/// Whether the key goes into a text field (where Space and arrows mean something else), or is
/// Space on a focused button or summary (which the browser presses, as keyboard users expect).
fn typing(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let tag = target.tag_name().to_ascii_uppercase();
    let space = matches!(event.key().as_str(), " " | "Spacebar");
    matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || (space && matches!(tag.as_str(), "BUTTON" | "SUMMARY" | "A"))
        || target.is_content_editable()
}

/// What the address fragment asks for (`#stage=2&send=https-read`).
fn fragment_from_hash() -> Fragment {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|hash| parse_fragment(&hash))
        .unwrap_or_default()
}

fn set_hash(fragment: &str) {
    if let Some(window) = web_sys::window() {
        // Failing to update the address bar loses nothing; the page keeps working.
        let _ = window.location().set_hash(fragment);
    }
}
