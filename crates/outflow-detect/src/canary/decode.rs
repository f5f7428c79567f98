//! Decoding a haystack's containers: what a request carries is often not
//! the value itself but the value inside something (a URL-encoded query, a
//! base64 parameter, a gzip body, an LZ-string session-recorder batch, a
//! JSON string with `\u` escapes). Each decoding gives a *view*; views are
//! decoded again up to [`MAX_DEPTH`] (4) layers, within [`Limits`], so that
//! a hostile page cannot make the search hang or exhaust memory (a
//! decompression bomb stops at [`Limits::max_output`]).
//!
//! The limits, each a constant of this file:
//! - by default one decompression produces at most [`DEFAULT_MAX_OUTPUT`]
//!   (1048576) bytes, one haystack has at most [`DEFAULT_MAX_VIEWS`] (512)
//!   views of at most [`DEFAULT_MAX_TOTAL`] (8388608) bytes together; past
//!   them the search stops quietly and says the haystack was truncated;
//! - runs shorter than [`MIN_RUN`] (8) characters are not decoded as
//!   base64, base32, base58 or hex;
//! - the letter substitution of some trackers is tried on views of at most
//!   [`MAX_CUSTOM_MAP`] (4096) bytes;
//! - base58 (quadratic in its length) is decoded only in runs of at most
//!   [`MAX_BASE58_RUN`] (512) characters.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};

use super::encode::{BASE58_ALPHABET, CUSTOM_MAP_FROM, CUSTOM_MAP_TO, custom_map};
use super::lzstring;

/// How many container layers are opened, one inside the other: three of
/// the page's own plus the transport's (a query parameter's URL encoding).
pub(crate) const MAX_DEPTH: usize = 4;
/// Runs shorter than this are not decoded as base64/base32/base58/hex: too
/// short to hold a value worth finding.
pub(super) const MIN_RUN: usize = 8;
/// The letter substitution is tried on views up to this size: the trackers
/// that use it send short tokens.
pub(super) const MAX_CUSTOM_MAP: usize = 4096;
/// Base58 decoding is quadratic in the run's length.
pub(super) const MAX_BASE58_RUN: usize = 512;

/// Bytes one decompression may produce by default: 1 MiB.
pub(crate) const DEFAULT_MAX_OUTPUT: usize = 1 << 20;
/// Views per haystack by default.
pub(crate) const DEFAULT_MAX_VIEWS: usize = 512;
/// Bytes of all views of one haystack together by default: 8 MiB.
pub(crate) const DEFAULT_MAX_TOTAL: usize = 8 << 20;

/// Bounds on the work done for one haystack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes one decompression may produce.
    pub max_output: usize,
    /// Views (decoded forms) per haystack.
    pub max_views: usize,
    /// Bytes of all views of one haystack together.
    pub max_total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: DEFAULT_MAX_OUTPUT,
            max_views: DEFAULT_MAX_VIEWS,
            max_total: DEFAULT_MAX_TOTAL,
        }
    }
}

/// One decoded form of (part of) a haystack.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub bytes: Vec<u8>,
    /// The decodings that led here, outermost first.
    pub chain: Vec<&'static str>,
    /// Where in the original haystack the decoded text came from.
    pub span: (usize, usize),
}

