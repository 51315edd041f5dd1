//! Architecture invariants and project rules, enforced by `cargo test` (after rust-analyzer's
//! tidy tests). Each failure names the invariant it protects.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn sim_is_pure_no_browser_crates_no_clock() {
    let mut files = Vec::new();
    rust_files(&root().join("core/src"), &mut files);
    let forbidden = [
        "yew::",
        "web_sys",
        "js_sys",
        "gloo",
        "wasm_bindgen",
        "Instant::now",
        "SystemTime::now",
        "thread_rng",
        "rand::rng()",
        "crate::web::app",
        "crate::web::components",
        "crate::ui::state",
        "crate::ui::layout",
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("readable file");
        for (n, line) in text.lines().enumerate() {
            for word in forbidden {
                if line.contains(word) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "Architecture Invariant violated: `sim` knows nothing about the browser, the UI or the \
         clock (see ARCHITECTURE.md). Offending lines:\n{}",
        found.join("\n")
    );
}

#[test]
fn ci_runs_the_test_command_the_readme_gives() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let ci = fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    let command = "./setup.sh test";
    assert!(
        readme.contains(command),
        "README.md must give `{command}` as the test command"
    );
    assert!(
        ci.lines()
            .any(|line| line.trim() == command || line.trim() == format!("exec {command}")),
        ".ci/run must call exactly the README's test command `{command}`"
    );
}

#[test]
fn architecture_md_names_every_module() {
    let arch = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("core/src"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let rel = f
                .strip_prefix(root())
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            (!arch.contains(&format!("`{rel}`"))).then_some(rel)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map must name these files: {missing:?}"
    );
}

#[test]
fn index_html_forbids_inline_script_and_remote_origins() {
    let html = fs::read_to_string(root().join("index.html")).expect("index.html");
    let marker = "http-equiv=\"Content-Security-Policy\"";
    let at = html
        .find(marker)
        .expect("index.html must carry a Content-Security-Policy meta tag");
    let rest = &html[at..];
    let content = rest
        .split_once("content=\"")
        .and_then(|(_, after)| after.split_once('"'))
        .map(|(policy, _)| policy)
        .expect("the CSP meta tag has a content attribute");
    let directives: Vec<(&str, Vec<&str>)> = content
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            words.next().map(|name| (name, words.collect()))
        })
        .collect();
    let sources = |name: &str| {
        directives
            .iter()
            .find(|(directive, _)| *directive == name)
            .map(|(_, sources)| sources.clone())
    };
    let script = sources("script-src")
        .or_else(|| sources("default-src"))
        .expect("the CSP names script-src (or default-src)");
    for forbidden in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'unsafe-hashes'",
        "data:",
        "blob:",
    ] {
        assert!(
            !script.contains(&forbidden),
            "the CSP's script-src must not allow {forbidden}: {content}"
        );
    }
    assert_eq!(
        sources("object-src").as_deref(),
        Some(&["'none'"][..]),
        "the CSP sets object-src 'none': {content}"
    );
    // Only keywords ('self', 'none', 'wasm-unsafe-eval', ...) and the local schemes blob: and
    // data: anywhere: no host, no `https:`, no `*`.
    let remote: Vec<&str> = directives
        .iter()
        .flat_map(|(_, sources)| sources.iter().copied())
        .filter(|source| {
            !(source.starts_with('\'') && source.ends_with('\''))
                && *source != "blob:"
                && *source != "data:"
        })
        .collect();
    assert!(
        remote.is_empty(),
        "the CSP must not allow remote origins, found {remote:?} in {content}"
    );
    // The policy is only kept if nothing needs inline script: no inline <script> in index.html,
    // and Trunk's loader is an external file (Trunk.toml, `pattern_script`).
    for (n, piece) in html.split("<script").enumerate().skip(1) {
        let tag = piece.split_once('>').map_or(piece, |(tag, _)| tag);
        assert!(
            tag.contains("src="),
            "index.html has an inline <script> (number {n}); the CSP forbids it"
        );
    }
    let trunk = fs::read_to_string(root().join("Trunk.toml")).expect("Trunk.toml");
    let pattern = trunk
        .lines()
        .find(|line| line.trim_start().starts_with("pattern_script"))
        .expect("Trunk.toml sets pattern_script, or Trunk injects an inline loader script");
    assert!(
        pattern.contains("src=\"{base}loader.js\""),
        "Trunk's loader must be the external static/loader.js: {pattern}"
    );
}
