//! What is selected on the diagram, and what can happen to it: a host taken down (a crash),
//! stopped cleanly or brought back up, a service stopped or started, a link cut or restored
//! (simulation inputs); then its settings, edited
//! by [`node_form`], [`service_form`] or [`link_form`], and a button deleting it.

use std::rc::Rc;

use yew::prelude::*;

use crate::sim::engine::Input;
use crate::sim::topology::{NodeKind, Topology};
use crate::ui::playback::Run;
use crate::ui::state::{Action, EditAction, Selection, ViewAction, WorldAction};
use crate::web::components::field::{Editor, Generation};
use crate::web::components::link_form::link_form;
use crate::web::components::node_form::node_form;
use crate::web::components::service_form::service_form;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub selection: Selection,
    pub topology: Rc<Topology>,
    pub run: Rc<Run>,
    pub dispatch: Callback<Action>,
    /// Beside the request panel: a box of its own height that scrolls, so the event list of
    /// the request sent next stays in view.
    #[prop_or_default]
    pub compact: bool,
}

/// A button that applies `input` now.
fn input_button(
    dispatch: &Callback<Action>,
    control: &'static str,
    label: &str,
    input: Input,
) -> Html {
    html! {
        <button type="button" class="ctl danger-toggle" data-control={control}
            onclick={dispatch.reform(move |_: MouseEvent| Action::World(WorldAction::Apply(input.clone())))}>
            { label.to_owned() }
        </button>
    }
}

fn up_down(dispatch: &Callback<Action>, down: bool, up_input: Input, down_input: Input) -> Html {
    if down {
        input_button(dispatch, "bring-up", "Bring up", up_input)
    } else {
        input_button(dispatch, "take-down", "Take down", down_input)
    }
}

fn state_text(down: bool, up: &'static str, gone: &'static str) -> Html {
    html! {
        <p class={classes!("state-line", if down { "is-down" } else { "is-up" })}>
            { if down { gone } else { up } }
        </p>
    }
}