/// The haystack's decoded views, breadth first (the root itself is not
/// among them). Stops quietly at the limits; `truncated` tells.
pub(crate) fn expand(root: &[u8], limits: &Limits) -> (Vec<View>, bool) {
    let mut views: Vec<View> = Vec::new();
    let mut total = 0usize;
    let mut truncated = false;
    let root_view = View {
        bytes: root.to_vec(),
        chain: Vec::new(),
        span: (0, root.len()),
    };
    let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    // The views of the previous layer are `views[layer.clone()]` (the root
    // for the first): indices, not copies.
    let mut layer = 0..0;
    for depth in 0..MAX_DEPTH {
        let start = views.len();
        let parents = if depth == 0 { 0..1 } else { layer.clone() };
        for i in parents {
            let parent = if depth == 0 { &root_view } else { &views[i] };
            for child in children(parent, depth == 0, limits) {
                if child.bytes.len() < 4 || !seen.insert(fingerprint(&child.bytes)) {
                    continue;
                }
                if views.len() >= limits.max_views || total + child.bytes.len() > limits.max_total {
                    truncated = true;
                    return (views, truncated);
                }
                total += child.bytes.len();
                views.push(child);
            }
        }
        if views.len() == start {
            break;
        }
        layer = start..views.len();
    }
    (views, truncated)
}

fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Every decoding of one view.
fn children(parent: &View, is_root: bool, limits: &Limits) -> Vec<View> {
    let mut out = Vec::new();
    let bytes = &parent.bytes;
    let mut push = |decoded: Vec<u8>, names: &[&'static str], span: (usize, usize)| {
        if decoded.as_slice() == bytes.as_slice() {
            return;
        }
        let mut chain = parent.chain.clone();
        chain.extend_from_slice(names);
        // A run inside the root points at itself; anything deeper points at
        // where its outermost container was.
        let span = if is_root { span } else { parent.span };
        out.push(View {
            bytes: decoded,
            chain,
            span,
        });
    };
    let whole = (0, bytes.len());
    if !looks_textual(bytes) {
        for (text, name) in decompress_all(bytes, limits) {
            push(text, &[name], whole);
        }
        return out;
    }
    // Each parameter value on its own, so that bytes inside one (a
    // compressed payload) start at its first byte.
    if bytes.contains(&b'=') {
        for (start, end) in parameter_values(bytes) {
            let value = &bytes[start..end];
            if has_percent_escape(value) || value.contains(&b'+') {
                let form = value.contains(&b'+');
                let decoded = percent_decode(value, form);
                if decoded.len() + 8 < bytes.len() {
                    push(decoded, &[if form { "form" } else { "url" }], (start, end));
                }
            }
        }
    }
    if has_percent_escape(bytes) {
        push(percent_decode(bytes, false), &["url"], whole);
        if bytes.contains(&b'+') {
            push(percent_decode(bytes, true), &["form"], whole);
        }
    } else if bytes.contains(&b'+') && bytes.contains(&b'=') {
        push(percent_decode(bytes, true), &["form"], whole);
    }
    if bytes.contains(&b'&') && bytes.contains(&b';') {
        push(html_unescape(bytes), &["html entities"], whole);
    }
    if bytes.contains(&b'"') {
        for (start, end) in quoted_strings(bytes) {
            if end - start >= MIN_RUN && end - start + 8 < bytes.len() {
                push(json_unescape(&bytes[start..end]), &["json"], (start, end));
            }
        }
    }
    if bytes.contains(&b'\\') {
        push(json_unescape(bytes), &["json"], whole);
    }
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Some((start, end)) = wide_segment(text)
    {
        // LZ-string's UTF-16 and raw forms are runs of mostly non-ASCII
        // characters, perhaps inside a JSON or form wrapper. Their last
        // characters may be ASCII (a final chunk with its high bits clear):
        // when the segment alone does not decode, it is tried up to the end
        // of the text (the decoder stops at the stream's end marker, so a
        // wrapper's closing characters after it do no harm).
        let whole_tail = (end < text.len()).then_some((start, text.len()));
        let mut utf16_done = false;
        let mut units_done = false;
        for (from, to) in std::iter::once((start, end)).chain(whole_tail) {
            let segment = &text[from..to];
            if !utf16_done && let Some(t) = lzstring::from_utf16(segment, limits.max_output) {
                push(t.into_bytes(), &["lz-string (utf16)"], (from, to));
                utf16_done = true;
            }
            let units: Vec<u16> = segment.encode_utf16().collect();
            if !units_done && let Some(t) = lzstring::from_units(&units, limits.max_output) {
                push(t.into_bytes(), &["lz-string"], (from, to));
                units_done = true;
            }
        }
    }
    for (start, end) in runs(bytes, is_base64_char) {
        let run = &bytes[start..end];
        let trimmed = trim_padding(run);
        if trimmed.len() < MIN_RUN {
            continue;
        }
        let span = (start, end);
        if let Some(decoded) = base64_decode(trimmed) {
            if looks_textual(&decoded) {
                push(decoded, &["base64"], span);
            } else {
                // Both layers in the chain: base64, then the container.
                for (text, name) in decompress_all(&decoded, limits) {
                    push(text, &["base64", name], span);
                }
            }
        }
        if let Some(t) =
            lzstring::from_base64(run, limits.max_output).filter(|t| looks_textual(t.as_bytes()))
        {
            push(t.into_bytes(), &["lz-string (base64)"], span);
        }
        if run.iter().all(|b| URI_CHARS(*b))
            && let Some(t) = lzstring::from_uri_component(run, limits.max_output)
                .filter(|t| looks_textual(t.as_bytes()))
        {
            push(t.into_bytes(), &["lz-string (uri)"], span);
        }
        if trimmed.len().is_multiple_of(2)
            && trimmed.iter().all(u8::is_ascii_hexdigit)
            && let Some(decoded) = hex_decode(trimmed)
        {
            {
                if looks_textual(&decoded) {
                    push(decoded, &["hex"], span);
                } else {
                    for (text, name) in decompress_all(&decoded, limits) {
                        push(text, &["hex", name], span);
                    }
                }
            }
        }
        if trimmed
            .iter()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b))
            && let Some(decoded) = base32_decode(trimmed)
        {
            if looks_textual(&decoded) {
                push(decoded, &["base32"], span);
            } else {
                for (text, name) in decompress_all(&decoded, limits) {
                    push(text, &["base32", name], span);
                }
            }
        }
        if trimmed.len() <= MAX_BASE58_RUN
            && trimmed.iter().all(|b| BASE58_ALPHABET.contains(b))
            && let Some(decoded) = base58_decode(trimmed)
        {
            if looks_textual(&decoded) {
                push(decoded, &["base58"], span);
            } else {
                for (text, name) in decompress_all(&decoded, limits) {
                    push(text, &["base58", name], span);
                }
            }
        }
    }
    // LZ-string's URI form uses `$`, which ends a base64 run.
    for (start, end) in runs(bytes, URI_CHARS) {
        let run = &bytes[start..end];
        if run.len() >= MIN_RUN
            && run.contains(&b'$')
            && let Some(t) = lzstring::from_uri_component(run, limits.max_output)
                .filter(|t| looks_textual(t.as_bytes()))
        {
            push(t.into_bytes(), &["lz-string (uri)"], (start, end));
        }
    }
    if bytes.len() <= MAX_CUSTOM_MAP
        && parent.chain.iter().filter(|&&c| c == "custom map").count() < 3
        && bytes.iter().any(u8::is_ascii_alphanumeric)
    {
        push(
            custom_map(bytes, CUSTOM_MAP_TO, CUSTOM_MAP_FROM),
            &["custom map"],
            whole,
        );
    }
    out
}

/// The contents of double-quoted strings (JSON string values), escapes
/// skipped over.
fn quoted_strings(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(bytes.len());
        out.push((start, end));
        i = end + 1;
    }
    out
}

/// Where the values of `name=value` pairs are (separated by `&`, `?`, `;`
/// or `#`).
fn parameter_values(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=bytes.len() {
        if i == bytes.len() || matches!(bytes[i], b'&' | b'?' | b';' | b'#') {
            if let Some(eq) = bytes[start..i].iter().position(|&b| b == b'=') {
                let value = start + eq + 1;
                if i > value {
                    out.push((value, i));
                }
            }
            start = i + 1;
        }
    }
    out
}

