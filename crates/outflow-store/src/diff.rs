//! What changed between two scans: the PCI DSS 11.6.1 change record. The
//! types are the model's ([`outflow_model::scan_diff`]); this computes them.

use std::collections::{BTreeMap, BTreeSet};

use outflow_model::scan_diff::{
    FindingRef, HeaderChange, IntegrityChange, ScanDiff, ScriptChange, ScriptRef, SetChange,
};
use outflow_model::{PageFacts, Report, ScriptIntegrity};

use crate::store::ScanRecord;

/// The changes from `from` to `to`.
pub fn diff_scans(from: &ScanRecord, to: &ScanRecord) -> ScanDiff {
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
