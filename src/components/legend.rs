//! The key to the line styles of the diagram.

use yew::prelude::*;

const ENTRIES: [(&str, &str); 6] = [
    ("wire-request", "request (HTTP, FastCGI, SQL)"),
    ("wire-entry", "client connection"),
    ("wire-lookup", "DNS lookup"),
    ("wire-vrrp", "virtual IP (VRRP)"),
    ("wire-replication", "replication"),
    ("wire-metrics", "metrics to the collector"),
];

#[component]
pub fn Legend() -> Html {
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
        </ul>
    }
}
