//! B1.12 and B1.14–B1.18: HAProxy health checks.
//!
//! B1.13 (a server without `check` is never checked and always counts as available) is the
//! engine's job: it creates no checker for such a server. Not tested here.

use stacksim::sim::health::{
    CheckResult::{self, Hung, Passed, Refused},
    CheckTiming, Checker, HealthCounter,
    Transition::{self, WentDown, WentUp},
};
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::HealthCheck;
use wasm_bindgen_test::wasm_bindgen_test;

const RISE: u8 = 2;
const FALL: u8 = 3;

fn ms(ms: u64) -> SimDuration {
    SimDuration::from_millis(ms)
}

/// Feeds check results (`s` success, `f` failure) to a counter; `expected` is the state after
/// each one (`U` up, `D` down).
#[track_caller]
fn check(mut counter: HealthCounter, results: &str, expected: &str) {
    let states: String = results
        .chars()
        .map(|result| {
            counter.record(result == 's');
            if counter.is_up() { 'U' } else { 'D' }
        })
        .collect();
    assert_eq!(states, expected, "results {results}");
}

/// A server whose checks give `before` until `t0` and `after` from then on. Returns when the
/// checker reports `expected`, as time after `t0`.
fn detect(
    mut checker: Checker,
    before: CheckResult,
    after: CheckResult,
    t0: SimTime,
    expected: Transition,
) -> SimDuration {
    while checker.next_check_at() <= t0 {
        let (_, transition) = checker.run_check(before);
        assert_eq!(transition, None, "nothing changes before t0");
    }
    for _ in 0..100 {
        let (at, transition) = checker.run_check(after);
        if let Some(transition) = transition {
            assert_eq!(transition, expected);
            return at - t0;
        }
    }
    panic!("no transition after 100 checks");
}

/// For every phase of the check loop against `t0`, the transition happens more than `from_ms`
/// and at most `to_ms` after `t0`. `start` gives the counter when the loop starts.
#[track_caller]
fn check_detection(
    timing: CheckTiming,
    start: HealthCounter,
    (before, after): (CheckResult, CheckResult),
    expected: Transition,
    (from_ms, to_ms): (u64, u64),
) {
    let t0 = SimTime::from_secs(60);
    for phase in [0, 1, 250, 1000, 1999] {
        let checker = Checker::with_counter(timing, start, SimTime::from_millis(phase));
        let after_t0 = detect(checker, before, after, t0, expected);
        assert!(
            ms(from_ms) < after_t0 && after_t0 <= ms(to_ms),
            "phase {phase} ms: {expected:?} {after_t0} after t0, expected in ({from_ms} ms, {to_ms} ms]"
        );
    }
}

// B1.15: the counter.

#[wasm_bindgen_test(unsupported = test)]
fn counter_runs_from_0_to_rise_plus_fall_minus_1() {
    assert_eq!(HealthCounter::fully_up(RISE, FALL).health(), 4);
    assert_eq!(HealthCounter::at_start(RISE, FALL).health(), 2);
    assert_eq!(HealthCounter::fully_down(RISE, FALL).health(), 0);
    assert!(HealthCounter::at_start(RISE, FALL).is_up());
    assert!(!HealthCounter::fully_down(RISE, FALL).is_up());
}

#[wasm_bindgen_test(unsupported = test)]
fn fall_consecutive_failures_mark_down() {
    check(HealthCounter::fully_up(RISE, FALL), "fff", "UUD");
    check(HealthCounter::fully_up(1, 1), "f", "D");
}

#[wasm_bindgen_test(unsupported = test)]
fn fail_fail_success_fail_fail_stays_up() {
    check(HealthCounter::fully_up(RISE, FALL), "ffsff", "UUUUU");
    check(HealthCounter::fully_up(RISE, FALL), "ffsfff", "UUUUUD");
}

#[wasm_bindgen_test(unsupported = test)]
fn rise_consecutive_successes_mark_up() {
    check(HealthCounter::fully_down(RISE, FALL), "ss", "DU");
    check(HealthCounter::fully_down(RISE, FALL), "sfsfs", "DDDDD");
    check(HealthCounter::fully_down(RISE, FALL), "sfss", "DDDU");
}

#[wasm_bindgen_test(unsupported = test)]
fn reaching_rise_jumps_to_fully_up() {
    let mut counter = HealthCounter::fully_down(RISE, FALL);
    assert_eq!(counter.record(true), None);
    assert_eq!(counter.record(true), Some(WentUp));
    assert_eq!(counter.health(), 4);
    assert!(counter.is_fully_up());
}

