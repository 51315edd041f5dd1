//! Editing a design: every change a user makes to a [`Topology`], as plain data ([`Edit`]) and
//! one pure function that applies it ([`apply`]), natively tested.
//!
//! An edit either gives a new, valid design ([`format::validate`] passes) or a typed refusal
//! ([`EditError`]) that says why in one sentence; the design it was given is never changed.
//! Connections are interpreted by what they join ([`connect`]): two services get a request
//! link, a host and the collector get a monitoring agent, a virtual IP and a load-balancer host
//! get a VRRP membership, the DNS zone and an entry point get the `www` record, two databases
//! get replication.
//!
//! Positions are not part of a design; the reducer keeps them beside it (see
//! [`crate::ui::state`]).

use std::net::Ipv4Addr;

use crate::sim::format::{self, MAX_ID_CHARS, TopologyError};
use crate::sim::presets;
use crate::sim::redundancy::{self, Sharing, SwitchError};
use crate::sim::topology::{
    DbRole, DnsRecord, Link, Node, NodeKind, Service, ServiceKind, Topology, Vip, VrrpMember,
};

/// Something from the palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Client,
    Dns,
    /// An empty server.
    Host,
    Vip,
    Collector,
    Haproxy,
    Nginx,
    AppServer,
    /// The application's code on disk.
    AppFiles,
    Mysql,
    /// A monitoring agent (goes onto a host).
    Agent,
}

impl Part {
    pub const ALL: [Part; 11] = [
        Part::Client,
        Part::Dns,
        Part::Host,
        Part::Vip,
        Part::Collector,
        Part::Haproxy,
        Part::Nginx,
        Part::AppServer,
        Part::AppFiles,
        Part::Mysql,
        Part::Agent,
    ];

    /// The palette's label.
    pub fn label(self) -> &'static str {
        match self {
            Part::Client => "Client",
            Part::Dns => "DNS zone",
            Part::Host => "Server",
            Part::Vip => "Virtual IP",
            Part::Collector => "Collector",
            Part::Haproxy => "HAProxy",
            Part::Nginx => "Nginx",
            Part::AppServer => "App server",
            Part::AppFiles => "Code",
            Part::Mysql => "MySQL",
            Part::Agent => "Agent",
        }
    }

    /// Whether this part lives on a host (dropped onto one, or onto empty canvas in a new
    /// server).
    pub fn goes_on_host(self) -> bool {
        matches!(
            self,
            Part::Haproxy
                | Part::Nginx
                | Part::AppServer
                | Part::AppFiles
                | Part::Mysql
                | Part::Agent
        )
    }

    /// The id prefix of a new service (`web-01.nginx`) or node (`server-01`).
    fn suffix(self) -> &'static str {
        match self {
            Part::Host => "server",
            other => other.key(),
        }
    }

    /// A short name of the part: the palette's `data-part`, and most id prefixes.
    pub fn key(self) -> &'static str {
        match self {
            Part::Client => "client",
            Part::Dns => "dns",
            Part::Host => "host",
            Part::Vip => "vip",
            Part::Collector => "collector",
            Part::Haproxy => "haproxy",
            Part::Nginx => "nginx",
            Part::AppServer => "app",
            Part::AppFiles => "code",
            Part::Mysql => "mysql",
            Part::Agent => "agent",
        }
    }

    /// The name of a new host made for this part on empty canvas.
    fn host_prefix(self) -> &'static str {
        match self {
            Part::Haproxy => "lb",
            Part::Nginx => "web",
            Part::AppServer | Part::AppFiles => "app",
            Part::Mysql => "db",
            _ => "server",
        }
    }
}

/// Where a palette part goes when it is dropped onto something or added to the selection:
/// the one rule for both (see [`place_part`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Onto this existing host (a service or an agent onto a server, or onto a service's
    /// server).
    Onto { host: String, part: Part },
    /// A new node of its own (a service in a new server of its own).
    New(Part),
    /// Nowhere: a monitoring agent needs a server.
    NeedsServer,
}

/// The host `id` stands for when a part is dropped on it: a host itself, or the host a
/// service runs on; other nodes stand for none.
pub fn drop_host<'a>(topology: &'a Topology, id: &str) -> Option<&'a str> {
    match topology.node(id).map(|n| (&n.id, &n.kind)) {
        Some((id, NodeKind::Host(_))) => Some(id),
        Some(_) => None,
        None => topology.service(id).map(|(host, _)| host.id.as_str()),
    }
}

