//! The discrete-event engine: pushes requests through a compiled design, hop by hop, asking the
//! rule modules for every decision, and reports traces, outcomes and counters.
//!
//! Sans-IO, after str0m: the caller pushes [`Input`]s with the time they happen
//! ([`Simulation::handle`]), moves time forward ([`Simulation::advance_to`]) and polls
//! [`Output`]s ([`Simulation::poll_output`]). The engine owns no clock and no thread.
//! Randomness (load arrivals, health-check phases, replication lag draws) comes from a
//! `Pcg64Mcg` seeded by [`Config::seed`] (the phases of keepalived's track scripts from a
//! second one seeded from it), so the same design, seed and inputs give the same events, bit
//! for bit, natively and in the browser.
//!
//! A request moves through stages, each an event at the time it happens:
//! DNS and the TCP/TLS handshakes (computed at once: nothing else shares them) → the entry
//! host's firewall → HAProxy (round robin, health, retries) → Nginx (static or not) → the
//! application server (a worker pool with a queue) → MySQL (primary or replica) → the response
//! back along the same path. Every service is a pool of workers with a bounded FIFO queue, so
//! overload shows up as queueing, 503s and timeouts.

use std::collections::{BTreeSet, VecDeque};
use std::net::Ipv4Addr;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::balancer::{Balancer, ConnectError, RetryPolicy, ServerSpec};
use crate::dns::{DnsLatency, Resolver};
use crate::firewall::{self, ConnState, Packet, Verdict};
use crate::format::{self, TopologyError};
use crate::health::{CheckResult, CheckTiming, Checker, Transition};
use crate::model::{self, DbChoice, Entry, Model, Place, ServiceCosts, SvcRole};
use crate::queue::EventQueue;
use crate::replication::{LagModel, ReplicatedDb};
use crate::stats::Stats;
use crate::tcp::SynSchedule;
use crate::time::{SimDuration, SimTime};
use crate::timeline::Timeline;
use crate::topology::{Action, NodeKind, Proto, Topology};
use crate::trace::{Hop, HopKind, Outcome, RequestId, RequestKind, RequestSpec, Trace};
use crate::vrrp::{
    MemberState, ScriptVerdict, TrackScript, VrrpGroup, VrrpVersion, advert_interval_v2,
    next_run_after, track_script,
};

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
    /// How long a browser waits for the answer on a connection that was established, when the
    /// node that took it dies before answering: 30 s [est].
    pub client_timeout: SimDuration,
    /// How long a browser keeps resending an unanswered SYN before it gives up (B6a.1): 90 s,
    /// Firefox's `network.http.connection-timeout` ([`crate::tcp::BROWSER_CONNECT_TIMEOUT`]).
    /// The SYNs leave at 0, 1, 3, 7, 15, 31 and 63 s (Linux's retransmission timer).
    pub client_connect_timeout: SimDuration,
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
    /// Width of a timeline bucket (1 s).
    pub bucket: SimDuration,
    /// Time a replica's single-threaded applier spends per write: 200 µs [est], so bursts
    /// above about 5 000 writes/s make replication lag grow.
    pub replica_apply_cost: SimDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            lan_latency: SimDuration::from_micros(250),
            wan_latency: SimDuration::from_millis(10),
            client_timeout: SimDuration::from_secs(30),
            client_connect_timeout: crate::tcp::BROWSER_CONNECT_TIMEOUT,
            connect_timeout: SimDuration::from_secs(5),
            queue_timeout: SimDuration::from_secs(5),
            queue_per_worker: 64,
            tls_handshake_cpu: SimDuration::from_micros(770),
            costs: ServiceCosts::default(),
            dns: DnsLatency::default(),
            bucket: SimDuration::from_secs(1),
            replica_apply_cost: SimDuration::from_micros(200),
        }
    }
}

/// Something that happens to the simulated world. Serialized (snake_case, externally tagged)
/// where the UI keeps a session's inputs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The client sends one request; it is traced hop by hop.
    Send(RequestSpec),
    /// A host crashes (nothing on it answers) or comes back.
    HostDown(String),
    HostUp(String),
    /// A host is shut down cleanly: keepalived stops first and a MASTER gives up its virtual
    /// IPs with a priority-0 advert (B2.10); then nothing on it answers, as after a crash.
    /// `HostUp` brings it back.
    HostStop(String),
    /// One service stops (its host answers with a TCP reset) or starts again.
    ServiceDown(String),
    ServiceUp(String),
    /// The network between two services' hosts is cut, or repaired.
    CutLink {
        from: String,
        to: String,
    },
    RestoreLink {
        from: String,
        to: String,
    },
    /// Every service on the host takes `factor` times longer (1 = normal).
    SlowHost {
        host: String,
        factor: u32,
    },
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
    RequestDone {
        id: RequestId,
        outcome: Outcome,
        at: SimTime,
    },
    /// A load balancer marked a server DOWN or UP after its health checks.
    ServerState {
        lb: String,
        server: String,
        up: bool,
        at: SimTime,
        reason: String,
    },
    /// A virtual IP changed hands (`holder: None` while nobody holds it).
    VipHolder {
        vip: String,
        holder: Option<String>,
        at: SimTime,
    },
    /// Something keepalived on a host did for a virtual IP (a track script run, a state
    /// change, a priority-0 advert, a timer expiring), in words, with the group's state after.
    Keepalived {
        vip: String,
        host: String,
        at: SimTime,
        what: String,
    },
    /// A monitoring agent's report reached the collector.
    Metrics(MetricsReport),
}

/// A load balancer's view of one of its servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendState {
    /// The HAProxy service id.
    pub lb: String,
    /// The server's service id.
    pub server: String,
    /// UP per health checks (servers without `check` are always available).
    pub available: bool,
    /// Whether the server line has `check`.
    pub checked: bool,
    /// Requests this server has answered so far (through any load balancer).
    pub served: u64,
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
        Mix {
            static_pct: 30,
            read_pct: 60,
            write_pct: 10,
        }
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
    /// Percent of HTTPS requests that open a new TLS session (a full handshake on the load
    /// balancer's CPU); the others reuse a kept-alive connection [est].
    pub new_session_pct: u32,
    /// How the rate changes over the run; `rps` is the starting (or base) rate.
    pub shape: Shape,
}

/// How a load's rate changes over time, counted from the moment the load starts. Arrivals
/// stay Poisson, with the rate of the moment (a non-homogeneous Poisson process, drawn by
/// inverting the integrated rate: one random number per arrival, as for a constant rate).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Shape {
    /// `Load::rps` all along.
    #[default]
    Constant,
    /// From `Load::rps` to `to_rps` in a straight line over `over`, then `to_rps`.
    Ramp { to_rps: f64, over: SimDuration },
    /// `Load::rps`, but `rps` from `from` until `until`.
    Spike {
        rps: f64,
        from: SimDuration,
        until: SimDuration,
    },
}

/// A stretch of linear rate: (start s, end s, rate at start, rate at end).
type Piece = (f64, f64, f64, f64);

impl Shape {
    /// The linear pieces (at most two) and the rate after the last one.
    fn pieces(self, base: f64) -> ([Piece; 2], usize, f64) {
        let clean = |r: f64| if r.is_finite() { r.max(0.0) } else { 0.0 };
        let base = clean(base);
        let none = (0.0, 0.0, 0.0, 0.0);
        match self {
            Shape::Constant => ([none; 2], 0, base),
            Shape::Ramp { to_rps, over } => {
                let to = clean(to_rps);
                let end = over.as_micros() as f64 / 1e6;
                ([(0.0, end, base, to), none], 1, to)
            }
            Shape::Spike { rps, from, until } => {
                let a = from.as_micros() as f64 / 1e6;
                let b = (until.as_micros() as f64 / 1e6).max(a);
                let r = clean(rps);
                ([(0.0, a, base, base), (a, b, r, r)], 2, base)
            }
        }
    }

    /// The rate `t` seconds after the start, with `base` as `Load::rps`.
    pub fn rate_at(self, base: f64, t: f64) -> f64 {
        let (pieces, n, tail) = self.pieces(base);
        for &(s, e, r0, r1) in &pieces[..n] {
            if t >= s && t < e {
                return r0 + (r1 - r0) * (t - s) / (e - s);
            }
        }
        tail
    }

    /// The expected number of arrivals in the first `seconds` (the integral of the rate).
    pub fn expected(self, base: f64, seconds: f64) -> f64 {
        let (pieces, n, tail) = self.pieces(base);
        let mut total = 0.0;
        let mut last = 0.0;
        for &(s, e, r0, r1) in &pieces[..n] {
            if e > s && seconds > s {
                let upto = seconds.min(e);
                let r_upto = r0 + (r1 - r0) * (upto - s) / (e - s);
                total += (r0 + r_upto) / 2.0 * (upto - s);
            }
            last = e.max(last);
        }
        total + tail * (seconds - last).max(0.0)
    }

    /// Seconds from `t` until the integrated rate has grown by `need`; `None` if it never does
    /// (the rate stays at zero).
    fn gap(self, base: f64, t: f64, need: f64) -> Option<f64> {
        let (pieces, n, tail) = self.pieces(base);
        let mut need = need;
        let mut at = t;
        for &(s, e, r0, r1) in &pieces[..n] {
            if e <= at || e <= s {
                continue;
            }
            let a = at.max(s);
            let slope = (r1 - r0) / (e - s);
            let ra = r0 + slope * (a - s);
            let area = (ra + r1) / 2.0 * (e - a);
            if area >= need {
                // ra·d + slope·d²/2 = need, in the form that stays exact for slope = 0.
                let root = (ra * ra + 2.0 * slope * need).max(0.0).sqrt();
                return Some(a + 2.0 * need / (ra + root) - t);
            }
            need -= area;
            at = e;
        }
        (tail > 0.0).then(|| at + need / tail - t)
    }

    /// Whether the rate is above zero at some moment.
    fn ever_sends(self, base: f64) -> bool {
        let (pieces, n, tail) = self.pieces(base);
        tail > 0.0
            || pieces[..n]
                .iter()
                .any(|p| p.1 > p.0 && (p.2 > 0.0 || p.3 > 0.0))
    }
}

