//! The design a user draws: hosts with addresses, the services on them, the links that carry
//! requests, firewall rules, certificates, monitoring agents, DNS and virtual IPs.
//!
//! This module owns the *shape* of a design and its JSON format. It knows nothing about pixels
//! (positions live in the UI's layout) and nothing about time (the engine owns that).
//!
//! Ids are short strings (`web-01`, `web-01.nginx`) that are unique across nodes *and* services,
//! so a link can name either, and every message can quote them.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The JSON format version written by this build. Older versions are migrated on load.
pub const FORMAT_VERSION: u32 = 1;

/// A whole design: what a stage preset is, and what a user saves, shares and simulates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// Format version, see [`FORMAT_VERSION`].
    pub version: u32,
    /// A human title such as "Simple web stack".
    pub name: String,
    /// Clients, DNS zones, hosts, virtual IPs and collectors, in drawing order.
    pub nodes: Vec<Node>,
    /// Request-carrying connections between services (HTTP, FastCGI, SQL). Replication, VRRP
    /// membership and agent reports are properties of the services and are not listed here.
    #[serde(default)]
    pub links: Vec<Link>,
}

/// One box on the diagram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    pub id: String,
    /// Shown on the diagram; free text.
    pub name: String,
    #[serde(flatten)]
    pub kind: NodeKind,
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// A user's browser somewhere on the internet.
    Client { ip: Ipv4Addr },
    /// The domain's DNS zone, as served by its authoritative name servers.
    Dns(DnsZone),
    /// A machine with an address, services, and optionally a firewall and a monitoring agent.
    Host(Host),
    /// A virtual IP held by whichever member of a VRRP group is MASTER (keepalived).
    Vip(Vip),
    /// A monitoring platform that receives the agents' metrics.
    Collector { ip: Ipv4Addr, product: String },
}

/// A DNS zone with its records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsZone {
    /// The zone apex, e.g. `foobar.com`.
    pub domain: String,
    pub records: Vec<DnsRecord>,
}

/// One resource record; only A records exist so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// Relative owner name, e.g. `www`.
    pub name: String,
    pub address: Ipv4Addr,
    /// Seconds a resolver may cache the answer; 0 means never cache (RFC 1035 §3.2.1).
    pub ttl: u32,
}

/// A server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// The host's address; on stages with a private network this is the private one.
    pub ip: Ipv4Addr,
    /// A public address, where the host has one besides `ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
    pub services: Vec<Service>,
    /// A host firewall (ufw-like); `None` means every port is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firewall: Option<Firewall>,
    /// A monitoring agent; `None` means nobody sees this host's metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
}

/// A program running on a host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Service {
    pub id: String,
    #[serde(flatten)]
    pub kind: ServiceKind,
}

/// The programs Stacksim knows.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceKind {
    LoadBalancer(Haproxy),
    WebServer(Nginx),
    AppServer(AppServer),
    /// The application's code base on disk; what the app server runs.
    AppFiles {
        path: String,
    },
    Database(Mysql),
}

/// HAProxy settings. Its `server` lines are the links leaving this service, in link order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Haproxy {
    pub balance: Balance,
    /// The port HAProxy listens on for plain HTTP (`bind :80`).
    pub http_port: u16,
    /// With a certificate, HAProxy also binds `:443 ssl` and terminates TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    /// Answer plain HTTP with a redirect to HTTPS (needs a certificate).
    #[serde(default)]
    pub redirect_to_https: bool,
    #[serde(default)]
    pub health_check: HealthCheck,
    /// Connection retries before giving up on a server (`retries`, HAProxy default 3).
    #[serde(default = "default_retries")]
    pub retries: u8,
    /// `option redispatch`: a failed connection's retry may go to another server (HAProxy
    /// 2.6: every retry while another server is usable, the last one otherwise; B1.19).
    #[serde(default)]
    pub redispatch: bool,
}

fn default_retries() -> u8 {
    3
}

