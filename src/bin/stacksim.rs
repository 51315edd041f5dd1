//! `stacksim`: the simulation core on the command line. See `stacksim --help`.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = |path: &std::path::Path, contents: &str| {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, contents)
    };
    let (text, code) = stacksim::cli::run_io(&args, &|path| std::fs::read_to_string(path), &write);
    // Reports (exit 0, or 1 for `check --fail-on`) go to stdout; usage errors (2) to stderr.
    // A closed pipe (`stacksim check | head`) is not an error worth a panic.
    let _ = if code == stacksim::cli::USAGE_ERROR {
        writeln!(std::io::stderr().lock(), "{text}")
    } else {
        writeln!(std::io::stdout().lock(), "{text}")
    };
    std::process::exit(code);
}
