//! MySQL replication (domain rules B3): one primary and N replicas of a key-value table, what
//! each one returns to a read at a given instant, and how far behind each replica is.
//!
//! This module owns the data and the replication timeline of one [`ReplicatedDb`]. The model:
//! * A write commits on the primary at once (async, the default, B3.1) and is queued on every
//!   replica with an apply time of `max(previous apply time, commit + lag)`, where `lag` is drawn
//!   from that replica's [`LagModel`] with the caller's RNG (SOURCE_DELAY, B3.6, raises `lag`
//!   to at least the delay). The max keeps the source commit order (B3.1): a write is never
//!   applied before an earlier one, whatever lags were drawn.
//! * A replica read at `now` sees a write iff `now >=` its apply time (B3.2).
//! * A stopped replica (STOP REPLICA: I/O and SQL threads) applies nothing and acknowledges
//!   nothing; its backlog is applied in order after START REPLICA, each write at
//!   `max(previous, restart + its lag, commit + SOURCE_DELAY)`.
//! * Optional semi-sync (B3.4/B3.5, [`SemiSync`]): a commit waits one round trip for the
//!   acknowledgements of `wait_for_replica_count` running replicas, or for the timeout, after
//!   which the source runs async until enough replicas are running again.
//!
//! Calls are expected in time order (the engine's clock never goes back). Per-write bookkeeping
//! lives in per-replica queues that are pruned as writes are applied, on every write and every
//! read of that replica, so memory is bounded by the number of keys plus the writes in flight.
//! Reads never allocate.

use std::collections::VecDeque;

use super::time::{SimDuration, SimTime};

const MICROS_PER_SEC: u64 = 1_000_000;

/// How long a replica takes to apply a write after the primary committed it (network, relay
/// log and applier together). Drawn once per write and replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LagModel {
    /// Always this delay, e.g. the design's `lag_ms`.
    Fixed(SimDuration),
    /// Uniform between `min` and `max`, inclusive, to the microsecond. Swapped bounds are
    /// accepted as if given in order.
    Uniform {
        /// The shortest delay.
        min: SimDuration,
        /// The longest delay.
        max: SimDuration,
    },
}

impl LagModel {
    /// One delay from this model, using the caller's RNG (a `Fixed` model draws nothing).
    pub fn draw(&self, rng: &mut impl rand::Rng) -> SimDuration {
        match *self {
            LagModel::Fixed(lag) => lag,
            LagModel::Uniform { min, max } => {
                let (lo, hi) = if min <= max { (min, max) } else { (max, min) };
                SimDuration::from_micros(rng.random_range(lo.as_micros()..=hi.as_micros()))
            }
        }
    }
}

/// Where a semi-sync source waits for the acknowledgement (`rpl_semi_sync_source_wait_point`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WaitPoint {
    /// The default: before the engine commit, so no session sees the write before it is
    /// acknowledged (a primary read during the wait returns the previous value).
    #[default]
    AfterSync,
    /// After the engine commit: other sessions see the write at once; only the client waits.
    AfterCommit,
}

/// Semi-synchronous replication settings (B3.4/B3.5); off unless set with
/// [`ReplicatedDb::set_semi_sync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemiSync {
    /// `rpl_semi_sync_source_wait_for_replica_count`: acknowledgements a commit waits for
    /// (default 1; 0 counts as 1).
    pub wait_for_replica_count: usize,
    /// `rpl_semi_sync_source_timeout` (default 10 s): after it, the source falls back to async.
    pub timeout: SimDuration,
    /// Primary↔replica round trip: a replica acknowledges once the event is in its relay log,
    /// so this is the wait of an acknowledged commit (default 0.5 ms, a LAN round trip).
    pub rtt: SimDuration,
    /// `rpl_semi_sync_source_wait_point` (default AFTER_SYNC).
    pub wait_point: WaitPoint,
}

impl Default for SemiSync {
    fn default() -> Self {
        SemiSync {
            wait_for_replica_count: 1,
            timeout: SimDuration::from_secs(10),
            rtt: SimDuration::from_micros(500),
            wait_point: WaitPoint::AfterSync,
        }
    }
}

