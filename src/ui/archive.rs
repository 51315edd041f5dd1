//! A tiny zip writer for "Download all": stored entries (no compression), CRC-32, a central
//! directory. UI-side and pure, natively tested.
//!
//! The format (PKWARE APPNOTE 4.3): for each file a local header and its bytes, then one
//! central directory record per file, then the end-of-central-directory record; all numbers
//! little-endian. Every entry carries the same fixed date (1980-01-01 00:00, the first date a
//! zip can hold), so the same files always give the same bytes; this module reads no clock.

use thiserror::Error;

/// An archive that does not fit a zip without the zip64 extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("the files are too many or too large for one zip archive")]
pub struct TooLarge;

/// The CRC-32 table (IEEE 802.3, reflected polynomial 0xEDB88320), built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// The CRC-32 of `data`, as zip, gzip and PNG use it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc = CRC_TABLE[((crc ^ u32::from(byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// "Version needed to extract": 1.0, stored entries.
const VERSION_NEEDED: u16 = 10;
/// "Version made by": Unix (3), spec 2.0, so the external attributes are Unix modes.
const VERSION_MADE_BY: u16 = (3 << 8) | 20;
/// General purpose flag bit 11: names are UTF-8.
const FLAG_UTF8: u16 = 1 << 11;
/// MS-DOS date of 1980-01-01 (day 1, month 1, year 0 since 1980); time 00:00:00.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// A regular file, rw-r--r--.
const UNIX_FILE_MODE: u32 = 0o100_644;

fn u16_le(out: &mut Vec<u8>, n: u16) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn u32_le(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// A zip archive holding `files` as `(path, contents)`, in order, uncompressed. Paths use `/`
/// and should be relative; they are written as given.
pub fn zip<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<Vec<u8>, TooLarge> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    for (path, data) in files {
        let name = path.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| TooLarge)?;
        let size = u32::try_from(data.len()).map_err(|_| TooLarge)?;
        let offset = u32::try_from(out.len()).map_err(|_| TooLarge)?;
        let crc = crc32(data);
        count = count.checked_add(1).ok_or(TooLarge)?;
        // Local file header.
        u32_le(&mut out, 0x0403_4B50);
        for n in [VERSION_NEEDED, FLAG_UTF8, 0, DOS_TIME, DOS_DATE] {
            u16_le(&mut out, n);
        }
        for n in [crc, size, size] {
            u32_le(&mut out, n);
        }
        u16_le(&mut out, name_len);
        u16_le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(data);
        // Its central directory record.
        u32_le(&mut central, 0x0201_4B50);
        for n in [
            VERSION_MADE_BY,
            VERSION_NEEDED,
            FLAG_UTF8,
            0,
            DOS_TIME,
            DOS_DATE,
        ] {
            u16_le(&mut central, n);
        }
        for n in [crc, size, size] {
            u32_le(&mut central, n);
        }
        for n in [name_len, 0, 0, 0, 0] {
            u16_le(&mut central, n);
        }
        u32_le(&mut central, UNIX_FILE_MODE << 16);
        u32_le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| TooLarge)?;
    let central_size = u32::try_from(central.len()).map_err(|_| TooLarge)?;
    central_offset.checked_add(central_size).ok_or(TooLarge)?;
    out.extend_from_slice(&central);
    // End of central directory.
    u32_le(&mut out, 0x0605_4B50);
    for n in [0, 0, count, count] {
        u16_le(&mut out, n);
    }
    u32_le(&mut out, central_size);
    u32_le(&mut out, central_offset);
    u16_le(&mut out, 0);
    Ok(out)
}

/// A file-name-safe slug of a design's name: lower-case ASCII letters, digits and single
/// dashes, e.g. "Scaled and split" → `scaled-and-split`; `design` when nothing is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "design".to_owned()
    } else {
        out.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(bytes: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([bytes[at], bytes[at + 1]])
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
    }

    /// Reads a stored zip back through its central directory: (name, contents) per entry,
    /// checking every CRC and that local and central records agree.
    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let end = bytes.len() - 22;
        assert_eq!(u32_at(bytes, end), 0x0605_4B50, "end record last");
        let count = usize::from(u16_at(bytes, end + 10));
        assert_eq!(u16_at(bytes, end + 8), u16_at(bytes, end + 10));
        let size = u32_at(bytes, end + 12) as usize;
        let mut at = u32_at(bytes, end + 16) as usize;
        assert_eq!(
            at + size,
            end,
            "the directory ends where the end record starts"
        );
        let mut files = Vec::new();
        for _ in 0..count {
            assert_eq!(u32_at(bytes, at), 0x0201_4B50);
            assert_eq!(u16_at(bytes, at + 10), 0, "stored");
            let crc = u32_at(bytes, at + 16);
            let len = u32_at(bytes, at + 24) as usize;
            let name_len = usize::from(u16_at(bytes, at + 28));
            let local = u32_at(bytes, at + 42) as usize;
            let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
            assert_eq!(u32_at(bytes, local), 0x0403_4B50);
            assert_eq!(u32_at(bytes, local + 14), crc);
            assert_eq!(usize::from(u16_at(bytes, local + 26)), name_len);
            let data_at = local + 30 + name_len;
            let data = bytes[data_at..data_at + len].to_vec();
            assert_eq!(crc32(&data), crc, "{name}");
            files.push((name, data));
            at += 46 + name_len;
        }
        files
    }

    #[test]
    fn crc32_matches_the_standard_check_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn a_zip_holds_every_file_in_order_and_reads_back() {
        let files = [
            (
                "stage/lb-01/haproxy.cfg",
                "global\n    log /dev/log local0\n",
            ),
            ("stage/dns/db.foobar.com", "$TTL 3600\n"),
            ("stage/empty", ""),
        ];
        let bytes = zip(files.iter().map(|(p, c)| (*p, c.as_bytes()))).unwrap();
        let back = unzip(&bytes);
        assert_eq!(back.len(), 3);
        for ((path, contents), (name, data)) in files.iter().zip(&back) {
            assert_eq!(name, path);
            assert_eq!(data, contents.as_bytes());
        }
        assert_eq!(
            zip(files.iter().map(|(p, c)| (*p, c.as_bytes()))).unwrap(),
            bytes,
            "the same files give the same bytes"
        );
    }

    #[test]
    fn an_empty_zip_is_just_the_end_record() {
        let bytes = zip(std::iter::empty()).unwrap();
        assert_eq!(bytes.len(), 22);
        assert!(unzip(&bytes).is_empty());
    }

    #[test]
    fn the_export_of_every_stage_zips() {
        for n in 0..4 {
            let Some(topology) = crate::sim::presets::topology(n) else {
                continue;
            };
            let files = crate::sim::export::export(&topology);
            let bytes = zip(files
                .iter()
                .map(|f| (f.path.as_str(), f.contents.as_bytes())))
            .unwrap();
            let back = unzip(&bytes);
            assert_eq!(back.len(), files.len());
            assert!(back.iter().zip(&files).all(|((name, data), f)| {
                *name == f.path && data.as_slice() == f.contents.as_bytes()
            }));
        }
    }

    #[test]
    fn a_name_longer_than_a_zip_allows_is_refused() {
        let long = "x".repeat(70_000);
        assert_eq!(zip([(long.as_str(), &b""[..])]), Err(TooLarge));
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Scaled and split"), "scaled-and-split");
        assert_eq!(slug("  ../Évil / name!! "), "vil-name");
        assert_eq!(slug("日本"), "design");
        assert_eq!(slug(""), "design");
        assert!(slug(&"a".repeat(500)).len() <= 48);
    }
}
