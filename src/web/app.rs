//! The root component: one reducer, the layout of the page, the callbacks, and the keyboard
//! shortcuts.

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::sim::findings::Severity;
use crate::ui::flight;
use crate::ui::keys::{self, Keys, shortcut};
use crate::ui::session::{self, Damaged, Saved};
use crate::ui::state::{
    Action, AppState, EditAction, LoadTestAction, PlaybackAction, Tab, WorkAction,
};
use crate::web::components::balancer_panel::balancer_panel;
use crate::web::components::diagram::Diagram;
use crate::web::components::download::download;
use crate::web::components::export_panel::ExportPanel;
use crate::web::components::file_menu::FileMenu;
use crate::web::components::findings_panel::FindingsTab;
use crate::web::components::inspector::Inspector;
use crate::web::components::legend::legend;
use crate::web::components::load_overlay::LoadOverlay;
use crate::web::components::load_panel::LoadPanel;
use crate::web::components::news_list::NewsList;
use crate::web::components::pairs_panel::pairs_panel;
use crate::web::components::reach_matrix::ReachMatrix;
use crate::web::components::request_dot::RequestDot;
use crate::web::components::request_history::request_history;
use crate::web::components::request_panel::request_panel;
use crate::web::components::send_bar::send_bar;
use crate::web::components::side_tabs::{self, side_tabs};
use crate::web::components::stage_panel::stage_panel;
use crate::web::components::stage_picker::stage_picker;
use crate::web::components::work_notices::work_notices;
use crate::web::storage::{self, StorageError};

