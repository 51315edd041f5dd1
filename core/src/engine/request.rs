//! A request's bookkeeping: sending it, recording its hops, failing it and delivering its
//! outcome to the client.

use std::net::Ipv4Addr;

use crate::model::{Model, Place};
use crate::stats::{OutcomeCounts, Stats};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Hop, HopKind, Outcome, RequestId, RequestSpec, Trace};

use super::words::outcome_reason;
use super::{Connecting, Ev, Fate, Output, Req, Simulation, Spot, Traced};

impl Simulation {
    pub(super) fn req(&self, slot: u32) -> Option<&Req> {
        self.reqs.get(slot as usize).and_then(Option::as_ref)
    }

    pub(super) fn req_mut(&mut self, slot: u32) -> Option<&mut Req> {
        self.reqs.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// Whether request `slot` is traced: one test while no traced request is in flight (a
    /// load run), inlined; the lookup is out of line.
    #[inline(always)]
    pub(super) fn traced(&self, slot: u32) -> bool {
        self.traced_in_flight != 0 && self.has_trace(slot)
    }

    #[inline(never)]
    fn has_trace(&self, slot: u32) -> bool {
        self.tracing.get(slot as usize).is_some_and(Option::is_some)
    }

    /// Request `slot`'s trace, if it carries one.
    fn trace_mut(&mut self, slot: u32) -> Option<&mut Traced> {
        self.tracing.get_mut(slot as usize)?.as_deref_mut()
    }

    /// A traced request came in through `place` (a virtual IP, or a service that took it).
    /// Inlined up to the test, like [`Simulation::traced`].
    #[inline(always)]
    pub(super) fn came_through(&mut self, slot: u32, place: Place) {
        if self.traced_in_flight != 0 {
            self.note_way_in(slot, place);
        }
    }

    #[inline(never)]
    fn note_way_in(&mut self, slot: u32, place: Place) {
        if let Some(traced) = self.trace_mut(slot) {
            traced.way_in.push(place);
        }
    }

    /// A traced request's response leaves `svc`: it goes back the way the request came.
    /// Inlined up to the test, like [`Simulation::traced`].
    #[inline(always)]
    pub(super) fn record_return_path(&mut self, slot: u32, svc: usize) {
        if self.traced_in_flight != 0 {
            self.note_return_path(slot, svc);
        }
    }

    #[inline(never)]
    fn note_return_path(&mut self, slot: u32, svc: usize) {
        let model = &self.model;
        if let Some(traced) = self
            .tracing
            .get_mut(slot as usize)
            .and_then(Option::as_deref_mut)
        {
            let way_in = &traced.way_in;
            let upto = way_in
                .iter()
                .rposition(|&p| p == Place::Svc(svc))
                .map_or(way_in.len(), |i| i + 1);
            traced.trace.return_path = way_in[..upto]
                .iter()
                .rev()
                .map(|&p| model.name(p).to_owned())
                .collect();
        }
    }

    /// Appends a hop to a traced request. `spot` and `reason` run only for traced requests, so
    /// untraced load never formats a string. Inlined, so that an untraced request's hop costs
    /// one test: the spot is not even built (a `Spot` passed by value is written to the stack
    /// before the test, which the compiler does not move into it).
    #[inline(always)]
    pub(super) fn hop(
        &mut self,
        slot: u32,
        spot: impl FnOnce() -> Spot,
        reason: impl FnOnce(&Model) -> String,
    ) {
        // Only this check and the closure calls are generic; the rest is shared by every call
        // site (one copy in the binary instead of one per closure).
        if self.traced(slot) {
            let text = reason(&self.model);
            self.push_hop(slot, spot(), text);
        }
    }

    pub(super) fn push_hop(&mut self, slot: u32, spot: Spot, reason: String) {
        let model = &self.model;
        if let Some(req) = self.reqs.get(slot as usize).and_then(Option::as_ref)
            && let Some(traced) = self
                .tracing
                .get_mut(slot as usize)
                .and_then(Option::as_deref_mut)
        {
            traced.trace.hops.push(Hop {
                at: spot.at,
                place: model.name(spot.place).to_owned(),
                kind: spot.kind,
                encrypted: req.encrypted,
                src: spot.src,
                dst: spot.dst,
                reason,
                syn: spot.syn,
            });
        }
    }

    /// Records a failing hop at `spot` and ends the request with `fate`, the outcome reaching
    /// the client at `finish_at`.
    pub(super) fn fail(
        &mut self,
        slot: u32,
        spot: Spot,
        finish_at: SimTime,
        fate: Fate,
        reason: impl FnOnce(&Model) -> String,
    ) {
        let text = self.traced(slot).then(|| reason(&self.model));
        self.fail_with(slot, spot, finish_at, fate, text);
    }

    /// Fails the request where it is now; the outcome travels back along its path.
    pub(super) fn fail_back(
        &mut self,
        slot: u32,
        place: Place,
        fate: Fate,
        reason: impl FnOnce(&Model) -> String,
    ) {
        let now = self.now;
        let back = self.return_latency(slot);
        let spot = Spot::new(now, place, HopKind::Failure);
        self.fail(slot, spot, now + back, fate, reason);
    }

    /// The non-generic body of [`Simulation::fail`]; `text` is there for traced requests.
    pub(super) fn fail_with(
        &mut self,
        slot: u32,
        spot: Spot,
        finish_at: SimTime,
        fate: Fate,
        text: Option<String>,
    ) {
        let place = spot.place;
        let why = self.count_failure(slot, fate, place);
        if let Some(text) = text {
            let outcome = self.outcome(fate, place, slot, text.clone());
            let diagnosis = why.map(|why| self.diagnose(why));
            self.push_hop(slot, spot, text);
            if let Some(traced) = self.trace_mut(slot) {
                traced.trace.outcome = Some(outcome);
                traced.trace.diagnosis = diagnosis;
            }
        }
        let host = match place {
            Place::Host(h) => Some(h),
            Place::Svc(s) => Some(self.model.svc(s).host),
            _ => None,
        };
        if let Some(host) = host {
            self.host_counters[host].errors += 1;
        }
        if let Some(app) = self.req_mut(slot).and_then(|r| r.holding.take()) {
            self.release(app as usize);
        }
        self.finish(slot, finish_at, fate);
    }

    pub(super) fn outcome(&self, fate: Fate, place: Place, slot: u32, reason: String) -> Outcome {
        let place = self.model.name(place).to_owned();
        match fate {
            Fate::Served { status } => {
                let req = self.req(slot);
                Outcome::Served {
                    status,
                    backend: req
                        .and_then(|r| r.web)
                        .map(|w| self.model.svc_id(w as usize).to_owned()),
                    stale: req.is_some_and(|r| r.stale),
                }
            }
            Fate::Dropped => Outcome::Dropped {
                host: place,
                reason,
            },
            Fate::Refused => Outcome::Refused { place, reason },
            Fate::TimedOut => Outcome::TimedOut { place, reason },
            Fate::NoServer => Outcome::NoServer { place },
            Fate::Failed(status) => Outcome::Failed {
                status,
                place,
                reason,
            },
        }
    }

    /// Decides the request's fate now and delivers it to the client at `at`.
    #[inline(never)]
    pub(super) fn finish(&mut self, slot: u32, at: SimTime, fate: Fate) {
        self.finish_inline(slot, at, fate);
    }

    /// [`Simulation::finish`], inlined at the end of an untraced [`Simulation::respond`]
    /// (every served request of a load run): in WebAssembly, which has no tail calls, calling
    /// out of line would be one more call and return per request.
    #[inline(always)]
    pub(super) fn finish_inline(&mut self, slot: u32, at: SimTime, fate: Fate) {
        let now = self.now;
        let Some(req) = self.req_mut(slot) else {
            return;
        };
        if req.fate.is_some() {
            return;
        }
        req.fate = Some(fate);
        if let Some((lb, server)) = req.lb.take() {
            self.lbs[lb as usize]
                .balancer
                .connection_finished(server as usize);
        }
        if self.traced_in_flight != 0 {
            return self.finish_traced(slot, at.max(now));
        }
        // Load requests are counted at once (with the latency the client will see), which
        // saves an event per request; nothing else is pending for them.
        self.complete_inline(slot, at.max(now));
    }

    /// The end of [`Simulation::finish`] while a traced request is in flight: a traced
    /// request's last hop is the client receiving the outcome, at `at` (an event); any other
    /// completes at once. Apart, so that an untraced finish, which has the body of
    /// [`Simulation::complete`] inlined, calls nothing and saves no registers.
    #[inline(never)]
    fn finish_traced(&mut self, slot: u32, at: SimTime) {
        if self.has_trace(slot) {
            self.queue.push(at, Ev::Finish { req: slot });
        } else {
            self.complete(slot, at);
        }
    }

    /// Starts a request. `new_session`: it opens a new connection (TCP and, for HTTPS, a full
    /// TLS handshake); otherwise it reuses a kept-alive one.
    pub(super) fn send(&mut self, spec: RequestSpec, traced: bool, new_session: bool) -> RequestId {
        let now = self.now;
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.traced_in_flight += u32::from(traced);
        let trace = traced.then(|| {
            Box::new(Traced {
                trace: Trace {
                    id,
                    spec,
                    sent_at: now,
                    hops: Vec::new(),
                    outcome: None,
                    finished_at: None,
                    return_path: Vec::new(),
                    diagnosis: None,
                },
                way_in: Vec::new(),
            })
        });
        let req = Req {
            spec,
            sent_at: now,
            encrypted: false,
            lb: None,
            attempts: 0,
            avoid: None,
            web: None,
            app: None,
            return_latency: self.config.wan_latency,
            enqueued_at: now,
            stale: false,
            tls_at_lb: false,
            holding: None,
            new_session,
            forwards: 0,
            fate: None,
            entry: Ipv4Addr::UNSPECIFIED,
            client_syn: Connecting::default(),
            backend_syn: Connecting::default(),
            connect_error: None,
            detail: super::causes::Detail::None,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.reqs[slot as usize] = Some(req);
                slot
            }
            None => {
                self.reqs.push(Some(req));
                (self.reqs.len() - 1) as u32
            }
        };
        if let Some(trace) = trace {
            let index = slot as usize;
            if self.tracing.len() <= index {
                self.tracing.resize_with(index + 1, || None);
            }
            self.tracing[index] = Some(trace);
        }
        self.stats.sent += 1;
        self.timeline.bucket_mut(now).sent += 1;
        self.client_connect(slot);
        id
    }