/// What a read returned, with what the trace needs to explain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read {
    /// The value this server has for the key; None if it never had one.
    pub value: Option<u64>,
    /// The primary has a newer committed value than the one returned.
    pub stale: bool,
    /// Commit time of the newest primary write of this key (None: never written, or only
    /// [`ReplicatedDb::load`]ed).
    pub written_at: Option<SimTime>,
    /// The replica's current apply delay, for the trace: how long after its commit the latest
    /// write reaching this replica is (or was) applied; while the replica is stopped, how long
    /// its oldest waiting write has waited. Zero for primary reads and before any write.
    pub lag: SimDuration,
}

/// One committed version of a row on the primary.
#[derive(Clone, Copy, Debug)]
struct Version {
    value: u64,
    seq: u64,
    /// When other sessions can see it; None for loaded rows (always visible).
    committed_at: Option<SimTime>,
}

impl Version {
    fn visible_at(&self, now: SimTime) -> bool {
        self.committed_at.is_none_or(|at| at <= now)
    }
}

/// A row on the primary: its newest version, and the one before for reads made while the
/// newest waits for a semi-sync acknowledgement (AFTER_SYNC).
#[derive(Clone, Copy, Debug)]
struct Row {
    newest: Version,
    before: Option<Version>,
}

impl Row {
    fn at(&self, now: SimTime) -> Option<Version> {
        if self.newest.visible_at(now) {
            Some(self.newest)
        } else {
            self.before
        }
    }
}

/// Keys below this are kept in a vector indexed by the key (a load run's keys are small);
/// larger ones in a vector sorted by key.
const DENSE_KEYS: u64 = 4096;

/// Rows by key, looked up (never iterated): a read is an index, not a tree search.
#[derive(Clone, Debug)]
struct Keyed<V> {
    dense: Vec<Option<V>>,
    sparse: Vec<(u64, V)>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed {
            dense: Vec::new(),
            sparse: Vec::new(),
        }
    }
}

impl<V> Keyed<V> {
    #[inline(always)]
    fn get(&self, key: u64) -> Option<&V> {
        if key < DENSE_KEYS {
            self.dense.get(key as usize)?.as_ref()
        } else {
            let index = self.sparse.binary_search_by_key(&key, |e| e.0).ok()?;
            self.sparse.get(index).map(|e| &e.1)
        }
    }

    #[inline(always)]
    fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        if key < DENSE_KEYS {
            self.dense.get_mut(key as usize)?.as_mut()
        } else {
            let index = self.sparse.binary_search_by_key(&key, |e| e.0).ok()?;
            self.sparse.get_mut(index).map(|e| &mut e.1)
        }
    }

    /// The row of `key`, inserting `value` first if there is none.
    fn get_or_insert(&mut self, key: u64, value: V) -> &mut V {
        if key < DENSE_KEYS {
            let index = key as usize;
            if self.dense.len() <= index {
                self.dense.resize_with(index + 1, || None);
            }
            self.dense[index].get_or_insert(value)
        } else {
            let index = match self.sparse.binary_search_by_key(&key, |e| e.0) {
                Ok(index) => index,
                Err(index) => {
                    self.sparse.insert(index, (key, value));
                    index
                }
            };
            &mut self.sparse[index].1
        }
    }
}

impl<V: Copy> Keyed<V> {
    fn insert(&mut self, key: u64, value: V) {
        *self.get_or_insert(key, value) = value;
    }
}

/// One write on its way to a replica.
#[derive(Clone, Copy, Debug)]
struct Event {
    key: u64,
    value: u64,
    seq: u64,
    /// The binlog timestamp, what Seconds_Behind_Source measures from.
    committed_at: SimTime,
    /// The delay drawn for this replica.
    lag: SimDuration,
    /// When it is applied; meaningless while the replica is stopped.
    apply_at: SimTime,
}

