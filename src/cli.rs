//! The native command line, `stacksim`: the same core, headless, for scripts, grading and
//! benchmarks. `simulate` runs requests through a design, `check` lists its weaknesses (and
//! fails a script on them), `reach` prints its reachability matrix. Parsing and running are
//! plain functions of their inputs (the file reader is passed in), so they are tested without
//! spawning a process; `src/bin/stacksim.rs` only wires them to the real arguments, files and
//! exit code.

use serde_json::{Value, json};

use crate::sim::engine::{Config, Input, Load, Mix, Output, Simulation};
use crate::sim::findings::{self, Finding, Severity};
use crate::sim::format;
use crate::sim::presets;
use crate::sim::reach;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::topology::Topology;
use crate::sim::trace::{RequestKind, RequestSpec};

/// Exit code for bad arguments or a bad design file.
pub const USAGE_ERROR: i32 = 2;

/// Exit code of `check` when a finding is at or above `--fail-on`.
pub const FINDINGS_FAILED: i32 = 1;

/// The help text.
pub const USAGE: &str = "\
usage: stacksim simulate <design.json | --stage N> [options]
       stacksim check <design.json | --stage N> [--fail-on warning|error] [--json] [--load RPS]
       stacksim reach <design.json | --stage N>
       stacksim export <design.json | --stage N> --out DIR

simulate: runs requests through a design and prints a JSON summary.
  --requests N          how many requests to send (default 100)
  --kind K              static | read | write | mixed (default mixed: 30/60/10)
  --https               send HTTPS (port 443) instead of HTTP (port 80)
  --rps R               requests per second of simulated time (default 100)
  --seed S              seed for every random draw (default 1)
  --fail ID@SECONDS     take a host or service down at that time (repeatable); a host
                        crashes, a service stops
  --stop HOST@SECONDS   shut a host down cleanly: keepalived on it sends a priority-0
                        advert first, so a backup takes its virtual IP after its skew
                        time (repeatable)
  --recover ID@SECONDS  bring it back (repeatable)
  --trace               print every request's hops (sends them one by one)

check: lists the design's weaknesses: single points of failure, security, monitoring and
capacity findings, each with the nodes it concerns, why it matters and what would fix it.
  --fail-on S           exit 1 if a finding is at or above S: info, warning or error
                        (default: never)
  --json                print the findings as JSON instead of text
  --load RPS            also compare each tier's capacity with RPS requests per second

reach: prints the reachability matrix as JSON: for every source (the internet, every host),
every host and every port a service listens on, whether the firewall lets a connection in
and the rule that decides it.

export: writes the configuration files a team would deploy (haproxy.cfg, keepalived.conf,
nginx.conf, PHP-FPM pools, nftables and ufw rules, the DNS zone, MySQL settings) under
DIR, one folder per host, and lists them.
  --out DIR             where to write (created if missing)

  -h, --help            this text

exit codes: 0 done; 1 check found something at or above --fail-on; 2 bad arguments or design";

/// A parsed command line.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Simulate(SimulateArgs),
    Check(CheckArgs),
    Reach(ReachArgs),
    Export(ExportArgs),
}

/// What `stacksim export` was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportArgs {
    pub design: DesignSource,
    pub out: String,
}

/// What `stacksim check` was asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckArgs {
    pub design: DesignSource,
    /// Exit with [`FINDINGS_FAILED`] if a finding is at or above this severity.
    pub fail_on: Option<Severity>,
    pub json: bool,
    /// The load to compare each tier's capacity with, in requests per second.
    pub load: Option<f64>,
}

/// What `stacksim reach` was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReachArgs {
    pub design: DesignSource,
}

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulateArgs {
    pub design: DesignSource,
    pub requests: u64,
    pub kind: Option<RequestKind>,
    pub https: bool,
    pub rps: f64,
    pub seed: u64,
    /// (id, at, what happens) in the order given.
    pub events: Vec<(String, SimTime, Change)>,
    pub trace: bool,
}

