//! Encoding a canary forward: the text transforms a script may apply to a
//! value before hashing it, and the spellings of the value itself that are
//! searched directly (so that they are found wherever they sit, without
//! decoding the haystack first).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::hashes::to_hex;

/// A reversible text transform applied before a hash (e.g. `md5(btoa(v))`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextFn {
    Upper,
    Base64,
    Base64NoPad,
    Base64Url,
    Base64UrlNoPad,
    HexLower,
    HexUpper,
    Url,
    Form,
    Html,
    JsonString,
}

/// Every transform applied under a hash.
pub(crate) const TEXT_FNS: [TextFn; 11] = [
    TextFn::Upper,
    TextFn::Base64,
    TextFn::Base64NoPad,
    TextFn::Base64Url,
    TextFn::Base64UrlNoPad,
    TextFn::HexLower,
    TextFn::HexUpper,
    TextFn::Url,
    TextFn::Form,
    TextFn::Html,
    TextFn::JsonString,
];

impl TextFn {
    /// The name shown in a finding's encoding chain.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TextFn::Upper => "upper case",
            TextFn::Base64 => "base64",
            TextFn::Base64NoPad => "base64 (unpadded)",
            TextFn::Base64Url => "base64url",
            TextFn::Base64UrlNoPad => "base64url (unpadded)",
            TextFn::HexLower => "hex",
            TextFn::HexUpper => "hex (upper case)",
            TextFn::Url => "url",
            TextFn::Form => "form",
            TextFn::Html => "html entities",
            TextFn::JsonString => "json",
        }
    }

    /// Applies the transform.
    pub(crate) fn apply(self, input: &[u8]) -> Vec<u8> {
        match self {
            TextFn::Upper => input.to_ascii_uppercase(),
            TextFn::Base64 => STANDARD.encode(input).into_bytes(),
            TextFn::Base64NoPad => STANDARD_NO_PAD.encode(input).into_bytes(),
            TextFn::Base64Url => URL_SAFE.encode(input).into_bytes(),
            TextFn::Base64UrlNoPad => URL_SAFE_NO_PAD.encode(input).into_bytes(),
            TextFn::HexLower => to_hex(input).into_bytes(),
            TextFn::HexUpper => to_hex(input).to_ascii_uppercase().into_bytes(),
            TextFn::Url => percent_encode(input, false),
            TextFn::Form => percent_encode(input, true),
            TextFn::Html => html_escape(input),
            TextFn::JsonString => json_quote(input),
        }
    }
}

/// `encodeURIComponent` (or, with `form`, `application/x-www-form-urlencoded`
/// as `URLSearchParams` writes it).
pub(crate) fn percent_encode(input: &[u8], form: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 3);
    for &b in input {
        let keep = b.is_ascii_alphanumeric()
            || if form {
                matches!(b, b'*' | b'-' | b'.' | b'_')
            } else {
                matches!(
                    b,
                    b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
                )
            };
        if keep {
            out.push(b);
        } else if form && b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// HTML-escapes the characters that must be (`&<>"'`).
pub(crate) fn html_escape(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for &b in input {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&#x27;"),
            _ => out.push(b),
        }
    }
    out
}

/// A JSON string literal, quotes included.
fn json_quote(input: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in input {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
    out
}

/// The part of the base64 encoding of `term` that does not depend on what
/// surrounds it, for each of the three byte alignments it may start at:
/// found in a longer base64 string however the value was embedded.
pub(crate) fn base64_fragments(term: &[u8], url_safe: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(term);
        let engine = if url_safe {
            &URL_SAFE_NO_PAD
        } else {
            &STANDARD_NO_PAD
        };
        let encoded = engine.encode(&padded).into_bytes();
        // Characters fully determined by the term's bytes: skip those that
        // mix in the leading filler, drop the last partial one.
        let skip = match offset {
            0 => 0,
            1 => 2,
            _ => 3,
        };
        let whole_bits = (offset + term.len()) * 8 / 6;
        if whole_bits <= skip + 4 {
            continue;
        }
        out.push(encoded[skip..whole_bits].to_vec());
    }
    out
}

/// RFC 4648 base32 without padding.
pub(crate) fn base32(input: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    for &b in input {
        buffer = (buffer << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize]);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize]);
    }
    out
}

/// The Bitcoin base58 alphabet.
pub(crate) const BASE58_ALPHABET: &[u8; 58] =
    b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 (Bitcoin alphabet).
pub(crate) fn base58(input: &[u8]) -> Vec<u8> {
    let zeros = input.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::new();
    for &b in &input[zeros..] {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = vec![b'1'; zeros];
    out.extend(
        digits
            .iter()
            .rev()
            .map(|&d| BASE58_ALPHABET[usize::from(d)]),
    );
    out
}

/// LeakDetector's `custom_map_1` letter substitution (seen in one tracker
/// family), in the direction that encodes.
pub(crate) const CUSTOM_MAP_FROM: &[u8; 62] =
    b"kibp8A4EWRMKHa7gvyz1dOPt6UI5xYD3nqhVwZBXfCcFeJmrLN20lS9QGsjTuo";
/// The letters [`CUSTOM_MAP_FROM`] maps to, position by position.
pub(crate) const CUSTOM_MAP_TO: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Applies the `custom_map_1` substitution (`from` → `to`).
pub(crate) fn custom_map(input: &[u8], from: &[u8; 62], to: &[u8; 62]) -> Vec<u8> {
    // A byte-indexed table: one lookup per byte, not a scan of 62 letters.
    let mut table: [u8; 256] = std::array::from_fn(|b| b as u8);
    for (&f, &t) in from.iter().zip(to) {
        table[usize::from(f)] = t;
    }
    input.iter().map(|&b| table[usize::from(b)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_fragments_are_found_at_every_alignment() {
        let term = b"alice@example.com";
        for prefix in ["", "x", "xy", "xyz"] {
            let mut whole = prefix.as_bytes().to_vec();
            whole.extend_from_slice(term);
            whole.extend_from_slice(b"tail");
            let encoded = STANDARD.encode(&whole);
            assert!(
                base64_fragments(term, false)
                    .iter()
                    .any(|f| encoded.contains(std::str::from_utf8(f).unwrap())),
                "prefix {prefix:?}"
            );
        }
    }

    #[test]
    fn base32_and_base58_match_reference_vectors() {
        assert_eq!(base32(b"foobar"), b"MZXW6YTBOI");
        assert_eq!(base58(b"hello world"), b"StV1DL6CwTryKyV");
        assert_eq!(percent_encode(b"a b@c", true), b"a+b%40c");
        assert_eq!(percent_encode(b"a b@c", false), b"a%20b%40c");
    }
}
