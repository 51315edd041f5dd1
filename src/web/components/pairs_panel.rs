//! Active-active or active-passive: each redundant pair of the design, what its variant means
//! here (worded by the core), a switch to the other variant (undoable), the general comparison,
//! and one click that runs both variants side by side.

use std::rc::Rc;

use yew::prelude::*;

use crate::sim::number::shortest;
use crate::sim::redundancy::{self, COMPARISON};
use crate::sim::topology::Topology;
use crate::ui::compare::{Comparison, Side};
use crate::ui::edit::Edit;
use crate::ui::load_run::LoadSettings;
use crate::ui::state::{Action, EditAction, LoadTestAction};
use crate::web::components::line_chart::LineChart;

/// The pairs of `topology` (nothing without one), with the `comparison` run last if any. A
/// plain function (its charts are the components with state), not a component.
pub fn pairs_panel(
    topology: &Topology,
    comparison: Option<&Comparison>,
    dispatch: &Callback<Action>,
) -> Html {
    let pairs = redundancy::pairs(topology);
    if pairs.is_empty() {
        return html! {};
    }
    let rows = pairs.iter().map(|pair| {
        let explanation = redundancy::explain(topology, pair);
        let to = pair.sharing.other();
        let switch = {
            let dispatch = dispatch.clone();
            let id = pair.id.clone();
            Callback::from(move |_| {
                dispatch.emit(Action::Edit(EditAction::Change(Edit::Share {
                    pair: id.clone(),
                    to,
                })));
            })
        };
        let compare = {
            let dispatch = dispatch.clone();
            let id = pair.id.clone();
            Callback::from(move |_| {
                dispatch.emit(Action::LoadTest(LoadTestAction::Compare { pair: id.clone() }));
            })
        };
        html! {
            <li class="pair" data-pair={pair.id.clone()} data-sharing={pair.sharing.name()}>
                <h4>{ explanation.headline }</h4>
                <p>{ explanation.body }</p>
                <div class="pair-actions">
                    <button type="button" class="small" data-switch={pair.id.clone()}
                        onclick={switch}>{ format!("Make it {to}") }</button>
                    <button type="button" class="small" data-compare={pair.id.clone()}
                        onclick={compare}>{ format!("Run both: {} and {to}", pair.sharing) }</button>
                </div>
            </li>
        }
    });
    let close = dispatch.reform(|_| Action::LoadTest(LoadTestAction::CloseComparison));
    html! {
        <section class="panel pairs" aria-label="Active-active or active-passive">
            <h3>{ "Redundant pairs" }</h3>
            <ul class="pair-list">{ for rows }</ul>
            <details class="comparison-table">
                <summary>{ "Active-active or active-passive: what differs" }</summary>
                <table>
                    <thead>
                        <tr><th></th><th>{ "active-active" }</th><th>{ "active-passive" }</th></tr>
                    </thead>
                    <tbody>
                        { for COMPARISON.iter().map(|row| html! {
                            <tr>
                                <th scope="row">{ row.aspect }</th>
                                <td>{ row.active_active }</td>
                                <td>{ row.active_passive }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </details>
            if let Some(comparison) = comparison {
                { comparison_view(comparison, close) }
            }
        </section>
    }
}

fn comparison_view(comparison: &Comparison, on_close: Callback<MouseEvent>) -> Html {
    let steps: Vec<String> = comparison
        .steps
        .iter()
        .map(|step| {
            format!(
                "{} {} at {} s",
                step.kind.label(),
                step.target,
                shortest(step.at_s)
            )
        })
        .collect();
    let settings = comparison.sides[0]
        .result
        .settings
        .clone()
        .unwrap_or_default();
    html! {
        <div class="comparison" data-comparison={comparison.pair.clone()} aria-live="polite">
            <h4>{ format!("Both variants of {}, same load and failure", comparison.title) }</h4>
            <p class="comparison-load">
                { format!(
                    "{} req/s for {} s{}; {}.",
                    shortest(settings.rps),
                    shortest(settings.seconds),
                    if settings.https { " over HTTPS" } else { " over plain HTTP" },
                    if steps.is_empty() { "no failure".to_owned() } else { steps.join(", ") }
                ) }
            </p>
            <div class="comparison-sides">
                { for comparison.sides.iter().map(side) }
            </div>
            <button type="button" class="small" onclick={on_close}>{ "Close" }</button>
        </div>
    }
}

fn side(side: &Side) -> Html {
    let result = &side.result;
    let series = Rc::new(
        side.members
            .iter()
            .map(|m| (m.member.clone(), m.per_second.clone()))
            .collect::<Vec<_>>(),
    );
    let seconds = result.run_seconds();
    let marks = Rc::new(
        result
            .settings
            .as_ref()
            .map(LoadSettings::marks)
            .unwrap_or_default(),
    );
    let key = side.sharing.name();
    let lost = result.total_sent.saturating_sub(result.total_served);
    html! {
        <section class="comparison-side" data-side={key}>
            <h5>{ side.sharing.name() }</h5>
            <p class="side-headline">{ side.headline.clone() }</p>
            <dl class="side-figures">
                <dt>{ "served" }</dt>
                <dd data-figure="served">{ format!("{} of {}", result.total_served, result.total_sent) }</dd>
                <dt>{ "not served" }</dt>
                <dd data-figure="lost">{ lost.to_string() }</dd>
                <dt>{ "resent SYNs (waited out the failover)" }</dt>
                <dd data-figure="syn-resent">{ result.total_syn_resent.to_string() }</dd>
                <dt>{ "served late" }</dt>
                <dd data-figure="served-late">{ result.total_served_late.to_string() }</dd>
                { for side.members.iter().map(|m| html! {
                    <>
                        <dt>{ format!("{} took", m.member) }</dt>
                        <dd data-member={m.member.clone()}>{ m.total.to_string() }</dd>
                    </>
                }) }
            </dl>
            <p class="side-capacity">{ side.capacity.clone() }</p>
            <LineChart id={format!("members-{key}")} title="Requests per member" unit="req/s"
                {series} {seconds} {marks} />
        </section>
    }
}
