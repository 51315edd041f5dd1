//! The discrete-event engine: pushes requests through a compiled design, hop by hop, asking the
//! rule modules for every decision, and reports traces, outcomes and counters.
//!
//! Sans-IO, after str0m: the caller pushes [`Input`]s with the time they happen
//! ([`Simulation::handle`]), moves time forward ([`Simulation::advance_to`]) and polls
//! [`Output`]s ([`Simulation::poll_output`]). The engine owns no clock and no thread.
//! Randomness (load arrivals, health-check phases, replication lag draws) comes from a
//! `Pcg64Mcg` seeded by [`Config::seed`], so the same design, seed and inputs give the same
//! events, bit for bit, natively and in the browser.
//!
//! A request moves through stages, each an event at the time it happens:
//! DNS and the TCP/TLS handshakes (computed at once: nothing else shares them) → the entry
//! host's firewall → HAProxy (round robin, health, retries) → Nginx (static or not) → the
//! application server (a worker pool with a queue) → MySQL (primary or replica) → the response
//! back along the same path. Every service is a pool of workers with a bounded FIFO queue, so
//! overload shows up as queueing, 503s and timeouts.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::sim::balancer::{Balancer, RetryPolicy, ServerSpec};
use crate::sim::dns::{DnsLatency, Resolver};
use crate::sim::firewall::{self, ConnState, Packet};
use crate::sim::format::{self, TopologyError};
use crate::sim::health::{CheckResult, CheckTiming, Checker, Transition};
use crate::sim::model::{Entry, Model, ServiceCosts, SvcRole};
use crate::sim::queue::EventQueue;
use crate::sim::replication::{LagModel, ReplicatedDb};
use crate::sim::stats::Stats;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::topology::{Action, Proto, Topology};
use crate::sim::trace::{Hop, HopKind, Outcome, RequestId, RequestKind, RequestSpec, Trace};
use crate::sim::vrrp::{Takeover, VrrpGroup, VrrpVersion, advert_interval_v2};

/// Timings and sizes the design does not carry. Values marked [est] are estimates from the
/// latency table of the domain rules; all can be changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Seeds every random draw of the run.
    pub seed: u64,
    /// One way, inside the data centre: 0.25 ms (0.5 ms round trip) [pub].
    pub lan_latency: SimDuration,
    /// One way, client to site: 10 ms [est].
    pub wan_latency: SimDuration,
    /// How long a browser waits for an unanswered connection before giving up: 30 s [est].
    pub client_timeout: SimDuration,
    /// HAProxy `timeout connect`: 5 s [est, the usual setting].
    pub connect_timeout: SimDuration,
    /// How long a request may wait in a service's queue before it fails: 5 s [est].
    pub queue_timeout: SimDuration,
    /// Requests a service may hold waiting per worker before refusing more.
    pub queue_per_worker: u32,
    /// LB CPU per full TLS handshake (RSA-2048): 0.77 ms [pub, haproxy intro.txt].
    pub tls_handshake_cpu: SimDuration,
    pub costs: ServiceCosts,
    pub dns: DnsLatency,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            lan_latency: SimDuration::from_micros(250),
            wan_latency: SimDuration::from_millis(10),
            client_timeout: SimDuration::from_secs(30),
            connect_timeout: SimDuration::from_secs(5),
            queue_timeout: SimDuration::from_secs(5),
            queue_per_worker: 64,
            tls_handshake_cpu: SimDuration::from_micros(770),
            costs: ServiceCosts::default(),
            dns: DnsLatency::default(),
        }
    }
}

/// Something that happens to the simulated world.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The client sends one request; it is traced hop by hop.
    Send(RequestSpec),
    /// A host crashes (nothing on it answers) or comes back.
    HostDown(String),
    HostUp(String),
    /// One service stops (its host answers with a TCP reset) or starts again.
    ServiceDown(String),
    ServiceUp(String),
    /// The network between two services' hosts is cut, or repaired.
    CutLink { from: String, to: String },
    RestoreLink { from: String, to: String },
    /// Every service on the host takes `factor` times longer (1 = normal).
    SlowHost { host: String, factor: u32 },
    /// A replica's replication threads stop or start (`STOP REPLICA` / `START REPLICA`).
    StopReplication(String),
    StartReplication(String),
}

/// Why an input was refused; the simulation is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("there is no host '{0}'")]
    UnknownHost(String),
    #[error("there is no service '{0}'")]
    UnknownService(String),
    #[error("there is no link {from} → {to}")]
    UnknownLink { from: String, to: String },
    #[error("'{0}' is not a replica")]
    NotAReplica(String),
}

/// Why a design cannot be simulated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Invalid(#[from] TopologyError),
}

/// What the engine reports, in the order it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// A traced request finished.
    RequestDone { id: RequestId, outcome: Outcome, at: SimTime },
    /// A load balancer marked a server DOWN or UP after its health checks.
    ServerState { lb: String, server: String, up: bool, at: SimTime, reason: String },
    /// A virtual IP changed hands (`holder: None` while nobody holds it).
    VipHolder { vip: String, holder: Option<String>, at: SimTime },
    /// A monitoring agent's report reached the collector.
    Metrics(MetricsReport),
}

/// One agent report: what a host did during the last interval.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsReport {
    pub host: String,
    pub at: SimTime,
    pub requests: u64,
    pub errors: u64,
    /// Mean time its services spent per request, queueing included.
    pub mean_latency: SimDuration,
    /// Requests waiting in its services' queues right now.
    pub queue_depth: u64,
    /// `Seconds_Behind_Source` of a replica on this host (`None`: NULL, or no replica).
    pub replication_lag_s: Option<u64>,
}

/// The mix of a load run, in percent (they need not add up to 100; they are weights).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    pub static_pct: u32,
    pub read_pct: u32,
    pub write_pct: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix { static_pct: 30, read_pct: 60, write_pct: 10 }
    }
}

/// Untraced requests at a rate: only counters are kept, so millions can run quickly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    /// Requests per second of simulated time (Poisson arrivals).
    pub rps: f64,
    pub count: u64,
    pub mix: Mix,
    pub https: bool,
    /// Keys are drawn from `0..keys`.
    pub keys: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Waiting for a worker at, or being served by, this service.
    At(u32),
    /// The app server waits for MySQL.
    AwaitDb,
}

struct Req {
    spec: RequestSpec,
    sent_at: SimTime,
    trace: Option<Box<Trace>>,
    encrypted: bool,
    step: Step,
    /// The load balancer (index into `lbs`) and server slot it used.
    lb: Option<(u32, u32)>,
    attempts: u8,
    /// Servers this request already failed to reach (bit per slot), for redispatch.
    failed_slots: u64,
    web: Option<u32>,
    app: Option<u32>,
    /// One-way time back to the client, grown as the request goes deeper.
    return_latency: SimDuration,
    enqueued_at: SimTime,
    stale: bool,
    tls_at_lb: bool,
}

#[derive(Default)]
struct Pool {
    busy: u32,
    queue: VecDeque<u32>,
}

#[derive(Default, Clone, Copy)]
struct HostCounters {
    requests: u64,
    errors: u64,
    time_us: u64,
}

struct LbState {
    balancer: Balancer,
    checkers: Vec<Option<Checker>>,
    /// What HAProxy believes: checked servers per their checks, unchecked ones always.
    available: Vec<bool>,
    retry: RetryPolicy,
}

enum Ev {
    Arrive { req: u32, svc: u32 },
    Done { req: u32, svc: u32 },
    DbDone { req: u32, svc: u32 },
    DbReply { req: u32 },
    Retry { req: u32 },
    Finish { req: u32 },
    Check { lb: u32, slot: u32 },
    Mark { lb: u32, slot: u32, up: bool },
    Takeover { vip: u32, takeover: Takeover },
    Report { host: u32 },
    NextArrival { load: u32 },
}

