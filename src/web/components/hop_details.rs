//! The details of the current hop: when, where, from which address and port to which,
//! encrypted or not, and the whole reason.

use std::net::Ipv4Addr;

use yew::prelude::*;

use crate::sim::trace::Trace;
use crate::web::components::event_list::{kind_label, since_text};
use crate::web::components::send_bar::clock_text;

fn endpoint(end: Option<(Ipv4Addr, u16)>) -> String {
    match end {
        Some((ip, 0)) => ip.to_string(),
        Some((ip, port)) => format!("{ip}:{port}"),
        None => "—".to_owned(),
    }
}

/// The details of hop `hop` of `trace` (nothing before the first hop). A plain function (no
/// state), not a component.
pub fn hop_details(trace: Option<&Trace>, hop: Option<usize>) -> Html {
    let Some((trace, i)) = trace.zip(hop) else {
        return html! {};
    };
    let Some(hop) = trace.hops.get(i) else {
        return html! {};
    };
    html! {
        <section class="hop-details" aria-label="Current hop">
            <h3>{ format!("Hop {} of {} · {}", i + 1, trace.hops.len(), kind_label(hop.kind)) }</h3>
            <dl>
                <dt>{ "When" }</dt>
                <dd>{ format!("{} after sending ({})", since_text(trace.sent_at, hop.at), clock_text(hop.at)) }</dd>
                <dt>{ "Where" }</dt>
                <dd class="detail-place">{ hop.place.clone() }</dd>
                <dt>{ "From" }</dt>
                <dd class="mono detail-src">{ endpoint(hop.src) }</dd>
                <dt>{ "To" }</dt>
                <dd class="mono detail-dst">{ endpoint(hop.dst) }</dd>
                <dt>{ "On the wire" }</dt>
                <dd class="detail-enc">{ if hop.encrypted { "encrypted (TLS)" } else { "plain text" } }</dd>
                <dt>{ "Decision" }</dt>
                <dd class="detail-reason">{ hop.reason.clone() }</dd>
            </dl>
        </section>
    }
}
