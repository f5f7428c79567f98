//! The document every analysis ends with: what was analysed, the findings,
//! who is behind each destination, the script inventory and the flows from
//! scripts to hosts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attribution::{Attribution, Party};
use crate::document::DocumentAnalysis;
use crate::finding::{Finding, Severity};

/// What kind of input a report covers.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A page visited in the browser (`outflow scan`).
    Page,
    /// A HAR file (`outflow har`).
    Har,
    /// Script, HTML or JSON files read without running them (`outflow js`).
    Files,
}

/// What was analysed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The kind of input.
    pub kind: TargetKind,
    /// The URL visited, the HAR path, or the paths given (space-separated).
    pub value: String,
    /// The persona the page was visited as, when one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// The page's URL after redirects, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
}

/// The verdict and counts a reader sees first.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// One line: the worst that was found.
    pub verdict: String,
    /// The highest severity among the findings, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highest: Option<Severity>,
    /// Number of findings per severity (every severity present, zeros
    /// included, so that reports diff cleanly).
    pub counts: BTreeMap<Severity, u32>,
    /// Distinct hosts contacted during the visit.
    pub hosts_contacted: u32,
    /// Distinct hosts the code names but the visit never contacted.
    pub hosts_latent: u32,
    /// Scripts analysed.
    pub scripts: u32,
}

impl Summary {
    /// The summary of a list of findings.
    pub fn of(
        findings: &[Finding],
        hosts_contacted: u32,
        hosts_latent: u32,
        scripts: u32,
    ) -> Summary {
        let mut counts: BTreeMap<Severity, u32> =
            Severity::ALL.into_iter().map(|s| (s, 0)).collect();
        for finding in findings {
            *counts.entry(finding.severity).or_default() += 1;
        }
        let highest = findings.iter().map(|f| f.severity).max();
        let verdict = match highest {
            None => "nothing found".to_string(),
            Some(severity) => {
                let worst: Vec<&str> = findings
                    .iter()
                    .filter(|f| f.severity == severity)
                    .map(|f| f.rule.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                format!("{}: {}", severity.as_str().to_uppercase(), worst.join(", "))
            }
        };
        Summary {
            verdict,
            highest,
            counts,
            hosts_contacted,
            hosts_latent,
            scripts,
        }
    }
}

/// One script of the page, for the inventory (PCI DSS 6.4.3).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryScript {
    /// The capture's script id, or the file's name for `outflow js`.
    pub id: String,
    /// The script's URL, `inline:<document>#<index>`, `eval:<parent>`, or
    /// the local path.
    pub name: String,
    /// `external`, `inline`, `eval`, `worker` or `file`.
    pub origin: String,
    /// The host serving it, for external scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// First or third party, for external scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Party>,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the source (empty when unread).
    pub sha256: String,
    /// How obfuscated it looks, 0 to 1.
    pub obfuscation: f64,
    /// Hosts this script sent requests to during the visit, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Hosts its code names, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// The URL of the iframe the script ran in (a payment processor's card
    /// frame, say); `None` when it ran in the page itself (or the capture
    /// did not say which frame ran it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
}

/// An edge of the data-flow map: a script and a host it reached or could
/// reach.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Flow {
    /// The script's name as in the inventory (`page` for requests no
    /// script started: navigations, markup).
    pub script: String,
    /// The destination host.
    pub host: String,
    /// Requests sent along this edge during the visit.
    pub requests: u32,
    /// Whether the code names the host (true for latent edges).
    pub named_in_code: bool,
}

/// The document every analysis writes (`--format json`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`crate::SCHEMA_VERSION`] of this document.
    pub schema_version: String,
    /// The outflow version that wrote it.
    pub tool_version: String,
    /// What was analysed.
    pub target: Target,
    /// Verdict and counts.
    pub summary: Summary,
    /// The findings, most severe first, then by rule and script.
    pub findings: Vec<Finding>,
    /// Who is behind each host contacted or named, sorted by host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributions: Vec<Attribution>,
    /// The scripts, in the capture's order (or input order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<InventoryScript>,
    /// The Subresource Integrity check of each `<script src>` URL of the
    /// page, sorted by URL: scripts the browser blocked are here too (they
    /// never ran, so they are not in the inventory). `None` when the
    /// capture recorded no script elements (HAR imports, local files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Vec<ScriptIntegrity>>,
    /// Script → host edges, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
    /// For `outflow js`: the static analysis of every input file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentAnalysis>,
    /// Problems met on the way (capture errors, scripts not analysed,
    /// missing datasets); the report covers everything else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// What the browser's integrity check says about a script.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntegrityStatus {
    /// No `integrity` attribute (or none the browser can use): nothing is
    /// checked.
    None,
    /// The body served matches the attribute.
    Verified,
    /// The browser refuses it: the body served does not match, or the
    /// cross-origin fetch cannot be checked. It did not run.
    Mismatch,
    /// The attribute is there but the body served was not captured.
    Unverifiable,
}

impl IntegrityStatus {
    /// The name used in JSON, CSV and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrityStatus::None => "none",
            IntegrityStatus::Verified => "verified",
            IntegrityStatus::Mismatch => "mismatch",
            IntegrityStatus::Unverifiable => "unverifiable",
        }
    }

    /// Parses [`IntegrityStatus::as_str`].
    pub fn parse(text: &str) -> Option<IntegrityStatus> {
        [
            IntegrityStatus::None,
            IntegrityStatus::Verified,
            IntegrityStatus::Mismatch,
            IntegrityStatus::Unverifiable,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for IntegrityStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The integrity of one script URL of a page, from its elements.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScriptIntegrity {
    /// The script's URL (its inventory name).
    pub name: String,
    /// The verdict.
    pub status: IntegrityStatus,
    /// Why, in one sentence.
    pub detail: String,
    /// The `integrity` attribute, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// Lower-case hex SHA-256 of the body served, when read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub served_sha256: String,
    /// Size of the body served, when read.
    #[serde(default)]
    pub served_size: u64,
}
