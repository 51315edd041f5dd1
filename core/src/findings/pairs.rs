//! Redundant pairs: which variant each is (active-active or active-passive, decided by
//! [`crate::redundancy`]) and the capacity that variant gives.

use crate::redundancy::{self, PairKind};

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
        let serving = redundancy::serving(self.topology, pair);
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
