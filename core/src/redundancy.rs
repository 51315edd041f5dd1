//! Redundant pairs and how they share the work: **active-active** (every member serves at once)
//! or **active-passive** (one serves, the others stand by until it fails).
//!
//! Two kinds of pair exist in a design, and both can be either:
//!
//! - a **pool**: the servers behind a load balancer. Active-active when every `server` line is
//!   active, so round robin spreads requests over all of them; active-passive when the others
//!   are HAProxy `backup` servers, which take traffic only once every active server is DOWN
//!   (HAProxy uses the first backup only, without `option allbackups`). Balancers with the same
//!   servers (the two HAProxy of a VRRP pair) share one pool.
//! - a **load-balancer pair**: HAProxy hosts sharing virtual IPs through VRRP (keepalived).
//!   Active-passive with one virtual IP: its MASTER serves, the BACKUP idles. Active-active with
//!   one virtual IP per member, each member MASTER of one and BACKUP of the other (mirrored
//!   priorities), and DNS answering `www` with every address, handed out in turn
//!   ([`crate::dns`]), so each member takes part of the visitors. If a member dies, the other
//!   claims its address after Master_Down_Interval: clients that were given that address wait
//!   out the same gap as in the active-passive pair, the others notice nothing.
//!
//! [`pairs`] finds them, [`switch`] turns a pair into the other variant (a new design: the
//! caller keeps the old one, so the change can be undone).

use std::fmt;
use std::net::Ipv4Addr;

use super::topology::{NodeKind, ServiceKind, Topology, Vip, VrrpMember};

/// How the members of a pair share the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// Every member serves at once.
    ActiveActive,
    /// One member serves; the others stand by.
    ActivePassive,
}

impl Sharing {
    /// "active-active" or "active-passive".
    pub fn name(self) -> &'static str {
        match self {
            Sharing::ActiveActive => "active-active",
            Sharing::ActivePassive => "active-passive",
        }
    }

    /// The other variant.
    pub fn other(self) -> Sharing {
        match self {
            Sharing::ActiveActive => Sharing::ActivePassive,
            Sharing::ActivePassive => Sharing::ActiveActive,
        }
    }
}

impl fmt::Display for Sharing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a pair is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PairKind {
    /// The servers behind one or more load balancers with the same `server` lines.
    Pool {
        /// The HAProxy services (ids) whose server lines these are.
        balancers: Vec<String>,
        /// The servers (service ids), in `server` line order.
        servers: Vec<String>,
        /// Those marked `backup`.
        backups: Vec<String>,
    },
    /// HAProxy hosts sharing virtual IPs (VRRP).
    Balancers {
        /// The member hosts (node ids), in the first virtual IP's member order.
        hosts: Vec<String>,
        /// The virtual IP nodes (ids) they share, in design order.
        vips: Vec<String>,
    },
}

/// A redundant pair (or group) of a design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// Stable while the pair exists: `pool:<first balancer>` or `vrrp:<first virtual IP>`.
    pub id: String,
    pub kind: PairKind,
    pub sharing: Sharing,
}

impl Pair {
    /// The members' ids as shown to users: servers or load-balancer hosts.
    pub fn members(&self) -> &[String] {
        match &self.kind {
            PairKind::Pool { servers, .. } => servers,
            PairKind::Balancers { hosts, .. } => hosts,
        }
    }

    /// "the pool web-01.nginx, web-02.nginx" or "the load balancers lb-01, lb-02".
    pub fn title(&self) -> String {
        match &self.kind {
            PairKind::Pool { servers, .. } => format!("the pool {}", servers.join(", ")),
            PairKind::Balancers { hosts, .. } => {
                format!("the load balancers {}", hosts.join(", "))
            }
        }
    }
}

/// Why a pair could not be switched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwitchError {
    #[error("this design has no redundant pair '{0}'")]
    NoSuchPair(String),
    #[error("no free public address next to {0} for a second virtual IP: free one in the same /24")]
    NoFreeAddress(Ipv4Addr),
    #[error(
        "a load-balancer pair is switched to active-active through DNS, and this design has no DNS record for {0}"
    )]
    NoDnsRecord(Ipv4Addr),
}

/// The design's redundant pairs: pools of two or more servers, then load-balancer groups of two
/// or more hosts. Every load balancer belongs to at most one pool.
pub fn pairs(topology: &Topology) -> Vec<Pair> {
    let mut found = pools(topology);
    found.extend(balancer_groups(topology));
    found
}