/// From the first to the last non-ASCII character, when at least four
/// are there and they make at least half of that stretch.
fn wide_segment(text: &str) -> Option<(usize, usize)> {
    let start = text.char_indices().find(|(_, c)| !c.is_ascii())?.0;
    let (last, c) = text.char_indices().rev().find(|(_, c)| !c.is_ascii())?;
    // LZ-string's UTF-16 form may end in spaces (zero symbols and padding).
    let end = last + c.len_utf8();
    let end = end + text[end..].bytes().take_while(|&b| b == b' ').count();
    let segment = &text[start..end];
    let total = segment.chars().count();
    let wide = segment.chars().filter(|c| !c.is_ascii()).count();
    (wide >= 4 && wide * 2 >= total).then_some((start, end))
}

#[allow(non_snake_case)]
fn URI_CHARS(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'$')
}

fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// Maximal runs of bytes for which `keep` holds, as `(start, end)`; `=`
/// only continues a run at its end (padding), so `a=b` splits.
pub(crate) fn runs(bytes: &[u8], keep: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !keep(bytes[i]) || bytes[i] == b'=' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && keep(bytes[i]) && bytes[i] != b'=' {
            i += 1;
        }
        let mut end = i;
        while end < bytes.len() && end - i < 2 && bytes[end] == b'=' && keep(b'=') {
            end += 1;
        }
        out.push((start, end));
        i = end.max(i);
    }
    out
}

fn trim_padding(run: &[u8]) -> &[u8] {
    let end = run.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    &run[..end]
}

/// Whether bytes read as text a person could read: valid UTF-8 with few
/// control characters.
pub(crate) fn looks_textual(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        total += 1;
        // C0 controls only: C1 (U+0080..U+009F) occur in LZ-string's
        // UTF-16 form, which is text.
        if (c.is_ascii_control() && !matches!(c, '\n' | '\r' | '\t')) || c == '\u{fffd}' {
            control += 1;
        }
    }
    total > 0 && control * 10 <= total
}

fn has_percent_escape(bytes: &[u8]) -> bool {
    bytes
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Percent-decoding; with `form`, `+` is a space.
pub(crate) fn percent_decode(bytes: &[u8], form: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(if form && b == b'+' { b' ' } else { b });
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn hex_decode(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks_exact(2)
        .map(|p| Some(hex_value(p[0])? << 4 | hex_value(p[1])?))
        .collect()
}

/// Lenient base64: standard or URL-safe alphabet, padded or not.
pub(crate) fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG);
    const URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, CONFIG);
    let text = trim_padding(text);
    if text.contains(&b'-') || text.contains(&b'_') {
        URL.decode(text).ok()
    } else {
        STANDARD.decode(text).ok()
    }
}

