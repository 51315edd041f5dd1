//! End-to-end scenarios through the engine: a design, some inputs at given times, and what the
//! client and the trace must show. They run natively and in Chromium and Firefox.

use stacksim::sim::engine::{Config, Input, Load, Mix, Output, Shape, Simulation};
use stacksim::sim::presets;
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::NodeKind;
use stacksim::sim::trace::{HopKind, Outcome, RequestKind, RequestSpec, Trace};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::{https_only, secs};

fn sim(stage: u8) -> Simulation {
    let topology = presets::topology(stage).expect("stage exists");
    Simulation::new(&topology, Config::default()).expect("preset simulates")
}

/// Sends `spec` at `at` and runs until it finishes; returns its trace.
#[track_caller]
fn send(sim: &mut Simulation, at: SimTime, kind: RequestKind, https: bool) -> Trace {
    let id = sim
        .handle(at, Input::Send(RequestSpec::new(kind, https)))
        .expect("send is always accepted")
        .expect("send returns an id");
    sim.run_until_quiet(at + SimDuration::from_secs(120));
    sim.trace(id).expect("traced").clone()
}

fn reasons(trace: &Trace) -> Vec<&str> {
    trace.hops.iter().map(|h| h.reason.as_str()).collect()
}

#[track_caller]
fn check_served(trace: &Trace, backend: Option<&str>, stale: bool) {
    match &trace.outcome {
        Some(Outcome::Served {
            status: 200,
            backend: b,
            stale: s,
        }) => {
            assert_eq!(b.as_deref(), backend, "{:#?}", reasons(trace));
            assert_eq!(*s, stale, "{:#?}", reasons(trace));
        }
        other => panic!("not served: {other:?}\n{:#?}", reasons(trace)),
    }
}

