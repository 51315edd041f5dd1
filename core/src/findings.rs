//! What is weak about a design, found on its graph: single points of failure, security and
//! monitoring gaps, and the tier that limits capacity. Each [`Finding`] says what, where, why
//! and how to fix it, and most carry a [`Proof`], a ready scenario that [`prove`] runs.
//!
//! This module owns the *analysis* and the proofs' scenarios. It sees the design through
//! [`Model::compile`] (the same listeners, links and next hops the engine uses), asks
//! [`firewall::evaluate`] about every packet, makes every routing choice with the engine's own
//! functions ([`Model::vrrp_eligible`] and [`Model::settled_vip_holder`] for the VIP holder,
//! [`Model::pick_app`] for the application server Nginx uses, [`Model::pick_database`] for
//! primary or replica, [`model::routes`] for private addresses), and runs proofs in the
//! engine's [`Simulation`]. It never matches firewall rules or routes requests by rules of its
//! own, and it never asks which stage a design is: the presets get their findings the way any
//! user design does. [`predict`] exposes the walk for one request, so tests can hold it
//! against the engine's trace.
//!
//! # Single points of failure
//!
//! The request path is client → DNS (`www` A record) → a host or a virtual IP → the service
//! listening on port 80 or 443 → the services along the links → a web server that answers
//! (static files), an application server (pages) and a primary database (writes). Each host,
//! each request-handling service and the network between each pair of linked hosts is removed
//! in turn; whatever leaves some kind of request with no path at all is a single point of
//! failure. A load balancer uses any server its health checks find working (over many
//! requests each gets some); everything else is decided as the engine decides it once health
//! checks and VRRP have settled: Nginx passes to the first linked application server that runs
//! (whether or not its firewall lets Nginx in), the application sends writes to the first
//! linked primary and reads to a running replica or the primary, and a virtual IP is held by
//! the highest-priority member whose host is up and whose HAProxy runs (keepalived tracks
//! HAProxy, never Nginx). So whatever is flagged fails in the engine too.
//!
//! # Refusals on the way
//!
//! Some requests can fail where others succeed: a server line the load balancer cannot
//! connect to (`lb-cannot-reach`), a web or application server whose own choice leads nowhere
//! (`fails-at`: no application server, a firewall in the way, only a replica for writes), a
//! site address the internet does not route (`private-address`), plain HTTP that neither
//! serves nor redirects (`http-fails`). Removal and a walk per element keep it at
//! O(n·(n+m)), instant at the sizes [`format::validate`] accepts.
//!
//! Cutting the network between two hosts is never checked on its own: every path the cut
//! breaks runs through both hosts, so losing either host is at least as bad, unless both are
//! members of one VRRP group, which no request path links together.
//!
//! # Layout
//!
//! This file holds the types, [`analyze`], [`diff`] and [`predict`]. The request graph the
//! analysis walks is `graph` (`Net`); the findings are `availability` (single points of
//! failure and refusals on the way), `security`, `monitoring` and `capacity`; `proofs` runs
//! them ([`prove`]).

mod availability;
mod capacity;
mod graph;
mod monitoring;
mod pairs;
mod proofs;
mod security;

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::format;
use crate::model::{DbChoice, Entry, Place, SvcRole};
use crate::topology::Topology;
use crate::trace::{RequestKind, RequestSpec};

use graph::Net;
pub use proofs::prove;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; often a deliberate trade-off.
    Info,
    /// A weakness that will hurt some day.
    Warning,
    /// The site fails, or is open to attack, as designed.
    Error,
}

impl Severity {
    /// The upper-case label printed in front of a finding: `ERROR`, `WARNING`, `INFO`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Whether visitors get pages and writes at all, and what one failure takes away.
    Availability,
    /// Firewalls, exposed ports, TLS.
    Security,
    /// Agents and the collector.
    Monitoring,
    /// Throughput against the configured load.
    Capacity,
}

