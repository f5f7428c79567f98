//! Finding canaries (the values outflow typed into a page's forms) in what
//! the page sent or stored, however they were encoded.
//!
//! [`CanaryIndex`] precomputes every spelling of each canary (case variants,
//! truncations, text encodings, and chains of up to three hashes);
//! [`CanaryIndex::search`] finds them in one haystack, opening the
//! containers around them (URL and form encoding, HTML entities, JSON
//! escapes, base64/base32/base58/hex runs, gzip, zlib, deflate, brotli and
//! LZ-string) within [`Limits`]. The canary rules (`credential-exfiltration`,
//! `pii-before-submit`, `keystroke-capture`) apply it to every channel of a
//! capture; [`card`] adds what card data needs beyond that
//! (`card-data-exfiltration`).

pub(crate) mod card;
mod decode;
mod encode;
mod hashes;
pub(crate) mod leaks;
mod lzstring;
mod search;

pub use card::{CardHit, CardValues, NEAR_CARD_BYTES};
pub use decode::Limits;
pub use search::{CanaryIndex, HASH_LAYERS, Hit, MIN_TERM_CHARS, TRUNCATED_HASH_LAYERS};

/// The names of the hash functions searched, as they appear in a hit's
/// encoding chain.
pub fn hash_names() -> Vec<&'static str> {
    hashes::ALL.iter().map(|h| h.name()).collect()
}

/// `text` with percent escapes (and `+` as space) decoded, lossily.
pub(crate) fn percent_decoded(text: &str) -> String {
    String::from_utf8_lossy(&decode::percent_decode(text.as_bytes(), true)).into_owned()
}