fn base32_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    for &b in text {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'2'..=b'7' => b - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

fn base58_decode(text: &[u8]) -> Option<Vec<u8>> {
    let zeros = text.iter().take_while(|&&b| b == b'1').count();
    let mut bytes: Vec<u8> = Vec::new();
    for &c in &text[zeros..] {
        let mut carry = BASE58_ALPHABET.iter().position(|&a| a == c)? as u32;
        for b in bytes.iter_mut() {
            carry += u32::from(*b) * 58;
            *b = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(carry as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// Decodes the character references of HTML (named ones a serializer
/// writes, decimal and hex).
pub(crate) fn html_unescape(bytes: &[u8]) -> Vec<u8> {
    const NAMED: [(&[u8], &str); 7] = [
        (b"amp", "&"),
        (b"lt", "<"),
        (b"gt", ">"),
        (b"quot", "\""),
        (b"apos", "'"),
        (b"nbsp", "\u{a0}"),
        (b"commat", "@"),
    ];
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'&'
            && let Some(len) = bytes[i + 1..].iter().take(12).position(|&b| b == b';')
        {
            let name = &bytes[i + 1..i + 1 + len];
            let decoded: Option<char> = if let Some(num) = name.strip_prefix(b"#") {
                let (digits, radix) = match num.first() {
                    Some(b'x' | b'X') => (&num[1..], 16),
                    _ => (num, 10),
                };
                std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| u32::from_str_radix(d, radix).ok())
                    .and_then(char::from_u32)
            } else {
                NAMED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, c)| c.chars().next())
            };
            if let Some(c) = decoded {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len + 2;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Decodes JSON string escapes wherever they are (`\"`, `\\`, `\/`,
/// `\uXXXX` with surrogate pairs), leaving the rest as it is.
pub(crate) fn json_unescape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut pending_high: Option<u16> = None;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let next = bytes[i + 1];
            if next == b'u'
                && i + 6 <= bytes.len()
                && let Some(unit) = std::str::from_utf8(&bytes[i + 2..i + 6])
                    .ok()
                    .and_then(|h| u16::from_str_radix(h, 16).ok())
            {
                i += 6;
                if let Some(high) = pending_high.take()
                    && let Some(Ok(c)) = char::decode_utf16([high, unit]).next()
                {
                    {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        continue;
                    }
                }
                if (0xD800..0xDC00).contains(&unit) {
                    pending_high = Some(unit);
                } else if let Some(c) = char::from_u32(u32::from(unit)) {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                continue;
            }
            let simple = match next {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b'/' => Some(b'/'),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'b' => Some(8),
                b'f' => Some(12),
                _ => None,
            };
            if let Some(s) = simple {
                out.push(s);
                i += 2;
                continue;
            }
        }
        pending_high = None;
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Opens a compressed container: gzip, zlib, raw deflate, brotli, or
/// LZ-string's byte form. Formats without a magic number are all tried:
/// garbage sometimes inflates to something, so every textual result is
/// kept.
fn decompress_all(bytes: &[u8], limits: &Limits) -> Vec<(Vec<u8>, &'static str)> {
    let mut out = Vec::new();
    if bytes.len() < 2 {
        return out;
    }
    let cap = limits.max_output as u64;
    let read_capped = |reader: &mut dyn Read| -> Option<Vec<u8>> {
        let mut text = Vec::new();
        // A truncated stream still gives what it has (bodies are cut at a
        // limit by the capture).
        let _ = reader.take(cap).read_to_end(&mut text);
        (!text.is_empty() && looks_textual(&text)).then_some(text)
    };
    if bytes.starts_with(&[0x1f, 0x8b]) {
        if let Some(text) = read_capped(&mut flate2::read::MultiGzDecoder::new(bytes)) {
            out.push((text, "gzip"));
        }
        return out;
    }
    if bytes[0] & 0x0f == 8
        && (u16::from(bytes[0]) << 8 | u16::from(bytes[1])) % 31 == 0
        && let Some(text) = read_capped(&mut flate2::read::ZlibDecoder::new(bytes))
    {
        out.push((text, "zlib"));
        return out;
    }
    // Raw deflate and brotli have no magic number: any bytes are tried.
    // Cheap header checks turn most non-streams away before a decoder and
    // its buffers are set up (what dominated the search's time).
    if deflate_plausible(bytes) {
        let text = inflate_raw(bytes, limits.max_output);
        if !text.is_empty() && looks_textual(&text) {
            out.push((text, "deflate"));
        }
    }
    if brotli_plausible(bytes)
        && let Some(text) = read_capped(&mut brotli_decompressor::Decompressor::new(bytes, 4096))
    {
        out.push((text, "brotli"));
    }
    if let Some(text) = lzstring::from_uint8_array(bytes, limits.max_output)
        && looks_textual(text.as_bytes())
    {
        out.push((text.into_bytes(), "lz-string (uint8array)"));
    }
    out
}

/// Whether `bytes` may begin a raw deflate stream (RFC 1951, 3.2.3-3.2.7):
/// block type 3 is reserved; a stored block's length is followed by its
/// one's complement; a dynamic block declares at most 286 literal/length
/// and 30 distance codes.
fn deflate_plausible(bytes: &[u8]) -> bool {
    match (bytes[0] >> 1) & 3 {
        0 => {
            bytes.len() >= 5
                && u16::from_le_bytes([bytes[1], bytes[2]])
                    == !u16::from_le_bytes([bytes[3], bytes[4]])
        }
        2 => {
            let hlit = bytes[0] >> 3;
            let hdist = bytes.get(1).map_or(0, |b| b & 0x1f);
            hlit <= 29 && hdist <= 29
        }
        3 => false,
        _ => true,
    }
}

thread_local! {
    /// One raw-deflate decoder per thread, reset for each stream: setting
    /// one up allocates and clears a 32 KiB window.
    static INFLATER: std::cell::RefCell<flate2::Decompress> =
        std::cell::RefCell::new(flate2::Decompress::new(false));
}

/// Inflates a raw deflate stream, up to `cap` bytes; a stream cut short or
/// broken gives what it produced before.
fn inflate_raw(bytes: &[u8], cap: usize) -> Vec<u8> {
    INFLATER.with(|cell| {
        let Ok(mut inflater) = cell.try_borrow_mut() else {
            return Vec::new();
        };
        inflater.reset(false);
        let mut out: Vec<u8> = Vec::with_capacity(cap.min(256));
        loop {
            if out.len() >= cap {
                break;
            }
            if out.len() == out.capacity() {
                out.reserve(out.len().max(256).min(cap - out.len()));
            }
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            let consumed = usize::try_from(before_in).unwrap_or(usize::MAX);
            let input = bytes.get(consumed..).unwrap_or_default();
            match inflater.decompress_vec(input, &mut out, flate2::FlushDecompress::None) {
                Ok(flate2::Status::StreamEnd) | Err(_) => break,
                Ok(_) => {
                    if inflater.total_in() == before_in && inflater.total_out() == before_out {
                        break;
                    }
                }
            }
        }
        out.truncate(cap);
        out
    })
}

/// Whether `bytes` may begin a brotli stream with output (RFC 7932, 9.1
/// and 9.2): the window size is not the reserved code, the first
/// meta-block is not the empty last one, its length has no superfluous
/// zero nibble, and an uncompressed one pads to the byte with zeros.
fn brotli_plausible(bytes: &[u8]) -> bool {
    let mut bits = LsbBits { bytes, at: 0 };
    let mut check = || -> Option<bool> {
        if bits.read(1)? == 1 && bits.read(3)? == 0 && bits.read(3)? == 1 {
            return Some(false);
        }
        let last = bits.read(1)? == 1;
        if last && bits.read(1)? == 1 {
            return Some(false);
        }
        let nibbles = match bits.read(2)? {
            // A metadata block first: left to the decoder.
            3 => return Some(true),
            n => n + 4,
        };
        let mut nibble = 0;
        for _ in 0..nibbles {
            nibble = bits.read(4)?;
        }
        if nibbles > 4 && nibble == 0 {
            return Some(false);
        }
        if !last && bits.read(1)? == 1 {
            while !bits.at.is_multiple_of(8) {
                if bits.read(1)? != 0 {
                    return Some(false);
                }
            }
        }
        Some(true)
    };
    // Too short for a meta-block header: nothing to decode.
    check().unwrap_or(false)
}

/// Bits in brotli's order: least significant first.
struct LsbBits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl LsbBits<'_> {
    fn read(&mut self, count: u32) -> Option<u32> {
        let mut value = 0;
        for i in 0..count {
            let byte = *self.bytes.get(self.at / 8)?;
            value |= u32::from((byte >> (self.at % 8)) & 1) << i;
            self.at += 1;
        }
        Some(value)
    }
}

/// The first container [`decompress_all`] opens.
#[cfg(test)]
fn decompress(bytes: &[u8], limits: &Limits) -> Option<(Vec<u8>, &'static str)> {
    decompress_all(bytes, limits).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_end_at_padding() {
        let text = b"a=YWJj&b=YWI=";
        let found: Vec<&[u8]> = runs(text, is_base64_char)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(found, vec![&b"a="[..], b"YWJj", b"b=", b"YWI="]);
    }

    #[test]
    fn decoders_undo_their_encodings() {
        assert_eq!(percent_decode(b"a%40b+c", true), b"a@b c");
        assert_eq!(html_unescape(b"a&#64;b&amp;&#x41;"), b"a@b&A");
        assert_eq!(
            json_unescape(br#"a\u0040b\/\ud83d\ude00"#),
            "a@b/😀".as_bytes()
        );
        assert_eq!(base58_decode(b"StV1DL6CwTryKyV").unwrap(), b"hello world");
        assert_eq!(base32_decode(b"MZXW6YTBOI").unwrap(), b"foobar");
    }

    /// The header checks that keep garbage from the raw deflate and brotli
    /// decoders let every real stream through: every level and window, short
    /// and long inputs, text and binary.
    #[test]
    fn real_deflate_and_brotli_streams_pass_the_header_checks() {
        use std::io::Write;
        let limits = Limits::default();
        let inputs: Vec<Vec<u8>> = vec![
            b"outflow.3fa9c01b2e@example.com".to_vec(),
            b"x=1".to_vec(),
            "{\"e\":\"outflow\"} ".repeat(500).into_bytes(),
            (0..20_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ];
        for input in &inputs {
            for level in 0..=9 {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(level));
                e.write_all(input).unwrap();
                let stream = e.finish().unwrap();
                assert!(deflate_plausible(&stream), "deflate level {level}");
                assert_eq!(
                    inflate_raw(&stream, limits.max_output),
                    *input,
                    "level {level}"
                );
            }
            for quality in [0, 1, 5, 9, 11] {
                for window in [10, 16, 18, 22, 24] {
                    let mut stream = Vec::new();
                    {
                        let mut w =
                            brotli::CompressorWriter::new(&mut stream, 4096, quality, window);
                        w.write_all(input).unwrap();
                    }
                    assert!(
                        brotli_plausible(&stream),
                        "brotli quality {quality} window {window}"
                    );
                }
            }
        }
        // Garbage is mostly turned away before a decoder is set up.
        let garbage: Vec<Vec<u8>> = (0..1000u32)
            .map(|i| {
                (0..24u32)
                    .map(|j| ((i * 31 + j).wrapping_mul(2_654_435_761) >> 11) as u8)
                    .collect()
            })
            .collect();
        let deflate = garbage.iter().filter(|g| deflate_plausible(g)).count();
        let brotli = garbage.iter().filter(|g| brotli_plausible(g)).count();
        assert!(deflate < 600 && brotli < 800, "{deflate} {brotli}");
        // A cut stream gives what it had.
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&inputs[2]).unwrap();
        let stream = e.finish().unwrap();
        let cut = inflate_raw(&stream[..stream.len() / 2], limits.max_output);
        assert!(!cut.is_empty() && inputs[2].starts_with(&cut));
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b'a'; 64 << 20]).unwrap();
        let bomb = encoder.finish().unwrap();
        let limits = Limits::default();
        let (text, _) = decompress(&bomb, &limits).unwrap();
        assert_eq!(text.len(), limits.max_output);
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b'a'; 64 << 20]).unwrap();
        let bomb = encoder.finish().unwrap();
        let (text, name) = decompress(&bomb, &limits).unwrap();
        assert_eq!((text.len(), name), (limits.max_output, "deflate"));
    }
}
