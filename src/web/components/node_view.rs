//! One node of the diagram: a host with its services and badges, or a client, DNS zone,
//! virtual IP or collector.

use yew::prelude::*;

use crate::sim::number::shortest;

use crate::sim::topology::{Balance, DbRole, Host, Node, NodeKind, Service, ServiceKind};
use crate::ui::layout::{HOST_HEADER, Rect, SMALL_H, SMALL_W, service_rect};
use crate::ui::state::{Marks, Selection, Shared};

#[derive(Properties, PartialEq)]
pub struct NodeViewProps {
    /// Shared, so that comparing the props of a node nobody changed compares pointers.
    pub node: Shared<Node>,
    pub rect: Rect,
    /// The current hop, the selection, what is down, the balancers' view of their servers.
    #[prop_or_default]
    pub marks: Shared<Marks>,
    /// A click on the node or on one of its services.
    #[prop_or_default]
    pub on_select: Callback<Selection>,
    /// A shift-click on the node: pick it too, or no longer.
    #[prop_or_default]
    pub on_toggle: Callback<String>,
    /// One of the picked nodes (multi-selection).
    #[prop_or_default]
    pub picked: bool,
    /// "C" on the focused node or service: connect from it ("Connect from here").
    #[prop_or_default]
    pub on_connect: Callback<String>,
}

/// The handle a connection is dragged from, centred on (`x`, `y`) of its element.
fn port(id: &str, x: f64, y: f64) -> Html {
    html! {
        <circle class="port" data-port={id.to_owned()} cx={shortest(x).to_string()} cy={shortest(y).to_string()} r="6">
            <title>{ format!("Drag from here to connect {id}") }</title>
        </circle>
    }
}

/// The CSS classes that mark `id` (a node or service) with the page's state, including the
/// nodes of the finding under the pointer or the keyboard focus (`flagged`).
fn mark_classes(marks: &Marks, id: &str) -> Classes {
    classes!(
        marks.down.contains(id).then_some("down"),
        (marks.current.as_deref() == Some(id)).then_some("hop-current"),
        (marks.selected.as_deref() == Some(id)).then_some("selected"),
        marks.flagged.contains(id).then_some("flagged"),
        marks.route.as_ref().and_then(|r| {
            if r.stop.as_deref() == Some(id) {
                Some("route-stop")
            } else if r.places.contains(id) {
                Some(if r.served { "route-ok" } else { "route-failed" })
            } else {
                None
            }
        }),
    )
}

/// Keys on a focused node or service: Enter selects it, as a click does; C connects from it
/// ("Connect from here": the next one picked is the other end).
fn on_key(
    on_select: &Callback<Selection>,
    on_connect: &Callback<String>,
    selection: Selection,
) -> Callback<KeyboardEvent> {
    let (on_select, on_connect) = (on_select.clone(), on_connect.clone());
    Callback::from(move |event: KeyboardEvent| {
        let plain = !(event.ctrl_key() || event.meta_key() || event.alt_key());
        match event.key().as_str() {
            "Enter" => {
                event.stop_propagation();
                on_select.emit(selection.clone());
            }
            "c" | "C" if plain => {
                if let Selection::Node(id) | Selection::Service(id) = &selection {
                    event.stop_propagation();
                    event.prevent_default();
                    on_connect.emit(id.clone());
                }
            }
            _ => {}
        }
    })
}

