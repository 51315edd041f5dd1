//! The native `stacksim` command line: arguments, files, exit codes and the JSON summary.
#![cfg(not(target_arch = "wasm32"))]

use std::io;
use std::process::Command;

use serde_json::Value;
use stacksim::cli::{self, FINDINGS_FAILED, USAGE_ERROR};
use stacksim::sim::topology::NodeKind;
use stacksim::sim::trace::{HopKind, Outcome, Trace};
use stacksim::sim::{format, presets};

#[path = "sim/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

fn no_files(path: &str) -> io::Result<String> {
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("{path}: no such file"),
    ))
}

#[track_caller]
fn check_ok(line: &str, read: &dyn Fn(&str) -> io::Result<String>) -> Value {
    let (text, code) = cli::run(&args(line), read);
    assert_eq!(code, 0, "{text}");
    serde_json::from_str(&text).expect("JSON summary")
}

/// Runs `line` and expects exit code `code`; returns the text.
#[track_caller]
fn check_exit(line: &str, read: &dyn Fn(&str) -> io::Result<String>, code: i32) -> String {
    let (text, got) = cli::run(&args(line), read);
    assert_eq!(got, code, "{text}");
    text
}

/// A reader that serves `json` as design.json.
fn design_file(json: String) -> impl Fn(&str) -> io::Result<String> {
    move |path: &str| {
        if path == "design.json" {
            Ok(json.clone())
        } else {
            no_files(path)
        }
    }
}

#[track_caller]
fn check_usage_error(line: &str, message: &str) {
    let (text, code) = cli::run(&args(line), &no_files);
    assert_eq!(code, USAGE_ERROR, "{text}");
    assert!(text.starts_with(&format!("stacksim: {message}")), "{text}");
}

#[test]
fn simulate_stage_1_splits_requests_between_both_servers() {
    let out = check_ok(
        "simulate --stage 1 --requests 400 --kind static --rps 100",
        &no_files,
    );
    assert_eq!(out["requests"], 400);
    assert_eq!(out["outcomes"]["served"], 400);
    assert_eq!(out["served_by"]["server-01.nginx"], 200);
    assert_eq!(out["served_by"]["server-02.nginx"], 200);
    assert!(out["latency_ms"]["p50"].as_f64().is_some_and(|p| p > 0.0));
}

#[test]
fn simulate_reads_a_design_file() {
    let json = format::to_json(&presets::topology(0).expect("stage 0"));
    let read = move |path: &str| {
        if path == "design.json" {
            Ok(json.clone())
        } else {
            no_files(path)
        }
    };
    let out = check_ok("simulate design.json --requests 10 --kind read", &read);
    assert_eq!(out["design"], "Simple web stack");
    assert_eq!(out["outcomes"]["served"], 10);
}

/// The summary says why requests failed, by cause with its fix, and in one sentence when one
/// cause dominates: the same words as the page's load run.
#[test]
fn simulate_names_the_causes_of_failures_and_their_fix() {
    // Stage 3 with plain HTTP closed at its load balancers' firewalls (no port-80 redirect).
    let read = design_file(format::to_json(&fixtures::https_only(3)));
    let out = check_ok("simulate design.json --requests 400 --rps 100", &read);
    assert_eq!(out["outcomes"]["dropped"], 400, "{out}");
    let causes = out["failure_causes"].as_array().expect("array");
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0]["cause"],
        "dropped by fw-lb-01's default policy on tcp/80"
    );
    assert_eq!(causes[0]["fix"], "lb-01 accepts HTTPS only: choose HTTPS");
    assert_eq!(causes[0]["requests"], 400);
    assert_eq!(
        out["cause_summary"],
        "All 400 requests were dropped by fw-lb-01's default policy on tcp/80 — lb-01 \
         accepts HTTPS only: choose HTTPS."
    );
    // Nothing failed: no causes and no sentence.
    let out = check_ok(
        "simulate design.json --requests 400 --rps 100 --https",
        &read,
    );
    assert_eq!(out["failure_causes"], serde_json::json!([]));
    assert_eq!(out["cause_summary"], serde_json::Value::Null);
}

#[test]
fn fail_takes_a_host_down_and_reports_the_transition() {
    let out = check_ok(
        "simulate --stage 1 --requests 300 --rps 20 --kind static --fail server-02@2",
        &no_files,
    );
    let transitions = out["transitions"].as_array().expect("array");
    assert!(
        transitions
            .iter()
            .any(|t| t["server"] == "server-02.nginx" && t["state"] == "DOWN"),
        "{transitions:?}"
    );
    assert!(out["served_by"]["server-01.nginx"].as_u64().unwrap_or(0) > 150);
}

