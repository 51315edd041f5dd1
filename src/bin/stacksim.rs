//! `stacksim`: the simulation core on the command line. See `stacksim --help`.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (text, code) = stacksim::cli::run(&args, &|path| std::fs::read_to_string(path));
    // Reports (exit 0, or 1 for `check --fail-on`) go to stdout; usage errors (2) to stderr.
    // A closed pipe (`stacksim check | head`) is not an error worth a panic.
    let _ = if code == stacksim::cli::USAGE_ERROR {
        writeln!(std::io::stderr().lock(), "{text}")
    } else {
        writeln!(std::io::stdout().lock(), "{text}")
    };
    std::process::exit(code);
}
