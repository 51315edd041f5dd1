//! B3, MySQL replication: what a replica returns after a write on the primary, how far behind it
//! says it is, and what semi-sync and SOURCE_DELAY change.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use stacksim::sim::replication::{LagModel, Read, ReplicatedDb, SemiSync, WaitPoint};
use stacksim::sim::time::{SimDuration, SimTime};
use wasm_bindgen_test::wasm_bindgen_test;

const X: u64 = 7;

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

fn rng() -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(42)
}

/// B3.2's setup: one replica 500 ms behind, x=1 everywhere, then x=2 written at t=0.
fn x_written_at_0() -> ReplicatedDb {
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_millis(500))]);
    db.load(X, 1);
    let latency = db.write(X, 2, SimTime::ZERO, &mut rng());
    assert_eq!(latency, SimDuration::ZERO, "async commits return at once");
    db
}

#[track_caller]
fn check(read: Read, value: Option<u64>, stale: bool) {
    assert_eq!((read.value, read.stale), (value, stale), "{read:?}");
}

/// B3.2: before the replica applies the write it returns the old value, flagged stale.
#[wasm_bindgen_test(unsupported = test)]
fn replica_read_at_200ms_is_stale_1() {
    let read = x_written_at_0().read_replica(0, X, ms(200));
    check(read, Some(1), true);
    assert_eq!(read.written_at, Some(SimTime::ZERO));
    assert_eq!(read.lag, SimDuration::from_millis(500));
}

/// B3.2: once now >= commit + lag the replica returns the new value.
#[wasm_bindgen_test(unsupported = test)]
fn replica_read_at_600ms_sees_2() {
    let mut db = x_written_at_0();
    check(db.read_replica(0, X, ms(499)), Some(1), true);
    check(db.read_replica(0, X, ms(500)), Some(2), false);
    check(db.read_replica(0, X, ms(600)), Some(2), false);
}

/// B3.2 for any key: small and large keys, loaded and written in mixed order in one table,
/// each read as its own row (neighbouring keys never written read as absent).
#[wasm_bindgen_test(unsupported = test)]
fn every_key_is_its_own_row() {
    let keys = [u64::MAX, 7, 1 << 40, 4_096, 0, 70_000, 4_095, 5_000];
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_millis(500))]);
    for (i, &key) in keys.iter().enumerate() {
        db.load(key, 100 + i as u64);
    }
    for (i, &key) in keys.iter().enumerate().rev() {
        db.write(key, 200 + i as u64, SimTime::ZERO, &mut rng());
    }
    // Reads in time order, as the engine makes them.
    for (i, &key) in keys.iter().enumerate() {
        check(db.read_primary(key, ms(1)), Some(200 + i as u64), false);
    }
    for (i, &key) in keys.iter().enumerate() {
        check(db.read_replica(0, key, ms(200)), Some(100 + i as u64), true);
    }
    for (i, &key) in keys.iter().enumerate() {
        check(
            db.read_replica(0, key, ms(600)),
            Some(200 + i as u64),
            false,
        );
    }
    for key in [1, 4_094, 4_097, 69_999, (1 << 40) + 1, u64::MAX - 1] {
        check(db.read_primary(key, ms(600)), None, false);
        check(db.read_replica(0, key, ms(600)), None, false);
    }
}

/// B3.1/B3.2: the primary sees its own commit at once.
#[wasm_bindgen_test(unsupported = test)]
fn primary_read_at_1ms_sees_2() {
    let read = x_written_at_0().read_primary(X, ms(1));
    check(read, Some(2), false);
    assert_eq!(read.written_at, Some(SimTime::ZERO));
}

/// B3.1: the applier follows the source commit order, even when a later write draws a shorter
/// lag: reads of a counter written 1, 2, 3… never go backwards, and a write is applied no sooner
/// than its own lag.
#[wasm_bindgen_test(unsupported = test)]
fn replica_applies_in_commit_order() {
    let lag = LagModel::Uniform {
        min: SimDuration::from_millis(1),
        max: SimDuration::from_millis(900),
    };
    let mut db = ReplicatedDb::new(&[lag, lag]);
    let mut rng = rng();
    let mut seen = [0; 2];
    let mut applies = [SimTime::ZERO; 2];
    for n in 1..=2_000 {
        let now = ms(n);
        db.write(X, n, now, &mut rng);
        for replica in 0..2 {
            let read = db.read_replica(replica, X, now);
            let value = read.value.unwrap_or(0);
            assert!(
                value >= seen[replica],
                "replica {replica} went back at {now}"
            );
            assert!(value < n, "nothing is applied before 1 ms of lag");
            seen[replica] = value;
            let apply = now + read.lag;
            assert!(
                apply >= applies[replica],
                "write {n} applied before write {}",
                n - 1
            );
            applies[replica] = apply;
        }
    }
    check(db.read_replica(0, X, ms(2_000 + 900)), Some(2_000), false);
}

