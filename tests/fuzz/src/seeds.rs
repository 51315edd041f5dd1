//! Writes the four stages as design files into the folder given as the only argument: the seed
//! corpus of the `import` fuzz target.

use std::path::PathBuf;
use std::process::ExitCode;

use stacksim::sim::{format, presets};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: seeds <corpus folder>");
        return ExitCode::from(2);
    };
    if let Err(err) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {err}", dir.display());
        return ExitCode::from(2);
    }
    for number in 0..=3 {
        let Some(topology) = presets::topology(number) else {
            continue;
        };
        let path = dir.join(format!("stage{number}.json"));
        if let Err(err) = std::fs::write(&path, format::to_json(&topology)) {
            eprintln!("cannot write {}: {err}", path.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