/// The whole page.
///
/// It opens the autosaved work; an address fragment other than the one that work showed is a
/// link, opened over it undoably (see [`session::startup`]): `#stage=3&send=https-read`,
/// optionally `&hop=12` to play it from its 12th hop (see [`crate::ui::address::parse_fragment`]).
#[component]
pub fn App() -> Html {
    let startup = use_memo((), |_| {
        let startup = session::startup(
            &current_hash(),
            storage::read_tab().as_deref(),
            storage::read_latest().as_deref(),
        );
        if let Some(damaged) = &startup.damaged {
            storage::keep_damaged(&damaged.raw);
        }
        startup
    });
    let state = use_reducer_eq(|| {
        // Work ids need only differ between pages: a random nonce, from the shell.
        let nonce = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        startup.open(AppState::new(nonce))
    });
    let dispatch: Rc<Callback<Action>> = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| dispatcher.to_callback())
    };
    // The damaged autosave reported, and why downloading it failed if it did.
    let damaged = use_state(|| startup.damaged.clone().map(|found| (found, None::<String>)));
    let autosave = use_autosave(&state);
    // Why saving a copy failed while autosave is off (see `work_notices`).
    let save_failure = use_state(|| None::<String>);
    use_address(state.address(), (*dispatch).clone());
    use_other_tabs((*dispatch).clone());
    use_keyboard_shortcuts((*dispatch).clone());
    let on_stage = dispatch.reform(|n| WorkAction::SelectStage(n).into());
    let trace = state.shown_trace().cloned();
    let legs = use_memo(
        (
            state.work.topology.clone(),
            state.work.layout.clone(),
            trace.clone(),
        ),
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
            let on_done = dispatch
                .reform(|(trace, hop)| Action::Playback(PlaybackAction::Advance { trace, hop }));
            html! {
                <RequestDot {leg} {cursor} playing={playback.playing}
                    speed={playback.speed.factor()} {on_done} />
            }
        });
    let hosts = use_memo(state.work.topology.clone(), |t| {
        crate::ui::load_run::host_ids(t)
    });
    let shared_topology = state.work.topology.rc();
    // The load test on the diagram: the one being computed, else the last, on its tab.
    let load_test_shown = (state.view.tab == Tab::LoadTest)
        .then(|| {
            state
                .load_test
                .live
                .clone()
                .or_else(|| state.load_test.last.clone())
        })
        .flatten();
    // On the Load tab the diagram's labels follow the run shown, not the requests sent.
    let marks = use_memo(
        (state.shared_marks(), load_test_shown.clone()),
        |(marks, shown)| match shown.as_ref().and_then(|r| Some((r, r.last_second()?))) {
            Some((result, k)) => Rc::new(marks.during_load(result, k)),
            None => marks.clone(),
        },
    );
    let view = match state.view.tab {
        Tab::Request => html! {
            <>
                { request_panel(trace.as_ref(), playback, &dispatch) }
                <NewsList run={state.world.run.rc()} />
                { balancer_panel(&state.work.topology, &state.world.run) }
                { request_history(&state.world.run, playback.trace, &dispatch) }
                { stage_panel(state.work.stage, &state.work.topology.name) }
                { pairs_panel(&state.work.topology, state.load_test.comparison.as_deref(), &dispatch) }
            </>
        },
        Tab::Findings => html! {
            <FindingsTab stage={state.work.stage} topology={shared_topology.clone()}
                findings={state.analysis.findings.rc()} proofs={state.analysis.proofs.rc()}
                capacity_rps={state.analysis.capacity_rps} dispatch={(*dispatch).clone()}
                route_shown={state.analysis.route_shown.clone()} />
        },
        Tab::Reach => html! { <ReachMatrix topology={shared_topology.clone()} /> },
        Tab::Export => html! {
            <ExportPanel topology={shared_topology.clone()} selected={state.view.export_file.clone()}
                dispatch={(*dispatch).clone()} />
        },
        Tab::LoadTest => html! {
            <LoadPanel hosts={hosts.clone()} result={state.load_test.last.clone()}
                dispatch={(*dispatch).clone()} topology={Some(shared_topology.clone())}
                on_finished={Some(dispatch.reform(|r| LoadTestAction::Finished(r).into()))}
                on_live={Some(dispatch.reform(|r| LoadTestAction::Live(r).into()))}
                settings={state.load_test.settings.clone()}
                on_settings={Some(dispatch.reform(|s| LoadTestAction::SetSettings(s).into()))}
                https={Some(state.world.request.https)} />
        },
    };
    let errors = state
        .analysis
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    html! {
        <div class="app">
            <header class="topbar">
                <h1 class="brand">{ "Stacksim" }</h1>
                { stage_picker(state.work.stage, &on_stage) }
                <FileMenu document={state.work_document()} width={state.work.layout.width}
                    height={state.work.layout.height} load_test={state.load_test.settings.clone()}
                    work={state.work.id.clone()} dispatch={(*dispatch).clone()} />
            </header>
            { work_notices(state.work.notice.as_ref(),
                autosave.as_ref().map(|err| (err, state.work_document())), &dispatch, &save_failure) }
            if let Some((found, failure)) = &*damaged {
                { damaged_autosave(found, failure.as_deref(), &damaged) }
            }
            if let Some(refusal) = &state.refusal {
                <p class="error" role="alert">{ refusal.to_string() }</p>
            }
            <main class="workspace">
                <section class="canvas" aria-label="Diagram">
                    { send_bar(state.world.request, state.world.clock, &dispatch) }
                    <p class={classes!("connect-status", state.view.connecting.is_some().then_some("active"))}
                        role="status" aria-live="polite">
                        { match (&state.view.connecting, &state.view.announce) {
                            (Some(from), _) => format!("Connecting from {from}: pick what it connects to (Tab to it and press Enter, or click it). Esc cancels."),
                            (None, Some(done)) => done.clone(),
                            (None, None) => String::new(),
                        } }
                    </p>
                    <Diagram topology={shared_topology.clone()} layout={state.work.layout.rc()}
                        marks={(*marks).clone()} view={state.view.viewport}
                        picked={state.view.picked.rc()} fit={state.view.fit}
                        can_undo={!state.work.history.undo.is_empty()}
                        can_redo={!state.work.history.redo.is_empty()}
                        dispatch={(*dispatch).clone()}>
                        { for dot }
                        if let Some(result) = load_test_shown {
                            <LoadOverlay topology={shared_topology.clone()}
                                layout={state.work.layout.rc()} {result} />
                        }
                    </Diagram>
                    { legend() }
                </section>
                <div class="side">
                    if let Some(selection) = &state.view.selection {
                        <Inspector selection={selection.clone()} topology={shared_topology.clone()}
                            run={state.world.run.rc()} dispatch={(*dispatch).clone()}
                            compact={state.view.tab == Tab::Request} />
                    }
                    { side_tabs(state.view.tab, state.analysis.findings.len(), errors, &dispatch) }
                    <div class="side-view" id={side_tabs::PANEL_ID} role="tabpanel"
                        aria-labelledby={format!("tab-{}", state.view.tab.key())}>
                        { view }
                    </div>
                </div>
            </main>
        </div>
    }
}

/// The page's keyboard shortcuts (see [`shortcut`]); ignored while typing in a field (and
/// Space on a focused button presses that button).
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
                if typing(event) {
                    return;
                }
                let keys = Keys {
                    ctrl: event.ctrl_key() || event.meta_key(),
                    shift: event.shift_key(),
                    alt: event.alt_key(),
                };
                let Some(action) = shortcut(&event.key(), keys) else {
                    return;
                };
                // Ctrl+C on selected text copies the text, as everywhere else.
                if action == Action::Edit(EditAction::Copy) && text_selected() {
                    return;
                }
                event.prevent_default();
                dispatch.emit(action);
            })
        });
        // A button is pressed by Space when the key comes up (Firefox and Chromium): where
        // Space means play/pause, that press must not happen too.
        let keyup = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&document, "keyup", options, move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    let space = matches!(event.key().as_str(), " " | "Spacebar");
                    if space && target_plays(event) {
                        event.prevent_default();
                    }
                })
            });
        move || drop((listener, keyup))
    });
}

/// Whether the key's target is marked [`keys::SPACE_PLAYS`].
fn target_plays(event: &KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
        .is_some_and(|target| target.has_attribute(keys::SPACE_PLAYS))
}