#[derive(Clone, Debug)]
struct Replica {
    lag: LagModel,
    source_delay: SimDuration,
    /// Time the single-threaded applier spends on one write: under a burst, writes wait for
    /// each other and the lag grows.
    apply_cost: SimDuration,
    running: bool,
    /// key → (value, seq) as applied.
    rows: Keyed<(u64, u64)>,
    /// Writes not yet applied, in source commit order; their `apply_at` never decreases.
    queue: VecDeque<Event>,
    /// Apply time of the last write scheduled (or applied, after a stop).
    last_apply: SimTime,
    /// `apply_at - committed_at` of the last write scheduled.
    last_delay: SimDuration,
}

impl Replica {
    /// Applies every queued write due at `now`. Nothing is applied while stopped.
    fn apply_until(&mut self, now: SimTime) {
        if !self.running {
            return;
        }
        while let Some(event) = self.queue.front().copied() {
            if event.apply_at > now {
                break;
            }
            self.queue.pop_front();
            let slot = self.rows.get_or_insert(event.key, (event.value, 0));
            // A row loaded after this write was queued is newer: keep it.
            if event.seq > slot.1 {
                *slot = (event.value, event.seq);
            }
        }
    }

    fn current_lag(&self, now: SimTime) -> SimDuration {
        if self.running {
            self.last_delay
        } else {
            self.queue
                .front()
                .map_or(SimDuration::ZERO, |e| now - e.committed_at)
        }
    }
}

/// One primary and N replicas of a table of u64 keys and values, replicating asynchronously
/// (or semi-synchronously, see [`SemiSync`]).
#[derive(Clone, Debug)]
pub struct ReplicatedDb {
    primary: Keyed<Row>,
    replicas: Vec<Replica>,
    seq: u64,
    semi_sync: Option<SemiSync>,
    /// While semi-sync is configured: when the source gave up (or will give up) waiting and
    /// switched to async; None while it runs semi-sync.
    semi_sync_off_at: Option<SimTime>,
}

impl ReplicatedDb {
    /// A primary with one replica per lag model, all running, async, no SOURCE_DELAY, empty.
    pub fn new(replica_lags: &[LagModel]) -> ReplicatedDb {
        ReplicatedDb {
            primary: Keyed::default(),
            replicas: replica_lags
                .iter()
                .map(|&lag| Replica {
                    lag,
                    source_delay: SimDuration::ZERO,
                    apply_cost: SimDuration::ZERO,
                    running: true,
                    rows: Keyed::default(),
                    queue: VecDeque::new(),
                    last_apply: SimTime::ZERO,
                    last_delay: SimDuration::ZERO,
                })
                .collect(),
            seq: 0,
            semi_sync: None,
            semi_sync_off_at: None,
        }
    }

    /// How many replicas there are.
    pub fn replica_count(&self) -> usize {
        self.replicas.len()
    }

    /// Puts a row on the primary and every replica at once, as if restored from the same dump
    /// before replication started: no replica is behind on it and it has no commit time.
    pub fn load(&mut self, key: u64, value: u64) {
        self.seq += 1;
        let version = Version {
            value,
            seq: self.seq,
            committed_at: None,
        };
        self.primary.insert(
            key,
            Row {
                newest: version,
                before: None,
            },
        );
        for replica in &mut self.replicas {
            replica.rows.insert(key, (value, self.seq));
        }
    }

    /// Turns semi-sync on with these settings, or off with None (B3.4; off by default).
    pub fn set_semi_sync(&mut self, semi_sync: Option<SemiSync>) {
        self.semi_sync = semi_sync;
        self.semi_sync_off_at = None;
    }

    /// Whether the source runs semi-sync at `now` (`Rpl_semi_sync_source_status`): configured
    /// and not fallen back to async.
    pub fn semi_sync_active(&self, now: SimTime) -> bool {
        self.semi_sync.is_some() && self.semi_sync_off_at.is_none_or(|off| off > now)
    }

