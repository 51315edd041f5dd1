//! The request walk behind the entry: worker pools and queues, Nginx, the application server,
//! MySQL and the response back.

use crate::firewall::{ConnState, Packet};
use crate::model::{DbChoice, Place, SvcRole};
use crate::time::SimDuration;
use crate::topology::Proto;
use crate::trace::{HopKind, RequestKind};

use super::causes::Detail;
use super::words::value_text;
use super::{Ev, Fate, LOOPBACK, MAX_FORWARDS, Simulation, Spot};

impl Simulation {
    #[inline(always)]
    pub(super) fn service_time(&self, svc: usize, slot: u32) -> SimDuration {
        let s = &self.model.svc(svc);
        let mut time = s.service_time;
        // A pattern, not `is_some_and`: the size-optimised build leaves that as a call.
        if matches!(s.role, SvcRole::Lb(_))
            && matches!(self.req(slot), Some(r) if r.tls_at_lb && r.new_session && r.lb.is_none())
        {
            time += self.config.tls_handshake_cpu;
        }
        time.times(u64::from(self.host_slow[s.host]))
    }

    #[inline(always)]
    pub(super) fn start_service(&mut self, slot: u32, svc: usize) {
        let done = self.now + self.service_time(svc, slot);
        self.queue.push(
            done,
            Ev::Done {
                req: slot,
                svc: svc as u16,
            },
        );
    }

    pub(super) fn arrive(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        let Some(req) = self.req_mut(slot).filter(|r| r.fate.is_none()) else {
            return;
        };
        req.forwards = req.forwards.saturating_add(1);
        // Only read again if it waits in the queue, so also harmless if it fails here.
        req.enqueued_at = now;
        let forwards = req.forwards;
        if forwards > MAX_FORWARDS {
            // A design whose links go round in a circle (a load balancer behind itself).
            let back = self.return_latency(slot);
            let spot = Spot::new(now, Place::Svc(svc), HopKind::Failure);
            return self.fail(slot, spot, now + back, Fate::Failed(508), |m| {
                format!(
                    "{} received the request after {MAX_FORWARDS} forwards: the links form a loop (508)",
                    m.svc_id(svc)
                )
            });
        }
        let host = self.model.svc(svc).host;
        if !self.host_up_now(host) {
            // A connection already established through a host that died: what travels on it
            // is lost, nobody answers, and the browser gives up (B2.9).
            let at = now + self.config.client_timeout;
            return self.fail(
                slot,
                Spot::new(now, Place::Svc(svc), HopKind::Failure),
                at,
                Fate::TimedOut,
                |m| {
                    format!(
                        "{} died after the connection was established: the request is lost",
                        m.host_id(host)
                    )
                },
            );
        }
        if !self.svc_up_now(svc) {
            return self.fail_back(slot, Place::Svc(svc), Fate::Failed(502), |m| {
                format!("{} went down before the request arrived", m.svc_id(svc))
            });
        }
        self.host_counters[host].requests += 1;
        let workers = u32::from(self.model.svc(svc).workers);
        let limit = u64::from(workers) * u64::from(self.config.queue_per_worker);
        let pool = &mut self.pools[svc];
        if pool.busy < workers {
            pool.busy += 1;
            self.start_service(slot, svc);
        } else if (pool.queue.len() as u64) < limit {
            pool.queue.push_back(slot);
            let waiting = pool.queue.len();
            self.hop(
                slot,
                || Spot::new(now, Place::Svc(svc), HopKind::Queue),
                |m| {
                    format!(
                        "all {workers} workers of {} are busy: queued ({waiting} waiting)",
                        m.svc_id(svc)
                    )
                },
            );
        } else {
            self.failing_because(slot, Detail::Overloaded);
            self.fail_back(slot, Place::Svc(svc), Fate::Failed(503), |m| {
                format!("{} is overloaded: its queue is full (503)", m.svc_id(svc))
            });
        }
    }

    /// Frees a worker of `svc` and starts the next queued request that has not waited too long.
    /// Inlined up to the usual case, an empty queue.
    #[inline(always)]
    pub(super) fn release(&mut self, svc: usize) {
        let pool = &mut self.pools[svc];
        if pool.queue.is_empty() {
            pool.busy = pool.busy.saturating_sub(1);
            return;
        }
        self.release_queued(svc);
    }

