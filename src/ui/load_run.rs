//! A load run as the page shows it: the settings a user typed (rate shape, mix, scenario),
//! checked, run through the core in slices ([`LoadRunner`], so the page can draw between
//! them) and kept as plain per-second series and a monitoring summary (UI-side and pure).
//! The settings also travel in the share link ([`LoadSettings::to_fragment`]).

use crate::sim::cause::{self, Diagnosis};
use crate::sim::engine::{BuildError, Config, Input, InputError, Load, Mix, Shape, Simulation};
use crate::sim::number::shortest;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::timeline::{Bucket, CoarseHistogram};
use crate::sim::topology::{DbRole, NodeKind, ServiceKind, Topology};
use crate::ui::charts::Mark;
use crate::ui::fields::parse_f64;

/// The most requests one run may send; larger runs are refused.
pub const MAX_REQUESTS: u64 = 200_000;
/// The longest run, in simulated seconds.
pub const MAX_SECONDS: f64 = 600.0;
/// The most scenario steps one run may have.
pub const MAX_STEPS: usize = 64;
/// The largest slow-down factor of a host.
pub const MAX_SLOW_FACTOR: f64 = 100.0;
/// Latency quantiles kept for the histogram (`q = (k + 0.5) / N`).
pub const LATENCY_SAMPLES: usize = 200;

/// Why load test settings are refused. Its `Display` is the sentence the page shows.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("requests per second must be a number above 0")]
    Rate,
    #[error(
        "the duration must be a number of seconds above 0 and at most {}",
        shortest(MAX_SECONDS)
    )]
    Duration,
    /// A shape's rate (`what`: "the ramp's final rate", "the spike's rate").
    #[error("{0} must be a number of requests per second from 0")]
    ShapeRate(&'static str),
    #[error(
        "the spike must start at 0 s or later and end after it starts, by the end of the run ({} s)",
        shortest(*.seconds)
    )]
    SpikeTimes { seconds: f64 },
    #[error("{} requests is too many: a run may send at most {MAX_REQUESTS}", shortest(*.count))]
    TooMany { count: f64 },
    #[error("the run would send no request")]
    NoRequest,
    /// A share of the mix (`what`: "static", "read", "write").
    #[error("{0} must be a whole percentage from 0 to 100")]
    Percentage(&'static str),
    #[error("the mix needs at least one kind of request")]
    EmptyMix,
    #[error("the seed must be a whole number from 0")]
    Seed,
    #[error("a scenario may have at most {MAX_STEPS} steps")]
    TooManySteps,
    /// Step `n` (from 1) of the scenario.
    #[error("step {n}: {error}")]
    Step { n: usize, error: StepError },
    /// The engine cannot build the design.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The engine refused a step's input.
    #[error(transparent)]
    Input(#[from] InputError),
}

/// Why a scenario step is refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StepError {
    #[error(
        "the time must be a number of seconds from 0 to {}",
        shortest(MAX_SECONDS)
    )]
    Time,
    #[error("at {} s is after the run ends ({} s)", shortest(*.at_s), shortest(*.seconds))]
    AfterTheEnd { at_s: f64, seconds: f64 },
    /// No target chosen (`what`: "host", "service", "replica database", "link").
    #[error("choose a {0}")]
    NoTarget(&'static str),
    #[error("there is no {what} '{target}' in this design")]
    UnknownTarget { what: &'static str, target: String },
    #[error(
        "the slow-down factor must be a whole number from 1 to {}",
        shortest(MAX_SLOW_FACTOR)
    )]
    SlowFactor,
}

/// Why load test settings in a share link cannot be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LinkSettingsError {
    #[error("the load settings are longer than {MAX_FRAGMENT} characters")]
    TooLong,
    #[error("load setting '{0}' has no ':'")]
    NoColon(String),
    #[error("load setting '{key}': '{text}' is not a number")]
    NotANumber { key: String, text: String },
    #[error("load setting '{key}' needs {n} numbers separated by '_', not '{text}'")]
    Numbers { key: String, n: usize, text: String },
    #[error("load setting 'https' is 0 or 1, not '{0}'")]
    Https(String),
    #[error("a scenario may have at most {MAX_STEPS} steps")]
    TooManySteps,
    #[error("load step '{0}' must be seconds_kind_target")]
    StepShape(String),
    #[error("load step kind '{0}' is unknown")]
    StepKind(String),
    #[error("'{0}' has a bad %-escape")]
    Escape(String),
    #[error("'{0}' is not UTF-8 once decoded")]
    Utf8(String),
    #[error("load setting '{0}' is unknown")]
    Unknown(String),
}

/// How the rate changes over the run; the base rate is [`LoadSettings::rps`]. Numbers are as
/// typed, checked by [`LoadSettings::check`].
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RateShape {
    /// `rps` all along.
    #[default]
    Constant,
    /// From `rps` to `to_rps` in a straight line over the whole run.
    Ramp { to_rps: f64 },
    /// `rps`, but `spike_rps` from `from_s` until `until_s`.
    Spike {
        spike_rps: f64,
        from_s: f64,
        until_s: f64,
    },
}

/// What a scenario step does to its target.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// A host crashes (nothing on it answers) or comes back.
    HostDown,
    HostUp,
    /// A host is shut down cleanly: keepalived on it sends a priority-0 advert first.
    HostStop,
    /// A service stops (its host answers with a reset) or starts again.
    ServiceDown,
    ServiceUp,
    /// A replica's replication stops or starts (target: a replica database service).
    StopReplication,
    StartReplication,
    /// The network of a link is cut or repaired (target: `from → to`, see [`link_target`]).
    CutLink,
    RestoreLink,
    /// Every service on a host takes `factor` times longer (1: back to normal speed).
    SlowHost {
        factor: f64,
    },
}

/// What a step's target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Host,
    Service,
    Replica,
    Link,
}

impl StepKind {
    /// Every kind, in the order the step editor lists them (`SlowHost` with factor 2).
    pub fn all() -> [StepKind; 10] {
        [
            StepKind::HostDown,
            StepKind::HostStop,
            StepKind::HostUp,
            StepKind::ServiceDown,
            StepKind::ServiceUp,
            StepKind::StopReplication,
            StepKind::StartReplication,
            StepKind::CutLink,
            StepKind::RestoreLink,
            StepKind::SlowHost { factor: 2.0 },
        ]
    }

    /// A short stable name (the step editor's option value and the share link's word).
    pub fn key(&self) -> &'static str {
        match self {
            StepKind::HostDown => "host-down",
            StepKind::HostUp => "host-up",
            StepKind::HostStop => "host-stop",
            StepKind::ServiceDown => "service-down",
            StepKind::ServiceUp => "service-up",
            StepKind::StopReplication => "stop-replication",
            StepKind::StartReplication => "start-replication",
            StepKind::CutLink => "cut-link",
            StepKind::RestoreLink => "restore-link",
            StepKind::SlowHost { .. } => "slow-host",
        }
    }

    /// The kind named by [`StepKind::key`] (a slow host gets `factor`).
    pub fn from_key(key: &str, factor: f64) -> Option<StepKind> {
        Some(match key {
            "host-down" => StepKind::HostDown,
            "host-up" => StepKind::HostUp,
            "host-stop" => StepKind::HostStop,
            "service-down" => StepKind::ServiceDown,
            "service-up" => StepKind::ServiceUp,
            "stop-replication" => StepKind::StopReplication,
            "start-replication" => StepKind::StartReplication,
            "cut-link" => StepKind::CutLink,
            "restore-link" => StepKind::RestoreLink,
            "slow-host" => StepKind::SlowHost { factor },
            _ => return None,
        })
    }

    /// What the step editor says, e.g. "take host down".
    pub fn label(&self) -> &'static str {
        match self {
            StepKind::HostDown => "take host down",
            StepKind::HostUp => "bring host up",
            StepKind::HostStop => "stop host cleanly",
            StepKind::ServiceDown => "stop service",
            StepKind::ServiceUp => "start service",
            StepKind::StopReplication => "stop replication",
            StepKind::StartReplication => "start replication",
            StepKind::CutLink => "cut link",
            StepKind::RestoreLink => "restore link",
            StepKind::SlowHost { .. } => "slow host down ×",
        }
    }

    pub fn target_kind(&self) -> TargetKind {
        match self {
            StepKind::HostDown
            | StepKind::HostUp
            | StepKind::HostStop
            | StepKind::SlowHost { .. } => TargetKind::Host,
            StepKind::ServiceDown | StepKind::ServiceUp => TargetKind::Service,
            StepKind::StopReplication | StepKind::StartReplication => TargetKind::Replica,
            StepKind::CutLink | StepKind::RestoreLink => TargetKind::Link,
        }
    }
}