/// One weakness of a design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs and edits that do not change the weakness, e.g. `spof:lb-01`,
    /// `no-firewall:server-01`, `capacity:app`.
    pub id: String,
    pub severity: Severity,
    pub category: Category,
    /// One line, e.g. "lb-01 is a single point of failure".
    pub title: String,
    /// The node and service ids it concerns (to highlight on the diagram).
    pub nodes: Vec<String>,
    /// Why it matters, in a sentence or two.
    pub why: String,
    /// What would fix it.
    pub fix: String,
    /// A scenario that shows it in the engine, for [`prove`].
    pub proof: Option<Proof>,
}

/// A ready scenario that demonstrates a finding; run it with [`prove`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Proof {
    /// Send a few requests, take `target` down, wait for health checks and VRRP to react, send
    /// them again. Shown when some were served before and none after.
    TakeDown {
        target: Target,
        request: RequestKind,
        https: bool,
    },
    /// Send one traced request. Shown when its trace has `shows`.
    Request {
        request: RequestKind,
        https: bool,
        shows: Symptom,
    },
    /// A new TCP connection from `from_ip` to `to_host`:`port`, decided by that host's
    /// firewall. Shown when it is let in.
    Probe {
        from_ip: Ipv4Addr,
        to_host: String,
        port: u16,
    },
    /// Let the agents report for a minute. Shown when `host` sent nothing.
    Metrics { host: String },
    /// An untraced load of reads and writes at `rps` for about ten seconds. Shown when some
    /// requests fail.
    Load { rps: f64, https: bool },
}

/// What a [`Proof::TakeDown`] takes down, as the engine's inputs name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A host crashes ([`Input::HostDown`]).
    Host(String),
    /// A service stops ([`Input::ServiceDown`]).
    Service(String),
    /// The network between the hosts of a link's two services is cut ([`Input::CutLink`]).
    Link { from: String, to: String },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Host(id) | Target::Service(id) => f.write_str(id),
            Target::Link { from, to } => write!(f, "the link {from} → {to}"),
        }
    }
}

/// What a [`Proof::Request`] looks for in its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// The request does not get its page (any outcome but a 200).
    NotServed,
    /// A plain-HTTP request gets its page (200) instead of a redirect to HTTPS.
    ServedOverHttp,
    /// An HTTPS request is served, and part of its way after TLS ends is plaintext.
    PlaintextHop,
}

/// The way one request of a proof took through the design, for the diagram.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The nodes and services it passed, in order (the trace's places, each once in a row).
    pub places: Vec<String>,
    /// Whether the browser got the page.
    pub served: bool,
    /// Where it stopped, when it was not served.
    pub stop: Option<String>,
}

impl Route {
    /// The route of a traced request.
    pub fn of(trace: &crate::trace::Trace) -> Route {
        let mut places: Vec<String> = Vec::new();
        for hop in &trace.hops {
            if places.last() != Some(&hop.place) {
                places.push(hop.place.clone());
            }
        }
        let served = matches!(
            trace.outcome,
            Some(crate::trace::Outcome::Served { status: 200, .. })
        );
        // Where the outcome says it stopped (a request still on its way: its last hop).
        let stop = match &trace.outcome {
            Some(outcome) => outcome.stopped_at().map(str::to_owned),
            None => trace.hops.last().map(|h| h.place.clone()),
        };
        Route {
            places,
            served,
            stop,
        }
    }
}

/// What running a [`Proof`] showed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProofResult {
    /// Whether the run showed the weakness the finding describes.
    pub shown: bool,
    /// One line: what was done and what happened, e.g. "before: 4 of 4 read requests
    /// served; lb-01 went down; 30 s later: 0 of 4 served".
    pub summary: String,
    /// Supporting lines: health-check and VRRP transitions, the hop that decided a failure,
    /// the firewall rule that let a packet in.
    pub details: Vec<String>,
    /// A request's way before the failure (a proof that takes something down), for the
    /// diagram's before/after.
    pub before: Option<Box<Route>>,
    /// A request's way after the failure, or the one request a proof sends: where it stopped.
    pub after: Option<Box<Route>>,
}

