//! The value an `integrity` attribute (or a CSP hash source) carries for a
//! SHA-256 outflow recorded: written by the policy gate when it asks for a
//! pin, and by the store when it proposes a CSP.

use base64::Engine;

/// The `sha256-<base64>` form of a lower-case hex SHA-256 (as in SRI and
/// CSP hash sources); `None` when `hex` is not a SHA-256.
pub fn sri_value(hex_digest: &str) -> Option<String> {
    let bytes = hex::decode(hex_digest).ok().filter(|b| b.len() == 32)?;
    Some(format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::sri_value;

    #[test]
    fn only_sha256_digests_have_a_value() {
        assert_eq!(
            sri_value("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .as_deref(),
            Some("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        );
        for not_a_digest in ["", "abc", "zz", &"a".repeat(66)] {
            assert_eq!(sri_value(not_a_digest), None, "{not_a_digest}");
        }
    }
}