/// The pair with this id.
pub fn pair(topology: &Topology, id: &str) -> Option<Pair> {
    pairs(topology).into_iter().find(|pair| pair.id == id)
}

fn pools(topology: &Topology) -> Vec<Pair> {
    let mut found: Vec<Pair> = Vec::new();
    for (_, host) in topology.hosts() {
        for service in &host.services {
            if !matches!(service.kind, ServiceKind::LoadBalancer(_)) {
                continue;
            }
            let lines: Vec<_> = topology.links_from(&service.id).collect();
            if lines.len() < 2 {
                continue;
            }
            let servers: Vec<String> = lines.iter().map(|link| link.to.clone()).collect();
            let backups: Vec<String> = lines
                .iter()
                .filter(|link| link.backup)
                .map(|link| link.to.clone())
                .collect();
            let same = found.iter_mut().find(|pair| {
                matches!(&pair.kind, PairKind::Pool { servers: s, backups: b, .. }
                    if *s == servers && *b == backups)
            });
            match same {
                Some(Pair {
                    kind: PairKind::Pool { balancers, .. },
                    ..
                }) => balancers.push(service.id.clone()),
                _ => found.push(Pair {
                    id: format!("pool:{}", service.id),
                    sharing: if backups.is_empty() {
                        Sharing::ActiveActive
                    } else {
                        Sharing::ActivePassive
                    },
                    kind: PairKind::Pool {
                        balancers: vec![service.id.clone()],
                        servers,
                        backups,
                    },
                }),
            }
        }
    }
    found
}

/// The members of a virtual IP, sorted, as the key of its group.
fn member_set(vip: &Vip) -> Vec<&str> {
    let mut hosts: Vec<&str> = vip.members.iter().map(|m| m.host.as_str()).collect();
    crate::sort::sort_by(&mut hosts, Ord::cmp);
    hosts
}

/// The services that take traffic while every member is up: every server of an
/// active-active pool, the active ones of an active-passive pool; the HAProxy of every
/// MASTER of a load-balancer pair.
pub fn serving(topology: &Topology, pair: &Pair) -> Vec<String> {
    match &pair.kind {
        PairKind::Pool {
            servers, backups, ..
        } => servers
            .iter()
            .filter(|s| pair.sharing == Sharing::ActiveActive || !backups.contains(s))
            .cloned()
            .collect(),
        PairKind::Balancers { vips, .. } => {
            let mut masters: Vec<String> = Vec::new();
            for id in vips {
                let Some(NodeKind::Vip(vip)) = topology.node(id).map(|n| &n.kind) else {
                    continue;
                };
                if let Some(master) = designated_master(vip)
                    && !masters.iter().any(|m| m == master)
                {
                    masters.push(master.to_owned());
                }
            }
            masters
                .iter()
                .filter_map(|host| match topology.node(host).map(|n| &n.kind) {
                    Some(NodeKind::Host(h)) => h
                        .services
                        .iter()
                        .find(|s| matches!(s.kind, ServiceKind::LoadBalancer(_)))
                        .map(|s| s.id.clone()),
                    _ => None,
                })
                .collect()
        }
    }
}

/// The member (host id) that is MASTER of `vip` when all are up, as keepalived elects it
/// ([`crate::vrrp::VrrpGroup`]).
pub fn designated_master(vip: &Vip) -> Option<&str> {
    let member = crate::vrrp::VrrpGroup::from_vip(vip).master()?;
    vip.members.get(member).map(|m| m.host.as_str())
}

fn balancer_groups(topology: &Topology) -> Vec<Pair> {
    let mut found: Vec<(Vec<&str>, Pair, Vec<&str>)> = Vec::new();
    for node in &topology.nodes {
        let NodeKind::Vip(vip) = &node.kind else {
            continue;
        };
        if vip.members.len() < 2 {
            continue;
        }
        let set = member_set(vip);
        let master = designated_master(vip).unwrap_or_default();
        match found.iter_mut().find(|(s, ..)| *s == set) {
            Some((_, pair, masters)) => {
                if let PairKind::Balancers { vips, .. } = &mut pair.kind {
                    vips.push(node.id.clone());
                }
                if !masters.contains(&master) {
                    masters.push(master);
                }
            }
            None => {
                let hosts = vip.members.iter().map(|m| m.host.clone()).collect();
                let pair = Pair {
                    id: format!("vrrp:{}", node.id),
                    kind: PairKind::Balancers {
                        hosts,
                        vips: vec![node.id.clone()],
                    },
                    sharing: Sharing::ActivePassive,
                };
                found.push((set, pair, vec![master]));
            }
        }
    }
    found
        .into_iter()
        .map(|(_, mut pair, masters)| {
            if masters.len() > 1 {
                pair.sharing = Sharing::ActiveActive;
            }
            pair
        })
        .collect()
}

