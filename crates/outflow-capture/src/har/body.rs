//! Bodies as a HAR holds them, back to their bytes and text: base64 of any
//! bytes, text in any charset (the `charset` of the media type, through
//! encoding_rs), and bodies kept as sent, compressed (`Content-Encoding:
//! gzip`, `deflate`, `br`), inflated under a size cap and a ratio cap.
//!
//! Nothing is dropped silently: what cannot be decoded comes back as a
//! note, with what could be kept.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};

/// Most bytes one body inflates to.
pub const MAX_INFLATED: usize = 32 * 1024 * 1024;
/// Most bytes out per byte in when inflating (a zip bomb passes 1000).
pub const MAX_RATIO: usize = 200;
/// What a small body may always inflate to, whatever its ratio.
const RATIO_FLOOR: usize = 1024 * 1024;

/// Base64 with or without padding, standard alphabet then URL-safe.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The bytes of a HAR body `text` with its `encoding` (`base64` or none),
/// inflated per `content_encoding` (the `Content-Encoding` header) when the
/// writer kept it compressed. `None` when base64 does not decode (the note
/// says so).
pub fn body_bytes(
    text: &str,
    encoding: Option<&str>,
    content_encoding: Option<&str>,
) -> (Option<Vec<u8>>, Vec<String>) {
    let mut notes = Vec::new();
    let bytes = match encoding.map(str::trim).filter(|e| !e.is_empty()) {
        None => text.as_bytes().to_vec(),
        Some(e) if e.eq_ignore_ascii_case("base64") => match decode_base64(text) {
            Some(bytes) => bytes,
            None => {
                notes.push(format!(
                    "body marked base64 does not decode ({} characters)",
                    text.len()
                ));
                return (None, notes);
            }
        },
        Some(other) => {
            notes.push(format!(
                "body encoding {:?} is unknown; read as text",
                other.chars().take(40).collect::<String>()
            ));
            text.as_bytes().to_vec()
        }
    };
    let Some(codings) = content_encoding else {
        return (Some(bytes), notes);
    };
    let inflated = inflate(bytes, codings, &mut notes);
    (Some(inflated), notes)
}

/// The bytes of a binary body written as text one character per byte
/// (U+0000–U+00FF, as mitmproxy writes bodies that are not UTF-8): when
/// the body's declared length (`Content-Length`) is its count of
/// characters, not of UTF-8 bytes. `None` for text that is what it says.
pub fn latin1_bytes(text: &str, declared_length: Option<usize>) -> Option<Vec<u8>> {
    let declared = declared_length?;
    if declared == text.len() || text.chars().any(|c| u32::from(c) > 0xff) {
        return None;
    }
    if text.chars().count() != declared {
        return None;
    }
    Some(text.chars().map(|c| u32::from(c) as u8).collect())
}

/// Base64 with whitespace ignored, padded or not, either alphabet.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(&compact)
        .or_else(|_| LENIENT_STANDARD.decode(&compact))
        .or_else(|_| LENIENT_URL_SAFE.decode(&compact))
        .or_else(|_| general_purpose::URL_SAFE.decode(&compact))
        .ok()
}

/// Undoes each content coding, last applied first. A body that does not
/// look compressed is kept as it is: most writers store the decoded body
/// and keep the header.
fn inflate(mut bytes: Vec<u8>, codings: &str, notes: &mut Vec<String>) -> Vec<u8> {
    for coding in codings.rsplit(',').map(|c| c.trim().to_ascii_lowercase()) {
        let limit = MAX_INFLATED.min(bytes.len().saturating_mul(MAX_RATIO).max(RATIO_FLOOR));
        let result = match coding.as_str() {
            "gzip" | "x-gzip" if bytes.starts_with(&[0x1f, 0x8b]) => Some(read_capped(
                flate2::read::MultiGzDecoder::new(bytes.as_slice()),
                limit,
            )),
            "deflate" if looks_like_zlib(&bytes) => Some(read_capped(
                flate2::read::ZlibDecoder::new(bytes.as_slice()),
                limit,
            )),
            "deflate" if !is_text(&bytes) => Some(read_capped(
                flate2::read::DeflateDecoder::new(bytes.as_slice()),
                limit,
            )),
            "br" if !is_text(&bytes) => Some(read_capped(
                brotli_decompressor::Decompressor::new(bytes.as_slice(), 4096),
                limit,
            )),
            _ => None,
        };
        match result {
            None => {}
            Some(Ok((out, false))) => bytes = out,
            Some(Ok((out, true))) => {
                notes.push(format!(
                    "{coding} body inflates past {limit} bytes (cap {MAX_INFLATED}, ratio \
                     {MAX_RATIO}:1); the first {limit} bytes are kept"
                ));
                bytes = out;
            }
            Some(Err(why)) => {
                notes.push(format!(
                    "{coding} body does not inflate ({why}); kept as recorded"
                ));
                return bytes;
            }
        }
    }
    bytes
}

/// Reads at most `limit` bytes; the flag says whether there was more.
fn read_capped(reader: impl Read, limit: usize) -> Result<(Vec<u8>, bool), std::io::Error> {
    let mut out = Vec::new();
    let read = reader
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut out)?;
    if read > limit {
        out.truncate(limit);
        return Ok((out, true));
    }
    Ok((out, false))
}

