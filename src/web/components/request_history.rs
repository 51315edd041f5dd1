//! The requests sent so far, newest first; picking one shows it in the event list.

use yew::prelude::*;

use crate::sim::trace::{Outcome, Trace};
use crate::ui::playback::{Run, Verdict};
use crate::ui::state::{Action, PlaybackAction};
use crate::web::components::send_bar::clock_text;

/// How many of the latest requests are listed.
const SHOWN: usize = 12;

/// One line per request: what was asked and how it ended.
pub fn summary(trace: &Trace) -> String {
    let spec = trace.spec;
    let proto = if spec.https { "HTTPS" } else { "HTTP" };
    let ended = match &trace.outcome {
        Some(Outcome::Served {
            status,
            backend,
            stale,
        }) => {
            let by = backend
                .as_deref()
                .map(|b| format!(" {b}"))
                .unwrap_or_default();
            let stale = if *stale { " · stale" } else { "" };
            format!("{status}{by}{stale}")
        }
        Some(Outcome::NoServer { .. }) => "503 no server".to_owned(),
        Some(Outcome::Failed { status, .. }) => status.to_string(),
        Some(other) => other.label().replace('_', " "),
        None => "in flight".to_owned(),
    };
    format!(
        "{} {} {proto} → {ended}",
        spec.kind.method(),
        spec.kind.path(spec.key)
    )
}

/// The last requests of `run`, `shown` (the one in the event list) pressed; nothing before
/// the first. A plain function (no state), not a component.
pub fn request_history(run: &Run, shown: Option<usize>, dispatch: &Callback<Action>) -> Html {
    if run.traces.is_empty() {
        return html! {};
    }
    html! {
        <section class="panel history" aria-label="Requests sent">
            <h3>{ format!("Requests sent ({})", run.traces.len()) }</h3>
            <ol class="history-list" reversed=true>
                { for run.traces.iter().enumerate().rev().take(SHOWN).map(|(i, trace)| {
                    let verdict = Verdict::of(trace.outcome.as_ref());
                    let current = shown == Some(i);
                    html! {
                        <li value={(i + 1).to_string()}>
                            <button type="button" data-trace={i.to_string()}
                                class={classes!("history-item", verdict.class(), current.then_some("current"))}
                                data-verdict={verdict.class()}
                                aria-pressed={current.to_string()}
                                onclick={dispatch.reform(move |_: MouseEvent| Action::Playback(PlaybackAction::ShowTrace(i)))}>
                                <span class="verdict" title={verdict.word()} aria-label={verdict.word()}>{ verdict.icon() }</span>
                                <span class="when">{ clock_text(trace.sent_at) }</span>
                                <span class="what">{ summary(trace) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
