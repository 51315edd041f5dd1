//! Numbers as text: the one place an `f64` becomes digits, for the page, the charts and the
//! command line alike.
//!
//! Rust's own float formatting (`{}` and `{:.N}` of an `f64`) brings Grisu, Dragon4 and a
//! 1280-bit bignum into the browser app, about 15 KB of wasm. serde_json already links
//! [`zmij`] for the shortest digits, and a fixed number of decimals needs only integer
//! arithmetic on the float's bits, so text for an `f64` goes through [`shortest`] (for `{}`) or
//! [`fixed`] (for `{:.N}`) instead: `format!("{} ms", fixed(ms, 1))`, `shortest(x).to_string()`.
//! Never format an `f64` with `{}`, `{:.N}`, `{:?}` or `to_string()` in code the app links.
//!
//! Both print what the standard library prints, digit for digit, including its sign rules
//! (`-0`, and `-0.0` for a small negative number rounded to zero), `NaN`, `inf` and `-inf`.
//! [`fixed`] rounds the float's exact value, as the standard library does: exact ties go to
//! the even digit (`fixed(0.125, 2)` is `0.12`, `fixed(2.5, 0)` is `2`), and a number that only
//! looks like a tie is not one (`fixed(0.15, 1)` is `0.1`: `0.15` is stored as
//! `0.1499999999999999944…`). Where they can differ:
//! - [`shortest`], when two shortest digit strings are equally close to the float (it lies
//!   exactly halfway, which takes 16 or 17 significant digits): zmij takes the even last digit,
//!   the standard library the upper one (`568748817898031.25` prints as `…031.2`, std `…031.3`).
//!   Both read back as the same float.
//! - [`fixed`] of a number at or above 2^64 (1.8·10^19) prints the shortest digits padded with
//!   zeros, where the standard library prints the float's exact binary value (`1e20` is
//!   `100000000000000000000.0` both ways, but 2^70 is `1180591620717411300000` here against
//!   `1180591620717411303424`); decimals beyond [`MAX_DECIMALS`] are zeros.
//!
//! The tests compare both with the standard library over a table and random floats.

use std::fmt;

/// The most decimals [`fixed`] computes; further ones print as zeros.
pub const MAX_DECIMALS: usize = 19;

/// `value` the shortest way that reads back as the same `f64`, as `format!("{value}")` prints
/// it: no exponent and no trailing `.0` (`2`, `0.1`, `1500`, `0.0000001`, `-0`).
pub fn shortest(value: f64) -> Shortest {
    Shortest(value)
}

/// `value` rounded to `decimals` places, as `format!("{value:.decimals$}")` prints it (see the
/// module's documentation for the one difference, above 2^64).
pub fn fixed(value: f64, decimals: usize) -> Fixed {
    Fixed { value, decimals }
}

/// See [`shortest`].
#[derive(Clone, Copy, Debug)]
pub struct Shortest(f64);

/// See [`fixed`].
#[derive(Clone, Copy, Debug)]
pub struct Fixed {
    value: f64,
    decimals: usize,
}

impl fmt::Display for Shortest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Text::new();
        if let Some(special) = special(self.0) {
            out.push_str(special);
        } else {
            if self.0.is_sign_negative() {
                out.push(b'-');
            }
            let (digits, point) = shortest_digits(self.0.abs());
            lay_out(&mut out, digits.as_bytes(), point, 0);
        }
        f.pad(out.as_str())
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Text::new();
        if let Some(special) = special(self.value) {
            out.push_str(special);
        } else {
            if self.value.is_sign_negative() {
                out.push(b'-');
            }
            write_fixed(&mut out, self.value.abs(), self.decimals);
        }
        f.pad(out.as_str())
    }
}

/// What the standard library prints for a value without digits.
fn special(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some("NaN")
    } else if value == f64::INFINITY {
        Some("inf")
    } else if value == f64::NEG_INFINITY {
        Some("-inf")
    } else {
        None
    }
}

/// A finite, non-negative `value` with `decimals` places.
fn write_fixed(out: &mut Text, value: f64, decimals: usize) {
    let shown = decimals.min(MAX_DECIMALS);
    // value = mantissa · 2^exponent exactly.
    let bits = value.to_bits();
    let biased = (bits >> 52) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    let (whole, mut part) = if exponent >= 0 {
        if exponent > 11 {
            // 2^64 or more: the shortest digits, then zeros.
            let (digits, point) = shortest_digits(value);
            lay_out(out, digits.as_bytes(), point, decimals);
            return;
        }
        (mantissa << exponent, 0)
    } else {
        // The whole part, and the fraction's bits below it rounded to `shown` decimals:
        // round(fraction · 10^shown / 2^shift), exact ties to even.
        let shift = exponent.unsigned_abs();
        let (whole, below) = if shift >= 64 {
            (0, mantissa)
        } else {
            (mantissa >> shift, mantissa & ((1 << shift) - 1))
        };
        let scaled = u128::from(below) * u128::from(10u64.pow(shown as u32));
        let part = if shift >= 128 {
            // scaled < 2^117, below half of 2^shift.
            0
        } else {
            let kept = (scaled >> shift) as u64;
            let rest = scaled & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            let odd = if shown == 0 { whole & 1 } else { kept & 1 };
            if rest > half || (rest == half && odd == 1) {
                kept + 1
            } else {
                kept
            }
        };
        (whole, part)
    };
    let mut whole = whole;
    let unit = 10u64.pow(shown as u32);
    if part >= unit {
        // Rounded up into the whole part (0.96 with one decimal is 1.0).
        part -= unit;
        whole += 1;
    }
    push_u64(out, whole, 1);
    if decimals > 0 {
        out.push(b'.');
        if shown > 0 {
            push_u64(out, part, shown);
        }
        for _ in shown..decimals {
            out.push(b'0');
        }
    }
}

