//! A [`Topology`] compiled for the engine: every node, service and link gets a dense index, and
//! the questions the engine asks on every request (who listens on this port, which links leave
//! this service, which database is the primary) are answered by table lookups, not by
//! searching strings.

use std::net::Ipv4Addr;

use crate::dns;
use crate::time::SimDuration;
use crate::topology::{
    Certificate, DbRole, DnsZone, Firewall, HealthCheck, NodeKind, ServiceKind, Topology,
};
use crate::trace::RequestKind;

/// What a compiled service does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvcRole {
    /// HAProxy; index into [`Model::lbs`].
    Lb(usize),
    Web,
    App {
        reads_to_replica: bool,
    },
    Files,
    Db {
        primary: bool,
    },
}

/// A service with everything the engine needs on the hot path.
#[derive(Clone, Debug)]
pub struct Svc {
    pub id: String,
    /// Index into [`Model::hosts`].
    pub host: usize,
    pub role: SvcRole,
    /// The port it listens on for plain traffic.
    pub port: u16,
    /// A certificate, for HAProxy or Nginx: it listens on 443 and ends TLS.
    pub certificate: Option<Certificate>,
    pub workers: u16,
    /// CPU time per request at full speed.
    pub service_time: SimDuration,
    /// Indices into [`Model::links`] of the links leaving this service, in declaration order.
    pub out_links: Vec<usize>,
    /// A short human name such as "Nginx" or "MySQL replica".
    pub label: &'static str,
    /// Nginx: whether one of its static locations (URL prefixes served from disk) prefixes
    /// [`RequestKind::STATIC_PATH`], the path of static requests.
    pub serves_static_path: bool,
    /// The services its links lead to, by role: Nginx → app servers, app → databases.
    pub next_hops: Vec<usize>,
}

/// A compiled host.
#[derive(Clone, Debug)]
pub struct HostM {
    pub id: String,
    pub name: String,
    pub ip: Ipv4Addr,
    pub public_ip: Option<Ipv4Addr>,
    pub firewall: Option<Firewall>,
    /// Agent report interval, if the host has an agent.
    pub agent_interval: Option<SimDuration>,
    pub services: Vec<usize>,
}

/// A compiled link.
#[derive(Clone, Copy, Debug)]
pub struct LinkM {
    pub from: usize,
    pub to: usize,
    pub weight: u16,
    pub backup: bool,
    pub check: bool,
}

/// A load balancer's configuration.
#[derive(Clone, Debug)]
pub struct LbM {
    pub svc: usize,
    pub balance: crate::topology::Balance,
    /// Link indices of its `server` lines, in order.
    pub servers: Vec<usize>,
    pub health_check: HealthCheck,
    pub retries: u8,
    pub redispatch: bool,
    pub redirect_to_https: bool,
}

/// A virtual IP and its members.
#[derive(Clone, Debug)]
pub struct VipM {
    pub id: String,
    pub ip: Ipv4Addr,
    /// Host indices, in the order of the VRRP group.
    pub members: Vec<usize>,
    pub priorities: Vec<u8>,
    pub advert_int_s: u8,
    pub preempt: bool,
}

/// A primary database and the replicas that follow it.
#[derive(Clone, Debug)]
pub struct DbGroup {
    pub primary: usize,
    /// (replica service index, lag in ms, jitter in ms).
    pub replicas: Vec<(usize, u32, u32)>,
}

/// Per-service knobs that the topology does not carry (yet); all are estimates, see
/// ARCHITECTURE.md "Simplifications".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceCosts {
    /// HAProxy threads (one per core).
    pub lb_threads: u16,
    /// HAProxy CPU per plain request: about 4 µs, i.e. 250 k req/s per core (haproxy intro.txt).
    pub lb_cpu: SimDuration,
    pub nginx_workers: u16,
    /// Nginx CPU per proxied request.
    pub nginx_cpu: SimDuration,
    /// MySQL threads serving queries at once.
    pub db_threads: u16,
    /// MySQL time per primary-key query.
    pub db_cpu: SimDuration,
}

