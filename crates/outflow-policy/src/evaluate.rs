//! The policy gate: a report in, violations out.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use outflow_model::{
    Attribution, IntegrityStatus, Party, Report, ScriptIntegrity, host_of, sri_value,
};

use crate::{Lists, Policy, matches};

/// What rule of the policy a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// A contacted host is on `hosts.forbid`.
    ForbiddenHost,
    /// A contacted host is not on a non-empty `hosts.allow`.
    HostNotAllowed,
    /// The entity behind a contacted host is on `entities.forbid`.
    ForbiddenEntity,
    /// The entity behind a contacted host is not on a non-empty
    /// `entities.allow`.
    EntityNotAllowed,
    /// A contacted host's country is on `countries.forbid`.
    ForbiddenCountry,
    /// A contacted host's country is not on a non-empty `countries.allow`.
    CountryNotAllowed,
    /// A contacted host carries a flag on `flags.forbid`.
    ForbiddenFlag,
    /// A contacted host carries a flag not on a non-empty `flags.allow`.
    FlagNotAllowed,
    /// A script matches no `[[scripts]]` entry.
    UnauthorisedScript,
    /// A script matches entries by URL, but each pins another hash.
    ScriptHashMismatch,
    /// `require_sri`, on a report whose capture did not record script
    /// elements (a HAR file, an older capture): a third-party script is
    /// not pinned by hash in the policy.
    IntegrityNotPinned,
    /// `require_sri`: a third-party script was loaded without an
    /// `integrity` attribute the browser could check, or its body could
    /// not be checked against it.
    IntegrityNotVerified,
    /// `require_sri`: the body served does not match the `integrity`
    /// attribute (or cannot be checked cross-origin): the browser blocked
    /// the script.
    IntegrityMismatch,
    /// A finding at or above `fail_on`.
    Finding,
}

/// One broken rule, with what broke it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Violation {
    /// The rule broken.
    pub kind: ViolationKind,
    /// What broke it: a host, a script name, a finding's rule.
    pub subject: String,
    /// One sentence for the person reading the CI log.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Script origins a policy must authorise: code the page loads itself.
/// Eval'd code is the responsibility of the script that built it, and
/// local files (`outflow js`) have no page.
const AUTHORISED_ORIGINS: [&str; 3] = ["external", "inline", "worker"];

impl Policy {
    /// Every violation of the policy by `report`, sorted by kind and
    /// subject. Hosts are the ones contacted during the visit (flows with
    /// requests); a host whose entity or country is unknown breaks no
    /// entity or country allow list, since nothing says it is outside it.
    ///
    /// With the integrity of the page's scripts in the report (the
    /// pipeline's verdicts), `require_sri` asks every third-party script
    /// for a verified `integrity` attribute. Without it (`None`: the capture
    /// recorded no script elements, e.g. a HAR file), `require_sri` falls
    /// back to asking for a hash pinned in the policy.
    pub fn evaluate(&self, report: &Report) -> Vec<Violation> {
        let integrity = report.integrity.as_deref();
        let mut violations = BTreeSet::new();
        let attributions: BTreeMap<&str, &Attribution> = report
            .attributions
            .iter()
            .map(|a| (a.host.as_str(), a))
            .collect();
        let contacted: BTreeSet<&str> = report
            .flows
            .iter()
            .filter(|flow| flow.requests > 0)
            .map(|flow| flow.host.as_str())
            .collect();
        for host in &contacted {
            self.check_host(host, attributions.get(host).copied(), &mut violations);
        }
        self.check_scripts(report, integrity.is_none(), &mut violations);
        if self.require_sri
            && let Some(integrity) = integrity
        {
            check_integrity(report, integrity, &mut violations);
        }
        if let Some(gate) = self.fail_on {
            for finding in report.findings.iter().filter(|f| f.severity >= gate) {
                violations.insert(Violation {
                    kind: ViolationKind::Finding,
                    subject: finding.rule.clone(),
                    message: format!(
                        "finding at or above {gate}: [{}] {}: {}",
                        finding.severity, finding.rule, finding.title
                    ),
                });
            }
        }
        violations.into_iter().collect()
    }