impl Load {
    /// `count` requests at `rps` with the default mix, plain HTTP, 1000 keys, 10 % new TLS
    /// sessions.
    pub fn new(rps: f64, count: u64) -> Load {
        Load {
            rps,
            count,
            mix: Mix::default(),
            https: false,
            keys: 1000,
            new_session_pct: 10,
            shape: Shape::Constant,
        }
    }
}

/// How a request ended, as the counters see it; the full [`Outcome`] (with its words) is
/// built only for traced requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Served { status: u16 },
    Dropped,
    Refused,
    TimedOut,
    NoServer,
    Failed(u16),
}

struct Req {
    spec: RequestSpec,
    sent_at: SimTime,
    trace: Option<Box<Trace>>,
    encrypted: bool,
    /// The load balancer (index into `lbs`) and server slot it is using.
    lb: Option<(u32, u32)>,
    attempts: u8,
    /// The server slot a redispatched retry must avoid (HAProxy's `srvtoavoid`).
    avoid: Option<u32>,
    web: Option<u32>,
    app: Option<u32>,
    /// One-way time back to the client, grown as the request goes deeper.
    return_latency: SimDuration,
    enqueued_at: SimTime,
    stale: bool,
    tls_at_lb: bool,
    /// The application server whose worker waits for this request's database answer.
    holding: Option<u32>,
    /// Opens a new connection (handshakes) rather than reusing a kept-alive one.
    new_session: bool,
    /// Services this request has been passed to, to stop forwarding loops in odd designs.
    forwards: u8,
    /// Set once the outcome is decided; the request ends when it reaches the client.
    fate: Option<Fate>,
    /// The address the client connects to (the DNS answer).
    entry: Ipv4Addr,
    /// The client's connection to `entry`: its first SYN and how many were resent (B6a).
    client_syn: Connecting,
    /// HAProxy's current connection to a server, within `timeout connect`.
    backend_syn: Connecting,
    /// How HAProxy's last connection attempt failed, for the retry that follows (B1.19).
    connect_error: Option<ConnectError>,
}

/// A TCP connection being opened: when its first SYN left and how many times it was resent.
#[derive(Clone, Copy, Default)]
struct Connecting {
    first: SimTime,
    resent: u8,
}

/// Why nobody answers the client's SYN (it is resent, B6a.1).
#[derive(Clone, Copy)]
enum Unanswered {
    /// No node has the address.
    Nobody,
    /// The address is private (RFC 1918) and the client is on the internet: the SYN is never
    /// routed there.
    Unrouted,
    /// The virtual IP has no MASTER: a VRRP failover is in progress (B2.9).
    NoMaster,
    /// The host is down.
    HostDown(usize),
    /// The host's firewall drops it (`deny`).
    Firewall(usize, Verdict, Packet),
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
    /// A scheduled input falls due.
    Input {
        idx: u32,
    },
    /// The end of a timeline bucket: sample queues and lags.
    Sample,
    Arrive {
        req: u32,
        svc: u32,
    },
    Done {
        req: u32,
        svc: u32,
    },
    DbReply {
        req: u32,
    },
    Retry {
        req: u32,
    },
    /// The client's resent SYN reaches the site's address (B6a).
    ClientSyn {
        req: u32,
    },
    /// The kernel resends HAProxy's unanswered SYN to its server, within `timeout connect`.
    BackendSyn {
        req: u32,
    },
    /// HAProxy's connection to its server failed (a reset, or `timeout connect`).
    ConnectFailed {
        req: u32,
    },
    Finish {
        req: u32,
    },
    Check {
        lb: u32,
        slot: u32,
    },
    Mark {
        lb: u32,
        slot: u32,
        up: bool,
    },
    /// The VRRP group's pending takeover falls due (stale ones are ignored by the group).
    Takeover {
        vip: u32,
    },
    /// A host's keepalived runs its track script (stale runs are ignored).
    Script {
        host: u32,
    },
    Report {
        host: u32,
    },
    NextArrival {
        load: u32,
    },
}

struct LoadRun {
    load: Load,
    sent: u64,
    /// When the load started (its shape's time zero).
    start: SimTime,
}

/// The resolver's last answer, remembered so untraced requests skip building hop texts while
/// it is cached (the resolver's own cache decides; this only memoises its verdict).
#[derive(Clone)]
struct DnsMemo {
    /// The answer's RRset in the zone's order: one address, or several handed out in turn.
    addresses: Vec<Ipv4Addr>,
    /// When the lookup's answer reaches the client: a request before that waits for it, as
    /// the resolver makes it (B6.6).
    arrives: SimTime,
    valid_until: SimTime,
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
    next_id: u64,
    pools: Vec<Pool>,
    lbs: Vec<LbState>,
    vrrp: Vec<VrrpGroup>,
    /// keepalived's track script per host, for VRRP members whose keepalived tracks one.
    scripts: Vec<Option<ScriptRun>>,
    dbs: Vec<ReplicatedDb>,
    resolver: Resolver,
    dns_memo: Option<DnsMemo>,
    host_up: Vec<bool>,
    /// Hosts down because they were shut down cleanly (`Input::HostStop`), not crashed.
    host_stopped: Vec<bool>,
    host_slow: Vec<u32>,
    svc_up: Vec<bool>,
    cut: Vec<(usize, usize)>,
    host_counters: Vec<HostCounters>,
    served_by: Vec<u64>,
    /// Requests each load balancer (by `Model::lbs` index) took in and balanced, retries not
    /// counted again.
    balanced: Vec<u64>,
    outputs: VecDeque<Output>,
    traces: Vec<Trace>,
    reports: Vec<MetricsReport>,
    loads: Vec<LoadRun>,
    stats: Stats,
    write_seq: u64,
    events: u64,
    finished: u64,
    scheduled: Vec<Option<Input>>,
    timeline: Timeline,
}

/// One host's keepalived track script as it runs: the counter, when it runs, and the streak
/// of equal results so far (for the words).
struct ScriptRun {
    script: TrackScript,
    /// keepalived runs it at `origin` + k × interval (it started then, or the system was
    /// already running with that phase).
    origin: SimTime,
    /// The run scheduled next (an `Ev::Script` at that time; any other is stale).
    next: Option<SimTime>,
    /// The last result and how many runs in a row gave it.
    streak: (bool, u8),
}

/// Salts the seed of the track scripts' phases, drawn from their own generator so that adding
/// them left every other random draw of a run as it was.
const SCRIPT_PHASE_SALT: u64 = 0x6b65_6570_616c_6976;

