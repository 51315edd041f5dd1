//! Failures counted by cause (issue 15, item 1): the engine names what made each request fail,
//! with the fix the design suggests, and a run whose failures one cause dominates says so in
//! one sentence. Table-driven: a design, what happens to it, the load; then the counts and the
//! sentence. They run natively and in Chromium and Firefox.

use stacksim::sim::cause::{self, Cause, Diagnosis, Fix};
use stacksim::sim::engine::{Config, Input, Load, Simulation};
use stacksim::sim::time::SimTime;
use stacksim::sim::topology::{NodeKind, Topology};
use stacksim::sim::trace::{RequestKind, RequestSpec};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::{https_only, secs, stage};

/// `topology` after `inputs` (applied at 0 s), then 200 requests at 100/s from `start` s.
fn run(topology: &Topology, inputs: &[Input], start: f64, https: bool) -> Simulation {
    let mut sim = Simulation::new(topology, Config::default()).expect("simulates");
    for input in inputs {
        sim.handle(SimTime::ZERO, input.clone()).expect("known");
    }
    sim.advance_to(secs(start));
    sim.start_load(Load {
        https,
        ..Load::new(100.0, 200)
    });
    sim.run_until_quiet(secs(start + 300.0));
    sim
}

/// What a case is, the design, its inputs, when the load starts, HTTPS or not, the dominant
/// diagnosis and the run's sentence.
type Case = (
    &'static str,
    Topology,
    Vec<Input>,
    f64,
    bool,
    Diagnosis,
    &'static str,
);

