//! One finding: its severity, title, the nodes it concerns, why it matters, how to fix it, and
//! "Prove it" with what the proof showed. Hovering or focusing it marks its nodes on the
//! diagram.

use yew::prelude::*;

use crate::sim::findings::{Category, Finding, Proof, ProofResult, Severity, Target};
use crate::sim::trace::RequestKind;
use crate::ui::state::{Action, AnalysisAction};

#[derive(Properties, PartialEq)]
pub struct FindingItemProps {
    pub finding: Finding,
    /// What "Prove it" showed, once run.
    pub result: Option<ProofResult>,
    pub dispatch: Callback<Action>,
}

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
        Proof::Load { rps, .. } => format!("Sends {rps} requests per second for ten seconds"),
    }
}

#[component]
pub fn FindingItem(props: &FindingItemProps) -> Html {
    let FindingItemProps {
        finding,
        result,
        dispatch,
    } = props;
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
                if !r.details.is_empty() {
                    <ul class="proof-details">
                        { for r.details.iter().map(|d| html! { <li>{ d.clone() }</li> }) }
                    </ul>
                }
            </div>
        }
    });
    html! {
        <li class={classes!("finding", class)} data-finding={id.clone()} tabindex="0"
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
