//! Who can open a connection to whom, on which port, and which firewall rule decides it: the
//! reachability matrix of a design, computed from its host firewalls.
//!
//! This module owns the *matrix* and the one-packet question it is made of ([`decide`]). Every
//! decision is [`firewall::evaluate`] on a new TCP connection, worded by
//! [`Decision::explain`](firewall::Decision::explain); nothing here matches rules itself.
//!
//! Sources are the internet (a visitor at [`INTERNET_IP`]) and every host, from its own address
//! (`ip`). Destinations are every host and every port a service on it listens on. A host
//! reaching itself goes over loopback, which every firewall accepts. Virtual IPs are not
//! destinations of their own: a packet to a VIP lands on the host that holds it.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::firewall::{self, ConnState, Decision, Packet};
use crate::topology::{Host, Proto, ServiceKind, Topology};

/// The address that stands for "anyone on the internet" (TEST-NET-3, the presets' browser).
pub const INTERNET_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);

/// The `from` of cells whose source is the internet.
pub const INTERNET: &str = "internet";

/// Port 443, where a service with a certificate terminates TLS.
pub const HTTPS_PORT: u16 = 443;

/// One cell of the matrix: may `from` open a TCP connection to `to`:`port`?
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReachCell {
    /// A host id, or [`INTERNET`].
    pub from: String,
    /// A host id.
    pub to: String,
    pub port: u16,
    /// The service that listens on `port` on `to`.
    pub service: Option<String>,
    /// Whether the firewall lets the connection in.
    pub allowed: bool,
    /// The deciding rule in words, e.g. "fw-lb-01 rule 1 allow tcp/443 from any".
    pub rule: String,
}

/// The whole matrix: for every source (the internet first, then every host in design order),
/// every host in design order and every port a service on it listens on (ascending), one cell.
///
/// Never fails: a design without hosts has an empty matrix, a host without services has no
/// cells as a destination.
pub fn matrix(topology: &Topology) -> Vec<ReachCell> {
    let hosts: Vec<(&str, &Host)> = topology
        .hosts()
        .map(|(node, host)| (node.id.as_str(), host))
        .collect();
    let mut sources = vec![(INTERNET, INTERNET_IP)];
    sources.extend(hosts.iter().map(|&(id, host)| (id, host.ip)));
    let mut cells = Vec::new();
    for &(from, src) in &sources {
        for &(to, host) in &hosts {
            // A host talking to itself uses loopback (`-i lo -j ACCEPT`).
            let src = if from == to { Ipv4Addr::LOCALHOST } else { src };
            for (port, service) in listening_ports(host) {
                let (decision, rule) = decide(to, host, src, port);
                cells.push(ReachCell {
                    from: from.to_owned(),
                    to: to.to_owned(),
                    port,
                    service: Some(service.to_owned()),
                    allowed: decision.passes(),
                    rule,
                });
            }
        }
    }
    cells
}

/// The ports `host`'s services listen on, with the service that answers each: HAProxy's
/// `http_port` (and 443 with a certificate), Nginx's `listen` (and 443 with a certificate), the
/// application server's port and MySQL's port. Where two services claim a port, HAProxy wins
/// over Nginx (as in the engine), and otherwise the first declared. In ascending port order,
/// each port once ([`listener`] finds one): a list, as a map of ports put its own code into
/// the WebAssembly.
pub fn listening_ports(host: &Host) -> Vec<(u16, &str)> {
    let mut ports: Vec<(u16, &str)> = Vec::new();
    let load_balancers_first = host
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::LoadBalancer(_)))
        .chain(
            host.services
                .iter()
                .filter(|s| !matches!(s.kind, ServiceKind::LoadBalancer(_))),
        );
    for service in load_balancers_first {
        let (port, tls) = match &service.kind {
            ServiceKind::LoadBalancer(lb) => (Some(lb.http_port), lb.certificate.is_some()),
            ServiceKind::WebServer(web) => (Some(web.listen), web.certificate.is_some()),
            ServiceKind::AppServer(app) => (Some(app.port), false),
            ServiceKind::Database(db) => (Some(db.port), false),
            ServiceKind::AppFiles { .. } => (None, false),
        };
        let tls_port = tls.then_some(HTTPS_PORT);
        for port in port.into_iter().chain(tls_port) {
            if let Err(at) = ports.binary_search_by_key(&port, |&(p, _)| p) {
                ports.insert(at, (port, service.id.as_str()));
            }
        }
    }
    ports
}

/// The service that answers on `port` in a [`listening_ports`] list.
pub fn listener<'a>(listening: &[(u16, &'a str)], port: u16) -> Option<&'a str> {
    listening
        .binary_search_by_key(&port, |&(p, _)| p)
        .ok()
        .and_then(|i| listening.get(i))
        .map(|&(_, service)| service)
}

/// What `host`'s firewall does with a new TCP connection from `src` to `port`, and the
/// deciding rule in words (from [`Decision::explain`](firewall::Decision::explain)).
pub fn decide(host_id: &str, host: &Host, src: Ipv4Addr, port: u16) -> (Decision, String) {
    let packet = Packet {
        src,
        proto: Proto::Tcp,
        dst_port: port,
        state: ConnState::New,
    };
    let firewall = host.firewall.as_ref();
    let decision = firewall::evaluate(firewall, &packet);
    let rule = decision.explain(host_id, firewall, &packet);
    (decision, rule)
}