/// What dropping `part` onto `target` (the node or service under the pointer, or the one
/// selected; `None`: empty canvas) does.
pub fn place_part(topology: &Topology, part: Part, target: Option<&str>) -> Placement {
    let host = target.and_then(|id| drop_host(topology, id));
    match (part.goes_on_host(), host) {
        (true, Some(host)) => Placement::Onto {
            host: host.to_owned(),
            part,
        },
        _ if part == Part::Agent => Placement::NeedsServer,
        _ => Placement::New(part),
    }
}

/// One change to a design.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Adds a palette part as a new node (services and agents get a new host of their own).
    /// The new node's id is [`added_id`].
    Add(Part),
    /// Puts a service or an agent onto an existing host.
    AddTo { host: String, part: Part },
    /// Moves a service to another host; its id follows the host (`web-02.nginx`).
    MoveService { service: String, to_host: String },
    /// Joins two things (nodes or services); see [`connect`] for what that means.
    Connect { from: String, to: String },
    /// Replaces the node with this id (names, addresses, firewall, agent, VRRP, records).
    /// Its services are replaced too, so their ids must stay the same.
    ReplaceNode(Node),
    /// Replaces the settings of the service with this id.
    ReplaceService(Service),
    /// Replaces the link `from → to` (weight, backup, check).
    ReplaceLink(Link),
    /// Gives a node or service a new id; every reference follows.
    Rename { id: String, to: String },
    /// Removes nodes and services with everything that refers to them.
    Delete(Vec<String>),
    /// Removes one link.
    DeleteLink { from: String, to: String },
    /// Adds copies of nodes (with fresh ids) and the links between them.
    Paste { nodes: Vec<Node>, links: Vec<Link> },
    /// Renames the whole design.
    SetName(String),
    /// Turns a redundant pair into active-active or active-passive ([`redundancy::switch`]).
    Share { pair: String, to: Sharing },
}

