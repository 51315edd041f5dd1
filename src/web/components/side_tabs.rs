//! The tabs of the side area: the request view, the findings, the reachability matrix, the
//! export and the load run. Switching keeps every view's state (it lives in `AppState`).

use yew::prelude::*;

use crate::ui::state::{Action, Tab, ViewAction};

fn label(tab: Tab) -> &'static str {
    match tab {
        Tab::Request => "Request",
        Tab::Findings => "Findings",
        Tab::Reach => "Reachability",
        Tab::Export => "Export",
        Tab::LoadTest => "Load",
    }
}

fn hint(tab: Tab) -> &'static str {
    match tab {
        Tab::Request => "The shown request, the load balancers and the stage",
        Tab::Findings => "What is weak about this design, and what each stage fixes",
        Tab::Reach => "Who can connect to whom, on which port, and the rule that decides",
        Tab::Export => "The configuration files to deploy this design",
        Tab::LoadTest => "Run a load with failures over time; charts and the monitoring dashboard",
    }
}

/// The id of the element holding the open view, for `aria-controls`.
pub const PANEL_ID: &str = "side-view";

/// The tabs, `current` pressed; the findings tab shows how many `findings` there are and how
/// many of them are `errors`. A plain function (no state), not a component.
pub fn side_tabs(
    current: Tab,
    findings: usize,
    errors: usize,
    dispatch: &Callback<Action>,
) -> Html {
    html! {
        <div class="side-tabs" role="tablist" aria-label="Side views">
            { for Tab::ALL.into_iter().map(|tab| {
                let active = current == tab;
                let count = (tab == Tab::Findings).then(|| {
                    let title = format!("{findings} finding(s), {errors} error(s)");
                    html! {
                        <span class={classes!("tab-count", (errors > 0).then_some("has-errors"))} {title}>
                            { findings }
                        </span>
                    }
                });
                html! {
                    <button type="button" role="tab" id={format!("tab-{}", tab.key())}
                        class={classes!("side-tab", active.then_some("active"))}
                        aria-selected={active.to_string()} aria-controls={PANEL_ID}
                        data-tab={tab.key()} title={hint(tab)}
                        onclick={dispatch.reform(move |_: MouseEvent| Action::View(ViewAction::ShowTab(tab)))}>
                        { label(tab) }
                        { for count }
                    </button>
                }
            }) }
        </div>
    }
}
