//! The benchmark workload, shared by the native bench (`benches/engine.rs`) and the browser
//! bench (`tests/browser_bench.rs`): stage 3 with its application tier sized for 10 k
//! requests per second, one million HTTPS requests (30 % static, 60 % reads, 10 % writes,
//! 10 % new TLS sessions) arriving at 10 k/s.

use stacksim::sim::engine::{Config, Load, Simulation};
use stacksim::sim::presets;
use stacksim::sim::time::SimTime;
use stacksim::sim::topology::{NodeKind, ServiceKind, Topology};

/// Requests in one benchmark run.
pub const REQUESTS: u64 = 1_000_000;

/// Stage 3 with 256 PHP-FPM workers, enough for 10 k requests/s.
pub fn topology() -> Topology {
    let mut topology = presets::topology(3).unwrap_or_else(|| unreachable!("stage 3 exists"));
    for node in &mut topology.nodes {
        if let NodeKind::Host(host) = &mut node.kind {
            for service in &mut host.services {
                if let ServiceKind::AppServer(app) = &mut service.kind {
                    app.workers = 256;
                }
            }
        }
    }
    topology
}

/// What one run did.
pub struct Run {
    pub events: u64,
    pub requests: u64,
    pub served: u64,
}

/// Runs `requests` requests through the workload to completion.
pub fn run(topology: &Topology, requests: u64) -> Run {
    let Ok(mut sim) = Simulation::new(topology, Config::default()) else {
        unreachable!("the preset is valid")
    };
    sim.start_load(Load {
        https: true,
        ..Load::new(10_000.0, requests)
    });
    sim.run_until_quiet(SimTime::from_secs(1_000_000));
    Run {
        events: sim.events_processed(),
        requests: sim.stats().sent,
        served: sim.stats().outcomes().served,
    }
}