/// Why an edit was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("there is no '{0}' in this design")]
    Unknown(String),
    #[error("'{0}' is not a host")]
    NotAHost(String),
    #[error("a link from {0} to itself makes no sense")]
    SelfLink(String),
    #[error("{from} → {to} exists already")]
    Duplicate { from: String, to: String },
    /// The two ends cannot be joined; the text says why and what would work.
    #[error("{0}")]
    Refused(String),
    #[error("the id '{0}' is taken")]
    Taken(String),
    #[error("an id must be 1 to {MAX_ID_CHARS} letters, digits, '-', '_' or '.', not '{0}'")]
    BadId(String),
    /// The pair could not be switched.
    #[error(transparent)]
    Switch(#[from] SwitchError),
    /// The edit would leave a design the core refuses.
    #[error("{0}")]
    Invalid(#[from] TopologyError),
}

/// Applies `edit` to a copy of `topology`; the result is valid or the edit is refused.
pub fn apply(topology: &Topology, edit: &Edit) -> Result<Topology, EditError> {
    let mut t = topology.clone();
    match edit {
        Edit::Add(part) => add(&mut t, *part),
        Edit::AddTo { host, part } => add_to(&mut t, host, *part)?,
        Edit::MoveService { service, to_host } => move_service(&mut t, service, to_host)?,
        Edit::Connect { from, to } => connect(&mut t, from, to)?,
        Edit::ReplaceNode(node) => replace_node(&mut t, node)?,
        Edit::ReplaceService(service) => {
            let slot = service_mut(&mut t, &service.id)?;
            if std::mem::discriminant(&slot.kind) != std::mem::discriminant(&service.kind) {
                return Err(EditError::Refused(format!(
                    "{} cannot change what kind of program it is; add a new one instead",
                    service.id
                )));
            }
            *slot = service.clone();
        }
        Edit::ReplaceLink(link) => {
            let slot = t
                .links
                .iter_mut()
                .find(|l| l.from == link.from && l.to == link.to)
                .ok_or_else(|| EditError::Unknown(format!("{} → {}", link.from, link.to)))?;
            *slot = link.clone();
        }
        Edit::Rename { id, to } => rename(&mut t, id, to)?,
        Edit::Delete(ids) => {
            if let Some(id) = ids.iter().find(|id| !taken(topology, id)) {
                return Err(EditError::Unknown(id.clone()));
            }
            for id in ids {
                delete(&mut t, id);
            }
        }
        Edit::DeleteLink { from, to } => {
            let before = t.links.len();
            t.links.retain(|l| !(l.from == *from && l.to == *to));
            if t.links.len() == before {
                return Err(EditError::Unknown(format!("{from} → {to}")));
            }
        }
        Edit::Paste { nodes, links } => paste(&mut t, nodes, links),
        Edit::SetName(name) => t.name = name.clone(),
        Edit::Share { pair, to } => t = redundancy::switch(&t, pair, *to)?,
    }
    format::validate(&t)?;
    Ok(t)
}

/// The id the node added by `Edit::Add(part)` to `topology` gets.
pub fn added_id(topology: &Topology, part: Part) -> String {
    let prefix = if part.goes_on_host() {
        part.host_prefix()
    } else {
        part.suffix()
    };
    match part {
        Part::Client | Part::Dns | Part::Collector if !taken(topology, prefix) => prefix.to_owned(),
        _ => fresh_numbered(topology, prefix),
    }
}

/// `prefix-01`, `prefix-02`, … whichever is free first.
fn fresh_numbered(topology: &Topology, prefix: &str) -> String {
    (1..)
        .map(|n| format!("{prefix}-{n:02}"))
        .find(|id| !taken(topology, id))
        .unwrap_or_else(|| prefix.to_owned())
}

/// `base`, or `base-2`, `base-3`, … whichever is free first.
fn fresh(topology: &Topology, base: &str) -> String {
    if !taken(topology, base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(topology, id))
        .unwrap_or_else(|| base.to_owned())
}

/// Whether a node or a service has this id.
fn taken(topology: &Topology, id: &str) -> bool {
    topology.node(id).is_some() || topology.service(id).is_some()
}

/// The next free address in 10.0.0.0/24 (the private network of the presets), from .2.
fn free_ip(topology: &Topology) -> Ipv4Addr {
    (2..=254u8)
        .map(|n| Ipv4Addr::new(10, 0, 0, n))
        .find(|ip| topology.node_at(*ip).is_none())
        .unwrap_or(Ipv4Addr::new(10, 0, 1, 2))
}

fn add(t: &mut Topology, part: Part) {
    let id = added_id(t, part);
    let node = match part {
        Part::Client => Node {
            id,
            ..presets::client()
        },
        Part::Dns => Node {
            id,
            ..presets::dns()
        },
        Part::Collector => Node {
            id,
            ..presets::collector()
        },
        Part::Vip => {
            let ip = Ipv4Addr::new(8, 8, 8, 8);
            let ip = if t.node_at(ip).is_some() {
                free_ip(t)
            } else {
                ip
            };
            presets::node(
                &id,
                &format!("VIP {ip}"),
                NodeKind::Vip(Vip {
                    ip,
                    advert_int_s: 1,
                    preempt: true,
                    members: Vec::new(),
                }),
            )
        }
        _ => presets::host(&id, &id, free_ip(t), Vec::new()),
    };
    t.nodes.push(node);
    if part.goes_on_host() {
        let host = t.nodes.last().map(|n| n.id.clone()).unwrap_or_default();
        // A fresh host takes every part; this cannot fail.
        let _ = add_to(t, &host, part);
    }
}

fn host_mut<'a>(
    t: &'a mut Topology,
    id: &str,
) -> Result<&'a mut crate::sim::topology::Host, EditError> {
    match t.nodes.iter_mut().find(|n| n.id == id) {
        Some(Node {
            kind: NodeKind::Host(host),
            ..
        }) => Ok(host),
        Some(_) => Err(EditError::NotAHost(id.to_owned())),
        None => Err(EditError::Unknown(id.to_owned())),
    }
}

fn service_mut<'a>(t: &'a mut Topology, id: &str) -> Result<&'a mut Service, EditError> {
    t.nodes
        .iter_mut()
        .filter_map(|n| match &mut n.kind {
            NodeKind::Host(host) => Some(host),
            _ => None,
        })
        .flat_map(|h| h.services.iter_mut())
        .find(|s| s.id == id)
        .ok_or_else(|| EditError::Unknown(id.to_owned()))
}