/// One scheduled failure or repair of any kind: at `at_s` seconds, `kind` to `target`.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at_s: f64,
    pub kind: StepKind,
    /// A host id, service id, or link `from → to`, as [`StepKind::target_kind`] says.
    pub target: String,
}

/// What the load panel asks for. Numbers are as typed (not yet checked): see [`LoadSettings::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSettings {
    /// The rate (the base or starting rate of a shaped load).
    pub rps: f64,
    pub seconds: f64,
    pub static_pct: f64,
    pub read_pct: f64,
    pub write_pct: f64,
    pub https: bool,
    pub seed: f64,
    pub shape: RateShape,
    /// Scheduled failures and repairs of every kind.
    pub steps: Vec<Step>,
}

impl Default for LoadSettings {
    fn default() -> Self {
        let mix = Mix::default();
        LoadSettings {
            rps: 200.0,
            seconds: 20.0,
            static_pct: f64::from(mix.static_pct),
            read_pct: f64::from(mix.read_pct),
            write_pct: f64::from(mix.write_pct),
            https: false,
            seed: 1.0,
            shape: RateShape::Constant,
            steps: Vec::new(),
        }
    }
}

/// What checked settings run: the load, the seed and the timed inputs.
pub type Checked = (Load, u64, Vec<(SimTime, Input)>);

/// One agent-carrying host as the collector saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostMetrics {
    pub host: String,
    /// How many reports arrived.
    pub reports: usize,
    pub requests: u64,
    pub errors: u64,
    /// The queue depth of the last report.
    pub queue_depth: u64,
    /// The replication lag of the last report, in seconds.
    pub lag_s: Option<u64>,
}

/// Requests per second over one request link, as the engine sent them (see
/// [`LoadResult::links`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkLoad {
    pub from: String,
    pub to: String,
    pub per_second: Vec<f64>,
}

/// A load run, finished or (from [`LoadRunner::snapshot`]) so far, as plain values.
///
/// The per-second series cover the run's seconds and no more (the charts' axis is the run):
/// what counts requests (sent, served, errors, latency, per web server) counts them in the
/// second they were sent, so a request timing out 90 s later is in its own second. The other
/// counts (SYNs resent, requests over links and into load balancers, stale reads) are counted
/// when they happen. A request the Poisson arrivals send a fraction of a second after the end
/// (a fixed count at a random pace), and anything counted after the end, is in the last
/// second; samples (queue depths, lag, down hosts) stop at the end. The totals count
/// everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadResult {
    /// The settings it ran with.
    pub settings: Option<LoadSettings>,
    /// Whether the run is complete (a snapshot of a running one is not).
    pub finished: bool,
    /// Start of each bucket, in seconds.
    pub seconds: Vec<f64>,
    pub sent: Vec<f64>,
    pub served: Vec<f64>,
    /// Every outcome but served, per bucket.
    pub errors: Vec<f64>,
    /// Latency quantiles in milliseconds of the requests sent in each second and served;
    /// `None` where none was served (nothing measured, not 0).
    pub p50: Vec<Option<f64>>,
    pub p95: Vec<Option<f64>>,
    pub p99: Vec<Option<f64>>,
    /// Latency of every served request of the run, as [`LATENCY_SAMPLES`] evenly spaced
    /// quantiles in milliseconds (the histogram's data: each stands for the same share).
    pub latency_ms: Vec<f64>,
    /// Requests served per web server, per bucket.
    pub backends: Vec<(String, Vec<f64>)>,
    /// Requests each load balancer took in, per bucket, as the engine counted them
    /// ([`crate::sim::timeline::Bucket::balanced`]): the ones that took any.
    pub balancers: Vec<(String, Vec<f64>)>,
    /// Queue depth per service, for the services whose queue was ever non-empty.
    pub queues: Vec<(String, Vec<f64>)>,
    /// Hosts down at the end of each second.
    pub down_hosts: Vec<Vec<String>>,
    /// Who held each virtual IP and what keepalived made each member at the end of each
    /// second: the diagram's failover labels follow the run.
    pub vrrp: Vec<crate::ui::playback::Vrrp>,
    /// Requests per second over each request link, counted by the engine
    /// ([`crate::sim::timeline::Bucket::link_requests`]), in design order.
    pub links: Vec<LinkLoad>,
    /// The largest replica lag, in milliseconds; `None` where no replica's lag was measured
    /// (no replica, or its replication stopped: `Seconds_Behind_Source` is NULL).
    pub lag_ms: Vec<Option<f64>>,
    pub stale_reads: Vec<f64>,
    /// Requests whose first SYN got no answer, so the browser resent it (B6a): during a VRRP
    /// failover they wait for the new MASTER and are served late, not lost.
    pub syn_resent: Vec<f64>,
    pub total_sent: u64,
    pub total_served: u64,
    pub total_errors: u64,
    pub total_syn_resent: u64,
    /// Requests served after one or more SYN resends (late).
    pub total_served_late: u64,
    pub monitoring: Vec<HostMetrics>,
    /// Hosts without a monitoring agent.
    pub blind_spots: Vec<String>,
    /// Every failure of the run by cause, the most frequent first
    /// ([`crate::sim::engine::Simulation::failure_causes`]).
    pub failure_causes: Vec<(Diagnosis, u64)>,
}

impl LoadResult {
    /// The sentence for the cause behind more than half of the run's failures, with its fix
    /// ([`crate::sim::cause::summary`]); `None` when nothing failed or the causes are mixed.
    pub fn cause_sentence(&self) -> Option<String> {
        cause::summary(&self.failure_causes, self.total_sent)
    }

    /// The run's duration in seconds (the charts' time axis).
    pub fn run_seconds(&self) -> f64 {
        self.settings
            .as_ref()
            .map_or(self.seconds.len() as f64, |s| s.seconds)
    }

    /// The last second whose bucket is complete; once the run is finished, the last second of
    /// its load (not the grace seconds in which the last requests finish).
    pub fn last_second(&self) -> Option<usize> {
        let n = self.seconds.len();
        let load_seconds = self
            .settings
            .as_ref()
            .map_or(n, |s| s.seconds.ceil().max(1.0) as usize);
        match (self.finished, n) {
            (_, 0) => None,
            (true, n) => Some(n.min(load_seconds) - 1),
            (false, 1) => Some(0),
            (false, n) => Some(n - 2),
        }
    }
}

fn whole_pct(name: &'static str, value: f64) -> Result<u32, SettingsError> {
    if value.is_finite() && (0.0..=100.0).contains(&value) && value.fract() == 0.0 {
        Ok(value as u32)
    } else {
        Err(SettingsError::Percentage(name))
    }
}

fn rate(name: &'static str, value: f64) -> Result<f64, SettingsError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(SettingsError::ShapeRate(name))
    }
}

fn seconds_of(s: f64) -> SimDuration {
    SimDuration::from_micros((s * 1e6).round() as u64)
}

/// A link target as the step editor lists it.
pub fn link_target(from: &str, to: &str) -> String {
    format!("{from} → {to}")
}

