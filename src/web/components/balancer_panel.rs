//! Each load balancer's view of its servers: UP or DOWN per its health checks, how many
//! requests each answered, and where the last request went.

use yew::prelude::*;

use crate::sim::health::CheckProgress;
use crate::sim::number::shortest;
use crate::sim::topology::{HealthCheck, ServiceKind, Topology};
use crate::ui::playback::Run;

/// The panel (nothing without a load balancer). A plain function (no state), not a component.
pub fn balancer_panel(topology: &Topology, run: &Run) -> Html {
    let mut lbs: Vec<&str> = run.backends.iter().map(|b| b.lb.as_str()).collect();
    lbs.dedup();
    if lbs.is_empty() {
        return html! {};
    }
    html! {
        <section class="panel balancers" aria-label="Load balancers">
            <h3>{ "Load balancers" }</h3>
            if lbs.len() > 1 {
                <p class="note">{ "Each load balancer keeps its own rotation: the next request goes to the next pick of the one that receives it (the virtual IP's holder), so after a failover the new holder goes on from its own position." }</p>
            }
            { for lbs.into_iter().map(|lb| {
                let last = run.last_pick(lb);
                let next = run.next_pick(lb);
                let host = topology.service(lb).map(|(node, _)| node.id.as_str());
                let down = run.is_down(lb) || host.is_some_and(|h| run.is_down(h));
                html! {
                    <div class={classes!("balancer", down.then_some("down"))} data-lb={lb.to_owned()}>
                        <p class="balancer-head">
                            <strong>{ lb.to_owned() }</strong>
                            <span class="last-pick">{ match last {
                                Some(server) => format!("last pick → {server}"),
                                None => "no request yet".to_owned(),
                            } }</span>
                            <span class="next-pick" data-next={next.unwrap_or_default().to_owned()}>{ match next {
                                Some(server) => format!("next → {server}"),
                                None => "next → none (every server is DOWN)".to_owned(),
                            } }</span>
                        </p>
                        <table class="backends">
                            <thead><tr><th>{ "Server" }</th><th>{ "State" }</th><th>{ "Answered" }</th></tr></thead>
                            <tbody>
                                { for run.backends.iter().filter(|b| b.lb == lb).map(|b| {
                                    let base = match (b.available, b.checked) {
                                        (true, true) => "UP",
                                        (true, false) => "UP (no check)",
                                        (false, _) => "DOWN",
                                    };
                                    let state = match b.checks {
                                        CheckProgress::Steady => base.to_owned(),
                                        CheckProgress::Failing { failed, fall } => {
                                            format!("{base} · failing {failed}/{fall}")
                                        }
                                        CheckProgress::Rising { passed, rise } => {
                                            format!("{base} · rising {passed}/{rise}")
                                        }
                                    };
                                    let picked = last == Some(b.server.as_str());
                                    let upcoming = next == Some(b.server.as_str());
                                    html! {
                                        <tr class={classes!(if b.available { "up" } else { "down" }, picked.then_some("picked"), upcoming.then_some("next"))}
                                            data-server={b.server.clone()}>
                                            <td>{ b.server.clone() }</td>
                                            <td class="state">{ state }</td>
                                            <td class="served">{ b.served }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                        if let Some(check) = check_of(topology, lb) {
                            <p class="note check-note">{ format!(
                                "Health checks every {} s: a server that stops answering is marked DOWN after {} failed checks in a row (about {} s, inter × fall), and UP again after {} passed ones. Until then requests may still be sent to it.",
                                shortest(f64::from(check.inter_ms) / 1000.0),
                                check.fall,
                                shortest(f64::from(check.inter_ms) * f64::from(check.fall) / 1000.0),
                                check.rise
                            ) }</p>
                        }
                    </div>
                }
            }) }
        </section>
    }
}

/// The health-check settings of HAProxy service `lb`, as the design gives them.
fn check_of(topology: &Topology, lb: &str) -> Option<HealthCheck> {
    match topology.service(lb).map(|(_, service)| &service.kind) {
        Some(ServiceKind::LoadBalancer(haproxy)) => Some(haproxy.health_check),
        _ => None,
    }
}
