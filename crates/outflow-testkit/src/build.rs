//! Model values as the tests build them. Captures and requests are read
//! from JSON so that fields the model gains later (all defaulted) need no
//! change in any test.

use outflow_model::{
    CanaryKind, Capture, Confidence, Finding, InventoryScript, Request, Severity, SourcedFact,
};
use serde_json::json;

/// Canary values shaped like the ones outflow-capture types, by kind.
pub const CANARY_VALUES: [(CanaryKind, &str); 3] = [
    (CanaryKind::Email, "outflow.3fa9c01b2e@example.com"),
    (CanaryKind::Password, "Of-3fa9c01b2e-pw!"),
    (CanaryKind::Phone, "2025550142"),
];

/// A SHA-256-shaped hex string of one repeated character, e.g. `sha('a')`.
pub fn sha(byte: char) -> String {
    std::iter::repeat_n(byte, 64).collect()
}

/// A source citation of `url`, dated `date`, without a title.
pub fn sourced(url: &str, date: &str) -> SourcedFact {
    SourcedFact {
        url: url.to_string(),
        date: date.to_string(),
        title: None,
    }
}

/// An inventory entry named `name` (its id too) of origin `origin`, with
/// hash `sha256`; no host, party, size, contacts or names, not obfuscated.
pub fn inventory_script(name: &str, origin: &str, sha256: &str) -> InventoryScript {
    InventoryScript {
        id: name.to_string(),
        name: name.to_string(),
        origin: origin.to_string(),
        host: None,
        party: None,
        size: 0,
        sha256: sha256.to_string(),
        obfuscation: 0.0,
        contacts: Vec::new(),
        names: Vec::new(),
        frame: None,
    }
}

/// A high-confidence finding of `rule` without explanation, script,
/// destinations or evidence.
pub fn finding(rule: &str, severity: Severity, title: &str) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity,
        confidence: Confidence::High,
        title: title.to_string(),
        explanation: String::new(),
        script: None,
        destinations: Vec::new(),
        evidence: Vec::new(),
    }
}

/// A headless-browser capture of `target`, started at `started_at` (RFC
/// 3339) and lasting `duration_ms`, with nothing in it.
pub fn browser_capture(target: &str, started_at: &str, duration_ms: u64) -> Capture {
    serde_json::from_value(json!({
        "target": target,
        "source": { "kind": "browser", "headless": true },
        "started_at": started_at,
        "duration_ms": duration_ms,
        "frames": [],
        "scripts": [],
        "requests": [],
        "canaries": [],
        "errors": []
    }))
    .expect("a capture")
}

/// A request without headers or body, sent by a script at `time_ms`;
/// `kind` is the resource type (`Fetch`, `Image`, ...).
pub fn request(id: &str, url: &str, method: &str, kind: &str, time_ms: u64) -> Request {
    serde_json::from_value(json!({
        "id": id, "url": url, "method": method, "resource_type": kind,
        "headers": [], "initiator": { "kind": "script" }, "time_ms": time_ms,
    }))
    .expect("a request")
}