/// Every target a step of `kind` may name in `topology`, in design order.
pub fn targets(topology: &Topology, kind: TargetKind) -> Vec<String> {
    let services = || topology.hosts().flat_map(|(_, h)| &h.services);
    match kind {
        TargetKind::Host => host_ids(topology),
        TargetKind::Service => services().map(|s| s.id.clone()).collect(),
        TargetKind::Replica => services()
            .filter(|s| {
                matches!(&s.kind, ServiceKind::Database(db) if matches!(db.role, DbRole::Replica { .. }))
            })
            .map(|s| s.id.clone())
            .collect(),
        TargetKind::Link => topology
            .links
            .iter()
            .map(|l| link_target(&l.from, &l.to))
            .collect(),
    }
}

impl Step {
    /// The core's input for this step, or why it is refused (`n`: the step's number from 1;
    /// `seconds`: the run's duration).
    pub fn check(
        &self,
        n: usize,
        seconds: f64,
        topology: &Topology,
    ) -> Result<(SimTime, Input), SettingsError> {
        let refuse = |error| SettingsError::Step { n, error };
        if !self.at_s.is_finite() || self.at_s < 0.0 || self.at_s > MAX_SECONDS {
            return Err(refuse(StepError::Time));
        }
        if seconds.is_finite() && self.at_s > seconds {
            return Err(refuse(StepError::AfterTheEnd {
                at_s: self.at_s,
                seconds,
            }));
        }
        let target = self.target.trim();
        let what = self.kind.target_kind();
        if !targets(topology, what).iter().any(|t| t == target) {
            let name = match what {
                TargetKind::Host => "host",
                TargetKind::Service => "service",
                TargetKind::Replica => "replica database",
                TargetKind::Link => "link",
            };
            return Err(refuse(if target.is_empty() {
                StepError::NoTarget(name)
            } else {
                StepError::UnknownTarget {
                    what: name,
                    target: target.to_owned(),
                }
            }));
        }
        let id = target.to_owned();
        let link = || {
            let (from, to) = target.split_once(" → ").unwrap_or((target, ""));
            (from.to_owned(), to.to_owned())
        };
        let input = match &self.kind {
            StepKind::HostDown => Input::HostDown(id),
            StepKind::HostUp => Input::HostUp(id),
            StepKind::HostStop => Input::HostStop(id),
            StepKind::ServiceDown => Input::ServiceDown(id),
            StepKind::ServiceUp => Input::ServiceUp(id),
            StepKind::StopReplication => Input::StopReplication(id),
            StepKind::StartReplication => Input::StartReplication(id),
            StepKind::CutLink => {
                let (from, to) = link();
                Input::CutLink { from, to }
            }
            StepKind::RestoreLink => {
                let (from, to) = link();
                Input::RestoreLink { from, to }
            }
            StepKind::SlowHost { factor } => {
                if !factor.is_finite()
                    || *factor < 1.0
                    || *factor > MAX_SLOW_FACTOR
                    || factor.fract() != 0.0
                {
                    return Err(refuse(StepError::SlowFactor));
                }
                Input::SlowHost {
                    host: id,
                    factor: *factor as u32,
                }
            }
        };
        Ok((SimTime::ZERO + seconds_of(self.at_s), input))
    }
}

impl LoadSettings {
    /// The scenario's steps as the charts mark them: "10 s: take host down lb-01".
    pub fn marks(&self) -> Vec<Mark> {
        self.steps
            .iter()
            .map(|step| {
                let what = match step.kind {
                    StepKind::SlowHost { factor } => {
                        format!("{}{}", step.kind.label(), shortest(factor))
                    }
                    _ => step.kind.label().to_owned(),
                };
                Mark {
                    at_s: step.at_s,
                    label: format!("{} s: {what} {}", shortest(step.at_s), step.target),
                }
            })
            .collect()
    }

    /// The core's rate shape, or why the shape is refused.
    fn core_shape(&self) -> Result<Shape, SettingsError> {
        Ok(match &self.shape {
            RateShape::Constant => Shape::Constant,
            RateShape::Ramp { to_rps } => Shape::Ramp {
                to_rps: rate("the ramp's final rate", *to_rps)?,
                over: seconds_of(self.seconds),
            },
            RateShape::Spike {
                spike_rps,
                from_s,
                until_s,
            } => {
                let spike_rps = rate("the spike's rate", *spike_rps)?;
                let times_ok = from_s.is_finite()
                    && until_s.is_finite()
                    && *from_s >= 0.0
                    && from_s < until_s
                    && *until_s <= self.seconds;
                if !times_ok {
                    return Err(SettingsError::SpikeTimes {
                        seconds: self.seconds,
                    });
                }
                Shape::Spike {
                    rps: spike_rps,
                    from: seconds_of(*from_s),
                    until: seconds_of(*until_s),
                }
            }
        })
    }

    /// The load and the timed inputs, or why the settings are refused.
    pub fn check(&self, topology: &Topology) -> Result<Checked, SettingsError> {
        let constant = self.shape == RateShape::Constant;
        if !self.rps.is_finite() || self.rps < 0.0 || (constant && self.rps == 0.0) {
            return Err(SettingsError::Rate);
        }
        if !self.seconds.is_finite() || self.seconds <= 0.0 || self.seconds > MAX_SECONDS {
            return Err(SettingsError::Duration);
        }
        let shape = self.core_shape()?;
        let count = shape.expected(self.rps, self.seconds).round();
        if count > MAX_REQUESTS as f64 {
            return Err(SettingsError::TooMany { count });
        }
        if count < 1.0 {
            return Err(SettingsError::NoRequest);
        }
        let mix = Mix {
            static_pct: whole_pct("static", self.static_pct)?,
            read_pct: whole_pct("read", self.read_pct)?,
            write_pct: whole_pct("write", self.write_pct)?,
        };
        if mix.static_pct + mix.read_pct + mix.write_pct == 0 {
            return Err(SettingsError::EmptyMix);
        }
        if !self.seed.is_finite() || self.seed < 0.0 || self.seed.fract() != 0.0 || self.seed > 1e15
        {
            return Err(SettingsError::Seed);
        }
        let steps = &self.steps;
        if steps.len() > MAX_STEPS {
            return Err(SettingsError::TooManySteps);
        }
        let inputs = steps
            .iter()
            .enumerate()
            .map(|(i, e)| e.check(i + 1, self.seconds, topology))
            .collect::<Result<Vec<_>, _>>()?;
        let load = Load {
            mix,
            https: self.https,
            shape,
            ..Load::new(self.rps, count as u64)
        };
        Ok((load, self.seed as u64, inputs))
    }
}

/// The ids of the design's hosts, in order.
pub fn host_ids(topology: &Topology) -> Vec<String> {
    topology
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Host(_)))
        .map(|n| n.id.clone())
        .collect()
}

/// The longest share-link value [`LoadSettings::from_fragment`] reads.
pub const MAX_FRAGMENT: usize = 8192;

/// Percent-encodes everything but letters, digits and `-._~`, so an id cannot break the
/// link's syntax.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn decode(text: &str) -> Result<String, LinkSettingsError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| LinkSettingsError::Escape(text.to_owned()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| LinkSettingsError::Utf8(text.to_owned()))
}

fn parse_number(key: &str, text: &str) -> Result<f64, LinkSettingsError> {
    match parse_f64(text) {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(LinkSettingsError::NotANumber {
            key: key.to_owned(),
            text: text.to_owned(),
        }),
    }
}

/// `n` numbers separated by `_`.
fn parse_numbers<const N: usize>(key: &str, text: &str) -> Result<[f64; N], LinkSettingsError> {
    let parts: Vec<&str> = text.split('_').collect();
    if parts.len() != N {
        return Err(LinkSettingsError::Numbers {
            key: key.to_owned(),
            n: N,
            text: text.to_owned(),
        });
    }
    let mut out = [0.0; N];
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = parse_number(key, part)?;
    }
    Ok(out)
}

