//! The key to the line styles of the diagram and to the request dot's colours.

use yew::prelude::*;

const ENTRIES: [(&str, &str); 6] = [
    ("wire-request", "request (HTTP, FastCGI, SQL)"),
    ("wire-entry", "client connection"),
    ("wire-lookup", "DNS lookup"),
    ("wire-vrrp", "virtual IP (VRRP)"),
    ("wire-replication", "replication"),
    ("wire-metrics", "metrics to the collector"),
];

const DOTS: [(&str, &str); 2] = [
    ("tls", "request encrypted (TLS)"),
    ("plain", "request in plain text"),
];

/// A plain function, not a component: it has no props or state, and a component costs ~1.7 KB of
/// Yew's generic code per type.
pub fn legend() -> Html {
    html! {
        <ul class="legend" aria-label="Legend">
            { for ENTRIES.iter().map(|(class, label)| html! {
                <li>
                    <svg class="legend-swatch" viewBox="0 0 32 8" width="32" height="8" aria-hidden="true">
                        <line class={classes!("wire", *class)} x1="0" y1="4" x2="32" y2="4" />
                    </svg>
                    { *label }
                </li>
            }) }
            { for DOTS.iter().map(|(class, label)| html! {
                <li>
                    <svg class="legend-swatch" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
                        <circle class={classes!("request-dot", *class)} cx="6" cy="6" r="5" />
                    </svg>
                    { *label }
                </li>
            }) }
        </ul>
    }
}