struct LoadRun {
    load: Load,
    sent: u64,
}

/// A running simulation of one design.
pub struct Simulation {
    model: Model,
    config: Config,
    now: SimTime,
    queue: EventQueue<Ev>,
    rng: Pcg64Mcg,
    reqs: Vec<Option<Req>>,
    free: Vec<u32>,
    pending_outcome: Vec<Option<Outcome>>,
    next_id: u64,
    ids: Vec<u64>,
    pools: Vec<Pool>,
    lbs: Vec<LbState>,
    vrrp: Vec<VrrpGroup>,
    dbs: Vec<ReplicatedDb>,
    resolver: Resolver,
    host_up: Vec<bool>,
    host_slow: Vec<u32>,
    svc_up: Vec<bool>,
    cut: Vec<(usize, usize)>,
    host_counters: Vec<HostCounters>,
    served_by: Vec<u64>,
    outputs: VecDeque<Output>,
    traces: Vec<Trace>,
    reports: Vec<MetricsReport>,
    loads: Vec<LoadRun>,
    stats: Stats,
    write_seq: u64,
    events: u64,
}

const NO_REQ: u32 = u32::MAX;

impl Simulation {
    /// Builds a simulation of `topology` at time zero.
    pub fn new(topology: &Topology, config: Config) -> Result<Simulation, BuildError> {
        format::validate(topology)?;
        let model = Model::compile(topology, &config.costs);
        let mut rng = Pcg64Mcg::seed_from_u64(config.seed);
        let mut queue = EventQueue::default();
        let mut lbs = Vec::new();
        for (lb_idx, lb) in model.lbs.iter().enumerate() {
            let specs: Vec<ServerSpec> = lb
                .servers
                .iter()
                .map(|&l| {
                    let link = &model.links[l];
                    ServerSpec { weight: link.weight, backup: link.backup, maxconn: None }
                })
                .collect();
            let timing = CheckTiming {
                inter: SimDuration::from_millis(u64::from(lb.health_check.inter_ms.max(1))),
                ..CheckTiming::default()
            };
            let mut checkers = Vec::new();
            for (slot, &l) in lb.servers.iter().enumerate() {
                if model.links[l].check {
                    let phase = rng.random_range(1..=timing.inter.as_micros().max(1));
                    let first = SimTime::from_micros(phase);
                    let checker = Checker::new(
                        timing,
                        lb.health_check.rise.max(1),
                        lb.health_check.fall.max(1),
                        first,
                        false,
                    );
                    queue.push(first, Ev::Check { lb: lb_idx as u32, slot: slot as u32 });
                    checkers.push(Some(checker));
                } else {
                    checkers.push(None);
                }
            }
            lbs.push(LbState {
                balancer: Balancer::new(lb.balance, &specs),
                available: vec![true; lb.servers.len()],
                checkers,
                retry: RetryPolicy {
                    retries: lb.retries,
                    redispatch: lb.redispatch,
                    timeout_connect: config.connect_timeout,
                },
            });
        }
        let vrrp = model
            .vips
            .iter()
            .map(|vip| {
                VrrpGroup::new(
                    &vip.priorities,
                    advert_interval_v2(vip.advert_int_s),
                    vip.preempt,
                    VrrpVersion::V2,
                )
            })
            .collect();
        let dbs = model
            .dbs
            .iter()
            .map(|group| {
                let lags: Vec<LagModel> = group
                    .replicas
                    .iter()
                    .map(|&(_, ms)| LagModel::Fixed(SimDuration::from_millis(u64::from(ms))))
                    .collect();
                ReplicatedDb::new(&lags)
            })
            .collect();
        for (idx, host) in model.hosts.iter().enumerate() {
            if let Some(interval) = host.agent_interval {
                queue.push(SimTime::ZERO + interval, Ev::Report { host: idx as u32 });
            }
        }
        let n_svcs = model.svcs.len();
        let n_hosts = model.hosts.len();
        Ok(Simulation {
            resolver: Resolver::new(config.dns),
            config,
            now: SimTime::ZERO,
            queue,
            rng,
            reqs: Vec::new(),
            free: Vec::new(),
            pending_outcome: Vec::new(),
            next_id: 0,
            ids: Vec::new(),
            pools: (0..n_svcs).map(|_| Pool::default()).collect(),
            lbs,
            vrrp,
            dbs,
            host_up: vec![true; n_hosts],
            host_slow: vec![1; n_hosts],
            svc_up: vec![true; n_svcs],
            cut: Vec::new(),
            host_counters: vec![HostCounters::default(); n_hosts],
            served_by: vec![0; n_svcs],
            outputs: VecDeque::new(),
            traces: Vec::new(),
            reports: Vec::new(),
            loads: Vec::new(),
            stats: Stats::default(),
            write_seq: 0,
            events: 0,
            model,
        })
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Served requests per service id (only services that served any), in design order.
    pub fn served_by(&self) -> Vec<(String, u64)> {
        self.model
            .svcs
            .iter()
            .zip(&self.served_by)
            .filter(|(_, n)| **n > 0)
            .map(|(svc, n)| (svc.id.clone(), *n))
            .collect()
    }

    /// Finished traces, in the order they finished.
    pub fn traces(&self) -> &[Trace] {
        &self.traces
    }

    /// The trace of a traced request, finished or not.
    pub fn trace(&self, id: RequestId) -> Option<&Trace> {
        if let Some(done) = self.traces.iter().find(|t| t.id == id) {
            return Some(done);
        }
        self.reqs.iter().flatten().filter_map(|r| r.trace.as_deref()).find(|t| t.id == id)
    }

    /// Every agent report the collector has received.
    pub fn reports(&self) -> &[MetricsReport] {
        &self.reports
    }

    /// Whether HAProxy `lb` currently counts `server` (a service id) as available.
    pub fn server_available(&self, lb: &str, server: &str) -> Option<bool> {
        let lb_idx = self.model.lbs.iter().position(|l| self.model.svcs[l.svc].id == lb)?;
        let slot = self.model.lbs[lb_idx]
            .servers
            .iter()
            .position(|&l| self.model.svcs[self.model.links[l].to].id == server)?;
        Some(self.lbs[lb_idx].available[slot])
    }

    /// The host holding virtual IP `vip` now, if any.
    pub fn vip_holder(&self, vip: &str) -> Option<String> {
        let idx = self.model.vips.iter().position(|v| v.id == vip)?;
        let member = self.vrrp[idx].master()?;
        Some(self.model.hosts[self.model.vips[idx].members[member]].id.clone())
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Applies an input at `now` (times earlier than the simulation's clock count as now).
    /// Returns the id of a sent request.
    pub fn handle(&mut self, now: SimTime, input: Input) -> Result<Option<RequestId>, InputError> {
        self.advance_to(now);
        let now = self.now;
        match input {
            Input::Send(spec) => return Ok(Some(self.send(spec, true))),
            Input::HostDown(id) => {
                let host = self.host_index(&id)?;
                if self.host_up[host] {
                    self.host_up[host] = false;
                    self.vrrp_member_change(host, false, now);
                }
            }
            Input::HostUp(id) => {
                let host = self.host_index(&id)?;
                if !self.host_up[host] {
                    self.host_up[host] = true;
                    self.vrrp_member_change(host, true, now);
                }
            }
            Input::ServiceDown(id) => {
                let svc = self.svc_index(&id)?;
                self.svc_up[svc] = false;
            }
            Input::ServiceUp(id) => {
                let svc = self.svc_index(&id)?;
                self.svc_up[svc] = true;
            }
            Input::CutLink { from, to } => {
                let pair = self.link_hosts(&from, &to)?;
                if !self.cut.contains(&pair) {
                    self.cut.push(pair);
                }
            }
            Input::RestoreLink { from, to } => {
                let pair = self.link_hosts(&from, &to)?;
                self.cut.retain(|p| *p != pair);
            }
            Input::SlowHost { host, factor } => {
                let host = self.host_index(&host)?;
                self.host_slow[host] = factor.max(1);
            }
            Input::StopReplication(id) | Input::StartReplication(id)
                if self.replica_of(&id).is_none() =>
            {
                return Err(if self.svc_index(&id).is_ok() {
                    InputError::NotAReplica(id)
                } else {
                    InputError::UnknownService(id)
                });
            }
            Input::StopReplication(id) => {
                if let Some((group, replica)) = self.replica_of(&id) {
                    self.dbs[group].stop_replica(replica, now);
                }
            }
            Input::StartReplication(id) => {
                if let Some((group, replica)) = self.replica_of(&id) {
                    self.dbs[group].start_replica(replica, now);
                }
            }
        }
        Ok(None)
    }

    /// Schedules an untraced load; arrivals start at the current time.
    pub fn start_load(&mut self, load: Load) {
        let idx = self.loads.len() as u32;
        self.loads.push(LoadRun { load, sent: 0 });
        if load.count > 0 && load.rps > 0.0 {
            self.queue.push(self.now, Ev::NextArrival { load: idx });
        }
    }

    /// Processes every event due at or before `until`, then sets the clock to `until`.
    pub fn advance_to(&mut self, until: SimTime) {
        while let Some((at, ev)) = self.queue.pop_until(until) {
            self.now = at.max(self.now);
            self.events += 1;
            self.dispatch(ev);
        }
        self.now = self.now.max(until);
    }

    /// Runs until no request is in flight and no load is pending, or until `limit`.
    pub fn run_until_quiet(&mut self, limit: SimTime) {
        while self.stats.in_flight() > 0 || self.loads.iter().any(|l| l.sent < l.load.count) {
            let Some(next) = self.queue.peek_time() else { break };
            if next > limit {
                break;
            }
            self.advance_to(next);
        }
    }

    fn host_index(&self, id: &str) -> Result<usize, InputError> {
        self.model
            .hosts
            .iter()
            .position(|h| h.id == id)
            .ok_or_else(|| InputError::UnknownHost(id.to_owned()))
    }

    fn svc_index(&self, id: &str) -> Result<usize, InputError> {
        self.model
            .svcs
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| InputError::UnknownService(id.to_owned()))
    }

    fn link_hosts(&self, from: &str, to: &str) -> Result<(usize, usize), InputError> {
        let unknown = || InputError::UnknownLink { from: from.to_owned(), to: to.to_owned() };
        let a = self.svc_index(from).map_err(|_| unknown())?;
        let b = self.svc_index(to).map_err(|_| unknown())?;
        if !self.model.links.iter().any(|l| l.from == a && l.to == b) {
            return Err(unknown());
        }
        Ok(host_pair(self.model.svcs[a].host, self.model.svcs[b].host))
    }

    fn replica_of(&self, id: &str) -> Option<(usize, usize)> {
        let svc = self.svc_index(id).ok()?;
        match self.model.db_of_svc.get(svc).copied().flatten() {
            Some((group, Some(replica))) => Some((group, replica)),
            _ => None,
        }
    }

    fn vrrp_member_change(&mut self, host: usize, up: bool, now: SimTime) {
        for vip_idx in 0..self.model.vips.len() {
            let Some(member) = self.model.vips[vip_idx].members.iter().position(|&h| h == host)
            else {
                continue;
            };
            let before = self.vrrp[vip_idx].master();
            let takeover = if up {
                self.vrrp[vip_idx].member_up(member, now)
            } else {
                self.vrrp[vip_idx].member_down(member, now)
            };
            if let Some(takeover) = takeover {
                let at = takeover.at;
                self.queue.push(at, Ev::Takeover { vip: vip_idx as u32, takeover });
            }
            self.report_vip_change(vip_idx, before, now);
        }
    }

    fn report_vip_change(&mut self, vip_idx: usize, before: Option<usize>, now: SimTime) {
        let after = self.vrrp[vip_idx].master();
        if after != before {
            let vip = &self.model.vips[vip_idx];
            let holder = after.map(|m| self.model.hosts[vip.members[m]].id.clone());
            self.outputs.push_back(Output::VipHolder { vip: vip.id.clone(), holder, at: now });
        }
    }

    // ----- requests -------------------------------------------------------------------------

    fn alloc(&mut self, req: Req) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        if let Some(slot) = self.free.pop() {
            self.reqs[slot as usize] = Some(req);
            self.pending_outcome[slot as usize] = None;
            self.ids[slot as usize] = id;
            slot
        } else {
            self.reqs.push(Some(req));
            self.pending_outcome.push(None);
            self.ids.push(id);
            (self.reqs.len() - 1) as u32
        }
    }

    fn req(&mut self, slot: u32) -> Option<&mut Req> {
        self.reqs.get_mut(slot as usize).and_then(Option::as_mut)
    }

    fn traced(&self, slot: u32) -> bool {
        self.reqs.get(slot as usize).and_then(Option::as_ref).is_some_and(|r| r.trace.is_some())
    }

    /// Appends a hop to a traced request; `reason` is only built when the request is traced.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &mut self,
        slot: u32,
        at: SimTime,
        place: &str,
        kind: HopKind,
        src: Option<(Ipv4Addr, u16)>,
        dst: Option<(Ipv4Addr, u16)>,
        reason: impl FnOnce() -> String,
    ) {
        if let Some(req) = self.reqs.get_mut(slot as usize).and_then(Option::as_mut)
            && let Some(trace) = req.trace.as_mut()
        {
            trace.hops.push(Hop {
                at,
                place: place.to_owned(),
                kind,
                encrypted: req.encrypted,
                src,
                dst,
                reason: reason(),
            });
        }
    }