fn add_to(t: &mut Topology, host_id: &str, part: Part) -> Result<(), EditError> {
    if !part.goes_on_host() {
        return Err(EditError::Refused(format!(
            "a {} is a node of its own; drop it on empty canvas",
            part.label()
        )));
    }
    if part == Part::Agent {
        let collector = t
            .nodes
            .iter()
            .find(|n| matches!(n.kind, NodeKind::Collector { .. }))
            .map(|n| n.id.clone())
            .ok_or_else(|| {
                EditError::Refused(
                    "an agent reports to a collector: add a collector first".to_owned(),
                )
            })?;
        let host = host_mut(t, host_id)?;
        if host.agent.is_some() {
            return Err(EditError::Refused(format!(
                "{host_id} has an agent already"
            )));
        }
        host.agent = Some(crate::sim::topology::Agent {
            collector,
            ..presets::agent()
        });
        return Ok(());
    }
    let id = fresh(t, &format!("{host_id}.{}", part.suffix()));
    let server_id = next_server_id(t);
    let service = match part {
        Part::Haproxy => presets::haproxy(&id, None),
        Part::Nginx => presets::nginx(&id),
        Part::AppServer => presets::php(&id),
        Part::AppFiles => presets::code(&id),
        _ => presets::mysql(&id, server_id, DbRole::Primary),
    };
    host_mut(t, host_id)?.services.push(service);
    Ok(())
}

/// A MySQL `server-id` no database of the design uses yet.
fn next_server_id(t: &Topology) -> u32 {
    databases(t).map(|(_, id)| id).max().unwrap_or(0) + 1
}

fn databases(t: &Topology) -> impl Iterator<Item = (&str, u32)> {
    t.hosts().flat_map(|(_, h)| {
        h.services.iter().filter_map(|s| match &s.kind {
            ServiceKind::Database(db) => Some((s.id.as_str(), db.server_id)),
            _ => None,
        })
    })
}

fn move_service(t: &mut Topology, service: &str, to_host: &str) -> Result<(), EditError> {
    let (from_host, _) = t
        .service(service)
        .ok_or_else(|| EditError::Unknown(service.to_owned()))?;
    let from_host = from_host.id.clone();
    host_mut(t, to_host)?;
    if from_host == to_host {
        return Ok(());
    }
    let suffix = service.rsplit('.').next().unwrap_or(service);
    let new_id = fresh(t, &format!("{to_host}.{suffix}"));
    let moved = {
        let host = host_mut(t, &from_host)?;
        let idx = host
            .services
            .iter()
            .position(|s| s.id == service)
            .ok_or_else(|| EditError::Unknown(service.to_owned()))?;
        host.services.remove(idx)
    };
    host_mut(t, to_host)?.services.push(moved);
    rename(t, service, &new_id)
}

/// What one end of a connection is.
enum End<'a> {
    Service(&'a Service),
    Host(&'a Node),
    Other(&'a Node),
}

fn end<'a>(t: &'a Topology, id: &str) -> Result<End<'a>, EditError> {
    if let Some((_, service)) = t.service(id) {
        return Ok(End::Service(service));
    }
    match t.node(id) {
        Some(node) if matches!(node.kind, NodeKind::Host(_)) => Ok(End::Host(node)),
        Some(node) => Ok(End::Other(node)),
        None => Err(EditError::Unknown(id.to_owned())),
    }
}

/// What kind of program a service is, in a refusal message.
fn program(kind: &ServiceKind) -> &'static str {
    match kind {
        ServiceKind::LoadBalancer(_) => "HAProxy",
        ServiceKind::WebServer(_) => "Nginx",
        ServiceKind::AppServer(_) => "the application server",
        ServiceKind::AppFiles { .. } => "the code on disk",
        ServiceKind::Database(_) => "MySQL",
    }
}

/// Whether `from` may send requests to `to`, or why not.
fn request_link(from: &ServiceKind, to: &ServiceKind) -> Result<(), String> {
    use ServiceKind::*;
    match (from, to) {
        (LoadBalancer(_), WebServer(_))
        | (LoadBalancer(_), LoadBalancer(_))
        | (WebServer(_), AppServer(_))
        | (AppServer(_), Database(_)) => Ok(()),
        (Database(_), Database(_)) => Ok(()),
        (AppFiles { .. }, _) | (_, AppFiles { .. }) => Err(
            "the code on disk is read by the application server on the same host; it takes no \
             connections"
                .to_owned(),
        ),
        (Database(_), _) => {
            Err("MySQL answers queries; it does not send requests anywhere".to_owned())
        }
        (LoadBalancer(_), AppServer(_)) => Err(
            "HAProxy speaks HTTP and the application server FastCGI: put Nginx between them"
                .to_owned(),
        ),
        (_, Database(_)) => Err(format!(
            "{} does not speak MySQL: connect the application server to the database",
            program(from)
        )),
        (AppServer(_), _) => Err(format!(
            "the application server answers requests; it only opens connections to MySQL, not \
             to {}",
            program(to)
        )),
        (_, LoadBalancer(_)) => Err(format!(
            "requests reach HAProxy from the internet (DNS or the virtual IP), not from {}",
            program(from)
        )),
        (WebServer(_), WebServer(_)) => Err(
            "Nginx passes dynamic requests to an application server, not to another Nginx"
                .to_owned(),
        ),
    }
}

