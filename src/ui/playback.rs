//! The UI's view of a run: the simulation is a pure function of (design, seed, timed inputs),
//! so the shell keeps only the log of inputs and replays it through the core whenever the log
//! or the clock changes. [`Run`] is what the page shows of the result, as plain values.
//!
//! UI-side and pure: no browser, no clock, natively tested. It reads the core's traces and
//! queries; it holds no rule of the simulated systems.

use crate::sim::by_id::ById;
use crate::sim::engine::{BackendState, BuildError, Config, Input, InputError, Output, Simulation};
use crate::sim::sort::SortedSet;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::topology::{NodeKind, Topology};
use crate::sim::trace::{RequestId, Trace};
use crate::sim::vrrp::MemberState;

/// How long the replay waits for a sent request to finish. The browser gives up connecting
/// 90 s after its first SYN (B6a) and HAProxy's retries take at most `retries + 1` connect
/// timeouts, so every traced request ends well before this.
pub const SEND_LIMIT: SimDuration = SimDuration::from_secs(300);

/// A replayed simulation and the ids of the requests it sent, in the order they were sent.
pub struct Replay {
    pub sim: Simulation,
    pub sent: Vec<RequestId>,
    /// What happened to the world up to the replay's end, in time order ([`News`]).
    pub news: Vec<News>,
}

/// Something that happened to the simulated world, for the page's "What happened" list: what
/// the user did (a crash, a cut) and what the systems did about it (a health check counting
/// towards DOWN, a server marked DOWN, keepalived changing state, a virtual IP moving).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct News {
    pub at: SimTime,
    /// The host or service it happened to or on.
    pub place: String,
    pub kind: NewsKind,
    pub text: String,
}

/// What kind of [`News`] it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewsKind {
    /// The user changed the world (Take down, Cut, …).
    Input,
    /// A load balancer's health check counted (`passed` or not).
    Check { passed: bool },
    /// A load balancer marked a server UP or DOWN.
    Marked { up: bool },
    /// keepalived did something for a virtual IP.
    Keepalived,
    /// A virtual IP changed hands (`held`: somebody holds it now).
    Vip { held: bool },
}

impl NewsKind {
    /// A word for styling and tests: input, check-failed, check-passed, down, up, vrrp, vip.
    pub fn label(self) -> &'static str {
        match self {
            NewsKind::Input => "input",
            NewsKind::Check { passed: false } => "check-failed",
            NewsKind::Check { passed: true } => "check-passed",
            NewsKind::Marked { up: false } => "down",
            NewsKind::Marked { up: true } => "up",
            NewsKind::Keepalived => "vrrp",
            NewsKind::Vip { held: true } => "vip",
            NewsKind::Vip { held: false } => "vip-lost",
        }
    }
}

/// An input as news; `None` for a sent request (the request list shows those).
fn input_news(at: SimTime, input: &Input) -> Option<News> {
    let (place, text) = match input {
        Input::Send(_) => return None,
        Input::HostDown(h) => (h, format!("{h} crashed: nothing on it answers")),
        Input::HostUp(h) => (h, format!("{h} is up again")),
        Input::HostStop(h) => (h, format!("{h} was shut down cleanly")),
        Input::ServiceDown(s) => (
            s,
            format!("{s} stopped: its host refuses connections to it"),
        ),
        Input::ServiceUp(s) => (s, format!("{s} started again")),
        Input::CutLink { from, to } => {
            (from, format!("the network between {from} and {to} is cut"))
        }
        Input::RestoreLink { from, to } => (
            from,
            format!("the network between {from} and {to} is repaired"),
        ),
        Input::SlowHost { host, factor: 1 } => (host, format!("{host} runs at normal speed again")),
        Input::SlowHost { host, factor } => (host, format!("{host} runs {factor}× slower")),
        Input::StopReplication(r) => (r, format!("replication stopped on {r}")),
        Input::StartReplication(r) => (r, format!("replication started again on {r}")),
    };
    Some(News {
        at,
        place: place.clone(),
        kind: NewsKind::Input,
        text,
    })
}

/// An engine output as news; `None` for what the list does not show (finished requests,
/// agents' reports). The words are the core's ([`Output::describe`]).
fn output_news(output: Output) -> Option<News> {
    let text = output.describe()?;
    let (at, place, kind) = match output {
        Output::Check { lb, at, passed, .. } => (at, lb, NewsKind::Check { passed }),
        Output::ServerState { lb, up, at, .. } => (at, lb, NewsKind::Marked { up }),
        Output::Keepalived { host, at, .. } => (at, host, NewsKind::Keepalived),
        Output::VipHolder { vip, holder, at } => (
            at,
            vip,
            NewsKind::Vip {
                held: holder.is_some(),
            },
        ),
        Output::RequestDone { .. } | Output::Metrics(_) => return None,
    };
    Some(News {
        at,
        place,
        kind,
        text,
    })
}