#[test]
fn stop_shuts_a_host_down_cleanly_and_the_backup_takes_the_vip_after_its_skew() {
    // B2.10: the priority-0 advert lets lb-02 (priority 100) take over after 0.609 s.
    let out = check_ok(
        "simulate --stage 3 --requests 30 --rps 10 --kind static --stop lb-01@1",
        &no_files,
    );
    let transitions = out["transitions"].as_array().expect("array");
    assert!(
        transitions
            .iter()
            .any(|t| t["vip"] == "vip" && t["holder"] == "lb-02" && t["at_s"] == 1.609375),
        "{transitions:#?}"
    );
    assert!(
        transitions.iter().any(|t| t["host"] == "lb-01"
            && t["keepalived"]
                .as_str()
                .is_some_and(|w| w.contains("priority-0 advert"))),
        "{transitions:#?}"
    );
}

#[test]
fn trace_prints_every_hop() {
    let out = check_ok(
        "simulate --stage 2 --requests 2 --https --kind read --trace",
        &no_files,
    );
    let traces = out["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 2);
    for printed in traces {
        // Each printed trace is a whole `Trace`: every hop with all its fields, from the DNS
        // lookup through TLS at the load balancer to the response back at the client, in time
        // order.
        let trace: Trace = serde_json::from_value(printed.clone()).expect("a whole trace");
        assert_eq!(
            trace.hops.first().map(|h| h.kind),
            Some(HopKind::Dns),
            "{trace:?}"
        );
        assert!(
            trace
                .hops
                .iter()
                .any(|h| h.kind == HopKind::Tls && h.place == "lb-01.haproxy"),
            "{trace:?}"
        );
        assert!(
            trace.hops.windows(2).all(|w| w[0].at <= w[1].at),
            "{trace:?}"
        );
        assert_eq!(
            trace.hops.last().map(|h| h.place.as_str()),
            Some("client"),
            "{trace:?}"
        );
        assert!(
            matches!(trace.outcome, Some(Outcome::Served { .. })),
            "{trace:?}"
        );
    }
}

#[test]
fn same_seed_same_summary() {
    let line = "simulate --stage 3 --requests 2000 --rps 300 --https --seed 9";
    assert_eq!(check_ok(line, &no_files), check_ok(line, &no_files));
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    check_usage_error("", "missing command");
    check_usage_error(
        "run --stage 1",
        "unknown command 'run'; try 'stacksim simulate', 'check' or 'reach'",
    );
    check_usage_error("simulate", "give a design file or --stage N");
    check_usage_error("simulate --stage 7", "--stage takes 0 to 3, not '7'");
    check_usage_error(
        "simulate --stage 1 --requests many",
        "--requests takes 1 to 10000000, not 'many'",
    );
    check_usage_error(
        "simulate --stage 1 --kind upload",
        "--kind takes static, read, write or mixed",
    );
    check_usage_error(
        "simulate --stage 1 --fail server-01",
        "--fail takes ID@SECONDS",
    );
    check_usage_error(
        "simulate --stage 1 --fail nobody@3",
        "there is no host 'nobody'",
    );
    check_usage_error(
        "simulate --stage 3 --stop lb-01.haproxy@1",
        "--stop shuts a host down cleanly; 'lb-01.haproxy' is a service",
    );
    check_usage_error("simulate --stage 1 --bogus", "unknown option '--bogus'");
    check_usage_error("simulate --stage 1 x.json", "give one design");
    check_usage_error("simulate missing.json", "cannot read missing.json");
}

#[test]
fn bad_design_file_exits_2_naming_the_problem() {
    let read = |_: &str| Ok("{\"version\": 1, \"name\": \"x\", \"nodes\": [}".to_owned());
    let (text, code) = cli::run(&args("simulate broken.json"), &read);
    assert_eq!(code, USAGE_ERROR);
    assert!(
        text.starts_with("stacksim: broken.json: at line 1 column"),
        "{text}"
    );
}

#[test]
fn the_real_binary_prints_json_and_exits_2_on_errors() {
    let bin = env!("CARGO_BIN_EXE_stacksim");
    let ok = Command::new(bin)
        .args(args("simulate --stage 0 --requests 5"))
        .output()
        .expect("runs");
    assert!(ok.status.success());
    let out: Value = serde_json::from_slice(&ok.stdout).expect("JSON on stdout");
    assert_eq!(out["requests"], 5);
    let bad = Command::new(bin)
        .args(args("simulate --stage 9"))
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(USAGE_ERROR));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--stage takes 0 to 3"));
}

