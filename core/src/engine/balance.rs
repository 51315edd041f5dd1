//! HAProxy: picking a server, connecting to it within `timeout connect`, retries and
//! redispatch.

use crate::balancer::ConnectError;
use crate::firewall::{ConnState, Packet};
use crate::model::{Model, Place};
use crate::tcp::SynSchedule;
use crate::time::SimDuration;
use crate::topology::{Proto, Verdict};
use crate::trace::HopKind;

use super::{Connecting, Ev, Fate, LB_PORT, Simulation, Spot};

impl Simulation {
    pub(super) fn balance(&mut self, slot: u32, lb: usize) {
        let now = self.now;
        let lb_svc = self.model.lb(lb).svc;
        let Some(req) = self.req_mut(slot) else {
            return;
        };
        let (spec, avoid) = (req.spec, req.avoid);
        // HAProxy works on the decrypted request once it ended TLS: from here on, plaintext.
        if req.tls_at_lb {
            req.encrypted = false;
        }
        if avoid.is_none()
            && let Some(n) = self.timeline.bucket_mut(now).balanced.get_mut(lb_svc)
        {
            *n += 1;
        }
        let https = spec.https;
        if !https && self.model.lb(lb).redirect_to_https {
            self.hop(
                slot,
                || Spot::new(now, Place::Svc(lb_svc), HopKind::Serve),
                |m| {
                    format!(
                        "{} answers plain HTTP with 301: HTTPS only, redirected to https://{}{}",
                        m.svc_id(lb_svc),
                        m.site,
                        spec.kind.path(spec.key)
                    )
                },
            );
            self.stats.redirects += 1;
            return self.respond(slot, lb_svc, 301);
        }
        let state = &mut self.lbs[lb];
        let pick = match avoid {
            None => state.balancer.pick(&state.available),
            // Redispatch: any other server, unless the failed one is the only choice.
            Some(avoid) => state
                .balancer
                .pick_avoiding(&state.available, avoid as usize),
        };
        let Some(pick) = pick else {
            let back = self.return_latency(slot);
            return self.fail(
                slot,
                Spot::new(now, Place::Svc(lb_svc), HopKind::Balance),
                now + back,
                Fate::NoServer,
                |m| {
                    format!(
                        "{}: no server available, 503 Service Unavailable",
                        m.svc_id(lb_svc)
                    )
                },
            );
        };
        if self.traced(slot) {
            let model = &self.model;
            let names: Vec<&str> = model.lbs[lb]
                .servers
                .iter()
                .map(|&l| model.svc_id(model.links[l].to))
                .collect();
            let state = &self.lbs[lb];
            let text = state.balancer.explain(&pick, &names, &state.available);
            self.hop(
                slot,
                || Spot::new(now, Place::Svc(lb_svc), HopKind::Balance),
                |_| text,
            );
        }
        self.lbs[lb].balancer.connection_started(pick.server);
        self.lbs[lb].last_pick = Some(pick.server as u32);
        // `connect_backend` records the pick in the request (`Req::lb`).
        self.connect_backend(slot, lb, pick.server);
    }

    /// HAProxy opens a connection to a server (its first SYN leaves now); see
    /// [`Simulation::backend_syn`] for what answers it. Inlined at its two callers (the pick
    /// and a retry on the same server): a few stores and a call.
    #[inline(always)]
    pub(super) fn connect_backend(&mut self, slot: u32, lb: usize, server_slot: usize) {
        let now = self.now;
        if let Some(req) = self.req_mut(slot) {
            req.lb = Some((lb as u32, server_slot as u32));
            req.backend_syn = Connecting {
                first: now,
                resent: 0,
            };
            req.connect_error = None;
        }
        self.backend_syn(slot);
    }