/// What `--fail`, `--stop` and `--recover` do to their host or service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A host crashes, a service stops.
    Fail,
    /// A host shuts down cleanly.
    Stop,
    /// The host or service comes back.
    Recover,
}

/// Where the design comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DesignSource {
    Stage(u8),
    File(String),
}

/// A command-line mistake, with the message to print.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

fn err(message: impl Into<String>) -> ArgError {
    ArgError(message.into())
}

/// Parses a command line (without the program name).
pub fn parse(args: &[String]) -> Result<Command, ArgError> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => return Err(err("missing command; try 'stacksim simulate --stage 0'")),
    };
    match command {
        "simulate" => parse_simulate(rest).map(Command::Simulate),
        "check" => parse_check(rest).map(Command::Check),
        "reach" => parse_reach(rest).map(Command::Reach),
        "export" => parse_export(rest).map(Command::Export),
        other => Err(err(format!(
            "unknown command '{other}'; try 'stacksim simulate', 'check' or 'reach'"
        ))),
    }
}

/// Parses the options of `stacksim simulate` (after the command).
fn parse_simulate(args: &[String]) -> Result<SimulateArgs, ArgError> {
    let mut it = args.iter();
    let mut parsed = SimulateArgs {
        design: DesignSource::Stage(0),
        requests: 100,
        kind: None,
        https: false,
        rps: 100.0,
        seed: 1,
        events: Vec::new(),
        trace: false,
    };
    let mut design = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--requests" => {
                let text = value(&mut it, "--requests")?;
                parsed.requests = text
                    .parse()
                    .ok()
                    .filter(|n| (1..=10_000_000).contains(n))
                    .ok_or_else(|| err(format!("--requests takes 1 to 10000000, not '{text}'")))?;
            }
            "--kind" => {
                let text = value(&mut it, "--kind")?;
                parsed.kind = match text.as_str() {
                    "static" => Some(RequestKind::Static),
                    "read" => Some(RequestKind::Read),
                    "write" => Some(RequestKind::Write),
                    "mixed" => None,
                    _ => {
                        return Err(err(format!(
                            "--kind takes static, read, write or mixed, not '{text}'"
                        )));
                    }
                };
            }
            "--https" => parsed.https = true,
            "--trace" => parsed.trace = true,
            "--rps" => {
                let text = value(&mut it, "--rps")?;
                parsed.rps = text
                    .parse::<f64>()
                    .ok()
                    .filter(|r| r.is_finite() && *r > 0.0 && *r <= 10_000_000.0)
                    .ok_or_else(|| err(format!("--rps takes a number above 0, not '{text}'")))?;
            }
            "--seed" => {
                let text = value(&mut it, "--seed")?;
                parsed.seed = text
                    .parse()
                    .map_err(|_| err(format!("--seed takes a whole number, not '{text}'")))?;
            }
            "--fail" | "--stop" | "--recover" => {
                let change = match arg.as_str() {
                    "--fail" => Change::Fail,
                    "--stop" => Change::Stop,
                    _ => Change::Recover,
                };
                let text = value(&mut it, arg)?;
                let (id, at) = parse_at(&text).ok_or_else(|| {
                    err(format!(
                        "{arg} takes ID@SECONDS, e.g. web-01@10, not '{text}'"
                    ))
                })?;
                parsed.events.push((id, at, change));
            }
            other => design_arg(other, &mut it, &mut design)?,
        }
    }
    parsed.design = design.ok_or_else(|| err("give a design file or --stage N"))?;
    if parsed.trace && parsed.requests > 10_000 {
        return Err(err(
            "--trace prints every hop; use at most 10000 requests with it",
        ));
    }
    Ok(parsed)
}