    /// `SOURCE_DELAY` for this replica (B3.6, default 0): writes committed from now on are
    /// applied no sooner than this long after their commit. Unknown replicas are ignored.
    pub fn set_source_delay(&mut self, replica: usize, delay: SimDuration) {
        if let Some(r) = self.replicas.get_mut(replica) {
            r.source_delay = delay;
        }
    }

    /// How long this replica's (single-threaded) applier takes per write, default zero: each
    /// write is applied no sooner than this after the one before it, so a burst of writes
    /// faster than the applier makes the lag grow. Unknown replicas are ignored.
    pub fn set_apply_cost(&mut self, replica: usize, cost: SimDuration) {
        if let Some(r) = self.replicas.get_mut(replica) {
            r.apply_cost = cost;
        }
    }

    /// The current apply delay of a replica: how far behind its newest scheduled write is
    /// applied (what a lag chart shows); `None` for an unknown replica.
    pub fn apply_delay(&self, replica: usize, now: SimTime) -> Option<SimDuration> {
        self.replicas.get(replica).map(|r| r.current_lag(now))
    }

    /// Commits on the primary at `now` (async: returns at once, B3.1). Each replica applies it
    /// at max(its previous apply time, now + drawn lag) — in source commit order.
    ///
    /// Returns the commit latency the client sees: zero in async; with semi-sync, one round
    /// trip when enough replicas are running to acknowledge, else the wait until the source
    /// gives up (the timeout for the first such commit, the rest of it for the ones that queue
    /// behind it, zero once it has fallen back to async, B3.5). With AFTER_SYNC the write
    /// becomes visible on the primary only when the commit returns. Lags are drawn from `rng`
    /// once per replica, in replica order, running or not.
    pub fn write(
        &mut self,
        key: u64,
        value: u64,
        now: SimTime,
        rng: &mut impl rand::Rng,
    ) -> SimDuration {
        let latency = self.commit_latency(now);
        self.seq += 1;
        let visible_at = match self.semi_sync.map(|s| s.wait_point) {
            Some(WaitPoint::AfterSync) => now + latency,
            _ => now,
        };
        let newest = Version {
            value,
            seq: self.seq,
            committed_at: Some(visible_at),
        };
        match self.primary.get_mut(key) {
            Some(row) => {
                // Keep the version a reader sees until the new one is visible.
                row.before = row.at(now).or(row.before);
                row.newest = newest;
            }
            None => {
                self.primary.insert(
                    key,
                    Row {
                        newest,
                        before: None,
                    },
                );
            }
        }
        for replica in &mut self.replicas {
            replica.apply_until(now);
            let mut event = Event {
                key,
                value,
                seq: self.seq,
                committed_at: now,
                lag: replica.lag.draw(rng),
                apply_at: now,
            };
            if replica.running {
                event.apply_at = apply_time(
                    replica.last_apply + replica.apply_cost,
                    now,
                    &event,
                    replica.source_delay,
                );
                replica.last_apply = event.apply_at;
                replica.last_delay = event.apply_at - now;
            }
            replica.queue.push_back(event);
        }
        latency
    }

    /// What the primary returns at `now`: always the newest committed value, never stale.
    pub fn read_primary(&self, key: u64, now: SimTime) -> Read {
        let version = self.primary.get(key).and_then(|row| row.at(now));
        Read {
            value: version.map(|v| v.value),
            stale: false,
            written_at: version.and_then(|v| v.committed_at),
            lag: SimDuration::ZERO,
        }
    }

    /// What this replica returns at `now`. B3.2: it sees a write iff now >= its applied time;
    /// `stale` when the primary's newest committed version of the key is not applied here yet.
    /// A stopped replica still answers, from what it had applied. An unknown replica answers
    /// like one that has applied nothing.
    pub fn read_replica(&mut self, replica: usize, key: u64, now: SimTime) -> Read {
        let primary = self.primary.get(key).and_then(|row| row.at(now));
        let written_at = primary.and_then(|v| v.committed_at);
        let primary_seq = primary.map_or(0, |v| v.seq);
        let Some(r) = self.replicas.get_mut(replica) else {
            return Read {
                value: None,
                stale: primary.is_some(),
                written_at,
                lag: SimDuration::ZERO,
            };
        };
        r.apply_until(now);
        let applied = r.rows.get(key).copied();
        Read {
            value: applied.map(|(value, _)| value),
            stale: primary_seq > applied.map_or(0, |(_, seq)| seq),
            written_at,
            lag: r.current_lag(now),
        }
    }