#[wasm_bindgen_test(unsupported = test)]
fn falling_below_rise_drops_to_0() {
    let mut counter = HealthCounter::fully_up(RISE, FALL);
    assert_eq!(counter.record(false), None);
    assert_eq!(counter.record(false), None);
    assert_eq!(counter.record(false), Some(WentDown));
    assert_eq!(counter.health(), 0);
    assert_eq!(counter.record(false), None, "already down");
}

#[wasm_bindgen_test(unsupported = test)]
fn out_of_range_rise_and_fall_are_clamped() {
    check(HealthCounter::at_start(0, 0), "fss", "DUU");
    let mut big = HealthCounter::fully_up(255, 255);
    assert_eq!(big.health(), big.max());
    assert_eq!(big.record(true), None);
}

// B1.18: start-up.

#[wasm_bindgen_test(unsupported = test)]
fn one_failure_marks_down_at_start() {
    check(HealthCounter::at_start(RISE, FALL), "f", "D");
    check(HealthCounter::at_start(RISE, FALL), "sff", "UUU");
    let t = SimTime::from_millis(1234);
    let mut checker = Checker::new(CheckTiming::default(), RISE, FALL, t, true);
    assert!(checker.is_up());
    assert_eq!(checker.run_check(Refused), (t, Some(WentDown)));
}

#[wasm_bindgen_test(unsupported = test)]
fn first_passed_check_at_start_makes_it_fully_up() {
    let timing = CheckTiming {
        fastinter: Some(ms(500)),
        ..CheckTiming::default()
    };
    let mut checker = Checker::new(timing, RISE, FALL, SimTime::ZERO, true);
    assert_eq!(checker.run_check(Passed), (SimTime::ZERO, None));
    assert!(checker.counter().is_fully_up());
    assert_eq!(checker.next_check_at(), SimTime::from_millis(2000));
}

// B1.14: defaults and intervals.

