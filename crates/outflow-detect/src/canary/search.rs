//! The canary index: every spelling of every canary worth searching for,
//! built once per capture, then one pass over each haystack and its decoded
//! views.
//!
//! Two kinds of needles:
//! - *text needles* (the value, its case variants and truncations, and the
//!   encodings of it that can sit anywhere in a longer string: URL, form,
//!   HTML, hex, base32, base58, base64 at each byte alignment), searched
//!   with one Aho-Corasick automaton, ASCII case-insensitively;
//! - *digests* (every chain of up to [`HASH_LAYERS`] (3) hashes and text
//!   transforms ending in a hash; [`TRUNCATED_HASH_LAYERS`] (1) for a value
//!   missing its last characters), kept in a hash table by their bytes: the
//!   haystack's hex, base64 and decimal tokens of digest length are looked
//!   up, so the table's size does not slow the search.
//!
//! Terms shorter than [`MIN_TERM_CHARS`] (5) characters are not searched
//! (too likely to occur by chance), and a hit keeps at most
//! [`MAX_MATCHED_CHARS`] (200) characters of the text it matched.
//!
//! Encodings around a needle (a base64 parameter, a gzip body, LZ-string)
//! are undone by decoding the haystack ([`super::decode`]), so their chains
//! need not be enumerated.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use outflow_model::{Canary, CanaryKind};
use rayon::prelude::*;

use super::decode::{self, Limits, View, base64_decode, hex_decode, runs};
use super::encode::{
    CUSTOM_MAP_FROM, CUSTOM_MAP_TO, TEXT_FNS, base32, base58, base64_fragments, custom_map,
    html_escape, percent_encode,
};
use super::hashes::{self, HashFn};

/// Layers of hashing (and text transforms under a hash) precomputed for a
/// value as typed, in lower or upper case, or trimmed and lower-cased.
pub const HASH_LAYERS: usize = 3;
/// Layers precomputed for a value missing its last one or two characters
/// (read before typing ended): one hash, as analytics scripts apply it.
pub const TRUNCATED_HASH_LAYERS: usize = 1;
/// Terms shorter than this (in characters) are not searched: too likely to
/// occur by chance.
pub const MIN_TERM_CHARS: usize = 5;
/// How many characters of matched text a hit keeps.
pub(super) const MAX_MATCHED_CHARS: usize = 200;

/// Hex lengths of digests: MurmurHash3 32/64, MD*, SHA-1/RIPEMD-160,
/// SHA-224, SHA-256, SHA-384, SHA-512/Whirlpool.
const HEX_LENGTHS: [usize; 8] = [8, 16, 32, 40, 56, 64, 96, 128];
/// Digest sizes in bytes, for base64 tokens.
const DIGEST_SIZES: [usize; 8] = [4, 8, 16, 20, 28, 32, 48, 64];

/// One search term: a canary value or a variant of it.
#[derive(Debug, Clone)]
struct Term {
    canary: usize,
    bytes: Vec<u8>,
    /// How the term differs from the typed value (innermost layers).
    notes: Vec<&'static str>,
    hash_layers: usize,
}

/// Where a text needle comes from.
#[derive(Debug, Clone)]
struct Needle {
    term: usize,
    bytes: Vec<u8>,
    chain: Vec<&'static str>,
}

/// Where a digest comes from: a term and its layers, outermost first, as
/// indexes into [`hashes::ALL`] then [`TEXT_FNS`].
#[derive(Debug, Clone, Copy)]
struct Origin {
    term: u32,
    layers: [u8; HASH_LAYERS],
    depth: u8,
}

/// A digest's key: its length and first 16 bytes (a collision of 128 bits
/// is not a concern; shorter digests are zero-padded).
type DigestKey = (u8, u128);

fn digest_key(bytes: &[u8]) -> DigestKey {
    let mut prefix = [0u8; 16];
    let n = bytes.len().min(16);
    prefix[..n].copy_from_slice(&bytes[..n]);
    (bytes.len() as u8, u128::from_be_bytes(prefix))
}

