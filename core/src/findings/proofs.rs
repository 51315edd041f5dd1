//! The proofs: ready scenarios run in the engine's [`Simulation`].

use std::net::Ipv4Addr;

use crate::engine::{Config, Input, Load, Mix, Output, Simulation};
use crate::number::shortest;
use crate::reach;
use crate::time::{SimDuration, SimTime};
use crate::topology::{Topology, Verdict};
use crate::trace::{HopKind, Outcome, RequestKind, RequestSpec, Trace};

use super::graph::{join_and, plural, rate_text};
use super::{Proof, ProofResult, Route, Symptom, Target};

/// Requests sent before and after a failure in [`Proof::TakeDown`].
const ROUND: u64 = 4;
/// Time for health checks (`inter` × `fall`) and VRRP to notice a failure before the second
/// round of a [`Proof::TakeDown`].
const SETTLE: SimDuration = SimDuration::from_secs(30);
/// Simulated time a [`Proof::Metrics`] lets the agents report.
const METRICS_WINDOW: SimDuration = SimDuration::from_secs(60);
/// Longer than any timeout in the model.
const QUIET_LIMIT: SimDuration = SimDuration::from_secs(600);

/// Runs `proof` on `topology` in the engine (a probe is one firewall decision, as the engine
/// makes it on a connection) and says what happened. Never panics: a design the engine refuses
/// or an unknown id gives a result with `shown: false` that says why.
pub fn prove(topology: &Topology, proof: &Proof) -> ProofResult {
    match proof {
        Proof::TakeDown {
            target,
            request,
            https,
        } => take_down(topology, target, *request, *https),
        Proof::Request {
            request,
            https,
            shows,
        } => one_request(topology, *request, *https, *shows),
        Proof::Probe {
            from_ip,
            to_host,
            port,
        } => probe(topology, *from_ip, to_host, *port),
        Proof::Metrics { host } => metrics(topology, host),
        Proof::Load { rps, https } => load(topology, *rps, *https),
    }
}

fn not_shown(summary: String) -> ProofResult {
    ProofResult {
        summary,
        ..ProofResult::default()
    }
}

fn simulation(topology: &Topology) -> Result<Simulation, ProofResult> {
    Simulation::new(topology, Config::default())
        .map_err(|e| not_shown(format!("the engine cannot run this design: {e}")))
}

fn kind_word(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Static => "static",
        RequestKind::Read => "read",
        RequestKind::Write => "write",
    }
}

fn is_page(trace: &Trace) -> bool {
    matches!(trace.outcome, Some(Outcome::Served { status: 200, .. }))
}

fn outcome_text(trace: &Trace) -> String {
    trace.outcome.as_ref().map_or_else(
        || "no answer within the simulated time".to_owned(),
        Outcome::to_string,
    )
}

/// Sends [`ROUND`] requests one second apart from `start` and waits for all of them.
fn send_round(
    sim: &mut Simulation,
    start: SimTime,
    spec: RequestSpec,
) -> Result<Vec<Trace>, ProofResult> {
    let mut ids = Vec::new();
    for i in 0..ROUND {
        let at = start + SimDuration::from_secs(i);
        match sim.handle(at, Input::Send(spec)) {
            Ok(Some(id)) => ids.push(id),
            Ok(None) => {}
            Err(e) => return Err(not_shown(format!("the engine refused a request: {e}"))),
        }
    }
    let last = start + SimDuration::from_secs(ROUND);
    sim.run_until_quiet(last + QUIET_LIMIT);
    Ok(ids
        .iter()
        .filter_map(|&id| sim.trace(id).cloned())
        .collect())
}

