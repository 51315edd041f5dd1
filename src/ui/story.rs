//! The four stages as one story: what each stage adds to the design before it, and which
//! findings that clears or brings. UI-side and pure, natively tested; the findings and their
//! comparison come from the core ([`findings::analyze`], [`findings::diff`]).

use crate::sim::findings::{self, FindingsDiff};
use crate::sim::presets::{self, STAGES};
use crate::sim::topology::{NodeKind, ServiceKind, Topology};

/// One step of the story: stage `number` compared with the stage before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub number: u8,
    pub title: &'static str,
    /// What the design gained or lost, one short line each ("new host lb-02 (10.0.0.3)").
    pub changes: Vec<String>,
    /// The findings of the stage before against this stage's.
    pub diff: FindingsDiff,
}

/// Stages 1 to 3, each against the one before it.
pub fn steps() -> Vec<Step> {
    let designs: Vec<(u8, Topology)> = STAGES
        .iter()
        .filter_map(|s| Some((s.number, presets::topology(s.number)?)))
        .collect();
    let found: Vec<_> = designs
        .iter()
        .map(|(_, t)| findings::analyze(t, None))
        .collect();
    designs
        .windows(2)
        .zip(found.windows(2))
        .filter_map(|(pair, f)| {
            let [(_, before), (number, after)] = pair else {
                return None;
            };
            let [found_before, found_after] = f else {
                return None;
            };
            Some(Step {
                number: *number,
                title: presets::stage(*number).map_or("", |s| s.title),
                changes: changes(before, after),
                diff: findings::diff(found_before, found_after),
            })
        })
        .collect()
}

fn node_words(kind: &NodeKind) -> String {
    match kind {
        NodeKind::Client { ip } => format!("client ({ip})"),
        NodeKind::Dns(zone) => format!("DNS zone {}", zone.domain),
        NodeKind::Host(host) => format!("({})", host.ip),
        NodeKind::Vip(vip) => format!("virtual IP {} (VRRP)", vip.ip),
        NodeKind::Collector { product, .. } => format!("collector ({product})"),
    }
}

fn service_word(kind: &ServiceKind) -> &'static str {
    match kind {
        ServiceKind::LoadBalancer(_) => "HAProxy",
        ServiceKind::WebServer(_) => "Nginx",
        ServiceKind::AppServer(_) => "application server",
        ServiceKind::AppFiles { .. } => "application files",
        ServiceKind::Database(_) => "MySQL",
    }
}

fn has_certificate(kind: &ServiceKind) -> bool {
    match kind {
        ServiceKind::LoadBalancer(lb) => lb.certificate.is_some(),
        ServiceKind::WebServer(web) => web.certificate.is_some(),
        _ => false,
    }
}

