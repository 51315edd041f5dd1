//! Security: what the internet can reach that it should not, and firewalls that are missing or
//! block what the design needs.

use std::net::Ipv4Addr;

use crate::model::{Entry, SvcRole, is_public};
use crate::reach::{self, HTTPS_PORT, INTERNET_IP};
use crate::topology::Verdict;
use crate::trace::RequestKind;

use super::graph::{Caps, Down, HTTP_PORT, KINDS, Net, join_and};
use super::{Category, Finding, Proof, Severity, Symptom};

/// Ports probed from the internet besides the ones rules open and services listen on.
const WELL_KNOWN_PORTS: [u16; 4] = [22, 80, 443, 3306];

impl Net<'_> {
    pub(super) fn security_findings(
        &self,
        base: &Caps,
        used: &[bool],
        findings: &mut Vec<Finding>,
    ) {
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
        entry_hosts: &[bool],
        rules: &[String],
    ) -> Option<Finding> {
        let id = self.host_id(h).to_owned();
        let (_, host) = self.topology.hosts().find(|(node, _)| node.id == id)?;
        let listening = reach::listening_ports(host);
        // Port lists, not sets: sets of ports put a map's code for them into the WebAssembly.
        // `needed` is in ascending order (80 before 443).
        let mut needed = Vec::new();
        if entry_hosts.get(h) == Some(&true) {
            for port in [HTTP_PORT, HTTPS_PORT] {
                if self.model.listener(h, port).is_some() {
                    needed.push(port);
                }
            }
        }
        // Database ports get their own finding (`db-reachable`).
        let mut db_ports = Vec::new();
        if let Some(hm) = self.model.hosts.get(h) {
            db_ports.extend(
                hm.services
                    .iter()
                    .filter_map(|&s| self.model.svcs.get(s))
                    .filter(|svc| matches!(svc.role, SvcRole::Db { .. }))
                    .map(|svc| svc.port),
            );
        }
        // Every port once, in ascending order.
        let mut candidates = Vec::from(WELL_KNOWN_PORTS);
        candidates.extend(listening.iter().map(|&(port, _)| port));
        if let Some(fw) = &host.firewall {
            candidates.extend(fw.rules.iter().filter_map(|rule| rule.port));
        }
        crate::sort::sort_unique(&mut candidates);
        let mut open = Vec::new();
        let mut lines = Vec::new();
        for port in candidates {
            if needed.contains(&port) || db_ports.contains(&port) {
                continue;
            }
            let (decision, rule) = reach::decide(&id, host, INTERNET_IP, port);
            if decision.passes() {
                let what = reach::listener(&listening, port)
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
        // The hosts allowed, by host index (a set of indices put a map's code for them into
        // the WebAssembly).
        let mut allowed = vec![false; self.model.hosts.len()];
        let mut allow = |host: Option<usize>| {
            if let Some(entry) = host.and_then(|o| allowed.get_mut(o)) {
                *entry = true;
            }
        };
        for link in &self.model.links {
            if link.to == s && matches!(self.role(link.from), Some(SvcRole::App { .. })) {
                allow(self.host_of(link.from));
            }
        }
        for group in self.model.dbs.iter().filter(|g| g.primary == s) {
            for &(r, _, _) in &group.replicas {
                allow(self.host_of(r));
            }
        }
        let mut offenders: Vec<(String, Ipv4Addr)> = Vec::new();
        let mut lines = Vec::new();
        let mut from_internet = false;
        let sources = std::iter::once((reach::INTERNET.to_owned(), INTERNET_IP, None)).chain(
            self.model
                .hosts
                .iter()
                .enumerate()
                .filter(|&(o, _)| o != h && allowed.get(o) != Some(&true))
                .map(|(o, other)| (other.id.clone(), other.ip, Some(o))),
        );
        for (name, ip, _) in sources {
            let (decision, rule) = reach::decide(&host_id, host, ip, svc.port);
            if decision.passes() {
                from_internet |= name == reach::INTERNET;
                lines.push(format!("{name} ({ip}): {rule}"));
                offenders.push((name, ip));
            }
        }
        let &(_, first_ip) = offenders.first()?;
        let names: Vec<&str> = offenders.iter().map(|(n, _)| n.as_str()).collect();
        let allowed_names: Vec<&str> = (0..allowed.len())
            .filter(|&a| allowed.get(a) == Some(&true))
            .map(|a| self.host_id(a))
            .collect();
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
        let (decision, rule) = reach::decide(&id, host, self.model.client_ip, HTTP_PORT);
        let (why, wait) = if !decision.passes() {
            let wait = if decision.verdict == Verdict::Reject {
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
