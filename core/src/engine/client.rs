//! The client's side: DNS, the SYN to the site's address (resent while nobody answers), the
//! entry firewall and the TCP and TLS handshakes.

use std::net::Ipv4Addr;

use crate::firewall::{self, ConnState, Decision, Packet};
use crate::model::{self, Entry, Model, Place, SvcRole};
use crate::tcp::SynSchedule;
use crate::time::{SimDuration, SimTime};
use crate::topology::{Proto, Verdict};
use crate::trace::HopKind;
use crate::vrrp::VrrpGroup;

use super::causes::Detail;
use super::{CLIENT_PORT, Connecting, DnsMemo, Ev, Fate, Simulation, Spot, Unanswered};

impl Simulation {
    /// DNS, then the TCP connection to the address it gave (the first SYN leaves when the
    /// answer arrives).
    pub(super) fn client_connect(&mut self, slot: u32) {
        let now = self.now;
        let Some((address, dns_time)) = self.resolve(slot) else {
            return;
        };
        if let Some(req) = self.req_mut(slot) {
            req.entry = address;
            req.client_syn = Connecting {
                first: now + dns_time,
                resent: 0,
            };
        }
        self.client_syn(slot);
    }

    /// The client's SYN (the first, decided when the request is sent, or a resent one, decided
    /// when it arrives) reaches the site's address: where it leads, then the TCP and TLS
    /// handshakes. A SYN nobody answers is resent until the browser gives up (B6a.1, B2.9); a
    /// reset or a rejecting firewall ends the request at once (B6a.2).
    pub(super) fn client_syn(&mut self, slot: u32) {
        let Some((spec, address, conn, new_session)) = self
            .req(slot)
            .filter(|r| r.fate.is_none())
            .map(|r| (r.spec, r.entry, r.client_syn, r.new_session))
        else {
            return;
        };
        // The first SYN leaves at `first` (`send_at(0)` is zero).
        let sent = match conn.resent {
            0 => conn.first,
            n => conn.first + self.client_schedule().send_at(n).unwrap_or_default(),
        };
        let wan = self.config.wan_latency;
        let port = spec.port();
        let syn_at = sent + wan;
        let client_ip = self.model.client_ip;
        let client = Some((client_ip, CLIENT_PORT));
        let dst = Some((address, port));
        let (routed, entry) = self.entry_of(address);
        if !routed {
            return self.syn_unanswered(
                slot,
                Place::Client,
                HopKind::Failure,
                Unanswered::Unrouted,
            );
        }
        // On a resent SYN, which resend got through (the event list says so).
        let resend = (conn.resent > 0).then(|| (conn.resent, sent - conn.first));
        let host = match entry {
            None => {
                return self.syn_unanswered(
                    slot,
                    Place::Client,
                    HopKind::Failure,
                    Unanswered::Nobody,
                );
            }
            Some(Entry::Vip(vip)) => {
                let groups: &[VrrpGroup] = &self.vrrp;
                let Some(member) = groups[vip].master() else {
                    return self.syn_unanswered(
                        slot,
                        Place::Vip(vip),
                        HopKind::Vrrp,
                        Unanswered::NoMaster,
                    );
                };
                let vips: &[model::VipM] = &self.model.vips;
                let members: &[usize] = &vips[vip].members;
                let host = members[member];
                // Only a traced request builds the note: an untraced one would make and drop
                // an empty string (two calls) on every request through a virtual IP.
                if self.traced(slot) {
                    let note = self.vrrp_hold_note(vip, host).unwrap_or_default();
                    let spot = || {
                        Spot::new(syn_at, Place::Vip(vip), HopKind::Vrrp)
                            .ends(client, dst)
                            .syn(conn.resent)
                    };
                    self.hop(slot, spot, |m| {
                        let held = format!(
                            "VIP {address} is held by {} (VRRP MASTER, priority {}){note}",
                            m.hosts[host].name, m.vips[vip].priorities[member]
                        );
                        match resend {
                            Some((n, after)) => format!(
                                "the SYN resent {after} after the first (resend {n}) reaches {}: {held}",
                                m.hosts[host].name
                            ),
                            None => held,
                        }
                    });
                }
                host
            }
            Some(Entry::Host(host)) => host,
        };
        if !self.host_up_now(host) {
            return self.syn_unanswered(
                slot,
                Place::Host(host),
                HopKind::Failure,
                Unanswered::HostDown(host),
            );
        }
        let packet = Packet {
            src: client_ip,
            proto: Proto::Tcp,
            dst_port: port,
            state: ConnState::New,
        };
        let (decision, listener) = self.entry_gates.as_slice()[host][usize::from(spec.https)];
        if !decision.passes() && decision.verdict != Verdict::Reject {
            return self.syn_unanswered(
                slot,
                Place::Host(host),
                HopKind::Firewall,
                Unanswered::Firewall(host, decision, packet),
            );
        }
        let syn = conn.resent;
        let at_firewall = |_: &Self| {
            let spot = Spot::new(syn_at, Place::Host(host), HopKind::Firewall).syn(syn);
            // Dropped: the request ends when the SYN is; rejected: when the answer is back.
            (packet, spot, syn_at, syn_at + wan)
        };
        if !self.firewall_passes(slot, host, decision, at_firewall) {
            return;
        }
        let Some(svc) = listener else {
            let spot = Spot::new(syn_at, Place::Host(host), HopKind::Failure).syn(syn);
            self.failing_because(
                slot,
                if port == 443 && self.model.has_http_front(host) {
                    Detail::NoCertificate
                } else {
                    Detail::NoListener { port }
                },
            );
            return self.fail(slot, spot, syn_at + wan, Fate::Refused, |m| {
                if port == 443 && m.has_http_front(host) {
                    format!(
                        "nothing listens on {address}:443: no certificate is installed on {}, so HTTPS fails",
                        m.host_id(host)
                    )
                } else {
                    format!("nothing listens on {address}:{port}: connection refused")
                }
            });
        };
        if !self.svc_up_now(svc) {
            return self.fail(
                slot,
                Spot::new(syn_at, Place::Svc(svc), HopKind::Failure).syn(syn),
                syn_at + wan,
                Fate::Refused,
                |m| {
                    format!(
                        "{} is stopped: {} answers the SYN with a reset",
                        m.svc_id(svc),
                        m.host_id(host)
                    )
                },
            );
        }
        if self.traced(slot) {
            if let Some(Entry::Vip(vip)) = entry {
                self.came_through(slot, Place::Vip(vip));
            }
            self.came_through(slot, Place::Svc(svc));
        }
        self.hop(
            slot,
            || {
                Spot::new(syn_at, Place::Svc(svc), HopKind::Connect)
                    .ends(client, dst)
                    .syn(syn)
            },
            |m| {
                let handshake = format!("TCP handshake with {} ({address}:{port})", m.svc_id(svc));
                match resend {
                    Some((n, after)) => {
                        format!(
                            "{handshake}, on the SYN resent {after} after the first (resend {n})"
                        )
                    }
                    None => handshake,
                }
            },
        );
        // TCP: SYN, SYN-ACK, then the request (1 RTT); TLS 1.3 adds 1 RTT (B5.6). A kept-alive
        // connection pays neither.
        let t = sent;
        let mut arrive = if new_session {
            t + wan.times(3)
        } else {
            t + wan
        };
        if spec.https {
            let is_lb = matches!(self.model.svc(svc).role, SvcRole::Lb(_));
            if let Some(req) = self.req_mut(slot) {
                req.encrypted = true;
                req.tls_at_lb = is_lb;
            }
        }
        if spec.https && new_session {
            arrive += wan.times(2);
            let spot =
                || Spot::new(t + wan.times(3), Place::Svc(svc), HopKind::Tls).ends(client, dst);
            self.hop(slot, spot, |m| match &m.svcs[svc].certificate {
                Some(c) => format!(
                    "TLS 1.3 handshake: {} presents the certificate for {} ({}); HTTPS ends here",
                    m.svc_id(svc),
                    c.common_name,
                    c.issuer
                ),
                None => format!("TLS handshake at {}", m.svc_id(svc)),
            });
        }
        self.queue.push(
            arrive,
            Ev::Arrive {
                req: slot,
                svc: svc as u16,
            },
        );
    }