impl Default for ServiceCosts {
    fn default() -> Self {
        ServiceCosts {
            lb_threads: 2,
            lb_cpu: SimDuration::from_micros(4),
            nginx_workers: 4,
            nginx_cpu: SimDuration::from_micros(100),
            db_threads: 16,
            db_cpu: SimDuration::from_micros(150),
        }
    }
}

/// The compiled design.
#[derive(Clone, Debug)]
pub struct Model {
    pub hosts: Vec<HostM>,
    pub svcs: Vec<Svc>,
    pub links: Vec<LinkM>,
    pub lbs: Vec<LbM>,
    pub vips: Vec<VipM>,
    pub dbs: Vec<DbGroup>,
    /// For each service: `Some((group, None))` for a primary, `Some((group, Some(r)))` for
    /// replica number `r` of that group.
    pub db_of_svc: Vec<Option<(usize, Option<usize>)>>,
    pub zone: Option<DnsZone>,
    /// `www.<domain>`, the name clients ask for.
    pub site: String,
    pub client_ip: Ipv4Addr,
    pub client_id: String,
}

/// A place a trace can name, by index; its name is looked up only when a trace needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Client,
    Dns,
    Host(usize),
    Svc(usize),
    Vip(usize),
}

impl Model {
    /// The id shown for a place.
    pub fn name(&self, place: Place) -> &str {
        match place {
            Place::Client => &self.client_id,
            Place::Dns => "dns",
            Place::Host(h) => self.hosts.get(h).map_or("?", |h| h.id.as_str()),
            Place::Svc(s) => self.svcs.get(s).map_or("?", |s| s.id.as_str()),
            Place::Vip(v) => self.vips.get(v).map_or("?", |v| v.id.as_str()),
        }
    }

    /// Service `svc`, indexed in place: the engine's request walk asks many times per request,
    /// and a `Vec` index is an out-of-line call in the size-optimised build.
    #[inline(always)]
    pub fn svc(&self, svc: usize) -> &Svc {
        let svcs: &[Svc] = &self.svcs;
        &svcs[svc]
    }

    /// Host `host`, indexed in place (see [`Model::svc`]).
    #[inline(always)]
    pub fn host(&self, host: usize) -> &HostM {
        let hosts: &[HostM] = &self.hosts;
        &hosts[host]
    }

    /// Load balancer `lb`, indexed in place (see [`Model::svc`]).
    #[inline(always)]
    pub fn lb(&self, lb: usize) -> &LbM {
        let lbs: &[LbM] = &self.lbs;
        &lbs[lb]
    }

    /// Link `link`, indexed in place (see [`Model::svc`]).
    #[inline(always)]
    pub fn link(&self, link: usize) -> &LinkM {
        let links: &[LinkM] = &self.links;
        &links[link]
    }

    /// The link of load balancer `lb`'s server line `slot`, indexed in place.
    #[inline(always)]
    pub fn server_link(&self, lb: usize, slot: usize) -> usize {
        let servers: &[usize] = &self.lb(lb).servers;
        servers[slot]
    }

    /// The id of service `svc`.
    pub fn svc_id(&self, svc: usize) -> &str {
        self.name(Place::Svc(svc))
    }

    /// The id of host `host`.
    pub fn host_id(&self, host: usize) -> &str {
        self.name(Place::Host(host))
    }
}

/// Where a destination address leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Host(usize),
    Vip(usize),
}