/// Parses the options of `stacksim check` (after the command).
fn parse_check(args: &[String]) -> Result<CheckArgs, ArgError> {
    let mut it = args.iter();
    let mut design = None;
    let mut fail_on = None;
    let mut json = false;
    let mut load = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--fail-on" => {
                let text = value(&mut it, "--fail-on")?;
                fail_on = Some(match text.as_str() {
                    "info" => Severity::Info,
                    "warning" => Severity::Warning,
                    "error" => Severity::Error,
                    _ => {
                        return Err(err(format!(
                            "--fail-on takes info, warning or error, not '{text}'"
                        )));
                    }
                });
            }
            "--json" => json = true,
            "--load" => {
                let text = value(&mut it, "--load")?;
                load = Some(
                    text.parse::<f64>()
                        .ok()
                        .filter(|r| r.is_finite() && *r > 0.0 && *r <= 10_000_000.0)
                        .ok_or_else(|| {
                            err(format!("--load takes a number above 0, not '{text}'"))
                        })?,
                );
            }
            other => design_arg(other, &mut it, &mut design)?,
        }
    }
    Ok(CheckArgs {
        design: design.ok_or_else(|| err("give a design file or --stage N"))?,
        fail_on,
        json,
        load,
    })
}

/// Parses the options of `stacksim reach` (after the command).
fn parse_reach(args: &[String]) -> Result<ReachArgs, ArgError> {
    let mut it = args.iter();
    let mut design = None;
    while let Some(arg) = it.next() {
        design_arg(arg, &mut it, &mut design)?;
    }
    Ok(ReachArgs {
        design: design.ok_or_else(|| err("give a design file or --stage N"))?,
    })
}

fn parse_export(args: &[String]) -> Result<ExportArgs, ArgError> {
    let mut it = args.iter();
    let mut design = None;
    let mut out = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => {
                let dir = it.next().ok_or_else(|| err("--out needs a folder"))?;
                out = Some(dir.clone());
            }
            other => design_arg(other, &mut it, &mut design)?,
        }
    }
    Ok(ExportArgs {
        design: design.ok_or_else(|| err("give a design file or --stage N"))?,
        out: out.ok_or_else(|| err("export needs --out DIR"))?,
    })
}

/// The value following option `name`.
fn value(it: &mut std::slice::Iter<'_, String>, name: &str) -> Result<String, ArgError> {
    it.next()
        .cloned()
        .ok_or_else(|| err(format!("{name} needs a value")))
}

/// What every command accepts besides its own options: `--stage N` or a design file; any
/// other option is unknown.
fn design_arg(
    arg: &str,
    it: &mut std::slice::Iter<'_, String>,
    design: &mut Option<DesignSource>,
) -> Result<(), ArgError> {
    match arg {
        "--stage" => set_design(design, stage_arg(&value(it, "--stage")?)?),
        flag if flag.starts_with('-') => Err(err(format!("unknown option '{flag}'"))),
        path => set_design(design, DesignSource::File(path.to_owned())),
    }
}

/// The value of `--stage`: a preset's number.
fn stage_arg(text: &str) -> Result<DesignSource, ArgError> {
    text.parse::<u8>()
        .ok()
        .filter(|&n| presets::stage(n).is_some())
        .map(DesignSource::Stage)
        .ok_or_else(|| err(format!("--stage takes 0 to 3, not '{text}'")))
}

fn set_design(slot: &mut Option<DesignSource>, source: DesignSource) -> Result<(), ArgError> {
    if slot.is_some() {
        return Err(err("give one design: a file or --stage N, not both"));
    }
    *slot = Some(source);
    Ok(())
}

fn parse_at(text: &str) -> Option<(String, SimTime)> {
    let (id, at) = text.rsplit_once('@')?;
    let seconds: f64 = at.trim_end_matches('s').parse().ok()?;
    if id.is_empty() || !seconds.is_finite() || !(0.0..=1e7).contains(&seconds) {
        return None;
    }
    Some((id.to_owned(), SimTime::from_micros((seconds * 1e6) as u64)))
}

