//! The findings tab: the stage diff, the design's findings, errors first, with counts and the
//! load the capacity finding is checked against, then the redundant pairs' notes.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::sim::by_id::ById;
use crate::sim::findings::{Finding, ProofResult, Severity};
use crate::sim::topology::Topology;
use crate::ui::state::{Action, AnalysisAction};
use crate::ui::story;
use crate::web::components::finding_item::{finding_item, severity_badge};
use crate::web::components::stage_diff::stage_diff;

#[derive(Properties, PartialEq)]
pub struct FindingsTabProps {
    /// The preset the design is, if it still is one (for the stage diff).
    pub stage: Option<u8>,
    pub topology: Rc<Topology>,
    pub findings: Rc<Vec<Finding>>,
    pub proofs: Rc<ById<ProofResult>>,
    pub capacity_rps: Option<u32>,
    pub dispatch: Callback<Action>,
    /// The proof whose request the diagram shows: (finding id, after the failure).
    #[prop_or_default]
    pub route_shown: Option<(String, bool)>,
}

/// The loads a user can check capacity against, in requests per second.
const LOADS: [u32; 4] = [100, 1_000, 5_000, 20_000];

const SEVERITIES: [(Severity, &str); 3] = [
    (Severity::Error, "Errors"),
    (Severity::Warning, "Warnings"),
    (Severity::Info, "Info"),
];

fn capacity_picker(capacity_rps: Option<u32>, dispatch: &Callback<Action>) -> Html {
    let onchange = dispatch.reform(|event: Event| {
        let value = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            .map(|select| select.value())
            .unwrap_or_default();
        Action::Analysis(AnalysisAction::SetCapacityRps(value.parse().ok()))
    });
    html! {
        <label class="load-pick">
            { "Check capacity at " }
            <select {onchange} data-control="load">
                <option value="" selected={capacity_rps.is_none()}>{ "no load (skip)" }</option>
                { for LOADS.iter().map(|&rps| html! {
                    <option value={rps.to_string()} selected={capacity_rps == Some(rps)}>
                        { format!("{rps} req/s") }
                    </option>
                }) }
            </select>
        </label>
    }
}

/// The whole tab, one component: its props are unchanged while a finding is hovered (which
/// redraws the page), so then none of it is drawn again. The story and the pairs' notes are
/// kept between draws.
#[component]
pub fn FindingsTab(props: &FindingsTabProps) -> Html {
    let steps = use_memo((), |_| story::steps());
    let notes = use_memo(props.topology.clone(), |topology| {
        crate::sim::findings::pairs(topology)
    });
    html! {
        <>
            { stage_diff(props.stage, &steps) }
            { findings_panel(props) }
            { pair_notes(&notes) }
        </>
    }
}

fn findings_panel(props: &FindingsTabProps) -> Html {
    let FindingsTabProps {
        findings,
        proofs,
        capacity_rps,
        dispatch,
        route_shown,
        ..
    } = props;
    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let groups = SEVERITIES.iter().filter_map(|&(severity, heading)| {
        let items: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        if items.is_empty() {
            return None;
        }
        let (class, ..) = severity_badge(severity);
        Some(html! {
            <div class={classes!("finding-group", class)}>
                <h3>{ format!("{heading} ({})", items.len()) }</h3>
                <ul class="finding-list">
                    { for items.into_iter().map(|f| finding_item(f, proofs.get(&f.id), dispatch,
                        route_shown.as_ref().filter(|(id, _)| *id == f.id).map(|(_, after)| *after))) }
                </ul>
            </div>
        })
    });
    html! {
        <section class="panel findings" aria-label="Findings">
            <h2>{ "Findings" }</h2>
            <p class="finding-counts">
                { for SEVERITIES.iter().map(|&(severity, heading)| {
                    let (class, symbol, _) = severity_badge(severity);
                    html! {
                        <span class={classes!("count", class)} data-severity={heading.to_ascii_lowercase()}>
                            { format!("{symbol} {} {}", count(severity), heading.to_ascii_lowercase()) }
                        </span>
                    }
                }) }
            </p>
            { capacity_picker(*capacity_rps, dispatch) }
            <p class="note">{ "Computed from the design itself, for any design. Point at a finding (or focus it) to mark its nodes on the diagram; “Prove it” runs the failing scenario in the simulator." }</p>
            if findings.is_empty() {
                <p class="empty-list">{ "No findings: nothing Stacksim checks is wrong with this design." }</p>
            }
            { for groups }
        </section>
    }
}

/// Each redundant pair's variant and the capacity it gives ([`crate::sim::findings::pairs`]):
/// not weaknesses, so listed apart from the findings.
fn pair_notes(notes: &[Finding]) -> Html {
    if notes.is_empty() {
        return html! {};
    }
    html! {
        <section class="panel pair-notes" aria-label="Redundant pairs">
            <h3>{ format!("Redundant pairs ({})", notes.len()) }</h3>
            <ul class="finding-list">
                { for notes.iter().map(|note| html! {
                    <li class="pair-note" data-note={note.id.clone()}>
                        <h4>{ note.title.clone() }</h4>
                        <p>{ note.why.clone() }</p>
                        <p class="fix">{ note.fix.clone() }</p>
                    </li>
                }) }
            </ul>
        </section>
    }
}
