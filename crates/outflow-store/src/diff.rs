//! What changed between two scans: the PCI DSS 11.6.1 change record.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use outflow_model::{PageFacts, Report, ScriptIntegrity, Severity};

use crate::store::{ScanRecord, ScanSummary};

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
    fn of(before: &BTreeSet<String>, after: &BTreeSet<String>) -> SetChange {
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

    /// The changes from `from` to `to`.
    pub fn between(from: &ScanRecord, to: &ScanRecord) -> ScanDiff {
        let before = scripts_by_name(&from.report);
        let after = scripts_by_name(&to.report);
        let mut scripts_added = Vec::new();
        let mut scripts_removed = Vec::new();
        let mut scripts_changed = Vec::new();
        for (name, (origin, hashes)) in &after {
            match before.get(name) {
                None => scripts_added.push(ScriptRef {
                    name: name.clone(),
                    origin: origin.clone(),
                    sha256: hashes.iter().cloned().collect(),
                }),
                Some((_, old)) if old != hashes => scripts_changed.push(ScriptChange {
                    name: name.clone(),
                    origin: origin.clone(),
                    from_sha256: old.iter().cloned().collect(),
                    to_sha256: hashes.iter().cloned().collect(),
                }),
                Some(_) => {}
            }
        }
        for (name, (origin, hashes)) in &before {
            if !after.contains_key(name) {
                scripts_removed.push(ScriptRef {
                    name: name.clone(),
                    origin: origin.clone(),
                    sha256: hashes.iter().cloned().collect(),
                });
            }
        }
        let findings_before = findings_of(&from.report);
        let findings_after = findings_of(&to.report);
        let (headers_changed, headers_compared) = header_changes(&from.facts, &to.facts);
        ScanDiff {
            from: from.summary.clone(),
            to: to.summary.clone(),
            scripts_added,
            scripts_removed,
            scripts_changed,
            destinations: SetChange::of(&contacted(from), &contacted(to)),
            entities: SetChange::of(
                &attributed(&from.report, Attributed::Entity),
                &attributed(&to.report, Attributed::Entity),
            ),
            countries: SetChange::of(
                &attributed(&from.report, Attributed::Country),
                &attributed(&to.report, Attributed::Country),
            ),
            flags: SetChange::of(
                &attributed(&from.report, Attributed::Flag),
                &attributed(&to.report, Attributed::Flag),
            ),
            findings_new: findings_after
                .iter()
                .filter(|(key, _)| !findings_before.contains_key(*key))
                .map(|(_, f)| f.clone())
                .collect(),
            findings_resolved: findings_before
                .iter()
                .filter(|(key, _)| !findings_after.contains_key(*key))
                .map(|(_, f)| f.clone())
                .collect(),
            headers_changed,
            headers_compared,
            integrity_changed: integrity_changes(&from.facts, &to.facts),
        }
    }
}

fn integrity_changes(from: &PageFacts, to: &PageFacts) -> Vec<IntegrityChange> {
    let (Some(before), Some(after)) = (&from.integrity, &to.integrity) else {
        return Vec::new();
    };
    let before: BTreeMap<&str, &ScriptIntegrity> =
        before.iter().map(|i| (i.name.as_str(), i)).collect();
    after
        .iter()
        .filter_map(|now| {
            let then = before.get(now.name.as_str())?;
            (then.status != now.status).then(|| IntegrityChange {
                name: now.name.clone(),
                from: then.status.as_str().to_string(),
                to: now.status.as_str().to_string(),
                detail: now.detail.clone(),
            })
        })
        .collect()
}

type ScriptsByName = BTreeMap<String, (String, BTreeSet<String>)>;

fn scripts_by_name(report: &Report) -> ScriptsByName {
    let mut scripts: ScriptsByName = BTreeMap::new();
    for script in &report.inventory {
        scripts
            .entry(script.name.clone())
            .or_insert_with(|| (script.origin.clone(), BTreeSet::new()))
            .1
            .insert(script.sha256.clone());
    }
    scripts
}

type FindingKey = (String, String, String, String);

fn findings_of(report: &Report) -> BTreeMap<FindingKey, FindingRef> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.key(),
                FindingRef {
                    severity: f.severity,
                    rule: f.rule.clone(),
                    title: f.title.clone(),
                    script: f.script.clone(),
                },
            )
        })
        .collect()
}

/// Hosts contacted: from the capture's destinations, or, for scans whose
/// facts hold none, the report's flows with requests.
fn contacted(record: &ScanRecord) -> BTreeSet<String> {
    let from_facts: BTreeSet<String> = record
        .facts
        .destinations
        .iter()
        .filter(|d| !d.host.is_empty())
        .map(|d| d.host.clone())
        .collect();
    if !from_facts.is_empty() {
        return from_facts;
    }
    record
        .report
        .flows
        .iter()
        .filter(|f| f.requests > 0)
        .map(|f| f.host.clone())
        .collect()
}

#[derive(Clone, Copy)]
enum Attributed {
    Entity,
    Country,
    Flag,
}

fn attributed(report: &Report, what: Attributed) -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    for attribution in &report.attributions {
        match what {
            Attributed::Entity => {
                values.extend(attribution.entity.as_ref().map(|e| e.name.clone()))
            }
            Attributed::Country => values.extend(attribution.country.clone()),
            Attributed::Flag => values.extend(attribution.flags.iter().map(|f| f.list.clone())),
        }
    }
    values
}

fn header_changes(from: &PageFacts, to: &PageFacts) -> (Vec<HeaderChange>, bool) {
    let (Some(before), Some(after)) = (&from.security_headers, &to.security_headers) else {
        return (Vec::new(), false);
    };
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changes = names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| HeaderChange {
            name: name.clone(),
            from: before.get(name).cloned(),
            to: after.get(name).cloned(),
        })
        .collect();
    (changes, true)
}
