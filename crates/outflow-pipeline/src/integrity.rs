//! Subresource Integrity: the `integrity` attribute of a script element
//! checked against the body its server actually sent, as a browser checks
//! it (W3C SRI, "parse metadata", "get the strongest metadata", "do bytes
//! match metadataList").
//!
//! The attribute is written by the page, so by an attacker: every token is
//! bounded, unknown algorithms and options are skipped as browsers skip
//! them, and nothing here panics.

use std::collections::BTreeMap;

use base64::Engine;

use outflow_model::{IntegrityStatus, ScriptElement, ScriptIntegrity, ServedBody};

/// Most tokens of one attribute looked at; the rest are ignored (a real
/// attribute has one to three).
pub const MAX_TOKENS: usize = 64;

/// A hash algorithm SRI knows, weakest first (the order decides which
/// tokens count: only those of the strongest algorithm present).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SriAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl SriAlgorithm {
    /// The prefix in an attribute (`sha384`).
    pub fn as_str(self) -> &'static str {
        match self {
            SriAlgorithm::Sha256 => "sha256",
            SriAlgorithm::Sha384 => "sha384",
            SriAlgorithm::Sha512 => "sha512",
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            SriAlgorithm::Sha256 => 32,
            SriAlgorithm::Sha384 => 48,
            SriAlgorithm::Sha512 => 64,
        }
    }

    fn parse(text: &str) -> Option<SriAlgorithm> {
        // Browsers compare the algorithm ASCII case-insensitively.
        [
            SriAlgorithm::Sha256,
            SriAlgorithm::Sha384,
            SriAlgorithm::Sha512,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(text))
    }
}

/// One usable token of an `integrity` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SriHash {
    /// The algorithm.
    pub algorithm: SriAlgorithm,
    /// The expected digest, when the value is valid base64 (or base64url)
    /// of the algorithm's length; `None` for a value that can never match.
    pub digest: Option<Vec<u8>>,
    /// The token's value as written (options removed).
    pub value: String,
}

/// Parses an `integrity` attribute: whitespace-separated
/// `<algorithm>-<base64>[?options]` tokens; tokens of unknown algorithms
/// and without a `-` are skipped, options are ignored. At most
/// [`MAX_TOKENS`] tokens are read.
pub fn parse_metadata(attribute: &str) -> Vec<SriHash> {
    attribute
        .split_ascii_whitespace()
        .take(MAX_TOKENS)
        .filter_map(|token| {
            let expression = token.split('?').next().unwrap_or_default();
            let (algorithm, value) = expression.split_once('-')?;
            let algorithm = SriAlgorithm::parse(algorithm)?;
            Some(SriHash {
                algorithm,
                digest: decode_digest(value).filter(|d| d.len() == algorithm.digest_len()),
                value: value.chars().take(200).collect(),
            })
        })
        .collect()
}

/// Base64 or base64url, padded or not: browsers accept both alphabets.
fn decode_digest(value: &str) -> Option<Vec<u8>> {
    if value.len() > 200 {
        return None;
    }
    let standard: String = value
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(standard)
        .ok()
}

/// The tokens that count: those of the strongest algorithm present.
pub fn strongest(metadata: &[SriHash]) -> Vec<&SriHash> {
    let Some(best) = metadata.iter().map(|h| h.algorithm).max() else {
        return Vec::new();
    };
    metadata.iter().filter(|h| h.algorithm == best).collect()
}

/// Whether a body with these digests passes `metadata`: any token of the
/// strongest algorithm matching is enough. `None` when `metadata` has no
/// usable token (the browser then does not check).
pub fn body_matches(metadata: &[SriHash], served: &ServedBody) -> Option<bool> {
    let tokens = strongest(metadata);
    if tokens.is_empty() {
        return None;
    }
    Some(tokens.iter().any(|token| {
        let actual = match token.algorithm {
            SriAlgorithm::Sha256 => &served.sha256,
            SriAlgorithm::Sha384 => &served.sha384,
            SriAlgorithm::Sha512 => &served.sha512,
        };
        match (&token.digest, hex::decode(actual)) {
            (Some(expected), Ok(actual)) => *expected == actual,
            _ => false,
        }
    }))
}

