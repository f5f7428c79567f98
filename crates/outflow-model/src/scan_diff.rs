//! What changed between two saved scans (the PCI DSS 11.6.1 change
//! record): the data `outflow-store` computes and `outflow-report` renders.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Severity;

/// A scan as listed by `outflow history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// The scan's id in this database.
    pub id: i64,
    /// The URL scanned, as given.
    pub url: String,
    /// The persona, when one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// When the visit started (RFC 3339 UTC).
    pub started_at: String,
    /// The report's one-line verdict.
    pub verdict: String,
    /// The highest severity among the findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highest: Option<Severity>,
    /// Scripts in the inventory.
    pub scripts: u32,
    /// Findings.
    pub findings: u32,
}

/// A script present in one scan only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScriptRef {
    /// Inventory name (URL, `inline:<doc>#<i>`, …).
    pub name: String,
    /// `external`, `inline`, `eval` or `worker`.
    pub origin: String,
    /// Its SHA-256 hashes in that scan (one, unless the page loaded two
    /// versions under one name).
    pub sha256: Vec<String>,
}

/// A script present in both scans with other hashes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScriptChange {
    /// Inventory name.
    pub name: String,
    /// `external`, `inline`, `eval` or `worker`.
    pub origin: String,
    /// Hashes before.
    pub from_sha256: Vec<String>,
    /// Hashes after.
    pub to_sha256: Vec<String>,
}

/// A finding in one scan only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingRef {
    /// Severity.
    pub severity: Severity,
    /// Rule slug.
    pub rule: String,
    /// Title.
    pub title: String,
    /// The script responsible, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
}

/// A security header of the main document that changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HeaderChange {
    /// Lower-case header name.
    pub name: String,
    /// Value before (`None`: absent).
    pub from: Option<String>,
    /// Value after (`None`: absent).
    pub to: Option<String>,
}

/// A script whose Subresource Integrity verdict changed, e.g. `verified`
/// to `mismatch` when a vendor changed a pinned file (the browser then
/// blocks it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IntegrityChange {
    /// The script's URL.
    pub name: String,
    /// The verdict before.
    pub from: String,
    /// The verdict after.
    pub to: String,
    /// Why, after.
    pub detail: String,
}

/// Values added to and removed from a set between two scans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetChange {
    /// In the later scan only.
    pub added: Vec<String>,
    /// In the earlier scan only.
    pub removed: Vec<String>,
}

impl SetChange {
    /// What `after` adds to `before` and what it drops.
    pub fn of(before: &BTreeSet<String>, after: &BTreeSet<String>) -> SetChange {
        SetChange {
            added: after.difference(before).cloned().collect(),
            removed: before.difference(after).cloned().collect(),
        }
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Everything that changed from one scan to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanDiff {
    /// The earlier scan.
    pub from: ScanSummary,
    /// The later scan.
    pub to: ScanSummary,
    /// Scripts only in the later scan.
    pub scripts_added: Vec<ScriptRef>,
    /// Scripts only in the earlier scan.
    pub scripts_removed: Vec<ScriptRef>,
    /// Scripts in both whose hash changed.
    pub scripts_changed: Vec<ScriptChange>,
    /// Hosts contacted.
    pub destinations: SetChange,
    /// Entities behind hosts contacted or named in code, by name.
    pub entities: SetChange,
    /// Countries of hosts contacted or named in code.
    pub countries: SetChange,
    /// Government-list flags of hosts contacted or named in code, by list
    /// id.
    pub flags: SetChange,
    /// Findings only in the later scan.
    pub findings_new: Vec<FindingRef>,
    /// Findings only in the earlier scan.
    pub findings_resolved: Vec<FindingRef>,
    /// Security headers of the main document that changed; empty when
    /// either scan has none recorded (see `headers_compared`).
    pub headers_changed: Vec<HeaderChange>,
    /// Whether both scans recorded the main document's headers.
    pub headers_compared: bool,
    /// Scripts in both scans whose integrity verdict changed; empty when
    /// either scan did not record script elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub integrity_changed: Vec<IntegrityChange>,
}

impl ScanDiff {
    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.scripts_added.is_empty()
            && self.scripts_removed.is_empty()
            && self.scripts_changed.is_empty()
            && self.destinations.is_empty()
            && self.entities.is_empty()
            && self.countries.is_empty()
            && self.flags.is_empty()
            && self.findings_new.is_empty()
            && self.findings_resolved.is_empty()
            && self.headers_changed.is_empty()
            && self.integrity_changed.is_empty()
    }
}