#[component]
pub fn NodeView(props: &NodeViewProps) -> Html {
    let NodeViewProps {
        node,
        rect,
        marks,
        on_select,
        on_toggle,
        picked,
        on_connect,
    } = props;
    let transform = format!("translate({} {})", shortest(rect.x), shortest(rect.y));
    let onclick = {
        let id = node.id.clone();
        let (on_select, on_toggle) = (on_select.clone(), on_toggle.clone());
        Callback::from(move |event: MouseEvent| {
            if event.shift_key() {
                on_toggle.emit(id.clone());
            } else {
                on_select.emit(Selection::Node(id.clone()));
            }
        })
    };
    let port_y = if matches!(node.kind, NodeKind::Host(_)) {
        HOST_HEADER / 2.0
    } else {
        rect.h / 2.0
    };
    let (class, body) = match &node.kind {
        NodeKind::Host(host) => (
            "host",
            host_body(node, host, *rect, marks, on_select, on_connect),
        ),
        NodeKind::Client { ip } => ("client", small_body(&node.name, &ip.to_string(), "client")),
        NodeKind::Dns(zone) => {
            let records: Vec<String> = zone
                .records
                .iter()
                .map(|r| format!("{} A {} (TTL {})", r.name, r.address, r.ttl))
                .collect();
            ("dns", small_body(&zone.domain, &records.join(", "), "dns"))
        }
        NodeKind::Vip(vip) => {
            // Who holds it is the state that matters in a failover: a label beside the box
            // that stays readable at any zoom (see `.state-label` in style.css).
            let holder = marks.vip_holders.get(&node.id).map(|holder| {
                let (class, text) = match holder {
                    Some(holder) => ("held", format!("held by {holder}")),
                    None => ("unheld", "nobody holds it".to_owned()),
                };
                // Keyed by its words: a new element when the holder changes (Chromium kept
                // painting the old words of an SVG text whose content alone changed).
                html! {
                    <text key={text.clone()} class={classes!("state-label", "vip-holder", class)}
                        x={shortest(SMALL_W + 8.0).to_string()} y={shortest(SMALL_H / 2.0 + 4.0).to_string()}>
                        { text }
                    </text>
                }
            });
            (
                "vip",
                html! {
                    <>
                        { small_body(&format!("VIP {}", vip.ip), &format!("VRRP · advert {} s", vip.advert_int_s), "vip") }
                        { for holder }
                    </>
                },
            )
        }
        NodeKind::Collector { ip, product } => (
            "collector",
            small_body(
                &format!("{} ({product})", node.name),
                &ip.to_string(),
                "collector",
            ),
        ),
    };
    html! {
        <g class={classes!("node", class, mark_classes(marks, &node.id), picked.then_some("picked"))}
            data-id={node.id.clone()} {transform} {onclick} tabindex="0" role="button"
            onkeydown={on_key(on_select, on_connect, Selection::Node(node.id.clone()))}>
            <title>{ node_title(node) }</title>
            { body }
            { port(&node.id, rect.w, port_y) }
        </g>
    }
}

fn node_title(node: &Node) -> String {
    match &node.kind {
        NodeKind::Host(host) => {
            let mut lines = vec![format!("{} ({})", node.name, host.ip)];
            if let Some(fw) = &host.firewall {
                lines.push("Firewall, first match wins:".to_owned());
                lines.extend(
                    fw.rules
                        .iter()
                        .enumerate()
                        .map(|(i, r)| format!("  {}. {r}", i + 1)),
                );
                lines.push(
                    format!("  default incoming: {:?}", fw.default_incoming).to_ascii_lowercase(),
                );
            } else {
                lines.push("No firewall: every port is reachable".to_owned());
            }
            match &host.agent {
                Some(agent) => lines.push(format!(
                    "Agent: {} every {} s",
                    agent.product, agent.interval_s
                )),
                None => lines.push("No monitoring agent".to_owned()),
            }
            lines.join("\n")
        }
        _ => node.name.clone(),
    }
}

/// A class for a VRRP role's colour: the active one, a passive one, or one that cannot serve.
fn role_class(role: &str) -> &'static str {
    if role.starts_with("active") {
        "active"
    } else if role.starts_with("passive") {
        "passive"
    } else {
        "out"
    }
}

