//! Telling a binary file from a script, by content and only on strong
//! evidence.
//!
//! A NUL byte is no evidence: `/*\0*/` is a valid comment, and a script
//! that could hide from analysis behind one byte would make every other
//! check moot. A file is refused as binary only when it starts with the
//! magic number of a known binary format ([`MAGIC_NUMBERS`]), or when more
//! than [`MAX_NON_TEXT_SHARE`] of its first [`SNIFF_BYTES`] bytes are
//! neither printable, whitespace nor part of valid UTF-8. Either way the
//! refusal is reported as an "unreadable script" error of the document, a
//! note worth a finding, never a silent skip.
//!
//! Example: `/*\0*/fetch('https://evil.example/')` is analysed (the NUL
//! makes at most a syntax error); a PNG image or an ELF executable is
//! refused with "unreadable script: binary content (PNG image)".

/// Bytes looked at to tell a binary file from text.
pub const SNIFF_BYTES: usize = 8192;

/// Share of control bytes (other than tab, line feed, form feed, carriage
/// return and escape) and invalid UTF-8 above which the content is binary.
/// Text in any charset stays far below it; compressed or executable data
/// is far above it (about 0.5 for random bytes).
pub const MAX_NON_TEXT_SHARE: f64 = 0.30;

/// Leading bytes of binary formats that are never scripts.
pub const MAGIC_NUMBERS: &[(&[u8], &str)] = &[
    (b"\x7fELF", "ELF executable"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"7z\xbc\xaf\x27\x1c", "7-zip archive"),
    (b"\x00asm", "WebAssembly module"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O universal binary"),
    (b"wOFF", "WOFF font"),
    (b"wOF2", "WOFF2 font"),
    (b"\x00\x01\x00\x00\x00", "TrueType font"),
    (b"OTTO", "OpenType font"),
    (b"RIFF", "RIFF media (WebP, WAV, AVI)"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"SQLite format 3\x00", "SQLite database"),
];

/// Why `bytes` are binary content and not a script, or `None` when they
/// are to be analysed as text.
pub fn binary_reason(bytes: &[u8]) -> Option<String> {
    if let Some((_, what)) = MAGIC_NUMBERS
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
    {
        return Some(format!("binary content ({what})"));
    }
    let window = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if window.is_empty() {
        return None;
    }
    let share = non_text_bytes(window) as f64 / window.len() as f64;
    (share > MAX_NON_TEXT_SHARE).then(|| {
        format!(
            "binary content ({:.0}% of the first {} bytes are not text)",
            share * 100.0,
            window.len()
        )
    })
}

/// Control bytes and bytes of invalid UTF-8 sequences in `window`. A
/// sequence cut by the end of the window is counted as text.
fn non_text_bytes(window: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = window;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => return count + control_bytes(text.as_bytes()),
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                count += control_bytes(valid);
                match error.error_len() {
                    Some(bad) => {
                        count += bad;
                        rest = &after[bad..];
                    }
                    None => return count,
                }
            }
        }
    }
}

fn control_bytes(text: &[u8]) -> usize {
    text.iter()
        .filter(|b| {
            (**b < 0x20 && !matches!(**b, b'\t' | b'\n' | 0x0c | b'\r' | 0x1b)) || **b == 0x7f
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_nul_byte_in_a_comment_is_text() {
        assert_eq!(
            binary_reason(b"/*\0*/fetch('https://evil.example/');"),
            None
        );
    }

    #[test]
    fn latin1_text_is_text() {
        assert_eq!(binary_reason(b"var s = 'caf\xe9 cr\xe8me';\n"), None);
    }

    #[test]
    fn magic_numbers_are_binary() {
        let reason = binary_reason(b"\x89PNG\r\n\x1a\nrest").unwrap_or_default();
        assert!(reason.contains("PNG"), "{reason}");
    }

    #[test]
    fn mostly_control_bytes_are_binary() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        assert!(binary_reason(&bytes).is_some());
    }
}