    fn send(&mut self, spec: RequestSpec, traced: bool) -> RequestId {
        let now = self.now;
        let id = RequestId(self.next_id);
        let trace = traced.then(|| {
            Box::new(Trace { id, spec, sent_at: now, hops: Vec::new(), outcome: None, finished_at: None })
        });
        let slot = self.alloc(Req {
            spec,
            sent_at: now,
            trace,
            encrypted: false,
            step: Step::At(u32::MAX),
            lb: None,
            attempts: 0,
            failed_slots: 0,
            web: None,
            app: None,
            return_latency: self.config.wan_latency,
            enqueued_at: now,
            stale: false,
            tls_at_lb: false,
        });
        self.stats.sent += 1;
        self.client_connect(slot);
        id
    }

    fn client_connect(&mut self, slot: u32) {
        let now = self.now;
        let Some(spec) = self.req(slot).map(|r| r.spec) else { return };
        let client = self.model.client_id.clone();
        let client_ip = self.model.client_ip;
        // DNS.
        let Some(zone) = self.model.zone.clone() else {
            let reason = "the design has no DNS zone, so the browser cannot find the site".to_owned();
            self.hop(slot, now, &client, HopKind::Failure, None, None, || reason.clone());
            self.finish(slot, now, Outcome::Failed { status: 0, place: client, reason });
            return;
        };
        let site = self.model.site.clone();
        let resolution = self.resolver.resolve(&zone, &site, now);
        let mut t = now;
        if self.traced(slot) {
            for hop in &resolution.hops {
                t += hop.took;
                let text = format!("{}: {}", hop.server, hop.detail);
                self.hop(slot, t, "dns", HopKind::Dns, None, None, || text);
            }
        }
        t = now + resolution.latency;
        let Some(address) = resolution.address else {
            let reason = format!("{site} does not resolve (NXDOMAIN)");
            self.finish(slot, t, Outcome::Failed { status: 0, place: "dns".to_owned(), reason });
            return;
        };
        // The SYN crosses the internet.
        let wan = self.config.wan_latency;
        let port = spec.port();
        let syn_at = t + wan;
        let (host, place) = match self.model.entry_at(address) {
            None => {
                let reason = format!("nothing answers at {address}: the SYN goes unanswered");
                self.hop(slot, syn_at, &client, HopKind::Failure, None, None, || reason.clone());
                let at = t + self.config.client_timeout;
                self.finish(slot, at, Outcome::TimedOut { place: address.to_string(), reason });
                return;
            }
            Some(Entry::Vip(vip_idx)) => {
                let vip = &self.model.vips[vip_idx];
                let vip_id = vip.id.clone();
                match self.vrrp[vip_idx].master() {
                    None => {
                        let reason = format!(
                            "VIP {address} has no MASTER (VRRP failover in progress): the packet is lost"
                        );
                        self.hop(slot, syn_at, &vip_id, HopKind::Vrrp, Some((client_ip, 0)), Some((address, port)), || reason.clone());
                        let at = t + self.config.client_timeout;
                        self.finish(slot, at, Outcome::TimedOut { place: vip_id, reason });
                        return;
                    }
                    Some(member) => {
                        let host = vip.members[member];
                        let text = format!(
                            "VIP {address} is held by {} (VRRP MASTER, priority {})",
                            self.model.hosts[host].name, vip.priorities[member]
                        );
                        self.hop(slot, syn_at, &vip_id, HopKind::Vrrp, Some((client_ip, 0)), Some((address, port)), || text);
                        (host, self.model.hosts[host].id.clone())
                    }
                }
            }
            Some(Entry::Host(host)) => (host, self.model.hosts[host].id.clone()),
        };
        if !self.host_up[host] {
            let reason = format!("{place} is down: the SYN to {address}:{port} goes unanswered");
            self.hop(slot, syn_at, &place, HopKind::Failure, None, None, || reason.clone());
            self.finish(slot, t + self.config.client_timeout, Outcome::TimedOut { place, reason });
            return;
        }
        // The entry host's firewall sees the SYN.
        let packet = Packet { src: client_ip, proto: Proto::Tcp, dst_port: port, state: ConnState::New };
        if !self.firewall_passes(slot, host, &packet, syn_at, t + self.config.client_timeout, syn_at + wan) {
            return;
        }
        let Some(svc) = self.model.listener(host, port) else {
            let reason = if port == 443 && self.model.has_http_front(host) {
                format!("nothing listens on {address}:443: no certificate is installed on {place}, so HTTPS fails")
            } else {
                format!("nothing listens on {address}:{port}: connection refused")
            };
            self.hop(slot, syn_at, &place, HopKind::Failure, None, None, || reason.clone());
            self.finish(slot, syn_at + wan, Outcome::Refused { place, reason });
            return;
        };
        if !self.svc_up[svc] {
            let svc_id = self.model.svcs[svc].id.clone();
            let reason = format!("{svc_id} is stopped: {place} answers the SYN with a reset");
            self.hop(slot, syn_at, &svc_id, HopKind::Failure, None, None, || reason.clone());
            self.finish(slot, syn_at + wan, Outcome::Refused { place: svc_id, reason });
            return;
        }
        // TCP handshake (1 RTT), then TLS 1.3 (1 RTT) for HTTPS.
        let mut arrive = t + wan.times(3);
        let svc_id = self.model.svcs[svc].id.clone();
        let hello = format!("TCP handshake with {svc_id} ({address}:{port})");
        self.hop(slot, syn_at, &svc_id, HopKind::Connect, Some((client_ip, 51000)), Some((address, port)), || hello);
        if spec.https {
            if let Some(req) = self.req(slot) {
                req.encrypted = true;
            }
            arrive += wan.times(2);
            let cert = self.model.svcs[svc].certificate.clone();
            let is_lb = matches!(self.model.svcs[svc].role, SvcRole::Lb(_));
            if let Some(req) = self.req(slot) {
                req.tls_at_lb = is_lb;
            }
            let text = match cert {
                Some(c) => format!(
                    "TLS 1.3 handshake: {svc_id} presents the certificate for {} ({}); HTTPS ends here",
                    c.common_name, c.issuer
                ),
                None => format!("TLS handshake at {svc_id}"),
            };
            self.hop(slot, t + wan.times(3), &svc_id, HopKind::Tls, Some((client_ip, 51000)), Some((address, port)), || text);
        }
        self.queue.push(arrive, Ev::Arrive { req: slot, svc: svc as u32 });
    }