/// Joins `from` and `to`, by what they are:
///
/// - service → service: a request link, if the first can send the second requests
///   (HAProxy → Nginx or HAProxy, Nginx → application server, application server → MySQL);
///   MySQL → MySQL makes the second a replica of the first;
/// - a host or a service of a host ↔ the collector: a monitoring agent on the host;
/// - a virtual IP ↔ a host with HAProxy: the host joins the VRRP group;
/// - the DNS zone → a host, a service's host or a virtual IP: `www` answers with its (public)
///   address;
/// - a host → a host: the first suitable service pair, as above.
pub fn connect(t: &mut Topology, from: &str, to: &str) -> Result<(), EditError> {
    if from == to {
        return Err(EditError::SelfLink(from.to_owned()));
    }
    let a = end(t, from)?;
    let b = end(t, to)?;
    let kind_of = |n: &Node| match n.kind {
        NodeKind::Client { .. } => "client",
        NodeKind::Dns(_) => "dns",
        NodeKind::Host(_) => "host",
        NodeKind::Vip(_) => "vip",
        NodeKind::Collector { .. } => "collector",
    };
    match (a, b) {
        (End::Other(n), _) | (_, End::Other(n)) if kind_of(n) == "client" => {
            Err(EditError::Refused(
                "the browser finds the site through DNS: connect the DNS zone to the entry point \
                 instead"
                    .to_owned(),
            ))
        }
        (End::Service(s1), End::Service(s2)) => {
            if let (ServiceKind::Database(_), ServiceKind::Database(_)) = (&s1.kind, &s2.kind) {
                return replicate(t, from, to);
            }
            if t.links.iter().any(|l| l.from == from && l.to == to) {
                return Err(EditError::Duplicate {
                    from: from.to_owned(),
                    to: to.to_owned(),
                });
            }
            request_link(&s1.kind, &s2.kind).map_err(EditError::Refused)?;
            t.links.push(Link::new(from, to));
            Ok(())
        }
        (End::Host(h), End::Other(o)) | (End::Other(o), End::Host(h))
            if kind_of(o) == "collector" =>
        {
            let (host, collector) = (h.id.clone(), o.id.clone());
            add_agent(t, &host, &collector)
        }
        (End::Service(_), End::Other(o)) | (End::Other(o), End::Service(_))
            if kind_of(o) == "collector" =>
        {
            let service = if t.node(from).is_some() { to } else { from };
            let host = host_of(t, service)?;
            let collector = o.id.clone();
            add_agent(t, &host, &collector)
        }
        (End::Other(o), other) | (other, End::Other(o)) if kind_of(o) == "vip" => {
            let host = match other {
                End::Host(h) => h.id.clone(),
                End::Service(s) => host_of(t, &s.id)?,
                End::Other(n) => {
                    return Err(EditError::Refused(format!(
                        "a virtual IP is held by a load-balancer host, not by {}",
                        n.id
                    )));
                }
            };
            let vip = o.id.clone();
            join_vrrp(t, &vip, &host)
        }
        (End::Other(o), other) if kind_of(o) == "dns" => {
            let target = match other {
                End::Host(h) => h.id.clone(),
                End::Service(s) => host_of(t, &s.id)?,
                End::Other(n) if kind_of(n) == "vip" => n.id.clone(),
                End::Other(n) => {
                    return Err(EditError::Refused(format!(
                        "the www record points at a server or a virtual IP, not at {}",
                        n.id
                    )));
                }
            };
            let dns = o.id.clone();
            point_dns(t, &dns, &target)
        }
        (_, End::Other(o)) if kind_of(o) == "dns" => Err(EditError::Refused(
            "drag from the DNS zone to the entry point (the record points from the zone)"
                .to_owned(),
        )),
        (End::Host(h1), End::Host(h2)) => {
            let (h1, h2) = (h1.id.clone(), h2.id.clone());
            connect_hosts(t, &h1, &h2)
        }
        (End::Host(h), End::Service(_)) => {
            let h = h.id.clone();
            let services = services_of(t, &h);
            first_that_works(t, services.iter().map(|s| (s.as_str(), to)))
        }
        (End::Service(_), End::Host(h)) => {
            let h = h.id.clone();
            let services = services_of(t, &h);
            first_that_works(t, services.iter().map(|s| (from, s.as_str())))
        }
        (End::Other(a), End::Other(b)) => Err(EditError::Refused(format!(
            "{} and {} do not connect to each other",
            a.id, b.id
        ))),
        (End::Other(o), _) | (_, End::Other(o)) => Err(EditError::Refused(format!(
            "{} does not connect to that",
            o.id
        ))),
    }
}