/// Stage 3 with two application servers and no database: reads are answered without data,
/// and nothing is worse than the plaintext hop after TLS (info).
fn design_with_only_info() -> String {
    let mut topology = presets::topology(3).expect("stage 3");
    topology.nodes.retain(|n| n.id != "db-01");
    topology.links.retain(|l| l.to != "db-01.mysql");
    let mut app2 = topology.node("app-01").expect("app-01").clone();
    app2.id = "app-02".to_owned();
    if let NodeKind::Host(host) = &mut app2.kind {
        host.ip = "10.0.0.22".parse().expect("ip");
        for service in &mut host.services {
            service.id = service.id.replace("app-01", "app-02");
        }
    }
    topology.nodes.push(app2);
    for web in ["web-01", "web-02"] {
        topology.links.push(stacksim::sim::topology::Link::new(
            &format!("{web}.nginx"),
            "app-02.app",
        ));
    }
    format::to_json(&topology)
}

#[test]
fn check_stage_1_prints_one_block_per_finding() {
    let text = check_exit("check --stage 1", &no_files, 0);
    assert!(
        text.starts_with("Distributed: 12 findings (4 errors, 8 warnings, 0 info)\n\n[ERROR] "),
        "{text}"
    );
    assert!(
        text.contains(
            "[ERROR] lb-01 is a single point of failure\n  id:    spof:lb-01\n  nodes: lb-01, \
             lb-01.haproxy\n  why:   If lb-01 goes down"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n  fix:   Add a second load balancer"),
        "{text}"
    );
    assert!(text.contains("[WARNING] server-02 is a blind spot: no monitoring agent"));
    assert_eq!(text.matches("\n[").count(), 12, "{text}");
}

#[test]
fn check_fails_only_at_or_above_the_chosen_severity() {
    check_exit("check --stage 3", &no_files, 0);
    check_exit(
        "check --stage 3 --fail-on error",
        &no_files,
        FINDINGS_FAILED,
    );
    check_exit(
        "check --stage 3 --fail-on warning",
        &no_files,
        FINDINGS_FAILED,
    );
    let read = design_file(design_with_only_info());
    let text = check_exit("check design.json --fail-on warning", &read, 0);
    assert!(
        text.contains("1 finding (0 errors, 0 warnings, 1 info)"),
        "{text}"
    );
    check_exit("check design.json --fail-on error", &read, 0);
    check_exit("check design.json --fail-on info", &read, FINDINGS_FAILED);
}

#[test]
fn check_json_lists_findings_with_a_summary() {
    let text = check_exit(
        "check --stage 2 --json --fail-on error",
        &no_files,
        FINDINGS_FAILED,
    );
    let out: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(out["design"], "Secured and monitored");
    assert_eq!(out["summary"]["error"], 2);
    assert_eq!(out["summary"]["warning"], 2);
    assert_eq!(out["summary"]["info"], 1);
    let findings = out["findings"].as_array().expect("findings");
    let ids: Vec<&str> = findings.iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "spof:lb-01",
            "spof:server-01.mysql",
            "all-in-one:server-01",
            "all-in-one:server-02",
            "plaintext-after-tls"
        ]
    );
    let lb = &findings[0];
    assert_eq!(lb["severity"], "error");
    assert_eq!(lb["category"], "availability");
    assert_eq!(lb["nodes"], serde_json::json!(["lb-01", "lb-01.haproxy"]));
    assert!(
        lb["why"]
            .as_str()
            .is_some_and(|w| w.starts_with("If lb-01 goes down"))
    );
    assert!(lb["fix"].as_str().is_some_and(|f| f.contains("virtual IP")));
    assert_eq!(
        lb["proof"],
        serde_json::json!({
            "kind": "take_down", "target": { "host": "lb-01" }, "request": "read", "https": true
        })
    );
    assert_eq!(findings[2]["proof"], Value::Null);
}