impl Model {
    /// Compiles a design; the design must have passed [`crate::format::validate`].
    pub fn compile(topology: &Topology, costs: &ServiceCosts) -> Model {
        let mut hosts = Vec::new();
        let mut svcs = Vec::new();
        let mut lbs = Vec::new();
        let mut vips = Vec::new();
        let mut zone = None;
        let mut client: Option<(Ipv4Addr, String)> = None;
        for node in &topology.nodes {
            match &node.kind {
                NodeKind::Host(host) => {
                    let host_idx = hosts.len();
                    let mut services = Vec::new();
                    for service in &host.services {
                        services.push(svcs.len());
                        svcs.push(compile_service(
                            &service.id,
                            &service.kind,
                            host_idx,
                            costs,
                            &mut lbs,
                            svcs.len(),
                        ));
                    }
                    hosts.push(HostM {
                        id: node.id.clone(),
                        name: node.name.clone(),
                        ip: host.ip,
                        public_ip: host.public_ip,
                        firewall: host.firewall.clone(),
                        agent_interval: host
                            .agent
                            .as_ref()
                            .map(|a| SimDuration::from_secs(u64::from(a.interval_s.max(1)))),
                        services,
                    });
                }
                NodeKind::Dns(z) if zone.is_none() => zone = Some(z.clone()),
                // The first client node is the one requests come from.
                NodeKind::Client { ip } if client.is_none() => {
                    client = Some((*ip, node.id.clone()));
                }
                _ => {}
            }
        }
        let host_index = |id: &str| hosts.iter().position(|h| h.id == id);
        for node in &topology.nodes {
            if let NodeKind::Vip(vip) = &node.kind {
                let mut members = Vec::new();
                let mut priorities = Vec::new();
                for member in &vip.members {
                    if let Some(idx) = host_index(&member.host) {
                        members.push(idx);
                        priorities.push(member.priority);
                    }
                }
                vips.push(VipM {
                    id: node.id.clone(),
                    ip: vip.ip,
                    members,
                    priorities,
                    advert_int_s: vip.advert_int_s,
                    preempt: vip.preempt,
                });
            }
        }
        let mut links = Vec::new();
        for link in &topology.links {
            if let (Some(from), Some(to)) = (
                svc_position(&svcs, &link.from),
                svc_position(&svcs, &link.to),
            ) {
                links.push(LinkM {
                    from,
                    to,
                    weight: link.weight,
                    backup: link.backup,
                    check: link.check,
                });
            }
        }
        for (idx, link) in links.iter().enumerate() {
            svcs[link.from].out_links.push(idx);
        }
        for lb in &mut lbs {
            lb.servers = svcs[lb.svc].out_links.clone();
        }
        for idx in 0..svcs.len() {
            let wants = |role: SvcRole| match svcs[idx].role {
                SvcRole::Web => matches!(role, SvcRole::App { .. }),
                SvcRole::App { .. } => matches!(role, SvcRole::Db { .. }),
                _ => false,
            };
            let next: Vec<usize> = svcs[idx]
                .out_links
                .iter()
                .map(|&l| links[l].to)
                .filter(|&t| wants(svcs[t].role))
                .collect();
            svcs[idx].next_hops = next;
        }
        let mut dbs: Vec<DbGroup> = Vec::new();
        let mut db_of_svc = vec![None; svcs.len()];
        for (_, host) in topology.hosts() {
            for service in &host.services {
                if let ServiceKind::Database(db) = &service.kind
                    && db.role == DbRole::Primary
                    && let Some(idx) = svc_position(&svcs, &service.id)
                {
                    db_of_svc[idx] = Some((dbs.len(), None));
                    dbs.push(DbGroup {
                        primary: idx,
                        replicas: Vec::new(),
                    });
                }
            }
        }
        for (_, host) in topology.hosts() {
            for service in &host.services {
                if let ServiceKind::Database(db) = &service.kind
                    && let DbRole::Replica {
                        source,
                        lag_ms,
                        lag_jitter_ms,
                    } = &db.role
                    && let Some(idx) = svc_position(&svcs, &service.id)
                    && let Some(primary) = svc_position(&svcs, source)
                    && let Some(Some((group, None))) = db_of_svc.get(primary).cloned()
                {
                    db_of_svc[idx] = Some((group, Some(dbs[group].replicas.len())));
                    dbs[group].replicas.push((idx, *lag_ms, *lag_jitter_ms));
                }
            }
        }
        let (client_ip, client_id) =
            client.unwrap_or_else(|| (Ipv4Addr::new(203, 0, 113, 7), "client".to_owned()));
        let site = zone
            .as_ref()
            .map(|z: &DnsZone| format!("www.{}", z.domain))
            .unwrap_or_default();
        Model {
            hosts,
            svcs,
            links,
            lbs,
            vips,
            dbs,
            db_of_svc,
            zone,
            site,
            client_ip,
            client_id,
        }
    }

