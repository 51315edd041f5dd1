//! Reading and writing designs as JSON, and checking that a design hangs together.
//!
//! Loading never panics: every way a file can be wrong is a [`LoadError`] that says what and
//! where, so the UI can show it and keep the user's current work.

use crate::topology::{DbRole, FORMAT_VERSION, Link, Node, NodeKind, ServiceKind, Topology};

/// The largest design accepted, to keep the page responsive.
pub const MAX_NODES: usize = 500;
/// The most links accepted.
pub const MAX_LINKS: usize = 2000;
/// HAProxy's maximum server weight.
pub const MAX_WEIGHT: u16 = 256;
/// The largest JSON document accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;
/// The longest id (node or service), in characters.
pub const MAX_ID_CHARS: usize = 64;
/// The longest free text (names, comments, paths, domains), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most services on one host.
pub const MAX_SERVICES_PER_HOST: usize = 16;
/// The most rules in one firewall.
pub const MAX_RULES: usize = 200;
/// The most records in a DNS zone, static paths on an Nginx, members in a VRRP group.
pub const MAX_LIST: usize = 64;

/// Why a JSON document is not a design.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The document is larger than [`MAX_JSON_BYTES`].
    #[error("the file is {0} bytes; designs are limited to {MAX_JSON_BYTES} bytes")]
    TooLarge(usize),
    /// Not JSON, or JSON of the wrong shape; `path` points into the document.
    #[error("at {path}: {message}")]
    Syntax { path: String, message: String },
    /// A `version` this build cannot read.
    #[error("format version {0} is not supported (this build reads 1 to {FORMAT_VERSION})")]
    Version(u32),
    /// Well-formed JSON that describes an impossible design.
    #[error(transparent)]
    Invalid(#[from] TopologyError),
}

/// A design that does not hang together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    #[error("the id '{0}' is used twice")]
    DuplicateId(String),
    #[error("an id is empty")]
    EmptyId,
    #[error("{what} names '{id}', which does not exist")]
    UnknownId { what: String, id: String },
    #[error("{what} must name {expected}, but '{id}' is not one")]
    WrongKind {
        what: String,
        id: String,
        expected: &'static str,
    },
    #[error("the link {from} → {to} connects a service to itself")]
    SelfLink { from: String, to: String },
    #[error("the link {from} → {to} is listed twice")]
    DuplicateLink { from: String, to: String },
    #[error(
        "the link {from} → {to} has weight {weight}; HAProxy weights go from 0 to {MAX_WEIGHT}"
    )]
    Weight {
        from: String,
        to: String,
        weight: u16,
    },
    #[error("{0} nodes is more than the {MAX_NODES} a design may have")]
    TooManyNodes(usize),
    #[error("{0} links is more than the {MAX_LINKS} a design may have")]
    TooManyLinks(usize),
    #[error("{what} must be {expected}, not {value}")]
    OutOfRange {
        what: String,
        expected: &'static str,
        value: i64,
    },
    #[error("{what} is {len} characters long; the limit is {limit}")]
    TooLong {
        what: String,
        len: usize,
        limit: usize,
    },
    #[error("{what} has {count} entries; the limit is {limit}")]
    TooMany {
        what: String,
        count: usize,
        limit: usize,
    },
    #[error("{what} contains a control character (such as a line break)")]
    ControlCharacter { what: String },
}

/// Parses and validates a design.
pub fn from_json(text: &str) -> Result<Topology, LoadError> {
    from_value(parse_json(text)?)
}

/// Any JSON document within [`MAX_JSON_BYTES`]; syntax errors give their line and column.
pub fn parse_json(text: &str) -> Result<serde_json::Value, LoadError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(LoadError::TooLarge(text.len()));
    }
    serde_json::from_str(text).map_err(|err| {
        let path = format!("line {} column {}", err.line(), err.column());
        // serde's message ends with the place, which `path` says.
        let message = err.to_string();
        let message = message
            .strip_suffix(&format!(" at {path}"))
            .unwrap_or(&message);
        LoadError::Syntax {
            message: message.to_owned(),
            path,
        }
    })
}

/// Reads and validates a design from parsed JSON (a part of a larger document, say).
pub fn from_value(value: serde_json::Value) -> Result<Topology, LoadError> {
    let serde_json::Value::Object(map) = value else {
        return Err(no_version());
    };
    match map.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => return Err(LoadError::Version(u32::try_from(v).unwrap_or(u32::MAX))),
        None => return Err(no_version()),
    }
    let topology = read_topology(map)?;
    validate(&topology)?;
    Ok(topology)
}