    pub(super) fn return_latency(&self, slot: u32) -> SimDuration {
        self.req(slot)
            .map_or(SimDuration::ZERO, |r| r.return_latency)
    }

    /// The outcome reaches the client: count it, close the trace, free the slot. Out of line
    /// for the event loop (a traced request's [`Ev::Finish`]) and
    /// [`Simulation::finish_traced`]; an untraced [`Simulation::finish`] has the body inlined.
    #[inline(never)]
    pub(super) fn complete(&mut self, slot: u32, now: SimTime) {
        self.complete_inline(slot, now);
    }

    /// [`Simulation::complete`], inlined at the end of [`Simulation::finish`]: every request
    /// of a load run gets there, and in WebAssembly, which has no tail calls, calling out of
    /// line would be one more call and return per request.
    #[inline(always)]
    fn complete_inline(&mut self, slot: u32, now: SimTime) {
        let Some(req) = self.req(slot) else {
            return;
        };
        let Some(fate) = req.fate else {
            return;
        };
        let kind = Stats::kind_index(req.spec.kind);
        let latency = now - req.sent_at;
        let web = req.web;
        let resent = req.client_syn.resent > 0;
        let sent_at = req.sent_at;
        self.finished += 1;
        // Counted in the second the request was sent (its latency included), so a chart of
        // the run shows each second's requests, never outcomes after the load ended.
        let bucket = self.timeline.bucket_mut(sent_at);
        count_fate(&mut self.stats.by_kind[kind], fate);
        count_fate(&mut bucket.outcomes, fate);
        if matches!(fate, Fate::Served { .. }) && resent {
            self.stats.served_after_resend += 1;
        }
        if let Fate::Served { .. } = fate {
            self.stats.latency.record(latency);
            bucket.latency.record(latency);
            if let Some(w) = web {
                let served_by: &mut [u64] = &mut bucket.served_by;
                served_by[w as usize] += 1;
            }
        }
        if self.traced(slot) {
            self.close_trace(slot, now, fate);
        }
        if let Some(entry) = self.reqs.get_mut(slot as usize) {
            *entry = None;
        }
        self.free.push(slot);
    }