    /// Whether Nginx `web` answers a request of `kind` from disk: a static request whose path
    /// ([`RequestKind::STATIC_PATH`]) one of its static locations prefixes.
    pub fn serves_static(&self, web: usize, kind: RequestKind) -> bool {
        kind == RequestKind::Static && self.svcs.get(web).is_some_and(|svc| svc.serves_static_path)
    }

    /// The first address DNS gives visitors for the site (`www.<domain>`), as the engine's
    /// resolver answers it ([`dns::lookup`]); `None` without a zone or when the name does not
    /// resolve. See [`Model::site_addresses`] for all of them.
    pub fn site_address(&self) -> Option<Ipv4Addr> {
        self.site_addresses().first().copied()
    }

    /// Every address DNS gives visitors for the site, in the zone's order (the resolver hands
    /// them out in turn, so visitors are spread over all of them).
    pub fn site_addresses(&self) -> Vec<Ipv4Addr> {
        self.zone.as_ref().map_or_else(Vec::new, |zone| {
            dns::lookup(zone, &self.site)
                .into_iter()
                .map(|record| record.address)
                .collect()
        })
    }

    /// Whether the site is built to be visited over HTTPS: the host that answers the first
    /// address DNS gives (a virtual IP's first member) has a listener on port 443, i.e. a
    /// certificate. The request a design opens with.
    pub fn built_for_https(&self) -> bool {
        let host = match self.site_address().and_then(|ip| self.entry_at(ip)) {
            Some(Entry::Host(h)) => Some(h),
            Some(Entry::Vip(v)) => self
                .vips
                .get(v)
                .and_then(|vip| vip.members.first().copied()),
            None => None,
        };
        host.is_some_and(|h| self.listener(h, 443).is_some())
    }

    /// The host or virtual IP that answers at `ip`.
    pub fn entry_at(&self, ip: Ipv4Addr) -> Option<Entry> {
        if let Some(vip) = self.vips.iter().position(|v| v.ip == ip) {
            return Some(Entry::Vip(vip));
        }
        self.hosts
            .iter()
            .position(|h| h.ip == ip || h.public_ip == Some(ip))
            .map(Entry::Host)
    }

    /// The service on `host` that accepts connections on `port`: HAProxy before Nginx; 443
    /// only where a certificate is installed.
    pub fn listener(&self, host: usize, port: u16) -> Option<usize> {
        let services = &self.hosts.get(host)?.services;
        let accepts = |s: &Svc| {
            if port == 443 {
                s.certificate.is_some()
            } else {
                s.port == port
            }
        };
        let by_role = |want_lb: bool| {
            services.iter().copied().find(|&idx| {
                let s = &self.svcs[idx];
                let is_lb = matches!(s.role, SvcRole::Lb(_));
                let is_web = s.role == SvcRole::Web;
                (if want_lb { is_lb } else { is_web }) && accepts(s)
            })
        };
        by_role(true).or_else(|| by_role(false))
    }

    /// Whether some HAProxy or Nginx on `host` serves HTTP at all (on any port).
    pub fn has_http_front(&self, host: usize) -> bool {
        self.hosts.get(host).is_some_and(|h| {
            h.services
                .iter()
                .any(|&s| matches!(self.svcs[s].role, SvcRole::Lb(_) | SvcRole::Web))
        })
    }

