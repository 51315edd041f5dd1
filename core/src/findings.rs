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

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::engine::{Config, Input, Load, MAX_FORWARDS, Mix, Output, Simulation};
use crate::firewall::{self, ConnState, Packet};
use crate::format;
use crate::model::{
    self, DbChoice, Entry, LbM, LinkM, Model, Place, ServiceCosts, SvcRole, is_public,
};
use crate::reach::{self, HTTPS_PORT, INTERNET_IP};
use crate::time::{SimDuration, SimTime};
use crate::topology::{Action, NodeKind, Proto, Topology};
use crate::trace::{HopKind, Outcome, RequestKind, RequestSpec, Trace};

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

/// What running a [`Proof`] showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProofResult {
    /// Whether the run showed the weakness the finding describes.
    pub shown: bool,
    /// One line: what was done and what happened, e.g. "before: 4 of 4 read requests
    /// served; lb-01 went down; 30 s later: 0 of 4 served".
    pub summary: String,
    /// Supporting lines: health-check and VRRP transitions, the hop that decided a failure,
    /// the firewall rule that let a packet in.
    pub details: Vec<String>,
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
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
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
    let before_ids: BTreeSet<&str> = before.iter().map(|f| f.id.as_str()).collect();
    let after_ids: BTreeSet<&str> = after.iter().map(|f| f.id.as_str()).collect();
    let (kept, added) = after
        .iter()
        .cloned()
        .partition(|f| before_ids.contains(f.id.as_str()));
    FindingsDiff {
        added,
        cleared: before
            .iter()
            .filter(|f| !after_ids.contains(f.id.as_str()))
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
                if net.web_serves_static(s, spec.kind) {
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

// ----- the request graph ---------------------------------------------------------------------

/// Request kinds in the order findings mention them: pages, writes, static files.
const KINDS: [RequestKind; 3] = [RequestKind::Read, RequestKind::Write, RequestKind::Static];
const KIND_WORDS: [&str; 3] = ["pages", "writes", "static files"];
const HTTP_PORT: u16 = 80;
/// The DNS label visitors ask for (`www.<domain>`), as the engine resolves it.
const SITE_LABEL: &str = "www";

/// Whether each kind of request (in [`KINDS`] order) gets a 200, over HTTP and over HTTPS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Caps {
    http: [bool; 3],
    https: [bool; 3],
}

impl Caps {
    fn any(&self, k: usize) -> bool {
        self.http.get(k).copied().unwrap_or(false) || self.https.get(k).copied().unwrap_or(false)
    }

    fn anything(&self) -> bool {
        (0..KINDS.len()).any(|k| self.any(k))
    }

    /// What `after` no longer serves of what `self` served.
    fn lost(&self, after: &Caps) -> Lost {
        Lost(std::array::from_fn(|k| self.any(k) && !after.any(k)))
    }

    /// Whether kind `k` is best proven over HTTPS (it is served there).
    fn prefers_https(&self, k: usize) -> bool {
        self.https.get(k).copied().unwrap_or(false)
    }
}

/// The kinds of request (in [`KINDS`] order) a failure takes away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Lost([bool; 3]);

impl Lost {
    fn is_empty(&self) -> bool {
        !self.0.iter().any(|&l| l)
    }

    fn all_of(&self, base: &Caps) -> bool {
        (0..KINDS.len()).all(|k| self.0[k] == base.any(k))
    }

    fn first(&self) -> Option<usize> {
        self.0.iter().position(|&l| l)
    }

    fn text(&self) -> String {
        let words: Vec<&str> = (0..KINDS.len())
            .filter(|&k| self.0[k])
            .map(|k| KIND_WORDS[k])
            .collect();
        join_and(&words)
    }
}

/// Which hosts and services are taken away.
#[derive(Clone, Debug)]
struct Down {
    hosts: Vec<bool>,
    svcs: Vec<bool>,
}

impl Down {
    fn host(&self, h: usize) -> bool {
        self.hosts.get(h).copied().unwrap_or(true)
    }

    fn svc(&self, s: usize) -> bool {
        self.svcs.get(s).copied().unwrap_or(true)
    }
}

/// The design, compiled as the engine compiles it, with where DNS sends visitors.
struct Net<'a> {
    topology: &'a Topology,
    model: Model,
    /// The host or VIP at the `www` record's address.
    entry: Option<Entry>,
}