    /// Seconds_Behind_Source (B3.3): None (NULL) when the replica's threads are stopped (or the
    /// replica is unknown); 0 when idle; else now - commit time of the event being applied, in
    /// whole seconds. The event being applied is the oldest committed write not yet applied.
    pub fn seconds_behind_source(&self, replica: usize, now: SimTime) -> Option<u64> {
        let r = self.replicas.get(replica).filter(|r| r.running)?;
        let due = r.queue.partition_point(|e| e.apply_at <= now);
        let behind = r
            .queue
            .get(due)
            .filter(|e| e.committed_at <= now)
            .map_or(SimDuration::ZERO, |e| now - e.committed_at);
        Some(behind.as_micros() / MICROS_PER_SEC)
    }

    /// STOP REPLICA at `now`: writes applied by then stay applied; later writes queue up and
    /// nothing is applied (or acknowledged) until [`ReplicatedDb::start_replica`].
    pub fn stop_replica(&mut self, replica: usize, now: SimTime) {
        let Some(r) = self.replicas.get_mut(replica).filter(|r| r.running) else {
            return;
        };
        r.apply_until(now);
        r.running = false;
        // The next apply follows the last one actually made.
        r.last_apply = r.last_apply.min(now);
    }

    /// START REPLICA at `now`: applies the backlog in order from now on, each write at
    /// `max(previous, now + its lag, commit + SOURCE_DELAY)`.
    pub fn start_replica(&mut self, replica: usize, now: SimTime) {
        let Some(r) = self.replicas.get_mut(replica).filter(|r| !r.running) else {
            return;
        };
        r.running = true;
        let mut previous = r.last_apply;
        let mut delay = r.last_delay;
        let source_delay = r.source_delay;
        let cost = r.apply_cost;
        for event in &mut r.queue {
            event.apply_at = apply_time(previous + cost, now, event, source_delay);
            previous = event.apply_at;
            delay = event.apply_at - event.committed_at;
        }
        r.last_apply = previous;
        r.last_delay = delay;
    }

    /// Whether this replica is running (false for unknown ones).
    pub fn is_running(&self, replica: usize) -> bool {
        self.replicas.get(replica).is_some_and(|r| r.running)
    }

    /// Writes held in the replicas' queues, all replicas together: the per-write bookkeeping.
    /// It only holds writes not yet applied as of each replica's latest write or read.
    pub fn pending_len(&self) -> usize {
        self.replicas.iter().map(|r| r.queue.len()).sum()
    }

    /// The semi-sync wait of a commit starting at `now`, updating the fallback state (B3.5).
    fn commit_latency(&mut self, now: SimTime) -> SimDuration {
        let Some(semi_sync) = self.semi_sync else {
            return SimDuration::ZERO;
        };
        let running = self.replicas.iter().filter(|r| r.running).count();
        if running >= semi_sync.wait_for_replica_count.max(1) {
            // Enough replicas to acknowledge: semi-sync is (back) on.
            self.semi_sync_off_at = None;
            return semi_sync.rtt;
        }
        match self.semi_sync_off_at {
            None => {
                self.semi_sync_off_at = Some(now + semi_sync.timeout);
                semi_sync.timeout
            }
            Some(off) => off - now,
        }
    }
}

/// When a replica applies `event`, fetched at `fetched` (its commit, or the restart of a stopped
/// replica): after the previous write (source commit order, B3.1), after its lag, and no sooner
/// than SOURCE_DELAY after its commit (B3.6).
fn apply_time(
    previous: SimTime,
    fetched: SimTime,
    event: &Event,
    source_delay: SimDuration,
) -> SimTime {
    previous
        .max(fetched + event.lag)
        .max(event.committed_at + source_delay)
}
