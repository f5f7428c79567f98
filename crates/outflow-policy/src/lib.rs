//! outflow's policy gate: what a site allows its pages to load and contact,
//! written as a TOML file, checked against a [`Report`].
//!
//! A policy lists allowed and forbidden hosts, entities, countries and
//! government-list flags, the scripts the site has authorised (by URL
//! pattern and optionally by SHA-256) with the justification PCI DSS 6.4.3
//! asks for, whether every third-party script must be pinned by hash, and
//! the severity of findings that fails the run. [`Policy::evaluate`] is a
//! pure function of the report: the same report always gives the same
//! violations, so a saved report can be re-checked offline.
//!
//! ```toml
//! fail_on = "high"
//! require_sri = true
//!
//! [hosts]
//! allow = ["shop.example", "*.shop.example", "js.stripe.com"]
//! forbid = ["*.cmpassport.com"]
//!
//! [countries]
//! forbid = ["CN"]
//!
//! [flags]
//! forbid = ["fcc-covered-list"]
//!
//! [[scripts]]
//! url = "https://js.stripe.com/v3/*"
//! justification = "card form (Stripe Elements)"
//!
//! [[scripts]]
//! url = "https://shop.example/app.js"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! justification = "our checkout code"
//! ```

mod evaluate;
mod pattern;

use std::path::Path;

use serde::{Deserialize, Serialize};

use outflow_model::{ScriptAuthority, Severity};

pub use evaluate::{Violation, ViolationKind};
// The vocabulary the gate reads and writes, from `outflow-model`, where
// the pipeline computes integrity verdicts and the store shows
// authorisations.
pub use outflow_model::{Authorisation, IntegrityStatus, ScriptIntegrity, sri_value};
pub use pattern::matches;

/// Errors of reading a policy.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("reading the policy {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("the policy {path} is invalid: {message}")]
    Parse {
        /// The path given.
        path: String,
        /// What is wrong, with its place in the file.
        message: String,
    },
    /// A field has a value the policy cannot use.
    #[error("the policy {path} is invalid: {message}")]
    Invalid {
        /// The path given.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// An allow list and a deny list of one kind of value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lists {
    /// When not empty, every value seen must match one of these.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Values that must not be seen.
    #[serde(default)]
    pub forbid: Vec<String>,
}

impl Lists {
    fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.forbid.is_empty()
    }
}

/// A script the site has authorised (PCI DSS 6.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorisedScript {
    /// Pattern of the script's inventory name: its URL for external and
    /// worker scripts, `inline:<document URL>#<index>` for inline blocks.
    /// `*` matches any run of characters.
    pub url: String,
    /// Lower-case hex SHA-256 the script must have, when pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Why the page needs it.
    pub justification: String,
    /// Who authorised it, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_by: Option<String>,
}

/// A policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Findings at or above this severity are violations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// Every third-party external script must be authorised with a pinned
    /// SHA-256 (the hash its `integrity` attribute would carry).
    #[serde(default)]
    pub require_sri: bool,
    /// Hosts contacted during the visit (`*.` prefixes match subdomains).
    #[serde(default, skip_serializing_if = "Lists::is_empty")]
    pub hosts: Lists,
    /// Entities behind contacted hosts, by id (`china-mobile`) or name.
    #[serde(default, skip_serializing_if = "Lists::is_empty")]
    pub entities: Lists,
    /// Countries of contacted hosts (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Lists::is_empty")]
    pub countries: Lists,
    /// Government-list flags of contacted hosts, by list id.
    #[serde(default, skip_serializing_if = "Lists::is_empty")]
    pub flags: Lists,
    /// The authorised scripts. When the list is not empty, every script of
    /// the page (external, inline, worker) must match an entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<AuthorisedScript>,
    /// Payment processors allowed to receive card data (domains, with their
    /// subdomains): `outflow scan` records them in the capture, and
    /// `card-data-exfiltration` does not report them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_processors: Vec<String>,
}

impl Policy {
    /// Reads and checks a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Policy::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a policy; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|error| PolicyError::Parse {
            path: origin.to_string(),
            message: error.to_string(),
        })?;
        for script in &policy.scripts {
            if let Some(hash) = &script.sha256
                && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(PolicyError::Invalid {
                    path: origin.to_string(),
                    message: format!(
                        "script {:?}: sha256 must be 64 hexadecimal digits, got {hash:?}",
                        script.url
                    ),
                });
            }
            if script.justification.trim().is_empty() {
                return Err(PolicyError::Invalid {
                    path: origin.to_string(),
                    message: format!("script {:?}: the justification is empty", script.url),
                });
            }
        }
        Ok(policy)
    }

    /// What the policy says about a script, by inventory name and hash.
    pub fn authorisation(&self, name: &str, sha256: &str) -> Authorisation {
        let matching: Vec<&AuthorisedScript> = self
            .scripts
            .iter()
            .filter(|entry| matches(&entry.url, name))
            .collect();
        // An entry pinning this very hash wins over one that only matches
        // the URL, so that several pinned versions can be listed.
        let pinned_here = matching.iter().find(|entry| {
            entry
                .sha256
                .as_deref()
                .is_some_and(|pin| pin.eq_ignore_ascii_case(sha256))
        });
        let unpinned = matching.iter().find(|entry| entry.sha256.is_none());
        let (entry, status, integrity) = match (pinned_here, unpinned, matching.first()) {
            (Some(entry), _, _) => (Some(*entry), "authorised", "pinned-match"),
            (None, Some(entry), _) => (Some(*entry), "authorised", "not-pinned"),
            (None, None, Some(entry)) => (Some(*entry), "hash-mismatch", "pinned-mismatch"),
            (None, None, None) => (None, "unauthorised", "not-pinned"),
        };
        Authorisation {
            justification: entry.map(|e| e.justification.clone()),
            authorised_by: entry.and_then(|e| e.authorised_by.clone()),
            status: status.to_string(),
            integrity: integrity.to_string(),
        }
    }
}

impl ScriptAuthority for Policy {
    fn authorisation(&self, name: &str, sha256: &str) -> Authorisation {
        Policy::authorisation(self, name, sha256)
    }
}