    // ----- the choices a request meets, owned here so the engine and the findings agree ------

    /// Whether keepalived on `host` may hold a virtual IP: the host is up and, if it runs
    /// HAProxy, its track script passes. The exported `vrrp_script chk_haproxy` is
    /// `pgrep -x haproxy` (`vrrp::track_script`): it passes while any HAProxy on the host
    /// runs, and it never looks at Nginx. A host without HAProxy has no track script. `up` says
    /// whether a host (`Place::Host`) or service (`Place::Svc`) is up.
    pub fn vrrp_eligible(&self, host: usize, up: impl Fn(Place) -> bool) -> bool {
        let Some(h) = self.hosts.get(host) else {
            return false;
        };
        let mut haproxy = h
            .services
            .iter()
            .filter(|&&s| matches!(self.svcs.get(s).map(|svc| svc.role), Some(SvcRole::Lb(_))))
            .peekable();
        up(Place::Host(host)) && (haproxy.peek().is_none() || haproxy.any(|&s| up(Place::Svc(s))))
    }

    /// The member (index into the group) that holds virtual IP `vip` once VRRP has settled:
    /// the highest priority among the members `eligible` allows, the first declared on ties
    /// (as `vrrp::VrrpGroup` elects at the start and after every takeover has run); `None`
    /// when no member may hold it.
    pub fn settled_vip_holder(
        &self,
        vip: usize,
        eligible: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let vip = self.vips.get(vip)?;
        let mut best: Option<(usize, u8)> = None;
        for (member, &host) in vip.members.iter().enumerate() {
            let priority = vip.priorities.get(member).copied().unwrap_or(0);
            if eligible(host) && best.is_none_or(|(_, p)| priority > p) {
                best = Some((member, priority));
            }
        }
        best.map(|(member, _)| member)
    }

    /// The application server Nginx `web` passes a dynamic request to: the first linked one
    /// whose host is up and that runs, else the first linked one (the request then fails
    /// there); `None` when it links to none. `alive` says whether a service and its host are
    /// up.
    pub fn pick_app(&self, web: usize, alive: impl Fn(usize) -> bool) -> Option<usize> {
        let next = &self.svcs.get(web)?.next_hops;
        next.iter()
            .copied()
            .find(|&app| alive(app))
            .or(next.first().copied())
    }

    /// The database application server `app` sends a query of `kind` to, and why. Writes go
    /// to the first linked primary; reads to the first running replica when the application
    /// reads from replicas, else to the first linked primary. `alive` says whether a service
    /// and its host are up.
    pub fn pick_database(
        &self,
        app: usize,
        kind: RequestKind,
        alive: impl Fn(usize) -> bool,
    ) -> DbChoice {
        let Some(svc) = self.svcs.get(app) else {
            return DbChoice::NoDatabase;
        };
        let reads_to_replica = matches!(
            svc.role,
            SvcRole::App {
                reads_to_replica: true
            }
        );
        let next = &svc.next_hops;
        if next.is_empty() {
            return DbChoice::NoDatabase;
        }
        // One pass: the first primary, whether there is a replica, the first one alive.
        let mut primary = None;
        let mut has_replica = false;
        let mut replica = None;
        for &d in next {
            if matches!(self.svc(d).role, SvcRole::Db { primary: true }) {
                primary = primary.or(Some(d));
            } else {
                has_replica = true;
                if replica.is_none() && alive(d) {
                    replica = Some(d);
                }
            }
        }
        let (target, why) = match kind {
            RequestKind::Write => (primary, "writes always go to the primary"),
            _ if reads_to_replica && replica.is_some() => (replica, "reads go to a replica"),
            _ if has_replica && reads_to_replica => (
                primary,
                "the replica is unreachable, so the read goes to the primary",
            ),
            _ => (primary, "reads go to the primary"),
        };
        match target {
            Some(db) => DbChoice::Database { db, why },
            None => DbChoice::NoPrimary,
        }
    }
}