/// HAProxy `balance` algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Balance {
    #[serde(rename = "roundrobin")]
    RoundRobin,
    StaticRr,
    #[serde(rename = "leastconn")]
    LeastConn,
    First,
}

impl Balance {
    /// The keyword as written in haproxy.cfg.
    pub fn keyword(self) -> &'static str {
        match self {
            Balance::RoundRobin => "roundrobin",
            Balance::StaticRr => "static-rr",
            Balance::LeastConn => "leastconn",
            Balance::First => "first",
        }
    }
}

/// Health-check timing (`inter`, `rise`, `fall`), with HAProxy's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    pub inter_ms: u32,
    pub rise: u8,
    pub fall: u8,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            inter_ms: 2000,
            rise: 2,
            fall: 3,
        }
    }
}

/// An X.509 certificate, as far as routing cares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// The name it is valid for, e.g. `www.foobar.com`.
    pub common_name: String,
    pub issuer: String,
}

/// Nginx settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nginx {
    pub listen: u16,
    /// URL prefixes served from disk; everything else goes to the app server.
    pub static_paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
}

/// An application server such as PHP-FPM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppServer {
    /// e.g. `PHP-FPM`.
    pub runtime: String,
    pub port: u16,
    /// Worker processes: requests served at once.
    pub workers: u16,
    /// Mean time one request keeps a worker busy, in microseconds.
    pub service_time_us: u32,
    /// Send reads to a replica when one is reachable; writes always go to the primary.
    #[serde(default = "default_true")]
    pub reads_to_replica: bool,
}

fn default_true() -> bool {
    true
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// MySQL settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mysql {
    pub port: u16,
    /// `server-id`, unique within a replication topology.
    pub server_id: u32,
    pub role: DbRole,
}

/// Replication role.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum DbRole {
    /// Accepts writes and keeps a binary log.
    Primary,
    /// Asynchronously applies the binary log of `source` (a database service id), `lag_ms`
    /// behind; with `lag_jitter_ms`, each write's lag is drawn (seeded) from
    /// `lag_ms ± lag_jitter_ms`.
    Replica {
        source: String,
        lag_ms: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        lag_jitter_ms: u32,
    },
}

/// A virtual IP with its VRRP group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vip {
    pub ip: Ipv4Addr,
    /// VRRP advertisement interval in whole seconds (VRRPv2; keepalived default 1).
    pub advert_int_s: u8,
    /// A higher-priority member that comes back takes MASTER again (keepalived default).
    #[serde(default = "default_true")]
    pub preempt: bool,
    /// The hosts that may hold the address.
    pub members: Vec<VrrpMember>,
}

/// One keepalived instance in a VRRP group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VrrpMember {
    /// A host id.
    pub host: String,
    /// 1–254; the highest is MASTER (255 is the address owner).
    pub priority: u8,
}

/// A ufw-like stateful host firewall: replies to allowed connections and loopback always pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    /// What happens to an incoming packet no rule matches (ufw default: deny).
    pub default_incoming: Verdict,
    /// Tried top to bottom; the first match decides.
    pub rules: Vec<Rule>,
}

/// One firewall rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub action: Verdict,
    pub proto: Proto,
    /// Source network; `0.0.0.0/0` is "any".
    pub from: Cidr,
    /// Destination port; `None` is any port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// What a firewall does with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    /// Silent drop: the sender times out.
    Deny,
    /// Refuse at once with a TCP RST or ICMP unreachable.
    Reject,
}

/// Transport protocol a rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proto {
    Tcp,
    Udp,
    Any,
}

/// A monitoring agent on a host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// e.g. `Sumo Logic collector`.
    pub product: String,
    /// The collector node id it reports to.
    pub collector: String,
    pub interval_s: u16,
}

/// A request-carrying connection from one service to another.
///
/// Links leaving a load balancer are its `server` lines: `weight`, `backup` and `check` apply
/// to them and are ignored elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub from: String,
    pub to: String,
    /// HAProxy `weight` (0–256, default 1).
    #[serde(default = "default_weight")]
    pub weight: u16,
    /// HAProxy `backup`.
    #[serde(default)]
    pub backup: bool,
    /// HAProxy `check`: without it the server always counts as up.
    #[serde(default = "default_true")]
    pub check: bool,
}

