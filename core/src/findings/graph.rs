//! The request graph: the design compiled as the engine compiles it, walked with the engine's
//! own choice functions.

use std::net::Ipv4Addr;

use crate::firewall::{self, ConnState, Packet};
use crate::model::{self, DbChoice, Entry, Model, Place, ServiceCosts, SvcRole, is_public};
use crate::number::fixed;
use crate::reach::HTTPS_PORT;
use crate::topology::{Proto, Topology};
use crate::trace::RequestKind;

/// Request kinds in the order findings mention them: pages, writes, static files.
pub(super) const KINDS: [RequestKind; 3] =
    [RequestKind::Read, RequestKind::Write, RequestKind::Static];
pub(super) const KIND_WORDS: [&str; 3] = ["pages", "writes", "static files"];
pub(super) const HTTP_PORT: u16 = 80;

/// Whether each kind of request (in [`KINDS`] order) gets a 200, over HTTP and over HTTPS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Caps {
    pub(super) http: [bool; 3],
    pub(super) https: [bool; 3],
}

impl Caps {
    pub(super) fn any(&self, k: usize) -> bool {
        self.http.get(k).copied().unwrap_or(false) || self.https.get(k).copied().unwrap_or(false)
    }

    pub(super) fn anything(&self) -> bool {
        (0..KINDS.len()).any(|k| self.any(k))
    }

    /// What `after` no longer serves of what `self` served.
    pub(super) fn lost(&self, after: &Caps) -> Lost {
        Lost(std::array::from_fn(|k| self.any(k) && !after.any(k)))
    }

    /// Whether kind `k` is best proven over HTTPS (it is served there).
    pub(super) fn prefers_https(&self, k: usize) -> bool {
        self.https.get(k).copied().unwrap_or(false)
    }
}

/// The kinds of request (in [`KINDS`] order) a failure takes away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Lost(pub(super) [bool; 3]);

impl Lost {
    pub(super) fn is_empty(&self) -> bool {
        !self.0.iter().any(|&l| l)
    }

    pub(super) fn all_of(&self, base: &Caps) -> bool {
        (0..KINDS.len()).all(|k| self.0[k] == base.any(k))
    }

    pub(super) fn first(&self) -> Option<usize> {
        self.0.iter().position(|&l| l)
    }

    pub(super) fn text(&self) -> String {
        let words: Vec<&str> = (0..KINDS.len())
            .filter(|&k| self.0[k])
            .map(|k| KIND_WORDS[k])
            .collect();
        join_and(&words)
    }
}

/// Which hosts and services are taken away.
#[derive(Clone, Debug)]
pub(super) struct Down {
    pub(super) hosts: Vec<bool>,
    pub(super) svcs: Vec<bool>,
}

impl Down {
    pub(super) fn host(&self, h: usize) -> bool {
        self.hosts.get(h).copied().unwrap_or(true)
    }

    pub(super) fn svc(&self, s: usize) -> bool {
        self.svcs.get(s).copied().unwrap_or(true)
    }
}

/// The design, compiled as the engine compiles it, with where DNS sends visitors.
pub(super) struct Net<'a> {
    pub(super) topology: &'a Topology,
    pub(super) model: Model,
    /// The host or VIP at the `www` record's address.
    pub(super) entry: Option<Entry>,
}