#[track_caller]
fn check_reason(trace: &Trace, needle: &str) {
    assert!(
        trace.hops.iter().any(|h| h.reason.contains(needle)),
        "no hop says {needle:?}:\n{:#?}",
        reasons(trace)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_0_static_file_is_served_from_disk_by_nginx() {
    let mut sim = sim(0);
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Static, false);
    check_served(&trace, Some("server-01.nginx"), false);
    check_reason(&trace, "served from disk");
    check_reason(&trace, "cache miss");
    let times: Vec<SimTime> = trace.hops.iter().map(|h| h.at).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "times go forward: {times:?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn second_request_hits_the_resolver_cache() {
    let mut sim = sim(0);
    send(&mut sim, SimTime::ZERO, RequestKind::Static, false);
    let trace = send(&mut sim, secs(100.0), RequestKind::Static, false);
    check_reason(&trace, "cache hit");
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_0_dynamic_read_goes_nginx_app_mysql() {
    let mut sim = sim(0);
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Read, false);
    check_served(&trace, Some("server-01.nginx"), false);
    // DNS, then Nginx, then the application server, then MySQL, with nothing in between: the
    // places the request visits on its way in, each run of hops at one place counted once.
    let places: Vec<&str> = trace.hops.iter().map(|h| h.place.as_str()).collect();
    let mysql = places
        .iter()
        .position(|p| *p == "server-01.mysql")
        .unwrap_or_else(|| panic!("MySQL missing from {places:?}"));
    let mut way_in = places[..=mysql].to_vec();
    way_in.dedup();
    assert_eq!(
        way_in,
        ["dns", "server-01.nginx", "server-01.app", "server-01.mysql"],
        "{places:?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_0_server_down_is_a_single_point_of_failure() {
    let mut sim = sim(0);
    sim.handle(SimTime::ZERO, Input::HostDown("server-01".into()))
        .expect("known host");
    let trace = send(&mut sim, secs(1.0), RequestKind::Static, false);
    assert!(
        matches!(trace.outcome, Some(Outcome::TimedOut { .. })),
        "{:?}",
        trace.outcome
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn https_to_a_host_without_certificate_fails_with_a_reason() {
    let mut sim = sim(0);
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Static, true);
    assert!(
        matches!(trace.outcome, Some(Outcome::Refused { .. })),
        "{:?}",
        trace.outcome
    );
    check_reason(&trace, "no certificate");
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_1_round_robin_alternates_between_the_two_servers() {
    let mut sim = sim(1);
    let backends: Vec<Option<String>> = (0..4)
        .map(|i| {
            let trace = send(&mut sim, secs(f64::from(i)), RequestKind::Static, false);
            match trace.outcome {
                Some(Outcome::Served { backend, .. }) => backend,
                other => panic!("{other:?}"),
            }
        })
        .collect();
    let names: Vec<&str> = backends
        .iter()
        .map(|b| b.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(
        names,
        [
            "server-01.nginx",
            "server-02.nginx",
            "server-01.nginx",
            "server-02.nginx"
        ]
    );
}

/// Stages 2 and 3 end TLS at HAProxy and open port 80 for its redirect (as real sites do):
/// plain HTTP is let in by rule 2 (stage 2) or 3 (stage 3) and answered with a 301 to the same
/// address over HTTPS; it never reaches a web server.
#[wasm_bindgen_test(unsupported = test)]
fn plain_http_is_redirected_to_https_where_tls_ends_at_haproxy() {
    let cases = [
        (
            2,
            RequestKind::Static,
            "fw-lb-01 rule 2 allow tcp/80 from any",
            "https://www.foobar.com/static/logo.png",
        ),
        (
            2,
            RequestKind::Read,
            "fw-lb-01 rule 2 allow tcp/80 from any",
            "https://www.foobar.com/products/42",
        ),
        (
            3,
            RequestKind::Write,
            "fw-lb-01 rule 3 allow tcp/80 from any",
            "https://www.foobar.com/products/42",
        ),
    ];
    for (stage, kind, rule, url) in cases {
        let mut sim = sim(stage);
        let trace = send(&mut sim, SimTime::ZERO, kind, false);
        match &trace.outcome {
            Some(Outcome::Served {
                status: 301,
                backend: None,
                stale: false,
            }) => {}
            other => panic!("stage {stage} {kind:?}: {other:?}\n{:#?}", reasons(&trace)),
        }
        check_reason(&trace, rule);
        check_reason(
            &trace,
            &format!("lb-01.haproxy answers plain HTTP with 301: HTTPS only, redirected to {url}"),
        );
        assert!(
            !trace.hops.iter().any(|h| h.kind == HopKind::Forward),
            "a redirect reaches no server: {:#?}",
            reasons(&trace)
        );
        assert_eq!(
            trace.outcome.as_ref().map(ToString::to_string).as_deref(),
            Some("301 redirect to HTTPS"),
        );
        assert_eq!(sim.stats().redirects, 1);
    }
}

/// Without the port-80 rule the load balancer's firewall drops plain HTTP (default deny) and
/// the browser times out.
#[wasm_bindgen_test(unsupported = test)]
fn plain_http_is_dropped_where_the_firewall_admits_only_https() {
    let mut topology = presets::topology(2).expect("stage 2");
    for node in &mut topology.nodes {
        if let NodeKind::Host(host) = &mut node.kind
            && node.id == "lb-01"
            && let Some(firewall) = &mut host.firewall
        {
            firewall.rules.retain(|rule| rule.port != Some(80));
        }
    }
    let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Static, false);
    match &trace.outcome {
        Some(Outcome::Dropped { host, reason }) => {
            assert_eq!(host, "lb-01");
            assert!(reason.contains("fw-lb-01 default deny"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_2_https_ends_at_the_load_balancer_then_plaintext() {
    let mut sim = sim(2);
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Read, true);
    check_served(&trace, Some("server-01.nginx"), false);
    check_reason(&trace, "fw-lb-01 rule 1 allow tcp/443 from any");
    let tls = trace
        .hops
        .iter()
        .position(|h| h.kind == HopKind::Tls)
        .expect("a TLS hop");
    assert_eq!(trace.hops[tls].place, "lb-01.haproxy");
    assert!(trace.hops[tls].encrypted);
    let forward = trace
        .hops
        .iter()
        .find(|h| h.kind == HopKind::Forward && h.place == "server-01.nginx")
        .expect("forward to a server");
    assert!(!forward.encrypted, "after termination the hop is plaintext");
    check_reason(&trace, "plaintext");
}

#[wasm_bindgen_test(unsupported = test)]
fn write_then_read_on_the_replica_is_stale_then_fresh_after_the_lag() {
    let mut sim = sim(1);
    // Round robin: the write lands on server-01 (primary), the read on server-02 (replica).
    let write = send(&mut sim, SimTime::ZERO, RequestKind::Write, false);
    check_served(&write, Some("server-01.nginx"), false);
    // The browser sends the read as soon as the write's response arrives.
    let now = sim.now();
    let read = send(&mut sim, now, RequestKind::Read, false);
    check_served(&read, Some("server-02.nginx"), true);
    check_reason(&read, "stale");
    // A second write/read pair, the read well after the 300 ms lag.
    send(&mut sim, secs(40.0), RequestKind::Write, false);
    let later = send(&mut sim, secs(42.0), RequestKind::Read, false);
    check_served(&later, Some("server-02.nginx"), false);
    check_reason(&later, "up to date");
}

/// Crashes `what` at 10 s and returns how long HAProxy took to mark server-01 DOWN.
fn detection_delay(what: Input) -> (Simulation, SimDuration) {
    let mut sim = sim(1);
    sim.handle(secs(10.0), what).expect("known id");
    sim.advance_to(secs(30.0));
    let outputs: Vec<Output> = std::iter::from_fn(|| sim.poll_output()).collect();
    assert_eq!(
        sim.server_available("lb-01.haproxy", "server-01.nginx"),
        Some(false),
        "{outputs:?}"
    );
    let down_at = outputs
        .into_iter()
        .find_map(|o| match o {
            Output::ServerState {
                server,
                up: false,
                at,
                ..
            } if server == "server-01.nginx" => Some(at),
            _ => None,
        })
        .expect("a DOWN transition");
    (sim, down_at - secs(10.0))
}

#[wasm_bindgen_test(unsupported = test)]
fn stopped_nginx_is_marked_down_4_to_6_s_later_then_web_02_takes_everything() {
    // B1.16: checks are refused at once; fall 3 × inter 2 s after the first failed check.
    let (mut sim, delay) = detection_delay(Input::ServiceDown("server-01.nginx".into()));
    assert!(
        delay > SimDuration::from_secs(4) && delay <= SimDuration::from_secs(6),
        "{delay}"
    );
    for i in 0..4 {
        let trace = send(
            &mut sim,
            secs(40.0 + f64::from(i)),
            RequestKind::Static,
            false,
        );
        check_served(&trace, Some("server-02.nginx"), false);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn crashed_host_hangs_the_checks_so_detection_takes_longer() {
    // B1.16: a host that does not answer makes each check wait for its timeout (inter).
    let (_, delay) = detection_delay(Input::HostDown("server-01".into()));
    assert!(
        delay > SimDuration::from_secs(10) && delay <= SimDuration::from_secs(12),
        "{delay}"
    );
}

/// Each check that counts is reported, then the change of state (issue 15, item 3): a
/// stopped Nginx refuses (each check fails at once), a crashed host hangs them (each fails at
/// its timeout), and a host back up passes `rise` checks before it is UP again.
#[wasm_bindgen_test(unsupported = test)]
fn each_counting_check_is_reported_with_its_cause_before_the_change_of_state() {
    let told = |what: Input, back: Option<Input>| {
        let mut sim = sim(1);
        sim.handle(secs(10.0), what).expect("known id");
        if let Some(back) = back {
            sim.handle(secs(30.0), back).expect("known id");
        }
        sim.advance_to(secs(50.0));
        std::iter::from_fn(|| sim.poll_output())
            .filter_map(|o| match o {
                Output::Check {
                    lb,
                    server,
                    what,
                    at,
                    ..
                } if lb == "lb-01.haproxy" && server == "server-01.nginx" => Some((at, what)),
                Output::ServerState {
                    lb, server, up, at, ..
                } if lb == "lb-01.haproxy" && server == "server-01.nginx" => {
                    Some((at, format!("marked {}", if up { "UP" } else { "DOWN" })))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let texts = |v: &[(SimTime, String)]| v.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    let refused = told(Input::ServiceDown("server-01.nginx".into()), None);
    let why = "connection refused (Layer4 connection problem)";
    assert_eq!(
        texts(&refused),
        [
            format!("check 1/3 failed: {why}"),
            format!("check 2/3 failed: {why}"),
            format!("check 3/3 failed: {why}: marked DOWN"),
            "marked DOWN".to_owned(),
        ]
    );
    // Refused checks fail at once, one inter (2 s) apart; the state changes with the third.
    assert_eq!(refused[1].0 - refused[0].0, SimDuration::from_secs(2));
    assert_eq!(refused[3].0, refused[2].0);
    let hung = told(
        Input::HostDown("server-01".into()),
        Some(Input::HostUp("server-01".into())),
    );
    let why = "no answer within 2 s (Layer4 timeout)";
    assert_eq!(
        texts(&hung),
        [
            format!("check 1/3 failed: {why}"),
            format!("check 2/3 failed: {why}"),
            format!("check 3/3 failed: {why}: marked DOWN"),
            "marked DOWN".to_owned(),
            "check 1/2 passed".to_owned(),
            "check 2/2 passed: marked UP".to_owned(),
            "marked UP".to_owned(),
        ]
    );
    // A hung check takes its timeout (inter) and the next starts one inter later.
    assert_eq!(hung[1].0 - hung[0].0, SimDuration::from_secs(4));
}

#[wasm_bindgen_test(unsupported = test)]
fn before_detection_round_robin_still_sends_to_the_dead_server_and_redispatch_saves_it() {
    // B1.16 + B1.19: not yet DOWN, so server-01 still gets its turn; the connection is
    // refused, retried, and the last retry is redispatched to server-02.
    let mut sim = sim(1);
    sim.handle(secs(10.0), Input::ServiceDown("server-01.nginx".into()))
        .expect("known");
    let first = send(&mut sim, secs(10.5), RequestKind::Static, false);
    let second = send(&mut sim, secs(10.6), RequestKind::Static, false);
    let (to_dead, other) = if reasons(&first).iter().any(|r| r.contains("redispatch")) {
        (first, second)
    } else {
        (second, first)
    };
    check_reason(&to_dead, "refused");
    check_served(&to_dead, Some("server-02.nginx"), false);
    check_served(&other, Some("server-02.nginx"), false);
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_3_killing_the_active_lb_moves_the_vip_after_the_vrrp_gap() {
    let mut sim = sim(3);
    assert_eq!(sim.vip_holder("vip").as_deref(), Some("lb-01"));
    sim.handle(secs(10.0), Input::HostDown("lb-01".into()))
        .expect("known host");
    // Sent during the gap: the SYN goes unanswered, the browser resends it and the resend at
    // 3 s reaches lb-02, the new MASTER (B2.9).
    let late = send(&mut sim, secs(11.0), RequestKind::Static, true);
    check_reason(&late, "no MASTER");
    check_reason(&late, "nobody holds 8.8.8.8 yet");
    check_reason(
        &late,
        "the SYN resent 3 s after the first (resend 2) reaches lb-02",
    );
    assert!(
        late.outcome.as_ref().is_some_and(Outcome::is_served),
        "{:?}",
        late.outcome
    );
    assert!(late.latency().expect("finished") > SimDuration::from_secs(3));
    let moved_at = std::iter::from_fn(|| sim.poll_output())
        .find_map(|o| match o {
            Output::VipHolder {
                holder: Some(h),
                at,
                ..
            } if h == "lb-02" => Some(at),
            _ => None,
        })
        .expect("lb-02 takes the VIP");
    // Last advert at t=10 s, priority 100: 3 × 1 s + 156/256 s.
    assert_eq!(moved_at, SimTime::from_micros(10_000_000 + 3_609_375));
    let served = send(&mut sim, secs(15.0), RequestKind::Static, true);
    check_reason(&served, "held by lb-02");
    assert!(
        served.outcome.as_ref().is_some_and(Outcome::is_served),
        "{:?}",
        served.outcome
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stopped_nginx_on_stage_0_refuses_at_once() {
    let mut sim = sim(0);
    sim.handle(SimTime::ZERO, Input::ServiceDown("server-01.nginx".into()))
        .expect("known");
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Static, false);
    assert!(
        matches!(trace.outcome, Some(Outcome::Refused { .. })),
        "{:?}",
        trace.outcome
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_ids_in_inputs_are_refused_with_a_message() {
    let mut sim = sim(1);
    let err = sim
        .handle(SimTime::ZERO, Input::HostDown("web-09".into()))
        .expect_err("unknown");
    assert_eq!(err.to_string(), "there is no host 'web-09'");
    let err = sim
        .handle(
            SimTime::ZERO,
            Input::StopReplication("server-01.mysql".into()),
        )
        .expect_err("primary");
    assert_eq!(err.to_string(), "'server-01.mysql' is not a replica");
}

fn load(rps: f64, seconds: f64, mix: Mix) -> Load {
    Load {
        mix,
        ..Load::new(rps, (rps * seconds) as u64)
    }
}

const READS: Mix = Mix {
    static_pct: 0,
    read_pct: 100,
    write_pct: 0,
};

fn served_rate(stage: u8, rps: f64) -> f64 {
    let mut sim = sim(stage);
    sim.start_load(load(rps, 20.0, READS));
    sim.run_until_quiet(secs(120.0));
    let stats = sim.stats();
    assert_eq!(stats.sent, stats.finished(), "every request finished");
    stats.outcomes().served as f64 / 20.0
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_0_saturates_at_its_app_capacity_and_stage_1_doubles_it() {
    // PHP-FPM: 8 workers × 20 ms = 400 requests/s per application server.
    let one = served_rate(0, 1000.0);
    let two = served_rate(1, 1000.0);
    assert!((380.0..=460.0).contains(&one), "stage 0 served {one}/s");
    assert!((760.0..=900.0).contains(&two), "stage 1 served {two}/s");
}

#[wasm_bindgen_test(unsupported = test)]
fn below_capacity_everything_is_served() {
    let mut sim = sim(1);
    sim.start_load(load(200.0, 10.0, Mix::default()));
    sim.run_until_quiet(secs(60.0));
    let all = sim.stats().outcomes();
    assert_eq!(all.served, sim.stats().sent);
    let by: Vec<(String, u64)> = sim.served_by();
    assert_eq!(by.len(), 2, "{by:?}");
    let diff = by[0].1.abs_diff(by[1].1);
    assert!(diff <= 1, "round robin is even: {by:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn same_seed_same_run_bit_for_bit() {
    let run = |seed: u64| {
        let topology = presets::topology(3).expect("stage 3");
        let config = Config {
            seed,
            ..Config::default()
        };
        let mut sim = Simulation::new(&topology, config).expect("valid");
        sim.start_load(Load {
            https: true,
            ..load(300.0, 5.0, Mix::default())
        });
        sim.handle(secs(2.0), Input::HostDown("web-01".into()))
            .expect("known");
        sim.run_until_quiet(secs(60.0));
        (sim.stats().clone(), sim.served_by(), sim.events_processed())
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).2, run(8).2, "another seed gives another run");
}

#[wasm_bindgen_test(unsupported = test)]
fn only_hosts_with_an_agent_report_to_the_collector() {
    let mut with_agents = sim(2);
    with_agents.start_load(Load {
        https: true,
        ..load(100.0, 25.0, Mix::default())
    });
    with_agents.advance_to(secs(25.0));
    let mut hosts: Vec<&str> = with_agents
        .reports()
        .iter()
        .map(|r| r.host.as_str())
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    assert_eq!(hosts, ["lb-01", "server-01", "server-02"]);
    let lb_requests: u64 = with_agents
        .reports()
        .iter()
        .filter(|r| r.host == "lb-01")
        .map(|r| r.requests)
        .sum();
    assert!(lb_requests > 0);
    let mut blind = sim(1);
    blind.start_load(load(100.0, 25.0, Mix::default()));
    blind.advance_to(secs(25.0));
    assert!(blind.reports().is_empty());
}

#[wasm_bindgen_test(unsupported = test)]
fn requests_are_conserved_at_every_moment() {
    let mut sim = sim(3);
    sim.start_load(Load {
        https: true,
        ..load(2000.0, 3.0, Mix::default())
    });
    sim.handle(secs(1.0), Input::HostDown("lb-01".into()))
        .expect("known");
    for tenth in 1..50 {
        sim.advance_to(secs(f64::from(tenth) / 10.0));
        let stats = sim.stats();
        assert_eq!(stats.sent, stats.finished() + stats.in_flight());
    }
    sim.run_until_quiet(secs(120.0));
    assert_eq!(sim.stats().in_flight(), 0);
    assert!(
        sim.stats().outcomes().timed_out > 0,
        "requests established through lb-01 when it died are lost"
    );
    assert!(
        sim.stats().syn_resent > 0,
        "those of the VRRP gap resend their SYN"
    );
    // At 2000 requests/s the resent SYNs arrive in bursts (1 s, 3 s after the first), each a
    // full TLS handshake on lb-02: not all of them make it through its queue.
    assert!(sim.stats().served_after_resend > 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn stopping_haproxy_on_the_active_lb_moves_the_vip_after_chk_haproxy_fails_twice() {
    // keepalived's track script (every 2 s, fall 2, rise 2) faults the instance only after two
    // failed runs, then lb-01 sends a priority-0 advert and lb-02 takes the VIP after its skew
    // (B2.11). With seed 1 lb-01's script runs at 10.986 s and 12.986 s. When HAProxy returns,
    // two passing runs bring lb-01 back as BACKUP and it preempts after its Master_Down_Timer.
    let mut sim = sim(3);
    sim.handle(secs(10.0), Input::ServiceDown("lb-01.haproxy".into()))
        .expect("known");
    sim.advance_to(secs(12.9));
    assert_eq!(
        sim.vip_holder("vip").as_deref(),
        Some("lb-01"),
        "kept until the second failure"
    );
    sim.advance_to(secs(14.0));
    assert_eq!(sim.vip_holder("vip").as_deref(), Some("lb-02"));
    sim.handle(secs(20.0), Input::ServiceUp("lb-01.haproxy".into()))
        .expect("known");
    sim.advance_to(secs(26.0));
    assert_eq!(
        sim.vip_holder("vip").as_deref(),
        Some("lb-02"),
        "rise 2, then the Master_Down_Timer"
    );
    sim.advance_to(secs(26.5));
    assert_eq!(
        sim.vip_holder("vip").as_deref(),
        Some("lb-01"),
        "priority 150 preempts"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn firewall_reasons_name_the_host_once() {
    let mut sim = sim(2);
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Static, true);
    check_reason(&trace, "fw-lb-01 rule 1 allow tcp/443 from any");
    assert!(
        !reasons(&trace).iter().any(|r| r.contains("fw-fw-")),
        "{:#?}",
        reasons(&trace)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn killing_the_active_lb_delays_the_requests_of_the_vrrp_gap_then_recovers() {
    let mut sim = sim(3);
    sim.start_load(Load {
        https: true,
        ..load(200.0, 30.0, Mix::default())
    });
    sim.schedule(secs(10.0), Input::HostDown("lb-01".into()))
        .expect("known host");
    sim.run_until_quiet(secs(200.0));
    let buckets = &sim.timeline().buckets;
    let resent: Vec<u64> = buckets.iter().map(|b| b.syn_resent).collect();
    assert_eq!(resent[..10].iter().sum::<u64>(), 0, "{resent:?}");
    assert!(
        resent[10..14].iter().all(|&n| n > 0),
        "SYNs resent during 10–13.6 s: {resent:?}"
    );
    assert_eq!(resent[14..].iter().sum::<u64>(), 0, "{resent:?}");
    let total: u64 = resent.iter().sum();
    // 200 requests/s × 3.609 s ≈ 722, all served late on lb-02.
    assert!((600..=850).contains(&total), "{total} resent");
    assert_eq!(sim.stats().served_after_resend, total);
    let served_after: u64 = buckets[15..25].iter().map(|b| b.outcomes.served).sum();
    assert!(
        served_after > 1800,
        "recovered: {served_after} served in 10 s"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn write_bursts_raise_replica_lag_and_stale_reads() {
    let run = |rps: f64| {
        let topology = presets::topology(1).expect("stage 1");
        // A slow applier (5 ms a write, 200 writes/s) behind 60 % writes.
        let config = Config {
            replica_apply_cost: SimDuration::from_millis(5),
            ..Config::default()
        };
        let mut sim = Simulation::new(&topology, config).expect("valid");
        let mix = Mix {
            static_pct: 0,
            read_pct: 40,
            write_pct: 60,
        };
        sim.start_load(Load {
            keys: 20,
            ..load(rps, 5.0, mix)
        });
        sim.run_until_quiet(secs(100.0));
        let replica = sim
            .timeline()
            .service_index("server-02.mysql")
            .expect("replica");
        let max_lag = sim
            .timeline()
            .buckets
            .iter()
            .filter_map(|b| b.replica_lag_ms[replica])
            .max()
            .unwrap_or(0);
        let stale: u64 = sim.timeline().buckets.iter().map(|b| b.stale_reads).sum();
        (max_lag, stale, sim.stats().stale_reads)
    };
    let (calm_lag, calm_stale, _) = run(50.0);
    let (burst_lag, burst_stale, total_stale) = run(500.0);
    assert!(calm_lag <= 310, "calm lag {calm_lag} ms");
    assert!(burst_lag > 1000, "burst lag {burst_lag} ms");
    assert!(
        burst_stale > 10 * calm_stale.max(1),
        "stale {calm_stale} → {burst_stale}"
    );
    assert_eq!(burst_stale, total_stale, "timeline and totals agree");
}

/// Issue 15: a load whose requests all time out (stage 3 with firewalls that admit only HTTPS;
/// the browser gives up on plain HTTP after its 90 s connect timeout) is counted in the seconds its requests were
/// sent, not 90 s later: every second's outcomes are its own requests', and nothing is counted
/// after the load.
#[wasm_bindgen_test(unsupported = test)]
fn outcomes_are_counted_in_the_second_their_request_was_sent() {
    for (https, lost) in [(false, true), (true, false)] {
        let mut sim = Simulation::new(&https_only(3), Config::default()).expect("simulates");
        sim.start_load(Load {
            https,
            ..load(100.0, 5.0, Mix::default())
        });
        sim.run_until_quiet(secs(300.0));
        let buckets = &sim.timeline().buckets;
        let sent: u64 = buckets.iter().map(|b| b.sent).sum();
        assert_eq!(sent, 500);
        for (k, b) in buckets.iter().enumerate() {
            assert_eq!(b.outcomes.total(), b.sent, "https {https}, second {k}");
            assert_eq!(b.outcomes.served == 0, lost, "https {https}, second {k}");
            let served_by: u64 = b.served_by.iter().sum();
            assert_eq!(served_by, b.outcomes.served, "https {https}, second {k}");
            assert_eq!(
                b.latency.count(),
                b.outcomes.served,
                "https {https}, second {k}"
            );
        }
        let last_send = buckets.iter().rposition(|b| b.sent > 0).expect("sent");
        assert!(
            last_send <= 5,
            "https {https}: sent until second {last_send}"
        );
        assert!(
            buckets[last_send + 1..]
                .iter()
                .all(|b| b.outcomes.total() == 0 && b.latency.count() == 0),
            "https {https}: nothing counted after the load"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn timeline_buckets_add_up_to_the_totals() {
    let mut sim = sim(2);
    sim.start_load(Load {
        https: true,
        ..load(300.0, 20.0, Mix::default())
    });
    sim.schedule(secs(4.0), Input::ServiceDown("server-02.nginx".into()))
        .expect("known");
    sim.run_until_quiet(secs(100.0));
    let timeline = sim.timeline();
    let sent: u64 = timeline.buckets.iter().map(|b| b.sent).sum();
    let served: u64 = timeline.buckets.iter().map(|b| b.outcomes.served).sum();
    assert_eq!(sent, sim.stats().sent);
    assert_eq!(served, sim.stats().outcomes().served);
    let s2 = timeline
        .service_index("server-02.nginx")
        .expect("server-02");
    let before: u64 = timeline.buckets[1..3].iter().map(|b| b.served_by[s2]).sum();
    let after: u64 = timeline.buckets[12..].iter().map(|b| b.served_by[s2]).sum();
    assert!(
        before > 0 && after == 0,
        "server-02 served {before} then {after}"
    );
    let p95 = timeline.buckets[1].latency.quantile(0.95);
    assert!(p95 > SimDuration::ZERO);
    assert!(
        sim.schedule(secs(5.0), Input::HostDown("nope".into()))
            .is_err()
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn every_hop_after_tls_termination_is_plaintext() {
    let mut sim = sim(3);
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Read, true);
    let tls = trace
        .hops
        .iter()
        .position(|h| h.kind == HopKind::Tls)
        .expect("TLS hop");
    let balance = trace
        .hops
        .iter()
        .position(|h| h.kind == HopKind::Balance)
        .expect("balance");
    assert!(tls < balance);
    for hop in &trace.hops[balance..trace.hops.len() - 1] {
        assert!(
            !hop.encrypted,
            "{} at {} is marked encrypted",
            hop.reason, hop.place
        );
    }
}

/// Requests sent per one-second bucket of a load shaped `shape`, on stage 3.
fn sent_per_second(shape: Shape, base: f64, count: u64, seed: u64) -> Vec<u64> {
    let topology = presets::topology(3).expect("stage exists");
    let config = Config {
        seed,
        ..Config::default()
    };
    let mut sim = Simulation::new(&topology, config).expect("preset simulates");
    sim.start_load(Load {
        shape,
        ..Load::new(base, count)
    });
    sim.run_until_quiet(secs(600.0));
    assert_eq!(sim.stats().sent, count, "the whole count is sent");
    let mut sent: Vec<u64> = sim.timeline().buckets.iter().map(|b| b.sent).collect();
    // The timeline goes on while the last requests finish: keep the seconds that sent.
    while sent.last() == Some(&0) {
        sent.pop();
    }
    sent
}

#[wasm_bindgen_test(unsupported = test)]
fn a_ramp_sends_its_rate_of_each_second() {
    // 100 → 500 req/s over 20 s: second k expects 100 + 20·k + 10 (the ramp's mean over it).
    let shape = Shape::Ramp {
        to_rps: 500.0,
        over: SimDuration::from_secs(20),
    };
    let count = shape.expected(100.0, 20.0).round() as u64;
    assert_eq!(count, 6000);
    let sent = sent_per_second(shape, 100.0, count, 3);
    assert!((20..=21).contains(&sent.len()), "{sent:?}");
    for (k, &n) in sent.iter().take(19).enumerate() {
        let expect = 110.0 + 20.0 * k as f64;
        // Poisson: within four standard deviations.
        let tolerance = 4.0 * expect.sqrt();
        assert!(
            (n as f64 - expect).abs() <= tolerance,
            "second {k}: {n} sent, expected {expect} ± {tolerance:.0}: {sent:?}"
        );
    }
    // Rising: the last five seconds send more than twice the first five.
    let first: u64 = sent[..5].iter().sum();
    let last: u64 = sent[14..19].iter().sum();
    assert!(last > 2 * first, "{sent:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_ramp_may_start_from_zero() {
    let shape = Shape::Ramp {
        to_rps: 400.0,
        over: SimDuration::from_secs(10),
    };
    assert_eq!(shape.rate_at(0.0, 5.0), 200.0);
    let count = shape.expected(0.0, 10.0).round() as u64;
    assert_eq!(count, 2000);
    let sent = sent_per_second(shape, 0.0, count, 1);
    assert!(sent[0] < 60, "{sent:?}");
    assert!(sent[9] > 300, "{sent:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_spike_sends_its_rate_only_between_its_times() {
    let shape = Shape::Spike {
        rps: 1000.0,
        from: SimDuration::from_secs(5),
        until: SimDuration::from_secs(8),
    };
    assert_eq!(shape.rate_at(100.0, 4.9), 100.0);
    assert_eq!(shape.rate_at(100.0, 6.0), 1000.0);
    assert_eq!(shape.rate_at(100.0, 8.0), 100.0);
    let count = shape.expected(100.0, 12.0).round() as u64;
    assert_eq!(count, 100 * 9 + 1000 * 3);
    let sent = sent_per_second(shape, 100.0, count, 5);
    for (k, &n) in sent.iter().take(11).enumerate() {
        let expect = if (5..8).contains(&k) { 1000.0 } else { 100.0 };
        let tolerance = 4.0 * f64::sqrt(expect);
        assert!(
            (n as f64 - expect).abs() <= tolerance,
            "second {k}: {n}, expected {expect}: {sent:?}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn shaped_loads_are_seeded() {
    let shape = Shape::Spike {
        rps: 800.0,
        from: SimDuration::from_secs(1),
        until: SimDuration::from_secs(2),
    };
    let a = sent_per_second(shape, 50.0, 1000, 9);
    assert_eq!(a, sent_per_second(shape, 50.0, 1000, 9));
    assert_ne!(a, sent_per_second(shape, 50.0, 1000, 10));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_constant_shape_is_the_plain_load() {
    // The shape's default keeps the arrivals of a plain load, draw for draw.
    let plain = sent_per_second(Shape::Constant, 300.0, 1500, 4);
    assert_eq!(plain.iter().sum::<u64>(), 1500);
    assert!((5..=6).contains(&plain.len()), "{plain:?}");
    assert_eq!(Shape::Constant.expected(300.0, 5.0), 1500.0);
    assert_eq!(Shape::default(), Shape::Constant);
}

/// The internet does not route private addresses (RFC 1918): a `www` record pointing at the
/// load balancer's 10.0.0.2 leaves the browser at 203.0.113.7 unanswered; a browser on the
/// private network reaches it.
#[wasm_bindgen_test(unsupported = test)]
fn a_private_site_address_is_not_routed_from_the_internet() {
    let mut topology = presets::topology(1).expect("stage 1");
    for node in &mut topology.nodes {
        if let NodeKind::Dns(zone) = &mut node.kind {
            zone.records[0].address = std::net::Ipv4Addr::new(10, 0, 0, 2);
        }
    }
    let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Read, false);
    match &trace.outcome {
        Some(Outcome::TimedOut { place, reason }) => {
            // Unanswered like any lost SYN: resent until the browser gives up (B6a).
            assert_eq!(place, "client");
            assert_eq!(
                reason,
                "SYN resent after 32 s (63 s after the first): 10.0.0.2 is a private address \
                 (RFC 1918): the internet does not route it, so the SYN from 203.0.113.7 never \
                 arrives; no answer to 7 SYNs: the browser gives up 90 s after the first \
                 (connect timeout)"
            );
        }
        other => panic!("{other:?}"),
    }
    for node in &mut topology.nodes {
        if let NodeKind::Client { ip } = &mut node.kind {
            *ip = std::net::Ipv4Addr::new(10, 0, 0, 99);
        }
    }
    let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
    let trace = send(&mut sim, SimTime::ZERO, RequestKind::Read, false);
    check_served(&trace, Some("server-01.nginx"), false);
}

/// An application server linked only to a replica: writes fail with 500, and so do reads
/// when it does not read from replicas (the engine's choice, `Model::pick_database`).
#[wasm_bindgen_test(unsupported = test)]
fn an_app_server_with_only_a_replica_has_no_primary() {
    use stacksim::sim::topology::ServiceKind;
    let mut topology = presets::topology(1).expect("stage 1");
    topology
        .links
        .retain(|l| !(l.from == "server-02.app" && l.to == "server-01.mysql"));
    let cases = [
        (
            RequestKind::Write,
            true,
            Some("server-02.app has no primary database for writes: 500"),
        ),
        (RequestKind::Read, true, None),
        (
            RequestKind::Read,
            false,
            Some(
                "server-02.app has no primary database to read from and no running replica it \
                 reads from: 500",
            ),
        ),
    ];
    for (kind, reads_to_replica, failure) in cases {
        let mut topology = topology.clone();
        for node in &mut topology.nodes {
            if let NodeKind::Host(host) = &mut node.kind {
                for service in &mut host.services {
                    if let ServiceKind::AppServer(app) = &mut service.kind {
                        app.reads_to_replica = reads_to_replica;
                    }
                }
            }
        }
        let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
        // The first request goes to server-01, the second to server-02.
        send(&mut sim, SimTime::ZERO, RequestKind::Static, false);
        let trace = send(&mut sim, secs(1.0), kind, false);
        match failure {
            Some(reason) => match &trace.outcome {
                Some(Outcome::Failed {
                    status: 500,
                    place,
                    reason: r,
                }) => {
                    assert_eq!(place, "server-02.app");
                    assert_eq!(r, reason);
                }
                other => panic!("{kind:?} {reads_to_replica}: {other:?}"),
            },
            None => check_served(&trace, Some("server-02.nginx"), false),
        }
    }
}

/// The requests the timeline counted over each link, as (from, to, count), links that carried
/// none left out.
fn link_counts(sim: &Simulation) -> Vec<(String, String, u64)> {
    let timeline = sim.timeline();
    timeline
        .links
        .iter()
        .enumerate()
        .map(|(i, (from, to))| {
            let n = timeline.buckets.iter().map(|b| b.link_requests[i]).sum();
            (from.clone(), to.clone(), n)
        })
        .filter(|(_, _, n)| *n > 0)
        .collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn the_timeline_counts_the_requests_each_link_carried() {
    let count = |from: &str, to: &str, n: u64| (from.to_owned(), to.to_owned(), n);
    // Stage 1, round robin: server-01, server-02, server-01, server-02. server-02's app
    // server reads from its own replica and writes to the primary on server-01.
    let mut stage1 = sim(1);
    for (k, kind) in [
        RequestKind::Read,
        RequestKind::Read,
        RequestKind::Write,
        RequestKind::Write,
    ]
    .into_iter()
    .enumerate()
    {
        send(&mut stage1, secs(k as f64), kind, false);
    }
    assert_eq!(
        link_counts(&stage1),
        [
            count("lb-01.haproxy", "server-01.nginx", 2),
            count("lb-01.haproxy", "server-02.nginx", 2),
            count("server-01.nginx", "server-01.app", 2),
            count("server-01.app", "server-01.mysql", 2),
            count("server-02.nginx", "server-02.app", 2),
            count("server-02.app", "server-02.mysql", 1),
            count("server-02.app", "server-01.mysql", 1),
        ]
    );
    // A static file stops at Nginx; a connection HAProxy could not open carried nothing: the
    // request redispatched to server-02 is counted once, on its link.
    let mut stage0 = sim(0);
    send(&mut stage0, SimTime::ZERO, RequestKind::Static, false);
    assert_eq!(link_counts(&stage0), []);
    let mut stage1 = sim(1);
    stage1
        .handle(SimTime::ZERO, Input::ServiceDown("server-01.nginx".into()))
        .expect("known service");
    let trace = send(&mut stage1, secs(0.5), RequestKind::Static, false);
    check_served(&trace, Some("server-02.nginx"), false);
    check_reason(&trace, "refused");
    assert_eq!(
        link_counts(&stage1),
        [count("lb-01.haproxy", "server-02.nginx", 1)]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn the_trace_names_the_way_the_response_goes_back() {
    let stop = |svc: &str| Input::ServiceDown(svc.into());
    let crash = |host: &str| Input::HostDown(host.into());
    // (stage, inputs at 0 s, request kind, HTTPS, the places the response goes back through)
    type Case = (u8, Vec<Input>, RequestKind, bool, &'static [&'static str]);
    let cases: [Case; 6] = [
        (0, vec![], RequestKind::Static, false, &["server-01.nginx"]),
        // Refused by the stopped server-01, redispatched to server-02: only the server that
        // took the request is on the way back.
        (
            1,
            vec![stop("server-01.nginx")],
            RequestKind::Static,
            false,
            &["server-02.nginx", "lb-01.haproxy"],
        ),
        // The write went on to the primary on server-01; the application server answers.
        (
            1,
            vec![stop("server-01.nginx")],
            RequestKind::Write,
            false,
            &["server-02.app", "server-02.nginx", "lb-01.haproxy"],
        ),
        // HAProxy redirects plain HTTP itself.
        (2, vec![], RequestKind::Read, false, &["lb-01.haproxy"]),
        // lb-01 crashed: the client's SYNs are resent until lb-02 holds the VIP.
        (
            3,
            vec![crash("lb-01")],
            RequestKind::Read,
            true,
            &["app-01.app", "web-01.nginx", "lb-02.haproxy", "vip"],
        ),
        // Not served: no response goes back.
        (0, vec![crash("server-01")], RequestKind::Read, false, &[]),
    ];
    for (stage, inputs, kind, https, expected) in cases {
        let mut sim = sim(stage);
        for input in &inputs {
            sim.handle(SimTime::ZERO, input.clone()).expect("known ids");
        }
        let trace = send(&mut sim, secs(1.0), kind, https);
        assert_eq!(
            trace.return_path,
            expected,
            "stage {stage} {inputs:?} {kind:?}: {:#?}",
            reasons(&trace)
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_backends_name_the_balancers_last_pick() {
    let last_pick = |sim: &Simulation| -> Vec<String> {
        sim.backends()
            .into_iter()
            .filter(|b| b.last_pick)
            .map(|b| b.server)
            .collect()
    };
    let mut sim = sim(1);
    assert!(last_pick(&sim).is_empty(), "no request yet");
    send(&mut sim, SimTime::ZERO, RequestKind::Static, false);
    assert_eq!(last_pick(&sim), ["server-01.nginx"]);
    send(&mut sim, secs(1.0), RequestKind::Static, false);
    assert_eq!(last_pick(&sim), ["server-02.nginx"]);
    // server-01 is stopped: HAProxy picks it, is refused, and redispatches the retry to
    // server-02, its last pick.
    sim.handle(secs(2.0), Input::ServiceDown("server-01.nginx".into()))
        .expect("known service");
    let trace = send(&mut sim, secs(2.5), RequestKind::Static, false);
    check_served(&trace, Some("server-02.nginx"), false);
    assert_eq!(last_pick(&sim), ["server-02.nginx"]);
}

/// The balancer's next pick, as the engine reports it before a request, is where that request
/// goes: round robin on stage 1, the VIP holder's own rotation on stage 3, and a DOWN server
/// skipped once the checks mark it (issue 15's "next → web-02").
#[wasm_bindgen_test(unsupported = test)]
fn the_next_pick_the_engine_reports_is_where_the_next_request_goes() {
    let next = |sim: &Simulation, lb: &str| -> Option<String> {
        sim.backends()
            .into_iter()
            .find(|b| b.lb == lb && b.next_pick)
            .map(|b| b.server)
    };
    let cases: [(u8, &str, bool, Option<&str>); 3] = [
        (1, "lb-01.haproxy", false, None),
        (3, "lb-01.haproxy", true, None),
        (1, "lb-01.haproxy", false, Some("server-01")),
    ];
    for (stage, lb, https, down) in cases {
        let mut sim = sim(stage);
        let mut at = secs(0.0);
        if let Some(host) = down {
            sim.handle(at, Input::HostDown(host.into()))
                .expect("known host");
            at = secs(30.0);
            sim.advance_to(at);
        }
        for n in 0..5 {
            let predicted = next(&sim, lb);
            let trace = send(&mut sim, at, RequestKind::Static, https);
            let backend = match &trace.outcome {
                Some(Outcome::Served { backend, .. }) => backend.clone(),
                other => panic!("stage {stage}, request {n}: {other:?}"),
            };
            assert_eq!(predicted, backend, "stage {stage}, request {n}");
            at = sim.now() + SimDuration::from_secs(1);
        }
    }
}

/// The health checks are visible between the states: after server-01 crashes, each failed
/// check shows as "failing n/3" once it has completed (a hung check at its timeout) while the
/// server is still UP, until the third marks it DOWN; when it is back, "rising 1/2" until the
/// second passed check marks it UP.
#[wasm_bindgen_test(unsupported = test)]
fn check_progress_counts_completed_checks_between_the_states() {
    use stacksim::sim::health::CheckProgress;
    let mut sim = sim(1);
    let state = |sim: &Simulation| {
        sim.backends()
            .into_iter()
            .find(|b| b.lb == "lb-01.haproxy" && b.server == "server-01.nginx")
            .map(|b| (b.available, b.checks))
            .expect("server-01 is a backend")
    };
    let mut seen: Vec<(f64, (bool, CheckProgress))> = vec![(0.0, state(&sim))];
    sim.handle(secs(0.5), Input::HostDown("server-01".into()))
        .expect("known host");
    let mut t = 0.5;
    let mut step = |sim: &mut Simulation, t: &mut f64, until: f64| {
        while *t < until {
            *t += 0.25;
            sim.advance_to(secs(*t));
            let now = state(sim);
            if seen.last().map(|(_, s)| *s) != Some(now) {
                seen.push((*t, now));
            }
        }
    };
    step(&mut sim, &mut t, 30.0);
    sim.handle(secs(t), Input::HostUp("server-01".into()))
        .expect("known host");
    step(&mut sim, &mut t, 60.0);
    let states: Vec<(bool, CheckProgress)> = seen.iter().map(|(_, s)| *s).collect();
    assert_eq!(
        states,
        [
            (true, CheckProgress::Steady),
            (true, CheckProgress::Failing { failed: 1, fall: 3 }),
            (true, CheckProgress::Failing { failed: 2, fall: 3 }),
            (false, CheckProgress::Steady),
            (false, CheckProgress::Rising { passed: 1, rise: 2 }),
            (true, CheckProgress::Steady),
        ],
        "{seen:?}"
    );
}