    /// Whether the client's packets are routed to `address` ([`model::routes`]) and what
    /// answers there ([`Model::entry_at`]): remembered for the last address asked (DNS hands
    /// out one address, or a few in turn; a design never changes during a run).
    #[inline(always)]
    fn entry_of(&mut self, address: Ipv4Addr) -> (bool, Option<Entry>) {
        let (known, routed, entry) = self.entry_memo;
        if known == address {
            return (routed, entry);
        }
        self.remember_entry(address)
    }

    fn remember_entry(&mut self, address: Ipv4Addr) -> (bool, Option<Entry>) {
        let routed = model::routes(self.model.client_ip, address);
        let entry = self.model.entry_at(address);
        self.entry_memo = (address, routed, entry);
        (routed, entry)
    }

    /// When the client's SYNs leave and when it gives up (B6a.1).
    pub(super) fn client_schedule(&self) -> SynSchedule {
        SynSchedule::with_timeout(self.config.client_connect_timeout)
    }

    /// Nobody answers the client's SYN: the browser resends it after the retransmission
    /// timeout (1 s, 2 s, 4 s …), or gives up when its connect timeout comes first. A request
    /// that would have reused a kept-alive connection opens a new one (that connection went
    /// through the node that no longer answers).
    pub(super) fn syn_unanswered(
        &mut self,
        slot: u32,
        place: Place,
        kind: HopKind,
        why: Unanswered,
    ) {
        let Some(conn) = self.req(slot).map(|r| r.client_syn) else {
            return;
        };
        let Some((address, port)) = self.req(slot).map(|r| (r.entry, r.spec.port())) else {
            return;
        };
        // The SYN's addresses, so the event list and the dot show where it went.
        let src = Some((self.model.client_ip, CLIENT_PORT));
        let dst = Some((address, port));
        let schedule = self.client_schedule();
        let wan = self.config.wan_latency;
        let sent = conn.first + schedule.send_at(conn.resent).unwrap_or_default();
        let syn_at = sent + wan;
        let next = conn.resent.checked_add(1);
        let next_at = next.and_then(|n| schedule.send_at(n));
        let resent = conn.resent;
        // What the event list says about this SYN: why it got no answer.
        let this_syn = move |m: &Model| {
            let why = match (why, resent) {
                (Unanswered::Nobody, 0) => format!("nothing answers at {address}"),
                (Unanswered::Nobody, _) => format!("still nothing answers at {address}"),
                (Unanswered::Unrouted, _) => format!(
                    "{address} is a private address (RFC 1918): the internet does not route it, \
                     so the SYN from {} never arrives",
                    m.client_ip
                ),
                (Unanswered::NoMaster, 0) => {
                    format!("VIP {address} has no MASTER (VRRP failover in progress)")
                }
                (Unanswered::NoMaster, _) => format!("nobody holds {address} yet"),
                (Unanswered::HostDown(host), 0) => format!("{} is down", m.host_id(host)),
                (Unanswered::HostDown(host), _) => format!("{} is still down", m.host_id(host)),
                (Unanswered::Firewall(host, decision, packet), _) => {
                    let h = &m.hosts[host];
                    decision.explain(&h.id, h.firewall.as_ref(), &packet)
                }
            };
            if resent == 0 {
                format!("{why}: the SYN goes unanswered")
            } else {
                format!(
                    "SYN resent after {} ({} after the first): {why}",
                    schedule.wait_before(resent),
                    sent - conn.first
                )
            }
        };
        let Some((next, next_at)) = next.zip(next_at) else {
            // No more resends before the browser's connect timeout: it gives up.
            let gives_up = schedule.gives_up_at();
            let fate = match why {
                Unanswered::Firewall(..) => Fate::Dropped,
                _ => Fate::TimedOut,
            };
            let syns = resent + 1;
            let detail = match why {
                Unanswered::Nobody | Unanswered::Unrouted => Detail::Unreachable(address),
                Unanswered::NoMaster => match place {
                    Place::Vip(vip) => Detail::NoMaster(vip as u32),
                    _ => Detail::Unreachable(address),
                },
                Unanswered::HostDown(host) => Detail::HostDown(host as u32),
                Unanswered::Firewall(_, decision, packet) => {
                    Detail::firewall(decision, &packet, true)
                }
            };
            self.failing_because(slot, detail);
            // That hop is a SYN too: it carries its addresses like the others.
            let spot = Spot::new(syn_at, place, kind).ends(src, dst).syn(resent);
            self.fail(slot, spot, conn.first + gives_up, fate, |m| {
                format!(
                    "{}; no answer to {syns} SYNs: the browser gives up {gives_up} after the first (connect timeout)",
                    this_syn(m)
                )
            });
            return;
        };
        if resent == 0 {
            self.stats.syn_resent += 1;
            self.timeline.bucket_mut(syn_at).syn_resent += 1;
        }
        let wait = schedule.wait_before(next);
        let spot = Spot::new(syn_at, place, kind).ends(src, dst).syn(resent);
        self.hop(
            slot,
            || spot,
            |m| format!("{}; the browser resends it after {wait}", this_syn(m)),
        );
        if let Some(req) = self.req_mut(slot) {
            req.client_syn.resent = next;
            req.new_session = true;
        }
        self.queue
            .push(conn.first + next_at + wan, Ev::ClientSyn { req: slot });
    }