fn default_weight() -> u16 {
    1
}

impl Link {
    /// A link with HAProxy's defaults (weight 1, not backup, checked).
    pub fn new(from: &str, to: &str) -> Link {
        Link {
            from: from.to_owned(),
            to: to.to_owned(),
            weight: 1,
            backup: false,
            check: true,
        }
    }
}

/// An IPv4 network in CIDR notation, serialised as `"10.0.0.0/8"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    addr: Ipv4Addr,
    prefix: u8,
}

impl Cidr {
    /// Every address.
    pub const ANY: Cidr = Cidr {
        addr: Ipv4Addr::UNSPECIFIED,
        prefix: 0,
    };

    /// A network; host bits of `addr` are cleared.
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Result<Cidr, CidrError> {
        if prefix > 32 {
            return Err(CidrError::Prefix(prefix));
        }
        Ok(Cidr {
            addr: Ipv4Addr::from(u32::from(addr) & mask(prefix)),
            prefix,
        })
    }

    /// The one-address network `ip/32`.
    pub fn host(ip: Ipv4Addr) -> Cidr {
        Cidr {
            addr: ip,
            prefix: 32,
        }
    }

    pub fn addr(self) -> Ipv4Addr {
        self.addr
    }

    pub fn prefix(self) -> u8 {
        self.prefix
    }

    pub fn is_any(self) -> bool {
        self.prefix == 0
    }

    /// Whether `ip` lies in this network.
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == u32::from(self.addr)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

/// Why a CIDR string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("'{0}' is not an IPv4 address")]
    Address(String),
    #[error("prefix /{0} is longer than 32")]
    Prefix(u8),
    #[error("'{0}' is not a prefix length")]
    PrefixText(String),
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("any") {
            return Ok(Cidr::ANY);
        }
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => {
                let prefix = prefix
                    .parse::<u8>()
                    .map_err(|_| CidrError::PrefixText(prefix.to_owned()))?;
                (addr, prefix)
            }
            None => (s, 32),
        };
        let addr = addr
            .parse::<Ipv4Addr>()
            .map_err(|_| CidrError::Address(addr.to_owned()))?;
        Cidr::new(addr, prefix)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_any() {
            f.write_str("any")
        } else if self.prefix == 32 {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cidr, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// Reading a node or a service. Serde's derive reads `#[serde(flatten)]` and internally tagged
// enums by buffering every value into its own `Content` tree and reading that again, which is
// a large amount of generated code in the browser app; these impls read the same JSON, with
// the same messages, from `serde_json::Value` instead. The JSON a node or service is written
// as is unchanged (its `Serialize` is still derived).

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let [id, name] = deserializer.deserialize_map(Fields {
            names: ["id", "name"],
            expecting: "struct Node",
        })?;
        let (id, name, rest) = (id.0, name.0, name.1);
        node_kind(rest)
            .map(|kind| Node { id, name, kind })
            .map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Service, D::Error> {
        let [(id, rest)] = deserializer.deserialize_map(Fields {
            names: ["id"],
            expecting: "struct Service",
        })?;
        service_kind(rest)
            .map(|kind| Service { id, kind })
            .map_err(serde::de::Error::custom)
    }
}

/// The other entries of a node's or service's JSON object: its kind and the kind's fields.
type Rest = serde_json::Map<String, serde_json::Value>;