    /// [`Simulation::release`] with requests waiting.
    #[inline(never)]
    fn release_queued(&mut self, svc: usize) {
        let now = self.now;
        while let Some(next) = self.pools[svc].queue.pop_front() {
            let Some(waited) = self
                .req(next)
                .filter(|r| r.fate.is_none())
                .map(|r| now - r.enqueued_at)
            else {
                continue;
            };
            if waited > self.config.queue_timeout {
                self.failing_because(next, Detail::Overloaded);
                self.fail_back(next, Place::Svc(svc), Fate::Failed(504), |m| {
                    format!(
                        "waited {waited} in {}'s queue: gateway timeout (504)",
                        m.svc_id(svc)
                    )
                });
                continue;
            }
            self.start_service(next, svc);
            return;
        }
        self.pools[svc].busy = self.pools[svc].busy.saturating_sub(1);
    }

    pub(super) fn done(&mut self, slot: u32, svc: usize) {
        let role = self.model.svc(svc).role;
        if self.req(slot).is_none_or(|r| r.fate.is_some()) {
            self.release(svc);
            return;
        }
        let host = self.model.svc(svc).host;
        if !self.host_up_now(host) {
            // The host died while serving: the request dies with it.
            self.release(svc);
            let at = self.now + self.config.client_timeout;
            return self.fail(
                slot,
                Spot::new(self.now, Place::Svc(svc), HopKind::Failure),
                at,
                Fate::TimedOut,
                |m| format!("{} died while handling the request", m.svc_id(svc)),
            );
        }
        match role {
            SvcRole::Lb(lb) => {
                self.release(svc);
                self.balance(slot, lb);
            }
            SvcRole::Web => {
                self.release(svc);
                self.web_done(slot, svc);
            }
            SvcRole::App { .. } => self.app_done(slot, svc),
            SvcRole::Db { .. } => {
                self.release(svc);
                self.db_done(slot, svc);
            }
            SvcRole::Files => {
                self.release(svc);
                self.respond(slot, svc, 200);
            }
        }
    }

    pub(super) fn web_done(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        let Some(spec) = self.req(slot).map(|r| r.spec) else {
            return;
        };
        let terminates = self.model.svc(svc).certificate.is_some();
        if let Some(req) = self.req_mut(slot) {
            req.web = Some(svc as u32);
            if terminates && !req.tls_at_lb {
                // Nginx holds the certificate: TLS ended here.
                req.encrypted = false;
            }
        }
        if self.model.serves_static(svc, spec.kind) {
            let path = RequestKind::STATIC_PATH;
            self.hop(
                slot,
                || Spot::new(now, Place::Svc(svc), HopKind::Serve),
                |_| format!("nginx: {path} is static, served from disk"),
            );
            return self.respond(slot, svc, 200);
        }
        // Dynamic: pass to the first application server whose host is up.
        let app = self.model.pick_app(svc, |a| self.svc_alive(a));
        let Some(app) = app else {
            return self.fail_back(slot, Place::Svc(svc), Fate::Failed(502), |m| {
                format!(
                    "nginx on {} has no application server to pass {} to: 502",
                    m.svc_id(svc),
                    spec.kind.path(spec.key)
                )
            });
        };
        self.hop(
            slot,
            || Spot::new(now, Place::Svc(svc), HopKind::Forward),
            |m| {
                format!(
                    "nginx: {} {} is dynamic, passed to {} (FastCGI :{})",
                    spec.kind.method(),
                    spec.kind.path(spec.key),
                    m.svc_id(app),
                    m.svcs[app].port
                )
            },
        );
        if let Some(req) = self.req_mut(slot) {
            req.app = Some(app as u32);
        }
        self.forward(slot, svc, app);
    }

