//! # restricted-destination
//!
//! Code that names, or traffic that reaches, a host whose owner is on a
//! government restriction list.
//!
//! ## What it detects
//!
//! Every host whose attribution carries at least one flag (FCC Covered
//! List, FCC Section 214 denials and revocations, the US Treasury NS-CMIC
//! list, the DoD Section 1260H list, the Commerce Entity List, and any list
//! a user adds with `--intel`). It reports the host when a script's code
//! names it, even when the name only appears after deobfuscation and the
//! visit never contacted it, and when the page sent it a request.
//!
//! ## Why it matters
//!
//! This is the case outflow was built for: an AI chat site's obfuscated
//! login code referenced the identity systems of China Mobile, a
//! state-owned carrier whose US operating licence the FCC denied in 2019.
//! Independent tests saw no data sent there from North America, yet the
//! code was wired in. Code that *can* send visitors' data to such an
//! entity is a risk the site's owner and its visitors need to know about;
//! traffic that *does* is worse.
//!
//! ## How it decides
//!
//! - A request to a flagged host during the visit: **critical**, high
//!   confidence, with the first [`MAX_EVIDENCE`] (10) such requests as
//!   evidence.
//! - A flagged host named only in code: **high**, high confidence, with up
//!   to [`MAX_EVIDENCE`] (10) call sites that produce the name, those that
//!   send to it first (for obfuscated code, the decoder call the name was
//!   recovered from, and how it was recovered).
//! - One finding per host; the flags, with their sources, are in the
//!   report's attribution of the host.
//!
//! ## Known false positives
//!
//! A flag belongs to an entity, not to a service: a host of a listed
//! company's harmless subsidiary is reported too. The flags name the exact
//! listed legal person (`listed_name`) so a reader can judge.
//!
//! ## Example
//!
//! ```js
//! // after deobfuscation of _0x3f2a(0x1c8):
//! fetch("https://wap.cmpassport.com/openapi/getAuthToken", {method: "POST", body: fp});
//! ```

use std::collections::BTreeMap;

use outflow_model::{Channel, Confidence, Evidence, Finding, Severity};

use crate::evidence::{code_evidence, endpoint_detail};
use crate::facts::{Facts, host_of};
use crate::rule::Check;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct RestrictedDestination;
    slug: "restricted-destination",
    source: "restricted_destination.rs",
    thresholds: [MAX_EVIDENCE],
}

/// Per host: code places, requests, and the script first seen with it.
type HostEvidence = (Vec<Evidence>, Vec<Evidence>, Option<String>);

/// How many code places and requests a finding lists per host: enough to
/// check, few enough to read.
pub const MAX_EVIDENCE: usize = 10;

impl Check for RestrictedDestination {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let flagged = |host: &str| facts.attribution(host).is_some_and(|a| !a.flags.is_empty());
        let mut by_host: BTreeMap<String, HostEvidence> = BTreeMap::new();
        for request in facts.requests() {
            let Some(host) = host_of(&request.url).filter(|h| flagged(h)) else {
                continue;
            };
            let entry = by_host.entry(host).or_default();
            if entry.2.is_none() {
                entry.2 = facts.request_script(request);
            }
            if entry.1.len() < MAX_EVIDENCE {
                entry.1.push(Evidence::Request {
                    request_id: request.id.clone(),
                    url: request.url.clone(),
                    method: request.method.clone(),
                    time_ms: request.time_ms,
                    channel: Channel::Url,
                    matched: request.url.clone(),
                    encodings: Vec::new(),
                    what: "request to a host of a listed entity".to_string(),
                });
            }
        }
        for script in facts.scripts {
            let Some(analysis) = &script.analysis else {
                continue;
            };
            for endpoint in &analysis.endpoints {
                let Some(host) = endpoint.host.as_deref().filter(|h| flagged(h)) else {
                    continue;
                };
                let entry = by_host.entry(host.to_string()).or_default();
                if entry.2.is_none() {
                    entry.2 = Some(script.name.clone());
                }
                entry.0.push(code_evidence(
                    script,
                    endpoint.location,
                    endpoint_detail(endpoint),
                ));
            }
        }
        by_host
            .into_iter()
            .map(|(host, (mut code, requests, script))| {
                // Places where the name flows into a network API first.
                code.sort_by_key(|e| {
                    !matches!(e, Evidence::Code { detail, .. } if !detail.starts_with("names "))
                });
                code.truncate(MAX_EVIDENCE);
                let attribution = facts.attribution(&host);
                let owner = attribution
                    .and_then(|a| a.entity.as_ref())
                    .map(|e| e.name.clone())
                    .unwrap_or_else(|| host.clone());
                let country = attribution
                    .and_then(|a| a.country.as_deref())
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default();
                let lists: Vec<String> = attribution
                    .map(|a| {
                        let mut names: Vec<String> =
                            a.flags.iter().map(|f| f.list_name.clone()).collect();
                        names.dedup();
                        names
                    })
                    .unwrap_or_default();
                let contacted = !requests.is_empty();
                let (severity, title) = if contacted {
                    (
                        Severity::Critical,
                        format!(
                            "Traffic to {owner}{country}, listed on {} government list(s): {host}",
                            lists.len()
                        ),
                    )
                } else {
                    (
                        Severity::High,
                        format!(
                            "Code can reach {owner}{country}, listed on {} government list(s): {host} (not contacted)",
                            lists.len()
                        ),
                    )
                };
                let explanation = format!(
                    "{host} belongs to {owner}{country}, which is on: {}. {}",
                    lists.join("; "),
                    if contacted {
                        format!(
                            "The page sent {} request(s) there during the visit.",
                            requests.len()
                        )
                    } else {
                        "The page's code names the host, but the visit did not contact it: \
                         the code can send data there under conditions this visit did not meet."
                            .to_string()
                    }
                );
                let mut evidence = requests;
                evidence.extend(code);
                Finding {
                    rule: Self::SLUG.to_string(),
                    severity,
                    confidence: Confidence::High,
                    title,
                    explanation,
                    script,
                    destinations: vec![host],
                    evidence,
                }
            })
            .collect()
    }
}
