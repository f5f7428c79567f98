//! Fields of DevTools JSON messages, read leniently and kept within bounds.
//!
//! Every reader of protocol JSON (the recorder, call stacks, the
//! `<script src>` log, the target attacher) shares these, so that a missing
//! field reads the same everywhere and no page can make a recorded string
//! grow without limit.

use serde_json::Value;

/// URLs are kept up to this many bytes (a page can make megabyte URLs).
pub(crate) const URL_LIMIT: usize = 16 * 1024;

/// The string field `key` of `value`, empty when absent or not a string.
pub(crate) fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// `text` cut to at most `limit` bytes, on a character boundary.
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// A protocol number as a `u32`, saturating.
pub(crate) fn clamp(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