/// The design with pair `id` turned into `to`; the same design if it already is.
///
/// - A pool to active-passive: every server after the first becomes `backup`, on every balancer
///   of the pool; to active-active: no server is `backup`.
/// - A load-balancer pair to active-active: one more virtual IP per further member, on the next
///   free address after the first one's, with the priorities rotated so each member is MASTER
///   of one (mirrored for two), and every DNS record of the first address repeated for the new
///   ones (same name and TTL). To active-passive: the first virtual IP stays; the others and
///   their DNS records go.
pub fn switch(topology: &Topology, id: &str, to: Sharing) -> Result<Topology, SwitchError> {
    let pair = pair(topology, id).ok_or_else(|| SwitchError::NoSuchPair(id.to_owned()))?;
    if pair.sharing == to {
        return Ok(topology.clone());
    }
    let mut next = topology.clone();
    match &pair.kind {
        PairKind::Pool { balancers, .. } => {
            for balancer in balancers {
                let mut first = true;
                for link in next.links.iter_mut().filter(|link| link.from == *balancer) {
                    link.backup = to == Sharing::ActivePassive && !first;
                    first = false;
                }
            }
        }
        PairKind::Balancers { vips, .. } => match to {
            Sharing::ActiveActive => add_mirrored_vips(&mut next, vips)?,
            Sharing::ActivePassive => remove_extra_vips(&mut next, vips),
        },
    }
    Ok(next)
}

fn add_mirrored_vips(topology: &mut Topology, vips: &[String]) -> Result<(), SwitchError> {
    let Some((first_id, first)) = vips.first().and_then(|id| {
        topology.node(id).and_then(|node| match &node.kind {
            NodeKind::Vip(vip) => Some((node.id.clone(), vip.clone())),
            _ => None,
        })
    }) else {
        return Ok(());
    };
    let records: Vec<(usize, super::topology::DnsRecord)> = topology
        .dns()
        .map(|(_, zone)| {
            zone.records
                .iter()
                .enumerate()
                .filter(|(_, r)| r.address == first.ip)
                .map(|(i, r)| (i, r.clone()))
                .collect()
        })
        .unwrap_or_default();
    if records.is_empty() {
        return Err(SwitchError::NoDnsRecord(first.ip));
    }
    // Members by priority, highest first: the k-th new address gets the k-th as MASTER.
    let mut by_priority: Vec<u8> = first.members.iter().map(|m| m.priority).collect();
    crate::sort::sort_by(&mut by_priority, |a, b| b.cmp(a));
    let mut masters: Vec<&VrrpMember> = first.members.iter().collect();
    crate::sort::sort_by_key(&mut masters, |m| std::cmp::Reverse(m.priority));
    let mut new_nodes = Vec::new();
    let mut new_ips = Vec::new();
    for k in 1..first.members.len() {
        let ip = free_address_after(topology, first.ip, &new_ips)
            .ok_or(SwitchError::NoFreeAddress(first.ip))?;
        new_ips.push(ip);
        let n = first.members.len();
        // Rotate: the member ranked k gets the top priority, and so on around.
        let members = first
            .members
            .iter()
            .map(|m| {
                let rank = masters
                    .iter()
                    .position(|x| x.host == m.host)
                    .unwrap_or_default();
                VrrpMember {
                    host: m.host.clone(),
                    priority: by_priority[(rank + n - k) % n],
                }
            })
            .collect();
        let id = unique_id(topology, &new_nodes, &format!("{first_id}-{}", k + 1));
        let name = match topology.node(&first_id) {
            Some(node) => format!("{} {}", node.name, k + 1),
            None => id.clone(),
        };
        new_nodes.push(super::topology::Node {
            id,
            name,
            kind: NodeKind::Vip(Vip {
                ip,
                members,
                ..first.clone()
            }),
        });
    }
    let at = topology
        .nodes
        .iter()
        .position(|node| node.id == first_id)
        .map_or(topology.nodes.len(), |i| i + 1);
    for (offset, node) in new_nodes.into_iter().enumerate() {
        topology.nodes.insert(at + offset, node);
    }
    if let Some(zone) = topology
        .nodes
        .iter_mut()
        .find_map(|node| match &mut node.kind {
            NodeKind::Dns(zone) => Some(zone),
            _ => None,
        })
    {
        for (i, record) in records.iter().rev() {
            for ip in new_ips.iter().rev() {
                let mut copy = record.clone();
                copy.address = *ip;
                zone.records.insert(i + 1, copy);
            }
        }
    }
    Ok(())
}