/// A zlib header: deflate method, a window size, and the check bits.
fn looks_like_zlib(bytes: &[u8]) -> bool {
    matches!(bytes, [cmf, flg, ..] if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0)
}

/// Printable UTF-8: what a writer that stored the decoded body keeps.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| {
        t.chars()
            .take(512)
            .all(|c| !c.is_control() || c.is_whitespace())
    })
}

/// `bytes` as text in the charset of `mime_type` (UTF-8 when it names
/// none), with a note when the bytes are not valid in it (they are then
/// read as windows-1252 when no charset was declared, so one Latin-1 byte
/// does not cost the body).
pub fn body_text(bytes: &[u8], mime_type: Option<&str>) -> (String, Option<String>) {
    let declared = mime_type.and_then(charset_of);
    let encoding = declared
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    if encoding == encoding_rs::UTF_8 {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if let Ok(text) = std::str::from_utf8(bytes) {
            return (text.to_string(), None);
        }
        if declared.is_some() {
            return (
                String::from_utf8_lossy(bytes).into_owned(),
                Some("body is not valid in its declared UTF-8; invalid bytes replaced".into()),
            );
        }
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
        return (
            text.into_owned(),
            Some("body is not UTF-8 and declares no charset; read as windows-1252".into()),
        );
    }
    let (text, _, errors) = encoding.decode(bytes);
    let note = errors.then(|| {
        format!(
            "body is not valid {}; invalid bytes replaced",
            encoding.name()
        )
    });
    (text.into_owned(), note)
}

/// The `charset` parameter of a media type.
fn charset_of(mime_type: &str) -> Option<&str> {
    mime_type.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// Whether a media type names text that a charset applies to.
pub fn is_textual(mime_type: &str) -> bool {
    let m = mime_type.to_ascii_lowercase();
    m.starts_with("text/")
        || m.contains("json")
        || m.contains("javascript")
        || m.contains("ecmascript")
        || m.contains("xml")
        || m.contains("x-www-form-urlencoded")
        || charset_of(&m).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn bad_base64_is_a_note() {
        let (bytes, notes) = body_bytes("@@not base64@@", Some("base64"), None);
        assert!(bytes.is_none());
        assert!(notes[0].contains("does not decode"), "{notes:?}");
    }

    #[test]
    fn unpadded_and_url_safe_base64_decode() {
        assert_eq!(body_bytes("aGk", Some("base64"), None).0.unwrap(), b"hi");
        assert_eq!(
            body_bytes("-_8=", Some("base64"), None).0.unwrap(),
            [0xfb, 0xff]
        );
    }

    #[test]
    fn gzip_kept_compressed_is_inflated() {
        let packed = STANDARD.encode(gzip(b"user=a@b.example"));
        let (bytes, notes) = body_bytes(&packed, Some("base64"), Some("gzip"));
        assert_eq!(bytes.unwrap(), b"user=a@b.example");
        assert!(notes.is_empty());
    }

    #[test]
    fn decoded_text_with_a_gzip_header_is_kept() {
        let (bytes, notes) = body_bytes("plain text", None, Some("gzip"));
        assert_eq!(bytes.unwrap(), b"plain text");
        assert!(notes.is_empty());
    }

    #[test]
    fn a_bomb_stops_at_the_ratio_cap() {
        let bomb = gzip(&vec![0u8; 20 * 1024 * 1024]);
        let (bytes, notes) = body_bytes(&STANDARD.encode(&bomb), Some("base64"), Some("gzip"));
        assert!(bytes.unwrap().len() <= RATIO_FLOOR.max(bomb.len() * MAX_RATIO));
        assert!(notes[0].contains("inflates past"), "{notes:?}");
    }

    #[test]
    fn broken_gzip_is_a_note() {
        let mut packed = gzip(b"hello hello hello hello");
        packed.truncate(12);
        let (bytes, notes) = body_bytes(&STANDARD.encode(&packed), Some("base64"), Some("gzip"));
        assert!(bytes.is_some());
        assert!(notes[0].contains("does not inflate"), "{notes:?}");
    }

    #[test]
    fn one_character_per_byte_text_is_read_as_bytes() {
        let text: String = [0x1fu8, 0x8b, 0x08, 0x41]
            .iter()
            .map(|&b| char::from(b))
            .collect();
        assert_eq!(
            latin1_bytes(&text, Some(4)).unwrap(),
            [0x1f, 0x8b, 0x08, 0x41]
        );
        assert!(
            latin1_bytes("café", Some(5)).is_none(),
            "UTF-8 text is text"
        );
        assert!(latin1_bytes(&text, None).is_none());
    }

    #[test]
    fn charsets_are_honoured() {
        let (text, note) = body_text(b"caf\xe9", Some("text/plain; charset=iso-8859-1"));
        assert_eq!(text, "café");
        assert!(note.is_none());
        let (text, note) = body_text(b"caf\xe9", Some("text/plain"));
        assert_eq!(text, "café");
        assert!(note.unwrap().contains("windows-1252"));
        let (text, _) = body_text(b"\x82\xa0", Some("text/html; charset=Shift_JIS"));
        assert_eq!(text, "あ");
    }
}
