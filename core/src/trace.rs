//! What the engine tells about requests: what was asked ([`RequestSpec`]), every hop with its
//! decision and reason ([`Trace`], [`Hop`]), and how it ended ([`Outcome`]).
//!
//! Outcomes are data, never errors: a request dropped by a firewall is as valid a result as a
//! page served.

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::time::{SimDuration, SimTime};

/// What the client asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// `GET /static/logo.png`: a file Nginx serves from disk.
    Static,
    /// `GET /products/<key>`: a page the application builds from a database read.
    Read,
    /// `POST /products/<key>`: a database write on the primary.
    Write,
}

impl RequestKind {
    /// The path of the static file a static request asks for.
    pub const STATIC_PATH: &'static str = "/static/logo.png";

    pub fn method(self) -> &'static str {
        match self {
            RequestKind::Static | RequestKind::Read => "GET",
            RequestKind::Write => "POST",
        }
    }

    /// The URL path requested for `key`.
    pub fn path(self, key: u64) -> String {
        match self {
            RequestKind::Static => RequestKind::STATIC_PATH.to_owned(),
            RequestKind::Read | RequestKind::Write => format!("/products/{key}"),
        }
    }
}

/// One request to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpec {
    pub kind: RequestKind,
    /// HTTPS (port 443) or plain HTTP (port 80).
    pub https: bool,
    /// The database row the request reads or writes.
    pub key: u64,
}

impl RequestSpec {
    pub fn new(kind: RequestKind, https: bool) -> RequestSpec {
        RequestSpec {
            kind,
            https,
            key: 42,
        }
    }

    /// The destination port the client connects to.
    pub fn port(self) -> u16 {
        if self.https { 443 } else { 80 }
    }
}

/// Identifies a request within one simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u64);

/// Which kind of decision a hop records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    Dns,
    Connect,
    Firewall,
    Vrrp,
    Tls,
    Balance,
    Queue,
    Serve,
    Forward,
    Database,
    Response,
    Failure,
}

/// One step of a request's journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    /// When the step happened.
    pub at: SimTime,
    /// The node or service id where it happened.
    pub place: String,
    pub kind: HopKind,
    /// Whether the request travels encrypted at this point.
    pub encrypted: bool,
    /// Source address and port of the packet, where one is on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<(Ipv4Addr, u16)>,
    /// Destination address and port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst: Option<(Ipv4Addr, u16)>,
    /// The decision and why, in words.
    pub reason: String,
    /// Which of the client's SYNs this hop belongs to: 0 for its first (and for every hop that
    /// is not about a client SYN), n for the n-th one the browser resent after no answer
    /// (B6a). A hop whose number is higher than the hop before it is a SYN sent again.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub syn: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// An HTTP response reached the client (200, or 301 for a redirect to HTTPS).
    Served {
        status: u16,
        /// The web server that answered, if one did.
        backend: Option<String>,
        /// A read answered by a replica that had not yet applied the latest write.
        stale: bool,
    },
    /// A firewall rule or policy silently dropped a packet: the client waits until it gives up.
    Dropped { host: String, reason: String },
    /// Actively refused (a `reject` rule, nothing listening, a failed TLS handshake).
    Refused { place: String, reason: String },
    /// Nobody answered in time (a dead host, a cut link, a queue that never drained).
    TimedOut { place: String, reason: String },
    /// HAProxy had no server to send it to: `503 Service Unavailable`.
    NoServer { place: String },
    /// A server error on the way (`502`/`503`/`504`), with the place and reason.
    Failed {
        status: u16,
        place: String,
        reason: String,
    },
}

impl Outcome {
    /// Whether the client got the page it asked for (or a redirect).
    pub fn is_served(&self) -> bool {
        matches!(self, Outcome::Served { .. })
    }

    /// Where a request that was not served stopped (the host or service that dropped,
    /// refused, did not answer or failed it); `None` for a served one.
    pub fn stopped_at(&self) -> Option<&str> {
        match self {
            Outcome::Served { .. } => None,
            Outcome::Dropped { host: place, .. }
            | Outcome::Refused { place, .. }
            | Outcome::TimedOut { place, .. }
            | Outcome::NoServer { place }
            | Outcome::Failed { place, .. } => Some(place),
        }
    }

