//! Monitoring: hosts whose metrics nobody collects.

use crate::topology::NodeKind;

use super::graph::Net;
use super::{Category, Finding, Proof, Severity};

impl Net<'_> {
    pub(super) fn monitoring_findings(&self, findings: &mut Vec<Finding>) {
        let collectors: Vec<&str> = self
            .topology
            .nodes
            .iter()
            .filter(|node| matches!(node.kind, NodeKind::Collector { .. }))
            .map(|node| node.id.as_str())
            .collect();
        for (node, host) in self.topology.hosts() {
            match &host.agent {
                None => findings.push(Finding {
                    id: format!("no-agent:{}", node.id),
                    severity: Severity::Warning,
                    category: Category::Monitoring,
                    title: format!("{} is a blind spot: no monitoring agent", node.id),
                    nodes: vec![node.id.clone()],
                    why: "Nobody sees its load, errors or a full disk until visitors notice."
                        .to_owned(),
                    fix: if collectors.is_empty() {
                        "Install an agent that reports to a collector, and add the collector."
                            .to_owned()
                    } else {
                        format!(
                            "Install an agent that reports to {}.",
                            collectors.join(" or ")
                        )
                    },
                    proof: Some(Proof::Metrics {
                        host: node.id.clone(),
                    }),
                }),
                Some(agent) if !collectors.contains(&agent.collector.as_str()) => {
                    findings.push(Finding {
                        id: format!("collector-missing:{}", node.id),
                        severity: Severity::Error,
                        category: Category::Monitoring,
                        title: format!(
                            "{}'s agent reports to {}, which is not a collector",
                            node.id, agent.collector
                        ),
                        nodes: vec![node.id.clone()],
                        why: "Its metrics go nowhere: the host is as blind as without an agent."
                            .to_owned(),
                        fix: "Point the agent at a collector node, or add that collector."
                            .to_owned(),
                        proof: None,
                    });
                }
                Some(_) => {}
            }
        }
        if collectors.is_empty() {
            findings.push(Finding {
                id: "no-collector".to_owned(),
                severity: Severity::Warning,
                category: Category::Monitoring,
                title: "Nothing collects metrics".to_owned(),
                nodes: Vec::new(),
                why: "Without a monitoring platform there are no dashboards, no history and no \
                      alerts: failures are found by visitors."
                    .to_owned(),
                fix: "Add a collector (e.g. Sumo Logic, Datadog, Prometheus) and an agent on \
                      every host that reports to it."
                    .to_owned(),
                proof: None,
            });
        }
    }
}