/// `sha384-<base64>`: how a digest of a served body is written in an
/// attribute.
fn attribute_value(algorithm: SriAlgorithm, served: &ServedBody) -> String {
    let hex_digest = match algorithm {
        SriAlgorithm::Sha256 => &served.sha256,
        SriAlgorithm::Sha384 => &served.sha384,
        SriAlgorithm::Sha512 => &served.sha512,
    };
    match hex::decode(hex_digest) {
        Ok(bytes) => format!(
            "{}-{}",
            algorithm.as_str(),
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        Err(_) => format!("{}-(unknown)", algorithm.as_str()),
    }
}

/// The verdict for one element.
fn element_status(element: &ScriptElement) -> (IntegrityStatus, String) {
    let Some(attribute) = element
        .integrity
        .as_deref()
        .filter(|a| !a.trim().is_empty())
    else {
        return (IntegrityStatus::None, "no integrity attribute".to_string());
    };
    let metadata = parse_metadata(attribute);
    if metadata.is_empty() {
        return (
            IntegrityStatus::None,
            "the integrity attribute has no sha256/sha384/sha512 token: the browser checks nothing"
                .to_string(),
        );
    }
    if element.crossorigin.is_none() && cross_origin(&element.document, &element.src) {
        return (
            IntegrityStatus::Mismatch,
            "cross-origin script with integrity but no crossorigin attribute: the browser \
             fetches it without CORS, cannot check it, and blocks it"
                .to_string(),
        );
    }
    let Some(served) = &element.served else {
        return (
            IntegrityStatus::Unverifiable,
            format!(
                "the body served was not captured ({})",
                element
                    .served_error
                    .as_deref()
                    .unwrap_or("no response recorded")
            ),
        );
    };
    let tokens = strongest(&metadata);
    let algorithm = tokens
        .first()
        .map(|t| t.algorithm)
        .unwrap_or(SriAlgorithm::Sha256);
    match body_matches(&metadata, served) {
        Some(true) => (
            IntegrityStatus::Verified,
            format!("the body served matches its {}", algorithm.as_str()),
        ),
        _ => (
            IntegrityStatus::Mismatch,
            format!(
                "the body served has {} but the page expects {}: the browser blocked it",
                attribute_value(algorithm, served),
                tokens
                    .iter()
                    .take(3)
                    .map(|t| format!("{}-{}", t.algorithm.as_str(), t.value))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ),
    }
}

/// Whether `src` is on another origin than `document` (unparseable URLs
/// count as cross-origin: the browser would not treat them as same-origin
/// either).
fn cross_origin(document: &str, src: &str) -> bool {
    match (url::Url::parse(document), url::Url::parse(src)) {
        (Ok(d), Ok(s)) => d.origin() != s.origin() || !s.origin().is_tuple(),
        _ => true,
    }
}

/// The integrity of every script URL of a page's elements, sorted by URL.
/// When one URL has several elements the worst verdict wins: a mismatch
/// anywhere, else an element without integrity, else one that could not
/// be checked.
pub fn integrity_of(elements: &[ScriptElement]) -> Vec<ScriptIntegrity> {
    let mut by_src: BTreeMap<&str, ScriptIntegrity> = BTreeMap::new();
    for element in elements {
        let (status, detail) = element_status(element);
        let candidate = ScriptIntegrity {
            name: element.src.clone(),
            status,
            detail,
            integrity: element.integrity.clone(),
            served_sha256: element
                .served
                .as_ref()
                .map(|s| s.sha256.clone())
                .unwrap_or_default(),
            served_size: element.served.as_ref().map(|s| s.size).unwrap_or(0),
        };
        match by_src.get(element.src.as_str()) {
            Some(existing) if rank(existing.status) >= rank(status) => {}
            _ => {
                by_src.insert(&element.src, candidate);
            }
        }
    }
    by_src.into_values().collect()
}

/// How bad a verdict is, for combining several elements of one URL.
fn rank(status: IntegrityStatus) -> u8 {
    match status {
        IntegrityStatus::Verified => 0,
        IntegrityStatus::Unverifiable => 1,
        IntegrityStatus::None => 2,
        IntegrityStatus::Mismatch => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(body: &[u8]) -> ServedBody {
        use sha2::Digest;
        ServedBody {
            request_id: "1".to_string(),
            size: body.len() as u64,
            sha256: hex::encode(sha2::Sha256::digest(body)),
            sha384: hex::encode(sha2::Sha384::digest(body)),
            sha512: hex::encode(sha2::Sha512::digest(body)),
        }
    }

    fn sri(algorithm: &str, body: &[u8]) -> String {
        use sha2::Digest;
        let digest = match algorithm {
            "sha256" => sha2::Sha256::digest(body).to_vec(),
            "sha384" => sha2::Sha384::digest(body).to_vec(),
            _ => sha2::Sha512::digest(body).to_vec(),
        };
        format!(
            "{algorithm}-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }

    #[test]
    fn garbage_and_unknown_algorithms_give_no_usable_token() {
        for attribute in [
            "",
            "   ",
            "garbage",
            "md5-abc sha1-abc sha3-256-abc",
            "sha-256-abc",
            "-",
            "---",
            "sha999-AAAA",
            "\u{0}\u{ffff}",
            "é-ü",
        ] {
            assert!(parse_metadata(attribute).is_empty(), "{attribute:?}");
        }
        let served = served(b"x");
        assert_eq!(body_matches(&parse_metadata("md5-x"), &served), None);
    }

    #[test]
    fn options_are_ignored_and_algorithms_are_case_insensitive() {
        let body = b"console.log(1)";
        let token = sri("sha384", body);
        let attribute = format!("{token}?foo {}?bar=baz?qux", token.to_uppercase());
        let metadata = parse_metadata(&attribute);
        assert_eq!(metadata.len(), 2);
        assert_eq!(metadata[0].algorithm, SriAlgorithm::Sha384);
        assert_eq!(body_matches(&metadata, &served(body)), Some(true));
        let upper = parse_metadata(&format!("SHA384-{}", &token[7..]));
        assert_eq!(body_matches(&upper, &served(body)), Some(true));
    }

    #[test]
    fn only_the_strongest_algorithm_counts() {
        let body = b"a";
        // A matching sha256 beside a wrong sha512: the sha512 decides.
        let attribute = format!("{} {}", sri("sha256", body), sri("sha512", b"other"));
        assert_eq!(
            body_matches(&parse_metadata(&attribute), &served(body)),
            Some(false)
        );
        // Any one token of the strongest algorithm matching is enough.
        let attribute = format!("{} {}", sri("sha512", b"other"), sri("sha512", body));
        assert_eq!(
            body_matches(&parse_metadata(&attribute), &served(body)),
            Some(true)
        );
    }

    #[test]
    fn base64url_and_missing_padding_are_accepted_bad_values_never_match() {
        let body = b"hello";
        let token = sri("sha256", body);
        let url_safe = token.replace('+', "-").replace('/', "_");
        let unpadded = url_safe.trim_end_matches('=').to_string();
        assert_eq!(
            body_matches(&parse_metadata(&unpadded), &served(body)),
            Some(true)
        );
        for bad in ["sha256-!!!!", "sha256-", "sha256-AAAA", "sha384-AAAA"] {
            let metadata = parse_metadata(bad);
            assert_eq!(metadata.len(), 1, "{bad}");
            assert_eq!(body_matches(&metadata, &served(body)), Some(false), "{bad}");
        }
        // A valid sha256 value under sha512 has the wrong length.
        let wrong = format!("sha512-{}", &token[7..]);
        assert_eq!(
            body_matches(&parse_metadata(&wrong), &served(body)),
            Some(false)
        );
    }

    #[test]
    fn many_and_huge_tokens_are_bounded() {
        let body = b"x";
        let good = sri("sha256", body);
        let many = format!("{} {good}", "sha256-AAAA ".repeat(10_000));
        // The good token is past MAX_TOKENS: not read.
        assert_eq!(parse_metadata(&many).len(), MAX_TOKENS);
        assert_eq!(
            body_matches(&parse_metadata(&many), &served(body)),
            Some(false)
        );
        let huge = format!("sha256-{}", "A".repeat(1_000_000));
        let metadata = parse_metadata(&huge);
        assert_eq!(metadata[0].digest, None);
        assert!(metadata[0].value.len() <= 200);
    }

    fn element(src: &str, integrity: Option<&str>, body: Option<&[u8]>) -> ScriptElement {
        ScriptElement {
            document: "https://shop.test/".to_string(),
            frame_id: None,
            src: src.to_string(),
            integrity: integrity.map(str::to_string),
            crossorigin: Some("anonymous".to_string()),
            script_type: None,
            served: body.map(served),
            served_error: None,
        }
    }

    #[test]
    fn statuses_of_elements() {
        let body: &[u8] = b"lib()";
        let good = sri("sha384", body);
        let list = integrity_of(&[
            element("https://cdn.test/ok.js", Some(&good), Some(body)),
            element("https://cdn.test/bad.js", Some(&good), Some(b"evil()")),
            element("https://cdn.test/none.js", None, None),
            element("https://cdn.test/gone.js", Some(&good), None),
            element("https://cdn.test/junk.js", Some("md5-xyz"), None),
        ]);
        let statuses: Vec<(&str, IntegrityStatus)> =
            list.iter().map(|i| (i.name.as_str(), i.status)).collect();
        assert_eq!(
            statuses,
            vec![
                ("https://cdn.test/bad.js", IntegrityStatus::Mismatch),
                ("https://cdn.test/gone.js", IntegrityStatus::Unverifiable),
                ("https://cdn.test/junk.js", IntegrityStatus::None),
                ("https://cdn.test/none.js", IntegrityStatus::None),
                ("https://cdn.test/ok.js", IntegrityStatus::Verified),
            ]
        );
        assert!(list[0].detail.contains("the browser blocked it"));
        assert!(list[0].detail.contains(&sri("sha384", b"evil()")));
    }

    #[test]
    fn cross_origin_integrity_without_cors_is_blocked() {
        let body: &[u8] = b"lib()";
        let mut e = element(
            "https://cdn.test/ok.js",
            Some(&sri("sha256", body)),
            Some(body),
        );
        e.crossorigin = None;
        let list = integrity_of(&[e.clone()]);
        assert_eq!(list[0].status, IntegrityStatus::Mismatch);
        assert!(list[0].detail.contains("no crossorigin"));
        // Same origin needs no CORS.
        e.src = "https://shop.test/ok.js".to_string();
        assert_eq!(integrity_of(&[e])[0].status, IntegrityStatus::Verified);
    }

    #[test]
    fn the_worst_element_of_a_url_wins() {
        let body: &[u8] = b"lib()";
        let good = sri("sha256", body);
        let src = "https://cdn.test/a.js";
        let list = integrity_of(&[
            element(src, Some(&good), Some(body)),
            element(src, None, None),
        ]);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].status, IntegrityStatus::None);
    }
}