    /// HAProxy's SYN to its server (the first, or one the kernel resent) meets the server's
    /// host now: the connection opens, is refused at once (a reset, a `reject` rule), or gets
    /// no answer (a dead host, a cut network, a `deny` rule) and is resent until HAProxy's
    /// `timeout connect`. A failure leads to [`Simulation::connect_failed`] (B1.19).
    pub(super) fn backend_syn(&mut self, slot: u32) {
        let now = self.now;
        let Some((lb, server_slot, conn)) = self
            .req(slot)
            .filter(|r| r.fate.is_none())
            .and_then(|r| r.lb.map(|(lb, s)| (lb as usize, s as usize, r.backend_syn)))
        else {
            return;
        };
        let lan = self.config.lan_latency;
        let from = self.model.lb(lb).svc;
        let link = self.model.server_link(lb, server_slot);
        let target = self.model.link(link).to;
        let to_host = self.model.svc(target).host;
        let decision = self.link_fw.as_slice()[link];
        // The SYN's ends and its packet, for the hops and the failures: read only there, so an
        // untraced connection that opens looks up no address.
        let syn = move |m: &Model| {
            let src_ip = m.host(m.svc(from).host).ip;
            let port = m.svc(target).port;
            let packet = Packet {
                src: src_ip,
                proto: Proto::Tcp,
                dst_port: port,
                state: ConnState::New,
            };
            (
                Some((src_ip, LB_PORT)),
                Some((m.host(to_host).ip, port)),
                packet,
            )
        };
        let explain = move |m: &Model, packet: &Packet| {
            let h = &m.hosts[to_host];
            decision.explain(&h.id, h.firewall.as_ref(), packet)
        };
        #[derive(Clone, Copy)]
        enum Failure {
            HostDown,
            Cut,
            Firewall,
            Stopped,
        }
        // (what went wrong, whether it answers at once with a reset)
        let failure = if !self.host_up_now(to_host) {
            Some((Failure::HostDown, false))
        } else if !self.cut.is_empty() // first, so the source host is read only then
            && self.is_cut(self.model.svc(from).host, to_host)
        {
            Some((Failure::Cut, false))
        } else if !decision.passes() {
            Some((Failure::Firewall, decision.verdict == Verdict::Reject))
        } else if !self.svc_up_now(target) {
            Some((Failure::Stopped, true))
        } else {
            None
        };
        let resent = conn.resent;
        let Some((failure, refused)) = failure else {
            let mut tls_at_lb = false;
            if let Some(req) = self.req_mut(slot) {
                tls_at_lb = req.tls_at_lb;
                req.return_latency += lan;
                req.web = Some(target as u32);
            }
            let counts: &mut [u64] = &mut self.timeline.bucket_mut(now).link_requests;
            counts[link] += 1;
            self.came_through(slot, Place::Svc(target));
            if self.traced(slot) {
                // The target host's firewall lets the SYN in, then the request goes on.
                let (src, dst, packet) = syn(&self.model);
                if self.model.host(to_host).firewall.is_some() {
                    self.hop(
                        slot,
                        || {
                            Spot::new(now + lan, Place::Host(to_host), HopKind::Firewall)
                                .ends(src, dst)
                        },
                        |m| explain(m, &packet),
                    );
                }
                self.hop(
                    slot,
                    || Spot::new(now + lan, Place::Svc(target), HopKind::Forward).ends(src, dst),
                    |m| {
                        let (lb_id, target_id) = (m.svc_id(from), m.svc_id(target));
                        let mut text = if tls_at_lb {
                            format!("TLS ended at {lb_id}; {lb_id} → {target_id} is plaintext HTTP")
                        } else {
                            format!("{lb_id} → {target_id} over HTTP")
                        };
                        if resent > 0 {
                            text.push_str(&format!(
                                " (connected on the SYN the kernel resent {} after the first)",
                                now - conn.first
                            ));
                        }
                        text
                    },
                );
            }
            self.queue.push(
                now + lan.times(3),
                Ev::Arrive {
                    req: slot,
                    svc: target as u16,
                },
            );
            return;
        };
        let (src, dst, packet) = syn(&self.model);
        let policy = self.lbs[lb].retry;
        let schedule = SynSchedule::with_timeout(policy.timeout_connect);
        let why = move |m: &Model| match failure {
            Failure::HostDown => format!("{} is down", m.host_id(to_host)),
            Failure::Cut => format!("the network to {} is cut", m.host_id(to_host)),
            Failure::Firewall => explain(m, &packet),
            Failure::Stopped => format!("{} is stopped", m.svc_id(target)),
        };
        let place = match failure {
            Failure::Firewall => Place::Host(to_host),
            _ => Place::Svc(from),
        };
        let kind = match failure {
            Failure::Firewall => HopKind::Firewall,
            _ => HopKind::Failure,
        };
        if refused {
            // The reset (or the rejecting firewall's answer) is back after one round trip.
            let at = now + lan.times(2);
            self.hop(
                slot,
                || Spot::new(at, place, kind).ends(src, dst),
                |m| {
                    format!(
                        "{}: connection to {} refused (RST)",
                        why(m),
                        m.svc_id(target)
                    )
                },
            );
            if let Some(req) = self.req_mut(slot) {
                req.connect_error = Some(ConnectError::Immediate);
            }
            self.queue.push(at, Ev::ConnectFailed { req: slot });
            return;
        }
        let next = resent.saturating_add(1);
        let since = now - conn.first;
        let this_syn = move || {
            if resent == 0 {
                "the SYN goes unanswered".to_owned()
            } else {
                format!("the SYN the kernel resent {since} after the first goes unanswered")
            }
        };
        if let Some(next_at) = schedule.send_at(next) {
            let wait = schedule.wait_before(next);
            self.hop(
                slot,
                || Spot::new(now + lan, place, kind).ends(src, dst),
                |m| {
                    format!(
                        "{}: {}; the kernel resends it after {wait}",
                        why(m),
                        this_syn()
                    )
                },
            );
            if let Some(req) = self.req_mut(slot) {
                req.backend_syn.resent = next;
            }
            self.queue
                .push(conn.first + next_at, Ev::BackendSyn { req: slot });
            return;
        }
        let gives_up = conn.first + schedule.gives_up_at();
        let timeout = schedule.gives_up_at();
        let syns = resent + 1;
        self.hop(
            slot,
            || Spot::new(now + lan, place, kind).ends(src, dst),
            |m| {
                format!(
                    "{}: {}; no resend before timeout connect",
                    why(m),
                    this_syn()
                )
            },
        );
        let spot = Spot::new(gives_up, Place::Svc(from), HopKind::Failure).ends(src, dst);
        self.hop(slot, || spot, |m| {
            format!(
                "connect to {} timed out after {timeout} (timeout connect): no answer to {syns} SYNs",
                m.svc_id(target)
            )
        });
        if let Some(req) = self.req_mut(slot) {
            req.connect_error = Some(ConnectError::Timeout);
        }
        self.queue.push(gives_up, Ev::ConnectFailed { req: slot });
    }

