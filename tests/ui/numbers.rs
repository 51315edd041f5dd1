//! `ui::fields::parse_f64` reads numbers exactly as `str::parse::<f64>` does: the same texts
//! accepted and refused, the same bits (native only: proptest).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use stacksim::ui::fields::parse_f64;

/// `parse_f64` accepts what `str::parse::<f64>` accepts, with the same value.
fn reads_as_std(text: &str) {
    let ours = parse_f64(text);
    let std = text.parse::<f64>().ok();
    match (ours, std) {
        (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
        _ => assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits), "{text:?}"),
    }
}

#[test]
fn numbers_read_as_the_standard_library_reads_them() {
    for text in [
        "",
        " 1",
        "1 ",
        "+",
        "-",
        ".",
        "e5",
        "1e",
        "1e+",
        "1.e3",
        ".5",
        "5.",
        "+.5e-3",
        "007",
        "-0",
        "0x10",
        "1_000",
        "inf",
        "-inf",
        "+Infinity",
        "INF",
        "infinit",
        "nan",
        "-NaN",
        "NAN",
        "nana",
        "1e400",
        "-1e-400",
        "2.2250738585072011e-308",
        "4.9e-324",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "0.30000000000000004",
        "9007199254740993",
        "123456789012345678901234567890e-10",
        "1,5",
        "1.5.2",
        "١",
    ] {
        reads_as_std(text);
    }
}

proptest! {
    #[test]
    fn any_text_reads_as_the_standard_library_reads_it(
        text in "[-+]?[0-9]{0,20}(\\.[0-9]{0,20})?([eE][-+]?[0-9]{0,4})?|[-+.eE0-9infatyINFATY ]{0,10}"
    ) {
        reads_as_std(&text);
    }
}