impl<'a> Net<'a> {
    fn new(topology: &'a Topology) -> Net<'a> {
        let model = Model::compile(topology, &ServiceCosts::default());
        let entry = site_address(&model).and_then(|ip| model.entry_at(ip));
        Net {
            topology,
            model,
            entry,
        }
    }

    fn nothing_down(&self) -> Down {
        Down {
            hosts: vec![false; self.model.hosts.len()],
            svcs: vec![false; self.model.svcs.len()],
        }
    }

    fn role(&self, s: usize) -> Option<SvcRole> {
        self.model.svcs.get(s).map(|svc| svc.role)
    }

    fn host_of(&self, s: usize) -> Option<usize> {
        self.model.svcs.get(s).map(|svc| svc.host)
    }

    fn svc_id(&self, s: usize) -> &str {
        self.model.svc_id(s)
    }

    fn host_id(&self, h: usize) -> &str {
        self.model.host_id(h)
    }

    fn host_ip(&self, h: usize) -> Option<Ipv4Addr> {
        self.model.hosts.get(h).map(|host| host.ip)
    }

    /// Whether host `h`'s firewall lets in a new TCP connection from `src` to `port`.
    fn passes(&self, h: usize, src: Ipv4Addr, port: u16) -> bool {
        let Some(host) = self.model.hosts.get(h) else {
            return false;
        };
        let packet = Packet {
            src,
            proto: Proto::Tcp,
            dst_port: port,
            state: ConnState::New,
        };
        firewall::evaluate(host.firewall.as_ref(), &packet).passes()
    }

    /// Services on host `h` that handle requests (everything but app files).
    fn request_services(&self, h: usize) -> Vec<usize> {
        self.model.hosts.get(h).map_or_else(Vec::new, |host| {
            host.services
                .iter()
                .copied()
                .filter(|&s| self.role(s).is_some_and(|r| r != SvcRole::Files))
                .collect()
        })
    }

    /// Whether a host or service (and its host) is up under `down`.
    fn up(&self, place: Place, down: &Down) -> bool {
        match place {
            Place::Host(h) => !down.host(h),
            Place::Svc(s) => !down.svc(s) && self.host_of(s).is_some_and(|h| !down.host(h)),
            Place::Client | Place::Dns | Place::Vip(_) => true,
        }
    }

    /// The host holding virtual IP `vip` once VRRP has settled, as the engine elects it
    /// ([`Model::settled_vip_holder`] among the members [`Model::vrrp_eligible`] allows:
    /// keepalived tracks HAProxy, never Nginx).
    fn master(&self, vip: usize, down: &Down) -> Option<usize> {
        let member = self.model.settled_vip_holder(vip, |h| {
            self.model.vrrp_eligible(h, |place| self.up(place, down))
        })?;
        self.model.vips.get(vip)?.members.get(member).copied()
    }

    /// The host a visitor's connection lands on: none when the site's address is one the
    /// internet does not route to the visitor ([`model::routes`], as the engine decides).
    fn entry_host(&self, down: &Down) -> Option<usize> {
        let address = site_address(&self.model)?;
        if !model::routes(self.model.client_ip, address) {
            return None;
        }
        match self.entry? {
            Entry::Host(h) => (!down.host(h)).then_some(h),
            Entry::Vip(v) => self.master(v, down),
        }
    }

    /// The service that takes a visitor's connection on `port`, if the firewall lets it in.
    fn entry_listener(&self, port: u16, down: &Down) -> Option<usize> {
        let h = self.entry_host(down)?;
        if !self.passes(h, self.model.client_ip, port) {
            return None;
        }
        self.model.listener(h, port).filter(|&s| !down.svc(s))
    }

    fn caps(&self, down: &Down) -> Caps {
        let mut caps = Caps::default();
        for (port, served) in [(HTTP_PORT, &mut caps.http), (HTTPS_PORT, &mut caps.https)] {
            if let Some(listener) = self.entry_listener(port, down) {
                for (k, &kind) in KINDS.iter().enumerate() {
                    served[k] = self.reaches(listener, kind, port == HTTPS_PORT, down);
                }
            }
        }
        caps
    }

    /// Whether a request of `kind` that arrives at `start` can get a 200: load balancers are
    /// walked (any working server, cycles cut), the rest is decided where it lands.
    fn reaches(&self, start: usize, kind: RequestKind, https: bool, down: &Down) -> bool {
        let mut seen = vec![false; self.model.svcs.len()];
        let mut stack = vec![start];
        if let Some(slot) = seen.get_mut(start) {
            *slot = true;
        }
        while let Some(s) = stack.pop() {
            match self.role(s) {
                Some(SvcRole::Lb(lb)) => {
                    let Some(lb) = self.model.lbs.get(lb) else {
                        continue;
                    };
                    if !https && lb.redirect_to_https {
                        continue; // 301 to HTTPS: not the page itself
                    }
                    for &l in &lb.servers {
                        let Some(t) = self.model.links.get(l).map(|link| link.to) else {
                            continue;
                        };
                        if seen.get(t) == Some(&false) && self.lb_connects(s, t, down) {
                            seen[t] = true;
                            stack.push(t);
                        }
                    }
                }
                Some(SvcRole::Web) => {
                    if self.web_serves(s, kind, down) {
                        return true;
                    }
                }
                Some(SvcRole::App { .. }) => {
                    if self.app_serves(s, kind, down) {
                        return true;
                    }
                }
                Some(SvcRole::Files) => return true,
                // A database answers an application, not a browser.
                Some(SvcRole::Db { .. }) | None => {}
            }
        }
        false
    }

    /// Whether Nginx `web` answers a request of `kind` from disk (a static path matches).
    fn web_serves_static(&self, web: usize, kind: RequestKind) -> bool {
        let Some(svc) = self.model.svcs.get(web) else {
            return false;
        };
        kind == RequestKind::Static
            && svc
                .static_paths
                .iter()
                .any(|p| kind.path(0).starts_with(p.as_str()))
    }

    fn web_serves(&self, web: usize, kind: RequestKind, down: &Down) -> bool {
        if self.web_serves_static(web, kind) {
            return true;
        }
        // The engine's choice: the first linked application server that runs.
        match self.model.pick_app(web, |a| self.up(Place::Svc(a), down)) {
            Some(app) => self.forwards(web, app, down) && self.app_serves(app, kind, down),
            None => false,
        }
    }

    fn app_serves(&self, app: usize, kind: RequestKind, down: &Down) -> bool {
        if kind == RequestKind::Static {
            return true;
        }
        // The engine's choice: primary or replica.
        match self
            .model
            .pick_database(app, kind, |d| self.up(Place::Svc(d), down))
        {
            DbChoice::Database { db, .. } => self.forwards(app, db, down),
            DbChoice::NoDatabase => kind == RequestKind::Read,
            DbChoice::NoPrimary => false,
        }
    }

    /// Whether load balancer `lb` can open a connection to server `t` (the engine checks the
    /// firewall even on one host, from the host's address).
    fn lb_connects(&self, lb: usize, t: usize, down: &Down) -> bool {
        let (Some(from), Some(to)) = (self.host_of(lb), self.host_of(t)) else {
            return false;
        };
        let port = self.model.svcs.get(t).map_or(0, |svc| svc.port);
        !down.host(to)
            && self
                .host_ip(from)
                .is_some_and(|src| self.passes(to, src, port))
            && !down.svc(t)
    }

    /// Whether service `from` can pass a request to `to` (loopback on one host).
    fn forwards(&self, from: usize, to: usize, down: &Down) -> bool {
        let (Some(fh), Some(th)) = (self.host_of(from), self.host_of(to)) else {
            return false;
        };
        if fh == th {
            return !down.svc(to);
        }
        let port = self.model.svcs.get(to).map_or(0, |svc| svc.port);
        !down.host(th)
            && self
                .host_ip(fh)
                .is_some_and(|src| self.passes(th, src, port))
            && !down.svc(to)
    }

    /// Services some request reaches when nothing is down.
    fn used(&self) -> Vec<bool> {
        self.used_with(&self.nothing_down())
    }

    /// Services some request reaches when nothing is down or when any one host is: the ones
    /// the engine uses, and the standbys it turns to (a second application server Nginx
    /// passes to only when the first stops).
    fn used_or_standby(&self) -> Vec<bool> {
        let mut reached = self.used();
        for h in 0..self.model.hosts.len() {
            let mut down = self.nothing_down();
            down.hosts[h] = true;
            for (slot, used) in reached.iter_mut().zip(self.used_with(&down)) {
                *slot |= used;
            }
        }
        reached
    }

    /// Services some request reaches with `down` taken away.
    fn used_with(&self, down: &Down) -> Vec<bool> {
        let down = down.clone();
        let mut used = vec![false; self.model.svcs.len()];
        let mut stack = Vec::new();
        for port in [HTTP_PORT, HTTPS_PORT] {
            if let Some(s) = self.entry_listener(port, &down) {
                stack.push(s);
            }
        }
        while let Some(s) = stack.pop() {
            match used.get_mut(s) {
                Some(slot) if !*slot => *slot = true,
                _ => continue,
            }
            let Some(svc) = self.model.svcs.get(s) else {
                continue;
            };
            match svc.role {
                SvcRole::Lb(lb) => {
                    let servers = self.model.lbs.get(lb).map_or(&[][..], |lb| &lb.servers);
                    for &l in servers {
                        if let Some(link) = self.model.links.get(l)
                            && self.lb_connects(s, link.to, &down)
                        {
                            stack.push(link.to);
                        }
                    }
                }
                // Where the engine sends requests: the application server Nginx picks, the
                // database each kind of query goes to.
                SvcRole::Web => {
                    if let Some(app) = self.model.pick_app(s, |a| self.up(Place::Svc(a), &down))
                        && self.forwards(s, app, &down)
                    {
                        stack.push(app);
                    }
                }
                SvcRole::App { .. } => {
                    for kind in [RequestKind::Read, RequestKind::Write] {
                        if let DbChoice::Database { db, .. } =
                            self.model
                                .pick_database(s, kind, |d| self.up(Place::Svc(d), &down))
                            && self.forwards(s, db, &down)
                        {
                            stack.push(db);
                        }
                    }
                }
                SvcRole::Files | SvcRole::Db { .. } => {}
            }
        }
        used
    }

    /// Why service `from` cannot pass a request to `to` when nothing is down: the firewall's
    /// deciding rule, in the engine's words.
    fn blocked_why(&self, from: usize, to: usize) -> String {
        let (Some(fh), Some(th)) = (self.host_of(from), self.host_of(to)) else {
            return String::new();
        };
        let (Some(src), Some(host)) = (self.host_ip(fh), self.model.hosts.get(th)) else {
            return String::new();
        };
        let port = self.model.svcs.get(to).map_or(0, |svc| svc.port);
        let packet = Packet {
            src,
            proto: Proto::Tcp,
            dst_port: port,
            state: ConnState::New,
        };
        let verdict = firewall::evaluate(host.firewall.as_ref(), &packet);
        verdict.explain(&host.id, host.firewall.as_ref(), &packet)
    }

    /// Why a request of `kind` that reaches web or application server `s` fails there, by the
    /// engine's own choices (nothing down); `None` when it gets past `s`.
    fn fails_at(&self, s: usize, kind: RequestKind) -> Option<(String, String)> {
        let down = self.nothing_down();
        let id = self.svc_id(s);
        match self.role(s)? {
            SvcRole::Web => {
                if self.web_serves_static(s, kind) {
                    return None;
                }
                match self.model.pick_app(s, |a| self.up(Place::Svc(a), &down)) {
                    None => Some((
                        format!("{id} links to no application server, so it answers 502"),
                        format!("Link {id} to an application server."),
                    )),
                    Some(app) if !self.forwards(s, app, &down) => {
                        let rule = self.blocked_why(s, app);
                        let port = self.model.svcs.get(app).map_or(0, |a| a.port);
                        let (host, ip) = (
                            self.host_of(app).map_or("", |h| self.host_id(h)),
                            self.host_of(s).and_then(|h| self.host_ip(h)),
                        );
                        Some((
                            format!(
                                "{id} passes them to {} (its first linked application server \
                                 that runs), and {rule}",
                                self.svc_id(app)
                            ),
                            format!(
                                "Let {host}'s firewall admit tcp/{port} from {}.",
                                ip.map_or_else(String::new, |ip| ip.to_string())
                            ),
                        ))
                    }
                    Some(_) => None,
                }
            }
            SvcRole::App { .. } => {
                if kind == RequestKind::Static {
                    return None;
                }
                let choice = self
                    .model
                    .pick_database(s, kind, |d| self.up(Place::Svc(d), &down));
                let replicas: Vec<&str> = self
                    .model
                    .svcs
                    .get(s)?
                    .next_hops
                    .iter()
                    .map(|&d| self.svc_id(d))
                    .collect();
                let primaries: Vec<&str> = self
                    .model
                    .svcs
                    .iter()
                    .filter(|d| d.role == SvcRole::Db { primary: true })
                    .map(|d| d.id.as_str())
                    .collect();
                let link_primary = if primaries.is_empty() {
                    format!("Give {id} a primary database to link to.")
                } else {
                    format!("Link {id} to the primary ({}).", join_and(&primaries))
                };
                match choice {
                    DbChoice::NoDatabase if kind == RequestKind::Write => Some((
                        format!("{id} links to no database, so a write fails with 500"),
                        link_primary,
                    )),
                    DbChoice::NoDatabase => None,
                    DbChoice::NoPrimary => Some((
                        format!(
                            "{id} links to no primary database, only to {} (a replica is \
                             read-only), so it fails with 500",
                            join_and(&replicas)
                        ),
                        link_primary,
                    )),
                    DbChoice::Database { db, why } if !self.forwards(s, db, &down) => {
                        let rule = self.blocked_why(s, db);
                        let port = self.model.svcs.get(db).map_or(0, |d| d.port);
                        let host = self.host_of(db).map_or("", |h| self.host_id(h));
                        let ip = self.host_of(s).and_then(|h| self.host_ip(h));
                        Some((
                            format!("{id} queries {} ({why}), and {rule}", self.svc_id(db)),
                            format!(
                                "Let {host}'s firewall admit tcp/{port} from {}.",
                                ip.map_or_else(String::new, |ip| ip.to_string())
                            ),
                        ))
                    }
                    DbChoice::Database { .. } => None,
                }
            }
            _ => None,
        }
    }

    /// Hosts DNS sends visitors to: at any record's address, directly or as a VIP member.
    fn entry_hosts(&self) -> BTreeSet<usize> {
        let mut hosts = BTreeSet::new();
        let records = self.model.zone.iter().flat_map(|zone| &zone.records);
        for record in records {
            match self.model.entry_at(record.address) {
                Some(Entry::Host(h)) => {
                    hosts.insert(h);
                }
                Some(Entry::Vip(v)) => {
                    if let Some(vip) = self.model.vips.get(v) {
                        hosts.extend(vip.members.iter().copied());
                    }
                }
                None => {}
            }
        }
        hosts
    }

    /// Whether host `h` can be reached from the internet: DNS leads to it, it has a public
    /// address, or it may hold a public virtual IP.
    fn internet_facing(&self, h: usize, entry_hosts: &BTreeSet<usize>) -> bool {
        let Some(host) = self.model.hosts.get(h) else {
            return false;
        };
        entry_hosts.contains(&h)
            || host.public_ip.is_some()
            || is_public(host.ip)
            || self
                .model
                .vips
                .iter()
                .any(|vip| is_public(vip.ip) && vip.members.contains(&h))
    }

    /// The connections each listener on host `h` needs, as ufw-like rules: visitors on the
    /// entry, the links that lead to it, replicas pulling from a primary, VRRP peers.
    fn needed_rules(&self, h: usize, entry_hosts: &BTreeSet<usize>) -> Vec<String> {
        let mut rules: Vec<String> = Vec::new();
        let mut add = |rule: String| {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        };
        if entry_hosts.contains(&h) {
            for port in [HTTPS_PORT, HTTP_PORT] {
                if self.model.listener(h, port).is_some() {
                    add(format!("allow tcp/{port} from any"));
                }
            }
        }
        for link in &self.model.links {
            let (Some(fh), Some(th)) = (self.host_of(link.from), self.host_of(link.to)) else {
                continue;
            };
            if th == h && fh != h {
                let port = self.model.svcs.get(link.to).map_or(0, |svc| svc.port);
                if let Some(ip) = self.host_ip(fh) {
                    add(format!("allow tcp/{port} from {ip}"));
                }
            }
        }
        for group in &self.model.dbs {
            if self.host_of(group.primary) != Some(h) {
                continue;
            }
            let port = self.model.svcs.get(group.primary).map_or(0, |svc| svc.port);
            for &(replica, _, _) in &group.replicas {
                if let Some(rh) = self.host_of(replica).filter(|&rh| rh != h)
                    && let Some(ip) = self.host_ip(rh)
                {
                    add(format!("allow tcp/{port} from {ip}"));
                }
            }
        }
        for vip in &self.model.vips {
            if vip.members.contains(&h) {
                for &peer in vip.members.iter().filter(|&&m| m != h) {
                    if let Some(ip) = self.host_ip(peer) {
                        add(format!("allow any from {ip} (VRRP adverts)"));
                    }
                }
            }
        }
        rules
    }
}

/// The address of the `www` record in the design's (first) zone, as the engine resolves it.
fn site_address(model: &Model) -> Option<Ipv4Addr> {
    model
        .zone
        .as_ref()?
        .records
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(SITE_LABEL))
        .map(|r| r.address)
}