#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let InspectorProps {
        selection,
        topology,
        run,
        dispatch,
        compact,
    } = props;
    // A new generation whenever the design changes: fields forget what was typed.
    let generation = {
        let seen = use_mut_ref(|| (topology.clone(), 0u64));
        let mut seen = seen.borrow_mut();
        if !Rc::ptr_eq(&seen.0, topology) && *seen.0 != **topology {
            *seen = (topology.clone(), seen.1.wrapping_add(1));
        }
        Generation(seen.1)
    };
    let editor = Editor {
        topology: topology.clone(),
        dispatch: dispatch.clone(),
        generation,
    };
    let body = match selection {
        Selection::Node(id) => match topology.node(id).map(|n| &n.kind) {
            Some(NodeKind::Host(host)) => {
                let down = run.is_down(id);
                let gone = if run.is_stopped(id) {
                    "Down: stopped cleanly"
                } else {
                    "Down: crashed"
                };
                html! {
                    <>
                        <h3>{ format!("Host {id} ({})", host.ip) }</h3>
                        { state_text(down, "Running", gone) }
                        { up_down(dispatch, down, Input::HostUp(id.clone()), Input::HostDown(id.clone())) }
                        if !down {
                            { input_button(dispatch, "stop-cleanly", "Stop cleanly", Input::HostStop(id.clone())) }
                        }
                        <p class="note">{ "A crashed host (Take down) answers nothing: connections and health checks to it time out, and a load balancer notices only after its checks fail. Stopped cleanly, it answers nothing either, but keepalived on it first gives up a virtual IP with a priority-0 advert, so the backup takes over after its skew time (0.6 s) instead of the full VRRP gap (3.6 s)." }</p>
                    </>
                }
            }
            Some(NodeKind::Vip(vip)) => {
                let holder = run
                    .vrrp
                    .vips
                    .iter()
                    .find(|(v, _)| v == id)
                    .and_then(|(_, h)| h.clone());
                html! {
                    <>
                        <h3>{ format!("Virtual IP {}", vip.ip) }</h3>
                        <p class="state-line">{ match &holder {
                            Some(h) => format!("Held by {h} (VRRP MASTER)"),
                            None => "Nobody holds it right now".to_owned(),
                        } }</p>
                        <p class="note">{ "Take the holder down, then wait a few seconds: the backup becomes MASTER after the VRRP gap (about 3.6 s with keepalived's defaults) and the address moves; stop the holder cleanly and the backup takes over after its skew time (about 0.6 s). Stop its HAProxy and keepalived keeps the address until chk_haproxy has failed twice (2 to 4 s), while connections are refused." }</p>
                    </>
                }
            }
            Some(_) => html! {
                <>
                    <h3>{ id.clone() }</h3>
                    <p class="note">{ "Stacksim does not take this node down (yet)." }</p>
                </>
            },
            None => html! { <p>{ format!("'{id}' is not in this design") }</p> },
        },
        Selection::Service(id) => {
            let host = topology
                .service(id)
                .map(|(node, _)| node.id.clone())
                .unwrap_or_default();
            let down = run.is_down(id);
            html! {
                <>
                    <h3>{ format!("Service {id}") }</h3>
                    <p class="host-of">{ format!("on host {host}") }</p>
                    { state_text(down, "Running", "Down: stopped") }
                    { up_down(dispatch, down, Input::ServiceUp(id.clone()), Input::ServiceDown(id.clone())) }
                    <p class="note">{ "A stopped service's host answers with a TCP reset: connections are refused at once." }</p>
                    if run.is_down(&host) {
                        <p class="note">{ format!("Its host {host} is down too.") }</p>
                    }
                </>
            }
        }
        Selection::Link { from, to } => {
            let cut = run.is_cut(from, to);
            let (f, t) = (from.clone(), to.clone());
            html! {
                <>
                    <h3>{ format!("Link {from} → {to}") }</h3>
                    { state_text(cut, "Connected", "Cut") }
                    if cut {
                        { input_button(dispatch, "restore", "Restore link", Input::RestoreLink { from: f, to: t }) }
                    } else {
                        { input_button(dispatch, "cut", "Cut link", Input::CutLink { from: f, to: t }) }
                    }
                    <p class="note">{ "A cut link loses every packet between the two hosts: connections time out." }</p>
                </>
            }
        }
    };
    // Keyed by what is shown (the fragment is the only child of its list below, so it is
    // matched by key): another selection starts with fresh fields.
    let form = match selection {
        Selection::Node(id) => topology.node(id).map(|node| {
            html! { <key={format!("node:{id}")}>{ node_form(node, &editor) }</> }
        }),
        Selection::Service(id) => topology.service(id).map(|(_, service)| {
            html! { <key={format!("service:{id}")}>{ service_form(service, &editor) }</> }
        }),
        Selection::Link { from, to } => topology
            .links
            .iter()
            .find(|l| l.from == *from && l.to == *to)
            .map(|link| {
                html! { <key={format!("link:{from}>{to}")}>{ link_form(link, &editor) }</> }
            }),
    };
    let exists = form.is_some();
    html! {
        <section class={classes!("panel", "inspector", compact.then_some("compact"))}
            aria-label="Selected on the diagram">
            <button type="button" class="close" title="Close" aria-label="Close"
                onclick={dispatch.reform(|_: MouseEvent| Action::View(ViewAction::ClearSelection))}>{ "×" }</button>
            { body }
            if let Some(form) = form {
                <details class="edit" open=true>
                    <summary>{ "Settings" }</summary>
                    // Its own list, where the form's key is the only one and is matched.
                    <>{ form }</>
                </details>
            }
            if let (true, Selection::Node(id) | Selection::Service(id)) = (exists, selection) {
                <button type="button" class="ctl" data-control="connect-from"
                    title="Then pick what it connects to: Tab to it and press Enter, or click it (Esc cancels). On the diagram, C on a focused node does the same."
                    onclick={let id = id.clone(); dispatch.reform(move |_: MouseEvent| Action::View(ViewAction::ConnectFrom(id.clone())))}>
                    { "Connect from here…" }
                </button>
            }
            if exists {
                <button type="button" class="ctl delete" data-control="delete"
                    onclick={dispatch.reform(|_: MouseEvent| Action::Edit(EditAction::DeleteSelected))}>
                    { "Delete" }
                </button>
            }
        </section>
    }
}