    /// Checks `packet` against `host`'s firewall at `at`. On a drop or reject the request
    /// finishes (timeout at `timeout_at`, refusal at `refused_at`) and this returns false.
    fn firewall_passes(
        &mut self,
        slot: u32,
        host: usize,
        packet: &Packet,
        at: SimTime,
        timeout_at: SimTime,
        refused_at: SimTime,
    ) -> bool {
        let h = &self.model.hosts[host];
        let verdict = firewall::evaluate(h.firewall.as_ref(), packet);
        let fw_name = format!("fw-{}", h.id);
        if verdict.passes() {
            if h.firewall.is_some() && self.traced(slot) {
                let text = verdict.explain(&fw_name, h.firewall.as_ref(), packet);
                let place = h.id.clone();
                let dst = Some((h.ip, packet.dst_port));
                self.hop(slot, at, &place, HopKind::Firewall, Some((packet.src, 0)), dst, || text);
            }
            return true;
        }
        let text = verdict.explain(&fw_name, h.firewall.as_ref(), packet);
        let place = h.id.clone();
        let dst = Some((h.ip, packet.dst_port));
        self.hop(slot, at, &place, HopKind::Firewall, Some((packet.src, 0)), dst, || text.clone());
        self.host_counters[host].errors += 1;
        match verdict.action {
            Action::Reject => self.finish(slot, refused_at, Outcome::Refused { place, reason: text }),
            _ => self.finish(slot, timeout_at, Outcome::Dropped { host: place, reason: text }),
        }
        false
    }

    fn service_time(&self, svc: usize, slot: u32) -> SimDuration {
        let s = &self.model.svcs[svc];
        let mut time = s.service_time;
        if let (SvcRole::Lb(_), Some(req)) = (&s.role, self.reqs.get(slot as usize).and_then(Option::as_ref))
            && req.tls_at_lb
            && req.attempts == 0
        {
            time += self.config.tls_handshake_cpu;
        }
        if let SvcRole::Web { static_paths } = &s.role
            && let Some(req) = self.reqs.get(slot as usize).and_then(Option::as_ref)
            && req.spec.kind == RequestKind::Static
            && !static_paths.is_empty()
        {
            time = time.times(1);
        }
        time.times(u64::from(self.host_slow[s.host]))
    }