impl LoadSettings {
    /// The settings as one share-link value, e.g.
    /// `load=rps:200,s:20,mix:30_60_10,https:0,seed:1,spike:1000_5_8,step:10_host-down_lb-01`.
    /// Host steps are written as steps; [`LoadSettings::from_fragment`] reads it back.
    pub fn to_fragment(&self) -> String {
        let mut parts = vec![
            format!("rps:{}", shortest(self.rps)),
            format!("s:{}", shortest(self.seconds)),
            format!(
                "mix:{}_{}_{}",
                shortest(self.static_pct),
                shortest(self.read_pct),
                shortest(self.write_pct)
            ),
            format!("https:{}", u8::from(self.https)),
            format!("seed:{}", shortest(self.seed)),
        ];
        match &self.shape {
            RateShape::Constant => {}
            RateShape::Ramp { to_rps } => parts.push(format!("ramp:{}", shortest(*to_rps))),
            RateShape::Spike {
                spike_rps,
                from_s,
                until_s,
            } => parts.push(format!(
                "spike:{}_{}_{}",
                shortest(*spike_rps),
                shortest(*from_s),
                shortest(*until_s)
            )),
        }
        for step in &self.steps {
            let kind = match &step.kind {
                StepKind::SlowHost { factor } => format!("slow-host{}", shortest(*factor)),
                other => other.key().to_owned(),
            };
            parts.push(format!(
                "step:{}_{}_{}",
                shortest(step.at_s),
                kind,
                encode(&step.target)
            ));
        }
        format!("load={}", parts.join(","))
    }

    /// Reads what [`LoadSettings::to_fragment`] wrote (with or without `load=`); settings it
    /// does not name keep their defaults. Only the syntax is checked here: the values are
    /// checked by [`LoadSettings::check`] when the run starts.
    pub fn from_fragment(text: &str) -> Result<LoadSettings, LinkSettingsError> {
        if text.len() > MAX_FRAGMENT {
            return Err(LinkSettingsError::TooLong);
        }
        let body = text.strip_prefix("load=").unwrap_or(text);
        let mut settings = LoadSettings::default();
        for part in body.split(',').filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once(':')
                .ok_or_else(|| LinkSettingsError::NoColon(part.to_owned()))?;
            match key {
                "rps" => settings.rps = parse_number(key, value)?,
                "s" => settings.seconds = parse_number(key, value)?,
                "mix" => {
                    let [a, b, c] = parse_numbers(key, value)?;
                    (settings.static_pct, settings.read_pct, settings.write_pct) = (a, b, c);
                }
                "https" => {
                    settings.https = match value {
                        "1" => true,
                        "0" => false,
                        _ => return Err(LinkSettingsError::Https(value.to_owned())),
                    }
                }
                "seed" => settings.seed = parse_number(key, value)?,
                "ramp" => {
                    settings.shape = RateShape::Ramp {
                        to_rps: parse_number(key, value)?,
                    }
                }
                "spike" => {
                    let [spike_rps, from_s, until_s] = parse_numbers(key, value)?;
                    settings.shape = RateShape::Spike {
                        spike_rps,
                        from_s,
                        until_s,
                    };
                }
                "step" => {
                    if settings.steps.len() >= MAX_STEPS {
                        return Err(LinkSettingsError::TooManySteps);
                    }
                    let mut fields = value.splitn(3, '_');
                    let (Some(at), Some(kind), Some(target)) =
                        (fields.next(), fields.next(), fields.next())
                    else {
                        return Err(LinkSettingsError::StepShape(value.to_owned()));
                    };
                    let kind = match kind.strip_prefix("slow-host") {
                        Some(factor) => StepKind::SlowHost {
                            factor: parse_number("step", factor)?,
                        },
                        None => StepKind::from_key(kind, 1.0)
                            .ok_or_else(|| LinkSettingsError::StepKind(kind.to_owned()))?,
                    };
                    settings.steps.push(Step {
                        at_s: parse_number(key, at)?,
                        kind,
                        target: decode(target)?,
                    });
                }
                _ => return Err(LinkSettingsError::Unknown(key.to_owned())),
            }
        }
        Ok(settings)
    }
}

/// What the runner saw at the end of one simulated second.
#[derive(Clone, Debug, Default, PartialEq)]
struct Sample {
    down_hosts: Vec<String>,
    vrrp: crate::ui::playback::Vrrp,
}

/// How far a run has got.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Simulated seconds done.
    pub now_s: f64,
    /// The run's duration in simulated seconds (the requests still in flight after it, and
    /// the agents' last report, take a little longer).
    pub total_s: f64,
    pub done: bool,
}

