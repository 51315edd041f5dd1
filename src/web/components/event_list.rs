//! The event list, Packet Tracer style: one row per hop of the shown request (time since it
//! was sent, place, decision and reason, encrypted or not), then its outcome.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::sim::number::fixed;
use crate::sim::time::SimTime;
use crate::sim::trace::{HopKind, Trace};
use crate::ui::playback::Verdict;
use crate::ui::state::{Action, PlaybackAction};

#[derive(Properties, PartialEq)]
pub struct EventListProps {
    pub trace: Option<Trace>,
    /// The current hop.
    pub hop: Option<usize>,
    pub dispatch: Callback<Action>,
}

/// A hop's kind as a short word.
pub fn kind_label(kind: HopKind) -> &'static str {
    match kind {
        HopKind::Dns => "DNS",
        HopKind::Connect => "TCP",
        HopKind::Firewall => "Firewall",
        HopKind::Vrrp => "VRRP",
        HopKind::Tls => "TLS",
        HopKind::Balance => "Balance",
        HopKind::Queue => "Queue",
        HopKind::Serve => "Serve",
        HopKind::Forward => "Forward",
        HopKind::Database => "MySQL",
        HopKind::Response => "Response",
        HopKind::Failure => "Failure",
    }
}

/// Milliseconds from `sent` to `at`, e.g. `+112.0 ms`.
pub fn since_text(sent: SimTime, at: SimTime) -> String {
    format!(
        "+{} ms",
        fixed(at.saturating_since(sent).as_millis_f64(), 1)
    )
}

/// Keeps the current row in view inside the list's own scroll box (not the page's).
fn scroll_to_current(list: &NodeRef) {
    let Some(list) = list.cast::<HtmlElement>() else {
        return;
    };
    let Some(row) = list
        .query_selector("tr.current")
        .ok()
        .flatten()
        .and_then(|row| row.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    // Centre the row; the browser clamps at both ends.
    let (top, height) = (row.offset_top(), row.offset_height());
    list.set_scroll_top(top - (list.client_height() - height) / 2);
}

#[component]
pub fn EventList(props: &EventListProps) -> Html {
    let EventListProps {
        trace,
        hop,
        dispatch,
    } = props;
    let list = use_node_ref();
    {
        let list = list.clone();
        let key = (trace.as_ref().map(|t| t.id), *hop);
        use_effect_with(key, move |_| scroll_to_current(&list));
    }
    let Some(trace) = trace else {
        return html! {
            <p class="empty-list">{ "Send a request (or click the browser) to watch it travel, hop by hop." }</p>
        };
    };
    let rows = trace.hops.iter().enumerate().map(|(i, h)| {
        let state = match hop {
            Some(current) if i == *current => "current",
            Some(current) if i < *current => "past",
            _ => "upcoming",
        };
        let (lock, lock_title) = if h.encrypted {
            ("TLS", "encrypted on the wire")
        } else {
            ("plain", "plain text on the wire")
        };
        html! {
            <tr class={classes!("hop-row", state)} data-hop={i.to_string()}
                onclick={dispatch.reform(move |_: MouseEvent| Action::Playback(PlaybackAction::ShowHop(i)))}>
                <td class="n">{ i + 1 }</td>
                <td class="time">{ since_text(trace.sent_at, h.at) }</td>
                <td class="what">
                    <span class="place">{ h.place.clone() }</span>
                    <span class={classes!("kind", format!("kind-{}", kind_label(h.kind).to_ascii_lowercase()))}>
                        { kind_label(h.kind) }
                    </span>
                    <span class="reason">{ h.reason.clone() }</span>
                </td>
                <td class="enc"><span class={classes!("lock", lock.to_ascii_lowercase())} title={lock_title}>{ lock }</span></td>
            </tr>
        }
    });
    let at_end = hop.is_some_and(|h| h + 1 == trace.hops.len());
    let outcome = match &trace.outcome {
        Some(outcome) => {
            let verdict = Verdict::of(Some(outcome));
            html! {
            <tr class={classes!("outcome-row", format!("outcome-{}", outcome.label()), verdict.class(), at_end.then_some("reached"))}
                data-verdict={verdict.class()}>
                <td colspan="4">
                    <span class="verdict" aria-hidden="true">{ verdict.icon() }</span>
                    <strong>{ if verdict == Verdict::Stale { "Outcome (stale read): " } else { "Outcome: " } }</strong>{ outcome.to_string() }
                    if let Some(latency) = trace.latency() {
                        <span class="latency">{ format!(" · {latency} after sending") }</span>
                    }
                    if let Some(fix) = trace.diagnosis.as_ref().and_then(|d| d.fix.as_ref()) {
                        <p class="outcome-fix">{ format!("Fix: {fix}.") }</p>
                    }
                </td>
            </tr>
            }
        }
        None => html! {
            <tr class="outcome-row"><td colspan="4">{ "Still on its way" }</td></tr>
        },
    };
    html! {
        <div class="event-scroll" ref={list}>
            <table class="event-list">
                <thead>
                    <tr>
                        <th scope="col">{ "#" }</th>
                        <th scope="col">{ "Time" }</th>
                        <th scope="col">{ "Place, decision and reason" }</th>
                        <th scope="col" title="Encrypted on the wire?">{ "Wire" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for rows }
                    { outcome }
                </tbody>
            </table>
        </div>
    }
}
