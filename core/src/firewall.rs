//! Host firewall decisions (domain rules B4): what a ufw-like stateful firewall does with one
//! incoming packet, and a one-line reason for the trace.
//!
//! This module owns the *decision* only. The rules themselves ([`Firewall`], [`Rule`]) belong to
//! the design model in [`topology`](super::topology); what a dropped or refused packet costs in
//! time is the engine's business.
//!
//! The order of checks follows ufw's chains: loopback (`-i lo -j ACCEPT`) and
//! `RELATED,ESTABLISHED` are accepted in `before.rules`, ahead of every user rule; then the user
//! rules are tried top to bottom and the first match wins; then the default incoming policy.
//!
//! Only incoming IPv4 TCP/UDP is modelled: there are no outgoing or routed rules (ufw's default
//! `outgoing allow` is therefore implied), no `limit` rules, no `INVALID` conntrack state and no
//! IPv6 rule set.

use std::fmt;
use std::net::Ipv4Addr;

use super::topology::{Firewall, Proto, Rule, Verdict};

/// A packet arriving at a host, as a host firewall sees it (L3/L4 only: it never sees URLs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    /// The sender's address.
    pub src: Ipv4Addr,
    /// [`Proto::Tcp`] or [`Proto::Udp`]. A packet marked [`Proto::Any`] only matches rules for
    /// any protocol.
    pub proto: Proto,
    /// The port on this host the packet is sent to.
    pub dst_port: u16,
    /// Where the packet stands in its connection (conntrack state).
    pub state: ConnState,
}

/// The connection-tracking state of a packet, as ufw's `before.rules` see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    /// The first packet of a connection.
    New,
    /// A reply or later packet of a connection this host already allowed or opened.
    Established,
}

/// What decided a [`Decision`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decider {
    /// The host has no firewall: every port is open.
    NoFirewall,
    /// The packet comes from 127.0.0.0/8, which is always accepted.
    Loopback,
    /// The packet belongs to a connection already allowed (or opened by this host).
    Established,
    /// The user rule at this 0-based index into `firewall.rules` matched first.
    Rule(usize),
    /// No rule matched, so `firewall.default_incoming` applied.
    Default,
}

/// A firewall's decision about one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allow, deny (silent drop) or reject (immediate refusal).
    pub verdict: Verdict,
    /// What decided it.
    pub by: Decider,
}

/// Decides what `firewall` (on the receiving host) does with an incoming `packet`.
///
/// No firewall allows everything. Otherwise loopback and established packets pass before any
/// rule; then the first rule whose protocol, port and source network all match decides; when
/// none matches, the default incoming policy does. Never allocates.
pub fn evaluate(firewall: Option<&Firewall>, packet: &Packet) -> Decision {
    let Some(firewall) = firewall else {
        return Decision {
            verdict: Verdict::Allow,
            by: Decider::NoFirewall,
        };
    };
    if packet.src.is_loopback() {
        return Decision {
            verdict: Verdict::Allow,
            by: Decider::Loopback,
        };
    }
    if packet.state == ConnState::Established {
        return Decision {
            verdict: Verdict::Allow,
            by: Decider::Established,
        };
    }
    for (index, rule) in firewall.rules.iter().enumerate() {
        if rule_matches(rule, packet) {
            return Decision {
                verdict: rule.action,
                by: Decider::Rule(index),
            };
        }
    }
    Decision {
        verdict: firewall.default_incoming,
        by: Decider::Default,
    }
}

/// Whether `rule` matches `packet`: protocol (`any` matches both), port (`None` matches every
/// port) and source network all agree.
pub fn rule_matches(rule: &Rule, packet: &Packet) -> bool {
    let proto = rule.proto == Proto::Any || rule.proto == packet.proto;
    let port = rule.port.is_none_or(|port| port == packet.dst_port);
    proto && port && rule.from.contains(packet.src)
}

impl Decision {
    /// Whether the packet goes through (the verdict is allow).
    pub fn passes(&self) -> bool {
        self.verdict == Verdict::Allow
    }

    /// One-line reason for traces, e.g. "fw-lb-01 rule 1 allow tcp/443 from any",
    /// "fw-server-01 default deny: 203.0.113.7 tcp/80 matches no rule",
    /// "fw-server-01 reply to an allowed connection (established)",
    /// "no firewall on server-01: every port is open", "loopback is always allowed".
    ///
    /// Rules are numbered from 1, like `ufw status numbered`. `firewall` should be the one the
    /// verdict came from; it is only read for the rule's text.
    pub fn explain(&self, host_name: &str, firewall: Option<&Firewall>, packet: &Packet) -> String {
        match self.by {
            Decider::NoFirewall => format!("no firewall on {host_name}: every port is open"),
            Decider::Loopback => "loopback is always allowed".to_owned(),
            Decider::Established => {
                format!("fw-{host_name} reply to an allowed connection (established)")
            }
            Decider::Rule(index) => {
                let number = index.saturating_add(1);
                match firewall.and_then(|firewall| firewall.rules.get(index)) {
                    Some(rule) => format!("fw-{host_name} rule {number} {rule}"),
                    None => format!(
                        "fw-{host_name} rule {number} {}: {} (the rule is gone)",
                        action_name(self.verdict),
                        PacketText(packet),
                    ),
                }
            }
            Decider::Default => format!(
                "fw-{host_name} default {}: {} matches no rule",
                action_name(self.verdict),
                PacketText(packet),
            ),
        }
    }
}

/// The ufw keyword for a verdict.
fn action_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Allow => "allow",
        Verdict::Deny => "deny",
        Verdict::Reject => "reject",
    }
}

/// A packet as "203.0.113.7 tcp/80".
struct PacketText<'a>(&'a Packet);

impl fmt::Display for PacketText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.0.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Any => "any",
        };
        write!(f, "{} {proto}/{}", self.0.src, self.0.dst_port)
    }
}