fn no_version() -> LoadError {
    LoadError::Syntax {
        path: "version".to_owned(),
        message: "missing or not a whole number".to_owned(),
    }
}

// A design is read field by field, in the object's order as serde's derive reads it, so that
// the first bad value is the one reported, at the place serde_path_to_error would name
// (`name`, `nodes[2]`, `nodes[2].id`, `links[0].weight`, `links[0][2]`, `.` for the whole):
// wrapping every value in a tracking deserializer cost the browser app much more code.

/// A bad value at `path`: serde's message.
fn syntax(path: String, err: serde_json::Error) -> LoadError {
    LoadError::Syntax {
        path,
        message: err.to_string(),
    }
}

/// The fields of a design whose version was checked.
fn read_topology(map: serde_json::Map<String, serde_json::Value>) -> Result<Topology, LoadError> {
    use serde::Deserialize;
    use serde::de::Error;
    const FIELDS: &[&str] = &["version", "name", "nodes", "links"];
    let (mut name, mut nodes, mut links) = (None, None, Vec::new());
    for (key, value) in map {
        match key.as_str() {
            "version" => {}
            "name" => name = Some(String::deserialize(value).map_err(|err| syntax(key, err))?),
            "nodes" => nodes = Some(read_list(key, value, read_node)?),
            "links" => links = read_list(key, value, read_link)?,
            _ => {
                let err = serde_json::Error::unknown_field(&key, FIELDS);
                return Err(syntax(key, err));
            }
        }
    }
    let missing = |field| syntax(".".to_owned(), serde_json::Error::missing_field(field));
    Ok(Topology {
        version: FORMAT_VERSION,
        name: name.ok_or_else(|| missing("name"))?,
        nodes: nodes.ok_or_else(|| missing("nodes"))?,
        links,
    })
}

/// What a bad item of a list is: where in the item (`.id`, `[2]`, or `""` for the item), and
/// serde's message.
type ItemError = (String, serde_json::Error);

/// The array at `key`, read item by item.
fn read_list<T>(
    key: String,
    value: serde_json::Value,
    read: fn(serde_json::Value) -> Result<T, ItemError>,
) -> Result<Vec<T>, LoadError> {
    let serde_json::Value::Array(items) = value else {
        return Err(syntax(key, refuse(value, "a sequence")));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        out.push(read(item).map_err(|(place, err)| syntax(format!("{key}[{i}]{place}"), err))?);
    }
    Ok(out)
}

/// A node: its `id` and `name` are read first, the rest has no place of its own (see
/// `Node`'s `Deserialize`).
fn read_node(item: serde_json::Value) -> Result<Node, ItemError> {
    use serde::Deserialize;
    let place = match &item {
        serde_json::Value::Object(map) => ["id", "name"]
            .into_iter()
            .find(|field| map.get(*field).is_some_and(|v| !v.is_string())),
        _ => None,
    };
    Node::deserialize(item).map_err(|err| {
        (
            place.map(|field| format!(".{field}")).unwrap_or_default(),
            err,
        )
    })
}

/// A link: the first entry (in order) that is not one of its fields or not of its field's type
/// is the place; otherwise the link as a whole (a field is missing, an array is too short).
fn read_link(item: serde_json::Value) -> Result<Link, ItemError> {
    use serde::Deserialize;
    const FIELDS: [&str; 5] = ["from", "to", "weight", "backup", "check"];
    let fits = |field: usize, value: &serde_json::Value| match field {
        0 | 1 => value.is_string(),
        2 => value.as_u64().is_some_and(|w| u16::try_from(w).is_ok()),
        _ => value.is_boolean(),
    };
    let place =
        match &item {
            serde_json::Value::Object(map) => map.iter().find_map(|(key, value)| {
                match FIELDS.iter().position(|field| field == key) {
                    Some(i) if fits(i, value) => None,
                    _ => Some(format!(".{key}")),
                }
            }),
            serde_json::Value::Array(values) => values
                .iter()
                .take(FIELDS.len())
                .enumerate()
                .find_map(|(i, value)| (!fits(i, value)).then(|| format!("[{i}]"))),
            _ => None,
        };
    Link::deserialize(item).map_err(|err| (place.unwrap_or_default(), err))
}