fn remove_extra_vips(topology: &mut Topology, vips: &[String]) {
    let extra: Vec<Ipv4Addr> = vips
        .iter()
        .skip(1)
        .filter_map(|id| match topology.node(id).map(|node| &node.kind) {
            Some(NodeKind::Vip(vip)) => Some(vip.ip),
            _ => None,
        })
        .collect();
    topology
        .nodes
        .retain(|node| !vips.iter().skip(1).any(|id| *id == node.id));
    for node in &mut topology.nodes {
        if let NodeKind::Dns(zone) = &mut node.kind {
            zone.records
                .retain(|record| !extra.contains(&record.address));
        }
    }
}

/// The next address after `after` in its /24 that no node answers at and that is not taken.
fn free_address_after(
    topology: &Topology,
    after: Ipv4Addr,
    taken: &[Ipv4Addr],
) -> Option<Ipv4Addr> {
    let [a, b, c, d] = after.octets();
    (d.saturating_add(1)..=254)
        .map(|last| Ipv4Addr::new(a, b, c, last))
        .find(|ip| topology.node_at(*ip).is_none() && !taken.contains(ip))
}

fn unique_id(topology: &Topology, pending: &[super::topology::Node], wanted: &str) -> String {
    let used = |id: &str| topology.node(id).is_some() || pending.iter().any(|n| n.id == id);
    if !used(wanted) {
        return wanted.to_owned();
    }
    (2..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|id| !used(id))
        .unwrap_or_else(|| wanted.to_owned())
}

/// What a pair's variant means for this design, in words with its own numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// "web-01 and web-02 are active-active".
    pub headline: String,
    /// How the work is shared, what a failure costs and for how long, what capacity it adds.
    pub body: String,
}

