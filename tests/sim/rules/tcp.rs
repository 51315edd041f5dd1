//! B6a, TCP connection setup from the client (Linux defaults), and B2.9, connections opened
//! during a VRRP failover gap: an unanswered SYN is resent after 1 s, 2 s, 4 s … until the
//! browser's connect timeout; a reset fails at once; a SYN resent after the backup took the
//! virtual IP connects, so the request is served late, not lost.

use stacksim::sim::engine::{Config, Input, Load, Mix, Simulation};
use stacksim::sim::tcp::{BROWSER_CONNECT_TIMEOUT, INITIAL_RTO, LINUX_SYN_RETRIES, SynSchedule};
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::{NodeKind, Topology, Verdict};
use stacksim::sim::trace::{HopKind, Outcome, RequestKind, RequestSpec, Trace};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::stage;

fn s(seconds: u64) -> SimDuration {
    SimDuration::from_secs(seconds)
}

fn at(seconds: f64) -> SimTime {
    SimTime::from_micros((seconds * 1e6).round() as u64)
}

// B6a.1: the schedule of resends.

#[wasm_bindgen_test(unsupported = test)]
fn linux_resends_the_syn_after_1_2_4_8_16_32_s_and_gives_up_at_127_s() {
    let linux = SynSchedule::default();
    assert_eq!((linux.initial_rto, linux.retries), (INITIAL_RTO, 6));
    assert_eq!(LINUX_SYN_RETRIES, 6);
    let sent: Vec<Option<SimDuration>> = (0..=7).map(|n| linux.send_at(n)).collect();
    let expected = [0, 1, 3, 7, 15, 31, 63].map(|x| Some(s(x)));
    assert_eq!(sent[..7], expected);
    assert_eq!(sent[7], None, "six resends, no seventh");
    let waits: Vec<SimDuration> = (1..=6).map(|n| linux.wait_before(n)).collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 32].map(s));
    assert_eq!(linux.gives_up_at(), s(127));
    assert_eq!(linux.syns_sent(), 7);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_browser_gives_up_after_its_connect_timeout_of_90_s() {
    assert_eq!(BROWSER_CONNECT_TIMEOUT, s(90));
    assert_eq!(
        Config::default().client_connect_timeout,
        BROWSER_CONNECT_TIMEOUT
    );
    let browser = SynSchedule::browser();
    assert_eq!(browser.gives_up_at(), s(90));
    assert_eq!(
        browser.send_at(6),
        Some(s(63)),
        "the last resend is before 90 s"
    );
    assert_eq!(browser.syns_sent(), 7);
    // A timeout shorter than the kernel's resends cuts them.
    let impatient = SynSchedule::with_timeout(s(10));
    assert_eq!(impatient.send_at(3), Some(s(7)));
    assert_eq!(impatient.send_at(4), None, "15 s is after the timeout");
    assert_eq!(impatient.gives_up_at(), s(10));
    assert_eq!(impatient.syns_sent(), 4);
}

#[wasm_bindgen_test(unsupported = test)]
fn haproxy_timeout_connect_5s_gets_the_kernel_resends_at_1_and_3_s() {
    let haproxy = SynSchedule::with_timeout(s(5));
    assert_eq!(
        (0..4).map(|n| haproxy.send_at(n)).collect::<Vec<_>>(),
        [Some(s(0)), Some(s(1)), Some(s(3)), None]
    );
    assert_eq!(haproxy.gives_up_at(), s(5));
    // No `timeout connect`: the kernel decides.
    assert_eq!(
        SynSchedule::with_timeout(SimDuration::ZERO).gives_up_at(),
        s(127)
    );
}

// B6a.1 and B6a.2 through the engine: who resends, who fails at once.

/// Stage 2 without lb-01's port-80 rule (which admits plain HTTP for the redirect): its default
/// policy drops plain HTTP.
fn stage_2_dropping_http() -> Topology {
    let mut t = stage(2);
    for node in &mut t.nodes {
        if let NodeKind::Host(h) = &mut node.kind
            && node.id == "lb-01"
            && let Some(fw) = &mut h.firewall
        {
            fw.rules.retain(|rule| rule.port != Some(80));
        }
    }
    t
}

/// Stage 2 with lb-01's firewall rejecting plain HTTP instead of dropping it.
fn stage_2_rejecting_http() -> Topology {
    let mut t = stage_2_dropping_http();
    for node in &mut t.nodes {
        if let NodeKind::Host(h) = &mut node.kind
            && node.id == "lb-01"
            && let Some(fw) = &mut h.firewall
        {
            let mut reject = fw.rules[0].clone();
            reject.action = Verdict::Reject;
            reject.port = Some(80);
            reject.comment = "refuse plain HTTP".to_owned();
            fw.rules.push(reject);
        }
    }
    t
}

