//! A load run as the page shows it: the settings a user typed, checked, run through the core
//! at once, and kept as plain per-second series and a monitoring summary (UI-side and pure).

use crate::sim::engine::{Config, Input, Load, Mix, Simulation};
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::topology::{NodeKind, ServiceKind, Topology};

/// The most requests one run may send; larger runs are refused.
pub const MAX_REQUESTS: u64 = 200_000;
/// The longest run, in simulated seconds.
pub const MAX_SECONDS: f64 = 600.0;

/// What the load panel asks for. Numbers are as typed (not yet checked): see [`LoadSettings::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSettings {
    pub rps: f64,
    pub seconds: f64,
    pub static_pct: f64,
    pub read_pct: f64,
    pub write_pct: f64,
    pub https: bool,
    pub seed: f64,
    pub scenario: Vec<Step>,
}

impl Default for LoadSettings {
    fn default() -> Self {
        let mix = Mix::default();
        LoadSettings {
            rps: 200.0,
            seconds: 20.0,
            static_pct: f64::from(mix.static_pct),
            read_pct: f64::from(mix.read_pct),
            write_pct: f64::from(mix.write_pct),
            https: false,
            seed: 1.0,
            scenario: Vec::new(),
        }
    }
}

/// What checked settings run: the load, the seed and the timed inputs.
pub type Checked = (Load, u64, Vec<(SimTime, Input)>);

/// One scheduled failure or repair: at `at_s` seconds, take `host` down (or bring it up).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at_s: f64,
    pub host: String,
    pub up: bool,
}

/// One agent-carrying host as the collector saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostMetrics {
    pub host: String,
    /// How many reports arrived.
    pub reports: usize,
    pub requests: u64,
    pub errors: u64,
    /// The queue depth of the last report.
    pub queue_depth: u64,
    /// The replication lag of the last report, in seconds.
    pub lag_s: Option<u64>,
}

/// A finished load run, as plain values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadResult {
    /// The settings it ran with.
    pub settings: Option<LoadSettings>,
    /// Start of each bucket, in seconds.
    pub seconds: Vec<f64>,
    pub sent: Vec<f64>,
    pub served: Vec<f64>,
    /// Every outcome but served, per bucket.
    pub errors: Vec<f64>,
    /// Latency quantiles in milliseconds.
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
    pub p99: Vec<f64>,
    /// Requests served per web server, per bucket.
    pub backends: Vec<(String, Vec<f64>)>,
    /// Queue depth per service, for the services whose queue was ever non-empty.
    pub queues: Vec<(String, Vec<f64>)>,
    /// The largest replica lag, in milliseconds.
    pub lag_ms: Vec<f64>,
    pub stale_reads: Vec<f64>,
    pub vip_lost: Vec<f64>,
    pub total_sent: u64,
    pub total_served: u64,
    pub total_errors: u64,
    pub total_vip_lost: u64,
    pub monitoring: Vec<HostMetrics>,
    /// Hosts without a monitoring agent.
    pub blind_spots: Vec<String>,
}

fn whole_pct(name: &str, value: f64) -> Result<u32, String> {
    if value.is_finite() && (0.0..=100.0).contains(&value) && value.fract() == 0.0 {
        Ok(value as u32)
    } else {
        Err(format!("{name} must be a whole percentage from 0 to 100"))
    }
}

impl LoadSettings {
    /// The load and the timed inputs, or why the settings are refused.
    pub fn check(&self, topology: &Topology) -> Result<Checked, String> {
        if !self.rps.is_finite() || self.rps <= 0.0 {
            return Err("requests per second must be a number above 0".to_owned());
        }
        if !self.seconds.is_finite() || self.seconds <= 0.0 || self.seconds > MAX_SECONDS {
            return Err(format!(
                "the duration must be a number of seconds above 0 and at most {MAX_SECONDS}"
            ));
        }
        let count = (self.rps * self.seconds).round();
        if count > MAX_REQUESTS as f64 {
            return Err(format!(
                "{count} requests is too many: a run may send at most {MAX_REQUESTS}"
            ));
        }
        if count < 1.0 {
            return Err("the run would send no request".to_owned());
        }
        let mix = Mix {
            static_pct: whole_pct("static", self.static_pct)?,
            read_pct: whole_pct("read", self.read_pct)?,
            write_pct: whole_pct("write", self.write_pct)?,
        };
        if mix.static_pct + mix.read_pct + mix.write_pct == 0 {
            return Err("the mix needs at least one kind of request".to_owned());
        }
        if !self.seed.is_finite() || self.seed < 0.0 || self.seed.fract() != 0.0 || self.seed > 1e15
        {
            return Err("the seed must be a whole number from 0".to_owned());
        }
        let hosts = host_ids(topology);
        let mut inputs = Vec::new();
        for step in &self.scenario {
            if !step.at_s.is_finite() || step.at_s < 0.0 || step.at_s > MAX_SECONDS {
                return Err(format!(
                    "a scenario time must be from 0 to {MAX_SECONDS} seconds"
                ));
            }
            if !hosts.contains(&step.host) {
                return Err(format!("there is no host '{}' in this design", step.host));
            }
            let at = SimTime::from_micros((step.at_s * 1e6).round() as u64);
            let input = if step.up {
                Input::HostUp(step.host.clone())
            } else {
                Input::HostDown(step.host.clone())
            };
            inputs.push((at, input));
        }
        let load = Load {
            mix,
            https: self.https,
            ..Load::new(self.rps, count as u64)
        };
        Ok((load, self.seed as u64, inputs))
    }
}