/// What `after` adds to (and removes from) `before`, by node and service id, one line each:
/// new and removed nodes, services, firewalls, agents and certificates, moved addresses.
pub fn changes(before: &Topology, after: &Topology) -> Vec<String> {
    let mut out = Vec::new();
    for node in &after.nodes {
        let Some(old) = before.node(&node.id) else {
            match &node.kind {
                NodeKind::Host(host) => {
                    let services: Vec<&str> = host
                        .services
                        .iter()
                        .map(|s| service_word(&s.kind))
                        .collect();
                    out.push(format!(
                        "new host {} {}: {}",
                        node.id,
                        node_words(&node.kind),
                        if services.is_empty() {
                            "no services".to_owned()
                        } else {
                            services.join(", ")
                        }
                    ));
                }
                other => out.push(format!("new {}", node_words(other))),
            }
            continue;
        };
        let (NodeKind::Host(new), NodeKind::Host(old)) = (&node.kind, &old.kind) else {
            continue;
        };
        let id = &node.id;
        if new.ip != old.ip {
            out.push(format!("{id} moves from {} to {}", old.ip, new.ip));
        }
        for service in &new.services {
            match old.services.iter().find(|s| s.id == service.id) {
                None => out.push(format!(
                    "new {} {} on {id}",
                    service_word(&service.kind),
                    service.id
                )),
                Some(was) if has_certificate(&service.kind) && !has_certificate(&was.kind) => {
                    out.push(format!("certificate on {} (HTTPS)", service.id));
                }
                Some(_) => {}
            }
        }
        for service in &old.services {
            if !new.services.iter().any(|s| s.id == service.id) {
                out.push(format!("{} leaves {id}", service.id));
            }
        }
        match (&old.firewall, &new.firewall) {
            (None, Some(fw)) => out.push(format!(
                "firewall on {id} ({} rule{}, default {})",
                fw.rules.len(),
                if fw.rules.len() == 1 { "" } else { "s" },
                format!("{:?}", fw.default_incoming).to_ascii_lowercase()
            )),
            (Some(_), None) => out.push(format!("no firewall on {id} any more")),
            _ => {}
        }
        match (&old.agent, &new.agent) {
            (None, Some(agent)) => out.push(format!("{} agent on {id}", agent.product)),
            (Some(_), None) => out.push(format!("no agent on {id} any more")),
            _ => {}
        }
    }
    for node in &before.nodes {
        if after.node(&node.id).is_none() {
            out.push(format!("{} removed", node.id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[findings::Finding]) -> Vec<&str> {
        list.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn the_story_has_one_step_per_stage_after_the_first() {
        let steps = steps();
        let numbers: Vec<u8> = steps.iter().map(|s| s.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(steps[2].title, "Scaled and split");
    }

    #[test]
    fn stage_1_clears_the_single_server_and_brings_the_lb_spof() {
        let step = &steps()[0];
        assert!(
            ids(&step.diff.cleared).contains(&"spof:server-01"),
            "{step:#?}"
        );
        assert!(ids(&step.diff.added).contains(&"spof:lb-01"), "{step:#?}");
        assert!(
            step.changes.iter().any(|c| c.starts_with("new host lb-01")),
            "{:?}",
            step.changes
        );
        assert!(
            step.changes
                .iter()
                .any(|c| c == "server-01 moves from 8.8.8.8 to 10.0.0.11"),
            "{:?}",
            step.changes
        );
    }

    #[test]
    fn stage_2_secures_and_monitors_but_shows_plaintext_after_tls() {
        let step = &steps()[1];
        let cleared = ids(&step.diff.cleared);
        for id in [
            "no-https",
            "no-firewall:lb-01",
            "no-collector",
            "no-agent:lb-01",
        ] {
            assert!(cleared.contains(&id), "{id} not in {cleared:?}");
        }
        assert_eq!(ids(&step.diff.added), ["plaintext-after-tls"]);
        for change in [
            "certificate on lb-01.haproxy (HTTPS)",
            "firewall on lb-01 (2 rules, default deny)",
        ] {
            assert!(
                step.changes.iter().any(|c| c == change),
                "{change} not in {:?}",
                step.changes
            );
        }
        assert!(step.changes.iter().any(|c| c.starts_with("new collector")));
    }

    #[test]
    fn stage_3_clears_the_lb_spof() {
        let step = &steps()[2];
        let cleared = ids(&step.diff.cleared);
        assert!(cleared.contains(&"spof:lb-01"), "{cleared:?}");
        assert!(cleared.contains(&"spof:server-01.mysql"), "{cleared:?}");
        assert_eq!(ids(&step.diff.added), ["spof:app-01", "spof:db-01"]);
        assert_eq!(ids(&step.diff.kept), ["plaintext-after-tls"]);
        assert!(step.changes.iter().any(|c| c == "server-01 removed"));
        assert!(
            step.changes
                .iter()
                .any(|c| c.starts_with("new virtual IP 8.8.8.8"))
        );
    }

    #[test]
    fn identical_designs_change_nothing() {
        let Some(t) = presets::topology(2) else {
            panic!("stage 2");
        };
        assert!(changes(&t, &t).is_empty());
    }
}