/// Reads the string fields `names` of a JSON object, in the object's order (each with the
/// entries that are not among `names`, which the last holds).
struct Fields<const N: usize> {
    names: [&'static str; N],
    expecting: &'static str,
}

impl<'de, const N: usize> serde::de::Visitor<'de> for Fields<N> {
    type Value = [(String, Rest); N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let mut found: [Option<String>; N] = [const { None }; N];
        let mut rest = Rest::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.names.iter().position(|name| *name == key) {
                Some(i) if found[i].is_some() => {
                    return Err(A::Error::duplicate_field(self.names[i]));
                }
                Some(i) => found[i] = Some(map.next_value()?),
                None => {
                    rest.insert(key, map.next_value()?);
                }
            }
        }
        let mut out: [(String, Rest); N] = std::array::from_fn(|_| (String::new(), Rest::new()));
        for (i, value) in found.into_iter().enumerate() {
            out[i].0 = value.ok_or_else(|| A::Error::missing_field(self.names[i]))?;
        }
        out[N - 1].1 = rest;
        Ok(out)
    }
}

/// The variant an internally tagged enum's tag names: by name, or (as serde's derive also
/// accepts) by index.
struct Tag(&'static [&'static str]);

impl<'de> serde::de::Visitor<'de> for Tag {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<usize, E> {
        match usize::try_from(v) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(
                serde::de::Unexpected::Unsigned(v),
                &format!("variant index 0 <= i < {}", self.0.len()).as_str(),
            )),
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|name| *name == v)
            .ok_or_else(|| E::unknown_variant(v, self.0))
    }
}

/// Takes the `kind` tag out of `rest`: the index of the variant in `names`.
fn take_kind(rest: &mut Rest, names: &'static [&'static str]) -> Result<usize, serde_json::Error> {
    use serde::Deserializer;
    let tag = rest
        .remove("kind")
        .ok_or_else(|| serde::de::Error::missing_field("kind"))?;
    tag.deserialize_any(Tag(names))
}

#[derive(Deserialize)]
struct ClientFields {
    ip: Ipv4Addr,
}

#[derive(Deserialize)]
struct CollectorFields {
    ip: Ipv4Addr,
    product: String,
}

#[derive(Deserialize)]
struct AppFilesFields {
    path: String,
}

fn node_kind(mut rest: Rest) -> Result<NodeKind, serde_json::Error> {
    const KINDS: &[&str] = &["client", "dns", "host", "vip", "collector"];
    let kind = take_kind(&mut rest, KINDS)?;
    let rest = serde_json::Value::Object(rest);
    Ok(match kind {
        0 => NodeKind::Client {
            ip: ClientFields::deserialize(rest)?.ip,
        },
        1 => NodeKind::Dns(DnsZone::deserialize(rest)?),
        2 => NodeKind::Host(Host::deserialize(rest)?),
        3 => NodeKind::Vip(Vip::deserialize(rest)?),
        _ => {
            let CollectorFields { ip, product } = CollectorFields::deserialize(rest)?;
            NodeKind::Collector { ip, product }
        }
    })
}

impl<'de> Deserialize<'de> for DbRole {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<DbRole, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        db_role(value).map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize)]
struct ReplicaFields {
    source: String,
    lag_ms: u32,
    #[serde(default)]
    lag_jitter_ms: u32,
}