/// Why a log cannot be replayed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The design itself cannot be simulated.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The core refused an input (an unknown host, service or link).
    #[error(transparent)]
    Input(#[from] InputError),
}

/// Runs `inputs` through a fresh simulation of `topology`, then moves its clock to `until`.
///
/// Each input happens at its time; a sent request runs until it finishes (as the browser waits
/// for it), so the next input sees its effects. Same arguments, same simulation, bit for bit.
pub fn replay(
    topology: &Topology,
    seed: u64,
    inputs: &[(SimTime, Input)],
    until: SimTime,
) -> Result<Replay, ReplayError> {
    let config = Config {
        seed,
        ..Config::default()
    };
    let mut sim = Simulation::new(topology, config)?;
    let mut sent = Vec::new();
    let mut news = Vec::new();
    for (at, input) in inputs {
        let is_send = matches!(input, Input::Send(_));
        if let Some(id) = sim.handle(*at, input.clone())? {
            sent.push(id);
        }
        news.extend(input_news(*at, input));
        if is_send {
            sim.run_until_quiet(*at + SEND_LIMIT);
        }
        news.extend(std::iter::from_fn(|| sim.poll_output()).filter_map(output_news));
    }
    sim.advance_to(until);
    news.extend(std::iter::from_fn(|| sim.poll_output()).filter_map(output_news));
    // A check that completes later than the moment shown has not happened yet; the engine
    // reports checks when they start.
    news.retain(|n| n.at <= until);
    crate::sim::sort::sort_by_key(&mut news, |n| n.at);
    Ok(Replay { sim, sent, news })
}

/// How a request ended, as the page marks it: served, served with stale data (a read the
/// replica answered before applying the last write: an answer, but a wrong one), not served,
/// or still on its way. Read from the core's outcome; each has a word and an icon besides its
/// colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Served,
    Stale,
    Failed,
    InFlight,
}

impl Verdict {
    pub fn of(outcome: Option<&crate::sim::trace::Outcome>) -> Verdict {
        use crate::sim::trace::Outcome;
        match outcome {
            Some(Outcome::Served { stale: true, .. }) => Verdict::Stale,
            Some(Outcome::Served { .. }) => Verdict::Served,
            Some(_) => Verdict::Failed,
            None => Verdict::InFlight,
        }
    }

    /// The CSS class and `data-verdict`: ok, stale, failed, in-flight.
    pub fn class(self) -> &'static str {
        match self {
            Verdict::Served => "ok",
            Verdict::Stale => "stale",
            Verdict::Failed => "failed",
            Verdict::InFlight => "in-flight",
        }
    }

    /// An icon that says it without colour.
    pub fn icon(self) -> &'static str {
        match self {
            Verdict::Served => "✓",
            Verdict::Stale => "⚠",
            Verdict::Failed => "✗",
            Verdict::InFlight => "…",
        }
    }

    /// A word for screen readers and tooltips.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Served => "served",
            Verdict::Stale => "stale read",
            Verdict::Failed => "not served",
            Verdict::InFlight => "on its way",
        }
    }
}

/// Who holds each virtual IP and what keepalived makes each member, at one moment of a
/// simulation, as the engine reports it: what the diagram's failover labels draw, for the
/// requests sent and for each second of a load run alike.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vrrp {
    /// Each virtual IP and the host holding it now, if any.
    pub vips: Vec<(String, Option<String>)>,
    /// keepalived's state on each member of each virtual IP: (virtual IP id, its address,
    /// host id, state).
    pub keepalived: Vec<(String, std::net::Ipv4Addr, String, MemberState)>,
}

