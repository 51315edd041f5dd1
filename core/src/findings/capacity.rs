//! Capacity: the tier that limits how many requests per second the site serves.

use crate::engine::{Config, Load};
use crate::model::SvcRole;
use crate::time::SimDuration;

use super::graph::{Caps, Net, plural, rate_text};
use super::{Category, Finding, Proof, Severity};

/// One tier of services and what adds capacity to it.
struct Tier {
    key: &'static str,
    name: &'static str,
    is: fn(SvcRole) -> bool,
    fix: &'static str,
}

const TIERS: [Tier; 4] = [
    Tier {
        key: "lb",
        name: "load balancers",
        is: |r| matches!(r, SvcRole::Lb(_)),
        fix: "Give HAProxy more threads (cores), keep TLS sessions alive longer, or add \
              load balancers behind DNS round robin.",
    },
    Tier {
        key: "web",
        name: "web servers",
        is: |r| r == SvcRole::Web,
        fix: "Add web servers to the load balancer, or serve static files from a CDN.",
    },
    Tier {
        key: "app",
        name: "application servers",
        is: |r| matches!(r, SvcRole::App { .. }),
        fix: "Add application servers (or workers), or make each request cheaper: cache \
              pages and queries.",
    },
    Tier {
        key: "db",
        name: "databases",
        is: |r| matches!(r, SvcRole::Db { .. }),
        fix: "Add read replicas, cache queries, or shard the data.",
    },
];

impl Net<'_> {
    /// Requests per second service `s` can take: workers / time per request. HAProxy with a
    /// certificate also pays the share of full TLS handshakes of a load run.
    pub(super) fn service_rate(&self, s: usize) -> Option<(f64, String)> {
        let svc = self.model.svcs.get(s)?;
        let mut time = svc.service_time;
        let mut note = String::new();
        if matches!(svc.role, SvcRole::Lb(_)) && svc.certificate.is_some() {
            let pct = Load::new(0.0, 0).new_session_pct;
            let handshake = Config::default().tls_handshake_cpu;
            time = SimDuration::from_micros(
                time.as_micros() + handshake.as_micros() * u64::from(pct) / 100,
            );
            note = format!(" (with {pct} % full TLS handshakes of {handshake})");
        }
        let secs = time.as_secs_f64();
        if secs <= 0.0 {
            return None;
        }
        let rate = f64::from(svc.workers) / secs;
        let text = format!(
            "{}: {} / {time}{note} = {} req/s",
            svc.id,
            plural(usize::from(svc.workers), "worker", "workers"),
            rate_text(rate)
        );
        Some((rate, text))
    }

    pub(super) fn capacity_finding(
        &self,
        rps: f64,
        base: &Caps,
        used: &[bool],
        findings: &mut Vec<Finding>,
    ) {
        let any_used = used.iter().any(|&u| u);
        let mut tiers: Vec<(&Tier, f64, Vec<String>, Vec<String>)> = Vec::new();
        for tier in &TIERS {
            let mut total = 0.0;
            let mut ids = Vec::new();
            let mut lines = Vec::new();
            for (s, svc) in self.model.svcs.iter().enumerate() {
                if !(tier.is)(svc.role) || (any_used && used.get(s) != Some(&true)) {
                    continue;
                }
                if let Some((rate, line)) = self.service_rate(s) {
                    total += rate;
                    lines.push(line);
                }
                ids.push(svc.id.clone());
            }
            if !lines.is_empty() {
                tiers.push((tier, total, ids, lines));
            }
        }
        let Some(smallest) = tiers
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(tier, ..)| tier.key)
        else {
            return;
        };
        let others: Vec<String> = tiers
            .iter()
            .filter(|(tier, ..)| tier.key != smallest)
            .map(|(tier, total, ..)| format!("{} {} req/s", tier.name, rate_text(*total)))
            .collect();
        let Some((tier, total, ids, lines)) = tiers.into_iter().find(|(t, ..)| t.key == smallest)
        else {
            return;
        };
        let over = rps > total;
        let title = if over {
            format!(
                "{} req/s is more than the {} can take (about {} req/s)",
                rate_text(rps),
                tier.name,
                rate_text(total)
            )
        } else {
            format!(
                "The {} limit the site to about {} req/s",
                tier.name,
                rate_text(total)
            )
        };
        let others = if others.is_empty() {
            String::new()
        } else {
            format!(" The other tiers take: {}.", others.join(", "))
        };
        let outcome = if over {
            "Above that, queues grow until requests time out or are refused (503)."
        } else {
            "The configured load fits."
        };
        findings.push(Finding {
            id: format!("capacity:{}", tier.key),
            severity: if over {
                Severity::Error
            } else {
                Severity::Info
            },
            category: Category::Capacity,
            title,
            nodes: ids,
            why: format!(
                "{}. {outcome}{others} Every request is counted at every tier; static files \
                 never reach the application or database, so a mix with them goes a little \
                 further.",
                lines.join("; ")
            ),
            fix: tier.fix.to_owned(),
            proof: Some(Proof::Load {
                rps,
                https: base.https.iter().any(|&s| s),
            }),
        });
    }
}