fn take_down(topology: &Topology, target: &Target, kind: RequestKind, https: bool) -> ProofResult {
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    let spec = RequestSpec::new(kind, https);
    let before = match send_round(&mut sim, SimTime::ZERO, spec) {
        Ok(traces) => traces,
        Err(result) => return result,
    };
    let fail_at = sim.now() + SimDuration::from_secs(1);
    let (input, happened) = match target {
        Target::Host(id) => (Input::HostDown(id.clone()), "went down"),
        Target::Service(id) => (Input::ServiceDown(id.clone()), "stopped"),
        Target::Link { from, to } => (
            Input::CutLink {
                from: from.clone(),
                to: to.clone(),
            },
            "was cut",
        ),
    };
    if let Err(e) = sim.handle(fail_at, input) {
        return not_shown(format!("cannot take {target} down: {e}"));
    }
    let resume = fail_at + SETTLE;
    sim.advance_to(resume);
    let after = match send_round(&mut sim, resume, spec) {
        Ok(traces) => traces,
        Err(result) => return result,
    };
    let served_before = before.iter().filter(|t| is_page(t)).count();
    let served_after = after.iter().filter(|t| is_page(t)).count();
    let mut details = Vec::new();
    while let Some(output) = sim.poll_output() {
        // The changes of state: who marked what DOWN or UP, where the virtual IP went.
        if let Output::ServerState { at, .. } | Output::VipHolder { at, .. } = &output {
            details.extend(output.describe().map(|d| format!("{at}: {d}")));
        }
    }
    if let Some(failed) = after.iter().find(|t| !is_page(t)) {
        details.push(format!("after: {}", outcome_text(failed)));
    }
    let scheme = if https { "HTTPS" } else { "HTTP" };
    // The diagram shows a served request before and a failed one after (else the last ones).
    let before_route = before
        .iter()
        .find(|t| is_page(t))
        .or(before.last())
        .map(|t| Box::new(Route::of(t)));
    let after_route = after
        .iter()
        .find(|t| !is_page(t))
        .or(after.last())
        .map(|t| Box::new(Route::of(t)));
    ProofResult {
        before: before_route,
        after: after_route,
        shown: served_before > 0 && served_after == 0,
        summary: format!(
            "before: {served_before} of {ROUND} {} requests ({scheme}) served; {target} \
             {happened}; {SETTLE} later: {served_after} of {ROUND} served",
            kind_word(kind)
        ),
        details,
    }
}

fn one_request(topology: &Topology, kind: RequestKind, https: bool, shows: Symptom) -> ProofResult {
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    let spec = RequestSpec::new(kind, https);
    let trace = match sim.handle(SimTime::ZERO, Input::Send(spec)) {
        Ok(Some(id)) => {
            sim.run_until_quiet(SimTime::ZERO + QUIET_LIMIT);
            sim.trace(id).cloned()
        }
        Ok(None) => None,
        Err(e) => return not_shown(format!("the engine refused the request: {e}")),
    };
    let Some(trace) = trace else {
        return not_shown("the engine lost the request".to_owned());
    };
    let plaintext = trace
        .hops
        .iter()
        .skip_while(|hop| !hop.encrypted)
        .find(|hop| hop.kind == HopKind::Forward && !hop.encrypted);
    let shown = match shows {
        Symptom::NotServed => !is_page(&trace),
        Symptom::ServedOverHttp => !https && is_page(&trace),
        Symptom::PlaintextHop => https && is_page(&trace) && plaintext.is_some(),
    };
    let scheme = if https { "https" } else { "http" };
    let mut details: Vec<String> = trace
        .hops
        .iter()
        .map(|hop| {
            let lock = if hop.encrypted { " [encrypted]" } else { "" };
            format!("{} {}{lock}: {}", hop.at, hop.place, hop.reason)
        })
        .collect();
    if let (Symptom::PlaintextHop, Some(hop)) = (shows, plaintext) {
        details.insert(0, format!("plaintext: {}", hop.reason));
    }
    ProofResult {
        after: Some(Box::new(Route::of(&trace))),
        before: None,
        shown,
        summary: format!(
            "{} {scheme}://{}{}: {}",
            kind.method(),
            sim.site(),
            kind.path(spec.key),
            outcome_text(&trace)
        ),
        details,
    }
}