    fn check_host(
        &self,
        host: &str,
        attribution: Option<&Attribution>,
        out: &mut BTreeSet<Violation>,
    ) {
        let mut add = |kind, message: String| {
            out.insert(Violation {
                kind,
                subject: host.to_string(),
                message,
            });
        };
        if let Some(pattern) = first_match(&self.hosts.forbid, host) {
            add(
                ViolationKind::ForbiddenHost,
                format!("contacted forbidden host {host} (hosts.forbid {pattern:?})"),
            );
        }
        if !self.hosts.allow.is_empty() && first_match(&self.hosts.allow, host).is_none() {
            add(
                ViolationKind::HostNotAllowed,
                format!("contacted host {host}, which hosts.allow does not list"),
            );
        }
        let Some(attribution) = attribution else {
            return;
        };
        if let Some(entity) = &attribution.entity {
            let names = [entity.id.as_str(), entity.name.as_str()];
            let listed = |lists: &[String]| {
                lists
                    .iter()
                    .find(|p| names.iter().any(|n| matches(p, n)))
                    .cloned()
            };
            if let Some(pattern) = listed(&self.entities.forbid) {
                add(
                    ViolationKind::ForbiddenEntity,
                    format!(
                        "contacted {host}, owned by forbidden entity {} (entities.forbid {pattern:?})",
                        entity.name
                    ),
                );
            }
            if !self.entities.allow.is_empty() && listed(&self.entities.allow).is_none() {
                add(
                    ViolationKind::EntityNotAllowed,
                    format!(
                        "contacted {host}, owned by {} ({}), which entities.allow does not list",
                        entity.name, entity.id
                    ),
                );
            }
        }
        if let Some(country) = &attribution.country {
            check_value(
                &self.countries,
                country,
                |pattern| {
                    (
                        ViolationKind::ForbiddenCountry,
                        format!(
                            "contacted {host}, in forbidden country {country} (countries.forbid {pattern:?})"
                        ),
                    )
                },
                || {
                    (
                        ViolationKind::CountryNotAllowed,
                        format!(
                            "contacted {host}, in {country}, which countries.allow does not list"
                        ),
                    )
                },
                &mut add,
            );
        }
        for flag in &attribution.flags {
            check_value(
                &self.flags,
                &flag.list,
                |pattern| {
                    (
                        ViolationKind::ForbiddenFlag,
                        format!(
                            "contacted {host}, whose owner is on {} ({}; flags.forbid {pattern:?})",
                            flag.list_name, flag.detail
                        ),
                    )
                },
                || {
                    (
                        ViolationKind::FlagNotAllowed,
                        format!(
                            "contacted {host}, whose owner is on {} ({}), which flags.allow does not list",
                            flag.list_name, flag.list
                        ),
                    )
                },
                &mut add,
            );
        }
    }

    fn check_scripts(&self, report: &Report, pin_for_sri: bool, out: &mut BTreeSet<Violation>) {
        for script in report
            .inventory
            .iter()
            .filter(|s| AUTHORISED_ORIGINS.contains(&s.origin.as_str()))
        {
            let authorisation = self.authorisation(&script.name, &script.sha256);
            let mut add = |kind, message: String| {
                out.insert(Violation {
                    kind,
                    subject: script.name.clone(),
                    message,
                });
            };
            if !self.scripts.is_empty() {
                match authorisation.status.as_str() {
                    "unauthorised" => add(
                        ViolationKind::UnauthorisedScript,
                        format!(
                            "unauthorised {} script {} (sha256 {}): no [[scripts]] entry matches it",
                            script.origin,
                            script.name,
                            short(&script.sha256)
                        ),
                    ),
                    "hash-mismatch" => add(
                        ViolationKind::ScriptHashMismatch,
                        format!(
                            "script {} changed: its sha256 is {}, the policy pins another hash",
                            script.name, script.sha256
                        ),
                    ),
                    _ => {}
                }
            }
            let third_party_file =
                script.origin == "external" && script.party == Some(Party::Third);
            if self.require_sri
                && pin_for_sri
                && third_party_file
                && authorisation.integrity != "pinned-match"
            {
                add(
                    ViolationKind::IntegrityNotPinned,
                    format!(
                        "third-party script {} is not pinned by hash (the capture did not record integrity attributes): pin sha256 = \"{}\" in the policy and serve it with integrity=\"{}\"",
                        script.name,
                        script.sha256,
                        sri_value(&script.sha256).unwrap_or_else(|| "(body not read)".to_string())
                    ),
                );
            }
        }
    }
}