/// Counts by diagnosis, requests sent, the sentence.
type SummaryCase = (Vec<(Diagnosis, u64)>, u64, Option<&'static str>);

fn without_zone(n: u8) -> Topology {
    let mut t = stage(n);
    t.nodes
        .retain(|node| !matches!(node.kind, NodeKind::Dns(_)));
    t
}

fn diagnosis(cause: Cause, fix: Option<Fix>) -> Diagnosis {
    Diagnosis { cause, fix }
}

fn down(host: &str) -> Input {
    Input::HostDown(host.to_owned())
}

#[wasm_bindgen_test(unsupported = test)]
fn every_failure_is_counted_by_its_cause_and_the_dominant_one_is_said_with_its_fix() {
    let s = |t: &str| t.to_owned();
    let cases: Vec<Case> = vec![
        (
            "plain HTTP where the firewalls admit HTTPS only",
            https_only(3),
            vec![],
            0.0,
            false,
            diagnosis(
                Cause::Firewall {
                    host: s("lb-01"),
                    port: 80,
                    rule: None,
                    reject: false,
                },
                Some(Fix::UseHttps { host: s("lb-01") }),
            ),
            "All 200 requests were dropped by fw-lb-01's default policy on tcp/80 — \
             lb-01 accepts HTTPS only: choose HTTPS.",
        ),
        (
            "HTTPS to a single server without a certificate",
            stage(0),
            vec![],
            0.0,
            true,
            diagnosis(
                Cause::NoCertificate {
                    host: s("server-01"),
                },
                Some(Fix::UseHttp {
                    host: s("server-01"),
                }),
            ),
            "All 200 requests were refused by server-01: nothing serves HTTPS there (no \
             certificate is installed) — server-01 serves plain HTTP only: choose HTTP, or \
             install a certificate there.",
        ),
        (
            "the only web server stopped",
            stage(0),
            vec![Input::ServiceDown(s("server-01.nginx"))],
            0.0,
            false,
            diagnosis(
                Cause::Stopped {
                    service: s("server-01.nginx"),
                },
                Some(Fix::Start {
                    service: s("server-01.nginx"),
                }),
            ),
            "All 200 requests were refused: server-01.nginx was stopped — start \
             server-01.nginx again.",
        ),
        (
            "the only server down",
            stage(0),
            vec![down("server-01")],
            0.0,
            false,
            diagnosis(
                Cause::HostDown {
                    host: s("server-01"),
                },
                Some(Fix::BringUp {
                    hosts: vec![s("server-01")],
                }),
            ),
            "All 200 requests were lost: server-01 was down and never answered — bring \
             server-01 back up.",
        ),
        (
            "both load balancers down",
            stage(3),
            vec![down("lb-01"), down("lb-02")],
            0.0,
            true,
            diagnosis(
                Cause::NoMaster { vip: s("vip") },
                Some(Fix::BringUp {
                    hosts: vec![s("lb-01"), s("lb-02")],
                }),
            ),
            "All 200 requests were lost: nobody held the virtual IP vip — bring lb-01 or \
             lb-02 back up.",
        ),
        (
            "both web servers stopped, after the health checks noticed",
            stage(1),
            vec![
                Input::ServiceDown(s("server-01.nginx")),
                Input::ServiceDown(s("server-02.nginx")),
            ],
            30.0,
            false,
            diagnosis(
                Cause::NoServer {
                    balancer: s("lb-01.haproxy"),
                },
                Some(Fix::BringUpServer {
                    balancer: s("lb-01.haproxy"),
                }),
            ),
            "All 200 requests were answered 503 by lb-01.haproxy: it had no server UP — \
             bring a server of lb-01.haproxy back up: its health checks then mark it UP.",
        ),
        (
            "no DNS zone",
            without_zone(0),
            vec![],
            0.0,
            false,
            diagnosis(Cause::NoAddress, Some(Fix::AddRecord)),
            "All 200 requests were never sent: the site's name does not resolve — give the \
             DNS zone an A record for the site.",
        ),
    ];
    for (what, topology, inputs, start, https, want, sentence) in cases {
        let sim = run(&topology, &inputs, start, https);
        let causes = sim.failure_causes();
        let outcomes = sim.stats().outcomes();
        let failed = outcomes.total() - outcomes.served;
        assert_eq!(outcomes.total(), 200, "{what}");
        assert_eq!(
            causes.iter().map(|(_, n)| n).sum::<u64>(),
            failed,
            "{what}: every failure has one cause"
        );
        assert_eq!(causes.first(), Some(&(want, 200)), "{what}: {causes:#?}");
        assert_eq!(
            cause::summary(&causes, sim.stats().sent).as_deref(),
            Some(sentence),
            "{what}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_served_run_has_no_cause_and_an_overloaded_one_names_the_full_queue() {
    let sim = run(&stage(3), &[], 0.0, true);
    assert_eq!(sim.failure_causes(), []);
    assert_eq!(cause::summary(&sim.failure_causes(), 200), None);
    // Stage 0 far beyond its application server's capacity: its queue fills up.
    let mut sim = Simulation::new(&stage(0), Config::default()).expect("simulates");
    sim.start_load(Load::new(5000.0, 50_000));
    sim.run_until_quiet(secs(300.0));
    let causes = sim.failure_causes();
    let (top, n) = cause::dominant(&causes).expect("one cause dominates");
    assert!(
        matches!(
            &top.cause,
            Cause::Overloaded {
                status: 503 | 504,
                ..
            }
        ),
        "{causes:#?}"
    );
    assert!(matches!(top.fix, Some(Fix::AddCapacity { .. })), "{top:?}");
    let text = cause::summary(&causes, sim.stats().sent).expect("a sentence");
    assert!(
        text.starts_with(&format!(
            "{} of the 50,000 requests were answered 50",
            cause::thousands(n)
        )),
        "{text}"
    );
    assert!(text.contains("more workers or servers."), "{text}");
}

/// The dominance rule on its own: more than half of the failures; the sentence says how many
/// of the requests, and what share of the failures when others failed otherwise.
#[wasm_bindgen_test(unsupported = test)]
fn a_cause_dominates_with_more_than_half_of_the_failures() {
    let a = diagnosis(
        Cause::Stopped {
            service: "web".to_owned(),
        },
        Some(Fix::Start {
            service: "web".to_owned(),
        }),
    );
    let b = diagnosis(
        Cause::ServerError {
            status: 502,
            place: "app".to_owned(),
        },
        None,
    );
    let cases: Vec<SummaryCase> = vec![
        (vec![], 10, None),
        (vec![(a.clone(), 2), (b.clone(), 2)], 10, None),
        (
            vec![(a.clone(), 3), (b.clone(), 1)],
            10,
            Some(
                "3 of the 10 requests were refused: web was stopped (75 % of the 4 failures) — start web again.",
            ),
        ),
        (
            vec![(b.clone(), 4_000)],
            4_000,
            Some("All 4,000 requests were answered 502 Bad Gateway, failing at app."),
        ),
        (
            vec![(a.clone(), 1)],
            1,
            Some("The request was refused: web was stopped — start web again."),
        ),
        (
            vec![(a.clone(), 1)],
            1_234_567,
            Some("1 of the 1,234,567 requests was refused: web was stopped — start web again."),
        ),
    ];
    for (causes, sent, want) in cases {
        assert_eq!(cause::summary(&causes, sent).as_deref(), want, "{causes:?}");
    }
}

/// One request: its trace carries the diagnosis, and its sentence gives the fix.
#[wasm_bindgen_test(unsupported = test)]
fn a_failed_request_carries_its_cause_and_fix() {
    let mut sim = Simulation::new(&https_only(3), Config::default()).expect("simulates");
    let id = sim
        .handle(
            SimTime::ZERO,
            Input::Send(RequestSpec::new(RequestKind::Static, false)),
        )
        .expect("accepted")
        .expect("an id");
    sim.run_until_quiet(secs(200.0));
    let trace = sim.trace(id).expect("traced");
    let diagnosis = trace.diagnosis.as_ref().expect("a failure's diagnosis");
    assert_eq!(
        diagnosis.sentence(),
        "The request was dropped by fw-lb-01's default policy on tcp/80 — lb-01 accepts \
         HTTPS only: choose HTTPS."
    );
    let id = sim
        .handle(
            secs(200.0),
            Input::Send(RequestSpec::new(RequestKind::Static, true)),
        )
        .expect("accepted")
        .expect("an id");
    sim.run_until_quiet(secs(300.0));
    assert_eq!(sim.trace(id).expect("traced").diagnosis, None, "served");
}