fn host_of(t: &Topology, service: &str) -> Result<String, EditError> {
    t.service(service)
        .map(|(h, _)| h.id.clone())
        .ok_or_else(|| EditError::Unknown(service.to_owned()))
}

fn services_of(t: &Topology, host: &str) -> Vec<String> {
    t.hosts()
        .find(|(n, _)| n.id == host)
        .map(|(_, h)| h.services.iter().map(|s| s.id.clone()).collect())
        .unwrap_or_default()
}

/// Connects the first pair that makes sense; otherwise the first pair's refusal.
fn first_that_works<'a>(
    t: &mut Topology,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), EditError> {
    let mut first_error = None;
    for (a, b) in pairs {
        let mut attempt = t.clone();
        match connect(&mut attempt, a, b) {
            Ok(()) => {
                *t = attempt;
                return Ok(());
            }
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        EditError::Refused("that server runs nothing to connect yet: add a program to it".into())
    }))
}

fn connect_hosts(t: &mut Topology, h1: &str, h2: &str) -> Result<(), EditError> {
    let (s1, s2) = (services_of(t, h1), services_of(t, h2));
    if s1.is_empty() || s2.is_empty() {
        let empty = if s1.is_empty() { h1 } else { h2 };
        return Err(EditError::Refused(format!(
            "{empty} runs nothing yet: drop HAProxy, Nginx, an application server or MySQL on it \
             first"
        )));
    }
    let pairs: Vec<(String, String)> = s1
        .iter()
        .flat_map(|a| s2.iter().map(move |b| (a.clone(), b.clone())))
        .collect();
    first_that_works(t, pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())))
}

fn add_agent(t: &mut Topology, host: &str, collector: &str) -> Result<(), EditError> {
    let slot = host_mut(t, host)?;
    if slot
        .agent
        .as_ref()
        .is_some_and(|a| a.collector == collector)
    {
        return Err(EditError::Refused(format!(
            "{host} already reports to {collector}"
        )));
    }
    let agent = slot.agent.take().unwrap_or_else(presets::agent);
    slot.agent = Some(crate::sim::topology::Agent {
        collector: collector.to_owned(),
        ..agent
    });
    Ok(())
}

fn join_vrrp(t: &mut Topology, vip: &str, host: &str) -> Result<(), EditError> {
    let has_lb = t.hosts().any(|(n, h)| {
        n.id == host
            && h.services
                .iter()
                .any(|s| matches!(s.kind, ServiceKind::LoadBalancer(_)))
    });
    if !has_lb {
        return Err(EditError::Refused(format!(
            "keepalived moves the virtual IP between load balancers, and {host} runs no HAProxy"
        )));
    }
    let Some(Node {
        kind: NodeKind::Vip(group),
        ..
    }) = t.nodes.iter_mut().find(|n| n.id == vip)
    else {
        return Err(EditError::Unknown(vip.to_owned()));
    };
    if group.members.iter().any(|m| m.host == host) {
        return Err(EditError::Refused(format!(
            "{host} is in the VRRP group of {vip} already"
        )));
    }
    // The first member is the MASTER (keepalived's priority 100 / BACKUP 99, …).
    let priority = group
        .members
        .iter()
        .map(|m| m.priority)
        .min()
        .map_or(100, |p| p.saturating_sub(1).max(1));
    group.members.push(VrrpMember {
        host: host.to_owned(),
        priority,
    });
    Ok(())
}

