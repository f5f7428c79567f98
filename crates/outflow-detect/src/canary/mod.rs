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

pub use card::{CardValues, NEAR_CARD_BYTES};
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

/// The decoder's limits are documented where they are declared: every
/// numeric constant of the canary search's files is named in its file's
/// module documentation as ``[`NAME`] (value)`` with the value the code
/// uses (the convention of the rules' thresholds, see
/// `tests/rule_declarations.rs`).
#[cfg(test)]
mod documented_limits {
    use std::collections::BTreeSet;

    /// A file of the canary search: its name, its source, and the value of
    /// every numeric constant it declares.
    type DocumentedFile = (&'static str, &'static str, Vec<(&'static str, f64)>);

    /// Each file of the canary search.
    fn files() -> Vec<DocumentedFile> {
        use super::{decode, leaks, lzstring, search};
        vec![
            (
                "decode.rs",
                include_str!("decode.rs"),
                vec![
                    ("MAX_DEPTH", decode::MAX_DEPTH as f64),
                    ("MIN_RUN", decode::MIN_RUN as f64),
                    ("MAX_CUSTOM_MAP", decode::MAX_CUSTOM_MAP as f64),
                    ("MAX_BASE58_RUN", decode::MAX_BASE58_RUN as f64),
                    ("DEFAULT_MAX_OUTPUT", decode::DEFAULT_MAX_OUTPUT as f64),
                    ("DEFAULT_MAX_VIEWS", decode::DEFAULT_MAX_VIEWS as f64),
                    ("DEFAULT_MAX_TOTAL", decode::DEFAULT_MAX_TOTAL as f64),
                ],
            ),
            (
                "search.rs",
                include_str!("search.rs"),
                vec![
                    ("HASH_LAYERS", search::HASH_LAYERS as f64),
                    (
                        "TRUNCATED_HASH_LAYERS",
                        search::TRUNCATED_HASH_LAYERS as f64,
                    ),
                    ("MIN_TERM_CHARS", search::MIN_TERM_CHARS as f64),
                    ("MAX_MATCHED_CHARS", search::MAX_MATCHED_CHARS as f64),
                ],
            ),
            (
                "leaks.rs",
                include_str!("leaks.rs"),
                vec![("MAX_EVIDENCE", leaks::MAX_EVIDENCE as f64)],
            ),
            (
                "lzstring.rs",
                include_str!("lzstring.rs"),
                vec![("PAST_END_SLACK", lzstring::PAST_END_SLACK as f64)],
            ),
            ("encode.rs", include_str!("encode.rs"), vec![]),
            ("hashes.rs", include_str!("hashes.rs"), vec![]),
        ]
    }

    /// The module documentation (`//!` lines) of a source file.
    fn module_doc(source: &str) -> String {
        source
            .lines()
            .map_while(|line| line.strip_prefix("//!"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The values stated as ``[`NAME`] (value)`` in `doc` (`None` where the
    /// name has no value after it).
    fn stated(doc: &str, name: &str) -> Vec<Option<f64>> {
        let marker = format!("[`{name}`]");
        doc.match_indices(&marker)
            .map(|(at, _)| {
                let after = doc[at + marker.len()..].trim_start();
                after
                    .strip_prefix('(')
                    .and_then(|v| v.split_once(')'))
                    .and_then(|(value, _)| value.trim().parse::<f64>().ok())
            })
            .collect()
    }

    /// The names of the numeric scalar constants declared in `source`.
    fn numeric_constants(source: &str) -> BTreeSet<String> {
        const TYPES: [&str; 6] = ["u8", "u16", "u32", "u64", "usize", "f64"];
        source
            .lines()
            .filter_map(|line| {
                let line = line.trim_start();
                let line = ["pub(crate) ", "pub(super) ", "pub "]
                    .iter()
                    .find_map(|visibility| line.strip_prefix(visibility))
                    .unwrap_or(line);
                let (name, rest) = line.strip_prefix("const ")?.split_once(':')?;
                let ty = rest.split_once('=')?.0.trim();
                TYPES.contains(&ty).then(|| name.trim().to_string())
            })
            .collect()
    }

    #[test]
    fn every_limit_is_documented_with_its_value() {
        let mut problems = Vec::new();
        for (file, source, values) in files() {
            let doc = module_doc(source);
            let listed: BTreeSet<&str> = values.iter().map(|(name, _)| *name).collect();
            for name in numeric_constants(source) {
                if !listed.contains(name.as_str()) {
                    problems.push(format!("{file}: {name} is not listed in this test"));
                }
            }
            for (name, value) in &values {
                let stated = stated(&doc, name);
                if stated.is_empty() {
                    problems.push(format!(
                        "{file}: {name} is not documented: state it as [`{name}`] ({value})"
                    ));
                }
                for found in stated {
                    if found != Some(*value) {
                        problems.push(format!(
                            "{file}: {name} is documented as {found:?} but is {value}"
                        ));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_wrong_or_missing_value_is_caught() {
        assert_eq!(
            stated("up to [`MAX_DEPTH`] (4) layers", "MAX_DEPTH"),
            [Some(4.0)]
        );
        assert_eq!(stated("up to [`MAX_DEPTH`] layers", "MAX_DEPTH"), [None]);
        assert!(stated("no mention", "MAX_DEPTH").is_empty());
        assert_eq!(
            numeric_constants(
                "const A: usize = 1;\npub(crate) const B: u64 = 2;\nconst C: &str = \"x\";\npub(super) const D: u8 = 3;"
            ),
            ["A", "B", "D"].map(String::from).into_iter().collect()
        );
    }
}
