//! Redundant pairs: which variant each is (active-active or active-passive, decided by
//! [`crate::redundancy`]) and the capacity that variant gives.

use crate::redundancy::{self, PairKind, Sharing};
use crate::topology::{NodeKind, ServiceKind};

use super::graph::{Net, rate_text};
use super::{Category, Finding, Severity};

impl Net<'_> {
    pub(super) fn pair_findings(&self, findings: &mut Vec<Finding>) {
        for pair in redundancy::pairs(self.topology) {
            let explanation = redundancy::explain(self.topology, &pair);
            let capacity = self
                .pair_capacity(&pair)
                .map_or_else(String::new, |sentence| format!(" {sentence}"));
            let other = pair.sharing.other();
            findings.push(Finding {
                id: format!("pair:{}", pair.id),
                severity: Severity::Info,
                category: Category::Availability,
                title: explanation.headline.clone(),
                nodes: self.member_hosts(&pair),
                why: format!("{}{capacity}", explanation.body),
                fix: format!(
                    "To see the difference, switch {} to {other} and run the same load and \
                     failure again (Request tab, Redundant pairs: Run both).",
                    pair.title()
                ),
                proof: None,
            });
        }
    }

    /// "Capacity as active-passive: about 24691 req/s (lb-01.haproxy: …)": what the members
    /// that serve while all are up can take together; `None` when none has a rate.
    pub(super) fn pair_capacity(&self, pair: &redundancy::Pair) -> Option<String> {
        let serving = self.serving_services(pair);
        let rates: Vec<(f64, String)> = serving
            .iter()
            .filter_map(|id| {
                let s = self.model.svcs.iter().position(|svc| svc.id == *id)?;
                self.service_rate(s)
            })
            .collect();
        let total: f64 = rates.iter().map(|(rate, _)| rate).sum();
        (!rates.is_empty()).then(|| {
            format!(
                "Capacity as {}: about {} req/s ({}).",
                pair.sharing,
                rate_text(total),
                rates
                    .iter()
                    .map(|(_, line)| line.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
    }

    /// The services that take traffic while every member is up: every server of an
    /// active-active pool, the active ones of an active-passive pool; the HAProxy of every
    /// MASTER of a load-balancer pair.
    fn serving_services(&self, pair: &redundancy::Pair) -> Vec<String> {
        match &pair.kind {
            PairKind::Pool {
                servers, backups, ..
            } => servers
                .iter()
                .filter(|s| pair.sharing == Sharing::ActiveActive || !backups.contains(s))
                .cloned()
                .collect(),
            PairKind::Balancers { vips, .. } => {
                let mut masters: Vec<String> = Vec::new();
                for id in vips {
                    let Some(NodeKind::Vip(vip)) = self.topology.node(id).map(|n| &n.kind) else {
                        continue;
                    };
                    if let Some(master) = redundancy::designated_master(vip)
                        && !masters.iter().any(|m| m == master)
                    {
                        masters.push(master.to_owned());
                    }
                }
                masters
                    .iter()
                    .filter_map(|host| match self.topology.node(host).map(|n| &n.kind) {
                        Some(NodeKind::Host(h)) => h
                            .services
                            .iter()
                            .find(|s| matches!(s.kind, ServiceKind::LoadBalancer(_)))
                            .map(|s| s.id.clone()),
                        _ => None,
                    })
                    .collect()
            }
        }
    }

    /// The hosts a pair's finding points at.
    fn member_hosts(&self, pair: &redundancy::Pair) -> Vec<String> {
        match &pair.kind {
            PairKind::Pool { servers, .. } => servers
                .iter()
                .filter_map(|id| self.topology.service(id).map(|(node, _)| node.id.clone()))
                .collect(),
            PairKind::Balancers { hosts, .. } => hosts.clone(),
        }
    }
}
