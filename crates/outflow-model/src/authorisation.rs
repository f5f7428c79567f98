//! What the site says about a script it loads (PCI DSS 6.4.3): the
//! verdict a policy gives, in the vocabulary so that the store's inventory
//! can show it without knowing how a policy is written.

use serde::{Deserialize, Serialize};

/// What a policy says about one script (for the inventory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorisation {
    /// The matching entry's justification, when one matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Who authorised it, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_by: Option<String>,
    /// `authorised`, `unauthorised` (no entry matches) or `hash-mismatch`
    /// (an entry matches the URL but pins another hash).
    pub status: String,
    /// `pinned-match`, `pinned-mismatch` or `not-pinned`.
    pub integrity: String,
}

/// Whatever decides which scripts a site has authorised: a policy file.
pub trait ScriptAuthority {
    /// The verdict on the script with inventory name `name` and lower-case
    /// hex SHA-256 `sha256`.
    fn authorisation(&self, name: &str, sha256: &str) -> Authorisation;
}