/// B3.3: a stopped replica's Seconds_Behind_Source is NULL; writes queue up and are applied in
/// order after START REPLICA, which then reports how far behind the backlog is.
#[wasm_bindgen_test(unsupported = test)]
fn stopped_replica_lag_is_null() {
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_millis(100))]);
    let mut rng = rng();
    db.write(X, 1, ms(0), &mut rng);
    db.stop_replica(0, ms(1_000));
    assert_eq!(db.seconds_behind_source(0, ms(1_000)), None);
    db.write(X, 2, ms(2_000), &mut rng);
    db.write(X, 3, ms(3_000), &mut rng);
    check(db.read_replica(0, X, ms(60_000)), Some(1), true);
    assert_eq!(
        db.read_replica(0, X, ms(60_000)).lag,
        SimDuration::from_secs(58)
    );
    assert_eq!(db.seconds_behind_source(0, ms(60_000)), None);
    db.start_replica(0, ms(60_000));
    assert_eq!(db.seconds_behind_source(0, ms(60_050)), Some(58));
    check(db.read_replica(0, X, ms(60_100)), Some(3), false);
    assert_eq!(db.seconds_behind_source(0, ms(60_100)), Some(0));
    assert_eq!(db.seconds_behind_source(5, ms(60_100)), None, "unknown");
}

/// B3.3: 0 when no event is being processed, whole seconds behind while one is.
#[wasm_bindgen_test(unsupported = test)]
fn idle_replica_lag_is_0() {
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_secs(5))]);
    assert_eq!(db.seconds_behind_source(0, ms(0)), Some(0));
    db.write(X, 1, ms(1_000), &mut rng());
    assert_eq!(db.seconds_behind_source(0, ms(1_999)), Some(0));
    assert_eq!(db.seconds_behind_source(0, ms(4_500)), Some(3));
    assert_eq!(db.seconds_behind_source(0, ms(6_000)), Some(0));
}

/// Randomness comes only from the caller's RNG: the same seed gives the same lags.
#[wasm_bindgen_test(unsupported = test)]
fn same_seed_same_lags() {
    let lags = |seed: u64| -> Vec<SimDuration> {
        let lag = LagModel::Uniform {
            min: SimDuration::from_millis(10),
            max: SimDuration::from_millis(1_000),
        };
        let mut db = ReplicatedDb::new(&[lag, lag]);
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let mut out = Vec::new();
        for n in 0..100 {
            db.write(X, n, ms(n * 2_000), &mut rng);
            out.push(db.read_replica(0, X, ms(n * 2_000)).lag);
            out.push(db.read_replica(1, X, ms(n * 2_000)).lag);
        }
        out
    };
    assert_eq!(lags(7), lags(7));
    assert_ne!(lags(7), lags(8));
    assert!(
        lags(7)
            .iter()
            .all(|l| (10_000..=1_000_000).contains(&l.as_micros()))
    );
}

/// House rule: per-write bookkeeping is pruned once applied, so memory stays bounded by the
/// writes in flight (here at most 500 per replica: one write per ms, 500 ms of lag).
#[wasm_bindgen_test(unsupported = test)]
fn memory_is_pruned_after_apply() {
    let mut db = ReplicatedDb::new(&[
        LagModel::Fixed(SimDuration::from_millis(500)),
        LagModel::Fixed(SimDuration::from_millis(500)),
    ]);
    let mut rng = rng();
    for n in 0..100_000 {
        db.write(n % 1_000, n, ms(n), &mut rng);
        assert!(
            db.pending_len() <= 2 * 501,
            "at {n} ms: {}",
            db.pending_len()
        );
    }
    db.read_replica(0, 0, ms(200_000));
    db.read_replica(1, 0, ms(200_000));
    assert_eq!(db.pending_len(), 0);
}

/// B3.6: SOURCE_DELAY holds every write back at least that long after its commit.
#[wasm_bindgen_test(unsupported = test)]
fn source_delay_holds_writes_back() {
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_millis(100))]);
    db.load(X, 1);
    db.set_source_delay(0, SimDuration::from_secs(3_600));
    db.write(X, 2, ms(0), &mut rng());
    check(db.read_replica(0, X, ms(3_599_999)), Some(1), true);
    check(db.read_replica(0, X, ms(3_600_000)), Some(2), false);
}

