//! Counters a run accumulates: outcomes, latencies (a log-linear histogram, no allocation per
//! sample), stale reads and requests per service.

use serde::Serialize;

use crate::time::SimDuration;
use crate::trace::{Outcome, RequestKind};

const SUB_BUCKETS: usize = 16;
const N_BUCKETS: usize = 64 * SUB_BUCKETS;

/// Latencies in microseconds with about 6 % relative precision (16 sub-buckets per power of
/// two), in a fixed array: recording never allocates.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    counts: Box<[u64; N_BUCKETS]>,
    n: u64,
    sum_us: u128,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: Box::new([0; N_BUCKETS]),
            n: 0,
            sum_us: 0,
            max_us: 0,
        }
    }
}

fn bucket(us: u64) -> usize {
    if us < SUB_BUCKETS as u64 {
        return us as usize;
    }
    let exp = 63 - us.leading_zeros() as usize; // >= 4
    let mantissa = ((us >> (exp - 4)) & 0xF) as usize;
    (exp - 3) * SUB_BUCKETS + mantissa
}

fn bucket_floor(idx: usize) -> u64 {
    if idx < SUB_BUCKETS {
        return idx as u64;
    }
    let exp = idx / SUB_BUCKETS + 3;
    let mantissa = (idx % SUB_BUCKETS) as u64;
    (SUB_BUCKETS as u64 + mantissa) << (exp - 4)
}

impl Histogram {
    pub fn record(&mut self, latency: SimDuration) {
        let us = latency.as_micros();
        self.counts[bucket(us).min(N_BUCKETS - 1)] += 1;
        self.n += 1;
        self.sum_us += u128::from(us);
        self.max_us = self.max_us.max(us);
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> SimDuration {
        if self.n == 0 {
            return SimDuration::ZERO;
        }
        SimDuration::from_micros((self.sum_us / u128::from(self.n)) as u64)
    }

    pub fn max(&self) -> SimDuration {
        SimDuration::from_micros(self.max_us)
    }

    /// The latency below which `q` (0–1) of the samples fall, to the histogram's precision.
    pub fn quantile(&self, q: f64) -> SimDuration {
        if self.n == 0 {
            return SimDuration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (idx, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let floor = bucket_floor(idx);
                return SimDuration::from_micros(floor.min(self.max_us));
            }
        }
        self.max()
    }
}

/// Outcome counters for one request kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    pub served: u64,
    pub dropped: u64,
    pub refused: u64,
    pub timed_out: u64,
    pub no_server: u64,
    pub failed: u64,
}

impl OutcomeCounts {
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Served { .. } => self.served += 1,
            Outcome::Dropped { .. } => self.dropped += 1,
            Outcome::Refused { .. } => self.refused += 1,
            Outcome::TimedOut { .. } => self.timed_out += 1,
            Outcome::NoServer { .. } => self.no_server += 1,
            Outcome::Failed { .. } => self.failed += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.served + self.dropped + self.refused + self.timed_out + self.no_server + self.failed
    }
}

/// Everything a run has counted so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub sent: u64,
    /// Finished requests by kind: static, read, write.
    pub by_kind: [OutcomeCounts; 3],
    /// Latency of served requests.
    pub latency: Histogram,
    pub stale_reads: u64,
    pub fresh_replica_reads: u64,
    pub redirects: u64,
    /// Requests whose first SYN got no answer, so the client resent it (B6a).
    pub syn_resent: u64,
    /// Of those, the ones served in the end (late, after one or more resends).
    pub served_after_resend: u64,
}

impl Stats {
    pub fn kind_index(kind: RequestKind) -> usize {
        match kind {
            RequestKind::Static => 0,
            RequestKind::Read => 1,
            RequestKind::Write => 2,
        }
    }

    /// All finished requests, every kind together.
    pub fn outcomes(&self) -> OutcomeCounts {
        let mut all = OutcomeCounts::default();
        for counts in &self.by_kind {
            all.served += counts.served;
            all.dropped += counts.dropped;
            all.refused += counts.refused;
            all.timed_out += counts.timed_out;
            all.no_server += counts.no_server;
            all.failed += counts.failed;
        }
        all
    }

    pub fn finished(&self) -> u64 {
        self.outcomes().total()
    }

    pub fn in_flight(&self) -> u64 {
        self.sent - self.finished()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_floors_round_trip() {
        let mut last = 0;
        for us in [0, 1, 15, 16, 17, 31, 32, 100, 1_000, 65_535, 1 << 40] {
            let b = bucket(us);
            assert!(b >= last, "{us}");
            last = b;
            assert!(bucket_floor(b) <= us, "{us}");
            assert_eq!(bucket(bucket_floor(b)), b, "{us}");
        }
    }

    #[test]
    fn quantiles_within_precision() {
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.record(SimDuration::from_millis(ms));
        }
        let p50 = h.quantile(0.5).as_millis_f64();
        let p99 = h.quantile(0.99).as_millis_f64();
        assert!((47.0..=50.0).contains(&p50), "{p50}");
        assert!((93.0..=99.0).contains(&p99), "{p99}");
        assert_eq!(h.max(), SimDuration::from_millis(100));
        assert_eq!(h.count(), 100);
    }
}