/// "a", "a and b", "a, b and c".
fn join_and(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A request rate, e.g. "400" or "12.5".
fn rate_text(rps: f64) -> String {
    if rps >= 100.0 {
        format!("{rps:.0}")
    } else {
        let text = format!("{rps:.1}");
        text.trim_end_matches(".0").to_owned()
    }
}

// ----- availability ----------------------------------------------------------------------------

const LB_FIX: &str = "Add a second load balancer on another host and share the site's address \
                      between them with a virtual IP (keepalived, VRRP); point DNS at the VIP.";
const WRITES_FIX: &str = "Keep a standby ready to take writes: a replica that is promoted \
                          automatically when the primary fails (orchestrator, MySQL Group \
                          Replication or InnoDB Cluster), with the application servers linked \
                          to it.";
const DATABASE_FIX: &str = "Add a replica on another host for reads, and make it ready to take \
                            writes when the primary fails (automatic promotion: orchestrator, \
                            MySQL Group Replication or InnoDB Cluster).";
const READS_FIX: &str = "Add a replica on another host and let the application servers read \
                         from it.";
const APP_FIX: &str = "Add a second application server on another host and link every web \
                       server to both.";

impl Net<'_> {
    fn site_findings(&self, base: &Caps, findings: &mut Vec<Finding>) {
        let not_served = |request| {
            Some(Proof::Request {
                request,
                https: false,
                shows: Symptom::NotServed,
            })
        };
        let Some(zone) = &self.model.zone else {
            findings.push(Finding {
                id: "no-dns".to_owned(),
                severity: Severity::Error,
                category: Category::Availability,
                title: "The design has no DNS zone".to_owned(),
                nodes: Vec::new(),
                why: "Browsers find the site by asking DNS for its name; without a zone no \
                      visitor reaches any host."
                    .to_owned(),
                fix: "Add a DNS zone with an A record www that points at the entry: the load \
                      balancer, its virtual IP, or the single server."
                    .to_owned(),
                proof: not_served(RequestKind::Read),
            });
            return;
        };
        let dns_node = self
            .topology
            .dns()
            .map(|(node, _)| node.id.clone())
            .into_iter()
            .collect::<Vec<_>>();
        let Some(address) = site_address(&self.model) else {
            findings.push(Finding {
                id: "no-site-record".to_owned(),
                severity: Severity::Error,
                category: Category::Availability,
                title: format!("DNS has no record for www.{}", zone.domain),
                nodes: dns_node,
                why: format!(
                    "Browsers ask for www.{}; the zone answers NXDOMAIN, so no visitor reaches \
                     the site.",
                    zone.domain
                ),
                fix: "Add an A record www pointing at the entry (load balancer, virtual IP or \
                      server)."
                    .to_owned(),
                proof: not_served(RequestKind::Read),
            });
            return;
        };
        if self.entry.is_none() {
            findings.push(Finding {
                id: "dead-address".to_owned(),
                severity: Severity::Error,
                category: Category::Availability,
                title: format!(
                    "www.{} points at {address}, where nothing answers",
                    zone.domain
                ),
                nodes: dns_node,
                why: "No host or virtual IP in the design has that address, so every \
                      connection goes unanswered."
                    .to_owned(),
                fix: "Point the www record at the entry's address, or give the entry host that \
                      address."
                    .to_owned(),
                proof: not_served(RequestKind::Read),
            });
            return;
        }
        let entry_nodes = self.entry_nodes();
        let client = self.model.client_ip;
        if !model::routes(client, address) {
            let mut nodes = dns_node;
            nodes.extend(entry_nodes);
            let entry = match self.entry {
                Some(Entry::Host(h)) => self.host_id(h).to_owned(),
                Some(Entry::Vip(v)) => format!("the virtual IP {}", self.model.name(Place::Vip(v))),
                None => address.to_string(),
            };
            findings.push(Finding {
                id: "private-address".to_owned(),
                severity: Severity::Error,
                category: Category::Availability,
                title: format!(
                    "www.{} points at {address}, a private address the internet cannot reach",
                    zone.domain
                ),
                nodes,
                why: format!(
                    "{address} is a private address (RFC 1918): routers on the internet do not \
                     forward it, so visitors (the browser at {client}) never reach {entry}. \
                     It answers only inside your own network."
                ),
                fix: "Give the entry a public address (the load balancer's host or its virtual \
                      IP) and point the www record at that address."
                    .to_owned(),
                proof: not_served(RequestKind::Read),
            });
            return;
        }
        if !base.anything() {
            findings.push(Finding {
                id: "unreachable".to_owned(),
                severity: Severity::Error,
                category: Category::Availability,
                title: "No request gets a page".to_owned(),
                nodes: entry_nodes,
                why: format!(
                    "{} Visitors see errors for everything.",
                    self.unreachable_why()
                ),
                fix: "Let the entry's firewall admit TCP 80 or 443 from anywhere, make sure a \
                      load balancer or web server listens there, and link it to web servers."
                    .to_owned(),
                proof: not_served(RequestKind::Static),
            });
            return;
        }
        let has = |want: fn(SvcRole) -> bool| self.model.svcs.iter().any(|s| want(s.role));
        let checks = [
            (
                0,
                "no-pages",
                has(|r| matches!(r, SvcRole::App { .. })),
                "Dynamic pages fail: no web server that visitors reach has a working path to an \
                 application server that can answer.",
                "Link the web servers to an application server their hosts' firewalls let them \
                 reach, and the application server to a database.",
            ),
            (
                1,
                "no-writes",
                has(|r| matches!(r, SvcRole::Db { .. })),
                "Writes fail: no application server that visitors reach has a working path to a \
                 primary database (replicas are read-only).",
                "Link the application servers to the primary, and let the primary's firewall \
                 admit them on the MySQL port.",
            ),
        ];
        let used = self.used();
        for (k, id, applies, why, fix) in checks {
            if applies && !base.any(k) {
                // Where the engine's choices end it, on the services requests reach.
                let here: Vec<String> = (0..self.model.svcs.len())
                    .filter(|&s| used.get(s) == Some(&true))
                    .filter_map(|s| self.fails_at(s, KINDS[k]).map(|(why, _)| why))
                    .collect();
                let why = if here.is_empty() {
                    why.to_owned()
                } else {
                    format!("{why} Where they stop: {}.", here.join("; "))
                };
                findings.push(Finding {
                    id: id.to_owned(),
                    severity: Severity::Error,
                    category: Category::Availability,
                    title: format!("No {} reach the site", KIND_WORDS[k]),
                    nodes: entry_nodes.clone(),
                    why,
                    fix: fix.to_owned(),
                    proof: Some(Proof::Request {
                        request: KINDS[k],
                        https: base.https.iter().any(|&served| served),
                        shows: Symptom::NotServed,
                    }),
                });
            }
        }
    }

    /// The VIP or host DNS points at, with the hosts behind a VIP.
    fn entry_nodes(&self) -> Vec<String> {
        match self.entry {
            Some(Entry::Host(h)) => vec![self.host_id(h).to_owned()],
            Some(Entry::Vip(v)) => self.model.vips.get(v).map_or_else(Vec::new, |vip| {
                let mut nodes = vec![vip.id.clone()];
                nodes.extend(vip.members.iter().map(|&h| self.host_id(h).to_owned()));
                nodes
            }),
            None => Vec::new(),
        }
    }

    /// Why nothing is served, from the first obstacle on the way in.
    fn unreachable_why(&self) -> String {
        let down = self.nothing_down();
        let Some(h) = self.entry_host(&down) else {
            return "The virtual IP has no member that can hold it.".to_owned();
        };
        let id = self.host_id(h);
        let Some((_, host)) = self.topology.hosts().find(|(node, _)| node.id == id) else {
            return String::new();
        };
        let client = self.model.client_ip;
        let reasons: Vec<String> = [HTTP_PORT, HTTPS_PORT]
            .into_iter()
            .map(|port| {
                let (verdict, rule) = reach::decide(id, host, client, port);
                if !verdict.passes() {
                    format!("port {port} is closed ({rule})")
                } else if self.model.listener(h, port).is_none() {
                    format!("nothing listens on port {port}")
                } else {
                    format!("port {port} leads to no web server that can answer")
                }
            })
            .collect();
        format!("On {id}, {}.", reasons.join("; "))
    }

    fn spof_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
        if !base.anything() {
            return;
        }
        for h in 0..self.model.hosts.len() {
            let mut down = self.nothing_down();
            down.hosts[h] = true;
            let lost = base.lost(&self.caps(&down));
            if lost.is_empty() {
                // The host's loss moves the virtual IP, but keepalived tracks HAProxy only:
                // a stopped Nginx that visitors connect to keeps the address where it is.
                for s in self.request_services(h) {
                    let mut down = self.nothing_down();
                    down.svcs[s] = true;
                    let lost = base.lost(&self.caps(&down));
                    if !lost.is_empty() {
                        findings.push(self.service_spof(s, h, lost, base));
                    }
                }
                continue;
            }
            let services: Vec<(usize, Lost)> = self
                .request_services(h)
                .into_iter()
                .map(|s| {
                    let mut down = self.nothing_down();
                    down.svcs[s] = true;
                    (s, base.lost(&self.caps(&down)))
                })
                .collect();
            let spofs: Vec<(usize, Lost)> = services
                .iter()
                .copied()
                .filter(|(_, l)| !l.is_empty())
                .collect();
            let others_fine = services
                .iter()
                .any(|&(s, l)| l.is_empty() && used.get(s) == Some(&true));
            match spofs.as_slice() {
                [(s, l)] if *l == lost && others_fine => {
                    findings.push(self.service_spof(*s, h, lost, base));
                }
                _ => findings.push(self.host_spof(h, &spofs, lost, base)),
            }
        }
    }

    fn spof_title(&self, what: &str, lost: Lost, base: &Caps) -> String {
        if lost.all_of(base) {
            format!("{what} is a single point of failure")
        } else {
            format!("{what} is a single point of failure for {}", lost.text())
        }
    }

    fn spof_proof(&self, target: Target, lost: Lost, base: &Caps) -> Option<Proof> {
        let k = lost.first()?;
        Some(Proof::TakeDown {
            target,
            request: KINDS[k],
            https: base.prefers_https(k),
        })
    }

    /// Why service `s` matters and what would make it redundant.
    fn role_clause(&self, s: usize, lost: Lost) -> (String, &'static str) {
        let id = self.svc_id(s);
        let lb_in_front = self
            .model
            .svcs
            .iter()
            .any(|svc| matches!(svc.role, SvcRole::Lb(_)));
        match self.role(s) {
            Some(SvcRole::Lb(_)) => (
                format!("{id} is the only load balancer the site's address leads to"),
                LB_FIX,
            ),
            Some(SvcRole::Web) => (
                format!("{id} is the only web server visitors can reach"),
                if lb_in_front {
                    "Add another web server on another host to the load balancer's server lines."
                } else {
                    "Run a second web server on another host and put a load balancer in front \
                     of both."
                },
            ),
            Some(SvcRole::App { .. }) => (
                format!("every web server that answers passes dynamic pages to {id}"),
                APP_FIX,
            ),
            Some(SvcRole::Db { primary: true }) if lost.0[0] && lost.0[1] => (
                format!(
                    "{id} is the only database the application servers can use: every page \
                     reads from it and every write goes to it"
                ),
                DATABASE_FIX,
            ),
            Some(SvcRole::Db { primary: true }) if lost.0[1] => (
                format!("{id} is the only primary, and replicas do not take writes"),
                WRITES_FIX,
            ),
            Some(SvcRole::Db { .. }) => (
                format!("the application servers have no other database to read from than {id}"),
                READS_FIX,
            ),
            Some(SvcRole::Files) | None => (format!("{id} is on every path"), ""),
        }
    }

    fn host_spof(&self, h: usize, spofs: &[(usize, Lost)], lost: Lost, base: &Caps) -> Finding {
        let host = self.host_id(h).to_owned();
        let mut clauses = Vec::new();
        let mut fixes: Vec<&str> = Vec::new();
        if let Some(Entry::Host(e)) = self.entry
            && e == h
            && let Some(address) = site_address(&self.model)
        {
            clauses.push(format!(
                "DNS sends every visitor to {address}, which is {host}"
            ));
        }
        if let Some(Entry::Vip(v)) = self.entry
            && let Some(vip) = self.model.vips.get(v)
            && vip.members.contains(&h)
        {
            clauses.push(format!(
                "no other member of {}'s VRRP group on another host can take over",
                vip.id
            ));
            fixes.push(LB_FIX);
        }
        for &(s, l) in spofs {
            let (clause, fix) = self.role_clause(s, l);
            clauses.push(clause);
            if !fix.is_empty() && !fixes.contains(&fix) {
                fixes.push(fix);
            }
        }
        if clauses.is_empty() {
            clauses.push(format!("every path to a web server runs through {host}"));
        }
        if fixes.is_empty() {
            fixes.push("Give the services on this host a twin on another host.");
        }
        let mut nodes = vec![host.clone()];
        nodes.extend(spofs.iter().map(|&(s, _)| self.svc_id(s).to_owned()));
        Finding {
            id: format!("spof:{host}"),
            severity: Severity::Error,
            category: Category::Availability,
            title: self.spof_title(&host, lost, base),
            nodes,
            why: format!(
                "If {host} goes down, {} stop for every visitor: {}.",
                lost.text(),
                clauses.join("; ")
            ),
            fix: fixes.join(" "),
            proof: self.spof_proof(Target::Host(host.clone()), lost, base),
        }
    }

    fn service_spof(&self, s: usize, h: usize, lost: Lost, base: &Caps) -> Finding {
        let id = self.svc_id(s).to_owned();
        let untracked = matches!(self.entry, Some(Entry::Vip(v))
            if self.model.vips.get(v).is_some_and(|vip| vip.members.contains(&h)))
            && self.role(s) == Some(SvcRole::Web);
        let (clause, fix) = if untracked {
            (
                format!(
                    "keepalived tracks HAProxy only, so the virtual IP stays on {} while {id} \
                     is stopped and every connection there is refused",
                    self.host_id(h)
                ),
                "Put HAProxy in front of the web servers on the virtual IP's hosts (keepalived \
                 tracks it), or give keepalived a vrrp_script that checks Nginx.",
            )
        } else {
            self.role_clause(s, lost)
        };
        Finding {
            id: format!("spof:{id}"),
            severity: Severity::Error,
            category: Category::Availability,
            title: self.spof_title(&id, lost, base),
            nodes: vec![id.clone(), self.host_id(h).to_owned()],
            why: format!(
                "If {id} stops (or {} goes down), {} stop for every visitor: {clause}.",
                self.host_id(h),
                lost.text()
            ),
            fix: fix.to_owned(),
            proof: self.spof_proof(Target::Service(id.clone()), lost, base),
        }
    }

    /// Web, application and database on one host; hosts no request reaches.
    fn layout_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
        for (h, host) in self.model.hosts.iter().enumerate() {
            let roles: Vec<SvcRole> = host.services.iter().filter_map(|&s| self.role(s)).collect();
            let web = roles.contains(&SvcRole::Web);
            let app = roles.iter().any(|r| matches!(r, SvcRole::App { .. }));
            let db = roles.iter().any(|r| matches!(r, SvcRole::Db { .. }));
            if web && app && db {
                let mut nodes = vec![host.id.clone()];
                nodes.extend(
                    host.services
                        .iter()
                        .filter(|&&s| self.role(s).is_some_and(|r| r != SvcRole::Files))
                        .map(|&s| self.svc_id(s).to_owned()),
                );
                findings.push(Finding {
                    id: format!("all-in-one:{}", host.id),
                    severity: Severity::Warning,
                    category: Category::Availability,
                    title: format!("{} runs web, application and database together", host.id),
                    nodes,
                    why: "They compete for one CPU, memory and disk, cannot be scaled \
                          separately, and one crash or restart of the machine takes all three \
                          down."
                        .to_owned(),
                    fix: "Give each tier its own hosts: web servers, application servers and \
                          database servers, each behind the tier before it."
                        .to_owned(),
                    proof: None,
                });
            }
            let vip_member = self.model.vips.iter().any(|v| v.members.contains(&h));
            let services = self.request_services(h);
            if base.anything()
                && !vip_member
                && !services.is_empty()
                && !services.iter().any(|&s| used.get(s) == Some(&true))
            {
                findings.push(Finding {
                    id: format!("unused:{}", host.id),
                    severity: Severity::Info,
                    category: Category::Availability,
                    title: format!("{} receives no requests", host.id),
                    nodes: vec![host.id.clone()],
                    why: "No DNS record, virtual IP or working link leads to it, so it adds \
                          neither capacity nor redundancy."
                        .to_owned(),
                    fix: "Link it into the request path: a server line of the load balancer, \
                          a member of the virtual IP, or a link from the tier before it."
                        .to_owned(),
                    proof: None,
                });
            }
        }
    }
}