    fn arrive(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        if self.reqs.get(slot as usize).and_then(Option::as_ref).is_none() {
            return;
        }
        let host = self.model.svcs[svc].host;
        if !self.host_up[host] || !self.svc_up[svc] {
            let id = self.model.svcs[svc].id.clone();
            let reason = format!("{id} went down before the request arrived");
            self.hop(slot, now, &id, HopKind::Failure, None, None, || reason.clone());
            let back = self.return_latency(slot);
            self.finish(slot, now + back, Outcome::Failed { status: 502, place: id, reason });
            return;
        }
        self.host_counters[host].requests += 1;
        if let Some(req) = self.req(slot) {
            req.step = Step::At(svc as u32);
            req.enqueued_at = now;
        }
        let workers = u32::from(self.model.svcs[svc].workers);
        let pool = &mut self.pools[svc];
        if pool.busy < workers {
            pool.busy += 1;
            let done = now + self.service_time(svc, slot);
            let ev = if matches!(self.model.svcs[svc].role, SvcRole::Db { .. }) {
                Ev::DbDone { req: slot, svc: svc as u32 }
            } else {
                Ev::Done { req: slot, svc: svc as u32 }
            };
            self.queue.push(done, ev);
        } else if (pool.queue.len() as u64) < u64::from(workers) * u64::from(self.config.queue_per_worker) {
            pool.queue.push_back(slot);
            let waiting = pool.queue.len();
            let id = self.model.svcs[svc].id.clone();
            self.hop(slot, now, &id, HopKind::Queue, None, None, || {
                format!("all {workers} workers of {id} are busy: queued ({waiting} waiting)")
            });
        } else {
            let id = self.model.svcs[svc].id.clone();
            let reason = format!("{id} is overloaded: its queue is full");
            self.hop(slot, now, &id, HopKind::Failure, None, None, || reason.clone());
            self.host_counters[host].errors += 1;
            let back = self.return_latency(slot);
            self.finish(slot, now + back, Outcome::Failed { status: 503, place: id, reason });
        }
    }

    /// Frees a worker of `svc` and starts the next queued request, if any.
    fn release(&mut self, svc: usize) {
        let now = self.now;
        loop {
            let Some(next) = self.pools[svc].queue.pop_front() else {
                self.pools[svc].busy = self.pools[svc].busy.saturating_sub(1);
                return;
            };
            let Some(waited) = self.reqs.get(next as usize).and_then(Option::as_ref).map(|r| now - r.enqueued_at)
            else {
                continue;
            };
            if waited > self.config.queue_timeout {
                let id = self.model.svcs[svc].id.clone();
                let reason = format!("waited {waited} in {id}'s queue: timed out");
                self.hop(next, now, &id, HopKind::Failure, None, None, || reason.clone());
                self.host_counters[self.model.svcs[svc].host].errors += 1;
                let back = self.return_latency(next);
                self.finish(next, now + back, Outcome::Failed { status: 504, place: id, reason });
                continue;
            }
            let done = now + self.service_time(svc, next);
            let ev = if matches!(self.model.svcs[svc].role, SvcRole::Db { .. }) {
                Ev::DbDone { req: next, svc: svc as u32 }
            } else {
                Ev::Done { req: next, svc: svc as u32 }
            };
            self.queue.push(done, ev);
            return;
        }
    }

    fn return_latency(&self, slot: u32) -> SimDuration {
        self.reqs
            .get(slot as usize)
            .and_then(Option::as_ref)
            .map_or(SimDuration::ZERO, |r| r.return_latency)
    }

    fn done(&mut self, slot: u32, svc: usize) {
        if self.reqs.get(slot as usize).and_then(Option::as_ref).is_none() {
            self.release(svc);
            return;
        }
        let host = self.model.svcs[svc].host;
        if !self.host_up[host] {
            // The host died while serving: the worker is gone with it.
            let id = self.model.svcs[svc].id.clone();
            let reason = format!("{id} died while handling the request");
            self.hop(slot, self.now, &id, HopKind::Failure, None, None, || reason.clone());
            self.release(svc);
            let at = self.now + self.config.client_timeout;
            self.finish(slot, at, Outcome::TimedOut { place: id, reason });
            return;
        }
        match self.model.svcs[svc].role.clone() {
            SvcRole::Lb(lb) => {
                self.release(svc);
                self.balance(slot, lb);
            }
            SvcRole::Web { static_paths } => {
                self.release(svc);
                self.web_done(slot, svc, &static_paths);
            }
            SvcRole::App { reads_to_replica } => self.app_done(slot, svc, reads_to_replica),
            SvcRole::Files | SvcRole::Db { .. } => {
                self.release(svc);
                self.respond(slot, svc, 200);
            }
        }
    }

    fn balance(&mut self, slot: u32, lb: usize) {
        let now = self.now;
        let lb_svc = self.model.lbs[lb].svc;
        let lb_id = self.model.svcs[lb_svc].id.clone();
        let Some(spec) = self.reqs.get(slot as usize).and_then(Option::as_ref).map(|r| r.spec) else {
            return;
        };
        if !spec.https && self.model.lbs[lb].redirect_to_https {
            self.hop(slot, now, &lb_id, HopKind::Serve, None, None, || {
                format!("{lb_id} answers plain HTTP with 301 → https://")
            });
            self.stats.redirects += 1;
            self.respond(slot, lb_svc, 301);
            return;
        }
        let failed = self.reqs.get(slot as usize).and_then(Option::as_ref).map_or(0, |r| r.failed_slots);
        let state = &mut self.lbs[lb];
        let mut available = std::mem::take(&mut state.available);
        let redispatching = failed != 0;
        let saved: Vec<bool> = if redispatching { available.clone() } else { Vec::new() };
        if redispatching {
            for (i, a) in available.iter_mut().enumerate() {
                if i < 64 && failed & (1 << i) != 0 {
                    *a = false;
                }
            }
        }
        let pick = state.balancer.pick(&available);
        let explain = if self.traced(slot) {
            let names: Vec<String> = self.model.lbs[lb]
                .servers
                .iter()
                .map(|&l| self.model.svcs[self.model.links[l].to].id.clone())
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            pick.as_ref().map(|p| self.lbs[lb].balancer.explain(p, &names, &available))
        } else {
            None
        };
        self.lbs[lb].available = if redispatching { saved } else { available };
        let Some(pick) = pick else {
            let reason = format!("{lb_id}: no server available, 503 Service Unavailable");
            self.hop(slot, now, &lb_id, HopKind::Balance, None, None, || reason.clone());
            self.host_counters[self.model.svcs[lb_svc].host].errors += 1;
            let back = self.return_latency(slot);
            self.finish(slot, now + back, Outcome::NoServer { place: lb_id });
            return;
        };
        if let Some(text) = explain {
            self.hop(slot, now, &lb_id, HopKind::Balance, None, None, || text);
        }
        let link = self.model.lbs[lb].servers[pick.server];
        let target = self.model.links[link].to;
        if let Some(req) = self.req(slot) {
            req.lb = Some((lb as u32, pick.server as u32));
        }
        self.lbs[lb].balancer.connection_started(pick.server);
        self.connect_backend(slot, lb, pick.server, lb_svc, target);
    }

