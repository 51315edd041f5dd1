//! Designs and values more than one module of this binary builds: the presets by number, a host
//! to change in place, stage 1 set up for HAProxy's connection retries, seconds as `SimTime`.

use stacksim::sim::presets;
use stacksim::sim::time::SimTime;
use stacksim::sim::topology::{Host, NodeKind, ServiceKind, Topology};

/// Preset stage `n` (0 to 3).
#[track_caller]
pub fn stage(n: u8) -> Topology {
    presets::topology(n).unwrap_or_else(|| panic!("no stage {n}"))
}

/// Stage `n` without the firewall rules that let plain HTTP (tcp/80) in: its load balancers'
/// firewalls admit HTTPS only, so plain HTTP is dropped by their default policy.
pub fn https_only(n: u8) -> Topology {
    let mut t = stage(n);
    for node in &mut t.nodes {
        if let NodeKind::Host(host) = &mut node.kind
            && let Some(firewall) = &mut host.firewall
            && host
                .services
                .iter()
                .any(|s| matches!(s.kind, ServiceKind::LoadBalancer(_)))
        {
            firewall.rules.retain(|rule| rule.port != Some(80));
        }
    }
    t
}

/// The host `id` of `topology`, to change in place.
#[track_caller]
pub fn host_mut<'a>(topology: &'a mut Topology, id: &str) -> &'a mut Host {
    topology
        .nodes
        .iter_mut()
        .find_map(|node| match &mut node.kind {
            NodeKind::Host(host) if node.id == id => Some(host),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no host {id}"))
}

/// Stage 1 as the measured retry cases ran it: lb-01.haproxy in front of server-01.nginx and
/// server-02.nginx, roundrobin 1:1, `check` off, `retries 3`, `option redispatch` on or off.
pub fn retry_design(redispatch: bool) -> Topology {
    let mut t = stage(1);
    for link in &mut t.links {
        if link.from == "lb-01.haproxy" {
            link.check = false;
        }
    }
    for node in &mut t.nodes {
        if let NodeKind::Host(host) = &mut node.kind {
            for service in &mut host.services {
                if let ServiceKind::LoadBalancer(lb) = &mut service.kind {
                    lb.retries = 3;
                    lb.redispatch = redispatch;
                }
            }
        }
    }
    t
}

/// `s` seconds after the start, to the nearest microsecond.
pub fn secs(s: f64) -> SimTime {
    SimTime::from_micros((s * 1_000_000.0).round() as u64)
}

/// The Content-Security-Policy that `page` (the text of `index.html`) sets in its meta element.
#[allow(
    dead_code,
    reason = "for the tidy and web binaries; this one reads no page"
)]
pub fn content_security_policy(page: &str) -> Option<&str> {
    let (_, rest) = page.split_once("http-equiv=\"Content-Security-Policy\"")?;
    let (_, rest) = rest.split_once("content=\"")?;
    rest.split_once('"').map(|(policy, _)| policy)
}