impl<'a> Net<'a> {
    pub(super) fn new(topology: &'a Topology) -> Net<'a> {
        let model = Model::compile(topology, &ServiceCosts::default());
        let entry = model.site_address().and_then(|ip| model.entry_at(ip));
        Net {
            topology,
            model,
            entry,
        }
    }

    pub(super) fn nothing_down(&self) -> Down {
        Down {
            hosts: vec![false; self.model.hosts.len()],
            svcs: vec![false; self.model.svcs.len()],
        }
    }

    pub(super) fn role(&self, s: usize) -> Option<SvcRole> {
        self.model.svcs.get(s).map(|svc| svc.role)
    }

    pub(super) fn host_of(&self, s: usize) -> Option<usize> {
        self.model.svcs.get(s).map(|svc| svc.host)
    }

    pub(super) fn svc_id(&self, s: usize) -> &str {
        self.model.svc_id(s)
    }

    pub(super) fn host_id(&self, h: usize) -> &str {
        self.model.host_id(h)
    }

    pub(super) fn host_ip(&self, h: usize) -> Option<Ipv4Addr> {
        self.model.hosts.get(h).map(|host| host.ip)
    }

    /// Whether host `h`'s firewall lets in a new TCP connection from `src` to `port`.
    pub(super) fn passes(&self, h: usize, src: Ipv4Addr, port: u16) -> bool {
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
    pub(super) fn request_services(&self, h: usize) -> Vec<usize> {
        self.model.hosts.get(h).map_or_else(Vec::new, |host| {
            host.services
                .iter()
                .copied()
                .filter(|&s| self.role(s).is_some_and(|r| r != SvcRole::Files))
                .collect()
        })
    }

    /// Whether a host or service (and its host) is up under `down`.
    pub(super) fn up(&self, place: Place, down: &Down) -> bool {
        match place {
            Place::Host(h) => !down.host(h),
            Place::Svc(s) => !down.svc(s) && self.host_of(s).is_some_and(|h| !down.host(h)),
            Place::Client | Place::Dns | Place::Vip(_) => true,
        }
    }

    /// The host holding virtual IP `vip` once VRRP has settled, as the engine elects it
    /// ([`Model::settled_vip_holder`] among the members [`Model::vrrp_eligible`] allows:
    /// keepalived tracks HAProxy, never Nginx).
    pub(super) fn master(&self, vip: usize, down: &Down) -> Option<usize> {
        let member = self.model.settled_vip_holder(vip, |h| {
            self.model.vrrp_eligible(h, |place| self.up(place, down))
        })?;
        self.model.vips.get(vip)?.members.get(member).copied()
    }

    /// The host a visitor's connection lands on: none when the site's address is one the
    /// internet does not route to the visitor ([`model::routes`], as the engine decides).
    pub(super) fn entry_host(&self, down: &Down) -> Option<usize> {
        let address = self.model.site_address()?;
        if !model::routes(self.model.client_ip, address) {
            return None;
        }
        match self.entry? {
            Entry::Host(h) => (!down.host(h)).then_some(h),
            Entry::Vip(v) => self.master(v, down),
        }
    }

    /// The services that take visitors' connections on `port` at every address DNS hands out
    /// (one per address: an active-active pair has two), where the firewall lets them in.
    pub(super) fn entry_listeners(&self, port: u16, down: &Down) -> Vec<usize> {
        let mut listeners = Vec::new();
        for address in self.model.site_addresses() {
            if !model::routes(self.model.client_ip, address) {
                continue;
            }
            let host = match self.model.entry_at(address) {
                Some(Entry::Host(h)) => (!down.host(h)).then_some(h),
                Some(Entry::Vip(v)) => self.master(v, down),
                None => None,
            };
            let listener = host
                .filter(|&h| self.passes(h, self.model.client_ip, port))
                .and_then(|h| self.model.listener(h, port))
                .filter(|&s| !down.svc(s));
            if let Some(s) = listener
                && !listeners.contains(&s)
            {
                listeners.push(s);
            }
        }
        listeners
    }

    /// The service that takes a visitor's connection on `port`, if the firewall lets it in.
    pub(super) fn entry_listener(&self, port: u16, down: &Down) -> Option<usize> {
        let h = self.entry_host(down)?;
        if !self.passes(h, self.model.client_ip, port) {
            return None;
        }
        self.model.listener(h, port).filter(|&s| !down.svc(s))
    }

    pub(super) fn caps(&self, down: &Down) -> Caps {
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
    pub(super) fn reaches(
        &self,
        start: usize,
        kind: RequestKind,
        https: bool,
        down: &Down,
    ) -> bool {
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

    pub(super) fn web_serves(&self, web: usize, kind: RequestKind, down: &Down) -> bool {
        if self.model.serves_static(web, kind) {
            return true;
        }
        // The engine's choice: the first linked application server that runs.
        match self.model.pick_app(web, |a| self.up(Place::Svc(a), down)) {
            Some(app) => self.forwards(web, app, down) && self.app_serves(app, kind, down),
            None => false,
        }
    }

    pub(super) fn app_serves(&self, app: usize, kind: RequestKind, down: &Down) -> bool {
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
    pub(super) fn lb_connects(&self, lb: usize, t: usize, down: &Down) -> bool {
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
    pub(super) fn forwards(&self, from: usize, to: usize, down: &Down) -> bool {
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
    pub(super) fn used(&self) -> Vec<bool> {
        self.used_with(&self.nothing_down())
    }

    /// Services some request reaches when nothing is down or when any one host is: the ones
    /// the engine uses, and the standbys it turns to (a second application server Nginx
    /// passes to only when the first stops).
    pub(super) fn used_or_standby(&self) -> Vec<bool> {
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
    pub(super) fn used_with(&self, down: &Down) -> Vec<bool> {
        let down = down.clone();
        let mut used = vec![false; self.model.svcs.len()];
        let mut stack = Vec::new();
        for port in [HTTP_PORT, HTTPS_PORT] {
            stack.extend(self.entry_listeners(port, &down));
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
    pub(super) fn blocked_why(&self, from: usize, to: usize) -> String {
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
        let decision = firewall::evaluate(host.firewall.as_ref(), &packet);
        decision.explain(&host.id, host.firewall.as_ref(), &packet)
    }

    /// Why a request of `kind` that reaches web or application server `s` fails there, by the
    /// engine's own choices (nothing down); `None` when it gets past `s`.
    pub(super) fn fails_at(&self, s: usize, kind: RequestKind) -> Option<(String, String)> {
        let down = self.nothing_down();
        let id = self.svc_id(s);
        match self.role(s)? {
            SvcRole::Web => {
                if self.model.serves_static(s, kind) {
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

    /// Hosts DNS sends visitors to: at any record's address, directly or as a VIP member. By
    /// host index (a set of indices put a map's code for them into the WebAssembly).
    pub(super) fn entry_hosts(&self) -> Vec<bool> {
        let mut hosts = vec![false; self.model.hosts.len()];
        let mut mark = |h: usize| {
            if let Some(entry) = hosts.get_mut(h) {
                *entry = true;
            }
        };
        let records = self.model.zone.iter().flat_map(|zone| &zone.records);
        for record in records {
            match self.model.entry_at(record.address) {
                Some(Entry::Host(h)) => mark(h),
                Some(Entry::Vip(v)) => {
                    if let Some(vip) = self.model.vips.get(v) {
                        vip.members.iter().for_each(|&h| mark(h));
                    }
                }
                None => {}
            }
        }
        hosts
    }

    /// Whether host `h` can be reached from the internet: DNS leads to it, it has a public
    /// address, or it may hold a public virtual IP.
    pub(super) fn internet_facing(&self, h: usize, entry_hosts: &[bool]) -> bool {
        let Some(host) = self.model.hosts.get(h) else {
            return false;
        };
        entry_hosts.get(h) == Some(&true)
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
    pub(super) fn needed_rules(&self, h: usize, entry_hosts: &[bool]) -> Vec<String> {
        let mut rules: Vec<String> = Vec::new();
        let mut add = |rule: String| {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        };
        if entry_hosts.get(h) == Some(&true) {
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

/// "a", "a and b", "a, b and c".
pub(super) fn join_and(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A request rate, e.g. "400" or "12.5".
pub(super) fn rate_text(rps: f64) -> String {
    if rps >= 100.0 {
        fixed(rps, 0).to_string()
    } else {
        let text = fixed(rps, 1).to_string();
        text.strip_suffix(".0").unwrap_or(&text).to_owned()
    }
}