fn point_dns(t: &mut Topology, dns: &str, target: &str) -> Result<(), EditError> {
    let address = match t.node(target).map(|n| &n.kind) {
        Some(NodeKind::Host(h)) => h.public_ip.unwrap_or(h.ip),
        Some(NodeKind::Vip(v)) => v.ip,
        _ => return Err(EditError::Unknown(target.to_owned())),
    };
    let Some(Node {
        kind: NodeKind::Dns(zone),
        ..
    }) = t.nodes.iter_mut().find(|n| n.id == dns)
    else {
        return Err(EditError::Unknown(dns.to_owned()));
    };
    match zone.records.iter_mut().find(|r| r.name == "www") {
        Some(record) if record.address == address => {
            return Err(EditError::Refused(format!(
                "www already points at {address} ({target})"
            )));
        }
        Some(record) => record.address = address,
        None => zone.records.push(DnsRecord {
            name: "www".to_owned(),
            address,
            ttl: 300,
        }),
    }
    Ok(())
}

fn replicate(t: &mut Topology, source: &str, replica: &str) -> Result<(), EditError> {
    let slot = service_mut(t, replica)?;
    let ServiceKind::Database(db) = &mut slot.kind else {
        return Err(EditError::Unknown(replica.to_owned()));
    };
    if let DbRole::Replica { source: s, .. } = &db.role
        && s == source
    {
        return Err(EditError::Refused(format!(
            "{replica} replicates from {source} already"
        )));
    }
    db.role = DbRole::Replica {
        source: source.to_owned(),
        lag_ms: 50,
        lag_jitter_ms: 0,
    };
    // A source that replicates from its own replica would be a loop.
    let mut cursor = source.to_owned();
    for _ in 0..=t.nodes.len() * format::MAX_SERVICES_PER_HOST {
        let next = t.service(&cursor).and_then(|(_, s)| match &s.kind {
            ServiceKind::Database(db) => match &db.role {
                DbRole::Replica { source, .. } => Some(source.clone()),
                DbRole::Primary => None,
            },
            _ => None,
        });
        match next {
            Some(n) if n == replica => {
                return Err(EditError::Refused(format!(
                    "{source} replicates from {replica}: replication would go round in a circle"
                )));
            }
            Some(n) => cursor = n,
            None => break,
        }
    }
    Ok(())
}

fn replace_node(t: &mut Topology, node: &Node) -> Result<(), EditError> {
    let slot = t
        .nodes
        .iter_mut()
        .find(|n| n.id == node.id)
        .ok_or_else(|| EditError::Unknown(node.id.clone()))?;
    if std::mem::discriminant(&slot.kind) != std::mem::discriminant(&node.kind) {
        return Err(EditError::Refused(format!(
            "{} cannot change what kind of node it is",
            node.id
        )));
    }
    if let (NodeKind::Host(old), NodeKind::Host(new)) = (&slot.kind, &node.kind) {
        let ids = |h: &crate::sim::topology::Host| {
            let mut v: Vec<String> = h.services.iter().map(|s| s.id.clone()).collect();
            crate::sim::sort::sort_by(&mut v, Ord::cmp);
            v
        };
        if ids(old) != ids(new) {
            return Err(EditError::Refused(
                "services are added, moved and removed on the diagram, not by replacing the host"
                    .to_owned(),
            ));
        }
    }
    *slot = node.clone();
    // Two things answering at one address would make routing ambiguous.
    let addresses = |n: &Node| -> Vec<Ipv4Addr> {
        match &n.kind {
            NodeKind::Host(h) => h.public_ip.into_iter().chain([h.ip]).collect(),
            NodeKind::Vip(v) => vec![v.ip],
            NodeKind::Client { ip } | NodeKind::Collector { ip, .. } => vec![*ip],
            NodeKind::Dns(_) => Vec::new(),
        }
    };
    for ip in addresses(node) {
        if let Some(other) = t
            .nodes
            .iter()
            .find(|n| n.id != node.id && addresses(n).contains(&ip))
        {
            return Err(EditError::Refused(format!(
                "{ip} is already the address of {}",
                other.id
            )));
        }
    }
    Ok(())
}

