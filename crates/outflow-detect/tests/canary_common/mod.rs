//! Shared by the canary tests: canaries, synthetic captures, the seven
//! transports a page can send data with, and running one rule over a
//! capture with chosen first-party hosts.

#![allow(dead_code)]

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use outflow_detect::{Facts, rule};
use outflow_model::{Attribution, Canary, Capture, Finding, Request};
use serde_json::json;

/// The site's own host.
pub const SITE: &str = "login.site.example";

/// Canaries shaped like the ones outflow-capture types.
pub fn canaries() -> Vec<Canary> {
    outflow_testkit::build::CANARY_VALUES
        .into_iter()
        .map(|(kind, value)| Canary {
            kind,
            value: value.to_string(),
            field: format!("input[type={kind:?}]").to_lowercase(),
            frame_url: format!("https://{SITE}/"),
            typed_at_ms: 100,
        })
        .collect()
}

pub use outflow_testkit::build::request;

/// A capture of the site with these requests and canaries.
pub fn capture(
    requests: Vec<Request>,
    canaries: Vec<Canary>,
    submitted_at_ms: Option<u64>,
) -> Capture {
    let mut capture = outflow_testkit::build::browser_capture(
        &format!("https://{SITE}/"),
        "2026-01-01T00:00:00Z",
        5000,
    );
    capture.requests = requests;
    capture.canaries = canaries;
    capture.submitted = submitted_at_ms.is_some();
    capture.submitted_at_ms = submitted_at_ms;
    capture
}

/// Runs one rule with `first` as the first-party hosts.
pub fn run(slug: &str, capture: &Capture, first: &[&str]) -> Vec<Finding> {
    let attributions: BTreeMap<String, Attribution> = first
        .iter()
        .map(|h| {
            (
                h.to_string(),
                serde_json::from_value(json!({"host": h, "party": "first"})).expect("attribution"),
            )
        })
        .collect();
    let facts = Facts {
        capture: Some(capture),
        scripts: &[],
        attributions: &attributions,
    };
    rule(slug).expect("rule registered").check(&facts)
}

/// The ways a page sends data.
pub const TRANSPORTS: [&str; 7] = [
    "fetch",
    "xhr",
    "sendBeacon",
    "image",
    "websocket",
    "form GET",
    "form POST",
];

/// `encodeURIComponent`, written here (not the detector's).
pub fn uri_component(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `application/x-www-form-urlencoded`, from the url crate.
pub fn form_value(bytes: &[u8]) -> String {
    url::form_urlencoded::byte_serialize(bytes).collect()
}

/// A request carrying `payload` to `host` the way `transport` would.
pub fn send(transport: &str, host: &str, payload: &[u8], id: &str, time_ms: u64) -> Request {
    let text = std::str::from_utf8(payload).ok().map(str::to_string);
    let body = |r: &mut Request| {
        r.body = Some(match &text {
            Some(t) => serde_json::from_value(json!({"text": t, "size": payload.len()})).unwrap(),
            None => serde_json::from_value(
                json!({"text": STANDARD.encode(payload), "base64": true, "size": payload.len()}),
            )
            .unwrap(),
        });
    };
    match transport {
        "fetch" | "xhr" | "sendBeacon" => {
            let kind = match transport {
                "fetch" => "Fetch",
                "xhr" => "XHR",
                _ => "Ping",
            };
            let mut r = request(
                id,
                &format!("https://{host}/collect"),
                "POST",
                kind,
                time_ms,
            );
            body(&mut r);
            r
        }
        "image" => request(
            id,
            &format!("https://{host}/p.gif?d={}&r=1", uri_component(payload)),
            "GET",
            "Image",
            time_ms,
        ),
        "websocket" => {
            let mut r = request(
                id,
                &format!("wss://{host}/socket"),
                "GET",
                "WebSocket",
                time_ms,
            );
            let (opcode, data) = match &text {
                Some(t) => (1, t.clone()),
                None => (2, STANDARD.encode(payload)),
            };
            r.websocket_frames = vec![
                serde_json::from_value(
                    json!({"sent": false, "opcode": 1, "payload": "hello", "time_ms": time_ms}),
                )
                .unwrap(),
                serde_json::from_value(
                    json!({"sent": true, "opcode": opcode, "payload": data, "time_ms": time_ms}),
                )
                .unwrap(),
            ];
            r
        }
        "form GET" => request(
            id,
            &format!("https://{host}/submit?q={}&x=1", form_value(payload)),
            "GET",
            "Document",
            time_ms,
        ),
        "form POST" => {
            let mut r = request(
                id,
                &format!("https://{host}/submit"),
                "POST",
                "Document",
                time_ms,
            );
            r.body = Some(
                serde_json::from_value(json!({
                    "text": format!("q={}&x=1", form_value(payload)),
                    "size": payload.len(),
                }))
                .unwrap(),
            );
            r
        }
        other => panic!("unknown transport {other}"),
    }
}