    /// A short label for counters and charts.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Served { .. } => "served",
            Outcome::Dropped { .. } => "dropped",
            Outcome::Refused { .. } => "refused",
            Outcome::TimedOut { .. } => "timed_out",
            Outcome::NoServer { .. } => "no_server",
            Outcome::Failed { .. } => "failed",
        }
    }
}

/// An HTTP status's reason phrase with a leading space (" Bad Gateway"); empty for statuses
/// the engine does not send.
pub fn status_phrase(status: u16) -> &'static str {
    match status {
        500 => " Internal Server Error",
        502 => " Bad Gateway",
        503 => " Service Unavailable",
        504 => " Gateway Timeout",
        508 => " Loop Detected",
        _ => "",
    }
}

/// How the request ended, in one sentence (what the event list and the proofs show).
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Served {
                status,
                backend,
                stale,
            } => {
                match status {
                    200 => f.write_str("200 OK")?,
                    301 => f.write_str("301 redirect to HTTPS")?,
                    other => write!(f, "{other}")?,
                }
                if let Some(backend) = backend {
                    write!(f, " from {backend}")?;
                }
                if *stale {
                    f.write_str(" · stale read: the replica had not applied the last write yet")?;
                }
                Ok(())
            }
            Outcome::Dropped { host, reason } => write!(f, "Dropped at {host}: {reason}"),
            Outcome::Refused { place, reason } => write!(f, "Refused at {place}: {reason}"),
            Outcome::TimedOut { place, reason } => write!(f, "Timed out at {place}: {reason}"),
            Outcome::NoServer { place } => {
                write!(
                    f,
                    "503 Service Unavailable: {place} has no server to send it to"
                )
            }
            Outcome::Failed {
                status,
                place,
                reason,
            } => {
                // The status is the answer of whoever sent it back (Nginx's 502 when the
                // application server fails); `place` is where the request failed.
                let phrase = status_phrase(*status);
                if *status == 0 {
                    write!(f, "Failed at {place}: {reason}")
                } else {
                    write!(f, "{status}{phrase}, failed at {place}: {reason}")
                }
            }
        }
    }
}

/// A request with every hop it took; complete once `outcome` is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub id: RequestId,
    pub spec: RequestSpec,
    pub sent_at: SimTime,
    pub hops: Vec<Hop>,
    pub outcome: Option<Outcome>,
    /// When the outcome reached the client.
    pub finished_at: Option<SimTime>,
    /// The places the response travels back through to the client, nearest first: the
    /// service that answered, then each service and virtual IP the request came in through,
    /// in reverse (hosts, the client and places it only tried are not named). Empty until a
    /// response leaves, and for a request that was not served.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub return_path: Vec<String>,
    /// Why a failed request failed, and the fix when the design makes one clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<crate::cause::Diagnosis>,
}

impl Trace {
    /// Time from sending to the outcome, once finished.
    pub fn latency(&self) -> Option<SimDuration> {
        self.finished_at.map(|t| t - self.sent_at)
    }
}

#[cfg(test)]
mod outcome_words {
    use super::Outcome;

    /// A failure's status is the answer the browser got, not something the failing place
    /// said: "502 Bad Gateway, failed at server-01.mysql", never "502 from server-01.mysql".
    #[test]
    fn a_failure_names_its_status_and_where_it_failed() {
        let failed = |status: u16, place: &str| Outcome::Failed {
            status,
            place: place.to_owned(),
            reason: "why".to_owned(),
        };
        let cases = [
            (
                502,
                "server-01.mysql",
                "502 Bad Gateway, failed at server-01.mysql: why",
            ),
            (
                503,
                "lb-01.haproxy",
                "503 Service Unavailable, failed at lb-01.haproxy: why",
            ),
            (
                508,
                "web-01.nginx",
                "508 Loop Detected, failed at web-01.nginx: why",
            ),
            (0, "dns", "Failed at dns: why"),
        ];
        for (status, place, words) in cases {
            assert_eq!(failed(status, place).to_string(), words);
        }
    }
}