impl Progress {
    /// From 0 to 1; 1 only when done.
    pub fn fraction(&self) -> f64 {
        if self.done {
            1.0
        } else if self.total_s > 0.0 {
            (self.now_s / self.total_s).clamp(0.0, 0.99)
        } else {
            0.0
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Requests are being sent or are in flight.
    Load,
    /// Letting the agents send the report of the last interval, until this time.
    Flush(SimTime),
    Done,
}

/// The simulated time one slice of a run advances (a fixed grid, so the result does not
/// depend on how the work is cut into frames).
const SLICE: SimDuration = SimDuration::from_millis(10);
/// How long after the last request the run goes on so every agent reports once more.
const FLUSH: SimDuration = SimDuration::from_secs(61);
/// How long after the end of the run requests may still be in flight.
const GRACE_S: f64 = 120.0;

/// A load run computed a slice at a time: [`LoadRunner::step`] does about `budget` events
/// and returns; the page calls it once per animation frame. The result does not depend on
/// the budget. It owns its `Simulation`, so it lives in a component, never in `AppState`.
pub struct LoadRunner {
    topology: Topology,
    settings: LoadSettings,
    sim: Simulation,
    count: u64,
    cursor: SimTime,
    limit: SimTime,
    phase: Phase,
    samples: Vec<Sample>,
    hosts: Vec<String>,
}

impl LoadRunner {
    /// A run of `settings` on `topology`, not started; refused settings give the message.
    pub fn new(topology: &Topology, settings: &LoadSettings) -> Result<LoadRunner, SettingsError> {
        let (load, seed, inputs) = settings.check(topology)?;
        let config = Config {
            seed,
            ..Config::default()
        };
        let mut sim = Simulation::new(topology, config)?;
        sim.start_load(load);
        for (at, input) in inputs {
            sim.schedule(at, input)?;
        }
        Ok(LoadRunner {
            topology: topology.clone(),
            settings: settings.clone(),
            sim,
            count: load.count,
            cursor: SimTime::ZERO,
            limit: SimTime::ZERO + seconds_of(settings.seconds + GRACE_S),
            phase: Phase::Load,
            samples: Vec::new(),
            hosts: host_ids(topology),
        })
    }

    /// Runs slices until about `budget` events have been processed or the run is done.
    pub fn step(&mut self, budget: u64) -> Progress {
        let start = self.sim.events_processed();
        while self.phase != Phase::Done && self.sim.events_processed() - start < budget {
            self.slice();
        }
        self.progress()
    }

    fn slice(&mut self) {
        match self.phase {
            Phase::Load => {
                self.cursor += SLICE;
                self.sim.advance_to(self.cursor);
                if self.cursor.as_micros().is_multiple_of(1_000_000) {
                    self.sample();
                }
                let stats = self.sim.stats();
                let quiet = stats.sent >= self.count && stats.in_flight() == 0;
                if quiet || self.cursor >= self.limit {
                    self.phase = Phase::Flush(self.cursor + FLUSH);
                }
            }
            Phase::Flush(until) => {
                // Nothing but health checks and reports: whole seconds at a time.
                self.cursor = (self.cursor + SimDuration::from_secs(1)).min(until);
                self.sim.advance_to(self.cursor);
                if self.cursor >= until {
                    self.phase = Phase::Done;
                }
            }
            Phase::Done => {}
        }
    }

    fn sample(&mut self) {
        let sim = &self.sim;
        let down_hosts = self
            .hosts
            .iter()
            .filter(|h| sim.host_is_up(h) == Some(false))
            .cloned()
            .collect();
        let vrrp = crate::ui::playback::Vrrp::of(sim, &self.topology);
        self.samples.push(Sample { down_hosts, vrrp });
    }

    pub fn progress(&self) -> Progress {
        Progress {
            now_s: self.cursor.as_micros() as f64 / 1e6,
            total_s: self.settings.seconds,
            done: self.phase == Phase::Done,
        }
    }

    pub fn settings(&self) -> &LoadSettings {
        &self.settings
    }

    /// The run so far as plain values (`finished` once done).
    pub fn snapshot(&self) -> LoadResult {
        summarize(
            &self.topology,
            &self.sim,
            &self.settings,
            &self.samples,
            self.phase == Phase::Done,
        )
    }

    /// The simulation, for benchmarks and tests that read the core's own counters.
    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }
}

/// Runs the load on the design, all at once.
pub fn run(topology: &Topology, settings: &LoadSettings) -> Result<LoadResult, SettingsError> {
    let mut runner = LoadRunner::new(topology, settings)?;
    runner.step(u64::MAX);
    Ok(runner.snapshot())
}

fn summarize(
    topology: &Topology,
    sim: &Simulation,
    settings: &LoadSettings,
    samples: &[Sample],
    finished: bool,
) -> LoadResult {
    let timeline = sim.timeline();
    // Every bucket up to the last one that saw a request (for the totals).
    let used = timeline
        .buckets
        .iter()
        .rposition(|b| b.sent > 0 || outcome_total(b) > 0)
        .map_or(0, |i| i + 1);
    let all = &timeline.buckets[..used];
    // The charts' seconds: the run's, no more (fewer while it runs).
    let run_len = (settings.seconds.ceil().max(1.0) as usize).min(MAX_SECONDS as usize);
    let shown = used.min(run_len);
    let buckets = &all[..shown];
    // Requests sent after the run's end (the arrivals overrun a little), and what they did
    // then: counted in its last second.
    let overrun = if shown == run_len {
        timeline.buckets.get(shown..).unwrap_or_default()
    } else {
        &[]
    };
    let series = |f: &dyn Fn(&Bucket) -> f64| -> Vec<f64> { buckets.iter().map(f).collect() };
    let counted = |f: &dyn Fn(&Bucket) -> f64| -> Vec<f64> {
        let mut values = series(f);
        if let Some(last) = values.last_mut() {
            *last += overrun.iter().map(f).sum::<f64>();
        }
        values
    };
    let latencies: Vec<CoarseHistogram> = buckets
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let mut h = b.latency.clone();
            if k + 1 == shown {
                for late in overrun {
                    h.merge(&late.latency);
                }
            }
            h
        })
        .collect();
    let ms = |q: f64| -> Vec<Option<f64>> {
        latencies
            .iter()
            .map(|h| (h.count() > 0).then(|| h.quantile(q).as_millis_f64()))
            .collect()
    };
    let web: Vec<String> = topology
        .hosts()
        .flat_map(|(_, h)| &h.services)
        .filter(|s| matches!(s.kind, ServiceKind::WebServer(_)))
        .map(|s| s.id.clone())
        .collect();
    let backends: Vec<(String, Vec<f64>)> = web
        .into_iter()
        .filter_map(|id| {
            let i = timeline.service_index(&id)?;
            let values = counted(&|b| b.served_by.get(i).copied().unwrap_or(0) as f64);
            Some((id, values))
        })
        .collect();
    let balancers = timeline
        .services
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let values = counted(&|b| b.balanced.get(i).copied().unwrap_or(0) as f64);
            (id.clone(), values)
        })
        .filter(|(_, values)| values.iter().any(|&v| v > 0.0))
        .collect();
    let queues = timeline
        .services
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let values = series(&|b| f64::from(b.queue_depth.get(i).copied().unwrap_or(0)));
            (id.clone(), values)
        })
        .filter(|(_, values)| values.iter().any(|&v| v > 0.0))
        .collect();
    let mut monitoring: Vec<HostMetrics> = Vec::new();
    for report in sim.reports() {
        let i = match monitoring.iter().position(|m| m.host == report.host) {
            Some(i) => i,
            None => {
                monitoring.push(HostMetrics {
                    host: report.host.clone(),
                    reports: 0,
                    requests: 0,
                    errors: 0,
                    queue_depth: 0,
                    lag_s: None,
                });
                monitoring.len() - 1
            }
        };
        let entry = &mut monitoring[i];
        entry.reports += 1;
        entry.requests += report.requests;
        entry.errors += report.errors;
        entry.queue_depth = report.queue_depth;
        entry.lag_s = report.replication_lag_s;
    }
    crate::sim::sort::sort_by(&mut monitoring, |a, b| a.host.cmp(&b.host));
    let blind_spots = topology
        .nodes
        .iter()
        .filter(|n| matches!(&n.kind, NodeKind::Host(h) if h.agent.is_none()))
        .map(|n| n.id.clone())
        .collect();
    let served = counted(&|b| b.outcomes.served as f64);
    let errors = counted(&|b| (outcome_total(b) - b.outcomes.served) as f64);
    let syn_resent = counted(&|b| b.syn_resent as f64);
    let latency = &sim.stats().latency;
    let latency_ms = if latency.count() == 0 {
        Vec::new()
    } else {
        (0..LATENCY_SAMPLES)
            .map(|k| {
                latency
                    .quantile((k as f64 + 0.5) / LATENCY_SAMPLES as f64)
                    .as_millis_f64()
            })
            .collect()
    };
    let down_hosts: Vec<Vec<String>> = (0..shown)
        .map(|k| {
            // Seconds after the load (requests still finishing) keep the last state seen.
            samples
                .get(k)
                .or(samples.last())
                .map(|s| s.down_hosts.clone())
                .unwrap_or_default()
        })
        .collect();
    let vrrp: Vec<crate::ui::playback::Vrrp> = (0..shown)
        .map(|k| {
            samples
                .get(k)
                .or(samples.last())
                .map(|s| s.vrrp.clone())
                .unwrap_or_default()
        })
        .collect();
    // What the engine sent over each request link (its buckets are one second wide).
    let links = timeline
        .links
        .iter()
        .enumerate()
        .map(|(i, (from, to))| LinkLoad {
            from: from.clone(),
            to: to.clone(),
            per_second: counted(&|b| b.link_requests.get(i).copied().unwrap_or(0) as f64),
        })
        .collect();
    LoadResult {
        settings: Some(settings.clone()),
        finished,
        seconds: series(&|b| b.start.as_micros() as f64 / 1e6),
        sent: counted(&|b| b.sent as f64),
        total_sent: all.iter().map(|b| b.sent).sum(),
        total_served: served.iter().sum::<f64>() as u64,
        total_errors: errors.iter().sum::<f64>() as u64,
        total_syn_resent: syn_resent.iter().sum::<f64>() as u64,
        total_served_late: sim.stats().served_after_resend,
        served,
        errors,
        p50: ms(0.5),
        p95: ms(0.95),
        p99: ms(0.99),
        latency_ms,
        backends,
        balancers,
        queues,
        down_hosts,
        vrrp,
        links,
        lag_ms: buckets
            .iter()
            .map(|b| {
                b.replica_lag_ms
                    .iter()
                    .flatten()
                    .copied()
                    .max()
                    .map(|ms| ms as f64)
            })
            .collect(),
        stale_reads: counted(&|b| b.stale_reads as f64),
        syn_resent,
        monitoring,
        blind_spots,
        failure_causes: sim.failure_causes(),
    }
}