/// The shortest digits of a finite, non-negative `value` (no leading or trailing zeros, `"0"`
/// for zero) and where the point goes: `value = 0.digits · 10^point`.
fn shortest_digits(value: f64) -> (Text, i32) {
    let mut buffer = zmij::Buffer::new();
    // zmij writes `1.5`, `100.0`, `1e+16`, `1.5e-07`: digits, a point, perhaps an exponent.
    let text = buffer.format_finite(value);
    let (mantissa, exponent) = match text.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, parse_exponent(exponent)),
        None => (text, 0),
    };
    let mut digits = Text::new();
    let mut point = exponent;
    let mut seen_point = false;
    for &byte in mantissa.as_bytes() {
        match byte {
            b'.' => seen_point = true,
            b'0' if digits.len == 0 => {
                // A leading zero: `0.001` is 0.1 · 10^-2.
                if seen_point {
                    point -= 1;
                }
            }
            _ => {
                digits.push(byte);
                if !seen_point {
                    point += 1;
                }
            }
        }
    }
    while digits.len > 0 && digits.bytes[digits.len - 1] == b'0' {
        digits.len -= 1;
    }
    if digits.len == 0 {
        digits.push(b'0');
        point = 1;
    }
    (digits, point)
}

fn parse_exponent(text: &str) -> i32 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = digits
        .bytes()
        .fold(0i32, |n, digit| n * 10 + i32::from(digit - b'0'));
    if negative { -magnitude } else { magnitude }
}

/// `0.digits · 10^point` without an exponent, with at least `decimals` places.
fn lay_out(out: &mut Text, digits: &[u8], point: i32, decimals: usize) {
    let mut places = 0;
    if point <= 0 {
        out.push_str("0.");
        for _ in point..0 {
            out.push(b'0');
        }
        out.push_bytes(digits);
        places = point.unsigned_abs() as usize + digits.len();
    } else {
        let point = point as usize;
        if point >= digits.len() {
            out.push_bytes(digits);
            for _ in digits.len()..point {
                out.push(b'0');
            }
            if decimals > 0 {
                out.push(b'.');
            }
        } else {
            out.push_bytes(&digits[..point]);
            out.push(b'.');
            out.push_bytes(&digits[point..]);
            places = digits.len() - point;
        }
    }
    for _ in places..decimals {
        out.push(b'0');
    }
}

/// `n` in decimal, zero-padded to `width` digits.
fn push_u64(out: &mut Text, mut n: u64, width: usize) {
    let mut reversed = [0u8; 20];
    let mut count = 0;
    while n > 0 || count < width {
        reversed[count] = b'0' + (n % 10) as u8;
        n /= 10;
        count += 1;
    }
    for &digit in reversed[..count].iter().rev() {
        out.push(digit);
    }
}

/// Room for the text of one number: a sign, 20 whole digits, a point and the decimals, or the
/// shortest digits laid out (at most 17 digits and 324 zeros). Longer text (a huge number with
/// many decimals) is cut, which no caller asks for.
struct Text {
    bytes: [u8; 352],
    len: usize,
}

impl Text {
    fn new() -> Text {
        Text {
            bytes: [0; 352],
            len: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn push_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.push(byte);
        }
    }

    fn push_str(&mut self, text: &str) {
        self.push_bytes(text.as_bytes());
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits, signs, points and the specials' letters are pushed.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std_shortest(value: f64) -> String {
        format!("{value}")
    }

    fn std_fixed(value: f64, decimals: usize) -> String {
        format!("{value:.decimals$}")
    }

    const VALUES: &[f64] = &[
        0.0,
        -0.0,
        1.0,
        2.0,
        -2.0,
        0.1,
        0.2,
        0.3,
        0.5,
        1.5,
        2.5,
        -2.5,
        0.25,
        0.125,
        0.05,
        0.15,
        0.35,
        0.95,
        0.96,
        0.999,
        9.995,
        9.9999,
        1.005,
        12.5,
        99.95,
        100.0,
        123.456,
        1500.0,
        3.609375,
        12.5e3,
        1e-7,
        1.5e-7,
        -0.04,
        -0.4,
        -1e-300,
        5e-324,
        2.2250738585072014e-308,
        1e15,
        1e16,
        1e17,
        123456789012.345,
        9007199254740993.0,
        1e19,
        1.8e19,
        1e21,
        1.5e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        std::f64::consts::PI,
        std::f64::consts::E,
        1.0 / 3.0,
        2.0 / 3.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];