// ----- refusals on the way -------------------------------------------------------------------

impl Net<'_> {
    /// What some requests meet although the site serves them elsewhere: a server line the load
    /// balancer cannot connect to, a web or application server whose own choice (the engine's:
    /// which application server, primary or replica) leads nowhere.
    fn path_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
        if !base.anything() {
            return;
        }
        let down = self.nothing_down();
        let https = base.https.iter().any(|&served| served);
        for lb in &self.model.lbs {
            if used.get(lb.svc) != Some(&true) {
                continue;
            }
            for &l in &lb.servers {
                let Some(link) = self.model.links.get(l) else {
                    continue;
                };
                if self.lb_connects(lb.svc, link.to, &down) {
                    continue;
                }
                findings.push(self.lb_cannot_reach(lb, *link, https));
            }
        }
        for lb in &self.model.lbs {
            if used.get(lb.svc) == Some(&true)
                && let Some(cycle) = self.lb_cycle(lb.svc, &down)
            {
                let id = self.svc_id(lb.svc).to_owned();
                findings.push(Finding {
                    id: format!("lb-loop:{id}"),
                    severity: Severity::Warning,
                    category: Category::Availability,
                    title: format!("{id}'s server lines lead back to it"),
                    nodes: cycle.clone(),
                    why: format!(
                        "{}: a request sent round that way comes back to {id} and pays every \
                         hop again; one that keeps going round ends in 508 (the engine gives up \
                         after {MAX_FORWARDS} forwards).",
                        cycle.join(" → ")
                    ),
                    fix: "Remove the server line that points back: a load balancer's servers \
                          should be web servers (or load balancers further in)."
                        .to_owned(),
                    proof: None,
                });
            }
        }
        for (s, svc) in self.model.svcs.iter().enumerate() {
            if used.get(s) != Some(&true) || !matches!(svc.role, SvcRole::Web | SvcRole::App { .. })
            {
                continue;
            }
            let mut lost = Lost::default();
            let mut reason = None;
            for (k, &kind) in KINDS.iter().enumerate() {
                if !base.any(k) {
                    continue; // the site-wide finding says so
                }
                if let Some(why) = self.fails_at(s, kind) {
                    lost.0[k] = true;
                    reason.get_or_insert(why);
                }
            }
            let Some((why, fix)) = reason else {
                continue;
            };
            let id = svc.id.clone();
            let words = lost.text();
            let mut title = format!("{words} that reach {id} fail");
            if let Some(first) = title.get(..1) {
                title = format!("{}{}", first.to_uppercase(), &title[1..]);
            }
            let mut nodes = vec![id.clone()];
            if let Some(h) = self.host_of(s) {
                nodes.push(self.host_id(h).to_owned());
            }
            findings.push(Finding {
                id: format!("fails-at:{id}"),
                severity: Severity::Error,
                category: Category::Availability,
                title,
                nodes,
                why: format!(
                    "The site serves {words} on other paths, but {why}: visitors whose requests \
                     the load balancer sends this way get an error, the others do not."
                ),
                fix,
                proof: (lost.0[0] || lost.0[1]).then_some(Proof::Load {
                    rps: PROOF_RPS,
                    https,
                }),
            });
        }
    }

    /// A way from load balancer `start` back to itself through server lines it can use, as
    /// service ids (`start` first and last); `None` when there is none.
    fn lb_cycle(&self, start: usize, down: &Down) -> Option<Vec<String>> {
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, vec![start])];
        let mut seen = vec![false; self.model.svcs.len()];
        while let Some((s, path)) = stack.pop() {
            let Some(SvcRole::Lb(lb)) = self.role(s) else {
                continue;
            };
            for &l in self.model.lbs.get(lb).map_or(&[][..], |lb| &lb.servers) {
                let Some(t) = self.model.links.get(l).map(|link| link.to) else {
                    continue;
                };
                if !matches!(self.role(t), Some(SvcRole::Lb(_))) || !self.lb_connects(s, t, down) {
                    continue;
                }
                if t == start {
                    let mut ids: Vec<String> =
                        path.iter().map(|&p| self.svc_id(p).to_owned()).collect();
                    ids.push(self.svc_id(start).to_owned());
                    return Some(ids);
                }
                if seen.get(t) == Some(&false) {
                    seen[t] = true;
                    let mut next = path.clone();
                    next.push(t);
                    stack.push((t, next));
                }
            }
        }
        None
    }

    fn lb_cannot_reach(&self, lb: &LbM, link: LinkM, https: bool) -> Finding {
        let (lb_id, target) = (
            self.svc_id(lb.svc).to_owned(),
            self.svc_id(link.to).to_owned(),
        );
        let port = self.model.svcs.get(link.to).map_or(0, |svc| svc.port);
        let host = self
            .host_of(link.to)
            .map_or("", |h| self.host_id(h))
            .to_owned();
        let src = self.host_of(lb.svc).and_then(|h| self.host_ip(h));
        let rule = self.blocked_why(lb.svc, link.to);
        let (severity, effect) = if link.check {
            (
                Severity::Warning,
                "its health checks fail, so HAProxy marks it DOWN and sends it nothing: the \
                 capacity and redundancy it seems to add are not there",
            )
        } else if lb.redispatch {
            (
                Severity::Warning,
                "HAProxy does not check it and keeps sending it requests, which wait for the \
                 connection to fail and are then redispatched to another server: served, \
                 but late",
            )
        } else {
            (
                Severity::Error,
                "HAProxy does not check it and keeps sending it requests, which wait for the \
                 connection to fail, are retried on it and end in 503 (no `option \
                 redispatch`)",
            )
        };
        Finding {
            id: format!("lb-cannot-reach:{lb_id}:{target}"),
            severity,
            category: Category::Availability,
            title: format!("{lb_id} cannot connect to {target}"),
            nodes: vec![lb_id.clone(), target.clone(), host.clone()],
            why: format!("{target} is a server of {lb_id}, but {rule}; {effect}."),
            fix: format!(
                "Let {host}'s firewall admit tcp/{port} from {}, or remove the server line.",
                src.map_or_else(String::new, |ip| ip.to_string())
            ),
            proof: (severity == Severity::Error).then_some(Proof::Load {
                rps: PROOF_RPS,
                https,
            }),
        }
    }
}