impl Vrrp {
    pub fn of(sim: &Simulation, topology: &Topology) -> Vrrp {
        let vips = topology
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Vip(_)))
            .map(|n| (n.id.clone(), sim.vip_holder(&n.id)))
            .collect();
        let keepalived = topology
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Vip(vip) => Some((n, vip)),
                _ => None,
            })
            .flat_map(|(n, vip)| {
                vip.members.iter().filter_map(move |m| {
                    let state = sim.keepalived_state(&n.id, &m.host)?;
                    Some((n.id.clone(), vip.ip, m.host.clone(), state))
                })
            })
            .collect();
        Vrrp { vips, keepalived }
    }

    /// What keepalived makes `host`, in words: "active · MASTER of 8.8.8.8", "passive ·
    /// BACKUP", "FAULT (HAProxy down)" or "keepalived down"; `None` for a host in no VRRP
    /// group. Read from the engine's states, never from the design's names.
    pub fn role(&self, host: &str) -> Option<String> {
        let states: Vec<_> = self
            .keepalived
            .iter()
            .filter(|(_, _, h, _)| h == host)
            .collect();
        if states.is_empty() {
            return None;
        }
        let held: Vec<String> = states
            .iter()
            .filter(|(.., s)| *s == MemberState::Master)
            .map(|(_, ip, ..)| ip.to_string())
            .collect();
        Some(if !held.is_empty() {
            format!("active · MASTER of {}", held.join(", "))
        } else if states.iter().any(|(.., s)| *s == MemberState::Fault) {
            "FAULT (HAProxy down)".to_owned()
        } else if states.iter().all(|(.., s)| *s == MemberState::Down) {
            "keepalived down".to_owned()
        } else {
            "passive · BACKUP".to_owned()
        })
    }

    /// Every member's role by host id ([`Vrrp::role`]).
    pub fn roles(&self) -> ById<String> {
        let mut roles = ById::default();
        roles.extend(
            self.keepalived
                .iter()
                .filter_map(|(_, _, host, _)| Some((host.clone(), self.role(host)?))),
        );
        roles
    }
}

/// What a replay shows, as plain values the page draws.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    /// Every sent request's trace, in the order sent.
    pub traces: Vec<Trace>,
    /// Every HAProxy `server` line and what its load balancer believes about it now.
    pub backends: Vec<BackendState>,
    /// Hosts and services that are down now (by id).
    pub down: SortedSet<String>,
    /// Links cut now, as (from, to) service ids in that order, as the engine reports them
    /// ([`Simulation::cut_links`]: every link between two hosts whose network is cut).
    pub cut: Vec<(String, String)>,
    /// Hosts that are down because they were stopped cleanly (not crashed).
    pub stopped: SortedSet<String>,
    /// Who holds each virtual IP now and what keepalived makes each member, as the engine
    /// reports it.
    pub vrrp: Vrrp,
    /// What happened to the world so far, in time order.
    pub news: Vec<News>,
}

impl Run {
    /// Reads what the page shows from a replay of `inputs`.
    pub fn of(replay: &Replay, topology: &Topology) -> Run {
        let sim = &replay.sim;
        let traces = replay
            .sent
            .iter()
            .filter_map(|id| sim.trace(*id).cloned())
            .collect();
        // Listed, then sorted once: inserting one by one into the sorted list moves its tail
        // each time, which a large design with much down would feel.
        let mut down = Vec::new();
        for (node, host) in topology.hosts() {
            if sim.host_is_up(&node.id) == Some(false) {
                down.push(node.id.clone());
            }
            for service in &host.services {
                if sim.service_is_up(&service.id) == Some(false) {
                    down.push(service.id.clone());
                }
            }
        }
        let down: SortedSet<String> = down.into_iter().collect();
        let vrrp = Vrrp::of(sim, topology);
        let stopped = topology
            .hosts()
            .filter(|(node, _)| sim.host_stopped_cleanly(&node.id) == Some(true))
            .map(|(node, _)| node.id.clone())
            .collect();
        Run {
            traces,
            backends: sim.backends(),
            down,
            cut: sim.cut_links(),
            stopped,
            vrrp,
            news: replay.news.clone(),
        }
    }

    /// What keepalived makes `host` now, in words ([`Vrrp::role`]).
    pub fn vrrp_role(&self, host: &str) -> Option<String> {
        self.vrrp.role(host)
    }

    /// The server `lb` picked most recently, as the engine reports it
    /// ([`BackendState::last_pick`]).
    pub fn last_pick(&self, lb: &str) -> Option<&str> {
        self.backends
            .iter()
            .find(|b| b.lb == lb && b.last_pick)
            .map(|b| b.server.as_str())
    }

    /// The server `lb`'s next request goes to, as the engine's balancer says
    /// ([`BackendState::next_pick`]).
    pub fn next_pick(&self, lb: &str) -> Option<&str> {
        self.backends
            .iter()
            .find(|b| b.lb == lb && b.next_pick)
            .map(|b| b.server.as_str())
    }

    /// Whether `id` (a host or a service) is down now.
    pub fn is_down(&self, id: &str) -> bool {
        self.down.contains(id)
    }

    /// Whether host `id` is down because it was stopped cleanly.
    pub fn is_stopped(&self, id: &str) -> bool {
        self.stopped.contains(id)
    }