#[wasm_bindgen_test(unsupported = test)]
fn defaults_are_inter_2000_fall_3_rise_2() {
    let timing = CheckTiming::default();
    assert_eq!(timing.inter, ms(2000));
    assert_eq!(timing.fastinter, None);
    assert_eq!(timing.downinter, None);
    assert_eq!(
        timing.hung_timeout(),
        ms(2000),
        "inter is the whole check's timeout"
    );
    assert_eq!(HealthCheck::default().rise, RISE);
    assert_eq!(HealthCheck::default().fall, FALL);
    assert_eq!(CheckTiming::from_config(&HealthCheck::default()), timing);
    for counter in [
        HealthCounter::fully_up(RISE, FALL),
        HealthCounter::at_start(RISE, FALL),
        HealthCounter::fully_down(RISE, FALL),
    ] {
        assert_eq!(timing.interval(&counter), ms(2000), "{counter:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn fastinter_in_transition_downinter_fully_down() {
    let timing = CheckTiming {
        fastinter: Some(ms(500)),
        downinter: Some(ms(5000)),
        ..CheckTiming::default()
    };
    let mut going_down = HealthCounter::fully_up(RISE, FALL);
    going_down.record(false);
    let mut going_up = HealthCounter::fully_down(RISE, FALL);
    going_up.record(true);
    assert_eq!(
        timing.interval(&HealthCounter::fully_up(RISE, FALL)),
        ms(2000)
    );
    assert_eq!(timing.interval(&going_down), ms(500));
    assert_eq!(timing.interval(&going_up), ms(500));
    assert_eq!(
        timing.interval(&HealthCounter::at_start(RISE, FALL)),
        ms(500)
    );
    assert_eq!(
        timing.interval(&HealthCounter::fully_down(RISE, FALL)),
        ms(5000)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn zero_intervals_still_move_time_forward() {
    let timing = CheckTiming {
        inter: SimDuration::ZERO,
        ..CheckTiming::default()
    };
    let mut checker = Checker::new(timing, RISE, FALL, SimTime::ZERO, false);
    checker.run_check(Passed);
    assert!(checker.next_check_at() > SimTime::ZERO);
}

// B1.16: down detection.

#[wasm_bindgen_test(unsupported = test)]
fn server_marked_down_after_fall_checks() {
    let up = HealthCounter::fully_up(RISE, FALL);
    check_detection(
        CheckTiming::default(),
        up,
        (Passed, Refused),
        WentDown,
        (4000, 6000),
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn down_is_fall_minus_1_intervals_after_the_first_failure() {
    let mut checker = Checker::new(
        CheckTiming::default(),
        RISE,
        FALL,
        SimTime::from_secs(1),
        false,
    );
    let t1 = checker.next_check_at();
    assert_eq!(checker.run_check(Refused), (t1, None));
    assert_eq!(checker.run_check(Refused).1, None);
    let (down_at, transition) = checker.run_check(Refused);
    assert_eq!(transition, Some(WentDown));
    assert_eq!(down_at - t1, ms(2 * 2000));
}

#[wasm_bindgen_test(unsupported = test)]
fn fastinter_detects_down_sooner() {
    let timing = CheckTiming {
        fastinter: Some(ms(500)),
        ..CheckTiming::default()
    };
    let up = HealthCounter::fully_up(RISE, FALL);
    check_detection(timing, up, (Passed, Refused), WentDown, (1000, 3000));
}

#[wasm_bindgen_test(unsupported = test)]
fn hung_server_detected_later_by_the_timeout() {
    let up = HealthCounter::fully_up(RISE, FALL);
    let t0 = SimTime::from_secs(60);
    let with_check = CheckTiming {
        timeout_check: Some(ms(1000)),
        timeout_connect: ms(5000),
        ..CheckTiming::default()
    };
    assert_eq!(
        with_check.hung_timeout(),
        ms(2000 + 1000),
        "min(5 s, 2 s) + 1 s"
    );
    for timing in [CheckTiming::default(), with_check] {
        for phase in [1, 1000, 2000] {
            let start = SimTime::from_millis(phase);
            let checker = Checker::with_counter(timing, up, start);
            let refused = detect(checker.clone(), Passed, Refused, t0, WentDown);
            let hung = detect(checker, Passed, Hung, t0, WentDown);
            // Each of the `fall` failing checks waits for its timeout, and (as in check.c) the
            // next check is scheduled from the previous one's completion.
            let later = timing.hung_timeout().times(u64::from(FALL));
            assert_eq!(hung, refused + later, "{timing:?}, phase {phase} ms");
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn hung_check_completes_at_its_timeout() {
    let mut checker = Checker::new(CheckTiming::default(), RISE, FALL, SimTime::ZERO, false);
    let (done, transition) = checker.run_check(Hung);
    assert_eq!(done, SimTime::from_millis(2000));
    assert_eq!(transition, None);
    assert_eq!(checker.next_check_at(), SimTime::from_millis(4000));
}

// B1.17: up detection.

#[wasm_bindgen_test(unsupported = test)]
fn marked_up_at_second_consecutive_success() {
    let down = HealthCounter::fully_down(RISE, FALL);
    check_detection(
        CheckTiming::default(),
        down,
        (Refused, Passed),
        WentUp,
        (2000, 4000),
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn fastinter_and_downinter_detect_up_sooner() {
    let down = HealthCounter::fully_down(RISE, FALL);
    let fast = CheckTiming {
        fastinter: Some(ms(500)),
        ..CheckTiming::default()
    };
    check_detection(fast, down, (Refused, Passed), WentUp, (500, 2500));
    let quick_down = CheckTiming {
        downinter: Some(ms(500)),
        fastinter: Some(ms(500)),
        ..CheckTiming::default()
    };
    check_detection(quick_down, down, (Refused, Passed), WentUp, (500, 1000));
}

// B1.12: slowstart.

#[wasm_bindgen_test(unsupported = test)]
fn slowstart_weight_rises_from_1_after_coming_back() {
    let slowstart = SimDuration::from_secs(10);
    let mut checker = Checker::with_counter(
        CheckTiming::default(),
        HealthCounter::fully_down(RISE, FALL),
        SimTime::ZERO,
    );
    checker.run_check(Passed);
    let (_, transition) = checker.run_check(Passed);
    assert_eq!(transition, Some(WentUp));
    let mut weights = vec![checker.slowstart_weight(10, slowstart)];
    for _ in 0..6 {
        checker.run_check(Passed);
        weights.push(checker.slowstart_weight(10, slowstart));
    }
    assert_eq!(weights, [1, 2, 4, 6, 8, 10, 10]);
}

#[wasm_bindgen_test(unsupported = test)]
fn slowstart_does_not_apply_at_start() {
    let slowstart = SimDuration::from_secs(10);
    let mut checker = Checker::new(CheckTiming::default(), RISE, FALL, SimTime::ZERO, true);
    assert_eq!(checker.slowstart_weight(10, slowstart), 10);
    checker.run_check(Passed);
    assert_eq!(checker.slowstart_weight(10, slowstart), 10);
    assert_eq!(checker.slowstart_weight(10, SimDuration::ZERO), 10);
}

#[wasm_bindgen_test(unsupported = test)]
fn skipped_check_leaves_the_counter_alone() {
    let down = HealthCounter::fully_down(RISE, FALL);
    let mut checker = Checker::with_counter(CheckTiming::default(), down, SimTime::ZERO);
    assert_eq!(checker.skip_check(), SimTime::from_millis(2000));
    assert_eq!(checker.skip_check(), SimTime::from_millis(4000));
    assert_eq!(checker.counter(), &down);
}

#[wasm_bindgen_test(unsupported = test)]
fn round_robin_keeps_sending_its_share_until_marked_down() {
    use stacksim::sim::balancer::{Balancer, ServerSpec};
    use stacksim::sim::topology::Balance;

    // A and B at 1:1; B dies at t0 = 10 s; a request every 10 ms.
    let t0 = SimTime::from_secs(10);
    let mut balancer = Balancer::new(Balance::RoundRobin, &[ServerSpec::default(); 2]);
    let mut checker = Checker::new(CheckTiming::default(), RISE, FALL, SimTime::ZERO, false);
    let mut available = [true, true];
    let (mut sent_to_dead, mut marked_down_at) = (0u32, None);
    for n in 1..2000 {
        let now = SimTime::from_millis(n * 10);
        while checker.next_check_at() <= now {
            let result = if checker.next_check_at() > t0 {
                Refused
            } else {
                Passed
            };
            if let (at, Some(WentDown)) = checker.run_check(result) {
                marked_down_at = Some(at);
            }
        }
        available[1] = checker.is_up();
        let pick = balancer.pick(&available).expect("A is up");
        if pick.server == 1 && now > t0 {
            sent_to_dead += 1;
        }
    }
    let down = marked_down_at.expect("B marked down") - t0;
    assert!(ms(4000) < down && down <= ms(6000), "{down}");
    let requests_meanwhile = u32::try_from(down.as_micros() / 10_000).expect("small");
    assert!(
        sent_to_dead.abs_diff(requests_meanwhile / 2) <= 1,
        "{sent_to_dead}"
    );
}

/// The news of each check, from a fully UP server (issue 15, item 3): what HAProxy's log and
/// stats page would tell, check by check (`s` passed, `f` failed; `-` no news).
#[wasm_bindgen_test(unsupported = test)]
fn each_check_that_counts_is_news() {
    use stacksim::sim::health::CheckNews;
    let cases: [(&str, &[&str]); 6] = [
        ("ss", &["-", "-"]),
        (
            "fff",
            &[
                "check 1/3 failed: refused",
                "check 2/3 failed: refused",
                "check 3/3 failed: refused: marked DOWN",
            ],
        ),
        (
            "fffff",
            &[
                "check 1/3 failed: refused",
                "check 2/3 failed: refused",
                "check 3/3 failed: refused: marked DOWN",
                "-",
                "-",
            ],
        ),
        (
            "ffs",
            &[
                "check 1/3 failed: refused",
                "check 2/3 failed: refused",
                "check passed: the 2/3 failures in a row no longer count (only consecutive failures mark it DOWN)",
            ],
        ),
        (
            "fffss",
            &[
                "check 1/3 failed: refused",
                "check 2/3 failed: refused",
                "check 3/3 failed: refused: marked DOWN",
                "check 1/2 passed",
                "check 2/2 passed: marked UP",
            ],
        ),
        (
            "fffsf",
            &[
                "check 1/3 failed: refused",
                "check 2/3 failed: refused",
                "check 3/3 failed: refused: marked DOWN",
                "check 1/2 passed",
                "check failed: refused: the 1/2 passes in a row no longer count (only consecutive passes mark it UP)",
            ],
        ),
    ];
    for (results, expected) in cases {
        let mut counter = HealthCounter::fully_up(RISE, FALL);
        let told: Vec<String> = results
            .chars()
            .map(|r| {
                let before = counter;
                counter.record(r == 's');
                CheckNews::of(before, counter, r == 's')
                    .map_or("-".to_owned(), |news| news.describe("refused"))
            })
            .collect();
        assert_eq!(told, expected, "results {results}");
    }
}