/// The request rate of the load proofs of [`Net::path_findings`]: enough requests (200 over
/// ten seconds) for every server line to get some.
const PROOF_RPS: f64 = 20.0;

// ----- security --------------------------------------------------------------------------------

/// Ports probed from the internet besides the ones rules open and services listen on.
const WELL_KNOWN_PORTS: [u16; 4] = [22, 80, 443, 3306];

impl Net<'_> {
    fn security_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
        let entry_hosts = self.entry_hosts();
        for (h, host) in self.model.hosts.iter().enumerate() {
            let facing = self.internet_facing(h, &entry_hosts);
            let rules = self.needed_rules(h, &entry_hosts);
            match &host.firewall {
                None => findings.push(self.no_firewall(h, facing, &rules)),
                Some(_) => {
                    if let Some(finding) = self.open_ports(h, facing, &entry_hosts, &rules) {
                        findings.push(finding);
                    }
                    for &s in &host.services {
                        if let Some(finding) = self.db_reachable(s, h) {
                            findings.push(finding);
                        }
                    }
                }
            }
        }
        self.tls_findings(base, used, findings);
    }

    /// "nginx on 80, PHP-FPM on 9000, MySQL on 3306" for host `h`.
    fn listeners_text(&self, h: usize) -> String {
        let Some((_, host)) = self
            .topology
            .hosts()
            .find(|(node, _)| node.id == self.host_id(h))
        else {
            return String::new();
        };
        let parts: Vec<String> = reach::listening_ports(host)
            .into_iter()
            .map(|(port, service)| format!("{service} on {port}"))
            .collect();
        join_and(&parts.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn no_firewall(&self, h: usize, facing: bool, rules: &[String]) -> Finding {
        let id = self.host_id(h).to_owned();
        let listeners = self.listeners_text(h);
        let listening = if listeners.is_empty() {
            String::new()
        } else {
            format!(" ({listeners})")
        };
        let (severity, exposure) = if facing {
            (
                Severity::Error,
                "and it is on the internet: anyone can connect to each of them, and to SSH or \
                 any debug port that is ever started",
            )
        } else {
            (
                Severity::Warning,
                "and it sits on the private network, so one compromised neighbour reaches \
                 every one of them",
            )
        };
        let port = self
            .model
            .hosts
            .get(h)
            .and_then(|host| {
                host.services
                    .iter()
                    .find_map(|&s| match self.model.svcs.get(s) {
                        Some(svc) if matches!(svc.role, SvcRole::Db { .. }) => Some(svc.port),
                        _ => None,
                    })
            })
            .unwrap_or(22);
        Finding {
            id: format!("no-firewall:{id}"),
            severity,
            category: Category::Security,
            title: format!("{id} has no firewall"),
            nodes: vec![id.clone()],
            why: format!("Every port on {id} is open{listening}, {exposure}."),
            fix: if rules.is_empty() {
                "Enable a firewall with default deny incoming: nothing in the design connects to \
                 this host."
                    .to_owned()
            } else {
                format!(
                    "Enable a firewall with default deny incoming and only the rules its \
                     listeners need: {}.",
                    rules.join(", ")
                )
            },
            proof: Some(Proof::Probe {
                from_ip: INTERNET_IP,
                to_host: id,
                port,
            }),
        }
    }

    fn open_ports(
        &self,
        h: usize,
        facing: bool,
        entry_hosts: &BTreeSet<usize>,
        rules: &[String],
    ) -> Option<Finding> {
        let id = self.host_id(h).to_owned();
        let (_, host) = self.topology.hosts().find(|(node, _)| node.id == id)?;
        let listening = reach::listening_ports(host);
        let mut needed = BTreeSet::new();
        if entry_hosts.contains(&h) {
            for port in [HTTP_PORT, HTTPS_PORT] {
                if self.model.listener(h, port).is_some() {
                    needed.insert(port);
                }
            }
        }
        // Database ports get their own finding (`db-reachable`).
        let db_ports: BTreeSet<u16> = self
            .model
            .hosts
            .get(h)
            .map(|hm| {
                hm.services
                    .iter()
                    .filter_map(|&s| self.model.svcs.get(s))
                    .filter(|svc| matches!(svc.role, SvcRole::Db { .. }))
                    .map(|svc| svc.port)
                    .collect()
            })
            .unwrap_or_default();
        let mut candidates: BTreeSet<u16> = WELL_KNOWN_PORTS.into_iter().collect();
        candidates.extend(listening.keys().copied());
        if let Some(fw) = &host.firewall {
            candidates.extend(fw.rules.iter().filter_map(|rule| rule.port));
        }
        let mut open = Vec::new();
        let mut lines = Vec::new();
        for port in candidates {
            if needed.contains(&port) || db_ports.contains(&port) {
                continue;
            }
            let (verdict, rule) = reach::decide(&id, host, INTERNET_IP, port);
            if verdict.passes() {
                let what = listening
                    .get(&port)
                    .map_or("nothing listens yet".to_owned(), |s| format!("{s} listens"));
                lines.push(format!("{port} ({what}): {rule}"));
                open.push(port);
            }
        }
        let first = *open.first()?;
        let ports: Vec<String> = open.iter().map(u16::to_string).collect();
        let needs = if needed.is_empty() {
            format!("No DNS record or virtual IP sends visitors to {id}")
        } else {
            let needed: Vec<String> = needed.iter().map(u16::to_string).collect();
            format!("Visitors need only {}", plural_ports(&needed))
        };
        Some(Finding {
            id: format!("open-ports:{id}"),
            severity: if facing {
                Severity::Error
            } else {
                Severity::Warning
            },
            category: Category::Security,
            title: format!("{id} accepts {} from the internet", plural_ports(&ports)),
            nodes: vec![id.clone()],
            why: format!(
                "{needs}, but the firewall lets anyone in on {}.",
                lines.join("; ")
            ),
            fix: if rules.is_empty() {
                "Remove those rules: nothing in the design connects to this host.".to_owned()
            } else {
                format!(
                    "Remove or narrow those rules; its listeners need only: {}.",
                    rules.join(", ")
                )
            },
            proof: Some(Proof::Probe {
                from_ip: INTERNET_IP,
                to_host: id,
                port: first,
            }),
        })
    }

    /// A database reachable (per its host's firewall) from the internet or from a host that
    /// is neither an application server linked to it nor one of its replicas.
    fn db_reachable(&self, s: usize, h: usize) -> Option<Finding> {
        let svc = self.model.svcs.get(s)?;
        if !matches!(svc.role, SvcRole::Db { .. }) {
            return None;
        }
        let db_id = svc.id.clone();
        let host_id = self.host_id(h).to_owned();
        let (_, host) = self.topology.hosts().find(|(node, _)| node.id == host_id)?;
        let mut allowed = BTreeSet::new();
        for link in &self.model.links {
            if link.to == s
                && matches!(self.role(link.from), Some(SvcRole::App { .. }))
                && let Some(from) = self.host_of(link.from)
            {
                allowed.insert(from);
            }
        }
        for group in self.model.dbs.iter().filter(|g| g.primary == s) {
            allowed.extend(
                group
                    .replicas
                    .iter()
                    .filter_map(|&(r, _, _)| self.host_of(r)),
            );
        }
        let mut offenders: Vec<(String, Ipv4Addr)> = Vec::new();
        let mut lines = Vec::new();
        let mut from_internet = false;
        let sources = std::iter::once((reach::INTERNET.to_owned(), INTERNET_IP, None)).chain(
            self.model
                .hosts
                .iter()
                .enumerate()
                .filter(|&(o, _)| o != h && !allowed.contains(&o))
                .map(|(o, other)| (other.id.clone(), other.ip, Some(o))),
        );
        for (name, ip, _) in sources {
            let (verdict, rule) = reach::decide(&host_id, host, ip, svc.port);
            if verdict.passes() {
                from_internet |= name == reach::INTERNET;
                lines.push(format!("{name} ({ip}): {rule}"));
                offenders.push((name, ip));
            }
        }
        let &(_, first_ip) = offenders.first()?;
        let names: Vec<&str> = offenders.iter().map(|(n, _)| n.as_str()).collect();
        let allowed_names: Vec<&str> = allowed.iter().map(|&a| self.host_id(a)).collect();
        let should = if allowed_names.is_empty() {
            "nothing on another host needs it".to_owned()
        } else {
            format!("only {} need it", join_and(&allowed_names))
        };
        let mut nodes = vec![db_id.clone(), host_id.clone()];
        nodes.extend(
            offenders
                .iter()
                .filter(|(n, _)| n != reach::INTERNET)
                .map(|(n, _)| n.clone()),
        );
        Some(Finding {
            id: format!("db-reachable:{db_id}"),
            severity: if from_internet {
                Severity::Error
            } else {
                Severity::Warning
            },
            category: Category::Security,
            title: format!("{db_id} is reachable from {}", join_and(&names)),
            nodes,
            why: format!(
                "{should}, yet the firewall of {host_id} admits port {} from {}.",
                svc.port,
                lines.join("; ")
            ),
            fix: format!(
                "Allow tcp/{} on {host_id} only from the application servers that query it \
                 (and replicas that pull from it); deny the rest.",
                svc.port
            ),
            proof: Some(Proof::Probe {
                from_ip: first_ip,
                to_host: host_id,
                port: svc.port,
            }),
        })
    }

    /// No HTTPS at the entry, HTTP served instead of redirected, plaintext after TLS.
    fn tls_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
        if !base.anything() {
            return;
        }
        let down = self.nothing_down();
        let master = self.entry_host(&down);
        let members: Vec<usize> = match self.entry {
            Some(Entry::Host(h)) => vec![h],
            Some(Entry::Vip(v)) => self
                .model
                .vips
                .get(v)
                .map_or_else(Vec::new, |vip| vip.members.clone()),
            None => Vec::new(),
        };
        let without: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&h| self.model.listener(h, HTTPS_PORT).is_none())
            .collect();
        if !without.is_empty() {
            let all = without.len() == members.len();
            let mut nodes = Vec::new();
            for &h in &without {
                nodes.push(self.host_id(h).to_owned());
                if let Some(s) = self.model.listener(h, HTTP_PORT) {
                    nodes.push(self.svc_id(s).to_owned());
                }
            }
            let names: Vec<&str> = without.iter().map(|&h| self.host_id(h)).collect();
            let title = if all {
                "The site has no HTTPS".to_owned()
            } else {
                format!("{} cannot serve HTTPS after a failover", join_and(&names))
            };
            findings.push(Finding {
                id: "no-https".to_owned(),
                severity: Severity::Error,
                category: Category::Security,
                title,
                nodes,
                why: format!(
                    "No certificate is installed where visitors connect ({}), so pages, \
                     cookies and passwords travel as plain HTTP that anyone on the way can \
                     read or change.",
                    join_and(&names)
                ),
                fix: "Install a certificate on the entry's load balancer (HAProxy `bind :443 \
                      ssl crt …`) or web server, and redirect plain HTTP to HTTPS."
                    .to_owned(),
                proof: master
                    .filter(|m| without.contains(m))
                    .map(|_| Proof::Request {
                        request: RequestKind::Read,
                        https: true,
                        shows: Symptom::NotServed,
                    }),
            });
        } else if base.http.iter().any(|&served| served) {
            let nodes = members
                .iter()
                .map(|&h| self.host_id(h).to_owned())
                .collect();
            findings.push(Finding {
                id: "http-not-redirected".to_owned(),
                severity: Severity::Warning,
                category: Category::Security,
                title: "Plain HTTP still serves pages".to_owned(),
                nodes,
                why: "The entry has a certificate, but a visitor who types the bare name gets \
                      the site over plain HTTP instead of a redirect to HTTPS."
                    .to_owned(),
                fix: "Redirect plain HTTP to HTTPS on the load balancer (`http-request redirect \
                     scheme https code 301`); keep port 80 open for the redirect."
                    .to_owned(),
                proof: Some(Proof::Request {
                    request: RequestKind::Read,
                    https: false,
                    shows: Symptom::ServedOverHttp,
                }),
            });
        }
        if without.is_empty() && base.https.iter().any(|&served| served) {
            self.http_fails(&down, findings);
        }
        self.plaintext_after_tls(used, findings);
    }

    /// HTTPS works but plain HTTP gets neither a page nor a redirect: the port is closed or
    /// nothing listens (the engine drops, refuses or times it out).
    fn http_fails(&self, down: &Down, findings: &mut Vec<Finding>) {
        let redirects = |s: usize| match self.role(s) {
            Some(SvcRole::Lb(lb)) => self
                .model
                .lbs
                .get(lb)
                .is_some_and(|lb| lb.redirect_to_https),
            _ => false,
        };
        let answered = self.entry_listener(HTTP_PORT, down).is_some_and(|s| {
            redirects(s) || KINDS.iter().any(|&kind| self.reaches(s, kind, false, down))
        });
        let Some(h) = self.entry_host(down).filter(|_| !answered) else {
            return;
        };
        let id = self.host_id(h).to_owned();
        let Some((_, host)) = self.topology.hosts().find(|(node, _)| node.id == id) else {
            return;
        };
        let (verdict, rule) = reach::decide(&id, host, self.model.client_ip, HTTP_PORT);
        let (why, wait) = if !verdict.passes() {
            let wait = if verdict.action == Action::Reject {
                "an error at once"
            } else {
                "nothing until the browser gives up"
            };
            (format!("port {HTTP_PORT} on {id} is closed ({rule})"), wait)
        } else if self.model.listener(h, HTTP_PORT).is_none() {
            (
                format!("nothing listens on port {HTTP_PORT} of {id}"),
                "an error at once",
            )
        } else {
            (
                format!("port {HTTP_PORT} of {id} leads to no web server that answers"),
                "an error",
            )
        };
        findings.push(Finding {
            id: "http-fails".to_owned(),
            severity: Severity::Warning,
            category: Category::Availability,
            title: "Plain HTTP gets no answer".to_owned(),
            nodes: vec![id],
            why: format!(
                "The site serves HTTPS, but {why}: a visitor who types the bare name or follows \
                 an http:// link gets {wait} instead of a redirect to HTTPS."
            ),
            fix: "Let the entry's firewall admit tcp/80 from anywhere and answer it with a \
                  redirect to HTTPS (HAProxy `http-request redirect scheme https`), as real \
                  sites do."
                .to_owned(),
            proof: Some(Proof::Request {
                request: RequestKind::Read,
                https: false,
                shows: Symptom::NotServed,
            }),
        });
    }

    fn plaintext_after_tls(&self, used: &[bool], findings: &mut Vec<Finding>) {
        let mut lbs = Vec::new();
        let mut targets: Vec<usize> = Vec::new();
        for lb in &self.model.lbs {
            let Some(svc) = self.model.svcs.get(lb.svc) else {
                continue;
            };
            if svc.certificate.is_none() || used.get(lb.svc) != Some(&true) {
                continue;
            }
            let servers: Vec<usize> = lb
                .servers
                .iter()
                .filter_map(|&l| self.model.links.get(l).map(|link| link.to))
                .collect();
            if servers.is_empty() {
                continue;
            }
            lbs.push(lb.svc);
            for t in servers {
                if !targets.contains(&t) {
                    targets.push(t);
                }
            }
        }
        if lbs.is_empty() {
            return;
        }
        let public_hop = targets.iter().any(|&t| {
            self.host_of(t)
                .and_then(|h| self.model.hosts.get(h))
                .is_some_and(|host| is_public(host.ip))
        });
        let lb_names: Vec<&str> = lbs.iter().map(|&s| self.svc_id(s)).collect();
        let target_names: Vec<&str> = targets.iter().map(|&s| self.svc_id(s)).collect();
        let mut nodes: Vec<String> = lb_names.iter().map(|&s| s.to_owned()).collect();
        nodes.extend(target_names.iter().map(|&s| s.to_owned()));
        let network = if public_hop {
            "over public addresses, where anyone on the way can read and alter them"
        } else {
            "on the private network, where anyone who gets onto it can read and alter them"
        };
        findings.push(Finding {
            id: "plaintext-after-tls".to_owned(),
            severity: if public_hop {
                Severity::Warning
            } else {
                Severity::Info
            },
            category: Category::Security,
            title: format!(
                "Traffic is plaintext after TLS ends at {}",
                join_and(&lb_names)
            ),
            nodes,
            why: format!(
                "HAProxy decrypts HTTPS (TLS termination) and passes requests, cookies and \
                 passwords to {} as plain HTTP, {network}.",
                join_and(&target_names)
            ),
            fix: "Re-encrypt to the backends (HAProxy `server … ssl verify required ca-file …` \
                  with a certificate on each web server), or keep the backend network isolated."
                .to_owned(),
            proof: Some(Proof::Request {
                request: RequestKind::Read,
                https: true,
                shows: Symptom::PlaintextHop,
            }),
        });
    }
}