/// The ids of the design's hosts, in order.
pub fn host_ids(topology: &Topology) -> Vec<String> {
    topology
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Host(_)))
        .map(|n| n.id.clone())
        .collect()
}

/// Runs the load on the design, all at once.
pub fn run(topology: &Topology, settings: &LoadSettings) -> Result<LoadResult, String> {
    let (load, seed, inputs) = settings.check(topology)?;
    let config = Config {
        seed,
        ..Config::default()
    };
    let mut sim = Simulation::new(topology, config).map_err(|e| e.to_string())?;
    sim.start_load(load);
    for (at, input) in inputs {
        sim.schedule(at, input).map_err(|e| e.to_string())?;
    }
    let end = SimTime::from_micros(((settings.seconds + 120.0) * 1e6) as u64);
    sim.run_until_quiet(end);
    // Let the agents send the report of the last interval.
    let flush = sim.now() + SimDuration::from_secs(61);
    sim.advance_to(flush);
    Ok(summarize(topology, &sim, settings))
}

fn summarize(topology: &Topology, sim: &Simulation, settings: &LoadSettings) -> LoadResult {
    let timeline = sim.timeline();
    // Only the buckets up to the last one that saw a request.
    let used = timeline
        .buckets
        .iter()
        .rposition(|b| b.sent > 0 || outcome_total(b) > 0)
        .map_or(0, |i| i + 1);
    let buckets = &timeline.buckets[..used];
    let series = |f: &dyn Fn(&crate::sim::timeline::Bucket) -> f64| -> Vec<f64> {
        buckets.iter().map(f).collect()
    };
    let ms = |q: f64| {
        series(&|b| {
            if b.latency.count() == 0 {
                0.0
            } else {
                b.latency.quantile(q).as_millis_f64()
            }
        })
    };
    let web: Vec<String> = topology
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Host(h) => Some(h),
            _ => None,
        })
        .flat_map(|h| &h.services)
        .filter(|s| matches!(s.kind, ServiceKind::WebServer(_)))
        .map(|s| s.id.clone())
        .collect();
    let backends = web
        .into_iter()
        .filter_map(|id| {
            let i = timeline.service_index(&id)?;
            let values = series(&|b| b.served_by.get(i).copied().unwrap_or(0) as f64);
            Some((id, values))
        })
        .collect();
    let queues = timeline
        .services
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let values = series(&|b| f64::from(b.queue_depth.get(i).copied().unwrap_or(0)));
            (id.clone(), values)
        })
        .filter(|(_, values)| values.iter().any(|&v| v > 0.0))
        .collect();
    let mut monitoring: Vec<HostMetrics> = Vec::new();
    for report in sim.reports() {
        let entry = match monitoring.iter().position(|m| m.host == report.host) {
            Some(i) => &mut monitoring[i],
            None => {
                monitoring.push(HostMetrics {
                    host: report.host.clone(),
                    reports: 0,
                    requests: 0,
                    errors: 0,
                    queue_depth: 0,
                    lag_s: None,
                });
                monitoring.last_mut().expect("just pushed")
            }
        };
        entry.reports += 1;
        entry.requests += report.requests;
        entry.errors += report.errors;
        entry.queue_depth = report.queue_depth;
        entry.lag_s = report.replication_lag_s;
    }
    monitoring.sort_by(|a, b| a.host.cmp(&b.host));
    let blind_spots = topology
        .nodes
        .iter()
        .filter(|n| matches!(&n.kind, NodeKind::Host(h) if h.agent.is_none()))
        .map(|n| n.id.clone())
        .collect();
    let served = series(&|b| b.outcomes.served as f64);
    let errors = series(&|b| (outcome_total(b) - b.outcomes.served) as f64);
    let vip_lost = series(&|b| b.vip_lost as f64);
    LoadResult {
        settings: Some(settings.clone()),
        seconds: series(&|b| b.start.as_micros() as f64 / 1e6),
        sent: series(&|b| b.sent as f64),
        total_sent: buckets.iter().map(|b| b.sent).sum(),
        total_served: served.iter().sum::<f64>() as u64,
        total_errors: errors.iter().sum::<f64>() as u64,
        total_vip_lost: vip_lost.iter().sum::<f64>() as u64,
        served,
        errors,
        p50: ms(0.5),
        p95: ms(0.95),
        p99: ms(0.99),
        backends,
        queues,
        lag_ms: series(&|b| {
            b.replica_lag_ms
                .iter()
                .flatten()
                .copied()
                .max()
                .unwrap_or(0) as f64
        }),
        stale_reads: series(&|b| b.stale_reads as f64),
        vip_lost,
        monitoring,
        blind_spots,
    }
}