/// The time the client's first SYN left: the DNS answer arrived (the last DNS hop).
fn first_syn(trace: &Trace) -> SimTime {
    trace
        .hops
        .iter()
        .rev()
        .find(|h| h.kind == HopKind::Dns)
        .map_or(trace.sent_at, |h| h.at)
}

/// The hops that record a SYN going unanswered, or a resent one getting through.
fn syn_hops(trace: &Trace) -> Vec<SimDuration> {
    let first = first_syn(trace);
    trace
        .hops
        .iter()
        .filter(|h| h.reason.contains("SYN goes unanswered") || h.reason.contains("SYN resent"))
        .filter(|h| h.place != "client")
        .map(|h| h.at - first)
        .collect()
}

fn reasons(trace: &Trace) -> Vec<&str> {
    trace.hops.iter().map(|h| h.reason.as_str()).collect()
}

/// Sends one request at `when` after `inputs` (each at its time) and runs it to the end.
fn run(
    topology: &Topology,
    inputs: &[(f64, Input)],
    when: f64,
    kind: RequestKind,
    https: bool,
) -> Trace {
    let mut sim = Simulation::new(topology, Config::default()).expect("simulates");
    for (t, input) in inputs {
        sim.schedule(at(*t), input.clone()).expect("known target");
    }
    sim.advance_to(at(when));
    let id = sim
        .handle(at(when), Input::Send(RequestSpec::new(kind, https)))
        .expect("accepted")
        .expect("an id");
    sim.run_until_quiet(at(when + 600.0));
    sim.trace(id).expect("traced").clone()
}

struct ConnectCase {
    name: &'static str,
    topology: Topology,
    inputs: Vec<(f64, Input)>,
    https: bool,
    /// `Outcome::label` of the end.
    outcome: &'static str,
    /// From the first SYN leaving to the outcome reaching the client.
    after: SimDuration,
    /// When each unanswered (or finally answered) resend reached the site, from the first SYN.
    syns: Vec<SimDuration>,
}