/// The one-way delay between two services: loopback on one host, the LAN otherwise.
const LOOPBACK: SimDuration = SimDuration::from_micros(20);
/// The client's ephemeral port, for traces.
const CLIENT_PORT: u16 = 51000;
/// HAProxy's source port towards servers, for traces.
const LB_PORT: u16 = 40000;
/// A request passed on more often than this is in a forwarding loop.
pub const MAX_FORWARDS: u8 = 32;

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
                    ServerSpec {
                        weight: link.weight,
                        backup: link.backup,
                        maxconn: None,
                    }
                })
                .collect();
            let timing = CheckTiming {
                inter: SimDuration::from_millis(u64::from(lb.health_check.inter_ms.max(1))),
                ..CheckTiming::default()
            };
            let mut checkers = Vec::new();
            for (slot, &l) in lb.servers.iter().enumerate() {
                if model.links[l].check {
                    // HAProxy spreads the first checks over one interval.
                    let phase = rng.random_range(1..=timing.inter.as_micros().max(1));
                    let first = SimTime::from_micros(phase);
                    let rise = lb.health_check.rise.max(1);
                    let fall = lb.health_check.fall.max(1);
                    checkers.push(Some(Checker::new(timing, rise, fall, first, false)));
                    queue.push(
                        first,
                        Ev::Check {
                            lb: lb_idx as u32,
                            slot: slot as u32,
                        },
                    );
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
                let advert = advert_interval_v2(vip.advert_int_s);
                VrrpGroup::new(&vip.priorities, advert, vip.preempt, VrrpVersion::V2)
            })
            .collect();
        // keepalived on a VRRP member runs the track script the export writes for it. Each
        // keepalived started at some moment before t=0, so its runs have a phase of their own,
        // uniform over one interval (as HAProxy's first checks are spread).
        let mut phases = Pcg64Mcg::seed_from_u64(config.seed ^ SCRIPT_PHASE_SALT);
        let scripts = model
            .hosts
            .iter()
            .enumerate()
            .map(|(idx, host)| {
                if !model.vips.iter().any(|v| v.members.contains(&idx)) {
                    return None;
                }
                let spec = match topology.node(&host.id).map(|n| &n.kind) {
                    Some(NodeKind::Host(h)) => track_script(h)?,
                    _ => return None,
                };
                let phase = phases.random_range(1..=spec.interval().as_micros().max(1));
                Some(ScriptRun {
                    script: TrackScript::passing(spec),
                    origin: SimTime::from_micros(phase),
                    next: None,
                    streak: (true, 0),
                })
            })
            .collect();
        let dbs = model
            .dbs
            .iter()
            .map(|group| {
                let lags: Vec<LagModel> = group
                    .replicas
                    .iter()
                    .map(|&(_, ms, jitter)| {
                        let ms = u64::from(ms);
                        let jitter = u64::from(jitter);
                        if jitter == 0 {
                            LagModel::Fixed(SimDuration::from_millis(ms))
                        } else {
                            LagModel::Uniform {
                                min: SimDuration::from_millis(ms.saturating_sub(jitter)),
                                max: SimDuration::from_millis(ms + jitter),
                            }
                        }
                    })
                    .collect();
                let mut db = ReplicatedDb::new(&lags);
                for replica in 0..lags.len() {
                    db.set_apply_cost(replica, config.replica_apply_cost);
                }
                db
            })
            .collect();
        for (idx, host) in model.hosts.iter().enumerate() {
            if let Some(interval) = host.agent_interval {
                queue.push(SimTime::ZERO + interval, Ev::Report { host: idx as u32 });
            }
        }
        let n_svcs = model.svcs.len();
        let n_hosts = model.hosts.len();
        let timeline = Timeline::new(
            config.bucket,
            model.svcs.iter().map(|s| s.id.clone()).collect(),
        );
        queue.push(SimTime::ZERO + timeline.width, Ev::Sample);
        Ok(Simulation {
            resolver: Resolver::new(config.dns),
            dns_memo: None,
            config,
            now: SimTime::ZERO,
            queue,
            rng,
            reqs: Vec::new(),
            free: Vec::new(),
            next_id: 0,
            pools: (0..n_svcs).map(|_| Pool::default()).collect(),
            lbs,
            vrrp,
            scripts,
            dbs,
            host_up: vec![true; n_hosts],
            host_stopped: vec![false; n_hosts],
            host_slow: vec![1; n_hosts],
            svc_up: vec![true; n_svcs],
            cut: Vec::new(),
            host_counters: vec![HostCounters::default(); n_hosts],
            served_by: vec![0; n_svcs],
            balanced: vec![0; model.lbs.len()],
            outputs: VecDeque::new(),
            traces: Vec::new(),
            reports: Vec::new(),
            loads: Vec::new(),
            stats: Stats::default(),
            write_seq: 0,
            events: 0,
            finished: 0,
            scheduled: Vec::new(),
            timeline,
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

    /// Served requests per web server id (only those that served any), in design order.
    pub fn served_by(&self) -> Vec<(String, u64)> {
        self.model
            .svcs
            .iter()
            .zip(&self.served_by)
            .filter(|(_, n)| **n > 0)
            .map(|(svc, n)| (svc.id.clone(), *n))
            .collect()
    }

    /// Requests each load balancer (HAProxy service id) took in, in design order: where the
    /// traffic went in an active-active or active-passive pair.
    pub fn balanced_by(&self) -> Vec<(String, u64)> {
        self.model
            .lbs
            .iter()
            .zip(&self.balanced)
            .map(|(lb, n)| (self.model.svc_id(lb.svc).to_owned(), *n))
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
        self.reqs
            .iter()
            .flatten()
            .filter_map(|r| r.trace.as_deref())
            .find(|t| t.id == id)
    }

    /// The run over time, one bucket per [`Config::bucket`].
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Every agent report the collector has received.
    pub fn reports(&self) -> &[MetricsReport] {
        &self.reports
    }

    /// Whether HAProxy `lb` currently counts `server` (a service id) as available.
    pub fn server_available(&self, lb: &str, server: &str) -> Option<bool> {
        let lb_idx = self
            .model
            .lbs
            .iter()
            .position(|l| self.model.svc_id(l.svc) == lb)?;
        let slot = self.model.lbs[lb_idx]
            .servers
            .iter()
            .position(|&l| self.model.svc_id(self.model.links[l].to) == server)?;
        Some(self.lbs[lb_idx].available[slot])
    }

    /// Every HAProxy `server` line with what the load balancer believes about it now.
    pub fn backends(&self) -> Vec<BackendState> {
        let mut out = Vec::new();
        for (lb_idx, lb) in self.model.lbs.iter().enumerate() {
            for (slot, &link) in lb.servers.iter().enumerate() {
                let target = self.model.links[link].to;
                out.push(BackendState {
                    lb: self.model.svc_id(lb.svc).to_owned(),
                    server: self.model.svc_id(target).to_owned(),
                    available: self.lbs[lb_idx].available[slot],
                    checked: self.lbs[lb_idx].checkers[slot].is_some(),
                    served: self.served_by[target],
                });
            }
        }
        out
    }

    /// Whether a host is up (not crashed by an input).
    pub fn host_is_up(&self, host: &str) -> Option<bool> {
        self.host_index(host).ok().map(|h| self.host_up[h])
    }

    /// Whether a host is down because it was shut down cleanly (`Input::HostStop`), not
    /// crashed; `None` for an unknown host.
    pub fn host_stopped_cleanly(&self, host: &str) -> Option<bool> {
        self.host_index(host).ok().map(|h| self.host_stopped[h])
    }

    /// Whether a service is running (not stopped by an input).
    pub fn service_is_up(&self, service: &str) -> Option<bool> {
        self.svc_index(service).ok().map(|s| self.svc_up[s])
    }

    /// Every request link (from, to service ids) that is cut now. A cut is between two hosts
    /// (`Input::CutLink` names one of their links), so every link between them is cut.
    pub fn cut_links(&self) -> BTreeSet<(String, String)> {
        self.model
            .links
            .iter()
            .filter(|l| {
                let (a, b) = (self.model.svcs[l.from].host, self.model.svcs[l.to].host);
                self.cut.contains(&host_pair(a, b))
            })
            .map(|l| {
                let id = |svc: usize| self.model.svc_id(svc).to_owned();
                (id(l.from), id(l.to))
            })
            .collect()
    }

    /// The host holding virtual IP `vip` now, if any.
    pub fn vip_holder(&self, vip: &str) -> Option<String> {
        let idx = self.model.vips.iter().position(|v| v.id == vip)?;
        let member = self.vrrp[idx].master()?;
        Some(
            self.model
                .host_id(self.model.vips[idx].members[member])
                .to_owned(),
        )
    }

    /// When keepalived on `host` runs its track script next after `after` (it runs every
    /// interval whatever the result; the engine only wakes for runs that can change
    /// something). None for hosts without one, or while the host is down.
    pub fn next_track_script_run(&self, host: &str, after: SimTime) -> Option<SimTime> {
        let h = self.host_index(host).ok()?;
        let run = self.scripts[h].as_ref().filter(|_| self.host_up[h])?;
        Some(next_run_after(
            run.origin,
            run.script.spec().interval(),
            after,
        ))
    }

    /// keepalived's state on `host` for virtual IP `vip` (MASTER, BACKUP, FAULT or DOWN).
    pub fn keepalived_state(&self, vip: &str, host: &str) -> Option<MemberState> {
        let idx = self.model.vips.iter().position(|v| v.id == vip)?;
        let h = self.host_index(host).ok()?;
        let member = self.model.vips[idx].members.iter().position(|&m| m == h)?;
        self.vrrp[idx].state(member)
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Applies an input at `now` (times earlier than the simulation's clock count as now).
    /// Returns the id of a sent request.
    pub fn handle(&mut self, now: SimTime, input: Input) -> Result<Option<RequestId>, InputError> {
        self.advance_to(now);
        self.apply_input(input)
    }

    /// Schedules an input for a later time (a scenario timeline: "at 10 s take web-01 down").
    /// It is checked now: an unknown id is refused at once and nothing is scheduled.
    pub fn schedule(&mut self, at: SimTime, input: Input) -> Result<(), InputError> {
        self.validate(&input)?;
        let idx = self.scheduled.len() as u32;
        self.scheduled.push(Some(input));
        self.queue.push(at.max(self.now), Ev::Input { idx });
        Ok(())
    }

    fn validate(&self, input: &Input) -> Result<(), InputError> {
        match input {
            Input::Send(_) => Ok(()),
            Input::HostDown(id) | Input::HostUp(id) | Input::HostStop(id) => {
                self.host_index(id).map(drop)
            }
            Input::SlowHost { host, .. } => self.host_index(host).map(drop),
            Input::ServiceDown(id) | Input::ServiceUp(id) => self.svc_index(id).map(drop),
            Input::CutLink { from, to } | Input::RestoreLink { from, to } => {
                self.link_hosts(from, to).map(drop)
            }
            Input::StopReplication(id) | Input::StartReplication(id) => {
                self.replica_of(id).map(drop)
            }
        }
    }

    /// Applies an input at the current time.
    fn apply_input(&mut self, input: Input) -> Result<Option<RequestId>, InputError> {
        let now = self.now;
        match input {
            Input::Send(spec) => return Ok(Some(self.send(spec, true, true))),
            Input::HostDown(id) => {
                let host = self.host_index(&id)?;
                if self.host_up[host] {
                    self.host_up[host] = false;
                    self.keepalived_stops(host, false, now);
                }
            }
            Input::HostStop(id) => {
                let host = self.host_index(&id)?;
                if self.host_up[host] {
                    self.host_up[host] = false;
                    self.host_stopped[host] = true;
                    self.keepalived_stops(host, true, now);
                }
            }
            Input::HostUp(id) => {
                let host = self.host_index(&id)?;
                self.host_stopped[host] = false;
                if !self.host_up[host] {
                    self.host_up[host] = true;
                    self.keepalived_starts(host, now);
                }
            }
            Input::ServiceDown(id) => {
                let svc = self.svc_index(&id)?;
                self.svc_up[svc] = false;
                self.wake_track_script(self.model.svcs[svc].host, now);
            }
            Input::ServiceUp(id) => {
                let svc = self.svc_index(&id)?;
                self.svc_up[svc] = true;
                self.wake_track_script(self.model.svcs[svc].host, now);
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
            Input::StopReplication(id) => {
                let (group, replica) = self.replica_of(&id)?;
                self.dbs[group].stop_replica(replica, now);
            }
            Input::StartReplication(id) => {
                let (group, replica) = self.replica_of(&id)?;
                self.dbs[group].start_replica(replica, now);
            }
        }
        Ok(None)
    }

    /// Schedules an untraced load; arrivals start at the current time.
    pub fn start_load(&mut self, load: Load) {
        let idx = self.loads.len() as u32;
        self.loads.push(LoadRun {
            load,
            sent: 0,
            start: self.now,
        });
        let sends = match load.shape {
            Shape::Constant => load.rps > 0.0,
            shape => shape.ever_sends(load.rps),
        };
        if load.count > 0 && sends {
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

    /// Runs until no request is in flight and no load is pending, or until `limit`; the
    /// clock stops at the last event processed.
    pub fn run_until_quiet(&mut self, limit: SimTime) {
        let mut pending_loads = self.loads.iter().any(|l| l.sent < l.load.count);
        while self.finished < self.stats.sent || pending_loads {
            let Some((at, ev)) = self.queue.pop_until(limit) else {
                break;
            };
            self.now = at.max(self.now);
            self.events += 1;
            let was_arrival = matches!(ev, Ev::NextArrival { .. });
            self.dispatch(ev);
            if was_arrival {
                pending_loads = self.loads.iter().any(|l| l.sent < l.load.count);
            }
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
        let unknown = || InputError::UnknownLink {
            from: from.to_owned(),
            to: to.to_owned(),
        };
        let a = self.svc_index(from).map_err(|_| unknown())?;
        let b = self.svc_index(to).map_err(|_| unknown())?;
        if !self.model.links.iter().any(|l| l.from == a && l.to == b) {
            return Err(unknown());
        }
        Ok(host_pair(self.model.svcs[a].host, self.model.svcs[b].host))
    }

    fn replica_of(&self, id: &str) -> Result<(usize, usize), InputError> {
        let svc = self.svc_index(id)?;
        match self.model.db_of_svc.get(svc).copied().flatten() {
            Some((group, Some(replica))) => Ok((group, replica)),
            _ => Err(InputError::NotAReplica(id.to_owned())),
        }
    }

    /// Whether keepalived on `host` may hold a VIP ([`Model::vrrp_eligible`]: the host is up
    /// and its track script passes).
    fn vrrp_healthy(&self, host: usize) -> bool {
        self.model.vrrp_eligible(host, |place| self.is_up(place))
    }

    /// Whether a host or service is up now (a service also needs its host).
    fn is_up(&self, place: Place) -> bool {
        match place {
            Place::Host(h) => self.host_up.get(h).copied().unwrap_or(false),
            Place::Svc(s) => {
                self.svc_up.get(s).copied().unwrap_or(false)
                    && self.is_up(Place::Host(self.model.svcs[s].host))
            }
            Place::Client | Place::Dns | Place::Vip(_) => true,
        }
    }

    /// Whether keepalived's track script on `host` succeeds now (`pgrep -x haproxy`): the
    /// rule of [`Model::vrrp_eligible`].
    fn track_script_passes(&self, host: usize) -> bool {
        self.vrrp_healthy(host)
    }

    /// The VRRP groups `host` is a member of, with its member index in each.
    fn memberships(&self, host: usize) -> Vec<(usize, usize)> {
        self.model
            .vips
            .iter()
            .enumerate()
            .filter_map(|(v, vip)| vip.members.iter().position(|&h| h == host).map(|m| (v, m)))
            .collect()
    }

    /// keepalived on `host` ends at `now`: killed with its host (a crash: it falls silent) or
    /// stopped cleanly (a MASTER sends a priority-0 advert first, B2.10). Its script stops.
    fn keepalived_stops(&mut self, host: usize, clean: bool, now: SimTime) {
        if let Some(run) = self.scripts[host].as_mut() {
            run.next = None;
        }
        for (vip, member) in self.memberships(host) {
            let was_master = self.vrrp[vip].master() == Some(member);
            self.vrrp_change(vip, now, |group| {
                if clean {
                    group.member_stop(member, now);
                } else {
                    group.member_down(member, now);
                }
            });
            let name = self.model.host_id(host);
            let what = match (clean, was_master) {
                (true, true) => format!(
                    "{name} shuts down cleanly: keepalived sends a priority-0 advert, so each \
                     backup waits only its skew time"
                ),
                (true, false) => format!("{name} shuts down cleanly (it was not MASTER)"),
                (false, true) => format!(
                    "{name} crashed: keepalived falls silent, each backup waits its \
                     Master_Down_Interval from the last advert (3 × advert_int + skew)"
                ),
                (false, false) => format!("{name} crashed (it was not MASTER)"),
            };
            self.report_keepalived(vip, host, now, what);
        }
    }

    /// keepalived on `host` starts at `now` (the host came back). It runs its track script at
    /// once (a script that has just started needs one success); it enters BACKUP with a fresh
    /// Master_Down_Timer, or FAULT if the script fails (B2.6).
    fn keepalived_starts(&mut self, host: usize, now: SimTime) {
        let passes = self.track_script_passes(host);
        let mut good = true;
        let mut script_words = String::new();
        if let Some(run) = self.scripts[host].as_mut() {
            let spec = run.script.spec();
            run.script = TrackScript::starting(spec);
            run.origin = now;
            run.next = None;
            run.streak = (passes, 1);
            run.script.record(passes);
            good = run.script.is_good();
            script_words = if passes {
                format!("; {} succeeds at once", spec.name)
            } else {
                format!("; {} fails (no haproxy process)", spec.name)
            };
        }
        for (vip, member) in self.memberships(host) {
            self.vrrp_change(vip, now, |group| {
                if good {
                    group.member_up(member, now);
                } else {
                    group.member_fault(member, now);
                }
            });
            let name = self.model.host_id(host);
            let state = if good {
                "enters BACKUP with a fresh Master_Down_Timer; it discards lower-priority adverts \
                 and defers to higher ones"
            } else {
                "enters FAULT"
            };
            let what = format!("keepalived starts on {name}{script_words}: {state}");
            self.report_keepalived(vip, host, now, what);
        }
        self.schedule_track_script(host, now);
    }

    /// HAProxy on `host` stopped or started: if that can change the track script's verdict,
    /// wake its next run.
    fn wake_track_script(&mut self, host: usize, now: SimTime) {
        if self.host_up[host] {
            self.schedule_track_script(host, now);
        }
    }

    /// Schedules the script's next run after `now` unless one is pending or more runs would
    /// change nothing.
    fn schedule_track_script(&mut self, host: usize, now: SimTime) {
        let passes = self.track_script_passes(host);
        let Some(run) = self.scripts[host].as_mut() else {
            return;
        };
        if run.next.is_some() || run.script.is_settled(passes) {
            return;
        }
        let at = next_run_after(run.origin, run.script.spec().interval(), now);
        run.next = Some(at);
        self.queue.push(at, Ev::Script { host: host as u32 });
    }

    /// keepalived on `host` runs its track script (B2.11): `fall` failures in a row fault its
    /// instances (a MASTER sends a priority-0 advert), `rise` successes bring them back as
    /// BACKUP.
    fn run_track_script(&mut self, host: usize) {
        let now = self.now;
        let passes = self.track_script_passes(host);
        let Some(run) = self.scripts[host].as_mut().filter(|r| r.next == Some(now)) else {
            return;
        };
        run.next = None;
        run.streak = if run.streak.0 == passes {
            (passes, run.streak.1.saturating_add(1))
        } else {
            (passes, 1)
        };
        let verdict = run.script.record(passes);
        let spec = run.script.spec();
        let streak = run.streak.1;
        let name = self.model.host_id(host).to_owned();
        for (vip, member) in self.memberships(host) {
            let was_master = self.vrrp[vip].master() == Some(member);
            match verdict {
                Some(ScriptVerdict::Failed) => self.vrrp_change(vip, now, |group| {
                    group.member_fault(member, now);
                }),
                Some(ScriptVerdict::Succeeded) => self.vrrp_change(vip, now, |group| {
                    group.member_up(member, now);
                }),
                None => {}
            }
            let what = match verdict {
                Some(ScriptVerdict::Failed) if was_master => format!(
                    "{} on {name} failed {streak} times in a row (no haproxy process, fall {}): \
                     {name} enters FAULT and sends a priority-0 advert, giving up the VIP",
                    spec.name, spec.fall
                ),
                Some(ScriptVerdict::Failed) => format!(
                    "{} on {name} failed {streak} times in a row (no haproxy process, fall {}): \
                     {name} enters FAULT",
                    spec.name, spec.fall
                ),
                Some(ScriptVerdict::Succeeded) => format!(
                    "{} on {name} succeeded {streak} times in a row (rise {}): {name} leaves \
                     FAULT and enters BACKUP with a fresh Master_Down_Timer",
                    spec.name, spec.rise
                ),
                None if passes => format!(
                    "{} on {name} succeeded ({streak} of rise {}): {name} stays in FAULT",
                    spec.name, spec.rise
                ),
                None => format!(
                    "{} on {name} failed ({streak} of fall {}, no haproxy process): keepalived \
                     changes nothing yet, so a MASTER keeps the VIP and connections are refused",
                    spec.name, spec.fall
                ),
            };
            self.report_keepalived(vip, host, now, what);
        }
        self.schedule_track_script(host, now);
    }

    /// Applies `change` to VRRP group `vip` at `now`, reports a new holder and schedules a new
    /// pending takeover.
    fn vrrp_change(&mut self, vip: usize, now: SimTime, change: impl FnOnce(&mut VrrpGroup)) {
        let before = self.vrrp[vip].master();
        let pending = self.vrrp[vip].pending();
        change(&mut self.vrrp[vip]);
        if let Some(takeover) = self.vrrp[vip].pending()
            && Some(takeover) != pending
        {
            self.queue
                .push(takeover.at, Ev::Takeover { vip: vip as u32 });
        }
        self.report_vip_change(vip, before, now);
    }

    /// Reports what keepalived on `host` did, with the group's state after it.
    fn report_keepalived(&mut self, vip: usize, host: usize, at: SimTime, what: String) {
        let names: Vec<&str> = self.model.vips[vip]
            .members
            .iter()
            .map(|&h| self.model.host_id(h))
            .collect();
        let state = self.vrrp[vip].explain(&names);
        self.outputs.push_back(Output::Keepalived {
            vip: self.model.vips[vip].id.clone(),
            host: self.model.host_id(host).to_owned(),
            at,
            what: format!("{what}. Now: {state}"),
        });
    }

    /// Words for the trace when VIP `vip` is held by `host` for a reason worth telling: its
    /// HAProxy is not running but its script has not yet failed `fall` times, or a
    /// higher-priority member is back and waits for its Master_Down_Timer to take over.
    fn vrrp_hold_note(&self, vip: usize, host: usize) -> Option<String> {
        let mut note = String::new();
        if let Some(run) = self.scripts[host].as_ref()
            && !self.track_script_passes(host)
            && run.script.is_good()
        {
            let spec = run.script.spec();
            let failed = if run.streak.0 { 0 } else { run.streak.1 };
            let fault_at = next_run_after(run.origin, spec.interval(), self.now)
                + spec
                    .interval()
                    .times(u64::from(spec.fall.max(1).saturating_sub(1 + failed)));
            note = format!(
                "; HAProxy is not running there, but keepalived keeps the VIP until {} has \
                 failed {} times in a row ({failed} so far, runs every {} s: FAULT at {fault_at})",
                spec.name, spec.fall, spec.interval_s
            );
        }
        let group = &self.vrrp[vip];
        if let Some(takeover) = group.pending()
            && group.master().is_some()
        {
            let member = self.model.vips[vip].members[takeover.member];
            note.push_str(&format!(
                "; {} (priority {}) is back as BACKUP, discards these lower-priority adverts and \
                 takes over at {} when its own Master_Down_Timer expires",
                self.model.host_id(member),
                group.priority(takeover.member).unwrap_or(0),
                takeover.at
            ));
        }
        (!note.is_empty()).then_some(note)
    }

    fn report_vip_change(&mut self, vip_idx: usize, before: Option<usize>, now: SimTime) {
        let after = self.vrrp[vip_idx].master();
        if after != before {
            let vip = &self.model.vips[vip_idx];
            let holder = after.map(|m| self.model.host_id(vip.members[m]).to_owned());
            self.outputs.push_back(Output::VipHolder {
                vip: vip.id.clone(),
                holder,
                at: now,
            });
        }
    }

    // ----- requests -------------------------------------------------------------------------

    fn req(&self, slot: u32) -> Option<&Req> {
        self.reqs.get(slot as usize).and_then(Option::as_ref)
    }

    fn req_mut(&mut self, slot: u32) -> Option<&mut Req> {
        self.reqs.get_mut(slot as usize).and_then(Option::as_mut)
    }

    fn traced(&self, slot: u32) -> bool {
        self.req(slot).is_some_and(|r| r.trace.is_some())
    }

    /// Appends a hop to a traced request. `reason` runs only for traced requests, so untraced
    /// load never formats a string.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &mut self,
        slot: u32,
        at: SimTime,
        place: Place,
        kind: HopKind,
        src: Option<(Ipv4Addr, u16)>,
        dst: Option<(Ipv4Addr, u16)>,
        reason: impl FnOnce(&Model) -> String,
    ) {
        // Only this check and the closure call are generic; the rest is shared by every call
        // site (one copy in the binary instead of one per closure).
        if self.traced(slot) {
            let text = reason(&self.model);
            self.push_hop(slot, at, place, kind, src, dst, text);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_hop(
        &mut self,
        slot: u32,
        at: SimTime,
        place: Place,
        kind: HopKind,
        src: Option<(Ipv4Addr, u16)>,
        dst: Option<(Ipv4Addr, u16)>,
        reason: String,
    ) {
        let model = &self.model;
        if let Some(req) = self.reqs.get_mut(slot as usize).and_then(Option::as_mut)
            && let Some(trace) = req.trace.as_mut()
        {
            trace.hops.push(Hop {
                at,
                place: model.name(place).to_owned(),
                kind,
                encrypted: req.encrypted,
                src,
                dst,
                reason,
            });
        }
    }

    /// Records a failing hop and ends the request with `fate`, the outcome reaching the
    /// client at `finish_at`.
    #[allow(clippy::too_many_arguments)]
    fn fail(
        &mut self,
        slot: u32,
        at: SimTime,
        finish_at: SimTime,
        place: Place,
        kind: HopKind,
        fate: Fate,
        reason: impl FnOnce(&Model) -> String,
    ) {
        let text = self.traced(slot).then(|| reason(&self.model));
        self.fail_with(slot, at, finish_at, place, kind, fate, text);
    }

    /// Fails the request where it is now; the outcome travels back along its path.
    fn fail_back(
        &mut self,
        slot: u32,
        place: Place,
        fate: Fate,
        reason: impl FnOnce(&Model) -> String,
    ) {
        let now = self.now;
        let back = self.return_latency(slot);
        self.fail(slot, now, now + back, place, HopKind::Failure, fate, reason);
    }

    /// The non-generic body of [`Simulation::fail`]; `text` is there for traced requests.
    #[allow(clippy::too_many_arguments)]
    fn fail_with(
        &mut self,
        slot: u32,
        at: SimTime,
        finish_at: SimTime,
        place: Place,
        kind: HopKind,
        fate: Fate,
        text: Option<String>,
    ) {
        if let Some(text) = text {
            let outcome = self.outcome(fate, place, slot, text.clone());
            self.push_hop(slot, at, place, kind, None, None, text);
            if let Some(trace) = self.req_mut(slot).and_then(|r| r.trace.as_mut()) {
                trace.outcome = Some(outcome);
            }
        }
        let host = match place {
            Place::Host(h) => Some(h),
            Place::Svc(s) => Some(self.model.svcs[s].host),
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

    fn outcome(&self, fate: Fate, place: Place, slot: u32, reason: String) -> Outcome {
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
    fn finish(&mut self, slot: u32, at: SimTime, fate: Fate) {
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
        if self.traced(slot) {
            // A traced request's last hop is the client receiving the outcome, at `at`.
            self.queue.push(at.max(now), Ev::Finish { req: slot });
        } else {
            // Load requests are counted at once (with the latency the client will see), which
            // saves an event per request; nothing else is pending for them.
            self.complete(slot, at.max(now));
        }
    }

    /// Starts a request. `new_session`: it opens a new connection (TCP and, for HTTPS, a full
    /// TLS handshake); otherwise it reuses a kept-alive one.
    fn send(&mut self, spec: RequestSpec, traced: bool, new_session: bool) -> RequestId {
        let now = self.now;
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let trace = traced.then(|| {
            Box::new(Trace {
                id,
                spec,
                sent_at: now,
                hops: Vec::new(),
                outcome: None,
                finished_at: None,
            })
        });
        let req = Req {
            spec,
            sent_at: now,
            trace,
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
        self.stats.sent += 1;
        self.timeline.bucket_mut(now).sent += 1;
        self.client_connect(slot);
        id
    }

    /// DNS, then the TCP connection to the address it gave (the first SYN leaves when the
    /// answer arrives).
    fn client_connect(&mut self, slot: u32) {
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
    fn client_syn(&mut self, slot: u32) {
        let Some((spec, address, conn)) = self
            .req(slot)
            .filter(|r| r.fate.is_none())
            .map(|r| (r.spec, r.entry, r.client_syn))
        else {
            return;
        };
        let schedule = self.client_schedule();
        let sent = conn.first + schedule.send_at(conn.resent).unwrap_or_default();
        let wan = self.config.wan_latency;
        let port = spec.port();
        let syn_at = sent + wan;
        let client_ip = self.model.client_ip;
        let client = Some((client_ip, CLIENT_PORT));
        let dst = Some((address, port));
        if !model::routes(client_ip, address) {
            return self.syn_unanswered(
                slot,
                Place::Client,
                HopKind::Failure,
                Unanswered::Unrouted,
            );
        }
        // On a resent SYN, which resend got through (the event list says so).
        let resend = (conn.resent > 0).then(|| (conn.resent, sent - conn.first));
        let host = match self.model.entry_at(address) {
            None => {
                return self.syn_unanswered(
                    slot,
                    Place::Client,
                    HopKind::Failure,
                    Unanswered::Nobody,
                );
            }
            Some(Entry::Vip(vip)) => {
                let Some(member) = self.vrrp[vip].master() else {
                    return self.syn_unanswered(
                        slot,
                        Place::Vip(vip),
                        HopKind::Vrrp,
                        Unanswered::NoMaster,
                    );
                };
                let host = self.model.vips[vip].members[member];
                let note = self
                    .traced(slot)
                    .then(|| self.vrrp_hold_note(vip, host))
                    .flatten()
                    .unwrap_or_default();
                self.hop(
                    slot,
                    syn_at,
                    Place::Vip(vip),
                    HopKind::Vrrp,
                    client,
                    dst,
                    |m| {
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
                    },
                );
                host
            }
            Some(Entry::Host(host)) => host,
        };
        if !self.host_up[host] {
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
        let firewall = self.model.hosts[host].firewall.as_ref();
        let verdict = firewall::evaluate(firewall, &packet);
        if !verdict.passes() && verdict.action != Action::Reject {
            return self.syn_unanswered(
                slot,
                Place::Host(host),
                HopKind::Firewall,
                Unanswered::Firewall(host, verdict, packet),
            );
        }
        if !self.firewall_passes(slot, host, &packet, syn_at, syn_at, syn_at + wan) {
            return;
        }
        let Some(svc) = self.model.listener(host, port) else {
            return self.fail(slot, syn_at, syn_at + wan, Place::Host(host), HopKind::Failure, Fate::Refused, |m| {
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
        if !self.svc_up[svc] {
            return self.fail(
                slot,
                syn_at,
                syn_at + wan,
                Place::Svc(svc),
                HopKind::Failure,
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
        self.hop(
            slot,
            syn_at,
            Place::Svc(svc),
            HopKind::Connect,
            client,
            dst,
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
        let new_session = self.req(slot).is_some_and(|r| r.new_session);
        let mut arrive = if new_session {
            t + wan.times(3)
        } else {
            t + wan
        };
        if spec.https && !new_session {
            let is_lb = matches!(self.model.svcs[svc].role, SvcRole::Lb(_));
            if let Some(req) = self.req_mut(slot) {
                req.encrypted = true;
                req.tls_at_lb = is_lb;
            }
        } else if spec.https {
            let is_lb = matches!(self.model.svcs[svc].role, SvcRole::Lb(_));
            if let Some(req) = self.req_mut(slot) {
                req.encrypted = true;
                req.tls_at_lb = is_lb;
            }
            arrive += wan.times(2);
            self.hop(slot, t + wan.times(3), Place::Svc(svc), HopKind::Tls, client, dst, |m| {
                match &m.svcs[svc].certificate {
                    Some(c) => format!(
                        "TLS 1.3 handshake: {} presents the certificate for {} ({}); HTTPS ends here",
                        m.svc_id(svc),
                        c.common_name,
                        c.issuer
                    ),
                    None => format!("TLS handshake at {}", m.svc_id(svc)),
                }
            });
        }
        self.queue.push(
            arrive,
            Ev::Arrive {
                req: slot,
                svc: svc as u32,
            },
        );
    }

    /// When the client's SYNs leave and when it gives up (B6a.1).
    fn client_schedule(&self) -> SynSchedule {
        SynSchedule::with_timeout(self.config.client_connect_timeout)
    }

    /// Nobody answers the client's SYN: the browser resends it after the retransmission
    /// timeout (1 s, 2 s, 4 s …), or gives up when its connect timeout comes first. A request
    /// that would have reused a kept-alive connection opens a new one (that connection went
    /// through the node that no longer answers).
    fn syn_unanswered(&mut self, slot: u32, place: Place, kind: HopKind, why: Unanswered) {
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
                (Unanswered::Firewall(host, verdict, packet), _) => {
                    let h = &m.hosts[host];
                    verdict.explain(&h.id, h.firewall.as_ref(), &packet)
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
            self.fail(slot, syn_at, conn.first + gives_up, place, kind, fate, |m| {
                format!(
                    "{}; no answer to {syns} SYNs: the browser gives up {gives_up} after the first (connect timeout)",
                    this_syn(m)
                )
            });
            // That hop is a SYN too: it carries its addresses like the others.
            if let Some(hop) = self
                .req_mut(slot)
                .and_then(|r| r.trace.as_mut())
                .and_then(|t| t.hops.last_mut())
            {
                (hop.src, hop.dst) = (src, dst);
            }
            return;
        };
        if resent == 0 {
            self.stats.syn_resent += 1;
            self.timeline.bucket_mut(syn_at).syn_resent += 1;
        }
        let wait = schedule.wait_before(next);
        self.hop(slot, syn_at, place, kind, src, dst, |m| {
            format!("{}; the browser resends it after {wait}", this_syn(m))
        });
        if let Some(req) = self.req_mut(slot) {
            req.client_syn.resent = next;
            req.new_session = true;
        }
        self.queue
            .push(conn.first + next_at + wan, Ev::ClientSyn { req: slot });
    }

    /// The site's address and how long the lookup took, or `None` if the request ended.
    fn resolve(&mut self, slot: u32) -> Option<(Ipv4Addr, SimDuration)> {
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
                now,
                now,
                Place::Client,
                HopKind::Failure,
                Fate::Failed(0),
                |_| "the design has no DNS zone, so the browser cannot find the site".to_owned(),
            );
            return None;
        };
        let resolution = self.resolver.resolve(zone, &self.model.site, now);
        let mut t = now;
        for hop in &resolution.hops {
            t += hop.took;
            self.hop(slot, t, Place::Dns, HopKind::Dns, None, None, |_| {
                format!("{}: {}", hop.server, hop.detail)
            });
        }
        let done = now + resolution.latency;
        let Some(address) = resolution.address else {
            self.fail(
                slot,
                done,
                done,
                Place::Dns,
                HopKind::Failure,
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

    /// Checks `packet` against `host`'s firewall at `at`. On a drop or reject the request ends
    /// (a timeout at `timeout_at`, a refusal at `refused_at`) and this returns false.
    fn firewall_passes(
        &mut self,
        slot: u32,
        host: usize,
        packet: &Packet,
        at: SimTime,
        timeout_at: SimTime,
        refused_at: SimTime,
    ) -> bool {
        let firewall = self.model.hosts[host].firewall.as_ref();
        let verdict = firewall::evaluate(firewall, packet);
        let explain = |m: &Model| {
            let h = &m.hosts[host];
            verdict.explain(&h.id, h.firewall.as_ref(), packet)
        };
        let dst = Some((self.model.hosts[host].ip, packet.dst_port));
        if verdict.passes() {
            if firewall.is_some() {
                self.hop(
                    slot,
                    at,
                    Place::Host(host),
                    HopKind::Firewall,
                    Some((packet.src, 0)),
                    dst,
                    explain,
                );
            }
            return true;
        }
        let (fate, finish_at) = match verdict.action {
            Action::Reject => (Fate::Refused, refused_at),
            _ => (Fate::Dropped, timeout_at),
        };
        self.fail(
            slot,
            at,
            finish_at,
            Place::Host(host),
            HopKind::Firewall,
            fate,
            explain,
        );
        false
    }

    fn service_time(&self, svc: usize, slot: u32) -> SimDuration {
        let s = &self.model.svcs[svc];
        let mut time = s.service_time;
        if matches!(s.role, SvcRole::Lb(_))
            && self
                .req(slot)
                .is_some_and(|r| r.tls_at_lb && r.new_session && r.lb.is_none())
        {
            time += self.config.tls_handshake_cpu;
        }
        time.times(u64::from(self.host_slow[s.host]))
    }

    fn start_service(&mut self, slot: u32, svc: usize) {
        let done = self.now + self.service_time(svc, slot);
        self.queue.push(
            done,
            Ev::Done {
                req: slot,
                svc: svc as u32,
            },
        );
    }

    fn arrive(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        if self.req(slot).is_none_or(|r| r.fate.is_some()) {
            return;
        }
        let forwards = self.req_mut(slot).map_or(0, |r| {
            r.forwards = r.forwards.saturating_add(1);
            r.forwards
        });
        if forwards > MAX_FORWARDS {
            // A design whose links go round in a circle (a load balancer behind itself).
            let back = self.return_latency(slot);
            return self.fail(slot, now, now + back, Place::Svc(svc), HopKind::Failure, Fate::Failed(508), |m| {
                format!(
                    "{} received the request after {MAX_FORWARDS} forwards: the links form a loop (508)",
                    m.svc_id(svc)
                )
            });
        }
        let host = self.model.svcs[svc].host;
        if !self.host_up[host] {
            // A connection already established through a host that died: what travels on it
            // is lost, nobody answers, and the browser gives up (B2.9).
            let at = now + self.config.client_timeout;
            return self.fail(
                slot,
                now,
                at,
                Place::Svc(svc),
                HopKind::Failure,
                Fate::TimedOut,
                |m| {
                    format!(
                        "{} died after the connection was established: the request is lost",
                        m.host_id(host)
                    )
                },
            );
        }
        if !self.svc_up[svc] {
            return self.fail_back(slot, Place::Svc(svc), Fate::Failed(502), |m| {
                format!("{} went down before the request arrived", m.svc_id(svc))
            });
        }
        self.host_counters[host].requests += 1;
        if let Some(req) = self.req_mut(slot) {
            req.enqueued_at = now;
        }
        let workers = u32::from(self.model.svcs[svc].workers);
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
                now,
                Place::Svc(svc),
                HopKind::Queue,
                None,
                None,
                |m| {
                    format!(
                        "all {workers} workers of {} are busy: queued ({waiting} waiting)",
                        m.svc_id(svc)
                    )
                },
            );
        } else {
            self.fail_back(slot, Place::Svc(svc), Fate::Failed(503), |m| {
                format!("{} is overloaded: its queue is full (503)", m.svc_id(svc))
            });
        }
    }

    /// Frees a worker of `svc` and starts the next queued request that has not waited too long.
    fn release(&mut self, svc: usize) {
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

    fn return_latency(&self, slot: u32) -> SimDuration {
        self.req(slot)
            .map_or(SimDuration::ZERO, |r| r.return_latency)
    }

    fn done(&mut self, slot: u32, svc: usize) {
        let role = self.model.svcs[svc].role;
        if self.req(slot).is_none_or(|r| r.fate.is_some()) {
            self.release(svc);
            return;
        }
        let host = self.model.svcs[svc].host;
        if !self.host_up[host] {
            // The host died while serving: the request dies with it.
            self.release(svc);
            let at = self.now + self.config.client_timeout;
            return self.fail(
                slot,
                self.now,
                at,
                Place::Svc(svc),
                HopKind::Failure,
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

    fn balance(&mut self, slot: u32, lb: usize) {
        let now = self.now;
        let lb_svc = self.model.lbs[lb].svc;
        let Some((spec, avoid)) = self.req(slot).map(|r| (r.spec, r.avoid)) else {
            return;
        };
        let https = spec.https;
        // HAProxy works on the decrypted request once it ended TLS: from here on, plaintext.
        if let Some(req) = self.req_mut(slot)
            && req.tls_at_lb
        {
            req.encrypted = false;
        }
        if !https && self.model.lbs[lb].redirect_to_https {
            self.hop(
                slot,
                now,
                Place::Svc(lb_svc),
                HopKind::Serve,
                None,
                None,
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
        if avoid.is_none()
            && let Some(n) = self.balanced.get_mut(lb)
        {
            *n += 1;
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
                now,
                now + back,
                Place::Svc(lb_svc),
                HopKind::Balance,
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
                now,
                Place::Svc(lb_svc),
                HopKind::Balance,
                None,
                None,
                |_| text,
            );
        }
        if let Some(req) = self.req_mut(slot) {
            req.lb = Some((lb as u32, pick.server as u32));
        }
        self.lbs[lb].balancer.connection_started(pick.server);
        self.connect_backend(slot, lb, pick.server);
    }

    /// HAProxy opens a connection to a server (its first SYN leaves now); see
    /// [`Simulation::backend_syn`] for what answers it.
    fn connect_backend(&mut self, slot: u32, lb: usize, server_slot: usize) {
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
    fn backend_syn(&mut self, slot: u32) {
        let now = self.now;
        let Some((lb, server_slot, conn)) = self
            .req(slot)
            .filter(|r| r.fate.is_none())
            .and_then(|r| r.lb.map(|(lb, s)| (lb as usize, s as usize, r.backend_syn)))
        else {
            return;
        };
        let lan = self.config.lan_latency;
        let from = self.model.lbs[lb].svc;
        let target = self.model.links[self.model.lbs[lb].servers[server_slot]].to;
        let from_host = self.model.svcs[from].host;
        let to_host = self.model.svcs[target].host;
        let port = self.model.svcs[target].port;
        let src_ip = self.model.hosts[from_host].ip;
        let to_ip = self.model.hosts[to_host].ip;
        let src = Some((src_ip, LB_PORT));
        let dst = Some((to_ip, port));
        let packet = Packet {
            src: src_ip,
            proto: Proto::Tcp,
            dst_port: port,
            state: ConnState::New,
        };
        let firewall = self.model.hosts[to_host].firewall.as_ref();
        let verdict = firewall::evaluate(firewall, &packet);
        let explain = move |m: &Model| {
            let h = &m.hosts[to_host];
            verdict.explain(&h.id, h.firewall.as_ref(), &packet)
        };
        #[derive(Clone, Copy)]
        enum Failure {
            HostDown,
            Cut,
            Firewall,
            Stopped,
        }
        // (what went wrong, whether it answers at once with a reset)
        let failure = if !self.host_up[to_host] {
            Some((Failure::HostDown, false))
        } else if self.cut.contains(&host_pair(from_host, to_host)) {
            Some((Failure::Cut, false))
        } else if !verdict.passes() {
            Some((Failure::Firewall, verdict.action == Action::Reject))
        } else if !self.svc_up[target] {
            Some((Failure::Stopped, true))
        } else {
            None
        };
        let resent = conn.resent;
        let policy = self.lbs[lb].retry;
        let schedule = SynSchedule::with_timeout(policy.timeout_connect);
        let Some((failure, refused)) = failure else {
            if firewall.is_some() {
                self.hop(
                    slot,
                    now + lan,
                    Place::Host(to_host),
                    HopKind::Firewall,
                    src,
                    dst,
                    explain,
                );
            }
            let tls_at_lb = self.req(slot).is_some_and(|r| r.tls_at_lb);
            if let Some(req) = self.req_mut(slot) {
                req.return_latency += lan;
                req.web = Some(target as u32);
            }
            self.hop(
                slot,
                now + lan,
                Place::Svc(target),
                HopKind::Forward,
                src,
                dst,
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
            self.queue.push(
                now + lan.times(3),
                Ev::Arrive {
                    req: slot,
                    svc: target as u32,
                },
            );
            return;
        };
        let why = move |m: &Model| match failure {
            Failure::HostDown => format!("{} is down", m.host_id(to_host)),
            Failure::Cut => format!("the network to {} is cut", m.host_id(to_host)),
            Failure::Firewall => explain(m),
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
            self.hop(slot, at, place, kind, src, dst, |m| {
                format!(
                    "{}: connection to {} refused (RST)",
                    why(m),
                    m.svc_id(target)
                )
            });
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
            self.hop(slot, now + lan, place, kind, src, dst, |m| {
                format!(
                    "{}: {}; the kernel resends it after {wait}",
                    why(m),
                    this_syn()
                )
            });
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
        self.hop(slot, now + lan, place, kind, src, dst, |m| {
            format!(
                "{}: {}; no resend before timeout connect",
                why(m),
                this_syn()
            )
        });
        self.hop(
            slot,
            gives_up,
            Place::Svc(from),
            HopKind::Failure,
            src,
            dst,
            |m| {
                format!(
                    "connect to {} timed out after {timeout} (timeout connect): no answer to {syns} SYNs",
                    m.svc_id(target)
                )
            },
        );
        if let Some(req) = self.req_mut(slot) {
            req.connect_error = Some(ConnectError::Timeout);
        }
        self.queue.push(gives_up, Ev::ConnectFailed { req: slot });
    }

    /// HAProxy's connection to its server failed: it retries (on the same server, or
    /// redispatched to another, after the turn-around wait or at once), or after `retries`
    /// retries answers 503 (B1.19).
    fn connect_failed(&mut self, slot: u32) {
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
        let from = self.model.lbs[lb].svc;
        let target = self.model.links[self.model.lbs[lb].servers[server_slot]].to;
        let policy = self.lbs[lb].retry;
        if attempts >= policy.retries {
            let back = self.return_latency(slot);
            return self.fail(
                slot,
                now,
                now + back,
                Place::Svc(from),
                HopKind::Failure,
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
        self.hop(
            slot,
            now,
            Place::Svc(from),
            HopKind::Balance,
            None,
            None,
            |m| {
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
            },
        );
        self.queue.push(now + delay, Ev::Retry { req: slot });
    }

    fn retry(&mut self, slot: u32) {
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

    fn web_done(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        let Some(spec) = self.req(slot).map(|r| r.spec) else {
            return;
        };
        let terminates = self.model.svcs[svc].certificate.is_some();
        if let Some(req) = self.req_mut(slot) {
            req.web = Some(svc as u32);
            if terminates && !req.tls_at_lb {
                // Nginx holds the certificate: TLS ended here.
                req.encrypted = false;
            }
        }
        if spec.kind == RequestKind::Static {
            let path = STATIC_PATH;
            if self.model.svcs[svc]
                .static_paths
                .iter()
                .any(|p| path.starts_with(p.as_str()))
            {
                self.hop(
                    slot,
                    now,
                    Place::Svc(svc),
                    HopKind::Serve,
                    None,
                    None,
                    |_| format!("nginx: {path} is static, served from disk"),
                );
                return self.respond(slot, svc, 200);
            }
        }
        // Dynamic: pass to the first application server whose host is up.
        let app = self.model.pick_app(svc, |a| self.is_up(Place::Svc(a)));
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
            now,
            Place::Svc(svc),
            HopKind::Forward,
            None,
            None,
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
    fn forward(&mut self, slot: u32, from: usize, to: usize) -> bool {
        let now = self.now;
        let lan = self.config.lan_latency;
        let from_host = self.model.svcs[from].host;
        let to_host = self.model.svcs[to].host;
        let same_host = from_host == to_host;
        if !same_host {
            let back = self.return_latency(slot);
            let timeout_at = now + self.config.connect_timeout + back;
            if !self.host_up[to_host] {
                self.fail(
                    slot,
                    now,
                    timeout_at,
                    Place::Svc(from),
                    HopKind::Failure,
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
            if self.cut.contains(&host_pair(from_host, to_host)) {
                self.fail(
                    slot,
                    now,
                    timeout_at,
                    Place::Svc(from),
                    HopKind::Failure,
                    Fate::Failed(504),
                    |m| format!("the network to {} is cut", m.host_id(to_host)),
                );
                return false;
            }
            let src = self.model.hosts[from_host].ip;
            let packet = Packet {
                src,
                proto: Proto::Tcp,
                dst_port: self.model.svcs[to].port,
                state: ConnState::New,
            };
            let refused_at = now + lan.times(2) + back;
            if !self.firewall_passes(slot, to_host, &packet, now + lan, timeout_at, refused_at) {
                return false;
            }
        }
        if !self.svc_up[to] {
            // The SYN reaches the host, which answers with a reset.
            let back = self.return_latency(slot);
            let one_way = if same_host { LOOPBACK } else { lan };
            self.fail(
                slot,
                now + one_way,
                now + one_way.times(2) + back,
                Place::Svc(to),
                HopKind::Failure,
                Fate::Failed(502),
                |m| format!("{} is stopped: connection refused", m.svc_id(to)),
            );
            return false;
        }
        let one_way = if same_host { LOOPBACK } else { lan };
        if let Some(req) = self.req_mut(slot) {
            req.return_latency += one_way;
        }
        let delay = if same_host { LOOPBACK } else { lan.times(3) };
        self.queue.push(
            now + delay,
            Ev::Arrive {
                req: slot,
                svc: to as u32,
            },
        );
        true
    }

    fn app_done(&mut self, slot: u32, svc: usize) {
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
            .pick_database(svc, spec.kind, |d| self.is_up(Place::Svc(d)));
        let DbChoice::Database { db, why } = choice else {
            self.release(svc);
            if choice == DbChoice::NoDatabase && spec.kind == RequestKind::Read {
                self.hop(
                    slot,
                    now,
                    Place::Svc(svc),
                    HopKind::Serve,
                    None,
                    None,
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
            now,
            Place::Svc(svc),
            HopKind::Forward,
            None,
            None,
            |m| format!("{} queries {} ({why})", m.svc_id(svc), m.svc_id(db)),
        );
        // The worker stays busy until the answer is back (PHP waits for MySQL); if the query
        // cannot be sent, `fail` frees it.
        if let Some(req) = self.req_mut(slot) {
            req.holding = Some(svc as u32);
        }
        self.forward(slot, svc, db);
    }

    fn db_done(&mut self, slot: u32, svc: usize) {
        let now = self.now;
        let Some(spec) = self.req(slot).map(|r| r.spec) else {
            return;
        };
        if let Some((group, replica)) = self.model.db_of_svc[svc] {
            match (spec.kind, replica) {
                (RequestKind::Write, _) => {
                    self.write_seq += 1;
                    let value = self.write_seq;
                    self.dbs[group].write(spec.key, value, now, &mut self.rng);
                    self.hop(slot, now, Place::Svc(svc), HopKind::Database, None, None, |m| {
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
                    let read = self.dbs[group].read_primary(spec.key, now);
                    self.hop(
                        slot,
                        now,
                        Place::Svc(svc),
                        HopKind::Database,
                        None,
                        None,
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
                    let read = self.dbs[group].read_replica(r, spec.key, now);
                    if read.stale {
                        self.stats.stale_reads += 1;
                        self.timeline.bucket_mut(now).stale_reads += 1;
                    } else {
                        self.stats.fresh_replica_reads += 1;
                    }
                    if let Some(req) = self.req_mut(slot) {
                        req.stale = read.stale;
                    }
                    self.hop(slot, now, Place::Svc(svc), HopKind::Database, None, None, |m| {
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
            Some(a) if self.model.svcs[a].host == self.model.svcs[svc].host => LOOPBACK,
            _ => self.config.lan_latency,
        };
        if let Some(req) = self.req_mut(slot) {
            req.return_latency = req.return_latency - one_way;
        }
        self.queue.push(now + one_way, Ev::DbReply { req: slot });
    }

    fn db_reply(&mut self, slot: u32) {
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
    fn respond(&mut self, slot: u32, svc: usize, status: u16) {
        let now = self.now;
        let Some((back, web, sent_at)) =
            self.req(slot).map(|r| (r.return_latency, r.web, r.sent_at))
        else {
            return;
        };
        if let Some(w) = web {
            self.served_by[w as usize] += 1;
        }
        let host = self.model.svcs[svc].host;
        self.host_counters[host].time_us += (now - sent_at).as_micros();
        self.hop(
            slot,
            now,
            Place::Svc(svc),
            HopKind::Response,
            None,
            None,
            |m| {
                format!(
                    "{status} response from {} travels back to the browser ({back})",
                    m.svc_id(svc)
                )
            },
        );
        self.finish(slot, now + back, Fate::Served { status });
    }

    /// The outcome reaches the client: count it, close the trace, free the slot.
    fn complete(&mut self, slot: u32, now: SimTime) {
        let Some(fate) = self.req(slot).and_then(|r| r.fate) else {
            return;
        };
        self.finished += 1;
        let kind = Stats::kind_index(self.req(slot).map_or(RequestKind::Static, |r| r.spec.kind));
        let latency = self.req(slot).map(|r| now - r.sent_at);
        let web = self.req(slot).and_then(|r| r.web);
        let resent = self.req(slot).is_some_and(|r| r.client_syn.resent > 0);
        let bucket = self.timeline.bucket_mut(now);
        for counts in [&mut self.stats.by_kind[kind], &mut bucket.outcomes] {
            match fate {
                Fate::Served { .. } => counts.served += 1,
                Fate::Dropped => counts.dropped += 1,
                Fate::Refused => counts.refused += 1,
                Fate::TimedOut => counts.timed_out += 1,
                Fate::NoServer => counts.no_server += 1,
                Fate::Failed(_) => counts.failed += 1,
            }
        }
        if matches!(fate, Fate::Served { .. }) && resent {
            self.stats.served_after_resend += 1;
        }
        if let (Fate::Served { .. }, Some(latency)) = (fate, latency) {
            self.stats.latency.record(latency);
            bucket.latency.record(latency);
            if let Some(w) = web {
                bucket.served_by[w as usize] += 1;
            }
        }
        if self.traced(slot) {
            let outcome = match self
                .req(slot)
                .and_then(|r| r.trace.as_ref())
                .and_then(|t| t.outcome.clone())
            {
                Some(outcome) => outcome,
                None => self.outcome(fate, Place::Client, slot, String::new()),
            };
            let encrypted = self.req(slot).is_some_and(|r| r.spec.https);
            let client = self.model.client_id.clone();
            if let Some(mut trace) = self.req_mut(slot).and_then(|r| r.trace.take()) {
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
                });
                trace.outcome = Some(outcome.clone());
                trace.finished_at = Some(now);
                self.outputs.push_back(Output::RequestDone {
                    id: trace.id,
                    outcome,
                    at: now,
                });
                self.traces.push(*trace);
            }
        }
        if let Some(entry) = self.reqs.get_mut(slot as usize) {
            *entry = None;
        }
        self.free.push(slot);
    }

    // ----- time-driven machinery -------------------------------------------------------------

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Arrive { req, svc } => self.arrive(req, svc as usize),
            Ev::Done { req, svc } => self.done(req, svc as usize),
            Ev::DbReply { req } => self.db_reply(req),
            Ev::Retry { req } => self.retry(req),
            Ev::ClientSyn { req } => self.client_syn(req),
            Ev::BackendSyn { req } => self.backend_syn(req),
            Ev::ConnectFailed { req } => self.connect_failed(req),
            Ev::Finish { req } => self.complete(req, self.now),
            Ev::Check { lb, slot } => self.health_check(lb as usize, slot as usize),
            Ev::Mark { lb, slot, up } => self.mark(lb as usize, slot as usize, up),
            Ev::Takeover { vip } => self.vrrp_timer_expires(vip as usize),
            Ev::Script { host } => self.run_track_script(host as usize),
            Ev::Report { host } => self.agent_report(host as usize),
            Ev::Input { idx } => {
                if let Some(input) = self.scheduled.get_mut(idx as usize).and_then(Option::take) {
                    // Checked when scheduled; a failure here would be an engine bug, and the
                    // run goes on without the input.
                    let _ = self.apply_input(input);
                }
            }
            Ev::Sample => self.sample(),
            Ev::NextArrival { load } => self.next_arrival(load as usize),
        }
    }

    /// A VRRP group's pending takeover falls due: that BACKUP's Master_Down_Timer expired.
    fn vrrp_timer_expires(&mut self, vip: usize) {
        let now = self.now;
        let Some(takeover) = self.vrrp[vip].pending() else {
            return;
        };
        let old = self.vrrp[vip].master();
        let mut taken = false;
        self.vrrp_change(vip, now, |group| taken = group.take_over(&takeover, now));
        if !taken {
            return;
        }
        let members = &self.model.vips[vip].members;
        let host = members[takeover.member];
        let name = self.model.host_id(host);
        let what = match old {
            Some(old) => format!(
                "{name}'s Master_Down_Timer expires while it discards {}'s lower-priority \
                 adverts: {name} becomes MASTER (preemption) and {} goes BACKUP",
                self.model.host_id(members[old]),
                self.model.host_id(members[old])
            ),
            None => format!("{name}'s Master_Down_Timer expires: {name} becomes MASTER"),
        };
        self.report_keepalived(vip, host, now, what);
    }

    /// One HAProxy health check of one server, as the engine sees the server's state now.
    fn health_check(&mut self, lb: usize, slot: usize) {
        let target = self.model.links[self.model.lbs[lb].servers[slot]].to;
        let lb_host = self.model.svcs[self.model.lbs[lb].svc].host;
        let to_host = self.model.svcs[target].host;
        let result = if !self.host_up[to_host] || self.cut.contains(&host_pair(lb_host, to_host)) {
            CheckResult::Hung
        } else {
            let packet = Packet {
                src: self.model.hosts[lb_host].ip,
                proto: Proto::Tcp,
                dst_port: self.model.svcs[target].port,
                state: ConnState::New,
            };
            let verdict = firewall::evaluate(self.model.hosts[to_host].firewall.as_ref(), &packet);
            if !verdict.passes() {
                if verdict.action == Action::Reject {
                    CheckResult::Refused
                } else {
                    CheckResult::Hung
                }
            } else if !self.svc_up[target] {
                CheckResult::Refused
            } else {
                CheckResult::Passed
            }
        };
        let lb_alive = self.host_up[lb_host];
        let Some(checker) = self.lbs[lb].checkers.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        let next = if lb_alive {
            let (completed, transition) = checker.run_check(result);
            if let Some(transition) = transition {
                let up = matches!(transition, Transition::WentUp);
                self.queue.push(
                    completed,
                    Ev::Mark {
                        lb: lb as u32,
                        slot: slot as u32,
                        up,
                    },
                );
            }
            checker.next_check_at()
        } else {
            // A dead load balancer checks nothing; its loop keeps its rhythm for its return.
            checker.skip_check()
        };
        self.queue.push(
            next.max(self.now),
            Ev::Check {
                lb: lb as u32,
                slot: slot as u32,
            },
        );
    }

    fn mark(&mut self, lb: usize, slot: usize, up: bool) {
        if self.lbs[lb].available[slot] == up {
            return;
        }
        self.lbs[lb].available[slot] = up;
        let model = &self.model;
        let server = model
            .svc_id(model.links[model.lbs[lb].servers[slot]].to)
            .to_owned();
        let lb_id = model.svc_id(model.lbs[lb].svc).to_owned();
        let hc = model.lbs[lb].health_check;
        let reason = if up {
            format!(
                "{server} passed {} checks in a row (rise {})",
                hc.rise, hc.rise
            )
        } else {
            format!(
                "{server} failed {} checks in a row (fall {}, inter {} ms)",
                hc.fall, hc.fall, hc.inter_ms
            )
        };
        self.outputs.push_back(Output::ServerState {
            lb: lb_id,
            server,
            up,
            at: self.now,
            reason,
        });
    }

    /// Closes a timeline bucket: queue depths and replica lags as they are now.
    fn sample(&mut self) {
        let now = self.now;
        self.queue.push(now + self.timeline.width, Ev::Sample);
        // The bucket that just ended is the one holding the instant before now.
        let Some(last) = now.as_micros().checked_sub(1) else {
            return;
        };
        let depths: Vec<u32> = self.pools.iter().map(|p| p.queue.len() as u32).collect();
        let lags: Vec<Option<u64>> = (0..self.model.svcs.len())
            .map(|s| match self.model.db_of_svc[s] {
                Some((group, Some(r))) if self.dbs[group].is_running(r) => self.dbs[group]
                    .apply_delay(r, now)
                    .map(|d| d.as_micros() / 1000),
                _ => None,
            })
            .collect();
        let bucket = self.timeline.bucket_mut(SimTime::from_micros(last));
        bucket.queue_depth = depths;
        bucket.replica_lag_ms = lags;
    }

    fn agent_report(&mut self, host: usize) {
        let Some(interval) = self.model.hosts[host].agent_interval else {
            return;
        };
        self.queue
            .push(self.now + interval, Ev::Report { host: host as u32 });
        let counters = std::mem::take(&mut self.host_counters[host]);
        if !self.host_up[host] {
            // A dead host reports nothing; the collector sees a gap.
            return;
        }
        let services = &self.model.hosts[host].services;
        let queue_depth = services
            .iter()
            .map(|&s| self.pools[s].queue.len() as u64)
            .sum();
        let replication_lag_s = services
            .iter()
            .find_map(|&s| match self.model.db_of_svc[s] {
                Some((group, Some(r))) => self.dbs[group].seconds_behind_source(r, self.now),
                _ => None,
            });
        let mean = counters.time_us.checked_div(counters.requests).unwrap_or(0);
        let report = MetricsReport {
            host: self.model.host_id(host).to_owned(),
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
        let Some(run) = self.loads.get_mut(load_idx) else {
            return;
        };
        if run.sent >= run.load.count {
            return;
        }
        run.sent += 1;
        let more = run.sent < run.load.count;
        let load = run.load;
        let start = run.start;
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
        let new_session = !load.https || self.rng.random_range(0..100) < load.new_session_pct;
        self.send(
            RequestSpec {
                kind,
                https: load.https,
                key,
            },
            false,
            new_session,
        );
        if more {
            // Exponential gaps between arrivals: a Poisson process at `rps`.
            let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
            let gap_us = match load.shape {
                Shape::Constant => -u.ln() / load.rps * 1_000_000.0,
                shape => {
                    let t = (self.now - start).as_micros() as f64 / 1e6;
                    match shape.gap(load.rps, t, -u.ln()) {
                        Some(gap_s) => gap_s * 1_000_000.0,
                        // The rate stays at zero from here: the load sends nothing more.
                        None => return,
                    }
                }
            };
            let at = self.now + SimDuration::from_micros(gap_us as u64);
            self.queue.push(
                at,
                Ev::NextArrival {
                    load: load_idx as u32,
                },
            );
        }
    }
}

/// The path of the static file a static request asks for.
const STATIC_PATH: &str = "/static/logo.png";

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
        Outcome::Served {
            status,
            backend,
            stale,
        } => {
            let via = backend
                .as_deref()
                .map(|b| format!(" (served by {b})"))
                .unwrap_or_default();
            let stale = if *stale { ", stale data" } else { "" };
            format!("the browser receives {status}{via}{stale}")
        }
        Outcome::Dropped { host, .. } => format!("dropped at {host}: the browser times out"),
        Outcome::Refused { place, .. } => {
            format!("refused at {place}: the browser shows an error at once")
        }
        Outcome::TimedOut { place, .. } => format!("no answer from {place}: the browser times out"),
        Outcome::NoServer { place } => format!("{place} answers 503 Service Unavailable"),
        Outcome::Failed { status, place, .. } => format!("{place} fails the request ({status})"),
    }
}