/// A canary found in a haystack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the canary in the list the index was built from.
    pub canary: usize,
    /// The matched text: as it appears in the haystack when the match (or
    /// the container it was decoded from) is short, else the decoded text
    /// that matched.
    pub matched: String,
    /// How the value was transformed, outermost first (empty for the plain
    /// value); for card values found by [`super::CardValues`], then how it
    /// was recognised (`masked: first 6 and last 4 digits`, `next to the
    /// card number`, `field cvc`).
    pub encodings: Vec<String>,
}

/// Every searchable spelling of a set of canaries.
#[derive(Debug)]
pub struct CanaryIndex {
    kinds: Vec<CanaryKind>,
    terms: Vec<Term>,
    needles: Vec<Needle>,
    automaton: Option<AhoCorasick>,
    digests: HashMap<DigestKey, Origin>,
    decimals: HashMap<String, Origin>,
    limits: Limits,
}

impl CanaryIndex {
    /// Builds the index for these canaries with default limits.
    pub fn new(canaries: &[Canary]) -> Self {
        Self::with_limits(canaries, Limits::default())
    }

    /// Builds the index with explicit decoding limits.
    pub fn with_limits(canaries: &[Canary], limits: Limits) -> Self {
        let terms = terms_of(canaries);
        let needles = text_needles(&terms);
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(needles.iter().map(|n| n.bytes.as_slice()))
            .ok()
            .filter(|_| !needles.is_empty());
        let per_term: Vec<_> = terms
            .par_iter()
            .enumerate()
            .map(|(i, t)| digests_of(i as u32, &t.bytes, t.hash_layers))
            .collect();
        let mut digests = HashMap::new();
        let mut decimals = HashMap::new();
        for (keys, decs) in per_term {
            for (k, o) in keys {
                digests.entry(k).or_insert(o);
            }
            for (d, o) in decs {
                decimals.entry(d).or_insert(o);
            }
        }
        CanaryIndex {
            kinds: canaries.iter().map(|c| c.kind).collect(),
            terms,
            needles,
            automaton,
            digests,
            decimals,
            limits,
        }
    }

    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// How many digests (hash chains) the index holds.
    pub fn digest_count(&self) -> usize {
        self.digests.len() + self.decimals.len()
    }

    /// The canaries found in `haystack`: at most one hit per canary (the
    /// most direct: the haystack itself before its decoded views, text
    /// needles before digests).
    pub fn search(&self, haystack: &[u8]) -> Vec<Hit> {
        let mut found: Vec<Option<Hit>> = vec![None; self.kinds.len()];
        if self.terms.is_empty() || haystack.is_empty() {
            return Vec::new();
        }
        let root = View {
            bytes: Vec::new(),
            chain: Vec::new(),
            span: (0, haystack.len()),
        };
        self.search_view(haystack, &root, haystack, &mut found);
        if found.iter().any(Option::is_none) {
            let (views, _truncated) = decode::expand(haystack, &self.limits);
            for view in &views {
                self.search_view(&view.bytes, view, haystack, &mut found);
                if found.iter().all(Option::is_some) {
                    break;
                }
            }
        }
        found.into_iter().flatten().collect()
    }