/// A visitor that accepts nothing: the error for a value of the wrong shape.
struct Refuse(&'static str);

impl serde::de::Visitor<'_> for Refuse {
    type Value = DbRole;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// `{"role": "replica", "source": …}`, or (as serde's derive also reads an internally tagged
/// enum) `["replica", source, lag_ms, lag_jitter_ms]`.
fn db_role(value: serde_json::Value) -> Result<DbRole, serde_json::Error> {
    use serde::Deserializer;
    use serde::de::Error;
    const ROLES: &[&str] = &["primary", "replica"];
    const IN_SEQ: &str = "struct variant DbRole::Replica with 3 elements";
    let (is_primary, rest) = match value {
        serde_json::Value::Object(mut rest) => {
            let tag = rest
                .remove("role")
                .ok_or_else(|| Error::missing_field("role"))?;
            (tag.deserialize_any(Tag(ROLES))? == 0, rest)
        }
        serde_json::Value::Array(items) => {
            let len = items.len();
            let mut items = items.into_iter();
            let tag = items.next().ok_or_else(|| Error::missing_field("role"))?;
            if tag.deserialize_any(Tag(ROLES))? == 0 {
                return match len {
                    1 => Ok(DbRole::Primary),
                    _ => Err(Error::invalid_length(len - 1, &"0 elements in sequence")),
                };
            }
            let mut next = |i: usize| {
                items
                    .next()
                    .ok_or_else(|| Error::invalid_length(i, &IN_SEQ))
            };
            let source = String::deserialize(next(0)?)?;
            let lag_ms = u32::deserialize(next(1)?)?;
            let lag_jitter_ms = match items.next() {
                Some(value) => u32::deserialize(value)?,
                None => 0,
            };
            if len > 4 {
                return Err(Error::invalid_length(len - 1, &"3 elements in sequence"));
            }
            return Ok(DbRole::Replica {
                source,
                lag_ms,
                lag_jitter_ms,
            });
        }
        other => return other.deserialize_any(Refuse("internally tagged enum DbRole")),
    };
    if is_primary {
        return Ok(DbRole::Primary);
    }
    let ReplicaFields {
        source,
        lag_ms,
        lag_jitter_ms,
    } = ReplicaFields::deserialize(serde_json::Value::Object(rest))?;
    Ok(DbRole::Replica {
        source,
        lag_ms,
        lag_jitter_ms,
    })
}

fn service_kind(mut rest: Rest) -> Result<ServiceKind, serde_json::Error> {
    const KINDS: &[&str] = &[
        "load_balancer",
        "web_server",
        "app_server",
        "app_files",
        "database",
    ];
    let kind = take_kind(&mut rest, KINDS)?;
    let rest = serde_json::Value::Object(rest);
    Ok(match kind {
        0 => ServiceKind::LoadBalancer(Haproxy::deserialize(rest)?),
        1 => ServiceKind::WebServer(Nginx::deserialize(rest)?),
        2 => ServiceKind::AppServer(AppServer::deserialize(rest)?),
        3 => ServiceKind::AppFiles {
            path: AppFilesFields::deserialize(rest)?.path,
        },
        _ => ServiceKind::Database(Mysql::deserialize(rest)?),
    })
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Reject => "reject",
        };
        let proto = match self.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Any => "any",
        };
        match self.port {
            Some(port) => write!(f, "{action} {proto}/{port} from {}", self.from),
            None => write!(f, "{action} {proto} from {}", self.from),
        }
    }
}

impl Topology {
    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    /// Every host with its node, in drawing order.
    pub fn hosts(&self) -> impl Iterator<Item = (&Node, &Host)> {
        self.nodes.iter().filter_map(|node| match &node.kind {
            NodeKind::Host(host) => Some((node, host)),
            _ => None,
        })
    }

    /// The service with this id, with the host that runs it.
    pub fn service(&self, id: &str) -> Option<(&Node, &Service)> {
        self.hosts().find_map(|(node, host)| {
            host.services
                .iter()
                .find(|service| service.id == id)
                .map(|service| (node, service))
        })
    }

    /// The links leaving `from`, in declaration order.
    pub fn links_from<'a>(&'a self, from: &'a str) -> impl Iterator<Item = &'a Link> + 'a {
        self.links.iter().filter(move |link| link.from == from)
    }

    /// The DNS zone, if the design has one.
    pub fn dns(&self) -> Option<(&Node, &DnsZone)> {
        self.nodes.iter().find_map(|node| match &node.kind {
            NodeKind::Dns(zone) => Some((node, zone)),
            _ => None,
        })
    }

    /// The node that answers at `ip`: a host (by either address), a VIP, a client or collector.
    pub fn node_at(&self, ip: Ipv4Addr) -> Option<&Node> {
        self.nodes.iter().find(|node| match &node.kind {
            NodeKind::Host(host) => host.ip == ip || host.public_ip == Some(ip),
            NodeKind::Vip(vip) => vip.ip == ip,
            NodeKind::Client { ip: own } | NodeKind::Collector { ip: own, .. } => *own == ip,
            NodeKind::Dns(_) => false,
        })
    }
}