/// Whether the page has selected text (which Ctrl+C should copy).
fn text_selected() -> bool {
    web_sys::window()
        .and_then(|w| w.get_selection().ok().flatten())
        .is_some_and(|s| !s.is_collapsed())
}

/// Whether the key goes into a text field or presses the focused element ([`keys::typing`]).
fn typing(event: &KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
        .is_some_and(|target| {
            keys::typing(
                &target.tag_name(),
                &event.key(),
                target.is_content_editable(),
                target.has_attribute(keys::SPACE_PLAYS),
            )
        })
}

/// The page's address fragment (`#stage=2&send=https-read`, `#design=…`).
fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Autosaves the work whenever it or what is on screen changes (not during a drag or a pan:
/// its end is saved). Returns why autosave is off, while it is.
#[hook]
fn use_autosave(state: &AppState) -> Option<StorageError> {
    let failure = use_state_eq(|| None::<StorageError>);
    {
        let failure = failure.clone();
        // Nothing is compared or written during a drag or a pan, and a render (a load run
        // renders every frame) compares the work shared, by pointer first, and the session:
        // the design is copied only when something changed and is written.
        let key = (!state.gesture_under_way()).then(|| (state.work_document(), state.session()));
        use_effect_with(key, move |key| {
            if let Some((work, session)) = key {
                let saved = Saved::of_parts(work, session.clone());
                let listed = !saved.is_untouched_preset();
                failure.set(storage::write(saved, listed, js_sys::Date::now()).err());
            }
        });
    }
    (*failure).clone()
}

/// Keeps the address bar on [`AppState::address`] (replacing the entry: no history step per
/// change), and opens a fragment the user types or pastes there as a link.
#[hook]
fn use_address(address: String, dispatch: Callback<Action>) {
    let shown = use_mut_ref(String::new);
    {
        let shown = shown.clone();
        use_effect_with(address, move |address| {
            shown.borrow_mut().clone_from(address);
            replace_address(address);
        });
    }
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |_| {
                let hash = current_hash();
                let fragment = session::bare(&hash);
                if fragment != shown.borrow().as_str() {
                    dispatch.emit(Action::Work(WorkAction::OpenLink {
                        fragment: fragment.to_owned(),
                        notify: true,
                    }));
                }
            })
        });
        move || drop(listener)
    });
}

/// Another tab's autosave of a work reaches this tab as a `storage` event; the reducer
/// decides whether it is this tab's work and changed ([`WorkAction::ChangedElsewhere`]).
#[hook]
fn use_other_tabs(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "storage", move |event| {
                let Some(event) = event.dyn_ref::<web_sys::StorageEvent>() else {
                    return;
                };
                let key = event.key().unwrap_or_default();
                let Some(value) = event.new_value() else {
                    return;
                };
                if key.starts_with(storage::WORK_PREFIX)
                    && let Ok(saved) = Saved::from_json(&value)
                {
                    dispatch.emit(Action::Work(WorkAction::ChangedElsewhere(Box::new(saved))));
                }
            })
        });
        move || drop(listener)
    });
}

/// The autosave could not be opened: say so, and offer its text for download. `state` is the
/// page's (`found` and the `failure` to download it); a plain function, not a component.
fn damaged_autosave(
    found: &Damaged,
    failure: Option<&str>,
    state: &UseStateHandle<Option<(Damaged, Option<String>)>>,
) -> Html {
    // Reads the damaged text from the page's state when clicked: App redraws every animation
    // frame during a load run, and the text can be megabytes, so no render copies it.
    let on_download = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let Some((found, _)) = &*state else { return };
            if let Err(err) = download(
                "stacksim-autosave-damaged.json",
                found.raw.as_bytes(),
                "text/plain",
            ) {
                state.set(Some((found.clone(), Some(err))));
            }
        })
    };
    let on_dismiss = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.set(None))
    };
    html! {
        <div class="recovery" role="alert" data-control="recovery">
            <p>{ found.message.clone() }</p>
            <button type="button" class="ctl" data-control="download-damaged" onclick={on_download}>
                { "Download the damaged autosave" }
            </button>
            <button type="button" class="ctl" onclick={on_dismiss}>{ "Dismiss" }</button>
            if let Some(err) = failure {
                <p class="error">{ err.to_owned() }</p>
            }
        </div>
    }
}

/// Shows `fragment` in the address bar without adding a history entry or firing
/// `hashchange`.
fn replace_address(fragment: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if session::bare(&location.hash().unwrap_or_default()) == fragment {
        return;
    }
    let path = location.pathname().unwrap_or_default() + &location.search().unwrap_or_default();
    let url = if fragment.is_empty() {
        path
    } else {
        format!("{path}#{fragment}")
    };
    if let Ok(history) = window.history() {
        // Failing to update the address bar loses nothing; the page keeps working.
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Yew's reducer hook drives the plain [`AppState::apply`].
impl yew::Reducible for AppState {
    type Action = Action;

    fn reduce(mut self: std::rc::Rc<Self>, action: Action) -> std::rc::Rc<Self> {
        std::rc::Rc::make_mut(&mut self).apply(action);
        self
    }
}