    /// The site's address and how long the lookup took, or `None` if the request ended.
    pub(super) fn resolve(&mut self, slot: u32) -> Option<(Ipv4Addr, SimDuration)> {
        let now = self.now;
        if !self.traced(slot)
            && let Some(memo) = &self.dns_memo
            && now < memo.valid_until
        {
            let hit = self.resolver.latency.client_resolver;
            let wait = hit.max(memo.arrives - now);
            let address = match memo.addresses.as_slice() {
                [one] => *one,
                // A new visitor's answer starts one address further (dns.rs).
                set => self.resolver.next_of(set)?,
            };
            return Some((address, wait));
        }
        let Some(zone) = &self.model.zone else {
            self.fail(
                slot,
                Spot::new(now, Place::Client, HopKind::Failure),
                now,
                Fate::Failed(0),
                |_| "the design has no DNS zone, so the browser cannot find the site".to_owned(),
            );
            return None;
        };
        let resolution = self.resolver.resolve(zone, &self.model.site, now);
        let mut t = now;
        for hop in &resolution.hops {
            t += hop.took;
            self.hop(
                slot,
                || Spot::new(t, Place::Dns, HopKind::Dns),
                |_| format!("{}: {}", hop.server, hop.detail),
            );
        }
        let done = now + resolution.latency;
        let Some(address) = resolution.address else {
            self.fail(
                slot,
                Spot::new(done, Place::Dns, HopKind::Failure),
                done,
                Fate::Failed(0),
                |m| format!("{} does not resolve (NXDOMAIN)", m.site),
            );
            return None;
        };
        self.dns_memo = resolution.ttl_left.map(|left| DnsMemo {
            addresses: resolution.rrset.clone(),
            arrives: done,
            valid_until: now + left,
        });
        Some((address, resolution.latency))
    }

