//! # latent-endpoint
//!
//! Third-party hosts a script's code can reach that the visit never
//! contacted.
//!
//! ## What it detects
//!
//! For each script that ran during a visit, the third-party hosts its code
//! names (URLs and WebSocket URLs, including those recovered by
//! deobfuscation) to which the page sent no request. One finding per
//! script, listing the hosts.
//!
//! ## Why it matters
//!
//! A visit shows what a page did for one visitor, at one time, from one
//! place. Code that fires only for some visitors (by country, language,
//! time zone, or on a later step of a flow) stays invisible to traffic
//! analysis; its destinations do not. This finding lets a reader see what
//! the page *could* do.
//!
//! ## How it decides
//!
//! - Only when a capture exists (`scan`, `har`): without a visit there is no
//!   "not contacted".
//! - A host counts as contacted when any request of the visit went to that
//!   exact host.
//! - First-party hosts are left out: the site reaching itself is not a
//!   disclosure.
//! - Severity **info**. Confidence **medium** when at least one of the
//!   script's latent hosts flows into a network API in the code (`fetch`,
//!   `sendBeacon`, an image's `src`, …), **low** when they are only named.
//!
//! ## Known false positives
//!
//! Libraries name hosts they never send data to: documentation links,
//! licence URLs, error-reporting endpoints used only on failure.
//!
//! ## Example
//!
//! A login script names `https://log.example-cdn.cn/collect` in a branch
//! taken only when `navigator.language` starts with `zh`; a visit as a US
//! visitor never contacts it, and this rule lists it.

use std::collections::BTreeMap;

use outflow_model::{Confidence, EndpointKind, Evidence, Finding, Severity};

use crate::evidence::{code_evidence, endpoint_detail};
use crate::facts::Facts;
use crate::rule::Check;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct LatentEndpoint;
    slug: "latent-endpoint",
    source: "latent_endpoint.rs",
    thresholds: [],
}

impl Check for LatentEndpoint {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        if facts.capture.is_none() {
            return Vec::new();
        }
        let contacted = facts.contacted_hosts();
        let mut findings = Vec::new();
        for script in facts.scripts {
            let Some(analysis) = &script.analysis else {
                continue;
            };
            // First place per host, and whether any of its places is a sink.
            let mut latent: BTreeMap<&str, (Evidence, bool)> = BTreeMap::new();
            for endpoint in &analysis.endpoints {
                if !matches!(endpoint.kind, EndpointKind::Url | EndpointKind::WebSocket) {
                    continue;
                }
                let Some(host) = endpoint.host.as_deref() else {
                    continue;
                };
                if contacted.contains(host) || !facts.is_third_party(host) {
                    continue;
                }
                let sink = endpoint.sink.is_some();
                latent
                    .entry(host)
                    .and_modify(|(_, any_sink)| *any_sink |= sink)
                    .or_insert_with(|| {
                        (
                            code_evidence(script, endpoint.location, endpoint_detail(endpoint)),
                            sink,
                        )
                    });
            }
            if latent.is_empty() {
                continue;
            }
            let any_sink = latent.values().any(|(_, sink)| *sink);
            let hosts: Vec<String> = latent.keys().map(|h| h.to_string()).collect();
            findings.push(Finding {
                rule: Self::SLUG.to_string(),
                severity: Severity::Info,
                confidence: if any_sink {
                    Confidence::Medium
                } else {
                    Confidence::Low
                },
                title: format!(
                    "{} host(s) named in {} but not contacted: {}",
                    hosts.len(),
                    script.name,
                    abbreviate(&hosts, 5)
                ),
                explanation: format!(
                    "The code of {} names these third-party hosts, but the page sent them \
                     nothing during this visit: {}. The code can reach them under conditions \
                     this visit did not meet.",
                    script.name,
                    hosts.join(", ")
                ),
                script: Some(script.name.clone()),
                destinations: hosts,
                evidence: latent.into_values().map(|(evidence, _)| evidence).collect(),
            });
        }
        findings
    }
}

/// The first `keep` items joined, then "and N more".
fn abbreviate(items: &[String], keep: usize) -> String {
    if items.len() <= keep {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..keep].join(", "),
        items.len() - keep
    )
}
