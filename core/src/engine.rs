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

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::balancer::{Balancer, ConnectError, RetryPolicy, ServerSpec};
use crate::dns::{DnsLatency, Resolver};
use crate::firewall::{self, ConnState, Decision, Packet};
use crate::format::{self, TopologyError};
use crate::health::{CheckTiming, Checker};
use crate::model::{Entry, Model, Place, ServiceCosts};
use crate::queue::EventQueue;
use crate::replication::{LagModel, ReplicatedDb};
use crate::stats::Stats;
use crate::time::{SimDuration, SimTime};
use crate::timeline::Timeline;
use crate::topology::{NodeKind, Proto, Topology};
use crate::trace::{HopKind, Outcome, RequestId, RequestSpec, Trace};
use crate::vrrp::{TrackScript, VrrpGroup, VrrpVersion, advert_interval_v2, track_script};

mod background;
mod balance;
mod causes;
mod client;
mod keepalived;
mod load;
mod queries;
mod request;
mod tiers;
mod words;

pub use load::{Load, Mix, Shape};

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
    /// A health check changed a server's count towards a change of state (or the state
    /// itself), in words: "check 2/3 failed: connection refused". Checks that change nothing
    /// (passing while fully UP, failing while fully DOWN) are not reported.
    Check {
        lb: String,
        server: String,
        /// When the check completed (a hung one at its timeout).
        at: SimTime,
        passed: bool,
        what: String,
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

impl Output {
    /// What happened, in one sentence, for lists of what a run did (the page's "What
    /// happened", a proof's details); `None` for finished requests and agents' reports.
    pub fn describe(&self) -> Option<String> {
        Some(match self {
            Output::Check { server, what, .. } => format!("{server}: {what}"),
            Output::ServerState {
                lb,
                server,
                up,
                reason,
                ..
            } => format!(
                "{lb} marks {server} {}: {reason}",
                if *up { "UP" } else { "DOWN" }
            ),
            Output::VipHolder { vip, holder, .. } => match holder {
                Some(holder) => format!("{vip} is now held by {holder}"),
                None => format!("nobody holds {vip}: its traffic goes nowhere"),
            },
            Output::Keepalived { vip, what, .. } => format!("{vip}: {what}"),
            Output::RequestDone { .. } | Output::Metrics(_) => return None,
        })
    }
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
    /// Whether this is the server the load balancer picked most recently (for any request,
    /// answered or not).
    pub last_pick: bool,
    /// Whether the load balancer's next request goes to this server: its `balance` state asked
    /// now, with the servers' current availability (a health-check change before that request
    /// arrives can change it).
    pub next_pick: bool,
    /// How far the health checks are from changing the server's state (`Steady` without
    /// `check`): "failing 2/3", "rising 1/2".
    pub checks: crate::health::CheckProgress,
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

/// A request in flight. Its trace, if it carries one, is kept apart
/// ([`Simulation::tracing`]), so that a `Req` owns nothing and freeing or reusing its slot
/// drops nothing.
struct Req {
    spec: RequestSpec,
    sent_at: SimTime,
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
    /// What the failing site knows about why, set just before it fails the request.
    detail: causes::Detail,
}

/// Where and when a hop happens, and the ends of the packet it shows (the event list and the
/// dot use them).
#[derive(Clone, Copy)]
struct Spot {
    at: SimTime,
    place: Place,
    kind: HopKind,
    src: Option<(Ipv4Addr, u16)>,
    dst: Option<(Ipv4Addr, u16)>,
    /// Which of the client's SYNs the hop is about ([`crate::trace::Hop::syn`]).
    syn: u8,
}

impl Spot {
    /// A hop at `place` at `at`, without addresses.
    #[inline(always)]
    fn new(at: SimTime, place: Place, kind: HopKind) -> Spot {
        Spot {
            at,
            place,
            kind,
            src: None,
            dst: None,
            syn: 0,
        }
    }

    /// The same hop, showing the packet's source and destination.
    #[inline(always)]
    fn ends(self, src: Option<(Ipv4Addr, u16)>, dst: Option<(Ipv4Addr, u16)>) -> Spot {
        Spot { src, dst, ..self }
    }

    /// The same hop, about the client's SYN resent `resent` times before.
    #[inline(always)]
    fn syn(self, resent: u8) -> Spot {
        Spot {
            syn: resent,
            ..self
        }
    }
}

/// What the engine keeps for a traced request: its trace, and the places the request came in
/// through so far (the way its response goes back).
struct Traced {
    trace: Trace,
    way_in: Vec<Place>,
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
    Firewall(usize, Decision, Packet),
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
    /// The server slot picked most recently.
    last_pick: Option<u32>,
}

/// Every change of the world, as it waits on the queue: 8 bytes, so the queue moves it as one
/// word. Services, load balancers and server slots fit in 16 bits: a valid design has at most
/// `MAX_NODES × MAX_SERVICES_PER_HOST` services and `MAX_LINKS` links (`format::validate`).
#[derive(Clone, Copy)]
enum Ev {
    /// A scheduled input falls due.
    Input {
        idx: u32,
    },
    /// The end of a timeline bucket: sample queues and lags.
    Sample,
    Arrive {
        req: u32,
        svc: u16,
    },
    Done {
        req: u32,
        svc: u16,
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
        lb: u16,
        slot: u16,
    },
    Mark {
        lb: u16,
        slot: u16,
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

const _: () = assert!(format::MAX_NODES * format::MAX_SERVICES_PER_HOST <= u16::MAX as usize);
const _: () = assert!(format::MAX_LINKS <= u16::MAX as usize);
const _: () = assert!(std::mem::size_of::<Ev>() == 8);

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

/// A host's firewall decision on the client's SYN to one port, and the service listening there.
type EntryGate = (Decision, Option<usize>);

/// A running simulation of one design.
pub struct Simulation {
    model: Model,
    config: Config,
    now: SimTime,
    queue: EventQueue<Ev>,
    rng: Pcg64Mcg,
    reqs: Vec<Option<Req>>,
    /// The trace of each request slot whose request carries one, indexed like `reqs` (shorter
    /// when no traced request used the later slots).
    tracing: Vec<Option<Box<Traced>>>,
    /// Requests in flight that carry a trace: while there are none (a load run), every hop
    /// and return-path note is skipped without looking the request up.
    traced_in_flight: u32,
    free: Vec<u32>,
    next_id: u64,
    pools: Box<[Pool]>,
    lbs: Box<[LbState]>,
    vrrp: Vec<VrrpGroup>,
    /// keepalived's track script per host, for VRRP members whose keepalived tracks one.
    scripts: Vec<Option<ScriptRun>>,
    dbs: Vec<ReplicatedDb>,
    resolver: Resolver,
    dns_memo: Option<DnsMemo>,
    /// The last address the client connected to, whether it is routed there and what answers
    /// there ([`Simulation::entry_of`]).
    entry_memo: (Ipv4Addr, bool, Option<Entry>),
    host_up: Vec<bool>,
    /// Hosts down because they were shut down cleanly (`Input::HostStop`), not crashed.
    host_stopped: Vec<bool>,
    host_slow: Box<[u32]>,
    svc_up: Vec<bool>,
    /// The firewall's decision on each link's connection (the packet from the link's source
    /// host to its target's port), asked once of [`crate::firewall::evaluate`]: a run never
    /// changes a design's rules.
    link_fw: Vec<Decision>,
    /// Per host, for plain HTTP and HTTPS: its firewall's decision on the client's SYN and the
    /// service listening there ([`Model::listener`]), asked once.
    entry_gates: Vec<[EntryGate; 2]>,
    cut: Vec<(usize, usize)>,
    host_counters: Box<[HostCounters]>,
    served_by: Box<[u64]>,
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
    /// Failures counted by why ([`Simulation::failure_causes`]).
    failures: Vec<(causes::Why, u64)>,
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
                            lb: lb_idx as u16,
                            slot: slot as u16,
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
                last_pick: None,
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
            model
                .links
                .iter()
                .map(|l| {
                    (
                        model.svc_id(l.from).to_owned(),
                        model.svc_id(l.to).to_owned(),
                    )
                })
                .collect(),
        );
        queue.push(SimTime::ZERO + timeline.width, Ev::Sample);
        // The decisions a run cannot change, asked once.
        let admits = |src, host: usize, port| {
            let packet = Packet {
                src,
                proto: Proto::Tcp,
                dst_port: port,
                state: ConnState::New,
            };
            firewall::evaluate(model.hosts[host].firewall.as_ref(), &packet)
        };
        let mut link_fw = Vec::with_capacity(model.links.len());
        for link in &model.links {
            let to = &model.svcs[link.to];
            let src = model.hosts[model.svcs[link.from].host].ip;
            link_fw.push(admits(src, to.host, to.port));
        }
        let mut entry_gates = Vec::with_capacity(n_hosts);
        for host in 0..n_hosts {
            let gate = |port| {
                (
                    admits(model.client_ip, host, port),
                    model.listener(host, port),
                )
            };
            entry_gates.push([gate(80), gate(443)]);
        }
        Ok(Simulation {
            link_fw,
            entry_gates,
            resolver: Resolver::new(config.dns),
            dns_memo: None,
            entry_memo: (
                Ipv4Addr::UNSPECIFIED,
                crate::model::routes(model.client_ip, Ipv4Addr::UNSPECIFIED),
                model.entry_at(Ipv4Addr::UNSPECIFIED),
            ),
            config,
            now: SimTime::ZERO,
            queue,
            rng,
            reqs: Vec::new(),
            tracing: Vec::new(),
            traced_in_flight: 0,
            free: Vec::new(),
            next_id: 0,
            pools: (0..n_svcs).map(|_| Pool::default()).collect(),
            lbs: lbs.into(),
            vrrp,
            scripts,
            dbs,
            host_up: vec![true; n_hosts],
            host_stopped: vec![false; n_hosts],
            host_slow: vec![1; n_hosts].into(),
            svc_up: vec![true; n_svcs],
            cut: Vec::new(),
            host_counters: vec![HostCounters::default(); n_hosts].into(),
            served_by: vec![0; n_svcs].into(),
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
            failures: Vec::new(),
            model,
        })
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

    /// Processes every event due at or before `until`, then sets the clock to `until`.
    pub fn advance_to(&mut self, until: SimTime) {
        self.run(until, false);
        self.now = self.now.max(until);
    }

    /// Runs until no request is in flight and no load is pending, or until `limit`; the
    /// clock stops at the last event processed.
    pub fn run_until_quiet(&mut self, limit: SimTime) {
        self.run(limit, true);
    }

    /// The event loop of [`Simulation::advance_to`] and [`Simulation::run_until_quiet`]:
    /// processes the events due by `until`, stopping early once the run is quiet if
    /// `until_quiet`. One loop, so the queue's inlined pop and the inlined
    /// [`Simulation::dispatch`] are in the binary once (hence never inlined itself).
    #[inline(never)]
    fn run(&mut self, until: SimTime, until_quiet: bool) {
        let mut pending_loads = self.loads.iter().any(|l| l.sent < l.load.count);
        while !until_quiet || self.finished < self.stats.sent || pending_loads {
            let Some((at, ev)) = self.queue.pop_until(until) else {
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

    /// Whether host `host` is up now (an unknown one is not).
    #[inline(always)]
    fn host_up_now(&self, host: usize) -> bool {
        self.host_up.get(host) == Some(&true)
    }

    /// Whether service `svc` runs now, whatever its host does (an unknown one does not).
    #[inline(always)]
    fn svc_up_now(&self, svc: usize) -> bool {
        self.svc_up.get(svc) == Some(&true)
    }

    /// Whether service `svc` and its host are up now ([`Simulation::is_up`] of a service),
    /// inlined for the request path's picks.
    #[inline(always)]
    fn svc_alive(&self, svc: usize) -> bool {
        self.svc_up_now(svc) && self.host_up_now(self.model.svc(svc).host)
    }

    /// Whether the network between hosts `a` and `b` is cut: inlined up to the usual answer,
    /// nothing is cut.
    #[inline(always)]
    fn is_cut(&self, a: usize, b: usize) -> bool {
        !self.cut.is_empty() && self.cut.contains(&host_pair(a, b))
    }

    /// Whether a host or service is up now (a service also needs its host).
    fn is_up(&self, place: Place) -> bool {
        match place {
            Place::Host(h) => self.host_up.get(h).copied().unwrap_or(false),
            Place::Svc(s) => {
                self.svc_up.get(s).copied().unwrap_or(false)
                    && self.is_up(Place::Host(self.model.svc(s).host))
            }
            Place::Client | Place::Dns | Place::Vip(_) => true,
        }
    }

    /// Handles one event. Inlined into [`Simulation::run`], its only caller: out of line it
    /// saved and restored six registers and set up its constants on every event (about 25
    /// instructions of some 465 per event).
    #[inline(always)]
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
}

#[inline(always)]
fn host_pair(a: usize, b: usize) -> (usize, usize) {
    if a <= b { (a, b) } else { (b, a) }
}
