//! # session-recording
//!
//! A session-replay script records what the visitor sees and does (every
//! change of the page, every click, every key) and sends it away, so that
//! the visit can be replayed later like a video.
//!
//! ## What it detects
//!
//! - **Known products**, by where the script comes from, what its code
//!   says and where it sends data: rrweb and the products built on it,
//!   Hotjar, FullStory, LogRocket, Microsoft Clarity, Yandex Metrica
//!   Webvisor, Mouseflow, Smartlook, PostHog, Mixpanel's recorder,
//!   Inspectlet, Lucky Orange, Quantum Metric, Contentsquare, Sentry and
//!   Datadog session replay, OpenReplay. The signatures, each with its
//!   source, are in `data/detect/session-recorders.toml`.
//! - **The behaviour**, for recorders outflow does not know by name,
//!   recorded during the visit: a `MutationObserver` observing the whole
//!   page (the document, `<html>` or `<body>`, with `subtree`), input
//!   listeners (`input`, `keydown`, `change` and the like) on the document
//!   or window, and at least
//!   [`MIN_PAYLOADS`] (3) requests with a body from the same script to one
//!   third-party host, spread over at least [`MIN_PAYLOAD_SPAN_MS`] (1000)
//!   milliseconds (the periodic upload of the recording).
//!
//! ## Why it matters
//!
//! Replay scripts capture what is typed, passwords included when fields
//! are not masked: Leaky Forms (USENIX Security 2022) found passwords
//! collected by session-replay scripts on 52 sites. The recording goes to
//! the vendor, who then holds a copy of every session.
//!
//! ## How it decides
//!
//! - A product's script URL, code signature or traffic: severity
//!   **medium**; confidence **high** when its traffic was seen or its code
//!   signature found, **medium** when its host is only named in the code.
//! - The behaviour seen running: severity **medium**, confidence
//!   **medium**.
//!
//! ## Known false positives
//!
//! A page that loads a vendor's script with recording switched off in the
//! vendor's settings (the code is there; nothing is recorded). Collaborative
//! editors observe the whole document, listen to input and sync it
//! periodically, which is the same behaviour for a different purpose.
//!
//! ## Example
//!
//! ```html
//! <script src="https://static.hotjar.com/c/hotjar-123.js?sv=7"></script>
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use outflow_model::{Confidence, Evidence, Finding, Observation, Severity};

use crate::facts::{Facts, host_of};
use crate::fingerprint::signatures::SignatureSet;
use crate::fingerprint::{ScriptApis, script_apis};
use crate::rule::Check;

/// Requests with a body to one host that count as periodic uploads.
pub const MIN_PAYLOADS: usize = 3;
/// Time the uploads must span, in milliseconds.
pub const MIN_PAYLOAD_SPAN_MS: u64 = 1000;

/// Observation targets that cover the whole page (as the capture
/// describes them).
const WHOLE_PAGE_TARGETS: [&str; 3] = ["document", "html", "body"];

/// Events whose listeners on the document or window record input.
const INPUT_EVENTS: [&str; 6] = ["input", "keydown", "keyup", "keypress", "change", "paste"];

const SIGNATURES: &str = include_str!("../../../../data/detect/session-recorders.toml");
const WHY: &str = "Session replay records what the visitor sees and types and sends it to the \
                   vendor, who can replay the visit; unmasked fields (passwords included) go \
                   with it.";

fn signatures() -> &'static SignatureSet {
    static SET: OnceLock<SignatureSet> = OnceLock::new();
    SignatureSet::compiled(&SET, SIGNATURES, "recorder")
}

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct SessionRecording;
    slug: "session-recording",
    source: "session_recording.rs",
    thresholds: [MIN_PAYLOADS, MIN_PAYLOAD_SPAN_MS],
}

impl Check for SessionRecording {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let set = signatures();
        let mut findings = Vec::new();
        let mut known_scripts: Vec<String> = Vec::new();
        for product in set.find(facts) {
            let signature = &set.signatures[product.signature];
            let observed_traffic = product.contacted();
            let what = format!("{} (session replay)", signature.name);
            let mut evidence = product.evidence(&what);
            evidence.push(signature.citation());
            known_scripts.push(product.script_name.clone());
            findings.push(Finding {
                rule: Self::SLUG.to_string(),
                severity: Severity::Medium,
                confidence: if product.strong() {
                    Confidence::High
                } else {
                    Confidence::Medium
                },
                title: format!(
                    "Session recording by {} in {} ({})",
                    signature.name,
                    product.script_name,
                    if observed_traffic {
                        "seen running"
                    } else {
                        "in the code"
                    }
                ),
                explanation: format!(
                    "{} is, or loads, {}, a session-replay product by {}. {WHY}",
                    product.script_name,
                    signature.name,
                    signature.vendor.as_deref().unwrap_or("an unknown vendor")
                ),
                script: Some(product.script_name.clone()),
                destinations: product.destinations(),
                evidence,
            });
        }
        // Who sent each request, worked out once: a page can hold many
        // scripts and many requests.
        let senders: Vec<Option<String>> = facts
            .requests()
            .iter()
            .map(|r| facts.request_script(r))
            .collect();
        for apis in script_apis(facts) {
            if known_scripts.contains(&apis.name) {
                continue;
            }
            if let Some(finding) = self.behaviour(facts, &senders, &apis) {
                findings.push(finding);
            }
        }
        findings
    }
}