    fn search_view(&self, bytes: &[u8], view: &View, root: &[u8], found: &mut [Option<Hit>]) {
        if let Some(automaton) = &self.automaton {
            for m in automaton.find_iter(bytes) {
                let needle = &self.needles[m.pattern().as_usize()];
                let term = &self.terms[needle.term];
                if found[term.canary].is_some() {
                    continue;
                }
                let text = &bytes[m.start()..m.end()];
                let mut encodings: Vec<String> = view.chain.iter().map(|s| s.to_string()).collect();
                if text != needle.bytes.as_slice() {
                    encodings.push(case_note(text, &needle.bytes).to_string());
                }
                encodings.extend(needle.chain.iter().map(|s| s.to_string()));
                encodings.extend(term.notes.iter().map(|s| s.to_string()));
                found[term.canary] = Some(Hit {
                    canary: term.canary,
                    matched: matched_text(root, view, (m.start(), m.end()), bytes),
                    encodings,
                });
            }
        }
        if self.digests.is_empty() {
            return;
        }
        let mut report = |origin: &Origin, span: (usize, usize), form: &'static str| {
            let term = &self.terms[origin.term as usize];
            if found[term.canary].is_some() {
                return;
            }
            let mut encodings: Vec<String> = view.chain.iter().map(|s| s.to_string()).collect();
            if !form.is_empty() {
                encodings.push(form.to_string());
            }
            encodings.extend(
                origin.layers[..usize::from(origin.depth)]
                    .iter()
                    .map(|&l| layer_name(l).to_string()),
            );
            encodings.extend(term.notes.iter().map(|s| s.to_string()));
            found[term.canary] = Some(Hit {
                canary: term.canary,
                matched: matched_text(root, view, span, bytes),
                encodings,
            });
        };
        for (start, end) in runs(bytes, |b| b.is_ascii_hexdigit()) {
            let run = &bytes[start..end];
            for len in HEX_LENGTHS {
                if run.len() < len {
                    break;
                }
                for offset in 0..=run.len() - len {
                    let window = &run[offset..offset + len];
                    let Some(prefix) = hex_decode(&window[..len.min(32)]) else {
                        continue;
                    };
                    let mut key = digest_key(&prefix);
                    key.0 = (len / 2) as u8;
                    if let Some(origin) = self.digests.get(&key) {
                        report(origin, (start + offset, start + offset + len), "");
                    }
                }
            }
        }
        for (start, end) in runs(bytes, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
        }) {
            let run = &bytes[start..end];
            let Some(size) = DIGEST_SIZES
                .iter()
                .find(|&&s| (s * 4).div_ceil(3) == run.len())
            else {
                continue;
            };
            if run.iter().all(u8::is_ascii_hexdigit) && run.len().is_multiple_of(2) {
                continue;
            }
            if let Some(decoded) = base64_decode(run).filter(|d| d.len() == *size)
                && let Some(origin) = self.digests.get(&digest_key(&decoded))
            {
                let padded_end = (end..bytes.len().min(end + 2))
                    .take_while(|&i| bytes[i] == b'=')
                    .last()
                    .map_or(end, |i| i + 1);
                report(origin, (start, padded_end), "base64");
            }
        }
        if !self.decimals.is_empty() {
            for (start, end) in runs(bytes, |b| b.is_ascii_digit()) {
                if !(5..=40).contains(&(end - start)) {
                    continue;
                }
                let start = if start > 0 && bytes[start - 1] == b'-' {
                    start - 1
                } else {
                    start
                };
                let text = String::from_utf8_lossy(&bytes[start..end]);
                let origin = self
                    .decimals
                    .get(text.as_ref())
                    .or_else(|| self.decimals.get(text.trim_start_matches('-')));
                if let Some(origin) = origin {
                    report(origin, (start, end), "decimal");
                }
            }
        }
    }
}

fn layer_name(layer: u8) -> &'static str {
    let l = usize::from(layer);
    if l < hashes::ALL.len() {
        hashes::ALL[l].name()
    } else {
        TEXT_FNS[l - hashes::ALL.len()].name()
    }
}

fn case_note(text: &[u8], needle: &[u8]) -> &'static str {
    if text == needle.to_ascii_uppercase().as_slice() {
        "upper case"
    } else if text == needle.to_ascii_lowercase().as_slice() {
        "lower case"
    } else {
        "mixed case"
    }
}

/// The text to show for a match at `span` of `bytes` (a view of `root`).
fn matched_text(root: &[u8], view: &View, span: (usize, usize), bytes: &[u8]) -> String {
    let (start, end) = if view.chain.is_empty() {
        span
    } else if view.span.1 - view.span.0 <= MAX_MATCHED_CHARS {
        view.span
    } else {
        return cut(&String::from_utf8_lossy(&bytes[span.0..span.1]));
    };
    cut(&String::from_utf8_lossy(&root[start..end.min(root.len())]))
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_MATCHED_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_MATCHED_CHARS).collect();
    out.push('…');
    out
}

