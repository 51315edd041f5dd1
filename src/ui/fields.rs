//! What a user types into the inspector's fields, parsed: addresses, ports, bounded numbers,
//! milliseconds, networks, ids, names, paths and DNS names. Pure and natively tested; every
//! refusal is a [`FieldError`] whose text is shown next to the field.
//!
//! The ranges are the ones [`crate::sim::format::validate`] enforces, so a field that parses
//! gives a value the design accepts (whole-design rules such as a duplicate address are
//! checked by [`crate::ui::edit::apply`]).

use std::net::Ipv4Addr;

use crate::sim::format::{MAX_ID_CHARS, MAX_TEXT_CHARS};
use crate::sim::topology::{Cidr, CidrError};
use crate::ui::edit;

/// Why a field's text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("this field cannot be empty")]
    Empty,
    #[error("'{0}' is not an IPv4 address; write four numbers from 0 to 255, such as 10.0.0.2")]
    Address(String),
    #[error("'{0}' is not a whole number")]
    Number(String),
    #[error("{value} is out of range: {min} to {max}{unit}")]
    Range {
        value: String,
        min: u64,
        max: u64,
        unit: &'static str,
    },
    #[error("'{0}' is not a duration in milliseconds, such as 20 or 0.5")]
    Millis(String),
    #[error("'{0}' has more than 3 decimals; the finest step is 0.001 ms (1 µs)")]
    Precision(String),
    #[error("{value} ms is out of range: {min} to {max} ms")]
    MillisRange {
        value: String,
        min: String,
        max: String,
    },
    #[error("'{text}' is not a network: {reason} (write 10.0.0.0/8, 10.0.0.5 or any)")]
    Cidr { text: String, reason: String },
    #[error("an id is 1 to {MAX_ID_CHARS} letters, digits, '-', '_' or '.'; '{0}' is not")]
    Id(String),
    #[error("this text is {0} characters long; the limit is {MAX_TEXT_CHARS}")]
    TooLong(usize),
    #[error("this text contains a control character")]
    Control,
    #[error("'{0}' must start with '/' and contain no spaces")]
    Path(String),
    #[error(
        "'{0}' is not a domain name: labels of letters, digits and '-' separated by dots, such as foobar.com"
    )]
    Domain(String),
    #[error("'{0}' is not a record name: '@' for the zone itself, or labels such as www")]
    RecordName(String),
}

/// A number as `str::parse::<f64>` reads it: the same syntax (`1`, `-2.5`, `.5`, `1e3`, `inf`,
/// `NaN`, …) and the same correctly rounded value. Read by lexical's compact reader: the
/// standard library's carries a 10 KB table of powers of five, 2 % of the app's download.
pub fn parse_f64(text: &str) -> Option<f64> {
    lexical_parse_float::FromLexical::from_lexical(text.as_bytes()).ok()
}

/// An IPv4 address such as `10.0.0.2`.
pub fn parse_ip(text: &str) -> Result<Ipv4Addr, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    text.parse()
        .map_err(|_| FieldError::Address(clip(text).to_owned()))
}

/// An address, or none when the field is left empty (a host's public address).
pub fn parse_optional_ip(text: &str) -> Result<Option<Ipv4Addr>, FieldError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_ip(text).map(Some)
    }
}

/// A whole number from `min` to `max`; `unit` is appended to the range in the message
/// (`" ms"`, `" s"`, or `""`).
pub fn parse_number<T>(text: &str, min: T, max: T, unit: &'static str) -> Result<T, FieldError>
where
    T: Copy + Into<u64> + TryFrom<u64>,
{
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    let (min, max) = (min.into(), max.into());
    let range = || FieldError::Range {
        value: clip(text).to_owned(),
        min,
        max,
        unit,
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::Number(clip(text).to_owned()));
    }
    if text.starts_with('-') {
        return Err(range());
    }
    // All digits: the only way to fail is a number too large for u64.
    let value: u64 = digits.parse().map_err(|_| range())?;
    if value < min || value > max {
        return Err(range());
    }
    T::try_from(value).map_err(|_| range())
}

/// A TCP port, 1 to 65535.
pub fn parse_port(text: &str) -> Result<u16, FieldError> {
    parse_number(text, 1u16, u16::MAX, "")
}