fn probe(topology: &Topology, from_ip: Ipv4Addr, to_host: &str, port: u16) -> ProofResult {
    let Some((node, host)) = topology.hosts().find(|(node, _)| node.id == to_host) else {
        return not_shown(format!("there is no host '{to_host}'"));
    };
    let (decision, rule) = reach::decide(&node.id, host, from_ip, port);
    let listening = reach::listening_ports(host);
    let listener = match reach::listener(&listening, port) {
        Some(service) => format!("{service} listens on {port} and answers"),
        None if decision.passes() => {
            format!("nothing listens on {port} yet, but whatever starts there is exposed")
        }
        None => format!("nothing listens on {port}"),
    };
    let fate = match decision.verdict {
        Verdict::Allow => "let in",
        Verdict::Deny => "dropped",
        Verdict::Reject => "rejected",
    };
    ProofResult {
        // No request's way to draw: a firewall decision, agents' reports, a load.
        before: None,
        after: None,
        shown: decision.passes(),
        summary: format!(
            "{from_ip} → {}:{port} (new TCP connection): {fate}",
            node.id
        ),
        details: vec![rule, listener],
    }
}

fn metrics(topology: &Topology, host: &str) -> ProofResult {
    if !topology.hosts().any(|(node, _)| node.id == host) {
        return not_shown(format!("there is no host '{host}'"));
    }
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    sim.advance_to(SimTime::ZERO + METRICS_WINDOW);
    let mut reporting: Vec<&str> = Vec::new();
    let mut from_host = 0;
    for report in sim.reports() {
        if report.host == host {
            from_host += 1;
        }
        if !reporting.contains(&report.host.as_str()) {
            reporting.push(&report.host);
        }
    }
    let total = sim.reports().len();
    let summary = if total == 0 {
        format!(
            "in {METRICS_WINDOW} no report reached any collector: no host sends one, so nothing \
             from {host} either"
        )
    } else {
        format!(
            "in {METRICS_WINDOW} the collector received {} from {}; {} from {host}",
            plural(total, "report", "reports"),
            join_and(&reporting),
            if from_host == 0 {
                "none".to_owned()
            } else {
                from_host.to_string()
            }
        )
    };
    ProofResult {
        // No request's way to draw: a firewall decision, agents' reports, a load.
        before: None,
        after: None,
        shown: from_host == 0,
        summary,
        details: Vec::new(),
    }
}

fn load(topology: &Topology, rps: f64, https: bool) -> ProofResult {
    if !(rps.is_finite() && rps > 0.0) {
        return not_shown(format!("{} is not a request rate", shortest(rps)));
    }
    let mut sim = match simulation(topology) {
        Ok(sim) => sim,
        Err(result) => return result,
    };
    let count = (rps * 10.0).clamp(200.0, 100_000.0) as u64;
    let mix = Mix {
        static_pct: 0,
        read_pct: 9,
        write_pct: 1,
    };
    sim.start_load(Load {
        mix,
        https,
        ..Load::new(rps, count)
    });
    let seconds = count as f64 / rps;
    let end = SimTime::from_micros((seconds * 1e6) as u64) + QUIET_LIMIT;
    sim.run_until_quiet(end);
    let stats = sim.stats();
    let all = stats.outcomes();
    let failed = all.total().saturating_sub(all.served);
    let mut details = vec![format!(
        "dropped {}, refused {}, timed out {}, no server {}, failed {}",
        all.dropped, all.refused, all.timed_out, all.no_server, all.failed
    )];
    if all.served > 0 {
        details.push(format!(
            "latency of served requests: p50 {}, p99 {}",
            stats.latency.quantile(0.5),
            stats.latency.quantile(0.99)
        ));
    }
    ProofResult {
        // No request's way to draw: a firewall decision, agents' reports, a load.
        before: None,
        after: None,
        shown: failed > 0,
        summary: format!(
            "{count} reads and writes at {} req/s ({}): {} served, {failed} failed",
            rate_text(rps),
            if https { "HTTPS" } else { "HTTP" },
            all.served
        ),
        details,
    }
}
