//! Every input in `tests/fuzz/regressions` (the crashes `./setup.sh fuzz` found, and interesting
//! inputs from its corpus) through the JSON import, as the fuzz target does: no panic, an
//! accepted design validates and survives a save and load, a refused one gets a typed error with
//! a message. A file named `ok-*` must load; a file named `err-*` must be refused.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use stacksim::sim::format::{LoadError, from_json, to_json, validate};

fn regressions() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/fuzz/regressions is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// What loading one input came to, or why it broke the import's promises.
fn check(text: &str) -> Result<Result<(), LoadError>, String> {
    match from_json(text) {
        Ok(topology) => {
            validate(&topology).map_err(|err| format!("accepted but invalid: {err}"))?;
            let saved = to_json(&topology);
            let reloaded =
                from_json(&saved).map_err(|err| format!("saved but does not load: {err}"))?;
            if reloaded != topology {
                return Err("the design changes in a save and load".to_owned());
            }
            if to_json(&reloaded) != saved {
                return Err("saving twice gives different files".to_owned());
            }
            Ok(Ok(()))
        }
        Err(err) if err.to_string().trim().is_empty() => Err(format!("empty message: {err:?}")),
        Err(err) => Ok(Err(err)),
    }
}

#[test]
fn every_fuzz_regression_loads_or_is_refused_with_a_typed_error() {
    let files = regressions();
    assert!(
        files.len() >= 4,
        "tests/fuzz/regressions holds the fuzzer's regressions"
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = fs::read(path).expect("a readable regression");
        // The fuzz target skips bytes that are not UTF-8; here they still go in, repaired.
        let text = String::from_utf8_lossy(&bytes);
        let outcome = match catch_unwind(AssertUnwindSafe(|| check(&text))) {
            Ok(outcome) => outcome,
            Err(_) => Err("panicked".to_owned()),
        };
        match outcome {
            Err(why) => failures.push(format!("{name}: {why}")),
            Ok(Err(err)) if name.starts_with("ok-") => {
                failures.push(format!("{name}: must load, but: {err}"));
            }
            Ok(Ok(())) if name.starts_with("err-") => {
                failures.push(format!("{name}: must be refused, but loads"));
            }
            Ok(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz regressions broke the import:\n{}",
        failures.join("\n")
    );
}
