//! Work that runs on its own clock: health checks, timeline sampling and agent reports.

use crate::health::{CheckResult, Transition};
use crate::time::{SimDuration, SimTime};
use crate::topology::Verdict;

use super::{Ev, MetricsReport, Output, Simulation};

impl Simulation {
    /// One HAProxy health check of one server, as the engine sees the server's state now.
    pub(super) fn health_check(&mut self, lb: usize, slot: usize) {
        let link = self.model.lbs[lb].servers[slot];
        let target = self.model.links[link].to;
        let lb_host = self.model.svcs[self.model.lbs[lb].svc].host;
        let to_host = self.model.svcs[target].host;
        let result = if !self.host_up[to_host] || self.is_cut(lb_host, to_host) {
            CheckResult::Hung
        } else {
            let decision = self.link_fw.as_slice()[link];
            if !decision.passes() {
                if decision.verdict == Verdict::Reject {
                    CheckResult::Refused
                } else {
                    CheckResult::Hung
                }
            } else if !self.svc_up[target] {
                CheckResult::Refused
            } else {
                CheckResult::Passed
            }
        };
        let lb_alive = self.host_up[lb_host];
        let Some(checker) = self.lbs[lb].checkers.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        let next = if lb_alive {
            let (completed, transition) = checker.run_check(result);
            let passed = result == CheckResult::Passed;
            if let Some(news) = checker.latest_news(passed) {
                let failure = match result {
                    CheckResult::Passed => String::new(),
                    CheckResult::Refused => "connection refused (Layer4 connection problem)".into(),
                    CheckResult::Hung => format!(
                        "no answer within {} (Layer4 timeout)",
                        checker.timing().hung_timeout()
                    ),
                };
                let model = &self.model;
                self.outputs.push_back(Output::Check {
                    lb: model.svc_id(model.lbs[lb].svc).to_owned(),
                    server: model.svc_id(target).to_owned(),
                    at: completed,
                    passed,
                    what: news.describe(&failure),
                });
            }
            if let Some(transition) = transition {
                let up = matches!(transition, Transition::WentUp);
                self.queue.push(
                    completed,
                    Ev::Mark {
                        lb: lb as u16,
                        slot: slot as u16,
                        up,
                    },
                );
            }
            checker.next_check_at()
        } else {
            // A dead load balancer checks nothing; its loop keeps its rhythm for its return.
            checker.skip_check()
        };
        self.queue.push(
            next.max(self.now),
            Ev::Check {
                lb: lb as u16,
                slot: slot as u16,
            },
        );
    }

    pub(super) fn mark(&mut self, lb: usize, slot: usize, up: bool) {
        if self.lbs[lb].available[slot] == up {
            return;
        }
        self.lbs[lb].available[slot] = up;
        let model = &self.model;
        let server = model
            .svc_id(model.links[model.lbs[lb].servers[slot]].to)
            .to_owned();
        let lb_id = model.svc_id(model.lbs[lb].svc).to_owned();
        let hc = model.lbs[lb].health_check;
        let reason = if up {
            format!(
                "{server} passed {} checks in a row (rise {})",
                hc.rise, hc.rise
            )
        } else {
            format!(
                "{server} failed {} checks in a row (fall {}, inter {} ms)",
                hc.fall, hc.fall, hc.inter_ms
            )
        };
        self.outputs.push_back(Output::ServerState {
            lb: lb_id,
            server,
            up,
            at: self.now,
            reason,
        });
    }

    /// Closes a timeline bucket: queue depths and replica lags as they are now.
    pub(super) fn sample(&mut self) {
        let now = self.now;
        self.queue.push(now + self.timeline.width, Ev::Sample);
        // The bucket that just ended is the one holding the instant before now.
        let Some(last) = now.as_micros().checked_sub(1) else {
            return;
        };
        let depths: Vec<u32> = self.pools.iter().map(|p| p.queue.len() as u32).collect();
        let lags: Vec<Option<u64>> = (0..self.model.svcs.len())
            .map(|s| match self.model.db_of_svc[s] {
                Some((group, Some(r))) if self.dbs[group].is_running(r) => self.dbs[group]
                    .apply_delay(r, now)
                    .map(|d| d.as_micros() / 1000),
                _ => None,
            })
            .collect();
        let bucket = self.timeline.bucket_mut(SimTime::from_micros(last));
        bucket.queue_depth = depths;
        bucket.replica_lag_ms = lags;
    }

    pub(super) fn agent_report(&mut self, host: usize) {
        let Some(interval) = self.model.hosts[host].agent_interval else {
            return;
        };
        self.queue
            .push(self.now + interval, Ev::Report { host: host as u32 });
        let counters = std::mem::take(&mut self.host_counters[host]);
        if !self.host_up[host] {
            // A dead host reports nothing; the collector sees a gap.
            return;
        }
        let services = &self.model.hosts[host].services;
        let queue_depth = services
            .iter()
            .map(|&s| self.pools[s].queue.len() as u64)
            .sum();
        let replication_lag_s = services
            .iter()
            .find_map(|&s| match self.model.db_of_svc[s] {
                Some((group, Some(r))) => self.dbs[group].seconds_behind_source(r, self.now),
                _ => None,
            });
        let mean = counters.time_us.checked_div(counters.requests).unwrap_or(0);
        let report = MetricsReport {
            host: self.model.host_id(host).to_owned(),
            at: self.now,
            requests: counters.requests,
            errors: counters.errors,
            mean_latency: SimDuration::from_micros(mean),
            queue_depth,
            replication_lag_s,
        };
        self.reports.push(report.clone());
        self.outputs.push_back(Output::Metrics(report));
    }
}