fn outcome_total(b: &Bucket) -> u64 {
    b.outcomes.total()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    fn stage(n: u8) -> Topology {
        presets::topology(n).expect("preset")
    }

    #[test]
    fn every_step_is_a_mark_with_its_time_and_what_it_does() {
        let settings = LoadSettings {
            steps: vec![
                step(10.0, StepKind::HostDown, "lb-01"),
                step(12.5, StepKind::SlowHost { factor: 3.0 }, "web-01"),
            ],
            ..LoadSettings::default()
        };
        let marks = settings.marks();
        assert_eq!(
            marks,
            [
                Mark {
                    at_s: 10.0,
                    label: "10 s: take host down lb-01".into()
                },
                Mark {
                    at_s: 12.5,
                    label: "12.5 s: slow host down ×3 web-01".into()
                }
            ]
        );
    }

    #[test]
    fn killing_lb_01_on_stage_3_delays_the_requests_of_the_vrrp_gap_without_losing_them() {
        let settings = LoadSettings {
            https: true,
            steps: vec![Step {
                at_s: 10.0,
                kind: StepKind::HostDown,
                target: "lb-01".into(),
            }],
            ..LoadSettings::default()
        };
        let result = run(&stage(3), &settings).expect("runs");
        assert_eq!(result.total_sent, 4000);
        assert!(
            result.syn_resent[10..14].iter().all(|&n| n > 0.0),
            "{:?}",
            result.syn_resent
        );
        assert_eq!(result.syn_resent[..10].iter().sum::<f64>(), 0.0);
        // B2.9: every request of the gap resent its SYN and reached lb-02; none was lost.
        // 200 requests/s × 3.6 s of gap.
        assert!(
            (600..=850).contains(&result.total_syn_resent),
            "{}",
            result.total_syn_resent
        );
        assert_eq!(result.total_served_late, result.total_syn_resent);
        // Only the few already established through lb-01 when it died are lost.
        assert!(result.total_errors <= 20, "{:?}", result.errors);
        assert!(result.backends.len() >= 2, "{:?}", result.backends);
        assert_eq!(
            result.total_served + result.total_errors,
            result.total_sent,
            "every request ends"
        );
    }

    #[test]
    fn stage_1_has_only_blind_spots_and_stage_2_reports_agree_with_the_run() {
        let one = run(&stage(1), &LoadSettings::default()).expect("runs");
        assert!(one.monitoring.is_empty());
        assert_eq!(one.blind_spots, host_ids(&stage(1)));
        let https = LoadSettings {
            https: true,
            ..LoadSettings::default()
        };
        let two = run(&stage(2), &https).expect("runs");
        let hosts: Vec<&str> = two.monitoring.iter().map(|m| m.host.as_str()).collect();
        assert_eq!(hosts, ["lb-01", "server-01", "server-02"]);
        assert!(
            two.monitoring.iter().all(|m| m.requests > 0),
            "{:?}",
            two.monitoring
        );
        let lb = &two.monitoring[0];
        assert_eq!(lb.requests, two.total_sent, "{two:?}");
    }

    #[test]
    fn an_overloaded_stage_0_shows_queues() {
        let settings = LoadSettings {
            rps: 3000.0,
            seconds: 5.0,
            ..LoadSettings::default()
        };
        let result = run(&stage(0), &settings).expect("runs");
        assert!(!result.queues.is_empty(), "{result:?}");
        assert!(result.total_errors > 0, "beyond capacity some fail");
        let calm = run(&stage(0), &LoadSettings::default()).expect("runs");
        assert_eq!(calm.total_errors, 0);
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        let t = stage(0);
        let bad = [
            (
                LoadSettings {
                    rps: f64::NAN,
                    ..LoadSettings::default()
                },
                SettingsError::Rate,
                "requests per second must be a number above 0",
            ),
            (
                LoadSettings {
                    rps: -5.0,
                    ..LoadSettings::default()
                },
                SettingsError::Rate,
                "requests per second must be a number above 0",
            ),
            (
                LoadSettings {
                    seconds: 0.0,
                    ..LoadSettings::default()
                },
                SettingsError::Duration,
                "the duration must be a number of seconds above 0 and at most 600",
            ),
            (
                LoadSettings {
                    rps: 1e6,
                    seconds: 60.0,
                    ..LoadSettings::default()
                },
                SettingsError::TooMany { count: 6e7 },
                "60000000 requests is too many",
            ),
            (
                LoadSettings {
                    rps: 0.01,
                    seconds: 1.0,
                    ..LoadSettings::default()
                },
                SettingsError::NoRequest,
                "the run would send no request",
            ),
            (
                LoadSettings {
                    read_pct: 150.0,
                    ..LoadSettings::default()
                },
                SettingsError::Percentage("read"),
                "read must be a whole percentage from 0 to 100",
            ),
            (
                LoadSettings {
                    static_pct: 0.0,
                    read_pct: 0.0,
                    write_pct: 0.0,
                    ..LoadSettings::default()
                },
                SettingsError::EmptyMix,
                "the mix needs at least one kind of request",
            ),
            (
                LoadSettings {
                    seed: 1.5,
                    ..LoadSettings::default()
                },
                SettingsError::Seed,
                "the seed must be a whole number from 0",
            ),
            (
                LoadSettings {
                    steps: vec![Step {
                        at_s: 1.0,
                        kind: StepKind::HostDown,
                        target: "nope".into(),
                    }],
                    ..LoadSettings::default()
                },
                SettingsError::Step {
                    n: 1,
                    error: StepError::UnknownTarget {
                        what: "host",
                        target: "nope".into(),
                    },
                },
                "step 1: there is no host 'nope' in this design",
            ),
        ];
        for (settings, expected, reason) in bad {
            match run(&t, &settings) {
                Err(err) => {
                    assert_eq!(err, expected, "{settings:?}");
                    assert!(err.to_string().starts_with(reason), "{settings:?}: {err}");
                }
                Ok(_) => panic!("{settings:?} was accepted; expected: {reason}"),
            }
        }
    }

    fn step(at_s: f64, kind: StepKind, target: &str) -> Step {
        Step {
            at_s,
            kind,
            target: target.into(),
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_slices() {
        let settings = LoadSettings {
            rps: 300.0,
            seconds: 12.0,
            steps: vec![step(4.0, StepKind::HostDown, "lb-01")],
            ..LoadSettings::default()
        };
        let at_once = run(&stage(3), &settings).expect("runs");
        assert!(at_once.finished);
        let mut runner = LoadRunner::new(&stage(3), &settings).expect("valid");
        let mut last = 0.0;
        let mut steps = 0;
        loop {
            let progress = runner.step(100);
            assert!(progress.fraction() >= last, "{progress:?}");
            last = progress.fraction();
            steps += 1;
            if progress.done {
                break;
            }
            assert!(progress.fraction() < 1.0);
            let partial = runner.snapshot();
            assert!(!partial.finished);
            assert!(partial.total_sent <= at_once.total_sent);
        }
        assert!(steps > 10, "small budgets take many steps: {steps}");
        assert_eq!(last, 1.0);
        assert_eq!(runner.snapshot(), at_once);
    }

    #[test]
    fn a_ramp_and_a_spike_send_what_they_promise() {
        let ramp = LoadSettings {
            rps: 0.0,
            seconds: 10.0,
            shape: RateShape::Ramp { to_rps: 400.0 },
            ..LoadSettings::default()
        };
        let (load, _, _) = ramp.check(&stage(1)).expect("valid");
        assert_eq!(load.count, 2000);
        let result = run(&stage(1), &ramp).expect("runs");
        assert_eq!(result.total_sent, 2000);
        assert!(result.sent[8] > 3.0 * result.sent[1], "{:?}", result.sent);
        let spike = LoadSettings {
            rps: 100.0,
            seconds: 10.0,
            shape: RateShape::Spike {
                spike_rps: 1000.0,
                from_s: 4.0,
                until_s: 6.0,
            },
            ..LoadSettings::default()
        };
        let result = run(&stage(1), &spike).expect("runs");
        assert_eq!(result.total_sent, 100 * 8 + 1000 * 2);
        assert!(
            result.sent[4] > 800.0 && result.sent[2] < 200.0,
            "{:?}",
            result.sent
        );
        let spike_times = SettingsError::SpikeTimes { seconds: 10.0 };
        for (shape, expected, needle) in [
            (
                RateShape::Ramp { to_rps: -1.0 },
                SettingsError::ShapeRate("the ramp's final rate"),
                "the ramp's final rate must be a number of requests per second from 0",
            ),
            (
                RateShape::Spike {
                    spike_rps: -1.0,
                    from_s: 4.0,
                    until_s: 6.0,
                },
                SettingsError::ShapeRate("the spike's rate"),
                "the spike's rate must",
            ),
            (
                RateShape::Spike {
                    spike_rps: 10.0,
                    from_s: 6.0,
                    until_s: 4.0,
                },
                spike_times.clone(),
                "the spike must",
            ),
            (
                RateShape::Spike {
                    spike_rps: 10.0,
                    from_s: 1.0,
                    until_s: 40.0,
                },
                spike_times,
                "by the end of the run (10 s)",
            ),
            (
                RateShape::Ramp { to_rps: 1e9 },
                SettingsError::TooMany {
                    count: 5000000500.0,
                },
                "too many",
            ),
        ] {
            let bad = LoadSettings {
                shape,
                ..spike.clone()
            };
            let err = bad.check(&stage(1)).expect_err("refused");
            assert_eq!(err, expected);
            assert!(err.to_string().contains(needle), "{err}");
        }
        let nothing = LoadSettings {
            rps: 0.0,
            shape: RateShape::Ramp { to_rps: 0.0 },
            ..LoadSettings::default()
        };
        assert_eq!(nothing.check(&stage(1)), Err(SettingsError::NoRequest));
    }

    #[test]
    fn every_step_kind_reaches_the_core() {
        let t = stage(1);
        let settings = LoadSettings {
            rps: 200.0,
            seconds: 10.0,
            steps: vec![
                step(1.0, StepKind::ServiceDown, "server-01.nginx"),
                step(5.0, StepKind::ServiceUp, "server-01.nginx"),
                step(1.0, StepKind::StopReplication, "server-02.mysql"),
                step(6.0, StepKind::StartReplication, "server-02.mysql"),
                step(2.0, StepKind::SlowHost { factor: 3.0 }, "server-02"),
                step(3.0, StepKind::SlowHost { factor: 1.0 }, "server-02"),
                step(
                    7.0,
                    StepKind::CutLink,
                    &link_target("lb-01.haproxy", "server-02.nginx"),
                ),
                step(
                    8.0,
                    StepKind::RestoreLink,
                    &link_target("lb-01.haproxy", "server-02.nginx"),
                ),
            ],
            ..LoadSettings::default()
        };
        let (_, _, inputs) = settings.check(&t).expect("valid");
        assert_eq!(inputs[0].1, Input::ServiceDown("server-01.nginx".into()));
        assert_eq!(
            inputs[2].1,
            Input::StopReplication("server-02.mysql".into())
        );
        assert_eq!(
            inputs[4],
            (
                SimTime::from_secs(2),
                Input::SlowHost {
                    host: "server-02".into(),
                    factor: 3
                }
            )
        );
        assert_eq!(
            inputs[6].1,
            Input::CutLink {
                from: "lb-01.haproxy".into(),
                to: "server-02.nginx".into()
            }
        );
        let result = run(&t, &settings).expect("runs");
        let server_01 = &result.backends[0];
        assert_eq!(server_01.0, "server-01.nginx");
        // Stopped from 1 s: once HAProxy's checks mark it DOWN it answers nothing.
        assert_eq!(server_01.1[3], 0.0, "{:?}", server_01.1);
        assert!(server_01.1[8] > 0.0, "{:?}", server_01.1);
    }

    #[test]
    fn bad_steps_say_which_step_and_why() {
        let t = stage(1);
        let unknown = |what, target: &str| StepError::UnknownTarget {
            what,
            target: target.to_owned(),
        };
        let cases = [
            (
                step(f64::NAN, StepKind::HostDown, "lb-01"),
                StepError::Time,
                "step 1: the time",
            ),
            (
                step(30.0, StepKind::HostDown, "lb-01"),
                StepError::AfterTheEnd {
                    at_s: 30.0,
                    seconds: 20.0,
                },
                "step 1: at 30 s is after the run ends (20 s)",
            ),
            (
                step(1.0, StepKind::HostDown, "nope"),
                unknown("host", "nope"),
                "step 1: there is no host 'nope'",
            ),
            (
                step(1.0, StepKind::ServiceDown, "lb-01"),
                unknown("service", "lb-01"),
                "there is no service 'lb-01'",
            ),
            (
                step(1.0, StepKind::StopReplication, "server-01.mysql"),
                unknown("replica database", "server-01.mysql"),
                "no replica database 'server-01.mysql'",
            ),
            (
                step(1.0, StepKind::CutLink, "a → b"),
                unknown("link", "a → b"),
                "no link 'a → b'",
            ),
            (
                step(1.0, StepKind::HostUp, ""),
                StepError::NoTarget("host"),
                "step 1: choose a host",
            ),
            (
                step(1.0, StepKind::SlowHost { factor: 0.5 }, "lb-01"),
                StepError::SlowFactor,
                "slow-down factor",
            ),
            (
                step(1.0, StepKind::SlowHost { factor: 1e6 }, "lb-01"),
                StepError::SlowFactor,
                "slow-down factor",
            ),
        ];
        for (step, error, needle) in cases {
            let settings = LoadSettings {
                steps: vec![step.clone()],
                ..LoadSettings::default()
            };
            let err = settings.check(&t).expect_err("refused");
            assert_eq!(err, SettingsError::Step { n: 1, error }, "{step:?}");
            assert!(err.to_string().contains(needle), "{step:?}: {err}");
        }
        let many = LoadSettings {
            steps: vec![step(1.0, StepKind::HostDown, "lb-01"); MAX_STEPS + 1],
            ..LoadSettings::default()
        };
        assert_eq!(many.check(&t), Err(SettingsError::TooManySteps));
        assert!(
            SettingsError::TooManySteps
                .to_string()
                .contains("at most 64 steps")
        );
    }

    #[test]
    fn targets_follow_the_design() {
        let t = stage(1);
        assert_eq!(
            targets(&t, TargetKind::Host),
            ["lb-01", "server-01", "server-02"]
        );
        assert_eq!(targets(&t, TargetKind::Replica), ["server-02.mysql"]);
        assert!(targets(&t, TargetKind::Service).contains(&"server-01.app".to_owned()));
        assert_eq!(
            targets(&t, TargetKind::Link)[0],
            "lb-01.haproxy → server-01.nginx"
        );
        for kind in StepKind::all() {
            assert_eq!(StepKind::from_key(kind.key(), 2.0), Some(kind.clone()));
            assert!(!kind.label().is_empty());
        }
    }

    #[test]
    fn settings_travel_in_the_share_link_and_back() {
        let settings = LoadSettings {
            rps: 250.5,
            seconds: 30.0,
            static_pct: 10.0,
            read_pct: 80.0,
            write_pct: 10.0,
            https: true,
            seed: 42.0,
            shape: RateShape::Spike {
                spike_rps: 900.0,
                from_s: 5.0,
                until_s: 7.5,
            },
            steps: vec![
                step(10.0, StepKind::HostDown, "lb-01"),
                step(11.0, StepKind::HostStop, "lb-02"),
                step(12.5, StepKind::SlowHost { factor: 4.0 }, "db,01&x=%#"),
                step(
                    13.0,
                    StepKind::CutLink,
                    &link_target("lb-01.haproxy", "web-01.nginx"),
                ),
                step(20.0, StepKind::StartReplication, "db-02.mysql"),
            ],
        };
        let fragment = settings.to_fragment();
        assert!(fragment.starts_with("load=rps:250.5,s:30,mix:10_80_10,https:1,seed:42,spike:900_5_7.5,step:10_host-down_lb-01,step:11_host-stop_lb-02,"), "{fragment}");
        assert!(!fragment[5..].contains(['&', '#', '=', ' ']), "{fragment}");
        assert_eq!(LoadSettings::from_fragment(&fragment), Ok(settings.clone()));
        // Without the key, and with a ramp.
        let ramp = LoadSettings {
            shape: RateShape::Ramp { to_rps: 800.0 },
            ..LoadSettings::default()
        };
        let text = ramp.to_fragment();
        assert_eq!(LoadSettings::from_fragment(&text[5..]), Ok(ramp));
        assert_eq!(
            LoadSettings::from_fragment("load="),
            Ok(LoadSettings::default())
        );
    }

    #[test]
    fn a_bad_share_link_says_what_is_wrong() {
        use LinkSettingsError as E;
        let nan = |key: &str, text: &str| E::NotANumber {
            key: key.to_owned(),
            text: text.to_owned(),
        };
        let cases = [
            (
                "load=rps:fast",
                nan("rps", "fast"),
                "load setting 'rps': 'fast' is not a number",
            ),
            ("load=rps:inf", nan("rps", "inf"), "'inf' is not a number"),
            (
                "load=colour:red",
                E::Unknown("colour".into()),
                "load setting 'colour' is unknown",
            ),
            (
                "load=rps",
                E::NoColon("rps".into()),
                "load setting 'rps' has no ':'",
            ),
            (
                "load=mix:1_2",
                E::Numbers {
                    key: "mix".into(),
                    n: 3,
                    text: "1_2".into(),
                },
                "needs 3 numbers",
            ),
            ("load=https:yes", E::Https("yes".into()), "is 0 or 1"),
            (
                "load=step:10_explode_lb-01",
                E::StepKind("explode".into()),
                "load step kind 'explode' is unknown",
            ),
            (
                "load=step:10_host-down",
                E::StepShape("10_host-down".into()),
                "must be seconds_kind_target",
            ),
            (
                "load=step:10_host-down_lb%2",
                E::Escape("lb%2".into()),
                "bad %-escape",
            ),
            (
                "load=step:10_host-down_%FF",
                E::Utf8("%FF".into()),
                "not UTF-8",
            ),
            (
                "load=step:10_slow-hostx_lb-01",
                nan("step", "x"),
                "'x' is not a number",
            ),
        ];
        for (text, expected, needle) in cases {
            let err = LoadSettings::from_fragment(text).expect_err(text);
            assert_eq!(err, expected, "{text}");
            assert!(err.to_string().contains(needle), "{text}: {err}");
        }
        let long = format!("load={}", "s:1,".repeat(3000));
        assert_eq!(LoadSettings::from_fragment(&long), Err(E::TooLong));
        let steps = format!("load={}", "step:1_host-down_a,".repeat(MAX_STEPS + 1));
        assert_eq!(LoadSettings::from_fragment(&steps), Err(E::TooManySteps));
        assert!(E::TooManySteps.to_string().contains("at most"));
    }

    #[test]
    fn a_clean_stop_of_the_active_lb_shortens_the_vrrp_gap() {
        // B2.10: stopped cleanly, lb-01 sends a priority-0 advert and lb-02 holds the VIP after
        // its skew time (0.609 s) instead of the crash's Master_Down_Interval (3.609 s): far
        // fewer requests meet the gap and have to resend their SYN (B6a).
        let resent = |kind: StepKind| {
            let settings = LoadSettings {
                rps: 400.0,
                seconds: 20.0,
                https: true,
                steps: vec![step(8.0, kind, "lb-01")],
                ..LoadSettings::default()
            };
            let result = run(&stage(3), &settings).expect("runs");
            assert_eq!(result.down_hosts[12], ["lb-01"]);
            result.total_syn_resent
        };
        let (stopped, crashed) = (resent(StepKind::HostStop), resent(StepKind::HostDown));
        assert!(
            stopped > 0 && stopped * 3 < crashed,
            "stopped {stopped}, crashed {crashed}"
        );
    }

    #[test]
    fn link_load_is_what_the_engine_sent_over_each_link() {
        // Stage 1: server-02's application server reads from its own replica and writes to
        // the primary on server-01, so its two database links carry 60 : 10 of its queries,
        // not half each; server-01's reads all go to its own primary.
        let result = run(&stage(1), &LoadSettings::default()).expect("runs");
        let total = |from: &str, to: &str| -> f64 {
            result
                .links
                .iter()
                .find(|l| l.from == from && l.to == to)
                .expect("link")
                .per_second
                .iter()
                .sum()
        };
        let reads = total("server-02.app", "server-02.mysql");
        let writes = total("server-02.app", "server-01.mysql");
        assert!(writes > 0.0, "{writes}");
        assert!(reads > 4.0 * writes, "reads {reads}, writes {writes}");
        assert_eq!(
            total("server-01.app", "server-01.mysql"),
            total("server-01.nginx", "server-01.app")
        );
        // Every request the load balancer passed on went over one of its two links.
        let to_web =
            total("lb-01.haproxy", "server-01.nginx") + total("lb-01.haproxy", "server-02.nginx");
        assert_eq!(to_web, result.total_sent as f64);
    }

    #[test]
    fn link_load_follows_the_vip_and_the_mix() {
        let settings = LoadSettings {
            rps: 400.0,
            seconds: 20.0,
            https: true,
            steps: vec![step(8.0, StepKind::HostDown, "lb-01")],
            ..LoadSettings::default()
        };
        let result = run(&stage(3), &settings).expect("runs");
        assert_eq!(result.down_hosts[5], Vec::<String>::new());
        assert_eq!(result.down_hosts[12], ["lb-01"]);
        // The failover labels follow the run (issue 15, item 5): lb-01 active before, lb-02
        // after the VRRP gap, and the VIP's holder with it.
        let role = |k: usize, host: &str| result.vrrp[k].role(host);
        assert_eq!(
            role(5, "lb-01").as_deref(),
            Some("active · MASTER of 8.8.8.8")
        );
        assert_eq!(role(5, "lb-02").as_deref(), Some("passive · BACKUP"));
        assert_eq!(role(15, "lb-01").as_deref(), Some("keepalived down"));
        assert_eq!(
            role(15, "lb-02").as_deref(),
            Some("active · MASTER of 8.8.8.8")
        );
        let holder = |k: usize| result.vrrp[k].vips.clone();
        assert_eq!(holder(5), [("vip".to_owned(), Some("lb-01".to_owned()))]);
        assert_eq!(holder(15), [("vip".to_owned(), Some("lb-02".to_owned()))]);
        let link = |from: &str, to: &str| {
            &result
                .links
                .iter()
                .find(|l| l.from == from && l.to == to)
                .expect("link")
                .per_second
        };
        let total = |from: &str, to: &str| link(from, to).iter().sum::<f64>();
        // Only the VIP's holder passes requests on: lb-01, then lb-02 after lb-01 dies.
        let web1 = link("lb-01.haproxy", "web-01.nginx")[4];
        assert!(web1 > 100.0, "{web1}");
        assert_eq!(link("lb-02.haproxy", "web-01.nginx")[4], 0.0);
        assert_eq!(link("lb-01.haproxy", "web-01.nginx")[15], 0.0);
        assert!(link("lb-02.haproxy", "web-01.nginx")[15] > 100.0);
        // 70 % of the mix is dynamic: Nginx passes about that share on to the app server.
        let into_web =
            total("lb-01.haproxy", "web-01.nginx") + total("lb-02.haproxy", "web-01.nginx");
        let app = total("web-01.nginx", "app-01.app");
        assert!((app / into_web - 0.7).abs() < 0.05, "{app} of {into_web}");
        // The dynamic requests the app server took (not those that failed in its queue) query
        // the one database.
        let apps = app + total("web-02.nginx", "app-01.app");
        let db = total("app-01.app", "db-01.mysql");
        assert!(db <= apps && db > 0.95 * apps, "{db} of {apps}");
        assert_eq!(result.latency_ms.len(), LATENCY_SAMPLES);
        assert!(result.latency_ms.windows(2).all(|w| w[0] <= w[1]));
        // Finished: the charts end with the load, not the grace seconds after it.
        assert_eq!(result.seconds.len(), 20);
        assert_eq!(result.last_second(), Some(19));
    }
}