    /// Whether the link `from → to` is cut now.
    pub fn is_cut(&self, from: &str, to: &str) -> bool {
        self.cut
            .binary_search_by(|(f, t)| (f.as_str(), t.as_str()).cmp(&(from, to)))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;
    use crate::sim::topology::Link;
    use crate::sim::trace::{Outcome, RequestKind, RequestSpec};

    fn stage(n: u8) -> Topology {
        presets::topology(n).expect("stage exists")
    }

    fn send(kind: RequestKind, https: bool) -> Input {
        Input::Send(RequestSpec::new(kind, https))
    }

    fn run(stage: u8, inputs: &[(SimTime, Input)], until: SimTime) -> Run {
        let topology = presets::topology(stage).expect("stage exists");
        let replay = replay(&topology, 1, inputs, until).expect("replays");
        Run::of(&replay, &topology)
    }

    fn backend(trace: &Trace) -> Option<&str> {
        match &trace.outcome {
            Some(Outcome::Served { backend, .. }) => backend.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn replaying_the_same_log_gives_the_same_run() {
        let inputs = [
            (SimTime::ZERO, send(RequestKind::Read, true)),
            (SimTime::from_secs(1), Input::HostDown("web-01".into())),
            (SimTime::from_secs(20), send(RequestKind::Static, true)),
        ];
        let until = SimTime::from_secs(25);
        assert_eq!(run(3, &inputs, until), run(3, &inputs, until));
    }

    #[test]
    fn news_tells_what_the_user_did_then_each_check_then_the_change_of_state() {
        // A quiet world has no news: passing checks and steady adverts are not worth telling.
        assert_eq!(run(3, &[], SimTime::from_secs(60)).news, []);
        let inputs = [(SimTime::from_secs(1), Input::HostDown("server-01".into()))];
        let told = |until: u64| -> Vec<(String, &'static str, String)> {
            run(1, &inputs, SimTime::from_secs(until))
                .news
                .into_iter()
                .map(|n| (n.place, n.kind.label(), n.text))
                .collect()
        };
        let why = "no answer within 2 s (Layer4 timeout)";
        let failed = |n: u8| {
            (
                "lb-01.haproxy".to_owned(),
                "check-failed",
                format!("server-01.nginx: check {n}/3 failed: {why}"),
            )
        };
        let crashed = (
            "server-01".to_owned(),
            "input",
            "server-01 crashed: nothing on it answers".to_owned(),
        );
        // Two checks have failed 9 s later (each waits 2 s for its timeout, the next starts
        // 2 s after; the first started within one inter of the crash); the third has not.
        assert_eq!(told(10), [crashed.clone(), failed(1), failed(2)]);
        let later = told(20);
        assert_eq!(later[..3], [crashed, failed(1), failed(2)]);
        assert_eq!(
            later[3].2,
            format!("server-01.nginx: check 3/3 failed: {why}: marked DOWN")
        );
        assert_eq!(later[4].1, "down");
        assert!(
            later[4]
                .2
                .starts_with("lb-01.haproxy marks server-01.nginx DOWN: "),
            "{later:?}"
        );
    }

    #[test]
    fn sent_requests_finish_and_alternate() {
        let inputs: Vec<(SimTime, Input)> = (0..4)
            .map(|i| (SimTime::from_secs(i), send(RequestKind::Static, false)))
            .collect();
        let run = run(1, &inputs, SimTime::from_secs(5));
        let backends: Vec<Option<&str>> = run.traces.iter().map(backend).collect();
        assert_eq!(
            backends,
            [
                Some("server-01.nginx"),
                Some("server-02.nginx"),
                Some("server-01.nginx"),
                Some("server-02.nginx")
            ]
        );
        assert_eq!(run.last_pick("lb-01.haproxy"), Some("server-02.nginx"));
        let served: Vec<u64> = run.backends.iter().map(|b| b.served).collect();
        assert_eq!(served, [2, 2]);
    }

    #[test]
    fn the_last_pick_is_the_balancers_even_when_no_server_answers() {
        // Both servers crashed, not yet marked DOWN: HAProxy picks server-01, redispatches its
        // retries while they fail, and answers 503 once both are marked DOWN. Its last pick is
        // the server of its last attempt, though no server answered.
        let inputs = [
            (SimTime::ZERO, Input::HostDown("server-01".into())),
            (SimTime::ZERO, Input::HostDown("server-02".into())),
            (SimTime::from_millis(500), send(RequestKind::Static, false)),
        ];
        let run = run(1, &inputs, SimTime::from_secs(30));
        let trace = &run.traces[0];
        assert!(
            matches!(trace.outcome, Some(Outcome::NoServer { .. })),
            "{:?}",
            trace.outcome
        );
        // server-01, server-02 (redispatched), server-01 again (server-02 is marked DOWN by
        // then); the last retry finds no server available.
        assert_eq!(run.last_pick("lb-01.haproxy"), Some("server-01.nginx"));
    }

    #[test]
    fn down_hosts_services_and_cut_links_are_listed() {
        let inputs = [
            (SimTime::ZERO, Input::HostDown("server-01".into())),
            (SimTime::ZERO, Input::ServiceDown("server-02.app".into())),
            (
                SimTime::ZERO,
                Input::CutLink {
                    from: "lb-01.haproxy".into(),
                    to: "server-02.nginx".into(),
                },
            ),
        ];
        let run = run(1, &inputs, SimTime::from_secs(1));
        assert!(run.is_down("server-01"));
        assert!(run.is_down("server-02.app"));
        assert!(!run.is_down("server-02"));
        assert_eq!(
            run.cut,
            vec![("lb-01.haproxy".to_owned(), "server-02.nginx".to_owned())]
        );
        let mut restored = inputs.to_vec();
        restored.push((
            SimTime::from_secs(2),
            Input::RestoreLink {
                from: "lb-01.haproxy".into(),
                to: "server-02.nginx".into(),
            },
        ));
        let mended = super::replay(&stage(1), 1, &restored, SimTime::from_secs(3))
            .map(|done| Run::of(&done, &stage(1)));
        assert_eq!(mended.map(|r| r.cut), Ok(Vec::new()));
    }

    #[test]
    fn a_cut_is_between_hosts_so_every_link_between_them_is_drawn_cut() {
        // Two links join server-01 and server-02; cutting one cuts the network between them.
        let mut topology = stage(1);
        topology
            .links
            .push(Link::new("server-01.nginx", "server-02.app"));
        let inputs = [(
            SimTime::ZERO,
            Input::CutLink {
                from: "server-02.app".into(),
                to: "server-01.mysql".into(),
            },
        )];
        let run = super::replay(&topology, 1, &inputs, SimTime::from_secs(1))
            .map(|done| Run::of(&done, &topology).cut);
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            run,
            Ok(vec![
                pair("server-01.nginx", "server-02.app"),
                pair("server-02.app", "server-01.mysql"),
            ])
        );
    }

    #[test]
    fn health_checks_run_while_the_clock_waits() {
        let inputs = [(SimTime::ZERO, Input::HostDown("server-01".into()))];
        let early = run(1, &inputs, SimTime::from_secs(1));
        let late = run(1, &inputs, SimTime::from_secs(20));
        let available = |run: &Run| {
            run.backends
                .iter()
                .find(|b| b.server == "server-01.nginx")
                .map(|b| b.available)
        };
        assert_eq!(available(&early), Some(true));
        assert_eq!(available(&late), Some(false));
    }

    #[test]
    fn the_vip_holder_is_reported() {
        let run = run(3, &[], SimTime::ZERO);
        assert_eq!(
            run.vrrp.vips,
            [("vip".to_owned(), Some("lb-01".to_owned()))]
        );
    }

    #[test]
    fn a_host_stopped_cleanly_is_down_and_says_so() {
        // B2.10: lb-01 stopped cleanly hands the VIP over after lb-02's skew time (0.609 s).
        let inputs = [(SimTime::from_secs(2), Input::HostStop("lb-01".into()))];
        let soon = run(3, &inputs, SimTime::from_millis(2_600));
        assert!(soon.is_down("lb-01") && soon.is_stopped("lb-01"));
        assert_eq!(soon.vrrp.vips, [("vip".to_owned(), None)]);
        let later = run(3, &inputs, SimTime::from_millis(2_610));
        assert_eq!(
            later.vrrp.vips,
            [("vip".to_owned(), Some("lb-02".to_owned()))]
        );
        let mut crashed = inputs.to_vec();
        crashed.push((SimTime::from_secs(3), Input::HostUp("lb-01".into())));
        crashed.push((SimTime::from_secs(4), Input::HostDown("lb-01".into())));
        let crashed = run(3, &crashed, SimTime::from_secs(5));
        assert!(crashed.is_down("lb-01") && !crashed.is_stopped("lb-01"));
    }

    #[test]
    fn unknown_ids_are_refused() {
        let topology = presets::topology(1).expect("stage 1");
        let inputs = [(SimTime::ZERO, Input::HostDown("nope".into()))];
        let err = replay(&topology, 1, &inputs, SimTime::ZERO)
            .err()
            .expect("refused");
        assert_eq!(err.to_string(), "there is no host 'nope'");
    }
}