    /// A traced request's outcome reaches the client: its last hop, and the trace is done.
    #[inline(never)]
    fn close_trace(&mut self, slot: u32, now: SimTime, fate: Fate) {
        let outcome = match self
            .tracing
            .get(slot as usize)
            .and_then(Option::as_ref)
            .and_then(|t| t.trace.outcome.clone())
        {
            Some(outcome) => outcome,
            None => self.outcome(fate, Place::Client, slot, String::new()),
        };
        let encrypted = self.req(slot).is_some_and(|r| r.spec.https);
        let client = self.model.client_id.clone();
        if let Some(Traced { mut trace, .. }) = self
            .tracing
            .get_mut(slot as usize)
            .and_then(Option::take)
            .map(|t| *t)
        {
            self.traced_in_flight -= 1;
            trace.hops.push(Hop {
                at: now,
                place: client,
                kind: if outcome.is_served() {
                    HopKind::Response
                } else {
                    HopKind::Failure
                },
                encrypted,
                src: None,
                dst: None,
                reason: outcome_reason(&outcome),
                syn: 0,
            });
            trace.outcome = Some(outcome.clone());
            trace.finished_at = Some(now);
            self.outputs.push_back(Output::RequestDone {
                id: trace.id,
                outcome,
                at: now,
            });
            self.traces.push(trace);
        }
    }
}

/// Counts an outcome of `fate`.
#[inline(always)]
fn count_fate(counts: &mut OutcomeCounts, fate: Fate) {
    match fate {
        Fate::Served { .. } => counts.served += 1,
        Fate::Dropped => counts.dropped += 1,
        Fate::Refused => counts.refused += 1,
        Fate::TimedOut => counts.timed_out += 1,
        Fate::NoServer => counts.no_server += 1,
        Fate::Failed(_) => counts.failed += 1,
    }
}
