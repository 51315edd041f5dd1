//! Why requests failed, in words a newcomer can act on: each failed request's [`Cause`] as the
//! engine decided it, with the [`Fix`] the design suggests (a [`Diagnosis`]); the counts of a
//! run per diagnosis ([`crate::engine::Simulation::failure_causes`]); and the sentence for the
//! cause that dominates a run ([`summary`]) or ends one request ([`Diagnosis::sentence`]).
//!
//! The rule for a dominant cause: one diagnosis accounts for more than half of the failures
//! ([`dominant`]). Below that the failures are mixed, and no single sentence would be true.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::trace::status_phrase;

/// What made one request fail, with the names of the places involved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Cause {
    /// A firewall on `host` dropped (`deny`) or refused (`reject`) the connection to tcp/`port`:
    /// its default policy (`rule: None`) or its rule number `rule` (from 1).
    Firewall {
        host: String,
        port: u16,
        rule: Option<usize>,
        reject: bool,
    },
    /// Nothing on `host` listens on tcp/`port`: the host answered with a reset.
    NoListener { host: String, port: u16 },
    /// HTTPS to `host`, whose web front listens on plain HTTP only (no certificate installed).
    NoCertificate { host: String },
    /// `service` was stopped: its host answered with a reset.
    Stopped { service: String },
    /// `host` was down: nothing answered the SYNs sent to it.
    HostDown { host: String },
    /// Nobody held the virtual IP `vip` (every member down, or a VRRP failover that never ended).
    NoMaster { vip: String },
    /// Nothing answers at the site's address `address` (no node has it, or it is private).
    Unreachable { address: String },
    /// The load balancer `balancer` had no server UP: `503 Service Unavailable`.
    NoServer { balancer: String },
    /// `service`'s queue was full (503) or a request waited too long in it (504).
    Overloaded { service: String, status: u16 },
    /// Another server error (`status`) where the request failed (`place`).
    ServerError { status: u16, place: String },
    /// Nobody answered at `place` (its host died with the request).
    TimedOut { place: String },
    /// The site's name does not resolve (no zone, or no A record).
    NoAddress,
}

/// The change to the design or the request that removes a cause, when one is known.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "fix", rename_all = "snake_case")]
pub enum Fix {
    /// `host` lets HTTPS in (its firewall allows tcp/443 and something serves it) but not
    /// plain HTTP: send HTTPS.
    UseHttps { host: String },
    /// Nothing on `host` serves HTTPS, plain HTTP works: send HTTP, or install a certificate.
    UseHttp { host: String },
    /// Let tcp/`port` through the firewall of `host` (the rule that blocks it, if one does).
    OpenPort {
        host: String,
        port: u16,
        rule: Option<usize>,
    },
    /// Start `service` again.
    Start { service: String },
    /// Bring one of `hosts` back up.
    BringUp { hosts: Vec<String> },
    /// Bring a server of `balancer` back: its health checks then mark it UP.
    BringUpServer { balancer: String },
    /// Send fewer requests, or give `service` more workers or more servers.
    AddCapacity { service: String },
    /// Give the DNS zone an A record for the site.
    AddRecord,
}

/// A failed request's cause and, when the design makes one clear, its fix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnosis {
    pub cause: Cause,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// What happened to the requests, after "were" (or "was"): "dropped by fw-lb-01's default
/// policy on tcp/80".
impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Firewall {
                host,
                port,
                rule,
                reject,
            } => {
                let verb = if *reject { "rejected" } else { "dropped" };
                match rule {
                    None => write!(f, "{verb} by fw-{host}'s default policy on tcp/{port}"),
                    Some(n) => write!(f, "{verb} by rule {n} of fw-{host} on tcp/{port}"),
                }
            }
            Cause::NoListener { host, port } => {
                write!(f, "refused by {host}: nothing listens on tcp/{port}")
            }
            Cause::NoCertificate { host } => write!(
                f,
                "refused by {host}: nothing serves HTTPS there (no certificate is installed)"
            ),
            Cause::Stopped { service } => write!(f, "refused: {service} was stopped"),
            Cause::HostDown { host } => write!(f, "lost: {host} was down and never answered"),
            Cause::NoMaster { vip } => write!(f, "lost: nobody held the virtual IP {vip}"),
            Cause::Unreachable { address } => write!(f, "lost: nothing answers at {address}"),
            Cause::NoServer { balancer } => {
                write!(f, "answered 503 by {balancer}: it had no server UP")
            }
            Cause::Overloaded { service, status } => match status {
                504 => write!(f, "answered 504: they waited too long in {service}'s queue"),
                _ => write!(
                    f,
                    "answered {status}{}: {service}'s queue was full",
                    status_phrase(*status)
                ),
            },
            Cause::ServerError { status, place } => write!(
                f,
                "answered {status}{}, failing at {place}",
                status_phrase(*status)
            ),
            Cause::TimedOut { place } => write!(f, "lost at {place}: nobody answered"),
            Cause::NoAddress => f.write_str("never sent: the site's name does not resolve"),
        }
    }
}