    /// Sends a request from service `from` to `to` over the LAN (or loopback on one host),
    /// through the receiving firewall. Returns false if the request ended here.
    pub(super) fn forward(&mut self, slot: u32, from: usize, to: usize) -> bool {
        let now = self.now;
        let lan = self.config.lan_latency;
        let from_host = self.model.svc(from).host;
        let to_host = self.model.svc(to).host;
        let same_host = from_host == to_host;
        let model = &self.model;
        let link = model
            .svc(from)
            .out_links
            .iter()
            .copied()
            .find(|&l| model.link(l).to == to);
        if !same_host {
            let timeout_at =
                |sim: &Self| now + sim.config.connect_timeout + sim.return_latency(slot);
            if !self.host_up_now(to_host) {
                let timeout_at = timeout_at(self);
                self.failing_because(slot, Detail::HostDown(to_host as u32));
                self.fail(
                    slot,
                    Spot::new(now, Place::Svc(from), HopKind::Failure),
                    timeout_at,
                    Fate::Failed(504),
                    |m| {
                        format!(
                            "{} is down: no answer from {}",
                            m.host_id(to_host),
                            m.svc_id(to)
                        )
                    },
                );
                return false;
            }
            if self.is_cut(from_host, to_host) {
                let timeout_at = timeout_at(self);
                self.fail(
                    slot,
                    Spot::new(now, Place::Svc(from), HopKind::Failure),
                    timeout_at,
                    Fate::Failed(504),
                    |m| format!("the network to {} is cut", m.host_id(to_host)),
                );
                return false;
            }
            let packet = |sim: &Self| Packet {
                src: sim.model.host(from_host).ip,
                proto: Proto::Tcp,
                dst_port: sim.model.svc(to).port,
                state: ConnState::New,
            };
            let decision = match link {
                Some(link) => self.link_fw.as_slice()[link],
                None => self.firewall_decision(to_host, &packet(self)),
            };
            let hop = |sim: &Self| {
                let spot = Spot::new(now + lan, Place::Host(to_host), HopKind::Firewall);
                let refused_at = now + lan.times(2) + sim.return_latency(slot);
                (packet(sim), spot, timeout_at(sim), refused_at)
            };
            if !self.firewall_passes(slot, to_host, decision, hop) {
                return false;
            }
        }
        if !self.svc_up_now(to) {
            // The SYN reaches the host, which answers with a reset.
            let back = self.return_latency(slot);
            let one_way = if same_host { LOOPBACK } else { lan };
            self.failing_because(slot, Detail::Stopped(to as u32));
            self.fail(
                slot,
                Spot::new(now + one_way, Place::Svc(to), HopKind::Failure),
                now + one_way.times(2) + back,
                Fate::Failed(502),
                |m| format!("{} is stopped: connection refused", m.svc_id(to)),
            );
            return false;
        }
        let one_way = if same_host { LOOPBACK } else { lan };
        if let Some(req) = self.req_mut(slot) {
            req.return_latency += one_way;
        }
        if let Some(link) = link {
            let counts: &mut [u64] = &mut self.timeline.bucket_mut(now).link_requests;
            counts[link] += 1;
        }
        self.came_through(slot, Place::Svc(to));
        let delay = if same_host { LOOPBACK } else { lan.times(3) };
        self.queue.push(
            now + delay,
            Ev::Arrive {
                req: slot,
                svc: to as u16,
            },
        );
        true
    }

    pub(super) fn app_done(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        let Some(spec) = self.req(slot).map(|r| r.spec) else {
            self.release(svc);
            return;
        };
        if spec.kind == RequestKind::Static {
            self.release(svc);
            return self.respond(slot, svc, 200);
        }
        let choice = self
            .model
            .pick_database(svc, spec.kind, |d| self.svc_alive(d));
        let DbChoice::Database { db, why } = choice else {
            self.release(svc);
            if choice == DbChoice::NoDatabase && spec.kind == RequestKind::Read {
                self.hop(
                    slot,
                    || Spot::new(now, Place::Svc(svc), HopKind::Serve),
                    |m| {
                        format!(
                            "{} has no database: the page is built without data",
                            m.svc_id(svc)
                        )
                    },
                );
                return self.respond(slot, svc, 200);
            }
            let write = spec.kind == RequestKind::Write;
            return self.fail_back(slot, Place::Svc(svc), Fate::Failed(500), |m| {
                if write {
                    format!("{} has no primary database for writes: 500", m.svc_id(svc))
                } else {
                    format!(
                        "{} has no primary database to read from and no running replica it \
                         reads from: 500",
                        m.svc_id(svc)
                    )
                }
            });
        };
        self.hop(
            slot,
            || Spot::new(now, Place::Svc(svc), HopKind::Forward),
            |m| format!("{} queries {} ({why})", m.svc_id(svc), m.svc_id(db)),
        );
        // The worker stays busy until the answer is back (PHP waits for MySQL); if the query
        // cannot be sent, `fail` frees it.
        if let Some(req) = self.req_mut(slot) {
            req.holding = Some(svc as u32);
        }
        self.forward(slot, svc, db);
    }

