//! What a run looks like over time: one [`Bucket`] per interval of simulated time (1 s by
//! default), the data behind the load charts: throughput and errors, latency percentiles,
//! requests per server, queue depth per service, replication lag and stale reads, requests
//! whose first SYN went unanswered (a VRRP failover gap, a dead host, a dropping firewall),
//! requests sent over each request link.
//!
//! A request's outcome, its latency and the server that answered it are counted in the bucket
//! of the moment the request was sent (a request that times out 90 s later still belongs to
//! the second it left in); queue depths and lags are sampled at the end of each bucket; the
//! other counters (SYNs resent, requests over links and into load balancers) are counted when
//! they happen.

use crate::stats::OutcomeCounts;
use crate::time::{SimDuration, SimTime};

const SUB: usize = 4;
const N: usize = 64 * SUB;

/// A coarse latency histogram (4 sub-buckets per power of two, about 19 % precision) small
/// enough to keep one per second of a long run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoarseHistogram {
    counts: Box<[u32; N]>,
    n: u64,
}

impl Default for CoarseHistogram {
    fn default() -> Self {
        CoarseHistogram {
            counts: Box::new([0; N]),
            n: 0,
        }
    }
}

fn index(us: u64) -> usize {
    if us < SUB as u64 {
        return us as usize;
    }
    let exp = 63 - us.leading_zeros() as usize; // >= 2
    let mantissa = ((us >> (exp - 2)) & 0b11) as usize;
    ((exp - 1) * SUB + mantissa).min(N - 1)
}

fn floor(idx: usize) -> u64 {
    if idx < SUB {
        return idx as u64;
    }
    let exp = idx / SUB + 1;
    ((SUB + idx % SUB) as u64) << (exp - 2)
}

impl CoarseHistogram {
    pub fn record(&mut self, latency: SimDuration) {
        let slot = &mut self.counts[index(latency.as_micros())];
        *slot = slot.saturating_add(1);
        self.n += 1;
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// Adds `other`'s samples to these.
    pub fn merge(&mut self, other: &CoarseHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine = mine.saturating_add(*theirs);
        }
        self.n += other.n;
    }

    /// The latency below which `q` (0–1) of the samples fall, to the histogram's precision.
    pub fn quantile(&self, q: f64) -> SimDuration {
        if self.n == 0 {
            return SimDuration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (idx, count) in self.counts.iter().enumerate() {
            seen += u64::from(*count);
            if seen >= rank {
                return SimDuration::from_micros(floor(idx));
            }
        }
        SimDuration::ZERO
    }
}

/// One interval of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub start: SimTime,
    /// Requests sent during the interval.
    pub sent: u64,
    /// Outcomes of the requests sent during the interval (filled in as they finish).
    pub outcomes: OutcomeCounts,
    /// Latency of the requests sent during the interval and served.
    pub latency: CoarseHistogram,
    /// Of the requests sent during the interval, those answered per service (indexed like
    /// [`Timeline::services`]).
    pub served_by: Vec<u64>,
    /// Requests waiting in each service's queue at the end of the interval.
    pub queue_depth: Vec<u32>,
    /// Each replica's apply delay at the end of the interval, in ms (`None`: not a replica,
    /// or its replication is stopped).
    pub replica_lag_ms: Vec<Option<u64>>,
    pub stale_reads: u64,
    /// Requests whose first SYN got no answer (a virtual IP nobody held during a VRRP failover,
    /// a dead host, a firewall `deny`), counted when that SYN arrived. The client resent it
    /// (B6a): such a request is served late if an answer came before its connect timeout.
    pub syn_resent: u64,
    /// Requests sent over each request link during the interval (indexed like
    /// [`Timeline::links`]), counted when they leave: HAProxy's connection to the server it
    /// picked opens, Nginx passes to the application server it picked, the application server
    /// queries the database it picked. Failed attempts (a refused or unanswered SYN) carry no
    /// request and are not counted.
    pub link_requests: Vec<u64>,
    /// Requests each load balancer took in during the interval, redirects included, retries
    /// not counted again (indexed like [`Timeline::services`]; zero for other services).
    pub balanced: Vec<u64>,
}