/// The fix as an instruction: "lb-01 accepts HTTPS only: choose HTTPS".
impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fix::UseHttps { host } => write!(f, "{host} accepts HTTPS only: choose HTTPS"),
            Fix::UseHttp { host } => write!(
                f,
                "{host} serves plain HTTP only: choose HTTP, or install a certificate there"
            ),
            Fix::OpenPort {
                host,
                port,
                rule: None,
            } => write!(f, "add a rule to fw-{host} that allows tcp/{port}"),
            Fix::OpenPort {
                host,
                port,
                rule: Some(n),
            } => write!(
                f,
                "change rule {n} of fw-{host}, or allow tcp/{port} in a rule before it"
            ),
            Fix::Start { service } => write!(f, "start {service} again"),
            Fix::BringUp { hosts } => write!(f, "bring {} back up", hosts.join(" or ")),
            Fix::BringUpServer { balancer } => write!(
                f,
                "bring a server of {balancer} back up: its health checks then mark it UP"
            ),
            Fix::AddCapacity { service } => write!(
                f,
                "send fewer requests per second, or give {service} more workers or servers"
            ),
            Fix::AddRecord => f.write_str("give the DNS zone an A record for the site"),
        }
    }
}

impl Diagnosis {
    /// One request's failure in words, with its fix: "The request was dropped by fw-lb-01's
    /// default policy on tcp/80 — lb-01 accepts HTTPS only: choose HTTPS."
    pub fn sentence(&self) -> String {
        finish(format!("The request was {}", self.cause), self.fix.as_ref())
    }
}

fn finish(mut text: String, fix: Option<&Fix>) -> String {
    if let Some(fix) = fix {
        text.push_str(" — ");
        text.push_str(&fix.to_string());
    }
    text.push('.');
    text
}

/// A count with thousands separators: 4000 → "4,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The diagnosis behind more than half of the failures counted in `causes` (diagnosis, count),
/// with its count; `None` when nothing failed or no diagnosis has the majority.
pub fn dominant(causes: &[(Diagnosis, u64)]) -> Option<(&Diagnosis, u64)> {
    let failed: u64 = causes.iter().map(|(_, n)| n).sum();
    causes
        .iter()
        .find(|(_, n)| *n * 2 > failed)
        .map(|(d, n)| (d, *n))
}

/// The sentence for a run of `sent` requests whose failures are `causes`, when one cause
/// dominates ([`dominant`]): "All 4,000 requests were dropped by fw-lb-01's default policy on
/// tcp/80 — lb-01 accepts HTTPS only: choose HTTPS." or "3,000 of the 4,000 requests were … (75 %
/// of the 3,500 failures) — …".
pub fn summary(causes: &[(Diagnosis, u64)], sent: u64) -> Option<String> {
    let (diagnosis, count) = dominant(causes)?;
    let failed: u64 = causes.iter().map(|(_, n)| n).sum();
    let cause = &diagnosis.cause;
    let mut text = if count >= sent && sent > 1 {
        format!("All {} requests were {cause}", thousands(count))
    } else if count == 1 && sent == 1 {
        format!("The request was {cause}")
    } else {
        let were = if count == 1 { "was" } else { "were" };
        format!(
            "{} of the {} requests {were} {cause}",
            thousands(count),
            thousands(sent)
        )
    };
    if count < failed {
        let pct = (count as f64 / failed as f64 * 100.0).floor();
        text.push_str(&format!(
            " ({} % of the {} failures)",
            crate::number::fixed(pct, 0),
            thousands(failed)
        ));
    }
    Some(finish(text, diagnosis.fix.as_ref()))
}