fn outcome_total(b: &crate::sim::timeline::Bucket) -> u64 {
    let o = &b.outcomes;
    o.served + o.dropped + o.refused + o.timed_out + o.no_server + o.failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    fn stage(n: u8) -> Topology {
        presets::topology(n).expect("preset")
    }

    #[test]
    fn killing_lb_01_on_stage_3_shows_vip_losses_around_10_s() {
        let settings = LoadSettings {
            scenario: vec![Step {
                at_s: 10.0,
                host: "lb-01".into(),
                up: false,
            }],
            ..LoadSettings::default()
        };
        let result = run(&stage(3), &settings).expect("runs");
        assert_eq!(result.total_sent, 4000);
        assert!(
            result.vip_lost[10..14].iter().all(|&n| n > 0.0),
            "{:?}",
            result.vip_lost
        );
        assert_eq!(result.vip_lost[..10].iter().sum::<f64>(), 0.0);
        assert!(result.backends.len() >= 2, "{:?}", result.backends);
        assert_eq!(
            result.total_served + result.total_errors,
            result.total_sent,
            "every request ends"
        );
    }

    #[test]
    fn stage_1_has_only_blind_spots_and_stage_2_reports_agree_with_the_run() {
        let one = run(&stage(1), &LoadSettings::default()).expect("runs");
        assert!(one.monitoring.is_empty());
        assert_eq!(one.blind_spots, host_ids(&stage(1)));
        let https = LoadSettings {
            https: true,
            ..LoadSettings::default()
        };
        let two = run(&stage(2), &https).expect("runs");
        let hosts: Vec<&str> = two.monitoring.iter().map(|m| m.host.as_str()).collect();
        assert_eq!(hosts, ["lb-01", "server-01", "server-02"]);
        assert!(
            two.monitoring.iter().all(|m| m.requests > 0),
            "{:?}",
            two.monitoring
        );
        let lb = &two.monitoring[0];
        assert_eq!(lb.requests, two.total_sent, "{two:?}");
    }

    #[test]
    fn an_overloaded_stage_0_shows_queues() {
        let settings = LoadSettings {
            rps: 3000.0,
            seconds: 5.0,
            ..LoadSettings::default()
        };
        let result = run(&stage(0), &settings).expect("runs");
        assert!(!result.queues.is_empty(), "{result:?}");
        assert!(result.total_errors > 0, "beyond capacity some fail");
        let calm = run(&stage(0), &LoadSettings::default()).expect("runs");
        assert_eq!(calm.total_errors, 0);
    }

    #[test]
    fn bad_settings_are_refused() {
        let t = stage(0);
        let bad = [
            LoadSettings {
                rps: f64::NAN,
                ..LoadSettings::default()
            },
            LoadSettings {
                rps: -5.0,
                ..LoadSettings::default()
            },
            LoadSettings {
                rps: 1e6,
                seconds: 60.0,
                ..LoadSettings::default()
            },
            LoadSettings {
                read_pct: 150.0,
                ..LoadSettings::default()
            },
            LoadSettings {
                scenario: vec![Step {
                    at_s: 1.0,
                    host: "nope".into(),
                    up: false,
                }],
                ..LoadSettings::default()
            },
        ];
        for settings in bad {
            assert!(run(&t, &settings).is_err(), "{settings:?}");
        }
    }
}
