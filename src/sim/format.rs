//! Reading and writing designs as JSON, and checking that a design hangs together.
//!
//! Loading never panics: every way a file can be wrong is a [`LoadError`] that says what and
//! where, so the UI can show it and keep the user's current work.

use std::collections::BTreeSet;

use crate::sim::topology::{DbRole, FORMAT_VERSION, NodeKind, ServiceKind, Topology};

/// The largest design accepted, to keep the page responsive.
pub const MAX_NODES: usize = 500;
/// The most links accepted.
pub const MAX_LINKS: usize = 2000;
/// HAProxy's maximum server weight.
pub const MAX_WEIGHT: u16 = 256;
/// The largest JSON document accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

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
}

/// Parses and validates a design.
pub fn from_json(text: &str) -> Result<Topology, LoadError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(LoadError::TooLarge(text.len()));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|err| LoadError::Syntax {
        path: format!("line {} column {}", err.line(), err.column()),
        message: strip_position(&err.to_string()),
    })?;
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    match version {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => return Err(LoadError::Version(u32::try_from(v).unwrap_or(u32::MAX))),
        None => {
            return Err(LoadError::Syntax {
                path: "version".to_owned(),
                message: "missing or not a whole number".to_owned(),
            });
        }
    }
    let topology: Topology = serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        LoadError::Syntax {
            path,
            message: err.into_inner().to_string(),
        }
    })?;
    validate(&topology)?;
    Ok(topology)
}

/// Pretty JSON, the format of saved files.
pub fn to_json(topology: &Topology) -> String {
    serde_json::to_string_pretty(topology).unwrap_or_default()
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_owned(),
        None => message.to_owned(),
    }
}

/// Checks that ids are unique and every reference points at something of the right kind.
pub fn validate(topology: &Topology) -> Result<(), TopologyError> {
    if topology.nodes.len() > MAX_NODES {
        return Err(TopologyError::TooManyNodes(topology.nodes.len()));
    }
    if topology.links.len() > MAX_LINKS {
        return Err(TopologyError::TooManyLinks(topology.links.len()));
    }
    let mut ids = BTreeSet::new();
    let mut add = |id: &str| {
        if id.trim().is_empty() {
            return Err(TopologyError::EmptyId);
        }
        if !ids.insert(id.to_owned()) {
            return Err(TopologyError::DuplicateId(id.to_owned()));
        }
        Ok(())
    };
    for node in &topology.nodes {
        add(&node.id)?;
        if let NodeKind::Host(host) = &node.kind {
            for service in &host.services {
                add(&service.id)?;
            }
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
    let mut seen = BTreeSet::new();
    for link in &topology.links {
        for end in [&link.from, &link.to] {
            if topology.service(end).is_none() {
                let what = format!("the link {} → {}", link.from, link.to);
                return Err(if ids.contains(end.as_str()) {
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
        if !seen.insert((link.from.as_str(), link.to.as_str())) {
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
