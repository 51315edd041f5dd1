//! One finding: its severity, title, the nodes it concerns, why it matters, how to fix it, and
//! "Prove it" with what the proof showed. Hovering or focusing it marks its nodes on the
//! diagram.

use yew::prelude::*;

use crate::sim::findings::{Category, Finding, Proof, ProofResult, Severity, Target};
use crate::sim::number::shortest;
use crate::sim::trace::RequestKind;
use crate::ui::state::{Action, AnalysisAction};

/// The badge of a severity: a symbol and a word, so colour is never the only cue.
pub fn severity_badge(severity: Severity) -> (&'static str, &'static str, &'static str) {
    match severity {
        Severity::Error => ("sev-error", "✖", "Error"),
        Severity::Warning => ("sev-warning", "▲", "Warning"),
        Severity::Info => ("sev-info", "ℹ", "Info"),
    }
}

fn category_label(category: Category) -> &'static str {
    match category {
        Category::Availability => "Availability",
        Category::Security => "Security",
        Category::Monitoring => "Monitoring",
        Category::Capacity => "Capacity",
    }
}

/// What "Prove it" will do, for the button's tooltip.
fn proof_words(proof: &Proof) -> String {
    match proof {
        Proof::TakeDown {
            target, request, ..
        } => {
            let what = match target {
                Target::Host(id) => format!("crashes {id}"),
                Target::Service(id) => format!("stops {id}"),
                Target::Link { from, to } => format!("cuts the link {from} → {to}"),
            };
            let kind = match request {
                RequestKind::Static => "static",
                RequestKind::Read => "read",
                RequestKind::Write => "write",
            };
            format!("Sends {kind} requests, {what}, waits 30 s and sends them again")
        }
        Proof::Request { https, .. } => format!(
            "Sends one {} request and reads its trace",
            if *https { "HTTPS" } else { "HTTP" }
        ),
        Proof::Probe {
            from_ip,
            to_host,
            port,
        } => format!("Opens a TCP connection from {from_ip} to {to_host}:{port}"),
        Proof::Metrics { host } => format!("Lets the agents report for a minute and checks {host}"),
        Proof::Load { rps, .. } => format!(
            "Sends {} requests per second for ten seconds",
            shortest(*rps)
        ),
    }
}

/// "On the diagram: Before | After | Hide": which of the proof's requests the diagram draws.
fn route_controls(
    id: &str,
    result: &ProofResult,
    shown: Option<bool>,
    dispatch: &Callback<Action>,
) -> Html {
    let button = |after: bool, label: &'static str, exists: bool| {
        if !exists {
            return Html::default();
        }
        let finding = id.to_owned();
        let pressed = shown == Some(after);
        html! {
            <button type="button" class={classes!("seg", pressed.then_some("active"))}
                aria-pressed={pressed.to_string()}
                data-control={if after { "route-after" } else { "route-before" }}
                onclick={dispatch.reform(move |_: MouseEvent| Action::Analysis(AnalysisAction::ShowRoute { finding: finding.clone(), after }))}>
                { label }
            </button>
        }
    };
    let two = result.before.is_some() && result.after.is_some();
    let what = match (shown, two) {
        (Some(false), _) => "Before the failure: the request's way, served".to_owned(),
        (Some(true), true) => match result.after.as_ref().and_then(|r| r.stop.clone()) {
            Some(stop) => format!("After the failure: the request stops at {stop}"),
            None => "After the failure: the request's way".to_owned(),
        },
        (Some(true), false) => match result.after.as_ref().and_then(|r| r.stop.clone()) {
            Some(stop) => format!("The request's way: it stops at {stop}"),
            None => "The request's way".to_owned(),
        },
        (None, _) => "Not shown on the diagram".to_owned(),
    };
    html! {
        <div class="route-controls">
            <span class="route-label">{ "On the diagram:" }</span>
            <span class="segmented" role="group" aria-label="Which request the diagram shows">
                { button(false, "Before", result.before.is_some()) }
                { button(true, if two { "After" } else { "Show" }, result.after.is_some()) }
                if shown.is_some() {
                    <button type="button" class="seg" data-control="route-hide"
                        onclick={dispatch.reform(|_: MouseEvent| Action::Analysis(AnalysisAction::HideRoute))}>
                        { "Hide" }
                    </button>
                }
            </span>
            <span class="route-what" data-route={match shown { Some(true) => "after", Some(false) => "before", None => "none" }}>{ what }</span>
        </div>
    }
}

/// One `finding`, its `<li>` keyed by the finding's id. `result` is what "Prove it" showed,
/// once run; `route_shown` whether the diagram shows this proof's request: `Some(true)` the one
/// after the failure, `Some(false)` the one before. A plain function (no state), not a
/// component.
pub fn finding_item(
    finding: &Finding,
    result: Option<&ProofResult>,
    dispatch: &Callback<Action>,
    route_shown: Option<bool>,
) -> Html {
    let id = finding.id.clone();
    let (class, symbol, word) = severity_badge(finding.severity);
    let hover = |on: bool| {
        let id = id.clone();
        dispatch.reform(move |_: MouseEvent| {
            Action::Analysis(AnalysisAction::HoverFinding(on.then(|| id.clone())))
        })
    };
    let focus = |on: bool| {
        let id = id.clone();
        dispatch.reform(move |_: FocusEvent| {
            Action::Analysis(AnalysisAction::FocusFinding(on.then(|| id.clone())))
        })
    };
    let prove = finding.proof.as_ref().map(|proof| {
        let id = id.clone();
        html! {
            <button type="button" class="ctl prove" data-prove={id.clone()} title={proof_words(proof)}
                onclick={dispatch.reform(move |_: MouseEvent| Action::Analysis(AnalysisAction::Prove(id.clone())))}>
                { if result.is_some() { "Prove it again" } else { "Prove it" } }
            </button>
        }
    });
    let result = result.as_ref().map(|r| {
        let (state, verdict) = if r.shown {
            ("shown", "✔ Shown: ")
        } else {
            ("not-shown", "○ Not shown: ")
        };
        html! {
            <div class={classes!("proof", state)} role="status">
                <p class="proof-summary"><strong>{ verdict }</strong>{ r.summary.clone() }</p>
                if r.before.is_some() || r.after.is_some() {
                    { route_controls(&id, r, route_shown, dispatch) }
                }
                if !r.details.is_empty() {
                    <ul class="proof-details">
                        { for r.details.iter().map(|d| html! { <li>{ d.clone() }</li> }) }
                    </ul>
                }
            </div>
        }
    });
    html! {
        <li key={id.clone()} class={classes!("finding", class)} data-finding={id.clone()} tabindex="0"
            onmouseenter={hover(true)} onmouseleave={hover(false)}
            onfocusin={focus(true)} onfocusout={focus(false)}>
            <p class="finding-head">
                <span class={classes!("sev", class)}>{ format!("{symbol} {word}") }</span>
                <span class="finding-title">{ finding.title.clone() }</span>
            </p>
            <p class="finding-meta">
                <span class="category">{ category_label(finding.category) }</span>
                <span class="finding-id">{ id.clone() }</span>
                if !finding.nodes.is_empty() {
                    <span class="finding-nodes">{ format!("concerns {}", finding.nodes.join(", ")) }</span>
                }
            </p>
            <p class="why"><strong>{ "Why: " }</strong>{ finding.why.clone() }</p>
            <p class="fix"><strong>{ "Fix: " }</strong>{ finding.fix.clone() }</p>
            { for prove }
            { for result }
        </li>
    }
}