/// Explains `pair` as it is in `topology`: who serves, who waits, and the failure's cost with
/// the design's own timers (HAProxy's `inter × fall`, keepalived's Master_Down_Interval).
pub fn explain(topology: &Topology, pair: &Pair) -> Explanation {
    let hosts = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|id| match topology.service(id) {
                Some((node, _)) => node.id.clone(),
                None => id.clone(),
            })
            .collect()
    };
    match &pair.kind {
        PairKind::Pool {
            balancers,
            servers,
            backups,
        } => {
            let names = hosts(servers);
            let by = hosts(balancers).join(" and ");
            let check = balancers
                .first()
                .and_then(|id| topology.service(id))
                .and_then(|(_, service)| match &service.kind {
                    ServiceKind::LoadBalancer(lb) => Some(lb.health_check),
                    _ => None,
                })
                .unwrap_or_default();
            let detect = crate::time::SimDuration::from_millis(
                u64::from(check.inter_ms) * u64::from(check.fall),
            );
            if backups.is_empty() {
                Explanation {
                    headline: format!("{} are active-active", and_list(&names)),
                    body: format!(
                        "{by} sends each request to the next server in turn, so all {} serve \
                         at once and each one added adds its capacity. If one dies, the others \
                         take its share once the health checks mark it DOWN, about inter × fall \
                         = {detect} later; until then requests sent to it are retried elsewhere \
                         or fail.",
                        names.len()
                    ),
                }
            } else {
                let standby = hosts(backups);
                let active: Vec<String> = names
                    .iter()
                    .filter(|n| !standby.contains(n))
                    .cloned()
                    .collect();
                Explanation {
                    headline: format!(
                        "{} active, {} passive (HAProxy backup)",
                        and_list(&active),
                        and_list(&standby)
                    ),
                    body: format!(
                        "{by} sends every request to {} and nothing to {}, a backup server, \
                         until every active server is DOWN (health checks, about inter × fall \
                         = {detect}). The backup adds no capacity, only a standby that sits \
                         idle.",
                        and_list(&active),
                        and_list(&standby)
                    ),
                }
            }
        }
        PairKind::Balancers { hosts, vips } => {
            let groups: Vec<(String, Vip)> = vips
                .iter()
                .filter_map(|id| match topology.node(id).map(|n| &n.kind) {
                    Some(NodeKind::Vip(vip)) => Some((id.clone(), vip.clone())),
                    _ => None,
                })
                .collect();
            let takeover = |vip: &Vip| {
                let second = vip
                    .members
                    .iter()
                    .map(|m| m.priority)
                    .filter(|p| Some(*p) != vip.members.iter().map(|m| m.priority).max())
                    .max()
                    .unwrap_or(100);
                crate::vrrp::master_down_interval(
                    second,
                    crate::vrrp::advert_interval_v2(vip.advert_int_s),
                    crate::vrrp::VrrpVersion::V2,
                )
            };
            let held: Vec<String> = groups
                .iter()
                .map(|(_, vip)| {
                    format!(
                        "{} by {}",
                        vip.ip,
                        designated_master(vip).unwrap_or("nobody")
                    )
                })
                .collect();
            let gap = groups
                .first()
                .map(|(_, vip)| takeover(vip))
                .unwrap_or_default();
            if pair.sharing == Sharing::ActivePassive {
                let (master, others) = match groups.first() {
                    Some((_, vip)) => {
                        let master = designated_master(vip).unwrap_or_default().to_owned();
                        let others: Vec<String> =
                            hosts.iter().filter(|h| **h != master).cloned().collect();
                        (master, others)
                    }
                    None => (String::new(), hosts.clone()),
                };
                Explanation {
                    headline: format!("{} are active-passive", and_list(hosts)),
                    body: format!(
                        "{master} holds the virtual IP {} and takes every request; {} \
                         stand{} by, idle. If {master} dies, the adverts stop and {} claims \
                         the address {gap} later (Master_Down_Interval: 3 adverts + skew); \
                         browsers that connect in that gap resend their SYN and are served \
                         late. The pair has one load balancer's capacity: the second is \
                         only a spare.",
                        groups
                            .first()
                            .map(|(_, vip)| vip.ip.to_string())
                            .unwrap_or_default(),
                        and_list(&others),
                        if others.len() == 1 { "s" } else { "" },
                        and_list(&others),
                    ),
                }
            } else {
                Explanation {
                    headline: format!("{} are active-active", and_list(hosts)),
                    body: format!(
                        "Each is MASTER of one virtual IP ({}) and BACKUP of the other{}, and \
                         DNS answers www with every address, handed out in turn, so each load \
                         balancer takes about 1/{} of the visitors. If one dies, the other \
                         claims its address about {gap} later: only the visitors given that \
                         address wait, the rest notice nothing. The pair has every member's \
                         capacity, but each must carry all the traffic alone after a failure.",
                        held.join(", "),
                        if groups.len() > 2 { "s" } else { "" },
                        groups.len().max(1)
                    ),
                }
            }
        }
    }
}

/// One row of the comparison: what differs between the two variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contrast {
    pub aspect: &'static str,
    pub active_active: &'static str,
    pub active_passive: &'static str,
}

/// Active-active against active-passive, in general (reachable from every stage).
pub const COMPARISON: [Contrast; 4] = [
    Contrast {
        aspect: "Capacity",
        active_active: "Every member serves: adding one adds its capacity.",
        active_passive: "Only the active member serves: a standby adds none.",
    },
    Contrast {
        aspect: "A failure costs",
        active_active: "Only the failed member's share of the traffic, until the others take it \
                        over (health checks or the VRRP takeover); the survivors must then carry \
                        everything.",
        active_passive: "All the traffic, until the standby takes over (health checks or the VRRP \
                         takeover, seconds); the standby was sized for everything anyway.",
    },
    Contrast {
        aspect: "What sits idle",
        active_active: "Nothing, until a failure; then the spare headroom each member kept.",
        active_passive: "The whole standby, all the time.",
    },
    Contrast {
        aspect: "What it costs to run",
        active_active: "More to set up (one virtual IP per member, DNS with every address, every \
                        member kept below half its capacity for the other's share).",
        active_passive: "Simpler (one virtual IP, one address in DNS), but you pay for a machine \
                         that mostly waits.",
    },
];

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