    /// HAProxy's connection to its server failed: it retries (on the same server, or
    /// redispatched to another, after the turn-around wait or at once), or after `retries`
    /// retries answers 503 (B1.19).
    pub(super) fn connect_failed(&mut self, slot: u32) {
        let now = self.now;
        let Some((lb, server_slot, attempts, error)) =
            self.req(slot).filter(|r| r.fate.is_none()).and_then(|r| {
                r.lb.map(|(lb, s)| (lb as usize, s as usize, r.attempts, r.connect_error))
            })
        else {
            return;
        };
        let error = error.unwrap_or(ConnectError::Timeout);
        self.lbs[lb].balancer.connection_finished(server_slot);
        if let Some(req) = self.req_mut(slot) {
            req.lb = None;
        }
        let from = self.model.lb(lb).svc;
        let target = self.model.link(self.model.server_link(lb, server_slot)).to;
        let policy = self.lbs[lb].retry;
        if attempts >= policy.retries {
            let back = self.return_latency(slot);
            return self.fail(
                slot,
                Spot::new(now, Place::Svc(from), HopKind::Failure),
                now + back,
                Fate::Failed(503),
                |m| {
                    format!(
                        "{}: {} unreachable after {} retries: 503",
                        m.svc_id(from),
                        m.svc_id(target),
                        policy.retries
                    )
                },
            );
        }
        let next = attempts + 1;
        let state = &self.lbs[lb];
        let usable = state.balancer.usable_active(&state.available);
        let running = state.available.get(server_slot).copied().unwrap_or(false);
        let redispatch = policy.redispatch_on(next, usable, running);
        let delay = policy.delay_before(error, redispatch, usable);
        if let Some(req) = self.req_mut(slot) {
            req.attempts = next;
            req.avoid = redispatch.then_some(server_slot as u32);
            req.lb = Some((lb as u32, server_slot as u32));
        }
        self.hop(slot, || Spot::new(now, Place::Svc(from), HopKind::Balance), |m| {
                let retries = policy.retries;
                let when = match (error, delay > SimDuration::ZERO) {
                    (_, true) => format!(
                        "after {delay} (HAProxy waits min(timeout connect, 1 s) after a refused connection)"
                    ),
                    (ConnectError::Timeout, false) => {
                        "at once (the connect timeout was the wait)".to_owned()
                    }
                    (ConnectError::Immediate, false) => "at once".to_owned(),
                };
                if redispatch {
                    let why = if !running {
                        format!("{} is marked DOWN", m.svc_id(target))
                    } else if usable > 1 {
                        format!(
                            "{usable} servers are usable, so HAProxy 2.6 redispatches every retry"
                        )
                    } else {
                        "the last retry is redispatched".to_owned()
                    };
                    format!(
                        "retry {next} of {retries}: option redispatch sends it to another server {when} ({why})"
                    )
                } else {
                    format!("retry {next} of {retries} on {} {when}", m.svc_id(target))
                }
            });
        self.queue.push(now + delay, Ev::Retry { req: slot });
    }

    pub(super) fn retry(&mut self, slot: u32) {
        let Some(req) = self.req(slot).filter(|r| r.fate.is_none()) else {
            return;
        };
        let Some((lb, server_slot)) = req.lb else {
            return;
        };
        let redispatch = req.avoid.is_some();
        if let Some(req) = self.req_mut(slot) {
            req.lb = None;
        }
        if redispatch {
            self.balance(slot, lb as usize);
        } else {
            if let Some(req) = self.req_mut(slot) {
                req.lb = Some((lb, server_slot));
            }
            self.lbs[lb as usize]
                .balancer
                .connection_started(server_slot as usize);
            self.connect_backend(slot, lb as usize, server_slot as usize);
        }
    }
}