/// A visitor that accepts nothing, for the message about a value of the wrong type.
struct Expecting(&'static str);

impl serde::de::Visitor<'_> for Expecting {
    type Value = std::convert::Infallible;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Serde's message for `value` where `expecting` was expected.
pub fn refuse(value: serde_json::Value, expecting: &'static str) -> serde_json::Error {
    use serde::Deserializer;
    match value.deserialize_any(Expecting(expecting)) {
        Ok(never) => match never {},
        Err(err) => err,
    }
}

/// Pretty JSON, the format of saved files.
pub fn to_json(topology: &Topology) -> String {
    serde_json::to_string_pretty(topology).unwrap_or_default()
}

/// Checks that ids are unique and every reference points at something of the right kind.
pub fn validate(topology: &Topology) -> Result<(), TopologyError> {
    check_limits(topology)?;
    if topology.nodes.len() > MAX_NODES {
        return Err(TopologyError::TooManyNodes(topology.nodes.len()));
    }
    if topology.links.len() > MAX_LINKS {
        return Err(TopologyError::TooManyLinks(topology.links.len()));
    }
    // Every id in the design's order: the first that is blank or repeats an earlier one is
    // refused. The ids' positions sorted stably put equal ids side by side, earlier first (as
    // for the links below; a set of the ids put a map's code into the WebAssembly).
    let mut ids: Vec<&str> = Vec::new();
    for node in &topology.nodes {
        ids.push(&node.id);
        if let NodeKind::Host(host) = &node.kind {
            ids.extend(host.services.iter().map(|s| s.id.as_str()));
        }
    }
    let order = crate::sort::positions(ids.len(), &mut |a, b| ids[a].cmp(ids[b]));
    let repeat = order
        .windows(2)
        .filter_map(|w| match *w {
            [a, b] if ids[a] == ids[b] => Some(b),
            _ => None,
        })
        .min();
    for (i, id) in ids.iter().enumerate() {
        if id.trim().is_empty() {
            return Err(TopologyError::EmptyId);
        }
        if repeat == Some(i) {
            return Err(TopologyError::DuplicateId((*id).to_owned()));
        }
    }
    for (_, host) in topology.hosts() {
        for service in &host.services {
            if let ServiceKind::Database(mysql) = &service.kind
                && let DbRole::Replica { source, .. } = &mysql.role
            {
                let what = format!("the replica {}", service.id);
                match topology.service(source) {
                    Some((_, s)) if matches!(s.kind, ServiceKind::Database(_)) => {}
                    Some(_) => {
                        let id = source.clone();
                        return Err(TopologyError::WrongKind {
                            what,
                            id,
                            expected: "a database",
                        });
                    }
                    None => {
                        return Err(TopologyError::UnknownId {
                            what,
                            id: source.clone(),
                        });
                    }
                }
            }
        }
        if let Some(agent) = &host.agent {
            check_node(
                topology,
                &agent.collector,
                "an agent's collector",
                "a collector",
                |k| matches!(k, NodeKind::Collector { .. }),
            )?;
        }
    }
    for node in &topology.nodes {
        if let NodeKind::Vip(vip) = &node.kind {
            for member in &vip.members {
                let what = format!("the VRRP group of {}", node.id);
                check_node(topology, &member.host, &what, "a host", |k| {
                    matches!(k, NodeKind::Host(_))
                })?;
            }
            if vip.advert_int_s == 0 {
                return Err(TopologyError::OutOfRange {
                    what: format!("the advert interval of {}", node.id),
                    expected: "1 to 255 seconds",
                    value: 0,
                });
            }
        }
    }
    // The first link that repeats an earlier one: the links' positions sorted stably by
    // (from, to) put equal links side by side, earlier first. (A set of the pairs put a map's
    // code for them into the WebAssembly.)
    let pair = |i: usize| {
        topology
            .links
            .get(i)
            .map(|l| (l.from.as_str(), l.to.as_str()))
    };
    let order = crate::sort::positions(topology.links.len(), &mut |a, b| pair(a).cmp(&pair(b)));
    let repeat = order
        .windows(2)
        .filter_map(|w| match *w {
            [a, b] if pair(a) == pair(b) => Some(b),
            _ => None,
        })
        .min();
    for (i, link) in topology.links.iter().enumerate() {
        for end in [&link.from, &link.to] {
            if topology.service(end).is_none() {
                let what = format!("the link {} → {}", link.from, link.to);
                return Err(if ids.contains(&end.as_str()) {
                    TopologyError::WrongKind {
                        what,
                        id: end.clone(),
                        expected: "a service",
                    }
                } else {
                    TopologyError::UnknownId {
                        what,
                        id: end.clone(),
                    }
                });
            }
        }
        if link.from == link.to {
            return Err(TopologyError::SelfLink {
                from: link.from.clone(),
                to: link.to.clone(),
            });
        }
        if repeat == Some(i) {
            return Err(TopologyError::DuplicateLink {
                from: link.from.clone(),
                to: link.to.clone(),
            });
        }
        if link.weight > MAX_WEIGHT {
            return Err(TopologyError::Weight {
                from: link.from.clone(),
                to: link.to.clone(),
                weight: link.weight,
            });
        }
    }
    Ok(())
}

fn check_node(
    topology: &Topology,
    id: &str,
    what: &str,
    expected: &'static str,
    is_kind: impl Fn(&NodeKind) -> bool,
) -> Result<(), TopologyError> {
    match topology.node(id) {
        Some(node) if is_kind(&node.kind) => Ok(()),
        Some(_) => Err(TopologyError::WrongKind {
            what: what.to_owned(),
            id: id.to_owned(),
            expected,
        }),
        None => Err(TopologyError::UnknownId {
            what: what.to_owned(),
            id: id.to_owned(),
        }),
    }
}

fn text(what: impl FnOnce() -> String, value: &str, limit: usize) -> Result<(), TopologyError> {
    let len = value.chars().count();
    if len > limit {
        return Err(TopologyError::TooLong {
            what: what(),
            len,
            limit,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(TopologyError::ControlCharacter { what: what() });
    }
    Ok(())
}

fn count(what: impl FnOnce() -> String, n: usize, limit: usize) -> Result<(), TopologyError> {
    if n > limit {
        return Err(TopologyError::TooMany {
            what: what(),
            count: n,
            limit,
        });
    }
    Ok(())
}

fn range(
    what: impl FnOnce() -> String,
    value: u64,
    min: u64,
    max: u64,
    expected: &'static str,
) -> Result<(), TopologyError> {
    if value < min || value > max {
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        return Err(TopologyError::OutOfRange {
            what: what(),
            expected,
            value,
        });
    }
    Ok(())
}

/// Sizes and ranges: what keeps a hostile or broken file from freezing the page or the
/// engine, and what the real tools would refuse anyway.
fn check_limits(topology: &Topology) -> Result<(), TopologyError> {
    text(
        || "the design's name".to_owned(),
        &topology.name,
        MAX_TEXT_CHARS,
    )?;
    count(|| "the design".to_owned(), topology.nodes.len(), MAX_NODES)?;
    count(
        || "the link list".to_owned(),
        topology.links.len(),
        MAX_LINKS,
    )?;
    for node in &topology.nodes {
        let id = node.id.as_str();
        text(
            || format!("the id '{}…'", id.chars().take(20).collect::<String>()),
            id,
            MAX_ID_CHARS,
        )?;
        text(|| format!("the name of {id}"), &node.name, MAX_TEXT_CHARS)?;
        match &node.kind {
            NodeKind::Client { .. } => {}
            NodeKind::Collector { product, .. } => {
                text(|| format!("the product of {id}"), product, MAX_TEXT_CHARS)?;
            }
            NodeKind::Dns(zone) => {
                text(
                    || format!("the domain of {id}"),
                    &zone.domain,
                    MAX_TEXT_CHARS,
                )?;
                count(|| format!("the zone {id}"), zone.records.len(), MAX_LIST)?;
                for record in &zone.records {
                    text(
                        || format!("a record name in {id}"),
                        &record.name,
                        MAX_TEXT_CHARS,
                    )?;
                    let what = || format!("the TTL of {}.{}", record.name, zone.domain);
                    range(
                        what,
                        u64::from(record.ttl),
                        0,
                        2_147_483_647,
                        "0 to 2147483647 s",
                    )?;
                }
            }
            NodeKind::Vip(vip) => {
                count(
                    || format!("the VRRP group of {id}"),
                    vip.members.len(),
                    MAX_LIST,
                )?;
                for member in &vip.members {
                    let what = || format!("the VRRP priority of {} in {id}", member.host);
                    range(what, u64::from(member.priority), 1, 255, "1 to 255")?;
                }
            }
            NodeKind::Host(host) => {
                let what = || format!("the host {id}");
                count(what, host.services.len(), MAX_SERVICES_PER_HOST)?;
                if let Some(fw) = &host.firewall {
                    count(
                        || format!("the firewall of {id}"),
                        fw.rules.len(),
                        MAX_RULES,
                    )?;
                    for (n, rule) in fw.rules.iter().enumerate() {
                        let what = || format!("the comment of rule {} on {id}", n + 1);
                        text(what, &rule.comment, MAX_TEXT_CHARS)?;
                        if rule.port == Some(0) {
                            let what = || format!("the port of rule {} on {id}", n + 1);
                            range(what, 0, 1, 65_535, "1 to 65535")?;
                        }
                    }
                }
                if let Some(agent) = &host.agent {
                    text(
                        || format!("the agent of {id}"),
                        &agent.product,
                        MAX_TEXT_CHARS,
                    )?;
                    let what = || format!("the agent interval of {id}");
                    range(what, u64::from(agent.interval_s), 1, 3_600, "1 to 3600 s")?;
                }
                for service in &host.services {
                    check_service(&service.id, &service.kind)?;
                }
            }
        }
    }
    Ok(())
}

fn check_service(id: &str, kind: &ServiceKind) -> Result<(), TopologyError> {
    text(
        || format!("the id '{}…'", id.chars().take(20).collect::<String>()),
        id,
        MAX_ID_CHARS,
    )?;
    let port = |port: u16| {
        range(
            || format!("the port of {id}"),
            u64::from(port),
            1,
            65_535,
            "1 to 65535",
        )
    };
    let certificate = |cert: Option<&crate::topology::Certificate>| match cert {
        Some(c) => {
            text(
                || format!("the certificate name of {id}"),
                &c.common_name,
                MAX_TEXT_CHARS,
            )?;
            text(
                || format!("the certificate issuer of {id}"),
                &c.issuer,
                MAX_TEXT_CHARS,
            )
        }
        None => Ok(()),
    };
    match kind {
        ServiceKind::LoadBalancer(lb) => {
            port(lb.http_port)?;
            certificate(lb.certificate.as_ref())?;
            let hc = lb.health_check;
            range(
                || format!("inter of {id}"),
                u64::from(hc.inter_ms),
                1,
                3_600_000,
                "1 to 3600000 ms",
            )?;
            range(
                || format!("rise of {id}"),
                u64::from(hc.rise),
                1,
                128,
                "1 to 128",
            )?;
            range(
                || format!("fall of {id}"),
                u64::from(hc.fall),
                1,
                128,
                "1 to 128",
            )?;
            range(
                || format!("retries of {id}"),
                u64::from(lb.retries),
                0,
                100,
                "0 to 100",
            )?;
        }
        ServiceKind::WebServer(web) => {
            port(web.listen)?;
            certificate(web.certificate.as_ref())?;
            count(
                || format!("the static paths of {id}"),
                web.static_paths.len(),
                MAX_LIST,
            )?;
            for path in &web.static_paths {
                text(|| format!("a static path of {id}"), path, MAX_TEXT_CHARS)?;
            }
        }
        ServiceKind::AppServer(app) => {
            port(app.port)?;
            text(
                || format!("the runtime of {id}"),
                &app.runtime,
                MAX_TEXT_CHARS,
            )?;
            range(
                || format!("the workers of {id}"),
                u64::from(app.workers),
                1,
                10_000,
                "1 to 10000",
            )?;
            let what = || format!("the service time of {id}");
            range(
                what,
                u64::from(app.service_time_us),
                1,
                60_000_000,
                "1 µs to 60 s",
            )?;
        }
        ServiceKind::AppFiles { path } => {
            text(|| format!("the path of {id}"), path, MAX_TEXT_CHARS)?
        }
        ServiceKind::Database(db) => {
            port(db.port)?;
            let what = || format!("the server-id of {id}");
            range(
                what,
                u64::from(db.server_id),
                1,
                4_294_967_295,
                "1 to 4294967295",
            )?;
            if let DbRole::Replica {
                lag_ms,
                lag_jitter_ms,
                ..
            } = &db.role
            {
                let what = || format!("the replication lag of {id}");
                range(what, u64::from(*lag_ms), 0, 3_600_000, "0 to 3600000 ms")?;
                let what = || format!("the lag jitter of {id}");
                range(
                    what,
                    u64::from(*lag_jitter_ms),
                    0,
                    3_600_000,
                    "0 to 3600000 ms",
                )?;
            }
        }
    }
    Ok(())
}
