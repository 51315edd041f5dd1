//! Load runs through `stacksim::ui::load_run` (issue 15): the charts' seconds, what was not
//! measured, and the cause sentence. Native and in the browsers.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use stacksim::ui::load_run::{LoadSettings, Step, StepKind, run};

use crate::fixtures::{https_only, stage};

/// Issue 15: a 20 s run's charts cover 20 s, whatever the seed (the Poisson arrivals of a
/// fixed count overrun the end a little; those requests are in the last second), and hold
/// every request in the second it was sent: the errors of a run whose requests all time
/// out after 90 s are in 0–20 s, not at 90–110 s.
#[test]
fn the_charts_cover_the_run_and_count_each_request_in_its_second() {
    for seed in 1..=6 {
        let settings = LoadSettings {
            seed: f64::from(seed),
            ..LoadSettings::default()
        };
        let result = run(&https_only(3), &settings).expect("runs");
        assert_eq!(result.seconds.len(), 20, "seed {seed}");
        for series in [
            &result.sent,
            &result.served,
            &result.errors,
            &result.syn_resent,
        ] {
            assert_eq!(series.len(), 20, "seed {seed}");
        }
        assert_eq!(result.total_sent, 4000);
        assert_eq!(result.total_errors, 4000, "seed {seed}");
        assert_eq!(result.errors.iter().sum::<f64>(), 4000.0, "seed {seed}");
        assert_eq!(
            result.errors, result.sent,
            "seed {seed}: each second's own requests"
        );
        assert!(
            result.errors.iter().all(|&e| e > 100.0),
            "{:?}",
            result.errors
        );
        assert_eq!(result.run_seconds(), 20.0);
    }
}

/// Issue 15: latency where nothing was served is not measured (a gap), never 0 ms; the
/// same for the lag of a replica whose replication is stopped.
#[test]
fn nothing_served_is_not_measured_rather_than_zero() {
    let result = run(&https_only(3), &LoadSettings::default()).expect("runs");
    assert_eq!(result.total_served, 0);
    for q in [&result.p50, &result.p95, &result.p99] {
        assert_eq!(q.len(), 20);
        assert!(q.iter().all(Option::is_none), "{q:?}");
    }
    let settings = LoadSettings {
        seconds: 6.0,
        steps: vec![Step {
            at_s: 2.0,
            kind: StepKind::HostDown,
            target: "server-01".into(),
        }],
        ..LoadSettings::default()
    };
    // Stage 0's only server dies at 2 s: the seconds before are measured, the rest not.
    let result = run(&stage(0), &settings).expect("runs");
    assert!(
        result.p50[..2].iter().all(Option::is_some),
        "{:?}",
        result.p50
    );
    assert!(
        result.p50[3..].iter().all(Option::is_none),
        "{:?}",
        result.p50
    );
    // Stage 1 without replication from 0 s: its replica's lag is NULL, not 0.
    let settings = LoadSettings {
        seconds: 3.0,
        steps: vec![Step {
            at_s: 0.0,
            kind: StepKind::StopReplication,
            target: "server-02.mysql".into(),
        }],
        ..LoadSettings::default()
    };
    let result = run(&stage(1), &settings).expect("runs");
    assert!(
        result.lag_ms.iter().all(Option::is_none),
        "{:?}",
        result.lag_ms
    );
    let result = run(
        &stage(1),
        &LoadSettings {
            steps: vec![],
            ..settings
        },
    )
    .expect("runs");
    assert!(
        result.lag_ms.iter().all(Option::is_some),
        "{:?}",
        result.lag_ms
    );
}

/// Issue 15, item 1: the run says its dominant cause with the fix; a served run says none.
#[test]
fn a_run_says_the_cause_of_its_failures() {
    let result = run(&https_only(3), &LoadSettings::default()).expect("runs");
    assert_eq!(
        result.cause_sentence().as_deref(),
        Some(
            "All 4,000 requests were dropped by fw-lb-01's default policy on tcp/80 — \
             lb-01 accepts HTTPS only: choose HTTPS."
        )
    );
    let https = LoadSettings {
        https: true,
        ..LoadSettings::default()
    };
    let result = run(&https_only(3), &https).expect("runs");
    assert_eq!(result.total_errors, 0);
    assert_eq!(result.cause_sentence(), None);
}