fn semi_sync_db() -> ReplicatedDb {
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_millis(500))]);
    db.load(X, 1);
    db.set_semi_sync(Some(SemiSync::default()));
    db
}

/// B3.4/B3.5: with an idle replica a semi-sync commit waits one round trip, and the replica read
/// can still be stale (acknowledged means in the relay log, not applied).
#[wasm_bindgen_test(unsupported = test)]
fn semi_sync_commit_waits_one_rtt_and_allows_stale_reads() {
    let mut db = semi_sync_db();
    let latency = db.write(X, 2, ms(0), &mut rng());
    assert_eq!(latency, SemiSync::default().rtt);
    assert!(db.semi_sync_active(ms(0)));
    check(db.read_replica(0, X, ms(200)), Some(1), true);
}

/// B3.4: AFTER_SYNC hides the write from other sessions until it is acknowledged; AFTER_COMMIT
/// does not.
#[wasm_bindgen_test(unsupported = test)]
fn after_sync_hides_the_write_until_acknowledged() {
    let mut db = semi_sync_db();
    db.write(X, 2, ms(0), &mut rng());
    check(
        db.read_primary(X, SimTime::from_micros(499)),
        Some(1),
        false,
    );
    check(
        db.read_primary(X, SimTime::from_micros(500)),
        Some(2),
        false,
    );

    db.set_semi_sync(Some(SemiSync {
        wait_point: WaitPoint::AfterCommit,
        ..SemiSync::default()
    }));
    db.write(X, 3, ms(10), &mut rng());
    check(db.read_primary(X, ms(10)), Some(3), false);
}

/// B3.5: with the replica unreachable the first commit blocks for the 10 s timeout, commits
/// queued behind it wait for the rest, later ones don't block; semi-sync returns with the replica.
#[wasm_bindgen_test(unsupported = test)]
fn unreachable_replica_blocks_the_first_commit_10_s() {
    let mut db = semi_sync_db();
    let mut rng = rng();
    db.stop_replica(0, ms(0));
    assert_eq!(db.write(X, 2, ms(0), &mut rng), SimDuration::from_secs(10));
    check(db.read_primary(X, ms(5_000)), Some(1), false);
    assert_eq!(
        db.write(X, 3, ms(4_000), &mut rng),
        SimDuration::from_secs(6)
    );
    assert!(!db.semi_sync_active(ms(10_000)));
    assert_eq!(db.write(X, 4, ms(11_000), &mut rng), SimDuration::ZERO);
    check(db.read_primary(X, ms(11_000)), Some(4), false);
    db.start_replica(0, ms(20_000));
    assert_eq!(
        db.write(X, 5, ms(21_000), &mut rng),
        SemiSync::default().rtt
    );
    assert!(db.semi_sync_active(ms(21_000)));
}

/// No panics on bad input: unknown replicas, swapped uniform bounds.
#[wasm_bindgen_test(unsupported = test)]
fn bad_replica_indices_are_ignored() {
    let mut db = x_written_at_0();
    db.stop_replica(9, ms(1));
    db.start_replica(9, ms(1));
    db.set_source_delay(9, SimDuration::from_secs(1));
    check(db.read_replica(9, X, ms(1)), None, true);
    assert!(!db.is_running(9));
    assert_eq!(db.replica_count(), 1);
    let swapped = LagModel::Uniform {
        min: SimDuration::from_millis(9),
        max: SimDuration::from_millis(3),
    };
    let lag = swapped.draw(&mut rng()).as_micros();
    assert!((3_000..=9_000).contains(&lag));
}

#[wasm_bindgen_test(unsupported = test)]
fn write_burst_faster_than_the_applier_makes_the_lag_grow() {
    // B3 [est]: a single-threaded applier (1 ms per write) behind a burst of 100 writes at
    // t=0 applies the last one ~99 ms after the lag, not with it.
    let mut db = ReplicatedDb::new(&[LagModel::Fixed(SimDuration::from_millis(10))]);
    db.set_apply_cost(0, SimDuration::from_millis(1));
    let mut rng = rng();
    for key in 0..100 {
        db.write(key, 1, SimTime::ZERO, &mut rng);
    }
    check(db.read_replica(0, 0, ms(10)), Some(1), false);
    check(db.read_replica(0, 99, ms(100)), None, true);
    check(db.read_replica(0, 99, ms(109)), Some(1), false);
    assert_eq!(
        db.apply_delay(0, ms(109)),
        Some(SimDuration::from_millis(109))
    );
}
