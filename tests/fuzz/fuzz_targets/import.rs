//! The JSON import, fed arbitrary bytes: `from_json` must never panic, and whatever it accepts
//! must validate, save with `to_json` and load back to the same design, byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacksim::sim::format::{from_json, to_json, validate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(topology) = from_json(text) else {
        return;
    };
    assert_eq!(validate(&topology), Ok(()), "an accepted design validates");
    let saved = to_json(&topology);
    let reloaded = match from_json(&saved) {
        Ok(reloaded) => reloaded,
        Err(err) => panic!("a saved design does not load back: {err}\n{saved}"),
    };
    assert_eq!(reloaded, topology, "the design survives a save and load");
    assert_eq!(to_json(&reloaded), saved, "saving is deterministic");
});