    /// HAProxy opens a connection to a server; on failure, retries or redispatches.
    fn connect_backend(&mut self, slot: u32, lb: usize, server_slot: usize, from: usize, target: usize) {
        let now = self.now;
        let lan = self.config.lan_latency;
        let from_host = self.model.svcs[from].host;
        let to_host = self.model.svcs[target].host;
        let to = self.model.hosts[to_host].clone();
        let port = self.model.svcs[target].port;
        let src_ip = self.model.hosts[from_host].ip;
        let target_id = self.model.svcs[target].id.clone();
        let packet = Packet { src: src_ip, proto: Proto::Tcp, dst_port: port, state: ConnState::New };
        let verdict = firewall::evaluate(to.firewall.as_ref(), &packet);
        let failure: Option<(SimDuration, String)> = if !self.host_up[to_host] {
            Some((self.config.connect_timeout, format!("{} is down: connect to {target_id} timed out", to.id)))
        } else if self.cut.contains(&host_pair(from_host, to_host)) {
            Some((self.config.connect_timeout, format!("the network to {} is cut: connect timed out", to.id)))
        } else if !verdict.passes() {
            let text = verdict.explain(&format!("fw-{}", to.id), to.firewall.as_ref(), &packet);
            let wait = if verdict.action == Action::Reject { lan.times(2) } else { self.config.connect_timeout };
            Some((wait, text))
        } else if !self.svc_up[target] {
            Some((lan.times(2), format!("{target_id} is stopped: connection refused (RST)")))
        } else {
            None
        };
        let lb_id = self.model.svcs[from].id.clone();
        match failure {
            None => {
                if to.firewall.is_some() && self.traced(slot) {
                    let text = verdict.explain(&format!("fw-{}", to.id), to.firewall.as_ref(), &packet);
                    let place = to.id.clone();
                    self.hop(slot, now + lan, &place, HopKind::Firewall, Some((src_ip, 0)), Some((to.ip, port)), || text);
                }
                let encrypted_note = if self.reqs.get(slot as usize).and_then(Option::as_ref).is_some_and(|r| r.tls_at_lb) {
                    format!("TLS ended at {lb_id}; {lb_id} → {target_id} is plaintext HTTP")
                } else {
                    format!("{lb_id} → {target_id} over HTTP")
                };
                let to_ip = to.ip;
                if let Some(req) = self.req(slot) {
                    if req.tls_at_lb {
                        req.encrypted = false;
                    }
                    req.return_latency += lan;
                    req.web = Some(target as u32);
                }
                self.hop(slot, now + lan, &target_id, HopKind::Forward, Some((src_ip, 40000)), Some((to_ip, port)), || encrypted_note);
                self.queue.push(now + lan.times(3), Ev::Arrive { req: slot, svc: target as u32 });
            }
            Some((wait, reason)) => {
                self.lbs[lb].balancer.connection_finished(server_slot);
                self.hop(slot, now + wait, &lb_id, HopKind::Failure, Some((src_ip, 40000)), None, || reason.clone());
                let policy = self.lbs[lb].retry;
                let attempts = self.reqs.get(slot as usize).and_then(Option::as_ref).map_or(0, |r| r.attempts);
                if attempts < policy.retries {
                    let next = attempts + 1;
                    let redispatch = policy.redispatch_on(next);
                    if let Some(req) = self.req(slot) {
                        req.attempts = next;
                        if redispatch && server_slot < 64 {
                            req.failed_slots |= 1 << server_slot;
                        }
                    }
                    let delay = wait + policy.retry_delay();
                    self.hop(slot, now + delay, &lb_id, HopKind::Balance, None, None, || {
                        if redispatch {
                            format!("retry {next} of {}: option redispatch sends it to another server", policy.retries)
                        } else {
                            format!("retry {next} of {} on {target_id}", policy.retries)
                        }
                    });
                    if redispatch {
                        self.queue.push(now + delay, Ev::Retry { req: slot });
                    } else {
                        // Same server again.
                        self.queue.push(now + delay, Ev::Retry { req: slot });
                        if let Some(req) = self.req(slot) {
                            req.lb = Some((lb as u32, server_slot as u32));
                        }
                    }
                } else {
                    let reason = format!("{lb_id}: {target_id} unreachable after {} retries: 503", policy.retries);
                    self.hop(slot, now + wait, &lb_id, HopKind::Failure, None, None, || reason.clone());
                    self.host_counters[from_host].errors += 1;
                    let back = self.return_latency(slot);
                    self.finish(slot, now + wait + back, Outcome::Failed { status: 503, place: lb_id, reason });
                }
            }
        }
    }

    fn retry(&mut self, slot: u32) {
        let Some(req) = self.reqs.get(slot as usize).and_then(Option::as_ref) else { return };
        let Some((lb, server_slot)) = req.lb else { return };
        let lb = lb as usize;
        if req.failed_slots != 0 {
            // Redispatch: choose again among the others.
            self.balance(slot, lb);
        } else {
            let lb_svc = self.model.lbs[lb].svc;
            let link = self.model.lbs[lb].servers[server_slot as usize];
            let target = self.model.links[link].to;
            self.lbs[lb].balancer.connection_started(server_slot as usize);
            self.connect_backend(slot, lb, server_slot as usize, lb_svc, target);
        }
    }

    fn web_done(&mut self, slot: u32, svc: usize, static_paths: &[String]) {
        let now = self.now;
        let Some(spec) = self.reqs.get(slot as usize).and_then(Option::as_ref).map(|r| r.spec) else {
            return;
        };
        let id = self.model.svcs[svc].id.clone();
        if let Some(req) = self.req(slot) {
            req.web = Some(svc as u32);
        }
        let path = spec.kind.path(spec.key);
        if spec.kind == RequestKind::Static && static_paths.iter().any(|p| path.starts_with(p.as_str())) {
            self.hop(slot, now, &id, HopKind::Serve, None, None, || {
                format!("nginx: {path} is static, served from disk")
            });
            self.respond(slot, svc, 200);
            return;
        }
        // Dynamic: pass to the first reachable application server.
        let apps: Vec<usize> = self.model.svcs[svc]
            .out_links
            .iter()
            .map(|&l| self.model.links[l].to)
            .filter(|&t| matches!(self.model.svcs[t].role, SvcRole::App { .. }))
            .collect();
        let Some(&app) = apps.iter().find(|&&a| self.host_up[self.model.svcs[a].host]).or(apps.first()) else {
            let reason = format!("nginx on {id} has no application server to pass {path} to: 502");
            self.hop(slot, now, &id, HopKind::Failure, None, None, || reason.clone());
            let back = self.return_latency(slot);
            self.finish(slot, now + back, Outcome::Failed { status: 502, place: id, reason });
            return;
        };
        let app_id = self.model.svcs[app].id.clone();
        let port = self.model.svcs[app].port;
        self.hop(slot, now, &id, HopKind::Forward, None, None, || {
            format!("nginx: {} {path} is dynamic, passed to {app_id} (FastCGI :{port})", spec.kind.method())
        });
        if self.forward(slot, svc, app, now) {
            if let Some(req) = self.req(slot) {
                req.app = Some(app as u32);
            }
        }
    }

    /// Sends a request from service `from` to `to` over the network (or loopback on the same
    /// host), checking the receiving firewall. Returns false if the request ended here.
    fn forward(&mut self, slot: u32, from: usize, to: usize, now: SimTime) -> bool {
        let lan = self.config.lan_latency;
        let from_host = self.model.svcs[from].host;
        let to_host = self.model.svcs[to].host;
        let port = self.model.svcs[to].port;
        let to_id = self.model.svcs[to].id.clone();
        let (src, delay) = if from_host == to_host {
            (Ipv4Addr::LOCALHOST, SimDuration::from_micros(20))
        } else {
            (self.model.hosts[from_host].ip, lan.times(3))
        };
        if from_host != to_host {
            let reason = if !self.host_up[to_host] {
                Some(format!("{} is down: no answer from {to_id}", self.model.hosts[to_host].id))
            } else if self.cut.contains(&host_pair(from_host, to_host)) {
                Some(format!("the network to {} is cut", self.model.hosts[to_host].id))
            } else {
                None
            };
            if let Some(reason) = reason {
                let from_id = self.model.svcs[from].id.clone();
                self.hop(slot, now, &from_id, HopKind::Failure, None, None, || reason.clone());
                let back = self.return_latency(slot);
                let at = now + self.config.connect_timeout + back;
                self.finish(slot, at, Outcome::Failed { status: 504, place: from_id, reason });
                return false;
            }
            let packet = Packet { src, proto: Proto::Tcp, dst_port: port, state: ConnState::New };
            let back = self.return_latency(slot);
            let timeout_at = now + self.config.connect_timeout + back;
            let refused_at = now + lan.times(2) + back;
            if !self.firewall_passes(slot, to_host, &packet, now + lan, timeout_at, refused_at) {
                return false;
            }
        }
        if !self.svc_up[to] {
            let reason = format!("{to_id} is stopped: connection refused");
            self.hop(slot, now, &to_id, HopKind::Failure, None, None, || reason.clone());
            let back = self.return_latency(slot);
            self.finish(slot, now + lan.times(2) + back, Outcome::Failed { status: 502, place: to_id, reason });
            return false;
        }
        if let Some(req) = self.req(slot) {
            req.return_latency += if from_host == to_host { SimDuration::from_micros(20) } else { lan };
        }
        self.queue.push(now + delay, Ev::Arrive { req: slot, svc: to as u32 });
        true
    }

