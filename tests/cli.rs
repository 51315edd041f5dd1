//! The native `stacksim` command line: arguments, files, exit codes and the JSON summary.
#![cfg(not(target_arch = "wasm32"))]

use std::io;
use std::process::Command;

use serde_json::Value;
use stacksim::cli::{self, USAGE_ERROR};
use stacksim::sim::{format, presets};

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
fn trace_prints_every_hop() {
    let out = check_ok(
        "simulate --stage 2 --requests 2 --https --kind read --trace",
        &no_files,
    );
    let traces = out["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 2);
    let hops = traces[0]["hops"].as_array().expect("hops");
    assert!(
        hops.iter()
            .any(|h| h["reason"].as_str().is_some_and(|r| r.contains("TLS")))
    );
}

#[test]
fn same_seed_same_summary() {
    let line = "simulate --stage 3 --requests 2000 --rps 300 --https --seed 9";
    assert_eq!(check_ok(line, &no_files), check_ok(line, &no_files));
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    check_usage_error("", "missing command");
    check_usage_error("run --stage 1", "unknown command 'run'");
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
