//! B1.1–B1.11 and B1.19: HAProxy `balance` and connection retries (the retries also through
//! the engine, against the figures measured on HAProxy 2.6.12).
//!
//! Servers are letters: A is index 0, B index 1, and so on. B1.13 (a server without `check`
//! always counts as available) is the engine's job and is not tested here.

use stacksim::sim::balancer::{Balancer, ConnectError, Pick, RetryPolicy, ServerSpec};
use stacksim::sim::engine::{Config, Input, Simulation};
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::Balance::{self, First, LeastConn, RoundRobin, StaticRr};
use stacksim::sim::trace::{HopKind, Outcome, RequestKind, RequestSpec, Trace};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::retry_design;

const UP: bool = true;
const DOWN: bool = false;

fn letter(server: usize) -> char {
    char::from(b'A' + u8::try_from(server).expect("few servers"))
}

fn active(weights: &[u16]) -> Vec<ServerSpec> {
    weights.iter().map(|&w| ServerSpec::active(w)).collect()
}

/// Picks `n` requests and counts them per server.
fn count(balancer: &mut Balancer, available: &[bool], n: usize) -> Vec<u32> {
    let mut counts = vec![0; balancer.server_count()];
    for _ in 0..n {
        let pick = balancer.pick(available).expect("a server is available");
        counts[pick.server] += 1;
    }
    counts
}

/// The servers of `n` picks, as letters.
fn order(balancer: &mut Balancer, available: &[bool], n: usize) -> String {
    (0..n)
        .map(|_| letter(balancer.pick(available).expect("a server").server))
        .collect()
}

/// Counts per server over `n` picks, active servers with these weights.
#[track_caller]
fn check(algorithm: Balance, weights: &[u16], available: &[bool], n: usize, expected: &[u32]) {
    check_specs(algorithm, &active(weights), available, n, expected);
}

/// Counts per server over `n` picks, any server lines.
#[track_caller]
fn check_specs(
    algorithm: Balance,
    specs: &[ServerSpec],
    available: &[bool],
    n: usize,
    expected: &[u32],
) {
    let mut balancer = Balancer::new(algorithm, specs);
    assert_eq!(count(&mut balancer, available, n), expected);
}

/// The exact order of picks, all servers up.
#[track_caller]
fn check_order(algorithm: Balance, weights: &[u16], expected: &str) {
    let mut balancer = Balancer::new(algorithm, &active(weights));
    let available = vec![UP; weights.len()];
    assert_eq!(order(&mut balancer, &available, expected.len()), expected);
}

/// The explanation of the next pick.
#[track_caller]
fn check_explain(algorithm: Balance, specs: &[ServerSpec], available: &[bool], expected: &str) {
    let mut balancer = Balancer::new(algorithm, specs);
    let pick = balancer.pick(available).expect("a server");
    let names = ["web-01", "web-02", "web-03", "web-04"];
    assert_eq!(balancer.explain(&pick, &names, available), expected);
}

// B1.1: over every complete cycle of Σw requests, server i gets exactly wᵢ.

#[wasm_bindgen_test(unsupported = test)]
fn weights_3_1_give_300_100_over_400() {
    check(RoundRobin, &[3, 1], &[UP, UP], 400, &[300, 100]);
    check(StaticRr, &[3, 1], &[UP, UP], 400, &[300, 100]);
}

#[wasm_bindgen_test(unsupported = test)]
fn every_cycle_of_total_weight_gives_each_its_weight() {
    for algorithm in [RoundRobin, StaticRr] {
        for weights in [&[5, 1, 1][..], &[2, 3, 7], &[256, 1], &[4, 6]] {
            let total: u16 = weights.iter().sum();
            let mut balancer = Balancer::new(algorithm, &active(weights));
            let available = vec![UP; weights.len()];
            for _ in 0..3 {
                let counts = count(&mut balancer, &available, usize::from(total));
                let expected: Vec<u32> = weights.iter().map(|&w| u32::from(w)).collect();
                assert_eq!(counts, expected, "{algorithm:?} {weights:?}");
            }
        }
    }
}

// B1.2: equal weights.

