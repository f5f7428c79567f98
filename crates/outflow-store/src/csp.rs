//! A Content-Security-Policy proposed from what saved scans observed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use outflow_model::{Directive, origin_of, sri_value};

use crate::store::ScanRecord;

/// A proposed policy, to be deployed report-only first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CspProposal {
    /// The header to send it in (`Content-Security-Policy-Report-Only`).
    pub header: String,
    /// The policy, ready to paste.
    pub policy: String,
    /// The same, directive by directive (sources sorted, `'self'` first).
    pub directives: BTreeMap<String, Vec<String>>,
    /// The scans it was derived from.
    pub scans: Vec<i64>,
    /// What the proposal could not express, and why.
    pub notes: Vec<String>,
}

/// Directives listed even when no scan saw a source for them: they do not
/// fall back to `default-src`, so leaving them out would allow anything.
const ALWAYS: [(&str, &str); 3] = [
    ("form-action", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
];

/// Proposes a policy allowing exactly the sources `scans` observed: the
/// page's own origin as `'self'`, every other origin by name, and every
/// inline script block by the hash of its source.
pub fn propose(scans: &[ScanRecord]) -> CspProposal {
    let mut directives: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut notes = BTreeSet::new();
    directives
        .entry("default-src".to_string())
        .or_default()
        .insert("'self'".to_string());
    for (name, value) in ALWAYS {
        directives
            .entry(name.to_string())
            .or_default()
            .insert(value.to_string());
    }
    for scan in scans {
        let page = scan
            .report
            .target
            .final_url
            .as_deref()
            .unwrap_or(&scan.report.target.value);
        let own = origin_of(page);
        for destination in &scan.facts.destinations {
            let Some(name) = destination.directive.csp_name() else {
                continue;
            };
            let source = if Some(&destination.origin) == own.as_ref() {
                "'self'".to_string()
            } else {
                destination.origin.clone()
            };
            if destination.directive == Directive::ScriptSrc && destination.host.is_empty() {
                notes.insert(format!(
                    "scripts were loaded from {source} URLs; allowing {source} in script-src defeats most of CSP, review it"
                ));
            }
            let entry = directives.entry(name.to_string()).or_default();
            entry.insert("'self'".to_string());
            entry.insert(source);
        }
        for script in &scan.report.inventory {
            match script.origin.as_str() {
                "inline" => match sri_value(&script.sha256) {
                    Some(hash) => {
                        let entry = directives.entry("script-src".to_string()).or_default();
                        entry.insert("'self'".to_string());
                        entry.insert(format!("'{hash}'"));
                    }
                    None => {
                        notes.insert(format!(
                            "the source of {} was not read, so it has no hash; it would be blocked",
                            script.name
                        ));
                    }
                },
                "eval" => {
                    notes.insert(
                        "the page builds code at run time (eval, new Function, string timers): it needs 'unsafe-eval', which is not proposed; change the code instead".to_string(),
                    );
                }
                _ => {}
            }
        }
    }
    if directives
        .get("script-src")
        .is_some_and(|s| s.iter().any(|v| v.starts_with("'sha256-")))
    {
        notes.insert(
            "hashes allow inline <script> blocks only; inline event-handler attributes (onclick=…) also need 'unsafe-hashes' and are not covered".to_string(),
        );
    }
    notes.insert(
        "add a report-uri or report-to endpoint, watch the reports, then send the policy as Content-Security-Policy".to_string(),
    );
    let directives: BTreeMap<String, Vec<String>> = directives
        .into_iter()
        .map(|(name, sources)| {
            let mut sources: Vec<String> = sources.into_iter().collect();
            // Keywords ('self', 'none', hashes) sort before origins
            // because of the quote; 'self' first reads best.
            sources.sort_by_key(|s| (s != "'self'", !s.starts_with('\''), s.clone()));
            (name, sources)
        })
        .collect();
    let policy = directive_order(&directives)
        .map(|(name, sources)| format!("{name} {}", sources.join(" ")))
        .collect::<Vec<_>>()
        .join("; ");
    CspProposal {
        header: "Content-Security-Policy-Report-Only".to_string(),
        policy,
        directives,
        scans: scans.iter().map(|s| s.summary.id).collect(),
        notes: notes.into_iter().collect(),
    }
}

/// `default-src` first, then the rest alphabetically.
fn directive_order(
    directives: &BTreeMap<String, Vec<String>>,
) -> impl Iterator<Item = (&String, &Vec<String>)> {
    let default = directives.iter().filter(|(name, _)| *name == "default-src");
    let rest = directives.iter().filter(|(name, _)| *name != "default-src");
    default.chain(rest)
}