fn to_strs(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}

/// "port 22" or "ports 22 and 3306".
fn plural_ports(ports: &[String]) -> String {
    let list = join_and(&to_strs(ports));
    if ports.len() == 1 {
        format!("port {list}")
    } else {
        format!("ports {list}")
    }
}

// ----- monitoring ------------------------------------------------------------------------------

impl Net<'_> {
    fn monitoring_findings(&self, findings: &mut Vec<Finding>) {
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

// ----- capacity --------------------------------------------------------------------------------

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
    fn service_rate(&self, s: usize) -> Option<(f64, String)> {
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

    fn capacity_finding(&self, rps: f64, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
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

// ----- proofs ----------------------------------------------------------------------------------

/// Requests sent before and after a failure in [`Proof::TakeDown`].
const ROUND: u64 = 4;
/// Time for health checks (`inter` × `fall`) and VRRP to notice a failure before the second
/// round of a [`Proof::TakeDown`].
const SETTLE: SimDuration = SimDuration::from_secs(30);
/// Simulated time a [`Proof::Metrics`] lets the agents report.
const METRICS_WINDOW: SimDuration = SimDuration::from_secs(60);
/// Longer than any timeout in the model.
const QUIET_LIMIT: SimDuration = SimDuration::from_secs(600);

/// Runs `proof` on `topology` in the engine (a probe is one firewall decision, as the engine
/// makes it on a connection) and says what happened. Never panics: a design the engine refuses
/// or an unknown id gives a result with `shown: false` that says why.
pub fn prove(topology: &Topology, proof: &Proof) -> ProofResult {
    match proof {
        Proof::TakeDown {
            target,
            request,
            https,
        } => take_down(topology, target, *request, *https),
        Proof::Request {
            request,
            https,
            shows,
        } => one_request(topology, *request, *https, *shows),
        Proof::Probe {
            from_ip,
            to_host,
            port,
        } => probe(topology, *from_ip, to_host, *port),
        Proof::Metrics { host } => metrics(topology, host),
        Proof::Load { rps, https } => load(topology, *rps, *https),
    }
}

fn not_shown(summary: String) -> ProofResult {
    ProofResult {
        shown: false,
        summary,
        details: Vec::new(),
    }
}

fn simulation(topology: &Topology) -> Result<Simulation, ProofResult> {
    Simulation::new(topology, Config::default())
        .map_err(|e| not_shown(format!("the engine cannot run this design: {e}")))
}

fn kind_word(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Static => "static",
        RequestKind::Read => "read",
        RequestKind::Write => "write",
    }
}

fn is_page(trace: &Trace) -> bool {
    matches!(trace.outcome, Some(Outcome::Served { status: 200, .. }))
}

fn outcome_text(trace: &Trace) -> String {
    trace.outcome.as_ref().map_or_else(
        || "no answer within the simulated time".to_owned(),
        Outcome::to_string,
    )
}

/// Sends [`ROUND`] requests one second apart from `start` and waits for all of them.
fn send_round(
    sim: &mut Simulation,
    start: SimTime,
    spec: RequestSpec,
) -> Result<Vec<Trace>, ProofResult> {
    let mut ids = Vec::new();
    for i in 0..ROUND {
        let at = start + SimDuration::from_secs(i);
        match sim.handle(at, Input::Send(spec)) {
            Ok(Some(id)) => ids.push(id),
            Ok(None) => {}
            Err(e) => return Err(not_shown(format!("the engine refused a request: {e}"))),
        }
    }
    let last = start + SimDuration::from_secs(ROUND);
    sim.run_until_quiet(last + QUIET_LIMIT);
    Ok(ids
        .iter()
        .filter_map(|&id| sim.trace(id).cloned())
        .collect())
}

fn take_down(topology: &Topology, target: &Target, kind: RequestKind, https: bool) -> ProofResult {
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    let spec = RequestSpec::new(kind, https);
    let before = match send_round(&mut sim, SimTime::ZERO, spec) {
        Ok(traces) => traces,
        Err(result) => return result,
    };
    let fail_at = sim.now() + SimDuration::from_secs(1);
    let (input, happened) = match target {
        Target::Host(id) => (Input::HostDown(id.clone()), "went down"),
        Target::Service(id) => (Input::ServiceDown(id.clone()), "stopped"),
        Target::Link { from, to } => (
            Input::CutLink {
                from: from.clone(),
                to: to.clone(),
            },
            "was cut",
        ),
    };
    if let Err(e) = sim.handle(fail_at, input) {
        return not_shown(format!("cannot take {target} down: {e}"));
    }
    let resume = fail_at + SETTLE;
    sim.advance_to(resume);
    let after = match send_round(&mut sim, resume, spec) {
        Ok(traces) => traces,
        Err(result) => return result,
    };
    let served_before = before.iter().filter(|t| is_page(t)).count();
    let served_after = after.iter().filter(|t| is_page(t)).count();
    let mut details = Vec::new();
    while let Some(output) = sim.poll_output() {
        match output {
            Output::ServerState {
                lb,
                server,
                up,
                at,
                reason,
            } => details.push(format!(
                "{at}: {lb} marks {server} {} ({reason})",
                if up { "UP" } else { "DOWN" }
            )),
            Output::VipHolder { vip, holder, at } => details.push(match holder {
                Some(holder) => format!("{at}: {vip} is now held by {holder}"),
                None => format!("{at}: nobody holds {vip}"),
            }),
            Output::RequestDone { .. } | Output::Metrics(_) | Output::Keepalived { .. } => {}
        }
    }
    if let Some(failed) = after.iter().find(|t| !is_page(t)) {
        details.push(format!("after: {}", outcome_text(failed)));
    }
    let scheme = if https { "HTTPS" } else { "HTTP" };
    ProofResult {
        shown: served_before > 0 && served_after == 0,
        summary: format!(
            "before: {served_before} of {ROUND} {} requests ({scheme}) served; {target} \
             {happened}; {SETTLE} later: {served_after} of {ROUND} served",
            kind_word(kind)
        ),
        details,
    }
}

fn one_request(topology: &Topology, kind: RequestKind, https: bool, shows: Symptom) -> ProofResult {
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    let spec = RequestSpec::new(kind, https);
    let trace = match sim.handle(SimTime::ZERO, Input::Send(spec)) {
        Ok(Some(id)) => {
            sim.run_until_quiet(SimTime::ZERO + QUIET_LIMIT);
            sim.trace(id).cloned()
        }
        Ok(None) => None,
        Err(e) => return not_shown(format!("the engine refused the request: {e}")),
    };
    let Some(trace) = trace else {
        return not_shown("the engine lost the request".to_owned());
    };
    let plaintext = trace
        .hops
        .iter()
        .skip_while(|hop| !hop.encrypted)
        .find(|hop| hop.kind == HopKind::Forward && !hop.encrypted);
    let shown = match shows {
        Symptom::NotServed => !is_page(&trace),
        Symptom::ServedOverHttp => !https && is_page(&trace),
        Symptom::PlaintextHop => https && is_page(&trace) && plaintext.is_some(),
    };
    let scheme = if https { "https" } else { "http" };
    let mut details: Vec<String> = trace
        .hops
        .iter()
        .map(|hop| {
            let lock = if hop.encrypted { " [encrypted]" } else { "" };
            format!("{} {}{lock}: {}", hop.at, hop.place, hop.reason)
        })
        .collect();
    if let (Symptom::PlaintextHop, Some(hop)) = (shows, plaintext) {
        details.insert(0, format!("plaintext: {}", hop.reason));
    }
    ProofResult {
        shown,
        summary: format!(
            "{} {scheme}://www{}: {}",
            kind.method(),
            kind.path(spec.key),
            outcome_text(&trace)
        ),
        details,
    }
}

fn probe(topology: &Topology, from_ip: Ipv4Addr, to_host: &str, port: u16) -> ProofResult {
    let Some((node, host)) = topology.hosts().find(|(node, _)| node.id == to_host) else {
        return not_shown(format!("there is no host '{to_host}'"));
    };
    let (verdict, rule) = reach::decide(&node.id, host, from_ip, port);
    let listening = reach::listening_ports(host);
    let listener = match listening.get(&port) {
        Some(service) => format!("{service} listens on {port} and answers"),
        None if verdict.passes() => {
            format!("nothing listens on {port} yet, but whatever starts there is exposed")
        }
        None => format!("nothing listens on {port}"),
    };
    let decision = match verdict.action {
        Action::Allow => "let in",
        Action::Deny => "dropped",
        Action::Reject => "rejected",
    };
    ProofResult {
        shown: verdict.passes(),
        summary: format!(
            "{from_ip} → {}:{port} (new TCP connection): {decision}",
            node.id
        ),
        details: vec![rule, listener],
    }
}

fn metrics(topology: &Topology, host: &str) -> ProofResult {
    if !topology.hosts().any(|(node, _)| node.id == host) {
        return not_shown(format!("there is no host '{host}'"));
    }
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    sim.advance_to(SimTime::ZERO + METRICS_WINDOW);
    let mut reporting: Vec<&str> = Vec::new();
    let mut from_host = 0;
    for report in sim.reports() {
        if report.host == host {
            from_host += 1;
        }
        if !reporting.contains(&report.host.as_str()) {
            reporting.push(&report.host);
        }
    }
    let total = sim.reports().len();
    let who = if reporting.is_empty() {
        "no host".to_owned()
    } else {
        join_and(&reporting)
    };
    ProofResult {
        shown: from_host == 0,
        summary: format!(
            "in {METRICS_WINDOW} the collector received {} from {who}; {} from {host}",
            plural(total, "report", "reports"),
            if from_host == 0 {
                "none".to_owned()
            } else {
                from_host.to_string()
            }
        ),
        details: Vec::new(),
    }
}

fn load(topology: &Topology, rps: f64, https: bool) -> ProofResult {
    if !(rps.is_finite() && rps > 0.0) {
        return not_shown(format!("{rps} is not a request rate"));
    }
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    let count = (rps * 10.0).clamp(200.0, 100_000.0) as u64;
    let mix = Mix {
        static_pct: 0,
        read_pct: 9,
        write_pct: 1,
    };
    sim.start_load(Load {
        mix,
        https,
        ..Load::new(rps, count)
    });
    let seconds = count as f64 / rps;
    let end = SimTime::from_micros((seconds * 1e6) as u64) + QUIET_LIMIT;
    sim.run_until_quiet(end);
    let stats = sim.stats();
    let all = stats.outcomes();
    let failed = all.total().saturating_sub(all.served);
    let mut details = vec![format!(
        "dropped {}, refused {}, timed out {}, no server {}, failed {}",
        all.dropped, all.refused, all.timed_out, all.no_server, all.failed
    )];
    if all.served > 0 {
        details.push(format!(
            "latency of served requests: p50 {}, p99 {}",
            stats.latency.quantile(0.5),
            stats.latency.quantile(0.99)
        ));
    }
    ProofResult {
        shown: failed > 0,
        summary: format!(
            "{count} reads and writes at {} req/s ({}): {} served, {failed} failed",
            rate_text(rps),
            if https { "HTTPS" } else { "HTTP" },
            all.served
        ),
        details,
    }
}