#[test]
fn check_load_adds_the_capacity_finding() {
    let text = check_exit("check --stage 3 --json --load 1000", &no_files, 0);
    let out: Value = serde_json::from_str(&text).expect("JSON");
    let capacity = out["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == "capacity:app"))
        .expect("capacity finding");
    assert_eq!(capacity["severity"], "error");
    assert_eq!(capacity["category"], "capacity");
    assert_eq!(capacity["proof"]["kind"], "load");
    let text = check_exit("check --stage 3 --load 100", &no_files, 0);
    assert!(
        text.contains("[INFO] The application servers limit the site to about 400 req/s"),
        "{text}"
    );
}

#[test]
fn reach_prints_the_matrix_as_json() {
    let json = format::to_json(&presets::topology(2).expect("stage 2"));
    let text = check_exit("reach design.json", &design_file(json), 0);
    let cells: Value = serde_json::from_str(&text).expect("JSON");
    let cells = cells.as_array().expect("array");
    // Sources: the internet and 3 hosts; ports: lb-01 80 and 443, each server 80, 3306, 9000.
    assert_eq!(cells.len(), 4 * 8);
    assert_eq!(
        cells[1],
        serde_json::json!({
            "from": "internet", "to": "lb-01", "port": 443, "service": "lb-01.haproxy",
            "allowed": true, "rule": "fw-lb-01 rule 1 allow tcp/443 from any",
        })
    );
    assert_eq!(check_exit("reach --stage 2", &no_files, 0), text);
}

#[test]
fn check_and_reach_refuse_bad_arguments() {
    check_usage_error("check", "give a design file or --stage N");
    check_usage_error("reach", "give a design file or --stage N");
    check_usage_error("check --stage 4", "--stage takes 0 to 3, not '4'");
    check_usage_error("reach --stage", "--stage needs a value");
    check_usage_error(
        "check --stage 1 --fail-on never",
        "--fail-on takes info, warning or error, not 'never'",
    );
    check_usage_error("check --stage 1 --fail-on", "--fail-on needs a value");
    check_usage_error(
        "check --stage 1 --load fast",
        "--load takes a number above 0, not 'fast'",
    );
    check_usage_error("check --stage 1 --load -5", "--load takes a number above 0");
    check_usage_error(
        "check --stage 1 --requests 5",
        "unknown option '--requests'",
    );
    check_usage_error("reach --stage 1 --json", "unknown option '--json'");
    check_usage_error("check --stage 1 design.json", "give one design");
    check_usage_error("check missing.json", "cannot read missing.json");
    check_usage_error("reach missing.json", "cannot read missing.json");
    let read = |_: &str| Ok("{\"version\": 1, \"name\": \"x\", \"nodes\": [}".to_owned());
    let (text, code) = cli::run(&args("check broken.json"), &read);
    assert_eq!(code, USAGE_ERROR);
    assert!(
        text.starts_with("stacksim: broken.json: at line 1 column"),
        "{text}"
    );
}

#[test]
fn help_names_every_command() {
    for line in ["--help", "check -h", "reach --stage 1 --help"] {
        let text = check_exit(line, &no_files, 0);
        for command in [
            "stacksim simulate",
            "stacksim check",
            "stacksim reach",
            "stacksim export",
            "--fail-on",
        ] {
            assert!(text.contains(command), "{line}: {text}");
        }
    }
}

#[test]
fn the_real_binary_checks_and_reaches() {
    let bin = env!("CARGO_BIN_EXE_stacksim");
    let failed = Command::new(bin)
        .args(args("check --stage 3 --fail-on error"))
        .output()
        .expect("runs");
    assert_eq!(failed.status.code(), Some(FINDINGS_FAILED));
    // The findings are printed (on stderr for now, as for every non-zero exit).
    let printed = [failed.stdout, failed.stderr].concat();
    assert!(String::from_utf8_lossy(&printed).contains("[ERROR] app-01 is a single point"));
    let reach = Command::new(bin)
        .args(args("reach --stage 2"))
        .output()
        .expect("runs");
    assert!(reach.status.success());
    let cells: Value = serde_json::from_slice(&reach.stdout).expect("JSON on stdout");
    assert!(cells.as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn export_writes_one_folder_per_host() {
    let written = std::cell::RefCell::new(Vec::new());
    let write = |path: &std::path::Path, contents: &str| {
        written
            .borrow_mut()
            .push((path.to_string_lossy().into_owned(), contents.len()));
        Ok(())
    };
    let (text, code) = cli::run_io(&args("export --stage 3 --out out"), &no_files, &write);
    assert_eq!(code, 0, "{text}");
    let paths: Vec<String> = written.borrow().iter().map(|(p, _)| p.clone()).collect();
    for expected in [
        "out/lb-01/haproxy.cfg",
        "out/lb-02/keepalived.conf",
        "out/web-01/nginx.conf",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} missing from {paths:?}"
        );
    }
    assert!(written.borrow().iter().all(|(_, len)| *len > 0));
    assert!(text.contains("out/lb-01/haproxy.cfg"));
}

#[test]
fn export_needs_an_out_folder_and_reports_write_errors() {
    check_usage_error("export --stage 1", "export needs --out DIR");
    let (text, code) = cli::run(&args("export --stage 1 --out /x"), &no_files);
    assert_eq!(code, USAGE_ERROR);
    assert!(text.starts_with("stacksim: cannot write /x/"), "{text}");
}

#[test]
fn the_real_binary_exports_files() {
    let dir = std::env::temp_dir().join(format!("stacksim-export-{}", std::process::id()));
    let bin = env!("CARGO_BIN_EXE_stacksim");
    let out = Command::new(bin)
        .args(["export", "--stage", "2", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg = std::fs::read_to_string(dir.join("lb-01/haproxy.cfg")).expect("written");
    assert!(cfg.contains("balance roundrobin"));
    let _ = std::fs::remove_dir_all(&dir);
}