/// A firewall rule's port: empty or `any` is every port.
pub fn parse_optional_port(text: &str) -> Result<Option<u16>, FieldError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("any") {
        Ok(None)
    } else {
        parse_port(text).map(Some)
    }
}

/// A duration typed in milliseconds with up to three decimals (`20`, `0.5`, `12.125`), as
/// whole microseconds from `min_us` to `max_us`.
pub fn parse_millis_as_micros(text: &str, min_us: u32, max_us: u32) -> Result<u32, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(FieldError::Millis(clip(text).to_owned()));
    }
    if frac.len() > 3 {
        return Err(FieldError::Precision(clip(text).to_owned()));
    }
    let range = || FieldError::MillisRange {
        value: clip(text).to_owned(),
        min: format_millis(min_us),
        max: format_millis(max_us),
    };
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| range())?
    };
    let frac: u64 = format!("{frac:0<3}").parse().unwrap_or(0);
    let micros = whole.checked_mul(1000).and_then(|w| w.checked_add(frac));
    match micros {
        Some(us) if us >= u64::from(min_us) && us <= u64::from(max_us) => {
            u32::try_from(us).map_err(|_| range())
        }
        _ => Err(range()),
    }
}

/// Microseconds shown as milliseconds: `20000` → `20`, `12500` → `12.5`, `1` → `0.001`.
pub fn format_millis(us: u32) -> String {
    let (whole, frac) = (us / 1000, us % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        let frac = format!("{frac:03}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// A source network: `10.0.0.0/8`, a single address, or `any`.
pub fn parse_cidr(text: &str) -> Result<Cidr, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    text.parse().map_err(|err: CidrError| FieldError::Cidr {
        text: clip(text).to_owned(),
        reason: err.to_string(),
    })
}

/// A node or service id: letters, digits, `-`, `_`, `.`.
pub fn parse_id(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    if edit::valid_id(text) {
        Ok(text.to_owned())
    } else {
        Err(FieldError::Id(clip(text).to_owned()))
    }
}

/// Free text that must not be empty (a name, a product, a runtime, an issuer).
pub fn parse_text(text: &str) -> Result<String, FieldError> {
    let text = parse_optional_text(text)?;
    if text.is_empty() {
        return Err(FieldError::Empty);
    }
    Ok(text)
}

/// Free text that may be empty (a firewall rule's comment).
pub fn parse_optional_text(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return Err(FieldError::Control);
    }
    let len = text.chars().count();
    if len > MAX_TEXT_CHARS {
        return Err(FieldError::TooLong(len));
    }
    Ok(text.to_owned())
}

/// An absolute path: a URL prefix (`/static/`) or a directory (`/var/www/foobar`).
pub fn parse_path(text: &str) -> Result<String, FieldError> {
    let text = parse_text(text)?;
    if !text.starts_with('/') || text.chars().any(char::is_whitespace) {
        return Err(FieldError::Path(clip(&text).to_owned()));
    }
    Ok(text)
}

/// One DNS label: 1 to 63 letters, digits and `-`, not starting or ending with `-`.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A zone's domain such as `foobar.com`, lower-cased, without a trailing dot.
pub fn parse_domain(text: &str) -> Result<String, FieldError> {
    let text = parse_text(text)?;
    let name = text.strip_suffix('.').unwrap_or(&text).to_ascii_lowercase();
    if name.len() > 253 || !name.split('.').all(is_label) {
        return Err(FieldError::Domain(clip(&text).to_owned()));
    }
    Ok(name)
}

/// A record's owner name relative to the zone: `@` (the zone itself), `www`, `api.eu`, or a
/// wildcard such as `*.cdn`; lower-cased.
pub fn parse_record_name(text: &str) -> Result<String, FieldError> {
    let text = parse_text(text)?;
    if text == "@" {
        return Ok(text);
    }
    let name = text.to_ascii_lowercase();
    let ok = name
        .split('.')
        .enumerate()
        .all(|(i, label)| (i == 0 && label == "*") || is_label(label));
    if name.len() > 253 || !ok {
        return Err(FieldError::RecordName(clip(&text).to_owned()));
    }
    Ok(name)
}

/// At most 40 characters of what was typed, for a message.
fn clip(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((idx, _)) => &text[..idx],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: std::fmt::Debug>(result: Result<T, FieldError>) -> String {
        match result {
            Ok(value) => panic!("expected a refusal, got {value:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn addresses_parse_and_bad_ones_say_why() {
        assert_eq!(parse_ip(" 10.0.0.2 "), Ok(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(
            message(parse_ip("10.0.0.300")),
            "'10.0.0.300' is not an IPv4 address; write four numbers from 0 to 255, such as 10.0.0.2"
        );
        assert_eq!(
            message(parse_ip("10.0.0")),
            "'10.0.0' is not an IPv4 address; write four numbers from 0 to 255, such as 10.0.0.2"
        );
        assert_eq!(message(parse_ip("  ")), "this field cannot be empty");
        assert_eq!(parse_optional_ip(""), Ok(None));
        assert_eq!(
            parse_optional_ip("8.8.8.8"),
            Ok(Some(Ipv4Addr::new(8, 8, 8, 8)))
        );
        assert!(parse_optional_ip("8.8.8").is_err());
    }

    #[test]
    fn long_input_is_clipped_in_the_message() {
        let long = "1".repeat(500);
        let text = message(parse_ip(&long));
        assert!(text.len() < 150, "{text}");
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(parse_port("443"), Ok(443));
        assert_eq!(parse_port("65535"), Ok(65_535));
        assert_eq!(message(parse_port("0")), "0 is out of range: 1 to 65535");
        assert_eq!(
            message(parse_port("65536")),
            "65536 is out of range: 1 to 65535"
        );
        assert_eq!(message(parse_port("-1")), "-1 is out of range: 1 to 65535");
        assert_eq!(message(parse_port("80a")), "'80a' is not a whole number");
        assert_eq!(message(parse_port("8.5")), "'8.5' is not a whole number");
        assert_eq!(message(parse_port("-")), "'-' is not a whole number");
        assert_eq!(message(parse_port("")), "this field cannot be empty");
        assert_eq!(parse_optional_port(""), Ok(None));
        assert_eq!(parse_optional_port("Any"), Ok(None));
        assert_eq!(parse_optional_port("22"), Ok(Some(22)));
        assert!(parse_optional_port("0").is_err());
    }

    #[test]
    fn bounded_numbers_name_their_unit_and_survive_huge_input() {
        assert_eq!(parse_number("3", 0u8, 100, ""), Ok(3u8));
        assert_eq!(
            message(parse_number("0", 1u16, 3600, " s")),
            "0 is out of range: 1 to 3600 s"
        );
        assert_eq!(
            message(parse_number(
                "99999999999999999999999",
                0u32,
                3_600_000,
                " ms"
            )),
            "99999999999999999999999 is out of range: 0 to 3600000 ms"
        );
        assert_eq!(parse_number("4294967295", 1u32, u32::MAX, ""), Ok(u32::MAX));
        assert_eq!(
            message(parse_number("256", 1u8, 255, "")),
            "256 is out of range: 1 to 255"
        );
    }

    #[test]
    fn milliseconds_become_microseconds() {
        let max = 60_000_000;
        assert_eq!(parse_millis_as_micros("20", 1, max), Ok(20_000));
        assert_eq!(parse_millis_as_micros("12.5", 1, max), Ok(12_500));
        assert_eq!(parse_millis_as_micros(".25", 1, max), Ok(250));
        assert_eq!(parse_millis_as_micros("0.001", 1, max), Ok(1));
        assert_eq!(parse_millis_as_micros("3.", 1, max), Ok(3_000));
        assert_eq!(
            message(parse_millis_as_micros("0", 1, max)),
            "0 ms is out of range: 0.001 to 60000 ms"
        );
        assert_eq!(
            message(parse_millis_as_micros("60000.001", 1, max)),
            "60000.001 ms is out of range: 0.001 to 60000 ms"
        );
        assert_eq!(
            message(parse_millis_as_micros("1.0005", 1, max)),
            "'1.0005' has more than 3 decimals; the finest step is 0.001 ms (1 µs)"
        );
        assert_eq!(
            message(parse_millis_as_micros("2ms", 1, max)),
            "'2ms' is not a duration in milliseconds, such as 20 or 0.5"
        );
        assert!(parse_millis_as_micros(".", 1, max).is_err());
        assert!(parse_millis_as_micros("-1", 1, max).is_err());
        assert!(parse_millis_as_micros(&"9".repeat(40), 1, max).is_err());
        assert_eq!(format_millis(20_000), "20");
        assert_eq!(format_millis(12_500), "12.5");
        assert_eq!(format_millis(1), "0.001");
        assert_eq!(format_millis(1_010), "1.01");
        for us in [1, 999, 1_000, 12_345, 60_000_000] {
            assert_eq!(parse_millis_as_micros(&format_millis(us), 1, max), Ok(us));
        }
    }

    #[test]
    fn networks_parse_like_the_design_file() {
        assert_eq!(parse_cidr("any"), Ok(Cidr::ANY));
        assert_eq!(
            parse_cidr("10.0.0.0/8").map(|c| c.to_string()),
            Ok("10.0.0.0/8".to_owned())
        );
        assert_eq!(
            parse_cidr(" 10.0.0.2 "),
            Ok(Cidr::host(Ipv4Addr::new(10, 0, 0, 2)))
        );
        assert_eq!(
            message(parse_cidr("10.0.0.0/33")),
            "'10.0.0.0/33' is not a network: prefix /33 is longer than 32 (write 10.0.0.0/8, 10.0.0.5 or any)"
        );
        assert_eq!(
            message(parse_cidr("ten/8")),
            "'ten/8' is not a network: 'ten' is not an IPv4 address (write 10.0.0.0/8, 10.0.0.5 or any)"
        );
        assert_eq!(message(parse_cidr("")), "this field cannot be empty");
    }

    #[test]
    fn ids_follow_the_editing_rules() {
        assert_eq!(parse_id(" web-03 "), Ok("web-03".to_owned()));
        assert_eq!(
            message(parse_id("web 03")),
            "an id is 1 to 64 letters, digits, '-', '_' or '.'; 'web 03' is not"
        );
        assert!(parse_id(&"a".repeat(65)).is_err());
        assert!(parse_id("<b>").is_err());
        assert_eq!(message(parse_id("")), "this field cannot be empty");
    }

    #[test]
    fn texts_are_trimmed_bounded_and_single_line() {
        assert_eq!(parse_text("  Web 1 "), Ok("Web 1".to_owned()));
        assert_eq!(message(parse_text(" ")), "this field cannot be empty");
        assert_eq!(parse_optional_text(""), Ok(String::new()));
        assert_eq!(
            message(parse_optional_text("a\u{7}b")),
            "this text contains a control character"
        );
        assert_eq!(
            message(parse_text(&"x".repeat(201))),
            "this text is 201 characters long; the limit is 200"
        );
        assert_eq!(
            parse_text("<script>alert(1)</script>"),
            Ok("<script>alert(1)</script>".to_owned()),
            "markup is just text; it is rendered as text"
        );
    }

    #[test]
    fn paths_are_absolute() {
        assert_eq!(parse_path("/static/"), Ok("/static/".to_owned()));
        assert_eq!(
            message(parse_path("static")),
            "'static' must start with '/' and contain no spaces"
        );
        assert!(parse_path("/a b").is_err());
        assert!(parse_path("").is_err());
    }

    #[test]
    fn domains_and_record_names() {
        assert_eq!(parse_domain("FooBar.com."), Ok("foobar.com".to_owned()));
        assert_eq!(
            message(parse_domain("foo..com")),
            "'foo..com' is not a domain name: labels of letters, digits and '-' separated by dots, such as foobar.com"
        );
        assert!(parse_domain("-foo.com").is_err());
        assert!(parse_domain("foo_bar.com").is_err());
        assert_eq!(parse_record_name("@"), Ok("@".to_owned()));
        assert_eq!(parse_record_name("WWW"), Ok("www".to_owned()));
        assert_eq!(parse_record_name("*.cdn"), Ok("*.cdn".to_owned()));
        assert_eq!(
            message(parse_record_name("w w")),
            "'w w' is not a record name: '@' for the zone itself, or labels such as www"
        );
        assert!(parse_record_name("a.*").is_err());
    }
}
