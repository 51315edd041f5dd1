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
    hosts.sort_unstable();
    hosts
}

/// The member that is MASTER when all are up: the highest priority, the first of equals.
fn designated_master(vip: &Vip) -> Option<&str> {
    vip.members
        .iter()
        .rev()
        .max_by_key(|m| m.priority)
        .map(|m| m.host.as_str())
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
    by_priority.sort_unstable_by(|a, b| b.cmp(a));
    let mut masters: Vec<&VrrpMember> = first.members.iter().collect();
    masters.sort_by_key(|m| std::cmp::Reverse(m.priority));
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