fn small_body(title: &str, detail: &str, icon: &str) -> Html {
    html! {
        <>
            <rect class="node-box" width={shortest(SMALL_W).to_string()} height={shortest(SMALL_H).to_string()} rx="8" />
            <g class={classes!("icon", format!("icon-{icon}"))} transform="translate(10 15)">{ icon_shape(icon) }</g>
            <text class="node-name" x="42" y="23">{ title.to_owned() }</text>
            <text class="ip" x="42" y="40">{ detail.to_owned() }</text>
        </>
    }
}

fn icon_shape(icon: &str) -> Html {
    match icon {
        "client" => {
            html! { <><rect x="0" y="2" width="22" height="15" rx="2" /><path d="M 6 21 H 16" /></> }
        }
        "dns" => {
            html! { <><circle cx="11" cy="11" r="10" /><path d="M 1 11 H 21 M 11 1 C 5 6 5 16 11 21 M 11 1 C 17 6 17 16 11 21" /></> }
        }
        "vip" => {
            html! { <><circle cx="11" cy="11" r="10" /><text x="11" y="15" class="icon-text">{ "IP" }</text></> }
        }
        _ => {
            html! { <><rect x="1" y="4" width="20" height="14" rx="2" /><path d="M 4 14 L 8 9 L 12 12 L 18 6" /></> }
        }
    }
}

fn host_body(
    node: &Node,
    host: &Host,
    rect: Rect,
    marks: &Marks,
    on_select: &Callback<Selection>,
    on_connect: &Callback<String>,
) -> Html {
    let ips = match host.public_ip {
        Some(public) => format!("{} · public {}", host.ip, public),
        None => host.ip.to_string(),
    };
    let origin = Rect {
        x: 0.0,
        y: 0.0,
        ..rect
    };
    let mut badge_x = rect.w - 26.0;
    let mut badges = Vec::new();
    if let Some(agent) = &host.agent {
        badges.push(html! {
            <g class="badge badge-agent" transform={format!("translate({} 8)", shortest(badge_x))}>
                <title>{ format!("Monitoring agent: {}", agent.product) }</title>
                <circle cx="9" cy="9" r="9" />
                <path d="M 3 10 H 6 L 8 5 L 11 13 L 13 9 H 15" />
            </g>
        });
        badge_x -= 24.0;
    }
    if let Some(fw) = &host.firewall {
        badges.push(html! {
            <g class="badge badge-firewall" transform={format!("translate({} 8)", shortest(badge_x))}>
                <title>{ format!("Firewall: {} rule(s), default {:?}", fw.rules.len(), fw.default_incoming).to_ascii_lowercase() }</title>
                <path d="M 9 0 L 18 3 V 9 C 18 14 14 17 9 19 C 4 17 0 14 0 9 V 3 Z" />
            </g>
        });
    }
    html! {
        <>
            <rect class="node-box host-box" width={shortest(rect.w).to_string()} height={shortest(rect.h).to_string()} rx="8" />
            <text class="node-name" x="10" y="18">{ node.name.clone() }</text>
            <text class="ip" x="10" y="34">{ ips }</text>
            // Above the box, readable at any zoom: which load balancer is active now (keyed by
            // its words, as the virtual IP's holder is).
            { for marks.vrrp_roles.get(&node.id).map(|role| html! {
                <text key={role.clone()} class={classes!("state-label", "vrrp-role", role_class(role))} x="2" y="-7">
                    { role.clone() }
                </text>
            }) }
            if marks.down.contains(&node.id) {
                <text class="down-label" x={shortest(rect.w - 10.0).to_string()} y="34">{ "DOWN" }</text>
            }
            { for badges }
            { for host.services.iter().enumerate().map(|(idx, service)| {
                service_row(service, service_rect(origin, idx), marks, on_select, on_connect)
            }) }
        </>
    }
}