/// The value, its case variants, its trimmed lower-case form and its
/// truncations, deduplicated, for every canary long enough to search.
fn terms_of(canaries: &[Canary]) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    for (i, canary) in canaries.iter().enumerate() {
        let value = canary.value.as_str();
        let mut add = |text: String, notes: Vec<&'static str>, layers: usize| {
            if text.chars().count() < MIN_TERM_CHARS
                || terms
                    .iter()
                    .any(|t| t.canary == i && t.bytes == text.as_bytes())
            {
                return;
            }
            terms.push(Term {
                canary: i,
                bytes: text.into_bytes(),
                notes,
                hash_layers: layers,
            });
        };
        add(value.to_string(), vec![], HASH_LAYERS);
        add(value.to_lowercase(), vec!["lower case"], HASH_LAYERS);
        add(value.to_uppercase(), vec!["upper case"], HASH_LAYERS);
        add(
            value.trim().to_lowercase(),
            vec!["trimmed, lower case"],
            HASH_LAYERS,
        );
        if canary.kind == CanaryKind::CardNumber {
            // Card numbers are shown, and sent, in groups of four.
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            for (separator, note) in [(" ", "grouped with spaces"), ("-", "grouped with dashes")] {
                let grouped: Vec<String> = digits
                    .as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                add(grouped.join(separator), vec![note], HASH_LAYERS);
            }
            add(digits, vec!["digits only"], HASH_LAYERS);
        }
        let chars: Vec<char> = value.chars().collect();
        for (missing, note) in [
            (1, "last character missing"),
            (2, "last 2 characters missing"),
        ] {
            if chars.len() > missing {
                add(
                    chars[..chars.len() - missing].iter().collect(),
                    vec![note],
                    TRUNCATED_HASH_LAYERS,
                );
            }
        }
    }
    terms
}

/// Spellings of each term that can be found as substrings.
fn text_needles(terms: &[Term]) -> Vec<Needle> {
    let mut needles: Vec<Needle> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, term) in terms.iter().enumerate() {
        let t = term.bytes.as_slice();
        let url = percent_encode(t, false);
        let mut candidates: Vec<(Vec<u8>, Vec<&'static str>)> = vec![
            (t.to_vec(), vec![]),
            (percent_encode(&url, false), vec!["url", "url"]),
            (url, vec!["url"]),
            (percent_encode(t, true), vec!["form"]),
            (html_escape(t), vec!["html entities"]),
            (hashes::to_hex(t).into_bytes(), vec!["hex"]),
            (base32(t), vec!["base32"]),
            (base58(t), vec!["base58"]),
            (
                custom_map(t, CUSTOM_MAP_FROM, CUSTOM_MAP_TO),
                vec!["custom map"],
            ),
        ];
        for fragment in base64_fragments(t, false) {
            candidates.push((fragment, vec!["base64"]));
        }
        for fragment in base64_fragments(t, true) {
            candidates.push((fragment, vec!["base64url"]));
        }
        for (bytes, chain) in candidates {
            // Case-insensitive matching makes case variants one needle.
            if bytes.len() < MIN_TERM_CHARS || !seen.insert(bytes.to_ascii_lowercase()) {
                continue;
            }
            needles.push(Needle {
                term: i,
                bytes,
                chain,
            });
        }
    }
    needles
}

type DigestEntries = (Vec<(DigestKey, Origin)>, Vec<(String, Origin)>);

