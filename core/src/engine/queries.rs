//! What the UI and the analysis ask a running simulation: its clock, counters, traces, timeline,
//! and the state of hosts, services, links, load balancers and virtual IPs.

use crate::stats::Stats;
use crate::time::SimTime;
use crate::timeline::Timeline;
use crate::trace::{RequestId, Trace};
use crate::vrrp::{MemberState, next_run_after};

use super::{BackendState, MetricsReport, Simulation};

impl Simulation {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The name visitors ask DNS for, `www.<domain>` of the design's zone.
    pub fn site(&self) -> &str {
        &self.model.site
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Requests each load balancer (HAProxy service id) took in, in design order: where the
    /// traffic went in an active-active or active-passive pair.
    pub fn balanced_by(&self) -> Vec<(String, u64)> {
        self.model
            .lbs
            .iter()
            .map(|lb| {
                let n = self
                    .timeline
                    .buckets
                    .iter()
                    .filter_map(|b| b.balanced.get(lb.svc))
                    .sum();
                (self.model.svc_id(lb.svc).to_owned(), n)
            })
            .collect()
    }

    /// Served requests per web server id (only those that served any), in design order.
    pub fn served_by(&self) -> Vec<(String, u64)> {
        self.model
            .svcs
            .iter()
            .zip(&self.served_by)
            .filter(|(_, n)| **n > 0)
            .map(|(svc, n)| (svc.id.clone(), *n))
            .collect()
    }

    /// Finished traces, in the order they finished.
    pub fn traces(&self) -> &[Trace] {
        &self.traces
    }

    /// The trace of a traced request, finished or not.
    pub fn trace(&self, id: RequestId) -> Option<&Trace> {
        if let Some(done) = self.traces.iter().find(|t| t.id == id) {
            return Some(done);
        }
        self.tracing
            .iter()
            .flatten()
            .map(|t| &t.trace)
            .find(|t| t.id == id)
    }

    /// The run over time, one bucket per [`Config::bucket`].
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Every agent report the collector has received.
    pub fn reports(&self) -> &[MetricsReport] {
        &self.reports
    }

    /// Whether HAProxy `lb` currently counts `server` (a service id) as available.
    pub fn server_available(&self, lb: &str, server: &str) -> Option<bool> {
        let lb_idx = self
            .model
            .lbs
            .iter()
            .position(|l| self.model.svc_id(l.svc) == lb)?;
        let slot = self.model.lbs[lb_idx]
            .servers
            .iter()
            .position(|&l| self.model.svc_id(self.model.links[l].to) == server)?;
        Some(self.lbs[lb_idx].available[slot])
    }

    /// Every HAProxy `server` line with what the load balancer believes about it now.
    pub fn backends(&self) -> Vec<BackendState> {
        let mut out = Vec::new();
        for (lb_idx, lb) in self.model.lbs.iter().enumerate() {
            let state = &self.lbs[lb_idx];
            // Asked of a copy: the query changes nothing.
            let next = state
                .balancer
                .clone()
                .pick(&state.available)
                .map(|p| p.server);
            for (slot, &link) in lb.servers.iter().enumerate() {
                let target = self.model.links[link].to;
                out.push(BackendState {
                    lb: self.model.svc_id(lb.svc).to_owned(),
                    server: self.model.svc_id(target).to_owned(),
                    available: self.lbs[lb_idx].available[slot],
                    checked: self.lbs[lb_idx].checkers[slot].is_some(),
                    served: self.served_by[target],
                    last_pick: self.lbs[lb_idx].last_pick == Some(slot as u32),
                    next_pick: next == Some(slot),
                    checks: self.lbs[lb_idx].checkers[slot]
                        .as_ref()
                        .map_or(crate::health::CheckProgress::Steady, |c| {
                            c.progress_at(self.now)
                        }),
                });
            }
        }
        out
    }

    /// Whether a host is up (not crashed by an input).
    pub fn host_is_up(&self, host: &str) -> Option<bool> {
        self.host_index(host).ok().map(|h| self.host_up[h])
    }

    /// Whether a host is down because it was shut down cleanly (`Input::HostStop`), not
    /// crashed; `None` for an unknown host.
    pub fn host_stopped_cleanly(&self, host: &str) -> Option<bool> {
        self.host_index(host).ok().map(|h| self.host_stopped[h])
    }

    /// Whether a service is running (not stopped by an input).
    pub fn service_is_up(&self, service: &str) -> Option<bool> {
        self.svc_index(service).ok().map(|s| self.svc_up[s])
    }

    /// Every request link (from, to service ids) that is cut now, in (from, to) order, each
    /// once. A cut is between two hosts (`Input::CutLink` names one of their links), so every
    /// link between them is cut. A sorted list with the shared sort, not a set: a set of pairs
    /// put its own code into the WebAssembly.
    pub fn cut_links(&self) -> Vec<(String, String)> {
        let mut cut: Vec<(String, String)> = self
            .model
            .links
            .iter()
            .filter(|l| self.is_cut(self.model.svcs[l.from].host, self.model.svcs[l.to].host))
            .map(|l| {
                let id = |svc: usize| self.model.svc_id(svc).to_owned();
                (id(l.from), id(l.to))
            })
            .collect();
        crate::sort::sort_unique(&mut cut);
        cut
    }

    /// The host holding virtual IP `vip` now, if any.
    pub fn vip_holder(&self, vip: &str) -> Option<String> {
        let idx = self.model.vips.iter().position(|v| v.id == vip)?;
        let member = self.vrrp[idx].master()?;
        Some(
            self.model
                .host_id(self.model.vips[idx].members[member])
                .to_owned(),
        )
    }

    /// When keepalived on `host` runs its track script next after `after` (it runs every
    /// interval whatever the result; the engine only wakes for runs that can change
    /// something). None for hosts without one, or while the host is down.
    pub fn next_track_script_run(&self, host: &str, after: SimTime) -> Option<SimTime> {
        let h = self.host_index(host).ok()?;
        let run = self.scripts[h].as_ref().filter(|_| self.host_up[h])?;
        Some(next_run_after(
            run.origin,
            run.script.spec().interval(),
            after,
        ))
    }

    /// keepalived's state on `host` for virtual IP `vip` (MASTER, BACKUP, FAULT or DOWN).
    pub fn keepalived_state(&self, vip: &str, host: &str) -> Option<MemberState> {
        let idx = self.model.vips.iter().position(|v| v.id == vip)?;
        let h = self.host_index(host).ok()?;
        let member = self.model.vips[idx].members.iter().position(|&m| m == h)?;
        self.vrrp[idx].state(member)
    }
}