/// `require_sri` with recorded integrity: every third-party external script
/// that ran must be verified, and every script the browser blocked for its
/// integrity is reported.
fn check_integrity(report: &Report, integrity: &[ScriptIntegrity], out: &mut BTreeSet<Violation>) {
    let by_name: BTreeMap<&str, &ScriptIntegrity> =
        integrity.iter().map(|i| (i.name.as_str(), i)).collect();
    let parties: BTreeMap<&str, Option<Party>> = report
        .attributions
        .iter()
        .map(|a| (a.host.as_str(), Some(a.party)))
        .collect();
    // Scripts that ran are judged from the inventory; the others were
    // blocked.
    let ran: BTreeSet<&str> = report.inventory.iter().map(|s| s.name.as_str()).collect();
    for script in report
        .inventory
        .iter()
        .filter(|s| s.origin == "external" && s.party == Some(Party::Third))
    {
        let sri = script
            .sha256
            .is_empty()
            .then(|| "(body not read)".to_string())
            .or_else(|| sri_value(&script.sha256))
            .unwrap_or_default();
        let (kind, why) = match by_name.get(script.name.as_str()) {
            Some(i) if i.status == IntegrityStatus::Verified => continue,
            Some(i) if i.status == IntegrityStatus::Mismatch => {
                (ViolationKind::IntegrityMismatch, i.detail.clone())
            }
            Some(i) => (ViolationKind::IntegrityNotVerified, i.detail.clone()),
            None => (
                ViolationKind::IntegrityNotVerified,
                "no <script src> element loaded it (imported, or added and removed before the end of the visit)".to_string(),
            ),
        };
        out.insert(Violation {
            kind,
            subject: script.name.clone(),
            message: format!(
                "third-party script {} has no verified integrity: {why}; serve it with integrity=\"{sri}\" crossorigin=\"anonymous\"",
                script.name
            ),
        });
    }
    // Blocked scripts never ran, so they are not in the inventory: a
    // vendor's file that no longer matches is the change 11.6.1 asks to
    // catch.
    for blocked in integrity
        .iter()
        .filter(|i| i.status == IntegrityStatus::Mismatch && !ran.contains(i.name.as_str()))
    {
        let whose = match host_of(&blocked.name)
            .as_deref()
            .and_then(|h| parties.get(h).copied().flatten())
        {
            Some(Party::First) => "first-party ",
            Some(Party::Third) => "third-party ",
            _ => "",
        };
        out.insert(Violation {
            kind: ViolationKind::IntegrityMismatch,
            subject: blocked.name.clone(),
            message: format!(
                "{whose}script {} failed its integrity check: {}",
                blocked.name, blocked.detail
            ),
        });
    }
}

fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

fn first_match<'a>(patterns: &'a [String], value: &str) -> Option<&'a String> {
    patterns.iter().find(|p| matches(p, value))
}

fn check_value<F, A>(
    lists: &Lists,
    value: &str,
    forbidden: F,
    not_allowed: A,
    add: &mut impl FnMut(ViolationKind, String),
) where
    F: FnOnce(&str) -> (ViolationKind, String),
    A: FnOnce() -> (ViolationKind, String),
{
    if let Some(pattern) = first_match(&lists.forbid, value) {
        let (kind, message) = forbidden(pattern);
        add(kind, message);
    }
    if !lists.allow.is_empty() && first_match(&lists.allow, value).is_none() {
        let (kind, message) = not_allowed();
        add(kind, message);
    }
}
