//! Architecture invariants and project rules, enforced by `cargo test` (after rust-analyzer's
//! tidy tests). Each failure names the invariant it protects and the offending lines.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "sim/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

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

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Rust source with comments removed and every string and character literal emptied, so that
/// prose and messages never count as naming a crate. Line breaks are kept: line numbers hold.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep_newlines = |out: &mut String, skipped: &[char]| {
        out.extend(skipped.iter().filter(|c| **c == '\n'));
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let start = i;
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            keep_newlines(&mut out, &chars[start..i]);
        } else if c == 'r' && !ident_before && matches!(next, Some('"' | '#')) {
            // A raw string r"…" or r#"…"#: ends at a quote followed by as many hashes.
            let start = i;
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len()
                && !(chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')))
            {
                j += 1;
            }
            i = (j + 1 + hashes).min(chars.len());
            keep_newlines(&mut out, &chars[start..i]);
            out.push_str("\"\"");
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
            keep_newlines(&mut out, &chars[start..i]);
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every path in `code` as (line number, root, second segment): `std::fmt::Display` gives
/// ("std", "fmt"). Only lowercase roots: a capital starts a type. A root inside a path (`a::b::c` gives only `a`) and a turbofish
/// (`collect::<…>`) are not roots.
fn path_roots(code: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let mut i = 0;
        while i < chars.len() {
            let starts = ident(chars[i])
                && !chars[i].is_ascii_digit()
                && (i == 0 || !(ident(chars[i - 1]) || chars[i - 1] == ':'));
            if !starts {
                i += 1;
                continue;
            }
            let begin = i;
            while i < chars.len() && ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[begin..i].iter().collect();
            // Types and enum variants (`Vec::new`, `Kind::Web`) start with a capital.
            let lowercase = !word.starts_with(|c: char| c.is_uppercase());
            if lowercase
                && chars.get(i) == Some(&':')
                && chars.get(i + 1) == Some(&':')
                && chars.get(i + 2) != Some(&'<')
            {
                let rest = &chars[i + 2..];
                let second: String = rest
                    .iter()
                    .skip_while(|c| **c == '{' || c.is_whitespace())
                    .take_while(|c| ident(**c))
                    .collect();
                found.push((n + 1, word, second));
            }
        }
    }
    found
}

/// Names that may start a path in any layer without being a crate: the standard library's
/// crates, the path keywords, the primitive types, tool attributes, and proptest's `prop`
/// module (its prelude, in tests).
const NOT_CRATES: &[&str] = &[
    "std", "core", "alloc", "crate", "self", "super", "Self", "bool", "char", "str", "u8", "u16",
    "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
    "clippy", "rustfmt", "prop",
];

/// Modules of the standard library a file may import and then name by their last part
/// (`use std::fmt;` then `fmt::Display`).
const STD_MODULES: &[&str] = &[
    "array",
    "borrow",
    "cell",
    "cmp",
    "collections",
    "convert",
    "fmt",
    "hash",
    "iter",
    "mem",
    "net",
    "num",
    "ops",
    "rc",
    "slice",
    "string",
    "vec",
];

/// Paths that read a clock or the operating system's randomness.
const CLOCK_OR_OS_RANDOMNESS: &[&str] = &[
    "Instant",
    "SystemTime",
    "UNIX_EPOCH",
    "thread_rng",
    "OsRng",
    "getrandom",
    "from_entropy",
    "from_os_rng",
    "rand::rng",
    "rand::random",
    "std::time",
];

/// Standard-library modules that reach the world outside: files, the environment, processes,
/// threads, consoles, the OS.
const STD_EFFECTS: &[&str] = &["fs", "env", "process", "thread", "io", "os", "time"];

/// The file stems and directory names of the `.rs` files under `dir`: the modules a file may
/// import and name by their last part (`use crate::sim::engine;` then `engine::Input`).
fn module_names(dir: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    let mut names = BTreeSet::new();
    for file in files {
        let rel = file.strip_prefix(dir).expect("under dir");
        for part in rel.with_extension("").iter() {
            names.insert(part.to_string_lossy().into_owned());
        }
    }
    names
}

/// The crate names (`-` read as `_`) in a manifest's dependency sections; `dev` adds the
/// dev-dependencies.
fn manifest_crates(manifest: &str, dev: bool) -> BTreeSet<String> {
    let mut crates = BTreeSet::new();
    let mut in_deps = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line.ends_with("dependencies]")
                && (dev || !line.contains("dev-dependencies"))
                && !line.contains("build-dependencies");
        } else if in_deps && let Some((name, _)) = line.split_once('=') {
            crates.insert(name.trim().replace('-', "_"));
        }
    }
    crates
}