    fn app_done(&mut self, slot: u32, svc: usize, reads_to_replica: bool) {
        let now = self.now;
        let Some(spec) = self.reqs.get(slot as usize).and_then(Option::as_ref).map(|r| r.spec) else {
            self.release(svc);
            return;
        };
        if spec.kind == RequestKind::Static {
            self.release(svc);
            self.respond(slot, svc, 200);
            return;
        }
        let dbs: Vec<usize> = self.model.svcs[svc]
            .out_links
            .iter()
            .map(|&l| self.model.links[l].to)
            .filter(|&t| matches!(self.model.svcs[t].role, SvcRole::Db { .. }))
            .collect();
        let is_primary = |s: &Self, d: usize| matches!(s.model.svcs[d].role, SvcRole::Db { primary: true });
        let alive = |s: &Self, d: usize| s.host_up[s.model.svcs[d].host] && s.svc_up[d];
        let primary = dbs.iter().copied().find(|&d| is_primary(self, d));
        let replica = dbs.iter().copied().find(|&d| !is_primary(self, d) && alive(self, d));
        let app_id = self.model.svcs[svc].id.clone();
        let (target, why) = match spec.kind {
            RequestKind::Write => (primary, "writes always go to the primary"),
            _ if reads_to_replica && replica.is_some() => (replica, "reads go to a replica"),
            _ if replica.is_none() && dbs.iter().any(|&d| !is_primary(self, d)) => {
                (primary, "the replica is unreachable, so the read goes to the primary")
            }
            _ => (primary, "reads go to the primary"),
        };
        let Some(db) = target else {
            let reason = if dbs.is_empty() {
                format!("{app_id} has no database link: page built without data")
            } else {
                format!("{app_id} has no primary database for writes: 500")
            };
            self.hop(slot, now, &app_id, HopKind::Failure, None, None, || reason.clone());
            self.release(svc);
            if dbs.is_empty() && spec.kind == RequestKind::Read {
                self.respond(slot, svc, 200);
            } else {
                let back = self.return_latency(slot);
                self.finish(slot, now + back, Outcome::Failed { status: 500, place: app_id, reason });
            }
            return;
        };
        let db_id = self.model.svcs[db].id.clone();
        self.hop(slot, now, &app_id, HopKind::Forward, None, None, || {
            format!("{app_id} queries {db_id} ({why})")
        });
        if let Some(req) = self.req(slot) {
            req.step = Step::AwaitDb;
            req.app = Some(svc as u32);
        }
        if !self.forward(slot, svc, db, now) {
            self.release(svc);
        }
    }

    fn db_done(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        self.release(svc);
        let Some(spec) = self.reqs.get(slot as usize).and_then(Option::as_ref).map(|r| r.spec) else {
            return;
        };
        let db_id = self.model.svcs[svc].id.clone();
        if let Some((group, replica)) = self.model.db_of_svc[svc] {
            match (spec.kind, replica) {
                (RequestKind::Write, _) => {
                    self.write_seq += 1;
                    let value = self.write_seq;
                    self.dbs[group].write(spec.key, value, now, &mut self.rng);
                    let lags: Vec<String> = self.model.dbs[group]
                        .replicas
                        .iter()
                        .map(|&(r, ms)| format!("{} applies it ~{ms} ms later", self.model.svcs[r].id))
                        .collect();
                    self.hop(slot, now, &db_id, HopKind::Database, None, None, || {
                        let tail = if lags.is_empty() { String::new() } else { format!("; {}", lags.join(", ")) };
                        format!("{db_id}: write of key {} = {value} committed to the binary log (async){tail}", spec.key)
                    });
                }
                (_, None) => {
                    let read = self.dbs[group].read_primary(spec.key, now);
                    self.hop(slot, now, &db_id, HopKind::Database, None, None, || {
                        format!("{db_id} (primary) read of key {}: {}", spec.key, value_text(read.value))
                    });
                }
                (_, Some(r)) => {
                    let read = self.dbs[group].read_replica(r, spec.key, now);
                    if read.stale {
                        self.stats.stale_reads += 1;
                        if let Some(req) = self.req(slot) {
                            req.stale = true;
                        }
                    } else {
                        self.stats.fresh_replica_reads += 1;
                    }
                    self.hop(slot, now, &db_id, HopKind::Database, None, None, || {
                        let ago = read.written_at.map(|w| now - w);
                        match (read.stale, ago) {
                            (true, Some(ago)) => format!(
                                "{db_id} read of key {}: stale, returns {} (newest write {ago} ago, lag {})",
                                spec.key,
                                value_text(read.value),
                                read.lag
                            ),
                            _ => format!(
                                "{db_id} read of key {}: up to date, returns {} (lag {})",
                                spec.key,
                                value_text(read.value),
                                read.lag
                            ),
                        }
                    });
                }
            }
        }
        // The answer travels back to the app server.
        let app = self.reqs.get(slot as usize).and_then(Option::as_ref).and_then(|r| r.app);
        let delay = match app {
            Some(a) if self.model.svcs[a as usize].host == self.model.svcs[svc].host => SimDuration::from_micros(20),
            _ => self.config.lan_latency,
        };
        if let Some(req) = self.req(slot) {
            req.return_latency = req.return_latency - delay;
        }
        self.queue.push(now + delay, Ev::DbReply { req: slot });
    }

    fn db_reply(&mut self, slot: u32) {
        let Some(app) = self.reqs.get(slot as usize).and_then(Option::as_ref).and_then(|r| r.app) else {
            return;
        };
        let app = app as usize;
        self.release(app);
        self.respond(slot, app, 200);
    }

    /// The response leaves `svc` and travels back to the client.
    fn respond(&mut self, slot: u32, svc: usize, status: u16) {
        let now = self.now;
        let Some(req) = self.reqs.get(slot as usize).and_then(Option::as_ref) else { return };
        let back = req.return_latency;
        let stale = req.stale;
        let backend = req.web.map(|w| self.model.svcs[w as usize].id.clone());
        let id = self.model.svcs[svc].id.clone();
        if let Some(w) = req.web {
            self.served_by[w as usize] += 1;
        }
        let client = self.model.client_id.clone();
        self.hop(slot, now, &id, HopKind::Response, None, None, || {
            format!("{status} response from {id} travels back to the browser ({back})")
        });
        let _ = client;
        self.finish(slot, now + back, Outcome::Served { status, backend, stale });
    }

    /// Records the outcome now and delivers it to the client at `at`.
    fn finish(&mut self, slot: u32, at: SimTime, outcome: Outcome) {
        if let Some(p) = self.pending_outcome.get_mut(slot as usize) {
            if p.is_some() {
                return;
            }
            *p = Some(outcome);
        }
        if let Some(req) = self.req(slot)
            && let Some((lb, server)) = req.lb.take()
        {
            self.lbs[lb as usize].balancer.connection_finished(server as usize);
        }
        self.queue.push(at.max(self.now), Ev::Finish { req: slot });
    }