/// What the design's redundant pairs are ([`crate::redundancy`]): one note per pair saying
/// whether it is active-active or active-passive, what that means with the design's own timers,
/// and the capacity it gives. Not weaknesses, so not part of [`analyze`]; the findings panel
/// lists them under their own heading.
pub fn pairs(topology: &Topology) -> Vec<Finding> {
    let mut notes = Vec::new();
    if format::validate(topology).is_ok() {
        Net::new(topology).pair_findings(&mut notes);
    }
    notes
}

/// The capacity sentence of pair `id`'s note ([`pairs`]): "Capacity as active-active: about
/// 49383 req/s (…)"; `None` for no such pair or no rate.
pub fn pair_capacity(topology: &Topology, id: &str) -> Option<String> {
    let pair = crate::redundancy::pair(topology, id)?;
    format::validate(topology).ok()?;
    Net::new(topology).pair_capacity(&pair)
}

/// Every finding for `topology`, sorted by severity (errors first), then id.
///
/// `load_rps` adds the capacity finding: the tier with the smallest capacity and, when it is
/// below the load, an error. A load that is not a positive number is ignored. An invalid
/// design gives one `invalid` finding; a design without hosts gives one `empty` finding.
/// Never panics, whatever the design.
pub fn analyze(topology: &Topology, load_rps: Option<f64>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Err(error) = format::validate(topology) {
        findings.push(Finding {
            id: "invalid".to_owned(),
            severity: Severity::Error,
            category: Category::Availability,
            title: "The design does not hang together".to_owned(),
            nodes: Vec::new(),
            why: format!("{error}, so it cannot be simulated or analysed."),
            fix: "Correct the id or reference named above.".to_owned(),
            proof: None,
        });
        return findings;
    }
    if topology.hosts().next().is_none() {
        findings.push(Finding {
            id: "empty".to_owned(),
            severity: Severity::Info,
            category: Category::Availability,
            title: "The design has no hosts yet".to_owned(),
            nodes: Vec::new(),
            why: "Nothing serves the site, so there is nothing to analyse.".to_owned(),
            fix: "Add a host with a web server, and a DNS zone whose www record points at it."
                .to_owned(),
            proof: None,
        });
        return findings;
    }
    let net = Net::new(topology);
    let base = net.caps(&net.nothing_down());
    let used = net.used();
    net.site_findings(&base, &mut findings);
    net.spof_findings(&base, &used, &mut findings);
    net.path_findings(&base, &used, &mut findings);
    net.layout_findings(&base, &net.used_or_standby(), &mut findings);
    net.security_findings(&base, &used, &mut findings);
    net.monitoring_findings(&mut findings);
    if let Some(rps) = load_rps.filter(|rps| rps.is_finite() && *rps > 0.0) {
        net.capacity_finding(rps, &base, &used, &mut findings);
    }
    crate::sort::sort_by(&mut findings, |a, b| {
        b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id))
    });
    findings
}

/// How the findings of one design compare with another's (e.g. stage 2 → stage 3), by id.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FindingsDiff {
    /// In `after` only: what the change introduced.
    pub added: Vec<Finding>,
    /// In `before` only: what the change fixed.
    pub cleared: Vec<Finding>,
    /// In both (as `after` has them).
    pub kept: Vec<Finding>,
}

/// Compares two lists of findings by id, keeping each list's order.
pub fn diff(before: &[Finding], after: &[Finding]) -> FindingsDiff {
    // Searched, not put in sets: the lists are short, and a set of ids put a map's code for
    // them into the WebAssembly.
    let has = |list: &[Finding], id: &str| list.iter().any(|f| f.id == id);
    let (kept, added) = after.iter().cloned().partition(|f| has(before, &f.id));
    FindingsDiff {
        added,
        cleared: before
            .iter()
            .filter(|f| !has(after, &f.id))
            .cloned()
            .collect(),
        kept,
    }
}

// ----- prediction --------------------------------------------------------------------------------