#[wasm_bindgen_test(unsupported = test)]
fn equal_weights_each_window_of_3_hits_all() {
    for algorithm in [RoundRobin, StaticRr, LeastConn] {
        let mut balancer = Balancer::new(algorithm, &active(&[1, 1, 1]));
        let picks = order(&mut balancer, &[UP; 3], 30);
        for window in picks.as_bytes().windows(3) {
            let mut window = window.to_vec();
            window.sort_unstable();
            assert_eq!(window, b"ABC", "{algorithm:?}: {picks}");
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn equal_weights_go_in_declaration_order() {
    check_order(RoundRobin, &[1, 1, 1], "ABCABCABC");
    check_order(StaticRr, &[1, 1, 1], "ABCABCABC");
    check_order(LeastConn, &[1, 1, 1], "ABCABCABC");
}

// B1.6: exact orders, for the algorithm each one implements.

/// `roundrobin` (HAProxy's fwrr) from a fresh start: weights → one cycle of picks. The 3:1 and
/// 5:1:1 cycles are the orders measured on HAProxy 2.6.12 (B1.6); the others follow from
/// `lb_fwrr.c` (heavier servers enter the rotation first, ties in declaration order).
const FWRR_CYCLES: &[(&[u16], &str)] = &[
    (&[1, 1, 1], "ABC"),
    (&[3, 1], "AAAB"),
    (&[5, 1, 1], "AAABAAC"),
    (&[2, 1], "AAB"),
    (&[1, 2], "BBA"),
    (&[6, 2], "AAABAAAB"),
];

#[wasm_bindgen_test(unsupported = test)]
fn roundrobin_orders_are_haproxy_fwrr_cycles() {
    for &(weights, cycle) in FWRR_CYCLES {
        check_order(RoundRobin, weights, &cycle.repeat(50));
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn roundrobin_3_1_is_a_a_a_b_as_measured() {
    check_order(RoundRobin, &[3, 1], "AAABAAABAAABAAAB");
}

#[wasm_bindgen_test(unsupported = test)]
fn roundrobin_5_1_1_is_a_a_a_b_a_a_c_as_measured() {
    check_order(RoundRobin, &[5, 1, 1], "AAABAACAAABAACAAABAAC");
}

/// Weights → roundrobin's counts per server over 10,000 picks: whole cycles of Σw give each
/// server its weight, the last partial cycle follows the fwrr order (5:1:1: 1,428 cycles and
/// A,A,A,B; 2:3:7: 833 cycles and C,C,B,C; 256:1: 38 cycles and 234 more A).
const LONG_RUN_COUNTS: &[(&[u16], &[u32])] = &[
    (&[1, 1, 1], &[3334, 3333, 3333]),
    (&[3, 1], &[7500, 2500]),
    (&[5, 1, 1], &[7143, 1429, 1428]),
    (&[2, 3, 7], &[1666, 2500, 5834]),
    (&[256, 1], &[9962, 38]),
];

#[wasm_bindgen_test(unsupported = test)]
fn counts_over_10000_picks_follow_the_weights() {
    for &(weights, expected) in LONG_RUN_COUNTS {
        for algorithm in [RoundRobin, StaticRr] {
            let mut balancer = Balancer::new(algorithm, &active(weights));
            let counts = count(&mut balancer, &vec![UP; weights.len()], 10_000);
            let total: u32 = weights.iter().map(|&w| u32::from(w)).sum();
            for (&got, &w) in counts.iter().zip(weights) {
                let share = 10_000 * u32::from(w) / total;
                assert!(
                    got.abs_diff(share) <= 1,
                    "{algorithm:?} {weights:?}: {counts:?}"
                );
            }
            if algorithm == RoundRobin {
                assert_eq!(counts, expected, "{weights:?}");
            }
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn roundrobin_server_down_then_up_follows_fwrr_positions() {
    // 1:1:1 (effective weights 16 each, window 48). After A, B, C, B goes DOWN: the window's
    // total weight drops to 32, A and C alternate. When B comes back at position 56 it is
    // queued at 56 + (48 + 48 − 56) / 16 = 58 (`fwrr_set_server_status_up`), after C (57) and
    // A (57), so the rotation resumes as C, A, B.
    let mut balancer = Balancer::new(RoundRobin, &active(&[1, 1, 1]));
    assert_eq!(order(&mut balancer, &[UP; 3], 3), "ABC");
    assert_eq!(order(&mut balancer, &[UP, DOWN, UP], 5), "ACACA");
    assert_eq!(order(&mut balancer, &[UP; 3], 6), "CABCAB");
}

#[wasm_bindgen_test(unsupported = test)]
fn static_rr_order_3_1_is_a_a_a_b() {
    check_order(StaticRr, &[3, 1], "AAABAAAB");
}

#[wasm_bindgen_test(unsupported = test)]
fn static_rr_order_5_1_1() {
    check_order(StaticRr, &[5, 1, 1], "AAABAACAAABAAC");
}

#[wasm_bindgen_test(unsupported = test)]
fn static_rr_divides_weights_by_their_gcd() {
    // 6:2 builds the same 4-slot map as 3:1 (`init_server_map`).
    check_order(StaticRr, &[6, 2], "AAABAAAB");
}

// B1.3: weight 0, and the 256 cap.

#[wasm_bindgen_test(unsupported = test)]
fn weight_0_gets_nothing() {
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        check(algorithm, &[0, 1], &[UP, UP], 1000, &[0, 1000]);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn only_weight_0_servers_is_none() {
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        let mut balancer = Balancer::new(algorithm, &active(&[0, 0]));
        assert_eq!(balancer.pick(&[UP, UP]), None, "{algorithm:?}");
        assert!(!balancer.any_usable(&[UP, UP]));
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn weights_above_256_count_as_256() {
    check(RoundRobin, &[1000, 1], &[UP, UP], 257, &[256, 1]);
    check(StaticRr, &[1000, 1], &[UP, UP], 257, &[256, 1]);
}

// B1.4 and B1.5: runtime weight changes.

#[wasm_bindgen_test(unsupported = test)]
fn weight_change_2_1_then_1_1_gives_350_250() {
    let mut balancer = Balancer::new(RoundRobin, &active(&[2, 1]));
    assert_eq!(count(&mut balancer, &[UP, UP], 300), [200, 100]);
    balancer.set_weight(0, 1);
    assert_eq!(count(&mut balancer, &[UP, UP], 300), [150, 150]);
}

#[wasm_bindgen_test(unsupported = test)]
fn static_rr_ignores_weight_change() {
    let mut balancer = Balancer::new(StaticRr, &active(&[2, 1]));
    assert_eq!(count(&mut balancer, &[UP, UP], 300), [200, 100]);
    balancer.set_weight(0, 1);
    balancer.set_weight(1, 0);
    assert_eq!(count(&mut balancer, &[UP, UP], 300), [200, 100]);
}

#[wasm_bindgen_test(unsupported = test)]
fn weight_set_to_0_drains_a_dynamic_server() {
    let mut balancer = Balancer::new(RoundRobin, &active(&[1, 1]));
    balancer.set_weight(0, 0);
    assert_eq!(count(&mut balancer, &[UP, UP], 10), [0, 10]);
}

// B1.7 and B1.8: DOWN servers.

#[wasm_bindgen_test(unsupported = test)]
fn down_server_traffic_shared_by_weight_3_1_1_c_down() {
    for algorithm in [RoundRobin, StaticRr] {
        check(algorithm, &[3, 1, 1], &[UP, UP, DOWN], 400, &[300, 100, 0]);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn server_coming_back_is_reintegrated_at_once() {
    for algorithm in [RoundRobin, StaticRr] {
        let mut balancer = Balancer::new(algorithm, &active(&[1, 1, 1]));
        count(&mut balancer, &[UP, DOWN, UP], 8);
        // Counts over complete cycles only; no slot is promised (B1.8).
        assert_eq!(count(&mut balancer, &[UP; 3], 300), [100, 100, 100]);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn pick_reports_down_servers_skipped() {
    let mut balancer = Balancer::new(RoundRobin, &active(&[1, 1, 0]));
    let pick = balancer.pick(&[DOWN, UP, DOWN]);
    let expected = Pick {
        server: 1,
        from_backup: false,
        skipped: 1,
    };
    assert_eq!(pick, Some(expected));
}

// B1.9: leastconn.

#[wasm_bindgen_test(unsupported = test)]
fn leastconn_picks_fewest() {
    let mut balancer = Balancer::new(LeastConn, &active(&[1, 1]));
    (0..5).for_each(|_| balancer.connection_started(0));
    (0..2).for_each(|_| balancer.connection_started(1));
    assert_eq!(balancer.pick(&[UP, UP]).map(|p| p.server), Some(1));
}

#[wasm_bindgen_test(unsupported = test)]
fn leastconn_follows_connections_as_they_open_and_close() {
    let mut balancer = Balancer::new(LeastConn, &active(&[1, 1, 1]));
    for _ in 0..6 {
        let server = balancer.pick(&[UP; 3]).expect("a server").server;
        balancer.connection_started(server);
    }
    assert_eq!((0..3).map(|i| balancer.connections(i)).sum::<u32>(), 6);
    balancer.connection_finished(2);
    balancer.connection_finished(2);
    assert_eq!(balancer.connections(2), 0);
    assert_eq!(balancer.pick(&[UP; 3]).map(|p| p.server), Some(2));
}

#[wasm_bindgen_test(unsupported = test)]
fn leastconn_skips_down_servers() {
    let mut balancer = Balancer::new(LeastConn, &active(&[1, 1]));
    (0..5).for_each(|_| balancer.connection_started(0));
    assert_eq!(balancer.pick(&[UP, DOWN]).map(|p| p.server), Some(0));
}

#[wasm_bindgen_test(unsupported = test)]
fn leastconn_divides_load_by_weight() {
    // 3 connections at weight 3 is less load than 2 at weight 1.
    let mut balancer = Balancer::new(LeastConn, &active(&[3, 1]));
    (0..3).for_each(|_| balancer.connection_started(0));
    (0..2).for_each(|_| balancer.connection_started(1));
    assert_eq!(balancer.pick(&[UP, UP]).map(|p| p.server), Some(0));
}

// B1.10: first.

#[wasm_bindgen_test(unsupported = test)]
fn first_fills_lowest_id() {
    let specs = [
        ServerSpec {
            maxconn: Some(2),
            ..ServerSpec::active(5)
        },
        ServerSpec {
            maxconn: Some(2),
            ..ServerSpec::active(1)
        },
        ServerSpec::active(1),
    ];
    let mut balancer = Balancer::new(First, &specs);
    let mut picks = String::new();
    for _ in 0..6 {
        let server = balancer.pick(&[UP; 3]).expect("a server").server;
        balancer.connection_started(server);
        picks.push(letter(server));
    }
    assert_eq!(picks, "AABBCC");
    balancer.connection_finished(0);
    assert_eq!(balancer.pick(&[UP; 3]).map(|p| p.server), Some(0));
}

#[wasm_bindgen_test(unsupported = test)]
fn first_without_maxconn_ignores_weights() {
    check(First, &[1, 10, 100], &[UP; 3], 100, &[100, 0, 0]);
    check(First, &[1, 10, 100], &[DOWN, UP, UP], 100, &[0, 100, 0]);
}

#[wasm_bindgen_test(unsupported = test)]
fn first_with_every_server_full_is_none_but_usable() {
    let specs = [ServerSpec {
        maxconn: Some(1),
        ..ServerSpec::default()
    }];
    let mut balancer = Balancer::new(First, &specs);
    balancer.connection_started(0);
    assert_eq!(balancer.pick(&[UP]), None);
    assert!(balancer.any_usable(&[UP]), "HAProxy would queue, not 503");
}

// B1.11: backup servers.

#[wasm_bindgen_test(unsupported = test)]
fn backup_only_when_all_active_down() {
    let specs = [
        ServerSpec::active(1),
        ServerSpec::active(1),
        ServerSpec::backup(1),
    ];
    for algorithm in [RoundRobin, StaticRr, LeastConn] {
        check_specs(algorithm, &specs, &[UP, UP, UP], 100, &[50, 50, 0]);
    }
    check_specs(First, &specs, &[UP, UP, UP], 100, &[100, 0, 0]);
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        check_specs(algorithm, &specs, &[DOWN, DOWN, UP], 100, &[0, 0, 100]);
        check_specs(algorithm, &specs, &[UP, DOWN, UP], 100, &[100, 0, 0]);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn backup_hands_back_when_an_active_server_returns() {
    let specs = [
        ServerSpec::active(1),
        ServerSpec::active(1),
        ServerSpec::backup(1),
    ];
    let mut balancer = Balancer::new(StaticRr, &specs);
    assert_eq!(count(&mut balancer, &[DOWN, DOWN, UP], 10), [0, 0, 10]);
    assert_eq!(count(&mut balancer, &[UP, DOWN, UP], 10), [10, 0, 0]);
}

#[wasm_bindgen_test(unsupported = test)]
fn only_first_backup_used() {
    let specs = [
        ServerSpec::active(1),
        ServerSpec::backup(1),
        ServerSpec::backup(5),
    ];
    check_specs(RoundRobin, &specs, &[DOWN, UP, UP], 100, &[0, 100, 0]);
    check_specs(RoundRobin, &specs, &[DOWN, DOWN, UP], 100, &[0, 0, 100]);
}

#[wasm_bindgen_test(unsupported = test)]
fn backup_pick_is_marked_and_counts_skipped() {
    let specs = [
        ServerSpec::active(1),
        ServerSpec::backup(1),
        ServerSpec::backup(1),
    ];
    let mut balancer = Balancer::new(RoundRobin, &specs);
    let expected = Pick {
        server: 2,
        from_backup: true,
        skipped: 2,
    };
    assert_eq!(balancer.pick(&[DOWN, DOWN, UP]), Some(expected));
}

#[wasm_bindgen_test(unsupported = test)]
fn weight_0_active_servers_leave_it_to_the_backup() {
    let specs = [ServerSpec::active(0), ServerSpec::backup(1)];
    check_specs(RoundRobin, &specs, &[UP, UP], 10, &[0, 10]);
}

#[wasm_bindgen_test(unsupported = test)]
fn no_server_available_is_none() {
    let specs = [ServerSpec::active(1), ServerSpec::backup(1)];
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        let mut balancer = Balancer::new(algorithm, &specs);
        assert_eq!(balancer.pick(&[DOWN, DOWN]), None, "{algorithm:?}");
        assert!(!balancer.any_usable(&[DOWN, DOWN]));
        let mut empty = Balancer::new(algorithm, &[]);
        assert_eq!(empty.pick(&[]), None, "{algorithm:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn short_or_long_available_slices_do_not_panic() {
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        let mut balancer = Balancer::new(algorithm, &active(&[1, 1]));
        assert_eq!(balancer.pick(&[]), None);
        assert_eq!(balancer.pick(&[DOWN]).map(|p| p.server), None);
        assert_eq!(balancer.pick(&[DOWN, UP, UP]).map(|p| p.server), Some(1));
        balancer.set_weight(9, 3);
        balancer.connection_started(9);
        balancer.connection_finished(9);
        balancer.connection_finished(0);
        assert_eq!(balancer.connections(9), 0);
    }
}

// B1.19: retries and redispatch.

#[wasm_bindgen_test(unsupported = test)]
fn retry_defaults_are_3_retries_without_redispatch() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.retries, 3);
    assert!(!policy.redispatch);
    assert!((1..=3).all(|attempt| policy.allows(attempt)));
    assert!(!policy.allows(0) && !policy.allows(4));
    assert!((0..=4).all(|attempt| !policy.redispatch_on(attempt, 2, true)));
}

#[wasm_bindgen_test(unsupported = test)]
fn retry_waits_min_timeout_connect_1s_after_an_immediate_error_only() {
    let with_connect = |ms| RetryPolicy {
        timeout_connect: SimDuration::from_millis(ms),
        ..RetryPolicy::default()
    };
    assert_eq!(with_connect(5000).retry_delay(), SimDuration::from_secs(1));
    assert_eq!(
        with_connect(300).retry_delay(),
        SimDuration::from_millis(300)
    );
    assert_eq!(with_connect(0).retry_delay(), SimDuration::from_secs(1));
    let policy = with_connect(5000);
    // (error, redispatched, usable active servers) → wait
    let cases = [
        (ConnectError::Immediate, false, 2, SimDuration::from_secs(1)),
        (ConnectError::Immediate, false, 1, SimDuration::from_secs(1)),
        (ConnectError::Immediate, true, 2, SimDuration::ZERO),
        (ConnectError::Immediate, true, 1, SimDuration::from_secs(1)),
        (ConnectError::Timeout, false, 2, SimDuration::ZERO),
        (ConnectError::Timeout, true, 1, SimDuration::ZERO),
    ];
    for (error, redispatched, usable, wait) in cases {
        assert_eq!(
            policy.delay_before(error, redispatched, usable),
            wait,
            "{error:?}, redispatched {redispatched}, {usable} usable"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn redispatch_goes_elsewhere_on_the_first_retry_when_another_server_is_usable() {
    let policy = RetryPolicy {
        redispatch: true,
        ..RetryPolicy::default()
    };
    // Two usable active servers: every retry (HAProxy 2.6 `stream_choose_redispatch`).
    assert_eq!(
        (1..=3)
            .map(|a| policy.redispatch_on(a, 2, true))
            .collect::<Vec<_>>(),
        [true, true, true]
    );
    // One usable active server: the last retry only (`redispatch -1`) ...
    assert_eq!(
        (1..=3)
            .map(|a| policy.redispatch_on(a, 1, true))
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    // ... or any retry once the failed server is marked DOWN.
    assert!(policy.redispatch_on(1, 1, false));

    // A request to A, which just died but is not marked DOWN yet: fwrr passes over it.
    let mut balancer = Balancer::new(RoundRobin, &active(&[1, 1]));
    let available = [UP, UP];
    assert_eq!(balancer.usable_active(&available), 2);
    let dead = balancer.pick(&available).expect("a server").server;
    assert_eq!(dead, 0);
    let retry = balancer.pick_avoiding(&available, dead).expect("a server");
    assert_eq!(retry.server, 1);
    // The next request meets A first again (each request tries it, then goes to B).
    assert_eq!(balancer.pick(&available).expect("a server").server, 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn usable_active_servers_leave_out_down_weight_0_and_backup_ones() {
    let specs = [
        ServerSpec::active(1),
        ServerSpec::active(0),
        ServerSpec::active(2),
        ServerSpec::backup(1),
    ];
    let balancer = Balancer::new(RoundRobin, &specs);
    assert_eq!(balancer.usable_active(&[UP, UP, UP, UP]), 2);
    assert_eq!(balancer.usable_active(&[DOWN, UP, UP, UP]), 1);
    assert_eq!(balancer.usable_active(&[DOWN, UP, DOWN, UP]), 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn redispatch_every_algorithm_avoids_the_failed_server() {
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        let mut balancer = Balancer::new(algorithm, &active(&[1, 1, 1]));
        for avoid in [0, 1, 2, 0, 2] {
            let pick = balancer.pick_avoiding(&[UP; 3], avoid).expect("a server");
            assert_ne!(pick.server, avoid, "{algorithm:?}");
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn redispatch_with_a_single_server_returns_it() {
    for algorithm in [RoundRobin, StaticRr, LeastConn, First] {
        let mut balancer = Balancer::new(algorithm, &active(&[1, 1]));
        let pick = balancer.pick_avoiding(&[UP, DOWN], 0);
        assert_eq!(pick.map(|p| p.server), Some(0), "{algorithm:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn without_redispatch_no_retry_goes_elsewhere() {
    let policy = RetryPolicy {
        retries: 5,
        ..RetryPolicy::default()
    };
    assert!((0..=6).all(|attempt| !policy.redispatch_on(attempt, 2, false)));
    let none = RetryPolicy {
        retries: 0,
        redispatch: true,
        ..RetryPolicy::default()
    };
    assert!(
        !none.redispatch_on(0, 2, true),
        "no retries, nothing to redispatch"
    );
}

// B1.19 through the engine: the four cases measured on HAProxy 2.6.12 (`retries 3`,
// `timeout connect 5s`, two servers, one failing, `check` off).

/// How the failing server fails.
#[derive(Clone, Copy, Debug)]
enum Failing {
    /// Nginx stopped: its host answers the SYN with a reset.
    Refuses,
    /// The host is dead: nothing answers the SYNs.
    Dead,
}

/// Sends `n` static requests one after the other (each a second after the previous one
/// ended), server-01 failing as `failing`; returns their traces.
fn requests_with_a_failing_server(redispatch: bool, failing: Failing, n: usize) -> Vec<Trace> {
    let mut sim = Simulation::new(&retry_design(redispatch), Config::default()).expect("valid");
    let send = |sim: &mut Simulation, at: SimTime| {
        let id = sim
            .handle(
                at,
                Input::Send(RequestSpec::new(RequestKind::Static, false)),
            )
            .expect("accepted")
            .expect("an id");
        sim.run_until_quiet(at + SimDuration::from_secs(600));
        sim.trace(id).expect("traced").clone()
    };
    // Two requests before the failure: the DNS cache is warm and fwrr starts a new cycle
    // (server-01 first).
    for at in [SimTime::ZERO, SimTime::from_secs(1)] {
        let warm = send(&mut sim, at);
        assert!(warm.outcome.as_ref().is_some_and(Outcome::is_served));
    }
    let failure = match failing {
        Failing::Refuses => Input::ServiceDown("server-01.nginx".into()),
        Failing::Dead => Input::HostDown("server-01".into()),
    };
    let mut at = sim.now() + SimDuration::from_secs(1);
    sim.handle(at, failure).expect("known");
    (0..n)
        .map(|_| {
            at = sim.now() + SimDuration::from_secs(1);
            send(&mut sim, at)
        })
        .collect()
}

/// A request's latency when nothing fails (resolver warm).
fn normal_latency() -> SimDuration {
    let mut sim = Simulation::new(&retry_design(false), Config::default()).expect("valid");
    let mut last = None;
    for at in [SimTime::ZERO, SimTime::from_secs(5)] {
        let id = sim
            .handle(
                at,
                Input::Send(RequestSpec::new(RequestKind::Static, false)),
            )
            .expect("accepted")
            .expect("an id");
        sim.run_until_quiet(at + SimDuration::from_secs(60));
        last = sim.trace(id).and_then(Trace::latency);
    }
    last.expect("served")
}

/// Whether the load balancer's first pick for this request was server-01 (the failing one).
fn first_pick_is_server_01(trace: &Trace) -> bool {
    trace
        .hops
        .iter()
        .find(|h| h.kind == HopKind::Balance)
        .is_some_and(|h| h.reason.contains("server-01.nginx"))
}

#[wasm_bindgen_test(unsupported = test)]
fn retries_and_redispatch_give_the_measured_haproxy_figures() {
    let ms = SimDuration::from_millis;
    // (failing, redispatch, served or 503, time added by the failing server, as measured)
    let cases = [
        (Failing::Refuses, true, true, ms(1)),
        (Failing::Refuses, false, false, ms(3_006)),
        (Failing::Dead, true, true, ms(5_000)),
        (Failing::Dead, false, false, ms(20_000)),
    ];
    // Network hops and HAProxy's millisecond timers: a few ms either way.
    let tolerance = ms(6);
    let normal = normal_latency();
    for (failing, redispatch, served, measured) in cases {
        let label = format!("{failing:?}, redispatch {redispatch}");
        let traces = requests_with_a_failing_server(redispatch, failing, 6);
        let mut hit = 0;
        for trace in &traces {
            let reasons: Vec<&str> = trace.hops.iter().map(|h| h.reason.as_str()).collect();
            let outcome = trace.outcome.as_ref().expect("finished");
            let extra = trace.latency().expect("finished") - normal;
            if !first_pick_is_server_01(trace) {
                // Sent to server-02 first: served as usual.
                assert!(outcome.is_served(), "{label}: {outcome}\n{reasons:#?}");
                assert!(extra <= tolerance, "{label}: {extra}\n{reasons:#?}");
                continue;
            }
            hit += 1;
            if served {
                match outcome {
                    Outcome::Served { backend, .. } => {
                        assert_eq!(backend.as_deref(), Some("server-02.nginx"), "{label}");
                    }
                    other => panic!("{label}: {other}\n{reasons:#?}"),
                }
            } else {
                assert!(
                    matches!(outcome, Outcome::Failed { status: 503, .. }),
                    "{label}: {outcome}\n{reasons:#?}"
                );
            }
            let (low, high) = (measured - tolerance, measured + tolerance);
            assert!(
                extra >= low && extra <= high,
                "{label}: the failing server added {extra}, measured {measured}\n{reasons:#?}"
            );
        }
        if redispatch {
            // fwrr meets server-01 first for every request; the redispatch passes over it.
            assert_eq!(
                hit,
                traces.len(),
                "{label}: every request tries server-01 first"
            );
        } else {
            // Without redispatch, round robin alternates: every other request fails.
            assert_eq!(hit, traces.len() / 2, "{label}");
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_event_list_explains_each_retry() {
    let said = |traces: &[Trace], needle: &str| {
        traces
            .iter()
            .flat_map(|t| &t.hops)
            .any(|h| h.reason.contains(needle))
    };
    let refused_on = requests_with_a_failing_server(true, Failing::Refuses, 1);
    let refused_off = requests_with_a_failing_server(false, Failing::Refuses, 1);
    let dead_off = requests_with_a_failing_server(false, Failing::Dead, 1);
    let cases: [(&str, &[Trace], &str); 7] = [
        (
            "refused, redispatch on",
            &refused_on,
            "server-01.nginx is stopped: connection to server-01.nginx refused (RST)",
        ),
        (
            "refused, redispatch on",
            &refused_on,
            "retry 1 of 3: option redispatch sends it to another server at once (2 servers are usable, so HAProxy 2.6 redispatches every retry)",
        ),
        (
            "refused, redispatch off",
            &refused_off,
            "retry 1 of 3 on server-01.nginx after 1 s (HAProxy waits min(timeout connect, 1 s) after a refused connection)",
        ),
        (
            "refused, redispatch off",
            &refused_off,
            "lb-01.haproxy: server-01.nginx unreachable after 3 retries: 503",
        ),
        (
            "dead, redispatch off",
            &dead_off,
            "server-01 is down: the SYN goes unanswered; the kernel resends it after 1 s",
        ),
        (
            "dead, redispatch off",
            &dead_off,
            "connect to server-01.nginx timed out after 5 s (timeout connect): no answer to 3 SYNs",
        ),
        (
            "dead, redispatch off",
            &dead_off,
            "retry 1 of 3 on server-01.nginx at once (the connect timeout was the wait)",
        ),
    ];
    for (case, traces, needle) in cases {
        assert!(
            said(traces, needle),
            "{case}: the event list never says: {needle}"
        );
    }
}

// The explanations the UI shows.

#[wasm_bindgen_test(unsupported = test)]
fn explain_roundrobin_names_the_weight_and_skipped_servers() {
    check_explain(
        RoundRobin,
        &active(&[1, 1]),
        &[DOWN, UP],
        "roundrobin: web-02 (weight 1; web-01 DOWN, skipped)",
    );
    check_explain(
        RoundRobin,
        &active(&[3, 1]),
        &[UP, UP],
        "roundrobin: web-01 (weight 3)",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_static_rr_gives_the_map_slot() {
    let mut balancer = Balancer::new(StaticRr, &active(&[3, 1]));
    let names = ["web-01", "web-02"];
    let mut texts = Vec::new();
    for _ in 0..4 {
        let pick = balancer.pick(&[UP, UP]).expect("a server");
        texts.push(balancer.explain(&pick, &names, &[UP, UP]));
    }
    assert_eq!(
        texts,
        [
            "static-rr: web-01 (slot 1 of 4)",
            "static-rr: web-01 (slot 2 of 4)",
            "static-rr: web-01 (slot 3 of 4)",
            "static-rr: web-02 (slot 4 of 4)",
        ]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_leastconn_gives_the_connections() {
    let mut balancer = Balancer::new(LeastConn, &active(&[1, 1]));
    (0..5).for_each(|_| balancer.connection_started(0));
    (0..2).for_each(|_| balancer.connection_started(1));
    let pick = balancer.pick(&[UP, UP]).expect("a server");
    balancer.connection_started(pick.server);
    assert_eq!(
        balancer.explain(&pick, &["web-01", "web-02"], &[UP, UP]),
        "leastconn: web-02 (2 connections, fewest)"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_first_names_full_servers() {
    let specs = [
        ServerSpec {
            maxconn: Some(1),
            ..ServerSpec::default()
        },
        ServerSpec::default(),
    ];
    let mut balancer = Balancer::new(First, &specs);
    balancer.connection_started(0);
    let pick = balancer.pick(&[UP, UP]).expect("a server");
    assert_eq!(
        balancer.explain(&pick, &["web-01", "web-02"], &[UP, UP]),
        "first: web-02 (lowest id with a free slot; web-01 full)"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_backup_says_all_active_servers_are_down() {
    let specs = [
        ServerSpec::active(1),
        ServerSpec::active(1),
        ServerSpec::backup(1),
    ];
    check_explain(
        RoundRobin,
        &specs,
        &[DOWN, DOWN, UP],
        "backup web-03: all active servers are down",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_without_names_numbers_the_servers() {
    let mut balancer = Balancer::new(RoundRobin, &active(&[1, 1]));
    let pick = balancer.pick(&[DOWN, UP]).expect("a server");
    assert_eq!(
        balancer.explain(&pick, &[], &[DOWN, UP]),
        "roundrobin: server #1 (weight 1; server #0 DOWN, skipped)"
    );
    let stranger = Pick {
        server: 7,
        from_backup: false,
        skipped: 0,
    };
    assert_eq!(
        balancer.explain(&stranger, &[], &[]),
        "roundrobin: server #7 (not a server of this backend)"
    );
}