    /// What `host`'s firewall does with `packet`.
    pub(super) fn firewall_decision(&self, host: usize, packet: &Packet) -> Decision {
        let firewall = self.model.hosts.get(host).and_then(|h| h.firewall.as_ref());
        firewall::evaluate(firewall, packet)
    }

    /// `decision`, `host`'s firewall's about a packet, as a hop. On a drop or reject the
    /// request ends and this returns false. `hop` gives the packet, the hop's spot and when the
    /// request ends if the packet is dropped (a timeout) or rejected (a refusal).
    /// Inlined: a passing decision with no traced request in flight returns at once, so the
    /// caller builds no packet and no hop for it (`hop` is not even called).
    #[inline(always)]
    pub(super) fn firewall_passes(
        &mut self,
        slot: u32,
        host: usize,
        decision: Decision,
        hop: impl FnOnce(&Self) -> (Packet, Spot, SimTime, SimTime),
    ) -> bool {
        if decision.passes() && self.traced_in_flight == 0 {
            return true;
        }
        let (packet, spot, timeout_at, refused_at) = hop(self);
        self.firewall_hop(slot, host, &packet, decision, spot, timeout_at, refused_at)
    }

    /// [`Simulation::firewall_passes`] with its hop (a traced request, or a packet that does
    /// not pass).
    #[allow(
        clippy::too_many_arguments,
        reason = "the hop's packet, its verdict and its two ends"
    )]
    #[inline(never)]
    fn firewall_hop(
        &mut self,
        slot: u32,
        host: usize,
        packet: &Packet,
        decision: Decision,
        spot: Spot,
        timeout_at: SimTime,
        refused_at: SimTime,
    ) -> bool {
        let firewall = self.model.host(host).firewall.as_ref();
        let explain = |m: &Model| {
            let h = &m.hosts[host];
            decision.explain(&h.id, h.firewall.as_ref(), packet)
        };
        let dst = Some((self.model.host(host).ip, packet.dst_port));
        if decision.passes() {
            if firewall.is_some() {
                let spot = || spot.ends(Some((packet.src, 0)), dst);
                self.hop(slot, spot, explain);
            }
            return true;
        }
        let (fate, finish_at) = match decision.verdict {
            Verdict::Reject => (Fate::Refused, refused_at),
            _ => (Fate::Dropped, timeout_at),
        };
        let from_client = packet.src == self.model.client_ip;
        self.failing_because(slot, Detail::firewall(decision, packet, from_client));
        self.fail(slot, spot, finish_at, fate, explain);
        false
    }
}
