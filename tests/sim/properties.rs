//! Invariants of the engine over random runs (proptest): any stage, any seed, random failures
//! and repairs at random times, traced requests and load mixed.
//!
//! - requests are conserved: sent = finished + in flight, at every moment, and nothing is left
//!   in flight at the end;
//! - times never go backwards along a trace;
//! - no request is served by, or reads from, a host or service that is down at that moment;
//! - a packet a firewall refused never shows up downstream of it;
//! - the same inputs and seed give the same run.
#![cfg(not(target_arch = "wasm32"))]

use std::net::Ipv4Addr;

use proptest::prelude::*;
use stacksim::sim::engine::{Config, Input, Load, Mix, Simulation};
use stacksim::sim::presets;
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::{NodeKind, Topology};
use stacksim::sim::trace::{Hop, HopKind, RequestKind, RequestSpec, Trace};

#[derive(Clone, Debug)]
enum Step {
    Send { kind: u8, https: bool },
    Toggle { target: usize, down: bool },
    Wait { ms: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..3, any::<bool>()).prop_map(|(kind, https)| Step::Send { kind, https }),
        2 => (0usize..32, any::<bool>()).prop_map(|(target, down)| Step::Toggle { target, down }),
        2 => (1u32..8_000).prop_map(|ms| Step::Wait { ms }),
    ]
}

/// Every host and service id of a design, the things a step can take down.
fn targets(topology: &Topology) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for node in &topology.nodes {
        if let NodeKind::Host(host) = &node.kind {
            out.push((node.id.clone(), true));
            for service in &host.services {
                out.push((service.id.clone(), false));
            }
        }
    }
    out
}

/// When each target was down: (id, from, to).
type Downtime = Vec<(String, SimTime, SimTime)>;

fn run(stage: u8, seed: u64, steps: &[Step], load_rps: f64) -> (Simulation, Downtime) {
    let topology = presets::topology(stage).unwrap_or_else(|| unreachable!());
    let all = targets(&topology);
    let config = Config {
        seed,
        ..Config::default()
    };
    let Ok(mut sim) = Simulation::new(&topology, config) else {
        unreachable!("valid preset")
    };
    if load_rps > 0.0 {
        sim.start_load(Load {
            https: stage >= 2,
            mix: Mix::default(),
            ..Load::new(load_rps, 400)
        });
    }
    let mut t = SimTime::ZERO;
    let mut down_since: Vec<Option<SimTime>> = vec![None; all.len()];
    let mut downtime = Vec::new();
    for step in steps {
        match step {
            Step::Send { kind, https } => {
                let kind =
                    [RequestKind::Static, RequestKind::Read, RequestKind::Write][*kind as usize];
                let sent = sim.handle(t, Input::Send(RequestSpec::new(kind, *https)));
                assert!(matches!(sent, Ok(Some(_))));
            }
            Step::Toggle { target, down } => {
                let idx = target % all.len();
                let (id, is_host) = &all[idx];
                let input = match (is_host, down) {
                    // Some hosts are shut down cleanly (keepalived's priority-0 advert).
                    (true, true) if (target / all.len()) % 2 == 1 => Input::HostStop(id.clone()),
                    (true, true) => Input::HostDown(id.clone()),
                    (true, false) => Input::HostUp(id.clone()),
                    (false, true) => Input::ServiceDown(id.clone()),
                    (false, false) => Input::ServiceUp(id.clone()),
                };
                assert!(sim.handle(t, input).is_ok());
                match (down, down_since[idx]) {
                    (true, None) => down_since[idx] = Some(t),
                    (false, Some(from)) => {
                        downtime.push((id.clone(), from, t));
                        down_since[idx] = None;
                    }
                    _ => {}
                }
            }
            Step::Wait { ms } => t += SimDuration::from_millis(u64::from(*ms)),
        }
        let stats = sim.stats();
        assert_eq!(stats.sent, stats.finished() + stats.in_flight());
    }
    sim.run_until_quiet(t + SimDuration::from_secs(3_600));
    for (idx, since) in down_since.iter().enumerate() {
        if let Some(from) = since {
            downtime.push((all[idx].0.clone(), *from, SimTime::from_micros(u64::MAX)));
        }
    }
    (sim, downtime)
}

fn host_of(id: &str) -> &str {
    id.split_once('.').map_or(id, |(host, _)| host)
}

fn check_trace(trace: &Trace, downtime: &Downtime) {
    let times: Vec<SimTime> = trace.hops.iter().map(|h| h.at).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "time went backwards: {:#?}",
        trace.hops
    );
    for hop in &trace.hops {
        if matches!(hop.kind, HopKind::Serve | HopKind::Database) {
            let down = downtime.iter().any(|(id, from, to)| {
                (id == &hop.place || id == host_of(&hop.place)) && *from <= hop.at && hop.at < *to
            });
            assert!(
                !down,
                "{} did work while down: {:#?}",
                hop.place, trace.hops
            );
        }
    }
    // A refused packet is the end of its road: nothing passes the firewall that refused it.
    // What follows is the client's own closing hop, or a SYN the browser sent again later
    // (B6a.1: from the client's address, after its retransmission timer).
    let refused = |h: &Hop| {
        h.kind == HopKind::Firewall && (h.reason.contains(" deny") || h.reason.contains(" reject"))
    };
    let client = Ipv4Addr::new(203, 0, 113, 7);
    for (i, hop) in trace.hops.iter().enumerate() {
        if !refused(hop) {
            continue;
        }
        let next = trace
            .hops
            .get(i + 1)
            .expect("the client's closing hop follows");
        let closing = i + 2 == trace.hops.len() && next.place == "client";
        let resent = next.at > hop.at && next.src.is_some_and(|(ip, _)| ip == client);
        assert!(
            closing || resent,
            "hops after a refused packet: {:#?}",
            trace.hops
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_runs(
        stage in 0u8..4,
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..40),
        load in prop_oneof![Just(0.0), 50.0f64..2_000.0],
    ) {
        let (sim, downtime) = run(stage, seed, &steps, load);
        let stats = sim.stats();
        prop_assert_eq!(stats.in_flight(), 0);
        prop_assert_eq!(stats.sent, stats.finished());
        let n_sends = steps.iter().filter(|s| matches!(s, Step::Send { .. })).count();
        prop_assert_eq!(sim.traces().len(), n_sends);
        for trace in sim.traces() {
            prop_assert!(trace.outcome.is_some());
            check_trace(trace, &downtime);
        }
    }

    #[test]
    fn the_same_inputs_give_the_same_run(
        stage in 0u8..4,
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..20),
    ) {
        let (a, _) = run(stage, seed, &steps, 300.0);
        let (b, _) = run(stage, seed, &steps, 300.0);
        prop_assert_eq!(a.stats(), b.stats());
        prop_assert_eq!(a.traces(), b.traces());
        prop_assert_eq!(a.events_processed(), b.events_processed());
    }
}