/// One layer's rule: which crates and which modules of this crate its files may name.
struct Layer {
    /// The invariant, as ARCHITECTURE.md words it.
    invariant: &'static str,
    files: Vec<PathBuf>,
    /// Crates the layer may name, besides the standard library.
    crates: BTreeSet<String>,
    /// Module names (of this layer and the layers below) that may start a path.
    modules: BTreeSet<String>,
    /// The modules of this package `crate::` (or `stacksim::`) may reach; `None` for the core,
    /// whose `crate` is itself.
    own_crate: Option<&'static [&'static str]>,
    /// Whether the layer is pure: no clock, no OS randomness, no files or processes.
    pure: bool,
}

impl Layer {
    /// The offending lines, `path:line: reason: code`.
    fn violations(&self) -> Vec<String> {
        let mut found = Vec::new();
        for file in &self.files {
            let text = fs::read_to_string(file).expect("readable file");
            let code = code_only(&text);
            let lines: Vec<&str> = code.lines().collect();
            let mut report = |n: usize, why: String| {
                found.push(format!(
                    "{}:{n}: {why}: {}",
                    relative(file),
                    lines[n - 1].trim()
                ));
            };
            for (n, line) in lines.iter().enumerate() {
                if line.contains("extern crate") {
                    report(n + 1, "extern crate".to_owned());
                }
                if self.pure {
                    for word in CLOCK_OR_OS_RANDOMNESS {
                        if line.contains(word) {
                            report(n + 1, format!("clock or OS randomness `{word}`"));
                        }
                    }
                }
            }
            for (n, root, second) in path_roots(&code) {
                let allowed = if root == "crate" || root == "stacksim" {
                    match self.own_crate {
                        None => root == "crate",
                        Some(modules) => modules.contains(&second.as_str()),
                    }
                } else if root == "std" || root == "core" || root == "alloc" {
                    !(self.pure && STD_EFFECTS.contains(&second.as_str()))
                } else {
                    NOT_CRATES.contains(&root.as_str())
                        || STD_MODULES.contains(&root.as_str())
                        || self.crates.contains(&root)
                        || self.modules.contains(&root)
                };
                if !allowed {
                    let named = if second.is_empty() {
                        root
                    } else {
                        format!("{root}::{second}")
                    };
                    report(n, format!("names `{named}`"));
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    #[track_caller]
    fn check(&self) {
        assert!(
            !self.files.is_empty(),
            "no files found for the invariant: {}",
            self.invariant
        );
        let found = self.violations();
        assert!(
            found.is_empty(),
            "Architecture Invariant violated: {} (see ARCHITECTURE.md). Offending lines:\n{}",
            self.invariant,
            found.join("\n")
        );
    }
}

fn files_in(paths: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        let path = root().join(path);
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path);
        }
    }
    files
}

/// The crates the core may depend on: serialisation, error types, a seeded generator and the
/// shortest digits of a float.
const CORE_CRATES: &[&str] = &[
    "serde",
    "serde_json",
    "thiserror",
    "rand",
    "rand_pcg",
    "zmij",
];

#[test]
fn the_core_depends_on_no_browser_crate() {
    let manifest = fs::read_to_string(root().join("core/Cargo.toml")).expect("core/Cargo.toml");
    let extra: Vec<String> = manifest_crates(&manifest, false)
        .into_iter()
        .filter(|name| !CORE_CRATES.contains(&name.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "Architecture Invariant violated: the core (core/Cargo.toml) depends only on \
         {CORE_CRATES:?}, never on a browser crate; it also lists {extra:?}"
    );
}

#[test]
fn the_core_names_only_its_own_crates_and_no_clock() {
    let manifest = fs::read_to_string(root().join("core/Cargo.toml")).expect("core/Cargo.toml");
    Layer {
        invariant: "the core (core/src) names only itself, the standard library and the crates \
                    of its manifest; it reads no clock, no OS randomness, no files",
        files: files_in(&["core/src"]),
        crates: manifest_crates(&manifest, true),
        modules: module_names(&root().join("core/src")),
        own_crate: None,
        pure: true,
    }
    .check();
}

#[test]
fn the_ui_model_names_only_the_core_and_plain_crates() {
    let mut modules = module_names(&root().join("core/src"));
    modules.extend(module_names(&root().join("src/ui")));
    Layer {
        invariant: "the UI model (src/ui) names only the standard library, the core \
                    (`crate::sim`), itself (`crate::ui`) and plain data crates; never yew, \
                    web_sys, js_sys, gloo, wasm_bindgen or `crate::web`, and no clock",
        files: files_in(&["src/ui.rs", "src/ui"]),
        crates: [
            "serde",
            "serde_json",
            "thiserror",
            "base64",
            "miniz_oxide",
            "lexical_parse_float",
            "rand",
            "rand_pcg",
        ]
        .map(str::to_owned)
        .into(),
        modules,
        own_crate: Some(&["sim", "ui"]),
        pure: true,
    }
    .check();
}

#[test]
fn the_cli_names_only_the_core() {
    Layer {
        invariant: "the command line (src/cli.rs, src/bin) runs the core headless: it names the \
                    core (`sim`) and itself (`cli`), never `ui` or `web`",
        files: files_in(&["src/cli.rs", "src/bin"]),
        crates: ["serde", "serde_json", "thiserror"]
            .map(str::to_owned)
            .into(),
        modules: module_names(&root().join("core/src")),
        own_crate: Some(&["sim", "cli"]),
        pure: false,
    }
    .check();
}

/// The checker itself: it must see what it is there to see.
#[test]
fn the_layer_check_finds_a_browser_crate_a_clock_and_the_shell() {
    let dir = std::env::temp_dir().join(format!("stacksim-tidy-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.rs");
    fs::write(
        &file,
        "// yew::Html in a comment is fine\n\
         const S: &str = \"web_sys::window in a string is fine\";\n\
         use yew::prelude::*;\n\
         fn f() { let _ = std::time::Instant::now(); }\n\
         use crate::web::app;\n\
         use crate::sim::engine;\n\
         fn g() -> usize { engine::x().iter().collect::<Vec<_>>().len() }\n",
    )
    .expect("write");
    let layer = Layer {
        invariant: "test",
        files: vec![file],
        crates: BTreeSet::new(),
        modules: ["engine".to_owned()].into(),
        own_crate: Some(&["sim", "ui"]),
        pure: true,
    };
    let found = layer.violations();
    fs::remove_dir_all(&dir).expect("clean up");
    let lines: Vec<&str> = found
        .iter()
        .map(|f| f.split(':').nth(1).expect("line number"))
        .collect();
    assert_eq!(lines, ["3", "4", "4", "4", "5"], "{found:#?}");
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

/// The code map in ARCHITECTURE.md has a section for each layer, and names every directory of
/// source (a new directory gets a line where it belongs, not one per file).
#[test]
fn architecture_md_has_a_code_map_section_for_each_directory() {
    let arch = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let code_map = arch
        .split_once("## Code Map")
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .expect("ARCHITECTURE.md has a `## Code Map`");
    let headings: Vec<&str> = code_map.lines().filter(|l| l.starts_with("### ")).collect();
    let layers = ["core/src", "src/ui", "src/web", "src", "tests", "benches"];
    let no_section: Vec<&str> = layers
        .into_iter()
        .filter(|layer| !headings.iter().any(|h| h.contains(&format!("`{layer}/`"))))
        .collect();
    assert!(
        no_section.is_empty(),
        "ARCHITECTURE.md's code map needs a `### ` section for each layer: {no_section:?}"
    );
    let mut files = Vec::new();
    for top in layers {
        rust_files(&root().join(top), &mut files);
    }
    let dirs: BTreeSet<String> = files
        .iter()
        .map(|file| relative(file.parent().expect("in a directory")))
        .filter(|dir| !dir.starts_with("tests/fuzz"))
        .map(|dir| format!("`{dir}/`"))
        .collect();
    let unnamed: Vec<&String> = dirs
        .iter()
        .filter(|dir| !code_map.contains(dir.as_str()))
        .collect();
    assert!(
        unnamed.is_empty(),
        "ARCHITECTURE.md's code map must name each directory of source, under its layer: \
         {unnamed:?}"
    );
}

#[test]
fn index_html_forbids_inline_script_and_remote_origins() {
    let html = fs::read_to_string(root().join("index.html")).expect("index.html");
    let content = fixtures::content_security_policy(&html)
        .expect("index.html must carry a Content-Security-Policy meta tag with a content");
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

/// The simplifications have one source, `ui::simplifications`, which the app shows; README.md
/// repeats every item (`**Title.** Text`, lines wrapped anywhere) so the two cannot drift.
#[test]
fn readme_lists_every_simplification_the_app_shows() {
    use stacksim::ui::simplifications::SIMPLIFICATIONS;
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let heading = "## What the simulation simplifies";
    let section = readme
        .split_once(heading)
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .unwrap_or_else(|| panic!("README.md has a section `{heading}`"));
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let section = flat(section);
    let missing: Vec<String> = SIMPLIFICATIONS
        .iter()
        .map(|s| flat(&format!("- **{}.** {}", s.title, s.text)))
        .filter(|item| !section.contains(item.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's `{heading}` must list every item of src/ui/simplifications.rs as \
         `- **Title.** Text`; missing or different:\n{}",
        missing.join("\n")
    );
    let items = section.matches("- **").count();
    assert_eq!(
        items,
        SIMPLIFICATIONS.len(),
        "README.md lists {items} simplifications, src/ui/simplifications.rs {}",
        SIMPLIFICATIONS.len()
    );
}

/// The line numbers of `text` holding a format spec with a precision (`{:.1}`, `{x:>6.2}`,
/// `{:.prec$}`): in this code base only floats take one.
fn precision_specs(text: &str) -> Vec<usize> {
    let spec_char = |c: char| c.is_ascii_alphanumeric() || "_$.<>^+#-".contains(c);
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if let Some(after) = rest.strip_prefix('{') {
                // `{{` is a brace, not a placeholder.
                rest = after;
                continue;
            }
            let Some(close) = rest.find(['{', '}']) else {
                break;
            };
            let inside = &rest[..close];
            if let Some((_, spec)) = inside.split_once(':')
                && spec.chars().all(spec_char)
                && spec.split_once('.').is_some_and(|(_, precision)| {
                    precision.starts_with(|c: char| c.is_ascii_digit()) || precision.contains('$')
                })
            {
                found.push(n + 1);
            }
        }
    }
    found
}

/// Rust's float formatting costs the wasm ~15 KB, so `sim::number` is the one way an `f64`
/// becomes text (ARCHITECTURE.md, Performance). `{}` of an `f64` cannot be told from `{}` of
/// anything else here, but a precision can.
#[test]
fn floats_are_formatted_by_sim_number() {
    let mut offending = Vec::new();
    for file in files_in(&["src", "core/src"]) {
        if relative(&file) == "core/src/number.rs" {
            continue;
        }
        let text = fs::read_to_string(&file).expect("readable source");
        for line in precision_specs(&text) {
            offending.push(format!("{}:{line}", relative(&file)));
        }
    }
    assert!(
        offending.is_empty(),
        "an f64 is formatted with a precision ({{:.N}}); use sim::number::fixed instead: {offending:?}"
    );
}

/// The checker itself.
#[test]
fn the_precision_check_finds_precisions_and_nothing_else() {
    let text = "format!(\"{v:.1} ms\")\n\
                format!(\"{:>8.2}|{}\", a, b)\n\
                format!(\"{x:.prec$}\")\n\
                Point { x: 1.5, y: 2.0 }\n\
                format!(\"{}, {v:?}, {:>8}, {{:.1}}\", fixed(v, 1))\n\
                html! { <rect x={r.x} /> }\n";
    assert_eq!(precision_specs(text), [1, 2, 3]);
}