/// Every chain of up to `layers` hashes and text transforms that ends in
/// a hash, applied to one term.
fn digests_of(term: u32, bytes: &[u8], layers: usize) -> DigestEntries {
    let mut keys = Vec::new();
    let mut decimals = Vec::new();
    let text_base = hashes::ALL.len() as u8;
    let mut level: Vec<(Vec<u8>, Vec<u8>)> = vec![(bytes.to_vec(), Vec::new())];
    let mut seen = std::collections::HashSet::new();
    seen.insert(bytes.to_vec());
    for depth in 0..layers {
        let mut next = Vec::new();
        for (input, chain) in &level {
            for (i, function) in hashes::ALL.iter().enumerate() {
                // A 32-bit hash of anything but the value itself would
                // match random numbers too often.
                if matches!(function, HashFn::Murmur3_32 | HashFn::Murmur3_32Decimal)
                    && !chain.is_empty()
                {
                    continue;
                }
                let digest = function.digest(input);
                let mut full = vec![i as u8];
                full.extend_from_slice(chain);
                let origin = origin_of(term, &full);
                keys.push((digest_key(&digest.bytes), origin));
                for decimal in digest.decimals {
                    decimals.push((decimal, origin));
                }
                if depth + 1 < layers && seen.insert(digest.text.as_bytes().to_vec()) {
                    next.push((digest.text.into_bytes(), full));
                }
            }
            if depth + 1 < layers {
                for (j, function) in TEXT_FNS.iter().enumerate() {
                    let output = function.apply(input);
                    if seen.insert(output.clone()) {
                        let mut full = vec![text_base + j as u8];
                        full.extend_from_slice(chain);
                        next.push((output, full));
                    }
                }
            }
        }
        level = next;
    }
    (keys, decimals)
}

fn origin_of(term: u32, chain: &[u8]) -> Origin {
    let mut layers = [0u8; HASH_LAYERS];
    let depth = chain.len().min(HASH_LAYERS);
    layers[..depth].copy_from_slice(&chain[..depth]);
    Origin {
        term,
        layers,
        depth: depth as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> CanaryIndex {
        CanaryIndex::new(&[Canary {
            kind: CanaryKind::Email,
            value: "outflow.3fa9c01b2e@example.com".to_string(),
            field: String::new(),
            frame_url: String::new(),
            typed_at_ms: 0,
        }])
    }

    #[test]
    fn nested_lz_utf16_is_found() {
        let inner = lz_str::compress_to_utf16("outflow.3fa9c01b2e@example.com");
        let packed = lz_str::compress_to_utf16(inner.as_str());
        let hits = index().search(packed.as_bytes());
        assert_eq!(hits.len(), 1, "{inner:?} {packed:?}");
    }

    /// The chains the transport matrix missed (`canary_matrix.rs`): LZ-string
    /// UTF-16 inside itself, around a URL- or form-encoded value or a hash.
    #[test]
    fn lz_utf16_inside_itself_is_found_around_any_inner_layer() {
        use base64::Engine as _;
        use sha2::Digest as _;
        let email = "outflow.3fa9c01b2e@example.com";
        let digest = sha2::Sha256::digest(email.as_bytes());
        let inners = [
            ("url", email.replace('@', "%40")),
            (
                "form",
                url::form_urlencoded::byte_serialize(email.as_bytes()).collect(),
            ),
            ("sha256", hashes::to_hex(&digest)),
            (
                "sha256 b64",
                base64::engine::general_purpose::STANDARD.encode(digest),
            ),
        ];
        let mut missed = Vec::new();
        for (name, inner) in inners {
            let packed =
                lz_str::compress_to_utf16(lz_str::compress_to_utf16(inner.as_str()).as_str());
            if index().search(packed.as_bytes()).len() != 1 {
                missed.push(format!("{name}: {packed:?}"));
            }
        }
        assert!(missed.is_empty(), "{missed:#?}");
    }

    #[test]
    fn lz_utf16_is_found() {
        let packed = lz_str::compress_to_utf16("outflow.3fa9c01b2e@example.com");
        eprintln!("{packed:?}");
        let hits = index().search(packed.as_bytes());
        assert_eq!(hits.len(), 1, "{packed:?}");
    }
}