/// Loads the design named by `args`, reading files with `read`.
pub fn load_design(
    source: &DesignSource,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<Topology, ArgError> {
    match source {
        DesignSource::Stage(n) => presets::topology(*n).ok_or_else(|| err(format!("no stage {n}"))),
        DesignSource::File(path) => {
            let text = read(path).map_err(|e| err(format!("cannot read {path}: {e}")))?;
            format::from_json(&text).map_err(|e| err(format!("{path}: {e}")))
        }
    }
}

/// Runs the simulation and returns the JSON summary.
pub fn simulate(args: &SimulateArgs, topology: &Topology) -> Result<Value, ArgError> {
    let config = Config {
        seed: args.seed,
        ..Config::default()
    };
    let mut sim = Simulation::new(topology, config).map_err(|e| err(e.to_string()))?;
    let mut events = args.events.clone();
    events.sort_by_key(|(_, at, _)| *at);
    let gap = SimDuration::from_micros((1e6 / args.rps) as u64);
    let mix = match args.kind {
        None => Mix::default(),
        Some(RequestKind::Static) => Mix {
            static_pct: 1,
            read_pct: 0,
            write_pct: 0,
        },
        Some(RequestKind::Read) => Mix {
            static_pct: 0,
            read_pct: 1,
            write_pct: 0,
        },
        Some(RequestKind::Write) => Mix {
            static_pct: 0,
            read_pct: 0,
            write_pct: 1,
        },
    };
    let mut failures = events.into_iter().peekable();
    let mut apply_due = |sim: &mut Simulation, until: SimTime| -> Result<(), ArgError> {
        while let Some((id, at, change)) = failures.next_if(|(_, at, _)| *at <= until) {
            sim.handle(at, failure_input(topology, &id, change)?)
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(())
    };
    if args.trace {
        let kinds = [
            RequestKind::Static,
            RequestKind::Read,
            RequestKind::Read,
            RequestKind::Write,
        ];
        for i in 0..args.requests {
            let at = SimTime::ZERO + gap.times(i);
            apply_due(&mut sim, at)?;
            let kind = args.kind.unwrap_or(kinds[(i % 4) as usize]);
            sim.handle(
                at,
                Input::Send(RequestSpec {
                    kind,
                    https: args.https,
                    key: 42,
                }),
            )
            .map_err(|e| err(e.to_string()))?;
        }
    } else {
        sim.start_load(Load {
            mix,
            https: args.https,
            ..Load::new(args.rps, args.requests)
        });
    }
    let end = SimTime::ZERO + gap.times(args.requests);
    apply_due(&mut sim, end)?;
    // Let the last requests finish: 600 s is longer than any timeout in the model.
    sim.run_until_quiet(end + SimDuration::from_secs(600));
    apply_due(&mut sim, SimTime::from_micros(u64::MAX))?;
    Ok(summary(args, topology, &mut sim))
}

fn failure_input(topology: &Topology, id: &str, change: Change) -> Result<Input, ArgError> {
    Ok(match (topology.service(id).is_some(), change) {
        (true, Change::Fail) => Input::ServiceDown(id.to_owned()),
        (true, Change::Recover) => Input::ServiceUp(id.to_owned()),
        (true, Change::Stop) => {
            return Err(err(format!(
                "--stop shuts a host down cleanly; '{id}' is a service (use --fail to stop it)"
            )));
        }
        (false, Change::Fail) => Input::HostDown(id.to_owned()),
        (false, Change::Stop) => Input::HostStop(id.to_owned()),
        (false, Change::Recover) => Input::HostUp(id.to_owned()),
    })
}

fn summary(args: &SimulateArgs, topology: &Topology, sim: &mut Simulation) -> Value {
    let stats = sim.stats().clone();
    let counts = |c: &crate::sim::stats::OutcomeCounts| {
        json!({
            "served": c.served, "dropped": c.dropped, "refused": c.refused,
            "timed_out": c.timed_out, "no_server": c.no_server, "failed": c.failed,
        })
    };
    let ms = |d: SimDuration| d.as_micros() as f64 / 1000.0;
    let mut transitions = Vec::new();
    while let Some(output) = sim.poll_output() {
        match output {
            Output::ServerState {
                lb,
                server,
                up,
                at,
                reason,
            } => transitions.push(json!({
                "at_s": at.as_micros() as f64 / 1e6, "lb": lb, "server": server,
                "state": if up { "UP" } else { "DOWN" }, "reason": reason,
            })),
            Output::VipHolder { vip, holder, at } => transitions.push(json!({
                "at_s": at.as_micros() as f64 / 1e6, "vip": vip, "holder": holder,
            })),
            Output::Keepalived {
                vip,
                host,
                at,
                what,
            } => transitions.push(json!({
                "at_s": at.as_micros() as f64 / 1e6, "vip": vip, "host": host, "keepalived": what,
            })),
            Output::Check {
                lb,
                server,
                at,
                passed,
                what,
            } => transitions.push(json!({
                "at_s": at.as_micros() as f64 / 1e6, "lb": lb, "server": server,
                "check": if passed { "passed" } else { "failed" }, "what": what,
            })),
            Output::RequestDone { .. } | Output::Metrics(_) => {}
        }
    }
    // Why requests failed, in the page's words (one owner: the core's causes).
    let causes = sim.failure_causes();
    let failure_causes: Vec<Value> = causes
        .iter()
        .map(|(diagnosis, n)| {
            json!({
                "cause": diagnosis.cause.to_string(),
                "fix": diagnosis.fix.as_ref().map(ToString::to_string),
                "requests": n,
            })
        })
        .collect();
    let cause_summary = crate::sim::cause::summary(&causes, stats.sent);
    let served_by: serde_json::Map<String, Value> = sim
        .served_by()
        .into_iter()
        .map(|(id, n)| (id, json!(n)))
        .collect();
    let mut out = json!({
        "design": topology.name,
        "seed": args.seed,
        "requests": stats.sent,
        "https": args.https,
        "outcomes": counts(&stats.outcomes()),
        "by_kind": {
            "static": counts(&stats.by_kind[0]),
            "read": counts(&stats.by_kind[1]),
            "write": counts(&stats.by_kind[2]),
        },
        "served_by": served_by,
        "latency_ms": {
            "p50": ms(stats.latency.quantile(0.5)),
            "p95": ms(stats.latency.quantile(0.95)),
            "p99": ms(stats.latency.quantile(0.99)),
            "max": ms(stats.latency.max()),
            "mean": ms(stats.latency.mean()),
        },
        "stale_reads": stats.stale_reads,
        "syn_resent": stats.syn_resent,
        "served_after_syn_resend": stats.served_after_resend,
        "replica_reads_up_to_date": stats.fresh_replica_reads,
        "failure_causes": failure_causes,
        "cause_summary": cause_summary,
        "simulated_seconds": sim.now().as_millis_f64() / 1000.0,
        "events": sim.events_processed(),
        "transitions": transitions,
    });
    if args.trace {
        out["traces"] = serde_json::to_value(sim.traces()).unwrap_or(Value::Null);
    }
    out
}

/// Runs `stacksim check`: the findings as text or JSON, and the exit code (0, or
/// [`FINDINGS_FAILED`] when one is at or above `--fail-on`).
pub fn check(args: &CheckArgs, topology: &Topology) -> (String, i32) {
    let findings = findings::analyze(topology, args.load);
    let failed = args
        .fail_on
        .is_some_and(|limit| findings.iter().any(|f| f.severity >= limit));
    let text = if args.json {
        serde_json::to_string_pretty(&check_json(topology, &findings)).unwrap_or_default()
    } else {
        check_text(topology, &findings)
    };
    (text, if failed { FINDINGS_FAILED } else { 0 })
}

/// How many findings there are of each severity.
fn counts(findings: &[Finding]) -> [usize; 3] {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    [
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    ]
}

/// `{ "design", "summary": { "error", "warning", "info" }, "findings": [...] }`.
pub fn check_json(topology: &Topology, findings: &[Finding]) -> Value {
    let [errors, warnings, infos] = counts(findings);
    json!({
        "design": topology.name,
        "summary": { "error": errors, "warning": warnings, "info": infos },
        "findings": findings,
    })
}

/// One block per finding: `[ERROR] title`, then its id, nodes, why and fix.
pub fn check_text(topology: &Topology, findings: &[Finding]) -> String {
    let [errors, warnings, infos] = counts(findings);
    let mut out = if findings.is_empty() {
        format!("{}: no findings\n", topology.name)
    } else {
        format!(
            "{}: {} ({errors} error{}, {warnings} warning{}, {infos} info)\n",
            topology.name,
            if findings.len() == 1 {
                "1 finding".to_owned()
            } else {
                format!("{} findings", findings.len())
            },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        )
    };
    for finding in findings {
        out.push_str(&format!(
            "\n[{}] {}\n  id:    {}\n",
            finding.severity.label(),
            finding.title,
            finding.id
        ));
        if !finding.nodes.is_empty() {
            out.push_str(&format!("  nodes: {}\n", finding.nodes.join(", ")));
        }
        out.push_str(&format!(
            "  why:   {}\n  fix:   {}\n",
            finding.why, finding.fix
        ));
    }
    out.trim_end().to_owned()
}

/// Runs `stacksim reach`: the matrix as pretty JSON.
pub fn reach_json(topology: &Topology) -> String {
    serde_json::to_string_pretty(&reach::matrix(topology)).unwrap_or_default()
}

/// The whole command: arguments in, (text to print, exit code) out.
pub fn run(args: &[String], read: &dyn Fn(&str) -> std::io::Result<String>) -> (String, i32) {
    let no_writes = |path: &std::path::Path, _: &str| {
        Err(std::io::Error::other(format!(
            "not writing {}",
            path.display()
        )))
    };
    run_io(args, read, &no_writes)
}

/// Writes one file, creating its folders.
pub type Writer<'a> = dyn Fn(&std::path::Path, &str) -> std::io::Result<()> + 'a;

/// Like [`run`], with a way to write files (for `export`).
pub fn run_io(
    args: &[String],
    read: &dyn Fn(&str) -> std::io::Result<String>,
    write: &Writer<'_>,
) -> (String, i32) {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return (USAGE.to_owned(), 0);
    }
    let result = parse(args).and_then(|command| match command {
        Command::Simulate(parsed) => {
            let topology = load_design(&parsed.design, read)?;
            let value = simulate(&parsed, &topology)?;
            Ok((serde_json::to_string_pretty(&value).unwrap_or_default(), 0))
        }
        Command::Check(parsed) => {
            let topology = load_design(&parsed.design, read)?;
            Ok(check(&parsed, &topology))
        }
        Command::Reach(parsed) => {
            let topology = load_design(&parsed.design, read)?;
            Ok((reach_json(&topology), 0))
        }
        Command::Export(parsed) => {
            let topology = load_design(&parsed.design, read)?;
            let out = std::path::Path::new(&parsed.out);
            let mut lines = Vec::new();
            for file in crate::sim::export::export(&topology) {
                let path = out.join(&file.path);
                write(&path, &file.contents)
                    .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
                lines.push(format!("{}  ({})", path.display(), file.kind.label()));
            }
            Ok((lines.join("\n"), 0))
        }
    });
    match result {
        Ok(done) => done,
        Err(e) => (format!("stacksim: {e}\n\n{USAGE}"), USAGE_ERROR),
    }
}