    #[test]
    fn shortest_prints_what_display_prints() {
        for &value in VALUES {
            assert_eq!(
                shortest(value).to_string(),
                std_shortest(value),
                "{value:?}"
            );
        }
        // A tie between two shortest candidates: zmij takes the even digit, std the upper.
        // -568748817898031.25, written so because clippy takes the literal for too precise.
        let tie = -568_748_817_898_031.0 - 0.25;
        assert_eq!(shortest(tie).to_string(), "-568748817898031.2");
        assert_eq!(std_shortest(tie), "-568748817898031.3");
    }

    #[test]
    fn fixed_prints_what_display_with_a_precision_prints() {
        for &value in VALUES {
            for decimals in 0..=6 {
                if value.abs() >= 18_446_744_073_709_551_616.0 && value.is_finite() {
                    continue;
                }
                assert_eq!(
                    fixed(value, decimals).to_string(),
                    std_fixed(value, decimals),
                    "{value:?} to {decimals} places"
                );
            }
        }
    }

    #[test]
    fn ties_round_to_even_and_near_ties_by_their_exact_value() {
        for (value, decimals, text) in [
            (0.5, 0, "0"),
            (1.5, 0, "2"),
            (2.5, 0, "2"),
            (-2.5, 0, "-2"),
            (0.25, 1, "0.2"),
            (0.75, 1, "0.8"),
            (0.125, 2, "0.12"),
            (0.375, 2, "0.38"),
            (0.15, 1, "0.1"),
            (0.35, 1, "0.3"),
            (1.005, 2, "1.00"),
            (0.96, 1, "1.0"),
            (-0.04, 1, "-0.0"),
            (-0.0, 0, "-0"),
            (9.9999, 3, "10.000"),
        ] {
            assert_eq!(
                fixed(value, decimals).to_string(),
                text,
                "{value} to {decimals}"
            );
            assert_eq!(
                std_fixed(value, decimals),
                text,
                "std: {value} to {decimals}"
            );
        }
    }

    #[test]
    fn huge_numbers_fall_back_to_the_shortest_digits() {
        assert_eq!(fixed(1e20, 1).to_string(), "100000000000000000000.0");
        assert_eq!(
            fixed(2f64.powi(70), 0).to_string(),
            "1180591620717411300000"
        );
        assert_eq!(
            fixed(-1.5e25, 2).to_string(),
            "-15000000000000000000000000.00"
        );
        // Below 2^64 every digit is exact.
        assert_eq!(
            fixed(2f64.powi(63), 1).to_string(),
            std_fixed(2f64.powi(63), 1)
        );
        assert_eq!(fixed(1.0, 25).to_string(), format!("1.{}", "0".repeat(25)));
    }

    #[test]
    fn the_formatter_pads_as_strings_do() {
        assert_eq!(format!("{:>6}", fixed(1.25, 1)), "   1.2");
        assert_eq!(format!("{:<5}|", shortest(2.0)), "2    |");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Below 2^64 every `f64` prints as the standard library prints it.
    const BOUND: f64 = 18_446_744_073_709_551_616.0;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn shortest_matches_display_for_any_bits(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            let ours = shortest(value).to_string();
            let std = format!("{value}");
            if ours != std {
                // Only a tie between two shortest candidates may differ: same length, both
                // read back as the value.
                prop_assert_eq!(ours.len(), std.len(), "{} against {}", ours, std);
                prop_assert_eq!(ours.parse::<f64>(), Ok(value));
                prop_assert_eq!(std.parse::<f64>(), Ok(value));
            }
        }

        #[test]
        fn fixed_matches_display_below_2_to_the_64(
            bits in 0..BOUND.to_bits(),
            negative: bool,
            decimals in 0usize..=8,
        ) {
            let value = f64::from_bits(bits);
            let value = if negative { -value } else { value };
            prop_assert_eq!(fixed(value, decimals).to_string(), format!("{value:.decimals$}"));
        }

        #[test]
        fn fixed_matches_display_for_everyday_numbers(
            value in -1e7f64..1e7,
            decimals in 0usize..=4,
        ) {
            prop_assert_eq!(fixed(value, decimals).to_string(), format!("{value:.decimals$}"));
        }

        #[test]
        fn fixed_matches_display_on_decimal_ties(
            whole in -100_000i64..100_000,
            decimals in 0usize..=3,
        ) {
            // n + 0.5 units of the last place: exact ties when the unit is a power of two's
            // divisor (0.5, 0.25, …), near ties otherwise.
            let value = (whole as f64 + 0.5) / 10f64.powi(decimals as i32);
            prop_assert_eq!(fixed(value, decimals).to_string(), format!("{value:.decimals$}"));
        }

        #[test]
        fn fixed_matches_display_for_max_decimals(
            value in -1e4f64..1e4,
        ) {
            let decimals = MAX_DECIMALS;
            prop_assert_eq!(fixed(value, decimals).to_string(), format!("{value:.decimals$}"));
        }
    }
}