impl SessionRecording {
    /// The recorder behaviour seen running in one script, as a finding.
    fn behaviour(
        &self,
        facts: &Facts<'_>,
        senders: &[Option<String>],
        apis: &ScriptApis<'_>,
    ) -> Option<Finding> {
        let observes_document = apis
            .run_arguments("MutationObserver.observe")
            .iter()
            .any(|a| {
                let target = a.split([' ', '#', '[']).next().unwrap_or_default();
                WHOLE_PAGE_TARGETS.contains(&target) && a.contains("subtree")
            });
        if !observes_document {
            return None;
        }
        let listeners: Vec<&str> = INPUT_EVENTS
            .iter()
            .flat_map(|event| apis.run_arguments(&format!("EventTarget.addEventListener({event})")))
            .filter(|a| a.ends_with(" on document") || a.ends_with(" on window"))
            .collect();
        if listeners.is_empty() {
            return None;
        }
        // Uploads: requests with a body from this script, by third-party host.
        let mut uploads: BTreeMap<String, Vec<&outflow_model::Request>> = BTreeMap::new();
        for (request, sender) in facts.requests().iter().zip(senders) {
            let from_script = sender.as_deref() == Some(apis.name.as_str())
                || apis
                    .script
                    .is_some_and(|s| request.initiator.script_id.as_deref() == Some(s.id.as_str()));
            let has_body = request.body.as_ref().is_some_and(|b| b.size > 0)
                || request.websocket_frames.iter().any(|f| f.sent);
            if !from_script || !has_body {
                continue;
            }
            if let Some(host) = host_of(&request.url).filter(|h| facts.is_third_party(h)) {
                uploads.entry(host).or_default().push(request);
            }
        }
        let (host, requests) = uploads.into_iter().find(|(_, requests)| {
            let count = requests.len()
                + requests
                    .iter()
                    .map(|r| r.websocket_frames.iter().filter(|f| f.sent).count())
                    .sum::<usize>();
            let times: Vec<u64> = requests
                .iter()
                .map(|r| r.time_ms)
                .chain(requests.iter().flat_map(|r| {
                    r.websocket_frames
                        .iter()
                        .filter(|f| f.sent)
                        .map(|f| f.time_ms)
                }))
                .collect();
            let span = times.iter().max().unwrap_or(&0) - times.iter().min().unwrap_or(&0);
            count >= MIN_PAYLOADS && span >= MIN_PAYLOAD_SPAN_MS
        })?;
        let mut evidence: Vec<Evidence> = requests
            .iter()
            .take(5)
            .map(|r| Evidence::Request {
                request_id: r.id.clone(),
                url: r.url.clone(),
                method: r.method.clone(),
                time_ms: r.time_ms,
                channel: outflow_model::Channel::Body,
                matched: String::new(),
                encodings: Vec::new(),
                what: "periodic upload from the recording script".to_string(),
            })
            .collect();
        evidence.extend(apis.evidence("MutationObserver.observe", &[Observation::Dynamic]));
        for event in INPUT_EVENTS {
            evidence.extend(apis.evidence(
                &format!("EventTarget.addEventListener({event})"),
                &[Observation::Dynamic],
            ));
        }
        Some(Finding {
            rule: Self::SLUG.to_string(),
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            title: format!(
                "Session-recording behaviour in {} (seen running): whole-document observer, input listeners, uploads to {host}",
                apis.name
            ),
            explanation: format!(
                "{} observes every change of the document, listens to input on the whole page \
                 ({}) and uploaded data to {host} {} times during the visit: the shape of a \
                 session recorder. {WHY}",
                apis.name,
                listeners.join(", "),
                requests.len()
            ),
            script: Some(apis.name.clone()),
            destinations: vec![host],
            evidence,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_file_parses_and_every_entry_has_a_source() {
        crate::fingerprint::signatures::assert_sourced(super::SIGNATURES, "recorder", 10);
    }
}