/// Where an application server sends a query ([`Model::pick_database`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbChoice {
    /// To this database, for this reason.
    Database { db: usize, why: &'static str },
    /// It links to no database: a read is answered without data, a write fails (500).
    NoDatabase,
    /// It links to databases but to no primary, and the query needs one (every write; reads
    /// when it does not read from replicas or none runs): it fails (500).
    NoPrimary,
}

/// Not private (RFC 1918), shared (RFC 6598), loopback, link-local or unspecified.
pub fn is_public(ip: Ipv4Addr) -> bool {
    let shared = ip.octets()[0] == 100 && (ip.octets()[1] & 0xC0) == 64;
    !(ip.is_private() || shared || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified())
}

/// Whether a packet from `src` can reach `dst` across the internet: a public address is
/// reachable from anywhere; a private one only from a private address (the same network:
/// Stacksim has one private network). The internet does not route RFC 1918 addresses.
pub fn routes(src: Ipv4Addr, dst: Ipv4Addr) -> bool {
    is_public(dst) || !is_public(src)
}

fn compile_service(
    id: &str,
    kind: &ServiceKind,
    host: usize,
    costs: &ServiceCosts,
    lbs: &mut Vec<LbM>,
    own_index: usize,
) -> Svc {
    let base = |role, port, certificate, workers, service_time, label| Svc {
        id: id.to_owned(),
        host,
        role,
        port,
        certificate,
        workers,
        service_time,
        out_links: Vec::new(),
        label,
        serves_static_path: false,
        next_hops: Vec::new(),
    };
    match kind {
        ServiceKind::LoadBalancer(lb) => {
            lbs.push(LbM {
                svc: own_index,
                balance: lb.balance,
                servers: Vec::new(),
                health_check: lb.health_check,
                retries: lb.retries,
                redispatch: lb.redispatch,
                redirect_to_https: lb.redirect_to_https && lb.certificate.is_some(),
            });
            base(
                SvcRole::Lb(lbs.len() - 1),
                lb.http_port,
                lb.certificate.clone(),
                costs.lb_threads,
                costs.lb_cpu,
                "HAProxy",
            )
        }
        ServiceKind::WebServer(web) => Svc {
            serves_static_path: web
                .static_paths
                .iter()
                .any(|p| RequestKind::STATIC_PATH.starts_with(p.as_str())),
            ..base(
                SvcRole::Web,
                web.listen,
                web.certificate.clone(),
                costs.nginx_workers,
                costs.nginx_cpu,
                "Nginx",
            )
        },
        ServiceKind::AppServer(app) => base(
            SvcRole::App {
                reads_to_replica: app.reads_to_replica,
            },
            app.port,
            None,
            app.workers.max(1),
            SimDuration::from_micros(u64::from(app.service_time_us)),
            "app server",
        ),
        ServiceKind::AppFiles { .. } => {
            base(SvcRole::Files, 0, None, 1, SimDuration::ZERO, "app files")
        }
        ServiceKind::Database(db) => {
            let primary = db.role == DbRole::Primary;
            let label = if primary {
                "MySQL primary"
            } else {
                "MySQL replica"
            };
            base(
                SvcRole::Db { primary },
                db.port,
                None,
                costs.db_threads,
                costs.db_cpu,
                label,
            )
        }
    }
}

fn svc_position(svcs: &[Svc], id: &str) -> Option<usize> {
    svcs.iter().position(|s| s.id == id)
}

/// Whether `topology` is built to be visited over HTTPS ([`Model::built_for_https`]); false for
/// a design that does not hang together.
pub fn built_for_https(topology: &Topology) -> bool {
    crate::format::validate(topology).is_ok()
        && Model::compile(topology, &ServiceCosts::default()).built_for_https()
}
