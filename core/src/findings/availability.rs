//! Single points of failure, and the refusals some requests meet on the way.

use crate::engine::MAX_FORWARDS;
use crate::model::{self, Entry, LbM, LinkM, Place, SvcRole};
use crate::reach::{self, HTTPS_PORT};
use crate::trace::RequestKind;

use super::graph::{Caps, Down, HTTP_PORT, KIND_WORDS, KINDS, Lost, Net};
use super::{Category, Finding, Proof, Severity, Symptom, Target};

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
    pub(super) fn site_findings(&self, base: &Caps, findings: &mut Vec<Finding>) {
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
        let Some(address) = self.model.site_address() else {
            let has_www = zone
                .records
                .iter()
                .any(|record| record.name.eq_ignore_ascii_case("www"));
            if has_www {
                // The record is there, but no query reaches it (the resolver's rule).
                findings.push(Finding {
                    id: "bad-domain".to_owned(),
                    severity: Severity::Error,
                    category: Category::Availability,
                    title: format!(
                        "The zone's domain '{}' is not a name DNS can serve",
                        zone.domain
                    ),
                    nodes: dns_node,
                    why: format!(
                        "Browsers ask for {}; a name with an empty label is not valid, so the \
                         resolver answers NXDOMAIN and no visitor reaches the site.",
                        self.model.site
                    ),
                    fix: "Name the zone after the site's domain, e.g. foobar.com.".to_owned(),
                    proof: not_served(RequestKind::Read),
                });
                return;
            }
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
                let (decision, rule) = reach::decide(id, host, client, port);
                if !decision.passes() {
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

    pub(super) fn spof_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
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
            && let Some(address) = self.model.site_address()
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
    pub(super) fn layout_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
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
    pub(super) fn path_findings(&self, base: &Caps, used: &[bool], findings: &mut Vec<Finding>) {
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
            // `get(..1)` is a whole character only when it is ASCII, so the ASCII upper case is
            // the upper case (and the browser app carries no Unicode case tables).
            if let Some(first) = title.get(..1) {
                title = format!("{}{}", first.to_ascii_uppercase(), &title[1..]);
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