/// Buckets of equal width from time zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub width: SimDuration,
    /// Service ids, the index of the per-service vectors.
    pub services: Vec<String>,
    /// Request links as (from, to) service ids, in design order: the index of
    /// [`Bucket::link_requests`].
    pub links: Vec<(String, String)>,
    pub buckets: Vec<Bucket>,
}

impl Timeline {
    /// An empty timeline over `services` and request `links`.
    pub fn new(
        width: SimDuration,
        services: Vec<String>,
        links: Vec<(String, String)>,
    ) -> Timeline {
        let width = if width == SimDuration::ZERO {
            SimDuration::from_secs(1)
        } else {
            width
        };
        Timeline {
            width,
            services,
            links,
            buckets: Vec::new(),
        }
    }

    /// The bucket holding `at`, created (with any before it) if needed.
    #[inline(always)]
    pub fn bucket_mut(&mut self, at: SimTime) -> &mut Bucket {
        // Most calls are for the newest bucket: that costs one comparison, no division (a time
        // before its start wraps round to a huge offset).
        let width = self.width.as_micros();
        let newest = match self.buckets.last() {
            Some(last) => at.as_micros().wrapping_sub(last.start.as_micros()) < width,
            None => false,
        };
        if newest {
            let buckets: &mut [Bucket] = &mut self.buckets;
            return &mut buckets[buckets.len() - 1];
        }
        self.other_bucket(at)
    }

    /// [`Timeline::bucket_mut`] for a time outside the newest bucket: an older bucket, or a
    /// new one made for it (with any before it).
    #[inline(never)]
    fn other_bucket(&mut self, at: SimTime) -> &mut Bucket {
        let idx = self.make_bucket(at);
        &mut self.buckets[idx]
    }

    /// The index of the bucket holding `at`, created (with any before it) if needed.
    fn make_bucket(&mut self, at: SimTime) -> usize {
        let idx = (at.as_micros() / self.width.as_micros()) as usize;
        while self.buckets.len() <= idx {
            let start = SimTime::ZERO + self.width.times(self.buckets.len() as u64);
            let n = self.services.len();
            let links = self.links.len();
            self.buckets.push(Bucket {
                start,
                sent: 0,
                outcomes: OutcomeCounts::default(),
                latency: CoarseHistogram::default(),
                served_by: vec![0; n],
                queue_depth: vec![0; n],
                replica_lag_ms: vec![None; n],
                stale_reads: 0,
                syn_resent: 0,
                link_requests: vec![0; links],
                balanced: vec![0; n],
            });
        }
        idx
    }

    /// The index of a service id in the per-service vectors.
    pub fn service_index(&self, id: &str) -> Option<usize> {
        self.services.iter().position(|s| s == id)
    }

    /// The index of a request link in [`Bucket::link_requests`].
    pub fn link_index(&self, from: &str, to: &str) -> Option<usize> {
        self.links.iter().position(|(f, t)| f == from && t == to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_quantiles_are_within_a_fifth() {
        let mut h = CoarseHistogram::default();
        for ms in 1..=100 {
            h.record(SimDuration::from_millis(ms));
        }
        let p50 = h.quantile(0.5).as_millis_f64();
        let p99 = h.quantile(0.99).as_millis_f64();
        assert!((40.0..=50.0).contains(&p50), "{p50}");
        assert!((80.0..=99.0).contains(&p99), "{p99}");
        for us in [0, 1, 3, 4, 5, 100, 1 << 30] {
            assert!(floor(index(us)) <= us, "{us}");
        }
    }

    #[test]
    fn buckets_are_created_up_to_the_time_asked() {
        let mut timeline = Timeline::new(
            SimDuration::from_secs(1),
            vec!["a".into()],
            vec![("a".into(), "a".into())],
        );
        timeline.bucket_mut(SimTime::from_millis(2_500)).sent += 1;
        assert_eq!(timeline.buckets.len(), 3);
        assert_eq!(timeline.buckets[2].start, SimTime::from_secs(2));
        assert_eq!(timeline.buckets[2].sent, 1);
        assert_eq!(timeline.buckets[0].served_by, [0]);
        assert_eq!(timeline.buckets[0].link_requests, [0]);
    }
}
