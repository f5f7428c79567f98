//! The policy gate: a report in, violations out.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde::{Deserialize, Serialize};

use outflow_model::{Attribution, Party, Report};

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
    /// `require_sri`: a third-party script is not pinned by hash.
    IntegrityNotPinned,
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
    pub fn evaluate(&self, report: &Report) -> Vec<Violation> {
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
        self.check_scripts(report, &mut violations);
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

    fn check_scripts(&self, report: &Report, out: &mut BTreeSet<Violation>) {
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
            if self.require_sri && third_party_file && authorisation.integrity != "pinned-match" {
                add(
                    ViolationKind::IntegrityNotPinned,
                    format!(
                        "third-party script {} is not pinned by hash: pin sha256 = \"{}\" in the policy and serve it with integrity=\"{}\"",
                        script.name,
                        script.sha256,
                        sri_value(&script.sha256).unwrap_or_else(|| "(body not read)".to_string())
                    ),
                );
            }
        }
    }
}

/// The `sha256-<base64>` form of a lower-case hex SHA-256 (as in SRI and
/// CSP hash sources); `None` when `hex` is not a SHA-256.
pub fn sri_value(hex_digest: &str) -> Option<String> {
    let bytes = hex::decode(hex_digest).ok().filter(|b| b.len() == 32)?;
    Some(format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
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