    pub(super) fn db_done(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        let Some(spec) = self.req(slot).map(|r| r.spec) else {
            return;
        };
        // The lookups index slices, which compile in place: a `Vec` index is an out-of-line
        // call in the size-optimised build, and this runs for every database query.
        if let Some((group, replica)) = self.model.db_of_svc.as_slice()[svc] {
            let db = &mut self.dbs.as_mut_slice()[group];
            match (spec.kind, replica) {
                (RequestKind::Write, _) => {
                    self.write_seq += 1;
                    let value = self.write_seq;
                    db.write(spec.key, value, now, &mut self.rng);
                    self.hop(slot, || Spot::new(now, Place::Svc(svc), HopKind::Database), |m| {
                        let lags: Vec<String> = m.dbs[group]
                            .replicas
                            .iter()
                            .map(|&(r, ms, _)| format!("{} applies it ~{ms} ms later", m.svc_id(r)))
                            .collect();
                        let tail = if lags.is_empty() { String::new() } else { format!("; {}", lags.join(", ")) };
                        format!(
                            "{}: write of key {} = {value} committed to the binary log (async){tail}",
                            m.svc_id(svc),
                            spec.key
                        )
                    });
                }
                (_, None) => {
                    let read = db.read_primary(spec.key, now);
                    self.hop(
                        slot,
                        || Spot::new(now, Place::Svc(svc), HopKind::Database),
                        |m| {
                            format!(
                                "{} (primary) read of key {}: {}",
                                m.svc_id(svc),
                                spec.key,
                                value_text(read.value)
                            )
                        },
                    );
                }
                (_, Some(r)) => {
                    let read = db.read_replica(r, spec.key, now);
                    if read.stale {
                        self.stats.stale_reads += 1;
                        self.timeline.bucket_mut(now).stale_reads += 1;
                    } else {
                        self.stats.fresh_replica_reads += 1;
                    }
                    if let Some(req) = self.req_mut(slot) {
                        req.stale = read.stale;
                    }
                    self.hop(slot, || Spot::new(now, Place::Svc(svc), HopKind::Database), |m| {
                        let value = value_text(read.value);
                        match read.written_at.filter(|_| read.stale) {
                            Some(w) => format!(
                                "{} read of key {}: stale, returns {value} (newest write {} ago, lag {})",
                                m.svc_id(svc),
                                spec.key,
                                now - w,
                                read.lag
                            ),
                            None => format!(
                                "{} read of key {}: up to date, returns {value} (lag {})",
                                m.svc_id(svc),
                                spec.key,
                                read.lag
                            ),
                        }
                    });
                }
            }
        }
        // The answer travels back to the app server, which is still holding its worker; a
        // database reached directly (say, linked straight from a load balancer) answers itself.
        if self.req(slot).is_some_and(|r| r.holding.is_none()) {
            return self.respond(slot, svc, 200);
        }
        let app = self.req(slot).and_then(|r| r.app).map(|a| a as usize);
        let one_way = match app {
            Some(a) if self.model.svc(a).host == self.model.svc(svc).host => LOOPBACK,
            _ => self.config.lan_latency,
        };
        if let Some(req) = self.req_mut(slot) {
            req.return_latency = req.return_latency - one_way;
        }
        self.queue.push(now + one_way, Ev::DbReply { req: slot });
    }

    pub(super) fn db_reply(&mut self, slot: u32) {
        let Some(app) = self.req_mut(slot).and_then(|r| r.holding.take()) else {
            return;
        };
        let app = app as usize;
        self.release(app);
        if self.req(slot).is_some_and(|r| r.fate.is_none()) {
            self.respond(slot, app, 200);
        }
    }

    /// The response leaves `svc` and travels back to the client.
    pub(super) fn respond(&mut self, slot: u32, svc: usize, status: u16) {
        let now = self.now;
        let Some((back, web, sent_at)) =
            self.req(slot).map(|r| (r.return_latency, r.web, r.sent_at))
        else {
            return;
        };
        if let Some(w) = web {
            self.served_by[w as usize] += 1;
        }
        let host = self.model.svc(svc).host;
        self.host_counters[host].time_us += (now - sent_at).as_micros();
        if self.traced_in_flight != 0 {
            return self.respond_traced(slot, svc, status, back);
        }
        self.finish_inline(slot, now + back, Fate::Served { status });
    }

    /// The rest of [`Simulation::respond`] while a traced request is in flight (this one,
    /// perhaps): its hop and return path, then the finish. Apart, so that an untraced
    /// response, which has the body of [`Simulation::finish`] inlined, calls nothing for it.
    #[inline(never)]
    fn respond_traced(&mut self, slot: u32, svc: usize, status: u16, back: SimDuration) {
        let now = self.now;
        self.hop(
            slot,
            || Spot::new(now, Place::Svc(svc), HopKind::Response),
            |m| {
                format!(
                    "{status} response from {} travels back to the browser ({back})",
                    m.svc_id(svc)
                )
            },
        );
        self.record_return_path(slot, svc);
        self.finish(slot, now + back, Fate::Served { status });
    }
}