/// Whether `id` may name a node or service.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn rename(t: &mut Topology, id: &str, to: &str) -> Result<(), EditError> {
    if id == to {
        return Ok(());
    }
    if !valid_id(to) {
        return Err(EditError::BadId(to.to_owned()));
    }
    if taken(t, to) {
        return Err(EditError::Taken(to.to_owned()));
    }
    if !taken(t, id) {
        return Err(EditError::Unknown(id.to_owned()));
    }
    let swap = |s: &mut String| {
        if s == id {
            *s = to.to_owned();
        }
    };
    for node in &mut t.nodes {
        swap(&mut node.id);
        match &mut node.kind {
            NodeKind::Host(host) => {
                for service in &mut host.services {
                    swap(&mut service.id);
                    if let ServiceKind::Database(db) = &mut service.kind
                        && let DbRole::Replica { source, .. } = &mut db.role
                    {
                        swap(source);
                    }
                }
                if let Some(agent) = &mut host.agent {
                    swap(&mut agent.collector);
                }
            }
            NodeKind::Vip(vip) => vip.members.iter_mut().for_each(|m| swap(&mut m.host)),
            _ => {}
        }
    }
    for link in &mut t.links {
        swap(&mut link.from);
        swap(&mut link.to);
    }
    // A host's services are named after it (`web-01.nginx`): they follow a renamed host.
    let services = services_of(t, to);
    for service in services {
        if let Some(rest) = service.strip_prefix(id).and_then(|r| r.strip_prefix('.')) {
            let new = fresh(t, &format!("{to}.{rest}"));
            rename(t, &service, &new)?;
        }
    }
    Ok(())
}

/// Removes a node or service and everything that refers to it; nothing if it is gone already
/// (a service deleted with its host earlier in the same deletion).
fn delete(t: &mut Topology, id: &str) {
    let mut gone: Vec<String> = vec![id.to_owned()];
    if let Some(pos) = t.nodes.iter().position(|n| n.id == id) {
        let node = t.nodes.remove(pos);
        if let NodeKind::Host(host) = node.kind {
            gone.extend(host.services.into_iter().map(|s| s.id));
        }
    } else if t.service(id).is_some() {
        for node in &mut t.nodes {
            if let NodeKind::Host(host) = &mut node.kind {
                host.services.retain(|s| s.id != id);
            }
        }
    } else {
        return;
    }
    let is_gone = |s: &str| gone.iter().any(|g| g == s);
    t.links.retain(|l| !is_gone(&l.from) && !is_gone(&l.to));
    for node in &mut t.nodes {
        match &mut node.kind {
            NodeKind::Host(host) => {
                if host.agent.as_ref().is_some_and(|a| is_gone(&a.collector)) {
                    host.agent = None;
                }
                for service in &mut host.services {
                    if let ServiceKind::Database(db) = &mut service.kind
                        && matches!(&db.role, DbRole::Replica { source, .. } if is_gone(source))
                    {
                        // Without its source a replica is a server of its own.
                        db.role = DbRole::Primary;
                    }
                }
            }
            NodeKind::Vip(vip) => vip.members.retain(|m| !is_gone(&m.host)),
            _ => {}
        }
    }
}

/// Adds `nodes` under fresh ids (`web-01` → `web-01-2`) with the links among them.
fn paste(t: &mut Topology, nodes: &[Node], links: &[Link]) {
    let mut renamed: Vec<(String, String)> = Vec::new();
    for node in nodes {
        let mut copy = node.clone();
        let new_id = fresh(t, &node.id);
        renamed.push((node.id.clone(), new_id.clone()));
        copy.id = new_id.clone();
        if let NodeKind::Host(host) = &mut copy.kind {
            host.ip = free_ip(t);
            host.public_ip = None;
            for service in &mut host.services {
                let rest = service
                    .id
                    .strip_prefix(node.id.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    .unwrap_or(service.id.as_str())
                    .to_owned();
                let sid = fresh(t, &format!("{new_id}.{rest}"));
                renamed.push((service.id.clone(), sid.clone()));
                service.id = sid;
            }
        }
        if let NodeKind::Vip(vip) = &mut copy.kind {
            vip.ip = free_ip(t);
            vip.members.clear();
        }
        t.nodes.push(copy);
    }
    let map = |s: &str| {
        renamed
            .iter()
            .find(|(old, _)| old == s)
            .map(|(_, new)| new.clone())
    };
    let next_db = next_server_id(t);
    let mut n = 0;
    for node in t.nodes.iter_mut().rev().take(nodes.len()) {
        if let NodeKind::Host(host) = &mut node.kind {
            for service in &mut host.services {
                if let ServiceKind::Database(db) = &mut service.kind {
                    db.server_id = next_db + n;
                    n += 1;
                    if let DbRole::Replica { source, .. } = &mut db.role {
                        match map(source) {
                            Some(new) => *source = new,
                            None => db.role = DbRole::Primary,
                        }
                    }
                }
            }
        }
    }
    for link in links {
        if let (Some(from), Some(to)) = (map(&link.from), map(&link.to)) {
            t.links.push(Link {
                from,
                to,
                ..link.clone()
            });
        }
    }
}