    fn complete(&mut self, slot: u32) {
        let now = self.now;
        let Some(req) = self.reqs.get_mut(slot as usize).and_then(Option::take) else { return };
        let Some(outcome) = self.pending_outcome.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let kind = Stats::kind_index(req.spec.kind);
        self.stats.by_kind[kind].add(&outcome);
        if outcome.is_served() {
            self.stats.latency.record(now - req.sent_at);
        }
        if let Some(mut trace) = req.trace {
            let mut outcome_text = outcome_reason(&outcome);
            if outcome_text.is_empty() {
                outcome_text = "done".to_owned();
            }
            trace.hops.push(Hop {
                at: now,
                place: self.model.client_id.clone(),
                kind: if outcome.is_served() { HopKind::Response } else { HopKind::Failure },
                encrypted: req.spec.https,
                src: None,
                dst: None,
                reason: outcome_text,
            });
            trace.outcome = Some(outcome.clone());
            trace.finished_at = Some(now);
            self.outputs.push_back(Output::RequestDone { id: trace.id, outcome, at: now });
            self.traces.push(*trace);
        }
        self.free.push(slot);
    }

    // ----- time-driven machinery -------------------------------------------------------------

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Arrive { req, svc } => self.arrive(req, svc as usize),
            Ev::Done { req, svc } => self.done(req, svc as usize),
            Ev::DbDone { req, svc } => self.db_done(req, svc as usize),
            Ev::DbReply { req } => self.db_reply(req),
            Ev::Retry { req } => self.retry(req),
            Ev::Finish { req } => self.complete(req),
            Ev::Check { lb, slot } => self.health_check(lb as usize, slot as usize),
            Ev::Mark { lb, slot, up } => self.mark(lb as usize, slot as usize, up),
            Ev::Takeover { vip, takeover } => {
                let vip = vip as usize;
                let before = self.vrrp[vip].master();
                if self.vrrp[vip].take_over(&takeover, self.now) {
                    self.report_vip_change(vip, before, self.now);
                }
            }
            Ev::Report { host } => self.agent_report(host as usize),
            Ev::NextArrival { load } => self.next_arrival(load as usize),
        }
    }

    fn health_check(&mut self, lb: usize, slot: usize) {
        let link = self.model.lbs[lb].servers[slot];
        let target = self.model.links[link].to;
        let lb_host = self.model.svcs[self.model.lbs[lb].svc].host;
        let to_host = self.model.svcs[target].host;
        let result = if !self.host_up[lb_host] {
            // A dead load balancer checks nothing; keep the loop alive for when it returns.
            None
        } else if !self.host_up[to_host] || self.cut.contains(&host_pair(lb_host, to_host)) {
            Some(CheckResult::Hung)
        } else {
            let packet = Packet {
                src: self.model.hosts[lb_host].ip,
                proto: Proto::Tcp,
                dst_port: self.model.svcs[target].port,
                state: ConnState::New,
            };
            let verdict = firewall::evaluate(self.model.hosts[to_host].firewall.as_ref(), &packet);
            if !verdict.passes() {
                Some(if verdict.action == Action::Reject { CheckResult::Refused } else { CheckResult::Hung })
            } else if !self.svc_up[target] {
                Some(CheckResult::Refused)
            } else {
                Some(CheckResult::Passed)
            }
        };
        let Some(checker) = self.lbs[lb].checkers.get_mut(slot).and_then(Option::as_mut) else { return };
        if let Some(result) = result {
            let (completed, transition) = checker.run_check(result);
            if let Some(transition) = transition {
                let up = matches!(transition, Transition::WentUp);
                self.queue.push(completed, Ev::Mark { lb: lb as u32, slot: slot as u32, up });
            }
        } else {
            // Skip this round.
            let _ = checker.run_check(CheckResult::Passed);
        }
        let next = checker.next_check_at();
        self.queue.push(next.max(self.now), Ev::Check { lb: lb as u32, slot: slot as u32 });
    }

    fn mark(&mut self, lb: usize, slot: usize, up: bool) {
        if self.lbs[lb].available[slot] == up {
            return;
        }
        self.lbs[lb].available[slot] = up;
        let link = self.model.lbs[lb].servers[slot];
        let server = self.model.svcs[self.model.links[link].to].id.clone();
        let lb_id = self.model.svcs[self.model.lbs[lb].svc].id.clone();
        let hc = self.model.lbs[lb].health_check;
        let reason = if up {
            format!("{server} passed {} checks in a row (rise {})", hc.rise, hc.rise)
        } else {
            format!("{server} failed {} checks in a row (fall {}, inter {} ms)", hc.fall, hc.fall, hc.inter_ms)
        };
        self.outputs.push_back(Output::ServerState { lb: lb_id, server, up, at: self.now, reason });
    }

    fn agent_report(&mut self, host: usize) {
        let Some(interval) = self.model.hosts[host].agent_interval else { return };
        self.queue.push(self.now + interval, Ev::Report { host: host as u32 });
        if !self.host_up[host] {
            // A dead host reports nothing; the collector sees a gap.
            self.host_counters[host] = HostCounters::default();
            return;
        }
        let counters = std::mem::take(&mut self.host_counters[host]);
        let queue_depth = self.model.hosts[host].services.iter().map(|&s| self.pools[s].queue.len() as u64).sum();
        let replication_lag_s = self.model.hosts[host].services.iter().find_map(|&s| {
            match self.model.db_of_svc[s] {
                Some((group, Some(r))) => self.dbs[group].seconds_behind_source(r, self.now),
                _ => None,
            }
        });
        let mean = if counters.requests == 0 { 0 } else { counters.time_us / counters.requests };
        let report = MetricsReport {
            host: self.model.hosts[host].id.clone(),
            at: self.now,
            requests: counters.requests,
            errors: counters.errors,
            mean_latency: SimDuration::from_micros(mean),
            queue_depth,
            replication_lag_s,
        };
        self.reports.push(report.clone());
        self.outputs.push_back(Output::Metrics(report));
    }

    fn next_arrival(&mut self, load_idx: usize) {
        let Some(run) = self.loads.get_mut(load_idx) else { return };
        if run.sent >= run.load.count {
            return;
        }
        run.sent += 1;
        let load = run.load;
        let mix = load.mix;
        let total = (mix.static_pct + mix.read_pct + mix.write_pct).max(1);
        let draw = self.rng.random_range(0..total);
        let kind = if draw < mix.static_pct {
            RequestKind::Static
        } else if draw < mix.static_pct + mix.read_pct {
            RequestKind::Read
        } else {
            RequestKind::Write
        };
        let key = self.rng.random_range(0..load.keys.max(1));
        self.send(RequestSpec { kind, https: load.https, key }, false);
        if self.loads[load_idx].sent < load.count {
            // Exponential inter-arrival times: a Poisson process at `rps`.
            let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
            let gap_us = (-u.ln() / load.rps * 1_000_000.0).max(0.0);
            let at = self.now + SimDuration::from_micros(gap_us as u64);
            self.queue.push(at, Ev::NextArrival { load: load_idx as u32 });
        }
    }
}

fn host_pair(a: usize, b: usize) -> (usize, usize) {
    if a <= b { (a, b) } else { (b, a) }
}

fn value_text(value: Option<u64>) -> String {
    match value {
        Some(v) => format!("value {v}"),
        None => "no row yet".to_owned(),
    }
}

fn outcome_reason(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Served { status, backend, stale } => {
            let via = backend.as_deref().map(|b| format!(" (served by {b})")).unwrap_or_default();
            let stale = if *stale { ", stale data" } else { "" };
            format!("the browser receives {status}{via}{stale}")
        }
        Outcome::Dropped { host, .. } => format!("dropped at {host}: the browser times out"),
        Outcome::Refused { place, .. } => format!("refused at {place}: the browser shows an error at once"),
        Outcome::TimedOut { place, .. } => format!("no answer from {place}: the browser times out"),
        Outcome::NoServer { place } => format!("{place} answers 503 Service Unavailable"),
        Outcome::Failed { status, place, .. } => format!("{place} fails the request ({status})"),
    }
}

#[allow(dead_code)]
const _: u32 = NO_REQ;