#[wasm_bindgen_test(unsupported = test)]
fn unanswered_syns_are_resent_until_the_timeout_and_resets_fail_at_once() {
    let wan = Config::default().wan_latency;
    let all_seven: Vec<SimDuration> = [0, 1, 3, 7, 15, 31, 63].map(|x| s(x) + wan).to_vec();
    let cases = [
        ConnectCase {
            name: "a `deny` rule drops the SYN: resent, then dropped after 90 s",
            topology: stage_2_dropping_http(),
            inputs: vec![],
            https: false,
            outcome: "dropped",
            after: s(90),
            syns: all_seven.clone(),
        },
        ConnectCase {
            name: "a dead host: resent, then timed out after 90 s",
            topology: stage(0),
            inputs: vec![(0.0, Input::HostDown("server-01".into()))],
            https: false,
            outcome: "timed_out",
            after: s(90),
            syns: all_seven.clone(),
        },
        ConnectCase {
            name: "a `reject` rule: refused after one round trip",
            topology: stage_2_rejecting_http(),
            inputs: vec![],
            https: false,
            outcome: "refused",
            after: wan.times(2),
            syns: vec![],
        },
        ConnectCase {
            name: "a closed port (Nginx stopped): refused after one round trip",
            topology: stage(0),
            inputs: vec![(0.0, Input::ServiceDown("server-01.nginx".into()))],
            https: false,
            outcome: "refused",
            after: wan.times(2),
            syns: vec![],
        },
        ConnectCase {
            name: "a host back at 5 s: the SYN resent at 7 s connects",
            topology: stage(0),
            inputs: vec![
                (0.0, Input::HostDown("server-01".into())),
                (5.0, Input::HostUp("server-01".into())),
            ],
            https: false,
            outcome: "served",
            // Connected on the SYN sent at 7 s: the handshake and the page as usual.
            after: s(7) + wan.times(4) + SimDuration::from_micros(100),
            syns: [0, 1, 3, 7].map(|x| s(x) + wan).to_vec(),
        },
    ];
    for case in cases {
        let trace = run(
            &case.topology,
            &case.inputs,
            1.0,
            RequestKind::Static,
            case.https,
        );
        let outcome = trace.outcome.as_ref().expect("finished");
        assert_eq!(
            outcome.label(),
            case.outcome,
            "{}: {outcome}\n{:#?}",
            case.name,
            reasons(&trace)
        );
        let after = trace.finished_at.expect("finished") - first_syn(&trace);
        assert_eq!(after, case.after, "{}\n{:#?}", case.name, reasons(&trace));
        assert_eq!(
            syn_hops(&trace),
            case.syns,
            "{}\n{:#?}",
            case.name,
            reasons(&trace)
        );
        // Each of those hops names which SYN it is: the first, then resend 1, 2 …
        let numbers: Vec<u8> = trace
            .hops
            .iter()
            .filter(|h| h.reason.contains("SYN goes unanswered") || h.reason.contains("SYN resent"))
            .filter(|h| h.place != "client")
            .map(|h| h.syn)
            .collect();
        let expected: Vec<u8> = (0..case.syns.len()).map(|n| n as u8).collect();
        assert_eq!(numbers, expected, "{}", case.name);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_event_list_says_each_resend_and_why_the_browser_gave_up() {
    let trace = run(
        &stage_2_dropping_http(),
        &[],
        1.0,
        RequestKind::Static,
        false,
    );
    let reasons = reasons(&trace);
    let has = |needle: &str| reasons.iter().any(|r| r.contains(needle));
    assert!(
        has("the SYN goes unanswered; the browser resends it after 1 s"),
        "{reasons:#?}"
    );
    assert!(
        has("SYN resent after 2 s (3 s after the first)"),
        "{reasons:#?}"
    );
    assert!(
        has("SYN resent after 32 s (63 s after the first)"),
        "{reasons:#?}"
    );
    assert!(
        has("no answer to 7 SYNs: the browser gives up 90 s after the first (connect timeout)"),
        "{reasons:#?}"
    );
    // The outcome still names the rule that dropped it.
    let outcome = trace.outcome.expect("finished").to_string();
    assert!(outcome.contains("Dropped at lb-01"), "{outcome}");
    assert!(outcome.contains("fw-lb-01 default deny"), "{outcome}");
}

// B2.9: connections opened during the VRRP gap.

/// lb-01 dies at 10 s (its last advert); lb-02 (priority 100) is MASTER at 13.609375 s.
const CRASH_S: f64 = 10.0;

#[wasm_bindgen_test(unsupported = test)]
fn connections_opened_in_the_vrrp_gap_are_served_late_on_the_new_master() {
    let gap = [(CRASH_S, Input::HostDown("lb-01".into()))];
    let latency = |when: f64| {
        let mut sim = Simulation::new(&stage(3), Config::default()).expect("simulates");
        // A first request warms the resolver so every later one starts the same way.
        sim.handle(
            SimTime::ZERO,
            Input::Send(RequestSpec::new(RequestKind::Static, true)),
        )
        .expect("accepted");
        sim.run_until_quiet(at(5.0));
        for (t, input) in &gap {
            sim.schedule(at(*t), input.clone()).expect("known");
        }
        sim.advance_to(at(when));
        let id = sim
            .handle(
                at(when),
                Input::Send(RequestSpec::new(RequestKind::Static, true)),
            )
            .expect("accepted")
            .expect("an id");
        sim.run_until_quiet(at(when + 200.0));
        sim.trace(id).expect("traced").clone()
    };
    let normal = latency(5.0).latency().expect("finished");
    // (sent at, how late: the resend that first reaches the VIP after the takeover)
    let cases = [
        (10.5, 7), // SYNs reach the VIP at 10.5, 11.5, 13.5: all before lb-02 holds it
        (11.0, 3),
        (12.0, 3),
        (13.0, 1),
        (13.5, 1),
        (13.7, 0), // after the takeover: on time
    ];
    for (when, late_s) in cases {
        let trace = latency(when);
        match &trace.outcome {
            Some(Outcome::Served { status: 200, .. }) => {}
            other => panic!("sent at {when} s: {other:?}\n{:#?}", reasons(&trace)),
        }
        let late = trace.latency().expect("finished") - normal;
        let expected = s(late_s);
        let slack = SimDuration::from_millis(2);
        assert!(
            late >= expected && late <= expected + slack,
            "sent at {when} s: {late} late, expected {expected}\n{:#?}",
            reasons(&trace)
        );
        let via_lb_02 = reasons(&trace)
            .iter()
            .any(|r| r.contains("is held by lb-02"));
        assert!(via_lb_02, "{:#?}", reasons(&trace));
        if late_s > 0 {
            let said = |needle: &str| reasons(&trace).iter().any(|r| r.contains(needle));
            assert!(
                said(
                    "VIP 8.8.8.8 has no MASTER (VRRP failover in progress): the SYN goes unanswered"
                ),
                "{:#?}",
                reasons(&trace)
            );
            assert!(
                said(&format!("the SYN resent {late_s} s after the first")),
                "which resend reached lb-02: {:#?}",
                reasons(&trace)
            );
        }
        if late_s >= 3 {
            assert!(
                reasons(&trace).iter().any(|r| r.contains(
                    "SYN resent after 1 s (1 s after the first): nobody holds 8.8.8.8 yet"
                )),
                "{:#?}",
                reasons(&trace)
            );
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_request_already_through_the_dead_master_is_lost() {
    // HTTPS: the handshakes take 30 ms after the SYN; lb-01 dies while they are under way.
    let trace = run(
        &stage(3),
        &[(CRASH_S + 0.02, Input::HostDown("lb-01".into()))],
        CRASH_S,
        RequestKind::Static,
        true,
    );
    assert!(
        matches!(trace.outcome, Some(Outcome::TimedOut { .. })),
        "{:?}\n{:#?}",
        trace.outcome,
        reasons(&trace)
    );
    assert!(
        reasons(&trace)
            .iter()
            .any(|r| r.contains("lb-01 died after the connection was established")),
        "{:#?}",
        reasons(&trace)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_load_through_the_vrrp_gap_is_served_late_not_lost() {
    let mut sim = Simulation::new(&stage(3), Config::default()).expect("simulates");
    sim.start_load(Load {
        https: true,
        ..Load::new(200.0, 6000)
    });
    sim.schedule(at(CRASH_S), Input::HostDown("lb-01".into()))
        .expect("known");
    sim.run_until_quiet(at(300.0));
    let stats = sim.stats();
    let outcomes = stats.outcomes();
    assert_eq!(stats.in_flight(), 0);
    // 200 requests/s × 3.6 s of gap resend their SYN; every one of them is served.
    assert!(
        (600..=850).contains(&stats.syn_resent),
        "{} resent",
        stats.syn_resent
    );
    assert_eq!(stats.served_after_resend, stats.syn_resent);
    // Only those already established through lb-01 when it died are lost: a few in flight.
    let lost = outcomes.total() - outcomes.served;
    assert!(lost <= 20, "{outcomes:?}");
    assert_eq!(lost, outcomes.timed_out, "{outcomes:?}");
    let buckets = &sim.timeline().buckets;
    let resent: Vec<u64> = buckets.iter().map(|b| b.syn_resent).collect();
    assert_eq!(resent[..10].iter().sum::<u64>(), 0, "{resent:?}");
    assert!(resent[10..14].iter().all(|&n| n > 0), "{resent:?}");
    assert_eq!(resent[14..].iter().sum::<u64>(), 0, "{resent:?}");
    assert_eq!(
        Mix::default(),
        Load::new(1.0, 1).mix,
        "the default mix of reads, writes and static files"
    );
}

// HAProxy's own connection to a server gets the kernel's resends within `timeout connect`.

#[wasm_bindgen_test(unsupported = test)]
fn haproxy_connects_on_the_kernel_resend_when_the_server_returns_within_timeout_connect() {
    // Stage 1: server-01 dead from 0 s to 2.5 s; the first request goes to it at about 1 s
    // (checks have not marked it DOWN yet). HAProxy's SYN at ~1.1 s and its resend at ~2.1 s
    // go unanswered; the one at ~4.1 s connects, before `timeout connect` (5 s).
    let trace = run(
        &stage(1),
        &[
            (0.0, Input::HostDown("server-01".into())),
            (2.5, Input::HostUp("server-01".into())),
        ],
        1.0,
        RequestKind::Static,
        false,
    );
    match &trace.outcome {
        Some(Outcome::Served { backend, .. }) => {
            assert_eq!(
                backend.as_deref(),
                Some("server-01.nginx"),
                "{:#?}",
                reasons(&trace)
            );
        }
        other => panic!("{other:?}\n{:#?}", reasons(&trace)),
    }
    let said = |needle: &str| reasons(&trace).iter().any(|r| r.contains(needle));
    assert!(
        said("the kernel resends it after 1 s"),
        "{:#?}",
        reasons(&trace)
    );
    assert!(
        said("connected on the SYN the kernel resent 3 s after the first"),
        "{:#?}",
        reasons(&trace)
    );
}