/// What the findings' walk says happens to one request once health checks and VRRP have
/// settled, with some hosts and services taken away; see [`predict`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Prediction {
    /// The host holding the virtual IP the site's address is, if it is one.
    pub vip_holder: Option<String>,
    /// The services the request passes, in order: the entry's listener, then for a load
    /// balancer the first server it can use (declaration order, backups last), the application
    /// server Nginx picks, the database the query goes to. It stops where the request ends.
    pub path: Vec<String>,
    /// Whether it gets its page (a 200).
    pub served: bool,
}

/// The findings' prediction for one request `spec` with the hosts and services `down` (ids;
/// unknown ones are ignored) taken away, made with the same choice functions as the engine
/// ([`Model::settled_vip_holder`], [`Model::vrrp_eligible`], [`Model::pick_app`],
/// [`Model::pick_database`], [`model::routes`], [`firewall::evaluate`]). `None` for a design
/// [`format::validate`] refuses.
pub fn predict(topology: &Topology, spec: RequestSpec, down: &[&str]) -> Option<Prediction> {
    format::validate(topology).ok()?;
    let net = Net::new(topology);
    let mut d = net.nothing_down();
    for id in down {
        if let Some(h) = net.model.hosts.iter().position(|h| h.id == *id) {
            d.hosts[h] = true;
        }
        if let Some(s) = net.model.svcs.iter().position(|s| s.id == *id) {
            d.svcs[s] = true;
        }
    }
    let mut prediction = Prediction {
        vip_holder: match net.entry {
            Some(Entry::Vip(v)) => net.master(v, &d).map(|h| net.host_id(h).to_owned()),
            _ => None,
        },
        ..Prediction::default()
    };
    let port = spec.port();
    let Some(h) = net
        .entry_host(&d)
        .filter(|&h| net.passes(h, net.model.client_ip, port))
    else {
        return Some(prediction);
    };
    let Some(mut s) = net.model.listener(h, port) else {
        return Some(prediction);
    };
    if d.svc(s) {
        // A stopped listener answers the SYN with a reset: refused there.
        prediction.path.push(net.svc_id(s).to_owned());
        return Some(prediction);
    }
    for _ in 0..=net.model.svcs.len() {
        prediction.path.push(net.svc_id(s).to_owned());
        let next = match net.role(s)? {
            SvcRole::Lb(lb) => {
                let lb = net.model.lbs.get(lb)?;
                if !spec.https && lb.redirect_to_https {
                    return Some(prediction); // 301
                }
                let usable = |backup: bool| {
                    lb.servers.iter().find_map(|&l| {
                        let link = net.model.links.get(l)?;
                        (link.backup == backup && net.lb_connects(s, link.to, &d))
                            .then_some(link.to)
                    })
                };
                usable(false).or_else(|| usable(true))
            }
            SvcRole::Web => {
                if net.model.serves_static(s, spec.kind) {
                    prediction.served = true;
                    return Some(prediction);
                }
                net.model
                    .pick_app(s, |a| net.up(Place::Svc(a), &d))
                    .filter(|&app| net.forwards(s, app, &d))
            }
            SvcRole::App { .. } => {
                if spec.kind == RequestKind::Static {
                    prediction.served = true;
                    return Some(prediction);
                }
                match net
                    .model
                    .pick_database(s, spec.kind, |db| net.up(Place::Svc(db), &d))
                {
                    DbChoice::Database { db, .. } if net.forwards(s, db, &d) => {
                        prediction.path.push(net.svc_id(db).to_owned());
                        prediction.served = true;
                    }
                    DbChoice::NoDatabase => prediction.served = spec.kind == RequestKind::Read,
                    _ => {}
                }
                return Some(prediction);
            }
            SvcRole::Files => {
                prediction.served = true;
                return Some(prediction);
            }
            SvcRole::Db { .. } => None,
        };
        match next {
            Some(n) => s = n,
            None => return Some(prediction),
        }
    }
    Some(prediction)
}