fn service_row(
    service: &Service,
    rect: Rect,
    marks: &Marks,
    on_select: &Callback<Selection>,
    on_connect: &Callback<String>,
) -> Html {
    let (class, glyph, mut label) = service_text(&service.kind);
    if marks.down.contains(&service.id) {
        label.push_str(" · down");
    }
    let onclick = {
        let id = service.id.clone();
        on_select.reform(move |event: MouseEvent| {
            // The host's own click would select the host instead.
            event.stop_propagation();
            Selection::Service(id.clone())
        })
    };
    let chip = marks.chips.get(&service.id).map(|chip| {
        let (state, text) = if chip.up {
            ("chip-up", format!("UP · {}", chip.served))
        } else {
            ("chip-down", format!("DOWN · {}", chip.served))
        };
        html! {
            <g class={classes!("chip", state)} transform={format!("translate({} 4)", shortest(rect.w - 66.0))}>
                <title>{ format!("Load balancer's view: {}; answered {} request(s)",
                    if chip.up { "UP" } else { "DOWN" }, chip.served) }</title>
                <rect width="62" height={shortest(rect.h - 8.0).to_string()} rx="7" />
                <text x="31" y={shortest((rect.h - 8.0) / 2.0).to_string()}>{ text }</text>
            </g>
        }
    });
    let certificate = match &service.kind {
        ServiceKind::LoadBalancer(lb) => lb.certificate.as_ref(),
        ServiceKind::WebServer(web) => web.certificate.as_ref(),
        _ => None,
    };
    html! {
        <g class={classes!("service", class, mark_classes(marks, &service.id))} data-id={service.id.clone()}
            transform={format!("translate({} {})", shortest(rect.x), shortest(rect.y))} {onclick} tabindex="0" role="button"
            onkeydown={on_key(on_select, on_connect, Selection::Service(service.id.clone()))}>
            <title>{ format!("{} (click to take it down or bring it up)", service.id) }</title>
            <rect class="service-box" width={shortest(rect.w).to_string()} height={shortest(rect.h).to_string()} rx="4" />
            <rect class="glyph" x="3" y="3" width="26" height={shortest(rect.h - 6.0).to_string()} rx="3" />
            <text class="glyph-text" x="16" y={shortest(rect.h / 2.0 + 4.0).to_string()}>{ glyph }</text>
            <text class="service-label" x="36" y={shortest(rect.h / 2.0 + 4.0).to_string()}>{ label }</text>
            if let Some(cert) = certificate {
                <g class="badge badge-cert" transform={format!("translate({} 3)", shortest(rect.w - 20.0))}>
                    <title>{ format!("SSL certificate for {} ({}): HTTPS on :443 ends here", cert.common_name, cert.issuer) }</title>
                    <rect x="2" y="7" width="12" height="9" rx="1.5" />
                    <path d="M 4.5 7 V 4.5 C 4.5 1 11.5 1 11.5 4.5 V 7" />
                </g>
            }
            { for chip }
            { port(&service.id, rect.w, rect.h / 2.0) }
        </g>
    }
}

fn service_text(kind: &ServiceKind) -> (&'static str, &'static str, String) {
    match kind {
        ServiceKind::LoadBalancer(lb) => {
            // With a certificate the row carries a lock badge (HTTPS on :443 ends here).
            let balance = match lb.balance {
                Balance::RoundRobin => "round robin",
                other => other.keyword(),
            };
            ("svc-lb", "LB", format!("HAProxy · {balance}"))
        }
        ServiceKind::WebServer(web) => ("svc-web", "W", format!("Nginx :{}", web.listen)),
        ServiceKind::AppServer(app) => ("svc-app", "A", format!("{} :{}", app.runtime, app.port)),
        ServiceKind::AppFiles { path } => ("svc-files", "</>", format!("app files {path}")),
        ServiceKind::Database(db) => {
            let role = match &db.role {
                DbRole::Primary => "primary".to_owned(),
                DbRole::Replica { lag_ms, .. } => format!("replica · lag {lag_ms} ms"),
            };
            ("svc-db", "DB", format!("MySQL {role}"))
        }
    }
}
